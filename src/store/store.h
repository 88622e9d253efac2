/* SPDX-License-Identifier: Apache-2.0 */
/* The persistence interface: the only way to the database. Callers speak in domain records;
 * each driver (SQLite now, PostgreSQL next) implements the same operations behind a table of
 * function pointers, so a new driver needs no change to its callers.
 *
 * Threads: a struct store is one connection and must be used by one thread at a time; the app
 * layer keeps one per worker thread. Transactions: store_begin starts a write transaction that
 * takes the write lock at once (SQLite BEGIN IMMEDIATE); a read outside a transaction sees the
 * latest committed state. */
#ifndef DURE_STORE_STORE_H
#define DURE_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"
#include "core/registry.h"
#include "util/err.h"

struct store;

/* Open the database named by url: a file path (SQLite, created if missing) or, once that
 * driver lands, postgres://... Does not migrate. *out is owned; close with store_close. */
int store_open(const char *url, struct store **out, struct dure_err *err);

/* Close; s may be NULL. A transaction still open is rolled back. */
void store_close(struct store *s);

/* Apply every numbered migration not yet applied, each in its own transaction. Refuses a
 * database whose schema is newer than this binary knows (DURE_ECONFLICT). Called inside an open
 * write transaction, it applies them within that transaction instead, so that they commit or
 * roll back with the caller's work (dure migrate-store). */
int store_migrate(struct store *s, struct dure_err *err);

/* Current schema version (OUT) and the newest this binary knows (return value via *latest). */
int store_schema_version(struct store *s, int *version, int *latest, struct dure_err *err);

/* Write transactions. store_begin fails with DURE_ECONFLICT if one is already open. */
int store_begin(struct store *s, struct dure_err *err);
int store_commit(struct store *s, struct dure_err *err);
/* Roll back if a transaction is open; never fails visibly. */
void store_rollback(struct store *s);

/* One unit inside the open write transaction, all of it or none of it: store_savepoint marks
 * its start, store_savepoint_release keeps its work (it commits with the transaction),
 * store_savepoint_rollback undoes it and leaves the transaction open. Not nested. */
int store_savepoint(struct store *s, struct dure_err *err);
int store_savepoint_release(struct store *s, struct dure_err *err);
void store_savepoint_rollback(struct store *s);

/* Copy the whole database to path with the engine's online backup. */
int store_backup(struct store *s, const char *path, struct dure_err *err);

/* Short name of the driver: "sqlite" or "postgres". Static. */
const char *store_driver_name(const struct store *s);

/* ---- buildings ---- */

/* Insert b, or update the building with the same name. *id (OUT) is its id; *changed (OUT) is
 * 0 when the stored row was identical, 1 when inserted, 2 when updated. */
int store_building_upsert(struct store *s, const struct building *b, int64_t *id, int *changed,
                          struct dure_err *err);
/* Update building b->id in place; DURE_ENOTFOUND if absent, DURE_ECONFLICT on a duplicate name. */
int store_building_update(struct store *s, const struct building *b, int *changed,
                          struct dure_err *err);
int store_building_get(struct store *s, int64_t id, struct building *out, struct dure_err *err);
/* Id of the building named name; DURE_ENOTFOUND if none. */
int store_building_find(struct store *s, const char *name, int64_t *id, struct dure_err *err);
/* Delete; DURE_ENOTFOUND if absent; DURE_ECONFLICT while firms are registered in it. */
int store_building_delete(struct store *s, int64_t id, struct dure_err *err);
/* Buildings with id > after_id in id order, at most limit. *items is owned (free()). */
int store_building_list(struct store *s, int64_t after_id, size_t limit, struct building **items,
                        size_t *n, struct dure_err *err);

/* ---- firms ---- */

struct firm_filter {
    int64_t building_id; /* 0 = any */
    const char *ksic;    /* code prefix, NULL = any */
    const char *q;       /* substring of the name or BRN digits, NULL = any */
    int member;          /* -1 any, 0 non-members, 1 members */
    const char *after;   /* cursor: BRNs greater than this, NULL = from the start */
    size_t limit;
};

/* Insert f or update the firm with the same BRN. *changed (OUT): 0 when the stored row was
 * identical, 1 when inserted, 2 when updated. */
