/* SPDX-License-Identifier: Apache-2.0 */
/* Layer-internal: the numbered schema migrations. Each has the SQL for every driver; where the
 * SQL is portable the two strings are the same text. */
#ifndef DURE_STORE_MIGRATIONS_H
#define DURE_STORE_MIGRATIONS_H

#include <stddef.h>

struct store__migration {
    int version;          /* 1, 2, 3 ... in order */
    const char *name;     /* short description */
    const char *sqlite;   /* SQL for the SQLite driver */
    const char *postgres; /* SQL for the PostgreSQL driver */
};

/* The migrations in version order. */
const struct store__migration *store__migrations(size_t *n);

#endif
