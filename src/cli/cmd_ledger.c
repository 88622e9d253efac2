/* SPDX-License-Identifier: Apache-2.0 */
/* dure ledger: the cooperative's transparency log from the command line: the signed checkpoint
 * and key, leaves, proofs, full verification, member receipts and their offline verification,
 * witness registration. Everything but verify-receipt goes through app/ledger.h. */
#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "app/app.h"
#include "app/auth.h"
#include "app/ledger.h"
#include "cli/cli.h"
#include "core/brn.h"
#include "core/note.h"
#include "core/tlog.h"
#include "util/str.h"

#define ENTRIES_PAGE 1000           /* leaves asked for at once */
#define RECEIPT_FILE_MAX (1u << 20) /* a receipt is a few KiB; refuse anything absurd */
#define KEY_FILE_MAX 4096
#define B64_HASH_SIZE sodium_base64_ENCODED_LEN(TLOG_HASH_SIZE, sodium_base64_VARIANT_ORIGINAL)

static const char usage[] =
    "usage: dure ledger COMMAND [--db PATH] [--json]\n"
    "\n"
    "The cooperative's ledger: an RFC 9162 Merkle log of every event, with Ed25519-signed\n"
    "checkpoints (C2SP signed notes). See docs/ledger.md.\n"
    "\n"
    "  checkpoint                      print the latest signed checkpoint (cut one first if\n"
    "                                  the log grew), with any witness cosignatures\n"
    "  key                             print the log's verifier key\n"
    "  status                          leaves, checkpoint size, witnesses, cosignatures\n"
    "  entries START END               leaves START <= i < END, one per line: index, then the\n"
    "                                  leaf (canonical JSON); --json as the API (base64)\n"
    "  proof inclusion INDEX SIZE      inclusion proof of leaf INDEX in the tree of SIZE leaves\n"
    "  proof consistency FROM TO       consistency proof from tree size FROM to TO\n"
    "                                  (proofs: one base64 hash a line; --json as the API)\n"
    "  verify                          recompute every leaf hash, the tree and the latest\n"
    "                                  checkpoint; exit 1 naming the first bad leaf\n"
    "  receipt LEAFHASH [--firm BRN]   the receipt of a leaf as JSON on stdout; with --firm, the\n"
    "                                  opening of its commitments when it is that firm's event\n"
    "  verify-receipt FILE --key KEY   check a receipt offline: the checkpoint's signature by\n"
    "                                  KEY (the key text, or a file holding it), the inclusion\n"
    "                                  proof, and the opening against the leaf's commitments\n"
    "  witness add VKEY                register a witness's cosignature/v1 verifier key\n";

/* ---- helpers ---- */

static int parse_index(const char *s, const char *what, int64_t *out)
{
    char shown[40];
    if (!str_is_digits(s) || strlen(s) > 19 || str_to_i64(s, 0, out) != 0) {
        str_sanitize(shown, sizeof(shown), s, 24);
        cli_failf("ledger: %s \"%s\" is not a non-negative integer", what, shown);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static void print_b64(const void *data, size_t n)
{
    size_t size = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char stack[512];
    char *b64 = size <= sizeof(stack) ? stack : malloc(size);
    if (b64 == NULL) {
        fputs("(out of memory)", stdout);
        return;
    }
    sodium_bin2base64(b64, size, data, n, sodium_base64_VARIANT_ORIGINAL);
    fputs(b64, stdout);
    if (b64 != stack)
        free(b64);
}

/* n bytes as a base64 JSON string (owned reference), NULL when out of memory. */
static json_t *b64_json(const void *data, size_t n)
{
    size_t size = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(size);
    json_t *v = NULL;
    if (b64 != NULL) {
        sodium_bin2base64(b64, size, data, n, sodium_base64_VARIANT_ORIGINAL);
        v = json_string(b64);
        free(b64);
    }
    return v;
}

static json_t *proof_json(const struct tlog_proof *p)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < p->count; i++)
        json_array_append_new(a, b64_json(p->hash[i], TLOG_HASH_SIZE));
    return a;
}