int store_firm_upsert(struct store *s, const struct firm *f, int *changed, struct dure_err *err);
int store_firm_get(struct store *s, const char *brn, struct firm *out, struct dure_err *err);
/* Delete; DURE_ENOTFOUND if absent; DURE_ECONFLICT while the firm is on the member register. */
int store_firm_delete(struct store *s, const char *brn, struct dure_err *err);
/* Firms matching filter in BRN order. *items is owned (free()). */
int store_firm_list(struct store *s, const struct firm_filter *filter, struct firm **items,
                    size_t *n, struct dure_err *err);

/* ---- member register ---- */

/* Insert or replace the register entry for m->brn (admission, re-admission, share change);
 * *changed as for firms. */
int store_member_put(struct store *s, const struct member *m, int *changed, struct dure_err *err);
int store_member_get(struct store *s, const char *brn, struct member *out, struct dure_err *err);
/* Entries in BRN order; active_only = 1 skips withdrawn members. *items is owned (free()). */
int store_member_list(struct store *s, int active_only, struct member **items, size_t *n,
                      struct dure_err *err);

/* ---- users, tokens, sessions ---- */

struct user {
    int64_t id;
    char username[64];
    char password_hash[128]; /* Argon2id string (crypto_pwhash_STRBYTES) */
    int role;                /* enum dure_role bit of app/auth.h */
    char created_at[REG_TIME_SIZE];
};

int store_user_create(struct store *s, struct user *u, struct dure_err *err); /* sets u->id */
int store_user_get_by_name(struct store *s, const char *username, struct user *out,
                           struct dure_err *err);
int store_user_get(struct store *s, int64_t id, struct user *out, struct dure_err *err);
/* Let user act for firm brn (idempotent). */
int store_user_firm_add(struct store *s, int64_t user_id, const char *brn, struct dure_err *err);
/* Firms a user acts for, at most max; *n (OUT) is the number written. */
int store_user_firms(struct store *s, int64_t user_id, char (*brns)[BRN_SIZE], size_t max,
                     size_t *n, struct dure_err *err);

struct token {
    int64_t id;
    char hash[65]; /* hex SHA-256 of the secret */
    int64_t user_id;
    int role;
    char firm[BRN_SIZE]; /* "" = none */
    char label[64];
    char created_at[REG_TIME_SIZE];
    int revoked;
};

int store_token_create(struct store *s, struct token *t, struct dure_err *err); /* sets t->id */
/* The unrevoked token with that hash; DURE_ENOTFOUND otherwise. */
int store_token_find(struct store *s, const char *hash, struct token *out, struct dure_err *err);
int store_token_revoke(struct store *s, int64_t id, struct dure_err *err);
int store_token_list(struct store *s, struct token **items, size_t *n, struct dure_err *err);

struct session {
    char hash[65];
    int64_t user_id;
    int64_t expires_unix;
};
int store_session_create(struct store *s, const struct session *se, struct dure_err *err);
int store_session_find(struct store *s, const char *hash, struct session *out,
                       struct dure_err *err);
int store_session_delete(struct store *s, const char *hash, struct dure_err *err);

/* ---- events: the journal that the ledger turns into a Merkle log ---- */

/* Append one event; leaf is its canonical JSON bytes. *seq (OUT, may be NULL) is its 0-based
 * index. Must be called inside the transaction of the change it records. */
int store_event_append(struct store *s, const char *kind, const char *subject, const char *leaf,
                       size_t leaf_len, int64_t *seq, struct dure_err *err);
int store_event_count(struct store *s, int64_t *n, struct dure_err *err);
/* Leaf bytes of event seq into an owned NUL-terminated string. */
int store_event_get(struct store *s, int64_t seq, char **leaf, size_t *len, struct dure_err *err);

/* ---- the data pool: uploads, invoices, KPIs, consent, data uses, rollups ---- */

