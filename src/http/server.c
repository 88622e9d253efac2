/* SPDX-License-Identifier: Apache-2.0 */
/* The libmicrohttpd plumbing: request lifecycle, body limit, request ids, the access log and
 * the metrics. What a request means is decided in router.c. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/router.h"
#include "util/str.h"

#define LOG_PATH_MAX 256
#define LOG_LINE_MAX 1024
/* Per connection: request line, headers and the response head. libmicrohttpd clears the
 * unused part of this pool after every request, so it is kept small. */
#define CONN_MEMORY_LIMIT ((size_t)16 * 1024)
#define LISTEN_BACKLOG 1024u
#define STOP_GRACE_MS 10000
/* A client that keeps streaming a body we already refused is cut off once it has sent
 * (DRAIN_FACTOR - 1) small-body limits past the route's limit. */
#define DRAIN_FACTOR 4
#define BODY_FILE_TEMPLATE "/dure-upload-XXXXXX"

/* Upper bounds of the duration histogram, in nanoseconds (Prometheus "le" in seconds). */
static const uint64_t bucket_ns[] = {
    100000,   250000,    500000,    1000000,   2500000,    5000000,    10000000,   25000000,
    50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000,
};
#define NBUCKETS (sizeof(bucket_ns) / sizeof(bucket_ns[0]))

/* Statuses counted one by one; anything else is counted as "other". */
static const unsigned counted_status[] = {200, 201, 204, 206, 301, 302, 304, 400, 401, 403,
                                          404, 405, 406, 409, 413, 415, 422, 429, 500, 503};
#define NSTATUS (sizeof(counted_status) / sizeof(counted_status[0]) + 1)

struct route_metrics {
    atomic_uint_fast64_t status[NSTATUS];
    atomic_uint_fast64_t bucket[NBUCKETS + 1]; /* last: above the largest bound */
    atomic_uint_fast64_t sum_ns;
    atomic_uint_fast64_t count;
};

struct http_server {
    struct MHD_Daemon *daemon;
    struct app *app;
    size_t max_body;
    uint64_t max_file; /* bodies of HTTP_BODY_FILE routes */
    int access_log;
    unsigned threads;
    unsigned port;
    char address[INET6_ADDRSTRLEN + 16];
    char *web_dir;
    time_t start_time;
    size_t nroutes;                /* route table entries; metrics[nroutes] is "unmatched" */
    struct route_metrics *metrics; /* nroutes + 1 */
    atomic_int_fast64_t inflight;
    atomic_int starting; /* 1 while http_server_start runs: MHD messages are kept */
    atomic_int stopping; /* 1 once http_server_stop runs: connections are closed */
    uint64_t id_base;    /* random; request ids are id_base + a count */
    atomic_uint_fast64_t id_next;
    pthread_t starter;   /* the thread in http_server_start */
    char start_msg[256]; /* the starter's last MHD message, for the error */
};

/* One request: the router's view plus what the server needs for the log and metrics. */
struct request {
    struct http_req req;
    struct timespec t0;
    char method[16];
    char path[LOG_PATH_MAX];
    int queued;     /* the response went to MHD */
    int file;       /* the route streams its body to a file (HTTP_BODY_FILE) */
    uint64_t limit; /* the route's body limit: max_body or max_file */
    int body_error; /* DURE_ETOOBIG, DURE_ENOMEM or DURE_EIO while storing the body */
    uint64_t body_seen;
};

/* ---- small helpers ---- */

static uint64_t elapsed_ns(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t ns = (int64_t)(t1.tv_sec - t0->tv_sec) * 1000000000 + (t1.tv_nsec - t0->tv_nsec);
    return ns > 0 ? (uint64_t)ns : 0;
}

