/* SPDX-License-Identifier: Apache-2.0 */
/* The witness's verification core: add-checkpoint request bodies, cosignature/v1 keys, the
 * state file (the latest cosigned checkpoint, as the log signed it) and the checks that make a
 * witness refuse a fork or a log that shrinks. */
#include "app/witness.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "util/buf.h"
#include "util/str.h"

#define KEY_FILE_MAX 1024
#define HASH_B64_LEN 44 /* base64 of 32 bytes, padded */
#define HASH_B64_SIZE (HASH_B64_LEN + 1)
#define SIZE_DIGITS_MAX 20
#define EM_DASH_SPACE "\xe2\x80\x94 "

struct witness {
    pthread_mutex_t lock;
    struct note_signer *signer; /* sodium_malloc'ed */
    struct note_verifier self;
    struct note_verifier log;
    char *state_path; /* NULL: memory only */
    int have;         /* a checkpoint was cosigned */
    uint64_t size;
    uint8_t root[TLOG_HASH_SIZE];
};

/* ---- request bodies ---- */

int witness_hash_b64_decode(const char *b64, size_t len, uint8_t out[TLOG_HASH_SIZE])
{
    size_t got = 0;
    if (len != HASH_B64_LEN || b64[HASH_B64_LEN - 1] != '=')
        return -1;
    /* libsodium's decoder takes some bytes outside the alphabet (>= 0x80) for digits, so the
     * alphabet is checked here first: one hash has one encoding. */
    for (size_t i = 0; i + 1 < HASH_B64_LEN; i++) {
        char c = b64[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return -1;
    }
    if (sodium_base642bin(out, TLOG_HASH_SIZE, b64, len, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != TLOG_HASH_SIZE)
        return -1;
    return 0;
}

/* Decimal without leading zeros (except "0"), at most 20 digits, into *out; 0 or -1. */
static int parse_size(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > SIZE_DIGITS_MAX || (len > 1 && s[0] == '0'))
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int witness_request_parse(const char *body, size_t len, struct witness_request *req,
                          struct dure_err *err)
{
    const char *eol;
    size_t pos = 0, line_len, line_no = 1;

    req->old_size = 0;
    req->proof.count = 0;
    req->note = NULL;
    req->note_len = 0;
    if (body == NULL || len == 0)
        return dure_err_set(err, DURE_EINVAL, "the request body is empty");
    if (len > WITNESS_REQUEST_MAX)
        return dure_err_set(err, DURE_ETOOBIG, "the request body is longer than %d bytes",
                            WITNESS_REQUEST_MAX);

    eol = memchr(body, '\n', len);
    if (eol == NULL)
        return dure_err_set(err, DURE_EINVAL, "line 1: the old size line has no newline");
    line_len = (size_t)(eol - body);
    if (line_len < 4 || memcmp(body, "old ", 4) != 0 ||
        parse_size(body + 4, line_len - 4, &req->old_size) != 0)
        return dure_err_set(err, DURE_EINVAL,
                            "line 1: must be \"old <size>\" with a decimal size without leading "
                            "zeros");
    pos = line_len + 1;

    for (;;) {
        line_no++;
        if (pos >= len)
            return dure_err_set(err, DURE_EINVAL,
                                "line %zu: the body ends before the empty line and the checkpoint",
                                line_no);
        eol = memchr(body + pos, '\n', len - pos);
        if (eol == NULL)
            return dure_err_set(err, DURE_EINVAL,
                                "line %zu: a proof line or the empty line has no newline", line_no);
        line_len = (size_t)(eol - (body + pos));
        if (line_len == 0) {
            pos++;
            break;
        }
        if (req->proof.count == WITNESS_PROOF_MAX)
            return dure_err_set(err, DURE_ETOOBIG, "line %zu: more than %d consistency proof lines",
                                line_no, WITNESS_PROOF_MAX);
        if (witness_hash_b64_decode(body + pos, line_len, req->proof.hash[req->proof.count]) != 0)
            return dure_err_set(err, DURE_EINVAL,
                                "line %zu: a proof line must be the padded base64 of a 32-byte "
                                "hash",
                                line_no);
        req->proof.count++;
        pos += line_len + 1;
    }
    if (pos >= len)
        return dure_err_set(err, DURE_EINVAL, "line %zu: no checkpoint after the empty line",
                            line_no + 1);
    if (len - pos > NOTE_MAX_SIZE)
        return dure_err_set(err, DURE_ETOOBIG, "the checkpoint is longer than %d bytes",
                            NOTE_MAX_SIZE);
    req->note = body + pos;
    req->note_len = len - pos;
    return 0;
}

int witness_request_format(uint64_t old_size, const struct tlog_proof *proof, const char *note,
                           size_t note_len, char **out, size_t *out_len, struct dure_err *err)
{
    struct buf b;
    char b64[HASH_B64_SIZE];
    size_t count = proof != NULL ? proof->count : 0;
    int rc = 0;

    *out = NULL;
    *out_len = 0;
    if (count > WITNESS_PROOF_MAX)
        return dure_err_set(err, DURE_EINVAL, "a consistency proof has at most %d hashes",
                            WITNESS_PROOF_MAX);
    buf_init(&b, WITNESS_REQUEST_MAX + NOTE_MAX_SIZE);
    rc = buf_printf(&b, "old %" PRIu64 "\n", old_size);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        sodium_bin2base64(b64, sizeof(b64), proof->hash[i], TLOG_HASH_SIZE,
                          sodium_base64_VARIANT_ORIGINAL);
        rc = buf_printf(&b, "%s\n", b64);
    }
    if (rc == 0)
        rc = buf_append(&b, "\n", 1);
    if (rc == 0)
        rc = buf_append(&b, note, note_len);
    if (rc == 0)
        *out = buf_steal(&b, out_len);
    if (rc == 0 && *out == NULL)
        rc = DURE_ENOMEM;
    buf_cleanup(&b);
    if (rc != 0)
        return dure_err_set(err, rc == DURE_ETOOBIG ? DURE_EINVAL : DURE_ENOMEM,
                            "cannot build the add-checkpoint request");
    return 0;
}

/* ---- keys ---- */

int witness_key_generate(const char *name, const char *path, char vkey[NOTE_VKEY_SIZE],
                         struct dure_err *err)
{
    uint8_t seed[NOTE_SEED_SIZE];
    uint8_t raw[1 + NOTE_SEED_SIZE];
    char b64[sodium_base64_ENCODED_LEN(1 + NOTE_SEED_SIZE, sodium_base64_VARIANT_ORIGINAL)];
    char text[KEY_FILE_MAX];
    struct note_signer signer;
    struct note_verifier v;
    int rc = 0, fd = -1, n = 0;

    vkey[0] = '\0';
    memset(&signer, 0, sizeof(signer));
    randombytes_buf(seed, sizeof(seed));
    rc = note_signer_init(name, NOTE_ALG_COSIGNATURE_V1, seed, &signer, err);
    if (rc != 0)
        goto out;
    raw[0] = NOTE_ALG_COSIGNATURE_V1;
    memcpy(raw + 1, seed, NOTE_SEED_SIZE);
    sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
    n = snprintf(text, sizeof(text), "PRIVATE+KEY+%s+%08" PRIx32 "+%s\n", signer.name,
                 signer.key_id, b64);
    if (n < 0 || (size_t)n >= sizeof(text)) {
        rc = dure_err_set(err, DURE_EINVAL, "the witness name is too long");
        goto out;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = dure_err_set(err, errno == EEXIST ? DURE_ECONFLICT : DURE_EIO, "cannot create %s: %s",
                          path,
                          errno == EEXIST ? "it exists; a key is never replaced" : strerror(errno));
        goto out;
    }
    if (write(fd, text, (size_t)n) != n || fsync(fd) != 0) {
        rc = dure_err_set(err, DURE_EIO, "cannot write %s", path);
        unlink(path);
        goto out;
    }
    note_signer_verifier(&signer, &v);
    note_verifier_format(&v, vkey);
out:
    if (fd >= 0)
        close(fd);
    sodium_memzero(seed, sizeof(seed));
    sodium_memzero(raw, sizeof(raw));
    sodium_memzero(b64, sizeof(b64));
    sodium_memzero(text, sizeof(text));
    note_signer_cleanup(&signer);
    return rc;
}

int witness_key_load(const char *path, struct note_signer *s, struct dure_err *err)
{
    char text[KEY_FILE_MAX];
    struct stat st;
    ssize_t got = 0;
    int rc = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    memset(s, 0, sizeof(*s));
    if (fd < 0)
        return dure_err_set(err, DURE_EIO, "cannot open the witness key %s: %s", path,
                            strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = dure_err_set(err, DURE_EIO, "the witness key %s is not a file", path);
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        rc = dure_err_set(err, DURE_EFORBIDDEN,
                          "the witness key %s is readable by others; chmod 600 it", path);
        goto out;
    }
    got = read(fd, text, sizeof(text) - 1);
    if (got <= 0) {
        rc = dure_err_set(err, DURE_EIO, "cannot read the witness key %s", path);
        goto out;
    }
    while (got > 0 && (text[got - 1] == '\n' || text[got - 1] == '\r'))
        got--;
    rc = note_signer_parse(text, (size_t)got, s, err);
    if (rc == 0 && s->alg != NOTE_ALG_COSIGNATURE_V1) {
        note_signer_cleanup(s);
        rc = dure_err_set(err, DURE_EINVAL,
                          "%s is not a cosignature/v1 key (type 0x04); make one with dure "
                          "witness keygen",
                          path);
    }
out:
    sodium_memzero(text, sizeof(text));
    close(fd);
    return rc;
}

/* ---- the state file ---- */

static void root_b64(const uint8_t root[TLOG_HASH_SIZE], char out[HASH_B64_SIZE])
{
    sodium_bin2base64(out, HASH_B64_SIZE, root, TLOG_HASH_SIZE, sodium_base64_VARIANT_ORIGINAL);
}

/* Parse and verify note (len bytes) as a checkpoint of w's log. cp (OUT) points into note. */
static int check_log_note(struct witness *w, const char *note, size_t len, struct note *n,
                          struct note_checkpoint *cp, struct dure_err *err)
{
    int rc = note_parse(note, len, n, err);
    if (rc == 0)
        rc = note_checkpoint_parse(n->text, n->text_len, cp, err);
    if (rc == 0 && (cp->origin_len != w->log.name_len ||
                    memcmp(cp->origin, w->log.name, w->log.name_len) != 0))
        rc = dure_err_set(err, DURE_ENOTFOUND, "the checkpoint is not of the log %s", w->log.name);
    if (rc == 0 && note_verify(n, &w->log, NULL, err) != 0)
        rc = dure_err_set(err, DURE_EFORBIDDEN, "the checkpoint is not signed by the log key %s",
                          w->log.name);
    return rc;
}

static int state_load(struct witness *w, struct dure_err *err)
{
    char *data = NULL;
    struct note *n = NULL;
    struct note_checkpoint cp;
    struct stat st;
    ssize_t got = 0;
    int rc = 0;
    int fd = open(w->state_path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        if (errno == ENOENT)
            return 0; /* a new witness: nothing cosigned yet */
        return dure_err_set(err, DURE_EIO, "cannot open the witness state %s: %s", w->state_path,
                            strerror(errno));
    }
    data = malloc(NOTE_MAX_SIZE + 1);
    n = malloc(sizeof(*n));
    if (data == NULL || n == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > NOTE_MAX_SIZE) {
        rc = dure_err_set(err, DURE_EINVAL,
                          "the witness state %s is not a file of at most %d "
                          "bytes",
                          w->state_path, NOTE_MAX_SIZE);
        goto out;
    }
    got = read(fd, data, NOTE_MAX_SIZE + 1);
    if (got < 0 || got != st.st_size) {
        rc = dure_err_set(err, DURE_EIO, "cannot read the witness state %s", w->state_path);
        goto out;
    }
    rc = check_log_note(w, data, (size_t)got, n, &cp, err);
    if (rc != 0) {
        char why[DURE_ERR_MSG_MAX];
        str_copy(why, err->msg, sizeof(why));
        rc = dure_err_set(err, DURE_EINVAL,
                          "the witness state %s is not a checkpoint of this log (%s); it is "
                          "never reset silently",
                          w->state_path, why);
        goto out;
    }
    w->have = 1;
    w->size = cp.size;
    memcpy(w->root, cp.root, TLOG_HASH_SIZE);
out:
    free(n);
    free(data);
    close(fd);
    return rc;
}

/* Write all of data to fd; 0 or -1. */
static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t k = write(fd, data, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        data += k;
        len -= (size_t)k;
    }
    return 0;
}

