/* SPDX-License-Identifier: Apache-2.0 */
/* Driver selection and dispatch of the store interface. */
#include "store/store.h"

#include <string.h>

#include "store/store_impl.h"

int store_open(const char *url, struct store **out, struct dure_err *err)
{
    *out = NULL;
    if (url == NULL || url[0] == '\0')
        return dure_err_set(err, DURE_EINVAL, "no database given (--db PATH or $DURE_DB)");
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
        return dure_err_set(err, DURE_EUNAVAILABLE,
                            "this build has no PostgreSQL driver yet; use a file path");
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

#define DISPATCH(fn, ...) return s->ops->fn(s, __VA_ARGS__)

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
