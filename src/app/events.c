/* SPDX-License-Identifier: Apache-2.0 */
/* The event journal writer: canonical JSON leaves appended in the caller's transaction. */
#include "app/events.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/ledger.h"
#include "util/buf.h"
#include "util/str.h"

/* Leaves and figures are short; anything near this is a bug, not an event. */
#define EVENTS_JSON_MAX ((size_t)64 << 20)
/* Deeper values (a cycle among them) are handed to jansson's own encoder, which finds cycles. */
#define CANON_DEPTH_MAX 32
/* Objects with at most this many keys sort them on the stack. */
#define CANON_KEYS_STACK 32

/* The canonical encoding is jansson's json_dumps(value, JSON_SORT_KEYS | JSON_COMPACT |
 * JSON_ENCODE_ANY), byte for byte, written here directly: jansson decodes every character of
 * every string and allocates a key array per object, which made the encoding a third of the
 * cost of an append. Reals keep going through jansson (its formatting is its own). The unit
 * tests compare the two on every kind of value. */
#define CANON_JANSSON_FLAGS (JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY)

static int canon_append(struct buf *b, const void *data, size_t n)
{
    return buf_append(b, data, n) != 0 ? -1 : 0;
}

/* The length of the valid UTF-8 sequence at p (at most n bytes), 0 when invalid: the rules of
 * jansson's utf8_check_first and utf8_check_full (no overlong forms, no surrogates, nothing
 * above U+10FFFF). */
static size_t utf8_seq_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    uint32_t v;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (len == 3 && v < 0x800) ||
        (len == 4 && v < 0x10000))
        return 0;
    return len;
}

/* A JSON string as jansson writes it without flags: '"', '\\' and control characters escaped
 * (\b \f \n \r \t by name, the others as \u00XX), everything else as it is. */
static int canon_string(struct buf *b, const char *str, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)str, *end = p + len, *run = p;
    if (canon_append(b, "\"", 1) != 0)
        return -1;
    while (p < end) {
        unsigned c = *p;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t esc_len = 2;
        if (c >= 0x20 && c != '"' && c != '\\') {
            size_t n = c < 0x80 ? 1 : utf8_seq_len(p, (size_t)(end - p));
            if (n == 0)
                return -1;
            p += n;
            continue;
        }
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xF];
            esc_len = 6;
            break;
        }
        if (canon_append(b, run, (size_t)(p - run)) != 0 || canon_append(b, esc, esc_len) != 0)
            return -1;
        run = ++p;
    }
    if (canon_append(b, run, (size_t)(p - run)) != 0)
        return -1;
    return canon_append(b, "\"", 1);
}

/* An integer as "%lld" writes it. */
static int canon_integer(struct buf *b, json_int_t value)
{
    char digits[24];
    size_t at = sizeof(digits);
    /* Negative numbers count down from the negated value as unsigned, INT64_MIN included. */
    unsigned long long u = value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;
    do {
        digits[--at] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (value < 0)
        digits[--at] = '-';
    return canon_append(b, digits + at, sizeof(digits) - at);
}

/* The value through jansson's encoder itself (reals, and values nested too deep). */
static int canon_jansson(struct buf *b, const json_t *value)
{
    char *text = json_dumps(value, CANON_JANSSON_FLAGS);
    int rc = text != NULL ? canon_append(b, text, strlen(text)) : -1;
    free(text);
    return rc;
}

struct canon_key {
    const char *key;
    size_t len;
    json_t *value;
};

/* jansson's key order: bytes compared as unsigned, a prefix first. */
static int canon_key_cmp(const void *va, const void *vb)
{
    const struct canon_key *a = va, *b = vb;
    int rc = memcmp(a->key, b->key, a->len < b->len ? a->len : b->len);
    if (rc != 0)
        return rc;
    return (a->len > b->len) - (a->len < b->len);
}

static int canon_value(struct buf *b, const json_t *value, int depth);

static int canon_object(struct buf *b, const json_t *obj, int depth)
{
    struct canon_key stack_keys[CANON_KEYS_STACK];
    struct canon_key *keys = stack_keys;
    size_t n = json_object_size(obj), i = 0;
    int rc = 0;
    if (n > CANON_KEYS_STACK && (keys = malloc(n * sizeof(*keys))) == NULL)
        return -1;
    for (void *it = json_object_iter((json_t *)obj); it != NULL && i < n;
         it = json_object_iter_next((json_t *)obj, it), i++) {
        keys[i].key = json_object_iter_key(it);
        keys[i].len = json_object_iter_key_len(it);
        keys[i].value = json_object_iter_value(it);
    }
    n = i;
    qsort(keys, n, sizeof(*keys), canon_key_cmp);
    rc = canon_append(b, "{", 1);
    for (i = 0; rc == 0 && i < n; i++) {
        if (i > 0)
            rc = canon_append(b, ",", 1);
        if (rc == 0)
            rc = canon_string(b, keys[i].key, keys[i].len);
        if (rc == 0)
            rc = canon_append(b, ":", 1);
        if (rc == 0)
            rc = canon_value(b, keys[i].value, depth + 1);
    }
    if (rc == 0)
        rc = canon_append(b, "}", 1);
    if (keys != stack_keys)
        free(keys);
    return rc;
}

static int canon_value(struct buf *b, const json_t *value, int depth)
{
    if (value == NULL)
        return -1;
    if (depth >= CANON_DEPTH_MAX)
        return canon_jansson(b, value);
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return canon_object(b, value, depth);
    case JSON_ARRAY: {
        size_t n = json_array_size(value);
        int rc = canon_append(b, "[", 1);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            if (i > 0)
                rc = canon_append(b, ",", 1);
            if (rc == 0)
                rc = canon_value(b, json_array_get(value, i), depth + 1);
        }
        return rc == 0 ? canon_append(b, "]", 1) : rc;
    }
    case JSON_STRING:
        return canon_string(b, json_string_value(value), json_string_length(value));
    case JSON_INTEGER:
        return canon_integer(b, json_integer_value(value));
    case JSON_TRUE:
        return canon_append(b, "true", 4);
    case JSON_FALSE:
        return canon_append(b, "false", 5);
    case JSON_NULL:
        return canon_append(b, "null", 4);
    default:
        return canon_jansson(b, value);
    }
}

