/* SPDX-License-Identifier: Apache-2.0 */
/* The route table (the index of the whole HTTP API), matching, authentication and the request
 * and response helpers of router.h. */
#include "http/router.h"

#include <inttypes.h>
#include <math.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http/server.h"
#include "util/str.h"

#define PUBLIC 0
#define ADMIN DURE_ROLE_ADMIN
#define ANY_ROLE DURE_ROLES_ANY
/* Admins and members: the use case then checks that a member acts for the firm concerned. */
#define ADMIN_MEMBER (DURE_ROLE_ADMIN | DURE_ROLE_MEMBER)

/* Credentials are not looked at: the static pages and probes, and the session endpoints,
 * which must work with a stale cookie. */
#define NOAUTH 1
/* The body is streamed to a temporary file (HTTP_BODY_FILE) up to the server's max_file_bytes,
 * and the caller is admitted (401/403) before any of it is stored. */
#define BODY_FILE 2

#define PROBLEM_BASE "https://dure.coop/problems/"
#define TOKEN_MAX 256 /* longer bearer tokens are rejected without a look-up */
#define FIELD_ERRORS_MAX 16

struct route {
    const char *method;
    const char *pattern; /* literal segments, {name} for one segment, {name...} for the rest */
    int roles;           /* enum dure_role bits allowed; 0 = public */
    int flags;
    http_handler fn;
};

