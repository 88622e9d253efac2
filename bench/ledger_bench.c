/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger through its real code path on SQLite, in one run:
 *   (a) appends: events_record (canonical JSON, the event row and the leaf's tree nodes) in
 *       transactions of 10,000 events, as the use cases do; leaves/s;
 *   (b) proofs on a LEAVES-leaf log (default 10 million): ledger_prove_inclusion and
 *       ledger_prove_consistency, reading stored nodes with store_tlog_node_get; p50 and p99;
 *   (c) ledger_verify (what `dure ledger verify` runs) over that log, in MB/s of leaf bytes,
 *       against SHA-256 over the same number of bytes in leaves of the same sizes, measured in
 *       the same run, one leaf after the other on one core: OpenSSL's (the fastest on the
 *       machine: SHA extensions or AVX2) is the reference, libsodium's is printed beside it.
 * The big log is built directly: event rows with store_event_append and tree nodes with
 * tlog_append_nodes + store_tlog_node_put in transactions of 100,000 leaves, the left
 * siblings taken from an in-memory frontier instead of the store. Not a test; prints figures.
 *
 *   ledger_bench DIR [LEAVES [SAMPLES]]   (DIR: a directory it may fill; big.db is kept there
 *                                          and reused when it already holds LEAVES leaves) */
/* The reference SHA-256 is OpenSSL's low-level API, the fastest on short inputs (deprecated in
 * OpenSSL 3.0, hence asked for explicitly). */
#define OPENSSL_API_COMPAT 10101
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "app/app.h"
#include "app/auth.h"
#include "app/events.h"
#include "app/ledger.h"
#include "core/tlog.h"
#include "store/store.h"

#define HS TLOG_HASH_SIZE
#define APPEND_BATCH 10000
#define BUILD_BATCH 100000
#define LEAF_MAX 512

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process: on a shared machine the wall clock also counts other processes'
 * turns, so every figure is given both ways. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof(double), cmp_double);
    return v[(size_t)(p * (double)(n - 1))];
}

static void die(const char *what, const struct dure_err *err)
{
    fprintf(stderr, "ledger_bench: %s: %s\n", what, err != NULL ? err->msg : "failed");
    exit(1);
}

static uint64_t parse_arg(const char *s, uint64_t def)
{
    char *end;
    unsigned long long v;
    if (s == NULL)
        return def;
    v = strtoull(s, &end, 10);
    if (*end != '\0' || v == 0) {
        fprintf(stderr, "ledger_bench: bad number %s\n", s);
        exit(2);
    }
    return v;
}

/* Leaf i of the big log: canonical JSON shaped like a firm.registered event, 220-260 bytes
 * (the imported cluster's leaves average about 245). */
static size_t make_leaf(uint64_t i, char out[LEAF_MAX], char subject[32])
{
    uint64_t brn = 1000000000u + (i * 2654435761u) % 8999999999u;
    snprintf(subject, 32, "firm:%010" PRIu64, brn);
    int n = snprintf(
        out, LEAF_MAX,
        "{\"actor\":\"cli\",\"data\":{\"brn\":\"%010" PRIu64 "\",\"building_id\":%" PRIu64
        ",\"employees\":%" PRIu64 ",\"floor\":%" PRIu64 ",\"ksic\":\"%05" PRIu64
        "\",\"name\":\"벤치마크 주식회사 %" PRIu64 "\",\"status\":\"active\",\"unit\":\"%" PRIu64
        "호\"},\"kind\":\"firm.registered\",\"subject\":\"%s\",\"time\":"
        "\"2026-11-29T08:00:00Z\",\"v\":1}",
        brn, 1 + i % 106, 1 + i % 300, 1 + i % 30, 10000 + i % 89999, i, 100 + i % 2000, subject);
    return (size_t)n;
}

/* ---- (a) appends through events_record ---- */