char *events_canonical_json(const json_t *value, size_t *len)
{
    struct buf b;
    buf_init(&b, EVENTS_JSON_MAX);
    if (canon_value(&b, value, 0) != 0) {
        buf_cleanup(&b);
        return NULL;
    }
    return buf_steal(&b, len);
}

/* A string member of the envelope: the punctuation and quoted key in key, then the value. */
static int canon_member(struct buf *b, const char *key, const char *value)
{
    if (value == NULL)
        return -1;
    if (canon_append(b, key, strlen(key)) != 0)
        return -1;
    return canon_string(b, value, strlen(value));
}

static int record(struct store *s, const char *actor, const char *kind, const char *subject,
                  json_t *data, int64_t *seq, struct dure_err *err)
{
    char now[REG_TIME_SIZE];
    struct buf leaf;
    int rc = 0;

    buf_init(&leaf, EVENTS_JSON_MAX);
    if (data == NULL)
        data = json_object();
    str_now_rfc3339(now, sizeof(now));
    /* {"v":1,"kind":…,"time":…,"actor":…,"subject":…,"data":…} in canonical form: the keys in
     * their sorted order, each value encoded as events_canonical_json does. */
    if (data == NULL || canon_member(&leaf, "{\"actor\":", actor) != 0 ||
        canon_append(&leaf, ",\"data\":", 8) != 0 || canon_value(&leaf, data, 1) != 0 ||
        canon_member(&leaf, ",\"kind\":", kind) != 0 ||
        canon_member(&leaf, ",\"subject\":", subject) != 0 ||
        canon_member(&leaf, ",\"time\":", now) != 0 || canon_append(&leaf, ",\"v\":1}", 7) != 0) {
        rc =
            dure_err_set(err, DURE_ENOMEM, "cannot build event %s", kind != NULL ? kind : "(null)");
        goto out;
    }
    int64_t at = -1;
    rc = store_event_append(s, kind, subject, leaf.data, leaf.len, &at, err);
    /* The leaf joins the Merkle tree in the same transaction. */
    if (rc == 0)
        rc = ledger__append(s, at, leaf.data, leaf.len, err);
    if (rc == 0 && seq != NULL)
        *seq = at;
out:
    buf_cleanup(&leaf);
    json_decref(data);
    return rc;
}

int events_record(struct store *s, const struct principal *actor, const char *kind,
                  const char *subject, json_t *data, struct dure_err *err)
{
    return record(s, actor != NULL ? actor->actor : "system", kind, subject, data, NULL, err);
}

/* hex SHA-256(salt || value) into out (65 bytes), with a fresh salt written hex into salt_hex. */
static void commit(const void *value, size_t len, char out[65], char salt_hex[65])
{
    unsigned char salt[32], h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    randombytes_buf(salt, sizeof(salt));
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, salt, sizeof(salt));
    crypto_hash_sha256_update(&st, value, len);
    crypto_hash_sha256_final(&st, h);
    str_hex(out, h, sizeof(h));
    str_hex(salt_hex, salt, sizeof(salt));
}

int events_record_private(struct store *s, const struct principal *actor, const char *kind,
                          const char *subject, const char *brn, json_t *figures,
                          json_t *data_public, int64_t *seq, struct dure_err *err)
{
    char firm_c[65], firm_salt[65], fig_c[65], fig_salt[65];
    char *fig_json = NULL, *secret_json = NULL;
    size_t fig_len = 0;
    json_t *secret = NULL;
    int64_t at = -1;
    int rc = 0;

    if (figures == NULL)
        figures = json_object();
    if (data_public == NULL)
        data_public = json_object();
    fig_json = events_canonical_json(figures, &fig_len);
    if (fig_json == NULL || data_public == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    commit(brn, strlen(brn), firm_c, firm_salt);
    commit(fig_json, fig_len, fig_c, fig_salt);
    json_object_set_new(data_public, "firm_commitment", json_string(firm_c));
    json_object_set_new(data_public, "figures_commitment", json_string(fig_c));
    rc = record(s, "member", kind, subject, json_incref(data_public), &at, err);
    if (rc != 0)
        goto out;
    /* The opening: exactly the bytes that were committed to, and the salts. */
    secret = json_pack("{s:s, s:s, s:s, s:s, s:s}", "firm", brn, "firm_salt", firm_salt,
                       "figures", fig_json, "figures_salt", fig_salt, "actor",
                       actor != NULL ? actor->actor : "system");
    secret_json = secret != NULL ? events_canonical_json(secret, NULL) : NULL;
    if (secret_json == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    rc = store_event_secret_put(s, at, brn, secret_json, err);
    if (rc == 0 && seq != NULL)
        *seq = at;
out:
    sodium_memzero(firm_salt, sizeof(firm_salt));
    sodium_memzero(fig_salt, sizeof(fig_salt));
    free(secret_json);
    free(fig_json);
    json_decref(secret);
    json_decref(figures);
    json_decref(data_public);
    return rc;
}
