/* SPDX-License-Identifier: Apache-2.0 */
/* Pure rules on registry records: names of statuses and complexes, field validation, the
 * 30% share cap, size classes and calendar dates. */
#include "core/registry.h"

#include <string.h>

#include "core/ksic.h"
#include "util/str.h"

/* Longest status or complex text worth looking at ("서울디지털산업단지 제1단지" is 36 bytes). */
#define LABEL_MAX 64

int coop_share_cap_check(const int64_t *shares, size_t n, size_t *over, struct dure_err *err)
{
    int64_t total = 0;
    if (n > 0 && shares == NULL)
        return dure_err_set(err, DURE_EINVAL, "no share register given");
    for (size_t i = 0; i < n; i++) {
        if (shares[i] < 0)
            return dure_err_set(err, DURE_EINVAL, "member %zu has a negative number of shares",
                                i + 1);
        /* Keep total*100 representable for the comparison below. */
        if (shares[i] > INT64_MAX / 100 - total)
            return dure_err_set(err, DURE_EINVAL, "the share register's total is too large");
        total += shares[i];
    }
    if (n < COOP_SHARE_CAP_MIN_MEMBERS || total == 0)
        return DURE_OK;
    for (size_t i = 0; i < n; i++) {
        if (shares[i] * 100 > total * COOP_SHARE_CAP_PERCENT) {
            int64_t permille = shares[i] * 1000 / total;
            if (over != NULL)
                *over = i;
            return dure_err_set(err, DURE_ECONFLICT,
                                "member %zu would hold %lld of %lld shares (%lld.%lld%%), above "
                                "the %d%% cap",
                                i + 1, (long long)shares[i], (long long)total,
                                (long long)(permille / 10), (long long)(permille % 10),
                                COOP_SHARE_CAP_PERCENT);
        }
    }
    return DURE_OK;
}

const char *firm_status_name(enum firm_status s)
{
    switch (s) {
    case FIRM_ACTIVE:
        return "active";
    case FIRM_SUSPENDED:
        return "suspended";
    case FIRM_CLOSED:
        return "closed";
    }
    return "unknown";
}

/* Copy s trimmed into dst (size LABEL_MAX); 0, or -1 when it does not fit. */
static int trimmed(char dst[LABEL_MAX], const char *s)
{
    if (s == NULL || str_copy(dst, s, LABEL_MAX) >= LABEL_MAX)
        return -1;
    str_trim(dst);
    return 0;
}

static int ascii_ieq(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

int firm_status_parse(const char *s, enum firm_status *out)
{
    static const struct {
        const char *text;
        enum firm_status status;
    } names[] = {
        {"", FIRM_ACTIVE},           {"active", FIRM_ACTIVE},       {"가동", FIRM_ACTIVE},
        {"가동중", FIRM_ACTIVE},     {"영업", FIRM_ACTIVE},         {"영업중", FIRM_ACTIVE},
        {"계속사업자", FIRM_ACTIVE}, {"suspended", FIRM_SUSPENDED}, {"휴업", FIRM_SUSPENDED},
        {"휴업중", FIRM_SUSPENDED},  {"휴업자", FIRM_SUSPENDED},    {"closed", FIRM_CLOSED},
        {"폐업", FIRM_CLOSED},       {"폐업자", FIRM_CLOSED},
    };
    char t[LABEL_MAX];
    if (trimmed(t, s) != 0)
        return -1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (ascii_ieq(t, names[i].text)) {
            if (out != NULL)
                *out = names[i].status;
            return 0;
        }
    }
    return -1;
}

/* If *p starts with prefix, step over it and return 1. */
static int skip(const char **p, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(*p, prefix, n) != 0)
        return 0;
    *p += n;
    return 1;
}

int complex_parse(const char *s)
{
    char t[LABEL_MAX];
    if (trimmed(t, s) != 0)
        return 0;
    /* Guro holds only complex 1; Gasan holds 2 and 3, so "가산" alone says too little. */
    if (strcmp(t, "구로") == 0)
        return 1;
    const char *p = t;
    if (!skip(&p, "서울디지털산업단지"))
        skip(&p, "서울디지털");
    while (*p == ' ')
        p++;
    skip(&p, "제");
    if (*p < '1' || *p > '3')
        return 0;
    int c = *p - '0';
    p++;
    skip(&p, "단지");
    return *p == '\0' ? c : 0;
}

