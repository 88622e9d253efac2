/* SPDX-License-Identifier: Apache-2.0 */
/* Members' invoice files into pool records, one invoice at a time: the Hometax list export as
 * CSV (util/csv) or .xlsx (pool_xlsx.c), mapped by header name; the KEC XML (pool_xml.c) as one
 * file or a zip of them. Personal data (representatives, addresses, e-mail addresses, notes,
 * a private buyer's resident number and name) is never read into a record. */
#include "app/pool_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/pool_read_internal.h"
#include "util/csv.h"
#include "util/str.h"

/* The header row is looked for among this many rows. */
#define LIST_HEADER_SCAN_ROWS 30
/* Bytes looked at to tell the format. */
#define SNIFF_BYTES 4096
/* Header names longer than this match nothing. */
#define HEADER_NAME_MAX 96

/* ---- field helpers (pool_read_internal.h) ---- */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void pool__copy_text(char *dst, size_t n, const char *src)
{
    size_t b = 0, e = strlen(src), len;
    if (n == 0)
        return;
    while (b < e && is_space(src[b]))
        b++;
    while (e > b && is_space(src[e - 1]))
        e--;
    len = e - b;
    if (len > n - 1) {
        len = n - 1;
        /* Back off to the start of a UTF-8 character. */
        while (len > 0 && ((unsigned char)src[b + len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(dst, src + b, len);
    memset(dst + len, 0, n - len);
}

int pool__party_id(const char *in, const char *field, int allow_person, enum pool_party_kind *kind,
                   char brn[BRN_SIZE], struct dure_err *err)
{
    struct dure_err e;
    size_t digits = 0, nonblank = 0;
    int odd = 0;

    *kind = POOL_PARTY_BUSINESS;
    memset(brn, 0, BRN_SIZE);
    if (pool_is_resident_number(in)) {
        if (allow_person) {
            *kind = POOL_PARTY_PERSON;
            return DURE_OK;
        }
        return dure_err_set(err, DURE_EINVAL,
                            "%s is a resident number, not a business registration number", field);
    }
    for (const char *p = in; *p != '\0'; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p != '-' && !is_space(*p))
            odd = 1;
        if (!is_space(*p))
            nonblank++;
    }
    if (nonblank == 0)
        return dure_err_set(err, DURE_EINVAL, "%s is missing", field);
    /* Only an id that can be a business number is ever repeated in a message. */
    if (odd)
        return dure_err_set(err, DURE_EINVAL, "%s has characters other than digits and hyphens",
                            field);
    if (digits != BRN_LEN)
        return dure_err_set(err, DURE_EINVAL,
                            "%s has %zu digits, expected 10 (a business registration number%s)",
                            field, digits, allow_person ? ") or 13 (a resident number" : "");
    if (brn_parse(in, brn, &e) != 0) {
        memset(brn, 0, BRN_SIZE);
        return dure_err_set(err, DURE_EINVAL, "%s: %s", field, e.msg);
    }
    return DURE_OK;
}

int pool__branch_parse(const char *in, const char *field, char out[POOL_BRANCH_SIZE],
                       struct dure_err *err)
{
    char t[16];
    size_t n;

    memset(out, 0, POOL_BRANCH_SIZE);
    if (strlen(in) >= 64)
        return dure_err_set(err, DURE_EINVAL, "%s is not up to 4 digits", field);
    pool__copy_text(t, sizeof(t), in);
    n = strlen(t);
    if (n == 0)
        return DURE_OK;
    if (n > 4 || !str_is_digits(t))
        return dure_err_set(err, DURE_EINVAL, "%s is not up to 4 digits", field);
    /* Spreadsheets turn 0001 into 1. */
    memset(out, '0', 4 - n);
    memcpy(out + 4 - n, t, n);
    out[4] = '\0';
    return DURE_OK;
}

int pool__item_date(const char *in, const char *written_on, char out[REG_DATE_SIZE],
                    struct dure_err *err)
{
    char t[16];
    if (strlen(in) < 32) {
        pool__copy_text(t, sizeof(t), in);
        if (strlen(t) == 4 && str_is_digits(t) && strlen(written_on) == 10) {
            char d[REG_DATE_SIZE];
            memcpy(d, written_on, 5);
            d[5] = t[0];
            d[6] = t[1];
            d[7] = '-';
            d[8] = t[2];
            d[9] = t[3];
            d[10] = '\0';
            if (!date_valid(d))
                return dure_err_set(err, DURE_EINVAL, "date %s does not exist", d);
            memcpy(out, d, REG_DATE_SIZE);
            return DURE_OK;
        }
    }
    return pool_date_parse(in, out, err);
}

/* Round a decimal "[sign]digits[,digits][.digits]" to at most decimals places, half away from
 * zero, into out (size n), so that Excel's binary leftovers ("1.5000000000000002") read as
 * meant. Anything else is copied as is for the parser to reject. */
static void round_text(const char *in, int decimals, char *out, size_t n)
{
    char t[96];
    char *dot;
    size_t nf = 0;

    if (strlen(in) >= sizeof(t)) {
        str_copy(out, in, n);
        return;
    }
    pool__copy_text(t, sizeof(t), in);
    dot = strchr(t, '.');
    if (dot == NULL) {
        str_copy(out, t, n);
        return;
    }
    for (const char *p = dot + 1; *p != '\0'; p++, nf++)
        if (*p < '0' || *p > '9') {
            str_copy(out, t, n);
            return;
        }
    if (nf <= (size_t)decimals) {
        str_copy(out, t, n);
        return;
    }
    char next = dot[1 + decimals];
    size_t keep = (size_t)(dot - t) + (decimals > 0 ? 1 + (size_t)decimals : 0);
    t[keep] = '\0';
    if (next >= '5') {
        size_t i = keep;
        int carry = 1;
        while (carry && i > 0) {
            char c = t[--i];
            if (c == '.' || c == ',')
                continue;
            if (c < '0' || c > '9')
                break;
            if (c == '9') {
                t[i] = '0';
            } else {
                t[i] = (char)(c + 1);
                carry = 0;
            }
        }
        if (carry) {
            /* 9.9 became 0.0: a 1 goes in front of the digits, after any sign. */
            size_t at = (t[0] == '-' || t[0] == '+') ? 1 : 0;
            if (keep + 2 > sizeof(t)) {
                str_copy(out, in, n);
                return;
            }
            memmove(t + at + 1, t + at, keep - at + 1);
            t[at] = '1';
        }
    }
    str_copy(out, t, n);
}

int pool__price_parse(const char *in, int64_t *out, struct dure_err *err)
{
    char t[96];
    round_text(in, 0, t, sizeof(t));
    return pool_amount_parse(t, out, err);
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int pool__excel_serial_date(const char *serial, int date1904, char out[REG_DATE_SIZE],
                            struct dure_err *err)
{
    char t[40];
    int64_t s = 0, z, y;
    int m, d;
    size_t i = 0;

    if (strlen(serial) >= sizeof(t))
        return dure_err_set(err, DURE_EINVAL, "date is not a date serial number");
    pool__copy_text(t, sizeof(t), serial);
    for (; t[i] >= '0' && t[i] <= '9'; i++) {
        if (i >= 7)
            return dure_err_set(err, DURE_EINVAL, "date serial number is out of range");
        s = s * 10 + (t[i] - '0');
    }
    /* A fraction is the time of day. */
    if (i == 0 || (t[i] != '\0' && t[i] != '.'))
        return dure_err_set(err, DURE_EINVAL, "date is not a date serial number");
    if (t[i] == '.')
        for (i++; t[i] != '\0'; i++)
            if (t[i] < '0' || t[i] > '9')
                return dure_err_set(err, DURE_EINVAL, "date is not a date serial number");
    if (s > 2958465)
        return dure_err_set(err, DURE_EINVAL, "date serial number %lld is after 9999-12-31",
                            (long long)s);
    if (date1904) {
        z = -24107 + s; /* 1904-01-01 is serial 0 */
    } else {
        if (s == 0)
            return dure_err_set(err, DURE_EINVAL, "date serial number 0 is no day");
        /* Excel counts a 1900-02-29 that never was (serial 60), as Lotus 1-2-3 did. */
        if (s == 60)
            return dure_err_set(err, DURE_EINVAL,
                                "date serial number 60 is 1900-02-29, a day that does not exist");
        z = -25567 + s - (s < 60 ? 1 : 2); /* 1900-01-01 is serial 1 */
    }
    civil_from_days(z, &y, &m, &d);
    if (y > 9999)
        return dure_err_set(err, DURE_EINVAL, "date serial number %lld is after 9999-12-31",
                            (long long)s);
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
    return DURE_OK;
}

/* ---- the Hometax list layout ---- */

enum col {
    C_WRITTEN,
    C_APPROVAL,
    C_ISSUED,
    C_SENT,
    C_S_BRN,
    C_S_BRANCH,
    C_S_NAME,
    C_S_REP,
    C_S_ADDR,
    C_B_BRN,
    C_B_BRANCH,
    C_B_NAME,
    C_B_REP,
    C_B_ADDR,
    C_TOTAL,
    C_SUPPLY,
    C_TAX,
    C_CLASS,
    C_KIND,
    C_ISSUE_TYPE,
    C_NOTE,
    C_RECEIPT,
    C_S_EMAIL,
    C_B_EMAIL1,
    C_B_EMAIL2,
    C_I_DATE,
    C_I_NAME,
    C_I_SPEC,
    C_I_QTY,
    C_I_PRICE,
    C_I_SUPPLY,
    C_I_TAX,
    C_I_NOTE,
    C_COUNT
};

/* The names as the layout shows them, for messages. */
static const char *const col_names[C_COUNT] = {
    [C_WRITTEN] = "작성일자",
    [C_APPROVAL] = "승인번호",
    [C_ISSUED] = "발급일자",
    [C_SENT] = "전송일자",
    [C_S_BRN] = "공급자사업자등록번호",
    [C_S_BRANCH] = "종사업장번호 (공급자)",
    [C_S_NAME] = "상호 (공급자)",
    [C_S_REP] = "대표자명 (공급자)",
    [C_S_ADDR] = "주소 (공급자)",
    [C_B_BRN] = "공급받는자사업자등록번호",
    [C_B_BRANCH] = "종사업장번호 (공급받는자)",
    [C_B_NAME] = "상호 (공급받는자)",
    [C_B_REP] = "대표자명 (공급받는자)",
    [C_B_ADDR] = "주소 (공급받는자)",
    [C_TOTAL] = "합계금액",
    [C_SUPPLY] = "공급가액",
    [C_TAX] = "세액",
    [C_CLASS] = "전자세금계산서분류",
    [C_KIND] = "전자세금계산서종류",
    [C_ISSUE_TYPE] = "발급유형",
    [C_NOTE] = "비고",
    [C_RECEIPT] = "영수/청구 구분",
    [C_S_EMAIL] = "공급자 이메일",
    [C_B_EMAIL1] = "공급받는자 이메일1",
    [C_B_EMAIL2] = "공급받는자 이메일2",
    [C_I_DATE] = "품목일자",
    [C_I_NAME] = "품목명",
    [C_I_SPEC] = "품목규격",
    [C_I_QTY] = "품목수량",
    [C_I_PRICE] = "품목단가",
    [C_I_SUPPLY] = "품목공급가액",
    [C_I_TAX] = "품목세액",
    [C_I_NOTE] = "품목비고",
};

/* Header names with the spaces taken out (exports differ in them). The 계산서 list says
 * 전자계산서 where the 세금계산서 list says 전자세금계산서. */
static const struct {
    const char *name;
    enum col col;
} header_names[] = {
    {"작성일자", C_WRITTEN},
    {"승인번호", C_APPROVAL},
    {"발급일자", C_ISSUED},
    {"전송일자", C_SENT},
    {"공급자사업자등록번호", C_S_BRN},
    {"공급받는자사업자등록번호", C_B_BRN},
    {"합계금액", C_TOTAL},
    {"공급가액", C_SUPPLY},
    {"세액", C_TAX},
    {"전자세금계산서분류", C_CLASS},
    {"전자계산서분류", C_CLASS},
    {"전자세금계산서종류", C_KIND},
    {"전자계산서종류", C_KIND},
    {"발급유형", C_ISSUE_TYPE},
    {"비고", C_NOTE},
    {"영수/청구구분", C_RECEIPT},
    {"공급자이메일", C_S_EMAIL},
    {"공급받는자이메일1", C_B_EMAIL1},
    {"공급받는자이메일2", C_B_EMAIL2},
    {"품목일자", C_I_DATE},
    {"품목명", C_I_NAME},
    {"품목규격", C_I_SPEC},
    {"품목수량", C_I_QTY},
    {"품목단가", C_I_PRICE},
    {"품목공급가액", C_I_SUPPLY},
    {"품목세액", C_I_TAX},
    {"품목비고", C_I_NOTE},
};

/* Names both parties' blocks use; the block is the one whose 사업자등록번호 came last. */
static const char *const party_names[4] = {"종사업장번호", "상호", "대표자명", "주소"};
static const enum col supplier_cols[4] = {C_S_BRANCH, C_S_NAME, C_S_REP, C_S_ADDR};
static const enum col buyer_cols[4] = {C_B_BRANCH, C_B_NAME, C_B_REP, C_B_ADDR};

static const enum col required_cols[] = {C_WRITTEN, C_APPROVAL, C_S_BRN,
                                         C_B_BRN,   C_TOTAL,    C_SUPPLY};

struct pool_reader {
    enum pool_format fmt;
    const char *fmt_name;
    uint64_t bytes_total;
    uint64_t bytes_read;

    /* the list formats */
    struct csv_reader *csv;
    struct pool__xlsx *xlsx;
    int header_done;
    size_t rows_before_header;
    size_t width;      /* cells of the header row */
    long col[C_COUNT]; /* cell index of each column, -1 when absent */
    int tax_exempt;
    struct pool_item item; /* the one line item of a list row */

    /* the XML formats */
    struct pool__xml *xml;
    FILE *fp;                 /* a single .xml file */
    const unsigned char *mem; /* or memory (borrowed) */
    size_t mem_len;
    zip_t *za; /* a zip of .xml documents */
    uint64_t next_entry;
    uint64_t nentries;
    uint64_t doc_no;
    unsigned char *chunk;
    int done;

    uint64_t line;
    size_t err_col;
    int failed;
    struct dure_err fatal;
};

/* Record a fatal error e (code) and return it. */
static int reader_fail(struct pool_reader *r, int code, const struct dure_err *e,
                       struct dure_err *err)
{
    r->failed = 1;
    r->fatal = *e;
    r->fatal.code = (enum dure_err_code)code;
    if (err != NULL)
        *err = r->fatal;
    return code;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
reader_failf(struct pool_reader *r, int code, struct dure_err *err, const char *fmt, ...)
{
    struct dure_err e;
    va_list ap;
    va_start(ap, fmt);
    dure_err_vset(&e, (enum dure_err_code)code, fmt, ap);
    va_end(ap);
    return reader_fail(r, code, &e, err);
}

/* Cells of the current list row. */
static size_t row_ncells(const struct pool_reader *r)
{
    if (r->csv != NULL)
        return csv_nfields(r->csv);
    size_t n = pool__xlsx_ncells(r->xlsx);
    while (n > 0 && pool__xlsx_cell(r->xlsx, n - 1)[0] == '\0')
        n--;
    return n;
}

static const char *row_cell(const struct pool_reader *r, size_t i)
{
    if (r->csv != NULL) {
        const char *s = csv_field(r->csv, i);
        return s != NULL ? s : "";
    }
    return pool__xlsx_cell(r->xlsx, i);
}

static const char *colv(const struct pool_reader *r, enum col c)
{
    return r->col[c] < 0 ? "" : row_cell(r, (size_t)r->col[c]);
}

static int blank(const char *s)
{
    for (; *s != '\0'; s++)
        if (!is_space(*s))
            return 0;
    return 1;
}

static int row_blank(const struct pool_reader *r)
{
    size_t n = row_ncells(r);
    for (size_t i = 0; i < n; i++)
        if (!blank(row_cell(r, i)))
            return 0;
    return 1;
}

/* A header cell with spaces (and a stray BOM) taken out, into out (size n); "" when too long. */
static void header_key(const char *s, char *out, size_t n)
{
    size_t j = 0;
    if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF)
        s += 3;
    for (; *s != '\0'; s++) {
        if (is_space(*s))
            continue;
        if (j + 1 >= n) {
            out[0] = '\0';
            return;
        }
        out[j++] = *s;
    }
    out[j] = '\0';
}

/* Is the current row the header (a cell that is exactly 승인번호)? */
static int is_header_row(const struct pool_reader *r)
{
    char key[HEADER_NAME_MAX];
    size_t n = row_ncells(r);
    for (size_t i = 0; i < n; i++) {
        header_key(row_cell(r, i), key, sizeof(key));
        if (strcmp(key, "승인번호") == 0)
            return 1;
    }
    return 0;
}

/* Map the header row's cells to columns. Returns 0 or a fatal error. */
static int map_header(struct pool_reader *r, struct dure_err *err)
{
    char key[HEADER_NAME_MAX];
    const enum col *block = NULL;
    size_t n = row_ncells(r);

    for (size_t c = 0; c < C_COUNT; c++)
        r->col[c] = -1;
    for (size_t i = 0; i < n; i++) {
        long found = -1;
        header_key(row_cell(r, i), key, sizeof(key));
        if (key[0] == '\0')
            continue;
        for (size_t k = 0; k < 4 && found < 0; k++)
            if (strcmp(key, party_names[k]) == 0 && block != NULL)
                found = (long)block[k];
        for (size_t k = 0; k < sizeof(header_names) / sizeof(header_names[0]) && found < 0; k++)
            if (strcmp(key, header_names[k].name) == 0)
                found = (long)header_names[k].col;
        if (found < 0)
            continue; /* a column the pool does not read */
        if (found == C_S_BRN)
            block = supplier_cols;
        else if (found == C_B_BRN)
            block = buyer_cols;
        if (r->col[found] >= 0)
            return reader_failf(r, DURE_EINVAL, err,
                                "column %s appears more often than the layout allows (columns "
                                "%ld and %zu of the header on line %llu)",
                                col_names[found], r->col[found] + 1, i + 1,
                                (unsigned long long)r->line);
        r->col[found] = (long)i;
    }
    for (size_t k = 0; k < sizeof(required_cols) / sizeof(required_cols[0]); k++)
        if (r->col[required_cols[k]] < 0)
            return reader_failf(r, DURE_EINVAL, err,
                                "required column %s is missing from the header on line %llu",
                                col_names[required_cols[k]], (unsigned long long)r->line);
    /* The 계산서 (tax-exempt) list is the one without 세액. */
    r->tax_exempt = r->col[C_TAX] < 0;
    r->width = n;
    r->header_done = 1;
    return DURE_OK;
}

/* A recoverable error in column c of the current row, with the column's name in front. */
static int col_error(struct pool_reader *r, enum col c, const char *msg, struct dure_err *err)
{
    r->err_col = r->col[c] >= 0 ? (size_t)r->col[c] + 1 : 0;
    return dure_err_set(err, DURE_EINVAL, "%s: %s", col_names[c], msg);
}

/* A recoverable error in column c whose message already names it. */
static int col_fail(struct pool_reader *r, enum col c, const char *msg, struct dure_err *err)
{
    r->err_col = r->col[c] >= 0 ? (size_t)r->col[c] + 1 : 0;
    return dure_err_set(err, DURE_EINVAL, "%s", msg);
}

/* A date column: a date as text, or an Excel serial number in a number cell. */
static int col_date(struct pool_reader *r, enum col c, const char *written_on,
                    char out[REG_DATE_SIZE], struct dure_err *err)
{
    struct dure_err e;
    const char *v = colv(r, c);
    int rc;

    if (blank(v)) {
        if (c == C_WRITTEN)
            return col_error(r, c, "date is missing", err);
        return DURE_OK;
    }
    if (r->xlsx != NULL && r->col[c] >= 0 && pool__xlsx_cell_numeric(r->xlsx, (size_t)r->col[c]) &&
        strlen(v) < 8)
        rc = pool__excel_serial_date(v, pool__xlsx_date1904(r->xlsx), out, &e);
    else if (written_on != NULL)
        rc = pool__item_date(v, written_on, out, &e);
    else
        rc = pool_date_parse(v, out, &e);
    if (rc != 0)
        return col_error(r, c, e.msg, err);
    return DURE_OK;
}

/* An amount column; an absent or empty optional one is 0. */
static int col_amount(struct pool_reader *r, enum col c, int required, int64_t *out,
                      struct dure_err *err)
{
    struct dure_err e;
    const char *v = colv(r, c);
    *out = 0;
    if (!required && blank(v))
        return DURE_OK;
    if (pool_amount_parse(v, out, &e) != 0)
        return col_error(r, c, e.msg, err);
    return DURE_OK;
}

/* The column an invoice-check message is about (it starts with the column's name). */
static enum col check_column(const char *msg)
{
    static const enum col cols[] = {C_TOTAL, C_SUPPLY, C_TAX, C_S_BRN, C_B_BRN};
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
        size_t n = strlen(col_names[cols[i]]);
        if (strncmp(msg, col_names[cols[i]], n) == 0 && msg[n] == ' ')
            return cols[i];
    }
    return C_COUNT;
}

/* The current data row into inv. Returns 0 or a recoverable DURE_EINVAL. */
static int list_row(struct pool_reader *r, struct pool_invoice *inv, struct dure_err *err)
{
    struct pool_item *it = &r->item;
    struct dure_err e;
    enum pool_party_kind kind;
    size_t n = row_ncells(r);
    int rc;

    memset(it, 0, sizeof(*it));
    /* A sheet leaves out empty cells at the end of a row; a CSV row has them all. */
    if (r->csv != NULL && n < r->width) {
        r->err_col = 0;
        return dure_err_set(err, DURE_EINVAL, "the row has %zu fields, the header has %zu", n,
                            r->width);
    }
    for (size_t i = r->width; i < n; i++)
        if (!blank(row_cell(r, i))) {
            r->err_col = r->xlsx != NULL ? i + 1 : 0;
            return dure_err_set(err, DURE_EINVAL, "the row has %zu fields, the header has %zu", n,
                                r->width);
        }

    rc = col_date(r, C_WRITTEN, NULL, inv->written_on, err);
    if (rc != 0)
        return rc;
    if (pool_approval_parse(colv(r, C_APPROVAL), inv->approval_no, &e) != 0)
        return col_error(r, C_APPROVAL, e.msg, err);
    rc = col_date(r, C_ISSUED, NULL, inv->issued_on, err);
    if (rc != 0)
        return rc;

    if (pool__party_id(colv(r, C_S_BRN), col_names[C_S_BRN], 0, &kind, inv->supplier_brn, &e) != 0)
        return col_fail(r, C_S_BRN, e.msg, err);
    if (pool__branch_parse(colv(r, C_S_BRANCH), col_names[C_S_BRANCH], inv->supplier_branch, &e) !=
        0)
        return col_fail(r, C_S_BRANCH, e.msg, err);
    pool__copy_text(inv->supplier_name, sizeof(inv->supplier_name), colv(r, C_S_NAME));

    if (pool__party_id(colv(r, C_B_BRN), col_names[C_B_BRN], 1, &inv->buyer_kind, inv->buyer_brn,
                       &e) != 0)
        return col_fail(r, C_B_BRN, e.msg, err);
    /* A private buyer's branch and name (the person's name) are not read. */
    if (inv->buyer_kind == POOL_PARTY_BUSINESS) {
        if (pool__branch_parse(colv(r, C_B_BRANCH), col_names[C_B_BRANCH], inv->buyer_branch, &e) !=
            0)
            return col_fail(r, C_B_BRANCH, e.msg, err);
        pool__copy_text(inv->buyer_name, sizeof(inv->buyer_name), colv(r, C_B_NAME));
    }

    rc = col_amount(r, C_TOTAL, 1, &inv->total_krw, err);
    if (rc == 0)
        rc = col_amount(r, C_SUPPLY, 1, &inv->supply_krw, err);
    if (rc == 0 && !r->tax_exempt)
        rc = col_amount(r, C_TAX, 1, &inv->tax_krw, err);
    if (rc != 0)
        return rc;
    inv->tax_exempt = r->tax_exempt;
    inv->amended = strstr(colv(r, C_CLASS), "수정") != NULL;
    pool__copy_text(inv->kind, sizeof(inv->kind), colv(r, C_KIND));
    inv->receipt = strstr(colv(r, C_RECEIPT), "영수") != NULL;

    rc = col_date(r, C_I_DATE, inv->written_on, it->date, err);
    if (rc != 0)
        return rc;
    pool__copy_text(it->name, sizeof(it->name), colv(r, C_I_NAME));
    pool__copy_text(it->spec, sizeof(it->spec), colv(r, C_I_SPEC));
    if (!blank(colv(r, C_I_QTY))) {
        char q[96];
        /* A number cell may carry binary leftovers past the 3 decimals a quantity has. */
        if (r->xlsx != NULL && pool__xlsx_cell_numeric(r->xlsx, (size_t)r->col[C_I_QTY]))
            round_text(colv(r, C_I_QTY), 3, q, sizeof(q));
        else
            str_copy(q, colv(r, C_I_QTY), sizeof(q));
        if (pool_qty_parse(q, &it->qty_milli, &e) != 0)
            return col_error(r, C_I_QTY, e.msg, err);
    }
    if (!blank(colv(r, C_I_PRICE)) &&
        pool__price_parse(colv(r, C_I_PRICE), &it->unit_price_krw, &e) != 0)
        return col_error(r, C_I_PRICE, e.msg, err);
    rc = col_amount(r, C_I_SUPPLY, 0, &it->supply_krw, err);
    if (rc == 0)
        rc = col_amount(r, C_I_TAX, 0, &it->tax_krw, err);
    if (rc != 0)
        return rc;
    inv->items = it;
    inv->nitems = 1;
    inv->items_complete = 0;

    if (pool_invoice_check(inv, &e) != 0) {
        enum col c = check_column(e.msg);
        if (c == C_COUNT) {
            r->err_col = 0;
            return dure_err_set(err, DURE_EINVAL, "%s", e.msg);
        }
        return col_fail(r, c, e.msg, err);
    }
    return DURE_OK;
}

/* The next row of the list's source. Returns 0 (has_row says whether there is one), a
 * recoverable DURE_EINVAL (err_col set) or a fatal error (r->failed set). */
static int source_next(struct pool_reader *r, int *has_row, struct dure_err *err)
{
    int rc;
    if (r->csv != NULL) {
        rc = csv_next(r->csv, has_row, err);
        r->line = csv_line(r->csv);
        if (rc != 0) {
            if (csv_failed(r->csv))
                return reader_fail(r, rc, err, err);
            r->err_col = csv_error_column(r->csv);
        }
        return rc;
    }
    rc = pool__xlsx_next_row(r->xlsx, has_row, err);
    r->line = pool__xlsx_row(r->xlsx);
    if (rc != 0) {
        if (pool__xlsx_failed(r->xlsx))
            return reader_fail(r, rc, err, err);
        r->err_col = pool__xlsx_error_column(r->xlsx);
    }
    return rc;
}

static int list_next(struct pool_reader *r, struct pool_invoice *inv, int *has,
                     struct dure_err *err)
{
    int has_row = 0;
    int rc;

    for (;;) {
        rc = source_next(r, &has_row, err);
        if (rc != 0) {
            if (r->failed || r->header_done)
                return rc;
            /* A bad title row before the header is no one's business. */
            r->rows_before_header++;
        } else if (!has_row) {
            if (!r->header_done)
                return reader_failf(r, DURE_EINVAL, err,
                                    "no header row with 승인번호 (the file has %zu rows before "
                                    "its end)",
                                    r->rows_before_header);
            return DURE_OK;
        } else if (row_blank(r)) {
            continue;
        } else if (!r->header_done) {
            if (is_header_row(r)) {
                rc = map_header(r, err);
                if (rc != 0)
                    return rc;
            } else {
                r->rows_before_header++;
            }
        } else {
            rc = list_row(r, inv, err);
            if (rc != 0) {
                memset(inv, 0, sizeof(*inv));
                return rc;
            }
            *has = 1;
            return DURE_OK;
        }
        if (!r->header_done && r->rows_before_header >= LIST_HEADER_SCAN_ROWS)
            return reader_failf(r, DURE_EINVAL, err,
                                "no header row with 승인번호 in the first %d rows",
                                LIST_HEADER_SCAN_ROWS);
    }
}

/* ---- the XML formats ---- */

/* Does a zip entry name a document: *.xml, not a directory, not macOS metadata? */
static int is_document_name(const char *name)
{
    size_t n = strlen(name);
    const char *base = strrchr(name, '/');
    base = base != NULL ? base + 1 : name;
    if (n < 4 || name[n - 1] == '/')
        return 0;
    if (strncmp(name, "__MACOSX/", 9) == 0 || strstr(name, "/__MACOSX/") != NULL ||
        strncmp(base, "._", 2) == 0)
        return 0;
    const char *ext = name + n - 4;
    return ext[0] == '.' && (ext[1] == 'x' || ext[1] == 'X') && (ext[2] == 'm' || ext[2] == 'M') &&
           (ext[3] == 'l' || ext[3] == 'L');
}

/* Read the single XML document. */
static int xml_single_next(struct pool_reader *r, struct pool_invoice *inv, int *has,
                           struct dure_err *err)
{
    size_t pos = 0;
    int rc;

    if (r->done)
        return DURE_OK;
    r->done = 1;
    r->line = 1;
    rc = pool__xml_begin(r->xml, err);
    if (rc != 0)
        return reader_fail(r, rc, err, err);
    for (;;) {
        const void *p;
        size_t got;
        if (r->fp != NULL) {
            got = fread(r->chunk, 1, POOL__CHUNK_BYTES, r->fp);
            if (ferror(r->fp))
                return reader_failf(r, DURE_EIO, err, "cannot read the xml file: %s",
                                    strerror(errno));
            p = r->chunk;
        } else {
            got = r->mem_len - pos < POOL__CHUNK_BYTES ? r->mem_len - pos : POOL__CHUNK_BYTES;
            p = r->mem + pos;
            pos += got;
        }
        r->bytes_read += got;
        rc = pool__xml_feed(r->xml, p, got, got == 0, err);
        if (rc == DURE_EINVAL)
            return rc;
        if (rc != 0)
            return reader_fail(r, rc, err, err);
        if (got == 0)
            break;
    }
    rc = pool__xml_finish(r->xml, inv, err);
    if (rc != 0)
        return rc;
    *has = 1;
    return DURE_OK;
}

/* Read one zip entry as a document into inv. Returns 0 or a recoverable DURE_EINVAL (message
 * without the entry name), or a fatal error code. */
static int xml_entry(struct pool_reader *r, uint64_t idx, struct pool__entry *e,
                     struct pool_invoice *inv, struct dure_err *err)
{
    size_t got;
    int rc = pool__xml_begin(r->xml, err);
    if (rc != 0)
        return rc;
    rc = pool__entry_open(r->za, idx, POOL__XML_DOC_MAX, e, err);
    if (rc != 0)
        return rc == DURE_ENOMEM ? rc : DURE_EINVAL;
    for (;;) {
        uint64_t before = e->read;
        rc = pool__entry_read(e, r->chunk, POOL__CHUNK_BYTES, &got, err);
        r->bytes_read += e->read - before;
        if (rc != 0)
            return DURE_EINVAL;
        rc = pool__xml_feed(r->xml, r->chunk, got, got == 0, err);
        if (rc != 0)
            return rc;
        if (got == 0)
            break;
    }
    return pool__xml_finish(r->xml, inv, err);
}

static int xml_zip_next(struct pool_reader *r, struct pool_invoice *inv, int *has,
                        struct dure_err *err)
{
    struct pool__entry e;
    struct dure_err de;
    int rc;

    while (r->next_entry < r->nentries) {
        uint64_t idx = r->next_entry++;
        const char *name = zip_get_name(r->za, idx, 0);
        if (name == NULL || !is_document_name(name))
            continue;
        r->doc_no++;
        r->line = r->doc_no;
        memset(&e, 0, sizeof(e));
        rc = xml_entry(r, idx, &e, inv, &de);
        pool__entry_close(&e);
        if (rc == DURE_ENOMEM)
            return reader_fail(r, rc, &de, err);
        if (rc != 0) {
            char shown[128];
            str_sanitize(shown, sizeof(shown), name, 80);
            memset(inv, 0, sizeof(*inv));
            return dure_err_set(err, DURE_EINVAL, "entry %s: %s", shown, de.msg);
        }
        *has = 1;
        return DURE_OK;
    }
    return DURE_OK;
}

/* ---- opening ---- */

static enum pool_format sniff(const unsigned char *p, size_t n)
{
    size_t i = 0;
    if (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0)
        return POOL_FMT_XML_ZIP; /* or an .xlsx: the caller looks inside */
    if (n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
        return POOL_FMT_XML; /* UTF-16 is only ever XML here */
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && is_space((char)p[i]))
        i++;
    if (i < n && p[i] == '<')
        return POOL_FMT_XML;
    return POOL_FMT_CSV;
}

void pool_reader_close(struct pool_reader *r)
{
    if (r == NULL)
        return;
    csv_close(r->csv);
    pool__xlsx_close(r->xlsx);
    pool__xml_destroy(r->xml);
    if (r->za != NULL)
        zip_discard(r->za);
    if (r->fp != NULL)
        fclose(r->fp);
    free(r->chunk);
    free(r);
}

/* Open a zip archive of either kind. */
static int open_zip(struct pool_reader *r, const char *path, const void *mem, size_t len,
                    enum pool_format fmt, struct dure_err *err)
{
    zip_t *za = NULL;
    int rc = pool__zip_open(path, mem, len, &za, err);
    if (rc != 0)
        return rc;
    if (fmt == POOL_FMT_AUTO)
        fmt = zip_name_locate(za, "xl/workbook.xml", ZIP_FL_NOCASE) >= 0 ? POOL_FMT_XLSX
                                                                         : POOL_FMT_XML_ZIP;
    r->fmt = fmt;
    if (fmt == POOL_FMT_XLSX) {
        r->fmt_name = "xlsx";
        return pool__xlsx_open(za, &r->xlsx, err);
    }
    r->fmt_name = "zip of xml";
    r->za = za;
    r->bytes_total = 0; /* progress counts the documents' bytes */
    zip_int64_t n = zip_get_num_entries(za, 0);
    r->nentries = n > 0 ? (uint64_t)n : 0;
    for (uint64_t i = 0; i < r->nentries; i++) {
        zip_stat_t st;
        const char *name = zip_get_name(za, i, 0);
        if (name == NULL || !is_document_name(name))
            continue;
        zip_stat_init(&st);
        if (zip_stat_index(za, i, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE))
            r->bytes_total += st.size < POOL__XML_DOC_MAX ? st.size : POOL__XML_DOC_MAX;
    }
    rc = pool__xml_create(&r->xml, err);
    if (rc == 0 && (r->chunk = malloc(POOL__CHUNK_BYTES)) == NULL)
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory opening the zip");
    return rc;
}

static int reader_open(const char *path, const void *mem, size_t len, enum pool_format fmt,
                       struct pool_reader **out, struct dure_err *err)
{
    struct pool_reader *r = NULL;
    unsigned char head[SNIFF_BYTES];
    size_t nhead = 0;
    char shown[96];
    struct stat st;
    int rc = 0;

    *out = NULL;
    if (fmt < POOL_FMT_AUTO || fmt > POOL_FMT_XML_ZIP)
        return dure_err_set(err, DURE_EINVAL, "unknown invoice format %d", (int)fmt);
    if (path == NULL && mem == NULL && len > 0)
        return dure_err_set(err, DURE_EINVAL, "invoice data is NULL");
    str_sanitize(shown, sizeof(shown), path != NULL ? path : "(memory)", 80);
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return dure_err_set(err, DURE_ENOMEM, "out of memory opening %s", shown);
    for (size_t c = 0; c < C_COUNT; c++)
        r->col[c] = -1;

    if (path != NULL) {
        r->fp = fopen(path, "rb");
        if (r->fp == NULL) {
            rc = dure_err_set(err, DURE_EIO, "cannot open %s: %s", shown, strerror(errno));
            goto out;
        }
        if (fstat(fileno(r->fp), &st) == 0 && S_ISREG(st.st_mode))
            r->bytes_total = (uint64_t)st.st_size;
        nhead = fread(head, 1, sizeof(head), r->fp);
        if (ferror(r->fp) || fseek(r->fp, 0, SEEK_SET) != 0) {
            rc = dure_err_set(err, DURE_EIO, "cannot read %s: %s", shown, strerror(errno));
            goto out;
        }
    } else {
        r->mem = mem != NULL ? mem : (const void *)"";
        r->mem_len = len;
        r->bytes_total = len;
        nhead = len < sizeof(head) ? len : sizeof(head);
        memcpy(head, r->mem, nhead);
    }
    if (fmt == POOL_FMT_AUTO) {
        fmt = sniff(head, nhead);
        if (fmt == POOL_FMT_XML_ZIP)
            fmt = POOL_FMT_AUTO; /* xlsx or zip of xml: open_zip looks */
    }
    r->fmt = fmt;

    switch (fmt) {
    case POOL_FMT_AUTO:
    case POOL_FMT_XLSX:
    case POOL_FMT_XML_ZIP: {
        uint64_t total = r->bytes_total;
        if (r->fp != NULL) {
            fclose(r->fp);
            r->fp = NULL;
        }
        rc = open_zip(r, path, r->mem, r->mem_len, fmt, err);
        if (rc != 0)
            goto out;
        if (r->fmt == POOL_FMT_XLSX)
            r->bytes_total = total;
        break;
    }
    case POOL_FMT_CSV: {
        if (r->fp != NULL) {
            fclose(r->fp);
            r->fp = NULL;
            rc = csv_open_file(path, NULL, &r->csv, err);
        } else {
            rc = csv_open_mem(r->mem, r->mem_len, NULL, &r->csv, err);
        }
        if (rc != 0)
            goto out;
        r->fmt_name = csv_encoding(r->csv) == CSV_ENC_CP949 ? "csv (CP949)" : "csv (UTF-8)";
        break;
    }
    case POOL_FMT_XML:
    default:
        r->fmt_name = "xml";
        rc = pool__xml_create(&r->xml, err);
        if (rc != 0)
            goto out;
        r->chunk = malloc(POOL__CHUNK_BYTES);
        if (r->chunk == NULL) {
            rc = dure_err_set(err, DURE_ENOMEM, "out of memory opening %s", shown);
            goto out;
        }
        break;
    }
    *out = r;
    r = NULL;
out:
    pool_reader_close(r);
    return rc;
}

int pool_reader_open(const char *path, enum pool_format fmt, struct pool_reader **out,
                     struct dure_err *err)
{
    if (path == NULL) {
        *out = NULL;
        return dure_err_set(err, DURE_EINVAL, "no file to read");
    }
    return reader_open(path, NULL, 0, fmt, out, err);
}

int pool_reader_open_mem(const void *data, size_t len, enum pool_format fmt,
                         struct pool_reader **out, struct dure_err *err)
{
    return reader_open(NULL, data, len, fmt, out, err);
}

int pool_reader_next(struct pool_reader *r, struct pool_invoice *inv, int *has_record,
                     struct dure_err *err)
{
    struct dure_err local;
    int rc;

    /* Fatal errors are kept from err, so there must be one. */
    if (err == NULL)
        err = &local;
    *has_record = 0;
    memset(inv, 0, sizeof(*inv));
    if (r->failed) {
        if (err != NULL)
            *err = r->fatal;
        return r->fatal.code;
    }
    r->err_col = 0;
    switch (r->fmt) {
    case POOL_FMT_CSV:
    case POOL_FMT_XLSX:
        rc = list_next(r, inv, has_record, err);
        break;
    case POOL_FMT_XML:
        rc = xml_single_next(r, inv, has_record, err);
        break;
    default:
        rc = xml_zip_next(r, inv, has_record, err);
        break;
    }
    if (rc != 0) {
        *has_record = 0;
        memset(inv, 0, sizeof(*inv));
    }
    return rc;
}

uint64_t pool_reader_line(const struct pool_reader *r)
{
    return r->line;
}

size_t pool_reader_error_column(const struct pool_reader *r)
{
    return r->err_col;
}

int pool_reader_failed(const struct pool_reader *r)
{
    return r->failed;
}

const char *pool_reader_format_name(const struct pool_reader *r)
{
    return r->fmt_name;
}

uint64_t pool_reader_bytes_read(const struct pool_reader *r)
{
    if (r->csv != NULL)
        return csv_bytes_read(r->csv);
    if (r->xlsx != NULL) {
        /* Scale the worksheet's progress to the file's size. */
        uint64_t total = pool__xlsx_bytes_total(r->xlsx);
        uint64_t done = pool__xlsx_bytes_read(r->xlsx);
        if (total == 0 || r->bytes_total == 0)
            return 0;
        if (done >= total)
            return r->bytes_total;
        return (uint64_t)((double)r->bytes_total * ((double)done / (double)total));
    }
    /* An entry that inflates past its declared size is cut off, but its bytes were read. */
    if (r->bytes_total != 0 && r->bytes_read > r->bytes_total)
        return r->bytes_total;
    return r->bytes_read;
}

uint64_t pool_reader_bytes_total(const struct pool_reader *r)
{
    if (r->csv != NULL)
        return csv_bytes_total(r->csv);
    return r->bytes_total;
}
