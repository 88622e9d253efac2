/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the witness's add-checkpoint request parser (app/witness.h) and the checks
 * behind it. Every input is parsed; a body that parses must format back to the same bytes and
 * is offered to a fresh in-memory witness that has cosigned the "monkeys" test log at size 5
 * (the published vectors of transparency-dev/witness): once as sent, and once with its
 * checkpoint re-signed by the log's test key, so that the size, root and proof checks are
 * reached by inputs the fuzzer could never sign itself. A cosignature must come only with a
 * checkpoint consistent with the cosigned tree, and a refusal must leave the state alone. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/witness.h"
#include "core/tlog.h"
#include "fuzz.h"

#define OLD_SIZE 5

static const char log_skey[] =
    "PRIVATE+KEY+monkeys+db4d9f7e+ATWIAF3yVBG+Hv1rZFQoNt/BaURkLPtOFMAM2HrEeIr6";
static const char old_note[] =
    "monkeys\n5\n41smjBUiAU70EtKlT6lIOIYtRTYxYXsDB+XHfcvu/BE=\n\n"
    "\xe2\x80\x94 monkeys "
    "202fftzGl3LVoqjXfwCFZZXs8I+5G22+Ek2K0AOyBuSJ/8/CZawNF+6fNlTKOCd622pbzJNkkJFWuw9DbicZCkEx9AY="
    "\n";
static const uint8_t cosigner_seed[NOTE_SEED_SIZE] = {
    0xa2, 0xda, 0xfd, 0xd7, 0xf2, 0x06, 0x1c, 0xa8, 0xfe, 0x6d, 0x19, 0xed, 0x60, 0xa2, 0xf7, 0xc1,
    0x0d, 0x55, 0x95, 0xad, 0xac, 0xff, 0x29, 0xc6, 0x04, 0x4d, 0xaf, 0x1e, 0xed, 0x21, 0x68, 0x80};

static struct {
    int ready;
    struct note_signer log_signer, cosigner;
    struct note_verifier log, cosig;
    uint8_t old_root[TLOG_HASH_SIZE];
} fx;