/* Every endpoint of the server. Keep docs/openapi.yaml in step with this table. */
static const struct route routes[] = {
    {"GET", "/", PUBLIC, NOAUTH, api_system_index},
    {"GET", "/static/{path...}", PUBLIC, NOAUTH, api_system_static},
    {"GET", "/healthz", PUBLIC, NOAUTH, api_system_healthz},
    {"GET", "/metrics", PUBLIC, NOAUTH, api_system_metrics},

    {"POST", "/api/v1/session", PUBLIC, NOAUTH, api_auth_session_create},
    {"DELETE", "/api/v1/session", PUBLIC, NOAUTH, api_auth_session_delete},
    {"GET", "/api/v1/me", ANY_ROLE, 0, api_auth_me},

    {"GET", "/api/v1/buildings", PUBLIC, 0, api_registry_building_list},
    {"POST", "/api/v1/buildings", ADMIN, 0, api_registry_building_create},
    {"GET", "/api/v1/buildings/{id}", PUBLIC, 0, api_registry_building_get},
    {"PUT", "/api/v1/buildings/{id}", ADMIN, 0, api_registry_building_update},
    {"DELETE", "/api/v1/buildings/{id}", ADMIN, 0, api_registry_building_delete},

    {"GET", "/api/v1/firms", PUBLIC, 0, api_registry_firm_list},
    {"POST", "/api/v1/firms", ADMIN, 0, api_registry_firm_create},
    {"GET", "/api/v1/firms/{brn}", PUBLIC, 0, api_registry_firm_get},
    {"PUT", "/api/v1/firms/{brn}", ADMIN, 0, api_registry_firm_update},
    {"DELETE", "/api/v1/firms/{brn}", ADMIN, 0, api_registry_firm_delete},
    {"GET", "/api/v1/firms/{brn}/rollups", ADMIN_MEMBER, 0, api_pool_rollup_list},
    {"GET", "/api/v1/firms/{brn}/consent", ADMIN_MEMBER, 0, api_pool_consent_get},
    {"PUT", "/api/v1/firms/{brn}/consent", ADMIN_MEMBER, 0, api_pool_consent_put},
    {"GET", "/api/v1/firms/{brn}/data-uses", ADMIN_MEMBER, 0, api_pool_data_use_list},

    {"POST", "/api/v1/uploads", ADMIN_MEMBER, BODY_FILE, api_pool_upload_create},
    {"GET", "/api/v1/uploads", ADMIN_MEMBER, 0, api_pool_upload_list},
    {"DELETE", "/api/v1/uploads/{id}", ADMIN_MEMBER, 0, api_pool_upload_delete},
    {"GET", "/api/v1/invoices", ADMIN_MEMBER, 0, api_pool_invoice_list},
    {"GET", "/api/v1/kpis", ADMIN_MEMBER, 0, api_pool_kpi_list},

    /* The ledger: public checkpoint, key, leaves and proofs (DESIGN.md "Ledger endpoints"). */
    {"GET", "/api/v1/ledger/checkpoint", PUBLIC, 0, api_ledger_checkpoint},
    {"GET", "/api/v1/ledger/key", PUBLIC, 0, api_ledger_key},
    {"GET", "/api/v1/ledger/entries", PUBLIC, 0, api_ledger_entries},
    {"GET", "/api/v1/ledger/proof/inclusion", PUBLIC, 0, api_ledger_proof_inclusion},
    {"GET", "/api/v1/ledger/proof/consistency", PUBLIC, 0, api_ledger_proof_consistency},
    {"GET", "/api/v1/ledger/receipts/{hash}", PUBLIC, 0, api_ledger_receipt},
    {"GET", "/api/v1/ledger/status", PUBLIC, 0, api_ledger_status},
    {"POST", "/api/v1/ledger/witnesses", ADMIN, 0, api_ledger_witness_add},
    {"POST", "/api/v1/ledger/cosignatures", DURE_ROLE_WITNESS, 0, api_ledger_cosignature_add},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

size_t http_route_count(void)
{
    return NROUTES;
}

const char *http_route_method(size_t i)
{
    return i < NROUTES ? routes[i].method : "";
}

const char *http_route_pattern(size_t i)
{
    return i < NROUTES ? routes[i].pattern : "";
}

/* ---- matching ---- */

/* 1 when path matches pattern; the {param} values go to req (NULL: only the answer). */
static int match(const char *pat, const char *path, struct http_req *req)
{
    size_t used = 0, nparams = 0;
    if (req != NULL)
        req->nparams = 0;
    while (*pat != '\0') {
        if (*pat != '{') {
            if (*pat != *path)
                return 0;
            pat++;
            path++;
            continue;
        }
        const char *close = strchr(pat, '}');
        if (close == NULL || nparams == HTTP_MAX_PARAMS)
            return 0;
        const char *name = pat + 1;
        size_t name_len = (size_t)(close - name);
        int rest = name_len > 3 && memcmp(close - 3, "...", 3) == 0;
        const char *end = rest ? path + strlen(path) : strchr(path, '/');
        if (end == NULL)
            end = path + strlen(path);
        size_t len = (size_t)(end - path);
        if (len == 0 || used + len + 1 > HTTP_PARAMS_SIZE)
            return 0;
        if (req != NULL) {
            memcpy(req->params + used, path, len);
            req->params[used + len] = '\0';
            req->param_name[nparams] = name;
            req->param_name_len[nparams] = rest ? name_len - 3 : name_len;
            req->param_value[nparams] = req->params + used;
            req->nparams = nparams + 1;
        }
        nparams++;
        used += len + 1;
        pat = close + 1;
        path = end;
    }
    return *path == '\0';
}

const char *http_param(const struct http_req *req, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < req->nparams; i++)
        if (req->param_name_len[i] == n && memcmp(req->param_name[i], name, n) == 0)
            return req->param_value[i];
    return NULL;
}

/* ---- authentication ---- */

static void reply_unauthorized(struct http_req *req, const char *challenge, const char *detail)
{
    http_reply_problem(req, DURE_EUNAUTH, "%s", detail);
    /* http_reply_problem adds the plain challenge; a more precise one replaces it. */
    if (challenge != NULL && req->resp != NULL) {
        MHD_del_response_header(req->resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"dure\"");
        http_reply_header(req, MHD_HTTP_HEADER_WWW_AUTHENTICATE, challenge);
    }
}

/* Resolve the credentials of req into req->who. Returns 0, or non-zero with the 401/500
 * response made. */