/* Decode strict padded base64 of exactly want bytes (want 0: any length up to cap) into out. */
static int b64_decode(const char *s, uint8_t *out, size_t cap, size_t want, size_t *got)
{
    const char *end = NULL;
    size_t n = 0;
    if (sodium_base642bin(out, cap, s, strlen(s), NULL, &n, &end, sodium_base64_VARIANT_ORIGINAL) !=
            0 ||
        *end != '\0' || (want != 0 && n != want))
        return -1;
    if (got != NULL)
        *got = n;
    return 0;
}

/* Read a whole small file into an owned NUL-terminated string; NULL on failure. */
static char *read_small_file(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t n = 0;
    if (f == NULL)
        return NULL;
    data = malloc(max + 1);
    if (data != NULL) {
        n = fread(data, 1, max + 1, f);
        if (ferror(f) || n > max) {
            free(data);
            data = NULL;
        } else {
            data[n] = '\0';
            *len = n;
        }
    }
    fclose(f);
    return data;
}

/* ---- checkpoint, key, status ---- */

static int sub_checkpoint(struct app *app, const struct cli_common *c)
{
    struct dure_err err;
    char *note = NULL;
    int64_t size = 0;
    if (ledger_checkpoint_cut(app, NULL, &err) != 0 ||
        ledger_checkpoint(app, &note, &size, &err) != 0)
        return cli_fail(&err);
    if (c->json) {
        json_t *o = json_pack("{s:I, s:s}", "size", (json_int_t)size, "checkpoint", note);
        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(o);
    } else {
        fputs(note, stdout);
    }
    free(note);
    return CLI_OK;
}

static int sub_key(struct app *app)
{
    struct dure_err err;
    char vkey[NOTE_VKEY_SIZE];
    if (ledger_verifier_key(app, vkey, &err) != 0)
        return cli_fail(&err);
    puts(vkey);
    return CLI_OK;
}

static int sub_status(struct app *app, const struct cli_common *c)
{
    struct dure_err err;
    struct ledger_status st;
    if (ledger_status(app, &st, &err) != 0)
        return cli_fail(&err);
    if (c->json) {
        json_t *o = json_pack(
            "{s:I, s:o, s:I, s:I, s:I, s:b}", "size", (json_int_t)st.size, "checkpoint_size",
            st.checkpoint_size >= 0 ? json_integer(st.checkpoint_size) : json_null(), "witnesses",
            (json_int_t)st.witnesses, "cosignatures", (json_int_t)st.cosignatures, "quorum",
            (json_int_t)st.quorum, "witnessed", st.witnessed);
        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(o);
        return CLI_OK;
    }
    printf("leaves:        %" PRId64 "\n", st.size);
    if (st.checkpoint_size >= 0)
        printf("checkpoint:    size %" PRId64 "\n", st.checkpoint_size);
    else
        printf("checkpoint:    none yet\n");
    printf("witnesses:     %zu registered, quorum %zu\n", st.witnesses, st.quorum);
    printf("cosignatures:  %zu on the latest checkpoint (%s)\n", st.cosignatures,
           st.witnessed ? "witnessed" : "not witnessed");
    return CLI_OK;
}

/* ---- entries ---- */

struct entries_ctx {
    int json;
    int64_t printed;
};

static int print_entry(void *vctx, int64_t seq, const void *leaf, size_t len)
{
    struct entries_ctx *e = vctx;
    if (e->json) {
        printf("%s{\"index\":%" PRId64 ",\"data\":\"", e->printed > 0 ? "," : "", seq);
        print_b64(leaf, len);
        fputs("\"}", stdout);
    } else {
        printf("%" PRId64 "\t", seq);
        fwrite(leaf, 1, len, stdout);
        fputc('\n', stdout);
    }
    e->printed++;
    return 0;
}

