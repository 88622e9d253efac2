/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP face of the data pool: uploads of invoice lists and KPI files (the body streamed to a
 * temporary file by the server), a firm's invoices, KPIs, rollups, consent and data uses.
 * Decode, call one use case of app/pool.h, encode. Which firms a member may touch is the use
 * case's decision (403, or 404 for another firm's upload). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/pool.h"
#include "core/brn.h"
#include "core/pool.h"
#include "http/router.h"
#include "util/str.h"

#define PERSON_NAME "개인 (비공개)" /* a private buyer, whose identity is never kept */

/* ---- encoding ---- */

/* s as a string, or null when empty. */
static void str_or_null(struct http_jw *w, const char *s)
{
    if (s != NULL && s[0] != '\0')
        http_jw_str(w, s);
    else
        http_jw_null(w);
}

static void upload_json(struct http_jw *w, const struct pool_upload *u)
{
    http_jw_obj(w);
    http_jw_key(w, "id");
    http_jw_i64(w, u->id);
    http_jw_key(w, "kind");
    http_jw_str(w, u->kind);
    http_jw_key(w, "firm");
    str_or_null(w, u->firm);
    http_jw_key(w, "sha256");
    http_jw_str(w, u->sha256);
    http_jw_key(w, "format");
    str_or_null(w, u->format);
    http_jw_key(w, "filename");
    str_or_null(w, u->filename);
    http_jw_key(w, "created_at");
    http_jw_str(w, u->created_at);
    http_jw_key(w, "rows");
    http_jw_i64(w, u->rows);
    http_jw_key(w, "new");
    http_jw_i64(w, u->new_records);
    http_jw_key(w, "linked");
    http_jw_i64(w, u->linked);
    http_jw_key(w, "unchanged");
    http_jw_i64(w, u->unchanged);
    http_jw_key(w, "conflicts");
    http_jw_i64(w, u->conflicts);
    http_jw_obj_end(w);
}

/* One party of an invoice. A private buyer is shown masked, whatever is stored. */
static void party_json(struct http_jw *w, int person, const char *brn, const char *name,
                       const char *branch, int with_kind)
{
    http_jw_obj(w);
    if (with_kind) {
        http_jw_key(w, "kind");
        http_jw_str(w, person ? "person" : "business");
    }
    http_jw_key(w, "brn");
    if (person)
        http_jw_null(w);
    else
        http_jw_str(w, brn);
    http_jw_key(w, "name");
    http_jw_str(w, person ? PERSON_NAME : name);
    http_jw_key(w, "branch");
    if (person)
        http_jw_null(w);
    else
        str_or_null(w, branch);
    http_jw_obj_end(w);
}

static void item_json(struct http_jw *w, const struct pool_item *it)
{
    http_jw_obj(w);
    http_jw_key(w, "date");
    str_or_null(w, it->date);
    http_jw_key(w, "name");
    http_jw_str(w, it->name);
    http_jw_key(w, "spec");
    str_or_null(w, it->spec);
    http_jw_key(w, "qty");
    http_jw_decimal(w, it->qty_milli, 3);
    http_jw_key(w, "unit_price_krw");
    http_jw_i64(w, it->unit_price_krw);
    http_jw_key(w, "supply_krw");
    http_jw_i64(w, it->supply_krw);
    http_jw_key(w, "tax_krw");
    http_jw_i64(w, it->tax_krw);
    http_jw_obj_end(w);
}

/* firm: the firm whose list this is, so the side can be named; "" when not known. */
static void invoice_json(struct http_jw *w, const struct pool_invoice *inv, const char *firm)
{
    char month[POOL_MONTH_SIZE];
    int person = inv->buyer_kind == POOL_PARTY_PERSON;

    pool_month_of(inv->written_on, month);
    http_jw_obj(w);
    http_jw_key(w, "approval_no");
    http_jw_str(w, inv->approval_no);
    http_jw_key(w, "written_on");
    http_jw_str(w, inv->written_on);
    http_jw_key(w, "issued_on");
    str_or_null(w, inv->issued_on);
    http_jw_key(w, "month");
    http_jw_str(w, month);
    if (firm[0] != '\0' && strcmp(inv->supplier_brn, firm) == 0) {
        http_jw_key(w, "side");
        http_jw_str(w, "issued");
    } else if (firm[0] != '\0' && !person && strcmp(inv->buyer_brn, firm) == 0) {
        http_jw_key(w, "side");
        http_jw_str(w, "received");
    }
    http_jw_key(w, "supplier");
    party_json(w, 0, inv->supplier_brn, inv->supplier_name, inv->supplier_branch, 0);
    http_jw_key(w, "buyer");
    party_json(w, person, inv->buyer_brn, inv->buyer_name, inv->buyer_branch, 1);
    http_jw_key(w, "total_krw");
    http_jw_i64(w, inv->total_krw);
    http_jw_key(w, "supply_krw");
    http_jw_i64(w, inv->supply_krw);
    http_jw_key(w, "tax_krw");
    http_jw_i64(w, inv->tax_krw);
    http_jw_key(w, "tax_exempt");
    http_jw_bool(w, inv->tax_exempt);
    http_jw_key(w, "amended");
    http_jw_bool(w, inv->amended);
    http_jw_key(w, "kind");
    str_or_null(w, inv->kind);
    http_jw_key(w, "receipt");
    http_jw_bool(w, inv->receipt);
    http_jw_key(w, "items_complete");
    http_jw_bool(w, inv->items_complete);
    http_jw_key(w, "item");
    if (inv->nitems > 0 && inv->items != NULL)
        item_json(w, &inv->items[0]);
    else
        http_jw_null(w);
    http_jw_obj_end(w);
}

