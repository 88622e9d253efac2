/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for core/note: every signed-note, checkpoint, verifier-key, witness, cosignature
 * and Sigsum vector of tests/data/tlog/vectors.json (made by Go's sumdb/note,
 * transparency-dev, Sigsum and public witnesses), malformed notes and checkpoints, limits,
 * and signing round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "core/note.h"
#include "core/tlog.h"

#define EM "\xe2\x80\x94"

/* ---- vectors ------------------------------------------------------------------------------ */

static json_t *load_vectors(void)
{
    char path[4096];
    const char *src = getenv("DURE_SOURCE_DIR");
    const char *shared = getenv("DURE_SHARED_DIR");
    json_error_t jerr;

    for (int attempt = 0; attempt < 3; attempt++) {
        FILE *f;
        if (attempt == 0 && src != NULL)
            snprintf(path, sizeof(path), "%s/tests/data/tlog/vectors.json", src);
        else if (attempt == 0)
            snprintf(path, sizeof(path), "tests/data/tlog/vectors.json");
        else if (attempt == 1 && shared != NULL)
            snprintf(path, sizeof(path), "%s/data/tlog/vectors.json", shared);
        else if (attempt == 1)
            continue;
        else
            snprintf(path, sizeof(path), "../shared/data/tlog/vectors.json");
        f = fopen(path, "rb");
        if (f == NULL)
            continue;
        fclose(f);
        /* Numbers as doubles: jansson cannot hold the 2^64 - 1 of two Merkle probes. */
        json_t *root = json_load_file(path, JSON_DECODE_INT_AS_REAL, &jerr);
        if (root == NULL)
            fail_msg("%s line %d: %s", path, jerr.line, jerr.text);
        return root;
    }
    fail_msg("vectors.json not found in tests/data/tlog, $DURE_SHARED_DIR/data/tlog or "
             "../shared/data/tlog");
    return NULL;
}

static int group_setup(void **state)
{
    if (sodium_init() < 0)
        return -1;
    *state = load_vectors();
    return *state == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
    json_decref(*state);
    return 0;
}

static json_t *jget(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        fail_msg("vector field \"%s\" is missing", key);
    return v;
}

static const char *jstr(json_t *obj, const char *key)
{
    json_t *v = jget(obj, key);
    if (!json_is_string(v))
        fail_msg("vector field \"%s\" is not a string", key);
    return json_string_value(v);
}

static uint64_t jnum(json_t *obj, const char *key)
{
    double d = json_number_value(jget(obj, key));
    if (d < 0 || d >= 9007199254740992.0 || d != (double)(uint64_t)d)
        fail_msg("vector field \"%s\" is not an exact integer", key);
    return (uint64_t)d;
}

static size_t hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t max)
{
    size_t len = 0;
    if (sodium_hex2bin(out, max, hex, hex_len, NULL, &len, NULL) != 0)
        fail_msg("bad hex in vectors: %.40s", hex);
    return len;
}

static void hex_exact(const char *hex, size_t hex_len, uint8_t *out, size_t n)
{
    assert_int_equal(hex_len, 2 * n);
    assert_int_equal(hex_decode(hex, hex_len, out, n), n);
}

/* ---- helpers ------------------------------------------------------------------------------ */

static void verifier_parse_ok(const char *vkey, struct note_verifier *v)
{
    struct dure_err err = {0};
    char back[NOTE_VKEY_SIZE];

    if (note_verifier_parse(vkey, strlen(vkey), v, &err) != 0)
        fail_msg("verifier key %s: %s", vkey, err.msg);
    assert_int_equal(note_verifier_format(v, back), strlen(vkey));
    assert_string_equal(back, vkey);
}

static void parse_ok(const char *msg, size_t len, struct note *n)
{
    struct dure_err err = {0};
    if (note_parse(msg, len, n, &err) != 0)
        fail_msg("note_parse: %s", err.msg);
}

/* A heap copy of exactly len bytes, so the sanitizers catch any read past the input. */
static char *exact_copy(const char *msg, size_t len)
{
    char *copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    if (len > 0)
        memcpy(copy, msg, len);
    return copy;
}

static int verify_rc(const char *msg, size_t len, const struct note_verifier *v, uint64_t *ts)
{
    struct note n;
    struct dure_err err = {0};
    char *copy = exact_copy(msg, len);
    int rc = note_parse(copy, len, &n, &err);
    if (rc == 0)
        rc = note_verify(&n, v, ts, &err);
    if (rc != 0)
        assert_true(err.msg[0] != '\0');
    free(copy);
    return rc;
}

static int parse_rc(const char *msg, size_t len)
{
    struct note n;
    struct dure_err err = {0};
    char *copy = msg != NULL ? exact_copy(msg, len) : NULL;
    int rc = note_parse(copy, len, &n, &err);
    if (rc != 0) {
        assert_true(err.msg[0] != '\0');
        assert_null(n.text);
        assert_int_equal(n.sig_count, 0);
    }
    free(copy);
    return rc;
}

/* out = a || b, NUL-terminated; the test fails if it does not fit in size bytes. */
static void join(char *out, size_t size, const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    assert_true(la + lb < size);
    memmove(out, a, la);
    memcpy(out + la, b, lb + 1);
}

/* "— name base64(raw)\n" appended to out (NUL-terminated, size bytes). */
static void append_sig_line(char *out, size_t size, const char *name, const uint8_t *raw,
                            size_t raw_len)
{
    char b64[8192];
    size_t used = strlen(out);
    sodium_bin2base64(b64, sizeof(b64), raw, raw_len, sodium_base64_VARIANT_ORIGINAL);
    assert_true(used + strlen(name) + strlen(b64) + 8 < size);
    snprintf(out + used, size - used, EM " %s %s\n", name, b64);
}

static const struct note_verifier *find_verifier(const struct note_verifier *vs, size_t n,
                                                 const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(vs[i].name, name) == 0)
            return &vs[i];
    fail_msg("no verifier key named %s", name);
    return NULL;
}

/* Change one base64 character in the middle of the last signature line of msg. */
static void tamper_last_sig(char *msg)
{
    size_t len = strlen(msg);
    char *sp = NULL;
    for (char *p = msg + len - 2; p > msg; p--) {
        if (*p == ' ') {
            sp = p;
            break;
        }
    }
    assert_non_null(sp);
    sp += (size_t)(msg + len - sp) / 2;
    *sp = *sp == 'A' ? 'B' : 'A';
}

/* ---- vector tests ------------------------------------------------------------------------- */