static int sub_entries(struct app *app, const struct cli_common *c, int argc, char **argv)
{
    struct dure_err err;
    struct entries_ctx e = {.json = c->json, .printed = 0};
    int64_t start = 0, end = 0, size = 0;
    int rc;
    if (argc != 4) {
        cli_failf("ledger: usage: dure ledger entries START END [--json]");
        return CLI_USAGE;
    }
    if ((rc = parse_index(argv[2], "START", &start)) != CLI_OK ||
        (rc = parse_index(argv[3], "END", &end)) != CLI_OK)
        return rc;
    if (end <= start) {
        cli_failf("ledger: END must be greater than START (END is exclusive)");
        return CLI_USAGE;
    }
    if (ledger_size(app, &size, &err) != 0)
        return cli_fail(&err);
    if (start >= size)
        return cli_failf("ledger: the log has %" PRId64 " leaves; START must be below that", size);
    if (end > size)
        end = size;
    if (e.json)
        fputs("{\"entries\":[", stdout);
    for (int64_t at = start; at < end; at += ENTRIES_PAGE) {
        int64_t to = end - at > ENTRIES_PAGE ? at + ENTRIES_PAGE : end;
        if (ledger_entries(app, at, to, print_entry, &e, &err) != 0) {
            if (e.json)
                fputs("]}\n", stdout);
            return cli_fail(&err);
        }
    }
    if (e.json)
        fputs("]}\n", stdout);
    return CLI_OK;
}

/* ---- proofs ---- */

static int sub_proof(struct app *app, const struct cli_common *c, int argc, char **argv)
{
    struct dure_err err;
    struct tlog_proof proof;
    int64_t a = 0, b = 0;
    int rc, inclusion;
    if (argc != 5 || (strcmp(argv[2], "inclusion") != 0 && strcmp(argv[2], "consistency") != 0)) {
        cli_failf("ledger: usage: dure ledger proof inclusion INDEX SIZE | proof consistency "
                  "FROM TO");
        return CLI_USAGE;
    }
    inclusion = strcmp(argv[2], "inclusion") == 0;
    if ((rc = parse_index(argv[3], inclusion ? "INDEX" : "FROM", &a)) != CLI_OK ||
        (rc = parse_index(argv[4], inclusion ? "SIZE" : "TO", &b)) != CLI_OK)
        return rc;
    rc = inclusion ? ledger_prove_inclusion(app, a, b, &proof, &err)
                   : ledger_prove_consistency(app, a, b, &proof, &err);
    if (rc != 0)
        return cli_fail(&err);
    if (c->json) {
        json_t *o =
            json_pack("{s:I, s:I, s:o}", inclusion ? "index" : "from", (json_int_t)a,
                      inclusion ? "size" : "to", (json_int_t)b, "proof", proof_json(&proof));
        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(o);
        return CLI_OK;
    }
    for (size_t i = 0; i < proof.count; i++) {
        print_b64(proof.hash[i], TLOG_HASH_SIZE);
        fputc('\n', stdout);
    }
    return CLI_OK;
}

/* ---- verify ---- */

static int sub_verify(struct app *app, const struct cli_common *c)
{
    struct dure_err err;
    struct ledger_status st;
    char vkey[NOTE_VKEY_SIZE];
    int64_t checked = 0, bad = -1;
    int rc = ledger_verify(app, &checked, &bad, &err);
    if (rc != 0) {
        if (c->json) {
            json_t *o = json_pack("{s:b, s:I, s:o, s:s}", "ok", 0, "checked", (json_int_t)checked,
                                  "bad_index", bad >= 0 ? json_integer(bad) : json_null(), "error",
                                  err.msg);
            json_dumpf(o, stdout, JSON_COMPACT);
            fputc('\n', stdout);
            json_decref(o);
        }
        return cli_fail(&err);
    }
    if (ledger_status(app, &st, &err) != 0)
        return cli_fail(&err);
    int keyed = ledger_verifier_key(app, vkey, &err) == 0;
    if (c->json) {
        json_t *o =
            json_pack("{s:b, s:I, s:o}", "ok", 1, "leaves", (json_int_t)checked, "checkpoint_size",
                      st.checkpoint_size >= 0 ? json_integer(st.checkpoint_size) : json_null());
        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(o);
    } else if (st.checkpoint_size < 0) {
        printf("ok: %" PRId64 " leaves, no checkpoint yet\n", checked);
    } else {
        printf("ok: %" PRId64 " leaves, checkpoint of size %" PRId64 " verified%s\n", checked,
               st.checkpoint_size,
               keyed ? "" : " (root only: no ledger key to check its signature)");
    }
    return CLI_OK;
}

