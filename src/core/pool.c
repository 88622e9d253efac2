/* SPDX-License-Identifier: Apache-2.0 */
/* The pool's parsing primitives (approval numbers, dates, amounts, quantities, months), the
 * internal rules of an invoice and the recognition of resident numbers, which mark a private
 * buyer whose id is never kept. Echoed input is cut short and never repeats personal data. */
#include "core/pool.h"

#include <stdio.h>
#include <string.h>

#include "util/str.h"

/* Longer input is not any of these values; the bound also keeps the echo short. */
#define POOL_INPUT_MAX 64
/* How much of a bad value a message repeats. */
#define POOL_ECHO_MAX 32
/* Quantities are bounded so that thousandths stay within POOL_AMOUNT_MAX. */
#define POOL_QTY_MILLI_MAX POOL_AMOUNT_MAX

static const char *const consent_names[] = {"statistics", "benchmarking", "purchasing", "matching"};

const char *pool_consent_name(int bit)
{
    for (size_t i = 0; i < sizeof(consent_names) / sizeof(consent_names[0]); i++)
        if (bit == 1 << i)
            return consent_names[i];
    return NULL;
}

int pool_consent_parse(const char *name)
{
    if (name == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(consent_names) / sizeof(consent_names[0]); i++)
        if (strcmp(name, consent_names[i]) == 0)
            return 1 << i;
    return 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The bounds [*b, *e) of s without surrounding ASCII white space. */
static void trim_bounds(const char *s, size_t *b, size_t *e)
{
    size_t len = strlen(s);
    size_t i = 0;
    while (i < len && is_space(s[i]))
        i++;
    while (len > i && is_space(s[len - 1]))
        len--;
    *b = i;
    *e = len;
}

/* Does s hold, as a token of its own, six digits, an optional hyphen or space and seven digits
 * or '*'? Such text may be a resident number and is never echoed. (An approval number's 8-8-8
 * groups are not: their runs of digits are longer.) */
static int holds_resident_number(const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i + 13 <= len; i++) {
        if (i > 0 && is_digit(s[i - 1]))
            continue;
        size_t k = 0;
        while (k < 6 && is_digit(s[i + k]))
            k++;
        if (k < 6)
            continue;
        size_t j = i + 6;
        if (s[j] == '-' || s[j] == ' ')
            j++;
        size_t m = 0;
        while (m < 7 && j + m < len && (is_digit(s[j + m]) || s[j + m] == '*'))
            m++;
        if (m == 7 && !is_digit(s[j + 7]) && s[j + 7] != '*')
            return 1;
    }
    return 0;
}

/* Quote s for a message: cut short and sanitised, and replaced by a description when it may be
 * personal data (a resident number or an e-mail address). */
static void shown(char *dst, size_t n, const char *s)
{
    char tmp[POOL_ECHO_MAX * 4];
    if (holds_resident_number(s)) {
        str_copy(dst, "(a resident number)", n);
    } else if (strchr(s, '@') != NULL) {
        str_copy(dst, "(an e-mail address)", n);
    } else {
        str_sanitize(tmp, sizeof(tmp), s, POOL_ECHO_MAX);
        snprintf(dst, n, "\"%s\"", tmp);
    }
}

int pool_approval_parse(const char *in, char out[POOL_APPROVAL_SIZE], struct dure_err *err)
{
    char digits[POOL_APPROVAL_SIZE];
    char show[POOL_ECHO_MAX * 4 + 8];
    size_t b, e, n = 0, hyphens = 0;
    int grouped = 1;

    if (in == NULL)
        return dure_err_set(err, DURE_EINVAL, "approval number is missing");
    trim_bounds(in, &b, &e);
    if (b == e)
        return dure_err_set(err, DURE_EINVAL, "approval number is missing");
    if (e - b > POOL_INPUT_MAX) {
        shown(show, sizeof(show), in);
        return dure_err_set(err, DURE_EINVAL, "approval number %s is too long (%zu bytes)", show,
                            e - b);
    }
    for (size_t i = b; i < e; i++) {
        char c = in[i];
        if (is_digit(c)) {
            if (n < POOL_APPROVAL_LEN)
                digits[n] = c;
            n++;
        } else if (c == '-') {
            /* 8-8-8: hyphens only after the 8th and 16th digit. */
            if (n != 8 * (hyphens + 1))
                grouped = 0;
            hyphens++;
        } else {
            shown(show, sizeof(show), in);
            return dure_err_set(err, DURE_EINVAL,
                                "approval number %s has a character other than a digit or hyphen "
                                "at position %zu",
                                show, i - b + 1);
        }
    }
    if (n != POOL_APPROVAL_LEN)
        return dure_err_set(err, DURE_EINVAL, "approval number has %zu digits, expected 24", n);
    if (hyphens != 0 && (hyphens != 2 || !grouped)) {
        shown(show, sizeof(show), in);
        return dure_err_set(err, DURE_EINVAL,
                            "approval number %s is not grouped 8-8-8 (hyphens after the 8th and "
                            "16th digit, or none)",
                            show);
    }
    digits[POOL_APPROVAL_LEN] = '\0';
    memcpy(out, digits, POOL_APPROVAL_SIZE);
    return DURE_OK;
}

