/* SPDX-License-Identifier: Apache-2.0 */
/* What the store tests share (test_store_pg.c, test_pool_store.c): the PostgreSQL server they
 * may use, and a transcript of everything a run observed, to compare one run with another
 * (SQLite with PostgreSQL, one invoice at a time with batches). Include after cmocka.h. */
#ifndef DURE_TESTS_UNIT_STORE_TEST_H
#define DURE_TESTS_UNIT_STORE_TEST_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $DURE_TEST_PG_URL (scripts/pg.sh start DIR), or NULL when unset. */
static inline const char *pg_url(void)
{
    const char *u = getenv("DURE_TEST_PG_URL");
    return (u != NULL && u[0] != '\0') ? u : NULL;
}

struct transcript {
    char *buf;
    size_t len, cap;
};

static inline void transcript_init(struct transcript *t)
{
    t->cap = (size_t)4 << 20;
    t->len = 0;
    t->buf = calloc(1, t->cap);
    assert_non_null(t->buf);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline void
say(struct transcript *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < t->cap - t->len);
    t->len += (size_t)n;
}

/* The two transcripts are the same; if not, the first line that differs is shown. */
static inline void transcript_same(const struct transcript *a, const struct transcript *b,
                                   const char *what)
{
    if (strcmp(a->buf, b->buf) != 0) {
        const char *x = a->buf, *y = b->buf;
        while (*x != '\0' && *x == *y) {
            x++;
            y++;
        }
        while (x > a->buf && x[-1] != '\n') {
            x--;
            y--;
        }
        print_error("%s differs at\n  expected: %.*s\n  got:      %.*s\n", what,
                    (int)strcspn(x, "\n"), x, (int)strcspn(y, "\n"), y);
    }
    assert_string_equal(a->buf, b->buf);
}
#endif
