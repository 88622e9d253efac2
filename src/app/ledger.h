/* SPDX-License-Identifier: Apache-2.0 */
/* The cooperative's ledger: an RFC 9162 Merkle log over the event journal, with Ed25519-signed
 * C2SP checkpoints, inclusion and consistency proofs, member receipts and witness
 * cosignatures. Every event becomes a leaf in the transaction that records it (events.c calls
 * ledger__append); checkpoints are cut at most once a second while events arrive. */
#ifndef DURE_APP_LEDGER_H
#define DURE_APP_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "app/auth.h"
#include "core/note.h"
#include "core/tlog.h"

/* The default origin (and key name) of the log, derived from the cluster's name. */
#define LEDGER_DEFAULT_ORIGIN "g-valley.dure.coop/ledger"

/* Create the log's Ed25519 signing key at key_path (mode 0600, C2SP/Go signer-key text
 * "PRIVATE+KEY+<origin>+<id>+<base64>") unless a key is already there; *created (OUT) says
 * which. origin NULL uses LEDGER_DEFAULT_ORIGIN. */
int ledger_key_init(const char *key_path, const char *origin, int *created, struct dure_err *err);

/* Load the signing key from key_path into the app (called by app_create when the file exists;
 * exposed for tests). */
int ledger_key_load(struct app *app, const char *key_path, struct dure_err *err);

/* The log's verifier key "<origin>+<hex id>+<base64(0x01 || pubkey)>" into out (OUT).
 * DURE_EUNAVAILABLE when the app has no key. */
int ledger_verifier_key(struct app *app, char out[NOTE_VKEY_SIZE], struct dure_err *err);

/* Cut and store a new signed checkpoint if the log grew since the last one; *cut (OUT, may be
 * NULL) says whether it did. Safe to call from several processes: the write transaction makes
 * one of them cut. */
int ledger_checkpoint_cut(struct app *app, int *cut, struct dure_err *err);

/* The latest signed checkpoint with every collected cosignature appended (owned, free()).
 * *size (OUT, may be NULL). DURE_ENOTFOUND before the first checkpoint. */
int ledger_checkpoint(struct app *app, char **note, int64_t *size, struct dure_err *err);

/* The number of leaves (events) in the log now. */
int ledger_size(struct app *app, int64_t *size, struct dure_err *err);

/* Leaves start <= i < end (end - start <= 1000) through fn. */
int ledger_entries(struct app *app, int64_t start, int64_t end, store_event_fn fn, void *ctx,
                   struct dure_err *err);

/* Proofs against tree sizes that exist (size <= ledger_size). */
int ledger_prove_inclusion(struct app *app, int64_t index, int64_t size, struct tlog_proof *proof,
                           struct dure_err *err);
int ledger_prove_consistency(struct app *app, int64_t from, int64_t to, struct tlog_proof *proof,
                             struct dure_err *err);

/* A member's receipt for the leaf with leaf_hash: its index, leaf bytes (owned), an inclusion
 * proof to the latest checkpoint, the checkpoint (owned), and, when the actor acts for the
 * firm the event is about, the opening of its commitments (owned JSON, else NULL). A leaf
 * newer than the latest checkpoint gets a checkpoint cut first. */
struct ledger_receipt {
    int64_t index;
    char *leaf;
    size_t leaf_len;
    struct tlog_proof proof;
    char *checkpoint;
    int64_t checkpoint_size;
    char *opening;
};
int ledger_receipt(struct app *app, const struct principal *actor, const uint8_t leaf_hash[32],
                   struct ledger_receipt *out, struct dure_err *err);
void ledger_receipt_cleanup(struct ledger_receipt *r);

/* Recompute every hash from the stored leaves and check the stored tree and the latest
 * checkpoint's signature and root. On a mismatch returns DURE_ECONFLICT with *bad_index (OUT)
 * the first leaf that differs (a leaf edited, removed or reordered). *checked (OUT) leaves.
 * The leaves are read and hashed in chunks on one thread per CPU, each with its own store
 * connection from app. */
int ledger_verify(struct app *app, int64_t *checked, int64_t *bad_index, struct dure_err *err);

/* Register (admins) a witness by its cosignature/v1 verifier key; recorded as an event. */
int ledger_witness_add(struct app *app, const struct principal *actor, const char *vkey,
                       struct dure_err *err);

/* Accept cosignature lines (a witness's "— name base64" lines, text) for the checkpoint whose
 * body is body: each line must verify with a registered witness key over that body, and the
 * body must be a checkpoint this log signed. Returns 0 or DURE_EINVAL / DURE_ENOTFOUND. */
int ledger_cosignatures_add(struct app *app, const char *body, size_t body_len,
                            const char *lines, size_t lines_len, size_t *accepted,
                            struct dure_err *err);

/* Witness policy: how many cosignatures make a checkpoint "witnessed" (default 1). */
struct ledger_status {
    int64_t size;            /* leaves now */
    int64_t checkpoint_size; /* latest checkpoint, -1 none */
    size_t witnesses;        /* registered */
    size_t cosignatures;     /* on the latest checkpoint */
    size_t quorum;
    int witnessed;
};
int ledger_status(struct app *app, struct ledger_status *out, struct dure_err *err);

/* Layer-internal: append leaf seq's tree nodes in the caller's transaction (events.c). */
int ledger__append(struct store *s, int64_t seq, const void *leaf, size_t len,
                   struct dure_err *err);

#endif