/* The error for a date in none of the accepted forms. */
static int date_form_error(const char *in, struct dure_err *err)
{
    char show[POOL_ECHO_MAX * 4 + 8];
    shown(show, sizeof(show), in);
    return dure_err_set(err, DURE_EINVAL, "date %s is not YYYY-MM-DD, YYYYMMDD or YYYY.MM.DD",
                        show);
}

int pool_date_parse(const char *in, char out[REG_DATE_SIZE], struct dure_err *err)
{
    char d[REG_DATE_SIZE];
    size_t b, e;
    const char *s;

    if (in == NULL)
        return dure_err_set(err, DURE_EINVAL, "date is missing");
    trim_bounds(in, &b, &e);
    if (b == e)
        return dure_err_set(err, DURE_EINVAL, "date is missing");
    s = in + b;
    if (e - b == 8) {
        for (size_t i = 0; i < 8; i++)
            if (!is_digit(s[i]))
                return date_form_error(in, err);
        memcpy(d, s, 4);
        d[4] = '-';
        memcpy(d + 5, s + 4, 2);
        d[7] = '-';
        memcpy(d + 8, s + 6, 2);
    } else if (e - b == 10) {
        char sep = s[4];
        if ((sep != '-' && sep != '.' && sep != '/') || s[7] != sep)
            return date_form_error(in, err);
        for (size_t i = 0; i < 10; i++)
            if (i != 4 && i != 7 && !is_digit(s[i]))
                return date_form_error(in, err);
        memcpy(d, s, 10);
        d[4] = '-';
        d[7] = '-';
    } else {
        return date_form_error(in, err);
    }
    d[10] = '\0';
    if (!date_valid(d))
        return dure_err_set(err, DURE_EINVAL, "date %s does not exist", d);
    memcpy(out, d, REG_DATE_SIZE);
    return DURE_OK;
}

enum scan_result {
    SCAN_OK = 0,
    SCAN_SYNTAX,   /* not a number */
    SCAN_GROUPING, /* thousands separators in the wrong places */
    SCAN_DECIMALS, /* more non-zero decimals than the scale allows */
    SCAN_RANGE,    /* larger than the limit */
    SCAN_LONG,     /* longer than any such value */
};

/* Parse in[b, e) (white space already trimmed), "[+-]digits[.digits]" with optional ','
 * thousands separators (then every group after the first has three digits), into the value
 * times 10^scale (scale 0..3). Decimals beyond the scale must be zeros. |value| <= limit. */
static enum scan_result scan_number(const char *in, size_t b, size_t e, int scale, int64_t limit,
                                    int64_t *out)
{
    size_t i;
    int neg = 0;
    int64_t v = 0;
    size_t group = 0;
    int commas = 0;
    int ndigits = 0;

    if (e - b > POOL_INPUT_MAX)
        return SCAN_LONG;
    i = b;
    if (i < e && (in[i] == '-' || in[i] == '+')) {
        neg = in[i] == '-';
        i++;
    }
    if (i == e || !is_digit(in[i]))
        return SCAN_SYNTAX;
    for (; i < e && (is_digit(in[i]) || in[i] == ','); i++) {
        if (in[i] == ',') {
            /* A separator follows 1-3 digits at first, exactly 3 later. */
            if (group == 0 || group > 3 || (commas && group != 3))
                return SCAN_GROUPING;
            commas = 1;
            group = 0;
            continue;
        }
        group++;
        ndigits++;
        if (v > (limit - (in[i] - '0')) / 10)
            return SCAN_RANGE;
        v = v * 10 + (in[i] - '0');
    }
    if (commas && group != 3)
        return SCAN_GROUPING;
    int frac = 0;
    if (i < e && in[i] == '.') {
        i++;
        for (; i < e && is_digit(in[i]); i++) {
            if (frac < scale) {
                if (v > (limit - (in[i] - '0')) / 10)
                    return SCAN_RANGE;
                v = v * 10 + (in[i] - '0');
                frac++;
            } else if (in[i] != '0') {
                return SCAN_DECIMALS;
            }
        }
    }
    if (i != e || ndigits == 0)
        return SCAN_SYNTAX;
    for (; frac < scale; frac++) {
        if (v > limit / 10)
            return SCAN_RANGE;
        v *= 10;
    }
    *out = neg ? -v : v;
    return SCAN_OK;
}

