/* SPDX-License-Identifier: Apache-2.0 */
/* Signed notes as golang.org/x/mod/sumdb/note reads and writes them, checkpoints, and the
 * cosignature/v1 message witnesses sign. Every byte of a note is checked before any of it is
 * trusted: size, UTF-8, control bytes, line structure, names, base64. */
#include "core/note.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define EM_DASH_SPACE "\xe2\x80\x94 "
#define EM_DASH_SPACE_LEN 4
#define ED25519_SIG_SIZE 64
#define COSIG_HEADER_MAX 48 /* "cosignature/v1\ntime " + 20 digits + "\n" */
#define TIMESTAMP_MAX ((uint64_t)INT64_MAX)
/* Decoded bytes of the longest base64 text a note can hold (signature lines are shorter). */
#define NOTE_B64_BIN_MAX (NOTE_MAX_SIZE / 4 * 3)

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Decode one UTF-8 sequence at s[i] (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF). Returns its length and the code point in *cp, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t len, size_t i, uint32_t *cp)
{
    unsigned char c = s[i];
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    size_t n;
    uint32_t v;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        v = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        else if (c == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        v = c & 0x07;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (len - i < n)
        return 0;
    for (size_t k = 1; k < n; k++) {
        unsigned char t = s[i + k];
        if (t < (k == 1 ? lo : 0x80) || t > (k == 1 ? hi : 0xbf))
            return 0;
        v = v << 6 | (t & 0x3f);
    }
    *cp = v;
    return n;
}

/* 0 when s (len bytes) is UTF-8 without control characters other than newline, as signed
 * notes must be; else -1 with the offending offset in *bad. */
static int text_check(const char *s, size_t len, size_t *bad)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(u, len, i, &cp);
        if (n == 0 || (cp < 0x20 && cp != '\n')) {
            *bad = i;
            return -1;
        }
        i += n;
    }
    return 0;
}

/* The line number (1-based) of byte offset off in s. */
static size_t line_of(const char *s, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
        if (s[i] == '\n')
            line++;
    return line;
}

/* Unicode White_Space, as Go's unicode.IsSpace, which sumdb/note uses for key names. */
static int is_unicode_space(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
           cp == 0x205f || cp == 0x3000;
}

/* A key name without the length limit (names in notes are bounded by the note size). */
static int name_ok(const char *name, size_t len)
{
    const unsigned char *u = (const unsigned char *)name;
    size_t i = 0;

    if (len == 0)
        return 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(u, len, i, &cp);
        if (n == 0 || cp < 0x20 || cp == '+' || is_unicode_space(cp))
            return 0;
        i += n;
    }
    return 1;
}

int note_name_valid(const char *name, size_t len)
{
    return name != NULL && len <= NOTE_NAME_MAX && name_ok(name, len);
}

/* Strict standard base64 (RFC 4648 section 4): padding required, no whitespace, no trailing
 * junk, unused bits zero. Returns 0, or -1 when invalid or longer than max bytes. */
static int b64_decode(const char *b64, size_t len, uint8_t *out, size_t max, size_t *out_len)
{
    /* libsodium 1.0.18 takes bytes >= 0x80 as digits: admit only the standard alphabet. */
    for (size_t i = 0; i < len; i++) {
        char c = b64[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '='))
            return -1;
    }
    if (sodium_base642bin(out, max, b64, len, NULL, out_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    return 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exactly 8 hex digits into *out; 0 or -1. */
static int parse_key_id(const char *s, size_t len, uint32_t *out)
{
    uint32_t v = 0;

    if (len != 8)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int d = hex_digit(s[i]);
        if (d < 0)
            return -1;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 0;
}

uint32_t note_key_id(const char *name, size_t name_len, uint8_t alg,
                     const uint8_t pubkey[NOTE_PUBKEY_SIZE])
{
    static const unsigned char newline = '\n';
    crypto_hash_sha256_state st;
    uint8_t sum[crypto_hash_sha256_BYTES];

    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)name, name_len);
    crypto_hash_sha256_update(&st, &newline, 1);
    crypto_hash_sha256_update(&st, &alg, 1);
    crypto_hash_sha256_update(&st, pubkey, NOTE_PUBKEY_SIZE);
    crypto_hash_sha256_final(&st, sum);
    return get_be32(sum);
}

static int alg_ok(uint8_t alg)
{
    return alg == NOTE_ALG_ED25519 || alg == NOTE_ALG_COSIGNATURE_V1;
}

