/* SPDX-License-Identifier: Apache-2.0 */
/* A growable byte buffer with a hard size limit set at init (as curl's dynbuf). */
#ifndef DURE_UTIL_BUF_H
#define DURE_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "util/err.h"

struct buf {
    char *data;   /* owned; always NUL-terminated when len > 0 or after any append */
    size_t len;   /* bytes used, not counting the terminating NUL */
    size_t cap;   /* bytes allocated */
    size_t limit; /* hard maximum of len */
};

/* Prepare b with no allocation; appends beyond limit bytes fail with DURE_ETOOBIG. */
void buf_init(struct buf *b, size_t limit);

/* Free the storage; b may be NULL. b can be reused after buf_init. */
void buf_cleanup(struct buf *b);

/* Set len to 0, keeping the storage. */
void buf_reset(struct buf *b);

/* Append n bytes. Returns 0, DURE_ETOOBIG (limit) or DURE_ENOMEM; b is unchanged on failure. */
int buf_append(struct buf *b, const void *data, size_t n);

/* Append a NUL-terminated string. */
int buf_append_str(struct buf *b, const char *s);

/* Append printf-formatted text. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int buf_printf(struct buf *b, const char *fmt, ...);

/* The contents as a NUL-terminated string ("" when empty); valid until the next change to b. */
const char *buf_str(const struct buf *b);

/* Hand the storage to the caller (owned, free()), leaving b empty. Never NULL unless out of memory. */
char *buf_steal(struct buf *b, size_t *len_out);

#endif