static void setup(void)
{
    struct dure_err err;
    size_t got = 0;
    if (fx.ready)
        return;
    if (sodium_init() < 0 ||
        note_signer_parse(log_skey, strlen(log_skey), &fx.log_signer, &err) != 0 ||
        note_signer_init("witness", NOTE_ALG_COSIGNATURE_V1, cosigner_seed, &fx.cosigner, &err) !=
            0 ||
        sodium_base642bin(fx.old_root, TLOG_HASH_SIZE,
                          "41smjBUiAU70EtKlT6lIOIYtRTYxYXsDB+XHfcvu/BE=", 44, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        abort();
    note_signer_verifier(&fx.log_signer, &fx.log);
    note_signer_verifier(&fx.cosigner, &fx.cosig);
    fx.ready = 1;
}

/* Offer (old, proof, note) to a witness that cosigned size 5 and check the outcome. */
static void offer(const struct witness_request *rq, const char *note, size_t note_len)
{
    struct witness *w = NULL;
    struct witness_result res;
    struct dure_err err;
    struct note *n = malloc(sizeof(*n));
    struct note_checkpoint cp;
    char line[NOTE_SIGLINE_SIZE], *cosigned = NULL;
    uint8_t root[TLOG_HASH_SIZE];
    uint64_t size = 0;
    size_t line_len = 0;

    if (n == NULL)
        return;
    if (witness_create(&fx.cosigner, &fx.log, NULL, &w, &err) != 0)
        abort();
    if (witness_add_checkpoint(w, 0, NULL, old_note, strlen(old_note), line, &line_len, &res,
                               &err) != 0)
        abort();

    dure_err_clear(&err);
    int rc = witness_add_checkpoint(w, rq->old_size, &rq->proof, note, note_len, line, &line_len,
                                    &res, &err);
    int have = witness_state(w, &size, root);
    if (!have)
        abort();
    if (rc != 0) {
        /* Refused: nothing cosigned, the state untouched, a reason given. */
        if (line_len != 0 || line[0] != '\0' || err.msg[0] == '\0' || size != OLD_SIZE ||
            memcmp(root, fx.old_root, TLOG_HASH_SIZE) != 0)
            abort();
        if (res.size_conflict && (rc != DURE_ECONFLICT || res.known_size != OLD_SIZE))
            abort();
        goto out;
    }
    /* Cosigned: the checkpoint is the log's, consistent with size 5, now the state. */
    if (note_parse(note, note_len, n, &err) != 0 || note_verify(n, &fx.log, NULL, &err) != 0 ||
        note_checkpoint_parse(n->text, n->text_len, &cp, &err) != 0)
        abort();
    if (rq->old_size != OLD_SIZE || cp.size < OLD_SIZE || res.new_size != cp.size ||
        size != cp.size || memcmp(root, cp.root, TLOG_HASH_SIZE) != 0 || res.misbehaviour)
        abort();
    if (cp.size == OLD_SIZE) {
        if (memcmp(cp.root, fx.old_root, TLOG_HASH_SIZE) != 0 || rq->proof.count != 0)
            abort();
    } else if (tlog_verify_consistency(OLD_SIZE, cp.size, &rq->proof, fx.old_root, cp.root, &err) !=
               0) {
        abort();
    }
    /* The cosignature verifies over the checkpoint text. */
    cosigned = malloc(n->text_len + 1 + line_len);
    if (cosigned == NULL)
        goto out;
    memcpy(cosigned, n->text, n->text_len);
    cosigned[n->text_len] = '\n';
    memcpy(cosigned + n->text_len + 1, line, line_len);
    if (n->text_len + 1 + line_len <= NOTE_MAX_SIZE &&
        (note_parse(cosigned, n->text_len + 1 + line_len, n, &err) != 0 ||
         note_verify(n, &fx.cosig, NULL, &err) != 0))
        abort();
out:
    free(cosigned);
    free(n);
    witness_destroy(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    struct witness_request *rq = malloc(sizeof(*rq));
    struct note *n = malloc(sizeof(*n));
    struct dure_err err;
    char *again = NULL, *signed_note = NULL;
    size_t again_len = 0, signed_len = 0;

    setup();
    if (rq == NULL || n == NULL)
        goto out;
    dure_err_clear(&err);
    int rc = witness_request_parse(body, size, rq, &err);
    if (rc != 0) {
        if ((rc != DURE_EINVAL && rc != DURE_ETOOBIG) || err.msg[0] == '\0')
            abort();
        goto out;
    }
    if (rq->note == NULL || rq->note_len == 0 || rq->note + rq->note_len != body + size ||
        rq->note < body || rq->proof.count > WITNESS_PROOF_MAX || rq->note_len > NOTE_MAX_SIZE)
        abort();
    /* A body that parsed is canonical: formatting it again gives the same bytes. */
    if (witness_request_format(rq->old_size, &rq->proof, rq->note, rq->note_len, &again, &again_len,
                               &err) != 0 ||
        again_len != size || memcmp(again, body, size) != 0)
        abort();

    offer(rq, rq->note, rq->note_len);

    /* The same request with its checkpoint correctly signed by the log. */
    if (note_parse(rq->note, rq->note_len, n, &err) != 0)
        goto out;
    signed_note = malloc(NOTE_MAX_SIZE + 1);
    if (signed_note == NULL)
        goto out;
    if (note_sign(&fx.log_signer, n->text, n->text_len, signed_note, NOTE_MAX_SIZE + 1, &signed_len,
                  &err) == 0)
        offer(rq, signed_note, signed_len);
out:
    free(signed_note);
    free(again);
    free(n);
    free(rq);
    return 0;
}
