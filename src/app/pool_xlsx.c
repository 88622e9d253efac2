/* SPDX-License-Identifier: Apache-2.0 */
/* Reading an .xlsx workbook's first worksheet as a stream of rows: libzip inflates the sheet in
 * pieces, expat parses them and is suspended at the end of every row, so a sheet of a million
 * rows never sits in memory; the shared-string table is loaded first, under hard limits. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "app/pool_read_internal.h"
#include "util/buf.h"
#include "util/str.h"

/* ---- zip entries ---- */

/* Map a libzip error code to ours. */
static int zip_code(int ze)
{
    switch (ze) {
    case ZIP_ER_NOENT:
    case ZIP_ER_OPEN:
    case ZIP_ER_READ:
    case ZIP_ER_SEEK:
        return DURE_EIO;
    case ZIP_ER_MEMORY:
        return DURE_ENOMEM;
    default:
        return DURE_EINVAL;
    }
}

int pool__zip_open(const char *path, const void *mem, size_t len, zip_t **out, struct dure_err *err)
{
    zip_t *za = NULL;
    zip_source_t *src = NULL;
    zip_error_t ze;
    int code = 0;
    int rc = 0;

    *out = NULL;
    zip_error_init(&ze);
    if (path != NULL) {
        za = zip_open(path, ZIP_RDONLY, &code);
        if (za == NULL)
            zip_error_init_with_code(&ze, code);
    } else {
        src = zip_source_buffer_create(mem != NULL ? mem : "", len, 0, &ze);
        if (src != NULL) {
            za = zip_open_from_source(src, ZIP_RDONLY, &ze);
            if (za == NULL)
                zip_source_free(src);
        }
    }
    if (za == NULL) {
        rc = zip_code(zip_error_code_zip(&ze));
        dure_err_set(err, rc, "cannot read the zip archive: %s", zip_error_strerror(&ze));
        goto out;
    }
    *out = za;
out:
    zip_error_fini(&ze);
    return rc;
}

void pool__entry_close(struct pool__entry *e)
{
    if (e->zf != NULL)
        zip_fclose(e->zf);
    e->zf = NULL;
}

int pool__entry_open(zip_t *za, uint64_t index, uint64_t limit, struct pool__entry *e,
                     struct dure_err *err)
{
    zip_stat_t st;
    const char *name;

    memset(e, 0, sizeof(*e));
    name = zip_get_name(za, index, 0);
    str_sanitize(e->name, sizeof(e->name), name != NULL ? name : "?", 96);
    zip_stat_init(&st);
    if (zip_stat_index(za, index, 0, &st) != 0)
        return dure_err_set(err, DURE_EINVAL, "zip entry %s cannot be read: %s", e->name,
                            zip_strerror(za));
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return dure_err_set(err, DURE_EINVAL, "zip entry %s is encrypted", e->name);
    e->size = (st.valid & ZIP_STAT_SIZE) ? st.size : limit;
    if (e->size > limit)
        return dure_err_set(err, DURE_ETOOBIG,
                            "zip entry %s is %llu bytes uncompressed, more than the %llu allowed",
                            e->name, (unsigned long long)e->size, (unsigned long long)limit);
    if ((st.valid & ZIP_STAT_COMP_SIZE) && e->size > POOL__ZIP_RATIO_FROM &&
        e->size / POOL__ZIP_RATIO_MAX > st.comp_size)
        return dure_err_set(err, DURE_ETOOBIG,
                            "zip entry %s inflates %llu bytes to %llu, a ratio over %d: refused "
                            "as a zip bomb",
                            e->name, (unsigned long long)st.comp_size, (unsigned long long)e->size,
                            POOL__ZIP_RATIO_MAX);
    e->zf = zip_fopen_index(za, index, 0);
    if (e->zf == NULL)
        return dure_err_set(err, DURE_EINVAL, "zip entry %s cannot be read: %s", e->name,
                            zip_strerror(za));
    e->limit = limit;
    return DURE_OK;
}

int pool__entry_read(struct pool__entry *e, void *buf, size_t cap, size_t *got,
                     struct dure_err *err)
{
    zip_int64_t n;

