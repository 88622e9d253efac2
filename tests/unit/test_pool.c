/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for core/pool: consent names, approval numbers, dates, amounts, quantities,
 * months, resident-number detection and the internal rules of an invoice. */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "core/pool.h"

#define BRN_A "1248100998"
#define BRN_B "2208112341"

/* Expect rc to be DURE_EINVAL with part in the message. */
static void expect_einval(int rc, const struct dure_err *err, const char *part)
{
    assert_int_equal(rc, DURE_EINVAL);
    if (strstr(err->msg, part) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err->msg, part);
}

static void test_consent(void **state)
{
    (void)state;
    assert_string_equal(pool_consent_name(POOL_CONSENT_STATISTICS), "statistics");
    assert_string_equal(pool_consent_name(POOL_CONSENT_BENCHMARKING), "benchmarking");
    assert_string_equal(pool_consent_name(POOL_CONSENT_PURCHASING), "purchasing");
    assert_string_equal(pool_consent_name(POOL_CONSENT_MATCHING), "matching");
    assert_null(pool_consent_name(0));
    assert_null(pool_consent_name(3));
    assert_null(pool_consent_name(1 << 4));
    assert_int_equal(pool_consent_parse("statistics"), POOL_CONSENT_STATISTICS);
    assert_int_equal(pool_consent_parse("matching"), POOL_CONSENT_MATCHING);
    assert_int_equal(pool_consent_parse("Statistics"), 0);
    assert_int_equal(pool_consent_parse(""), 0);
    assert_int_equal(pool_consent_parse(NULL), 0);
    int all = 0;
    for (int b = 1; b <= POOL_CONSENT_MATCHING; b <<= 1)
        all |= pool_consent_parse(pool_consent_name(b));
    assert_int_equal(all, POOL_CONSENT_ALL);
}

static void test_approval(void **state)
{
    char out[POOL_APPROVAL_SIZE];
    struct dure_err err = {0};
    (void)state;

    assert_int_equal(pool_approval_parse("20250115-10000000-00000001", out, &err), 0);
    assert_string_equal(out, "202501151000000000000001");
    assert_int_equal(pool_approval_parse(" 202501151000000000000002 ", out, &err), 0);
    assert_string_equal(out, "202501151000000000000002");

    expect_einval(pool_approval_parse("2025011510000000000000012", out, &err), &err, "25 digits");
    expect_einval(pool_approval_parse("20250115-10000000-000000012", out, &err), &err, "25 digits");
    expect_einval(pool_approval_parse("20250115100000000000001", out, &err), &err, "23 digits");
    expect_einval(pool_approval_parse("2025011-510000000-00000001", out, &err), &err, "8-8-8");
    expect_einval(pool_approval_parse("20250115-1000000000000001", out, &err), &err, "8-8-8");
    expect_einval(pool_approval_parse("20250115-10000000-0000000A", out, &err), &err,
                  "position 26");
    expect_einval(pool_approval_parse("", out, &err), &err, "missing");
    expect_einval(pool_approval_parse("   ", out, &err), &err, "missing");
    expect_einval(pool_approval_parse(NULL, out, &err), &err, "missing");
}

static void test_date(void **state)
{
    char out[REG_DATE_SIZE];
    struct dure_err err = {0};
    (void)state;

    assert_int_equal(pool_date_parse("2025-01-15", out, &err), 0);
    assert_string_equal(out, "2025-01-15");
    assert_int_equal(pool_date_parse("20250116", out, &err), 0);
    assert_string_equal(out, "2025-01-16");
    assert_int_equal(pool_date_parse("2025.01.17", out, &err), 0);
    assert_string_equal(out, "2025-01-17");
    assert_int_equal(pool_date_parse(" 2025-01-18 ", out, &err), 0);
    assert_string_equal(out, "2025-01-18");
    assert_int_equal(pool_date_parse("2024-02-29", out, &err), 0);
    assert_string_equal(out, "2024-02-29");
    assert_int_equal(pool_date_parse("2000-02-29", out, &err), 0);

    expect_einval(pool_date_parse("2025-02-29", out, &err), &err, "does not exist");
    expect_einval(pool_date_parse("20250229", out, &err), &err, "does not exist");
    expect_einval(pool_date_parse("1900-02-29", out, &err), &err, "does not exist");
    expect_einval(pool_date_parse("2025-13-01", out, &err), &err, "does not exist");
    expect_einval(pool_date_parse("2025-04-31", out, &err), &err, "does not exist");
    expect_einval(pool_date_parse("2025-01-00", out, &err), &err, "does not exist");
    expect_einval(pool_date_parse("2025-1-15", out, &err), &err, "YYYY-MM-DD");
    expect_einval(pool_date_parse("2025-01.15", out, &err), &err, "YYYY-MM-DD");
    expect_einval(pool_date_parse("15-01-2025", out, &err), &err, "YYYY-MM-DD");
    expect_einval(pool_date_parse("2025011", out, &err), &err, "YYYY-MM-DD");
    expect_einval(pool_date_parse("yesterday", out, &err), &err, "YYYY-MM-DD");
    expect_einval(pool_date_parse("", out, &err), &err, "missing");
}