static void bench_append(const char *dir, uint64_t leaves)
{
    char db[4096], key[4096], subject[48];
    struct app_config cfg;
    struct app *app = NULL;
    struct store *s = NULL;
    struct principal cli;
    struct dure_err err;
    int created = 0;
    int64_t checked = 0, bad = -1;
    double t0, c0, t, c, best = 0;

    snprintf(db, sizeof(db), "%s/append.db", dir);
    snprintf(key, sizeof(key), "%s/append.key", dir);
    unlink(db);
    unlink(key);
    if (ledger_key_init(key, NULL, &created, &err) != 0)
        die("key", &err);
    memset(&cfg, 0, sizeof(cfg));
    cfg.db_url = db;
    cfg.ledger_key = key;
    if (app_create(&cfg, &app, &err) != 0 || app_store(app, &s, &err) != 0)
        die("open", &err);
    auth_principal_cli(&cli);
    t0 = now_s();
    c0 = cpu_s();
    for (uint64_t done = 0; done < leaves;) {
        double b0 = now_s();
        uint64_t n = leaves - done < APPEND_BATCH ? leaves - done : APPEND_BATCH;
        if (store_begin(s, &err) != 0)
            die("begin", &err);
        for (uint64_t i = 0; i < n; i++, done++) {
            snprintf(subject, sizeof(subject), "upload:%" PRIu64, done);
            json_t *data =
                json_pack("{s:I, s:s, s:I, s:s}", "rows", (json_int_t)(done % 977), "kind", "kpis",
                          "amount_krw", (json_int_t)(done * 7919 % 100000000), "sha256",
                          "0a0acb99596123f6c32a38b3e6da09d294cf02b3898193e5f40d3d3e5712bc6a");
            if (events_record(s, &cli, "bench.appended", subject, data, &err) != 0)
                die("events_record", &err);
        }
        if (store_commit(s, &err) != 0)
            die("commit", &err);
        double rate = (double)n / (now_s() - b0);
        if (rate > best)
            best = rate;
    }
    t = now_s() - t0;
    c = cpu_s() - c0;
    printf("(a) append: %" PRIu64 " events through events_record in transactions of %d: %.2f s, "
           "%.0f leaves/s (best batch %.0f/s) (target >= 50000 leaves/s: %s)\n",
           leaves, APPEND_BATCH, t, (double)leaves / t, best,
           (double)leaves / t >= 50000 ? "met" : "NOT met");
    printf("    CPU time %.2f s: %.0f leaves per CPU-second, %.1f us per event\n", c,
           (double)leaves / c, c / (double)leaves * 1e6);
    t0 = now_s();
    if (ledger_checkpoint_cut(app, NULL, &err) != 0)
        die("checkpoint", &err);
    printf("    checkpoint cut over %" PRIu64 " leaves: %.3f ms\n", leaves, (now_s() - t0) * 1e3);
    if (ledger_verify(app, &checked, &bad, &err) != 0 || (uint64_t)checked != leaves)
        die("verify of the appended log", &err);
    app_destroy(app);
    unlink(db);
    unlink(key);
}

/* ---- building the big log ---- */

/* The right edge of the tree: the newest complete node of every level, which is every left
 * sibling tlog_append_nodes asks for. Anything else is read from the store. */
struct frontier {
    struct store *s;
    uint64_t index[64];
    int valid[64];
    uint8_t hash[64][HS];
};

static int frontier_get(void *ctx, uint64_t level, uint64_t index, uint8_t out[HS])
{
    struct frontier *f = ctx;
    struct dure_err e;
    if (level < 64 && f->valid[level] && f->index[level] == index) {
        memcpy(out, f->hash[level], HS);
        return 0;
    }
    return store_tlog_node_get(f->s, level, index, out, &e);
}