    *got = 0;
    if (e->zf == NULL)
        return DURE_OK;
    /* Ask for one byte past the limit at most, to see whether the entry goes on. */
    if (cap > e->limit - e->read + 1)
        cap = (size_t)(e->limit - e->read + 1);
    n = zip_fread(e->zf, buf, cap);
    if (n < 0)
        return dure_err_set(err, DURE_EINVAL, "zip entry %s is corrupt: %s", e->name,
                            zip_file_strerror(e->zf));
    e->read += (uint64_t)n;
    if (e->read > e->limit || e->read > e->size)
        return dure_err_set(err, DURE_ETOOBIG, "zip entry %s inflates to more than %llu bytes",
                            e->name, (unsigned long long)(e->size < e->limit ? e->size : e->limit));
    *got = (size_t)n;
    return DURE_OK;
}

/* ---- helpers ---- */

/* The local part of an XML name: expat runs without namespace processing, so "x:row" and
 * "row" are the same element. */
static const char *local_name(const char *name)
{
    const char *c = strrchr(name, ':');
    return c != NULL ? c + 1 : name;
}

/* The value of the attribute with local name want, or NULL. */
static const char *attr(const char **atts, const char *want)
{
    for (size_t i = 0; atts[i] != NULL; i += 2)
        if (strcmp(local_name(atts[i]), want) == 0)
            return atts[i + 1];
    return NULL;
}

/* Spreadsheet name of a 1-based column ("A", "AB") into out (size >= 4). */
static void column_letters(size_t col, char out[8])
{
    char tmp[8];
    size_t n = 0;
    while (col > 0 && n < sizeof(tmp) - 1) {
        col--;
        tmp[n++] = (char)('A' + col % 26);
        col /= 26;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

/* Read a small part of the archive whole into b (limit POOL__XLSX_PART_MAX). Returns 0,
 * DURE_ENOTFOUND when there is no such entry, or another error. */
static int read_part(zip_t *za, const char *name, struct buf *b, struct dure_err *err)
{
    struct pool__entry e;
    char chunk[8192];
    size_t got;
    int rc;

    zip_int64_t idx = zip_name_locate(za, name, ZIP_FL_NOCASE);
    if (idx < 0)
        return DURE_ENOTFOUND;
    rc = pool__entry_open(za, (uint64_t)idx, POOL__XLSX_PART_MAX, &e, err);
    if (rc != 0)
        goto out;
    for (;;) {
        rc = pool__entry_read(&e, chunk, sizeof(chunk), &got, err);
        if (rc != 0 || got == 0)
            break;
        rc = buf_append(b, chunk, got);
        if (rc != 0) {
            dure_err_set(err, rc, "%s is too large", name);
            break;
        }
    }
out:
    pool__entry_close(&e);
    return rc;
}

/* ---- workbook and relationships: where the first sheet is ---- */

struct wb_state {
    XML_Parser p;
    char rid[128];
    char target[256];
    int have_sheet;
    int date1904;
};

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct wb_state *s = ud;
    const char *ln = local_name(name);
    if (strcmp(ln, "sheet") == 0 && !s->have_sheet) {
        /* r:id, the relationship id; a plain "id" would not be namespaced. */
        for (size_t i = 0; atts[i] != NULL; i += 2)
            if (strchr(atts[i], ':') != NULL && strcmp(local_name(atts[i]), "id") == 0)
                str_copy(s->rid, atts[i + 1], sizeof(s->rid));
        s->have_sheet = 1;
    } else if (strcmp(ln, "workbookPr") == 0) {
        const char *v = attr(atts, "date1904");
        s->date1904 = v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
    }
}

/* A DOCTYPE has no place in an .xlsx part; refusing it also refuses every entity expansion. */
static void XMLCALL wb_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    struct wb_state *s = ud;
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    XML_StopParser(s->p, XML_FALSE);
}

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct wb_state *s = ud;
    if (strcmp(local_name(name), "Relationship") != 0 || s->rid[0] == '\0' || s->target[0] != '\0')
        return;
    const char *id = attr(atts, "Id");
    const char *target = attr(atts, "Target");
    if (id != NULL && target != NULL && strcmp(id, s->rid) == 0)
        str_copy(s->target, target, sizeof(s->target));
}

