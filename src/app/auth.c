/* SPDX-License-Identifier: Apache-2.0 */
/* Users, tokens and sessions. Secrets are shown once and stored only as SHA-256 hashes;
 * passwords as Argon2id strings. */
#include "app/auth.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app/events.h"
#include "util/str.h"

#define AUTH_SECRET_BYTES 32
#define AUTH_PASSWORD_MIN 8
#define AUTH_PASSWORD_MAX 256

static const struct {
    int role;
    const char *name;
} role_names[] = {
    {DURE_ROLE_ADMIN, "admin"},
    {DURE_ROLE_MEMBER, "member"},
    {DURE_ROLE_SUPPLIER, "supplier"},
    {DURE_ROLE_WITNESS, "witness"},
};

const char *auth_role_name(int role)
{
    for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
        if (role_names[i].role == role)
            return role_names[i].name;
    return "unknown";
}

int auth_role_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
        if (strcmp(role_names[i].name, name) == 0)
            return role_names[i].role;
    return 0;
}

void auth_principal_cli(struct principal *p)
{
    memset(p, 0, sizeof(*p));
    p->authenticated = 1;
    p->role = DURE_ROLE_ADMIN;
    str_copy(p->actor, "cli", sizeof(p->actor));
}

int auth_can_act_for(const struct principal *p, const char *brn)
{
    if (!p->authenticated)
        return 0;
    if (p->role == DURE_ROLE_ADMIN)
        return 1;
    for (size_t i = 0; i < p->nfirms; i++)
        if (strcmp(p->firms[i], brn) == 0)
            return 1;
    return 0;
}

/* Hex SHA-256 of a secret. */
static void secret_hash(const char *secret, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)secret, strlen(secret));
    str_hex(out, h, sizeof(h));
}

