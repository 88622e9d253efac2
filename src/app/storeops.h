/* SPDX-License-Identifier: Apache-2.0 */
/* Operations on a whole database rather than on its records: moving a cooperative from one
 * store to another (SQLite to PostgreSQL and back) without re-importing anything. */
#ifndef DURE_APP_STOREOPS_H
#define DURE_APP_STOREOPS_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Called after each table is copied (done = 1) and every STORE_COPY_PROGRESS_ROWS rows within
 * a big one (done = 0). rows: copied so far; total: the source's rows. */
typedef void (*storeops_progress_fn)(void *ctx, const char *table, int64_t rows, int64_t total,
                                     int done);

/* What happened to the ledger's signing key, which lives beside the database (SQLite) or in
 * $DURE_DATA_DIR (PostgreSQL; default var/). */
enum storeops_key {
    STOREOPS_KEY_NONE = 0, /* the source has no key: nothing to carry */
    STOREOPS_KEY_SHARED,   /* source and target use the same key file */
    STOREOPS_KEY_SAME,     /* the target's key file is already the source's */
    STOREOPS_KEY_COPIED,   /* the source's key was copied to the target's path (mode 0600) */
};

struct storeops_report {
    size_t tables;
    int64_t rows;
    enum storeops_key key;
    char key_path[4096]; /* the target's key file */
    int64_t leaves;      /* events in the copied ledger */
    int64_t checkpoint;  /* size of its latest checkpoint, -1 none */
    int verified;        /* dure ledger verify passed on the target as on the source */
};

/* dure migrate-store: copy everything in the database from_url into the database to_url,
 * which must be empty (no rows in any table; a schema, or none, is fine) and at most at this
 * binary's schema version. The source is migrated to the current schema first (as every dure
 * command does) and read under its writer lock, so that nothing written through dure changes
 * it meanwhile; the target is filled in one transaction that also applies its migrations, so
 * that a failure leaves it as it was (a SQLite file this call created is removed). Every row
 * keeps its ids, event numbers and bytes, and the ledger key is carried over, so that the
 * ledger verifies on the target exactly as on the source; the report (OUT) says so.
 * Errors name the side: "source: ..." or "target: ...". */
int storeops_migrate(const char *from_url, const char *to_url, storeops_progress_fn progress,
                     void *ctx, struct storeops_report *report, struct dure_err *err);

#endif
