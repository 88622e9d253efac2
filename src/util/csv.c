/* SPDX-License-Identifier: Apache-2.0 */
/* The streaming CSV reader: a byte-level RFC 4180 state machine over 64 KiB windows of the
 * input, with each finished field checked as UTF-8 or converted from CP949 by iconv. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "util/csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/buf.h"
#include "util/str.h"

/* How it reads:
 * - The structure is parsed on the raw bytes in either encoding: CP949 trail bytes are
 *   0x41-0x5A, 0x61-0x7A or 0x81-0xFE, never '"', ',', CR or LF. Each field is then checked as
 *   strict UTF-8 or converted by iconv, so a bad byte costs one record, not the file.
 * - LF, CRLF and a lone CR (old Mac exports) each end one physical line, inside quotes too.
 * - A bad record is still scanned to its end with quotes honoured (only storage stops), so
 *   the next call starts at the right place.
 * - max_record_bytes counts the record's input bytes (quotes and commas, not the line end);
 *   max_field_bytes counts decoded bytes. Both are enforced while reading, so memory stays
 *   within them whatever the input. */
#define CSV_CHUNK_BYTES ((size_t)64 * 1024)
#define CSV_SNIFF_BYTES ((size_t)1024 * 1024)
#define CSV_DEFAULT_MAX_FIELD_BYTES ((size_t)64 * 1024)
#define CSV_DEFAULT_MAX_FIELDS ((size_t)1024)
#define CSV_DEFAULT_MAX_RECORD_BYTES ((size_t)1024 * 1024)

static const unsigned char utf8_bom[3] = {0xEF, 0xBB, 0xBF};

struct csv_reader {
    FILE *fp;                 /* owned; NULL when reading memory */
    const unsigned char *mem; /* borrowed input when reading memory */
    size_t mem_len;
    unsigned char *chunk; /* owned window storage for files */
    size_t chunk_cap;
    const unsigned char *win; /* the current window: chunk, or a slice of mem */
    size_t win_len;
    size_t win_pos;
    uint64_t win_base; /* input offset of win[0] */
    int at_eof;
    uint64_t bytes_total;

    size_t max_field_bytes;
    size_t max_fields;
    size_t max_record_bytes;
    enum csv_encoding enc;
    iconv_t cd; /* CP949 to UTF-8; (iconv_t)-1 when unused */

    struct buf raw;    /* field contents of the current record as read, undecoded, each
                        * followed by a NUL */
    struct buf out;    /* CP949 only: the decoded fields, each followed by a NUL */
    const char *fields; /* where csv_field reads: raw (UTF-8, checked in place) or out */
    size_t *raw_start; /* nfields + 1 offsets into raw */
    size_t *out_start; /* nfields offsets into fields */
    size_t starts_cap;
    size_t nfields;

    uint64_t line;     /* physical line of the next unread byte */
    uint64_t rec_line; /* line where the current record starts */
    int pending_cr;    /* the last byte was a CR, so a following LF ends no further line */
    size_t err_col;
    int failed;
    struct dure_err fatal;
};

enum parse_state {
    ST_RECORD_START, /* before the first byte of a record; empty lines are skipped here */
    ST_FIELD_START,
    ST_UNQUOTED,
    ST_QUOTED,
    ST_QUOTE_SEEN, /* a quote inside a quoted field: the closing one, or the first of a pair */
};

/* The state of one csv_next call. */
struct record {
    enum parse_state st;
    size_t field_len; /* content bytes of the current field */
    size_t rec_bytes; /* input bytes of the record, line terminator excluded */
    int bad;          /* a recoverable error was found; the rest of the record is skipped */
};

static size_t add_sat(size_t a, size_t b)
{
    return a > (size_t)-1 - b ? (size_t)-1 : a + b;
}

/* Check strict UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
 * Returns 0 when valid, 1 when invalid, 2 when valid but for a sequence cut off by the end. */
