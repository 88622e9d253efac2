/* SPDX-License-Identifier: Apache-2.0 */
/* Whole-file imports of the public register layouts: the knowledge-industry-centre list, the
 * factory register and the cooperative's member register. Columns are matched by header name
 * (Korean or English) in any order; every row is checked before anything is written, and the
 * file is stored in one transaction or not at all. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/events.h"
#include "app/registry.h"
#include "app/registry_internal.h"
#include "core/ksic.h"
#include "util/csv.h"
#include "util/str.h"

#define IMPORT_MAX_COLS 8
#define IMPORT_HEADER_SCAN_ROWS 20
#define IMPORT_PROGRESS_EVERY 2048

/* A column the importer reads: its accepted header names and whether it must be present. */
struct colspec {
    const char *names[6];
    int required;
};

enum { B_NAME, B_COMPLEX, B_ROAD, B_AREA, B_GFA, B_FLOORS, B_KIND, B_NCOLS };
static const struct colspec building_cols[B_NCOLS] = {
    [B_NAME] = {{"지식산업센터명", "센터명", "건물명", "name"}, 1},
    [B_COMPLEX] = {{"단지명", "단지", "complex"}, 1},
    [B_ROAD] = {{"공장대표주소(도로명)", "도로명주소", "주소", "road_address"}, 0},
    [B_AREA] = {{"건축면적(제곱미터)", "건축면적", "building_area_m2"}, 0},
    [B_GFA] = {{"연면적(제곱미터)", "연면적", "gross_floor_area_m2"}, 0},
    [B_FLOORS] = {{"지상층수", "층수", "floors"}, 0},
    [B_KIND] = {{"구분", "건물구분", "kind"}, 0},
};

enum { F_BRN, F_NAME, F_KSIC, F_EMP, F_BUILDING, F_FLOOR, F_UNIT, F_STATUS, F_NCOLS };
static const struct colspec firm_cols[F_NCOLS] = {
    [F_BRN] = {{"사업자등록번호", "사업자번호", "brn"}, 1},
    [F_NAME] = {{"회사명", "상호", "업체명", "name"}, 1},
    [F_KSIC] = {{"대표업종", "업종코드", "ksic"}, 1},
    [F_EMP] = {{"종업원합계", "종업원수", "employees"}, 1},
    [F_BUILDING] = {{"지식산업센터명", "building"}, 0},
    [F_FLOOR] = {{"층", "floor"}, 0},
    [F_UNIT] = {{"호", "호실", "unit"}, 0},
    [F_STATUS] = {{"가동상태", "상태", "status"}, 0},
};

enum { M_BRN, M_DATE, M_SHARES, M_PAID, M_WITHDRAWN, M_NCOLS };
static const struct colspec member_cols[M_NCOLS] = {
    [M_BRN] = {{"사업자등록번호", "사업자번호", "brn"}, 1},
    [M_DATE] = {{"가입일", "admitted_on"}, 1},
    [M_SHARES] = {{"출자좌수", "shares"}, 1},
    [M_PAID] = {{"납입출자금", "paid_in_krw"}, 1},
    [M_WITHDRAWN] = {{"탈퇴일", "withdrawn_on"}, 0},
};

/* One parsed row, kept until the write phase. */
struct row {
    uint64_t line;
    union {
        struct building b;
        struct {
            struct firm f;
            char building[REG_NAME_SIZE];
        } fm;
        struct member m;
    } u;
};

struct importer {
    enum import_kind kind;
    const struct colspec *cols;
    size_t ncols;
    long col_at[IMPORT_MAX_COLS]; /* field index of each column, -1 when absent */
    size_t header_fields;
    uint64_t header_line;
    struct csv_reader *csv;
    const char *path;
    struct import_result *res;
    struct row *rows;
    size_t nrows, caprows;
};

void import_result_cleanup(struct import_result *res)
{
    if (res == NULL)
        return;
    free(res->errors);
    res->errors = NULL;
    res->nerrors = 0;
}