static void test_signed_note_vectors(void **state)
{
    json_t *arr = jget(jget(*state, "public"), "signed_notes");
    size_t checked = 0;

    assert_true(json_array_size(arr) >= 2);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        json_t *vkeys = jget(e, "vkeys");
        json_t *expect = jget(e, "expect_verified_by");
        const char *msg = jstr(e, "note");
        size_t len = strlen(msg);
        struct note_verifier vs[8];
        struct note n;
        char copy[NOTE_MAX_SIZE + 1];
        struct dure_err err = {0};

        assert_true(json_array_size(vkeys) <= 8);
        for (size_t k = 0; k < json_array_size(vkeys); k++)
            verifier_parse_ok(json_string_value(json_array_get(vkeys, k)), &vs[k]);
        parse_ok(msg, len, &n);
        assert_true(n.sig_count >= json_array_size(expect));
        for (size_t k = 0; k < json_array_size(expect); k++) {
            const struct note_verifier *v = find_verifier(
                vs, json_array_size(vkeys), json_string_value(json_array_get(expect, k)));
            uint64_t ts = 99;
            if (note_verify(&n, v, &ts, &err) != 0)
                fail_msg("%s: %s", jstr(e, "description"), err.msg);
            assert_int_equal(ts, 0);
        }

        /* The text and the signatures are both bound. */
        memcpy(copy, msg, len + 1);
        copy[0] ^= 0x20;
        assert_int_equal(verify_rc(copy, len, &vs[0], NULL), DURE_EINVAL);
        memcpy(copy, msg, len + 1);
        tamper_last_sig(copy);
        assert_int_not_equal(verify_rc(copy, len, &vs[0], NULL), 0);

        if (json_object_get(e, "skey") != NULL) {
            const char *skey = jstr(e, "skey");
            struct note_signer s;
            struct note_verifier sv;
            char back[NOTE_VKEY_SIZE];
            char out[NOTE_MAX_SIZE + 1];
            size_t out_len;

            if (note_signer_parse(skey, strlen(skey), &s, &err) != 0)
                fail_msg("signer key: %s", err.msg);
            note_signer_verifier(&s, &sv);
            note_verifier_format(&sv, back);
            assert_string_equal(back, json_string_value(json_array_get(vkeys, 0)));
            if (json_is_true(json_object_get(e, "expect_resign_identical"))) {
                /* Ed25519 is deterministic: signing the text again gives the same note. */
                assert_int_equal(
                    note_sign(&s, n.text, n.text_len, out, sizeof(out), &out_len, &err), 0);
                assert_int_equal(out_len, len);
                assert_string_equal(out, msg);
            }
            note_signer_cleanup(&s);
        }
        checked++;
    }
    print_message("signed-note vectors checked: %zu\n", checked);
}

static void test_checkpoint_vectors(void **state)
{
    json_t *arr = jget(jget(*state, "public"), "checkpoints");
    size_t sigs = 0;

    assert_true(json_array_size(arr) >= 2);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        json_t *vkeys = jget(e, "vkeys");
        json_t *expect = jget(e, "expect_verified_by");
        json_t *want = json_object_get(e, "expect");
        const char *msg = jstr(e, "checkpoint");
        const char *origin = jstr(e, "origin");
        struct note_verifier vs[8];
        struct note_checkpoint cp;
        struct note n;
        struct dure_err err = {0};
        char body[NOTE_MAX_SIZE + 1];
        size_t body_len;

        for (size_t k = 0; k < json_array_size(vkeys); k++)
            verifier_parse_ok(json_string_value(json_array_get(vkeys, k)), &vs[k]);
        parse_ok(msg, strlen(msg), &n);
        for (size_t k = 0; k < json_array_size(expect); k++) {
            const struct note_verifier *v = find_verifier(
                vs, json_array_size(vkeys), json_string_value(json_array_get(expect, k)));
            if (note_verify(&n, v, NULL, &err) != 0)
                fail_msg("%s: %s", jstr(e, "description"), err.msg);
            sigs++;
        }
        if (note_checkpoint_parse(n.text, n.text_len, &cp, &err) != 0)
            fail_msg("checkpoint body: %s", err.msg);
        assert_int_equal(cp.origin_len, strlen(origin));
        assert_memory_equal(cp.origin, origin, cp.origin_len);
        assert_int_equal(cp.extensions_len, 0);
        if (want != NULL) {
            uint8_t root[TLOG_HASH_SIZE];
            size_t root_len = 0;
            const char *b64 = jstr(want, "root_b64");
            assert_int_equal(cp.size, jnum(want, "size"));
            assert_int_equal(sodium_base642bin(root, sizeof(root), b64, strlen(b64), NULL,
                                               &root_len, NULL, sodium_base64_VARIANT_ORIGINAL),
                             0);
            assert_memory_equal(cp.root, root, TLOG_HASH_SIZE);
        }
        /* Formatting the parsed body gives back the signed bytes. */
        assert_int_equal(note_checkpoint_format(&cp, body, sizeof(body), &body_len, &err), 0);
        assert_int_equal(body_len, n.text_len);
        assert_memory_equal(body, n.text, body_len);
    }
    print_message("checkpoint vectors checked: %zu (%zu signatures verified)\n",
                  json_array_size(arr), sigs);
}

static void test_witness_vectors(void **state)
{
    json_t *w = jget(jget(*state, "public"), "witness");
    const char *names[2] = {"checkpoint_old", "checkpoint_new"};
    struct note_verifier log_v, wit_v, sv;
    struct note_signer log_s, wit_s;
    struct note_checkpoint cps[2];
    struct tlog_proof p;
    struct dure_err err = {0};
    char back[NOTE_VKEY_SIZE];
    json_t *proof = jget(w, "consistency_proof");

    verifier_parse_ok(jstr(w, "log_vkey"), &log_v);
    verifier_parse_ok(jstr(w, "witness_vkey"), &wit_v);
    assert_int_equal(
        note_signer_parse(jstr(w, "log_skey"), strlen(jstr(w, "log_skey")), &log_s, &err), 0);
    assert_int_equal(
        note_signer_parse(jstr(w, "witness_skey"), strlen(jstr(w, "witness_skey")), &wit_s, &err),
        0);
    note_signer_verifier(&log_s, &sv);
    note_verifier_format(&sv, back);
    assert_string_equal(back, jstr(w, "log_vkey"));
    note_signer_verifier(&wit_s, &sv);
    note_verifier_format(&sv, back);
    assert_string_equal(back, jstr(w, "witness_vkey"));

    for (int i = 0; i < 2; i++) {
        const char *msg = jstr(w, names[i]);
        struct note n;
        char out[NOTE_MAX_SIZE + 1];
        size_t out_len;

        parse_ok(msg, strlen(msg), &n);
        assert_int_equal(note_verify(&n, &log_v, NULL, &err), 0);
        assert_int_equal(note_verify(&n, &wit_v, NULL, &err), DURE_EINVAL);
        assert_int_equal(note_checkpoint_parse(n.text, n.text_len, &cps[i], &err), 0);
        assert_int_equal(cps[i].origin_len, 7);
        assert_memory_equal(cps[i].origin, "monkeys", 7);
        assert_int_equal(note_sign(&log_s, n.text, n.text_len, out, sizeof(out), &out_len, &err),
                         0);
        assert_string_equal(out, msg);
    }
    assert_int_equal(cps[0].size, 5);
    assert_int_equal(cps[1].size, 8);

    /* The log's consistency proof between its two signed checkpoints. */
    p.count = json_array_size(proof);
    for (size_t i = 0; i < p.count; i++) {
        const char *h = json_string_value(json_array_get(proof, i));
        hex_exact(h, strlen(h), p.hash[i], TLOG_HASH_SIZE);
    }
    assert_int_equal(tlog_verify_consistency(5, 8, &p, cps[0].root, cps[1].root, &err), 0);
    assert_int_equal(tlog_verify_consistency(5, 8, &p, cps[1].root, cps[0].root, &err),
                     DURE_EINVAL);
    assert_int_equal(tlog_verify_consistency(4, 8, &p, cps[0].root, cps[1].root, &err),
                     DURE_EINVAL);
    p.hash[2][31] ^= 1;
    assert_int_equal(tlog_verify_consistency(5, 8, &p, cps[0].root, cps[1].root, &err),
                     DURE_EINVAL);
    note_signer_cleanup(&log_s);
    note_signer_cleanup(&wit_s);
    print_message("witness vectors checked: 2 checkpoints re-signed byte for byte, consistency "
                  "5 -> 8 verified\n");
}