/* One uploaded file. */
struct pool_upload {
    int64_t id;
    char firm[BRN_SIZE]; /* "" for a secretariat's multi-firm KPI file */
    char kind[16];       /* "invoices" or "kpis" */
    char sha256[65];     /* hex SHA-256 of the file's bytes */
    char format[24];     /* "csv (UTF-8)", "xlsx", "xml" ... */
    char filename[128];  /* as given by the member, sanitised */
    char created_at[REG_TIME_SIZE];
    char actor[80];
    int64_t rows;        /* records read */
    int64_t new_records; /* invoices or KPI rows stored for the first time */
    int64_t linked;      /* invoices the other party had uploaded, now linked to this firm too */
    int64_t unchanged;   /* records this firm had already contributed */
    int64_t conflicts;   /* same approval number, different facts: reported, not merged */
    int deleted;
};

/* What store_invoice_put did with one invoice. */
enum store_invoice_outcome {
    STORE_INVOICE_NEW = 0,   /* first time the pool sees this approval number */
    STORE_INVOICE_LINKED,    /* known from the other party; this firm is now linked too */
    STORE_INVOICE_UNCHANGED, /* this firm had already contributed it */
    STORE_INVOICE_UPGRADED,  /* known, and these line items (XML) replace a list-export line */
    STORE_INVOICE_CONFLICT,  /* same approval number, different facts: nothing changed */
};

/* Create the upload record (id set in u). The pair (firm, kind, sha256) of live uploads is
 * unique: DURE_ECONFLICT when the same file was already uploaded. */
int store_upload_create(struct store *s, struct pool_upload *u, struct dure_err *err);
/* Store the final counts of u->id. */
int store_upload_finish(struct store *s, const struct pool_upload *u, struct dure_err *err);
/* The live upload of firm ("" = multi-firm) with that kind and hash; DURE_ENOTFOUND if none. */
int store_upload_find(struct store *s, const char *firm, const char *kind, const char *sha256,
                      struct pool_upload *out, struct dure_err *err);
int store_upload_get(struct store *s, int64_t id, struct pool_upload *out, struct dure_err *err);
/* Live uploads of firm ("" = the multi-firm ones), newest first. *items owned. */
int store_upload_list(struct store *s, const char *firm, struct pool_upload **items, size_t *n,
                      struct dure_err *err);
/* Delete upload id: unlink its invoices (deleting those no other party still holds) and its KPI
 * rows, and mark the upload deleted. */
int store_upload_delete(struct store *s, int64_t id, struct dure_err *err);

/* Store one invoice contributed by firm on side through upload_id. *outcome (OUT) says what
 * happened; on STORE_INVOICE_CONFLICT, why (OUT, size n) names the differing field. */
int store_invoice_put(struct store *s, int64_t upload_id, const char *firm, enum pool_side side,
                      const struct pool_invoice *inv, enum store_invoice_outcome *outcome,
                      char *why, size_t why_n, struct dure_err *err);

/* The most invoices one store_invoice_put_batch call takes, and the size of each why[] slot. */
#define STORE_INVOICE_BATCH_MAX 4096
#define STORE_INVOICE_WHY_SIZE 160

/* Store invs[0..n-1] (n <= STORE_INVOICE_BATCH_MAX), all contributed by firm on side through
 * upload_id, with exactly the effect of n calls of store_invoice_put in that order: the same
 * rows, links and items, and the same outcomes (OUT, one per invoice; why[i] (OUT) is set on
 * STORE_INVOICE_CONFLICT), also when an approval number occurs more than once in the batch.
 * Must run inside a write transaction. On an error nothing about the batch is promised: roll
 * the transaction back. SQLite runs the invoices one by one over cached statements with a page
 * cache sized for bulk writes until the transaction ends; PostgreSQL looks the batch's
 * approval numbers up in one statement, resolves the outcomes in memory and COPYs the new rows
 * straight into their tables: two round trips. */
int store_invoice_put_batch(struct store *s, int64_t upload_id, const char *firm,
                            enum pool_side side, const struct pool_invoice *invs, size_t n,
                            enum store_invoice_outcome *outcomes,
                            char (*why)[STORE_INVOICE_WHY_SIZE], struct dure_err *err);