static void add_error(struct importer *im, uint64_t line, long col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record an error at line and field index col (-1 = whole row). */
static void add_error(struct importer *im, uint64_t line, long col, const char *fmt, ...)
{
    struct import_result *res = im->res;
    if (res->nerrors >= IMPORT_MAX_ERRORS) {
        res->errors_dropped++;
        return;
    }
    if (res->errors == NULL) {
        res->errors = calloc(IMPORT_MAX_ERRORS, sizeof(*res->errors));
        if (res->errors == NULL) {
            res->errors_dropped++;
            return;
        }
    }
    struct import_error *e = &res->errors[res->nerrors++];
    memset(e, 0, sizeof(*e));
    e->line = line;
    e->column = col >= 0 ? (size_t)col + 1 : 0;
    if (col >= 0) {
        for (size_t c = 0; c < im->ncols; c++) {
            if (im->col_at[c] == col) {
                str_copy(e->field, im->cols[c].names[0], sizeof(e->field));
                break;
            }
        }
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}

/* Header cell normalised for matching: spaces removed, ASCII lower-cased. */
static void header_norm(const char *in, char *out, size_t n)
{
    size_t j = 0;
    for (; *in != '\0' && j + 1 < n; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        out[j++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    out[j] = '\0';
}

/* How many required columns the current record names. */
static size_t required_named(const struct importer *im)
{
    size_t n = 0;
    for (size_t c = 0; c < im->ncols; c++)
        n += im->cols[c].required && im->col_at[c] >= 0;
    return n;
}

/* Try the current record as the header. Returns 1 when it names every required column. */
static int match_header(struct importer *im, int report)
{
    size_t nf = csv_nfields(im->csv);
    for (size_t c = 0; c < im->ncols; c++)
        im->col_at[c] = -1;
    int ok = 1;
    for (size_t c = 0; c < im->ncols; c++) {
        for (size_t i = 0; i < nf; i++) {
            char cell[128];
            header_norm(csv_field(im->csv, i), cell, sizeof(cell));
            for (size_t k = 0; k < 6 && im->cols[c].names[k] != NULL; k++) {
                char want[128];
                header_norm(im->cols[c].names[k], want, sizeof(want));
                if (strcmp(cell, want) != 0)
                    continue;
                if (im->col_at[c] >= 0 && im->col_at[c] != (long)i) {
                    /* The same column twice is ambiguous: refuse rather than guess. */
                    if (report)
                        add_error(im, csv_line(im->csv), (long)i,
                                  "column %s appears twice (columns %ld and %zu)",
                                  im->cols[c].names[0], im->col_at[c] + 1, i + 1);
                    ok = 0;
                } else if (im->col_at[c] < 0) {
                    im->col_at[c] = (long)i;
                }
            }
        }
        if (im->cols[c].required && im->col_at[c] < 0) {
            if (report)
                add_error(im, csv_line(im->csv), -1, "required column %s is missing",
                          im->cols[c].names[0]);
            ok = 0;
        }
    }
    return ok;
}

/* The field of column c in the current record ("" when the column is absent). */
static const char *field(struct importer *im, size_t c, char *buf, size_t n)
{
    if (im->col_at[c] < 0 || (size_t)im->col_at[c] >= csv_nfields(im->csv)) {
        buf[0] = '\0';
        return buf;
    }
    str_copy(buf, csv_field(im->csv, (size_t)im->col_at[c]), n);
    return str_trim(buf);
}

static int parse_count(struct importer *im, size_t c, int64_t max, int64_t *out, int required)
{
    char buf[64];
    const char *v = field(im, c, buf, sizeof(buf));
    if (v[0] == '\0' && !required) {
        *out = 0;
        return 0;
    }
    if (str_to_i64(v, 1, out) != 0 || *out < 0 || *out > max) {
        char shown[40];
        str_sanitize(shown, sizeof(shown), v, 24);
        add_error(im, csv_line(im->csv), im->col_at[c], "%s: \"%s\" is not a whole number 0-%lld",
                  im->cols[c].names[0], shown, (long long)max);
        return -1;
    }
    return 0;
}

static int parse_area(struct importer *im, size_t c, double *out)
{
    char buf[64], clean[64];
    const char *v = field(im, c, buf, sizeof(buf));
    size_t j = 0;
    *out = 0;
    if (v[0] == '\0')
        return 0;
    for (const char *p = v; *p != '\0' && j + 1 < sizeof(clean); p++)
        if (*p != ',')
            clean[j++] = *p;
    clean[j] = '\0';
    char *end = NULL;
    errno = 0;
    double d = strtod(clean, &end);
    if (errno != 0 || end == clean || *end != '\0' || !isfinite(d) || d < 0 || d > 1e9) {
        char shown[40];
        str_sanitize(shown, sizeof(shown), v, 24);
        add_error(im, csv_line(im->csv), im->col_at[c], "%s: \"%s\" is not an area in m²",
                  im->cols[c].names[0], shown);
        return -1;
    }
    *out = d;
    return 0;
}

/* A floor as the registers write it: "3", "3층", "B1", "지하1", "지하 1층", or "-1" as the
 * API writes basements. */
static int parse_floor(const char *v, int *out)
{
    char tmp[32];
    size_t j = 0;
    int neg = 0;
    if (v[0] == '\0') {
        *out = 0;
        return 0;
    }
    if (v[0] == '-' || v[0] == 'B' || v[0] == 'b') {
        neg = 1;
        v++;
    } else if (strncmp(v, "지하", strlen("지하")) == 0) {
        neg = 1;
        v += strlen("지하");
    }
    while (*v == ' ')
        v++;
    for (; *v >= '0' && *v <= '9' && j + 1 < sizeof(tmp); v++)
        tmp[j++] = *v;
    tmp[j] = '\0';
    while (*v == ' ')
        v++;
    if (strcmp(v, "층") == 0 || strcmp(v, "F") == 0 || strcmp(v, "f") == 0)
        v += strlen(v);
    int64_t n;
    if (*v != '\0' || j == 0 || str_to_i64(tmp, 0, &n) != 0 || n > 200)
        return -1;
    *out = neg ? -(int)n : (int)n;
    return 0;
}

static struct row *new_row(struct importer *im)
{
    if (im->nrows == im->caprows) {
        size_t cap = im->caprows ? im->caprows * 2 : 1024;
        struct row *p = realloc(im->rows, cap * sizeof(*p));
        if (p == NULL)
            return NULL;
        im->rows = p;
        im->caprows = cap;
    }
    struct row *r = &im->rows[im->nrows];
    memset(r, 0, sizeof(*r));
    r->line = csv_line(im->csv);
    return r;
}

static void parse_building_row(struct importer *im, struct row *r)
{
    struct building *b = &r->u.b;
    char buf[REG_ADDRESS_SIZE];
    int bad = 0;
    struct dure_err e;
    str_copy(b->name, field(im, B_NAME, buf, sizeof(buf)), sizeof(b->name));
    const char *cx = field(im, B_COMPLEX, buf, sizeof(buf));
    b->complex = complex_parse(cx);
    if (b->complex == 0) {
        char shown[40];
        str_sanitize(shown, sizeof(shown), cx, 24);
        add_error(im, r->line, im->col_at[B_COMPLEX],
                  "단지명: \"%s\" is not complex 1, 2 or 3 (서울디지털1단지 ...)", shown);
        bad = 1;
    }
    str_copy(b->road_address, field(im, B_ROAD, buf, sizeof(buf)), sizeof(b->road_address));
    bad |= parse_area(im, B_AREA, &b->building_area_m2) != 0;
    bad |= parse_area(im, B_GFA, &b->gross_floor_area_m2) != 0;
    int64_t floors = 0;
    bad |= parse_count(im, B_FLOORS, 200, &floors, 0) != 0;
    b->floors = (int)floors;
    const char *kind = field(im, B_KIND, buf, sizeof(buf));
    b->is_centre = kind[0] == '\0' || strstr(kind, "지식산업센터") != NULL ||
                   strstr(kind, "아파트형공장") != NULL || strcmp(kind, "centre") == 0;
    if (b->name[0] == '\0') {
        add_error(im, r->line, im->col_at[B_NAME], "지식산업센터명: empty");
        bad = 1;
    }
    if (!bad && building_validate(b, &e) != 0)
        add_error(im, r->line, -1, "%s", e.msg);
}

static void parse_firm_row(struct importer *im, struct row *r)
{
    struct firm *f = &r->u.fm.f;
    char buf[REG_ADDRESS_SIZE];
    struct dure_err e;
    int bad = 0;
    const char *brn = field(im, F_BRN, buf, sizeof(buf));
    if (brn_parse(brn, f->brn, &e) != 0) {
        char shown[40];
        str_sanitize(shown, sizeof(shown), brn, 24);
        add_error(im, r->line, im->col_at[F_BRN], "사업자등록번호: \"%s\": %s", shown, e.msg);
        bad = 1;
    }
    str_copy(f->name, field(im, F_NAME, buf, sizeof(buf)), sizeof(f->name));
    if (f->name[0] == '\0') {
        add_error(im, r->line, im->col_at[F_NAME], "회사명: empty");
        bad = 1;
    }
    const char *code = field(im, F_KSIC, buf, sizeof(buf));
    if (ksic_lookup(code) == NULL) {
        char shown[40];
        str_sanitize(shown, sizeof(shown), code, 24);
        add_error(im, r->line, im->col_at[F_KSIC],
                  "대표업종: \"%s\" is not a KSIC 10th-revision code", shown);
        bad = 1;
    } else {
        str_copy(f->ksic, code, sizeof(f->ksic));
    }
    bad |= parse_count(im, F_EMP, 1000000, &f->employees, 1) != 0;
    str_copy(r->u.fm.building, field(im, F_BUILDING, buf, sizeof(buf)),
             sizeof(r->u.fm.building));
    const char *fl = field(im, F_FLOOR, buf, sizeof(buf));
    if (parse_floor(fl, &f->floor) != 0) {
        char shown[40];
        str_sanitize(shown, sizeof(shown), fl, 24);
        add_error(im, r->line, im->col_at[F_FLOOR], "층: \"%s\" is not a floor (3, 3층, B1)",
                  shown);
        bad = 1;
    }
    str_copy(f->unit, field(im, F_UNIT, buf, sizeof(buf)), sizeof(f->unit));
    const char *st = field(im, F_STATUS, buf, sizeof(buf));
    if (firm_status_parse(st, &f->status) != 0) {
        char shown[40];
        str_sanitize(shown, sizeof(shown), st, 24);
        add_error(im, r->line, im->col_at[F_STATUS],
                  "가동상태: \"%s\" is not 가동, 휴업 or 폐업", shown);
        bad = 1;
    }
    if (!bad && firm_validate(f, &e) != 0)
        add_error(im, r->line, -1, "%s", e.msg);
}

static void parse_member_row(struct importer *im, struct row *r)
{
    struct member *m = &r->u.m;
    char buf[128];
    struct dure_err e;
    const char *brn = field(im, M_BRN, buf, sizeof(buf));
    if (brn_parse(brn, m->brn, &e) != 0) {
        char shown[40];
        str_sanitize(shown, sizeof(shown), brn, 24);
        add_error(im, r->line, im->col_at[M_BRN], "사업자등록번호: \"%s\": %s", shown, e.msg);
    }
    const char *d = field(im, M_DATE, buf, sizeof(buf));
    if (!date_valid(d))
        add_error(im, r->line, im->col_at[M_DATE], "가입일: not a real date YYYY-MM-DD");
    else
        str_copy(m->admitted_on, d, sizeof(m->admitted_on));
    d = field(im, M_WITHDRAWN, buf, sizeof(buf));
    if (d[0] != '\0' && !date_valid(d))
        add_error(im, r->line, im->col_at[M_WITHDRAWN], "탈퇴일: not a real date YYYY-MM-DD");
    else
        str_copy(m->withdrawn_on, d, sizeof(m->withdrawn_on));
    if (parse_count(im, M_SHARES, 100000000, &m->shares, 1) == 0 && m->shares == 0)
        add_error(im, r->line, im->col_at[M_SHARES], "출자좌수: at least 1 share");
    parse_count(im, M_PAID, INT64_C(1000000000000000), &m->paid_in_krw, 1);
}

static int cmp_rows_key(const void *a, const void *b, enum import_kind kind)
{
    const struct row *x = a, *y = b;
    int c = 0;
    if (kind == IMPORT_BUILDINGS)
        c = strcmp(x->u.b.name, y->u.b.name);
    else if (kind == IMPORT_FIRMS)
        c = strcmp(x->u.fm.f.brn, y->u.fm.f.brn);
    else
        c = strcmp(x->u.m.brn, y->u.m.brn);
    if (c == 0)
        c = x->line < y->line ? -1 : x->line > y->line;
    return c;
}
static int cmp_buildings(const void *a, const void *b)
{
    return cmp_rows_key(a, b, IMPORT_BUILDINGS);
}
static int cmp_firms(const void *a, const void *b)
{
    return cmp_rows_key(a, b, IMPORT_FIRMS);
}
static int cmp_members(const void *a, const void *b)
{
    return cmp_rows_key(a, b, IMPORT_MEMBERS);
}

/* A key given twice in one file is an error on the later line (checked on a sorted copy). */
static int check_duplicates(struct importer *im)
{
    if (im->nrows < 2)
        return 0;
    struct row *sorted = malloc(im->nrows * sizeof(*sorted));
    if (sorted == NULL)
        return -1;
    memcpy(sorted, im->rows, im->nrows * sizeof(*sorted));
    qsort(sorted, im->nrows, sizeof(*sorted),
          im->kind == IMPORT_BUILDINGS ? cmp_buildings
          : im->kind == IMPORT_FIRMS   ? cmp_firms
                                       : cmp_members);
    for (size_t i = 1; i < im->nrows; i++) {
        const struct row *p = &sorted[i - 1], *r = &sorted[i];
        if (im->kind == IMPORT_BUILDINGS && strcmp(p->u.b.name, r->u.b.name) == 0)
            add_error(im, r->line, im->col_at[B_NAME], "지식산업센터명: %s also on line %llu",
                      r->u.b.name, (unsigned long long)p->line);
        else if (im->kind == IMPORT_FIRMS && strcmp(p->u.fm.f.brn, r->u.fm.f.brn) == 0)
            add_error(im, r->line, im->col_at[F_BRN], "사업자등록번호: %s also on line %llu",
                      r->u.fm.f.brn, (unsigned long long)p->line);
        else if (im->kind == IMPORT_MEMBERS && strcmp(p->u.m.brn, r->u.m.brn) == 0)
            add_error(im, r->line, im->col_at[M_BRN], "사업자등록번호: %s also on line %llu",
                      r->u.m.brn, (unsigned long long)p->line);
    }
    free(sorted);
    return 0;
}

/* Phase 1: read and check every row without touching the database. */
static int read_rows(struct importer *im, import_progress_fn progress, void *pctx,
                     struct dure_err *err)
{
    int has = 0, have_header = 0, rc = 0;
    uint64_t scanned = 0, best_line = 1;
    size_t best = 0;
    struct dure_err e;
    while ((rc = csv_next(im->csv, &has, &e)) == 0 || !csv_failed(im->csv)) {
        if (rc != 0) {
            /* A bad record: report it and go on with the next. */
            size_t col = csv_error_column(im->csv);
            add_error(im, csv_line(im->csv), col > 0 ? (long)col - 1 : -1, "%s", e.msg);
            continue;
        }
        if (!has)
            break;
        if (!have_header) {
            scanned++;
            int matched = match_header(im, 0);
            if (!matched && required_named(im) > best) {
                /* Remember the row that looks most like the header, to say what it lacks. */
                best = required_named(im);
                best_line = csv_line(im->csv);
            }
            if (matched) {
                have_header = 1;
                im->header_fields = csv_nfields(im->csv);
                im->header_line = csv_line(im->csv);
                /* Report a duplicated column even when the header otherwise matches. */
                match_header(im, 1);
            } else if (scanned >= IMPORT_HEADER_SCAN_ROWS) {
                break;
            }
            continue;
        }
        im->res->rows++;
        if (csv_nfields(im->csv) != im->header_fields) {
            add_error(im, csv_line(im->csv), -1, "expected %zu columns as in the header, found %zu",
                      im->header_fields, csv_nfields(im->csv));
            continue;
        }
        struct row *r = new_row(im);
        if (r == NULL)
            return dure_err_set(err, DURE_ENOMEM, "out of memory after %llu rows",
                                (unsigned long long)im->res->rows);
        size_t before = im->res->nerrors + im->res->errors_dropped;
        if (im->kind == IMPORT_BUILDINGS)
            parse_building_row(im, r);
        else if (im->kind == IMPORT_FIRMS)
            parse_firm_row(im, r);
        else
            parse_member_row(im, r);
        if (im->res->nerrors + im->res->errors_dropped == before)
            im->nrows++;
        if (progress != NULL && im->res->rows % IMPORT_PROGRESS_EVERY == 0)
            progress(pctx, csv_bytes_read(im->csv), csv_bytes_total(im->csv));
    }
    if (rc != 0 && csv_failed(im->csv)) {
        add_error(im, csv_line(im->csv), -1, "%s", e.msg);
        return 0;
    }
    if (!have_header && best > 0) {
        /* The row most like a header lacks some required columns: name each. */
        struct csv_reader *again = NULL;
        struct dure_err e2;
        if (csv_open_file(im->path, NULL, &again, &e2) == 0) {
            struct csv_reader *saved = im->csv;
            im->csv = again;
            while (csv_next(again, &has, &e2) == 0 && has && csv_line(again) < best_line)
                ;
            if (has && csv_line(again) == best_line)
                match_header(im, 1);
            im->csv = saved;
            csv_close(again);
        }
    }
    if (!have_header && im->res->nerrors == 0) {
        char want[256] = "";
        for (size_t c = 0; c < im->ncols; c++) {
            if (!im->cols[c].required)
                continue;
            if (want[0] != '\0')
                strncat(want, ", ", sizeof(want) - strlen(want) - 1);
            strncat(want, im->cols[c].names[0], sizeof(want) - strlen(want) - 1);
        }
        add_error(im, 1, -1, "no header row with the required columns (%s) in the first %d rows",
                  want, IMPORT_HEADER_SCAN_ROWS);
    }
    if (progress != NULL)
        progress(pctx, csv_bytes_read(im->csv), csv_bytes_total(im->csv));
    if (check_duplicates(im) != 0)
        return dure_err_set(err, DURE_ENOMEM, NULL);
    return 0;
}

static void count_change(struct import_result *res, int changed)
{
    if (changed == 1)
        res->inserted++;
    else if (changed == 2)
        res->updated++;
    else
        res->unchanged++;
}

/* Phase 2, inside the transaction: resolve references, then write and record. */
static int write_rows(struct importer *im, struct store *s, const struct principal *actor,
                      struct dure_err *err)
{
    int rc = 0;
    int changed = 0;
    for (size_t i = 0; rc == 0 && i < im->nrows; i++) {
        struct row *r = &im->rows[i];
        if (im->kind == IMPORT_BUILDINGS) {
            rc = store_building_upsert(s, &r->u.b, &r->u.b.id, &changed, err);
            if (rc == 0 && changed)
                rc = registry__record_building(s, actor, changed == 1 ? "building.registered" : "building.changed", &r->u.b, err);
        } else if (im->kind == IMPORT_FIRMS) {
            struct firm *f = &r->u.fm.f;
            if (r->u.fm.building[0] != '\0') {
                rc = store_building_find(s, r->u.fm.building, &f->building_id, err);
                if (rc == DURE_ENOTFOUND) {
                    char shown[64];
                    str_sanitize(shown, sizeof(shown), r->u.fm.building, 40);
                    add_error(im, r->line, im->col_at[F_BUILDING],
                              "지식산업센터명: no building named \"%s\" (import buildings first)",
                              shown);
                    rc = 0;
                    continue;
                }
            }
            if (rc == 0 && im->res->nerrors == 0)
                rc = store_firm_upsert(s, f, &changed, err);
            if (rc == 0 && im->res->nerrors == 0 && changed)
                rc = registry__record_firm(s, actor, changed == 1 ? "firm.registered" : "firm.changed", f, err);
        } else {
            struct firm f;
            rc = store_firm_get(s, r->u.m.brn, &f, err);
            if (rc == DURE_ENOTFOUND) {
                add_error(im, r->line, im->col_at[M_BRN],
                          "사업자등록번호: firm %s is not registered (import firms first)",
                          r->u.m.brn);
                rc = 0;
                continue;
            }
            if (rc == 0 && im->res->nerrors == 0)
                rc = store_member_put(s, &r->u.m, &changed, err);
            if (rc == 0 && im->res->nerrors == 0 && changed)
                rc = registry__record_member(s, actor, changed == 1 ? "member.admitted" : (r->u.m.withdrawn_on[0] != '\0' ? "member.withdrawn" : "member.changed"), &r->u.m, err);
        }
        if (rc == 0 && im->res->nerrors == 0)
            count_change(im->res, changed);
    }
    return rc;
}

int registry_import(struct app *app, const struct principal *actor, enum import_kind kind,
                    const char *path, import_progress_fn progress, void *progress_ctx,
                    struct import_result *res, struct dure_err *err)
{
    struct importer im;
    struct store *s = NULL;
    int rc = 0, in_tx = 0;
    memset(&im, 0, sizeof(im));
    memset(res, 0, sizeof(*res));
    im.kind = kind;
    im.res = res;
    im.path = path;
    im.cols = kind == IMPORT_BUILDINGS ? building_cols
              : kind == IMPORT_FIRMS   ? firm_cols
                                       : member_cols;
    im.ncols = kind == IMPORT_BUILDINGS ? B_NCOLS : kind == IMPORT_FIRMS ? F_NCOLS : M_NCOLS;
    res->encoding = "";

    rc = csv_open_file(path, NULL, &im.csv, err);
    if (rc != 0)
        goto out;
    rc = read_rows(&im, progress, progress_ctx, err);
    res->encoding = csv_encoding(im.csv) == CSV_ENC_CP949 ? "CP949" : "UTF-8";
    if (rc != 0 || res->nerrors > 0 || res->errors_dropped > 0)
        goto out;
    if ((rc = app_store(app, &s, err)) != 0)
        goto out;
    if ((rc = store_begin(s, err)) != 0)
        goto out;
    in_tx = 1;
    rc = write_rows(&im, s, actor, err);
    if (rc == 0 && res->nerrors == 0 && kind == IMPORT_MEMBERS) {
        struct dure_err cap;
        if (registry__check_share_cap(s, &cap) != 0)
            add_error(&im, 0, -1, "%s", cap.msg);
    }
out:
    if (rc == 0 && (res->nerrors > 0 || res->errors_dropped > 0)) {
        res->inserted = res->updated = res->unchanged = 0;
        rc = dure_err_set(err, DURE_EUNPROCESSABLE,
                          "%zu error%s in %s; nothing was imported", res->nerrors +
                          res->errors_dropped, res->nerrors + res->errors_dropped == 1 ? "" : "s",
                          path);
    }
    if (in_tx) {
        if (rc == 0)
            rc = store_commit(s, err);
        if (rc != 0)
            store_rollback(s);
    }
    if (rc != 0 && rc != DURE_EUNPROCESSABLE)
        res->inserted = res->updated = res->unchanged = 0;
    free(im.rows);
    csv_close(im.csv);
    return rc;
}