static int utf8_check(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* Runs of ASCII, the bulk of a Hometax export, eight bytes at a time. */
        while (n - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, sizeof(w));
            if ((w & UINT64_C(0x8080808080808080)) != 0)
                break;
            i += 8;
        }
        if (i == n)
            break;
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned char lo = 0x80;
        unsigned char hi = 0xBF;
        if (c >= 0xE1 && c <= 0xEC && n - i >= 3) {
            /* Hangul and most CJK: a lead byte with no narrowed range and two full
             * continuation bytes; the general loop below decides every other case. */
            if ((p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80)
                return 1;
            i += 3;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return 1;
        }
        /* Only the first continuation byte has a narrowed range. */
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= n)
                return 2;
            unsigned char t = p[i + k];
            if (t < lo || t > hi)
                return 1;
            lo = 0x80;
            hi = 0xBF;
        }
        i += need + 1;
    }
    return 0;
}

/* The encoding of a file starting with p (n bytes; more follow when truncated). */
static enum csv_encoding detect(const unsigned char *p, size_t n, int truncated)
{
    int rc = utf8_check(p, n);
    return rc == 0 || (rc == 2 && truncated) ? CSV_ENC_UTF8 : CSV_ENC_CP949;
}

static int apply_options(struct csv_reader *r, const struct csv_options *opt, struct dure_err *err)
{
    struct csv_options o = {0};
    if (opt != NULL)
        o = *opt;
    if (o.encoding != CSV_ENC_AUTO && o.encoding != CSV_ENC_UTF8 && o.encoding != CSV_ENC_CP949)
        return dure_err_set(err, DURE_EINVAL, "unknown csv encoding %d", (int)o.encoding);
    r->enc = o.encoding;
    r->max_field_bytes = o.max_field_bytes ? o.max_field_bytes : CSV_DEFAULT_MAX_FIELD_BYTES;
    r->max_fields = o.max_fields ? o.max_fields : CSV_DEFAULT_MAX_FIELDS;
    r->max_record_bytes = o.max_record_bytes ? o.max_record_bytes : CSV_DEFAULT_MAX_RECORD_BYTES;
    return 0;
}

static struct csv_reader *reader_new(void)
{
    struct csv_reader *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->cd = (iconv_t)-1;
    r->line = 1;
    buf_init(&r->raw, 0);
    buf_init(&r->out, 0);
    return r;
}

/* Called once the first window is in place: settle the encoding, skip a UTF-8 BOM, set the
 * buffer limits and open the converter. truncated says whether input follows the window. */
static int reader_start(struct csv_reader *r, const unsigned char *head, size_t head_len,
                        int truncated, struct dure_err *err)
{
    int has_bom = head_len >= sizeof(utf8_bom) && memcmp(head, utf8_bom, sizeof(utf8_bom)) == 0;
    if (r->enc == CSV_ENC_AUTO)
        r->enc = has_bom ? CSV_ENC_UTF8 : detect(head, head_len, truncated);
    if (has_bom && r->enc == CSV_ENC_UTF8)
        r->win_pos = sizeof(utf8_bom);

    /* The contents of a record never exceed its input bytes; decoding CP949 turns two bytes
     * into at most three, and each field gains a NUL (in raw as well: UTF-8 fields are checked
     * and handed out where they were read). */
    buf_init(&r->raw, add_sat(r->max_record_bytes, add_sat(r->max_fields, 1)));
    buf_init(&r->out, add_sat(add_sat(r->max_record_bytes, r->max_record_bytes / 2 + 1),
                              add_sat(r->max_fields, 1)));

    if (r->enc == CSV_ENC_CP949) {
        r->cd = iconv_open("UTF-8", "CP949");
        if (r->cd == (iconv_t)-1)
            return dure_err_set(err, DURE_EINTERNAL, "cp949 decoding is not available: %s",
                                strerror(errno));
    }
    return 0;
}

int csv_open_mem(const void *data, size_t len, const struct csv_options *opt,
                 struct csv_reader **out, struct dure_err *err)
{
    struct csv_reader *r = NULL;
    int rc = 0;

