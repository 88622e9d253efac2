/* SPDX-License-Identifier: Apache-2.0 */
/* The tlog-witness protocol over HTTP: the witness's own small libmicrohttpd server (one route,
 * POST /add-checkpoint) and the log's pusher that offers each new ledger checkpoint to the
 * witnesses and keeps their cosignatures. */
#include "http/witness_server.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <sodium.h>

#include "app/ledger.h"
#include "http/http_client.h"
#include "util/buf.h"
#include "util/str.h"

#define ROUTE "/add-checkpoint"
#define CTYPE_TEXT "text/plain; charset=utf-8"
#define CTYPE_SIZE "text/x.tlog.size"
#define CONN_MEMORY_LIMIT ((size_t)32 * 1024)
#define CONN_TIMEOUT_S 30u
#define LOG_LINE_MAX 1024
#define PUSH_BACKOFF_MAX_S 60
#define PUSH_TIMEOUT_MS 5000u
#define PUSH_RESPONSE_MAX ((size_t)64 * 1024)
#define PUSH_URL_MAX 1024
#define SHOWN_MAX 160

/* ---- logging ---- */

/* One logfmt line "ts=… level=… msg="…"<extra>" on stderr, written at once. msg is quoted with
 * quotes and backslashes escaped and control bytes shown as '?'; extra (may be NULL) is
 * appended as given (the caller's own key=value pairs). */
