/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the invoice-reader fuzz targets (fuzz_invoice_*.c): reading every record of an
 * input while checking what app/pool_read.h and core/pool.h promise about each, and a tiny
 * writer of stored (uncompressed) zip archives, so targets can wrap fuzzed XML in a valid
 * .xlsx or zip without the fuzzer having to find CRCs. Header-only: each target is one file. */
#ifndef DURE_TESTS_FUZZ_POOL_H
#define DURE_TESTS_FUZZ_POOL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/pool_read.h"
#include "core/registry.h"

/* 1 when the n bytes of a hold a NUL. */
static inline int fuzz_terminated(const char *a, size_t n)
{
    return memchr(a, '\0', n) != NULL;
}

static inline int fuzz_all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

static inline int fuzz_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Abort unless inv is a record the reader may return; list is 1 for a list export, 0 for XML,
 * -1 when either. */
static inline void fuzz_check_invoice(const struct pool_invoice *inv, int list)
{
    struct dure_err err;

    if (!fuzz_terminated(inv->approval_no, sizeof(inv->approval_no)) ||
        !fuzz_digits(inv->approval_no, POOL_APPROVAL_LEN))
        abort();
    if (!date_valid(inv->written_on))
        abort();
    if (inv->issued_on[0] != '\0' && !date_valid(inv->issued_on))
        abort();
    if (!fuzz_digits(inv->supplier_brn, BRN_LEN))
        abort();
    if (!fuzz_terminated(inv->supplier_name, sizeof(inv->supplier_name)) ||
        !fuzz_terminated(inv->supplier_branch, sizeof(inv->supplier_branch)) ||
        !fuzz_terminated(inv->buyer_name, sizeof(inv->buyer_name)) ||
        !fuzz_terminated(inv->buyer_branch, sizeof(inv->buyer_branch)) ||
        !fuzz_terminated(inv->kind, sizeof(inv->kind)))
        abort();
    if (inv->buyer_kind == POOL_PARTY_PERSON) {
        /* Nothing of a private buyer is kept, not even bytes after a NUL. */
        if (!fuzz_all_zero(inv->buyer_brn, sizeof(inv->buyer_brn)) ||
            !fuzz_all_zero(inv->buyer_name, sizeof(inv->buyer_name)) ||
            !fuzz_all_zero(inv->buyer_branch, sizeof(inv->buyer_branch)))
            abort();
    } else if (inv->buyer_kind != POOL_PARTY_BUSINESS || !fuzz_digits(inv->buyer_brn, BRN_LEN)) {
        abort();
    }
    if (pool_invoice_check(inv, &err) != 0)
        abort();
    if (list == 1 && (inv->nitems != 1 || inv->items_complete != 0))
        abort();
    if (list == 0 && inv->items_complete != 1)
        abort();
    if (inv->nitems > 0 && inv->items == NULL)
        abort();
    for (size_t i = 0; i < inv->nitems; i++) {
        const struct pool_item *it = &inv->items[i];
        if (!fuzz_terminated(it->date, sizeof(it->date)) ||
            !fuzz_terminated(it->name, sizeof(it->name)) ||
            !fuzz_terminated(it->spec, sizeof(it->spec)))
            abort();
        if (it->date[0] != '\0' && !date_valid(it->date))
            abort();
    }
}

/* Read every record of an opened reader, checking each; the reader is closed. max_calls bounds
 * the number of calls that may return something. */
static inline void fuzz_read_all(struct pool_reader *r, int list, size_t max_calls)
{
    struct pool_invoice inv;
    struct dure_err err;
    uint64_t last_line = 0;

    for (size_t calls = 0;; calls++) {
        int has = 0;
        if (calls > max_calls)
            abort();
        int rc = pool_reader_next(r, &inv, &has, &err);
        if (rc != 0) {
            if (has || err.msg[0] == '\0' || !fuzz_all_zero(&inv, sizeof(inv)))
                abort();
            if (pool_reader_failed(r)) {
                if (pool_reader_next(r, &inv, &has, &err) != rc || has)
                    abort();
                break;
            }
            if (rc != DURE_EINVAL || pool_reader_line(r) < last_line)
                abort();
            last_line = pool_reader_line(r);
            continue;
        }
        if (!has)
            break;
        if (pool_reader_line(r) < last_line || pool_reader_line(r) == 0)
            abort();
        last_line = pool_reader_line(r);
        fuzz_check_invoice(&inv, list);
    }
    if (pool_reader_bytes_total(r) != 0 && !pool_reader_failed(r) &&
        pool_reader_bytes_read(r) > pool_reader_bytes_total(r))
        abort();
    pool_reader_close(r);
}