static void test_cosignature_vector(void **state)
{
    json_t *c = jget(jget(*state, "derived"), "cosignature_v1");
    json_t *w = jget(jget(*state, "public"), "witness");
    const char *text = jstr(c, "checkpoint_text");
    const char *want_line = jstr(c, "signature_line");
    const char *seed_hex = jstr(c, "cosigner_seed_hex");
    const char *signed_msg = jstr(c, "signed_message");
    uint64_t timestamp = jnum(c, "timestamp");
    uint8_t seed[NOTE_SEED_SIZE];
    uint8_t raw[128];
    size_t raw_len = 0;
    struct note_signer s, plain;
    struct note_verifier cv, log_v, wit_v;
    struct note n;
    struct dure_err err = {0};
    char back[NOTE_VKEY_SIZE];
    char line[NOTE_SIGLINE_SIZE];
    size_t line_len;
    char msg[NOTE_MAX_SIZE + 1];
    char header[64];
    const char *b64;
    uint64_t ts = 0;

    hex_exact(seed_hex, strlen(seed_hex), seed, sizeof(seed));
    assert_int_equal(
        note_signer_init(jstr(c, "cosigner_name"), NOTE_ALG_COSIGNATURE_V1, seed, &s, &err), 0);
    note_signer_verifier(&s, &cv);
    note_verifier_format(&cv, back);
    assert_string_equal(back, jstr(c, "cosigner_vkey"));
    /* The same Ed25519 key is the witness's published 0x01 test key. */
    assert_int_equal(
        note_signer_parse(jstr(w, "witness_skey"), strlen(jstr(w, "witness_skey")), &plain, &err),
        0);
    assert_memory_equal(plain.pubkey, cv.pubkey, NOTE_PUBKEY_SIZE);
    assert_int_not_equal(plain.key_id, cv.key_id);

    /* The signed message is exactly "cosignature/v1\ntime <t>\n" || body, and the vector's
     * signature verifies over it. */
    snprintf(header, sizeof(header), "cosignature/v1\ntime %" PRIu64 "\n", timestamp);
    assert_int_equal(strlen(signed_msg), strlen(header) + strlen(text));
    assert_memory_equal(signed_msg, header, strlen(header));
    assert_string_equal(signed_msg + strlen(header), text);
    b64 = strchr(want_line + 4, ' ') + 1;
    assert_int_equal(sodium_base642bin(raw, sizeof(raw), b64, strlen(b64) - 1, NULL, &raw_len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(raw_len, 76);
    assert_int_equal(crypto_sign_verify_detached(raw + 12, (const unsigned char *)signed_msg,
                                                 strlen(signed_msg), cv.pubkey),
                     0);

    /* Deterministic Ed25519: our line is the vector's byte for byte. */
    assert_int_equal(note_cosign_line(&s, timestamp, text, strlen(text), line, &line_len, &err), 0);
    assert_int_equal(line_len, strlen(want_line));
    assert_string_equal(line, want_line);

    /* The log's checkpoint with the cosignature appended verifies for both keys. */
    verifier_parse_ok(jstr(w, "log_vkey"), &log_v);
    verifier_parse_ok(jstr(w, "witness_vkey"), &wit_v);
    join(msg, sizeof(msg), jstr(w, "checkpoint_new"), want_line);
    parse_ok(msg, strlen(msg), &n);
    assert_int_equal(n.text_len, strlen(text));
    assert_memory_equal(n.text, text, n.text_len);
    assert_int_equal(note_verify(&n, &log_v, &ts, &err), 0);
    assert_int_equal(ts, 0);
    assert_int_equal(note_verify(&n, &cv, &ts, &err), 0);
    assert_int_equal(ts, timestamp);
    assert_int_equal(note_verify(&n, &wit_v, &ts, &err), DURE_EINVAL);

    /* A changed timestamp no longer verifies. */
    raw[11] ^= 1;
    join(msg, sizeof(msg), jstr(w, "checkpoint_new"), "");
    append_sig_line(msg, sizeof(msg), "witness", raw, raw_len);
    assert_int_equal(verify_rc(msg, strlen(msg), &cv, &ts), DURE_EINVAL);

    /* Keys of the wrong type are refused. */
    assert_int_equal(note_cosign_line(&plain, timestamp, text, strlen(text), line, &line_len, &err),
                     DURE_EINVAL);
    assert_int_equal(note_sign_line(&s, text, strlen(text), line, &line_len, &err), DURE_EINVAL);
    note_signer_cleanup(&s);
    note_signer_cleanup(&plain);
    print_message("cosignature/v1 vector reproduced byte for byte and verified\n");
}

/* The value of "key=" lines of a Sigsum proof, one after another. */
static const char *next_value(const char **pos, const char *key, size_t *len)
{
    size_t klen = strlen(key);
    const char *p = *pos;
    while (*p != '\0') {
        const char *eol = strchr(p, '\n');
        const char *end = eol != NULL ? eol : p + strlen(p);
        if ((size_t)(end - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == '=') {
            *len = (size_t)(end - p) - klen - 1;
            *pos = eol != NULL ? eol + 1 : end;
            return p + klen + 1;
        }
        p = eol != NULL ? eol + 1 : end;
    }
    return NULL;
}

static uint64_t dec_u64(const char *s, size_t len)
{
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        assert_true(s[i] >= '0' && s[i] <= '9');
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    return v;
}

static void test_sigsum_vectors(void **state)
{
    json_t *arr = jget(jget(*state, "public"), "sigsum_proofs");
    size_t cosigs = 0, unknown = 0;

    assert_true(json_array_size(arr) >= 2);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        json_t *witnesses = jget(e, "witnesses");
        json_t *logs = jget(e, "log_pubkeys");
        const char *proof = jstr(e, "proof_ascii");
        const char *pos = proof;
        const char *v;
        size_t len;
        uint8_t log_hash[32], leaf_key_hash[32], leaf_sig[64], checksum[32], leaf[128];
        uint8_t signer[32], log_pub[32], sig[64], root[32], leaf_hash[32];
        uint8_t data[256];
        size_t data_len;
        uint64_t size, index;
        struct tlog_proof p;
        struct note_checkpoint cp;
        struct note_verifier log_v;
        struct note n;
        struct dure_err err = {0};
        char origin[128];
        char body[512];
        size_t body_len;
        char msg[NOTE_MAX_SIZE + 1];
        int found_log = 0;

        v = next_value(&pos, "log", &len);
        hex_exact(v, len, log_hash, 32);
        v = next_value(&pos, "leaf", &len);
        assert_non_null(v);
        hex_exact(v, 64, leaf_key_hash, 32);
        hex_exact(v + 65, len - 65, leaf_sig, 64);
        v = next_value(&pos, "size", &len);
        size = dec_u64(v, len);
        v = next_value(&pos, "root_hash", &len);
        hex_exact(v, len, root, 32);
        v = next_value(&pos, "signature", &len);
        hex_exact(v, len, sig, 64);

        /* The leaf: checksum = SHA-256(SHA-256(data)), the submitter's signature over
         * "sigsum.org/v1/tree-leaf\0" || checksum, and the submitter's key hash. */
        data_len = hex_decode(jstr(e, "data_hex"), strlen(jstr(e, "data_hex")), data, sizeof(data));
        crypto_hash_sha256(checksum, data, data_len);
        crypto_hash_sha256(checksum, checksum, 32);
        hex_exact(jstr(e, "signer_pubkey"), 64, signer, 32);
        {
            uint8_t kh[32];
            uint8_t signed_leaf[24 + 32];
            crypto_hash_sha256(kh, signer, 32);
            assert_memory_equal(kh, leaf_key_hash, 32);
            memcpy(signed_leaf, "sigsum.org/v1/tree-leaf", 24); /* with its NUL */
            memcpy(signed_leaf + 24, checksum, 32);
            assert_int_equal(
                crypto_sign_verify_detached(leaf_sig, signed_leaf, sizeof(signed_leaf), signer), 0);
        }
        memcpy(leaf, checksum, 32);
        memcpy(leaf + 32, leaf_sig, 64);
        memcpy(leaf + 96, leaf_key_hash, 32);
        tlog_leaf_hash(leaf, sizeof(leaf), leaf_hash);

        /* The log's key among the policy's: its hash names the log. */
        for (size_t k = 0; k < json_array_size(logs); k++) {
            uint8_t kh[32];
            const char *hex = json_string_value(json_array_get(logs, k));
            hex_exact(hex, strlen(hex), log_pub, 32);
            crypto_hash_sha256(kh, log_pub, 32);
            if (memcmp(kh, log_hash, 32) == 0) {
                found_log = 1;
                break;
            }
        }
        assert_true(found_log);

        /* The tree head is a checkpoint whose origin names the log, signed as a note. */
        memcpy(origin, "sigsum.org/v1/tree/", 19);
        sodium_bin2hex(origin + 19, sizeof(origin) - 19, log_hash, 32);
        assert_int_equal(note_verifier_init(origin, NOTE_ALG_ED25519, log_pub, &log_v, &err), 0);
        memset(&cp, 0, sizeof(cp));
        cp.origin = origin;
        cp.origin_len = strlen(origin);
        cp.size = size;
        memcpy(cp.root, root, 32);
        assert_int_equal(note_checkpoint_format(&cp, body, sizeof(body), &body_len, &err), 0);
        {
            uint8_t raw[4 + 64];
            raw[0] = (uint8_t)(log_v.key_id >> 24);
            raw[1] = (uint8_t)(log_v.key_id >> 16);
            raw[2] = (uint8_t)(log_v.key_id >> 8);
            raw[3] = (uint8_t)log_v.key_id;
            memcpy(raw + 4, sig, 64);
            join(msg, sizeof(msg), body, "\n");
            append_sig_line(msg, sizeof(msg), origin, raw, sizeof(raw));
        }

        /* Witness cosignatures: cosignature/v1 lines by keys the policy names. */
        while ((v = next_value(&pos, "cosignature", &len)) != NULL) {
            uint8_t kh[32], raw[4 + 8 + 64];
            const char *sp1 = memchr(v, ' ', len);
            const char *sp2 =
                sp1 != NULL ? memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - v)) : NULL;
            uint64_t t;
            int known = 0;

            assert_non_null(sp2);
            hex_exact(v, (size_t)(sp1 - v), kh, 32);
            t = dec_u64(sp1 + 1, (size_t)(sp2 - sp1 - 1));
            hex_exact(sp2 + 1, len - (size_t)(sp2 + 1 - v), raw + 12, 64);
            for (size_t k = 0; k < json_array_size(witnesses); k++) {
                json_t *wit = json_array_get(witnesses, k);
                uint8_t pub[32], h[32];
                struct note_verifier wv;
                uint64_t ts = 0;
                char line_msg[NOTE_MAX_SIZE + 1];

                hex_exact(jstr(wit, "pubkey"), 64, pub, 32);
                crypto_hash_sha256(h, pub, 32);
                if (memcmp(h, kh, 32) != 0)
                    continue;
                known = 1;
                assert_int_equal(
                    note_verifier_init(jstr(wit, "name"), NOTE_ALG_COSIGNATURE_V1, pub, &wv, &err),
                    0);
                raw[0] = (uint8_t)(wv.key_id >> 24);
                raw[1] = (uint8_t)(wv.key_id >> 16);
                raw[2] = (uint8_t)(wv.key_id >> 8);
                raw[3] = (uint8_t)wv.key_id;
                for (int b = 0; b < 8; b++)
                    raw[4 + b] = (uint8_t)(t >> (56 - 8 * b));
                append_sig_line(msg, sizeof(msg), jstr(wit, "name"), raw, sizeof(raw));
                /* Each cosignature verifies on its own and in the growing note. */
                join(line_msg, sizeof(line_msg), msg, "");
                assert_int_equal(verify_rc(line_msg, strlen(line_msg), &wv, &ts), 0);
                assert_int_equal(ts, t);
                raw[20] ^= 0x40;
                line_msg[0] = '\0';
                join(line_msg, sizeof(line_msg), body, "\n");
                append_sig_line(line_msg, sizeof(line_msg), jstr(wit, "name"), raw, sizeof(raw));
                assert_int_equal(verify_rc(line_msg, strlen(line_msg), &wv, &ts), DURE_EINVAL);
                cosigs++;
            }
            if (!known)
                unknown++;
        }
        parse_ok(msg, strlen(msg), &n);
        assert_int_equal(note_verify(&n, &log_v, NULL, &err), 0);

        /* The inclusion proof of the leaf in that tree head. */
        v = next_value(&pos, "leaf_index", &len);
        index = dec_u64(v, len);
        p.count = 0;
        while ((v = next_value(&pos, "node_hash", &len)) != NULL) {
            assert_true(p.count < TLOG_PROOF_MAX);
            hex_exact(v, len, p.hash[p.count++], 32);
        }
        assert_int_equal(tlog_verify_inclusion(index, size, leaf_hash, &p, root, &err), 0);
        p.hash[0][0] ^= 1;
        assert_int_equal(tlog_verify_inclusion(index, size, leaf_hash, &p, root, &err),
                         DURE_EINVAL);
    }
    print_message("sigsum proofs checked: %zu (log signatures, inclusion proofs, %zu witness "
                  "cosignatures; %zu by witnesses outside the policy ignored)\n",
                  json_array_size(arr), cosigs, unknown);
}