static int verifier_setup(const char *name, size_t name_len, uint8_t alg,
                          const uint8_t pubkey[NOTE_PUBKEY_SIZE], struct note_verifier *v,
                          struct dure_err *err)
{
    if (!note_name_valid(name, name_len))
        return dure_err_set(err, DURE_EINVAL,
                            "key name must be 1 to %d bytes of UTF-8 without spaces, control "
                            "characters or '+'",
                            NOTE_NAME_MAX);
    if (!alg_ok(alg))
        return dure_err_set(err, DURE_EINVAL, "unsupported key type 0x%02x", (unsigned)alg);
    memcpy(v->name, name, name_len);
    v->name[name_len] = '\0';
    v->name_len = name_len;
    v->alg = alg;
    memcpy(v->pubkey, pubkey, NOTE_PUBKEY_SIZE);
    v->key_id = note_key_id(name, name_len, alg, pubkey);
    return 0;
}

int note_verifier_init(const char *name, uint8_t alg, const uint8_t pubkey[NOTE_PUBKEY_SIZE],
                       struct note_verifier *v, struct dure_err *err)
{
    if (name == NULL)
        return dure_err_set(err, DURE_EINVAL, "key name is missing");
    return verifier_setup(name, strlen(name), alg, pubkey, v, err);
}

/* Split "<name>+<hex>+<rest>" at its first two '+'; the rest may contain '+' (base64). */
static int split_key(const char *s, size_t len, const char **name, size_t *name_len,
                     uint32_t *key_id, const char **rest, size_t *rest_len)
{
    const char *p1 = memchr(s, '+', len);
    const char *p2;

    if (p1 == NULL)
        return -1;
    p2 = memchr(p1 + 1, '+', len - (size_t)(p1 + 1 - s));
    if (p2 == NULL)
        return -1;
    if (parse_key_id(p1 + 1, (size_t)(p2 - p1 - 1), key_id) != 0)
        return -1;
    *name = s;
    *name_len = (size_t)(p1 - s);
    *rest = p2 + 1;
    *rest_len = len - (size_t)(p2 + 1 - s);
    return 0;
}

int note_verifier_parse(const char *vkey, size_t len, struct note_verifier *v, struct dure_err *err)
{
    const char *name;
    const char *b64;
    size_t name_len;
    size_t b64_len;
    size_t key_len;
    uint32_t key_id;
    uint8_t key[1 + NOTE_PUBKEY_SIZE];

    if (vkey == NULL || len == 0 || len >= NOTE_VKEY_SIZE)
        return dure_err_set(err, DURE_EINVAL, "verifier key is empty or longer than %d bytes",
                            NOTE_VKEY_SIZE - 1);
    if (split_key(vkey, len, &name, &name_len, &key_id, &b64, &b64_len) != 0)
        return dure_err_set(err, DURE_EINVAL,
                            "verifier key is not <name>+<8 hex digits>+<base64 key>");
    if (!note_name_valid(name, name_len))
        return dure_err_set(err, DURE_EINVAL, "verifier key has an invalid key name");
    if (b64_decode(b64, b64_len, key, sizeof(key), &key_len) != 0 || key_len != sizeof(key))
        return dure_err_set(err, DURE_EINVAL,
                            "verifier key is not base64 of a type byte and a 32-byte key");
    if (!alg_ok(key[0]))
        return dure_err_set(err, DURE_EINVAL, "verifier key has unsupported type 0x%02x",
                            (unsigned)key[0]);
    if (note_key_id(name, name_len, key[0], key + 1) != key_id)
        return dure_err_set(err, DURE_EINVAL,
                            "verifier key id %08" PRIx32 " does not match "
                            "its name and key",
                            key_id);
    return verifier_setup(name, name_len, key[0], key + 1, v, err);
}

size_t note_verifier_format(const struct note_verifier *v, char out[NOTE_VKEY_SIZE])
{
    uint8_t key[1 + NOTE_PUBKEY_SIZE];
    char b64[64];
    int n;

    key[0] = v->alg;
    memcpy(key + 1, v->pubkey, NOTE_PUBKEY_SIZE);
    sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
    n = snprintf(out, NOTE_VKEY_SIZE, "%.*s+%08" PRIx32 "+%s", (int)v->name_len, v->name, v->key_id,
                 b64);
    return n < 0 ? 0 : (size_t)n;
}