static void build_big(struct app *app, uint64_t have, uint64_t leaves)
{
    struct store *s = NULL;
    struct frontier *f = calloc(1, sizeof(*f));
    struct tlog_node nodes[TLOG_APPEND_MAX];
    struct dure_err err;
    char leaf[LEAF_MAX], subject[32];
    uint8_t h[HS];
    size_t count = 0;
    double t0 = now_s();

    if (f == NULL || app_store(app, &s, &err) != 0)
        die("build", &err);
    f->s = s;
    /* Resume: reload the frontier of the existing tree from the store. */
    for (unsigned l = 0; l < 64; l++) {
        if ((have >> l) == 0)
            break;
        uint64_t idx = (have >> l) - 1;
        if (store_tlog_node_get(s, l, idx, f->hash[l], &err) == 0) {
            f->index[l] = idx;
            f->valid[l] = 1;
        }
    }
    for (uint64_t i = have; i < leaves;) {
        if (store_begin(s, &err) != 0)
            die("begin", &err);
        uint64_t end = leaves - i < BUILD_BATCH ? leaves : i + BUILD_BATCH;
        for (; i < end; i++) {
            int64_t seq = -1;
            size_t len = make_leaf(i, leaf, subject);
            if (store_event_append(s, "firm.registered", subject, leaf, len, &seq, &err) != 0)
                die("event", &err);
            if ((uint64_t)seq != i) {
                fprintf(stderr, "ledger_bench: event %" PRId64 " where %" PRIu64 " expected\n", seq,
                        i);
                exit(1);
            }
            tlog_leaf_hash(leaf, len, h);
            if (tlog_append_nodes(i, h, frontier_get, f, nodes, &count, &err) != 0)
                die("append nodes", &err);
            for (size_t k = 0; k < count; k++) {
                if (store_tlog_node_put(s, nodes[k].level, nodes[k].index, nodes[k].hash, &err) !=
                    0)
                    die("node", &err);
                f->index[nodes[k].level] = nodes[k].index;
                f->valid[nodes[k].level] = 1;
                memcpy(f->hash[nodes[k].level], nodes[k].hash, HS);
            }
        }
        if (store_commit(s, &err) != 0)
            die("commit", &err);
        if (i % 1000000 == 0 || i == leaves) {
            double t = now_s() - t0;
            fprintf(stderr, "    built %" PRIu64 " of %" PRIu64 " leaves, %.0f s, %.0f leaves/s\n",
                    i, leaves, t, (double)(i - have) / t);
        }
    }
    printf("    built the log from %" PRIu64 " to %" PRIu64 " leaves in %.1f s (%.0f leaves/s, "
           "direct store writes)\n",
           have, leaves, now_s() - t0, (double)(leaves - have) / (now_s() - t0));
    free(f);
}

/* ---- (b) proofs ---- */

/* One pass of timed proofs over the given indices (inclusion) or sizes (consistency); wall
 * and CPU microseconds into t and c. */
static void proof_pass(struct app *app, int consistency, uint64_t n, const uint64_t *at,
                       uint64_t samples, double *t, double *c)
{
    struct tlog_proof p;
    struct dure_err err;
    for (uint64_t k = 0; k < samples; k++) {
        double ac = cpu_s(), a = now_s();
        int rc = consistency ? ledger_prove_consistency(app, (int64_t)at[k], (int64_t)n, &p, &err)
                             : ledger_prove_inclusion(app, (int64_t)at[k], (int64_t)n, &p, &err);
        if (rc != 0)
            die("proof", &err);
        t[k] = (now_s() - a) * 1e6;
        c[k] = (cpu_s() - ac) * 1e6;
    }
}

static void bench_proofs(struct app *app, uint64_t n, uint64_t samples)
{
    static const char *const kind[2] = {"inclusion proof of a random leaf",
                                        "consistency proof from a random size"};
    struct tlog_proof p;
    struct dure_err err;
    uint64_t rng = 0x243f6a8885a308d3u;
    uint64_t *at = malloc(samples * sizeof(uint64_t));
    double *t = malloc(samples * sizeof(double)), *c = malloc(samples * sizeof(double));

    if (at == NULL || t == NULL || c == NULL)
        die("memory", NULL);
    /* Warm up the upper levels, as a running server has them. */
    for (uint64_t k = 0; k < 100; k++)
        ledger_prove_inclusion(app, (int64_t)(xorshift(&rng) % n), (int64_t)n, &p, &err);
    for (int consistency = 0; consistency < 2; consistency++) {
        for (uint64_t k = 0; k < samples; k++)
            at[k] = consistency ? 1 + xorshift(&rng) % n : xorshift(&rng) % n;
        /* First pass: the lower levels' pages are mostly not in SQLite's cache, as for a
         * server asked about random leaves. Second pass: the same proofs again. */
        for (int pass = 0; pass < 2; pass++) {
            proof_pass(app, consistency, n, at, samples, t, c);
            double p50 = pct(t, samples, 0.5), p99 = pct(t, samples, 0.99);
            printf("%s %s to %" PRIu64 " leaves, %" PRIu64 " samples%s: p50 %.1f us, p99 %.1f us, "
                   "CPU p50 %.1f us (target p50 < 100 us: %s)\n",
                   consistency == 0 && pass == 0 ? "(b)" : "   ", kind[consistency], n, samples,
                   pass == 0 ? "" : ", again (cached)", p50, p99, pct(c, samples, 0.5),
                   p50 < 100 ? "met" : "NOT met");
        }
    }
    free(at);
    free(t);
    free(c);
}