static int authenticate(struct http_req *req)
{
    struct dure_err err;
    const char *authz = http_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *session;

    dure_err_clear(&err);
    if (authz != NULL) {
        if (strncasecmp(authz, "Bearer ", 7) != 0) {
            reply_unauthorized(req, "Bearer realm=\"dure\", error=\"invalid_request\"",
                               "the Authorization header must be \"Bearer <token>\"");
            return DURE_EUNAUTH;
        }
        const char *token = authz + 7;
        while (*token == ' ')
            token++;
        if (*token == '\0' || strlen(token) > TOKEN_MAX) {
            reply_unauthorized(req, "Bearer realm=\"dure\", error=\"invalid_token\"",
                               "invalid bearer token");
            return DURE_EUNAUTH;
        }
        if (auth_token_resolve(req->app, token, &req->who, &err) != 0) {
            memset(&req->who, 0, sizeof(req->who));
            if (dure_err_http_status(err.code) >= 500) {
                http_reply_err(req, &err);
                return err.code;
            }
            reply_unauthorized(req, "Bearer realm=\"dure\", error=\"invalid_token\"",
                               err.msg[0] != '\0' ? err.msg : "invalid bearer token");
            return DURE_EUNAUTH;
        }
        return 0;
    }
    session = http_cookie(req, "dure_session");
    if (session != NULL && session[0] != '\0') {
        if (strlen(session) > TOKEN_MAX ||
            auth_session_resolve(req->app, session, &req->who, &err) != 0) {
            memset(&req->who, 0, sizeof(req->who));
            if (dure_err_http_status(err.code) >= 500) {
                http_reply_err(req, &err);
                return err.code;
            }
            reply_unauthorized(req, NULL, "the session has expired or ended; log in again");
            http_reply_header(req, MHD_HTTP_HEADER_SET_COOKIE,
                              "dure_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
            return DURE_EUNAUTH;
        }
    }
    return 0;
}

/* ---- routing ---- */

int http_route_admit(struct http_req *req)
{
    const char *method =
        strcmp(req->method, MHD_HTTP_METHOD_HEAD) == 0 ? MHD_HTTP_METHOD_GET : req->method;
    const struct route *r = NULL;
    char allow[96];
    size_t allow_len = 0;
    int path_known = 0;

    allow[0] = '\0';
    memset(&req->who, 0, sizeof(req->who));
    req->route = -1;
    for (size_t i = 0; i < NROUTES; i++) {
        if (!match(routes[i].pattern, req->path, req))
            continue;
        if (strcmp(routes[i].method, method) == 0) {
            r = &routes[i];
            req->route = (int)i;
            break;
        }
        path_known = 1;
        if (allow_len + strlen(routes[i].method) + 8 < sizeof(allow)) {
            int n = snprintf(allow + allow_len, sizeof(allow) - allow_len, "%s%s",
                             allow_len > 0 ? ", " : "", routes[i].method);
            allow_len += n > 0 ? (size_t)n : 0;
            if (strcmp(routes[i].method, MHD_HTTP_METHOD_GET) == 0)
                allow_len +=
                    (size_t)snprintf(allow + allow_len, sizeof(allow) - allow_len, ", HEAD");
        }
    }
    if (r == NULL) {
        req->nparams = 0;
        if (path_known) {
            char shown[24];
            str_sanitize(shown, sizeof(shown), req->method, 16);
            http_reply_problem(req, DURE_EMETHOD, "%s is not allowed here; allowed: %s", shown,
                               allow);
            http_reply_header(req, MHD_HTTP_HEADER_ALLOW, allow);
        } else {
            http_reply_problem(req, DURE_ENOTFOUND, "no such resource");
        }
        return DURE_ENOTFOUND;
    }
    if (!(r->flags & NOAUTH)) {
        int rc = authenticate(req);
        if (rc != 0)
            return rc;
        if (r->roles != 0 && !req->who.authenticated) {
            http_reply_problem(req, DURE_EUNAUTH,
                               "this endpoint needs a bearer token or a "
                               "session");
            return DURE_EUNAUTH;
        }
        if (r->roles != 0 && (r->roles & req->who.role) == 0) {
            http_reply_problem(req, DURE_EFORBIDDEN, "the %s role may not do this",
                               auth_role_name(req->who.role));
            return DURE_EFORBIDDEN;
        }
    }
    req->admitted = 1;
    return 0;
}

void http_route(struct http_req *req)
{
    if (!req->admitted && http_route_admit(req) != 0)
        return;
    routes[req->route].fn(req);
    if (req->resp == NULL)
        http_reply_problem(req, DURE_EINTERNAL, NULL);
}

enum http_body_mode http_route_body_mode(const char *method, const char *path)
{
    if (strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
        method = MHD_HTTP_METHOD_GET;
    for (size_t i = 0; i < NROUTES; i++)
        if (strcmp(routes[i].method, method) == 0 && match(routes[i].pattern, path, NULL))
            return (routes[i].flags & BODY_FILE) ? HTTP_BODY_FILE : HTTP_BODY_BUFFER;
    return HTTP_BODY_BUFFER;
}

/* ---- reading the request ---- */

const char *http_query(struct http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(struct http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const struct principal *http_principal(const struct http_req *req)
{
    return &req->who;
}

const char *http_body_file(const struct http_req *req, uint64_t *size)
{
    if (size != NULL)
        *size = req->body_path[0] != '\0' ? req->body_size : 0;
    return req->body_path[0] != '\0' ? req->body_path : NULL;
}

int http_body_json(struct http_req *req, json_t **out)
{
    json_error_t je;
    json_t *v;

    *out = NULL;
    if (req->body.len == 0) {
        http_reply_problem(req, DURE_EINVAL,
                           "the request body is empty; a JSON object is "
                           "expected");
        return DURE_EINVAL;
    }
    v = json_loadb(req->body.data, req->body.len, JSON_REJECT_DUPLICATES, &je);
    if (v == NULL) {
        struct dure_err err;
        struct import_error e;
        memset(&e, 0, sizeof(e));
        e.line = je.line > 0 ? (uint64_t)je.line : 0;
        e.column = je.column > 0 ? (size_t)je.column : 0;
        str_copy(e.message, je.text, sizeof(e.message));
        dure_err_set(&err, DURE_EINVAL, "invalid JSON at line %d, column %d: %s", je.line,
                     je.column, je.text);
        http_reply_problem_errors(req, &err, &e, 1, 0);
        return DURE_EINVAL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        http_reply_problem(req, DURE_EINVAL, "the request body must be a JSON object");
        return DURE_EINVAL;
    }
    *out = v;
    return 0;
}

int http_list_params(struct http_req *req, size_t *limit, const char **cursor)
{
    const char *l = http_query(req, "limit");
    int64_t v;

    *limit = HTTP_LIST_LIMIT_DEFAULT;
    *cursor = http_query(req, "cursor");
    if (*cursor != NULL && (*cursor)[0] == '\0')
        *cursor = NULL;
    if (l == NULL)
        return 0;
    if (!str_is_digits(l) || str_to_i64(l, 0, &v) != 0 || v < 1 || v > HTTP_LIST_LIMIT_MAX) {
        http_reply_problem(req, DURE_EINVAL, "limit must be an integer from 1 to %d",
                           HTTP_LIST_LIMIT_MAX);
        return DURE_EINVAL;
    }
    *limit = (size_t)v;
    return 0;
}

static const char *kind_name(enum http_field_kind k)
{
    switch (k) {
    case HTTP_FIELD_STR:
        return "a string";
    case HTTP_FIELD_INT:
        return "an integer";
    case HTTP_FIELD_NUM:
        return "a number";
    case HTTP_FIELD_BOOL:
        return "true or false";
    case HTTP_FIELD_ANY:
    case HTTP_FIELD_IGNORE:
        break;
    }
    return "a value";
}

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void
field_error(struct import_error *errs, size_t *n, size_t *dropped, const char *field,
            const char *fmt, ...)
{
    if (*n == FIELD_ERRORS_MAX) {
        (*dropped)++;
        return;
    }
    struct import_error *e = &errs[(*n)++];
    va_list ap;
    memset(e, 0, sizeof(*e));
    str_sanitize(e->field, sizeof(e->field), field, 48);
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}

int http_json_fields(struct http_req *req, const json_t *obj, const struct http_field *fields,
                     size_t n)
{
    struct import_error errs[FIELD_ERRORS_MAX];
    size_t nerr = 0, dropped = 0;
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v)
    {
        size_t i = 0;
        while (i < n && strcmp(fields[i].name, key) != 0)
            i++;
        if (i == n)
            field_error(errs, &nerr, &dropped, key, "unknown field");
    }
    for (size_t i = 0; i < n; i++) {
        const struct http_field *f = &fields[i];
        v = json_object_get(obj, f->name);
        if (v == NULL) {
            if (f->required)
                field_error(errs, &nerr, &dropped, f->name, "required field is missing");
            continue;
        }
        if (f->present != NULL)
            *f->present = 1;
        if (f->kind == HTTP_FIELD_IGNORE)
            continue;
        if (json_is_null(v)) {
            if (!f->nullable)
                field_error(errs, &nerr, &dropped, f->name, "must not be null");
            else if (f->kind == HTTP_FIELD_ANY)
                *(const json_t **)f->out = v;
            continue;
        }
        switch (f->kind) {
        case HTTP_FIELD_STR:
            if (!json_is_string(v)) {
                field_error(errs, &nerr, &dropped, f->name, "expected %s", kind_name(f->kind));
            } else if (json_string_length(v) >= f->size) {
                field_error(errs, &nerr, &dropped, f->name, "longer than %zu bytes", f->size - 1);
            } else {
                memcpy(f->out, json_string_value(v), json_string_length(v) + 1);
            }
            break;
        case HTTP_FIELD_INT:
            if (!json_is_integer(v)) {
                field_error(errs, &nerr, &dropped, f->name, "expected %s", kind_name(f->kind));
            } else if (f->min < f->max &&
                       (json_integer_value(v) < f->min || json_integer_value(v) > f->max)) {
                field_error(errs, &nerr, &dropped, f->name, "must be from %" PRId64 " to %" PRId64,
                            f->min, f->max);
            } else {
                *(int64_t *)f->out = (int64_t)json_integer_value(v);
            }
            break;
        case HTTP_FIELD_NUM:
            if (!json_is_number(v)) {
                field_error(errs, &nerr, &dropped, f->name, "expected %s", kind_name(f->kind));
            } else if (f->min < f->max && (json_number_value(v) < (double)f->min ||
                                           json_number_value(v) > (double)f->max)) {
                field_error(errs, &nerr, &dropped, f->name, "must be from %" PRId64 " to %" PRId64,
                            f->min, f->max);
            } else {
                *(double *)f->out = json_number_value(v);
            }
            break;
        case HTTP_FIELD_BOOL:
            if (!json_is_boolean(v))
                field_error(errs, &nerr, &dropped, f->name, "expected %s", kind_name(f->kind));
            else
                *(int *)f->out = json_is_true(v);
            break;
        case HTTP_FIELD_ANY:
            *(const json_t **)f->out = v;
            break;
        case HTTP_FIELD_IGNORE:
            break;
        }
    }
    if (nerr == 0)
        return 0;
    struct dure_err err;
    if (nerr + dropped > 1)
        dure_err_set(&err, DURE_EINVAL, "field \"%s\": %s (and %zu more)", errs[0].field,
                     errs[0].message, nerr + dropped - 1);
    else
        dure_err_set(&err, DURE_EINVAL, "field \"%s\": %s", errs[0].field, errs[0].message);
    http_reply_problem_errors(req, &err, errs, nerr, dropped);
    return DURE_EINVAL;
}

/* ---- the JSON writer ---- */

void http_jw_init(struct http_jw *w, size_t limit)
{
    buf_init(&w->b, limit);
    w->rc = 0;
    w->depth = 0;
    w->after_key = 0;
}

void http_jw_cleanup(struct http_jw *w)
{
    buf_cleanup(&w->b);
}

static void jw_raw(struct http_jw *w, const char *s, size_t n)
{
    if (w->rc == 0)
        w->rc = buf_append(&w->b, s, n);
}

/* Before a value or a key: the comma, unless it follows a key or opens a container. */
static void jw_sep(struct http_jw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0) {
        if (w->has_item[w->depth - 1])
            jw_raw(w, ",", 1);
        w->has_item[w->depth - 1] = 1;
    }
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *p)
{
    unsigned c = p[0];
    if (c >= 0xc2 && c <= 0xdf)
        return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
    }
    return 0;
}

static void jw_string(struct http_jw *w, const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *run = p;
    jw_raw(w, "\"", 1);
    while (*p != '\0') {
        unsigned c = *p;
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f) {
            p++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = utf8_seq(p);
            if (n > 0) {
                p += n;
                continue;
            }
        }
        jw_raw(w, (const char *)run, (size_t)(p - run));
        char esc[8];
        switch (c) {
        case '"':
            jw_raw(w, "\\\"", 2);
            break;
        case '\\':
            jw_raw(w, "\\\\", 2);
            break;
        case '\n':
            jw_raw(w, "\\n", 2);
            break;
        case '\r':
            jw_raw(w, "\\r", 2);
            break;
        case '\t':
            jw_raw(w, "\\t", 2);
            break;
        default:
            if (c >= 0x80) {
                jw_raw(w, "\xef\xbf\xbd", 3); /* U+FFFD for a byte that is not UTF-8 */
            } else {
                snprintf(esc, sizeof(esc), "\\u%04x", c);
                jw_raw(w, esc, 6);
            }
        }
        p++;
        run = p;
    }
    jw_raw(w, (const char *)run, (size_t)(p - run));
    jw_raw(w, "\"", 1);
}