static void test_amount(void **state)
{
    int64_t v = 0;
    struct dure_err err = {0};
    (void)state;

    assert_int_equal(pool_amount_parse("1,234,000", &v, &err), 0);
    assert_int_equal(v, 1234000);
    assert_int_equal(pool_amount_parse("-55,000", &v, &err), 0);
    assert_int_equal(v, -55000);
    assert_int_equal(pool_amount_parse("1234000", &v, &err), 0);
    assert_int_equal(v, 1234000);
    assert_int_equal(pool_amount_parse(" +12 ", &v, &err), 0);
    assert_int_equal(v, 12);
    assert_int_equal(pool_amount_parse("0", &v, &err), 0);
    assert_int_equal(v, 0);
    assert_int_equal(pool_amount_parse("100.00", &v, &err), 0);
    assert_int_equal(v, 100);
    assert_int_equal(pool_amount_parse("999", &v, &err), 0);
    assert_int_equal(pool_amount_parse("1,000,000,000,000,000", &v, &err), 0);
    assert_int_equal(v, POOL_AMOUNT_MAX);
    assert_int_equal(pool_amount_parse("-1000000000000000", &v, &err), 0);
    assert_int_equal(v, -POOL_AMOUNT_MAX);

    expect_einval(pool_amount_parse("1000000000000001", &v, &err), &err, "out of range");
    expect_einval(pool_amount_parse("99999999999999999999999", &v, &err), &err, "out of range");
    expect_einval(pool_amount_parse("1,23,4", &v, &err), &err, "separators");
    expect_einval(pool_amount_parse("1234,000", &v, &err), &err, "separators");
    expect_einval(pool_amount_parse("1,2345", &v, &err), &err, "separators");
    expect_einval(pool_amount_parse(",123", &v, &err), &err, "not a number");
    expect_einval(pool_amount_parse("12a", &v, &err), &err, "not a number");
    expect_einval(pool_amount_parse("abc", &v, &err), &err, "not a number");
    expect_einval(pool_amount_parse("-", &v, &err), &err, "not a number");
    expect_einval(pool_amount_parse("1 000", &v, &err), &err, "not a number");
    expect_einval(pool_amount_parse("1.5", &v, &err), &err, "whole number");
    expect_einval(pool_amount_parse("", &v, &err), &err, "missing");
    expect_einval(pool_amount_parse(NULL, &v, &err), &err, "missing");

    /* A resident number typed into an amount is not repeated in the message. */
    expect_einval(pool_amount_parse("900101-1234567", &v, &err), &err, "resident number");
    assert_null(strstr(err.msg, "1234567"));
    expect_einval(pool_amount_parse("x9001011******", &v, &err), &err, "resident number");
    assert_null(strstr(err.msg, "900101"));
    expect_einval(pool_amount_parse("kim@example.com", &v, &err), &err, "e-mail");
    assert_null(strstr(err.msg, "kim"));
    /* An approval number's groups are not mistaken for one. */
    expect_einval(pool_amount_parse("20250115-41000000-00000078", &v, &err), &err,
                  "\"20250115-41000000-00000078\"");
}

static void test_qty(void **state)
{
    int64_t v = 0;
    struct dure_err err = {0};
    (void)state;

    assert_int_equal(pool_qty_parse("1.5", &v, &err), 0);
    assert_int_equal(v, 1500);
    assert_int_equal(pool_qty_parse("3", &v, &err), 0);
    assert_int_equal(v, 3000);
    assert_int_equal(pool_qty_parse("1,200", &v, &err), 0);
    assert_int_equal(v, 1200000);
    assert_int_equal(pool_qty_parse("0.001", &v, &err), 0);
    assert_int_equal(v, 1);
    assert_int_equal(pool_qty_parse("1.5000", &v, &err), 0);
    assert_int_equal(v, 1500);
    assert_int_equal(pool_qty_parse("-2", &v, &err), 0);
    assert_int_equal(v, -2000);
    assert_int_equal(pool_qty_parse("12.", &v, &err), 0);
    assert_int_equal(v, 12000);

    expect_einval(pool_qty_parse("1.0005", &v, &err), &err, "3 decimals");
    expect_einval(pool_qty_parse("abc", &v, &err), &err, "not a number");
    expect_einval(pool_qty_parse(".5", &v, &err), &err, "not a number");
    expect_einval(pool_qty_parse("1e3", &v, &err), &err, "not a number");
    expect_einval(pool_qty_parse("", &v, &err), &err, "missing");
    expect_einval(pool_qty_parse("10000000000000", &v, &err), &err, "out of range");
}

