/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP face of the registry: buildings and firms. Decode, call one use case of
 * app/registry.h, encode. Register facts are public; changes are for admins (route table). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/registry.h"
#include "core/brn.h"
#include "core/ksic.h"
#include "core/registry.h"
#include "http/router.h"
#include "util/str.h"

#define QUERY_MAX 100 /* bytes of ?q= */

/* ---- encoding ---- */

static void building_json(struct http_jw *w, const struct building *b)
{
    char complex[2] = {(char)('0' + (b->complex >= 0 && b->complex <= 9 ? b->complex : 0)), 0};
    http_jw_obj(w);
    http_jw_key(w, "id");
    http_jw_i64(w, b->id);
    http_jw_key(w, "name");
    http_jw_str(w, b->name);
    http_jw_key(w, "complex");
    http_jw_str(w, complex);
    http_jw_key(w, "is_centre");
    http_jw_bool(w, b->is_centre);
    http_jw_key(w, "road_address");
    http_jw_str(w, b->road_address);
    http_jw_key(w, "floors");
    http_jw_i64(w, b->floors);
    http_jw_key(w, "building_area_m2");
    http_jw_f64(w, b->building_area_m2);
    http_jw_key(w, "gross_floor_area_m2");
    http_jw_f64(w, b->gross_floor_area_m2);
    http_jw_key(w, "firm_count");
    http_jw_i64(w, b->firm_count);
    http_jw_obj_end(w);
}

static void firm_json(struct http_jw *w, const struct firm *f)
{
    char formatted[BRN_FORMATTED_SIZE];
    const struct ksic_entry *k = ksic_lookup(f->ksic);
    char section[2] = {ksic_section(f->ksic), 0};

    brn_format(f->brn, formatted);
    http_jw_obj(w);
    http_jw_key(w, "brn");
    http_jw_str(w, f->brn);
    http_jw_key(w, "brn_formatted");
    http_jw_str(w, formatted);
    http_jw_key(w, "name");
    http_jw_str(w, f->name);
    http_jw_key(w, "ksic");
    http_jw_str(w, f->ksic);
    http_jw_key(w, "ksic_name");
    if (k != NULL)
        http_jw_str(w, k->name);
    else
        http_jw_null(w);
    http_jw_key(w, "ksic_section");
    if (section[0] != 0)
        http_jw_str(w, section);
    else
        http_jw_null(w);
    http_jw_key(w, "building_id");
    if (f->building_id > 0)
        http_jw_i64(w, f->building_id);
    else
        http_jw_null(w);
    http_jw_key(w, "floor");
    http_jw_i64(w, f->floor);
    http_jw_key(w, "unit");
    http_jw_str(w, f->unit);
    http_jw_key(w, "employees");
    http_jw_i64(w, f->employees);
    http_jw_key(w, "size_class");
    http_jw_str(w, size_class_of(f->employees));
    http_jw_key(w, "status");
    http_jw_str(w, firm_status_name(f->status));
    http_jw_key(w, "member");
    http_jw_bool(w, f->member);
    http_jw_obj_end(w);
}

static void reply_building(struct http_req *req, unsigned status, const struct building *b)
{
    struct http_jw w;
    http_jw_init(&w, HTTP_JSON_LIMIT);
    building_json(&w, b);
    http_reply_jw(req, status, &w);
    http_jw_cleanup(&w);
}

static void reply_firm(struct http_req *req, unsigned status, const struct firm *f)
{
    struct http_jw w;
    http_jw_init(&w, HTTP_JSON_LIMIT);
    firm_json(&w, f);
    http_reply_jw(req, status, &w);
    http_jw_cleanup(&w);
}

/* Answer with the record as stored after a change (member flag and all); should reading it
 * back fail, with what was sent, as the change itself is made. */
static void reply_stored_firm(struct http_req *req, unsigned status, const struct firm *sent)
{
    struct firm stored;
    struct dure_err err;
    if (registry_firm_get(req->app, sent->brn, &stored, &err) == 0)
        reply_firm(req, status, &stored);
    else
        reply_firm(req, status, sent);
}

/* ---- decoding ---- */

/* A 400 about one field, in the same shape as http_json_fields gives. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
field_problem(struct http_req *req, const char *field, const char *fmt, ...)
{
    struct import_error e;
    struct dure_err err;
    va_list ap;
    memset(&e, 0, sizeof(e));
    str_copy(e.field, field, sizeof(e.field));
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof(e.message), fmt, ap);
    va_end(ap);
    dure_err_set(&err, DURE_EINVAL, "field \"%s\": %s", e.field, e.message);
    http_reply_problem_errors(req, &err, &e, 1, 0);
}

/* A positive integer id of at most 18 digits. */
static int parse_id(const char *s, int64_t *out)
{
    return s != NULL && str_is_digits(s) && strlen(s) <= 18 && str_to_i64(s, 0, out) == 0 &&
                   *out > 0
               ? 0
               : -1;
}