/* ---- stored zip archives ---- */

struct fuzz_zip {
    unsigned char *data;
    size_t len;
    size_t cap;
    unsigned char *cdir; /* central directory, appended at the end */
    size_t cdir_len;
    size_t cdir_cap;
    uint16_t count;
};

static inline uint32_t fuzz_crc32(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static inline void fuzz_grow(unsigned char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    unsigned char *p = realloc(*buf, c);
    if (p == NULL)
        abort();
    *buf = p;
    *cap = c;
}

static inline void fuzz_put(unsigned char **buf, size_t *len, size_t *cap, const void *p, size_t n)
{
    fuzz_grow(buf, cap, *len + n);
    if (n > 0)
        memcpy(*buf + *len, p, n);
    *len += n;
}

static inline void fuzz_le(unsigned char *o, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        o[i] = (unsigned char)(v >> (8 * i));
}

/* Add an entry stored as is. */
static inline void fuzz_zip_add(struct fuzz_zip *z, const char *name, const void *data, size_t n)
{
    unsigned char h[46];
    size_t nl = strlen(name);
    uint32_t crc = fuzz_crc32(data, n);
    uint32_t off = (uint32_t)z->len;

    memset(h, 0, sizeof(h));
    fuzz_le(h, 0x04034b50u, 4);
    fuzz_le(h + 4, 20, 2);
    fuzz_le(h + 14, crc, 4);
    fuzz_le(h + 18, (uint32_t)n, 4);
    fuzz_le(h + 22, (uint32_t)n, 4);
    fuzz_le(h + 26, (uint32_t)nl, 2);
    fuzz_put(&z->data, &z->len, &z->cap, h, 30);
    fuzz_put(&z->data, &z->len, &z->cap, name, nl);
    fuzz_put(&z->data, &z->len, &z->cap, data, n);

    memset(h, 0, sizeof(h));
    fuzz_le(h, 0x02014b50u, 4);
    fuzz_le(h + 4, 20, 2);
    fuzz_le(h + 6, 20, 2);
    fuzz_le(h + 16, crc, 4);
    fuzz_le(h + 20, (uint32_t)n, 4);
    fuzz_le(h + 24, (uint32_t)n, 4);
    fuzz_le(h + 28, (uint32_t)nl, 2);
    fuzz_le(h + 42, off, 4);
    fuzz_put(&z->cdir, &z->cdir_len, &z->cdir_cap, h, 46);
    fuzz_put(&z->cdir, &z->cdir_len, &z->cdir_cap, name, nl);
    z->count++;
}

/* Finish the archive: z->data and z->len hold it. */
static inline void fuzz_zip_finish(struct fuzz_zip *z)
{
    unsigned char e[22];
    uint32_t off = (uint32_t)z->len;
    fuzz_put(&z->data, &z->len, &z->cap, z->cdir, z->cdir_len);
    memset(e, 0, sizeof(e));
    fuzz_le(e, 0x06054b50u, 4);
    fuzz_le(e + 8, z->count, 2);
    fuzz_le(e + 10, z->count, 2);
    fuzz_le(e + 12, (uint32_t)z->cdir_len, 4);
    fuzz_le(e + 16, off, 4);
    fuzz_put(&z->data, &z->len, &z->cap, e, sizeof(e));
}

static inline void fuzz_zip_free(struct fuzz_zip *z)
{
    free(z->data);
    free(z->cdir);
    memset(z, 0, sizeof(*z));
}

/* Split data at the first occurrence of sep: the part before into *a, after into *b (b empty
 * when sep is absent). */
static inline void fuzz_split(const uint8_t *data, size_t size, const char *sep, const uint8_t **a,
                              size_t *alen, const uint8_t **b, size_t *blen)
{
    size_t m = strlen(sep);
    *a = data;
    *alen = size;
    *b = data + size;
    *blen = 0;
    for (size_t i = 0; i + m <= size; i++)
        if (memcmp(data + i, sep, m) == 0) {
            *alen = i;
            *b = data + i + m;
            *blen = size - i - m;
            return;
        }
}

#endif