static void consent_json(struct http_jw *w, const char *brn, int scopes, const char *updated_at)
{
    http_jw_obj(w);
    http_jw_key(w, "brn");
    http_jw_str(w, brn);
    http_jw_key(w, "scopes");
    http_jw_obj(w);
    for (int bit = POOL_CONSENT_STATISTICS; bit <= POOL_CONSENT_MATCHING; bit <<= 1) {
        http_jw_key(w, pool_consent_name(bit));
        http_jw_bool(w, (scopes & bit) != 0);
    }
    http_jw_obj_end(w);
    http_jw_key(w, "updated_at");
    str_or_null(w, updated_at);
    http_jw_obj_end(w);
}

/* ---- decoding ---- */

static int path_brn(struct http_req *req, char brn[BRN_SIZE])
{
    struct dure_err err;
    const char *in = http_param(req, "brn");
    if (brn_parse(in != NULL ? in : "", brn, &err) == 0)
        return 0;
    http_reply_err(req, &err);
    return DURE_EINVAL;
}

/* ?firm=: NULL when absent or empty (the use case then takes a member's only firm); a bad
 * BRN answers 400. The normalised BRN goes to brn (OUT, "" when absent). */
static int query_firm(struct http_req *req, char brn[BRN_SIZE], const char **firm)
{
    struct dure_err err;
    const char *in = http_query(req, "firm");
    brn[0] = '\0';
    *firm = NULL;
    if (in == NULL || in[0] == '\0')
        return 0;
    if (brn_parse(in, brn, &err) != 0) {
        http_reply_problem(req, DURE_EINVAL, "firm: %s", err.msg);
        return DURE_EINVAL;
    }
    *firm = brn;
    return 0;
}

/* ?month=YYYY-MM: NULL when absent; 400 when malformed. */
static int query_month(struct http_req *req, char month[POOL_MONTH_SIZE], const char **out)
{
    struct dure_err err;
    const char *in = http_query(req, "month");
    *out = NULL;
    if (in == NULL || in[0] == '\0')
        return 0;
    if (pool_month_parse(in, month, &err) != 0) {
        http_reply_problem(req, DURE_EINVAL, "month: %s", err.msg);
        return DURE_EINVAL;
    }
    *out = month;
    return 0;
}

/* The firm a list is about, for naming sides: the one asked for, else a member's only firm. */
static const char *list_firm(const struct http_req *req, const char *asked)
{
    const struct principal *p = http_principal(req);
    if (asked != NULL)
        return asked;
    return p->role != DURE_ROLE_ADMIN && p->nfirms == 1 ? p->firms[0] : "";
}

/* ---- uploads ---- */

static void reply_upload(struct http_req *req, const struct pool_result *res)
{
    struct http_jw w;
    char location[48];
    http_jw_init(&w, HTTP_JSON_LIMIT);
    http_jw_obj(&w);
    http_jw_key(&w, "upload");
    upload_json(&w, &res->upload);
    http_jw_key(&w, "already");
    http_jw_bool(&w, res->already);
    http_jw_key(&w, "conflicts");
    http_jw_arr(&w);
    for (size_t i = 0; i < res->nconflicts; i++) {
        const struct pool_conflict *c = &res->conflicts[i];
        http_jw_obj(&w);
        http_jw_key(&w, "line");
        http_jw_i64(&w, (int64_t)c->line);
        http_jw_key(&w, "approval_no");
        http_jw_str(&w, c->approval_no);
        http_jw_key(&w, "message");
        http_jw_str(&w, c->message);
        http_jw_obj_end(&w);
    }
    http_jw_arr_end(&w);
    if (res->conflicts_dropped > 0) {
        http_jw_key(&w, "conflicts_dropped");
        http_jw_i64(&w, (int64_t)res->conflicts_dropped);
    }
    http_jw_key(&w, "ledger_index");
    if (res->event_seq >= 0)
        http_jw_i64(&w, res->event_seq);
    else
        http_jw_null(&w);
    http_jw_obj_end(&w);
    http_reply_jw(req, res->already ? 200 : 201, &w);
    http_jw_cleanup(&w);
    if (!res->already) {
        snprintf(location, sizeof(location), "/api/v1/uploads/%" PRId64, res->upload.id);
        http_reply_header(req, "Location", location);
    }
}

