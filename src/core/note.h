/* SPDX-License-Identifier: Apache-2.0 */
/* C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, the tlog-checkpoint body the
 * ledger signs (c2sp.org/tlog-checkpoint), and Ed25519 witness cosignatures
 * (c2sp.org/tlog-cosignature, cosignature/v1). Pure computation: no I/O. */
#ifndef DURE_CORE_NOTE_H
#define DURE_CORE_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "core/tlog.h"
#include "util/err.h"

/* Limits on what the parsers accept: a whole signed note (text and signature lines), the
 * signatures in one note, and a key name in bytes (names in notes are not limited beyond the
 * note size; keys, which dure configures, are). */
#define NOTE_MAX_SIZE 16384
#define NOTE_MAX_SIGS 100
#define NOTE_NAME_MAX 255

/* Signature type bytes of c2sp.org/signed-note: plain Ed25519 note signatures, and
 * timestamped Ed25519 cosignatures (cosignature/v1). */
#define NOTE_ALG_ED25519 0x01
#define NOTE_ALG_COSIGNATURE_V1 0x04

#define NOTE_PUBKEY_SIZE 32
#define NOTE_SEED_SIZE 32

/* Buffer sizes, NUL included: a verifier key "<name>+<8 hex>+<base64 of 33 bytes>", and one
 * signature line "— <name> <base64 of at most 4 + 8 + 64 bytes>\n" (the em dash is 3 bytes). */
#define NOTE_VKEY_SIZE (NOTE_NAME_MAX + 1 + 8 + 1 + 44 + 1)
#define NOTE_SIGLINE_SIZE (3 + 1 + NOTE_NAME_MAX + 1 + 104 + 1 + 1)

/* A public key a note may be signed with: name, type and key id fix which signature lines it
 * checks. Plain data, caller storage; name is NUL-terminated. */
struct note_verifier {
    char name[NOTE_NAME_MAX + 1];
    size_t name_len;
    uint32_t key_id;
    uint8_t alg; /* NOTE_ALG_ED25519 or NOTE_ALG_COSIGNATURE_V1 */
    uint8_t pubkey[NOTE_PUBKEY_SIZE];
};

/* A private key that signs notes (NOTE_ALG_ED25519) or cosigns checkpoints
 * (NOTE_ALG_COSIGNATURE_V1). Holds the secret key: keep it on the stack or in sodium_malloc'ed
 * memory and always end with note_signer_cleanup, which wipes it. */
struct note_signer {
    char name[NOTE_NAME_MAX + 1];
    size_t name_len;
    uint32_t key_id;
    uint8_t alg;
    uint8_t pubkey[NOTE_PUBKEY_SIZE];
    uint8_t secret[64]; /* libsodium's Ed25519 secret key: seed || public key */
};

/* One signature line of a parsed note. The pointers are borrowed from the message given to
 * note_parse and are valid as long as it is. */
struct note_sig {
    const char *name; /* key name, not NUL-terminated */
    size_t name_len;
    uint32_t key_id; /* the first 4 bytes of the decoded signature, big-endian */
    const char *b64; /* the whole base64 signature (key id included), not NUL-terminated */
    size_t b64_len;
};

/* A parsed, not yet verified, signed note: text (ending in a newline) and its signature lines,
 * in order. About 4 KiB; caller storage. */
struct note {
    const char *text; /* borrowed from the message */
    size_t text_len;
    size_t sig_count;
    struct note_sig sigs[NOTE_MAX_SIGS];
};

/* The body of a tlog checkpoint: origin line, tree size, root hash, optional extension lines.
 * For parsing, origin and extensions are borrowed from the text parsed. */
struct note_checkpoint {
    const char *origin; /* not NUL-terminated, no newline */
    size_t origin_len;
    uint64_t size;
    uint8_t root[TLOG_HASH_SIZE];
    const char *extensions; /* zero or more non-empty lines, each ending in '\n'; may be NULL */
    size_t extensions_len;
};

/* The key id of a key: the first 4 bytes, big-endian, of
 * SHA-256(name || 0x0A || alg || pubkey). name is borrowed, name_len bytes. */
uint32_t note_key_id(const char *name, size_t name_len, uint8_t alg,
                     const uint8_t pubkey[NOTE_PUBKEY_SIZE]);

/* 1 when name (len bytes) is a valid key name: non-empty, at most NOTE_NAME_MAX bytes, UTF-8,
 * no control characters, no Unicode space and no '+'; else 0. */
int note_name_valid(const char *name, size_t len);

/* Make a verifier from a NUL-terminated key name, a type (NOTE_ALG_*) and an Ed25519 public
 * key; computes the key id. v (OUT). Returns 0 or DURE_EINVAL (bad name or type). */
int note_verifier_init(const char *name, uint8_t alg, const uint8_t pubkey[NOTE_PUBKEY_SIZE],
                       struct note_verifier *v, struct dure_err *err);

/* Parse a verifier key "<name>+<8 hex digits key id>+<base64 of type byte || public key>"
 * (vkey borrowed, len bytes, no surrounding whitespace). Accepts types 0x01 and 0x04 with
 * 32-byte keys, and checks the key id against the key. v (OUT).
 * Returns 0 or DURE_EINVAL with the reason. */
int note_verifier_parse(const char *vkey, size_t len, struct note_verifier *v,
                        struct dure_err *err);

