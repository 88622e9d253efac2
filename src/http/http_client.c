/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP client of http_client.h on one reusable libcurl easy handle. */
#include "http/http_client.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "util/str.h"

#define USER_AGENT "dure/0.1.0"
#define CONNECT_TIMEOUT_MS 5000L
#define URL_SHOWN_MAX 120

struct http_client {
    CURL *curl;
};

/* Where the write callback stores the body. */
struct sink {
    struct buf *body;
    int rc; /* DURE_ETOOBIG or DURE_ENOMEM once the body did not fit */
};

static atomic_int global_done;

int http_client_global_init(struct dure_err *err)
{
    if (atomic_load(&global_done))
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return dure_err_set(err, DURE_EINTERNAL, "cannot initialise libcurl");
    atomic_store(&global_done, 1);
    return 0;
}

int http_client_create(struct http_client **out, struct dure_err *err)
{
    struct http_client *c = NULL;
    *out = NULL;
    int rc = http_client_global_init(err);
    if (rc != 0)
        return rc;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return dure_err_set(err, DURE_ENOMEM, NULL);
    c->curl = curl_easy_init();
    if (c->curl == NULL) {
        free(c);
        return dure_err_set(err, DURE_ENOMEM, "cannot create a libcurl handle");
    }
    *out = c;
    return 0;
}

void http_client_destroy(struct http_client *c)
{
    if (c == NULL)
        return;
    curl_easy_cleanup(c->curl);
    free(c);
}

void http_client_resp_cleanup(struct http_client_resp *resp)
{
    if (resp != NULL)
        buf_cleanup(&resp->body);
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct sink *s = ctx;
    size_t n = size * nmemb;
    if (s->rc != 0)
        return 0;
    s->rc = buf_append(s->body, data, n);
    /* Anything but n makes curl stop with CURLE_WRITE_ERROR. */
    return s->rc == 0 ? n : 0;
}

/* The media type of a Content-Type value, lower case, without parameters. */
static void media_type(char *out, size_t n, const char *ctype)
{
    size_t i = 0;
    out[0] = '\0';
    if (ctype == NULL || n == 0)
        return;
    for (; ctype[i] != '\0' && ctype[i] != ';' && i + 1 < n; i++)
        out[i] = (char)tolower((unsigned char)ctype[i]);
    while (i > 0 && (out[i - 1] == ' ' || out[i - 1] == '\t'))
        i--;
    out[i] = '\0';
}

int http_client_request(struct http_client *c, const struct http_client_req *rq,
                        struct http_client_resp *resp, struct dure_err *err)
{
    struct curl_slist *headers = NULL, *h = NULL;
    struct sink sink;
    char header[512], shown[URL_SHOWN_MAX + 8];
    char errbuf[CURL_ERROR_SIZE];
    CURL *curl = c->curl;
    CURLcode cc;
    int post, rc = 0;

    memset(resp, 0, sizeof(*resp));
    buf_init(&resp->body, rq->max_response > 0 ? rq->max_response : HTTP_CLIENT_MAX_RESPONSE);
    str_sanitize(shown, sizeof(shown), rq->url != NULL ? rq->url : "", URL_SHOWN_MAX);
    post = rq->method != NULL && strcmp(rq->method, "POST") == 0;
    if (rq->url == NULL ||
        (strncmp(rq->url, "http://", 7) != 0 && strncmp(rq->url, "https://", 8) != 0))
        return dure_err_set(err, DURE_EINVAL, "%s: only http:// and https:// URLs", shown);
    if (!post && (rq->method == NULL || strcmp(rq->method, "GET") != 0))
        return dure_err_set(err, DURE_EINVAL, "http client: only GET and POST");

    curl_easy_reset(curl);
    errbuf[0] = '\0';
    sink.body = &resp->body;
    sink.rc = 0;
    curl_easy_setopt(curl, CURLOPT_URL, rq->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, USER_AGENT);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     (long)(rq->timeout_ms > 0 ? rq->timeout_ms : HTTP_CLIENT_TIMEOUT_MS));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)resp->body.limit);
    if (post) {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, rq->body != NULL ? rq->body : "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
    } else {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }

    /* No "Expect: 100-continue" round trip for the small bodies sent here. */
    h = curl_slist_append(headers, "Expect:");
    if (h != NULL) {
        headers = h;
        if (rq->ctype != NULL) {
            snprintf(header, sizeof(header), "Content-Type: %s", rq->ctype);
            h = curl_slist_append(headers, header);
        }
    }
    if (h != NULL && rq->bearer != NULL) {
        int n = snprintf(header, sizeof(header), "Authorization: Bearer %s", rq->bearer);
        h = (n > 0 && (size_t)n < sizeof(header)) ? curl_slist_append(headers, header) : NULL;
        sodium_memzero(header, sizeof(header));
    }
    if (h == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "cannot build the request headers");
        goto out;
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

    cc = curl_easy_perform(curl);
    if (sink.rc != 0) {
        rc = dure_err_set(err, sink.rc == DURE_ETOOBIG ? DURE_ETOOBIG : DURE_ENOMEM,
                          "%s: the response is larger than %zu bytes", shown, resp->body.limit);
        goto out;
    }
    if (cc == CURLE_FILESIZE_EXCEEDED) {
        rc = dure_err_set(err, DURE_ETOOBIG, "%s: the response is larger than %zu bytes", shown,
                          resp->body.limit);
        goto out;
    }
    if (cc != CURLE_OK) {
        rc = dure_err_set(err, DURE_EUNAVAILABLE, "%s: %s", shown,
                          errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    {
        long status = 0;
        char *ct = NULL;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct);
        resp->status = status;
        media_type(resp->ctype, sizeof(resp->ctype), ct);
    }
    if (buf_append(&resp->body, "", 0) != 0)
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
out:
    /* The header list holds the token: wipe it before it is freed. */
    for (struct curl_slist *p = headers; p != NULL; p = p->next)
        if (p->data != NULL)
            sodium_memzero(p->data, strlen(p->data));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, NULL);
    curl_slist_free_all(headers);
    return rc;
}