/* Parse a whole small part with start handler fn. Returns 0 or -1 when not well-formed. */
static int parse_part(const struct buf *b, XML_StartElementHandler fn, struct wb_state *s)
{
    XML_Parser p = XML_ParserCreate(NULL);
    int rc = -1;
    if (p == NULL)
        return -1;
    s->p = p;
    XML_SetUserData(p, s);
    XML_SetStartElementHandler(p, fn);
    XML_SetStartDoctypeDeclHandler(p, wb_doctype);
    if (b->len <= (size_t)INT32_MAX &&
        XML_Parse(p, b->len > 0 ? b->data : "", (int)b->len, 1) == XML_STATUS_OK)
        rc = 0;
    XML_ParserFree(p);
    s->p = NULL;
    return rc;
}

/* The path of the first worksheet into path (size n) and the date system. Falls back to
 * xl/worksheets/sheet1.xml when the workbook does not say. Returns 0 or an error. */
static int find_sheet(zip_t *za, char *path, size_t n, int *date1904, struct dure_err *err)
{
    struct wb_state s;
    struct buf b;
    int rc;

    memset(&s, 0, sizeof(s));
    buf_init(&b, POOL__XLSX_PART_MAX);
    str_copy(path, "xl/worksheets/sheet1.xml", n);
    rc = read_part(za, "xl/workbook.xml", &b, err);
    if (rc == DURE_ENOTFOUND) {
        rc = 0;
        goto out;
    }
    if (rc != 0)
        goto out;
    /* A workbook that does not parse still has its sheet1 in most writers' layout. */
    if (parse_part(&b, wb_start, &s) != 0 || s.rid[0] == '\0')
        goto out;
    *date1904 = s.date1904;
    buf_reset(&b);
    rc = read_part(za, "xl/_rels/workbook.xml.rels", &b, err);
    if (rc == DURE_ENOTFOUND) {
        rc = 0;
        goto out;
    }
    if (rc != 0)
        goto out;
    if (parse_part(&b, rels_start, &s) != 0 || s.target[0] == '\0' ||
        strstr(s.target, "..") != NULL)
        goto out;
    /* Targets are relative to xl/, or absolute within the package. */
    if (s.target[0] == '/')
        snprintf(path, n, "%s", s.target + 1);
    else
        snprintf(path, n, "xl/%s", s.target);
out:
    buf_cleanup(&b);
    return rc;
}

/* ---- the reader ---- */

struct pool__xlsx {
    zip_t *za;
    struct pool__entry sheet;
    XML_Parser p;
    unsigned char *chunk;
    int suspended; /* expat stopped at the end of a row, with input left in chunk */
    int final_fed; /* the last piece of the sheet has been given to expat */
    int done;
    int date1904;

    /* shared strings: texts each followed by a NUL */
    struct buf ss;
    size_t *ss_off;
    size_t ss_count;
    size_t ss_cap;

    /* the current row */
    struct buf cells;
    size_t *cell_off;        /* POOL__XLSX_MAX_COLS entries */
    unsigned char *cell_num; /* 1 for a number cell */
    size_t ncells;
    uint64_t row;
    uint64_t last_row;
    int in_row;
    int row_ready;

    /* the current cell */
    int in_cell;
    int in_v;
    int in_is;
    int in_t;
    int rph;    /* depth inside phonetic runs, whose text is not the cell's */
    size_t col; /* 1-based, 0 when the reference is bad */
    char type;  /* 'n', 's', 'i' (inlineStr), 't' (str), 'b', 'e', 'd' */
    struct buf text;
    int text_over;

    /* errors */
    int row_bad;
    size_t row_err_col;
    char row_msg[DURE_ERR_MSG_MAX];
    int failed;
    size_t err_col;
    struct dure_err fatal;
    int stopped; /* a handler stopped the parser for a fatal error in fatal */
};

/* A fatal error found inside a handler. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
stop_fatal(struct pool__xlsx *x, enum dure_err_code code, const char *fmt, ...)
{
    va_list ap;
    if (x->stopped)
        return;
    va_start(ap, fmt);
    dure_err_vset(&x->fatal, code, fmt, ap);
    va_end(ap);
    x->stopped = 1;
    XML_StopParser(x->p, XML_FALSE);
}

/* A bad cell: the row is reported, the sheet goes on. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
row_error(struct pool__xlsx *x, size_t col, const char *fmt, ...)
{
    va_list ap;
    if (x->row_bad)
        return;
    va_start(ap, fmt);
    vsnprintf(x->row_msg, sizeof(x->row_msg), fmt, ap);
    va_end(ap);
    x->row_bad = 1;
    x->row_err_col = col;
}

/* Parse a cell reference "AB12" into its 1-based column; 0 when malformed. */
static size_t ref_column(const char *ref)
{
    size_t col = 0;
    size_t i = 0;
    for (; ref[i] >= 'A' && ref[i] <= 'Z'; i++) {
        if (i >= 3)
            return 0;
        col = col * 26 + (size_t)(ref[i] - 'A' + 1);
    }
    if (i == 0 || ref[i] < '0' || ref[i] > '9')
        return 0;
    for (; ref[i] != '\0'; i++)
        if (ref[i] < '0' || ref[i] > '9')
            return 0;
    return col;
}