static void jw_open(struct http_jw *w, const char *c)
{
    jw_sep(w);
    jw_raw(w, c, 1);
    if (w->depth == HTTP_JW_DEPTH) {
        if (w->rc == 0)
            w->rc = DURE_EINTERNAL;
        return;
    }
    w->has_item[w->depth++] = 0;
}

static void jw_close(struct http_jw *w, const char *c)
{
    jw_raw(w, c, 1);
    if (w->depth > 0)
        w->depth--;
}

void http_jw_obj(struct http_jw *w)
{
    jw_open(w, "{");
}

void http_jw_obj_end(struct http_jw *w)
{
    jw_close(w, "}");
}

void http_jw_arr(struct http_jw *w)
{
    jw_open(w, "[");
}

void http_jw_arr_end(struct http_jw *w)
{
    jw_close(w, "]");
}

void http_jw_key(struct http_jw *w, const char *key)
{
    jw_sep(w);
    jw_string(w, key);
    jw_raw(w, ":", 1);
    w->after_key = 1;
}

void http_jw_str(struct http_jw *w, const char *s)
{
    jw_sep(w);
    jw_string(w, s);
}

void http_jw_i64(struct http_jw *w, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);
    jw_sep(w);
    jw_raw(w, tmp, (size_t)n);
}