/* A line being built in a fixed buffer; output past the end is dropped, never overrun. */
struct line {
    char *p;
    size_t cap, len;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
line_printf(struct line *l, const char *fmt, ...)
{
    if (l->len + 1 >= l->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->p + l->len, l->cap - l->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    l->len += (size_t)n;
    if (l->len >= l->cap)
        l->len = l->cap - 1;
}

/* Append a logfmt value: bare when it is plain, else quoted with \" \\ escaped; control bytes
 * become '?'. UTF-8 is kept as is. */
static void line_value(struct line *l, const char *v)
{
    int quote = *v == '\0';
    for (const char *s = v; *s != '\0'; s++)
        if (*s == ' ' || *s == '=' || *s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
            quote = 1;
    if (!quote) {
        line_printf(l, "%s", v);
        return;
    }
    /* Reserve room for the closing quote. */
    if (l->len + 3 >= l->cap)
        return;
    l->p[l->len++] = '"';
    for (const char *s = v; *s != '\0' && l->len + 3 < l->cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            l->p[l->len++] = '\\';
            l->p[l->len++] = (char)c;
        } else {
            l->p[l->len++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
        }
    }
    l->p[l->len++] = '"';
    l->p[l->len] = '\0';
}

static void line_end(struct line *l)
{
    if (l->len + 1 >= l->cap)
        l->len = l->cap - 2;
    l->p[l->len++] = '\n';
    l->p[l->len] = '\0';
}

static void line_start(struct line *l, char *storage, size_t cap, const char *level,
                       const char *msg)
{
    char ts[32];
    l->p = storage;
    l->cap = cap;
    l->len = 0;
    storage[0] = '\0';
    str_now_rfc3339(ts, sizeof(ts));
    line_printf(l, "ts=%s level=%s msg=", ts, level);
    line_value(l, msg);
}

/* Keep path (decoded, may hold anything) for the log, cut at LOG_PATH_MAX. */
static void copy_path(char *dst, const char *path)
{
    size_t n = str_copy(dst, path, LOG_PATH_MAX);
    if (n >= LOG_PATH_MAX)
        memcpy(dst + LOG_PATH_MAX - 4, "...", 4);
}

static int request_id_ok(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        if (!ok || n >= HTTP_REQUEST_ID_MAX)
            return 0;
    }
    return n > 0;
}

static size_t status_index(unsigned status)
{
    for (size_t i = 0; i + 1 < NSTATUS; i++)
        if (counted_status[i] == status)
            return i;
    return NSTATUS - 1;
}

static const char *termination_name(enum MHD_RequestTerminationCode toe)
{
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
        return "ok";
    case MHD_REQUEST_TERMINATED_WITH_ERROR:
        return "error";
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        return "timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        return "shutdown";
    case MHD_REQUEST_TERMINATED_READ_ERROR:
        return "read_error";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        return "client_abort";
    }
    return "unknown";
}

/* ---- logging ---- */

void http_server_log(struct http_server *srv, const struct http_req *req, const char *level,
                     const char *msg)
{
    char storage[LOG_LINE_MAX];
    struct line l;
    (void)srv;
    line_start(&l, storage, sizeof(storage), level, msg);
    if (req != NULL)
        line_printf(&l, " id=%s", req->id);
    line_end(&l);
    fwrite(l.p, 1, l.len, stderr);
}

static void log_request(const struct request *r, uint64_t dur_ns,
                        enum MHD_RequestTerminationCode toe)
{
    char storage[LOG_LINE_MAX];
    struct line l;
    unsigned status = r->queued ? r->req.status : 0;
    uint64_t bytes = r->queued && strcmp(r->method, "HEAD") != 0 ? r->req.resp_bytes : 0;
    line_start(&l, storage, sizeof(storage), status >= 500 ? "error" : "info", "request");
    line_printf(&l, " id=%s method=", r->req.id);
    line_value(&l, r->method);
    line_printf(&l, " path=");
    line_value(&l, r->path);
    line_printf(&l, " status=%u bytes=%" PRIu64 " dur_ms=%.3f", status, bytes,
                (double)dur_ns / 1e6);
    if (r->req.who.authenticated) {
        line_printf(&l, " actor=");
        line_value(&l, r->req.who.actor);
    }
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        line_printf(&l, " term=%s", termination_name(toe));
    if (!r->queued && r->body_error == DURE_ETOOBIG)
        line_printf(&l, " reason=body_too_large");
    line_end(&l);
    fwrite(l.p, 1, l.len, stderr);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 0)))