/* ---- receipts ---- */

static int sub_receipt(struct app *app, const char *firm, int argc, char **argv)
{
    struct dure_err err;
    struct ledger_receipt r;
    struct principal who;
    uint8_t hash[TLOG_HASH_SIZE];
    size_t n = 0;
    const char *end = NULL;
    json_t *o = NULL, *opening = NULL;
    int rc = CLI_FAIL;

    if (argc != 3) {
        cli_failf("ledger: usage: dure ledger receipt LEAFHASH [--firm BRN]");
        return CLI_USAGE;
    }
    if (strlen(argv[2]) != 2 * TLOG_HASH_SIZE ||
        sodium_hex2bin(hash, sizeof(hash), argv[2], strlen(argv[2]), NULL, &n, &end) != 0 ||
        n != sizeof(hash) || *end != '\0') {
        cli_failf("ledger: LEAFHASH must be 64 hex digits (SHA-256 of 0x00 || leaf)");
        return CLI_USAGE;
    }
    /* The public sees the receipt without its opening; with --firm the operator asks as one
     * who acts for that firm only, so the opening comes only with that firm's own events. */
    memset(&who, 0, sizeof(who));
    if (firm != NULL) {
        if (brn_parse(firm, who.firms[0], &err) != 0)
            return cli_fail(&err);
        who.authenticated = 1;
        who.role = DURE_ROLE_MEMBER;
        who.nfirms = 1;
        str_copy(who.actor, "cli", sizeof(who.actor));
    }
    memset(&r, 0, sizeof(r));
    if (ledger_receipt(app, &who, hash, &r, &err) != 0)
        return cli_fail(&err);
    if (firm != NULL && r.opening == NULL) {
        cli_failf("ledger: leaf %" PRId64 " carries no commitments of firm %s", r.index,
                  who.firms[0]);
        goto out;
    }
    if (r.opening != NULL) {
        json_error_t je;
        opening = json_loads(r.opening, JSON_REJECT_DUPLICATES, &je);
        if (opening == NULL) {
            cli_failf("ledger: the stored opening of leaf %" PRId64 " is not JSON", r.index);
            goto out;
        }
    }
    o = json_pack("{s:I, s:o, s:o, s:s}", "index", (json_int_t)r.index, "leaf",
                  b64_json(r.leaf, r.leaf_len), "proof", proof_json(&r.proof), "checkpoint",
                  r.checkpoint);
    if (o != NULL && opening != NULL) {
        json_object_set_new(o, "opening", opening);
        opening = NULL;
    }
    if (o == NULL || json_dumpf(o, stdout, JSON_COMPACT) != 0) {
        cli_failf("ledger: cannot write the receipt");
        goto out;
    }
    fputc('\n', stdout);
    rc = CLI_OK;
out:
    json_decref(o);
    json_decref(opening);
    ledger_receipt_cleanup(&r);
    return rc;
}

/* The key of --key: the verifier key text itself, or a file that holds it. v (OUT). */
static int load_vkey(const char *arg, struct note_verifier *v)
{
    struct dure_err err;
    struct stat st;
    char *text = NULL;
    const char *k = arg;
    size_t len = strlen(arg);
    int rc;
    if (strchr(arg, '+') == NULL && stat(arg, &st) == 0 && S_ISREG(st.st_mode)) {
        text = read_small_file(arg, KEY_FILE_MAX, &len);
        if (text == NULL)
            return cli_failf("ledger: cannot read the key file %s", arg);
        k = text;
    }
    while (len > 0 && (k[0] == ' ' || k[0] == '\t' || k[0] == '\n' || k[0] == '\r')) {
        k++;
        len--;
    }
    while (len > 0 &&
           (k[len - 1] == ' ' || k[len - 1] == '\t' || k[len - 1] == '\n' || k[len - 1] == '\r'))
        len--;
    rc = note_verifier_parse(k, len, v, &err);
    free(text);
    if (rc != 0)
        return cli_failf("ledger: --key: %s", err.msg);
    if (v->alg != NOTE_ALG_ED25519)
        return cli_failf("ledger: --key must be the log's Ed25519 verifier key, not a witness key");
    return CLI_OK;
}