void http_jw_f64(struct http_jw *w, double v)
{
    char tmp[40];
    if (!isfinite(v)) {
        http_jw_null(w);
        return;
    }
    int n = snprintf(tmp, sizeof(tmp), "%.15g", v);
    if (strtod(tmp, NULL) != v)
        n = snprintf(tmp, sizeof(tmp), "%.17g", v);
    /* Keep it a JSON real, as jansson does, so readers see a float type. */
    if (strpbrk(tmp, ".e") == NULL && (size_t)n + 2 < sizeof(tmp)) {
        memcpy(tmp + n, ".0", 3);
        n += 2;
    }
    jw_sep(w);
    jw_raw(w, tmp, (size_t)n);
}

void http_jw_decimal(struct http_jw *w, int64_t v, unsigned scale)
{
    char tmp[48];
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, pow10 = 1;
    if (scale > 18)
        scale = 18;
    for (unsigned i = 0; i < scale; i++)
        pow10 *= 10;
    uint64_t whole = mag / pow10, frac = mag % pow10;
    int n = snprintf(tmp, sizeof(tmp), "%s%" PRIu64, v < 0 ? "-" : "", whole);
    if (frac != 0 && n > 0) {
        unsigned digits = scale;
        while (frac % 10 == 0) {
            frac /= 10;
            digits--;
        }
        n += snprintf(tmp + n, sizeof(tmp) - (size_t)n, ".%0*" PRIu64, (int)digits, frac);
    }
    jw_sep(w);
    jw_raw(w, tmp, n > 0 ? (size_t)n : 0);
}

