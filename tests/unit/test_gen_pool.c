/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the generator's pool data (gen_pool.c): the members' e-tax invoice lists and
 * monthly KPIs, read back with a small CSV reader of the test's own. At scale 0.05: determinism,
 * the Hometax layout row by row (33 or 32 fields, valid BRNs, 24-digit approval numbers unique
 * per file, supply + tax = total, real dates in 2025), one invoice on both lists when two
 * members trade, the cluster's share of purchases, revenue against invoices; at scale 1 the KPI
 * calibration; and the options. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/brn.h"
#include "core/ksic.h"
#include "gen/gen.h"
#include "util/str.h"

#define SEED 42
#define SMALL 0.05

/* ---------------------------------------------------------------- reading files */

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
    if (len != NULL)
        *len = (size_t)n;
    return buf;
}

/* A file as lines (LF, none of ours holds a quoted line break), each cut into fields on demand. */
struct lines {
    char *text;
    char **line;
    size_t n;
};

static void lines_load(const char *path, struct lines *l)
{
    size_t len = 0;
    size_t cap = 1024;
    l->text = slurp(path, &len);
    l->line = malloc(cap * sizeof(l->line[0]));
    l->n = 0;
    assert_non_null(l->line);
    assert_true(len > 0 && l->text[len - 1] == '\n'); /* ends with a line break */
    assert_false(len >= 3 && memcmp(l->text, "\xEF\xBB\xBF", 3) == 0);
    assert_null(strchr(l->text, '\r'));
    for (char *p = l->text; p < l->text + len;) {
        char *nl = strchr(p, '\n');
        *nl = '\0';
        if (l->n == cap) {
            cap *= 2;
            l->line = realloc(l->line, cap * sizeof(l->line[0]));
            assert_non_null(l->line);
        }
        l->line[l->n++] = p;
        p = nl + 1;
    }
}

static void lines_free(struct lines *l)
{
    free(l->line);
    free(l->text);
    memset(l, 0, sizeof(*l));
}

/* Split an RFC 4180 line in place into at most max fields; returns the count (max + 1 when
 * there are more). Quoted fields are unquoted. */
static size_t split(char *s, char **f, size_t max)
{
    size_t n = 0;
    char *o = s;
    for (;;) {
        if (n == max)
            return max + 1;
        f[n++] = o;
        if (*s == '"') {
            s++;
            for (;;) {
                assert_true(*s != '\0'); /* unterminated quote */
                if (*s == '"' && s[1] == '"') {
                    *o++ = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    *o++ = *s++;
                }
            }
            assert_true(*s == ',' || *s == '\0');
        } else {
            while (*s != ',' && *s != '\0') {
                assert_true(*s != '"');
                *o++ = *s++;
            }
        }
        if (*s == '\0') {
            *o = '\0';
            return n;
        }
        *o++ = '\0';
        s++;
    }
}

static int64_t num(const char *s)
{
    int64_t v = 0;
    if (str_to_i64(s, 0, &v) != 0)
        fail_msg("not an integer: \"%s\"", s);
    return v;
}

/* An amount, with or without thousands separators; *sep tells which. */
static int64_t amount(const char *s, int *sep)
{
    int64_t v = 0;
    if (str_to_i64(s, 1, &v) != 0)
        fail_msg("not an amount: \"%s\"", s);
    *sep = strchr(s, ',') != NULL;
    return v;
}

static int days_in(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : d[m - 1];
}

/* "YYYY-MM-DD" of a date that exists, as a day number (days since 2000-01-01), or -1. */
static long day_of(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 2000 || m < 1 || m > 12 || d < 1 || d > days_in(y, m))
        return -1;
    long n = 0;
    for (int yy = 2000; yy < y; yy++)
        n += 365 + (days_in(yy, 2) == 29);
    for (int mm = 1; mm < m; mm++)
        n += days_in(y, mm);
    return n + d - 1;
}

