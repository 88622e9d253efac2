/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for gen: a scale-1 cluster written to a temporary directory and read back with a
 * small CSV reader of the test's own: determinism, the published counts, valid and unique
 * identifiers, real KSIC codes, the sector mix, employees, the member register, small scales
 * and bad options. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/brn.h"
#include "core/ksic.h"
#include "core/registry.h"
#include "gen/gen.h"
#include "util/str.h"

/* ---------------------------------------------------------------- a small CSV reader */

struct table {
    char *text;   /* decoded fields, NUL-separated */
    char **cells; /* nrows * ncols pointers into text; row 0 is the header */
    size_t nrows; /* including the header */
    size_t ncols;
};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

/* RFC 4180 with LF or CRLF; every record must have as many fields as the header. */
static void table_load(const char *path, struct table *t)
{
    size_t len = 0;
    char *in = slurp(path, &len);
    size_t cap = 1024;
    size_t n = 0;
    size_t fields_in_record = 0;
    char *o;
    memset(t, 0, sizeof(*t));
    t->text = malloc(len + 1);
    t->cells = malloc(cap * sizeof(t->cells[0]));
    assert_non_null(t->text);
    assert_non_null(t->cells);
    o = t->text;
    /* A BOM would break the importer's exact header match: none is written. */
    assert_false(len >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0);
    const char *p = in;
    const char *end = in + len;
    while (p < end) {
        if (n == cap) {
            cap *= 2;
            t->cells = realloc(t->cells, cap * sizeof(t->cells[0]));
            assert_non_null(t->cells);
        }
        t->cells[n++] = o;
        fields_in_record++;
        if (*p == '"') {
            p++;
            for (;;) {
                assert_true(p < end); /* unterminated quote */
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *o++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *o++ = *p++;
            }
        } else {
            while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
                assert_true(*p != '"');
                *o++ = *p++;
            }
        }
        *o++ = '\0';
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '\r')
            p++;
        assert_true(p == end || *p == '\n');
        if (p < end)
            p++;
        if (t->ncols == 0)
            t->ncols = fields_in_record;
        if (fields_in_record != t->ncols)
            fail_msg("%s: record %zu has %zu fields, expected %zu", path, n / t->ncols,
                     fields_in_record, t->ncols);
        fields_in_record = 0;
    }
    assert_int_equal(fields_in_record, 0);
    t->nrows = t->ncols > 0 ? n / t->ncols : 0;
    free(in);
}

static void table_free(struct table *t)
{
    free(t->cells);
    free(t->text);
    memset(t, 0, sizeof(*t));
}

static const char *cell(const struct table *t, size_t row, size_t col)
{
    return t->cells[row * t->ncols + col];
}

static size_t col(const struct table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(cell(t, 0, c), name) == 0)
            return c;
    fail_msg("no column %s", name);
    return 0;
}

static int64_t num(const char *s)
{
    int64_t v = 0;
    if (str_to_i64(s, 0, &v) != 0)
        fail_msg("not an integer: \"%s\"", s);
    return v;
}

/* Hundredths of a "1234.56" number. */
static int64_t centi(const char *s)
{
    const char *dot = strchr(s, '.');
    assert_non_null(dot);
    assert_int_equal(strlen(dot), 3);
    char whole[32];
    assert_true((size_t)(dot - s) < sizeof(whole));
    memcpy(whole, s, (size_t)(dot - s));
    whole[dot - s] = '\0';
    return num(whole) * 100 + num(dot + 1);
}

/* ---------------------------------------------------------------- fixture */

struct fixture {
    char root[256];
    char dir_a[300], dir_b[300], dir_c[300];
    struct gen_summary sum_a, sum_c;
    double seconds;
    struct table buildings, firms, members;
};

static void path_in(char *out, size_t n, const char *dir, const char *file)
{
    int len = snprintf(out, n, "%s/%s", dir, file);
    assert_true(len > 0 && (size_t)len < n);
}

static void generate(const char *dir, uint64_t seed, double scale, struct gen_summary *sum)
{
    struct gen_options opt;
    struct dure_err err = {0};
    gen_options_init(&opt);
    opt.seed = seed;
    opt.scale = scale;
    opt.out_dir = dir;
    if (gen_cluster(&opt, sum, &err) != DURE_OK)
        fail_msg("gen_cluster(%s): %s", dir, err.msg);
}