static int signer_setup(const char *name, size_t name_len, uint8_t alg,
                        const uint8_t seed[NOTE_SEED_SIZE], struct note_signer *s,
                        struct dure_err *err)
{
    if (!note_name_valid(name, name_len))
        return dure_err_set(err, DURE_EINVAL,
                            "key name must be 1 to %d bytes of UTF-8 without spaces, control "
                            "characters or '+'",
                            NOTE_NAME_MAX);
    if (!alg_ok(alg))
        return dure_err_set(err, DURE_EINVAL, "unsupported key type 0x%02x", (unsigned)alg);
    memcpy(s->name, name, name_len);
    s->name[name_len] = '\0';
    s->name_len = name_len;
    s->alg = alg;
    crypto_sign_seed_keypair(s->pubkey, s->secret, seed);
    s->key_id = note_key_id(name, name_len, alg, s->pubkey);
    return 0;
}

int note_signer_init(const char *name, uint8_t alg, const uint8_t seed[NOTE_SEED_SIZE],
                     struct note_signer *s, struct dure_err *err)
{
    if (name == NULL)
        return dure_err_set(err, DURE_EINVAL, "key name is missing");
    return signer_setup(name, strlen(name), alg, seed, s, err);
}

int note_signer_parse(const char *skey, size_t len, struct note_signer *s, struct dure_err *err)
{
    static const char prefix[] = "PRIVATE+KEY+";
    const size_t prefix_len = sizeof(prefix) - 1;
    const char *name;
    const char *b64;
    size_t name_len;
    size_t b64_len;
    size_t key_len = 0;
    uint32_t key_id;
    uint8_t key[1 + NOTE_SEED_SIZE];
    int rc = 0;

    if (skey == NULL || len <= prefix_len || len > 2 * NOTE_VKEY_SIZE ||
        memcmp(skey, prefix, prefix_len) != 0) {
        rc = dure_err_set(err, DURE_EINVAL, "signer key does not start with PRIVATE+KEY+");
        goto out;
    }
    if (split_key(skey + prefix_len, len - prefix_len, &name, &name_len, &key_id, &b64, &b64_len) !=
        0) {
        rc = dure_err_set(err, DURE_EINVAL,
                          "signer key is not PRIVATE+KEY+<name>+<8 hex digits>+<base64 key>");
        goto out;
    }
    if (b64_decode(b64, b64_len, key, sizeof(key), &key_len) != 0 || key_len != sizeof(key)) {
        rc = dure_err_set(err, DURE_EINVAL,
                          "signer key is not base64 of a type byte and a 32-byte seed");
        goto out;
    }
    rc = signer_setup(name, name_len, key[0], key + 1, s, err);
    if (rc != 0)
        goto out;
    if (s->key_id != key_id) {
        note_signer_cleanup(s);
        rc = dure_err_set(err, DURE_EINVAL,
                          "signer key id %08" PRIx32 " does not match its name and key", key_id);
        goto out;
    }
out:
    sodium_memzero(key, sizeof(key));
    return rc;
}

void note_signer_cleanup(struct note_signer *s)
{
    if (s != NULL)
        sodium_memzero(s, sizeof(*s));
}

void note_signer_verifier(const struct note_signer *s, struct note_verifier *v)
{
    memcpy(v->name, s->name, s->name_len + 1);
    v->name_len = s->name_len;
    v->key_id = s->key_id;
    v->alg = s->alg;
    memcpy(v->pubkey, s->pubkey, NOTE_PUBKEY_SIZE);
}

/* Valid note text: not too long, UTF-8 without control bytes, ending in a newline. */
static int check_note_text(const char *what, const char *text, size_t len, struct dure_err *err)
{
    size_t bad;

    if (len > NOTE_MAX_SIZE)
        return dure_err_set(err, DURE_ETOOBIG, "%s is longer than %d bytes", what, NOTE_MAX_SIZE);
    if (text == NULL || len == 0 || text[len - 1] != '\n')
        return dure_err_set(err, DURE_EINVAL, "%s does not end with a newline", what);
    if (text_check(text, len, &bad) != 0)
        return dure_err_set(err, DURE_EINVAL,
                            "%s line %zu has a control character or invalid UTF-8", what,
                            line_of(text, bad));
    return 0;
}