void api_pool_upload_create(struct http_req *req)
{
    struct pool_result res;
    struct dure_err err;
    char brn[BRN_SIZE];
    const char *firm = NULL;
    const char *kind = http_query(req, "kind");
    const char *filename = http_query(req, "filename");
    const char *path = http_body_file(req, NULL);

    memset(&res, 0, sizeof(res));
    dure_err_clear(&err);
    if (path == NULL) {
        http_reply_problem(req, DURE_EINTERNAL, NULL);
        return;
    }
    if (kind == NULL || (strcmp(kind, "invoices") != 0 && strcmp(kind, "kpis") != 0)) {
        http_reply_problem(req, DURE_EINVAL, "kind must be \"invoices\" or \"kpis\"");
        return;
    }
    if (query_firm(req, brn, &firm) != 0)
        return;
    if (filename != NULL && filename[0] == '\0')
        filename = NULL;
    int rc = pool_upload(req->app, http_principal(req), kind, firm, path, filename, NULL, NULL,
                         &res, &err);
    if (rc == DURE_EUNPROCESSABLE)
        http_reply_problem_errors(req, &err, res.errors, res.nerrors, res.errors_dropped);
    else if (rc != 0)
        http_reply_err(req, &err);
    else
        reply_upload(req, &res);
    pool_result_cleanup(&res);
}

void api_pool_upload_list(struct http_req *req)
{
    struct pool_upload *items = NULL;
    size_t n = 0;
    char brn[BRN_SIZE];
    const char *firm = NULL;
    struct dure_err err;
    struct http_jw w;

    http_jw_init(&w, HTTP_JSON_LIMIT);
    if (query_firm(req, brn, &firm) != 0)
        goto out;
    if (pool_uploads(req->app, http_principal(req), firm, &items, &n, &err) != 0) {
        http_reply_err(req, &err);
        goto out;
    }
    http_jw_obj(&w);
    http_jw_key(&w, "items");
    http_jw_arr(&w);
    for (size_t i = 0; i < n; i++)
        upload_json(&w, &items[i]);
    http_jw_arr_end(&w);
    http_jw_key(&w, "next");
    http_jw_null(&w);
    http_jw_obj_end(&w);
    http_reply_jw(req, 200, &w);
out:
    free(items);
    http_jw_cleanup(&w);
}