static int path_building_id(struct http_req *req, int64_t *id)
{
    if (parse_id(http_param(req, "id"), id) == 0)
        return 0;
    http_reply_problem(req, DURE_EINVAL, "a building id is a positive integer");
    return DURE_EINVAL;
}

static int path_brn(struct http_req *req, char brn[BRN_SIZE])
{
    struct dure_err err;
    const char *in = http_param(req, "brn");
    if (brn_parse(in != NULL ? in : "", brn, &err) == 0)
        return 0;
    http_reply_err(req, &err);
    return DURE_EINVAL;
}

/* The body of POST/PUT /buildings into *b (id left as is). Full replacement: fields absent
 * take their empty values. */
static int building_decode(struct http_req *req, struct building *b)
{
    json_t *body = NULL;
    const json_t *complex = NULL;
    int64_t floors = 0;
    int rc = http_body_json(req, &body);
    if (rc != 0)
        goto out;
    const struct http_field fields[] = {
        {"name", HTTP_FIELD_STR, 1, 0, b->name, sizeof(b->name), 0, 0, NULL},
        {"complex", HTTP_FIELD_ANY, 1, 0, &complex, 0, 0, 0, NULL},
        {"is_centre", HTTP_FIELD_BOOL, 0, 0, &b->is_centre, 0, 0, 0, NULL},
        {"road_address", HTTP_FIELD_STR, 0, 1, b->road_address, sizeof(b->road_address), 0, 0,
         NULL},
        {"floors", HTTP_FIELD_INT, 0, 1, &floors, 0, 0, 1000, NULL},
        {"building_area_m2", HTTP_FIELD_NUM, 0, 1, &b->building_area_m2, 0, 0, 100000000, NULL},
        {"gross_floor_area_m2", HTTP_FIELD_NUM, 0, 1, &b->gross_floor_area_m2, 0, 0, 100000000,
         NULL},
        {"id", HTTP_FIELD_IGNORE, 0, 1, NULL, 0, 0, 0, NULL},
        {"firm_count", HTTP_FIELD_IGNORE, 0, 1, NULL, 0, 0, 0, NULL},
    };
    rc = http_json_fields(req, body, fields, sizeof(fields) / sizeof(fields[0]));
    if (rc != 0)
        goto out;
    b->floors = (int)floors;
    /* The dimension key is a string ("1".."3", as in the statistics); an integer is taken too. */
    if (json_is_string(complex))
        b->complex = complex_parse(json_string_value(complex));
    else if (json_is_integer(complex) && json_integer_value(complex) >= 1 &&
             json_integer_value(complex) <= 3)
        b->complex = (int)json_integer_value(complex);
    else
        b->complex = 0;
    if (b->complex == 0) {
        field_problem(req, "complex", "must be \"1\", \"2\" or \"3\"");
        rc = DURE_EINVAL;
    }
out:
    json_decref(body);
    return rc;
}

/* The body of POST /firms or PUT /firms/{brn} (path_brn, else NULL) into *f. */
static int firm_decode(struct http_req *req, const char *path_brn, struct firm *f)
{
    json_t *body = NULL;
    char brn_in[32] = "";
    char status[32] = "";
    int64_t building_id = 0, floor = 0, employees = 0;
    struct dure_err err;
    int rc = http_body_json(req, &body);
    if (rc != 0)
        goto out;
    const struct http_field fields[] = {
        {"brn", HTTP_FIELD_STR, path_brn == NULL, 0, brn_in, sizeof(brn_in), 0, 0, NULL},
        {"name", HTTP_FIELD_STR, 1, 0, f->name, sizeof(f->name), 0, 0, NULL},
        {"ksic", HTTP_FIELD_STR, 1, 0, f->ksic, sizeof(f->ksic), 0, 0, NULL},
        {"building_id", HTTP_FIELD_INT, 0, 1, &building_id, 0, 1, INT64_MAX, NULL},
        {"floor", HTTP_FIELD_INT, 0, 1, &floor, 0, -20, 300, NULL},
        {"unit", HTTP_FIELD_STR, 0, 1, f->unit, sizeof(f->unit), 0, 0, NULL},
        {"employees", HTTP_FIELD_INT, 0, 1, &employees, 0, 0, 10000000, NULL},
        {"status", HTTP_FIELD_STR, 0, 1, status, sizeof(status), 0, 0, NULL},
        {"brn_formatted", HTTP_FIELD_IGNORE, 0, 1, NULL, 0, 0, 0, NULL},
        {"ksic_name", HTTP_FIELD_IGNORE, 0, 1, NULL, 0, 0, 0, NULL},
        {"ksic_section", HTTP_FIELD_IGNORE, 0, 1, NULL, 0, 0, 0, NULL},
        {"size_class", HTTP_FIELD_IGNORE, 0, 1, NULL, 0, 0, 0, NULL},
        {"member", HTTP_FIELD_IGNORE, 0, 1, NULL, 0, 0, 0, NULL},
    };
    rc = http_json_fields(req, body, fields, sizeof(fields) / sizeof(fields[0]));
    if (rc != 0)
        goto out;
    if (brn_in[0] != '\0' || path_brn == NULL) {
        rc = brn_parse(brn_in, f->brn, &err);
        if (rc != 0) {
            field_problem(req, "brn", "%s", err.msg);
            goto out;
        }
        if (path_brn != NULL && strcmp(path_brn, f->brn) != 0) {
            field_problem(req, "brn", "differs from the BRN in the path");
            rc = DURE_EINVAL;
            goto out;
        }
    } else {
        str_copy(f->brn, path_brn, sizeof(f->brn));
    }
    if (firm_status_parse(status, &f->status) != 0) {
        field_problem(req, "status", "must be \"active\", \"suspended\" or \"closed\"");
        rc = DURE_EINVAL;
        goto out;
    }
    f->building_id = building_id;
    f->floor = (int)floor;
    f->employees = employees;
out:
    json_decref(body);
    return rc;
}