void http_jw_bool(struct http_jw *w, int v)
{
    jw_sep(w);
    jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

void http_jw_null(struct http_jw *w)
{
    jw_sep(w);
    jw_raw(w, "null", 4);
}

/* ---- answering ---- */

static void set_response(struct http_req *req, unsigned status, struct MHD_Response *resp,
                         uint64_t bytes)
{
    if (req->resp != NULL)
        MHD_destroy_response(req->resp);
    req->resp = resp;
    req->status = status;
    req->resp_bytes = resp != NULL ? bytes : 0;
}

void http_reply_header(struct http_req *req, const char *name, const char *value)
{
    if (req->resp != NULL)
        MHD_add_response_header(req->resp, name, value);
}

void http_reply_buf(struct http_req *req, unsigned status, const char *ctype, struct buf *body)
{
    size_t len = 0;
    char *data = buf_steal(body, &len);
    struct MHD_Response *resp = NULL;
    if (data != NULL)
        resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(data);
        set_response(req, 500, NULL, 0);
        return;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    set_response(req, status, resp, len);
}

void http_reply_jw(struct http_req *req, unsigned status, struct http_jw *w)
{
    if (w->rc != 0 || w->depth != 0) {
        struct dure_err err;
        dure_err_set(&err, DURE_EINTERNAL, "response encoding failed (%s)",
                     dure_err_name(w->rc != 0 ? w->rc : DURE_EINTERNAL));
        http_jw_cleanup(w);
        http_reply_err(req, &err);
        return;
    }
    http_reply_buf(req, status, "application/json", &w->b);
}

void http_reply_json(struct http_req *req, unsigned status, json_t *v)
{
    char *s = v != NULL ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    if (s == NULL) {
        http_reply_problem(req, DURE_ENOMEM, NULL);
        return;
    }
    size_t len = strlen(s);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, s, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(s);
        set_response(req, 500, NULL, 0);
        return;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    set_response(req, status, resp, len);
}

void http_reply_empty(struct http_req *req, unsigned status)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    set_response(req, status, resp, 0);
}