/* The 10th of the month after date s (a valid "YYYY-MM-DD"). */
static long deadline_of(const char *s)
{
    char d[32];
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    snprintf(d, sizeof(d), "%04d-%02d-10", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    return day_of(d);
}

static int is_resident_number(const char *s)
{
    /* masked "900101-1******" or 13 digits */
    size_t n = strlen(s);
    if (n == 14 && s[6] == '-') {
        for (int i = 0; i < 6; i++)
            if (s[i] < '0' || s[i] > '9')
                return 0;
        if (s[7] < '1' || s[7] > '4')
            return 0;
        for (int i = 8; i < 14; i++)
            if (s[i] != '*')
                return 0;
        return 1;
    }
    return n == 13 && str_is_digits(s) && s[6] >= '1' && s[6] <= '4';
}

/* ---------------------------------------------------------------- the fixture */

struct firm_info {
    char brn[BRN_SIZE];
    int member; /* index in members.csv, or -1 */
    char section;
    char division[3];
    int64_t employees;
};

/* One row of an invoice list, what the cross-checks need. */
struct rec {
    char approval[25];
    char supplier[BRN_SIZE];
    char buyer[16]; /* a BRN's digits, or a resident number as written */
    long written, issued, sent;
    int64_t total, supply, tax;
    int received; /* 1 on a _received list */
    int exempt;
    uint32_t file;
};

struct tally {
    size_t rows, amended, zero, b2c, b2c_masked, receipt, multi, branch, exempt_files;
    size_t sep_files, files, emails2;
    size_t names_seen[8]; /* variants of common purchases seen */
};

struct fixture {
    char root[256];
    char dir_a[300], dir_b[300], dir_c[300];
    struct gen_summary sum_a;
    double seconds;
    struct firm_info *firms; /* sorted by brn */
    size_t nfirms;
    char (*members)[BRN_SIZE]; /* members.csv order */
    size_t nmembers;
    struct rec *recs;
    size_t nrecs;
    char (*files)[64]; /* names of the invoice files of dir_a */
    size_t nfiles;
    struct tally tally; /* what the lists of dir_a hold, once parsed */
};

static void path_in(char *out, size_t n, const char *dir, const char *file)
{
    snprintf(out, n, "%s/%s", dir, file);
}

static void generate(const char *dir, uint64_t seed, double scale, int invoices,
                     double invoices_scale, int kpis, int kpis_all, struct gen_summary *sum)
{
    struct gen_options opt;
    struct dure_err err = {0};
    gen_options_init(&opt);
    opt.seed = seed;
    opt.scale = scale;
    opt.out_dir = dir;
    opt.invoices = invoices;
    opt.invoices_scale = invoices_scale;
    opt.kpis = kpis;
    opt.kpis_all = kpis_all;
    if (gen_cluster(&opt, sum, &err) != DURE_OK)
        fail_msg("gen_cluster(%s): %s", dir, err.msg);
}

/* rm -r of a directory the test made (two levels at most). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        char p[600];
        struct stat sb;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            remove_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* The names in dir, sorted (OUT, owned). */
static size_t list_dir(const char *dir, char (**out)[64])
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0, cap = 256;
    char(*names)[64] = malloc(cap * sizeof(names[0]));
    assert_non_null(d);
    assert_non_null(names);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap *= 2;
            names = realloc(names, cap * sizeof(names[0]));
            assert_non_null(names);
        }
        snprintf(names[n++], 64, "%.63s", e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_name);
    *out = names;
    return n;
}

static int cmp_firm(const void *a, const void *b)
{
    return strcmp(((const struct firm_info *)a)->brn, ((const struct firm_info *)b)->brn);
}

static struct firm_info *find_firm(const struct fixture *fx, const char *digits)
{
    struct firm_info key;
    snprintf(key.brn, sizeof(key.brn), "%s", digits);
    return bsearch(&key, fx->firms, fx->nfirms, sizeof(key), cmp_firm);
}

static void load_registers(struct fixture *fx)
{
    char p[400];
    struct lines l;
    char *f[16];
    path_in(p, sizeof(p), fx->dir_a, GEN_FIRMS_FILE);
    lines_load(p, &l);
    fx->nfirms = l.n - 1;
    fx->firms = calloc(fx->nfirms, sizeof(fx->firms[0]));
    assert_non_null(fx->firms);
    for (size_t i = 1; i < l.n; i++) {
        struct firm_info *fi = &fx->firms[i - 1];
        struct dure_err err = {0};
        assert_int_equal(split(l.line[i], f, 16), 13);
        assert_int_equal(brn_parse(f[2], fi->brn, &err), DURE_OK);
        fi->member = -1;
        fi->section = ksic_section(f[7]);
        memcpy(fi->division, f[7], 2);
        fi->employees = num(f[9]);
    }
    lines_free(&l);
    qsort(fx->firms, fx->nfirms, sizeof(fx->firms[0]), cmp_firm);

    path_in(p, sizeof(p), fx->dir_a, GEN_MEMBERS_FILE);
    lines_load(p, &l);
    fx->nmembers = l.n - 1;
    fx->members = calloc(fx->nmembers, sizeof(fx->members[0]));
    assert_non_null(fx->members);
    for (size_t i = 1; i < l.n; i++) {
        struct dure_err err = {0};
        assert_int_equal(split(l.line[i], f, 16), 5);
        assert_int_equal(brn_parse(f[0], fx->members[i - 1], &err), DURE_OK);
        struct firm_info *fi = find_firm(fx, fx->members[i - 1]);
        assert_non_null(fi);
        fi->member = (int)(i - 1);
    }
    lines_free(&l);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct gen_summary sum;
    struct timespec t0, t1;
    if (fx == NULL)
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(fx->root, sizeof(fx->root), "%s/dure_test_gen_pool_XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(fx->root) == NULL)
        return -1;
    snprintf(fx->dir_a, sizeof(fx->dir_a), "%s/a", fx->root);
    snprintf(fx->dir_b, sizeof(fx->dir_b), "%s/b", fx->root);
    snprintf(fx->dir_c, sizeof(fx->dir_c), "%s/c", fx->root);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    generate(fx->dir_a, SEED, SMALL, 1, 1.0, 1, 0, &fx->sum_a);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fx->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    generate(fx->dir_b, SEED, SMALL, 1, 1.0, 1, 0, &sum);
    generate(fx->dir_c, SEED + 1, SMALL, 1, 1.0, 1, 0, &sum);
    load_registers(fx);
    char p[400];
    path_in(p, sizeof(p), fx->dir_a, GEN_INVOICES_DIR);
    fx->nfiles = list_dir(p, &fx->files);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    if (fx == NULL)
        return 0;
    remove_tree(fx->root);
    free(fx->recs);
    free(fx->files);
    free(fx->members);
    free(fx->firms);
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
    char a[600], b[600], da[400], db[400];
    char(*names_b)[64] = NULL;
    path_in(da, sizeof(da), fx->dir_a, GEN_INVOICES_DIR);
    path_in(db, sizeof(db), fx->dir_b, GEN_INVOICES_DIR);
    size_t nb = list_dir(db, &names_b);
    assert_int_equal(nb, fx->nfiles);
    for (size_t i = 0; i < fx->nfiles; i++) {
        assert_string_equal(fx->files[i], names_b[i]);
        path_in(a, sizeof(a), da, fx->files[i]);
        path_in(b, sizeof(b), db, fx->files[i]);
        if (!same_file(a, b))
            fail_msg("%s differs between two runs with the same seed", fx->files[i]);
    }
    free(names_b);
    static const char *const files[] = {GEN_KPIS_FILE, GEN_BUILDINGS_FILE, GEN_FIRMS_FILE,
                                        GEN_MEMBERS_FILE};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        path_in(a, sizeof(a), fx->dir_a, files[i]);
        path_in(b, sizeof(b), fx->dir_b, files[i]);
        assert_true(same_file(a, b));
    }
    path_in(a, sizeof(a), fx->dir_a, GEN_KPIS_FILE);
    path_in(b, sizeof(b), fx->dir_c, GEN_KPIS_FILE);
    assert_false(same_file(a, b)); /* another seed, other figures */
    print_message("scale-%.2f generation with invoices took %.3f s: %zu files, %llu rows\n", SMALL,
                  fx->seconds, fx->nfiles, (unsigned long long)fx->sum_a.invoice_rows);
}

