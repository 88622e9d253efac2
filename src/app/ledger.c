/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger use cases: tree growth in the event transaction, signed checkpoints, proofs,
 * receipts, full verification and witness cosignatures. */
#include "app/ledger.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "app/app_internal.h"
#include "app/events.h"
#include "util/buf.h"
#include "util/str.h"

#define LEDGER_KEY_FILE_MAX 1024
#define LEDGER_ENTRIES_MAX 1000
#define LEDGER_CHECKPOINT_MAX (NOTE_MAX_SIZE + 1)

/* ---- the tree ---- */

static int get_node(void *ctx, uint64_t level, uint64_t index, uint8_t out[TLOG_HASH_SIZE])
{
    struct dure_err e;
    return store_tlog_node_get(ctx, level, index, out, &e);
}

int ledger__append(struct store *s, int64_t seq, const void *leaf, size_t len,
                   struct dure_err *err)
{
    uint8_t h[TLOG_HASH_SIZE];
    struct tlog_node nodes[TLOG_APPEND_MAX];
    size_t count = 0;
    tlog_leaf_hash(leaf, len, h);
    int rc = tlog_append_nodes((uint64_t)seq, h, get_node, s, nodes, &count, err);
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = store_tlog_node_put(s, nodes[i].level, nodes[i].index, nodes[i].hash, err);
    return rc;
}

int ledger_size(struct app *app, int64_t *size, struct dure_err *err)
{
    struct store *s = NULL;
    int rc = app_store(app, &s, err);
    return rc != 0 ? rc : store_event_count(s, size, err);
}

/* ---- keys ---- */

