/* SPDX-License-Identifier: Apache-2.0 */
/* Driver selection and dispatch of the store interface. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"

int store_open(const char *url, struct store **out, struct dure_err *err)
{
    *out = NULL;
    if (url == NULL || url[0] == '\0')
        return dure_err_set(err, DURE_EINVAL, "no database given (--db PATH or $DURE_DB)");
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
        return store__postgres_open(url, out, err);
    return store__sqlite_open(url, out, err);
}

void store_close(struct store *s)
{
    if (s != NULL) {
        free(s->tlog.upper);
        s->ops->close(s);
    }
}

const char *store_driver_name(const struct store *s)
{
    return s->ops->name;
}

/* A driver without the operation: DURE_EUNAVAILABLE, said the same way everywhere. */
#define NEED_OP(fn)                                                                                \
    do {                                                                                           \
        if (s->ops->fn == NULL)                                                                    \
            return dure_err_set(err, DURE_EUNAVAILABLE, "the %s store cannot " #fn " yet",         \
                                s->ops->name);                                                     \
    } while (0)

#define DISPATCH(fn, ...)                                                                          \
    do {                                                                                           \
        NEED_OP(fn);                                                                               \
        return s->ops->fn(s, __VA_ARGS__);                                                         \
    } while (0)

int store_migrate(struct store *s, struct dure_err *err) { DISPATCH(migrate, err); }
int store_schema_version(struct store *s, int *version, int *latest, struct dure_err *err)
{
    DISPATCH(schema_version, version, latest, err);
}

static void tlog_cache_clear(struct store *s);

int store_begin(struct store *s, struct dure_err *err) { DISPATCH(begin, err); }

int store_commit(struct store *s, struct dure_err *err)
{
    NEED_OP(commit);
    int rc = s->ops->commit(s, err);
    /* A failed commit may have rolled back tree nodes this connection wrote. */
    if (rc != 0)
        tlog_cache_clear(s);
    return rc;
}

void store_rollback(struct store *s)
{
    tlog_cache_clear(s);
    s->ops->rollback(s);
}

int store_savepoint(struct store *s, struct dure_err *err) { DISPATCH(savepoint, err); }

int store_savepoint_release(struct store *s, struct dure_err *err)
{
    DISPATCH(savepoint_release, err);
}

void store_savepoint_rollback(struct store *s)
{
    /* Tree nodes written since the savepoint are undone with it. */
    tlog_cache_clear(s);
    if (s->ops->savepoint_rollback != NULL)
        s->ops->savepoint_rollback(s);
}

int store_backup(struct store *s, const char *path, struct dure_err *err)
{
    DISPATCH(backup, path, err);
}

int store_building_upsert(struct store *s, const struct building *b, int64_t *id, int *changed,
                          struct dure_err *err)
{
    DISPATCH(building_upsert, b, id, changed, err);
}
int store_building_update(struct store *s, const struct building *b, int *changed,
                          struct dure_err *err)
{
    DISPATCH(building_update, b, changed, err);
}
int store_building_get(struct store *s, int64_t id, struct building *out, struct dure_err *err)
{
    DISPATCH(building_get, id, out, err);
}
int store_building_find(struct store *s, const char *name, int64_t *id, struct dure_err *err)
{
    DISPATCH(building_find, name, id, err);
}
int store_building_delete(struct store *s, int64_t id, struct dure_err *err)
{
    DISPATCH(building_delete, id, err);
}
int store_building_list(struct store *s, int64_t after_id, size_t limit, struct building **items,
                        size_t *n, struct dure_err *err)
{
    DISPATCH(building_list, after_id, limit, items, n, err);
}