void api_pool_upload_delete(struct http_req *req)
{
    struct dure_err err;
    const char *s = http_param(req, "id");
    int64_t id = 0;
    if (s == NULL || !str_is_digits(s) || strlen(s) > 18 || str_to_i64(s, 0, &id) != 0 || id <= 0) {
        http_reply_problem(req, DURE_EINVAL, "an upload id is a positive integer");
        return;
    }
    if (pool_upload_delete(req->app, http_principal(req), id, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    http_reply_empty(req, 204);
}

/* ---- invoices and KPIs ---- */

void api_pool_invoice_list(struct http_req *req)
{
    struct invoice_filter filter;
    struct pool_invoice *items = NULL;
    size_t n = 0, limit = 0;
    char brn[BRN_SIZE], month[POOL_MONTH_SIZE];
    const char *cursor = NULL, *side = http_query(req, "side");
    struct dure_err err;
    struct http_jw w;

    memset(&filter, 0, sizeof(filter));
    filter.side = -1;
    http_jw_init(&w, HTTP_JSON_LIMIT);
    if (query_firm(req, brn, &filter.firm) != 0 || query_month(req, month, &filter.month) != 0 ||
        http_list_params(req, &limit, &cursor) != 0)
        goto out;
    if (side != NULL && side[0] != '\0') {
        if (strcmp(side, "issued") == 0) {
            filter.side = POOL_SIDE_ISSUED;
        } else if (strcmp(side, "received") == 0) {
            filter.side = POOL_SIDE_RECEIVED;
        } else {
            http_reply_problem(req, DURE_EINVAL, "side must be \"issued\" or \"received\"");
            goto out;
        }
    }
    if (cursor != NULL) {
        if (!str_is_digits(cursor) || strlen(cursor) != POOL_APPROVAL_LEN) {
            http_reply_problem(req, DURE_EINVAL, "cursor must be the \"next\" of a previous page");
            goto out;
        }
        filter.after = cursor;
    }
    filter.limit = limit + 1; /* one more tells whether there is a next page */
    if (pool_invoices(req->app, http_principal(req), &filter, &items, &n, &err) != 0) {
        http_reply_err(req, &err);
        goto out;
    }
    const char *firm = list_firm(req, filter.firm);
    size_t shown = n > limit ? limit : n;
    http_jw_obj(&w);
    http_jw_key(&w, "items");
    http_jw_arr(&w);
    for (size_t i = 0; i < shown; i++)
        invoice_json(&w, &items[i], firm);
    http_jw_arr_end(&w);
    http_jw_key(&w, "next");
    if (n > limit)
        http_jw_str(&w, items[shown - 1].approval_no);
    else
        http_jw_null(&w);
    http_jw_obj_end(&w);
    http_reply_jw(req, 200, &w);
out:
    if (items != NULL)
        store_invoices_free(items, n);
    http_jw_cleanup(&w);
}

void api_pool_kpi_list(struct http_req *req)
{
    struct pool_kpi *items = NULL;
    size_t n = 0;
    char brn[BRN_SIZE], month_buf[POOL_MONTH_SIZE];
    const char *firm = NULL, *month = NULL;
    struct dure_err err;
    struct http_jw w;

    http_jw_init(&w, HTTP_JSON_LIMIT);
    if (query_firm(req, brn, &firm) != 0 || query_month(req, month_buf, &month) != 0)
        goto out;
    if (pool_kpis(req->app, http_principal(req), firm, month, &items, &n, &err) != 0) {
        http_reply_err(req, &err);
        goto out;
    }
    http_jw_obj(&w);
    http_jw_key(&w, "items");
    http_jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        const struct pool_kpi *k = &items[i];
        http_jw_obj(&w);
        http_jw_key(&w, "brn");
        http_jw_str(&w, k->brn);
        http_jw_key(&w, "month");
        http_jw_str(&w, k->month);
        http_jw_key(&w, "revenue_krw");
        http_jw_i64(&w, k->revenue_krw);
        http_jw_key(&w, "production_krw");
        http_jw_i64(&w, k->production_krw);
        http_jw_key(&w, "exports_krw");
        http_jw_i64(&w, k->exports_krw);
        http_jw_key(&w, "employees");
        http_jw_i64(&w, k->employees);
        http_jw_obj_end(&w);
    }
    http_jw_arr_end(&w);
    http_jw_obj_end(&w);
    http_reply_jw(req, 200, &w);
out:
    free(items);
    http_jw_cleanup(&w);
}

/* ---- a firm's rollups, consent and data uses ---- */

void api_pool_rollup_list(struct http_req *req)
{
    struct firm_month *items = NULL;
    size_t n = 0;
    char brn[BRN_SIZE];
    struct dure_err err;
    struct http_jw w;

    http_jw_init(&w, HTTP_JSON_LIMIT);
    if (path_brn(req, brn) != 0)
        goto out;
    if (pool_rollups(req->app, http_principal(req), brn, &items, &n, &err) != 0) {
        http_reply_err(req, &err);
        goto out;
    }
    http_jw_obj(&w);
    http_jw_key(&w, "items");
    http_jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        const struct firm_month *m = &items[i];
        http_jw_obj(&w);
        http_jw_key(&w, "month");
        http_jw_str(&w, m->month);
        http_jw_key(&w, "sales_krw");
        http_jw_i64(&w, m->sales_krw);
        http_jw_key(&w, "purchases_krw");
        http_jw_i64(&w, m->purchases_krw);
        http_jw_key(&w, "cluster_purchases_krw");
        http_jw_i64(&w, m->cluster_purchases_krw);
        http_jw_key(&w, "invoices_issued");
        http_jw_i64(&w, m->invoices_issued);
        http_jw_key(&w, "invoices_received");
        http_jw_i64(&w, m->invoices_received);
        http_jw_obj_end(&w);
    }
    http_jw_arr_end(&w);
    http_jw_obj_end(&w);
    http_reply_jw(req, 200, &w);
out:
    free(items);
    http_jw_cleanup(&w);
}

