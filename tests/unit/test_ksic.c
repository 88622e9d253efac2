/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for core/ksic: the compiled-in table (counts per level, order, parents), lookups
 * at every level, unknown and malformed codes, and the sections A-U with their edges. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/ksic.h"

static void expect_name(const char *code, const char *name)
{
    const struct ksic_entry *e = ksic_lookup(code);
    if (e == NULL)
        fail_msg("ksic_lookup(\"%s\") is NULL", code);
    assert_string_equal(e->code, code);
    assert_string_equal(e->name, name);
}

static void test_counts(void **state)
{
    (void)state;
    size_t by_len[6] = {0};
    assert_int_equal(ksic_count(), 2000);
    for (size_t i = 0; i < ksic_count(); i++) {
        const struct ksic_entry *e = ksic_at(i);
        assert_non_null(e);
        size_t len = strlen(e->code);
        assert_in_range(len, 2, 5);
        by_len[len]++;
    }
    assert_int_equal(by_len[2], 77);
    assert_int_equal(by_len[3], 232);
    assert_int_equal(by_len[4], 495);
    assert_int_equal(by_len[5], 1196);
    assert_null(ksic_at(ksic_count()));
    assert_null(ksic_at((size_t)-1));
}

static void test_order_and_parents(void **state)
{
    (void)state;
    for (size_t i = 0; i < ksic_count(); i++) {
        const struct ksic_entry *e = ksic_at(i);
        if (i > 0)
            assert_true(strcmp(ksic_at(i - 1)->code, e->code) < 0);
        /* Every code is found by lookup, at its own address. */
        assert_ptr_equal(ksic_lookup(e->code), e);
        assert_true(e->name[0] != '\0');
        size_t len = strlen(e->code);
        if (len > 2) {
            char parent[8] = {0};
            memcpy(parent, e->code, len - 1);
            if (ksic_lookup(parent) == NULL)
                fail_msg("%s has no parent %s", e->code, parent);
        }
    }
    assert_string_equal(ksic_at(0)->code, "01");
    assert_string_equal(ksic_at(ksic_count() - 1)->code, "99009");
}

static void test_lookup_levels(void **state)
{
    (void)state;
    expect_name("58", "출판업");
    expect_name("582", "소프트웨어 개발 및 공급업");
    /* The middle dot is U+318D (ㆍ), as in the source list. */
    expect_name("5822", "시스템\xe3\x86\x8d응용 소프트웨어 개발 및 공급업");
    expect_name("58221", "시스템 소프트웨어 개발 및 공급업");
    expect_name("58222", "응용 소프트웨어 개발 및 공급업");
    expect_name("26", "전자 부품, 컴퓨터, 영상, 음향 및 통신장비 제조업");
    expect_name("26211", "액정 표시장치 제조업");
    expect_name("27", "의료, 정밀, 광학 기기 및 시계 제조업");
    expect_name("27400", "시계 및 시계 부품 제조업");
    expect_name("62010", "컴퓨터 프로그래밍 서비스업");
    expect_name("46", "도매 및 상품 중개업");
    expect_name("01", "농업");
    expect_name("01110", "곡물 및 기타 식량작물 재배업");
    expect_name("34", "산업용 기계 및 장비 수리업");
    expect_name("99", "국제 및 외국기관");
    expect_name("99001", "주한 외국 공관");
}

static void test_unknown(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "27999", /* division 27 stops at 27400 */
        "99000", "00",     "04",    "09",    "40",  "100",  "58223", "2",
        "",      "582211", "5822 ", " 5822", "58a", "５８", "-58",   "58\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (ksic_lookup(bad[i]) != NULL)
            fail_msg("ksic_lookup(\"%s\") should be NULL", bad[i]);
    }
    assert_null(ksic_lookup(NULL));
}

static void test_sections(void **state)
{
    (void)state;
    static const struct {
        const char *code;
        char section;
    } cases[] = {
        {"01", 'A'},    {"03", 'A'},    {"04", 0},   {"05", 'B'},    {"08", 'B'},    {"09", 0},
        {"10", 'C'},    {"26", 'C'},    {"34", 'C'}, {"34020", 'C'}, {"35", 'D'},    {"36", 'E'},
        {"39", 'E'},    {"40", 0},      {"41", 'F'}, {"42", 'F'},    {"43", 0},      {"44", 0},
        {"45", 'G'},    {"46510", 'G'}, {"47", 'G'}, {"48", 0},      {"49", 'H'},    {"52", 'H'},
        {"53", 0},      {"54", 0},      {"55", 'I'}, {"56", 'I'},    {"57", 0},      {"58", 'J'},
        {"58221", 'J'}, {"63", 'J'},    {"64", 'K'}, {"66", 'K'},    {"67", 0},      {"68", 'L'},
        {"69", 0},      {"70", 'M'},    {"73", 'M'}, {"74", 'N'},    {"76", 'N'},    {"77", 0},
        {"83", 0},      {"84", 'O'},    {"85", 'P'}, {"86", 'Q'},    {"87", 'Q'},    {"88", 0},
        {"89", 0},      {"90", 'R'},    {"91", 'R'}, {"92", 0},      {"93", 0},      {"94", 'S'},
        {"96", 'S'},    {"97", 'T'},    {"98", 'T'}, {"99", 'U'},    {"99009", 'U'}, {"00", 0},
        {"0", 0},       {"", 0},        {"5a", 0},   {"582211", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char got = ksic_section(cases[i].code);
        if (got != cases[i].section)
            fail_msg("ksic_section(\"%s\") = %d, expected %d", cases[i].code, got,
                     cases[i].section);
    }
    assert_int_equal(ksic_section(NULL), 0);
}

/* A division has a section exactly when it is in the table. */
static void test_sections_match_table(void **state)
{
    (void)state;
    char code[3];
    int seen[26] = {0};
    for (int d = 0; d <= 99; d++) {
        snprintf(code, sizeof(code), "%02d", d);
        char s = ksic_section(code);
        assert_int_equal(s != 0, ksic_lookup(code) != NULL);
        if (s != 0) {
            assert_in_range(s, 'A', 'U');
            seen[s - 'A'] = 1;
        }
    }
    int sections = 0;
    for (int i = 0; i < 26; i++)
        sections += seen[i];
    assert_int_equal(sections, 21);
}

static void test_section_names(void **state)
{
    (void)state;
    assert_string_equal(ksic_section_name('A'), "농업, 임업 및 어업");
    assert_string_equal(ksic_section_name('C'), "제조업");
    assert_string_equal(ksic_section_name('J'), "정보통신업");
    assert_string_equal(ksic_section_name('M'), "전문, 과학 및 기술 서비스업");
    assert_string_equal(ksic_section_name('U'), "국제 및 외국기관");
    for (char c = 'A'; c <= 'U'; c++)
        assert_non_null(ksic_section_name(c));
    assert_null(ksic_section_name('V'));
    assert_null(ksic_section_name('a'));
    assert_null(ksic_section_name(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),        cmocka_unit_test(test_order_and_parents),
        cmocka_unit_test(test_lookup_levels), cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_sections),      cmocka_unit_test(test_sections_match_table),
        cmocka_unit_test(test_section_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