int ledger_key_init(const char *key_path, const char *origin, int *created, struct dure_err *err)
{
    uint8_t seed[NOTE_SEED_SIZE];
    struct note_signer signer;
    char b64[sodium_base64_ENCODED_LEN(1 + NOTE_SEED_SIZE, sodium_base64_VARIANT_ORIGINAL)];
    uint8_t raw[1 + NOTE_SEED_SIZE];
    char text[LEDGER_KEY_FILE_MAX];
    int rc = 0, fd = -1;
    *created = 0;
    if (access(key_path, F_OK) == 0)
        return 0;
    if (origin == NULL)
        origin = LEDGER_DEFAULT_ORIGIN;
    randombytes_buf(seed, sizeof(seed));
    rc = note_signer_init(origin, NOTE_ALG_ED25519, seed, &signer, err);
    if (rc != 0)
        goto out;
    raw[0] = NOTE_ALG_ED25519;
    memcpy(raw + 1, seed, NOTE_SEED_SIZE);
    sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(text, sizeof(text), "PRIVATE+KEY+%s+%08x+%s\n", origin,
                     (unsigned)signer.key_id, b64);
    if (n < 0 || (size_t)n >= sizeof(text)) {
        rc = dure_err_set(err, DURE_EINVAL, "ledger origin too long");
        goto out;
    }
    fd = open(key_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        rc = dure_err_set(err, DURE_EIO, "cannot create %s: %s", key_path, strerror(errno));
        goto out;
    }
    if (write(fd, text, (size_t)n) != n || fsync(fd) != 0) {
        rc = dure_err_set(err, DURE_EIO, "cannot write %s", key_path);
        unlink(key_path);
        goto out;
    }
    *created = 1;
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

int ledger_key_load(struct app *app, const char *key_path, struct dure_err *err)
{
    char text[LEDGER_KEY_FILE_MAX];
    struct stat stt;
    struct note_signer *signer = NULL;
    int rc = 0;
    ssize_t got = 0;
    int fd = open(key_path, O_RDONLY);
    if (fd < 0)
        return dure_err_set(err, DURE_EIO, "cannot open the ledger key %s", key_path);
    if (fstat(fd, &stt) == 0 && (stt.st_mode & 077) != 0) {
        rc = dure_err_set(err, DURE_EFORBIDDEN,
                          "the ledger key %s is readable by others; chmod 600 it", key_path);
        goto out;
    }
    got = read(fd, text, sizeof(text) - 1);
    if (got <= 0) {
        rc = dure_err_set(err, DURE_EIO, "cannot read the ledger key %s", key_path);
        goto out;
    }
    while (got > 0 && (text[got - 1] == '\n' || text[got - 1] == '\r'))
        got--;
    signer = sodium_malloc(sizeof(*signer));
    if (signer == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    rc = note_signer_parse(text, (size_t)got, signer, err);
    if (rc == 0 && signer->alg != NOTE_ALG_ED25519)
        rc = dure_err_set(err, DURE_EINVAL, "the ledger key is not an Ed25519 signing key");
    if (rc == 0) {
        struct note_signer **slot = app__signer_slot(app);
        if (*slot != NULL) {
            note_signer_cleanup(*slot);
            sodium_free(*slot);
        }
        *slot = signer;
        signer = NULL;
    }
out:
    if (signer != NULL) {
        note_signer_cleanup(signer);
        sodium_free(signer);
    }
    sodium_memzero(text, sizeof(text));
    close(fd);
    return rc;
}

static int need_signer(struct app *app, struct note_signer **out, struct dure_err *err)
{
    *out = *app__signer_slot(app);
    if (*out == NULL)
        return dure_err_set(err, DURE_EUNAVAILABLE, "the ledger has no signing key; run dure init");
    return 0;
}

int ledger_verifier_key(struct app *app, char out[NOTE_VKEY_SIZE], struct dure_err *err)
{
    struct note_signer *signer;
    struct note_verifier v;
    int rc = need_signer(app, &signer, err);
    if (rc != 0)
        return rc;
    note_signer_verifier(signer, &v);
    note_verifier_format(&v, out);
    return 0;
}

/* ---- checkpoints ---- */

int ledger_checkpoint_cut(struct app *app, int *cut, struct dure_err *err)
{
    struct note_signer *signer;
    struct store *s = NULL;
    struct note_checkpoint cp;
    char body[512], *note = NULL, *last = NULL, now[REG_TIME_SIZE];
    size_t body_len = 0, note_len = 0;
    int64_t size = 0, last_size = -1;
    int rc = 0;
    if (cut != NULL)
        *cut = 0;
    if ((rc = need_signer(app, &signer, err)) != 0 || (rc = app_store(app, &s, err)) != 0)
        return rc;
    /* Most calls (the server's ticker, every second) find nothing new: look before taking the
     * write lock, so that an idle log never contends with writers. */
    rc = store_event_count(s, &size, err);
    if (rc == 0) {
        rc = store_checkpoint_latest(s, &last_size, &last, err);
        if (rc == DURE_ENOTFOUND) {
            rc = 0;
            last_size = -1;
        }
    }
    free(last);
    last = NULL;
    if (rc != 0 || size == last_size)
        return rc;
    /* A write transaction, so that two servers never cut at once. */
    if ((rc = store_begin(s, err)) != 0)
        return rc;
    rc = store_event_count(s, &size, err);
    if (rc == 0) {
        rc = store_checkpoint_latest(s, &last_size, &last, err);
        if (rc == DURE_ENOTFOUND) {
            rc = 0;
            last_size = -1;
        }
    }
    if (rc != 0 || size == last_size)
        goto out;
    memset(&cp, 0, sizeof(cp));
    cp.origin = signer->name;
    cp.origin_len = signer->name_len;
    cp.size = (uint64_t)size;
    rc = tlog_tree_root((uint64_t)size, get_node, s, cp.root, err);
    if (rc == 0)
        rc = note_checkpoint_format(&cp, body, sizeof(body), &body_len, err);
    if (rc == 0 && (note = malloc(LEDGER_CHECKPOINT_MAX)) == NULL)
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
    if (rc == 0)
        rc = note_sign(signer, body, body_len, note, LEDGER_CHECKPOINT_MAX, &note_len, err);
    str_now_rfc3339(now, sizeof(now));
    if (rc == 0)
        rc = store_checkpoint_put(s, size, note, now, err);
    if (rc == 0 && cut != NULL)
        *cut = 1;
out:
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc != 0)
        store_rollback(s);
    free(note);
    free(last);
    return rc;
}

/* The signed note of size with every cosignature appended (owned). */
static int note_with_cosigs(struct store *s, int64_t size, char *note, char **out,
                            struct dure_err *err)
{
    char **lines = NULL;
    size_t n = 0;
    struct buf b;
    buf_init(&b, LEDGER_CHECKPOINT_MAX + 64 * NOTE_SIGLINE_SIZE);
    int rc = store_cosignature_list(s, size, &lines, &n, err);
    if (rc == 0 && buf_append_str(&b, note) != 0)
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (buf_append_str(&b, lines[i]) != 0)
            rc = dure_err_set(err, DURE_ETOOBIG, "too many cosignatures");
    store_strings_free(lines, n);
    if (rc != 0) {
        buf_cleanup(&b);
        return rc;
    }
    *out = buf_steal(&b, NULL);
    return *out != NULL ? 0 : dure_err_set(err, DURE_ENOMEM, NULL);
}

int ledger_checkpoint(struct app *app, char **note, int64_t *size, struct dure_err *err)
{
    struct store *s = NULL;
    char *plain = NULL;
    int64_t sz = 0;
    *note = NULL;
    int rc = app_store(app, &s, err);
    if (rc == 0)
        rc = store_checkpoint_latest(s, &sz, &plain, err);
    if (rc == 0)
        rc = note_with_cosigs(s, sz, plain, note, err);
    if (rc == 0 && size != NULL)
        *size = sz;
    free(plain);
    return rc;
}

/* ---- entries and proofs ---- */

int ledger_entries(struct app *app, int64_t start, int64_t end, store_event_fn fn, void *ctx,
                   struct dure_err *err)
{
    struct store *s = NULL;
    int64_t size = 0;
    if (start < 0 || end <= start)
        return dure_err_set(err, DURE_EINVAL, "entries: need 0 <= start < end");
    if (end - start > LEDGER_ENTRIES_MAX)
        return dure_err_set(err, DURE_EINVAL, "entries: at most %d at a time", LEDGER_ENTRIES_MAX);
    int rc = app_store(app, &s, err);
    if (rc == 0)
        rc = store_event_count(s, &size, err);
    if (rc == 0 && start >= size)
        rc = dure_err_set(err, DURE_ENOTFOUND, "entries: the log has %lld leaves",
                          (long long)size);
    if (rc == 0)
        rc = store_event_scan(s, start, end < size ? end : size, fn, ctx, err);
    return rc;
}

static int check_size(struct store *s, int64_t size, struct dure_err *err)
{
    int64_t now = 0;
    int rc = store_event_count(s, &now, err);
    if (rc == 0 && (size <= 0 || size > now))
        rc = dure_err_set(err, DURE_EINVAL, "size: the log has %lld leaves", (long long)now);
    return rc;
}

/* Proofs are made while the scan of leaf size - 1 is open: on SQLite an open statement is one
 * read transaction, so the check that the tree of that size exists and the proof's node reads
 * (up to 2 x 64) see one snapshot and take the database's read lock once instead of once per
 * node, which on a busy machine is most of a proof's cost. */
struct prove_ctx {
    struct store *s;
    int consistency;
    uint64_t a, size;
    struct tlog_proof *proof;
    struct dure_err *err;
    int ran;
};

static int prove_now(struct prove_ctx *p)
{
    return p->consistency ? tlog_prove_consistency(p->a, p->size, get_node, p->s, p->proof, p->err)
                          : tlog_prove_inclusion(p->a, p->size, get_node, p->s, p->proof, p->err);
}

static int prove_in_scan(void *vctx, int64_t seq, const void *leaf, size_t len)
{
    struct prove_ctx *p = vctx;
    (void)seq;
    (void)leaf;
    (void)len;
    p->ran = 1;
    return prove_now(p);
}

static int prove(struct app *app, int consistency, int64_t a, int64_t size,
                 struct tlog_proof *proof, struct dure_err *err)
{
    struct store *s = NULL;
    struct prove_ctx p;
    int rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    if (size <= 0)
        return check_size(s, size, err);
    if (!consistency && (a < 0 || a >= size))
        return dure_err_set(err, DURE_EINVAL, "index: need 0 <= index < size");
    if (consistency && (a <= 0 || a > size))
        return dure_err_set(err, DURE_EINVAL, "from: need 0 < from <= to");
    memset(&p, 0, sizeof(p));
    p.s = s;
    p.consistency = consistency;
    p.a = (uint64_t)a;
    p.size = (uint64_t)size;
    p.proof = proof;
    p.err = err;
    rc = store_event_scan(s, size - 1, size, prove_in_scan, &p, err);
    if (rc == 0 && !p.ran) {
        /* No leaf size - 1: the log is shorter (or the leaf was removed; the tree still has
         * its nodes, and verify is what reports such a hole). */
        rc = check_size(s, size, err);
        if (rc == 0)
            rc = prove_now(&p);
    }
    return rc;
}

int ledger_prove_inclusion(struct app *app, int64_t index, int64_t size, struct tlog_proof *proof,
                           struct dure_err *err)
{
    return prove(app, 0, index, size, proof, err);
}

int ledger_prove_consistency(struct app *app, int64_t from, int64_t to, struct tlog_proof *proof,
                             struct dure_err *err)
{
    return prove(app, 1, from, to, proof, err);
}

/* ---- receipts ---- */

void ledger_receipt_cleanup(struct ledger_receipt *r)
{
    if (r == NULL)
        return;
    free(r->leaf);
    free(r->checkpoint);
    if (r->opening != NULL) {
        sodium_memzero(r->opening, strlen(r->opening));
        free(r->opening);
    }
    memset(r, 0, sizeof(*r));
}

int ledger_receipt(struct app *app, const struct principal *actor, const uint8_t leaf_hash[32],
                   struct ledger_receipt *out, struct dure_err *err)
{
    struct store *s = NULL;
    char brn[BRN_SIZE];
    int rc = 0;
    memset(out, 0, sizeof(*out));
    if ((rc = app_store(app, &s, err)) != 0)
        return rc;
    rc = store_tlog_leaf_find(s, leaf_hash, &out->index, err);
    if (rc == 0)
        rc = store_event_get(s, out->index, &out->leaf, &out->leaf_len, err);
    if (rc == 0) {
        char *note = NULL;
        int64_t size = 0;
        rc = store_checkpoint_latest(s, &size, &note, err);
        free(note);
        if (rc == DURE_ENOTFOUND || (rc == 0 && size <= out->index))
            rc = ledger_checkpoint_cut(app, NULL, err);
    }
    if (rc == 0)
        rc = ledger_checkpoint(app, &out->checkpoint, &out->checkpoint_size, err);
    if (rc == 0)
        rc = tlog_prove_inclusion((uint64_t)out->index, (uint64_t)out->checkpoint_size, get_node,
                                  s, &out->proof, err);
    if (rc == 0) {
        char *opening = NULL;
        int orc = store_event_secret_get(s, out->index, brn, &opening, err);
        if (orc == 0 && actor != NULL && brn[0] != '\0' && auth_can_act_for(actor, brn))
            out->opening = opening;
        else
            free(opening);
        if (orc != 0 && orc != DURE_ENOTFOUND)
            rc = orc;
    }
    if (rc != 0)
        ledger_receipt_cleanup(out);
    return rc;
}

/* ---- verification ---- */

/* The leaves are verified in chunks of 2^level leaves, [j * 2^level, (j + 1) * 2^level): each
 * chunk is a complete subtree of the tree, so its leaves hash on their own and the chunks'
 * results join into the whole tree's hasher (tlog_hasher_add_subtree, _add_hasher). Worker
 * threads take chunks in order, each with its own store connection, so that reading and
 * hashing use every core: per leaf, verify reads a row and hashes about 7 SHA-256 blocks (the
 * leaf, and the node that joins it) where plain SHA-256 of the leaf is 5, so one core cannot
 * keep up with half the speed of SHA-256 alone. At least 2^16 leaves a chunk, at most about
 * 4096 chunks. */
#define VERIFY_CHUNK_LEVEL_MIN 16
#define VERIFY_CHUNKS_MAX 4096
#define VERIFY_THREADS_MAX 8

struct verify_chunk {
    int64_t bad;                  /* the first leaf in it that is missing or differs, or -1 */
    uint8_t root[TLOG_HASH_SIZE]; /* a complete chunk's subtree hash */
};

/* One pass over [0, size), shared by the workers; lock guards next, first_bad, rc and err. */
struct verify_job {
    struct app *app;
    int64_t size;
    int64_t cp_size;    /* the latest checkpoint's size, -1 none */
    int compare_stored; /* also check each leaf against its stored hash */
    unsigned level;     /* chunks of 2^level leaves */
    int64_t nchunks;
    struct verify_chunk *chunks;
    struct tlog_hasher last;  /* the last chunk, when it is partial */
    struct tlog_hasher at_cp; /* the chunk holding leaf cp_size - 1, stopped there */
    pthread_mutex_t lock;
    int64_t next;      /* the next chunk to take */
    int64_t first_bad; /* the lowest chunk found bad (later ones need not run), or nchunks */
    int rc;            /* the first failure other than a bad leaf */
    struct dure_err err;
};

struct verify_ctx {
    struct store *s;
    struct tlog_hasher hasher;
    int64_t expect;            /* the next leaf index */
    int64_t bad;               /* the first leaf that differs, -1 */
    int64_t cp_size;           /* the checkpoint's size, or -1 */
    struct tlog_hasher *at_cp; /* where to copy the hasher as it passes cp_size, or NULL */
    int compare_stored;        /* also check each leaf against its stored hash */
};

static int verify_leaf(void *vctx, int64_t seq, const void *leaf, size_t len)
{
    struct verify_ctx *v = vctx;
    uint8_t h[TLOG_HASH_SIZE], stored[TLOG_HASH_SIZE];
    struct dure_err e;
    if (seq != v->expect) {
        /* A removed leaf shows as a gap in the sequence. */
        v->bad = v->expect;
        return DURE_ECONFLICT;
    }
    tlog_leaf_hash(leaf, len, h);
    if (v->compare_stored && (store_tlog_node_get(v->s, 0, (uint64_t)seq, stored, &e) != 0 ||
                              sodium_memcmp(h, stored, sizeof(h)) != 0)) {
        v->bad = seq;
        return DURE_ECONFLICT;
    }
    tlog_hasher_add(&v->hasher, h, &e);
    v->expect++;
    /* Keep the checkpoint's prefix as the scan passes its end. */
    if (v->expect == v->cp_size && v->at_cp != NULL)
        *v->at_cp = v->hasher;
    return 0;
}

/* Chunk j: its leaves read, hashed and joined into its subtree hash (or, the last chunk when
 * partial, its hasher). Returns 0 (a bad leaf is a result: chunk->bad), or a store failure. */
static int verify_chunk(struct verify_job *job, struct store *s, int64_t j, struct dure_err *err)
{
    struct verify_chunk *c = &job->chunks[j];
    struct verify_ctx v;
    int64_t width = (int64_t)1 << job->level;
    int64_t start = j * width;
    int64_t end = job->size - start > width ? start + width : job->size;
    int rc;
    memset(&v, 0, sizeof(v));
    v.s = s;
    v.expect = start;
    v.bad = -1;
    v.cp_size = job->cp_size;
    v.compare_stored = job->compare_stored;
    /* The hasher counts from the chunk's start: its subtrees are the tree's, as the chunk is
     * one. The checkpoint's prefix ends inside this chunk (not at its end): keep it. */
    tlog_hasher_init(&v.hasher);
    if (job->cp_size > start && job->cp_size < start + width)
        v.at_cp = &job->at_cp;
    rc = store_event_scan(s, start, end, verify_leaf, &v, err);
    if (rc == 0 && v.expect != end)
        v.bad = v.expect; /* the chunk's last leaves are missing */
    if (rc == DURE_ECONFLICT && v.bad >= 0)
        rc = 0;
    c->bad = v.bad;
    if (rc == 0 && v.bad < 0) {
        if (end - start == width)
            tlog_hasher_root(&v.hasher, c->root);
        else
            job->last = v.hasher;
    }
    return rc;
}

/* Take chunks until none is left, one fails, or a lower one was found bad. */
static void verify_work(struct verify_job *job, struct store *s)
{
    struct dure_err err;
    for (;;) {
        pthread_mutex_lock(&job->lock);
        int64_t j = job->next++;
        int go = job->rc == 0 && j < job->nchunks && j < job->first_bad;
        pthread_mutex_unlock(&job->lock);
        if (!go)
            break;
        int rc = verify_chunk(job, s, j, &err);
        pthread_mutex_lock(&job->lock);
        if (rc != 0 && job->rc == 0) {
            job->rc = rc;
            job->err = err;
        }
        if (rc == 0 && job->chunks[j].bad >= 0 && j < job->first_bad)
            job->first_bad = j;
        pthread_mutex_unlock(&job->lock);
    }
}

static void *verify_thread(void *arg)
{
    struct verify_job *job = arg;
    struct store *s = NULL;
    struct dure_err err;
    /* Without a connection of its own this worker leaves its share to the others. */
    if (app_store(job->app, &s, &err) == 0)
        verify_work(job, s);
    app_thread_done(job->app);
    return NULL;
}

/* One pass over the leaves [0, size): on the calling thread's store s and, for a log of more
 * than one chunk, on worker threads with their own connections. Afterwards *bad is the first
 * bad leaf (-1 none); when none, root (OUT) is the root of the leaves and cp_root (OUT) that of
 * the first cp_size (when cp_size >= 0). */
static int verify_pass(struct app *app, struct store *s, int64_t size, int64_t cp_size,
                       int compare_stored, int64_t *bad, uint8_t root[TLOG_HASH_SIZE],
                       uint8_t cp_root[TLOG_HASH_SIZE], struct dure_err *err)
{
    struct verify_job job;
    pthread_t threads[VERIFY_THREADS_MAX];
    size_t nthreads = 0, want = 1;
    struct tlog_hasher all, cp;
    int rc = 0;
    memset(&job, 0, sizeof(job));
    job.app = app;
    job.size = size;
    job.cp_size = cp_size;
    job.compare_stored = compare_stored;
    job.level = VERIFY_CHUNK_LEVEL_MIN;
    while ((size >> job.level) > VERIFY_CHUNKS_MAX)
        job.level++;
    job.nchunks = (size + ((int64_t)1 << job.level) - 1) >> job.level;
    job.first_bad = job.nchunks;
    *bad = -1;
    if (job.nchunks > 0 && (job.chunks = calloc((size_t)job.nchunks, sizeof(*job.chunks))) == NULL)
        return dure_err_set(err, DURE_ENOMEM, NULL);
    pthread_mutex_init(&job.lock, NULL);
    if (job.nchunks > 1) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        want = cpus < 1 ? 1 : (size_t)cpus;
        if (want > VERIFY_THREADS_MAX)
            want = VERIFY_THREADS_MAX;
        if ((int64_t)want > job.nchunks)
            want = (size_t)job.nchunks;
    }
    /* The calling thread is one of the workers; a thread that cannot start leaves its share
     * to the others. */
    while (nthreads + 1 < want &&
           pthread_create(&threads[nthreads], NULL, verify_thread, &job) == 0)
        nthreads++;
    verify_work(&job, s);
    for (size_t i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    pthread_mutex_destroy(&job.lock);
    if (job.rc != 0) {
        rc = job.rc;
        *err = job.err;
        goto out;
    }
    if (job.first_bad < job.nchunks) {
        *bad = job.chunks[job.first_bad].bad;
        goto out;
    }
    /* Join the chunks in order: whole ones as subtrees, then the partial last one; the
     * checkpoint's prefix is the whole chunks below it and its own partial chunk. */
    tlog_hasher_init(&all);
    tlog_hasher_init(&cp);
    for (int64_t j = 0; rc == 0 && j < job.nchunks; j++) {
        int64_t end = (j + 1) << job.level;
        if (end <= size)
            rc = tlog_hasher_add_subtree(&all, job.level, job.chunks[j].root, err);
        else
            rc = tlog_hasher_add_hasher(&all, &job.last, err);
        if (rc == 0 && end <= cp_size)
            cp = all;
        else if (rc == 0 && end - ((int64_t)1 << job.level) < cp_size)
            rc = tlog_hasher_add_hasher(&cp, &job.at_cp, err);
    }
    if (rc == 0) {
        tlog_hasher_root(&all, root);
        if (cp_size >= 0)
            tlog_hasher_root(&cp, cp_root);
    }
out:
    free(job.chunks);
    return rc;
}

/* The latest checkpoint (note, owned by the caller) checked against the log's key, its body
 * parsed into cp (pointing into note). */
static int verify_checkpoint(struct app *app, const char *note, int64_t row_size,
                             struct note_checkpoint *cp, struct dure_err *err)
{
    struct note_signer *signer = *app__signer_slot(app);
    struct note_verifier ver;
    struct note *parsed = malloc(sizeof(*parsed));
    int rc = parsed != NULL ? 0 : dure_err_set(err, DURE_ENOMEM, NULL);
    if (rc == 0)
        rc = note_parse(note, strlen(note), parsed, err);
    if (rc == 0 && signer != NULL) {
        note_signer_verifier(signer, &ver);
        if (note_verify(parsed, &ver, NULL, err) != 0)
            rc = dure_err_set(err, DURE_ECONFLICT, "the latest checkpoint's signature is invalid");
    }
    if (rc == 0)
        rc = note_checkpoint_parse(parsed->text, parsed->text_len, cp, err);
    if (rc == 0 && (int64_t)cp->size != row_size)
        rc = dure_err_set(err, DURE_ECONFLICT,
                          "the latest checkpoint is stored as size %lld but signs size %llu",
                          (long long)row_size, (unsigned long long)cp->size);
    if (rc != 0 && rc != DURE_ECONFLICT && rc != DURE_ENOMEM) {
        char why[DURE_ERR_MSG_MAX];
        str_copy(why, err->msg, sizeof(why));
        rc = dure_err_set(err, DURE_ECONFLICT, "the latest checkpoint is malformed: %s", why);
    }
    free(parsed);
    return rc;
}

int ledger_verify(struct app *app, int64_t *checked, int64_t *bad_index, struct dure_err *err)
{
    struct store *s = NULL;
    struct note_checkpoint cp;
    char *note = NULL;
    uint8_t root[TLOG_HASH_SIZE], stored_root[TLOG_HASH_SIZE], cp_root[TLOG_HASH_SIZE];
    int64_t size = 0, cp_size = -1, bad = -1;
    *checked = 0;
    *bad_index = -1;
    int rc = app_store(app, &s, err);
    /* The checkpoint before the size: a server that cuts one meanwhile then never makes the
     * checkpoint look newer than the leaves counted. */
    if (rc == 0) {
        rc = store_checkpoint_latest(s, &cp_size, &note, err);
        if (rc == DURE_ENOTFOUND) {
            rc = 0;
            cp_size = -1;
        }
    }
    if (rc == 0)
        rc = store_event_count(s, &size, err);
    if (rc == 0 && note != NULL)
        rc = verify_checkpoint(app, note, cp_size, &cp, err);
    if (rc == 0 && cp_size > size) {
        *bad_index = size;
        rc = dure_err_set(err, DURE_ECONFLICT,
                          "the latest checkpoint has %lld leaves but the log only %lld: leaf "
                          "%lld and after were removed",
                          (long long)cp_size, (long long)size, (long long)size);
    }
    if (rc != 0)
        goto out;

    /* One pass hashes every leaf and recomputes the roots; only when a root differs does a
     * second pass compare each leaf with its stored hash to name the first bad one. */
    for (int pass = 0; pass < 2; pass++) {
        rc = verify_pass(app, s, size, cp_size, pass, &bad, root, cp_root, err);
        if (rc != 0 || bad >= 0 || pass == 1)
            break;
        if (tlog_tree_root((uint64_t)size, get_node, s, stored_root, err) == 0 &&
            sodium_memcmp(root, stored_root, sizeof(root)) == 0 &&
            (cp_size < 0 || sodium_memcmp(cp_root, cp.root, sizeof(root)) == 0))
            break;
    }
    if (rc != 0)
        goto out;
    *checked = bad >= 0 ? bad : size;
    if (bad >= 0) {
        *bad_index = bad;
        rc = dure_err_set(err, DURE_ECONFLICT,
                          "leaf %lld does not match the tree: it was edited, removed or "
                          "reordered",
                          (long long)bad);
        goto out;
    }

    /* The signed root, recomputed from the leaves. */
    if (cp_size >= 0 && sodium_memcmp(cp_root, cp.root, sizeof(root)) != 0) {
        rc = dure_err_set(err, DURE_ECONFLICT,
                          "the root of the first %lld leaves differs from the signed checkpoint: "
                          "leaves and their stored hashes were changed together",
                          (long long)cp_size);
        goto out;
    }
    /* The stored tree that proofs are made from, against the leaves. */
    rc = tlog_tree_root((uint64_t)size, get_node, s, stored_root, err);
    if (rc == 0 && sodium_memcmp(root, stored_root, sizeof(root)) != 0)
        rc = dure_err_set(err, DURE_ECONFLICT,
                          "the stored tree's root differs from the root of the leaves: its "
                          "interior nodes were changed");
    if (rc != 0 && rc != DURE_ECONFLICT) {
        char why[DURE_ERR_MSG_MAX];
        str_copy(why, err->msg, sizeof(why));
        rc = dure_err_set(err, DURE_ECONFLICT, "the stored tree is incomplete: %s", why);
    }
out:
    free(note);
    return rc;
}

/* ---- witnesses ---- */

int ledger_witness_add(struct app *app, const struct principal *actor, const char *vkey,
                       struct dure_err *err)
{
    struct note_verifier v;
    struct store *s = NULL;
    int rc = note_verifier_parse(vkey, strlen(vkey), &v, err);
    if (rc == 0 && v.alg != NOTE_ALG_COSIGNATURE_V1)
        rc = dure_err_set(err, DURE_EINVAL,
                          "a witness key must be a cosignature/v1 key (type 0x04)");
    if (rc == 0)
        rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    if ((rc = store_begin(s, err)) != 0)
        return rc;
    rc = store_witness_put(s, v.name, vkey, err);
    if (rc == 0) {
        char subject[NOTE_NAME_MAX + 16];
        snprintf(subject, sizeof(subject), "witness:%s", v.name);
        rc = events_record(s, actor, "witness.registered", subject,
                           json_pack("{s:s}", "vkey", vkey), err);
    }
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc != 0)
        store_rollback(s);
    return rc;
}