/* Rewrite a number as Excel stores it ("1.234E6", "1234000.0") as plain decimal text
 * ("1234000") into out (size cap). Returns 0, or -1 when s is not such a number (kept as is). */
static int normalize_number(const char *s, char *out, size_t cap)
{
    char dig[64];
    size_t nd = 0, nint = 0, o = 0;
    long exp = 0, point;
    int neg = 0, expneg = 0, expdigits = 0;
    const char *p = s;

    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    for (; *p >= '0' && *p <= '9'; p++, nint++) {
        if (nd >= sizeof(dig))
            return -1;
        dig[nd++] = *p;
    }
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (nd >= sizeof(dig))
                return -1;
            dig[nd++] = *p;
        }
    if (nd == 0)
        return -1;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '-' || *p == '+')
            expneg = *p++ == '-';
        for (; *p >= '0' && *p <= '9'; p++) {
            if (++expdigits > 3)
                return -1;
            exp = exp * 10 + (*p - '0');
        }
        if (expdigits == 0)
            return -1;
    }
    if (*p != '\0')
        return -1;
    point = (long)nint + (expneg ? -exp : exp);
    /* Drop leading zeros of the digits and zeros after the decimal point at the end. */
    size_t first = 0;
    while (first < nd && dig[first] == '0') {
        first++;
        point--;
    }
    while (nd > first && dig[nd - 1] == '0' && (long)(nd - first) > point)
        nd--;
    if (first == nd) {
        if (cap < 2)
            return -1;
        out[0] = '0';
        out[1] = '\0';
        return 0;
    }
    if (point > 40 || point < -40)
        return -1;
    size_t n = nd - first;
    size_t need = 4 + n + (size_t)(point < 0 ? -point : point);
    if (need > cap)
        return -1;
    if (neg)
        out[o++] = '-';
    if (point <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (long k = 0; k < -point; k++)
            out[o++] = '0';
        memcpy(out + o, dig + first, n);
        o += n;
    } else if ((size_t)point >= n) {
        memcpy(out + o, dig + first, n);
        o += n;
        for (size_t k = n; k < (size_t)point; k++)
            out[o++] = '0';
    } else {
        memcpy(out + o, dig + first, (size_t)point);
        o += (size_t)point;
        out[o++] = '.';
        memcpy(out + o, dig + first + point, n - (size_t)point);
        o += n - (size_t)point;
    }
    out[o] = '\0';
    return 0;
}

/* Add one cell to the row (the text and its NUL). */
static int push_cell(struct pool__xlsx *x, const char *s, size_t len, int numeric)
{
    size_t at = x->cells.len;
    if (buf_append(&x->cells, s, len) != 0 || buf_append(&x->cells, "", 1) != 0)
        return -1;
    x->cell_off[x->ncells] = at;
    x->cell_num[x->ncells] = (unsigned char)numeric;
    x->ncells++;
    return 0;
}