int store_firm_upsert(struct store *s, const struct firm *f, int *changed, struct dure_err *err)
{
    DISPATCH(firm_upsert, f, changed, err);
}
int store_firm_get(struct store *s, const char *brn, struct firm *out, struct dure_err *err)
{
    DISPATCH(firm_get, brn, out, err);
}
int store_firm_delete(struct store *s, const char *brn, struct dure_err *err)
{
    DISPATCH(firm_delete, brn, err);
}
int store_firm_list(struct store *s, const struct firm_filter *filter, struct firm **items,
                    size_t *n, struct dure_err *err)
{
    DISPATCH(firm_list, filter, items, n, err);
}

int store_member_put(struct store *s, const struct member *m, int *changed, struct dure_err *err)
{
    DISPATCH(member_put, m, changed, err);
}
int store_member_get(struct store *s, const char *brn, struct member *out, struct dure_err *err)
{
    DISPATCH(member_get, brn, out, err);
}
int store_member_list(struct store *s, int active_only, struct member **items, size_t *n,
                      struct dure_err *err)
{
    DISPATCH(member_list, active_only, items, n, err);
}

int store_user_create(struct store *s, struct user *u, struct dure_err *err)
{
    DISPATCH(user_create, u, err);
}
int store_user_get_by_name(struct store *s, const char *username, struct user *out,
                           struct dure_err *err)
{
    DISPATCH(user_get_by_name, username, out, err);
}
int store_user_get(struct store *s, int64_t id, struct user *out, struct dure_err *err)
{
    DISPATCH(user_get, id, out, err);
}
int store_user_firm_add(struct store *s, int64_t user_id, const char *brn, struct dure_err *err)
{
    DISPATCH(user_firm_add, user_id, brn, err);
}
int store_user_firms(struct store *s, int64_t user_id, char (*brns)[BRN_SIZE], size_t max,
                     size_t *n, struct dure_err *err)
{
    DISPATCH(user_firms, user_id, brns, max, n, err);
}

int store_token_create(struct store *s, struct token *t, struct dure_err *err)
{
    DISPATCH(token_create, t, err);
}
int store_token_find(struct store *s, const char *hash, struct token *out, struct dure_err *err)
{
    DISPATCH(token_find, hash, out, err);
}
int store_token_revoke(struct store *s, int64_t id, struct dure_err *err)
{
    DISPATCH(token_revoke, id, err);
}
int store_token_list(struct store *s, struct token **items, size_t *n, struct dure_err *err)
{
    DISPATCH(token_list, items, n, err);
}

int store_session_create(struct store *s, const struct session *se, struct dure_err *err)
{
    DISPATCH(session_create, se, err);
}
int store_session_find(struct store *s, const char *hash, struct session *out,
                       struct dure_err *err)
{
    DISPATCH(session_find, hash, out, err);
}
int store_session_delete(struct store *s, const char *hash, struct dure_err *err)
{
    DISPATCH(session_delete, hash, err);
}

int store_event_append(struct store *s, const char *kind, const char *subject, const char *leaf,
                       size_t leaf_len, int64_t *seq, struct dure_err *err)
{
    DISPATCH(event_append, kind, subject, leaf, leaf_len, seq, err);
}
int store_event_count(struct store *s, int64_t *n, struct dure_err *err)
{
    DISPATCH(event_count, n, err);
}
int store_event_get(struct store *s, int64_t seq, char **leaf, size_t *len, struct dure_err *err)
{
    DISPATCH(event_get, seq, leaf, len, err);
}

int store_summary(struct store *s, struct store_summary *out, struct dure_err *err)
{
    DISPATCH(summary, out, err);
}