/* Replace the state file with data atomically: a temporary file beside it, fsync, rename,
 * fsync of the directory, so that a crash leaves the old state or the new, never a mix. */
static int state_save(struct witness *w, const char *data, size_t len, struct dure_err *err)
{
    size_t plen = strlen(w->state_path);
    char *tmp = malloc(plen + 16);
    char *dir = malloc(plen + 2);
    int fd = -1, dfd = -1, rc = 0;

    if (tmp == NULL || dir == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    snprintf(tmp, plen + 16, "%s.tmp-XXXXXX", w->state_path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = dure_err_set(err, DURE_EIO, "cannot create a file beside %s: %s", w->state_path,
                          strerror(errno));
        tmp[0] = '\0';
        goto out;
    }
    if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        rc = dure_err_set(err, DURE_EIO, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = dure_err_set(err, DURE_EIO, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, w->state_path) != 0) {
        rc = dure_err_set(err, DURE_EIO, "cannot rename %s to %s: %s", tmp, w->state_path,
                          strerror(errno));
        goto out;
    }
    tmp[0] = '\0';
    /* The rename is durable once the directory is. */
    memcpy(dir, w->state_path, plen + 1);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        memcpy(dir, ".", 2);
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0)
        rc = dure_err_set(err, DURE_EIO, "cannot sync the directory of %s", w->state_path);
out:
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    if (tmp != NULL && tmp[0] != '\0')
        unlink(tmp);
    free(tmp);
    free(dir);
    return rc;
}