/* A fresh random secret "dure_<base64url>". */
static void secret_new(char out[AUTH_TOKEN_SIZE])
{
    unsigned char raw[AUTH_SECRET_BYTES];
    char b64[sodium_base64_ENCODED_LEN(AUTH_SECRET_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, AUTH_TOKEN_SIZE, "dure_%s", b64);
    sodium_memzero(raw, sizeof(raw));
}

static void add_firm(struct principal *p, const char *brn)
{
    if (brn[0] == '\0' || p->nfirms >= AUTH_MAX_FIRMS)
        return;
    for (size_t i = 0; i < p->nfirms; i++)
        if (strcmp(p->firms[i], brn) == 0)
            return;
    str_copy(p->firms[p->nfirms++], brn, BRN_SIZE);
}

static int load_user_firms(struct store *s, struct principal *p, int64_t user_id,
                           struct dure_err *err)
{
    char brns[AUTH_MAX_FIRMS][BRN_SIZE];
    size_t n = 0;
    int rc = store_user_firms(s, user_id, brns, AUTH_MAX_FIRMS, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        add_firm(p, brns[i]);
    return rc;
}

int auth_token_resolve(struct app *app, const char *token, struct principal *out,
                       struct dure_err *err)
{
    struct store *s = NULL;
    struct token t;
    char hash[65];
    memset(out, 0, sizeof(*out));
    int rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    if (strlen(token) >= AUTH_TOKEN_SIZE + 16)
        return dure_err_set(err, DURE_EUNAUTH, "invalid or revoked token");
    secret_hash(token, hash);
    rc = store_token_find(s, hash, &t, err);
    if (rc == DURE_ENOTFOUND)
        return dure_err_set(err, DURE_EUNAUTH, "invalid or revoked token");
    if (rc != 0)
        return rc;
    out->authenticated = 1;
    out->role = t.role;
    out->user_id = t.user_id;
    out->token_id = t.id;
    snprintf(out->actor, sizeof(out->actor), "token:%lld", (long long)t.id);
    add_firm(out, t.firm);
    if (t.user_id > 0)
        rc = load_user_firms(s, out, t.user_id, err);
    return rc;
}

int auth_session_resolve(struct app *app, const char *session_id, struct principal *out,
                         struct dure_err *err)
{
    struct store *s = NULL;
    struct session se;
    struct user u;
    char hash[65];
    memset(out, 0, sizeof(*out));
    int rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    if (strlen(session_id) >= AUTH_TOKEN_SIZE + 16)
        return dure_err_set(err, DURE_EUNAUTH, "session expired or unknown; log in again");
    secret_hash(session_id, hash);
    rc = store_session_find(s, hash, &se, err);
    if (rc == 0 && se.expires_unix < (int64_t)time(NULL))
        rc = DURE_ENOTFOUND;
    if (rc == DURE_ENOTFOUND)
        return dure_err_set(err, DURE_EUNAUTH, "session expired or unknown; log in again");
    if (rc != 0)
        return rc;
    rc = store_user_get(s, se.user_id, &u, err);
    if (rc != 0)
        return rc == DURE_ENOTFOUND ? dure_err_set(err, DURE_EUNAUTH, "unknown user") : rc;
    out->authenticated = 1;
    out->role = u.role;
    out->user_id = u.id;
    snprintf(out->actor, sizeof(out->actor), "user:%s", u.username);
    return load_user_firms(s, out, u.id, err);
}

static int valid_username(const char *u)
{
    size_t n = strlen(u);
    if (n < 2 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = u[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@'))
            return 0;
    }
    return 1;
}

int auth_user_add(struct app *app, const struct principal *actor, const char *username,
                  const char *password, int role, const char (*firms)[BRN_SIZE], size_t nfirms,
                  int64_t *user_id, struct dure_err *err)
{
    struct store *s = NULL;
    struct user u;
    int rc = 0;
    json_t *fl = NULL;
    memset(&u, 0, sizeof(u));
    if (!valid_username(username))
        return dure_err_set(err, DURE_EINVAL,
                            "username: 2-63 characters of letters, digits and . _ - @");
    size_t plen = strlen(password);
    if (plen < AUTH_PASSWORD_MIN || plen > AUTH_PASSWORD_MAX)
        return dure_err_set(err, DURE_EINVAL, "password: %d to %d characters",
                            AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
    if (auth_role_name(role)[0] == 'u')
        return dure_err_set(err, DURE_EINVAL, "role: one of admin, member, supplier, witness");
    str_copy(u.username, username, sizeof(u.username));
    u.role = role;
    str_now_rfc3339(u.created_at, sizeof(u.created_at));
    if (crypto_pwhash_str(u.password_hash, password, plen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return dure_err_set(err, DURE_ENOMEM, "password hashing ran out of memory");
    rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    rc = store_begin(s, err);
    if (rc != 0)
        return rc;
    rc = store_user_create(s, &u, err);
    if (rc == DURE_ECONFLICT)
        dure_err_set(err, DURE_ECONFLICT, "user %s already exists", username);
    fl = json_array();
    for (size_t i = 0; rc == 0 && i < nfirms; i++) {
        struct firm f;
        rc = store_firm_get(s, firms[i], &f, err);
        if (rc == DURE_ENOTFOUND)
            dure_err_set(err, DURE_ENOTFOUND, "firm %s is not registered", firms[i]);
        if (rc == 0)
            rc = store_user_firm_add(s, u.id, firms[i], err);
        if (rc == 0)
            json_array_append_new(fl, json_string(firms[i]));
    }
    if (rc == 0) {
        /* Which firms a user acts for is the member's business: a public leaf carries only a
         * commitment to it (opened by the member's receipt). */
        char subject[96];
        snprintf(subject, sizeof(subject), "user:%lld", (long long)u.id);
        if (nfirms > 0)
            rc = events_record_private(s, actor, "user.added", subject, firms[0],
                                       json_pack("{s:s, s:s, s:O}", "username", username, "role",
                                                 auth_role_name(role), "firms", fl),
                                       json_pack("{s:s}", "role", auth_role_name(role)), NULL,
                                       err);
        else
            rc = events_record(s, actor, "user.added", subject,
                               json_pack("{s:s}", "role", auth_role_name(role)), err);
    }
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc != 0)
        store_rollback(s);
    else if (user_id != NULL)
        *user_id = u.id;
    json_decref(fl);
    sodium_memzero(u.password_hash, sizeof(u.password_hash));
    return rc;
}

int auth_token_create(struct app *app, const struct principal *actor, int role,
                      const char *username, const char *firm, const char *label,
                      char token_out[AUTH_TOKEN_SIZE], int64_t *token_id, struct dure_err *err)
{
    struct store *s = NULL;
    struct token t;
    char secret[AUTH_TOKEN_SIZE];
    int rc = 0;
    memset(&t, 0, sizeof(t));
    if (auth_role_name(role)[0] == 'u')
        return dure_err_set(err, DURE_EINVAL, "role: one of admin, member, supplier, witness");
    if (firm != NULL && firm[0] != '\0') {
        rc = brn_parse(firm, t.firm, err);
        if (rc != 0)
            return rc;
    }
    if (role == DURE_ROLE_MEMBER && t.firm[0] == '\0' && username == NULL)
        return dure_err_set(err, DURE_EINVAL, "a member token needs --firm BRN or --user NAME");
    rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    rc = store_begin(s, err);
    if (rc != 0)
        return rc;
    if (username != NULL) {
        struct user u;
        rc = store_user_get_by_name(s, username, &u, err);
        if (rc == DURE_ENOTFOUND)
            dure_err_set(err, DURE_ENOTFOUND, "no user %s", username);
        t.user_id = u.id;
    }
    if (rc == 0 && t.firm[0] != '\0') {
        struct firm f;
        rc = store_firm_get(s, t.firm, &f, err);
        if (rc == DURE_ENOTFOUND)
            dure_err_set(err, DURE_ENOTFOUND, "firm %s is not registered", t.firm);
    }
    secret_new(secret);
    secret_hash(secret, t.hash);
    t.role = role;
    str_copy(t.label, label != NULL ? label : "", sizeof(t.label));
    str_now_rfc3339(t.created_at, sizeof(t.created_at));
    if (rc == 0)
        rc = store_token_create(s, &t, err);
    if (rc == 0) {
        char subject[48];
        snprintf(subject, sizeof(subject), "token:%lld", (long long)t.id);
        /* The leaf says a token of that role exists; the firm it acts for stays behind a
         * commitment. */
        if (t.firm[0] != '\0')
            rc = events_record_private(s, actor, "token.created", subject, t.firm,
                                       json_pack("{s:s, s:s}", "role", auth_role_name(role),
                                                 "firm", t.firm),
                                       json_pack("{s:s}", "role", auth_role_name(role)), NULL,
                                       err);
        else
            rc = events_record(s, actor, "token.created", subject,
                               json_pack("{s:s}", "role", auth_role_name(role)), err);
    }
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc != 0) {
        store_rollback(s);
    } else {
        memcpy(token_out, secret, AUTH_TOKEN_SIZE);
        if (token_id != NULL)
            *token_id = t.id;
    }
    sodium_memzero(secret, sizeof(secret));
    return rc;
}

int auth_token_revoke(struct app *app, const struct principal *actor, int64_t token_id,
                      struct dure_err *err)
{
    struct store *s = NULL;
    int rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    rc = store_begin(s, err);
    if (rc != 0)
        return rc;
    rc = store_token_revoke(s, token_id, err);
    if (rc == 0) {
        char subject[48];
        snprintf(subject, sizeof(subject), "token:%lld", (long long)token_id);
        rc = events_record(s, actor, "token.revoked", subject, NULL, err);
    }
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc != 0)
        store_rollback(s);
    return rc;
}

int auth_token_list(struct app *app, struct token **items, size_t *n, struct dure_err *err)
{
    struct store *s = NULL;
    int rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    return store_token_list(s, items, n, err);
}

int auth_login(struct app *app, const char *username, const char *password,
               char session_out[AUTH_TOKEN_SIZE], struct principal *who, struct dure_err *err)
{
    struct store *s = NULL;
    struct user u;
    struct session se;
    char secret[AUTH_TOKEN_SIZE];
    int rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    rc = store_user_get_by_name(s, username, &u, err);
    if (rc == DURE_ENOTFOUND || (rc == 0 && crypto_pwhash_str_verify(u.password_hash, password,
                                                                    strlen(password)) != 0))
        return dure_err_set(err, DURE_EUNAUTH, "wrong username or password");
    if (rc != 0)
        return rc;
    secret_new(secret);
    memset(&se, 0, sizeof(se));
    secret_hash(secret, se.hash);
    se.user_id = u.id;
    se.expires_unix = (int64_t)time(NULL) + AUTH_SESSION_TTL_S;
    rc = store_session_create(s, &se, err);
    if (rc == 0)
        rc = auth_session_resolve(app, secret, who, err);
    if (rc == 0)
        memcpy(session_out, secret, AUTH_TOKEN_SIZE);
    sodium_memzero(secret, sizeof(secret));
    return rc;
}

int auth_logout(struct app *app, const char *session_id, struct dure_err *err)
{
    struct store *s = NULL;
    char hash[65];
    int rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    secret_hash(session_id, hash);
    return store_session_delete(s, hash, err);
}