int store_upload_create(struct store *s, struct pool_upload *u, struct dure_err *err)
{
    DISPATCH(upload_create, u, err);
}
int store_upload_finish(struct store *s, const struct pool_upload *u, struct dure_err *err)
{
    DISPATCH(upload_finish, u, err);
}
int store_upload_find(struct store *s, const char *firm, const char *kind, const char *sha256,
                      struct pool_upload *out, struct dure_err *err)
{
    DISPATCH(upload_find, firm, kind, sha256, out, err);
}
int store_upload_get(struct store *s, int64_t id, struct pool_upload *out, struct dure_err *err)
{
    DISPATCH(upload_get, id, out, err);
}
int store_upload_list(struct store *s, const char *firm, struct pool_upload **items, size_t *n,
                      struct dure_err *err)
{
    DISPATCH(upload_list, firm, items, n, err);
}
int store_upload_delete(struct store *s, int64_t id, struct dure_err *err)
{
    DISPATCH(upload_delete, id, err);
}
int store_invoice_put(struct store *s, int64_t upload_id, const char *firm, enum pool_side side,
                      const struct pool_invoice *inv, enum store_invoice_outcome *outcome,
                      char *why, size_t why_n, struct dure_err *err)
{
    DISPATCH(invoice_put, upload_id, firm, side, inv, outcome, why, why_n, err);
}
int store_invoice_put_batch(struct store *s, int64_t upload_id, const char *firm,
                            enum pool_side side, const struct pool_invoice *invs, size_t n,
                            enum store_invoice_outcome *outcomes,
                            char (*why)[STORE_INVOICE_WHY_SIZE], struct dure_err *err)
{
    if (n > STORE_INVOICE_BATCH_MAX)
        return dure_err_set(err, DURE_EINVAL, "a batch holds at most %d invoices",
                            STORE_INVOICE_BATCH_MAX);
    if (n == 0)
        return 0;
    DISPATCH(invoice_put_batch, upload_id, firm, side, invs, n, outcomes, why, err);
}
int store_invoice_list(struct store *s, const struct invoice_filter *filter,
                       struct pool_invoice **items, size_t *n, struct dure_err *err)
{
    DISPATCH(invoice_list, filter, items, n, err);
}
int store_kpi_put(struct store *s, int64_t upload_id, const struct pool_kpi *k, int *changed,
                  struct dure_err *err)
{
    DISPATCH(kpi_put, upload_id, k, changed, err);
}
int store_kpi_list(struct store *s, const char *firm, const char *month, struct pool_kpi **items,
                   size_t *n, struct dure_err *err)
{
    DISPATCH(kpi_list, firm, month, items, n, err);
}
int store_consent_get(struct store *s, const char *brn, int *scopes, char updated_at[REG_TIME_SIZE],
                      struct dure_err *err)
{
    DISPATCH(consent_get, brn, scopes, updated_at, err);
}
int store_consent_put(struct store *s, const char *brn, int scopes, const char *updated_at,
                      struct dure_err *err)
{
    DISPATCH(consent_put, brn, scopes, updated_at, err);
}
int store_data_use_add(struct store *s, const struct data_use *u, struct dure_err *err)
{
    DISPATCH(data_use_add, u, err);
}
int store_data_use_list(struct store *s, const char *brn, struct data_use **items, size_t *n,
                        struct dure_err *err)
{
    DISPATCH(data_use_list, brn, items, n, err);
}
int store_rollup_refresh(struct store *s, const char *firm, struct dure_err *err)
{
    DISPATCH(rollup_refresh, firm, err);
}
int store_rollup_list(struct store *s, const char *firm, struct firm_month **items, size_t *n,
                      struct dure_err *err)
{
    DISPATCH(rollup_list, firm, items, n, err);
}
int store_event_secret_put(struct store *s, int64_t seq, const char *brn, const char *json,
                           struct dure_err *err)
{
    DISPATCH(event_secret_put, seq, brn, json, err);
}

void store_invoices_free(struct pool_invoice *items, size_t n)
{
    /* Invoices and their items share one block (see the drivers' invoice_list). */
    (void)n;
    free(items);
}