static void test_month(void **state)
{
    char out[POOL_MONTH_SIZE];
    struct dure_err err = {0};
    (void)state;

    assert_int_equal(pool_month_parse("2025-01", out, &err), 0);
    assert_string_equal(out, "2025-01");
    assert_int_equal(pool_month_parse("202512", out, &err), 0);
    assert_string_equal(out, "2025-12");
    expect_einval(pool_month_parse("2025-13", out, &err), &err, "does not exist");
    expect_einval(pool_month_parse("202500", out, &err), &err, "does not exist");
    expect_einval(pool_month_parse("2025-1", out, &err), &err, "YYYY-MM");
    expect_einval(pool_month_parse("2025-01-01", out, &err), &err, "YYYY-MM");
    expect_einval(pool_month_parse("", out, &err), &err, "missing");

    pool_month_of("2025-03-31", out);
    assert_string_equal(out, "2025-03");
}

static void test_resident_number(void **state)
{
    (void)state;
    assert_true(pool_is_resident_number("900101-1234567"));
    assert_true(pool_is_resident_number("9001011234567"));
    assert_true(pool_is_resident_number("900101-1******"));
    assert_true(pool_is_resident_number("9001011******"));
    assert_true(pool_is_resident_number(" 900101-2234567 "));

    assert_false(pool_is_resident_number(BRN_A));
    assert_false(pool_is_resident_number("124-81-00998"));
    assert_false(pool_is_resident_number(""));
    assert_false(pool_is_resident_number(NULL));
    assert_false(pool_is_resident_number("900101-123456"));
    assert_false(pool_is_resident_number("900101-12345678"));
    assert_false(pool_is_resident_number("90010-11234567"));
    assert_false(pool_is_resident_number("900101--1234567"));
    assert_false(pool_is_resident_number("9001*1-1234567"));
    assert_false(pool_is_resident_number("900101-1234567x"));
}

/* A valid invoice to change one thing at a time. */
static struct pool_invoice good_invoice(void)
{
    struct pool_invoice inv;
    memset(&inv, 0, sizeof(inv));
    memcpy(inv.approval_no, "202501151000000000000001", POOL_APPROVAL_SIZE);
    memcpy(inv.written_on, "2025-01-15", REG_DATE_SIZE);
    memcpy(inv.supplier_brn, BRN_A, BRN_SIZE);
    memcpy(inv.buyer_brn, BRN_B, BRN_SIZE);
    inv.supply_krw = 1000000;
    inv.tax_krw = 100000;
    inv.total_krw = 1100000;
    return inv;
}

static void test_invoice_check(void **state)
{
    struct dure_err err = {0};
    struct pool_invoice inv;
    struct pool_item item;
    (void)state;

    inv = good_invoice();
    assert_int_equal(pool_invoice_check(&inv, &err), 0);

    inv = good_invoice();
    inv.total_krw = 1100001;
    expect_einval(pool_invoice_check(&inv, &err), &err, "합계금액");

    inv = good_invoice();
    inv.supply_krw = -1000000;
    inv.tax_krw = -100000;
    inv.total_krw = -1100000;
    expect_einval(pool_invoice_check(&inv, &err), &err, "not amended");
    inv.amended = 1;
    assert_int_equal(pool_invoice_check(&inv, &err), 0);

    inv = good_invoice();
    inv.tax_exempt = 1;
    expect_einval(pool_invoice_check(&inv, &err), &err, "tax-exempt");
    inv.tax_krw = 0;
    inv.total_krw = inv.supply_krw;
    assert_int_equal(pool_invoice_check(&inv, &err), 0);

    inv = good_invoice();
    inv.supplier_brn[0] = '\0';
    expect_einval(pool_invoice_check(&inv, &err), &err, "공급자사업자등록번호");

    inv = good_invoice();
    inv.buyer_brn[0] = '\0';
    expect_einval(pool_invoice_check(&inv, &err), &err, "공급받는자사업자등록번호");
    inv.buyer_kind = POOL_PARTY_PERSON;
    assert_int_equal(pool_invoice_check(&inv, &err), 0);

    inv = good_invoice();
    inv.supply_krw = POOL_AMOUNT_MAX + 1;
    expect_einval(pool_invoice_check(&inv, &err), &err, "out of range");
    inv = good_invoice();
    inv.tax_krw = INT64_MIN;
    expect_einval(pool_invoice_check(&inv, &err), &err, "out of range");

    inv = good_invoice();
    memset(&item, 0, sizeof(item));
    item.supply_krw = POOL_AMOUNT_MAX + 1;
    inv.items = &item;
    inv.nitems = 1;
    expect_einval(pool_invoice_check(&inv, &err), &err, "line item 1");

    expect_einval(pool_invoice_check(NULL, &err), &err, "missing");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_consent),
        cmocka_unit_test(test_approval),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_amount),
        cmocka_unit_test(test_qty),
        cmocka_unit_test(test_month),
        cmocka_unit_test(test_resident_number),
        cmocka_unit_test(test_invoice_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
