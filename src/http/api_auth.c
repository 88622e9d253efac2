/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP face of auth: password login into a session cookie, logout, and who the caller is. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "app/auth.h"
#include "http/router.h"

#define SESSION_COOKIE "dure_session"
#define COOKIE_ATTRS "HttpOnly; SameSite=Strict; Path=/"
#define PASSWORD_MAX 1024

static void firms_json(struct http_jw *w, const struct principal *p)
{
    http_jw_arr(w);
    for (size_t i = 0; i < p->nfirms; i++)
        http_jw_str(w, p->firms[i]);
    http_jw_arr_end(w);
}

/* POST /api/v1/session {"username","password"} -> 201 and the session cookie. */
void api_auth_session_create(struct http_req *req)
{
    json_t *body = NULL;
    char username[64] = "";
    char password[PASSWORD_MAX + 1] = "";
    char session[AUTH_TOKEN_SIZE] = "";
    char cookie[AUTH_TOKEN_SIZE + 96];
    struct principal who;
    struct dure_err err;
    struct http_jw w;

    http_jw_init(&w, HTTP_JSON_LIMIT);
    const struct http_field fields[] = {
        {"username", HTTP_FIELD_STR, 1, 0, username, sizeof(username), 0, 0, NULL},
        {"password", HTTP_FIELD_STR, 1, 0, password, sizeof(password), 0, 0, NULL},
    };
    if (http_body_json(req, &body) != 0 ||
        http_json_fields(req, body, fields, sizeof(fields) / sizeof(fields[0])) != 0)
        goto out;
    if (auth_login(req->app, username, password, session, &who, &err) != 0) {
        http_reply_err(req, &err);
        goto out;
    }
    http_jw_obj(&w);
    http_jw_key(&w, "user");
    http_jw_str(&w, username);
    http_jw_key(&w, "role");
    http_jw_str(&w, auth_role_name(who.role));
    http_jw_key(&w, "firms");
    firms_json(&w, &who);
    http_jw_obj_end(&w);
    http_reply_jw(req, 201, &w);
    snprintf(cookie, sizeof(cookie), SESSION_COOKIE "=%s; " COOKIE_ATTRS "; Max-Age=%d", session,
             AUTH_SESSION_TTL_S);
    http_reply_header(req, "Set-Cookie", cookie);
    http_reply_header(req, "Cache-Control", "no-store");
    /* The principal now acts for this request's log line. */
    req->who = who;
out:
    /* The password also sits in the raw body and the parsed JSON; both are wiped or freed. */
    if (body != NULL) {
        json_t *pw = json_object_get(body, "password");
        if (json_is_string(pw))
            sodium_memzero((char *)json_string_value(pw), json_string_length(pw));
    }
    json_decref(body);
    if (req->body.data != NULL)
        sodium_memzero(req->body.data, req->body.len);
    sodium_memzero(password, sizeof(password));
    sodium_memzero(session, sizeof(session));
    sodium_memzero(cookie, sizeof(cookie));
    http_jw_cleanup(&w);
}

/* DELETE /api/v1/session -> 204 and the cookie cleared; idempotent. */
void api_auth_session_delete(struct http_req *req)
{
    struct dure_err err;
    const char *session = http_cookie(req, SESSION_COOKIE);

    if (session != NULL && session[0] != '\0' && strlen(session) < AUTH_TOKEN_SIZE + 16 &&
        auth_logout(req->app, session, &err) != 0 && err.code != DURE_ENOTFOUND) {
        http_reply_err(req, &err);
        return;
    }
    http_reply_empty(req, 204);
    http_reply_header(req, "Set-Cookie", SESSION_COOKIE "=; " COOKIE_ATTRS "; Max-Age=0");
}

/* GET /api/v1/me -> the caller: role, actor and the firms it acts for. */
void api_auth_me(struct http_req *req)
{
    const struct principal *p = http_principal(req);
    struct http_jw w;

    http_jw_init(&w, HTTP_JSON_LIMIT);
    http_jw_obj(&w);
    http_jw_key(&w, "role");
    http_jw_str(&w, auth_role_name(p->role));
    http_jw_key(&w, "actor");
    http_jw_str(&w, p->actor);
    http_jw_key(&w, "user_id");
    if (p->user_id > 0)
        http_jw_i64(&w, p->user_id);
    else
        http_jw_null(&w);
    http_jw_key(&w, "token_id");
    if (p->token_id > 0)
        http_jw_i64(&w, p->token_id);
    else
        http_jw_null(&w);
    http_jw_key(&w, "firms");
    firms_json(&w, p);
    http_jw_obj_end(&w);
    http_reply_jw(req, 200, &w);
    http_reply_header(req, "Cache-Control", "no-store");
    http_jw_cleanup(&w);
}