struct invoice_filter {
    const char *firm;   /* required: only invoices this firm contributed */
    const char *month;  /* YYYY-MM or NULL */
    int side;           /* -1 both, else enum pool_side */
    const char *after;  /* cursor: approval numbers greater than this */
    size_t limit;
};
/* Invoices matching filter in approval-number order; each carries its first item only
 * (items points into the same allocation). *items owned: free with store_invoices_free. */
int store_invoice_list(struct store *s, const struct invoice_filter *filter,
                       struct pool_invoice **items, size_t *n, struct dure_err *err);
void store_invoices_free(struct pool_invoice *items, size_t n);

/* Insert or replace a firm's KPI month from upload_id; *changed as for firms. */
int store_kpi_put(struct store *s, int64_t upload_id, const struct pool_kpi *k, int *changed,
                  struct dure_err *err);
/* KPI months of firm (month NULL = all) in month order. *items owned. */
int store_kpi_list(struct store *s, const char *firm, const char *month, struct pool_kpi **items,
                   size_t *n, struct dure_err *err);

/* Consent scopes of a firm (bits of enum pool_consent; 0 and "" when never set). */
int store_consent_get(struct store *s, const char *brn, int *scopes, char updated_at[REG_TIME_SIZE],
                      struct dure_err *err);
int store_consent_put(struct store *s, const char *brn, int scopes, const char *updated_at,
                      struct dure_err *err);

struct data_use {
    int64_t id;
    char brn[BRN_SIZE];
    char purpose[32];      /* "statistics", "benchmarking", "purchasing", "forecast" ... */
    char computation[128]; /* e.g. "stats release 2025" */
    char actor[80];
    char used_at[REG_TIME_SIZE];
};
int store_data_use_add(struct store *s, const struct data_use *u, struct dure_err *err);
/* Uses of brn's data, newest first. *items owned. */
int store_data_use_list(struct store *s, const char *brn, struct data_use **items, size_t *n,
                        struct dure_err *err);

/* Recompute the monthly rollups of firm from the invoices it contributed. */
int store_rollup_refresh(struct store *s, const char *firm, struct dure_err *err);

struct firm_month {
    char brn[BRN_SIZE];
    char month[POOL_MONTH_SIZE];
    int64_t sales_krw, purchases_krw, cluster_purchases_krw;
    int64_t invoices_issued, invoices_received;
};
/* Rollups of firm in month order. *items owned. */
int store_rollup_list(struct store *s, const char *firm, struct firm_month **items, size_t *n,
                      struct dure_err *err);

/* Keep the secret openings (salts and figures, JSON) of event seq for its member's receipt. */
int store_event_secret_put(struct store *s, int64_t seq, const char *brn, const char *json,
                           struct dure_err *err);

/* ---- the ledger: Merkle tree nodes, checkpoints, witnesses ---- */

/* Store the hash of the complete subtree (level, index) (RFC 9162 tree over the events). */
int store_tlog_node_put(struct store *s, uint64_t level, uint64_t index, const uint8_t hash[32],
                        struct dure_err *err);
/* The stored hash of (level, index) into hash (OUT); DURE_ENOTFOUND if absent. */
int store_tlog_node_get(struct store *s, uint64_t level, uint64_t index, uint8_t hash[32],
                        struct dure_err *err);
/* The index of the leaf with that leaf hash; DURE_ENOTFOUND if none. */
int store_tlog_leaf_find(struct store *s, const uint8_t hash[32], int64_t *index,
                         struct dure_err *err);

/* Call fn for every event with start <= seq < end in order, with its leaf bytes (borrowed for
 * the call). A non-zero return from fn stops the scan and is returned. */
typedef int (*store_event_fn)(void *ctx, int64_t seq, const void *leaf, size_t len);
int store_event_scan(struct store *s, int64_t start, int64_t end, store_event_fn fn, void *ctx,
                     struct dure_err *err);

/* Keep a signed checkpoint of tree size size (note: the whole signed note text). */
int store_checkpoint_put(struct store *s, int64_t size, const char *note, const char *created_at,
                         struct dure_err *err);
/* The latest checkpoint: *size (OUT) and *note (OUT, owned, free()); DURE_ENOTFOUND if none. */
int store_checkpoint_latest(struct store *s, int64_t *size, char **note, struct dure_err *err);
/* The checkpoint of exactly that size; DURE_ENOTFOUND if none was cut at that size. */
int store_checkpoint_get(struct store *s, int64_t size, char **note, struct dure_err *err);