int pool_amount_parse(const char *in, int64_t *out, struct dure_err *err)
{
    char show[POOL_ECHO_MAX * 4 + 8];
    size_t b, e;
    int64_t v = 0;

    if (in == NULL)
        return dure_err_set(err, DURE_EINVAL, "amount is missing");
    trim_bounds(in, &b, &e);
    if (b == e)
        return dure_err_set(err, DURE_EINVAL, "amount is missing");
    enum scan_result res = scan_number(in, b, e, 0, POOL_AMOUNT_MAX, &v);
    if (res == SCAN_OK) {
        *out = v;
        return DURE_OK;
    }
    /* Only a value that failed is quoted back. */
    shown(show, sizeof(show), in);
    switch (res) {
    case SCAN_LONG:
        return dure_err_set(err, DURE_EINVAL, "amount %s is too long (%zu bytes)", show, e - b);
    case SCAN_GROUPING:
        return dure_err_set(err, DURE_EINVAL,
                            "amount %s has thousands separators in the wrong places", show);
    case SCAN_DECIMALS:
        return dure_err_set(err, DURE_EINVAL, "amount %s is not a whole number of won", show);
    case SCAN_RANGE:
        return dure_err_set(err, DURE_EINVAL,
                            "amount %s is out of range (at most 1,000,000,000,000,000 won)", show);
    case SCAN_SYNTAX:
    default:
        return dure_err_set(err, DURE_EINVAL, "amount %s is not a number", show);
    }
}

int pool_qty_parse(const char *in, int64_t *milli, struct dure_err *err)
{
    char show[POOL_ECHO_MAX * 4 + 8];
    size_t b, e;
    int64_t v = 0;

    if (in == NULL)
        return dure_err_set(err, DURE_EINVAL, "quantity is missing");
    trim_bounds(in, &b, &e);
    if (b == e)
        return dure_err_set(err, DURE_EINVAL, "quantity is missing");
    enum scan_result res = scan_number(in, b, e, 3, POOL_QTY_MILLI_MAX, &v);
    if (res == SCAN_OK) {
        *milli = v;
        return DURE_OK;
    }
    /* Only a value that failed is quoted back. */
    shown(show, sizeof(show), in);
    switch (res) {
    case SCAN_LONG:
        return dure_err_set(err, DURE_EINVAL, "quantity %s is too long (%zu bytes)", show, e - b);
    case SCAN_GROUPING:
        return dure_err_set(err, DURE_EINVAL,
                            "quantity %s has thousands separators in the wrong places", show);
    case SCAN_DECIMALS:
        return dure_err_set(err, DURE_EINVAL, "quantity %s has more than 3 decimals", show);
    case SCAN_RANGE:
        return dure_err_set(err, DURE_EINVAL, "quantity %s is out of range", show);
    case SCAN_SYNTAX:
    default:
        return dure_err_set(err, DURE_EINVAL, "quantity %s is not a number", show);
    }
}