    *out = NULL;
    if (data == NULL && len > 0) {
        rc = dure_err_set(err, DURE_EINVAL, "csv data is NULL");
        goto out;
    }
    r = reader_new();
    if (r == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory opening csv");
        goto out;
    }
    rc = apply_options(r, opt, err);
    if (rc != 0)
        goto out;
    r->mem = data != NULL ? data : (const void *)"";
    r->mem_len = len;
    r->bytes_total = len;
    r->win = r->mem;
    r->win_len = len < CSV_CHUNK_BYTES ? len : CSV_CHUNK_BYTES;
    rc = reader_start(r, r->mem, len < CSV_SNIFF_BYTES ? len : CSV_SNIFF_BYTES,
                      len > CSV_SNIFF_BYTES, err);
    if (rc != 0)
        goto out;
    *out = r;
    r = NULL;
out:
    csv_close(r);
    return rc;
}

int csv_open_file(const char *path, const struct csv_options *opt, struct csv_reader **out,
                  struct dure_err *err)
{
    struct csv_reader *r = NULL;
    char shown[96];
    struct stat st;
    int rc = 0;

    *out = NULL;
    str_sanitize(shown, sizeof(shown), path, 80);
    r = reader_new();
    if (r == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory opening %s", shown);
        goto out;
    }
    rc = apply_options(r, opt, err);
    if (rc != 0)
        goto out;
    r->fp = fopen(path, "rb");
    if (r->fp == NULL) {
        rc = dure_err_set(err, DURE_EIO, "cannot open %s: %s", shown, strerror(errno));
        goto out;
    }
    /* Reads are already large; stdio's own buffer would only add a copy. */
    setvbuf(r->fp, NULL, _IONBF, 0);
    if (fstat(fileno(r->fp), &st) == 0 && S_ISREG(st.st_mode))
        r->bytes_total = (uint64_t)st.st_size;

    /* Detection looks at up to 1 MiB, so the first window is that large; later ones are
     * CSV_CHUNK_BYTES. */
    r->chunk_cap = r->enc == CSV_ENC_AUTO ? CSV_SNIFF_BYTES : CSV_CHUNK_BYTES;
    r->chunk = malloc(r->chunk_cap);
    if (r->chunk == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory opening %s", shown);
        goto out;
    }
    r->win = r->chunk;
    r->win_len = fread(r->chunk, 1, r->chunk_cap, r->fp);
    if (ferror(r->fp)) {
        rc = dure_err_set(err, DURE_EIO, "cannot read %s: %s", shown, strerror(errno));
        goto out;
    }
    rc = reader_start(r, r->chunk, r->win_len, r->win_len == r->chunk_cap, err);
    if (rc != 0)
        goto out;
    *out = r;
    r = NULL;
out:
    csv_close(r);
    return rc;
}

void csv_close(struct csv_reader *r)
{
    if (r == NULL)
        return;
    if (r->cd != (iconv_t)-1)
        iconv_close(r->cd);
    free(r->out_start);
    free(r->raw_start);
    buf_cleanup(&r->out);
    buf_cleanup(&r->raw);
    free(r->chunk);
    if (r->fp != NULL)
        fclose(r->fp);
    free(r);
}

/* buf_append, with the common case (room left, limit not reached) done in place: the reader
 * appends a few bytes at a time, twice per field. Same results as buf_append. */
static int append(struct buf *b, const void *p, size_t n)
{
    if (b->data != NULL && n < b->cap - b->len && n <= b->limit - b->len) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
    }
    return buf_append(b, p, n);
}

/* Record a fatal error: later calls return it again. Returns its code. */
static int fail(struct csv_reader *r, struct dure_err *err, enum dure_err_code code,
                const char *what)
{
    r->failed = 1;
    dure_err_set(&r->fatal, code, "%s", what);
    if (err != NULL)
        *err = r->fatal;
    return code;
}

/* Move to the next window once the current one is used up. Sets at_eof at the end of input.
 * Returns 0 or DURE_EIO. */