/* Register (or replace) a witness's verifier key (cosignature/v1) under its key name. */
int store_witness_put(struct store *s, const char *name, const char *vkey, struct dure_err *err);
/* Every registered witness: names and vkeys as parallel owned arrays of owned strings;
 * free with store_strings_free. */
int store_witness_list(struct store *s, char ***names, char ***vkeys, size_t *n,
                       struct dure_err *err);
/* Keep witness name's cosignature line for the checkpoint of size (replacing its earlier one). */
int store_cosignature_put(struct store *s, int64_t size, const char *witness, const char *line,
                          struct dure_err *err);
/* The cosignature lines collected for size, in witness-name order (owned strings). */
int store_cosignature_list(struct store *s, int64_t size, char ***lines, size_t *n,
                           struct dure_err *err);
void store_strings_free(char **strings, size_t n);

/* The opening kept for event seq: the member's BRN (OUT) and the secret JSON (OUT, owned);
 * DURE_ENOTFOUND when the event has none. */
int store_event_secret_get(struct store *s, int64_t seq, char brn[BRN_SIZE], char **json,
                           struct dure_err *err);

/* ---- figures for the front page ---- */
struct store_summary {
    int64_t buildings, centres, firms, firms_in_centres, employees, members;
};
int store_summary(struct store *s, struct store_summary *out, struct dure_err *err);

/* ---- whole tables: copying one database into another (dure migrate-store) ---- */

/* The tables of the schema, each after every table it refers to, so that loading them in this
 * order satisfies every foreign key; key is the primary key that orders a table's rows. This is
 * the one list of what a copy carries (schema_migrations is not in it: a target gets its schema
 * from the migrations). A table added by a migration must be added here. Static. */
struct store_table {
    const char *name;
    const char *key;
};
const struct store_table *store_tables(size_t *n);

/* One column of a copied row: SQL NULL, text (integers in decimal, reals with every digit that
 * round-trips) or bytes. data is borrowed and not NUL-terminated. */
enum store_value_kind { STORE_VALUE_NULL = 0, STORE_VALUE_TEXT, STORE_VALUE_BLOB };
struct store_value {
    enum store_value_kind kind;
    const char *data;
    size_t len;
};

/* Most columns a copied table may have. */
#define STORE_COLUMNS_MAX 64

/* Called for each row of a dump with its column names and values (both borrowed for the call).
 * fn must not use the store being dumped. A non-zero return stops the dump and is returned as
 * it is. */
typedef int (*store_row_fn)(void *ctx, size_t ncols, const char *const *columns,
                            const struct store_value *values);

/* Every row of table (a name from store_tables; anything else is DURE_EINVAL) in key order. Run
 * it inside a write transaction to see one state of the whole database. */
int store_table_dump(struct store *s, const char *table, store_row_fn fn, void *ctx,
                     struct dure_err *err);

/* The number of rows in table (a name from store_tables) into *n (OUT). */
int store_table_count(struct store *s, const char *table, int64_t *n, struct dure_err *err);

/* Progress of store_table_copy: rows copied so far (every STORE_COPY_PROGRESS_ROWS rows). */
#define STORE_COPY_PROGRESS_ROWS 100000
typedef void (*store_copy_progress_fn)(void *ctx, const char *table, int64_t rows);

/* Copy every row of table from `from` into the same table of `to`, inside to's open write
 * transaction, every column as it is (ids, event numbers, bytes); on PostgreSQL with COPY, and
 * the sequences behind id columns are moved past the copied ids. *rows (OUT) is the number
 * copied. progress may be NULL. On failure to's transaction must be rolled back. */
int store_table_copy(struct store *from, struct store *to, const char *table,
                     store_copy_progress_fn progress, void *ctx, int64_t *rows,
                     struct dure_err *err);

/* The names of every table in the database, schema_migrations included, in name order (owned;
 * free with store_strings_free), so that a copy can refuse tables store_tables does not know. */
int store_table_names(struct store *s, char ***names, size_t *n, struct dure_err *err);

#endif
