/* SPDX-License-Identifier: Apache-2.0 */
/* A minimal HTTP client on libcurl for talking to other dure processes: the witness poller
 * fetching checkpoints and proofs from the log, and the log pushing checkpoints to witnesses.
 * http and https only, no redirects, a hard limit on every response body, bounded time. */
#ifndef DURE_HTTP_HTTP_CLIENT_H
#define DURE_HTTP_HTTP_CLIENT_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

#define HTTP_CLIENT_TIMEOUT_MS 10000u              /* whole request, by default */
#define HTTP_CLIENT_MAX_RESPONSE ((size_t)1 << 20) /* response body limit, by default */

/* Set up libcurl for the process; call once from the main thread before other threads start
 * (http_client_create calls it too, harmlessly, when it has not been called). Returns 0 or
 * DURE_EINTERNAL. */
int http_client_global_init(struct dure_err *err);

struct http_client;

/* A client: one libcurl handle, so that successive requests to the same host reuse their
 * connection. Not for use by two threads at once. *out is owned: http_client_destroy. */
int http_client_create(struct http_client **out, struct dure_err *err);

/* Close the connections and free; c may be NULL. */
void http_client_destroy(struct http_client *c);

/* One request. Every pointer is borrowed for the duration of the call. */
struct http_client_req {
    const char *method; /* "GET" or "POST" */
    const char *url;    /* http:// or https:// */
    const char *bearer; /* token for "Authorization: Bearer", or NULL; never logged */
    const char *ctype;  /* Content-Type of the body, or NULL */
    const void *body;   /* POST body, body_len bytes; may be NULL when body_len is 0 */
    size_t body_len;
    size_t max_response; /* response body limit, 0 = HTTP_CLIENT_MAX_RESPONSE */
    unsigned timeout_ms; /* 0 = HTTP_CLIENT_TIMEOUT_MS */
};

/* The answer: status, media type (lower case, parameters cut off, "" when none) and body
 * (owned by the response; NUL-terminated). */
struct http_client_resp {
    long status;
    char ctype[96];
    struct buf body;
};

/* Send rq and read the whole answer into resp (OUT; always release it with
 * http_client_resp_cleanup, also on error). Any HTTP status is a success of this call: the
 * caller judges resp->status. Returns 0, DURE_EINVAL (bad method or URL), DURE_ETOOBIG (the
 * response body is over the limit), DURE_ENOMEM or DURE_EUNAVAILABLE (cannot connect, time
 * out, broken transfer) with curl's reason. */
int http_client_request(struct http_client *c, const struct http_client_req *rq,
                        struct http_client_resp *resp, struct dure_err *err);

/* Free the body; resp may be NULL. */
void http_client_resp_cleanup(struct http_client_resp *resp);

#endif