int ledger_cosignatures_add(struct app *app, const char *body, size_t body_len,
                            const char *lines, size_t lines_len, size_t *accepted,
                            struct dure_err *err)
{
    struct store *s = NULL;
    struct note_checkpoint cp;
    char **names = NULL, **vkeys = NULL, *ours = NULL, *msg = NULL;
    size_t nw = 0;
    int64_t size;
    int rc = 0;
    *accepted = 0;
    if ((rc = note_checkpoint_parse(body, body_len, &cp, err)) != 0)
        return rc;
    size = (int64_t)cp.size;
    if ((rc = app_store(app, &s, err)) != 0)
        return rc;
    /* The body must be exactly the text of a checkpoint this log cut. */
    rc = store_checkpoint_get(s, size, &ours, err);
    if (rc == 0 && (strlen(ours) < body_len + 1 || memcmp(ours, body, body_len) != 0 ||
                    ours[body_len] != '\n'))
        rc = dure_err_set(err, DURE_EINVAL, "this checkpoint was not signed by this log");
    if (rc == 0)
        rc = store_witness_list(s, &names, &vkeys, &nw, err);
    if (rc == 0 && (msg = malloc(body_len + 1 + lines_len + 1)) == NULL)
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
    if (rc != 0)
        goto out;
    /* Parse body + blank line + the lines as one note; verify each witness separately. */
    memcpy(msg, body, body_len);
    msg[body_len] = '\n';
    memcpy(msg + body_len + 1, lines, lines_len);
    msg[body_len + 1 + lines_len] = '\0';
    struct note n;
    rc = note_parse(msg, body_len + 1 + lines_len, &n, err);
    if (rc != 0)
        goto out;
    for (size_t i = 0; i < n.sig_count; i++) {
        for (size_t w = 0; w < nw; w++) {
            struct note_verifier v;
            struct note one;
            struct dure_err e;
            if (note_verifier_parse(vkeys[w], strlen(vkeys[w]), &v, &e) != 0)
                continue;
            if (v.name_len != n.sigs[i].name_len ||
                memcmp(v.name, n.sigs[i].name, v.name_len) != 0 || v.key_id != n.sigs[i].key_id)
                continue;
            one = n;
            one.sig_count = 1;
            one.sigs[0] = n.sigs[i];
            if (note_verify(&one, &v, NULL, &e) != 0) {
                rc = dure_err_set(err, DURE_EINVAL, "the cosignature of %s does not verify",
                                  v.name);
                goto out;
            }
            /* Keep the line exactly as sent. */
            char line[NOTE_SIGLINE_SIZE];
            int len = snprintf(line, sizeof(line), "— %.*s %.*s\n", (int)n.sigs[i].name_len,
                               n.sigs[i].name, (int)n.sigs[i].b64_len, n.sigs[i].b64);
            if (len < 0 || (size_t)len >= sizeof(line)) {
                rc = dure_err_set(err, DURE_EINVAL, "cosignature line too long");
                goto out;
            }
            if ((rc = store_begin(s, err)) != 0)
                goto out;
            rc = store_cosignature_put(s, size, v.name, line, err);
            if (rc == 0)
                rc = store_commit(s, err);
            if (rc != 0) {
                store_rollback(s);
                goto out;
            }
            (*accepted)++;
        }
    }
    if (*accepted == 0)
        rc = dure_err_set(err, DURE_EINVAL, "no cosignature from a registered witness");
out:
    free(msg);
    free(ours);
    store_strings_free(names, nw);
    store_strings_free(vkeys, nw);
    return rc;
}

int ledger_status(struct app *app, struct ledger_status *out, struct dure_err *err)
{
    struct store *s = NULL;
    char **names = NULL, **vkeys = NULL, **lines = NULL, *note = NULL;
    size_t nl = 0;
    memset(out, 0, sizeof(*out));
    out->checkpoint_size = -1;
    out->quorum = app__witness_quorum(app);
    int rc = app_store(app, &s, err);
    if (rc == 0)
        rc = store_event_count(s, &out->size, err);
    if (rc == 0)
        rc = store_witness_list(s, &names, &vkeys, &out->witnesses, err);
    if (rc == 0) {
        rc = store_checkpoint_latest(s, &out->checkpoint_size, &note, err);
        if (rc == DURE_ENOTFOUND) {
            out->checkpoint_size = -1;
            rc = 0;
        } else if (rc == 0) {
            rc = store_cosignature_list(s, out->checkpoint_size, &lines, &nl, err);
            out->cosignatures = nl;
        }
    }
    out->witnessed = out->checkpoint_size >= 0 && out->cosignatures >= out->quorum;
    store_strings_free(names, out->witnesses);
    store_strings_free(vkeys, out->witnesses);
    store_strings_free(lines, nl);
    free(note);
    return rc;
}