#endif
static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
    struct http_server *srv = cls;
    char msg[256];
    char storage[LOG_LINE_MAX];
    struct line l;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r' || msg[n - 1] == '.'))
        msg[--n] = '\0';
    if (atomic_load(&srv->starting) && pthread_equal(pthread_self(), srv->starter)) {
        str_copy(srv->start_msg, msg, sizeof(srv->start_msg));
        return;
    }
    line_start(&l, storage, sizeof(storage), "warn", "libmicrohttpd");
    line_printf(&l, " detail=");
    line_value(&l, msg);
    line_end(&l);
    fwrite(l.p, 1, l.len, stderr);
}

/* ---- metrics ---- */

static void metrics_count(struct http_server *srv, int route, unsigned status, uint64_t dur_ns)
{
    size_t ri = route >= 0 && (size_t)route < srv->nroutes ? (size_t)route : srv->nroutes;
    struct route_metrics *m = &srv->metrics[ri];
    size_t b = 0;
    while (b < NBUCKETS && dur_ns > bucket_ns[b])
        b++;
    atomic_fetch_add_explicit(&m->status[status_index(status)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_ns, dur_ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
}

static void route_labels(const struct http_server *srv, size_t ri, const char **method,
                         const char **route)
{
    if (ri < srv->nroutes) {
        *method = http_route_method(ri);
        *route = http_route_pattern(ri);
    } else {
        *method = "*";
        *route = "unmatched";
    }
}

int http_server_metrics(struct http_server *srv, struct buf *out)
{
    int rc = 0;
    const char *method, *route;

    rc = buf_append_str(out, "# HELP dure_http_requests_total HTTP requests answered, by route "
                             "and status.\n# TYPE dure_http_requests_total counter\n");
    for (size_t ri = 0; rc == 0 && ri <= srv->nroutes; ri++) {
        route_labels(srv, ri, &method, &route);
        for (size_t si = 0; rc == 0 && si < NSTATUS; si++) {
            uint64_t v = atomic_load_explicit(&srv->metrics[ri].status[si], memory_order_relaxed);
            if (v == 0)
                continue;
            char st[16];
            if (si + 1 < NSTATUS)
                snprintf(st, sizeof(st), "%u", counted_status[si]);
            else
                str_copy(st, "other", sizeof(st));
            rc = buf_printf(out,
                            "dure_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} "
                            "%" PRIu64 "\n",
                            method, route, st, v);
        }
    }
    if (rc == 0)
        rc = buf_append_str(out, "# HELP dure_http_request_duration_seconds Time from the "
                                 "request headers to the response, by route.\n"
                                 "# TYPE dure_http_request_duration_seconds histogram\n");
    for (size_t ri = 0; rc == 0 && ri <= srv->nroutes; ri++) {
        struct route_metrics *m = &srv->metrics[ri];
        uint64_t count = atomic_load_explicit(&m->count, memory_order_relaxed);
        if (count == 0)
            continue;
        route_labels(srv, ri, &method, &route);
        uint64_t cum = 0;
        for (size_t b = 0; rc == 0 && b <= NBUCKETS; b++) {
            cum += atomic_load_explicit(&m->bucket[b], memory_order_relaxed);
            char le[32];
            if (b < NBUCKETS)
                snprintf(le, sizeof(le), "%g", (double)bucket_ns[b] / 1e9);
            else
                str_copy(le, "+Inf", sizeof(le));
            rc = buf_printf(out,
                            "dure_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                            "le=\"%s\"} %" PRIu64 "\n",
                            method, route, le, cum);
        }
        if (rc == 0)
            rc = buf_printf(
                out,
                "dure_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.9f\n"
                "dure_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %" PRIu64
                "\n",
                method, route, (double)atomic_load_explicit(&m->sum_ns, memory_order_relaxed) / 1e9,
                method, route, cum);
    }
    if (rc == 0)
        rc = buf_printf(out,
                        "# HELP dure_http_inflight Requests being received or answered.\n"
                        "# TYPE dure_http_inflight gauge\n"
                        "dure_http_inflight %" PRIdFAST64 "\n"
                        "# HELP dure_http_threads Worker threads of the HTTP server.\n"
                        "# TYPE dure_http_threads gauge\n"
                        "dure_http_threads %u\n"
                        "# HELP process_start_time_seconds Start time of the process since the "
                        "Unix epoch in seconds.\n"
                        "# TYPE process_start_time_seconds gauge\n"
                        "process_start_time_seconds %lld\n",
                        atomic_load(&srv->inflight), srv->threads, (long long)srv->start_time);
    return rc;
}

/* ---- bodies streamed to a file ---- */

/* Create the temporary file of r's body: mkstemp (mode 0600) in $TMPDIR, else /tmp. */
static int body_file_open(struct http_server *srv, struct request *r)
{
    struct http_req *req = &r->req;
    const char *dir = getenv("TMPDIR");
    char msg[HTTP_BODY_PATH_MAX + 64];
    if (dir == NULL || dir[0] != '/' ||
        strlen(dir) + sizeof(BODY_FILE_TEMPLATE) > sizeof(req->body_path))
        dir = "/tmp";
    snprintf(req->body_path, sizeof(req->body_path), "%s" BODY_FILE_TEMPLATE, dir);
    req->body_fd = mkstemp(req->body_path);
    if (req->body_fd < 0) {
        snprintf(msg, sizeof(msg), "DURE_EIO: cannot create a file in %s for the body: %s", dir,
                 strerror(errno));
        http_server_log(srv, req, "error", msg);
        req->body_path[0] = '\0';
        return DURE_EIO;
    }
    (void)fcntl(req->body_fd, F_SETFD, FD_CLOEXEC);
    return 0;
}

/* Append a chunk to the body's file; DURE_ETOOBIG past the route's limit, DURE_EIO (logged)
 * when the disk refuses it. */
static int body_file_write(struct http_server *srv, struct request *r, const char *data, size_t n)
{
    struct http_req *req = &r->req;
    char msg[128];
    if (req->body_size > r->limit || n > r->limit - req->body_size)
        return DURE_ETOOBIG;
    while (n > 0) {
        ssize_t w = write(req->body_fd, data, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            snprintf(msg, sizeof(msg), "DURE_EIO: cannot write the request body: %s",
                     strerror(errno));
            http_server_log(srv, req, "error", msg);
            return DURE_EIO;
        }
        data += w;
        n -= (size_t)w;
        req->body_size += (uint64_t)w;
    }
    return 0;
}

/* Close and remove the body's file, if any: the handler is done or the body was refused. */
static void body_file_discard(struct http_req *req)
{
    if (req->body_fd >= 0) {
        close(req->body_fd);
        req->body_fd = -1;
    }
    if (req->body_path[0] != '\0') {
        unlink(req->body_path);
        req->body_path[0] = '\0';
    }
}

/* ---- the request lifecycle ---- */

static struct request *request_new(struct http_server *srv, struct MHD_Connection *conn,
                                   const char *url, const char *method)
{
    struct request *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    r->req.srv = srv;
    r->req.app = srv->app;
    r->req.conn = conn;
    r->req.route = -1;
    r->req.body_fd = -1;
    buf_init(&r->req.body, srv->max_body);
    str_copy(r->method, method, sizeof(r->method));
    copy_path(r->path, url);

    const char *rid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    if (rid != NULL && request_id_ok(rid)) {
        str_copy(r->req.id, rid, sizeof(r->req.id));
    } else {
        /* Unique, not secret: a random base and a count, without a syscall per request. */
        uint64_t v =
            srv->id_base + atomic_fetch_add_explicit(&srv->id_next, 1, memory_order_relaxed);
        snprintf(r->req.id, sizeof(r->req.id), "%016" PRIx64, v);
    }
    atomic_fetch_add_explicit(&srv->inflight, 1, memory_order_relaxed);
    return r;
}

/* Hand the response in r to MHD, with the request id. */
static enum MHD_Result respond(struct request *r)
{
    struct http_req *req = &r->req;
    enum MHD_Result ret;
    if (req->resp == NULL) {
        http_reply_problem(req, DURE_ENOMEM, NULL);
        if (req->resp == NULL)
            return MHD_NO; /* out of memory: MHD closes the connection */
    }
    MHD_add_response_header(req->resp, "X-Request-Id", req->id);
    /* While stopping, keep-alive clients are sent away after their answer. */
    if (atomic_load_explicit(&req->srv->stopping, memory_order_relaxed))
        MHD_add_response_header(req->resp, MHD_HTTP_HEADER_CONNECTION, "close");
    ret = MHD_queue_response(req->conn, req->status, req->resp);
    MHD_destroy_response(req->resp);
    req->resp = NULL;
    r->queued = ret == MHD_YES;
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct http_server *srv = cls;
    struct request *r = *con_cls;
    (void)version;

    if (r == NULL) {
        r = request_new(srv, conn, url, method);
        if (r == NULL)
            return MHD_NO;
        *con_cls = r;
        r->req.method = method;
        r->req.path = url;
        r->file = http_route_body_mode(method, url) == HTTP_BODY_FILE;
        r->limit = r->file ? srv->max_file : (uint64_t)srv->max_body;
        /* A declared body over the limit is refused before it is sent: answering now means
         * no "100 Continue" and MHD closes the connection after the 413. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        int64_t len;
        if (cl != NULL && str_to_i64(cl, 0, &len) == 0 && len > 0 && (uint64_t)len > r->limit) {
            http_reply_problem(&r->req, DURE_ETOOBIG,
                               "request body of %" PRId64 " bytes is over the limit of %" PRIu64
                               " bytes",
                               len, r->limit);
            return respond(r);
        }
        /* A body that goes to disk is taken only from a caller the route admits: a 401 or 403
         * is the answer before a byte of it is stored. */
        if (r->file) {
            if (http_route_admit(&r->req) != 0)
                return respond(r);
            if (body_file_open(srv, r) != 0) {
                http_reply_problem(&r->req, DURE_EIO, NULL);
                return respond(r);
            }
        }
        return MHD_YES;
    }
    if (r->queued) {
        /* Answered early; MHD discards whatever still arrives. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        r->body_seen += n;
        if (r->body_error == 0) {
            int rc = r->file ? body_file_write(srv, r, upload_data, n)
                             : buf_append(&r->req.body, upload_data, n);
            if (rc != 0) {
                r->body_error = rc;
                buf_cleanup(&r->req.body);
                body_file_discard(&r->req);
            }
        } else if (r->body_seen > r->limit + (uint64_t)(DRAIN_FACTOR - 1) * srv->max_body) {
            /* Still streaming far past the limit: MHD 0.9 takes no answer in the middle of an
             * upload, so the connection is dropped (logged with reason=body_too_large). */
            return MHD_NO;
        }
        return MHD_YES;
    }

    /* The whole request is in: answer it. */
    r->req.method = method;
    r->req.path = url;
    if (r->req.body_fd >= 0) {
        /* The body's file is complete: the handler reads it by its path. */
        close(r->req.body_fd);
        r->req.body_fd = -1;
    }
    if (r->body_error == DURE_ETOOBIG)
        http_reply_problem(&r->req, DURE_ETOOBIG,
                           "request body is over the limit of %" PRIu64 " bytes", r->limit);
    else if (r->body_error == DURE_EIO)
        http_reply_problem(&r->req, DURE_EIO, NULL);
    else if (r->body_error != 0)
        http_reply_problem(&r->req, DURE_ENOMEM, NULL);
    else
        http_route(&r->req);
    body_file_discard(&r->req);
    return respond(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct request *r = *con_cls;
    (void)conn;
    if (r == NULL)
        return;
    uint64_t dur_ns = elapsed_ns(&r->t0);
    if (r->queued)
        metrics_count(srv, r->req.route, r->req.status, dur_ns);
    if (srv->access_log)
        log_request(r, dur_ns, toe);
    if (r->req.resp != NULL)
        MHD_destroy_response(r->req.resp);
    buf_cleanup(&r->req.body);
    body_file_discard(&r->req); /* a client that went away in the middle of an upload */
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub_explicit(&srv->inflight, 1, memory_order_relaxed);
}

/* ---- start and stop ---- */

/* Parse "host:port", "[v6]:port" or "port" into sa (OUT). */
static int parse_listen(const char *listen, struct sockaddr_storage *sa, int *is_v6,
                        struct dure_err *err)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *port_s;
    int64_t port;

    memset(sa, 0, sizeof(*sa));
    *is_v6 = 0;
    if (listen == NULL || *listen == '\0')
        listen = "127.0.0.1:8080";
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (close == NULL || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof(host))
            goto bad;
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        host[close - listen - 1] = '\0';
        port_s = close + 2;
        *is_v6 = 1;
    } else {
        const char *colon = strrchr(listen, ':');
        if (colon == NULL) {
            str_copy(host, "127.0.0.1", sizeof(host));
            port_s = listen;
        } else {
            if ((size_t)(colon - listen) >= sizeof(host))
                goto bad;
            memcpy(host, listen, (size_t)(colon - listen));
            host[colon - listen] = '\0';
            port_s = colon + 1;
        }
        if (strcmp(host, "localhost") == 0 || host[0] == '\0')
            str_copy(host, "127.0.0.1", sizeof(host));
    }
    if (!str_is_digits(port_s) || str_to_i64(port_s, 0, &port) != 0 || port > 65535)
        goto bad;
    if (*is_v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)sa;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            goto bad;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)sa;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            goto bad;
    }
    return 0;