/* The cell just ended: work out its text and place it at its column. */
static void finish_cell(struct pool__xlsx *x)
{
    char ref[32];
    char num[128];
    const char *val = buf_str(&x->text);
    size_t len = x->text.len;
    int numeric = 0;

    column_letters(x->col, ref);
    snprintf(ref + strlen(ref), sizeof(ref) - strlen(ref), "%llu", (unsigned long long)x->row);
    if (x->col == 0) {
        row_error(x, x->ncells + 1, "a cell of row %llu has a malformed reference",
                  (unsigned long long)x->row);
        return;
    }
    if (x->text_over)
        return; /* reported when the text went over */
    switch (x->type) {
    case 's': {
        int64_t idx = -1;
        if (str_to_i64(val, 0, &idx) != 0 || idx < 0) {
            row_error(x, x->col, "cell %s has a shared-string index that is not a number", ref);
            return;
        }
        if ((uint64_t)idx >= x->ss_count) {
            row_error(x, x->col, "cell %s refers to shared string %lld, the table has %zu", ref,
                      (long long)idx, x->ss_count);
            return;
        }
        val = x->ss.data + x->ss_off[idx];
        len = strlen(val);
        break;
    }
    case 'n':
        if (len > 0) {
            numeric = 1;
            if (normalize_number(val, num, sizeof(num)) == 0) {
                val = num;
                len = strlen(num);
            }
        }
        break;
    case 'd':
        /* An ISO 8601 date cell: its date part. */
        if (len > 10)
            len = 10;
        break;
    default:
        break;
    }
    if (x->col > POOL__XLSX_MAX_COLS) {
        /* Excel writes styled empty cells far to the right; only a value there is an error. */
        if (len > 0)
            row_error(x, x->col, "cell %s lies beyond column %zu", ref, POOL__XLSX_MAX_COLS);
        return;
    }
    if (x->col <= x->ncells) {
        row_error(x, x->col, "cell %s comes after a cell to its right or is repeated", ref);
        return;
    }
    int rc = 0;
    while (rc == 0 && x->ncells + 1 < x->col)
        rc = push_cell(x, "", 0, 0);
    if (rc == 0)
        rc = push_cell(x, val, len, numeric);
    if (rc != 0)
        stop_fatal(x, DURE_ENOMEM, "out of memory reading the worksheet");
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct pool__xlsx *x = ud;
    const char *ln = local_name(name);

    if (x->in_cell) {
        if (strcmp(ln, "v") == 0) {
            x->in_v = 1;
        } else if (strcmp(ln, "is") == 0) {
            x->in_is = 1;
        } else if (strcmp(ln, "rPh") == 0) {
            x->rph++;
        } else if (strcmp(ln, "t") == 0 && x->in_is && x->rph == 0) {
            x->in_t = 1;
        }
        return;
    }
    if (strcmp(ln, "c") == 0 && x->in_row) {
        const char *r = attr(atts, "r");
        const char *t = attr(atts, "t");
        x->in_cell = 1;
        x->in_v = x->in_is = x->in_t = x->rph = 0;
        x->text_over = 0;
        buf_reset(&x->text);
        x->col = r != NULL ? ref_column(r) : x->ncells + 1;
        x->type = 'n';
        if (t != NULL) {
            if (strcmp(t, "s") == 0)
                x->type = 's';
            else if (strcmp(t, "inlineStr") == 0)
                x->type = 'i';
            else if (strcmp(t, "str") == 0)
                x->type = 't';
            else if (strcmp(t, "b") == 0)
                x->type = 'b';
            else if (strcmp(t, "e") == 0)
                x->type = 'e';
            else if (strcmp(t, "d") == 0)
                x->type = 'd';
        }
    } else if (strcmp(ln, "row") == 0) {
        const char *r = attr(atts, "r");
        uint64_t n = x->last_row + 1;
        if (r != NULL) {
            int64_t v = 0;
            if (str_to_i64(r, 0, &v) != 0 || v < 1) {
                stop_fatal(x, DURE_EINVAL, "a row after row %llu has a malformed number",
                           (unsigned long long)x->last_row);
                return;
            }
            n = (uint64_t)v;
        }
        if (n > POOL__XLSX_MAX_ROWS) {
            stop_fatal(x, DURE_ETOOBIG, "the worksheet has more than %llu rows",
                       (unsigned long long)POOL__XLSX_MAX_ROWS);
            return;
        }
        if (n <= x->last_row) {
            stop_fatal(x, DURE_EINVAL, "row %llu comes after row %llu", (unsigned long long)n,
                       (unsigned long long)x->last_row);
            return;
        }
        x->row = n;
        x->in_row = 1;
    }
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
    struct pool__xlsx *x = ud;
    const char *ln = local_name(name);

    if (x->in_cell) {
        if (strcmp(ln, "c") == 0) {
            x->in_cell = 0;
            finish_cell(x);
        } else if (strcmp(ln, "v") == 0) {
            x->in_v = 0;
        } else if (strcmp(ln, "is") == 0) {
            x->in_is = 0;
        } else if (strcmp(ln, "rPh") == 0) {
            if (x->rph > 0)
                x->rph--;
        } else if (strcmp(ln, "t") == 0) {
            x->in_t = 0;
        }
        return;
    }
    if (strcmp(ln, "row") == 0 && x->in_row) {
        x->in_row = 0;
        x->last_row = x->row;
        x->row_ready = 1;
        /* Hand the row over; parsing resumes on the next call. */
        XML_StopParser(x->p, XML_TRUE);
    }
}

