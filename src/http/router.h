/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP API's index and toolkit: one declarative route table (router.c) maps a method and a
 * path pattern to the roles allowed and a handler in api_<capability>.c, and the helpers below
 * are all a handler needs to read its request and write the one response it gives. */
#ifndef DURE_HTTP_ROUTER_H
#define DURE_HTTP_ROUTER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "app/auth.h"
#include "app/registry.h"
#include "util/buf.h"
#include "util/err.h"

struct MHD_Connection;
struct MHD_Response;
struct http_server;

#define HTTP_REQUEST_ID_MAX 64      /* longest X-Request-Id taken from a client */
#define HTTP_MAX_PARAMS 4           /* {param} segments in one pattern */
#define HTTP_PARAMS_SIZE 512        /* bytes for all path parameter values */
#define HTTP_LIST_LIMIT_DEFAULT 100 /* lists: default and maximum of ?limit= */
#define HTTP_LIST_LIMIT_MAX 1000
#define HTTP_JSON_LIMIT (16u << 20) /* hard limit of one encoded JSON response */
#define HTTP_BODY_PATH_MAX 256      /* path of a body streamed to a temporary file */

/* How a route takes its request body: whole in memory (JSON and other small bodies, at most
 * the server's max_body_bytes), or streamed to a temporary file as it arrives (uploads, at
 * most max_file_bytes), so a large file is never held in memory. */
enum http_body_mode {
    HTTP_BODY_BUFFER = 0,
    HTTP_BODY_FILE = 1,
};

/* One request, from the server's first call for it to its completion. The server fills the
 * first group, the router the second; handlers read it only through the functions below. */
struct http_req {
    struct http_server *srv;
    struct app *app;
    struct MHD_Connection *conn;
    const char *method; /* borrowed from MHD; valid while the handler runs */
    const char *path;   /* decoded path without the query; same lifetime */
    char id[HTTP_REQUEST_ID_MAX + 1];
    struct buf body; /* the request body, at most the server's max_body_bytes */
    /* HTTP_BODY_FILE routes: the body is in this temporary file (mode 0600) instead, which the
     * server removes once the handler has returned. */
    int body_fd;                        /* open while the body arrives, else -1 */
    char body_path[HTTP_BODY_PATH_MAX]; /* "" when the body is not in a file */
    uint64_t body_size;                 /* bytes written to it */

    int route;    /* index in the route table, -1 when no route matched */
    int admitted; /* 1 once http_route_admit passed (route, who and params set) */
    struct principal who;
    size_t nparams;
    const char *param_name[HTTP_MAX_PARAMS]; /* point into the static pattern */
    size_t param_name_len[HTTP_MAX_PARAMS];
    const char *param_value[HTTP_MAX_PARAMS]; /* NUL-terminated, in params[] */
    char params[HTTP_PARAMS_SIZE];

    struct MHD_Response *resp; /* the one response, owned until the server queues it */
    unsigned status;
    uint64_t resp_bytes;
};

/* A handler: reads req, calls one use case and answers with one http_reply_* call. A handler
 * that answers nothing gets a 500 problem. */
typedef void (*http_handler)(struct http_req *req);

/* ---- the route table ---- */

/* Route req (method and path set) to its handler: 404 for an unknown path, 405 with Allow for
 * a known path and another method, 401/403 per the route's roles, then the handler. Always
 * leaves a response in req. HEAD is routed as GET. */
void http_route(struct http_req *req);

/* The first half of http_route: match the route (404/405), authenticate and check its roles
 * (401/403). Returns 0 with req->route, req->who and the path parameters set, or non-zero with
 * the response made. The server calls it as soon as the headers are in for HTTP_BODY_FILE
 * routes, so a refused caller gets its answer before a byte of the body is stored;
 * http_route then goes straight to the handler. */
int http_route_admit(struct http_req *req);

/* How the route that method and path match takes its body; HTTP_BODY_BUFFER when none matches.
 * HEAD is looked up as GET. */
enum http_body_mode http_route_body_mode(const char *method, const char *path);