static int refill(struct csv_reader *r, struct dure_err *err)
{
    char msg[DURE_ERR_MSG_MAX];

    if (r->win_pos < r->win_len || r->at_eof)
        return 0;
    r->win_base += r->win_len;
    r->win_pos = 0;
    r->win_len = 0;
    if (r->fp == NULL) {
        size_t left = r->mem_len - (size_t)r->win_base;
        r->win = r->mem + r->win_base;
        r->win_len = left < CSV_CHUNK_BYTES ? left : CSV_CHUNK_BYTES;
        r->at_eof = r->win_len == 0;
        return 0;
    }
    if (r->chunk_cap > CSV_CHUNK_BYTES) {
        /* The detection window is done with; keep only a chunk's worth. */
        unsigned char *p = realloc(r->chunk, CSV_CHUNK_BYTES);
        if (p != NULL) {
            r->chunk = p;
            r->chunk_cap = CSV_CHUNK_BYTES;
        }
        r->win = r->chunk;
    }
    r->win_len = fread(r->chunk, 1, r->chunk_cap, r->fp);
    if (ferror(r->fp)) {
        snprintf(msg, sizeof(msg), "csv read failed on line %llu: %s", (unsigned long long)r->line,
                 strerror(errno));
        return fail(r, err, DURE_EIO, msg);
    }
    r->at_eof = r->win_len == 0;
    return 0;
}

/* Mark the record bad with a recoverable error at column col, unless it already is. */
static void record_bad(struct csv_reader *r, struct record *rec, size_t col, struct dure_err *err,
                       const char *what)
{
    if (rec->bad)
        return;
    rec->bad = 1;
    r->err_col = col;
    dure_err_set(err, DURE_EINVAL, "%s", what);
}

/* Consume n bytes of the window that belong to the record, enforcing max_record_bytes. */
static void consume(struct csv_reader *r, struct record *rec, size_t n, struct dure_err *err)
{
    char msg[DURE_ERR_MSG_MAX];

    r->win_pos += n;
    rec->rec_bytes = add_sat(rec->rec_bytes, n);
    if (rec->rec_bytes > r->max_record_bytes && !rec->bad) {
        snprintf(msg, sizeof(msg), "record is longer than %zu bytes (at column %zu)",
                 r->max_record_bytes, r->nfields);
        record_bad(r, rec, r->nfields, err, msg);
    }
}

/* Count a line terminator. */
static void newline(struct csv_reader *r, unsigned char c)
{
    r->line++;
    r->pending_cr = c == '\r';
}

/* Append n content bytes to the current field. Returns 0 or DURE_ENOMEM (fatal). */
static int take(struct csv_reader *r, struct record *rec, const void *p, size_t n,
                struct dure_err *err)
{
    char msg[DURE_ERR_MSG_MAX];

    if (rec->bad)
        return 0;
    if (n > r->max_field_bytes - rec->field_len) {
        snprintf(msg, sizeof(msg), "field in column %zu is longer than %zu bytes", r->nfields,
                 r->max_field_bytes);
        record_bad(r, rec, r->nfields, err, msg);
        return 0;
    }
    rec->field_len += n;
    int rc = append(&r->raw, p, n);
    if (rc == DURE_ETOOBIG) {
        snprintf(msg, sizeof(msg), "record is longer than %zu bytes (at column %zu)",
                 r->max_record_bytes, r->nfields);
        record_bad(r, rec, r->nfields, err, msg);
        return 0;
    }
    if (rc != 0)
        return fail(r, err, DURE_ENOMEM, "out of memory reading csv");
    return 0;
}

