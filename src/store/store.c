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
    if (s != NULL)
        s->ops->close(s);
}

const char *store_driver_name(const struct store *s)
{
    return s->ops->name;
}

#define DISPATCH(fn, ...)                                                                          \
    return s->ops->fn != NULL                                                                      \
               ? s->ops->fn(s, __VA_ARGS__)                                                        \
               : dure_err_set(err, DURE_EUNAVAILABLE, "the %s store cannot " #fn " yet",           \
                              s->ops->name)

int store_migrate(struct store *s, struct dure_err *err) { DISPATCH(migrate, err); }
int store_schema_version(struct store *s, int *version, int *latest, struct dure_err *err)
{
    DISPATCH(schema_version, version, latest, err);
}
int store_begin(struct store *s, struct dure_err *err) { DISPATCH(begin, err); }
int store_commit(struct store *s, struct dure_err *err) { DISPATCH(commit, err); }
void store_rollback(struct store *s) { s->ops->rollback(s); }
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

int store_tlog_node_put(struct store *s, uint64_t level, uint64_t index, const uint8_t hash[32],
                        struct dure_err *err)
{
    DISPATCH(tlog_node_put, level, index, hash, err);
}
int store_tlog_node_get(struct store *s, uint64_t level, uint64_t index, uint8_t hash[32],
                        struct dure_err *err)
{
    DISPATCH(tlog_node_get, level, index, hash, err);
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
    {"invoices", "approval_no"},
    {"invoice_items", "approval_no, line"},
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
