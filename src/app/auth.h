/* SPDX-License-Identifier: Apache-2.0 */
/* Users, tokens and sessions: who is calling and for which firms. Tokens and session ids are
 * random (libsodium), shown once, and stored only as SHA-256 hashes; passwords as Argon2id. */
#ifndef DURE_APP_AUTH_H
#define DURE_APP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "core/brn.h"

enum dure_role {
    DURE_ROLE_ADMIN = 1 << 0,
    DURE_ROLE_MEMBER = 1 << 1,
    DURE_ROLE_SUPPLIER = 1 << 2,
    DURE_ROLE_WITNESS = 1 << 3,
};
#define DURE_ROLES_ANY (DURE_ROLE_ADMIN | DURE_ROLE_MEMBER | DURE_ROLE_SUPPLIER | DURE_ROLE_WITNESS)

#define AUTH_MAX_FIRMS 64
#define AUTH_TOKEN_SIZE 64   /* "dure_" + 43 base64url chars + NUL, with room */
#define AUTH_SESSION_TTL_S (12 * 3600)

/* The caller of a request or command. */
struct principal {
    int authenticated;      /* 0 = public */
    int role;               /* one enum dure_role bit */
    int64_t user_id;        /* 0 when the token has no user */
    int64_t token_id;       /* 0 for sessions and the local CLI */
    char actor[80];         /* for events: "token:12", "user:alice", "cli" */
    char firms[AUTH_MAX_FIRMS][BRN_SIZE];
    size_t nfirms;
};

/* "admin", "member", "supplier", "witness" and back; parse returns 0 when unknown. */
const char *auth_role_name(int role);
int auth_role_parse(const char *name);

/* The local operator of the command line: an admin acting as "cli". */
void auth_principal_cli(struct principal *p);

/* 1 when p is an admin or acts for brn. */
int auth_can_act_for(const struct principal *p, const char *brn);

/* Resolve a bearer token / session id into a principal. DURE_EUNAUTH when unknown or revoked
 * or expired (the message never echoes the secret). */
int auth_token_resolve(struct app *app, const char *token, struct principal *out,
                       struct dure_err *err);
int auth_session_resolve(struct app *app, const char *session_id, struct principal *out,
                         struct dure_err *err);

/* Add a user with a password (hashed with Argon2id) and role, acting for nfirms firms (each
 * must exist). Records an event. *user_id (OUT, may be NULL). */
int auth_user_add(struct app *app, const struct principal *actor, const char *username,
                  const char *password, int role, const char (*firms)[BRN_SIZE], size_t nfirms,
                  int64_t *user_id, struct dure_err *err);

/* Create a token with role, optionally tied to a user (username may be NULL) and a firm
 * (firm may be NULL or ""; must exist). The secret is written to token_out (OUT) once and
 * only its hash is stored. Records an event. */
int auth_token_create(struct app *app, const struct principal *actor, int role,
                      const char *username, const char *firm, const char *label,
                      char token_out[AUTH_TOKEN_SIZE], int64_t *token_id, struct dure_err *err);

/* Revoke token id. Records an event. DURE_ENOTFOUND when absent. */
int auth_token_revoke(struct app *app, const struct principal *actor, int64_t token_id,
                      struct dure_err *err);

/* List tokens (never their secrets). *items owned. */
int auth_token_list(struct app *app, struct token **items, size_t *n, struct dure_err *err);

/* Password login: a new session id (OUT, shown once) valid for AUTH_SESSION_TTL_S.
 * DURE_EUNAUTH on a wrong user or password (the same message for both). */
int auth_login(struct app *app, const char *username, const char *password,
               char session_out[AUTH_TOKEN_SIZE], struct principal *who, struct dure_err *err);

/* End a session. */
int auth_logout(struct app *app, const char *session_id, struct dure_err *err);

#endif