/* Column indexes of the 33-column layout; the 계산서 list lacks 세액 (C_TAX), so from there on
 * its columns are one to the left. */
enum {
    C_WRITTEN,
    C_APPROVAL,
    C_ISSUED,
    C_SENT,
    C_S_BRN,
    C_S_BRANCH,
    C_S_NAME,
    C_S_REP,
    C_S_ADDR,
    C_B_ID,
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
    C_REMARK,
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
    C_I_REMARK,
    C_COUNT
};

static const char *const common_names[8] = {
    "복사용지 A4 80g",
    "A4용지",
    "더블에이 A4 80g 2500매",
    "레이저토너 HP 26A",
    "노트북 LG그램 15",
    "모니터 27인치",
    "택배비",
    "AWS 이용료",
};

static void push_rec(struct fixture *fx, size_t *cap, const struct rec *r)
{
    if (fx->nrecs == *cap) {
        *cap = *cap == 0 ? 65536 : *cap * 2;
        fx->recs = realloc(fx->recs, *cap * sizeof(fx->recs[0]));
        assert_non_null(fx->recs);
    }
    fx->recs[fx->nrecs++] = *r;
}

static int cmp_approval(const void *a, const void *b)
{
    return strcmp(((const struct rec *)a)->approval, ((const struct rec *)b)->approval);
}

