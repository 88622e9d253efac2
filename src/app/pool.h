/* SPDX-License-Identifier: Apache-2.0 */
/* The data pool's use cases: members upload their e-tax invoices and monthly KPIs under
 * consent; each upload is deduplicated, recorded with provenance, checked strictly (one bad
 * row rejects the file and stores nothing) and journalled with salted commitments, so the
 * public ledger shows that an upload happened without showing whose or what. */
#ifndef DURE_APP_POOL_H
#define DURE_APP_POOL_H

#include "app/auth.h"
#include "app/registry.h"
#include "store/store.h"

/* An invoice whose approval number the pool already held with different facts. */
struct pool_conflict {
    uint64_t line;
    char approval_no[POOL_APPROVAL_SIZE];
    char message[160];
};

#define POOL_MAX_CONFLICTS 1000

struct pool_result {
    struct pool_upload upload;     /* the upload record (ids and counts) */
    int already;                   /* 1: the same file was uploaded before; nothing changed */
    struct import_error *errors;   /* owned; rows that rejected the file */
    size_t nerrors, errors_dropped;
    struct pool_conflict *conflicts; /* owned; reported, never merged */
    size_t nconflicts, conflicts_dropped;
    int64_t event_seq;             /* ledger index of the upload's event, -1 when none */
};

void pool_result_cleanup(struct pool_result *res);

/* Upload a file of kind "invoices" (Hometax list CSV/XLSX, KEC XML or a zip of them) or
 * "kpis" (CSV: brn, month, revenue_krw, production_krw, exports_krw, employees).
 * firm: the uploading firm (required for invoices; for KPIs NULL lets an admin load a file
 * spanning firms, otherwise every row's brn must be that firm). A member may upload only for
 * the firms it acts for (DURE_EFORBIDDEN). filename is what the member called the file (may
 * be NULL). Returns 0 (res->already says whether it was new), DURE_EUNPROCESSABLE with every
 * error in res->errors and nothing stored, or another error. */
int pool_upload(struct app *app, const struct principal *actor, const char *kind,
                const char *firm, const char *path, const char *filename,
                import_progress_fn progress, void *progress_ctx, struct pool_result *res,
                struct dure_err *err);

/* One file of pool_upload_files: path, filename and firm in (as for pool_upload), the outcome
 * out (rc and err as pool_upload returns them; res to be freed with pool_result_cleanup). */
struct pool_file {
    const char *path, *filename, *firm;
    int rc;
    struct dure_err err;
    struct pool_result res;
};

/* Called for each file, in order, once its outcome is final. */
typedef void (*pool_file_done_fn)(void *ctx, size_t index, struct pool_file *file);

/* pool_upload_files commits the files stored so far once they hold POOL_GROUP_ROWS rows or
 * the group has been open POOL_GROUP_SECONDS, whichever comes first: the write lock (SQLite's,
 * or the writer lock on PostgreSQL) is never held much longer, so a server on the same
 * database waits at most about that long to write (its lock timeout is 5 s). */
#define POOL_GROUP_ROWS 100000
#define POOL_GROUP_SECONDS 2.0

/* Upload many files (the CLI's import of a year of member files), each exactly as pool_upload
 * would: all of it or none of it, every error listed, the same file twice recognised. They are
 * stored in groups, each group one write transaction, so that the pages a file's invoices share
 * with the next files' (the approval-number index above all) are written once per group rather
 * than once per file. A file read ahead and found free of errors is stored straight into the
 * group; any other file in a savepoint of its own, to which it rolls back when it turns out bad,
 * leaving its group alone. Should a file stored without a savepoint fail in the store after all,
 * the group is rolled back and stored again, each file in a savepoint. A group commits once it holds POOL_GROUP_ROWS rows or has been
 * open POOL_GROUP_SECONDS (a file is never split), and done then hears about each of its
 * files: until then nothing of them is visible or durable, and a crash loses the open group
 * whole (never part of a file). progress sees the bytes of all files.
 * Returns 0, or the error that stopped it before the end (every file still hears from done). */
int pool_upload_files(struct app *app, const struct principal *actor, const char *kind,
                      struct pool_file *files, size_t n, import_progress_fn progress,
                      void *progress_ctx, pool_file_done_fn done, void *done_ctx,
                      struct dure_err *err);

/* The firm's live uploads (members: their own firms only). *items owned. */
int pool_uploads(struct app *app, const struct principal *actor, const char *firm,
                 struct pool_upload **items, size_t *n, struct dure_err *err);

/* Delete an upload: the rows that firm contributed go; an invoice the other party also uploaded
 * stays, linked to that party alone. */
int pool_upload_delete(struct app *app, const struct principal *actor, int64_t id,
                       struct dure_err *err);

/* The caller's firm's invoices (filter->firm must be one it acts for). Free with
 * store_invoices_free. */
int pool_invoices(struct app *app, const struct principal *actor,
                  const struct invoice_filter *filter, struct pool_invoice **items, size_t *n,
                  struct dure_err *err);

/* The firm's KPI months (month NULL = all). *items owned. */
int pool_kpis(struct app *app, const struct principal *actor, const char *firm,
              const char *month, struct pool_kpi **items, size_t *n, struct dure_err *err);

/* The firm's monthly rollups (sales, purchases, purchases from cluster firms). *items owned. */
int pool_rollups(struct app *app, const struct principal *actor, const char *firm,
                 struct firm_month **items, size_t *n, struct dure_err *err);

/* Consent scopes (bits of enum pool_consent) and when they were last set ("" never). */
int pool_consent_get(struct app *app, const struct principal *actor, const char *firm,
                     int *scopes, char updated_at[REG_TIME_SIZE], struct dure_err *err);
/* Set the scopes; recorded as an event. A revoked use stops at the next computation. */
int pool_consent_set(struct app *app, const struct principal *actor, const char *firm,
                     int scopes, struct dure_err *err);

/* Who used the firm's data, when and for what. *items owned. */
int pool_data_uses(struct app *app, const struct principal *actor, const char *firm,
                   struct data_use **items, size_t *n, struct dure_err *err);

/* For computations that read a firm's data (statistics releases, purchasing rounds,
 * forecasts): log the use inside the computation's transaction. */
int pool_data_use_record(struct store *s, const char *brn, const char *purpose,
                         const char *computation, const char *actor, struct dure_err *err);

#endif
