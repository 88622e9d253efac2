/* SPDX-License-Identifier: Apache-2.0 */
/* KSIC 10th revision lookups over the table compiled in from data/KSIC_10.csv, and the
 * sections A-U, which the code list leaves out and which follow from the division. */
#include "core/ksic.h"

#include <string.h>

#include "core/ksic_table.h"

/* Divisions lo..hi (inclusive) form a section. Every division inside these ranges exists in
 * the 10th revision, and none outside them does. */
static const struct {
    char letter;
    unsigned char lo, hi;
    const char *name;
} sections[] = {
    {'A', 1, 3, "농업, 임업 및 어업"},
    {'B', 5, 8, "광업"},
    {'C', 10, 34, "제조업"},
    {'D', 35, 35, "전기, 가스, 증기 및 공기 조절 공급업"},
    {'E', 36, 39, "수도, 하수 및 폐기물 처리, 원료 재생업"},
    {'F', 41, 42, "건설업"},
    {'G', 45, 47, "도매 및 소매업"},
    {'H', 49, 52, "운수 및 창고업"},
    {'I', 55, 56, "숙박 및 음식점업"},
    {'J', 58, 63, "정보통신업"},
    {'K', 64, 66, "금융 및 보험업"},
    {'L', 68, 68, "부동산업"},
    {'M', 70, 73, "전문, 과학 및 기술 서비스업"},
    {'N', 74, 76, "사업시설 관리, 사업 지원 및 임대 서비스업"},
    {'O', 84, 84, "공공 행정, 국방 및 사회보장 행정"},
    {'P', 85, 85, "교육 서비스업"},
    {'Q', 86, 87, "보건업 및 사회복지 서비스업"},
    {'R', 90, 91, "예술, 스포츠 및 여가관련 서비스업"},
    {'S', 94, 96, "협회 및 단체, 수리 및 기타 개인 서비스업"},
    {'T', 97, 98, "가구 내 고용활동 및 달리 분류되지 않은 자가 소비 생산활동"},
    {'U', 99, 99, "국제 및 외국기관"},
};

#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

/* 1 when s is 2 to 5 ASCII digits, the shape of every KSIC code. */
static int code_shape_ok(const char *s)
{
    size_t n = 0;
    if (s == NULL)
        return 0;
    for (; s[n] != '\0'; n++) {
        if (n >= 5 || s[n] < '0' || s[n] > '9')
            return 0;
    }
    return n >= 2;
}

const struct ksic_entry *ksic_lookup(const char *code)
{
    if (!code_shape_ok(code))
        return NULL;
    size_t lo = 0;
    size_t hi = ksic__count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ksic__table[mid].code, code);
        if (c == 0)
            return &ksic__table[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

char ksic_section(const char *code)
{
    if (!code_shape_ok(code))
        return 0;
    int division = (code[0] - '0') * 10 + (code[1] - '0');
    for (size_t i = 0; i < NSECTIONS; i++) {
        if (division >= sections[i].lo && division <= sections[i].hi)
            return sections[i].letter;
    }
    return 0;
}

const char *ksic_section_name(char section)
{
    for (size_t i = 0; i < NSECTIONS; i++) {
        if (sections[i].letter == section)
            return sections[i].name;
    }
    return NULL;
}

size_t ksic_count(void)
{
    return ksic__count;
}

const struct ksic_entry *ksic_at(size_t i)
{
    return i < ksic__count ? &ksic__table[i] : NULL;
}
