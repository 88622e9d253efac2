/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for core/registry: the 30% share cap, size classes, complex and status names,
 * building and firm validation, and calendar dates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/registry.h"

static void test_cap_equal_shares(void **state)
{
    (void)state;
    const int64_t four[] = {25, 25, 25, 25};
    size_t over = 99;
    struct dure_err err = {0};
    assert_int_equal(coop_share_cap_check(four, 4, &over, &err), DURE_OK);
    assert_int_equal(over, 99); /* untouched when the cap holds */
}

static void test_cap_exactly_30(void **state)
{
    (void)state;
    const int64_t at_cap[] = {30, 25, 25, 20}; /* 30 of 100 is allowed */
    assert_int_equal(coop_share_cap_check(at_cap, 4, NULL, NULL), DURE_OK);
}

static void test_cap_over(void **state)
{
    (void)state;
    const int64_t shares[] = {23, 31, 23, 23}; /* 31 of 100 */
    size_t over = 99;
    struct dure_err err = {0};
    assert_int_equal(coop_share_cap_check(shares, 4, &over, &err), DURE_ECONFLICT);
    assert_int_equal(over, 1);
    assert_int_equal(err.code, DURE_ECONFLICT);
    assert_non_null(strstr(err.msg, "31 of 100 shares (31.0%)"));
    assert_non_null(strstr(err.msg, "30% cap"));
}

static void test_cap_small_registers(void **state)
{
    (void)state;
    /* Below 4 members no distribution can satisfy the cap, so it is not enforced. */
    const int64_t one[] = {50};
    const int64_t three[] = {1, 1, 98};
    assert_int_equal(coop_share_cap_check(one, 1, NULL, NULL), DURE_OK);
    assert_int_equal(coop_share_cap_check(three, 3, NULL, NULL), DURE_OK);
    assert_int_equal(coop_share_cap_check(NULL, 0, NULL, NULL), DURE_OK);
    const int64_t zeros[] = {0, 0, 0, 0};
    assert_int_equal(coop_share_cap_check(zeros, 4, NULL, NULL), DURE_OK);
}

static void test_cap_large_register(void **state)
{
    (void)state;
    int64_t shares[1000];
    for (size_t i = 0; i < 1000; i++)
        shares[i] = (int64_t)(i % 50) + 1;
    assert_int_equal(coop_share_cap_check(shares, 1000, NULL, NULL), DURE_OK);
    shares[777] = 20000; /* 20000 of 45472, 44% */
    size_t over = 0;
    assert_int_equal(coop_share_cap_check(shares, 1000, &over, NULL), DURE_ECONFLICT);
    assert_int_equal(over, 777);
}

static void test_cap_bad_input(void **state)
{
    (void)state;
    const int64_t negative[] = {10, -1, 10, 10};
    const int64_t huge[] = {INT64_MAX / 2, INT64_MAX / 2, 1, 1};
    struct dure_err err = {0};
    assert_int_equal(coop_share_cap_check(negative, 4, NULL, &err), DURE_EINVAL);
    assert_non_null(strstr(err.msg, "negative"));
    assert_int_equal(coop_share_cap_check(huge, 4, NULL, &err), DURE_EINVAL);
    assert_int_equal(coop_share_cap_check(NULL, 4, NULL, &err), DURE_EINVAL);
}