/* Number of routes, and a route's method and pattern (static strings), for metrics labels. */
size_t http_route_count(void);
const char *http_route_method(size_t i);
const char *http_route_pattern(size_t i);

/* ---- reading the request ---- */

/* A query parameter (decoded), header (case-insensitive name) or cookie of the request, or
 * NULL. Borrowed from MHD: valid while the handler runs. */
const char *http_query(struct http_req *req, const char *name);
const char *http_header(struct http_req *req, const char *name);
const char *http_cookie(struct http_req *req, const char *name);

/* The value of the pattern's {name} segment (decoded), or NULL when the pattern has none. */
const char *http_param(const struct http_req *req, const char *name);

/* The body of an HTTP_BODY_FILE route: the path of the temporary file holding it (borrowed;
 * valid while the handler runs, the file is removed after it) and its size in *size (OUT, may
 * be NULL). NULL for other routes. The file is closed and complete when the handler runs. */
const char *http_body_file(const struct http_req *req, uint64_t *size);

/* Parse the body as a JSON object (duplicate keys rejected). On success *out (OUT, owned:
 * json_decref) is the object and 0 is returned; otherwise a 400 problem naming the line and
 * column is already the response and DURE_EINVAL is returned. */
int http_body_json(struct http_req *req, json_t **out);

/* The list parameters: ?limit= (default 100, 1..1000) into *limit (OUT) and ?cursor= into
 * *cursor (OUT, borrowed, NULL when absent). A bad limit answers 400 and returns DURE_EINVAL. */
int http_list_params(struct http_req *req, size_t *limit, const char **cursor);

/* Strict decoding of a JSON object against a field list: every key must be listed, each
 * value of the listed type, required ones present. Outputs are written only for fields
 * present, so the caller pre-fills defaults. On any error a 400 problem listing every bad
 * field in "errors" is the response and DURE_EINVAL is returned. */
enum http_field_kind {
    HTTP_FIELD_STR,    /* out: char[size]; longer strings are rejected */
    HTTP_FIELD_INT,    /* out: int64_t; bounded by [min, max] when min < max */
    HTTP_FIELD_NUM,    /* out: double (integers accepted); bounded like INT */
    HTTP_FIELD_BOOL,   /* out: int 0/1 */
    HTTP_FIELD_ANY,    /* out: const json_t * (borrowed from the object); the caller checks */
    HTTP_FIELD_IGNORE, /* accepted and ignored (read-only fields of the resource) */
};
struct http_field {
    const char *name;
    enum http_field_kind kind;
    int required;
    int nullable; /* null accepted: leaves the output as pre-filled (ANY: gets the null) */
    void *out;
    size_t size;
    int64_t min, max;
    int *present; /* OUT, may be NULL: 1 when the key was given (even as null) */
};
int http_json_fields(struct http_req *req, const json_t *obj, const struct http_field *fields,
                     size_t n);

/* The caller of the request (public when not authenticated). Borrowed from req. */
const struct principal *http_principal(const struct http_req *req);

/* ---- writing JSON ---- */

/* A streaming JSON writer into a bounded buffer: compact, UTF-8 validated (bad bytes become
 * U+FFFD), commas placed automatically. Errors are sticky in rc. */
#define HTTP_JW_DEPTH 32
struct http_jw {
    struct buf b;
    int rc;
    unsigned depth;
    unsigned char has_item[HTTP_JW_DEPTH];
    int after_key;
};
void http_jw_init(struct http_jw *w, size_t limit);
void http_jw_cleanup(struct http_jw *w);
void http_jw_obj(struct http_jw *w);
void http_jw_obj_end(struct http_jw *w);
void http_jw_arr(struct http_jw *w);
void http_jw_arr_end(struct http_jw *w);
void http_jw_key(struct http_jw *w, const char *key);
void http_jw_str(struct http_jw *w, const char *s);
void http_jw_i64(struct http_jw *w, int64_t v);
void http_jw_f64(struct http_jw *w, double v); /* shortest round-trip form; NaN/Inf as null */
/* v / 10^scale (scale <= 18) as an exact JSON number, trailing zeros of the fraction dropped:
 * (1500, 3) -> 1.5, (3000, 3) -> 3, (-25, 3) -> -0.025. For fixed-point quantities. */