/* Proofs verify against the root computed from stored nodes (a correctness check of the
 * built log, not timed). */
static int node_get(void *ctx, uint64_t level, uint64_t index, uint8_t out[HS])
{
    struct dure_err e;
    return store_tlog_node_get(ctx, level, index, out, &e);
}

static void check_proofs(struct app *app, uint64_t n)
{
    struct store *s = NULL;
    struct tlog_proof p;
    struct dure_err err;
    char leaf[LEAF_MAX], subject[32];
    uint8_t root[HS], lh[HS], mid[HS];
    uint64_t rng = 42;
    if (app_store(app, &s, &err) != 0 || tlog_tree_root(n, node_get, s, root, &err) != 0)
        die("root", &err);
    for (int k = 0; k < 50; k++) {
        uint64_t i = xorshift(&rng) % n, m = 1 + xorshift(&rng) % n;
        size_t len = make_leaf(i, leaf, subject);
        tlog_leaf_hash(leaf, len, lh);
        if (ledger_prove_inclusion(app, (int64_t)i, (int64_t)n, &p, &err) != 0 ||
            tlog_verify_inclusion(i, n, lh, &p, root, &err) != 0)
            die("inclusion proof does not verify", &err);
        if (tlog_tree_root(m, node_get, s, mid, &err) != 0 ||
            ledger_prove_consistency(app, (int64_t)m, (int64_t)n, &p, &err) != 0 ||
            tlog_verify_consistency(m, n, &p, mid, root, &err) != 0)
            die("consistency proof does not verify", &err);
    }
}

/* ---- (c) verify against SHA-256 ---- */

/* SHA-256 of n leaves taken in turn from the pool (sample of them, LEAF_MAX apart), one after
 * the other; wall and CPU seconds into t and c. */
static void sha_pass(int openssl, const char *pool, const size_t *lens, uint64_t sample, uint64_t n,
                     double *t, double *c)
{
    uint8_t out[HS];
    unsigned acc = 0;
    double t0 = now_s(), c0 = cpu_s();
    for (uint64_t i = 0; i < n; i++) {
        uint64_t j = i % sample;
        const unsigned char *p = (const unsigned char *)pool + j * LEAF_MAX;
        if (openssl) {
            SHA256_CTX st;
            SHA256_Init(&st);
            SHA256_Update(&st, p, lens[j]);
            SHA256_Final(out, &st);
        } else {
            crypto_hash_sha256(out, p, lens[j]);
        }
        acc += out[0]; /* keep the calls from being elided */
    }
    *t = now_s() - t0;
    *c = cpu_s() - c0;
    if (acc == 0xFFFFFFFFu)
        printf(" ");
}