static void test_size_classes(void **state)
{
    (void)state;
    static const struct {
        int64_t employees;
        const char *cls;
    } cases[] = {
        {-3, "1-4"},    {0, "1-4"},      {1, "1-4"},    {4, "1-4"},
        {5, "5-9"},     {9, "5-9"},      {10, "10-49"}, {49, "10-49"},
        {50, "50-299"}, {299, "50-299"}, {300, "300+"}, {100000, "300+"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(size_class_of(cases[i].employees), cases[i].cls);
}

static void test_complex_parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int complex;
    } cases[] = {
        {"1", 1},
        {"2", 2},
        {"3", 3},
        {"1단지", 1},
        {"제2단지", 2},
        {"제3단지", 3},
        {"서울디지털1단지", 1},
        {"서울디지털2단지", 2},
        {"서울디지털3단지", 3},
        {"서울디지털산업단지 제3단지", 3},
        {"서울디지털산업단지 2단지", 2},
        {" 서울디지털1단지 ", 1},
        {"구로", 1},
        {"가산", 0}, /* ambiguous: complexes 2 and 3 */
        {"0", 0},
        {"4", 0},
        {"12", 0},
        {"4단지", 0},
        {"1단지단지", 0},
        {"서울디지털", 0},
        {"단지", 0},
        {"", 0},
        {"one", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = complex_parse(cases[i].text);
        if (got != cases[i].complex)
            fail_msg("complex_parse(\"%s\") = %d, expected %d", cases[i].text, got,
                     cases[i].complex);
    }
    assert_int_equal(complex_parse(NULL), 0);
}

static void test_status(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        enum firm_status status;
    } ok[] = {
        {"", FIRM_ACTIVE},        {"active", FIRM_ACTIVE},       {"Active", FIRM_ACTIVE},
        {"가동", FIRM_ACTIVE},    {"영업", FIRM_ACTIVE},         {" 가동 ", FIRM_ACTIVE},
        {"휴업", FIRM_SUSPENDED}, {"suspended", FIRM_SUSPENDED}, {"폐업", FIRM_CLOSED},
        {"closed", FIRM_CLOSED},  {"CLOSED", FIRM_CLOSED},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        enum firm_status s = FIRM_CLOSED;
        if (ok[i].status == FIRM_CLOSED)
            s = FIRM_ACTIVE;
        if (firm_status_parse(ok[i].text, &s) != 0)
            fail_msg("firm_status_parse(\"%s\") failed", ok[i].text);
        assert_int_equal(s, ok[i].status);
    }
    enum firm_status s = FIRM_SUSPENDED;
    assert_int_equal(firm_status_parse("폐쇄", &s), -1);
    assert_int_equal(firm_status_parse("open", &s), -1);
    assert_int_equal(firm_status_parse("activ", &s), -1);
    assert_int_equal(firm_status_parse(NULL, &s), -1);
    assert_int_equal(s, FIRM_SUSPENDED);

    assert_string_equal(firm_status_name(FIRM_ACTIVE), "active");
    assert_string_equal(firm_status_name(FIRM_SUSPENDED), "suspended");
    assert_string_equal(firm_status_name(FIRM_CLOSED), "closed");
    /* Names parse back. */
    for (int i = FIRM_ACTIVE; i <= FIRM_CLOSED; i++) {
        assert_int_equal(firm_status_parse(firm_status_name((enum firm_status)i), &s), 0);
        assert_int_equal(s, i);
    }
}