/* Check one invoice list of dir_a row by row and keep its rows in fx->recs. */
static void check_list(struct fixture *fx, size_t file, size_t *cap, struct tally *t)
{
    const char *name = fx->files[file];
    char dir[400], p[600], want[128], owner[BRN_SIZE], fmt[BRN_FORMATTED_SIZE];
    struct lines l;
    char *f[C_COUNT + 2];
    int received = strstr(name, GEN_RECEIVED_SUFFIX) != NULL;
    int exempt = strstr(name, GEN_EXEMPT_SUFFIX) != NULL;
    size_t ncols = exempt ? GEN_EXEMPT_COLUMNS : GEN_INVOICE_COLUMNS;
    int file_sep = -1;
    size_t first = fx->nrecs;

    assert_true(received || exempt || strstr(name, GEN_ISSUED_SUFFIX) != NULL);
    snprintf(owner, sizeof(owner), "%.10s", name);
    assert_true(str_is_digits(owner));
    const struct firm_info *me = find_firm(fx, owner);
    if (me == NULL || me->member < 0)
        fail_msg("%s is not a member's list", name);
    brn_format(owner, fmt);

    path_in(dir, sizeof(dir), fx->dir_a, GEN_INVOICES_DIR);
    path_in(p, sizeof(p), dir, name);
    lines_load(p, &l);
    assert_true(l.n >= 5);
    snprintf(want, sizeof(want), "%s %s", exempt ? GEN_EXEMPT_TITLE : GEN_INVOICE_TITLE,
             received ? "(매입)" : "(매출)");
    assert_string_equal(l.line[0], want);
    assert_string_equal(l.line[1], "조회기간,2025-01-01 ~ 2025-12-31");
    snprintf(want, sizeof(want), "사업자등록번호,%s", fmt);
    assert_string_equal(l.line[2], want);
    assert_string_equal(l.line[3], "");
    assert_string_equal(l.line[4], exempt ? GEN_EXEMPT_HEADER : GEN_INVOICE_HEADER);
    t->files++;
    t->exempt_files += exempt;

    for (size_t i = 5; i < l.n; i++) {
        char *raw[C_COUNT + 2];
        size_t n = split(l.line[i], raw, C_COUNT + 1);
        if (n != ncols)
            fail_msg("%s:%zu: %zu fields, expected %zu", name, i + 1, n, ncols);
        /* map the 계산서 list onto the 33 columns, 세액 empty */
        for (size_t c = 0, k = 0; c < C_COUNT; c++)
            f[c] = exempt && c == C_TAX ? (char *)"" : raw[k++];
        struct rec r;
        struct dure_err err = {0};
        char digits[BRN_SIZE];
        int sep = 0, s2 = 0, s3 = 0;
        memset(&r, 0, sizeof(r));
        r.received = received;
        r.exempt = exempt;
        r.file = (uint32_t)file;

        /* dates: real, supplied in 2025, issued within 10 days and by the 10th of the next month,
         * sent the same or the next day */
        r.written = day_of(f[C_WRITTEN]);
        r.issued = day_of(f[C_ISSUED]);
        r.sent = day_of(f[C_SENT]);
        if (r.written < 0 || r.issued < 0 || r.sent < 0)
            fail_msg("%s:%zu: a date that does not exist", name, i + 1);
        assert_true(strncmp(f[C_WRITTEN], "2025-", 5) == 0);
        assert_true(r.issued >= r.written && r.issued <= r.written + 10);
        assert_true(r.issued <= deadline_of(f[C_WRITTEN]));
        assert_true(r.sent == r.issued || r.sent == r.issued + 1);
        assert_string_equal(f[C_I_DATE], f[C_WRITTEN]);

        /* 승인번호: 8-8-8 digits, the first block the issue date */
        const char *a = f[C_APPROVAL];
        assert_int_equal(strlen(a), 26);
        assert_true(a[8] == '-' && a[17] == '-');
        for (int k = 0, j = 0; k < 26; k++) {
            if (k == 8 || k == 17)
                continue;
            assert_true(a[k] >= '0' && a[k] <= '9');
            r.approval[j++] = a[k];
        }
        char d8[9] = {f[C_ISSUED][0], f[C_ISSUED][1], f[C_ISSUED][2],
                      f[C_ISSUED][3], f[C_ISSUED][5], f[C_ISSUED][6],
                      f[C_ISSUED][8], f[C_ISSUED][9], '\0'};
        assert_memory_equal(r.approval, d8, 8);

        /* parties */
        if (brn_parse(f[C_S_BRN], r.supplier, &err) != DURE_OK)
            fail_msg("%s:%zu: supplier %s: %s", name, i + 1, f[C_S_BRN], err.msg);
        brn_format(r.supplier, fmt);
        assert_string_equal(f[C_S_BRN], fmt); /* with hyphens */
        assert_true(f[C_S_NAME][0] != '\0' && f[C_S_REP][0] != '\0');
        assert_non_null(strchr(f[C_S_EMAIL], '@')); /* personal data that the importer drops */
        if (is_resident_number(f[C_B_ID])) {
            snprintf(r.buyer, sizeof(r.buyer), "%s", f[C_B_ID]);
            assert_string_equal(f[C_B_NAME], ""); /* a private person: no 상호 */
            assert_true(f[C_B_REP][0] != '\0');
            assert_false(received);
            t->b2c++;
            t->b2c_masked += strchr(f[C_B_ID], '*') != NULL;
        } else {
            if (brn_parse(f[C_B_ID], digits, &err) != DURE_OK)
                fail_msg("%s:%zu: buyer %s: %s", name, i + 1, f[C_B_ID], err.msg);
            brn_format(digits, fmt);
            assert_string_equal(f[C_B_ID], fmt);
            snprintf(r.buyer, sizeof(r.buyer), "%s", digits);
            assert_true(f[C_B_NAME][0] != '\0');
            assert_non_null(strchr(f[C_B_EMAIL1], '@'));
        }
        assert_string_equal(received ? r.buyer : r.supplier, owner); /* the list's own side */
        t->branch += f[C_S_BRANCH][0] != '\0' || f[C_B_BRANCH][0] != '\0';
        if (f[C_S_BRANCH][0] != '\0')
            assert_true(strlen(f[C_S_BRANCH]) == 4 && str_is_digits(f[C_S_BRANCH]));
        t->emails2 += f[C_B_EMAIL2][0] != '\0';

        /* amounts */
        r.total = amount(f[C_TOTAL], &sep);
        r.supply = amount(f[C_SUPPLY], &s2);
        sep |= s2;
        r.tax = exempt ? 0 : amount(f[C_TAX], &s3);
        sep |= s3;
        assert_true(r.supply + r.tax == r.total);
        int amended = strcmp(f[C_CLASS], "수정") == 0;
        assert_true(amended || strcmp(f[C_CLASS], "일반") == 0);
        int zero = strcmp(f[C_KIND], "영세율") == 0;
        assert_true(zero || strcmp(f[C_KIND], "일반") == 0);
        assert_false(zero && exempt);
        assert_string_equal(f[C_ISSUE_TYPE], "정기발급");
        int receipt = strcmp(f[C_RECEIPT], "영수") == 0;
        assert_true(receipt || strcmp(f[C_RECEIPT], "청구") == 0);
        if (r.supply < 0)
            assert_true(amended); /* negative amounts only on an amendment */
        if (zero || exempt)
            assert_int_equal(r.tax, 0);
        else if (r.supply >= 0)
            assert_int_equal(r.tax, r.supply / 10);
        else
            assert_int_equal(r.tax, -(-r.supply / 10));
        if (amended && r.supply < 0)
            assert_non_null(strstr(f[C_REMARK], "당초승인번호 "));

        /* the representative item */
        int s4 = 0, s5 = 0, s6 = 0;
        int64_t qty = amount(f[C_I_QTY], &s4);
        int64_t price = amount(f[C_I_PRICE], &s5);
        int64_t isupply = amount(f[C_I_SUPPLY], &s6);
        sep |= s4 | s5 | s6;
        assert_true(price > 0);
        assert_true(qty * price == isupply);
        assert_true(f[C_I_NAME][0] != '\0');
        int multi = strstr(f[C_I_NAME], " 외 ") != NULL;
        if (multi) {
            const char *end = f[C_I_NAME] + strlen(f[C_I_NAME]);
            assert_true(strcmp(end - strlen("건"), "건") == 0);
            assert_true(isupply > 0 ? isupply < r.supply : isupply > r.supply);
        } else {
            assert_true(isupply == r.supply);
        }
        if (exempt) {
            assert_string_equal(f[C_I_TAX], "");
        } else {
            int s7 = 0;
            int64_t itax = amount(f[C_I_TAX], &s7);
            sep |= s7;
            assert_int_equal(itax, zero ? 0 : isupply >= 0 ? isupply / 10 : -(-isupply / 10));
        }
        /* one amount style per file: "1,234,000" throughout, or plain throughout */
        if (r.total >= 1000 || r.total <= -1000) {
            if (file_sep < 0)
                file_sep = sep;
            assert_int_equal(sep, file_sep);
        }
        for (size_t k = 0; k < 8; k++)
            t->names_seen[k] += strncmp(f[C_I_NAME], common_names[k], strlen(common_names[k])) == 0;
        t->rows++;
        t->amended += amended;
        t->zero += zero;
        t->receipt += receipt;
        t->multi += multi;
        push_rec(fx, cap, &r);
    }
    t->sep_files += file_sep == 1;

    /* approval numbers unique within the file; rows in the order of 작성일자 */
    size_t n = fx->nrecs - first;
    struct rec *copy = malloc((n > 0 ? n : 1) * sizeof(copy[0]));
    assert_non_null(copy);
    memcpy(copy, fx->recs + first, n * sizeof(copy[0]));
    for (size_t i = 1; i < n; i++)
        assert_true(copy[i - 1].written <= copy[i].written);
    qsort(copy, n, sizeof(copy[0]), cmp_approval);
    for (size_t i = 1; i < n; i++)
        if (strcmp(copy[i - 1].approval, copy[i].approval) == 0)
            fail_msg("%s: approval number %s twice", name, copy[i].approval);
    free(copy);
    lines_free(&l);
}