/* Start a new field. Returns 0 or DURE_ENOMEM (fatal). */
static int begin_field(struct csv_reader *r, struct record *rec, struct dure_err *err)
{
    char msg[DURE_ERR_MSG_MAX];

    rec->field_len = 0;
    if (rec->bad)
        return 0;
    if (r->nfields == r->max_fields) {
        snprintf(msg, sizeof(msg), "more than %zu fields", r->max_fields);
        record_bad(r, rec, r->max_fields + 1, err, msg);
        return 0;
    }
    /* The previous field ends with a NUL, so that a UTF-8 field can be used where it lies. */
    if (r->nfields > 0) {
        int rc = append(&r->raw, "", 1);
        if (rc != 0)
            return fail(r, err, DURE_ENOMEM, "out of memory reading csv");
    }
    /* raw_start holds one more entry than fields: the end of the last one. */
    if (r->nfields + 2 > r->starts_cap) {
        size_t cap = r->starts_cap ? r->starts_cap * 2 : 16;
        if (cap > r->max_fields + 1)
            cap = r->max_fields + 1;
        size_t *rs = realloc(r->raw_start, cap * sizeof(*rs));
        if (rs == NULL)
            return fail(r, err, DURE_ENOMEM, "out of memory reading csv");
        r->raw_start = rs;
        size_t *os = realloc(r->out_start, cap * sizeof(*os));
        if (os == NULL)
            return fail(r, err, DURE_ENOMEM, "out of memory reading csv");
        r->out_start = os;
        r->starts_cap = cap;
    }
    r->raw_start[r->nfields++] = r->raw.len;
    return 0;
}

/* Bytes the state machine must see one at a time: SPECIAL_QUOTED inside quotes,
 * SPECIAL_UNQUOTED elsewhere. A table keeps the scan of long fields to one lookup a byte. */
#define SPECIAL_QUOTED 1
#define SPECIAL_UNQUOTED 2
static const unsigned char special[256] = {
    ['"'] = SPECIAL_QUOTED | SPECIAL_UNQUOTED,
    ['\r'] = SPECIAL_QUOTED | SPECIAL_UNQUOTED,
    ['\n'] = SPECIAL_QUOTED | SPECIAL_UNQUOTED,
    [','] = SPECIAL_UNQUOTED,
};

/* Bytes at the start of p (n bytes) that need no attention from the state machine. */
static size_t plain_run(const unsigned char *p, size_t n, unsigned char mask)
{
    size_t i = 0;
    while (i < n && !(special[p[i]] & mask))
        i++;
    return i;
}

/* Append CP949 bytes p (n) to out as UTF-8. Returns 0, 1 when they do not convert, or
 * DURE_ETOOBIG / DURE_ENOMEM from the buffer. */
static int append_cp949(struct csv_reader *r, const char *p, size_t n)
{
    char tmp[4096];
    char *in = (char *)p;
    size_t in_left = n;

    iconv(r->cd, NULL, NULL, NULL, NULL);
    while (in_left > 0) {
        char *o = tmp;
        size_t o_left = sizeof(tmp);
        size_t rc = iconv(r->cd, &in, &in_left, &o, &o_left);
        int saved = errno;
        int brc = buf_append(&r->out, tmp, sizeof(tmp) - o_left);
        if (brc != 0)
            return brc;
        if (rc == (size_t)-1 && saved != E2BIG)
            return 1;
    }
    return 0;
}

/* Check and convert every field of the finished record into out. Returns 0, DURE_EINVAL
 * (recoverable, err and err_col set) or DURE_ENOMEM. */