bad:
    return dure_err_set(err, DURE_EINVAL,
                        "listen address must be IPv4:PORT, [IPv6]:PORT or PORT (0-65535)");
}

/* The address actually bound, port included, into srv->address and srv->port. */
static void record_address(struct http_server *srv, const struct sockaddr_storage *sa, int v6)
{
    char host[INET6_ADDRSTRLEN];
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info != NULL ? info->port : 0;
    if (v6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
        if (port == 0)
            port = ntohs(a->sin6_port);
        snprintf(srv->address, sizeof(srv->address), "[%s]:%u", host, port);
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
        if (port == 0)
            port = ntohs(a->sin_port);
        snprintf(srv->address, sizeof(srv->address), "%s:%u", host, port);
    }
    srv->port = port;
}

static void server_free(struct http_server *srv)
{
    if (srv == NULL)
        return;
    free(srv->metrics);
    free(srv->web_dir);
    free(srv);
}

int http_server_start(const struct http_server_config *cfg, struct http_server **out,
                      struct dure_err *err)
{
    struct http_server *srv = NULL;
    struct sockaddr_storage sa;
    int v6 = 0;
    int rc = 0;

    *out = NULL;
    if (cfg->app == NULL) {
        rc = dure_err_set(err, DURE_EINVAL, "http server needs an app");
        goto out;
    }
    if (cfg->threads > HTTP_MAX_THREADS) {
        rc = dure_err_set(err, DURE_EINVAL, "threads must be from 1 to %u", HTTP_MAX_THREADS);
        goto out;
    }
    rc = parse_listen(cfg->listen, &sa, &v6, err);
    if (rc != 0)
        goto out;
    if (sodium_init() < 0) {
        rc = dure_err_set(err, DURE_EINTERNAL, "libsodium failed to initialise");
        goto out;
    }
    srv = calloc(1, sizeof(*srv));
    if (srv == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    srv->app = cfg->app;
    srv->max_body = cfg->max_body_bytes > 0 ? cfg->max_body_bytes : HTTP_DEFAULT_MAX_BODY;
    srv->max_file = cfg->max_file_bytes > 0 ? cfg->max_file_bytes : HTTP_DEFAULT_MAX_FILE;
    srv->access_log = cfg->access_log;
    srv->threads = cfg->threads > 0 ? cfg->threads : 1;
    srv->start_time = time(NULL);
    srv->nroutes = http_route_count();
    atomic_init(&srv->inflight, 0);
    atomic_init(&srv->starting, 1);
    srv->starter = pthread_self();
    atomic_init(&srv->stopping, 0);
    randombytes_buf(&srv->id_base, sizeof(srv->id_base));
    atomic_init(&srv->id_next, 0);
    srv->metrics = malloc((srv->nroutes + 1) * sizeof(*srv->metrics));
    if (srv->metrics == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    for (size_t i = 0; i <= srv->nroutes; i++) {
        struct route_metrics *m = &srv->metrics[i];
        for (size_t j = 0; j < NSTATUS; j++)
            atomic_init(&m->status[j], 0);
        for (size_t j = 0; j <= NBUCKETS; j++)
            atomic_init(&m->bucket[j], 0);
        atomic_init(&m->sum_ns, 0);
        atomic_init(&m->count, 0);
    }
    if (cfg->web_dir != NULL && cfg->web_dir[0] != '\0') {
        size_t n = strlen(cfg->web_dir);
        srv->web_dir = malloc(n + 1);
        if (srv->web_dir == NULL) {
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
            goto out;
        }
        memcpy(srv->web_dir, cfg->web_dir, n + 1);
        while (n > 1 && srv->web_dir[n - 1] == '/')
            srv->web_dir[--n] = '\0';
    }

    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (v6)
        flags |= MHD_USE_IPv6;
    /* The port argument is ignored with MHD_OPTION_SOCK_ADDR but named in MHD's messages. */
    uint16_t port =
        ntohs(v6 ? ((struct sockaddr_in6 *)&sa)->sin6_port : ((struct sockaddr_in *)&sa)->sin_port);
    srv->daemon = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, srv->threads, MHD_OPTION_CONNECTION_TIMEOUT,
        cfg->timeout_s > 0 ? cfg->timeout_s : HTTP_DEFAULT_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY_LIMIT, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        LISTEN_BACKLOG, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_logger, srv, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        rc = dure_err_set(err, DURE_EIO, "cannot serve on %s: %s",
                          cfg->listen != NULL ? cfg->listen : "127.0.0.1:8080",
                          srv->start_msg[0] != '\0' ? srv->start_msg
                                                    : "libmicrohttpd failed to start");
        goto out;
    }
    atomic_store(&srv->starting, 0);
    record_address(srv, &sa, v6);
    *out = srv;
    srv = NULL;
out:
    server_free(srv);
    return rc;
}

void http_server_stop(struct http_server *srv)
{
    if (srv == NULL)
        return;
    if (srv->daemon != NULL) {
        atomic_store(&srv->stopping, 1);
        MHD_socket ls = MHD_quiesce_daemon(srv->daemon);
        struct timespec nap = {0, 10 * 1000 * 1000};
        for (int waited = 0; waited < STOP_GRACE_MS && atomic_load(&srv->inflight) > 0;
             waited += 10)
            nanosleep(&nap, NULL);
        MHD_stop_daemon(srv->daemon);
        if (ls != MHD_INVALID_SOCKET)
            close(ls);
    }
    server_free(srv);
}

const char *http_server_address(const struct http_server *srv)
{
    return srv->address;
}

unsigned http_server_port(const struct http_server *srv)
{
    return srv->port;
}

unsigned http_server_threads(const struct http_server *srv)
{
    return srv->threads;
}

const char *http_server_web_dir(const struct http_server *srv)
{
    return srv->web_dir;
}