static void XMLCALL sheet_text(void *ud, const XML_Char *s, int len)
{
    struct pool__xlsx *x = ud;

    if (!x->in_cell || len <= 0 || x->text_over)
        return;
    if (!(x->in_v || (x->in_is && x->in_t && x->rph == 0)))
        return;
    if (buf_append(&x->text, s, (size_t)len) != 0) {
        char ref[8];
        column_letters(x->col, ref);
        x->text_over = 1;
        row_error(x, x->col, "cell %s%llu is longer than %zu bytes", ref,
                  (unsigned long long)x->row, POOL__XLSX_CELL_MAX);
    }
}

static void XMLCALL sheet_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                                  const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    stop_fatal(ud, DURE_EINVAL, "the worksheet has a DOCTYPE");
}

/* ---- shared strings ---- */

struct ss_state {
    struct pool__xlsx *x;
    XML_Parser p;
    int in_si;
    int in_t;
    int rph;
    struct buf cur;
    int err; /* 0, or the code of a fatal error in msg */
    struct dure_err msg;
};

static void ss_fail(struct ss_state *s, enum dure_err_code code, const char *what)
{
    if (s->err != 0)
        return;
    s->err = code;
    dure_err_set(&s->msg, code, "%s", what);
    XML_StopParser(s->p, XML_FALSE);
}

static void XMLCALL ss_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct ss_state *s = ud;
    const char *ln = local_name(name);
    (void)atts;
    if (strcmp(ln, "si") == 0) {
        s->in_si = 1;
        s->rph = 0;
        buf_reset(&s->cur);
    } else if (s->in_si && strcmp(ln, "rPh") == 0) {
        s->rph++;
    } else if (s->in_si && s->rph == 0 && strcmp(ln, "t") == 0) {
        s->in_t = 1;
    }
}

static void XMLCALL ss_end(void *ud, const XML_Char *name)
{
    struct ss_state *s = ud;
    struct pool__xlsx *x = s->x;
    const char *ln = local_name(name);

    if (strcmp(ln, "t") == 0) {
        s->in_t = 0;
    } else if (strcmp(ln, "rPh") == 0) {
        if (s->rph > 0)
            s->rph--;
    } else if (strcmp(ln, "si") == 0 && s->in_si) {
        s->in_si = 0;
        if (x->ss_count == POOL__XLSX_SS_MAX_COUNT) {
            ss_fail(s, DURE_ETOOBIG, "the workbook has more than 1,000,000 shared strings");
            return;
        }
        if (x->ss_count == x->ss_cap) {
            size_t cap = x->ss_cap ? x->ss_cap * 2 : 1024;
            if (cap > POOL__XLSX_SS_MAX_COUNT)
                cap = POOL__XLSX_SS_MAX_COUNT;
            size_t *o = realloc(x->ss_off, cap * sizeof(*o));
            if (o == NULL) {
                ss_fail(s, DURE_ENOMEM, "out of memory reading the shared strings");
                return;
            }
            x->ss_off = o;
            x->ss_cap = cap;
        }
        size_t at = x->ss.len;
        int rc = buf_append(&x->ss, s->cur.len > 0 ? s->cur.data : "", s->cur.len);
        if (rc == 0)
            rc = buf_append(&x->ss, "", 1);
        if (rc != 0) {
            ss_fail(s, rc == DURE_ETOOBIG ? DURE_ETOOBIG : DURE_ENOMEM,
                    rc == DURE_ETOOBIG ? "the shared strings are larger than 256 MiB"
                                       : "out of memory reading the shared strings");
            return;
        }
        x->ss_off[x->ss_count++] = at;
    }
}

static void XMLCALL ss_text(void *ud, const XML_Char *str, int len)
{
    struct ss_state *s = ud;
    if (!s->in_si || !s->in_t || s->rph > 0 || len <= 0)
        return;
    if (buf_append(&s->cur, str, (size_t)len) != 0) {
        char msg[96];
        snprintf(msg, sizeof(msg), "shared string %zu is longer than %zu bytes", s->x->ss_count + 1,
                 POOL__XLSX_CELL_MAX);
        ss_fail(s, DURE_ETOOBIG, msg);
    }
}