static void remove_outputs(const char *dir)
{
    char p[400];
    path_in(p, sizeof(p), dir, GEN_BUILDINGS_FILE);
    unlink(p);
    path_in(p, sizeof(p), dir, GEN_FIRMS_FILE);
    unlink(p);
    path_in(p, sizeof(p), dir, GEN_MEMBERS_FILE);
    unlink(p);
    rmdir(dir);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct gen_summary sum_b;
    char p[400];
    struct timespec t0, t1;
    if (fx == NULL)
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(fx->root, sizeof(fx->root), "%s/dure_test_gen_XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(fx->root) == NULL)
        return -1;
    snprintf(fx->dir_a, sizeof(fx->dir_a), "%s/a", fx->root);
    snprintf(fx->dir_b, sizeof(fx->dir_b), "%s/b", fx->root);
    snprintf(fx->dir_c, sizeof(fx->dir_c), "%s/c", fx->root);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    generate(fx->dir_a, 42, 1.0, &fx->sum_a);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fx->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    generate(fx->dir_b, 42, 1.0, &sum_b);
    generate(fx->dir_c, 43, 1.0, &fx->sum_c);
    path_in(p, sizeof(p), fx->dir_a, GEN_BUILDINGS_FILE);
    table_load(p, &fx->buildings);
    path_in(p, sizeof(p), fx->dir_a, GEN_FIRMS_FILE);
    table_load(p, &fx->firms);
    path_in(p, sizeof(p), fx->dir_a, GEN_MEMBERS_FILE);
    table_load(p, &fx->members);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    if (fx == NULL)
        return 0;
    table_free(&fx->buildings);
    table_free(&fx->firms);
    table_free(&fx->members);
    remove_outputs(fx->dir_a);
    remove_outputs(fx->dir_b);
    remove_outputs(fx->dir_c);
    rmdir(fx->root);
    free(fx);
    return 0;
}

/* ---------------------------------------------------------------- tests */

static int same_file(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *x = slurp(a, &la);
    char *y = slurp(b, &lb);
    int same = la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static void test_determinism(void **state)
{
    struct fixture *fx = *state;
    static const char *const files[] = {GEN_BUILDINGS_FILE, GEN_FIRMS_FILE, GEN_MEMBERS_FILE};
    char a[400], b[400], c[400];
    for (size_t i = 0; i < 3; i++) {
        path_in(a, sizeof(a), fx->dir_a, files[i]);
        path_in(b, sizeof(b), fx->dir_b, files[i]);
        path_in(c, sizeof(c), fx->dir_c, files[i]);
        if (!same_file(a, b))
            fail_msg("%s differs between two runs with the same seed", files[i]);
        if (same_file(a, c))
            fail_msg("%s is the same for seeds 42 and 43", files[i]);
    }
    print_message("scale-1 generation took %.3f s\n", fx->seconds);
    /* No temporary files are left behind. */
    char tmp[400];
    path_in(tmp, sizeof(tmp), fx->dir_a, "." GEN_FIRMS_FILE ".tmp");
    assert_int_not_equal(access(tmp, F_OK), 0);
}

static void test_headers(void **state)
{
    struct fixture *fx = *state;
    char line[512];
    const struct table *t[3] = {&fx->buildings, &fx->firms, &fx->members};
    static const char *const want[3] = {GEN_BUILDINGS_HEADER, GEN_FIRMS_HEADER, GEN_MEMBERS_HEADER};
    assert_string_equal(GEN_BUILDINGS_HEADER, "연번,단지명,지식산업센터명,공장대표주소(도로명),"
                                              "건축면적(제곱미터),연면적(제곱미터),지상층수");
    assert_string_equal(GEN_FIRMS_HEADER,
                        "연번,회사명,사업자등록번호,단지명,지식산업센터명,층,호,대표업종,업종명,"
                        "종업원합계,생산품,공장대표주소(도로명),가동상태");
    assert_string_equal(GEN_MEMBERS_HEADER, "사업자등록번호,회사명,가입일,출자좌수,납입출자금");
    for (int i = 0; i < 3; i++) {
        line[0] = '\0';
        for (size_t c = 0; c < t[i]->ncols; c++) {
            size_t used = strlen(line);
            snprintf(line + used, sizeof(line) - used, "%s%s", c ? "," : "", cell(t[i], 0, c));
        }
        assert_string_equal(line, want[i]);
    }
}

static void test_counts(void **state)
{
    struct fixture *fx = *state;
    const struct gen_summary *s = &fx->sum_a;
    assert_int_equal(s->centres, 106);
    assert_int_equal(s->firms, 10145);
    assert_int_equal(s->firms_in_centres, 9271);
    assert_int_equal(fx->buildings.nrows - 1, 106);
    assert_int_equal(fx->firms.nrows - 1, 10145);
    size_t centre_col = col(&fx->firms, "지식산업센터명");
    size_t in_centres = 0;
    for (size_t r = 1; r < fx->firms.nrows; r++)
        in_centres += cell(&fx->firms, r, centre_col)[0] != '\0';
    assert_int_equal(in_centres, 9271);
    /* Serial numbers run 1..n. */
    for (size_t r = 1; r < fx->firms.nrows; r++)
        assert_int_equal(num(cell(&fx->firms, r, 0)), (int64_t)r);
    for (size_t r = 1; r < fx->buildings.nrows; r++)
        assert_int_equal(num(cell(&fx->buildings, r, 0)), (int64_t)r);
    print_message("centres by complex %zu/%zu/%zu\n", s->centres_by_complex[0],
                  s->centres_by_complex[1], s->centres_by_complex[2]);
}

static int complex_of(const char *name)
{
    if (strcmp(name, "서울디지털1단지") == 0)
        return 1;
    if (strcmp(name, "서울디지털2단지") == 0)
        return 2;
    if (strcmp(name, "서울디지털3단지") == 0)
        return 3;
    fail_msg("unexpected 단지명 \"%s\"", name);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every value of column c is distinct. */
static void assert_unique(const struct table *t, size_t c, const char *what)
{
    size_t n = t->nrows - 1;
    const char **v = calloc(n, sizeof(v[0]));
    assert_non_null(v);
    for (size_t r = 1; r < t->nrows; r++)
        v[r - 1] = cell(t, r, c);
    qsort(v, n, sizeof(v[0]), cmp_str);
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i - 1], v[i]) == 0)
            fail_msg("%s \"%s\" appears twice", what, v[i]);
    free(v);
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_buildings(void **state)
{
    struct fixture *fx = *state;
    const struct table *b = &fx->buildings;
    size_t per_complex[4] = {0};
    assert_unique(b, col(b, "지식산업센터명"), "centre name");
    assert_unique(b, col(b, "공장대표주소(도로명)"), "centre address");
    for (size_t r = 1; r < b->nrows; r++) {
        int c = complex_of(cell(b, r, 1));
        per_complex[c]++;
        const char *addr = cell(b, r, 3);
        assert_true(starts_with(addr, c == 1 ? "서울특별시 구로구 " : "서울특별시 금천구 "));
        if (c == 1 && strstr(cell(b, r, 2), "가산") != NULL)
            fail_msg("\"%s\" is named after Gasan but stands in Guro", cell(b, r, 2));
        int64_t area = centi(cell(b, r, 4));
        int64_t gross = centi(cell(b, r, 5));
        int64_t floors = num(cell(b, r, 6));
        assert_in_range(area, 200000, 800000);
        assert_in_range(gross, 2000000, 15000000);
        assert_in_range(floors, 10, 27);
        assert_true(cell(b, r, 2)[0] != '\0');
        /* Complexes come in order. */
        if (r > 1)
            assert_true(complex_of(cell(b, r - 1, 1)) <= c);
    }
    /* About 30% / 15% / 55% of the centres. */
    assert_in_range(per_complex[1], 28, 36);
    assert_in_range(per_complex[2], 12, 20);
    assert_in_range(per_complex[3], 53, 63);
}

/* A centre's row in buildings.csv by name, or 0. */
static size_t building_row(const struct table *b, const char *name)
{
    for (size_t r = 1; r < b->nrows; r++)
        if (strcmp(cell(b, r, 2), name) == 0)
            return r;
    return 0;
}

static void test_firm_places(void **state)
{
    struct fixture *fx = *state;
    const struct table *f = &fx->firms;
    const struct table *b = &fx->buildings;
    size_t c_complex = col(f, "단지명"), c_centre = col(f, "지식산업센터명"),
           c_floor = col(f, "층"), c_unit = col(f, "호"), c_addr = col(f, "공장대표주소(도로명)"),
           c_status = col(f, "가동상태"), c_name = col(f, "회사명"), c_product = col(f, "생산품");
    size_t basement = 0, suspended = 0;
    size_t *per_building = calloc(b->nrows, sizeof(per_building[0]));
    assert_non_null(per_building);
    assert_unique(f, c_name, "firm name");
    for (size_t r = 1; r < f->nrows; r++) {
        int complex = complex_of(cell(f, r, c_complex));
        const char *centre = cell(f, r, c_centre);
        const char *unit = cell(f, r, c_unit);
        const char *addr = cell(f, r, c_addr);
        assert_true(cell(f, r, c_name)[0] != '\0');
        assert_true(cell(f, r, c_product)[0] != '\0');
        const char *status = cell(f, r, c_status);
        assert_true(strcmp(status, "가동") == 0 || strcmp(status, "휴업") == 0);
        suspended += strcmp(status, "휴업") == 0;
        if (centre[0] == '\0') {
            assert_string_equal(cell(f, r, c_floor), "");
            assert_string_equal(unit, "");
            assert_true(starts_with(addr, "서울특별시 "));
            continue;
        }
        size_t br = building_row(b, centre);
        if (br == 0)
            fail_msg("firm %zu names an unknown centre \"%s\"", r, centre);
        per_building[br]++;
        assert_int_equal(complex_of(cell(b, br, 1)), complex);
        const char *floor_text = cell(f, r, c_floor);
        int64_t floors = num(cell(b, br, 6));
        char expect[32];
        if (strcmp(floor_text, "B1") == 0) { /* the first basement, as registers write it */
            basement++;
            assert_true(starts_with(unit, "B1"));
            assert_int_equal(strlen(unit), strlen("B1") + 2 + strlen("호"));
        } else {
            int64_t floor = num(floor_text);
            assert_in_range(floor, 1, floors);
            snprintf(expect, sizeof(expect), "%lld", (long long)floor);
            assert_true(starts_with(unit, expect));
            assert_int_equal(strlen(unit), strlen(expect) + 2 + strlen("호"));
        }
        assert_true(strlen(unit) > strlen("호") &&
                    strcmp(unit + strlen(unit) - strlen("호"), "호") == 0);
        /* The firm's address is its centre's, with the unit. */
        assert_true(starts_with(addr, cell(b, br, 3)));
        assert_non_null(strstr(addr, unit));
    }
    /* Every centre has tenants; basements are rare; few firms are suspended. */
    for (size_t r = 1; r < b->nrows; r++)
        assert_true(per_building[r] > 0);
    assert_in_range(basement, 1, 300);
    assert_in_range(suspended, 1, 600);
    free(per_building);
}

static void test_brns(void **state)
{
    struct fixture *fx = *state;
    const struct table *f = &fx->firms;
    size_t c = col(f, "사업자등록번호");
    size_t corporations = 0, local = 0;
    assert_unique(f, c, "business registration number");
    for (size_t r = 1; r < f->nrows; r++) {
        const char *s = cell(f, r, c);
        char digits[BRN_SIZE];
        char formatted[BRN_FORMATTED_SIZE];
        struct dure_err err = {0};
        if (brn_parse(s, digits, &err) != DURE_OK)
            fail_msg("firm %zu: %s", r, err.msg);
        brn_format(digits, formatted);
        assert_string_equal(s, formatted); /* written as XXX-XX-XXXXX */
        int type = (digits[3] - '0') * 10 + (digits[4] - '0');
        corporations += type == 81 || type == 86 || type == 87 || type == 88;
        if (type != 81 && type != 86 && type != 87 && type != 88)
            assert_in_range(type, 1, 79);
        local += starts_with(digits, "113") || starts_with(digits, "119");
    }
    size_t n = f->nrows - 1;
    print_message("corporations %.1f%%, Guro/Geumcheon tax offices %.1f%%\n",
                  100.0 * (double)corporations / (double)n, 100.0 * (double)local / (double)n);
    assert_in_range(corporations * 100 / n, 55, 65);
    assert_in_range(local * 100 / n, 70, 95);
}

enum { SEC_IT, SEC_SVC, SEC_ELEC, SEC_OMFG, SEC_MACH, SEC_TEXT, SEC_PRINT, SEC_N };

static int sector_of(const char *code)
{
    int d = (code[0] - '0') * 10 + (code[1] - '0');
    if (d >= 58 && d <= 63)
        return SEC_IT;
    if (d >= 26 && d <= 28)
        return SEC_ELEC;
    if (d == 22 || d == 25 || d == 32 || d == 33)
        return SEC_OMFG;
    if (d == 29)
        return SEC_MACH;
    if (d == 13 || d == 14)
        return SEC_TEXT;
    if (d == 18)
        return SEC_PRINT;
    if (ksic_section(code) != 'C')
        return SEC_SVC;
    fail_msg("code %s is manufacturing outside the expected divisions", code);
    return -1;
}

static void test_ksic_codes_and_sectors(void **state)
{
    struct fixture *fx = *state;
    const struct table *f = &fx->firms;
    size_t c_code = col(f, "대표업종"), c_name = col(f, "업종명");
    size_t count[SEC_N] = {0};
    static const double target[SEC_N] = {35, 28, 15, 13, 4, 3, 2};
    static const char *const label[SEC_N] = {"IT",        "services", "electronics", "other mfg",
                                             "machinery", "textiles", "printing"};
    for (size_t r = 1; r < f->nrows; r++) {
        const char *code = cell(f, r, c_code);
        assert_int_equal(strlen(code), 5);
        const struct ksic_entry *e = ksic_lookup(code);
        if (e == NULL)
            fail_msg("firm %zu: KSIC %s unknown", r, code);
        assert_string_equal(cell(f, r, c_name), e->name);
        count[sector_of(code)]++;
    }
    size_t n = f->nrows - 1;
    for (int s = 0; s < SEC_N; s++) {
        double share = 100.0 * (double)count[s] / (double)n;
        print_message("sector %-12s %5.1f%% (target %.0f%%)\n", label[s], share, target[s]);
        assert_true(fabs(share - target[s]) <= 2.0);
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_employees(void **state)
{
    struct fixture *fx = *state;
    const struct table *f = &fx->firms;
    size_t c = col(f, "종업원합계");
    size_t n = f->nrows - 1;
    int64_t *e = calloc(n, sizeof(e[0]));
    int64_t total = 0;
    size_t small = 0;
    assert_non_null(e);
    for (size_t r = 1; r < f->nrows; r++) {
        e[r - 1] = num(cell(f, r, c));
        assert_true(e[r - 1] >= 1);
        total += e[r - 1];
        small += e[r - 1] < 10;
    }
    qsort(e, n, sizeof(e[0]), cmp_i64);
    int64_t median = e[n / 2];
    print_message("employees %lld, median %lld, largest %lld, under 10: %.1f%%\n", (long long)total,
                  (long long)median, (long long)e[n - 1], 100.0 * (double)small / (double)n);
    assert_int_equal(total, fx->sum_a.employees);
    assert_in_range(total, 145500, 154500); /* 150,000 +- 3% */
    assert_in_range(median, 4, 9);
    assert_true(e[n - 1] >= 300); /* a heavy tail */
    assert_true(small * 100 / n >= 60);
    free(e);
}

struct firm_ref {
    const char *brn;
    size_t row;
};

static int cmp_ref(const void *a, const void *b)
{
    return strcmp(((const struct firm_ref *)a)->brn, ((const struct firm_ref *)b)->brn);
}

static void test_members(void **state)
{
    struct fixture *fx = *state;
    const struct table *m = &fx->members;
    const struct table *f = &fx->firms;
    size_t nf = f->nrows - 1;
    size_t nm = m->nrows - 1;
    size_t f_brn = col(f, "사업자등록번호"), f_name = col(f, "회사명"),
           f_centre = col(f, "지식산업센터명"), f_code = col(f, "대표업종");
    size_t m_brn = col(m, "사업자등록번호"), m_name = col(m, "회사명"), m_date = col(m, "가입일"),
           m_shares = col(m, "출자좌수"), m_paid = col(m, "납입출자금");
    struct firm_ref *refs = calloc(nf, sizeof(refs[0]));
    int64_t *shares = calloc(nm, sizeof(shares[0]));
    size_t member_sector[SEC_N] = {0}, firm_sector[SEC_N] = {0};
    size_t partly = 0, founders = 0;
    assert_non_null(refs);
    assert_non_null(shares);

    assert_int_equal(nm, fx->sum_a.members);
    assert_int_equal(nm, 3044); /* 30% of 10,145 */
    assert_unique(m, m_brn, "member");
    for (size_t r = 1; r <= nf; r++) {
        refs[r - 1].brn = cell(f, r, f_brn);
        refs[r - 1].row = r;
        firm_sector[sector_of(cell(f, r, f_code))]++;
    }
    qsort(refs, nf, sizeof(refs[0]), cmp_ref);

    const char **centres = calloc(nm, sizeof(centres[0]));
    assert_non_null(centres);
    size_t ncentres = 0;
    for (size_t r = 1; r <= nm; r++) {
        struct firm_ref key = {cell(m, r, m_brn), 0};
        const struct firm_ref *hit = bsearch(&key, refs, nf, sizeof(refs[0]), cmp_ref);
        if (hit == NULL)
            fail_msg("member %s is not in the factory register", key.brn);
        assert_string_equal(cell(m, r, m_name), cell(f, hit->row, f_name));
        member_sector[sector_of(cell(f, hit->row, f_code))]++;
        if (cell(f, hit->row, f_centre)[0] != '\0')
            centres[ncentres++] = cell(f, hit->row, f_centre);

        const char *date = cell(m, r, m_date);
        assert_true(date_valid(date));
        assert_true(strcmp(date, "2021-03-01") >= 0 && strcmp(date, "2026-10-31") <= 0);
        if (r > 1)
            assert_true(strcmp(cell(m, r - 1, m_date), date) <= 0); /* in order of admission */
        founders += strcmp(date, "2021-03-01") == 0;

        int64_t s = num(cell(m, r, m_shares));
        int64_t paid = num(cell(m, r, m_paid));
        assert_in_range(s, 1, 50);
        assert_int_equal(paid % GEN_SHARE_VALUE_KRW, 0);
        assert_in_range(paid, GEN_SHARE_VALUE_KRW, s * GEN_SHARE_VALUE_KRW);
        partly += paid < s * GEN_SHARE_VALUE_KRW;
        shares[r - 1] = s;
    }
    assert_int_equal(coop_share_cap_check(shares, nm, NULL, NULL), DURE_OK);
    assert_in_range(partly, 1, nm / 10); /* mostly fully paid, a few partly */
    assert_in_range(founders, 1, nm / 5);

    /* Spread: members in nearly every centre, and sectors as among the firms. */
    qsort(centres, ncentres, sizeof(centres[0]), cmp_str);
    size_t distinct = ncentres > 0;
    for (size_t i = 1; i < ncentres; i++)
        distinct += strcmp(centres[i - 1], centres[i]) != 0;
    print_message("members %zu (%.1f%%) in %zu of 106 centres, %zu partly paid\n", nm,
                  100.0 * (double)nm / (double)nf, distinct, partly);
    assert_true(distinct >= 100);
    for (int s = 0; s < SEC_N; s++) {
        double ms = 100.0 * (double)member_sector[s] / (double)nm;
        double fs = 100.0 * (double)firm_sector[s] / (double)nf;
        assert_true(fabs(ms - fs) <= 4.0);
    }
    free(centres);
    free(shares);
    free(refs);
}

static void test_small_scales(void **state)
{
    struct fixture *fx = *state;
    char dir[400], p[500];
    struct gen_summary s;
    struct table t;

    snprintf(dir, sizeof(dir), "%s/small", fx->root);
    generate(dir, 7, 0.05, &s);
    assert_int_equal(s.centres, 5);
    assert_int_equal(s.firms, 507);
    assert_int_equal(s.firms_in_centres, 463);
    assert_in_range(s.employees, 7275, 7725);
    path_in(p, sizeof(p), dir, GEN_FIRMS_FILE);
    table_load(p, &t);
    assert_int_equal(t.nrows - 1, 507);
    table_free(&t);
    remove_outputs(dir);

    snprintf(dir, sizeof(dir), "%s/tiny", fx->root);
    generate(dir, 7, 0.001, &s);
    assert_int_equal(s.centres, 1);
    assert_true(s.firms >= 3);
    assert_true(s.firms_in_centres >= 1);
    path_in(p, sizeof(p), dir, GEN_BUILDINGS_FILE);
    table_load(p, &t);
    assert_int_equal(t.nrows - 1, 1);
    table_free(&t);
    path_in(p, sizeof(p), dir, GEN_MEMBERS_FILE);
    table_load(p, &t);
    assert_int_equal(t.nrows - 1, s.members);
    table_free(&t);
    remove_outputs(dir);

    /* Nested directories are created (mkdir -p). */
    char d1[400], d2[400];
    snprintf(d1, sizeof(d1), "%s/x", fx->root);
    snprintf(d2, sizeof(d2), "%s/x/y", fx->root);
    snprintf(dir, sizeof(dir), "%s/x/y/z/", fx->root);
    generate(dir, 1, 0.0001, &s);
    assert_int_equal(s.firms, 3);
    remove_outputs(dir);
    rmdir(d2);
    rmdir(d1);
}

static void test_members_share(void **state)
{
    struct fixture *fx = *state;
    char dir[400];
    struct gen_options opt;
    struct gen_summary s;
    struct dure_err err = {0};
    snprintf(dir, sizeof(dir), "%s/share", fx->root);
    gen_options_init(&opt);
    opt.out_dir = dir;
    opt.scale = 0.1;
    opt.members_share = 0.5;
    assert_int_equal(gen_cluster(&opt, &s, &err), DURE_OK);
    assert_int_equal(s.members, (s.firms + 1) / 2);
    opt.members_share = 0;
    assert_int_equal(gen_cluster(&opt, &s, &err), DURE_OK);
    assert_int_equal(s.members, 0);
    opt.members_share = 1;
    assert_int_equal(gen_cluster(&opt, &s, &err), DURE_OK);
    assert_int_equal(s.members, s.firms);
    remove_outputs(dir);
}

static void test_bad_options(void **state)
{
    struct fixture *fx = *state;
    struct gen_options opt;
    struct gen_summary s;
    struct dure_err err = {0};
    char dir[400], file[500];

    gen_options_init(&opt);
    assert_int_equal(gen_cluster(&opt, &s, &err), DURE_EINVAL); /* no out_dir */
    opt.out_dir = "";
    assert_int_equal(gen_cluster(&opt, &s, &err), DURE_EINVAL);
    assert_int_equal(gen_cluster(NULL, &s, &err), DURE_EINVAL);

    snprintf(dir, sizeof(dir), "%s/never", fx->root);
    opt.out_dir = dir;
    static const double bad_scales[] = {0.0, -1.0, GEN_SCALE_MAX * 1.01};
    for (size_t i = 0; i < 3; i++) {
        opt.scale = bad_scales[i];
        assert_int_equal(gen_cluster(&opt, &s, &err), DURE_EINVAL);
        assert_non_null(strstr(err.msg, "scale"));
    }
    opt.scale = NAN;
    assert_int_equal(gen_cluster(&opt, &s, &err), DURE_EINVAL);
    opt.scale = 1.0;
    opt.members_share = -0.1;
    assert_int_equal(gen_cluster(&opt, &s, &err), DURE_EINVAL);
    opt.members_share = 1.5;
    assert_int_equal(gen_cluster(&opt, &s, &err), DURE_EINVAL);
    assert_int_not_equal(access(dir, F_OK), 0); /* nothing created on bad options */

    /* A file where the directory should be. */
    opt.members_share = 0.3;
    path_in(file, sizeof(file), fx->root, "plainfile");
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    opt.out_dir = file;
    assert_int_equal(gen_cluster(&opt, &s, &err), DURE_EIO);
    unlink(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_buildings),
        cmocka_unit_test(test_firm_places),
        cmocka_unit_test(test_brns),
        cmocka_unit_test(test_ksic_codes_and_sectors),
        cmocka_unit_test(test_employees),
        cmocka_unit_test(test_members),
        cmocka_unit_test(test_small_scales),
        cmocka_unit_test(test_members_share),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
