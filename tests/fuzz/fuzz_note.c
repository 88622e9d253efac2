/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the signed-note and checkpoint parsers (core/note.h): the input is parsed as
 * a signed note (and its text as a checkpoint), verified with fixed keys (the published test
 * keys of transparency-dev/witness), parsed as a checkpoint body, and as verifier and signer
 * keys; whatever parses must keep the promises of note.h, format back to the same bytes, and
 * sign and cosign into notes that parse and verify again. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/note.h"
#include "fuzz.h"

#define FUZZ_TIME 1679315147u

static const char log_skey[] =
    "PRIVATE+KEY+monkeys+db4d9f7e+ATWIAF3yVBG+Hv1rZFQoNt/BaURkLPtOFMAM2HrEeIr6";
static const uint8_t cosigner_seed[NOTE_SEED_SIZE] = {
    0xa2, 0xda, 0xfd, 0xd7, 0xf2, 0x06, 0x1c, 0xa8, 0xfe, 0x6d, 0x19, 0xed, 0x60, 0xa2, 0xf7, 0xc1,
    0x0d, 0x55, 0x95, 0xad, 0xac, 0xff, 0x29, 0xc6, 0x04, 0x4d, 0xaf, 0x1e, 0xed, 0x21, 0x68, 0x80};

/* The fixed keys, made once: the fuzzer's process state, never changed after. */
static struct {
    int ready;
    struct note_signer log_signer, cosigner;
    struct note_verifier log, cosig;
} fx;

static void setup(void)
{
    struct dure_err err;
    if (fx.ready)
        return;
    if (sodium_init() < 0 ||
        note_signer_parse(log_skey, strlen(log_skey), &fx.log_signer, &err) != 0 ||
        note_signer_init("witness", NOTE_ALG_COSIGNATURE_V1, cosigner_seed, &fx.cosigner, &err) !=
            0)
        abort();
    note_signer_verifier(&fx.log_signer, &fx.log);
    note_signer_verifier(&fx.cosigner, &fx.cosig);
    fx.ready = 1;
}

static int within(const char *p, size_t n, const char *base, size_t size)
{
    return p >= base && n <= size && (size_t)(p - base) <= size - n;
}

/* The promises of note_parse about a note that parsed. */
static void check_note(const struct note *n, const char *msg, size_t len)
{
    if (n->text != msg || n->text_len == 0 || n->text_len >= len || msg[n->text_len - 1] != '\n' ||
        msg[n->text_len] != '\n')
        abort();
    if (n->sig_count == 0 || n->sig_count > NOTE_MAX_SIGS)
        abort();
    for (size_t i = 0; i < n->sig_count; i++) {
        const struct note_sig *s = &n->sigs[i];
        if (!within(s->name, s->name_len, msg, len) || !within(s->b64, s->b64_len, msg, len) ||
            s->name_len == 0 || s->b64_len < 8 || s->name < msg + n->text_len)
            abort();
        if (memchr(s->name, ' ', s->name_len) != NULL || memchr(s->name, '+', s->name_len))
            abort();
    }
}

/* A checkpoint that parsed formats back to the same text. */
static void check_checkpoint(const struct note_checkpoint *cp, const char *text, size_t len)
{
    struct dure_err err;
    size_t out_len = 0;
    char *out = malloc(NOTE_MAX_SIZE + 1);
    if (out == NULL)
        return;
    if (!within(cp->origin, cp->origin_len, text, len) || cp->origin_len == 0 ||
        memchr(cp->origin, '\n', cp->origin_len) != NULL)
        abort();
    if (cp->extensions_len > 0 && !within(cp->extensions, cp->extensions_len, text, len))
        abort();
    if (note_checkpoint_format(cp, out, NOTE_MAX_SIZE + 1, &out_len, &err) != 0)
        abort();
    if (out_len != len || memcmp(out, text, len) != 0)
        abort();
    free(out);
}