static void test_vkey_vectors(void **state)
{
    json_t *arr = jget(jget(*state, "public"), "vkeys");
    json_t *sigsum = jget(jget(*state, "public"), "sigsum_proofs");
    size_t cross = 0;

    assert_true(json_array_size(arr) >= 5);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *vkey = jstr(json_array_get(arr, i), "vkey");
        size_t len = strlen(vkey);
        struct note_verifier v, v2;
        struct dure_err err = {0};
        char copy[NOTE_VKEY_SIZE + 8];
        const char *plus = strchr(vkey, '+');

        verifier_parse_ok(vkey, &v);
        assert_true(v.alg == NOTE_ALG_ED25519 || v.alg == NOTE_ALG_COSIGNATURE_V1);

        /* Upper-case hex is read too; formatting gives lower case. */
        memcpy(copy, vkey, len + 1);
        for (char *c = copy + (plus - vkey) + 1; *c != '+'; c++)
            if (*c >= 'a' && *c <= 'f')
                *c = (char)(*c - 'a' + 'A');
        assert_int_equal(note_verifier_parse(copy, len, &v2, &err), 0);
        assert_int_equal(v2.key_id, v.key_id);

        /* Any changed key id, name or key is refused. */
        memcpy(copy, vkey, len + 1);
        copy[plus - vkey + 1] = copy[plus - vkey + 1] == '0' ? '1' : '0';
        assert_int_equal(note_verifier_parse(copy, len, &v2, &err), DURE_EINVAL);
        snprintf(copy, sizeof(copy), "x%s", vkey);
        assert_int_equal(note_verifier_parse(copy, len + 1, &v2, &err), DURE_EINVAL);
        memcpy(copy, vkey, len + 1);
        copy[len - 5] = copy[len - 5] == 'A' ? 'B' : 'A';
        assert_int_equal(note_verifier_parse(copy, len, &v2, &err), DURE_EINVAL);
        assert_int_equal(note_verifier_parse(vkey, len - 1, &v2, &err), DURE_EINVAL);
        assert_int_equal(note_verifier_parse(vkey, (size_t)(plus - vkey), &v2, &err), DURE_EINVAL);

        /* A cosigner key of the vectors is also a Sigsum witness key: same key id. */
        for (size_t k = 0; k < json_array_size(sigsum); k++) {
            json_t *ws = jget(json_array_get(sigsum, k), "witnesses");
            for (size_t j = 0; j < json_array_size(ws); j++) {
                json_t *w = json_array_get(ws, j);
                uint8_t pub[32];
                struct note_verifier wv;
                char back[NOTE_VKEY_SIZE];
                if (strcmp(jstr(w, "name"), v.name) != 0)
                    continue;
                hex_exact(jstr(w, "pubkey"), 64, pub, 32);
                assert_memory_equal(pub, v.pubkey, 32);
                assert_int_equal(note_verifier_init(v.name, v.alg, pub, &wv, &err), 0);
                note_verifier_format(&wv, back);
                assert_string_equal(back, vkey);
                cross++;
            }
        }
    }
    assert_true(cross >= 1);
    print_message("verifier keys checked: %zu (%zu cross-checked against Sigsum witness keys)\n",
                  json_array_size(arr), cross);
}