/* Parse every list of dir_a once (the first test that needs them does it). */
static void load_recs(struct fixture *fx)
{
    size_t cap = 0;
    if (fx->recs != NULL)
        return;
    memset(&fx->tally, 0, sizeof(fx->tally));
    for (size_t i = 0; i < fx->nfiles; i++)
        check_list(fx, i, &cap, &fx->tally);
}

static void test_invoice_lists(void **state)
{
    struct fixture *fx = *state;
    load_recs(fx);
    const struct tally t = fx->tally;

    /* every member has both lists; the summary counts what is there */
    size_t issued = 0, received = 0;
    for (size_t i = 0; i < fx->nfiles; i++) {
        issued += strstr(fx->files[i], GEN_ISSUED_SUFFIX) != NULL;
        received += strstr(fx->files[i], GEN_RECEIVED_SUFFIX) != NULL;
    }
    assert_int_equal(issued, fx->nmembers);
    assert_int_equal(received, fx->nmembers);
    assert_int_equal(fx->sum_a.invoice_files, fx->nfiles);
    assert_int_equal(fx->sum_a.invoice_files_exempt, t.exempt_files);
    assert_int_equal(fx->sum_a.invoice_rows, t.rows);
    print_message("%zu files (%zu 계산서), %zu rows: %.2f%% 수정, %.2f%% 영세율, %.2f%% B2C (%zu "
                  "masked), %.2f%% 영수, %.1f%% several items, %zu of %zu files with separators\n",
                  t.files, t.exempt_files, t.rows, 100.0 * (double)t.amended / (double)t.rows,
                  100.0 * (double)t.zero / (double)t.rows, 100.0 * (double)t.b2c / (double)t.rows,
                  t.b2c_masked, 100.0 * (double)t.receipt / (double)t.rows,
                  100.0 * (double)t.multi / (double)t.rows, t.sep_files, t.files);

    /* a few million rows at scale 1 means about 500 a member and year */
    assert_in_range(t.rows / fx->nmembers, 350, 1200);
    assert_in_range(t.amended * 1000 / t.rows, 4, 20); /* about 1% */
    assert_true(t.zero > 0 && t.b2c > 0 && t.receipt > 0 && t.branch > 0 && t.emails2 > 0);
    assert_true(t.b2c * 1000 / t.rows <= 60);              /* a few % */
    assert_true(t.b2c_masked > 0 && t.b2c_masked < t.b2c); /* masked and full */
    assert_in_range(t.sep_files * 100 / t.files, 20, 50);  /* about a third */
    assert_in_range(t.multi * 100 / t.rows, 10, 40);
    for (size_t k = 0; k < 8; k++)
        if (t.names_seen[k] == 0)
            fail_msg("no item named like \"%s\"", common_names[k]);
}

static int cmp_rec_full(const void *pa, const void *pb)
{
    const struct rec *a = pa;
    const struct rec *b = pb;
    int c = strcmp(a->approval, b->approval);
    if (c != 0)
        return c;
    return a->received - b->received;
}