/* ---- buildings ---- */

void api_registry_building_list(struct http_req *req)
{
    struct building *items = NULL;
    size_t n = 0, limit = 0;
    const char *cursor = NULL;
    int64_t after = 0;
    struct dure_err err;
    struct http_jw w;

    http_jw_init(&w, HTTP_JSON_LIMIT);
    if (http_list_params(req, &limit, &cursor) != 0)
        goto out;
    if (cursor != NULL && parse_id(cursor, &after) != 0) {
        http_reply_problem(req, DURE_EINVAL, "cursor must be the \"next\" of a previous page");
        goto out;
    }
    if (registry_building_list(req->app, after, limit + 1, &items, &n, &err) != 0) {
        http_reply_err(req, &err);
        goto out;
    }
    size_t shown = n > limit ? limit : n;
    http_jw_obj(&w);
    http_jw_key(&w, "items");
    http_jw_arr(&w);
    for (size_t i = 0; i < shown; i++)
        building_json(&w, &items[i]);
    http_jw_arr_end(&w);
    http_jw_key(&w, "next");
    if (n > limit) {
        char next[24];
        snprintf(next, sizeof(next), "%" PRId64, items[shown - 1].id);
        http_jw_str(&w, next);
    } else {
        http_jw_null(&w);
    }
    http_jw_obj_end(&w);
    http_reply_jw(req, 200, &w);
out:
    free(items);
    http_jw_cleanup(&w);
}

