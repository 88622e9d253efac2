/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP face of the ledger: the signed checkpoint, the verifier key, leaves, inclusion and
 * consistency proofs, member receipts, the witness status, witness registration (admins) and
 * cosignatures (witnesses). Decode, call one use case of app/ledger.h, encode. Proofs and
 * leaves are public; a receipt's opening goes only to a caller who acts for the firm. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/ledger.h"
#include "http/router.h"
#include "util/str.h"

#define TEXT_PLAIN "text/plain; charset=utf-8"
#define ENTRIES_MAX 1000 /* leaves in one /entries answer (DESIGN.md) */
#define VKEY_MAX 512     /* bytes of a witness's verifier key in a request */
#define B64_HASH_SIZE sodium_base64_ENCODED_LEN(TLOG_HASH_SIZE, sodium_base64_VARIANT_ORIGINAL)

/* ---- decoding ---- */

/* The query parameter name as a non-negative decimal integer into *out (OUT). Answers 400 and
 * returns DURE_EINVAL when it is missing or not such a number. */
static int query_u63(struct http_req *req, const char *name, int64_t *out)
{
    const char *v = http_query(req, name);
    char shown[40];
    if (v == NULL || v[0] == '\0') {
        http_reply_problem(req, DURE_EINVAL, "%s: required (a non-negative integer)", name);
        return DURE_EINVAL;
    }
    if (!str_is_digits(v) || strlen(v) > 19 || str_to_i64(v, 0, out) != 0) {
        str_sanitize(shown, sizeof(shown), v, 24);
        http_reply_problem(req, DURE_EINVAL, "%s: \"%s\" is not a non-negative integer", name,
                           shown);
        return DURE_EINVAL;
    }
    return 0;
}

/* ---- encoding ---- */

/* n bytes as standard padded base64, a JSON string. */
static void jw_base64(struct http_jw *w, const void *data, size_t n)
{
    size_t size = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char stack[512];
    char *b64 = size <= sizeof(stack) ? stack : malloc(size);
    if (b64 == NULL) {
        if (w->rc == 0)
            w->rc = DURE_ENOMEM;
        return;
    }
    sodium_bin2base64(b64, size, data, n, sodium_base64_VARIANT_ORIGINAL);
    http_jw_str(w, b64);
    if (b64 != stack)
        free(b64);
}

static void jw_proof(struct http_jw *w, const struct tlog_proof *p)
{
    char b64[B64_HASH_SIZE];
    http_jw_arr(w);
    for (size_t i = 0; i < p->count; i++) {
        sodium_bin2base64(b64, sizeof(b64), p->hash[i], TLOG_HASH_SIZE,
                          sodium_base64_VARIANT_ORIGINAL);
        http_jw_str(w, b64);
    }
    http_jw_arr_end(w);
}

/* Answer 200 with text (copied) as text/plain. */
static void reply_text(struct http_req *req, const char *text)
{
    struct buf b;
    buf_init(&b, HTTP_JSON_LIMIT);
    if (buf_append_str(&b, text) != 0) {
        buf_cleanup(&b);
        http_reply_problem(req, DURE_ENOMEM, NULL);
        return;
    }
    http_reply_buf(req, 200, TEXT_PLAIN, &b);
    buf_cleanup(&b);
}

/* ---- the checkpoint and the key ---- */

void api_ledger_checkpoint(struct http_req *req)
{
    struct dure_err err;
    char *note = NULL;
    int rc = ledger_checkpoint(req->app, &note, NULL, &err);
    /* Before the server's ticker has cut the first one: cut it now rather than answer 404. */
    if (rc == DURE_ENOTFOUND) {
        rc = ledger_checkpoint_cut(req->app, NULL, &err);
        if (rc == 0)
            rc = ledger_checkpoint(req->app, &note, NULL, &err);
    }
    if (rc != 0)
        http_reply_err(req, &err);
    else
        reply_text(req, note);
    free(note);
}

