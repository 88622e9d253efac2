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

#include "core/registry.h"
#include "util/err.h"

struct store;

/* Open the database named by url: a file path (SQLite, created if missing) or, once that
 * driver lands, postgres://... Does not migrate. *out is owned; close with store_close. */
int store_open(const char *url, struct store **out, struct dure_err *err);

/* Close; s may be NULL. A transaction still open is rolled back. */
void store_close(struct store *s);

/* Apply every numbered migration not yet applied, each in its own transaction. Refuses a
 * database whose schema is newer than this binary knows (DURE_ECONFLICT). */
int store_migrate(struct store *s, struct dure_err *err);

/* Current schema version (OUT) and the newest this binary knows (return value via *latest). */
int store_schema_version(struct store *s, int *version, int *latest, struct dure_err *err);

/* Write transactions. store_begin fails with DURE_ECONFLICT if one is already open. */
int store_begin(struct store *s, struct dure_err *err);
int store_commit(struct store *s, struct dure_err *err);
/* Roll back if a transaction is open; never fails visibly. */
void store_rollback(struct store *s);

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

/* ---- figures for the front page ---- */
struct store_summary {
    int64_t buildings, centres, firms, firms_in_centres, employees, members;
};
int store_summary(struct store *s, struct store_summary *out, struct dure_err *err);

#endif
