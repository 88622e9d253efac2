/* SPDX-License-Identifier: Apache-2.0 */
/* Layer-internal: the table of operations every store driver implements. store.c dispatches
 * the public store_* calls through it; a driver's handle begins with struct store. */
#ifndef DURE_STORE_IMPL_H
#define DURE_STORE_IMPL_H

#include "store/store.h"

struct store_ops {
    const char *name;
    void (*close)(struct store *s);
    int (*migrate)(struct store *s, struct dure_err *err);
    int (*schema_version)(struct store *s, int *version, int *latest, struct dure_err *err);
    int (*begin)(struct store *s, struct dure_err *err);
    int (*commit)(struct store *s, struct dure_err *err);
    void (*rollback)(struct store *s);
    int (*savepoint)(struct store *s, struct dure_err *err);
    int (*savepoint_release)(struct store *s, struct dure_err *err);
    void (*savepoint_rollback)(struct store *s);
    int (*backup)(struct store *s, const char *path, struct dure_err *err);

    int (*building_upsert)(struct store *s, const struct building *b, int64_t *id, int *changed,
                           struct dure_err *err);
    int (*building_update)(struct store *s, const struct building *b, int *changed,
                           struct dure_err *err);
    int (*building_get)(struct store *s, int64_t id, struct building *out, struct dure_err *err);
    int (*building_find)(struct store *s, const char *name, int64_t *id, struct dure_err *err);
    int (*building_delete)(struct store *s, int64_t id, struct dure_err *err);
    int (*building_list)(struct store *s, int64_t after_id, size_t limit, struct building **items,
                         size_t *n, struct dure_err *err);

    int (*firm_upsert)(struct store *s, const struct firm *f, int *changed, struct dure_err *err);
    int (*firm_get)(struct store *s, const char *brn, struct firm *out, struct dure_err *err);
    int (*firm_delete)(struct store *s, const char *brn, struct dure_err *err);
    int (*firm_list)(struct store *s, const struct firm_filter *filter, struct firm **items,
                     size_t *n, struct dure_err *err);

    int (*member_put)(struct store *s, const struct member *m, int *changed,
                      struct dure_err *err);
    int (*member_get)(struct store *s, const char *brn, struct member *out, struct dure_err *err);
    int (*member_list)(struct store *s, int active_only, struct member **items, size_t *n,
                       struct dure_err *err);

    int (*user_create)(struct store *s, struct user *u, struct dure_err *err);
    int (*user_get_by_name)(struct store *s, const char *username, struct user *out,
                            struct dure_err *err);
    int (*user_get)(struct store *s, int64_t id, struct user *out, struct dure_err *err);
    int (*user_firm_add)(struct store *s, int64_t user_id, const char *brn, struct dure_err *err);
    int (*user_firms)(struct store *s, int64_t user_id, char (*brns)[BRN_SIZE], size_t max,
                      size_t *n, struct dure_err *err);

    int (*token_create)(struct store *s, struct token *t, struct dure_err *err);
    int (*token_find)(struct store *s, const char *hash, struct token *out, struct dure_err *err);
    int (*token_revoke)(struct store *s, int64_t id, struct dure_err *err);
    int (*token_list)(struct store *s, struct token **items, size_t *n, struct dure_err *err);

    int (*session_create)(struct store *s, const struct session *se, struct dure_err *err);
    int (*session_find)(struct store *s, const char *hash, struct session *out,
                        struct dure_err *err);
    int (*session_delete)(struct store *s, const char *hash, struct dure_err *err);

    int (*event_append)(struct store *s, const char *kind, const char *subject, const char *leaf,
                        size_t leaf_len, int64_t *seq, struct dure_err *err);
    int (*event_count)(struct store *s, int64_t *n, struct dure_err *err);
    int (*event_get)(struct store *s, int64_t seq, char **leaf, size_t *len,
                     struct dure_err *err);

    int (*summary)(struct store *s, struct store_summary *out, struct dure_err *err);

