/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the CSV reader: reads every record of the input under detected and forced
 * encodings, with default and tiny limits, and checks what csv.h promises about each one. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util/csv.h"

/* The reader's window size (CSV_CHUNK_BYTES in csv.c); only used to place input across a
 * window boundary, so a change there makes that pass weaker, not wrong. */
#define FUZZ_CHUNK_BYTES ((size_t)64 * 1024)
#define FUZZ_PAD_MARK 0xFF

/* 1 when p (n bytes) is strict UTF-8. Written apart from csv.c's check on purpose. */
static int valid_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned long cp;
        size_t len;
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
            return 0;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

/* FNV-1a over what a run returned, to compare two runs. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static uint64_t mix_u64(uint64_t h, uint64_t v)
{
    return mix(h, &v, sizeof(v));
}

/* Read every record of data under opt, checking the promises of csv.h; abort on a broken one.
 * Returns a digest of the results, after the first skip records (which must parse), with
 * line numbers lowered by skip_lines. */
static uint64_t read_all(const uint8_t *data, size_t size, const struct csv_options *opt,
                         size_t skip, uint64_t skip_lines)
{
    struct csv_reader *r = NULL;
    struct dure_err err;
    size_t max_field = opt->max_field_bytes ? opt->max_field_bytes : 64 * 1024;
    size_t max_fields = opt->max_fields ? opt->max_fields : 1024;
    uint64_t last_line = 0;
    uint64_t h = 0xcbf29ce484222325ULL;

    if (csv_open_mem(data, size, opt, &r, &err) != 0)
        return 0;
    if (csv_encoding(r) != CSV_ENC_UTF8 && csv_encoding(r) != CSV_ENC_CP949)
        abort();
    /* Every call that does not end the input uses up at least one byte. */
    for (size_t calls = 0;; calls++) {
        int has = 0;
        if (calls > size)
            abort();
        int rc = csv_next(r, &has, &err);
        if (csv_bytes_read(r) > size || csv_bytes_total(r) != size)
            abort();
        if (calls < skip) {
            if (rc != 0 || !has)
                abort();
            last_line = csv_line(r);
            continue;
        }
        h = mix_u64(h, (uint64_t)rc);
        h = mix_u64(h, (uint64_t)has);
        if (rc != 0) {
            if (rc != DURE_EINVAL || err.msg[0] == '\0' || csv_nfields(r) != 0)
                abort();
            h = mix_u64(h, csv_line(r) - skip_lines);
            h = mix_u64(h, csv_error_column(r));
            if (csv_failed(r)) {
                /* Fatal errors repeat. */
                if (csv_next(r, &has, &err) != rc || has)
                    abort();
                break;
            }
            if (csv_line(r) <= last_line || csv_error_column(r) == 0)
                abort();
            last_line = csv_line(r);
            continue;
        }
        if (!has)
            break;
        size_t n = csv_nfields(r);
        if (n == 0 || n > max_fields || csv_line(r) <= last_line)
            abort();
        last_line = csv_line(r);
        h = mix_u64(h, csv_line(r) - skip_lines);
        h = mix_u64(h, n);
        for (size_t i = 0; i < n; i++) {
            const char *f = csv_field(r, i);
            if (f == NULL)
                abort();
            size_t len = strlen(f);
            if (len > max_field || !valid_utf8((const unsigned char *)f, len))
                abort();
            h = mix(h, f, len + 1);
        }
        if (csv_field(r, n) != NULL)
            abort();
    }
    if (!csv_failed(r) && csv_bytes_read(r) != size)
        abort();
    csv_close(r);
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct csv_options opt = {0};

    read_all(data, size, &opt, 0, 0);

    opt.max_field_bytes = 16;
    opt.max_fields = 8;
    opt.max_record_bytes = 64;
    opt.encoding = CSV_ENC_UTF8;
    read_all(data, size, &opt, 0, 0);
    opt.encoding = CSV_ENC_CP949;
    read_all(data, size, &opt, 0, 0);

    /* Inputs starting with FUZZ_PAD_MARK run once more behind a filler record, so that the
     * window boundary falls inside the rest at a place the second byte picks; the results must
     * match those of the rest read alone. Parsing the filler costs ~50 times a plain run,
     * hence only on request. */
    /* A BOM is only a BOM at the very start, so inputs whose rest begins with one are left out. */
    if (size >= 2 && data[0] == FUZZ_PAD_MARK && size - 2 < FUZZ_CHUNK_BYTES / 2 &&
        !(size >= 5 && memcmp(data + 2, "\xEF\xBB\xBF", 3) == 0)) {
        size_t rest = size - 2;
        size_t fill = FUZZ_CHUNK_BYTES - data[1] % (rest + 1);
        unsigned char *p = malloc(fill + rest);
        if (p == NULL)
            return 0;
        memset(p, 'x', fill - 1);
        p[fill - 1] = '\n';
        if (rest > 0)
            memcpy(p + fill, data + 2, rest);
        static const enum csv_encoding encs[] = {CSV_ENC_UTF8, CSV_ENC_CP949};
        for (size_t i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
            struct csv_options big = {.encoding = encs[i]};
            if (read_all(p, fill + rest, &big, 1, 1) != read_all(data + 2, rest, &big, 0, 0))
                abort();
        }
        free(p);
    }
    return 0;
}