static void test_coherence(void **state)
{
    struct fixture *fx = *state;
    load_recs(fx);
    size_t n = fx->nrecs;
    struct rec *r = malloc(n * sizeof(r[0]));
    assert_non_null(r);
    memcpy(r, fx->recs, n * sizeof(r[0]));
    qsort(r, n, sizeof(r[0]), cmp_rec_full);
    size_t pairs = 0;
    int64_t received = 0, from_cluster = 0;
    for (size_t i = 0; i < n; i++) {
        const struct firm_info *s = find_firm(fx, r[i].supplier);
        const struct firm_info *b =
            strlen(r[i].buyer) == BRN_LEN ? find_firm(fx, r[i].buyer) : NULL;
        int both = s != NULL && s->member >= 0 && b != NULL && b->member >= 0;
        int twice = i + 1 < n && strcmp(r[i].approval, r[i + 1].approval) == 0;
        if (r[i].received) {
            received += r[i].supply;
            if (s != NULL)
                from_cluster += r[i].supply;
        }
        if (!both) {
            /* one approval number, one list, unless both parties are members */
            assert_false(twice);
            assert_false(i > 0 && strcmp(r[i - 1].approval, r[i].approval) == 0);
            continue;
        }
        /* between two members: on the supplier's 매출 and the buyer's 매입, the same invoice */
        if (!twice)
            fail_msg("invoice %s between two members is on one list only", r[i].approval);
        const struct rec *x = &r[i], *y = &r[i + 1];
        assert_false(x->received);
        assert_true(y->received);
        assert_string_equal(x->supplier, y->supplier);
        assert_string_equal(x->buyer, y->buyer);
        assert_true(x->written == y->written && x->issued == y->issued && x->sent == y->sent);
        assert_true(x->total == y->total && x->supply == y->supply && x->tax == y->tax);
        assert_false(i + 2 < n && strcmp(r[i + 2].approval, x->approval) == 0);
        pairs++;
        i++;
        received += y->supply;
        from_cluster += y->supply;
    }
    double share = 100.0 * (double)from_cluster / (double)received;
    print_message("%zu invoices between members on both lists; %.1f%% of the members' purchases "
                  "from cluster firms\n",
                  pairs, share);
    assert_int_equal(pairs, fx->sum_a.invoices_between_members);
    assert_true(pairs > 100);
    assert_true(share >= 25.0 && share <= 35.0);
    free(r);
}

struct brn_name {
    char brn[BRN_SIZE];
    uint64_t name_hash;
};

static int cmp_brn_name(const void *pa, const void *pb)
{
    const struct brn_name *a = pa;
    const struct brn_name *b = pb;
    int c = strcmp(a->brn, b->brn);
    if (c != 0)
        return c;
    return a->name_hash < b->name_hash ? -1 : a->name_hash > b->name_hash;
}

/* Outside firms: valid BRNs from tax offices outside the cluster (not 113, 119), each always
 * with the same name, and recurring. */
static void test_outside_parties(void **state)
{
    struct fixture *fx = *state;
    char dir[400], p[600];
    size_t cap = 65536, n = 0, distinct = 0;
    struct brn_name *v = malloc(cap * sizeof(v[0]));
    char *f[C_COUNT + 2];
    assert_non_null(v);
    path_in(dir, sizeof(dir), fx->dir_a, GEN_INVOICES_DIR);
    for (size_t file = 0; file < fx->nfiles; file += 3) { /* a sample of the lists */
        struct lines l;
        if (strstr(fx->files[file], GEN_EXEMPT_SUFFIX) != NULL)
            continue;
        path_in(p, sizeof(p), dir, fx->files[file]);
        lines_load(p, &l);
        for (size_t i = 5; i < l.n; i++) {
            assert_int_equal(split(l.line[i], f, C_COUNT + 1), C_COUNT);
            for (int side = 0; side < 2; side++) {
                const char *id = f[side ? C_B_ID : C_S_BRN];
                const char *name = f[side ? C_B_NAME : C_S_NAME];
                struct dure_err err = {0};
                char digits[BRN_SIZE];
                if (is_resident_number(id))
                    continue;
                assert_int_equal(brn_parse(id, digits, &err), DURE_OK);
                if (find_firm(fx, digits) != NULL)
                    continue;
                assert_false(strncmp(digits, "113", 3) == 0 || strncmp(digits, "119", 3) == 0);
                if (n == cap) {
                    cap *= 2;
                    v = realloc(v, cap * sizeof(v[0]));
                    assert_non_null(v);
                }
                snprintf(v[n].brn, sizeof(v[n].brn), "%s", digits);
                uint64_t h = 1469598103934665603ULL;
                for (const char *s = name; *s != '\0'; s++)
                    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
                v[n++].name_hash = h;
            }
        }
        lines_free(&l);
    }
    qsort(v, n, sizeof(v[0]), cmp_brn_name);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(v[i - 1].brn, v[i].brn) == 0) {
            if (v[i - 1].name_hash != v[i].name_hash)
                fail_msg("outside firm %s appears under two names", v[i].brn);
            continue;
        }
        distinct++;
    }
    print_message("%zu mentions of %zu outside firms in the sample\n", n, distinct);
    assert_true(distinct > 100);
    assert_true(n > 5 * distinct); /* the same suppliers and customers recur */
    free(v);
}

