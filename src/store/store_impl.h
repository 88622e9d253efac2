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
};

struct store {
    const struct store_ops *ops;
};

/* Driver constructors. */
int store__sqlite_open(const char *path, struct store **out, struct dure_err *err);

#endif