/* The checkpoint as the log signed it: text, blank line and the log's signature lines. */
static int state_text(const struct witness *w, const struct note *n, struct buf *b)
{
    int rc = buf_append(b, n->text, n->text_len);
    if (rc == 0)
        rc = buf_append(b, "\n", 1);
    for (size_t i = 0; rc == 0 && i < n->sig_count; i++) {
        const struct note_sig *s = &n->sigs[i];
        if (s->name_len != w->log.name_len || memcmp(s->name, w->log.name, s->name_len) != 0 ||
            s->key_id != w->log.key_id)
            continue;
        rc = buf_printf(b, EM_DASH_SPACE "%.*s %.*s\n", (int)s->name_len, s->name, (int)s->b64_len,
                        s->b64);
    }
    return rc;
}

/* ---- the witness ---- */

int witness_create(const struct note_signer *signer, const struct note_verifier *log,
                   const char *state_path, struct witness **out, struct dure_err *err)
{
    struct witness *w = NULL;
    int rc = 0;

    *out = NULL;
    if (signer->alg != NOTE_ALG_COSIGNATURE_V1)
        return dure_err_set(err, DURE_EINVAL, "the witness key must be a cosignature/v1 key");
    if (log->alg != NOTE_ALG_ED25519)
        return dure_err_set(err, DURE_EINVAL,
                            "the log key must be an Ed25519 verifier key (type 0x01)");
    w = calloc(1, sizeof(*w));
    if (w == NULL)
        return dure_err_set(err, DURE_ENOMEM, NULL);
    if (pthread_mutex_init(&w->lock, NULL) != 0) {
        free(w);
        return dure_err_set(err, DURE_ENOMEM, "cannot create a lock");
    }
    w->signer = sodium_malloc(sizeof(*w->signer));
    if (w->signer == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    memcpy(w->signer, signer, sizeof(*signer));
    note_signer_verifier(signer, &w->self);
    w->log = *log;
    if (state_path != NULL) {
        w->state_path = strdup(state_path);
        if (w->state_path == NULL) {
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
            goto out;
        }
        rc = state_load(w, err);
    }
out:
    if (rc != 0) {
        witness_destroy(w);
        return rc;
    }
    *out = w;
    return 0;
}

void witness_destroy(struct witness *w)
{
    if (w == NULL)
        return;
    if (w->signer != NULL) {
        note_signer_cleanup(w->signer);
        sodium_free(w->signer);
    }
    free(w->state_path);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

const char *witness_name(const struct witness *w)
{
    return w->self.name;
}

void witness_verifier(const struct witness *w, struct note_verifier *v)
{
    *v = w->self;
}

int witness_state(struct witness *w, uint64_t *size, uint8_t root[TLOG_HASH_SIZE])
{
    pthread_mutex_lock(&w->lock);
    int have = w->have;
    *size = w->have ? w->size : 0;
    if (root != NULL)
        memcpy(root, w->root, TLOG_HASH_SIZE);
    pthread_mutex_unlock(&w->lock);
    return have;
}

/* The checks of witness_add_checkpoint that need the state; called under w->lock. */
static int check_against_state(struct witness *w, uint64_t old_size, const struct tlog_proof *proof,
                               const struct note_checkpoint *cp, struct witness_result *res,
                               struct dure_err *err)
{
    static const struct tlog_proof empty_proof;
    char had[HASH_B64_SIZE], got[HASH_B64_SIZE];
    uint64_t known = w->have ? w->size : 0;
    size_t count = proof != NULL ? proof->count : 0;
    struct dure_err why;

    if (proof == NULL)
        proof = &empty_proof;
    res->known_size = known;
    root_b64(w->root, had);
    root_b64(cp->root, got);
    if (w->have && cp->size < known) {
        /* Correctly signed and smaller than a tree this witness cosigned: the log lost or
         * rewrote leaves, whatever the client claims as old size. */
        res->misbehaviour = 1;
        res->size_conflict = old_size <= cp->size;
        return dure_err_set(err, old_size > cp->size ? DURE_EINVAL : DURE_ECONFLICT,
                            "the log shrank: this witness cosigned size %" PRIu64
                            " and is offered size %" PRIu64 " signed by the log",
                            known, cp->size);
    }
    if (old_size > cp->size)
        return dure_err_set(err, DURE_EINVAL,
                            "old size %" PRIu64 " is larger than the checkpoint's size %" PRIu64,
                            old_size, cp->size);
    if (old_size != known) {
        res->size_conflict = 1;
        return dure_err_set(err, DURE_ECONFLICT,
                            "old size %" PRIu64 " is not %" PRIu64
                            ", the size this witness last cosigned",
                            old_size, known);
    }
    if (cp->size == 0) {
        uint8_t empty[TLOG_HASH_SIZE];
        tlog_empty_hash(empty);
        if (sodium_memcmp(empty, cp->root, TLOG_HASH_SIZE) != 0) {
            res->misbehaviour = 1;
            return dure_err_set(err, DURE_EUNPROCESSABLE,
                                "the log signed a tree of size 0 whose root %s is not the empty "
                                "root",
                                got);
        }
    }
    if (w->have && cp->size == known) {
        if (sodium_memcmp(w->root, cp->root, TLOG_HASH_SIZE) != 0) {
            res->misbehaviour = 1;
            return dure_err_set(err, DURE_ECONFLICT,
                                "fork: size %" PRIu64 " was cosigned with root %s, now offered "
                                "with root %s",
                                known, had, got);
        }
        if (count != 0)
            return dure_err_set(err, DURE_EUNPROCESSABLE,
                                "the proof must be empty when old size and size are equal");
        return 0;
    }
    if (known == 0) {
        if (count != 0)
            return dure_err_set(err, DURE_EUNPROCESSABLE,
                                "the proof must be empty when old size is 0");
        return 0;
    }
    dure_err_clear(&why);
    if (tlog_verify_consistency(known, cp->size, proof, w->root, cp->root, &why) != 0) {
        res->misbehaviour = 1;
        return dure_err_set(err, DURE_EUNPROCESSABLE,
                            "fork: no consistency from the cosigned size %" PRIu64 " (root %s) "
                            "to size %" PRIu64 ": %s",
                            known, had, cp->size, why.msg);
    }
    return 0;
}

int witness_add_checkpoint(struct witness *w, uint64_t old_size, const struct tlog_proof *proof,
                           const char *note, size_t note_len, char line[NOTE_SIGLINE_SIZE],
                           size_t *line_len, struct witness_result *res, struct dure_err *err)
{
    struct note *n = NULL;
    struct note_checkpoint cp;
    struct buf state;
    int locked = 0, rc = 0;

    memset(res, 0, sizeof(*res));
    line[0] = '\0';
    *line_len = 0;
    buf_init(&state, NOTE_MAX_SIZE);
    n = malloc(sizeof(*n));
    if (n == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    if (proof != NULL && proof->count > TLOG_PROOF_MAX) {
        rc = dure_err_set(err, DURE_EINVAL, "the proof is too long");
        goto out;
    }
    rc = check_log_note(w, note, note_len, n, &cp, err);
    if (rc == DURE_ETOOBIG)
        rc = DURE_EINVAL;
    if (rc != 0)
        goto out;
    res->new_size = cp.size;

    pthread_mutex_lock(&w->lock);
    locked = 1;
    rc = check_against_state(w, old_size, proof, &cp, res, err);
    if (rc != 0)
        goto out;
    if (w->state_path != NULL) {
        if (state_text(w, n, &state) != 0) {
            rc = dure_err_set(err, DURE_EINTERNAL, "the checkpoint does not fit the state file");
            goto out;
        }
        rc = state_save(w, state.data, state.len, err);
        if (rc != 0)
            goto out;
    }
    w->have = 1;
    w->size = cp.size;
    memcpy(w->root, cp.root, TLOG_HASH_SIZE);
    time_t now = time(NULL);
    rc = note_cosign_line(w->signer, now > 0 ? (uint64_t)now : 0, n->text, n->text_len, line,
                          line_len, err);
out:
    if (locked)
        pthread_mutex_unlock(&w->lock);
    if (rc != 0) {
        line[0] = '\0';
        *line_len = 0;
    }
    buf_cleanup(&state);
    free(n);
    return rc;
}