/* "— <name> <base64(raw)>\n" into line; raw is at most 76 bytes, so it always fits. */
static size_t format_sig_line(const char *name, size_t name_len, const uint8_t *raw, size_t raw_len,
                              char line[NOTE_SIGLINE_SIZE])
{
    char b64[128];
    size_t b64_len;
    size_t n = 0;

    sodium_bin2base64(b64, sizeof(b64), raw, raw_len, sodium_base64_VARIANT_ORIGINAL);
    b64_len = strlen(b64);
    memcpy(line, EM_DASH_SPACE, EM_DASH_SPACE_LEN);
    n += EM_DASH_SPACE_LEN;
    memcpy(line + n, name, name_len);
    n += name_len;
    line[n++] = ' ';
    memcpy(line + n, b64, b64_len);
    n += b64_len;
    line[n++] = '\n';
    line[n] = '\0';
    return n;
}

int note_sign_line(const struct note_signer *s, const char *text, size_t text_len,
                   char line[NOTE_SIGLINE_SIZE], size_t *line_len, struct dure_err *err)
{
    uint8_t raw[4 + ED25519_SIG_SIZE];
    int rc;

    *line_len = 0;
    line[0] = '\0';
    if (s->alg != NOTE_ALG_ED25519)
        return dure_err_set(err, DURE_EINVAL,
                            "key %s is a cosignature key; it signs only checkpoints", s->name);
    rc = check_note_text("note text", text, text_len, err);
    if (rc != 0)
        return rc;
    put_be32(raw, s->key_id);
    crypto_sign_detached(raw + 4, NULL, (const unsigned char *)text, text_len, s->secret);
    *line_len = format_sig_line(s->name, s->name_len, raw, sizeof(raw), line);
    return 0;
}

int note_sign(const struct note_signer *s, const char *text, size_t text_len, char *out,
              size_t out_size, size_t *out_len, struct dure_err *err)
{
    char line[NOTE_SIGLINE_SIZE];
    size_t line_len;
    size_t total;
    int rc;

    *out_len = 0;
    if (out_size > 0)
        out[0] = '\0';
    rc = note_sign_line(s, text, text_len, line, &line_len, err);
    if (rc != 0)
        return rc;
    total = text_len + 1 + line_len;
    if (total > NOTE_MAX_SIZE || total >= out_size)
        return dure_err_set(err, DURE_ETOOBIG, "signed note of %zu bytes does not fit", total);
    memcpy(out, text, text_len);
    out[text_len] = '\n';
    memcpy(out + text_len + 1, line, line_len + 1);
    *out_len = total;
    return 0;
}

/* "cosignature/v1\ntime <t>\n" || text into a new buffer (owned, free()). */
static int cosig_message(uint64_t timestamp, const char *text, size_t text_len, unsigned char **msg,
                         size_t *msg_len, struct dure_err *err)
{
    unsigned char *m = malloc(COSIG_HEADER_MAX + text_len);
    int n;

    *msg = NULL;
    if (m == NULL)
        return dure_err_set(err, DURE_ENOMEM, "no memory for a cosignature message");
    n = snprintf((char *)m, COSIG_HEADER_MAX, "cosignature/v1\ntime %" PRIu64 "\n", timestamp);
    memcpy(m + n, text, text_len);
    *msg = m;
    *msg_len = (size_t)n + text_len;
    return 0;
}

int note_cosign_line(const struct note_signer *s, uint64_t timestamp, const char *body,
                     size_t body_len, char line[NOTE_SIGLINE_SIZE], size_t *line_len,
                     struct dure_err *err)
{
    struct note_checkpoint cp;
    unsigned char *msg = NULL;
    size_t msg_len = 0;
    uint8_t raw[4 + 8 + ED25519_SIG_SIZE];
    int rc;

    *line_len = 0;
    line[0] = '\0';
    if (s->alg != NOTE_ALG_COSIGNATURE_V1) {
        rc = dure_err_set(err, DURE_EINVAL, "key %s is not a cosignature/v1 key", s->name);
        goto out;
    }
    if (timestamp > TIMESTAMP_MAX) {
        rc = dure_err_set(err, DURE_EINVAL, "cosignature time %" PRIu64 " exceeds 2^63 - 1",
                          timestamp);
        goto out;
    }
    rc = note_checkpoint_parse(body, body_len, &cp, err);
    if (rc != 0)
        goto out;
    rc = cosig_message(timestamp, body, body_len, &msg, &msg_len, err);
    if (rc != 0)
        goto out;
    put_be32(raw, s->key_id);
    put_be64(raw + 4, timestamp);
    crypto_sign_detached(raw + 12, NULL, msg, msg_len, s->secret);
    *line_len = format_sig_line(s->name, s->name_len, raw, sizeof(raw), line);
out:
    free(msg);
    return rc;
}