/* hex SHA-256(salt || value) == commitment (hex)? salt_hex must be 64 hex digits. */
static int opens(const char *commitment, const char *salt_hex, const char *value, size_t len)
{
    uint8_t salt[32], h[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256_state st;
    size_t n = 0;
    const char *end = NULL;
    if (strlen(salt_hex) != 64 ||
        sodium_hex2bin(salt, sizeof(salt), salt_hex, 64, NULL, &n, &end) != 0 ||
        n != sizeof(salt) || *end != '\0')
        return 0;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, salt, sizeof(salt));
    crypto_hash_sha256_update(&st, (const unsigned char *)value, len);
    crypto_hash_sha256_final(&st, h);
    str_hex(hex, h, sizeof(h));
    return strlen(commitment) == 64 && strcmp(hex, commitment) == 0;
}

/* A string member of o, or NULL. */
static const char *str_member(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int check_opening(const json_t *opening, const char *leaf, size_t leaf_len)
{
    json_error_t je;
    json_t *ev = json_loadb(leaf, leaf_len, JSON_REJECT_DUPLICATES, &je);
    const json_t *data = json_object_get(ev, "data");
    const char *firm_c = str_member(data, "firm_commitment");
    const char *fig_c = str_member(data, "figures_commitment");
    const char *firm = str_member(opening, "firm"), *firm_salt = str_member(opening, "firm_salt");
    const char *fig = str_member(opening, "figures");
    const char *fig_salt = str_member(opening, "figures_salt");
    int rc = CLI_FAIL;
    if (!json_is_object(opening) || firm == NULL || firm_salt == NULL || fig == NULL ||
        fig_salt == NULL) {
        cli_failf("ledger: the opening needs the strings firm, firm_salt, figures, figures_salt");
        goto out;
    }
    if (firm_c == NULL || fig_c == NULL) {
        cli_failf("ledger: the leaf carries no firm_commitment and figures_commitment to open");
        goto out;
    }
    if (!opens(firm_c, firm_salt, firm, strlen(firm))) {
        cli_failf("ledger: the opening's firm does not match the leaf's firm_commitment");
        goto out;
    }
    printf("ok: firm_commitment opens to firm %s\n", firm);
    if (!opens(fig_c, fig_salt, fig, json_string_length(json_object_get(opening, "figures")))) {
        cli_failf("ledger: the opening's figures do not match the leaf's figures_commitment");
        goto out;
    }
    printf("ok: figures_commitment opens to %s\n", fig);
    rc = CLI_OK;
out:
    json_decref(ev);
    return rc;
}

static int sub_verify_receipt(const char *key_arg, int argc, char **argv)
{
    struct note_verifier v;
    struct note *n = NULL;
    struct note_checkpoint cp;
    struct tlog_proof proof;
    struct dure_err err;
    json_error_t je;
    json_t *rcpt = NULL;
    char *text = NULL, b64[B64_HASH_SIZE], hex[2 * TLOG_HASH_SIZE + 1];
    uint8_t *leaf = NULL, leaf_hash[TLOG_HASH_SIZE];
    size_t len = 0, leaf_len = 0;
    int rc = CLI_FAIL;

    if (argc != 3 || key_arg == NULL) {
        cli_failf("ledger: usage: dure ledger verify-receipt FILE --key KEY");
        return CLI_USAGE;
    }
    if ((rc = load_vkey(key_arg, &v)) != CLI_OK)
        return rc;
    rc = CLI_FAIL;
    text = read_small_file(argv[2], RECEIPT_FILE_MAX, &len);
    if (text == NULL) {
        cli_failf("ledger: cannot read %s (or it is larger than %u bytes)", argv[2],
                  RECEIPT_FILE_MAX);
        goto out;
    }
    rcpt = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(rcpt)) {
        cli_failf("ledger: %s is not a receipt: %s", argv[2],
                  rcpt == NULL ? je.text : "not a JSON object");
        goto out;
    }
    const json_t *index_v = json_object_get(rcpt, "index");
    const char *leaf_b64 = str_member(rcpt, "leaf"), *note_text = str_member(rcpt, "checkpoint");
    const json_t *proof_v = json_object_get(rcpt, "proof");
    const json_t *opening = json_object_get(rcpt, "opening");
    if (!json_is_integer(index_v) || json_integer_value(index_v) < 0 || leaf_b64 == NULL ||
        note_text == NULL || !json_is_array(proof_v) ||
        (opening != NULL && !json_is_object(opening))) {
        cli_failf("ledger: a receipt needs index (integer), leaf (base64), proof (array), "
                  "checkpoint (signed note) and optionally opening (object)");
        goto out;
    }

    /* 1. The checkpoint is signed by the log's key. */
    n = malloc(sizeof(*n));
    if (n == NULL) {
        cli_failf("ledger: out of memory");
        goto out;
    }
    if (note_parse(note_text, strlen(note_text), n, &err) != 0 ||
        note_verify(n, &v, NULL, &err) != 0) {
        cli_failf("ledger: the checkpoint: %s", err.msg);
        goto out;
    }
    if (note_checkpoint_parse(n->text, n->text_len, &cp, &err) != 0) {
        cli_failf("ledger: the checkpoint body: %s", err.msg);
        goto out;
    }
    if (cp.origin_len != v.name_len || memcmp(cp.origin, v.name, v.name_len) != 0) {
        cli_failf("ledger: the checkpoint's origin is not the key's name %s", v.name);
        goto out;
    }
    sodium_bin2base64(b64, sizeof(b64), cp.root, TLOG_HASH_SIZE, sodium_base64_VARIANT_ORIGINAL);
    printf("ok: checkpoint signed by %s+%08" PRIx32 ": tree size %" PRIu64 ", root %s\n", v.name,
           v.key_id, cp.size, b64);

    /* 2. The leaf is in that tree. */
    leaf = malloc(strlen(leaf_b64) / 4 * 3 + 3);
    if (leaf == NULL ||
        b64_decode(leaf_b64, leaf, strlen(leaf_b64) / 4 * 3 + 3, 0, &leaf_len) != 0) {
        cli_failf("ledger: leaf is not base64");
        goto out;
    }
    if (json_array_size(proof_v) > TLOG_PROOF_MAX) {
        cli_failf("ledger: the proof has more than %d hashes", TLOG_PROOF_MAX);
        goto out;
    }
    proof.count = json_array_size(proof_v);
    for (size_t i = 0; i < proof.count; i++) {
        const json_t *h = json_array_get(proof_v, i);
        if (!json_is_string(h) || b64_decode(json_string_value(h), proof.hash[i], TLOG_HASH_SIZE,
                                             TLOG_HASH_SIZE, NULL) != 0) {
            cli_failf("ledger: proof hash %zu is not base64 of 32 bytes", i);
            goto out;
        }
    }
    tlog_leaf_hash(leaf, leaf_len, leaf_hash);
    str_hex(hex, leaf_hash, sizeof(leaf_hash));
    uint64_t index = (uint64_t)json_integer_value(index_v);
    if (tlog_verify_inclusion(index, cp.size, leaf_hash, &proof, cp.root, &err) != 0) {
        cli_failf("ledger: leaf %" PRIu64 " is not proved in the checkpoint: %s", index, err.msg);
        goto out;
    }
    printf("ok: leaf %" PRIu64 " (leaf hash %s) is included in the tree of size %" PRIu64 "\n",
           index, hex, cp.size);

    /* 3. The opening, when there is one, matches the leaf's commitments. */
    if (opening != NULL) {
        if (check_opening(opening, (const char *)leaf, leaf_len) != CLI_OK)
            goto out;
    } else {
        printf("(no opening: the receipt proves inclusion only)\n");
    }
    printf("ok: receipt verified\n");
    rc = CLI_OK;
out:
    free(n);
    free(leaf);
    free(text);
    json_decref(rcpt);
    return rc;
}