/* Format v as a verifier key into out (OUT, NUL-terminated); returns its length. */
size_t note_verifier_format(const struct note_verifier *v, char out[NOTE_VKEY_SIZE]);

/* Make a signer from a NUL-terminated key name, a type (NOTE_ALG_*) and a 32-byte Ed25519
 * seed (borrowed; the caller wipes its copy). s (OUT). Returns 0 or DURE_EINVAL. */
int note_signer_init(const char *name, uint8_t alg, const uint8_t seed[NOTE_SEED_SIZE],
                     struct note_signer *s, struct dure_err *err);

/* Parse a signer key "PRIVATE+KEY+<name>+<8 hex key id>+<base64 of type byte || seed>", the
 * form golang.org/x/mod/sumdb/note uses (skey borrowed, len bytes). Types 0x01 and 0x04; the
 * key id must match the public key derived from the seed. s (OUT). Returns 0 or DURE_EINVAL;
 * the message never contains key material. */
int note_signer_parse(const char *skey, size_t len, struct note_signer *s, struct dure_err *err);

/* Wipe s (its secret key included); s may be NULL. */
void note_signer_cleanup(struct note_signer *s);

/* The verifier of a signer's public key, into v (OUT). */
void note_signer_verifier(const struct note_signer *s, struct note_verifier *v);

/* Sign a note text with an Ed25519 (0x01) signer: line (OUT) receives the signature line
 * "— <name> <base64(key id || signature)>\n", NUL-terminated, *line_len its length.
 * text (borrowed, text_len bytes) must be valid note text: UTF-8 without control characters
 * other than newline, ending in a newline, at most NOTE_MAX_SIZE bytes.
 * Returns 0, DURE_EINVAL (bad text, wrong signer type) or DURE_ETOOBIG. */
int note_sign_line(const struct note_signer *s, const char *text, size_t text_len,
                   char line[NOTE_SIGLINE_SIZE], size_t *line_len, struct dure_err *err);

/* Sign text with a 0x01 signer and write the whole signed note, text + "\n" + signature line,
 * into out (OUT, out_size bytes, NUL-terminated); *out_len its length. Returns 0, DURE_EINVAL,
 * or DURE_ETOOBIG when the note would exceed NOTE_MAX_SIZE or out_size. */
int note_sign(const struct note_signer *s, const char *text, size_t text_len, char *out,
              size_t out_size, size_t *out_len, struct dure_err *err);

/* Cosign a checkpoint body (cosignature/v1) with a 0x04 signer at a POSIX time (seconds,
 * at most 2^63 - 1): Ed25519 over "cosignature/v1\ntime <timestamp>\n" || body. line (OUT)
 * receives "— <name> <base64(key id || timestamp, 8 bytes big-endian || signature)>\n".
 * body (borrowed) must parse as a checkpoint. Returns 0, DURE_EINVAL, DURE_ETOOBIG or
 * DURE_ENOMEM. */
int note_cosign_line(const struct note_signer *s, uint64_t timestamp, const char *body,
                     size_t body_len, char line[NOTE_SIGLINE_SIZE], size_t *line_len,
                     struct dure_err *err);

/* Parse a signed note (msg borrowed, len bytes; n keeps pointers into it) as
 * c2sp.org/signed-note and golang.org/x/mod/sumdb/note read it: at most NOTE_MAX_SIZE bytes of
 * UTF-8 without control characters other than newline; the text is everything up to and
 * including the newline before the last blank line; after it one or more lines
 * "— <name> <base64>\n" with a valid key name and a strict, padded base64 signature of at
 * least 5 bytes; at most NOTE_MAX_SIGS lines. Signatures are not verified here. n (OUT).
 * Returns 0, DURE_ETOOBIG (size, signature count), DURE_ENOMEM, or DURE_EINVAL naming the
 * line and the reason. */
int note_parse(const char *msg, size_t len, struct note *n, struct dure_err *err);

/* Verify that n carries a valid signature by v. Signature lines with another name or key id
 * are ignored; every line with v's name and key id must verify (if one does not, the whole
 * note is rejected), and at least one must be present. For a cosignature/v1 verifier the
 * signed message is "cosignature/v1\ntime <t>\n" || text and *timestamp (OUT, may be NULL)
 * receives t of the first such line; for an Ed25519 verifier it receives 0.
 * Returns 0, DURE_EINVAL (no such signature, bad length, signature does not verify) or
 * DURE_ENOMEM. */
int note_verify(const struct note *n, const struct note_verifier *v, uint64_t *timestamp,
                struct dure_err *err);

/* Parse a checkpoint body (text borrowed, len bytes, usually a note's text): origin line
 * (non-empty), tree size in decimal without leading zeros, base64 of the 32-byte root hash,
 * then optional non-empty extension lines; every line ends in a newline and the text is
 * valid note text. cp (OUT) points into text. Returns 0 or DURE_EINVAL naming the line. */
int note_checkpoint_parse(const char *text, size_t len, struct note_checkpoint *cp,
                          struct dure_err *err);

/* Format cp as a checkpoint body into out (OUT, out_size bytes, NUL-terminated); *out_len its
 * length. The origin must be non-empty note text without a newline; extensions, if any,
 * non-empty lines each ending in a newline. Returns 0, DURE_EINVAL or DURE_ETOOBIG. */
int note_checkpoint_format(const struct note_checkpoint *cp, char *out, size_t out_size,
                           size_t *out_len, struct dure_err *err);

#endif
