/* SPDX-License-Identifier: Apache-2.0 */
/* The event journal writer: canonical JSON leaves appended in the caller's transaction. */
#include "app/events.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/ledger.h"
#include "util/str.h"

char *events_canonical_json(const json_t *value, size_t *len)
{
    char *s = json_dumps(value, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    if (s != NULL && len != NULL)
        *len = strlen(s);
    return s;
}

static int record(struct store *s, const char *actor, const char *kind, const char *subject,
                  json_t *data, int64_t *seq, struct dure_err *err)
{
    char now[REG_TIME_SIZE];
    char *leaf = NULL;
    size_t len = 0;
    int rc = 0;
    json_t *ev = NULL;

    if (data == NULL)
        data = json_object();
    str_now_rfc3339(now, sizeof(now));
    ev = json_pack("{s:i, s:s, s:s, s:s, s:s, s:O}", "v", 1, "kind", kind, "time", now, "actor",
                   actor, "subject", subject, "data", data);
    if (ev == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "cannot build event %s", kind);
        goto out;
    }
    leaf = events_canonical_json(ev, &len);
    if (leaf == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    int64_t at = -1;
    rc = store_event_append(s, kind, subject, leaf, len, &at, err);
    /* The leaf joins the Merkle tree in the same transaction. */
    if (rc == 0)
        rc = ledger__append(s, at, leaf, len, err);
    if (rc == 0 && seq != NULL)
        *seq = at;
out:
    free(leaf);
    json_decref(ev);
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