/* 1 when field (of size n) is NUL-terminated within its storage and not blank. */
static int text_present(const char *field, size_t n)
{
    const char *end = memchr(field, '\0', n);
    if (end == NULL)
        return 0;
    for (const char *p = field; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            return 1;
    return 0;
}

int building_validate(const struct building *b, struct dure_err *err)
{
    if (b == NULL)
        return dure_err_set(err, DURE_EINVAL, "no building given");
    if (!text_present(b->name, sizeof(b->name)))
        return dure_err_set(err, DURE_EINVAL, "building name is empty");
    if (memchr(b->road_address, '\0', sizeof(b->road_address)) == NULL)
        return dure_err_set(err, DURE_EINVAL, "road address is too long");
    if (b->complex < 1 || b->complex > 3)
        return dure_err_set(err, DURE_EINVAL, "complex is %d, expected 1, 2 or 3", b->complex);
    if (b->floors < 0 || b->floors > 200)
        return dure_err_set(err, DURE_EINVAL, "floors is %d, expected 0 to 200", b->floors);
    /* Written so that NaN fails too. */
    if (!(b->building_area_m2 >= 0 && b->building_area_m2 < 1e9))
        return dure_err_set(err, DURE_EINVAL, "building area must be a number >= 0");
    if (!(b->gross_floor_area_m2 >= 0 && b->gross_floor_area_m2 < 1e9))
        return dure_err_set(err, DURE_EINVAL, "gross floor area must be a number >= 0");
    return DURE_OK;
}

int firm_validate(const struct firm *f, struct dure_err *err)
{
    struct dure_err inner;
    char parsed[BRN_SIZE];
    if (f == NULL)
        return dure_err_set(err, DURE_EINVAL, "no firm given");
    if (memchr(f->brn, '\0', sizeof(f->brn)) == NULL || strlen(f->brn) != BRN_LEN ||
        !str_is_digits(f->brn))
        return dure_err_set(err, DURE_EINVAL, "business registration number must be 10 digits");
    if (brn_parse(f->brn, parsed, &inner) != DURE_OK)
        return dure_err_set(err, DURE_EINVAL, "%s", inner.msg);
    if (!text_present(f->name, sizeof(f->name)))
        return dure_err_set(err, DURE_EINVAL, "firm name is empty");
    if (memchr(f->ksic, '\0', sizeof(f->ksic)) == NULL)
        return dure_err_set(err, DURE_EINVAL, "ksic code is longer than 5 digits");
    if (f->ksic[0] == '\0')
        return dure_err_set(err, DURE_EINVAL, "ksic code is empty");
    if (ksic_lookup(f->ksic) == NULL) {
        char shown[16];
        str_sanitize(shown, sizeof(shown), f->ksic, 8);
        return dure_err_set(err, DURE_EINVAL, "ksic code \"%s\" is not in the 10th revision",
                            shown);
    }
    if (f->employees < 0)
        return dure_err_set(err, DURE_EINVAL, "employees is %lld, expected >= 0",
                            (long long)f->employees);
    if (f->status != FIRM_ACTIVE && f->status != FIRM_SUSPENDED && f->status != FIRM_CLOSED)
        return dure_err_set(err, DURE_EINVAL, "status is not active, suspended or closed");
    if (f->building_id < 0)
        return dure_err_set(err, DURE_EINVAL, "building id is negative");
    if (memchr(f->unit, '\0', sizeof(f->unit)) == NULL)
        return dure_err_set(err, DURE_EINVAL, "unit is too long");
    return DURE_OK;
}

const char *size_class_of(int64_t employees)
{
    if (employees < 5)
        return "1-4";
    if (employees < 10)
        return "5-9";
    if (employees < 50)
        return "10-49";
    if (employees < 300)
        return "50-299";
    return "300+";
}

int date_valid(const char *s)
{
    static const int days_in_month[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (s == NULL)
        return 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return 0;
        } else if (s[i] < '0' || s[i] > '9') {
            return 0; /* also stops at a NUL before position 10 */
        }
    }
    if (s[10] != '\0')
        return 0;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int dim = days_in_month[m - 1] + (m == 2 && leap);
    return d <= dim;
}