static int decode_record(struct csv_reader *r, struct dure_err *err)
{
    char msg[DURE_ERR_MSG_MAX];
    int utf8 = r->enc == CSV_ENC_UTF8;

    /* A buffer that has never held a byte has no storage yet; the last field's NUL is the one
     * buf keeps after its contents. */
    if (buf_append(&r->raw, "", 0) != 0)
        return fail(r, err, DURE_ENOMEM, "out of memory reading csv");
    const char *raw = r->raw.data;
    r->raw_start[r->nfields] = r->raw.len + 1;
    r->fields = utf8 ? raw : NULL;
    for (size_t i = 0; i < r->nfields; i++) {
        size_t col = i + 1;
        const char *p = raw + r->raw_start[i];
        size_t n = r->raw_start[i + 1] - r->raw_start[i] - 1;
        size_t start = r->out.len;
        int rc = 0;

        msg[0] = '\0';
        if (memchr(p, '\0', n) != NULL) {
            snprintf(msg, sizeof(msg), "a NUL byte in column %zu", col);
        } else if (utf8) {
            /* Valid UTF-8 is its own decoding: the field stays where it was read. */
            if (utf8_check((const unsigned char *)p, n) != 0) {
                snprintf(msg, sizeof(msg), "bytes that are not valid UTF-8 in column %zu", col);
            } else {
                r->out_start[i] = r->raw_start[i];
                continue;
            }
        } else {
            rc = append_cp949(r, p, n);
            if (rc == 1) {
                snprintf(msg, sizeof(msg), "bytes that are not valid CP949 in column %zu", col);
                rc = 0;
            }
        }
        if (rc == 0 && msg[0] == '\0' && r->out.len - start > r->max_field_bytes)
            snprintf(msg, sizeof(msg), "field in column %zu is longer than %zu bytes", col,
                     r->max_field_bytes);
        if (rc == DURE_ETOOBIG)
            snprintf(msg, sizeof(msg), "record is longer than %zu bytes (at column %zu)",
                     r->max_record_bytes, col);
        else if (rc != 0)
            return fail(r, err, DURE_ENOMEM, "out of memory reading csv");
        if (msg[0] != '\0') {
            r->err_col = col;
            return dure_err_set(err, DURE_EINVAL, "%s", msg);
        }
        r->out_start[i] = start;
        rc = buf_append(&r->out, "", 1);
        if (rc == DURE_ETOOBIG) {
            r->err_col = col;
            return dure_err_set(err, DURE_EINVAL, "record is longer than %zu bytes (at column %zu)",
                                r->max_record_bytes, col);
        }
        if (rc != 0)
            return fail(r, err, DURE_ENOMEM, "out of memory reading csv");
    }
    if (!utf8)
        r->fields = r->out.data;
    return 0;
}

/* Read the bytes of one record into raw, skipping empty lines before it. Returns 0 when the
 * record ended (rec->st is still ST_RECORD_START when the input ended first; rec->bad says
 * whether it is usable), or a fatal error: DURE_EINVAL for a quote never closed, DURE_EIO,
 * DURE_ENOMEM. */