int note_parse(const char *msg, size_t len, struct note *n, struct dure_err *err)
{
    uint8_t *bin = NULL;
    size_t bad;
    size_t split;
    size_t pos;
    size_t line_no;
    int found = 0;
    int rc = 0;

    n->text = NULL;
    n->text_len = 0;
    n->sig_count = 0;
    if (msg == NULL || len == 0) {
        rc = dure_err_set(err, DURE_EINVAL, "note is empty");
        goto out;
    }
    if (len > NOTE_MAX_SIZE) {
        rc = dure_err_set(err, DURE_ETOOBIG, "note is longer than %d bytes", NOTE_MAX_SIZE);
        goto out;
    }
    if (text_check(msg, len, &bad) != 0) {
        rc =
            dure_err_set(err, DURE_EINVAL, "note line %zu has a control character or invalid UTF-8",
                         line_of(msg, bad));
        goto out;
    }
    /* The text ends at the last blank line; the signature block follows it. */
    for (split = len - 1; split > 0; split--) {
        if (msg[split] == '\n' && msg[split - 1] == '\n') {
            split--;
            found = 1;
            break;
        }
    }
    if (!found) {
        rc = dure_err_set(err, DURE_EINVAL, "note has no blank line before its signatures");
        goto out;
    }
    pos = split + 2;
    if (pos == len) {
        rc = dure_err_set(err, DURE_EINVAL, "note has no signatures");
        goto out;
    }
    if (msg[len - 1] != '\n') {
        rc = dure_err_set(err, DURE_EINVAL, "note does not end with a newline");
        goto out;
    }
    bin = malloc(NOTE_B64_BIN_MAX);
    if (bin == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "no memory to decode signatures");
        goto out;
    }
    n->text = msg;
    n->text_len = split + 1;
    line_no = line_of(msg, pos);
    while (pos < len) {
        const char *line = msg + pos;
        const char *eol = memchr(line, '\n', len - pos); /* found: msg ends in '\n' */
        size_t line_len = (size_t)(eol - line);
        const char *name;
        const char *space;
        size_t name_len;
        size_t bin_len;
        struct note_sig *sig;

        if (n->sig_count == NOTE_MAX_SIGS) {
            rc = dure_err_set(err, DURE_ETOOBIG, "note has more than %d signatures", NOTE_MAX_SIGS);
            goto out;
        }
        if (line_len < EM_DASH_SPACE_LEN || memcmp(line, EM_DASH_SPACE, EM_DASH_SPACE_LEN) != 0) {
            rc = dure_err_set(err, DURE_EINVAL,
                              "note line %zu: a signature line starts with an em dash (U+2014) "
                              "and a space",
                              line_no);
            goto out;
        }
        name = line + EM_DASH_SPACE_LEN;
        space = memchr(name, ' ', line_len - EM_DASH_SPACE_LEN);
        if (space == NULL) {
            rc = dure_err_set(err, DURE_EINVAL,
                              "note line %zu: no space between key name and signature", line_no);
            goto out;
        }
        name_len = (size_t)(space - name);
        if (!name_ok(name, name_len)) {
            rc = dure_err_set(err, DURE_EINVAL, "note line %zu: invalid key name", line_no);
            goto out;
        }
        sig = &n->sigs[n->sig_count];
        sig->name = name;
        sig->name_len = name_len;
        sig->b64 = space + 1;
        sig->b64_len = (size_t)(eol - sig->b64);
        if (sig->b64_len == 0 ||
            b64_decode(sig->b64, sig->b64_len, bin, NOTE_B64_BIN_MAX, &bin_len) != 0) {
            rc = dure_err_set(err, DURE_EINVAL,
                              "note line %zu: signature is not padded standard base64", line_no);
            goto out;
        }
        if (bin_len < 5) {
            rc = dure_err_set(err, DURE_EINVAL,
                              "note line %zu: signature has %zu bytes, fewer than a key id and "
                              "one byte",
                              line_no, bin_len);
            goto out;
        }
        sig->key_id = get_be32(bin);
        n->sig_count++;
        pos += line_len + 1;
        line_no++;
    }