static void reply_consent(struct http_req *req, const char *brn)
{
    struct dure_err err;
    struct http_jw w;
    char updated_at[REG_TIME_SIZE] = "";
    int scopes = 0;
    if (pool_consent_get(req->app, http_principal(req), brn, &scopes, updated_at, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    http_jw_init(&w, HTTP_JSON_LIMIT);
    consent_json(&w, brn, scopes, updated_at);
    http_reply_jw(req, 200, &w);
    http_jw_cleanup(&w);
}

void api_pool_consent_get(struct http_req *req)
{
    char brn[BRN_SIZE];
    if (path_brn(req, brn) == 0)
        reply_consent(req, brn);
}

/* PUT {"scopes":{"statistics":b,"benchmarking":b,"purchasing":b,"matching":b}}: every scope
 * stated, so that a client never grants a use by leaving it out. "brn" and "updated_at", as
 * GET shows them, are accepted; a brn must be the path's. */
void api_pool_consent_put(struct http_req *req)
{
    char brn[BRN_SIZE], body_brn[32] = "", parsed[BRN_SIZE];
    json_t *body = NULL;
    const json_t *scopes_v = NULL;
    int on[4] = {0, 0, 0, 0};
    int scopes = 0;
    struct dure_err err;

    if (path_brn(req, brn) != 0 || http_body_json(req, &body) != 0)
        goto out;
    const struct http_field fields[] = {
        {"scopes", HTTP_FIELD_ANY, 1, 0, &scopes_v, 0, 0, 0, NULL},
        {"brn", HTTP_FIELD_STR, 0, 0, body_brn, sizeof(body_brn), 0, 0, NULL},
        {"updated_at", HTTP_FIELD_IGNORE, 0, 1, NULL, 0, 0, 0, NULL},
    };
    if (http_json_fields(req, body, fields, sizeof(fields) / sizeof(fields[0])) != 0)
        goto out;
    if (body_brn[0] != '\0' &&
        (brn_parse(body_brn, parsed, &err) != 0 || strcmp(parsed, brn) != 0)) {
        http_reply_problem(req, DURE_EINVAL, "field \"brn\": differs from the BRN in the path");
        goto out;
    }
    if (!json_is_object(scopes_v)) {
        http_reply_problem(req, DURE_EINVAL,
                           "field \"scopes\": expected an object of four booleans");
        goto out;
    }
    const struct http_field scope_fields[] = {
        {"statistics", HTTP_FIELD_BOOL, 1, 0, &on[0], 0, 0, 0, NULL},
        {"benchmarking", HTTP_FIELD_BOOL, 1, 0, &on[1], 0, 0, 0, NULL},
        {"purchasing", HTTP_FIELD_BOOL, 1, 0, &on[2], 0, 0, 0, NULL},
        {"matching", HTTP_FIELD_BOOL, 1, 0, &on[3], 0, 0, 0, NULL},
    };
    if (http_json_fields(req, scopes_v, scope_fields,
                         sizeof(scope_fields) / sizeof(scope_fields[0])) != 0)
        goto out;
    for (size_t i = 0; i < 4; i++) {
        int bit = pool_consent_parse(scope_fields[i].name);
        if (on[i])
            scopes |= bit;
    }
    if (pool_consent_set(req->app, http_principal(req), brn, scopes, &err) != 0) {
        http_reply_err(req, &err);
        goto out;
    }
    reply_consent(req, brn);
out:
    json_decref(body);
}

void api_pool_data_use_list(struct http_req *req)
{
    struct data_use *items = NULL;
    size_t n = 0;
    char brn[BRN_SIZE];
    struct dure_err err;
    struct http_jw w;

    http_jw_init(&w, HTTP_JSON_LIMIT);
    if (path_brn(req, brn) != 0)
        goto out;
    if (pool_data_uses(req->app, http_principal(req), brn, &items, &n, &err) != 0) {
        http_reply_err(req, &err);
        goto out;
    }
    http_jw_obj(&w);
    http_jw_key(&w, "items");
    http_jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        const struct data_use *u = &items[i];
        http_jw_obj(&w);
        http_jw_key(&w, "purpose");
        http_jw_str(&w, u->purpose);
        http_jw_key(&w, "computation");
        http_jw_str(&w, u->computation);
        http_jw_key(&w, "actor");
        http_jw_str(&w, u->actor);
        http_jw_key(&w, "used_at");
        http_jw_str(&w, u->used_at);
        http_jw_obj_end(&w);
    }
    http_jw_arr_end(&w);
    http_jw_obj_end(&w);
    http_reply_jw(req, 200, &w);
out:
    free(items);
    http_jw_cleanup(&w);
}