    int (*upload_create)(struct store *s, struct pool_upload *u, struct dure_err *err);
    int (*upload_finish)(struct store *s, const struct pool_upload *u, struct dure_err *err);
    int (*upload_find)(struct store *s, const char *firm, const char *kind, const char *sha256,
                       struct pool_upload *out, struct dure_err *err);
    int (*upload_get)(struct store *s, int64_t id, struct pool_upload *out, struct dure_err *err);
    int (*upload_list)(struct store *s, const char *firm, struct pool_upload **items, size_t *n,
                       struct dure_err *err);
    int (*upload_delete)(struct store *s, int64_t id, struct dure_err *err);
    int (*invoice_put)(struct store *s, int64_t upload_id, const char *firm, enum pool_side side,
                       const struct pool_invoice *inv, enum store_invoice_outcome *outcome,
                       char *why, size_t why_n, struct dure_err *err);
    int (*invoice_list)(struct store *s, const struct invoice_filter *filter,
                        struct pool_invoice **items, size_t *n, struct dure_err *err);
    int (*invoice_put_batch)(struct store *s, int64_t upload_id, const char *firm,
                             enum pool_side side, const struct pool_invoice *invs, size_t n,
                             enum store_invoice_outcome *outcomes,
                             char (*why)[STORE_INVOICE_WHY_SIZE], struct dure_err *err);
    int (*kpi_put)(struct store *s, int64_t upload_id, const struct pool_kpi *k, int *changed,
                   struct dure_err *err);
    int (*kpi_list)(struct store *s, const char *firm, const char *month, struct pool_kpi **items,
                    size_t *n, struct dure_err *err);
    int (*consent_get)(struct store *s, const char *brn, int *scopes,
                       char updated_at[REG_TIME_SIZE], struct dure_err *err);
    int (*consent_put)(struct store *s, const char *brn, int scopes, const char *updated_at,
                       struct dure_err *err);
    int (*data_use_add)(struct store *s, const struct data_use *u, struct dure_err *err);
    int (*data_use_list)(struct store *s, const char *brn, struct data_use **items, size_t *n,
                         struct dure_err *err);
    int (*rollup_refresh)(struct store *s, const char *firm, struct dure_err *err);
    int (*rollup_list)(struct store *s, const char *firm, struct firm_month **items, size_t *n,
                       struct dure_err *err);
    int (*event_secret_put)(struct store *s, int64_t seq, const char *brn, const char *json,
                            struct dure_err *err);
    int (*tlog_node_put)(struct store *s, uint64_t level, uint64_t index, const uint8_t hash[32],
                         struct dure_err *err);
    int (*tlog_node_get)(struct store *s, uint64_t level, uint64_t index, uint8_t hash[32],
                         struct dure_err *err);
    int (*tlog_leaf_find)(struct store *s, const uint8_t hash[32], int64_t *index,
                          struct dure_err *err);
    int (*event_scan)(struct store *s, int64_t start, int64_t end, store_event_fn fn, void *ctx,
                      struct dure_err *err);
    int (*checkpoint_put)(struct store *s, int64_t size, const char *note, const char *created_at,
                          struct dure_err *err);
    int (*checkpoint_latest)(struct store *s, int64_t *size, char **note, struct dure_err *err);
    int (*checkpoint_get)(struct store *s, int64_t size, char **note, struct dure_err *err);
    int (*witness_put)(struct store *s, const char *name, const char *vkey, struct dure_err *err);
    int (*witness_list)(struct store *s, char ***names, char ***vkeys, size_t *n,
                        struct dure_err *err);
    int (*cosignature_put)(struct store *s, int64_t size, const char *witness, const char *line,
                           struct dure_err *err);
    int (*cosignature_list)(struct store *s, int64_t size, char ***lines, size_t *n,
                            struct dure_err *err);
    int (*event_secret_get)(struct store *s, int64_t seq, char brn[BRN_SIZE], char **json,
                            struct dure_err *err);

    /* Whole tables (store_table_copy). table and columns were checked by store.c: table is a
     * name of store_tables, columns are plain lower-case identifiers. Loading runs inside the
     * open write transaction: load_begin, load_row for each row, then load_end (abort set
     * when the copy failed, to leave the loader without finishing it). */
    int (*table_count)(struct store *s, const char *table, int64_t *n, struct dure_err *err);
    int (*table_dump)(struct store *s, const char *table, const char *key, store_row_fn fn,
                      void *ctx, struct dure_err *err);
    int (*table_load_begin)(struct store *s, const char *table, size_t ncols,
                            const char *const *columns, struct dure_err *err);
    int (*table_load_row)(struct store *s, const struct store_value *values,
                          struct dure_err *err);
    int (*table_load_end)(struct store *s, int abort, struct dure_err *err);
    int (*table_names)(struct store *s, char ***names, size_t *n, struct dure_err *err);
};

/* Tree nodes this connection wrote or read, kept to spare the database (see store.c, before
 * store_tlog_node_put, for why a cached node is always right). The frontier holds the newest
 * node of each level: every left sibling that appending a leaf reads. The upper table holds
 * nodes of level STORE_TLOG_UPPER_LEVEL and above, direct-mapped, a higher level displacing a
 * lower: the part of the tree that every proof reads. */
#define STORE_TLOG_UPPER_LEVEL 8
#define STORE_TLOG_UPPER_BITS 15
#define STORE_TLOG_UPPER_SLOTS (1u << STORE_TLOG_UPPER_BITS) /* 1.5 MiB, calloc'd on first use */

struct store_tlog_slot {
    uint64_t index;
    uint32_t level;
    uint32_t gen; /* holds a node while equal to the cache's gen */
    uint8_t hash[32];
};

struct store_tlog_cache {
    uint64_t frontier_valid; /* bit l set: frontier_index[l], frontier_hash[l] hold a node */
    uint64_t frontier_index[64];
    uint8_t frontier_hash[64][32];
    uint32_t gen;                  /* the upper table's current generation, never 0 */
    struct store_tlog_slot *upper; /* STORE_TLOG_UPPER_SLOTS, owned, on first use; or NULL */
};

/* Drivers allocate their handle zeroed; store.c owns every field after ops. */
struct store {
    const struct store_ops *ops;
    struct store_tlog_cache tlog;
};

/* Driver constructors. */
int store__sqlite_open(const char *path, struct store **out, struct dure_err *err);
/* url is a postgres:// or postgresql:// URL handed to libpq as it is; the connection error never
 * shows the password. */
int store__postgres_open(const char *url, struct store **out, struct dure_err *err);

#endif