out:
    free(bin);
    if (rc != 0) {
        n->text = NULL;
        n->text_len = 0;
        n->sig_count = 0;
    }
    return rc;
}

int note_verify(const struct note *n, const struct note_verifier *v, uint64_t *timestamp,
                struct dure_err *err)
{
    unsigned char *msg = NULL;
    size_t msg_len = 0;
    size_t count = n->sig_count < NOTE_MAX_SIGS ? n->sig_count : NOTE_MAX_SIGS;
    size_t want;
    size_t found = 0;
    uint64_t first_time = 0;
    int rc = 0;

    if (timestamp != NULL)
        *timestamp = 0;
    if (!alg_ok(v->alg)) {
        rc = dure_err_set(err, DURE_EINVAL, "verifier %s has unsupported type 0x%02x", v->name,
                          (unsigned)v->alg);
        goto out;
    }
    if (n->text == NULL) {
        rc = dure_err_set(err, DURE_EINVAL, "note has no text");
        goto out;
    }
    want = v->alg == NOTE_ALG_ED25519 ? 4 + ED25519_SIG_SIZE : 4 + 8 + ED25519_SIG_SIZE;
    for (size_t i = 0; i < count; i++) {
        const struct note_sig *sig = &n->sigs[i];
        uint8_t raw[4 + 8 + ED25519_SIG_SIZE];
        size_t raw_len = 0;
        uint64_t t = 0;
        int bad;

        if (sig->name_len != v->name_len || memcmp(sig->name, v->name, v->name_len) != 0 ||
            sig->key_id != v->key_id)
            continue;
        if (b64_decode(sig->b64, sig->b64_len, raw, want, &raw_len) != 0 || raw_len != want) {
            rc = dure_err_set(err, DURE_EINVAL,
                              "signature by %s+%08" PRIx32 " is not a %zu-byte %s signature",
                              v->name, v->key_id, want,
                              v->alg == NOTE_ALG_ED25519 ? "Ed25519" : "cosignature/v1");
            goto out;
        }
        if (v->alg == NOTE_ALG_ED25519) {
            bad = crypto_sign_verify_detached(raw + 4, (const unsigned char *)n->text, n->text_len,
                                              v->pubkey);
        } else {
            t = get_be64(raw + 4);
            if (t > TIMESTAMP_MAX) {
                rc = dure_err_set(err, DURE_EINVAL,
                                  "cosignature by %s+%08" PRIx32 " has time beyond 2^63 - 1",
                                  v->name, v->key_id);
                goto out;
            }
            free(msg);
            rc = cosig_message(t, n->text, n->text_len, &msg, &msg_len, err);
            if (rc != 0)
                goto out;
            bad = crypto_sign_verify_detached(raw + 12, msg, msg_len, v->pubkey);
        }
        if (bad != 0) {
            rc = dure_err_set(err, DURE_EINVAL, "signature by %s+%08" PRIx32 " does not verify",
                              v->name, v->key_id);
            goto out;
        }
        if (found == 0)
            first_time = t;
        found++;
    }
    if (found == 0) {
        rc = dure_err_set(err, DURE_EINVAL, "note is not signed by %s+%08" PRIx32, v->name,
                          v->key_id);
        goto out;
    }
    if (timestamp != NULL)
        *timestamp = first_time;
out:
    free(msg);
    return rc;
}

/* The next line of text from *pos: its start and length (without the newline); advances *pos
 * past the newline. Returns -1 at the end of the text. The text ends in '\n'. */
static int next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *line_len)
{
    const char *eol;

    if (*pos >= len)
        return -1;
    *line = text + *pos;
    eol = memchr(*line, '\n', len - *pos);
    *line_len = (size_t)(eol - *line);
    *pos += *line_len + 1;
    return 0;
}

int note_checkpoint_parse(const char *text, size_t len, struct note_checkpoint *cp,
                          struct dure_err *err)
{
    const char *line = NULL;
    size_t line_len = 0;
    size_t pos = 0;
    size_t root_len;
    uint64_t size = 0;
    int rc;

    memset(cp, 0, sizeof(*cp));
    rc = check_note_text("checkpoint", text, len, err);
    if (rc != 0)
        return rc;