/* kpis.csv of the members: layout, rules, and revenue against the issued invoices. */
static void test_member_kpis(void **state)
{
    struct fixture *fx = *state;
    char p[400];
    struct lines l;
    char *f[8];
    load_recs(fx);
    path_in(p, sizeof(p), fx->dir_a, GEN_KPIS_FILE);
    lines_load(p, &l);
    assert_string_equal(l.line[0], GEN_KPIS_HEADER);
    assert_string_equal(l.line[0], "brn,month,revenue_krw,production_krw,exports_krw,employees");
    assert_int_equal(l.n - 1, fx->nmembers * 12);
    assert_int_equal(fx->sum_a.kpi_rows, fx->nmembers * 12);

    /* issued supply value per member and month */
    int64_t *issued = calloc(fx->nmembers * 12, sizeof(issued[0]));
    assert_non_null(issued);
    for (size_t i = 0; i < fx->nrecs; i++) {
        const struct rec *r = &fx->recs[i];
        if (r->received)
            continue;
        const struct firm_info *s = find_firm(fx, r->supplier);
        assert_non_null(s);
        long m = 0;
        for (int mm = 1; mm <= 12; mm++) {
            char d[11];
            snprintf(d, sizeof(d), "2025-%02d-01", mm);
            if (r->written >= day_of(d))
                m = mm - 1;
        }
        issued[(size_t)s->member * 12 + (size_t)m] += r->supply;
    }
    size_t outside_band = 0, active = 0;
    for (size_t i = 1; i < l.n; i++) {
        assert_int_equal(split(l.line[i], f, 7), 6);
        size_t member = (i - 1) / 12;
        int month = (int)((i - 1) % 12) + 1;
        char want[16], digits[BRN_SIZE];
        struct dure_err err = {0};
        assert_int_equal(brn_parse(f[0], digits, &err), DURE_OK);
        assert_string_equal(digits, fx->members[member]); /* members.csv order */
        brn_format(digits, want);
        assert_string_equal(f[0], want);
        snprintf(want, sizeof(want), "2025-%02d", month);
        assert_string_equal(f[1], want);
        int64_t revenue = num(f[2]), production = num(f[3]), exports = num(f[4]);
        int64_t employees = num(f[5]);
        const struct firm_info *fi = find_firm(fx, digits);
        assert_true(revenue >= 0 && production >= 0 && exports >= 0);
        assert_true(revenue >= production && revenue >= exports);
        if (fi->section != 'C')
            assert_int_equal(production, 0);
        assert_true(employees >= 1);
        assert_true(20 * llabs(employees - fi->employees) <= fi->employees + 10); /* +-5% */
        int64_t inv = issued[member * 12 + (size_t)(month - 1)];
        if (revenue == 0) {
            assert_int_equal(inv, 0);
            continue;
        }
        active++;
        if (!(2 * inv >= 2 * revenue / 3 && 2 * inv <= 3 * revenue)) {
            if (outside_band++ < 5)
                print_message("%s %s revenue %lld, issued %lld\n", f[0], f[1], (long long)revenue,
                              (long long)inv);
        }
    }
    assert_true(active > fx->nmembers * 10);
    assert_int_equal(outside_band, 0); /* within a factor of 1.5 */
    free(issued);
    lines_free(&l);
}

/* Scale 1, every firm's KPIs: the monthly totals against the published figures. */
static void test_kpi_calibration(void **state)
{
    struct fixture *fx = *state;
    char dir[400], p[500];
    struct gen_summary s;
    struct lines l;
    char *f[8];
    int64_t prod[12] = {0}, exp[12] = {0}, emp[12] = {0}, elec_mach_exports = 0, exports = 0;
    snprintf(dir, sizeof(dir), "%s/kpi", fx->root);
    generate(dir, SEED, 1.0, 0, 1.0, 1, 1, &s);
    assert_int_equal(s.invoice_files, 0);
    path_in(p, sizeof(p), dir, GEN_INVOICES_DIR);
    assert_int_not_equal(access(p, F_OK), 0); /* no invoices asked, none written */

    /* divisions of the firms of this run */
    path_in(p, sizeof(p), dir, GEN_FIRMS_FILE);
    struct lines fl;
    lines_load(p, &fl);
    assert_int_equal(fl.n - 1, GEN_FIRMS);
    path_in(p, sizeof(p), dir, GEN_KPIS_FILE);
    lines_load(p, &l);
    assert_int_equal(l.n - 1, (size_t)GEN_FIRMS * 12);
    assert_int_equal(s.kpi_rows, (size_t)GEN_FIRMS * 12);
    for (size_t i = 1; i < l.n; i++) {
        char *ff[16];
        size_t firm = (i - 1) / 12 + 1;
        int m = (int)((i - 1) % 12);
        assert_int_equal(split(l.line[i], f, 7), 6);
        if (m == 0)
            assert_int_equal(split(fl.line[firm], ff, 16), 13);
        prod[m] += num(f[3]);
        exp[m] += num(f[4]);
        emp[m] += num(f[5]);
        exports += num(f[4]);
        /* the division stays in fl.line[firm] (split in place): ff[7] of the first month */
        const char *code = fl.line[firm];
        for (int k = 0; k < 7; k++)
            code += strlen(code) + 1;
        if (code[0] == '2' && code[1] >= '6' && code[1] <= '9')
            elec_mach_exports += num(f[4]);
    }
    int64_t prod_sum = 0, exp_sum = 0, emp_sum = 0;
    for (int m = 0; m < 12; m++) {
        assert_true(llabs(prod[m] - GEN_PRODUCTION_KRW_MONTH) * 20 <= GEN_PRODUCTION_KRW_MONTH);
        assert_true(llabs(exp[m] - GEN_EXPORTS_KRW_MONTH) * 20 <= GEN_EXPORTS_KRW_MONTH);
        assert_true(llabs(emp[m] - GEN_EMPLOYEES) * 20 <= GEN_EMPLOYEES);
        prod_sum += prod[m];
        exp_sum += exp[m];
        emp_sum += emp[m];
    }
    print_message("monthly averages: production %.2f bn KRW, exports %.2f bn KRW, %lld "
                  "employees; electronics and machinery %.1f%% of exports\n",
                  (double)prod_sum / 12e9, (double)exp_sum / 12e9, (long long)(emp_sum / 12),
                  100.0 * (double)elec_mach_exports / (double)exports);
    /* the year's average lands on the figures; the months swing by at most 4% */
    assert_true(llabs(prod_sum / 12 - GEN_PRODUCTION_KRW_MONTH) * 1000 <= GEN_PRODUCTION_KRW_MONTH);
    assert_true(llabs(exp_sum / 12 - GEN_EXPORTS_KRW_MONTH) * 1000 <= GEN_EXPORTS_KRW_MONTH);
    assert_true(elec_mach_exports * 2 > exports);
    assert_int_equal(s.kpi_production_krw_month, prod_sum / 12);
    assert_int_equal(s.kpi_exports_krw_month, exp_sum / 12);
    lines_free(&l);
    lines_free(&fl);

    /* the KPIs of the members at scale SMALL are the same whatever the invoice options */
    snprintf(dir, sizeof(dir), "%s/kpi-small", fx->root);
    generate(dir, SEED, SMALL, 0, 1.0, 1, 0, &s);
    char a[500], b[500];
    path_in(a, sizeof(a), fx->dir_a, GEN_KPIS_FILE);
    path_in(b, sizeof(b), dir, GEN_KPIS_FILE);
    assert_true(same_file(a, b));
    remove_tree(dir);
}