static int scan_record(struct csv_reader *r, struct record *rec, struct dure_err *err)
{
    char msg[DURE_ERR_MSG_MAX];
    int rc = 0;

    for (;;) {
        if (r->win_pos == r->win_len) {
            rc = refill(r, err);
            if (rc != 0)
                return rc;
            if (r->at_eof)
                break;
        }
        const unsigned char *p = r->win + r->win_pos;
        size_t avail = r->win_len - r->win_pos;
        unsigned char c = *p;
        size_t n;

        if (r->pending_cr) {
            r->pending_cr = 0;
            if (c == '\n') {
                /* The LF of a CRLF: part of a quoted field, or the end of a line already
                 * counted. */
                if (rec->st == ST_QUOTED) {
                    consume(r, rec, 1, err);
                    rc = take(r, rec, p, 1, err);
                    if (rc != 0)
                        return rc;
                } else {
                    r->win_pos++;
                }
                continue;
            }
        }

        switch (rec->st) {
        case ST_RECORD_START:
            if (c == '\r' || c == '\n') {
                r->win_pos++;
                newline(r, c);
                break;
            }
            r->rec_line = r->line;
            rec->st = ST_FIELD_START;
            rc = begin_field(r, rec, err);
            if (rc != 0)
                return rc;
            break;
        case ST_FIELD_START:
            if (c == '"') {
                consume(r, rec, 1, err);
                rec->st = ST_QUOTED;
            } else {
                rec->st = ST_UNQUOTED;
            }
            break;
        case ST_UNQUOTED:
            n = plain_run(p, avail, SPECIAL_UNQUOTED);
            if (n > 0) {
                consume(r, rec, n, err);
                rc = take(r, rec, p, n, err);
                if (rc != 0)
                    return rc;
            } else if (c == ',') {
                consume(r, rec, 1, err);
                rec->st = ST_FIELD_START;
                rc = begin_field(r, rec, err);
                if (rc != 0)
                    return rc;
            } else if (c == '"') {
                consume(r, rec, 1, err);
                snprintf(msg, sizeof(msg), "a quote inside the unquoted field in column %zu",
                         r->nfields);
                record_bad(r, rec, r->nfields, err, msg);
            } else {
                r->win_pos++;
                newline(r, c);
                return 0;
            }
            break;
        case ST_QUOTED:
            n = plain_run(p, avail, SPECIAL_QUOTED);
            if (n > 0) {
                consume(r, rec, n, err);
                rc = take(r, rec, p, n, err);
                if (rc != 0)
                    return rc;
            } else if (c == '"') {
                consume(r, rec, 1, err);
                rec->st = ST_QUOTE_SEEN;
            } else {
                consume(r, rec, 1, err);
                newline(r, c);
                rc = take(r, rec, p, 1, err);
                if (rc != 0)
                    return rc;
            }
            break;
        case ST_QUOTE_SEEN:
            if (c == '"') {
                consume(r, rec, 1, err);
                rc = take(r, rec, p, 1, err);
                if (rc != 0)
                    return rc;
                rec->st = ST_QUOTED;
            } else if (c == ',') {
                consume(r, rec, 1, err);
                rec->st = ST_FIELD_START;
                rc = begin_field(r, rec, err);
                if (rc != 0)
                    return rc;
            } else if (c == '\r' || c == '\n') {
                r->win_pos++;
                newline(r, c);
                return 0;
            } else {
                /* Skip the rest as if unquoted, so the record still ends where it should. */
                snprintf(msg, sizeof(msg), "text after the closing quote in column %zu",
                         r->nfields);
                record_bad(r, rec, r->nfields, err, msg);
                rec->st = ST_UNQUOTED;
            }
            break;
        }
    }

    /* End of input ends the record, unless a quoted field is still open. */
    if (rec->st == ST_QUOTED) {
        r->err_col = r->nfields;
        snprintf(msg, sizeof(msg),
                 "a quote in the record starting on line %llu is never closed (column %zu)",
                 (unsigned long long)r->rec_line, r->nfields);
        return fail(r, err, DURE_EINVAL, msg);
    }
    return 0;
}

int csv_next(struct csv_reader *r, int *has_record, struct dure_err *err)
{
    struct record rec = {ST_RECORD_START, 0, 0, 0};
    int rc = 0;

    *has_record = 0;
    if (r->failed) {
        if (err != NULL)
            *err = r->fatal;
        rc = r->fatal.code;
        goto out;
    }
    r->nfields = 0;
    r->err_col = 0;
    buf_reset(&r->raw);
    buf_reset(&r->out);

    rc = scan_record(r, &rec, err);
    if (rc != 0 || rec.st == ST_RECORD_START)
        goto out;
    if (rec.bad) {
        /* scan_record has filled err and err_col. */
        rc = DURE_EINVAL;
        goto out;
    }
    rc = decode_record(r, err);
    if (rc != 0)
        goto out;
    *has_record = 1;
out:
    if (rc != 0)
        r->nfields = 0;
    return rc;
}

size_t csv_nfields(const struct csv_reader *r)
{
    return r->nfields;
}

const char *csv_field(const struct csv_reader *r, size_t i)
{
    if (i >= r->nfields)
        return NULL;
    return r->fields + r->out_start[i];
}

uint64_t csv_line(const struct csv_reader *r)
{
    return r->rec_line;
}

size_t csv_error_column(const struct csv_reader *r)
{
    return r->err_col;
}

int csv_failed(const struct csv_reader *r)
{
    return r->failed;
}

enum csv_encoding csv_encoding(const struct csv_reader *r)
{
    return r->enc;
}

uint64_t csv_bytes_read(const struct csv_reader *r)
{
    return r->win_base + r->win_pos;
}

uint64_t csv_bytes_total(const struct csv_reader *r)
{
    return r->bytes_total;
}
