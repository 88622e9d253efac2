/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP server: libmicrohttpd with a pool of epoll worker threads, a hard limit on request
 * bodies, a request id on every exchange, one logfmt access-log line per request and
 * Prometheus counters kept with atomics in the server (no globals). Routing is router.h. */
#ifndef DURE_HTTP_SERVER_H
#define DURE_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "util/buf.h"
#include "util/err.h"

struct http_req;

#define HTTP_DEFAULT_MAX_BODY ((size_t)1 << 20)   /* 1 MiB */
#define HTTP_DEFAULT_MAX_FILE ((uint64_t)1 << 30) /* 1 GiB, bodies streamed to a file */
#define HTTP_DEFAULT_TIMEOUT_S 30u
#define HTTP_MAX_THREADS 256u

struct http_server_config {
    const char *listen;      /* "127.0.0.1:8080", "0.0.0.0:80", "[::1]:8080" or "8080" (loopback);
                                port 0 picks a free port (see http_server_address) */
    unsigned threads;        /* worker threads, 0 = 1, at most HTTP_MAX_THREADS */
    size_t max_body_bytes;   /* request body limit, 0 = HTTP_DEFAULT_MAX_BODY; larger -> 413 */
    uint64_t max_file_bytes; /* limit of the bodies of HTTP_BODY_FILE routes (uploads), which
                                go to a temporary file in $TMPDIR (else /tmp) as they arrive;
                                0 = HTTP_DEFAULT_MAX_FILE; larger -> 413 */
    struct app *app;         /* borrowed; must outlive the server */
    const char *web_dir;     /* dashboard files served at / and /static/; NULL = built-in page;
                                copied */
    int access_log;          /* 1: one logfmt line per request on stderr; 0: none */
    unsigned timeout_s;      /* idle connection timeout, 0 = HTTP_DEFAULT_TIMEOUT_S */
};

struct http_server;

/* Bind cfg->listen and start the worker threads. *out (OUT) is owned: stop it with
 * http_server_stop. Signals the caller wants to sigwait for must be blocked before this call,
 * as the worker threads inherit the mask. Errors: DURE_EINVAL (bad address or options),
 * DURE_EIO (cannot bind or start, with the reason), DURE_ENOMEM. */
int http_server_start(const struct http_server_config *cfg, struct http_server **out,
                      struct dure_err *err);

/* Stop gracefully: stop accepting, let the requests in progress finish (for up to 10 s), then
 * close every connection and join the threads. srv may be NULL. */
void http_server_stop(struct http_server *srv);

/* The bound address with the real port, e.g. "127.0.0.1:41234" ("[::1]:8080" for IPv6).
 * Static in srv: valid until http_server_stop. */
const char *http_server_address(const struct http_server *srv);
unsigned http_server_port(const struct http_server *srv);

/* Worker threads in use. */
unsigned http_server_threads(const struct http_server *srv);

/* The configured dashboard directory, or NULL. Valid until http_server_stop. */
const char *http_server_web_dir(const struct http_server *srv);

/* Append the Prometheus text exposition (format 0.0.4) of the server's metrics to out.
 * Returns 0 or the buffer's error (DURE_ETOOBIG, DURE_ENOMEM). */
int http_server_metrics(struct http_server *srv, struct buf *out);

/* Write one logfmt line "ts=… level=<level> msg=<msg> id=<request id>" to stderr (always,
 * whatever access_log says; for errors that the operator must see). req may be NULL. */
void http_server_log(struct http_server *srv, const struct http_req *req, const char *level,
                     const char *msg);

#endif