/* The registers do not move when the pool's files are written (new streams only). */
static void test_registers_unchanged(void **state)
{
    struct fixture *fx = *state;
    char dir[400], a[500], b[500];
    struct gen_summary s;
    static const char *const files[] = {GEN_BUILDINGS_FILE, GEN_FIRMS_FILE, GEN_MEMBERS_FILE};
    snprintf(dir, sizeof(dir), "%s/registers", fx->root);
    generate(dir, SEED, SMALL, 0, 1.0, 0, 0, &s);
    for (size_t i = 0; i < 3; i++) {
        path_in(a, sizeof(a), fx->dir_a, files[i]);
        path_in(b, sizeof(b), dir, files[i]);
        assert_true(same_file(a, b));
    }
    path_in(b, sizeof(b), dir, GEN_KPIS_FILE);
    assert_int_not_equal(access(b, F_OK), 0); /* the library's default: registers only */
    assert_int_equal(s.kpi_rows, 0);
    remove_tree(dir);
}

static void test_invoices_scale(void **state)
{
    struct fixture *fx = *state;
    char dir[400], inv[500], p[600];
    struct gen_summary s;
    snprintf(dir, sizeof(dir), "%s/slice", fx->root);
    path_in(inv, sizeof(inv), dir, GEN_INVOICES_DIR);
    /* an earlier run's list and a file of someone else's in the invoices directory */
    assert_int_equal(mkdir(dir, 0777), 0);
    assert_int_equal(mkdir(inv, 0777), 0);
    path_in(p, sizeof(p), inv, "1234567890" GEN_ISSUED_SUFFIX);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    path_in(p, sizeof(p), inv, "notes.txt");
    f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);

    generate(dir, SEED, SMALL, 1, 0.1, 1, 0, &s);
    print_message("invoices scale 0.1: %llu rows (scale 1: %llu)\n",
                  (unsigned long long)s.invoice_rows, (unsigned long long)fx->sum_a.invoice_rows);
    assert_true(s.invoice_rows * 100 < fx->sum_a.invoice_rows * 40);
    assert_true(s.invoice_rows >= fx->nmembers * 12); /* a sale or a bill every month */
    assert_int_equal(s.invoice_files, fx->sum_a.invoice_files);
    path_in(p, sizeof(p), inv, "1234567890" GEN_ISSUED_SUFFIX);
    assert_int_not_equal(access(p, F_OK), 0); /* stale list removed */
    path_in(p, sizeof(p), inv, "notes.txt");
    assert_int_equal(access(p, F_OK), 0); /* not ours: kept */
    char a[500];
    path_in(a, sizeof(a), fx->dir_a, GEN_KPIS_FILE);
    path_in(p, sizeof(p), dir, GEN_KPIS_FILE);
    assert_true(same_file(a, p));
    remove_tree(dir);
}

static void test_bad_options(void **state)
{
    struct fixture *fx = *state;
    struct gen_options opt;
    struct gen_summary s;
    struct dure_err err = {0};
    char dir[400];
    snprintf(dir, sizeof(dir), "%s/never", fx->root);
    gen_options_init(&opt);
    assert_int_equal(opt.invoices, 0);
    assert_int_equal(opt.kpis, 0);
    assert_true(opt.invoices_scale == 1.0);
    opt.out_dir = dir;
    opt.invoices = 1;
    static const double bad[] = {0.0, -1.0, GEN_INVOICES_SCALE_MAX * 1.01};
    for (size_t i = 0; i < 3; i++) {
        opt.invoices_scale = bad[i];
        assert_int_equal(gen_cluster(&opt, &s, &err), DURE_EINVAL);
        assert_non_null(strstr(err.msg, "invoices scale"));
    }
    opt.invoices_scale = NAN;
    assert_int_equal(gen_cluster(&opt, &s, &err), DURE_EINVAL);
    assert_int_not_equal(access(dir, F_OK), 0); /* nothing created on bad options */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_determinism),         cmocka_unit_test(test_invoice_lists),
        cmocka_unit_test(test_coherence),           cmocka_unit_test(test_outside_parties),
        cmocka_unit_test(test_member_kpis),         cmocka_unit_test(test_kpi_calibration),
        cmocka_unit_test(test_registers_unchanged), cmocka_unit_test(test_invoices_scale),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