static void test_dates(void **state)
{
    (void)state;
    static const char *const good[] = {
        "2024-02-29", "2000-02-29", "2023-02-28", "2023-12-31", "2021-03-01",
        "2026-10-31", "1999-01-01", "0001-01-01", "9999-12-31", "2023-04-30",
    };
    static const char *const bad[] = {
        "2023-02-29",  "1900-02-29", "2100-02-29", "2023-04-31",           "2023-13-01",
        "2023-00-10",  "2023-01-00", "2023-01-32", "0000-01-01",           "2023-1-01",
        "2023-01-1",   "23-01-01",   "2023/01/01", "2023-01-01T00:00:00Z", "2023-01-01 ",
        " 2023-01-01", "",           "2023-0a-01", "abcd-ef-gh",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!date_valid(good[i]))
            fail_msg("date_valid(\"%s\") should be 1", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (date_valid(bad[i]))
            fail_msg("date_valid(\"%s\") should be 0", bad[i]);
    assert_false(date_valid(NULL));
}

static struct building good_building(void)
{
    struct building b;
    memset(&b, 0, sizeof(b));
    snprintf(b.name, sizeof(b.name), "에이스하이엔드타워 3차");
    snprintf(b.road_address, sizeof(b.road_address), "서울특별시 금천구 가산디지털1로 145");
    b.complex = 3;
    b.floors = 20;
    b.building_area_m2 = 4321.5;
    b.gross_floor_area_m2 = 75000.25;
    return b;
}

static void test_building_validate(void **state)
{
    (void)state;
    struct dure_err err = {0};
    struct building b = good_building();
    assert_int_equal(building_validate(&b, &err), DURE_OK);
    b.floors = 0;
    b.building_area_m2 = 0;
    b.gross_floor_area_m2 = 0;
    assert_int_equal(building_validate(&b, &err), DURE_OK); /* unknown sizes are 0 */

    b = good_building();
    b.name[0] = '\0';
    assert_int_equal(building_validate(&b, &err), DURE_EINVAL);
    assert_non_null(strstr(err.msg, "name"));
    snprintf(b.name, sizeof(b.name), "   ");
    assert_int_equal(building_validate(&b, &err), DURE_EINVAL);

    b = good_building();
    b.complex = 4;
    assert_int_equal(building_validate(&b, &err), DURE_EINVAL);
    assert_non_null(strstr(err.msg, "complex is 4"));
    b.complex = 0;
    assert_int_equal(building_validate(&b, &err), DURE_EINVAL);

    b = good_building();
    b.floors = -1;
    assert_int_equal(building_validate(&b, &err), DURE_EINVAL);
    b = good_building();
    b.building_area_m2 = -0.01;
    assert_int_equal(building_validate(&b, &err), DURE_EINVAL);
    b = good_building();
    b.gross_floor_area_m2 = NAN;
    assert_int_equal(building_validate(&b, &err), DURE_EINVAL);
    assert_int_equal(building_validate(NULL, &err), DURE_EINVAL);
}

static struct firm good_firm(void)
{
    struct firm f;
    memset(&f, 0, sizeof(f));
    snprintf(f.brn, sizeof(f.brn), "1248100998");
    snprintf(f.name, sizeof(f.name), "(주)한빛테크");
    snprintf(f.ksic, sizeof(f.ksic), "58221");
    snprintf(f.unit, sizeof(f.unit), "1203호");
    f.floor = 12;
    f.employees = 7;
    f.status = FIRM_ACTIVE;
    return f;
}

static void test_firm_validate(void **state)
{
    (void)state;
    struct dure_err err = {0};
    struct firm f = good_firm();
    assert_int_equal(firm_validate(&f, &err), DURE_OK);
    snprintf(f.ksic, sizeof(f.ksic), "26"); /* any level of a real code */
    assert_int_equal(firm_validate(&f, &err), DURE_OK);
    f.employees = 0;
    assert_int_equal(firm_validate(&f, &err), DURE_OK);

    f = good_firm();
    snprintf(f.brn, sizeof(f.brn), "1248100999");
    assert_int_equal(firm_validate(&f, &err), DURE_EINVAL);
    assert_non_null(strstr(err.msg, "check digit is 9, expected 8"));
    snprintf(f.brn, sizeof(f.brn), "124-81-009");
    assert_int_equal(firm_validate(&f, &err), DURE_EINVAL);
    assert_non_null(strstr(err.msg, "10 digits"));

    f = good_firm();
    f.name[0] = '\0';
    assert_int_equal(firm_validate(&f, &err), DURE_EINVAL);
    assert_non_null(strstr(err.msg, "name"));

    f = good_firm();
    snprintf(f.ksic, sizeof(f.ksic), "27999");
    assert_int_equal(firm_validate(&f, &err), DURE_EINVAL);
    assert_non_null(strstr(err.msg, "27999"));
    f.ksic[0] = '\0';
    assert_int_equal(firm_validate(&f, &err), DURE_EINVAL);
    memset(f.ksic, '5', sizeof(f.ksic)); /* not terminated */
    assert_int_equal(firm_validate(&f, &err), DURE_EINVAL);

    f = good_firm();
    f.employees = -1;
    assert_int_equal(firm_validate(&f, &err), DURE_EINVAL);
    assert_non_null(strstr(err.msg, "employees"));

    f = good_firm();
    f.status = (enum firm_status)7;
    assert_int_equal(firm_validate(&f, &err), DURE_EINVAL);
    assert_int_equal(firm_validate(NULL, &err), DURE_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap_equal_shares),
        cmocka_unit_test(test_cap_exactly_30),
        cmocka_unit_test(test_cap_over),
        cmocka_unit_test(test_cap_small_registers),
        cmocka_unit_test(test_cap_large_register),
        cmocka_unit_test(test_cap_bad_input),
        cmocka_unit_test(test_size_classes),
        cmocka_unit_test(test_complex_parse),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_building_validate),
        cmocka_unit_test(test_firm_validate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