/* Signing and cosigning a checkpoint text gives notes that parse and verify. */
static void check_sign(const char *text, size_t len)
{
    struct dure_err err;
    struct note *n = malloc(sizeof(*n));
    char *note = malloc(NOTE_MAX_SIZE + 2 * NOTE_SIGLINE_SIZE);
    char line[NOTE_SIGLINE_SIZE];
    size_t note_len = 0, line_len = 0;
    uint64_t t = 0;

    if (n == NULL || note == NULL)
        goto out;
    if (note_sign(&fx.log_signer, text, len, note, NOTE_MAX_SIZE + 1, &note_len, &err) != 0) {
        if (err.code != DURE_ETOOBIG)
            abort();
        goto out;
    }
    if (note_parse(note, note_len, n, &err) != 0 || n->text_len != len ||
        note_verify(n, &fx.log, &t, &err) != 0 || t != 0)
        abort();
    if (note_verify(n, &fx.cosig, NULL, &err) == 0)
        abort(); /* not cosigned yet */
    if (note_cosign_line(&fx.cosigner, FUZZ_TIME, text, len, line, &line_len, &err) != 0)
        abort();
    memcpy(note + note_len, line, line_len);
    note_len += line_len;
    if (note_len <= NOTE_MAX_SIZE) {
        if (note_parse(note, note_len, n, &err) != 0 || n->sig_count != 2 ||
            note_verify(n, &fx.cosig, &t, &err) != 0 || t != FUZZ_TIME ||
            note_verify(n, &fx.log, NULL, &err) != 0)
            abort();
        /* A flipped bit in the cosignature breaks it, and only it. */
        note[note_len - 3] = note[note_len - 3] == 'A' ? 'B' : 'A';
        if (note_parse(note, note_len, n, &err) == 0 &&
            (note_verify(n, &fx.cosig, NULL, &err) == 0 ||
             note_verify(n, &fx.log, NULL, &err) != 0))
            abort();
    }
out:
    free(note);
    free(n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *msg = (const char *)data;
    struct note *n = NULL;
    struct note_checkpoint cp;
    struct note_verifier v;
    struct note_signer s;
    struct dure_err err;
    uint64_t t = 0;

    setup();
    n = malloc(sizeof(*n));
    if (n == NULL)
        return 0;

    /* As a signed note, verified with each fixed key. */
    dure_err_clear(&err);
    int rc = note_parse(msg, size, n, &err);
    if (rc != 0) {
        if ((rc != DURE_EINVAL && rc != DURE_ETOOBIG && rc != DURE_ENOMEM) || err.msg[0] == '\0')
            abort();
    } else {
        check_note(n, msg, size);
        if (note_verify(n, &fx.log, &t, &err) == 0 && t != 0)
            abort();
        if (note_verify(n, &fx.cosig, &t, &err) == 0 && t > (uint64_t)INT64_MAX)
            abort();
        if (note_checkpoint_parse(n->text, n->text_len, &cp, &err) == 0)
            check_checkpoint(&cp, n->text, n->text_len);
    }

    /* As a checkpoint body. */
    if (note_checkpoint_parse(msg, size, &cp, &err) == 0) {
        check_checkpoint(&cp, msg, size);
        check_sign(msg, size);
    } else if (err.msg[0] == '\0') {
        abort();
    }

    /* As keys. */
    if (note_verifier_parse(msg, size, &v, &err) == 0) {
        /* The key id may come in either case (as Go's parser takes it) and is formatted in
         * lower case: the formatted key parses to the same key, and is the input but for that. */
        char out[NOTE_VKEY_SIZE];
        struct note_verifier again;
        size_t len = note_verifier_format(&v, out);
        if (len != size || note_verifier_parse(out, len, &again, &err) != 0 ||
            again.name_len != v.name_len || memcmp(again.name, v.name, v.name_len) != 0 ||
            again.key_id != v.key_id || again.alg != v.alg ||
            memcmp(again.pubkey, v.pubkey, NOTE_PUBKEY_SIZE) != 0)
            abort();
        for (size_t i = 0; i < size; i++)
            if (out[i] != msg[i] &&
                !(i > v.name_len && i <= v.name_len + 8 && (out[i] | 0x20) == (msg[i] | 0x20)))
                abort();
    }
    if (note_signer_parse(msg, size, &s, &err) == 0) {
        note_signer_verifier(&s, &v);
        if (v.key_id != note_key_id(v.name, v.name_len, v.alg, v.pubkey))
            abort();
    }
    note_signer_cleanup(&s);
    free(n);
    return 0;
}