/* Tree nodes cached per connection (struct store_tlog_cache).
 *
 * Appending leaf i reads the left siblings of its new nodes, which are the newest node of
 * their level: the node this connection wrote there an append earlier, in the same or an
 * earlier transaction. The frontier, the newest (level, index) of every level, makes those
 * reads free (about one statement per append). A proof reads O(log n) nodes, the upper ones
 * shared by every proof; on a log of millions of leaves each is a B-tree descent into pages
 * that are mostly not in SQLite's cache. The upper table keeps up to 32768 nodes of level 8
 * and above that this connection read or wrote, a higher level displacing a lower one (on a
 * log of 10 million leaves, about every node from level 10 up), so that a proof reads only
 * its lower levels from the database: about 10 nodes instead of 30 at that size.
 *
 * Why a cached node is always right: a node of the tree is a complete subtree, which never
 * changes once committed, and a hit needs the exact (level, index). What this connection read
 * from the database is committed, or its own transaction's write; what it wrote is final once
 * its transaction commits, and until then only this connection sees it. A rollback or a
 * failed commit forgets every cached node, so a rolled-back node is never served. Other
 * writers (another process on the SQLite file, another server on the PostgreSQL database,
 * serialised by its advisory lock) only add nodes at new indices: when they grew the tree,
 * the frontier misses and the database is read. Rows changed behind dure's back (tampering)
 * are not seen by a connection that cached them before: `dure ledger verify` runs on a fresh
 * connection and reads each node from the database once. */
static void tlog_cache_clear(struct store *s)
{
    s->tlog.frontier_valid = 0;
    /* A new generation empties the upper table without touching it. */
    if (++s->tlog.gen == 0) {
        if (s->tlog.upper != NULL)
            memset(s->tlog.upper, 0, STORE_TLOG_UPPER_SLOTS * sizeof(*s->tlog.upper));
        s->tlog.gen = 1;
    }
}

static struct store_tlog_slot *upper_slot(struct store *s, uint64_t level, uint64_t index)
{
    uint64_t h = (index ^ (level << 57)) * UINT64_C(0x9E3779B97F4A7C15);
    return &s->tlog.upper[h >> (64 - STORE_TLOG_UPPER_BITS)];
}

static int tlog_cache_get(struct store *s, uint64_t level, uint64_t index, uint8_t hash[32])
{
    if (level >= 64)
        return 0;
    if ((s->tlog.frontier_valid >> level & 1) != 0 && s->tlog.frontier_index[level] == index) {
        memcpy(hash, s->tlog.frontier_hash[level], 32);
        return 1;
    }
    if (level >= STORE_TLOG_UPPER_LEVEL && s->tlog.upper != NULL) {
        const struct store_tlog_slot *e = upper_slot(s, level, index);
        if (e->gen == s->tlog.gen && e->level == level && e->index == index) {
            memcpy(hash, e->hash, 32);
            return 1;
        }
    }
    return 0;
}

static void tlog_cache_put(struct store *s, uint64_t level, uint64_t index, const uint8_t hash[32])
{
    if (level >= 64)
        return;
    /* The newest node of its level (nodes are written and read mostly in index order). */
    if ((s->tlog.frontier_valid >> level & 1) == 0 || index >= s->tlog.frontier_index[level]) {
        s->tlog.frontier_index[level] = index;
        memcpy(s->tlog.frontier_hash[level], hash, 32);
        s->tlog.frontier_valid |= (uint64_t)1 << level;
    }
    if (level < STORE_TLOG_UPPER_LEVEL)
        return;
    if (s->tlog.upper == NULL) {
        /* Without the table, nothing but speed is lost. */
        s->tlog.upper = calloc(STORE_TLOG_UPPER_SLOTS, sizeof(*s->tlog.upper));
        if (s->tlog.upper == NULL)
            return;
        if (s->tlog.gen == 0)
            s->tlog.gen = 1;
    }
    struct store_tlog_slot *e = upper_slot(s, level, index);
    if (e->gen != s->tlog.gen || e->level <= level) {
        e->index = index;
        e->level = (uint32_t)level;
        e->gen = s->tlog.gen;
        memcpy(e->hash, hash, 32);
    }
}