static void XMLCALL ss_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    ss_fail(ud, DURE_EINVAL, "the shared strings have a DOCTYPE");
}

/* Load xl/sharedStrings.xml, if there is one, streaming it through expat. */
static int load_shared_strings(struct pool__xlsx *x, struct dure_err *err)
{
    struct ss_state s;
    struct pool__entry e;
    size_t got;
    int rc = 0;

    memset(&s, 0, sizeof(s));
    memset(&e, 0, sizeof(e));
    buf_init(&s.cur, POOL__XLSX_CELL_MAX);
    zip_int64_t idx = zip_name_locate(x->za, "xl/sharedStrings.xml", ZIP_FL_NOCASE);
    if (idx < 0)
        goto out;
    rc = pool__entry_open(x->za, (uint64_t)idx, POOL__ZIP_ENTRY_MAX, &e, err);
    if (rc != 0)
        goto out;
    s.x = x;
    s.p = XML_ParserCreate(NULL);
    if (s.p == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory reading the shared strings");
        goto out;
    }
    XML_SetUserData(s.p, &s);
    XML_SetElementHandler(s.p, ss_start, ss_end);
    XML_SetCharacterDataHandler(s.p, ss_text);
    XML_SetStartDoctypeDeclHandler(s.p, ss_doctype);
    for (;;) {
        rc = pool__entry_read(&e, x->chunk, POOL__CHUNK_BYTES, &got, err);
        if (rc != 0)
            goto out;
        if (XML_Parse(s.p, (const char *)x->chunk, (int)got, got == 0) != XML_STATUS_OK) {
            if (s.err != 0) {
                rc = s.err;
                if (err != NULL)
                    *err = s.msg;
            } else {
                rc = dure_err_set(err, DURE_EINVAL,
                                  "the shared strings are not well-formed XML (line %lu: %s)",
                                  (unsigned long)XML_GetCurrentLineNumber(s.p),
                                  XML_ErrorString(XML_GetErrorCode(s.p)));
            }
            goto out;
        }
        if (got == 0)
            break;
    }
out:
    if (s.p != NULL)
        XML_ParserFree(s.p);
    buf_cleanup(&s.cur);
    pool__entry_close(&e);
    return rc;
}

int pool__xlsx_open(zip_t *za, struct pool__xlsx **out, struct dure_err *err)
{
    struct pool__xlsx *x = NULL;
    char path[300];
    int rc = 0;

    *out = NULL;
    x = calloc(1, sizeof(*x));
    if (x == NULL) {
        zip_discard(za);
        return dure_err_set(err, DURE_ENOMEM, "out of memory opening the workbook");
    }
    x->za = za;
    buf_init(&x->ss, POOL__XLSX_SS_MAX_BYTES + POOL__XLSX_SS_MAX_COUNT);
    buf_init(&x->text, POOL__XLSX_CELL_MAX);
    buf_init(&x->cells, POOL__XLSX_MAX_COLS * (POOL__XLSX_CELL_MAX + 1));
    x->chunk = malloc(POOL__CHUNK_BYTES);
    x->cell_off = malloc(POOL__XLSX_MAX_COLS * sizeof(*x->cell_off));
    x->cell_num = malloc(POOL__XLSX_MAX_COLS);
    if (x->chunk == NULL || x->cell_off == NULL || x->cell_num == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory opening the workbook");
        goto out;
    }
    rc = find_sheet(za, path, sizeof(path), &x->date1904, err);
    if (rc != 0)
        goto out;
    zip_int64_t idx = zip_name_locate(za, path, ZIP_FL_NOCASE);
    if (idx < 0) {
        char shown[128];
        str_sanitize(shown, sizeof(shown), path, 96);
        rc = dure_err_set(err, DURE_EINVAL, "not a readable .xlsx: the worksheet %s is missing",
                          shown);
        goto out;
    }
    rc = load_shared_strings(x, err);
    if (rc != 0)
        goto out;
    rc = pool__entry_open(za, (uint64_t)idx, POOL__ZIP_ENTRY_MAX, &x->sheet, err);
    if (rc != 0)
        goto out;
    x->p = XML_ParserCreate(NULL);
    if (x->p == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory opening the workbook");
        goto out;
    }
    XML_SetUserData(x->p, x);
    XML_SetElementHandler(x->p, sheet_start, sheet_end);
    XML_SetCharacterDataHandler(x->p, sheet_text);
    XML_SetStartDoctypeDeclHandler(x->p, sheet_doctype);
    *out = x;
    x = NULL;
out:
    pool__xlsx_close(x);
    return rc;
}

