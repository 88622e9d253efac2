/* SPDX-License-Identifier: Apache-2.0 */
/* The server's own pages: the front page (the cluster's figures and the way into the API, or
 * the dashboard from the web directory), its static files, the health probe and the metrics. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"
#include "app/registry.h"
#include "http/router.h"
#include "http/server.h"
#include "util/buf.h"
#include "util/str.h"

#define PAGE_LIMIT (64u * 1024)
#define METRICS_LIMIT (4u << 20)
#define STATIC_PATH_MAX 200

/* ---- the front page ---- */

/* n with thousands separators into out. */
static void grouped(char *out, size_t size, int64_t n)
{
    char digits[24];
    char tmp[32];
    size_t len, j = 0;
    int neg = n < 0;
    snprintf(digits, sizeof(digits), "%" PRId64, n);
    len = strlen(digits + neg);
    if (neg)
        tmp[j++] = '-';
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            tmp[j++] = ',';
        tmp[j++] = digits[neg + i];
    }
    tmp[j] = '\0';
    str_copy(out, tmp, size);
}

static const char page_head[] =
    "<!doctype html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>두레 dure · G밸리 데이터 협동조합</title>\n<style>\n"
    "body{font-family:system-ui,'Noto Sans KR','Apple SD Gothic Neo',sans-serif;max-width:46rem;"
    "margin:2rem auto;padding:0 1rem;color:#1d2733;line-height:1.5}\n"
    "h1{margin-bottom:.2rem}h1 small{font-weight:400;color:#5a6775}\n"
    ".lead{color:#3c4a58;margin-top:0}\n"
    "table{border-collapse:collapse;width:100%;margin:1.2rem 0}\n"
    "td,th{padding:.45rem .6rem;border-bottom:1px solid #e3e8ee;text-align:left}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;font-weight:600}\n"
    "th{font-weight:600;color:#5a6775;font-size:.9rem}\n"
    "code{background:#f3f5f8;padding:.1rem .3rem;border-radius:3px}\n"
    "li{margin:.3rem 0}footer{margin-top:2rem;color:#7a8794;font-size:.85rem}\n"
    "</style>\n</head>\n<body>\n"
    "<h1>두레 <small>dure</small></h1>\n"
    "<p class=\"lead\">서울디지털산업단지(G밸리) 중소기업의 데이터 협동조합<br>"
    "A data cooperative for the small firms of Seoul's G-Valley cluster</p>\n";

static const char page_tail[] =
    "<h2>API</h2>\n<ul>\n"
    "<li><a href=\"/api/v1/buildings\"><code>/api/v1/buildings</code></a> — "
    "건물(지식산업센터) 목록 · buildings and knowledge-industry centres</li>\n"
    "<li><a href=\"/api/v1/firms\"><code>/api/v1/firms</code></a> — "
    "입주기업 · firms (<code>?building=&amp;ksic=&amp;q=&amp;member=</code>)</li>\n"
    "<li><a href=\"/api/v1/ledger/checkpoint\"><code>/api/v1/ledger/checkpoint</code></a> — "
    "원장 체크포인트 · the ledger's signed checkpoint</li>\n"
    "<li><a href=\"/healthz\"><code>/healthz</code></a> — 상태 · health</li>\n"
    "<li><a href=\"/metrics\"><code>/metrics</code></a> — 지표 · Prometheus metrics</li>\n"
    "</ul>\n"
    "<p>로그인 · Log in: <code>POST /api/v1/session</code>; "
    "토큰 · tokens: <code>Authorization: Bearer &lt;token&gt;</code>.</p>\n"
    "<footer>dure · 협동조합 기본법에 따른 데이터 협동조합 · "
    "a cooperative under the Framework Act on Cooperatives</footer>\n"
    "</body>\n</html>\n";

static void figure_row(struct buf *b, const char *ko, const char *en, int64_t n)
{
    char num[32];
    grouped(num, sizeof(num), n);
    buf_printf(b, "<tr><td>%s <small>%s</small></td><td class=\"n\">%s</td></tr>\n", ko, en, num);
}

