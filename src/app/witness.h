/* SPDX-License-Identifier: Apache-2.0 */
/* A member's witness of the ledger (c2sp.org/tlog-witness): it keeps the latest checkpoint it
 * cosigned for one log in a state file, accepts a newer checkpoint only with a consistency
 * proof from that one, and cosigns it (cosignature/v1). Shared by `dure witness serve` (the
 * log pushes add-checkpoint requests) and `dure witness poll` (the witness fetches). */
#ifndef DURE_APP_WITNESS_H
#define DURE_APP_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/note.h"
#include "core/tlog.h"
#include "util/err.h"

/* Limits of an add-checkpoint request body: the "old N" line, at most WITNESS_PROOF_MAX
 * base64 hashes one a line, a blank line and a signed note of at most NOTE_MAX_SIZE bytes. */
#define WITNESS_PROOF_MAX TLOG_PROOF_MAX
#define WITNESS_REQUEST_MAX (32 + WITNESS_PROOF_MAX * 45 + 1 + NOTE_MAX_SIZE)

/* A parsed add-checkpoint request. note points into the parsed body (borrowed, valid as long
 * as it is) and is not yet parsed as a note or verified. About 2 KiB; caller storage. */
struct witness_request {
    uint64_t old_size;
    struct tlog_proof proof;
    const char *note;
    size_t note_len;
};

/* Decode the padded standard base64 of a 32-byte hash (b64 borrowed, len bytes) into out
 * (OUT): exactly 44 characters of the RFC 4648 alphabet, the last '=', unused bits zero, so
 * that a hash has exactly one accepted encoding. Returns 0 or -1. */
int witness_hash_b64_decode(const char *b64, size_t len, uint8_t out[TLOG_HASH_SIZE]);

/* Parse an add-checkpoint body (borrowed, len bytes, not NUL-terminated): "old <size>\n" with
 * the size in decimal without leading zeros, zero to WITNESS_PROOF_MAX lines of padded
 * base64 of 32 bytes, an empty line, then the signed checkpoint (the rest, non-empty). Every
 * line ends in '\n'. req (OUT). Returns 0, DURE_ETOOBIG (body over WITNESS_REQUEST_MAX, more
 * than WITNESS_PROOF_MAX proof lines, note over NOTE_MAX_SIZE) or DURE_EINVAL naming the
 * line. Never reads past len. */
int witness_request_parse(const char *body, size_t len, struct witness_request *req,
                          struct dure_err *err);

/* Format an add-checkpoint body from old_size, proof (may be NULL for none) and the signed
 * checkpoint note (borrowed) into *out (OWNED, free(); NUL-terminated), *out_len its length.
 * Returns 0, DURE_EINVAL (proof too long) or DURE_ENOMEM. */
int witness_request_format(uint64_t old_size, const struct tlog_proof *proof, const char *note,
                           size_t note_len, char **out, size_t *out_len, struct dure_err *err);

/* Create a new cosignature/v1 key named name: writes the signer key in the form of
 * golang.org/x/mod/sumdb/note ("PRIVATE+KEY+<name>+<id>+<base64(0x04 || seed)>\n") to path
 * with mode 0600, refusing to replace an existing file, and the verifier key into vkey (OUT).
 * Returns 0, DURE_EINVAL (bad name), DURE_ECONFLICT (path exists) or DURE_EIO. */
int witness_key_generate(const char *name, const char *path, char vkey[NOTE_VKEY_SIZE],
                         struct dure_err *err);

/* Load a cosignature/v1 signer key from path into s (OUT; wipe it with note_signer_cleanup).
 * The file must not be readable by group or others. Returns 0, DURE_EIO, DURE_EFORBIDDEN
 * (mode) or DURE_EINVAL (not a cosignature/v1 signer key). */
int witness_key_load(const char *path, struct note_signer *s, struct dure_err *err);

struct witness;

/* Create a witness that cosigns checkpoints of the log with verifier key log (an Ed25519
 * 0x01 key; its name is the log's origin) with signer (a cosignature/v1 key). Both are
 * copied; the copy of the signer lives in sodium_malloc'ed memory. state_path (copied) is
 * the state file: loaded when it exists (a file that does not verify is an error, never a
 * fresh start), rewritten atomically (temporary file, fsync, rename, fsync of the directory)
 * before each cosignature is returned. state_path NULL keeps the state in memory only (tests
 * and fuzzing). *out is owned: witness_destroy. Returns 0, DURE_EINVAL (wrong key types, a
 * state file that does not parse, verify or belong to the log), DURE_EIO or DURE_ENOMEM. */
int witness_create(const struct note_signer *signer, const struct note_verifier *log,
                   const char *state_path, struct witness **out, struct dure_err *err);

/* Wipe and free; w may be NULL. */
void witness_destroy(struct witness *w);

/* The witness's name and verifier key (static in w). */
const char *witness_name(const struct witness *w);
void witness_verifier(const struct witness *w, struct note_verifier *v);

/* The latest cosigned tree: *size (OUT; 0 when none), root (OUT, may be NULL) and whether
 * there is one (return value 1) or not (0). Thread-safe. */
int witness_state(struct witness *w, uint64_t *size, uint8_t root[TLOG_HASH_SIZE]);

/* What witness_add_checkpoint found beside its return code. */
struct witness_result {
    uint64_t known_size; /* the size of the latest cosigned checkpoint (for 409 answers) */
    uint64_t new_size;   /* the size of the checkpoint offered, once parsed (else 0) */
    int size_conflict;   /* 1: DURE_ECONFLICT because old_size != known_size: answer 409 with
                            known_size as text/x.tlog.size */
    int misbehaviour;    /* 1: a checkpoint correctly signed by the log contradicts what this
                            witness cosigned (a fork: another root at the same size or a
                            consistency proof from the cosigned tree that fails; or a smaller
                            tree). Evidence of a misbehaving log: report it loudly. */
};

/* The add-checkpoint call of c2sp.org/tlog-witness, checked in the spec's order: the note
 * (borrowed, note_len bytes) parses as a signed checkpoint (else DURE_EINVAL), its origin is
 * the log's (else DURE_ENOTFOUND), it carries a valid signature by the log's key (else
 * DURE_EFORBIDDEN), old_size <= its size (else DURE_EINVAL), old_size is the size this witness
 * last cosigned, 0 when none (else DURE_ECONFLICT with size_conflict), the same size has the
 * same root (else DURE_ECONFLICT, misbehaviour), and proof (may be NULL: empty) is a valid
 * consistency proof from the cosigned tree to the new one, empty when old_size is 0 or equal
 * to the size (else DURE_EUNPROCESSABLE). Then the new state is persisted and line (OUT)
 * receives the cosignature line "— <name> <base64>\n" (NUL-terminated), *line_len its length.
 * The check and the update are one step under the witness's lock. A failure to persist is
 * DURE_EIO and nothing is cosigned. res (OUT) is always filled; err names what failed. */
int witness_add_checkpoint(struct witness *w, uint64_t old_size, const struct tlog_proof *proof,
                           const char *note, size_t note_len, char line[NOTE_SIGLINE_SIZE],
                           size_t *line_len, struct witness_result *res, struct dure_err *err);

#endif