int store_tlog_node_put(struct store *s, uint64_t level, uint64_t index, const uint8_t hash[32],
                        struct dure_err *err)
{
    NEED_OP(tlog_node_put);
    int rc = s->ops->tlog_node_put(s, level, index, hash, err);
    if (rc == 0)
        tlog_cache_put(s, level, index, hash);
    return rc;
}

int store_tlog_node_get(struct store *s, uint64_t level, uint64_t index, uint8_t hash[32],
                        struct dure_err *err)
{
    if (tlog_cache_get(s, level, index, hash))
        return 0;
    NEED_OP(tlog_node_get);
    int rc = s->ops->tlog_node_get(s, level, index, hash, err);
    if (rc == 0)
        tlog_cache_put(s, level, index, hash);
    return rc;
}

int store_tlog_leaf_find(struct store *s, const uint8_t hash[32], int64_t *index,
                         struct dure_err *err)
{
    DISPATCH(tlog_leaf_find, hash, index, err);
}
int store_event_scan(struct store *s, int64_t start, int64_t end, store_event_fn fn, void *ctx,
                     struct dure_err *err)
{
    DISPATCH(event_scan, start, end, fn, ctx, err);
}
int store_checkpoint_put(struct store *s, int64_t size, const char *note, const char *created_at,
                         struct dure_err *err)
{
    DISPATCH(checkpoint_put, size, note, created_at, err);
}
int store_checkpoint_latest(struct store *s, int64_t *size, char **note, struct dure_err *err)
{
    DISPATCH(checkpoint_latest, size, note, err);
}
int store_checkpoint_get(struct store *s, int64_t size, char **note, struct dure_err *err)
{
    DISPATCH(checkpoint_get, size, note, err);
}
int store_witness_put(struct store *s, const char *name, const char *vkey, struct dure_err *err)
{
    DISPATCH(witness_put, name, vkey, err);
}
int store_witness_list(struct store *s, char ***names, char ***vkeys, size_t *n,
                       struct dure_err *err)
{
    DISPATCH(witness_list, names, vkeys, n, err);
}
int store_cosignature_put(struct store *s, int64_t size, const char *witness, const char *line,
                          struct dure_err *err)
{
    DISPATCH(cosignature_put, size, witness, line, err);
}
int store_cosignature_list(struct store *s, int64_t size, char ***lines, size_t *n,
                           struct dure_err *err)
{
    DISPATCH(cosignature_list, size, lines, n, err);
}
int store_event_secret_get(struct store *s, int64_t seq, char brn[BRN_SIZE], char **json,
                           struct dure_err *err)
{
    DISPATCH(event_secret_get, seq, brn, json, err);
}

void store_strings_free(char **strings, size_t n)
{
    if (strings == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(strings[i]);
    free(strings);
}

/* ---- whole tables ---- */

/* Foreign keys point up this list: buildings <- firms <- members, user_firms, tokens, kpis,
 * consents, uploads; users <- user_firms, tokens, sessions; uploads <- invoices, kpis. */
static const struct store_table tables[] = {
    {"buildings", "id"},
    {"firms", "brn"},
    {"members", "brn"},
    {"users", "id"},
    {"user_firms", "user_id, brn"},
    {"tokens", "id"},
    {"sessions", "hash"},
    {"events", "seq"},
    {"uploads", "id"},
    {"invoices", "id"},
    {"invoice_items", "invoice_id, line"},
    {"kpis", "brn, month"},
    {"consents", "brn"},
    {"data_uses", "id"},
    {"firm_months", "brn, month"},
    {"event_secrets", "seq"},
    {"tlog_nodes", "level, idx"},
    {"checkpoints", "size"},
    {"witnesses", "name"},
    {"cosignatures", "size, witness"},
};

const struct store_table *store_tables(size_t *n)
{
    *n = sizeof(tables) / sizeof(tables[0]);
    return tables;
}

/* The entry of store_tables named name, or NULL: only these names ever reach a driver's SQL. */
static const struct store_table *table_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof(tables) / sizeof(tables[0]); i++)
        if (strcmp(tables[i].name, name) == 0)
            return &tables[i];
    return NULL;
}