/* The built-in front page with the register's figures. */
static void builtin_index(struct http_req *req)
{
    struct store_summary s;
    struct dure_err err;
    struct buf page;

    if (registry_summary(req->app, &s, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    buf_init(&page, PAGE_LIMIT);
    buf_append(&page, page_head, sizeof(page_head) - 1);
    buf_append_str(&page, "<table>\n<tr><th>클러스터 현황 · the cluster</th><th></th></tr>\n");
    figure_row(&page, "건물", "buildings", s.buildings);
    figure_row(&page, "지식산업센터", "knowledge-industry centres", s.centres);
    figure_row(&page, "입주기업", "firms", s.firms);
    figure_row(&page, "지식산업센터 입주기업", "firms in centres", s.firms_in_centres);
    figure_row(&page, "종사자", "employees", s.employees);
    figure_row(&page, "조합원", "cooperative members", s.members);
    buf_append_str(&page, "</table>\n");
    if (buf_append(&page, page_tail, sizeof(page_tail) - 1) != 0) {
        buf_cleanup(&page);
        http_reply_problem(req, DURE_EINTERNAL, NULL);
        return;
    }
    http_reply_buf(req, 200, "text/html; charset=utf-8", &page);
    http_reply_header(req, "Content-Security-Policy",
                      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'");
    http_reply_header(req, "X-Content-Type-Options", "nosniff");
    http_reply_header(req, "Cache-Control", "no-cache");
    buf_cleanup(&page);
}

/* ---- static files ---- */

static const struct {
    const char *ext;
    const char *type;
} content_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"txt", "text/plain; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"wasm", "application/wasm"},
};

static const char *content_type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot != NULL && strchr(dot, '/') == NULL)
        for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++)
            if (strcmp(dot + 1, content_types[i].ext) == 0)
                return content_types[i].type;
    return "application/octet-stream";
}

/* 1 when rel is a safe relative path: segments of [A-Za-z0-9._-], none empty or starting
 * with '.', so no "..", no hidden files and no absolute paths. */
static int safe_relative(const char *rel)
{
    size_t n = strlen(rel);
    if (n == 0 || n > STATIC_PATH_MAX)
        return 0;
    int seg_start = 1;
    for (const char *p = rel; *p != '\0'; p++) {
        char c = *p;
        if (c == '/') {
            if (seg_start)
                return 0;
            seg_start = 1;
            continue;
        }
        if (seg_start && c == '.')
            return 0;
        seg_start = 0;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return !seg_start;
}

/* Serve dir/rel; 1 when answered (file or error), 0 when the file does not exist. */
static int serve_file(struct http_req *req, const char *dir, const char *rel)
{
    char path[4096];
    struct stat st;
    int fd;

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >= sizeof(path))
        return 0;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return 0;
    }
    http_reply_fd(req, 200, content_type_of(rel), fd, (uint64_t)st.st_size);
    http_reply_header(req, "X-Content-Type-Options", "nosniff");
    http_reply_header(req, "Cache-Control", "no-cache");
    return 1;
}

/* GET / -> the dashboard's index.html when a web directory is set and has one, else the
 * built-in page. */
void api_system_index(struct http_req *req)
{
    const char *dir = http_server_web_dir(req->srv);
    if (dir != NULL && serve_file(req, dir, "index.html"))
        return;
    builtin_index(req);
}

/* GET /static/{path...} -> <web dir>/<path>. */
void api_system_static(struct http_req *req)
{
    const char *dir = http_server_web_dir(req->srv);
    const char *rel = http_param(req, "path");
    if (dir == NULL || rel == NULL || !safe_relative(rel) || !serve_file(req, dir, rel))
        http_reply_problem(req, DURE_ENOTFOUND, "no such file");
}

/* ---- probes ---- */

/* GET /healthz -> {"status":"ok","store":"sqlite"} when this thread's store answers a query;
 * 503 when it does not. */
void api_system_healthz(struct http_req *req)
{
    const char *driver = NULL;
    struct dure_err err;
    struct http_jw w;

    if (app_health(req->app, &driver, &err) != 0) {
        http_server_log(req->srv, req, "error", err.msg);
        http_reply_problem(req, DURE_EUNAVAILABLE, "the store is not available");
        return;
    }
    http_jw_init(&w, 256);
    http_jw_obj(&w);
    http_jw_key(&w, "status");
    http_jw_str(&w, "ok");
    http_jw_key(&w, "store");
    http_jw_str(&w, driver);
    http_jw_obj_end(&w);
    http_reply_jw(req, 200, &w);
    http_reply_header(req, "Cache-Control", "no-store");
    http_jw_cleanup(&w);
}

/* GET /metrics -> Prometheus text format. */
void api_system_metrics(struct http_req *req)
{
    struct buf out;
    buf_init(&out, METRICS_LIMIT);
    if (http_server_metrics(req->srv, &out) != 0) {
        buf_cleanup(&out);
        http_reply_problem(req, DURE_EINTERNAL, NULL);
        return;
    }
    http_reply_buf(req, 200, "text/plain; version=0.0.4; charset=utf-8", &out);
    http_reply_header(req, "Cache-Control", "no-store");
    buf_cleanup(&out);
}