    if (next_line(text, len, &pos, &line, &line_len) != 0 || line_len == 0)
        return dure_err_set(err, DURE_EINVAL, "checkpoint line 1: origin is empty");
    cp->origin = line;
    cp->origin_len = line_len;

    if (next_line(text, len, &pos, &line, &line_len) != 0)
        return dure_err_set(err, DURE_EINVAL, "checkpoint has no tree size line");
    if (line_len == 0 || line_len > 20 || (line_len > 1 && line[0] == '0'))
        return dure_err_set(err, DURE_EINVAL,
                            "checkpoint line 2: tree size must be a decimal number without "
                            "leading zeros");
    for (size_t i = 0; i < line_len; i++) {
        unsigned d = (unsigned)(line[i] - '0');
        if (line[i] < '0' || line[i] > '9')
            return dure_err_set(err, DURE_EINVAL,
                                "checkpoint line 2: tree size must be a decimal number");
        if (size > (UINT64_MAX - d) / 10)
            return dure_err_set(err, DURE_EINVAL, "checkpoint line 2: tree size overflows");
        size = size * 10 + d;
    }
    cp->size = size;

    if (next_line(text, len, &pos, &line, &line_len) != 0)
        return dure_err_set(err, DURE_EINVAL, "checkpoint has no root hash line");
    if (b64_decode(line, line_len, cp->root, TLOG_HASH_SIZE, &root_len) != 0 ||
        root_len != TLOG_HASH_SIZE)
        return dure_err_set(err, DURE_EINVAL,
                            "checkpoint line 3: root hash is not base64 of 32 bytes");

    cp->extensions = pos < len ? text + pos : NULL;
    cp->extensions_len = len - pos;
    for (size_t line_no = 4; next_line(text, len, &pos, &line, &line_len) == 0; line_no++)
        if (line_len == 0)
            return dure_err_set(err, DURE_EINVAL,
                                "checkpoint line %zu: extension lines must not be empty", line_no);
    return 0;
}

int note_checkpoint_format(const struct note_checkpoint *cp, char *out, size_t out_size,
                           size_t *out_len, struct dure_err *err)
{
    char size_text[24];
    char root_b64[48];
    size_t size_len;
    size_t root_len;
    size_t total;
    size_t bad;
    size_t pos = 0;

    *out_len = 0;
    if (out_size > 0)
        out[0] = '\0';
    if (cp->origin == NULL || cp->origin_len == 0 ||
        memchr(cp->origin, '\n', cp->origin_len) != NULL ||
        text_check(cp->origin, cp->origin_len, &bad) != 0)
        return dure_err_set(err, DURE_EINVAL,
                            "checkpoint origin must be one non-empty line of UTF-8 without "
                            "control characters");
    if (cp->extensions_len > 0) {
        const char *e = cp->extensions;
        size_t n = cp->extensions_len;
        if (e == NULL || e[0] == '\n' || e[n - 1] != '\n' || text_check(e, n, &bad) != 0)
            return dure_err_set(err, DURE_EINVAL,
                                "checkpoint extensions must be non-empty lines ending in "
                                "newlines");
        for (size_t i = 1; i < n; i++)
            if (e[i] == '\n' && e[i - 1] == '\n')
                return dure_err_set(err, DURE_EINVAL,
                                    "checkpoint extension lines must not be empty");
    }
    size_len = (size_t)snprintf(size_text, sizeof(size_text), "%" PRIu64, cp->size);
    sodium_bin2base64(root_b64, sizeof(root_b64), cp->root, TLOG_HASH_SIZE,
                      sodium_base64_VARIANT_ORIGINAL);
    root_len = strlen(root_b64);
    total = cp->origin_len + 1 + size_len + 1 + root_len + 1 + cp->extensions_len;
    if (total > NOTE_MAX_SIZE || total >= out_size)
        return dure_err_set(err, DURE_ETOOBIG, "checkpoint of %zu bytes does not fit", total);
    memcpy(out + pos, cp->origin, cp->origin_len);
    pos += cp->origin_len;
    out[pos++] = '\n';
    memcpy(out + pos, size_text, size_len);
    pos += size_len;
    out[pos++] = '\n';
    memcpy(out + pos, root_b64, root_len);
    pos += root_len;
    out[pos++] = '\n';
    if (cp->extensions_len > 0)
        memcpy(out + pos, cp->extensions, cp->extensions_len);
    pos += cp->extensions_len;
    out[pos] = '\0';
    *out_len = pos;
    return 0;
}