/* A column name a driver may quote into SQL: [a-z_][a-z0-9_]*, at most 63 bytes. */
static int column_ok(const char *c)
{
    size_t n = 0;
    if (c == NULL || !((c[0] >= 'a' && c[0] <= 'z') || c[0] == '_'))
        return 0;
    for (; c[n] != '\0'; n++)
        if (!((c[n] >= 'a' && c[n] <= 'z') || (c[n] >= '0' && c[n] <= '9') || c[n] == '_'))
            return 0;
    return n <= 63;
}

#define NEED_TABLE(name)                                                                           \
    do {                                                                                           \
        if (table_find(name) == NULL)                                                              \
            return dure_err_set(err, DURE_EINVAL, "no table %s to copy", (name) ? (name) : "");  \
    } while (0)

int store_table_count(struct store *s, const char *table, int64_t *n, struct dure_err *err)
{
    NEED_TABLE(table);
    DISPATCH(table_count, table, n, err);
}

int store_table_dump(struct store *s, const char *table, store_row_fn fn, void *ctx,
                     struct dure_err *err)
{
    NEED_TABLE(table);
    DISPATCH(table_dump, table, table_find(table)->key, fn, ctx, err);
}

int store_table_names(struct store *s, char ***names, size_t *n, struct dure_err *err)
{
    *names = NULL;
    *n = 0;
    DISPATCH(table_names, names, n, err);
}

struct copy_ctx {
    struct store *to;
    const char *table;
    store_copy_progress_fn progress;
    void *progress_ctx;
    int loading;
    int64_t rows;
    struct dure_err *err;
};

/* One dumped row into the loader, which starts with the first row's column names. */
static int copy_row(void *vctx, size_t ncols, const char *const *columns,
                    const struct store_value *values)
{
    struct copy_ctx *c = vctx;
    int rc = 0;
    if (!c->loading) {
        if (ncols == 0 || ncols > STORE_COLUMNS_MAX)
            return dure_err_set(c->err, DURE_EINVAL, "%s: %zu columns", c->table, ncols);
        for (size_t i = 0; i < ncols; i++)
            if (!column_ok(columns[i]))
                return dure_err_set(c->err, DURE_EINVAL, "%s: a column has an unusual name",
                                    c->table);
        rc = c->to->ops->table_load_begin(c->to, c->table, ncols, columns, c->err);
        if (rc != 0)
            return rc;
        c->loading = 1;
    }
    rc = c->to->ops->table_load_row(c->to, values, c->err);
    if (rc == 0 && ++c->rows % STORE_COPY_PROGRESS_ROWS == 0 && c->progress != NULL)
        c->progress(c->progress_ctx, c->table, c->rows);
    return rc;
}

int store_table_copy(struct store *from, struct store *to, const char *table,
                     store_copy_progress_fn progress, void *ctx, int64_t *rows,
                     struct dure_err *err)
{
    struct copy_ctx c = {to, table, progress, ctx, 0, 0, err};
    *rows = 0;
    NEED_TABLE(table);
    /* The loaded rows (tlog_nodes among them) bypass store_tlog_node_put. */
    tlog_cache_clear(to);
    if (to->ops->table_load_begin == NULL || to->ops->table_load_row == NULL ||
        to->ops->table_load_end == NULL)
        return dure_err_set(err, DURE_EUNAVAILABLE, "the %s store cannot load tables",
                            to->ops->name);
    int rc = store_table_dump(from, table, copy_row, &c, err);
    if (c.loading) {
        struct dure_err ignored;
        int end = to->ops->table_load_end(to, rc != 0, rc != 0 ? &ignored : err);
        if (rc == 0)
            rc = end;
    }
    if (rc == 0)
        *rows = c.rows;
    return rc;
}