/* ---- witnesses ---- */

static int sub_witness(struct app *app, int argc, char **argv)
{
    struct dure_err err;
    struct principal cli;
    if (argc != 4 || strcmp(argv[2], "add") != 0) {
        cli_failf("ledger: usage: dure ledger witness add VKEY");
        return CLI_USAGE;
    }
    auth_principal_cli(&cli);
    if (ledger_witness_add(app, &cli, argv[3], &err) != 0)
        return cli_fail(&err);
    const char *plus = strchr(argv[3], '+');
    fprintf(stderr, "dure: witness %.*s registered\n",
            (int)(plus != NULL ? (size_t)(plus - argv[3]) : strlen(argv[3])), argv[3]);
    return CLI_OK;
}

/* ---- the command ---- */

int cmd_ledger(int argc, char **argv)
{
    struct cli_common c;
    struct app *app = NULL;
    int missing = 0, rc = CLI_FAIL;
    cli_parse_common(&argc, argv, &c);
    const char *firm = cli_take_opt(&argc, argv, "--firm", &missing);
    const char *key = cli_take_opt(&argc, argv, "--key", &missing);
    if (c.help) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (missing) {
        cli_failf("ledger: an option is missing its value (see dure ledger --help)");
        return CLI_USAGE;
    }
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_USAGE;
    }
    const char *sub = argv[1];
    if ((firm != NULL && strcmp(sub, "receipt") != 0) ||
        (key != NULL && strcmp(sub, "verify-receipt") != 0)) {
        cli_failf("ledger: --firm goes with receipt, --key with verify-receipt");
        return CLI_USAGE;
    }
    /* Offline: needs no database. */
    if (strcmp(sub, "verify-receipt") == 0)
        return sub_verify_receipt(key, argc, argv);

    int known = strcmp(sub, "checkpoint") == 0 || strcmp(sub, "key") == 0 ||
                strcmp(sub, "status") == 0 || strcmp(sub, "entries") == 0 ||
                strcmp(sub, "proof") == 0 || strcmp(sub, "verify") == 0 ||
                strcmp(sub, "receipt") == 0 || strcmp(sub, "witness") == 0;
    if (!known) {
        char shown[48];
        str_sanitize(shown, sizeof(shown), sub, 32);
        cli_failf("ledger: unknown command \"%s\" (see dure ledger --help)", shown);
        return CLI_USAGE;
    }
    int simple = strcmp(sub, "checkpoint") == 0 || strcmp(sub, "key") == 0 ||
                 strcmp(sub, "status") == 0 || strcmp(sub, "verify") == 0;
    if (simple && argc != 2) {
        char shown[48];
        str_sanitize(shown, sizeof(shown), argv[2], 32);
        cli_failf("ledger: unexpected argument \"%s\" (see dure ledger --help)", shown);
        return CLI_USAGE;
    }
    if (cli_open_app(&c, &app) != CLI_OK)
        return CLI_FAIL;
    if (strcmp(sub, "checkpoint") == 0)
        rc = sub_checkpoint(app, &c);
    else if (strcmp(sub, "key") == 0)
        rc = sub_key(app);
    else if (strcmp(sub, "status") == 0)
        rc = sub_status(app, &c);
    else if (strcmp(sub, "entries") == 0)
        rc = sub_entries(app, &c, argc, argv);
    else if (strcmp(sub, "proof") == 0)
        rc = sub_proof(app, &c, argc, argv);
    else if (strcmp(sub, "verify") == 0)
        rc = sub_verify(app, &c);
    else if (strcmp(sub, "receipt") == 0)
        rc = sub_receipt(app, firm, argc, argv);
    else
        rc = sub_witness(app, argc, argv);
    app_destroy(app);
    return rc;
}