/* ---- malformed input ---------------------------------------------------------------------- */

struct fixture {
    struct note_signer s;
    struct note_verifier v;
};

static void fixture_init(struct fixture *f, const char *name, uint8_t alg)
{
    uint8_t seed[NOTE_SEED_SIZE];
    struct dure_err err = {0};
    randombytes_buf(seed, sizeof(seed));
    assert_int_equal(note_signer_init(name, alg, seed, &f->s, &err), 0);
    sodium_memzero(seed, sizeof(seed));
    note_signer_verifier(&f->s, &f->v);
}

/* A signed note of text by f into out. */
static void sign_into(const struct fixture *f, const char *text, char *out, size_t size)
{
    struct dure_err err = {0};
    size_t len;
    if (note_sign(&f->s, text, strlen(text), out, size, &len, &err) != 0)
        fail_msg("note_sign: %s", err.msg);
}

static void test_note_malformed(void **state)
{
    struct fixture f;
    char good[NOTE_MAX_SIZE + 1];
    char buf[NOTE_MAX_SIZE + 64];
    char line[NOTE_SIGLINE_SIZE];
    size_t line_len;
    struct dure_err err = {0};
    const char *text = "hello\nworld\n";
    static const char *const bad_texts[] = {
        "tab\there\n",
        "cr\r\n",
        "esc\x1b\n",
        "lone \x80\n",
        "overlong \xc0\xaf\n",
        "surrogate \xed\xa0\x80\n",
        "big \xf4\x90\x80\x80\n",
        "cut \xe2\x80\n",
        "fe \xfe\n",
        "overlong3 \xe0\x80\xaf\n",
        "overlong4 \xf0\x80\x80\xaf\n",
    };
    static const char *const bad_lines[] = {
        "- k AAAAAAA=\n",                /* hyphen-minus */
        "\xe2\x80\x93 k AAAAAAA=\n",     /* en dash */
        EM "k AAAAAAA=\n",               /* no space after the dash */
        EM "  AAAAAAA=\n",               /* empty name */
        EM " k+1 AAAAAAA=\n",            /* '+' in the name */
        EM " k\xc2\xa0x AAAAAAA=\n",     /* U+00A0 in the name */
        EM " k\xe3\x80\x80x AAAAAAA=\n", /* U+3000 in the name */
        EM " k\xe2\x80\xa8x AAAAAAA=\n", /* U+2028 in the name */
        EM " kAAAAAAA=\n",               /* no space before the signature */
        EM " k AAAAAAA\n",               /* no padding */
        EM " k AAAAAAA=x\n",             /* junk after padding */
        EM " k AAAA AAA=\n",             /* space inside */
        EM " k AAAAAAA= \n",             /* trailing space */
        EM " k \n",                      /* empty signature */
        EM " k AAAAAA==\n",              /* 4 bytes: a key id and nothing */
        EM " k AAAAAAB=\n",              /* non-zero unused bits */
        EM " k AAAA-_A=\n",              /* URL alphabet */
        "\n",                            /* a blank line among signatures */
    };

    (void)state;
    fixture_init(&f, "example.com/log", NOTE_ALG_ED25519);
    sign_into(&f, text, good, sizeof(good));
    assert_int_equal(verify_rc(good, strlen(good), &f.v, NULL), 0);

    /* Structure. */
    assert_int_equal(parse_rc(good, strlen(good) - 1), DURE_EINVAL); /* no final newline */
    assert_int_equal(parse_rc(good, 0), DURE_EINVAL);
    assert_int_equal(parse_rc(NULL, 0), DURE_EINVAL);
    assert_int_equal(parse_rc("hello\nworld\n\n", 13), DURE_EINVAL); /* no signatures */
    join(buf, sizeof(buf), text, good + strlen(text) + 1);           /* no blank line */
    assert_int_equal(parse_rc(buf, strlen(buf)), DURE_EINVAL);
    {
        const char *no_blank = "a\n" EM " k AAAAAAA=\n";
        assert_int_equal(parse_rc(no_blank, strlen(no_blank)), DURE_EINVAL); /* likewise */
    }
    join(buf, sizeof(buf), good, "\n"); /* ends with a blank line */
    assert_int_equal(parse_rc(buf, strlen(buf)), DURE_EINVAL);
    for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
        join(buf, sizeof(buf), good, bad_lines[i]);
        if (parse_rc(buf, strlen(buf)) != DURE_EINVAL)
            fail_msg("signature line %zu accepted: %s", i, bad_lines[i]);
    }
    /* The same line is fine with a valid name and signature (an unknown key). */
    snprintf(buf, sizeof(buf), "%s" EM " k AAAAAAA=\n", good);
    assert_int_equal(parse_rc(buf, strlen(buf)), 0);
    assert_int_equal(verify_rc(buf, strlen(buf), &f.v, NULL), 0);

    /* Bytes no note may hold, in the text or among the signatures; and a NUL. */
    for (size_t i = 0; i < sizeof(bad_texts) / sizeof(bad_texts[0]); i++) {
        join(buf, sizeof(buf), bad_texts[i], good);
        if (parse_rc(buf, strlen(buf)) != DURE_EINVAL)
            fail_msg("text %zu accepted", i);
        assert_int_equal(
            note_sign_line(&f.s, bad_texts[i], strlen(bad_texts[i]), line, &line_len, &err),
            DURE_EINVAL);
    }
    memcpy(buf, good, strlen(good) + 1);
    buf[2] = '\0';
    assert_int_equal(parse_rc(buf, strlen(good)), DURE_EINVAL);

    /* Text the format allows: UTF-8 beyond ASCII, DEL, inner blank lines, a lone newline. */
    {
        static const char *const ok_texts[] = {"두레 G밸리\n", "del\x7f\n", "a\n\nb\n\n\nc\n", "\n",
                                               EM " not a signature\n"};
        for (size_t i = 0; i < sizeof(ok_texts) / sizeof(ok_texts[0]); i++) {
            struct note n;
            sign_into(&f, ok_texts[i], buf, sizeof(buf));
            parse_ok(buf, strlen(buf), &n);
            assert_int_equal(n.text_len, strlen(ok_texts[i]));
            assert_int_equal(note_verify(&n, &f.v, NULL, &err), 0);
        }
    }
    /* Signing needs a text that ends in a newline. */
    assert_int_equal(note_sign_line(&f.s, "no newline", 10, line, &line_len, &err), DURE_EINVAL);
    assert_int_equal(note_sign_line(&f.s, "", 0, line, &line_len, &err), DURE_EINVAL);
    note_signer_cleanup(&f.s);
}