void api_ledger_key(struct http_req *req)
{
    struct dure_err err;
    char vkey[NOTE_VKEY_SIZE + 1];
    if (ledger_verifier_key(req->app, vkey, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    size_t n = strlen(vkey);
    vkey[n] = '\n';
    vkey[n + 1] = '\0';
    reply_text(req, vkey);
}

/* ---- leaves ---- */

static int entry_json(void *ctx, int64_t seq, const void *leaf, size_t len)
{
    struct http_jw *w = ctx;
    http_jw_obj(w);
    http_jw_key(w, "index");
    http_jw_i64(w, seq);
    http_jw_key(w, "data");
    jw_base64(w, leaf, len);
    http_jw_obj_end(w);
    return w->rc;
}

void api_ledger_entries(struct http_req *req)
{
    struct dure_err err;
    struct http_jw w;
    int64_t start = 0, end = 0;
    http_jw_init(&w, HTTP_JSON_LIMIT);
    if (query_u63(req, "start", &start) != 0 || query_u63(req, "end", &end) != 0)
        goto out;
    if (end <= start) {
        http_reply_problem(req, DURE_EINVAL, "end: must be greater than start (end is exclusive)");
        goto out;
    }
    if (end - start > ENTRIES_MAX) {
        http_reply_problem(req, DURE_EINVAL, "end: at most %d entries at a time", ENTRIES_MAX);
        goto out;
    }
    http_jw_obj(&w);
    http_jw_key(&w, "entries");
    http_jw_arr(&w);
    int rc = ledger_entries(req->app, start, end, entry_json, &w, &err);
    if (rc != 0) {
        /* A range that starts past the end of the log is a bad range, not a missing page. */
        if (rc == DURE_ENOTFOUND)
            err.code = DURE_EINVAL;
        else if (w.rc != 0 && rc == w.rc)
            dure_err_set(&err, rc, "entries: the answer does not fit");
        http_reply_err(req, &err);
        goto out;
    }
    http_jw_arr_end(&w);
    http_jw_obj_end(&w);
    http_reply_jw(req, 200, &w);
out:
    http_jw_cleanup(&w);
}

/* ---- proofs ---- */

void api_ledger_proof_inclusion(struct http_req *req)
{
    struct dure_err err;
    struct tlog_proof proof;
    struct http_jw w;
    int64_t index = 0, size = 0;
    if (query_u63(req, "index", &index) != 0 || query_u63(req, "size", &size) != 0)
        return;
    if (ledger_prove_inclusion(req->app, index, size, &proof, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    http_jw_init(&w, HTTP_JSON_LIMIT);
    http_jw_obj(&w);
    http_jw_key(&w, "index");
    http_jw_i64(&w, index);
    http_jw_key(&w, "size");
    http_jw_i64(&w, size);
    http_jw_key(&w, "proof");
    jw_proof(&w, &proof);
    http_jw_obj_end(&w);
    http_reply_jw(req, 200, &w);
    http_jw_cleanup(&w);
}

void api_ledger_proof_consistency(struct http_req *req)
{
    struct dure_err err;
    struct tlog_proof proof;
    struct http_jw w;
    int64_t from = 0, to = 0;
    if (query_u63(req, "from", &from) != 0 || query_u63(req, "to", &to) != 0)
        return;
    if (ledger_prove_consistency(req->app, from, to, &proof, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    http_jw_init(&w, HTTP_JSON_LIMIT);
    http_jw_obj(&w);
    http_jw_key(&w, "from");
    http_jw_i64(&w, from);
    http_jw_key(&w, "to");
    http_jw_i64(&w, to);
    http_jw_key(&w, "proof");
    jw_proof(&w, &proof);
    http_jw_obj_end(&w);
    http_reply_jw(req, 200, &w);
    http_jw_cleanup(&w);
}

/* ---- receipts ---- */

/* The opening (JSON text from the store) as a JSON object: every member copied as it is. */
static void jw_opening(struct http_jw *w, const char *text)
{
    json_error_t je;
    json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    const char *key;
    json_t *v;
    if (!json_is_object(o)) {
        if (w->rc == 0)
            w->rc = DURE_EINTERNAL;
        json_decref(o);
        return;
    }
    http_jw_obj(w);
    json_object_foreach(o, key, v)
    {
        http_jw_key(w, key);
        if (json_is_string(v)) {
            http_jw_str(w, json_string_value(v));
        } else if (json_is_integer(v)) {
            http_jw_i64(w, (int64_t)json_integer_value(v));
        } else if (json_is_null(v)) {
            http_jw_null(w);
        } else if (w->rc == 0) {
            w->rc = DURE_EINTERNAL; /* events.c writes only strings */
        }
    }
    http_jw_obj_end(w);
    json_decref(o);
}

void api_ledger_receipt(struct http_req *req)
{
    struct dure_err err;
    struct ledger_receipt r;
    struct http_jw w;
    uint8_t hash[TLOG_HASH_SIZE];
    const char *hex = http_param(req, "hash");
    size_t bin_len = 0;
    const char *hex_end = NULL;
    char shown[80];

    memset(&r, 0, sizeof(r));
    if (hex == NULL || strlen(hex) != 2 * TLOG_HASH_SIZE ||
        sodium_hex2bin(hash, sizeof(hash), hex, strlen(hex), NULL, &bin_len, &hex_end) != 0 ||
        bin_len != sizeof(hash) || *hex_end != '\0') {
        str_sanitize(shown, sizeof(shown), hex != NULL ? hex : "", 70);
        http_reply_problem(req, DURE_EINVAL,
                           "\"%s\" is not a leaf hash (64 hex digits of SHA-256(0x00 || leaf))",
                           shown);
        return;
    }
    if (ledger_receipt(req->app, http_principal(req), hash, &r, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    http_jw_init(&w, HTTP_JSON_LIMIT);
    http_jw_obj(&w);
    http_jw_key(&w, "index");
    http_jw_i64(&w, r.index);
    http_jw_key(&w, "leaf");
    jw_base64(&w, r.leaf, r.leaf_len);
    http_jw_key(&w, "proof");
    jw_proof(&w, &r.proof);
    http_jw_key(&w, "checkpoint");
    http_jw_str(&w, r.checkpoint);
    if (r.opening != NULL) {
        http_jw_key(&w, "opening");
        jw_opening(&w, r.opening);
    }
    http_jw_obj_end(&w);
    /* The opening is a member's secret: do not let shared caches keep it. */
    http_reply_jw(req, 200, &w);
    if (r.opening != NULL)
        http_reply_header(req, "Cache-Control", "private, no-store");
    http_jw_cleanup(&w);
    ledger_receipt_cleanup(&r);
}

/* ---- witnesses ---- */

void api_ledger_status(struct http_req *req)
{
    struct dure_err err;
    struct ledger_status st;
    struct http_jw w;
    if (ledger_status(req->app, &st, &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    http_jw_init(&w, HTTP_JSON_LIMIT);
    http_jw_obj(&w);
    http_jw_key(&w, "size");
    http_jw_i64(&w, st.size);
    http_jw_key(&w, "checkpoint_size");
    if (st.checkpoint_size >= 0)
        http_jw_i64(&w, st.checkpoint_size);
    else
        http_jw_null(&w);
    http_jw_key(&w, "witnesses");
    http_jw_i64(&w, (int64_t)st.witnesses);
    http_jw_key(&w, "cosignatures");
    http_jw_i64(&w, (int64_t)st.cosignatures);
    http_jw_key(&w, "quorum");
    http_jw_i64(&w, (int64_t)st.quorum);
    http_jw_key(&w, "witnessed");
    http_jw_bool(&w, st.witnessed);
    http_jw_obj_end(&w);
    http_reply_jw(req, 200, &w);
    http_jw_cleanup(&w);
}

void api_ledger_witness_add(struct http_req *req)
{
    struct dure_err err;
    struct http_jw w;
    json_t *body = NULL;
    char vkey[VKEY_MAX], name[NOTE_NAME_MAX + 1];
    const struct http_field fields[] = {
        {"vkey", HTTP_FIELD_STR, 1, 0, vkey, sizeof(vkey), 0, 0, NULL},
    };
    vkey[0] = '\0';
    if (http_body_json(req, &body) != 0 || http_json_fields(req, body, fields, 1) != 0)
        goto out;
    if (ledger_witness_add(req->app, http_principal(req), vkey, &err) != 0) {
        http_reply_err(req, &err);
        goto out;
    }
    /* A key that parsed is "<name>+<id>+<key>" and its name holds no '+'. */
    const char *plus = strchr(vkey, '+');
    size_t name_len = plus != NULL ? (size_t)(plus - vkey) : strlen(vkey);
    if (name_len > NOTE_NAME_MAX)
        name_len = NOTE_NAME_MAX;
    memcpy(name, vkey, name_len);
    name[name_len] = '\0';
    http_jw_init(&w, HTTP_JSON_LIMIT);
    http_jw_obj(&w);
    http_jw_key(&w, "name");
    http_jw_str(&w, name);
    http_jw_key(&w, "vkey");
    http_jw_str(&w, vkey);
    http_jw_obj_end(&w);
    http_reply_jw(req, 201, &w);
    http_jw_cleanup(&w);
out:
    json_decref(body);
}

void api_ledger_cosignature_add(struct http_req *req)
{
    struct dure_err err;
    struct http_jw w;
    const char *msg = req->body.data;
    size_t len = req->body.len, accepted = 0, split = 0;
    int found = 0;
    /* The body is a signed note: the checkpoint text ends at the newline before the last
     * blank line; the signature lines follow it. */
    for (size_t i = len >= 2 ? len - 2 : 0; msg != NULL && len >= 2; i--) {
        if (msg[i] == '\n' && msg[i + 1] == '\n') {
            split = i + 1;
            found = 1;
            break;
        }
        if (i == 0)
            break;
    }
    if (!found || split + 1 >= len) {
        http_reply_problem(req, DURE_EINVAL,
                           "the body must be a signed note: the checkpoint, a blank line, then "
                           "the cosignature lines");
        return;
    }
    if (ledger_cosignatures_add(req->app, msg, split, msg + split + 1, len - split - 1, &accepted,
                                &err) != 0) {
        http_reply_err(req, &err);
        return;
    }
    http_jw_init(&w, HTTP_JSON_LIMIT);
    http_jw_obj(&w);
    http_jw_key(&w, "accepted");
    http_jw_i64(&w, (int64_t)accepted);
    http_jw_obj_end(&w);
    http_reply_jw(req, 200, &w);
    http_jw_cleanup(&w);
}