static void log_line(const char *level, const char *msg, const char *extra)
{
    char line[LOG_LINE_MAX], ts[32];
    size_t n = 0;
    str_now_rfc3339(ts, sizeof(ts));
    int k = snprintf(line, sizeof(line), "ts=%s level=%s msg=\"", ts, level);
    n = k > 0 ? (size_t)k : 0;
    for (const char *p = msg; *p != '\0' && n + 4 < sizeof(line) - 64; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\')
            line[n++] = '\\';
        line[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    line[n++] = '"';
    line[n] = '\0';
    if (extra != NULL && extra[0] != '\0') {
        size_t room = sizeof(line) - n - 2;
        size_t e = str_copy(line + n, extra, room + 1);
        n += e < room ? e : room;
    }
    line[n++] = '\n';
    fwrite(line, 1, n, stderr);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
logf_line(const char *level, const char *extra, const char *fmt, ...)
{
    char msg[LOG_LINE_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_line(level, msg, extra);
}

/* ---- the answer to add-checkpoint ---- */

static void answer_text(struct witness_answer *a, unsigned status, const char *ctype,
                        const char *text)
{
    a->status = status;
    a->ctype = ctype;
    a->body_len = str_copy(a->body, text, sizeof(a->body) - 1);
    if (a->body_len > sizeof(a->body) - 2)
        a->body_len = sizeof(a->body) - 2;
    a->body[a->body_len++] = '\n';
    a->body[a->body_len] = '\0';
}

void witness_http_add_checkpoint(struct witness *w, const char *body, size_t len,
                                 struct witness_answer *a)
{
    struct witness_request *rq = NULL;
    struct witness_result res;
    size_t line_len = 0;
    int rc;

    memset(a, 0, sizeof(*a));
    dure_err_clear(&a->err);
    rq = malloc(sizeof(*rq));
    if (rq == NULL) {
        dure_err_set(&a->err, DURE_ENOMEM, NULL);
        answer_text(a, 500, CTYPE_TEXT, "out of memory");
        return;
    }
    rc = witness_request_parse(body, len, rq, &a->err);
    if (rc != 0) {
        answer_text(a, rc == DURE_ETOOBIG && len > WITNESS_REQUEST_MAX ? 413 : 400, CTYPE_TEXT,
                    a->err.msg);
        goto out;
    }
    a->old_size = rq->old_size;
    rc = witness_add_checkpoint(w, rq->old_size, &rq->proof, rq->note, rq->note_len, a->body,
                                &line_len, &res, &a->err);
    a->new_size = res.new_size;
    a->misbehaviour = res.misbehaviour;
    if (rc == 0) {
        a->status = 200;
        a->ctype = CTYPE_TEXT;
        a->body_len = line_len;
        goto out;
    }
    if (rc == DURE_ECONFLICT && res.size_conflict) {
        /* The client's idea of the witness's size is stale: tell it the real one. */
        a->status = 409;
        a->ctype = CTYPE_SIZE;
        a->body_len = (size_t)snprintf(a->body, sizeof(a->body), "%" PRIu64 "\n", res.known_size);
        goto out;
    }
    switch (rc) {
    case DURE_EINVAL:
        answer_text(a, 400, CTYPE_TEXT, a->err.msg);
        break;
    case DURE_EFORBIDDEN:
        answer_text(a, 403, CTYPE_TEXT, a->err.msg);
        break;
    case DURE_ENOTFOUND:
        answer_text(a, 404, CTYPE_TEXT, a->err.msg);
        break;
    case DURE_ECONFLICT:
        answer_text(a, 409, CTYPE_TEXT, a->err.msg);
        break;
    case DURE_EUNPROCESSABLE:
        answer_text(a, 422, CTYPE_TEXT, a->err.msg);
        break;
    default:
        /* The reason (a full disk, say) is the operator's; it is logged, not sent. */
        answer_text(a, 500, CTYPE_TEXT, "the witness could not record the checkpoint");
        break;
    }
out:
    free(rq);
}

/* ---- the server ---- */

struct witness_server {
    struct MHD_Daemon *daemon;
    struct witness *witness;
    int access_log;
    char address[INET6_ADDRSTRLEN + 16];
};

/* One connection's request while its body arrives. */
struct wreq {
    struct buf body;
    size_t seen; /* body bytes received */
    int too_big;
    int answered;
};

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status, const char *ctype,
                             const char *body, size_t len, const char *allow)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (allow != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void log_request(struct witness_server *s, const char *method, const char *url,
                        const struct witness_answer *a)
{
    char extra[256], shown_method[24], shown_path[80];
    str_sanitize(shown_method, sizeof(shown_method), method, 16);
    str_sanitize(shown_path, sizeof(shown_path), url, 64);
    /* Unquoted logfmt values: no spaces, quotes or '=' in them. */
    for (char *p = shown_method; *p != '\0'; p++)
        if (*p == ' ' || *p == '"' || *p == '=' || *p == '\\')
            *p = '?';
    for (char *p = shown_path; *p != '\0'; p++)
        if (*p == ' ' || *p == '"' || *p == '=' || *p == '\\')
            *p = '?';
    snprintf(extra, sizeof(extra), " method=%s path=%s status=%u old=%" PRIu64 " size=%" PRIu64,
             shown_method, shown_path, a->status, a->old_size, a->new_size);
    if (a->misbehaviour) {
        /* Evidence that the log misbehaves: always on stderr, whatever the access log says. */
        logf_line("error", extra, "refused: %s", a->err.msg);
    } else if (a->status >= 500) {
        logf_line("error", extra, "add-checkpoint failed: %s", a->err.msg);
    } else if (s->access_log) {
        log_line(a->status == 200 ? "info" : "warn", a->status == 200 ? "cosigned" : a->err.msg,
                 extra);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct witness_server *s = cls;
    struct wreq *r = *con_cls;
    (void)version;

    if (r == NULL) {
        r = calloc(1, sizeof(*r));
        if (r == NULL)
            return MHD_NO;
        buf_init(&r->body, WITNESS_REQUEST_MAX);
        *con_cls = r;
        if (strcmp(url, ROUTE) != 0) {
            static const char msg[] = "not found; the witness serves POST " ROUTE "\n";
            r->answered = 1;
            return queue(conn, 404, CTYPE_TEXT, msg, sizeof(msg) - 1, NULL);
        }
        if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
            static const char msg[] = "method not allowed; use POST\n";
            r->answered = 1;
            return queue(conn, 405, CTYPE_TEXT, msg, sizeof(msg) - 1, "POST");
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        int64_t n = 0;
        if (cl != NULL && str_to_i64(cl, 0, &n) == 0 && n > (int64_t)WITNESS_REQUEST_MAX) {
            static const char msg[] = "the request body is too large\n";
            r->answered = 1;
            return queue(conn, 413, CTYPE_TEXT, msg, sizeof(msg) - 1, NULL);
        }
        return MHD_YES;
    }
    if (r->answered) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        r->seen += n;
        if (!r->too_big && buf_append(&r->body, upload_data, n) != 0) {
            r->too_big = 1;
            buf_cleanup(&r->body);
        }
        /* A chunked body over the limit is read and dropped, and answered with 413 at its end;
         * one that goes on past four times the limit has its connection closed. */
        if (r->too_big && r->seen > 4 * (size_t)WITNESS_REQUEST_MAX)
            return MHD_NO;
        return MHD_YES;
    }

    struct witness_answer *a = malloc(sizeof(*a));
    if (a == NULL)
        return MHD_NO;
    if (r->too_big) {
        memset(a, 0, sizeof(*a));
        dure_err_set(&a->err, DURE_ETOOBIG, "the request body is larger than %d bytes",
                     WITNESS_REQUEST_MAX);
        answer_text(a, 413, CTYPE_TEXT, a->err.msg);
    } else {
        witness_http_add_checkpoint(s->witness, r->body.data, r->body.len, a);
    }
    log_request(s, method, url, a);
    r->answered = 1;
    enum MHD_Result ret = queue(conn, a->status, a->ctype, a->body, a->body_len, NULL);
    sodium_memzero(a, sizeof(*a));
    free(a);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct wreq *r = *con_cls;
    (void)cls;
    (void)conn;
    (void)toe;
    if (r == NULL)
        return;
    buf_cleanup(&r->body);
    free(r);
    *con_cls = NULL;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 0)))
#endif
static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
    char msg[LOG_LINE_MAX / 2];
    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_line("warn", msg, " source=libmicrohttpd");
}

/* "host:port", "[v6]:port" or "port" (loopback) into sa (OUT). */
static int parse_listen(const char *listen, struct sockaddr_storage *sa, int *v6,
                        struct dure_err *err)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *port_s;
    int64_t port = 0;

    memset(sa, 0, sizeof(*sa));
    *v6 = 0;
    if (listen == NULL || listen[0] == '\0')
        goto bad;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (close == NULL || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof(host))
            goto bad;
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        host[close - listen - 1] = '\0';
        port_s = close + 2;
        *v6 = 1;
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
        if (host[0] == '\0' || strcmp(host, "localhost") == 0)
            str_copy(host, "127.0.0.1", sizeof(host));
    }
    if (!str_is_digits(port_s) || str_to_i64(port_s, 0, &port) != 0 || port > 65535)
        goto bad;
    if (*v6) {
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

int witness_server_start(const struct witness_server_config *cfg, struct witness_server **out,
                         struct dure_err *err)
{
    struct witness_server *s = NULL;
    struct sockaddr_storage sa;
    char host[INET6_ADDRSTRLEN];
    int v6 = 0;
    int rc = 0;

    *out = NULL;
    if (cfg->witness == NULL)
        return dure_err_set(err, DURE_EINVAL, "the witness server needs a witness");
    rc = parse_listen(cfg->listen, &sa, &v6, err);
    if (rc != 0)
        return rc;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return dure_err_set(err, DURE_ENOMEM, NULL);
    s->witness = cfg->witness;
    s->access_log = cfg->access_log;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (v6)
        flags |= MHD_USE_IPv6;
    uint16_t port =
        ntohs(v6 ? ((struct sockaddr_in6 *)&sa)->sin6_port : ((struct sockaddr_in *)&sa)->sin_port);
    /* The logger first, so that MHD sends every message of its start-up there. */
    s->daemon = MHD_start_daemon(flags, port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
                                 mhd_logger, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_CONNECTION_TIMEOUT, CONN_TIMEOUT_S,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY_LIMIT,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (s->daemon == NULL) {
        free(s);
        return dure_err_set(err, DURE_EIO,
                            "cannot serve on %s (in use, or not an address of "
                            "this host)",
                            cfg->listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned bound = info != NULL ? info->port : port;
    if (v6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, host, sizeof(host));
        snprintf(s->address, sizeof(s->address), "[%s]:%u", host, bound);
    } else {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host, sizeof(host));
        snprintf(s->address, sizeof(s->address), "%s:%u", host, bound);
    }
    *out = s;
    return 0;
}

void witness_server_stop(struct witness_server *s)
{
    if (s == NULL)
        return;
    if (s->daemon != NULL)
        MHD_stop_daemon(s->daemon);
    free(s);
}

const char *witness_server_address(const struct witness_server *s)
{
    return s->address;
}

/* ---- the log's side: pushing checkpoints to witnesses ---- */

struct push_target {
    char url[PUSH_URL_MAX]; /* <prefix>/add-checkpoint */
    char shown[SHOWN_MAX];  /* the prefix, sanitised, for the log */
    int64_t known;          /* the size the witness last cosigned; -1 unknown */
    int64_t cosigned;       /* the size of our checkpoint it cosigned; -1 none */
    time_t next_try;
    unsigned backoff_s;
};

struct witness_push {
    struct http_client *client;
    size_t n;
    struct push_target t[WITNESS_PUSH_MAX];
};

int witness_push_create(const char *urls, struct witness_push **out, struct dure_err *err)
{
    struct witness_push *p = NULL;
    const char *s = urls;
    int rc = 0;

    *out = NULL;
    if (urls == NULL || urls[0] == '\0')
        return dure_err_set(err, DURE_EINVAL, "--witness: no URL given");
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return dure_err_set(err, DURE_ENOMEM, NULL);
    while (rc == 0 && *s != '\0') {
        const char *end = strchr(s, ',');
        size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
        char shown[SHOWN_MAX];
        char one[PUSH_URL_MAX];
        if (len >= sizeof(one) - sizeof(ROUTE)) {
            rc = dure_err_set(err, DURE_EINVAL, "--witness: a URL is longer than %zu bytes",
                              sizeof(one) - sizeof(ROUTE));
            break;
        }
        memcpy(one, s, len);
        one[len] = '\0';
        while (len > 0 && one[len - 1] == '/')
            one[--len] = '\0';
        str_sanitize(shown, sizeof(shown), one, 120);
        int bad = len == 0 || (strncmp(one, "http://", 7) != 0 && strncmp(one, "https://", 8) != 0);
        for (size_t i = 0; !bad && i < len; i++)
            bad = (unsigned char)one[i] <= 0x20 || one[i] == 0x7f || one[i] == '?' || one[i] == '#';
        if (bad) {
            rc = dure_err_set(err, DURE_EINVAL,
                              "--witness: \"%s\" is not an http:// or https:// URL prefix", shown);
            break;
        }
        if (p->n == WITNESS_PUSH_MAX) {
            rc =
                dure_err_set(err, DURE_EINVAL, "--witness: at most %d witnesses", WITNESS_PUSH_MAX);
            break;
        }
        struct push_target *t = &p->t[p->n++];
        memcpy(t->url, one, len);
        memcpy(t->url + len, ROUTE, sizeof(ROUTE)); /* fits: len < PUSH_URL_MAX - sizeof(ROUTE) */
        str_copy(t->shown, shown, sizeof(t->shown));
        t->known = -1;
        t->cosigned = -1;
        if (end == NULL)
            break;
        s = end + 1;
    }
    if (rc == 0 && p->n == 0)
        rc = dure_err_set(err, DURE_EINVAL, "--witness: no URL given");
    if (rc == 0)
        rc = http_client_create(&p->client, err);
    if (rc != 0) {
        witness_push_destroy(p);
        return rc;
    }
    *out = p;
    return 0;
}

void witness_push_destroy(struct witness_push *p)
{
    if (p == NULL)
        return;
    http_client_destroy(p->client);
    free(p);
}

static void push_failed(struct push_target *t, time_t now)
{
    t->backoff_s = t->backoff_s == 0 ? 1 : t->backoff_s * 2;
    if (t->backoff_s > PUSH_BACKOFF_MAX_S)
        t->backoff_s = PUSH_BACKOFF_MAX_S;
    t->next_try = now + (time_t)t->backoff_s;
}

/* Parse a text/x.tlog.size body: a decimal and a newline. 0 or -1. */
static int parse_size_body(const struct buf *b, int64_t *out)
{
    char digits[24];
    if (b->len < 2 || b->len > sizeof(digits) || b->data[b->len - 1] != '\n')
        return -1;
    memcpy(digits, b->data, b->len - 1);
    digits[b->len - 1] = '\0';
    if (!str_is_digits(digits) || (digits[0] == '0' && digits[1] != '\0') ||
        str_to_i64(digits, 0, out) != 0)
        return -1;
    return 0;
}

/* Offer the checkpoint note (of size, with text the note's text) to one witness. Returns the
 * number of cosignatures stored (0 or more). */
static size_t push_one(struct witness_push *p, struct push_target *t, struct app *app,
                       const char *note, int64_t size, const char *text, size_t text_len,
                       time_t now)
{
    struct tlog_proof *proof = NULL;
    struct http_client_resp resp;
    struct dure_err err;
    struct http_client_req rq;
    char *body = NULL, extra[SHOWN_MAX + 64];
    size_t body_len = 0, accepted = 0;
    int64_t old = 0;
    int retried = 0;

    memset(&resp, 0, sizeof(resp));
    snprintf(extra, sizeof(extra), " witness=\"%s\" size=%" PRId64, t->shown, size);
    proof = malloc(sizeof(*proof));
    if (proof == NULL)
        goto fail;
again:
    dure_err_clear(&err);
    free(body);
    body = NULL;
    http_client_resp_cleanup(&resp);
    memset(&resp, 0, sizeof(resp));
    old = t->known > 0 ? t->known : 0;
    if (old > size) {
        logf_line("error", extra,
                  "the witness has cosigned size %" PRId64 ", larger than this log's checkpoint; "
                  "was the ledger replaced?",
                  old);
        goto fail;
    }
    proof->count = 0;
    if (old > 0 && old < size && ledger_prove_consistency(app, old, size, proof, &err) != 0) {
        logf_line("error", extra, "cannot prove consistency from size %" PRId64 ": %s", old,
                  err.msg);
        goto fail;
    }
    if (witness_request_format((uint64_t)old, proof, note, strlen(note), &body, &body_len, &err) !=
        0) {
        logf_line("error", extra, "%s", err.msg);
        goto fail;
    }
    memset(&rq, 0, sizeof(rq));
    rq.method = "POST";
    rq.url = t->url;
    rq.ctype = CTYPE_TEXT;
    rq.body = body;
    rq.body_len = body_len;
    rq.max_response = PUSH_RESPONSE_MAX;
    rq.timeout_ms = PUSH_TIMEOUT_MS;
    if (http_client_request(p->client, &rq, &resp, &err) != 0) {
        logf_line("warn", extra, "witness unreachable: %s", err.msg);
        goto fail;
    }
    if (resp.status == 409 && strcmp(resp.ctype, CTYPE_SIZE) == 0) {
        int64_t theirs = 0;
        if (parse_size_body(&resp.body, &theirs) != 0) {
            logf_line("warn", extra, "the witness's 409 answer is not a tree size");
            goto fail;
        }
        t->known = theirs;
        if (!retried && theirs != old) {
            retried = 1;
            goto again;
        }
        logf_line("warn", extra, "the witness still reports size %" PRId64, theirs);
        goto fail;
    }
    if (resp.status != 200) {
        char shown[SHOWN_MAX];
        str_sanitize(shown, sizeof(shown), buf_str(&resp.body), 120);
        size_t sl = strlen(shown);
        while (sl > 0 && shown[sl - 1] == '?')
            shown[--sl] = '\0'; /* the newline the reason ends with */
        /* A witness that refuses a correctly signed checkpoint with 409 or 422 says this log
         * forked or shrank as far as it knows: the operator must look. */
        logf_line(resp.status == 409 || resp.status == 422 ? "error" : "warn", extra,
                  "the witness refused the checkpoint with %ld: %s", resp.status, shown);
        goto fail;
    }
    if (ledger_cosignatures_add(app, text, text_len, resp.body.data, resp.body.len, &accepted,
                                &err) != 0) {
        logf_line("warn", extra, "cannot keep the witness's cosignature: %s", err.msg);
        /* The witness has moved on to this size all the same. */
        t->known = size;
        goto fail;
    }
    t->known = size;
    t->cosigned = size;
    t->backoff_s = 0;
    t->next_try = 0;
    logf_line("info", extra, "cosigned by the witness (%zu cosignature%s)", accepted,
              accepted == 1 ? "" : "s");
    goto out;
fail:
    push_failed(t, now);
    accepted = 0;
out:
    http_client_resp_cleanup(&resp);
    free(body);
    free(proof);
    return accepted;
}

size_t witness_push_run(struct witness_push *p, struct app *app)
{
    struct note *n = NULL;
    struct dure_err err;
    char *note = NULL;
    int64_t size = 0;
    size_t stored = 0;
    time_t now = time(NULL);
    int pending = 0;

    if (p == NULL)
        return 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->t[i].next_try <= now)
            pending = 1;
    if (!pending)
        return 0;
    dure_err_clear(&err);
    int rc = ledger_checkpoint(app, &note, &size, &err);
    if (rc == DURE_ENOTFOUND)
        return 0;
    if (rc != 0) {
        logf_line("warn", NULL, "witness push: cannot read the latest checkpoint: %s", err.msg);
        return 0;
    }
    n = malloc(sizeof(*n));
    if (n == NULL || note_parse(note, strlen(note), n, &err) != 0) {
        logf_line("error", NULL, "witness push: the latest checkpoint does not parse: %s",
                  n == NULL ? "out of memory" : err.msg);
        goto out;
    }
    for (size_t i = 0; i < p->n; i++) {
        struct push_target *t = &p->t[i];
        if (t->cosigned == size || t->next_try > now)
            continue;
        stored += push_one(p, t, app, note, size, n->text, n->text_len, now);
    }
out:
    free(n);
    free(note);
    return stored;
}