void http_reply_fd(struct http_req *req, unsigned status, const char *ctype, int fd, uint64_t size)
{
    struct MHD_Response *resp = MHD_create_response_from_fd64(size, fd);
    if (resp == NULL) {
        close(fd);
        http_reply_problem(req, DURE_ENOMEM, NULL);
        return;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    set_response(req, status, resp, size);
}

static const char *problem_slug(int code)
{
    switch (code) {
    case DURE_EINVAL:
        return "invalid-input";
    case DURE_EUNAUTH:
        return "unauthenticated";
    case DURE_EFORBIDDEN:
        return "forbidden";
    case DURE_ENOTFOUND:
        return "not-found";
    case DURE_EMETHOD:
        return "method-not-allowed";
    case DURE_ECONFLICT:
        return "conflict";
    case DURE_ETOOBIG:
        return "too-large";
    case DURE_EUNPROCESSABLE:
        return "unprocessable";
    case DURE_EUNAVAILABLE:
        return "unavailable";
    default:
        return "internal";
    }
}

/* The problem document itself; errors may be NULL. */
static void problem(struct http_req *req, int code, const char *detail,
                    const struct import_error *errors, size_t n, size_t dropped)
{
    struct http_jw w;
    char type[80];

    if (code <= DURE_OK || code >= DURE_ERR_COUNT)
        code = DURE_EINTERNAL;
    unsigned status = (unsigned)dure_err_http_status(code);
    const char *title = MHD_get_reason_phrase_for(status);
    snprintf(type, sizeof(type), PROBLEM_BASE "%s", problem_slug(code));
    http_jw_init(&w, HTTP_JSON_LIMIT);
    http_jw_obj(&w);
    http_jw_key(&w, "type");
    http_jw_str(&w, type);
    http_jw_key(&w, "title");
    http_jw_str(&w, title != NULL && title[0] != '\0' ? title : dure_err_text(code));
    http_jw_key(&w, "status");
    http_jw_i64(&w, status);
    http_jw_key(&w, "detail");
    http_jw_str(&w, detail != NULL && detail[0] != '\0' ? detail : dure_err_text(code));
    http_jw_key(&w, "request_id");
    http_jw_str(&w, req->id);
    if (errors != NULL) {
        http_jw_key(&w, "errors");
        http_jw_arr(&w);
        for (size_t i = 0; i < n; i++) {
            http_jw_obj(&w);
            if (errors[i].line > 0) {
                http_jw_key(&w, "line");
                http_jw_i64(&w, (int64_t)errors[i].line);
            }
            if (errors[i].column > 0) {
                http_jw_key(&w, "column");
                http_jw_i64(&w, (int64_t)errors[i].column);
            }
            if (errors[i].field[0] != '\0') {
                http_jw_key(&w, "field");
                http_jw_str(&w, errors[i].field);
            }
            http_jw_key(&w, "message");
            http_jw_str(&w, errors[i].message);
            http_jw_obj_end(&w);
        }
        http_jw_arr_end(&w);
        if (dropped > 0) {
            http_jw_key(&w, "errors_dropped");
            http_jw_i64(&w, (int64_t)dropped);
        }
    }
    http_jw_obj_end(&w);
    if (w.rc != 0) {
        /* Cannot even say what went wrong: a bare 500 is all that is left. */
        http_jw_cleanup(&w);
        http_reply_empty(req, 500);
        return;
    }
    http_reply_buf(req, status, "application/problem+json", &w.b);
    if (status == 401)
        http_reply_header(req, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"dure\"");
    http_jw_cleanup(&w);
}

void http_reply_problem(struct http_req *req, int code, const char *fmt, ...)
{
    char detail[DURE_ERR_MSG_MAX];
    detail[0] = '\0';
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
    }
    problem(req, code, detail, NULL, 0, 0);
}

/* For server errors: log the real message, give the client only the code's text. */
static const char *public_detail(struct http_req *req, const struct dure_err *err)
{
    if (dure_err_http_status(err->code) < 500)
        return err->msg;
    char msg[DURE_ERR_MSG_MAX + 64];
    snprintf(msg, sizeof(msg), "%s: %s", dure_err_name(err->code),
             err->msg[0] != '\0' ? err->msg : dure_err_text(err->code));
    http_server_log(req->srv, req, "error", msg);
    return NULL;
}

void http_reply_err(struct http_req *req, const struct dure_err *err)
{
    problem(req, err->code, public_detail(req, err), NULL, 0, 0);
}

void http_reply_problem_errors(struct http_req *req, const struct dure_err *err,
                               const struct import_error *errors, size_t n, size_t dropped)
{
    static const struct import_error none[1];
    problem(req, err->code, public_detail(req, err), errors != NULL ? errors : none,
            errors != NULL ? n : 0, dropped);
}