static void test_note_signatures(void **state)
{
    struct fixture f, other, same_name;
    char good[NOTE_MAX_SIZE + 1];
    char buf[NOTE_MAX_SIZE + 1];
    char line[NOTE_SIGLINE_SIZE];
    size_t line_len;
    struct note n;
    struct dure_err err = {0};
    const char *text = "example.com/log\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
    const char *sig_line;
    uint8_t raw[4 + 64];

    (void)state;
    fixture_init(&f, "example.com/log", NOTE_ALG_ED25519);
    fixture_init(&other, "example.com/other", NOTE_ALG_ED25519);
    fixture_init(&same_name, "example.com/log", NOTE_ALG_ED25519); /* a rotated key */
    sign_into(&f, text, good, sizeof(good));
    sig_line = good + strlen(text) + 1;

    /* Signed by someone else only: not verified. */
    sign_into(&other, text, buf, sizeof(buf));
    assert_int_equal(verify_rc(buf, strlen(buf), &f.v, NULL), DURE_EINVAL);
    assert_int_equal(verify_rc(buf, strlen(buf), &same_name.v, NULL), DURE_EINVAL);

    /* Lines of other keys, including one with the same name or the same key id, are ignored. */
    assert_int_equal(note_sign_line(&same_name.s, text, strlen(text), line, &line_len, &err), 0);
    join(buf, sizeof(buf), good, line);
    assert_int_equal(verify_rc(buf, strlen(buf), &f.v, NULL), 0);
    assert_int_equal(verify_rc(buf, strlen(buf), &same_name.v, NULL), 0);
    memset(raw, 0x5a, sizeof(raw));
    raw[0] = (uint8_t)(f.v.key_id >> 24);
    raw[1] = (uint8_t)(f.v.key_id >> 16);
    raw[2] = (uint8_t)(f.v.key_id >> 8);
    raw[3] = (uint8_t)f.v.key_id;
    join(buf, sizeof(buf), good, "");
    append_sig_line(buf, sizeof(buf), "example.com/impostor", raw, sizeof(raw));
    assert_int_equal(verify_rc(buf, strlen(buf), &f.v, NULL), 0);

    /* A bad signature by the known key rejects the note, before or after a good one. */
    join(buf, sizeof(buf), good, "");
    append_sig_line(buf, sizeof(buf), "example.com/log", raw, sizeof(raw));
    assert_int_equal(verify_rc(buf, strlen(buf), &f.v, NULL), DURE_EINVAL);
    join(buf, sizeof(buf), text, "\n");
    append_sig_line(buf, sizeof(buf), "example.com/log", raw, sizeof(raw));
    snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s", sig_line);
    assert_int_equal(verify_rc(buf, strlen(buf), &f.v, NULL), DURE_EINVAL);
    /* So does one of the wrong length. */
    join(buf, sizeof(buf), good, "");
    append_sig_line(buf, sizeof(buf), "example.com/log", raw, sizeof(raw) - 1);
    assert_int_equal(verify_rc(buf, strlen(buf), &f.v, NULL), DURE_EINVAL);
    /* The same good line twice is fine. */
    join(buf, sizeof(buf), good, sig_line);
    assert_int_equal(verify_rc(buf, strlen(buf), &f.v, NULL), 0);

    /* Limits: at least 16 signatures are read, 100 at most. */
    join(buf, sizeof(buf), good, "");
    for (int i = 1; i < 100; i++) {
        raw[0] = (uint8_t)i;
        append_sig_line(buf, sizeof(buf), "example.com/witness", raw, sizeof(raw));
        if (i == 16) {
            parse_ok(buf, strlen(buf), &n);
            assert_int_equal(n.sig_count, 17);
        }
    }
    parse_ok(buf, strlen(buf), &n);
    assert_int_equal(n.sig_count, 100);
    assert_int_equal(note_verify(&n, &f.v, NULL, &err), 0);
    append_sig_line(buf, sizeof(buf), "example.com/witness", raw, sizeof(raw));
    assert_int_equal(parse_rc(buf, strlen(buf)), DURE_ETOOBIG);

    /* Size: a note of exactly NOTE_MAX_SIZE bytes is read, one byte more is not. */
    {
        char *big = malloc(NOTE_MAX_SIZE + 2);
        char *bigtext = malloc(NOTE_MAX_SIZE + 1);
        size_t fill;
        size_t out_len;
        assert_non_null(big);
        assert_non_null(bigtext);
        fill = NOTE_MAX_SIZE - 1 - strlen(sig_line);
        memset(bigtext, 'x', fill);
        bigtext[fill - 1] = '\n';
        bigtext[fill] = '\0';
        assert_int_equal(note_sign(&f.s, bigtext, fill, big, NOTE_MAX_SIZE + 2, &out_len, &err), 0);
        assert_int_equal(out_len, NOTE_MAX_SIZE);
        assert_int_equal(verify_rc(big, out_len, &f.v, NULL), 0);
        memmove(bigtext + 1, bigtext, fill + 1);
        bigtext[0] = 'y';
        assert_int_equal(note_sign(&f.s, bigtext, fill + 1, big, NOTE_MAX_SIZE + 2, &out_len, &err),
                         DURE_ETOOBIG);
        memmove(big + 1, big, NOTE_MAX_SIZE + 1);
        big[0] = 'y';
        assert_int_equal(parse_rc(big, NOTE_MAX_SIZE + 1), DURE_ETOOBIG);
        free(big);
        free(bigtext);
    }
    /* note_sign reports a short buffer. */
    assert_int_equal(note_sign(&f.s, text, strlen(text), buf, strlen(good), &line_len, &err),
                     DURE_ETOOBIG);
    assert_int_equal(note_sign(&f.s, text, strlen(text), buf, strlen(good) + 1, &line_len, &err),
                     0);
    note_signer_cleanup(&f.s);
    note_signer_cleanup(&other.s);
    note_signer_cleanup(&same_name.s);
}