static void bench_verify(struct app *app, uint64_t n)
{
    struct dure_err err;
    int64_t checked = 0, bad = -1;
    char subject[32];
    uint64_t bytes = 0, sample = n < 200000 ? n : 200000;
    char *pool = malloc(sample * LEAF_MAX);
    size_t *lens = malloc(sample * sizeof(size_t));
    double t0, c0, t_verify, c_verify, t_ossl, c_ossl, t_sodium, c_sodium;

    if (pool == NULL || lens == NULL)
        die("memory", NULL);
    for (uint64_t i = 0; i < n; i++) {
        char leaf[LEAF_MAX];
        size_t len = make_leaf(i, leaf, subject);
        bytes += len;
        if (i < sample) {
            memcpy(pool + i * LEAF_MAX, leaf, len);
            lens[i] = len;
        }
    }
    t0 = now_s();
    c0 = cpu_s();
    if (ledger_verify(app, &checked, &bad, &err) != 0)
        die("verify", &err);
    t_verify = now_s() - t0;
    c_verify = cpu_s() - c0;
    if ((uint64_t)checked != n)
        die("verify checked the wrong number of leaves", NULL);

    /* The same number of bytes, in leaves of the same sizes, through plain SHA-256. */
    sha_pass(1, pool, lens, sample, n, &t_ossl, &c_ossl);
    sha_pass(0, pool, lens, sample, n, &t_sodium, &c_sodium);
    double v = (double)bytes / t_verify / 1e6, so = (double)bytes / t_ossl / 1e6,
           ss = (double)bytes / t_sodium / 1e6;
    printf("(c) verify: ledger_verify over %" PRIu64 " leaves (%.0f MB of leaves, avg %.0f B): "
           "%.1f s, %.1f MB/s, %.0f leaves/s; CPU %.1f s (%.2f us per leaf, %.1f cores busy "
           "on average)\n",
           n, (double)bytes / 1e6, (double)bytes / (double)n, t_verify, v, (double)n / t_verify,
           c_verify, c_verify / (double)n * 1e6, c_verify / t_verify);
    printf("    sha256 (OpenSSL %s, one core) of the same bytes in leaves of the same sizes: "
           "%.1f s, %.1f MB/s (CPU %.2f us per leaf)\n",
           OpenSSL_version(OPENSSL_VERSION_STRING), t_ossl, so, c_ossl / (double)n * 1e6);
    printf("    sha256 (libsodium %s, one core), for information: %.1f s, %.1f MB/s (CPU %.2f us "
           "per leaf)\n",
           sodium_version_string(), t_sodium, ss, c_sodium / (double)n * 1e6);
    printf("    ratio verify/sha256 (OpenSSL) = %.2fx (target >= 0.5x: %s); against libsodium "
           "%.2fx; per CPU-second against OpenSSL %.2fx\n",
           v / so, v / so >= 0.5 ? "met" : "NOT met", v / ss, c_ossl / c_verify);
    free(pool);
    free(lens);
}

int main(int argc, char **argv)
{
    const char *dir;
    uint64_t n, samples, append_leaves, have = 0;
    char db[4096], key[4096];
    struct app_config cfg;
    struct app *app = NULL;
    struct dure_err err;
    int created = 0, cut = 0;
    const char *env_append = getenv("APPEND_LEAVES");

    if (argc < 2) {
        fprintf(stderr, "usage: ledger_bench DIR [LEAVES [SAMPLES]]\n");
        return 2;
    }
    if (sodium_init() < 0)
        return 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    dir = argv[1];
    n = parse_arg(argc > 2 ? argv[2] : NULL, 10000000);
    samples = parse_arg(argc > 3 ? argv[3] : NULL, 20000);
    append_leaves = parse_arg(env_append, 200000);

    {
        FILE *la = fopen("/proc/loadavg", "r");
        char line[128];
        if (la != NULL && fgets(line, sizeof(line), la) != NULL)
            printf("load average at start: %s", line);
        if (la != NULL)
            fclose(la);
    }
    bench_append(dir, append_leaves);

    snprintf(db, sizeof(db), "%s/big.db", dir);
    snprintf(key, sizeof(key), "%s/big.key", dir);
    if (ledger_key_init(key, NULL, &created, &err) != 0)
        die("key", &err);
    memset(&cfg, 0, sizeof(cfg));
    cfg.db_url = db;
    cfg.ledger_key = key;
    if (app_create(&cfg, &app, &err) != 0)
        die("open", &err);
    int64_t size = 0;
    if (ledger_size(app, &size, &err) != 0)
        die("size", &err);
    have = (uint64_t)size;
    if (have > n) {
        fprintf(stderr,
                "ledger_bench: %s has %" PRIu64 " leaves, more than %" PRIu64 "; remove it\n", db,
                have, n);
        return 1;
    }
    if (have < n)
        build_big(app, have, n);
    else
        printf("    reusing %s with %" PRIu64 " leaves\n", db, n);
    double t0 = now_s();
    if (ledger_checkpoint_cut(app, &cut, &err) != 0)
        die("checkpoint", &err);
    if (cut)
        printf("    checkpoint cut over %" PRIu64 " leaves: %.3f ms\n", n, (now_s() - t0) * 1e3);
    check_proofs(app, n);
    bench_proofs(app, n, samples);
    bench_verify(app, n);
    app_destroy(app);
    return 0;
}