void api_registry_building_get(struct http_req *req)
{
    struct building b;
    struct dure_err err;
    int64_t id;
    if (path_building_id(req, &id) != 0)
        return;
    if (registry_building_get(req->app, id, &b, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    reply_building(req, 200, &b);
}

void api_registry_building_create(struct http_req *req)
{
    struct building b;
    struct dure_err err;
    char location[64];

    memset(&b, 0, sizeof(b));
    if (building_decode(req, &b) != 0)
        return;
    if (registry_building_create(req->app, http_principal(req), &b, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    b.firm_count = 0;
    reply_building(req, 201, &b);
    snprintf(location, sizeof(location), "/api/v1/buildings/%" PRId64, b.id);
    http_reply_header(req, "Location", location);
}

void api_registry_building_update(struct http_req *req)
{
    struct building b;
    struct dure_err err;
    int64_t id;

    memset(&b, 0, sizeof(b));
    if (path_building_id(req, &id) != 0 || building_decode(req, &b) != 0)
        return;
    b.id = id;
    if (registry_building_update(req->app, http_principal(req), &b, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    /* Answer with the stored record (firm_count is the store's); should reading it back fail,
     * with what was sent, as the change itself is made. */
    struct building stored;
    reply_building(req, 200,
                   registry_building_get(req->app, id, &stored, &err) == 0 ? &stored : &b);
}

void api_registry_building_delete(struct http_req *req)
{
    struct dure_err err;
    int64_t id;
    if (path_building_id(req, &id) != 0)
        return;
    if (registry_building_delete(req->app, http_principal(req), id, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    http_reply_empty(req, 204);
}

/* ---- firms ---- */

/* The filters of GET /firms into *f; 400 on a bad one. */
static int firm_filter_decode(struct http_req *req, struct firm_filter *f, size_t *limit)
{
    const char *building = http_query(req, "building");
    const char *ksic = http_query(req, "ksic");
    const char *q = http_query(req, "q");
    const char *member = http_query(req, "member");
    const char *cursor = NULL;

    memset(f, 0, sizeof(*f));
    f->member = -1;
    if (http_list_params(req, limit, &cursor) != 0)
        return DURE_EINVAL;
    if (building != NULL && building[0] != '\0' && parse_id(building, &f->building_id) != 0) {
        http_reply_problem(req, DURE_EINVAL, "building must be a building id");
        return DURE_EINVAL;
    }
    if (ksic != NULL && ksic[0] != '\0') {
        if (!str_is_digits(ksic) || strlen(ksic) > 5) {
            http_reply_problem(req, DURE_EINVAL,
                               "ksic must be a KSIC code prefix of 1 to 5 "
                               "digits");
            return DURE_EINVAL;
        }
        f->ksic = ksic;
    }
    if (q != NULL && q[0] != '\0') {
        if (strlen(q) > QUERY_MAX) {
            http_reply_problem(req, DURE_EINVAL, "q is longer than %d bytes", QUERY_MAX);
            return DURE_EINVAL;
        }
        f->q = q;
    }
    if (member != NULL && member[0] != '\0') {
        if (strcmp(member, "true") == 0 || strcmp(member, "1") == 0) {
            f->member = 1;
        } else if (strcmp(member, "false") == 0 || strcmp(member, "0") == 0) {
            f->member = 0;
        } else {
            http_reply_problem(req, DURE_EINVAL, "member must be true or false");
            return DURE_EINVAL;
        }
    }
    if (cursor != NULL) {
        if (!str_is_digits(cursor) || strlen(cursor) != BRN_LEN) {
            http_reply_problem(req, DURE_EINVAL,
                               "cursor must be the \"next\" of a previous "
                               "page");
            return DURE_EINVAL;
        }
        f->after = cursor;
    }
    f->limit = *limit + 1; /* one more tells whether there is a next page */
    return 0;
}

void api_registry_firm_list(struct http_req *req)
{
    struct firm_filter filter;
    struct firm *items = NULL;
    size_t n = 0, limit = 0;
    struct dure_err err;
    struct http_jw w;

    http_jw_init(&w, HTTP_JSON_LIMIT);
    if (firm_filter_decode(req, &filter, &limit) != 0)
        goto out;
    if (registry_firm_list(req->app, &filter, &items, &n, &err) != 0) {
        http_reply_err(req, &err);
        goto out;
    }
    size_t shown = n > limit ? limit : n;
    http_jw_obj(&w);
    http_jw_key(&w, "items");
    http_jw_arr(&w);
    for (size_t i = 0; i < shown; i++)
        firm_json(&w, &items[i]);
    http_jw_arr_end(&w);
    http_jw_key(&w, "next");
    if (n > limit)
        http_jw_str(&w, items[shown - 1].brn);
    else
        http_jw_null(&w);
    http_jw_obj_end(&w);
    http_reply_jw(req, 200, &w);
out:
    free(items);
    http_jw_cleanup(&w);
}

/* The hot path: no allocation but the response body. */
void api_registry_firm_get(struct http_req *req)
{
    char brn[BRN_SIZE];
    struct firm f;
    struct dure_err err;
    if (path_brn(req, brn) != 0)
        return;
    if (registry_firm_get(req->app, brn, &f, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    reply_firm(req, 200, &f);
}

void api_registry_firm_create(struct http_req *req)
{
    struct firm f;
    struct dure_err err;
    char location[48];

    memset(&f, 0, sizeof(f));
    if (firm_decode(req, NULL, &f) != 0)
        return;
    if (registry_firm_create(req->app, http_principal(req), &f, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    reply_stored_firm(req, 201, &f);
    snprintf(location, sizeof(location), "/api/v1/firms/%s", f.brn);
    http_reply_header(req, "Location", location);
}

void api_registry_firm_update(struct http_req *req)
{
    char brn[BRN_SIZE];
    struct firm f;
    struct dure_err err;

    memset(&f, 0, sizeof(f));
    if (path_brn(req, brn) != 0 || firm_decode(req, brn, &f) != 0)
        return;
    if (registry_firm_update(req->app, http_principal(req), &f, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    reply_stored_firm(req, 200, &f);
}

void api_registry_firm_delete(struct http_req *req)
{
    char brn[BRN_SIZE];
    struct dure_err err;
    if (path_brn(req, brn) != 0)
        return;
    if (registry_firm_delete(req->app, http_principal(req), brn, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    http_reply_empty(req, 204);
}