static void test_checkpoint_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "o\n",
        "o\n5\n",
        "o\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  /* no final newline */
        "\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", /* empty origin */
        "o\n05\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\n00\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\n+5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\n 5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\n5 \nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\n\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\n1e3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\n0x10\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\n18446744073709551616\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\n99999999999999999999\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\n100000000000000000000\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",  /* no padding */
        "o\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n", /* 31 bytes */
        "o\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", /* 33 bytes */
        "o\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-=\n", /* URL alphabet */
        "o\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n", /* unused bits set */
        "o\n5\n0000000000000000000000000000000000000000000000000000000000000000\n",
        "o\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n", /* empty extension */
        "o\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nx\n\ny\n",
        "o\r\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\t1\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "\xff\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
    };
    struct note_checkpoint cp, cp2;
    struct dure_err err = {0};
    char out[512];
    size_t out_len;
    const char *ok = "example.com/log\n18446744073709551615\n"
                     "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nx ext\n\xe2\x80\x94 y\n";

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *copy = exact_copy(bad[i], strlen(bad[i]));
        memset(&cp, 0x7f, sizeof(cp));
        if (note_checkpoint_parse(copy, strlen(bad[i]), &cp, &err) != DURE_EINVAL)
            fail_msg("checkpoint %zu accepted: %s", i, bad[i]);
        assert_true(err.msg[0] != '\0');
        free(copy);
    }
    assert_int_equal(note_checkpoint_parse(NULL, 0, &cp, &err), DURE_EINVAL);

    assert_int_equal(note_checkpoint_parse(ok, strlen(ok), &cp, &err), 0);
    assert_int_equal(cp.size, UINT64_MAX);
    assert_int_equal(cp.origin_len, 15);
    for (int i = 0; i < TLOG_HASH_SIZE; i++)
        assert_int_equal(cp.root[i], i);
    assert_int_equal(cp.extensions_len, strlen("x ext\n\xe2\x80\x94 y\n"));
    assert_memory_equal(cp.extensions, "x ext\n", 6);
    assert_int_equal(note_checkpoint_format(&cp, out, sizeof(out), &out_len, &err), 0);
    assert_string_equal(out, ok);
    {
        const char *zero_tree = "o\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        assert_int_equal(note_checkpoint_parse(zero_tree, strlen(zero_tree), &cp2, &err), 0);
    }
    assert_int_equal(cp2.size, 0);
    assert_null(cp2.extensions);
    assert_int_equal(cp2.extensions_len, 0);

    /* Formatting refuses what parsing would refuse, and short buffers. */
    assert_int_equal(note_checkpoint_format(&cp, out, out_len, &out_len, &err), DURE_ETOOBIG);
    cp2 = cp;
    cp2.origin = "two\nlines";
    cp2.origin_len = 9;
    assert_int_equal(note_checkpoint_format(&cp2, out, sizeof(out), &out_len, &err), DURE_EINVAL);
    cp2.origin_len = 0;
    assert_int_equal(note_checkpoint_format(&cp2, out, sizeof(out), &out_len, &err), DURE_EINVAL);
    cp2 = cp;
    cp2.extensions = "no newline";
    cp2.extensions_len = 10;
    assert_int_equal(note_checkpoint_format(&cp2, out, sizeof(out), &out_len, &err), DURE_EINVAL);
    cp2.extensions = "a\n\nb\n";
    cp2.extensions_len = 5;
    assert_int_equal(note_checkpoint_format(&cp2, out, sizeof(out), &out_len, &err), DURE_EINVAL);
    cp2.extensions = "\n";
    cp2.extensions_len = 1;
    assert_int_equal(note_checkpoint_format(&cp2, out, sizeof(out), &out_len, &err), DURE_EINVAL);
}