int pool_month_parse(const char *in, char out[POOL_MONTH_SIZE], struct dure_err *err)
{
    char m[POOL_MONTH_SIZE];
    char show[POOL_ECHO_MAX * 4 + 8];
    size_t b, e;
    const char *s;

    if (in == NULL)
        return dure_err_set(err, DURE_EINVAL, "month is missing");
    trim_bounds(in, &b, &e);
    if (b == e)
        return dure_err_set(err, DURE_EINVAL, "month is missing");
    s = in + b;
    if (e - b == 6 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
        is_digit(s[4]) && is_digit(s[5])) {
        memcpy(m, s, 4);
        memcpy(m + 5, s + 4, 2);
    } else if (e - b == 7 && s[4] == '-' && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) &&
               is_digit(s[3]) && is_digit(s[5]) && is_digit(s[6])) {
        memcpy(m, s, 7);
    } else {
        shown(show, sizeof(show), in);
        return dure_err_set(err, DURE_EINVAL, "month %s is not YYYY-MM or YYYYMM", show);
    }
    m[4] = '-';
    m[7] = '\0';
    int mon = (m[5] - '0') * 10 + (m[6] - '0');
    if (memcmp(m, "0000", 4) == 0 || mon < 1 || mon > 12)
        return dure_err_set(err, DURE_EINVAL, "month %s does not exist", m);
    memcpy(out, m, POOL_MONTH_SIZE);
    return DURE_OK;
}

static int in_range(int64_t v)
{
    return v <= POOL_AMOUNT_MAX && v >= -POOL_AMOUNT_MAX;
}

static int is_brn_digits(const char *s)
{
    return strlen(s) == BRN_LEN && str_is_digits(s);
}

int pool_invoice_check(const struct pool_invoice *inv, struct dure_err *err)
{
    static const char *const names[3] = {"합계금액", "공급가액", "세액"};
    int64_t v[3];

    if (inv == NULL)
        return dure_err_set(err, DURE_EINVAL, "invoice is missing");
    v[0] = inv->total_krw;
    v[1] = inv->supply_krw;
    v[2] = inv->tax_krw;
    for (int i = 0; i < 3; i++)
        if (!in_range(v[i]))
            return dure_err_set(err, DURE_EINVAL,
                                "%s is out of range (at most 1,000,000,000,000,000 won)", names[i]);
    for (size_t i = 0; i < inv->nitems; i++) {
        const struct pool_item *it = &inv->items[i];
        if (!in_range(it->supply_krw) || !in_range(it->tax_krw) || !in_range(it->unit_price_krw) ||
            !in_range(it->qty_milli))
            return dure_err_set(err, DURE_EINVAL, "line item %zu has an amount out of range",
                                i + 1);
    }
    if (!inv->amended)
        for (int i = 0; i < 3; i++)
            if (v[i] < 0)
                return dure_err_set(
                    err, DURE_EINVAL,
                    "%s is negative (%lld) on an invoice that is not amended (수정)", names[i],
                    (long long)v[i]);
    if (inv->tax_exempt && inv->tax_krw != 0)
        return dure_err_set(err, DURE_EINVAL, "세액 is %lld on a tax-exempt 계산서, expected 0",
                            (long long)inv->tax_krw);
    if (inv->supply_krw + inv->tax_krw != inv->total_krw)
        return dure_err_set(err, DURE_EINVAL,
                            "합계금액 %lld is not 공급가액 + 세액 (%lld + %lld = %lld)",
                            (long long)inv->total_krw, (long long)inv->supply_krw,
                            (long long)inv->tax_krw, (long long)(inv->supply_krw + inv->tax_krw));
    if (!is_brn_digits(inv->supplier_brn))
        return dure_err_set(err, DURE_EINVAL, "공급자사업자등록번호 is missing");
    if (inv->buyer_kind == POOL_PARTY_BUSINESS && !is_brn_digits(inv->buyer_brn))
        return dure_err_set(err, DURE_EINVAL, "공급받는자사업자등록번호 is missing");
    return DURE_OK;
}

int pool_is_resident_number(const char *id)
{
    size_t b, e, n = 0;
    int digits = 0;

    if (id == NULL)
        return 0;
    trim_bounds(id, &b, &e);
    for (size_t i = b; i < e; i++) {
        char c = id[i];
        if (c == '-' || c == ' ') {
            /* One separator, after the six digits of the birth date. */
            if (n != 6 || (i > b && (id[i - 1] == '-' || id[i - 1] == ' ')))
                return 0;
            continue;
        }
        if (n < 6 ? !is_digit(c) : !(is_digit(c) || c == '*'))
            return 0;
        digits += is_digit(c);
        n++;
    }
    return n == 13 && digits >= 6;
}

void pool_month_of(const char *date, char out[POOL_MONTH_SIZE])
{
    size_t n = 0;
    while (n < POOL_MONTH_SIZE - 1 && date[n] != '\0')
        n++;
    memcpy(out, date, n);
    out[n] = '\0';
}