void http_jw_decimal(struct http_jw *w, int64_t v, unsigned scale);
void http_jw_bool(struct http_jw *w, int v);
void http_jw_null(struct http_jw *w);

/* ---- answering ---- */

/* Answer with status and the bytes of body (stolen: body is left empty) as content type
 * ctype. Every reply function replaces an earlier response of the same request. */
void http_reply_buf(struct http_req *req, unsigned status, const char *ctype, struct buf *body);

/* Answer with the writer's JSON (stolen); a writer that failed answers 500. */
void http_reply_jw(struct http_req *req, unsigned status, struct http_jw *w);

/* Answer with v encoded compactly as application/json (the reference is stolen). */
void http_reply_json(struct http_req *req, unsigned status, json_t *v);

/* Answer with no body (204 and the like). */
void http_reply_empty(struct http_req *req, unsigned status);

/* Answer with a file descriptor's size bytes (fd stolen: closed with the response). */
void http_reply_fd(struct http_req *req, unsigned status, const char *ctype, int fd, uint64_t size);

/* Add a header to the response already made (no-op without one). Name and value are copied. */
void http_reply_header(struct http_req *req, const char *name, const char *value);

/* Answer with an RFC 9457 problem (application/problem+json): status from code's entry in the
 * error table, type "https://dure.coop/problems/<slug>", title the status's reason phrase,
 * detail from fmt (NULL: the code's default text), and request_id. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void http_reply_problem(struct http_req *req, int code, const char *fmt, ...);

/* The same for an error from a use case: detail = err->msg. Server errors (5xx) are logged
 * with the request id and answered with the code's default text only, so no internal detail
 * reaches the client. */
void http_reply_err(struct http_req *req, const struct dure_err *err);

/* A problem with an "errors" array of {line, column, field, message} (line and column omitted
 * when 0, field when ""), e.g. for rejected uploads; dropped counts errors not listed. */
void http_reply_problem_errors(struct http_req *req, const struct dure_err *err,
                               const struct import_error *errors, size_t n, size_t dropped);

/* ---- handlers (api_<capability>.c), referenced by the route table ---- */

void api_system_index(struct http_req *req);
void api_system_static(struct http_req *req);
void api_system_healthz(struct http_req *req);
void api_system_metrics(struct http_req *req);

void api_auth_session_create(struct http_req *req);
void api_auth_session_delete(struct http_req *req);
void api_auth_me(struct http_req *req);

void api_registry_building_list(struct http_req *req);
void api_registry_building_get(struct http_req *req);
void api_registry_building_create(struct http_req *req);
void api_registry_building_update(struct http_req *req);
void api_registry_building_delete(struct http_req *req);
void api_registry_firm_list(struct http_req *req);
void api_registry_firm_get(struct http_req *req);
void api_registry_firm_create(struct http_req *req);
void api_registry_firm_update(struct http_req *req);
void api_registry_firm_delete(struct http_req *req);

void api_pool_upload_create(struct http_req *req);
void api_pool_upload_list(struct http_req *req);
void api_pool_upload_delete(struct http_req *req);
void api_pool_invoice_list(struct http_req *req);
void api_pool_kpi_list(struct http_req *req);
void api_pool_rollup_list(struct http_req *req);
void api_pool_consent_get(struct http_req *req);
void api_pool_consent_put(struct http_req *req);
void api_pool_data_use_list(struct http_req *req);

void api_ledger_checkpoint(struct http_req *req);
void api_ledger_key(struct http_req *req);
void api_ledger_entries(struct http_req *req);
void api_ledger_proof_inclusion(struct http_req *req);
void api_ledger_proof_consistency(struct http_req *req);
void api_ledger_receipt(struct http_req *req);
void api_ledger_status(struct http_req *req);
void api_ledger_witness_add(struct http_req *req);
void api_ledger_cosignature_add(struct http_req *req);

#endif