static void test_keys_and_signing(void **state)
{
    struct fixture f, w;
    struct note_signer s;
    struct note_verifier v;
    struct dure_err err = {0};
    char skey[256];
    char b64[64];
    char line[NOTE_SIGLINE_SIZE];
    char buf[NOTE_MAX_SIZE + 1];
    char name[NOTE_NAME_MAX + 2];
    size_t line_len;
    uint8_t key[33];
    uint8_t seed[32];
    uint8_t zero[sizeof(struct note_signer)];
    uint64_t ts = 1;
    const char *body = "example.com/log\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

    (void)state;
    /* A signer key in Go's PRIVATE+KEY form round-trips. */
    randombytes_buf(seed, sizeof(seed));
    assert_int_equal(note_signer_init("dure.example/ledger", NOTE_ALG_ED25519, seed, &s, &err), 0);
    key[0] = NOTE_ALG_ED25519;
    memcpy(key + 1, seed, 32);
    sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
    snprintf(skey, sizeof(skey), "PRIVATE+KEY+dure.example/ledger+%08" PRIx32 "+%s", s.key_id, b64);
    {
        struct note_signer s2;
        assert_int_equal(note_signer_parse(skey, strlen(skey), &s2, &err), 0);
        assert_string_equal(s2.name, s.name);
        assert_int_equal(s2.key_id, s.key_id);
        assert_int_equal(s2.alg, s.alg);
        assert_memory_equal(s2.pubkey, s.pubkey, sizeof(s.pubkey));
        assert_memory_equal(s2.secret, s.secret, sizeof(s.secret));
        note_signer_cleanup(&s2);
        assert_memory_equal(&s2, memset(zero, 0, sizeof(zero)), sizeof(s2));
        skey[strlen("PRIVATE+KEY+dure.example/ledger+")] ^= 1; /* key id */
        assert_int_equal(note_signer_parse(skey, strlen(skey), &s2, &err), DURE_EINVAL);
        assert_null(strstr(err.msg, b64));
        assert_int_equal(note_signer_parse(skey + 8, strlen(skey) - 8, &s2, &err), DURE_EINVAL);
        assert_int_equal(note_signer_parse("PRIVATE+KEY+", 12, &s2, &err), DURE_EINVAL);
    }
    note_signer_cleanup(&s);

    /* Names and types. */
    memset(name, 'n', sizeof(name));
    name[NOTE_NAME_MAX] = '\0';
    assert_true(note_name_valid(name, NOTE_NAME_MAX));
    assert_int_equal(note_verifier_init(name, NOTE_ALG_ED25519, seed, &v, &err), 0);
    note_verifier_format(&v, buf);
    assert_true(strlen(buf) < NOTE_VKEY_SIZE);
    name[NOTE_NAME_MAX] = 'n';
    name[NOTE_NAME_MAX + 1] = '\0';
    assert_false(note_name_valid(name, NOTE_NAME_MAX + 1));
    assert_int_equal(note_verifier_init(name, NOTE_ALG_ED25519, seed, &v, &err), DURE_EINVAL);
    assert_false(note_name_valid("", 0));
    assert_false(note_name_valid("a b", 3));
    assert_false(note_name_valid("a+b", 3));
    assert_false(note_name_valid("a\nb", 3));
    assert_false(note_name_valid("a\xc0\xaf"
                                 "b",
                                 4));
    assert_false(note_name_valid("a\xe4\xb8\x80", 2)); /* cut inside a character */
    assert_true(note_name_valid("a\xe4\xb8\x80", 4));
    assert_true(note_name_valid("oid/1.3.6.1.4.1", 15));
    assert_true(note_name_valid("두레.kr/원장", strlen("두레.kr/원장")));
    assert_int_equal(note_verifier_init("x", 0x02, seed, &v, &err), DURE_EINVAL);
    assert_int_equal(note_signer_init("x", 0x05, seed, &s, &err), DURE_EINVAL);
    assert_int_equal(note_verifier_init(NULL, NOTE_ALG_ED25519, seed, &v, &err), DURE_EINVAL);
    {
        /* Verifier keys of other types or sizes are refused even with a matching id. */
        uint8_t k2[34];
        char vk[128];
        memset(k2, 7, sizeof(k2));
        k2[0] = 0x02;
        sodium_bin2base64(b64, sizeof(b64), k2, 33, sodium_base64_VARIANT_ORIGINAL);
        snprintf(vk, sizeof(vk), "x+%08" PRIx32 "+%s", note_key_id("x", 1, 0x02, k2 + 1), b64);
        assert_int_equal(note_verifier_parse(vk, strlen(vk), &v, &err), DURE_EINVAL);
        assert_non_null(strstr(err.msg, "type"));
        k2[0] = NOTE_ALG_ED25519;
        sodium_bin2base64(b64, sizeof(b64), k2, 34, sodium_base64_VARIANT_ORIGINAL);
        snprintf(vk, sizeof(vk), "x+%08" PRIx32 "+%s", note_key_id("x", 1, 0x01, k2 + 1), b64);
        assert_int_equal(note_verifier_parse(vk, strlen(vk), &v, &err), DURE_EINVAL);
        assert_int_equal(note_verifier_parse("x+12345678+", 11, &v, &err), DURE_EINVAL);
        assert_int_equal(note_verifier_parse("x+1234567+AQ==", 14, &v, &err), DURE_EINVAL);
        assert_int_equal(note_verifier_parse("x+1234567g+AQ==", 15, &v, &err), DURE_EINVAL);
        assert_int_equal(note_verifier_parse(NULL, 0, &v, &err), DURE_EINVAL);
    }

    /* Cosignatures: round trip, the time limits, and bodies that are not checkpoints. */
    fixture_init(&f, "example.com/log", NOTE_ALG_ED25519);
    fixture_init(&w, "witness.example/w1", NOTE_ALG_COSIGNATURE_V1);
    {
        static const uint64_t times[] = {0, 1679315147, (uint64_t)INT64_MAX};
        for (size_t i = 0; i < 3; i++) {
            sign_into(&f, body, buf, sizeof(buf));
            assert_int_equal(
                note_cosign_line(&w.s, times[i], body, strlen(body), line, &line_len, &err), 0);
            assert_int_equal(line_len, strlen(line));
            snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s", line);
            assert_int_equal(verify_rc(buf, strlen(buf), &w.v, &ts), 0);
            assert_int_equal(ts, times[i]);
            assert_int_equal(verify_rc(buf, strlen(buf), &f.v, &ts), 0);
            assert_int_equal(ts, 0);
        }
    }
    assert_int_equal(
        note_cosign_line(&w.s, (uint64_t)INT64_MAX + 1, body, strlen(body), line, &line_len, &err),
        DURE_EINVAL);
    assert_int_equal(note_cosign_line(&w.s, 5, "hello\n", 6, line, &line_len, &err), DURE_EINVAL);
    {
        /* A cosignature whose time is beyond 2^63 - 1 is refused even if signed. */
        uint8_t raw[76];
        unsigned char msg[256];
        int n = snprintf((char *)msg, sizeof(msg), "cosignature/v1\ntime %" PRIu64 "\n%s",
                         (uint64_t)INT64_MAX + 1, body);
        raw[0] = (uint8_t)(w.v.key_id >> 24);
        raw[1] = (uint8_t)(w.v.key_id >> 16);
        raw[2] = (uint8_t)(w.v.key_id >> 8);
        raw[3] = (uint8_t)w.v.key_id;
        raw[4] = 0x80;
        memset(raw + 5, 0, 7);
        crypto_sign_detached(raw + 12, NULL, msg, (size_t)n, w.s.secret);
        sign_into(&f, body, buf, sizeof(buf));
        append_sig_line(buf, sizeof(buf), w.v.name, raw, sizeof(raw));
        assert_int_equal(verify_rc(buf, strlen(buf), &w.v, &ts), DURE_EINVAL);
    }
    /* A cosigner's key cannot sign plain notes, a log's key cannot cosign. */
    assert_int_equal(note_sign_line(&w.s, body, strlen(body), line, &line_len, &err), DURE_EINVAL);
    assert_int_equal(note_cosign_line(&f.s, 5, body, strlen(body), line, &line_len, &err),
                     DURE_EINVAL);
    note_signer_cleanup(&f.s);
    note_signer_cleanup(&w.s);
    note_signer_cleanup(NULL);
    sodium_memzero(seed, sizeof(seed));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_note_vectors),  cmocka_unit_test(test_checkpoint_vectors),
        cmocka_unit_test(test_witness_vectors),      cmocka_unit_test(test_cosignature_vector),
        cmocka_unit_test(test_sigsum_vectors),       cmocka_unit_test(test_vkey_vectors),
        cmocka_unit_test(test_note_malformed),       cmocka_unit_test(test_note_signatures),
        cmocka_unit_test(test_checkpoint_malformed), cmocka_unit_test(test_keys_and_signing),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
