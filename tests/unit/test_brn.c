/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for core/brn: real numbers, the check digit, each structural rule, separators,
 * lengths and stray characters, and the messages that say which rule failed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/brn.h"

/* Parse in and expect success with the given ten digits. */
static void expect_ok(const char *in, const char *digits)
{
    char out[BRN_SIZE] = "";
    struct dure_err err = {0};
    int rc = brn_parse(in, out, &err);
    if (rc != DURE_OK)
        fail_msg("brn_parse(\"%s\"): %s", in, err.msg);
    assert_string_equal(out, digits);
}

/* Parse in and expect DURE_EINVAL with a message containing needle; out is untouched. */
static void expect_bad(const char *in, const char *needle)
{
    char out[BRN_SIZE] = "untouched";
    struct dure_err err = {0};
    int rc = brn_parse(in, out, &err);
    if (rc != DURE_EINVAL)
        fail_msg("brn_parse(\"%s\") returned %d, expected DURE_EINVAL", in ? in : "(null)", rc);
    assert_int_equal(err.code, DURE_EINVAL);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("brn_parse(\"%s\"): message \"%s\" lacks \"%s\"", in ? in : "(null)", err.msg,
                 needle);
    assert_string_equal(out, "untouched");
}

static void test_real_numbers(void **state)
{
    (void)state;
    expect_ok("124-81-00998", "1248100998"); /* Samsung Electronics */
    expect_ok("134-86-72683", "1348672683");
    expect_ok("1248100998", "1248100998");
    expect_ok("1348672683", "1348672683");
}

static void test_check_digit(void **state)
{
    (void)state;
    assert_int_equal(brn_check_digit("124810099"), 8);
    assert_int_equal(brn_check_digit("134867268"), 3);
    /* 1 + 7 + 3 + 5 = 16, and 5 x 1 = 5 has no tens digit: 10 - 6 = 4. */
    assert_int_equal(brn_check_digit("101010001"), 4);
    /* The ninth digit's tens term: 5 x 9 = 45 adds 4 to the sum (118 + 4 = 122 -> 8). */
    assert_int_equal(brn_check_digit("124810099"), 8);
    /* A sum ending in 0 gives 0, not 10. */
    assert_int_equal(brn_check_digit("101200000"), 0);
}

static void test_check_digit_table(void **state)
{
    (void)state;
    /* Recompute by the rule for many prefixes and compare with the function. */
    static const int w[9] = {1, 3, 7, 1, 3, 7, 1, 3, 5};
    char d[10];
    for (int n = 0; n < 200000; n += 7) {
        snprintf(d, sizeof(d), "1%02d%06d", n % 90 + 10, n);
        int sum = 0;
        for (int i = 0; i < 9; i++)
            sum += (d[i] - '0') * w[i];
        sum += (d[8] - '0') * 5 / 10;
        assert_int_equal(brn_check_digit(d), (10 - sum % 10) % 10);
    }
}

static void test_wrong_check_digit(void **state)
{
    (void)state;
    expect_bad("124-81-00999", "check digit is 9, expected 8");
    expect_bad("123-45-67890", "check digit is 0, expected 1");
    expect_bad("134-86-72684", "check digit is 4, expected 3");
}

static void test_structure_rules(void **state)
{
    (void)state;
    expect_bad("000-00-00000", "tax office code 000 is below 101");
    expect_bad("100-81-00015", "tax office code 100 is below 101");
    expect_bad("099-81-12345", "below 101");
    /* Valid check digits, so only the structural rule can fail. */
    char d[11] = "124000099";
    d[9] = (char)('0' + brn_check_digit(d));
    d[10] = '\0';
    expect_bad(d, "type code (digits 4-5) is 00");
    char s[11] = "124810000";
    s[9] = (char)('0' + brn_check_digit(s));
    s[10] = '\0';
    expect_bad(s, "serial (digits 6-9) is 0000");
    /* 101 is the lowest office code: valid with its check digit. */
    char lo[11] = "101810001";
    lo[9] = (char)('0' + brn_check_digit(lo));
    lo[10] = '\0';
    expect_ok(lo, lo);
}

static void test_separators(void **state)
{
    (void)state;
    expect_ok("124-81-00998", "1248100998");
    expect_ok("124 81 00998", "1248100998");
    expect_ok("  124-81-00998  ", "1248100998");
    expect_ok("12481-00998", "1248100998");
    expect_ok("1-2-4-8-1-0-0-9-9-8", "1248100998");
    expect_ok("124 - 81 - 00998", "1248100998");
    expect_ok("\t1248100998", "1248100998");
}

static void test_lengths(void **state)
{
    (void)state;
    expect_bad("", "is empty");
    expect_bad("---", "is empty");
    expect_bad("124-81-0099", "has 9 digits, expected 10");
    expect_bad("124-81-009981", "has 11 digits, expected 10");
    expect_bad("1", "has 1 digits, expected 10");
    expect_bad("12481009981248100998", "has 20 digits");
    expect_bad("124-81-00998-124-81-00998-124-81-00998", "too long");
    expect_bad(NULL, "missing");
}

static void test_letters(void **state)
{
    (void)state;
    expect_bad("124-8I-00998", "'I' at position 6");
    expect_bad("l24-81-00998", "'l' at position 1");
    expect_bad("124.81.00998", "'.' at position 4");
    expect_bad("124-81-00998호", "byte 0x");
    expect_bad("124_81_00998", "only digits and hyphens");
    expect_bad("+1248100998", "'+' at position 1");
}

static void test_message_sanitised(void **state)
{
    (void)state;
    char out[BRN_SIZE];
    struct dure_err err = {0};
    assert_int_equal(brn_parse("12\n4-81-00998", out, &err), DURE_EINVAL);
    assert_null(strchr(err.msg, '\n'));
    assert_non_null(strstr(err.msg, "byte 0x0a at position 3"));
}

static void test_null_err(void **state)
{
    (void)state;
    char out[BRN_SIZE];
    assert_int_equal(brn_parse("124-81-00999", out, NULL), DURE_EINVAL);
    assert_int_equal(brn_parse("124-81-00998", out, NULL), DURE_OK);
}

static void test_format(void **state)
{
    (void)state;
    char out[BRN_FORMATTED_SIZE];
    brn_format("1248100998", out);
    assert_string_equal(out, "124-81-00998");
    brn_format("1348672683", out);
    assert_string_equal(out, "134-86-72683");
    /* Round trip: format then parse. */
    char back[BRN_SIZE];
    assert_int_equal(brn_parse(out, back, NULL), DURE_OK);
    assert_string_equal(back, "1348672683");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_numbers),
        cmocka_unit_test(test_check_digit),
        cmocka_unit_test(test_check_digit_table),
        cmocka_unit_test(test_wrong_check_digit),
        cmocka_unit_test(test_structure_rules),
        cmocka_unit_test(test_separators),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_letters),
        cmocka_unit_test(test_message_sanitised),
        cmocka_unit_test(test_null_err),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