void pool__xlsx_close(struct pool__xlsx *x)
{
    if (x == NULL)
        return;
    if (x->p != NULL)
        XML_ParserFree(x->p);
    pool__entry_close(&x->sheet);
    if (x->za != NULL)
        zip_discard(x->za);
    free(x->cell_num);
    free(x->cell_off);
    free(x->chunk);
    free(x->ss_off);
    buf_cleanup(&x->cells);
    buf_cleanup(&x->text);
    buf_cleanup(&x->ss);
    free(x);
}

/* Record a fatal error (the sheet cannot go on) and return its code. */
static int xlsx_fail(struct pool__xlsx *x, struct dure_err *err)
{
    x->failed = 1;
    x->err_col = 1;
    if (err != NULL)
        *err = x->fatal;
    return x->fatal.code;
}

int pool__xlsx_next_row(struct pool__xlsx *x, int *has_row, struct dure_err *err)
{
    enum XML_Status st;
    size_t got;

    *has_row = 0;
    if (x->failed) {
        if (err != NULL)
            *err = x->fatal;
        return x->fatal.code;
    }
    x->ncells = 0;
    x->row_bad = 0;
    x->row_err_col = 0;
    x->err_col = 0;
    buf_reset(&x->cells);
    for (;;) {
        if (x->suspended) {
            x->suspended = 0;
            st = XML_ResumeParser(x->p);
        } else if (x->done) {
            return DURE_OK;
        } else {
            int rc = pool__entry_read(&x->sheet, x->chunk, POOL__CHUNK_BYTES, &got, &x->fatal);
            if (rc != 0)
                return xlsx_fail(x, err);
            x->final_fed = got == 0;
            st = XML_Parse(x->p, (const char *)x->chunk, (int)got, x->final_fed);
        }
        if (st == XML_STATUS_ERROR) {
            if (!x->stopped) {
                enum XML_Error code = XML_GetErrorCode(x->p);
                if (code == XML_ERROR_ABORTED)
                    dure_err_set(&x->fatal, DURE_EINVAL, "the worksheet has a DOCTYPE");
                else
                    dure_err_set(&x->fatal, DURE_EINVAL,
                                 "the worksheet is not well-formed XML (line %lu: %s)",
                                 (unsigned long)XML_GetCurrentLineNumber(x->p),
                                 XML_ErrorString(code));
            }
            return xlsx_fail(x, err);
        }
        if (st == XML_STATUS_SUSPENDED)
            x->suspended = 1;
        else if (x->final_fed)
            x->done = 1;
        if (x->row_ready) {
            x->row_ready = 0;
            if (x->row_bad) {
                x->err_col = x->row_err_col;
                return dure_err_set(err, DURE_EINVAL, "%s", x->row_msg);
            }
            if (x->ncells == 0)
                continue;
            *has_row = 1;
            return DURE_OK;
        }
        if (x->done && x->in_row) {
            dure_err_set(&x->fatal, DURE_EINVAL, "the worksheet ends inside row %llu",
                         (unsigned long long)x->row);
            return xlsx_fail(x, err);
        }
    }
}

uint64_t pool__xlsx_row(const struct pool__xlsx *x)
{
    return x->row;
}

size_t pool__xlsx_ncells(const struct pool__xlsx *x)
{
    return x->ncells;
}

const char *pool__xlsx_cell(const struct pool__xlsx *x, size_t i)
{
    if (i >= x->ncells)
        return "";
    return x->cells.data + x->cell_off[i];
}

int pool__xlsx_cell_numeric(const struct pool__xlsx *x, size_t i)
{
    return i < x->ncells ? x->cell_num[i] : 0;
}

int pool__xlsx_date1904(const struct pool__xlsx *x)
{
    return x->date1904;
}

size_t pool__xlsx_error_column(const struct pool__xlsx *x)
{
    return x->err_col;
}

int pool__xlsx_failed(const struct pool__xlsx *x)
{
    return x->failed;
}

uint64_t pool__xlsx_bytes_read(const struct pool__xlsx *x)
{
    return x->sheet.read;
}

uint64_t pool__xlsx_bytes_total(const struct pool__xlsx *x)
{
    return x->sheet.size;
}
