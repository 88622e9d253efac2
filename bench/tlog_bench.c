/* SPDX-License-Identifier: Apache-2.0 */
/* Microbenchmark of core/tlog against this machine's SHA-256: leaf appends into an in-memory
 * node store, inclusion and consistency proofs (generation and verification) on a large tree,
 * and recomputing a root from leaves. Not a test: it prints figures. Usage:
 * tlog_bench [LEAVES [SAMPLES]], default 10000000 leaves and 20000 samples per proof kind. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/tlog.h"

#define HS TLOG_HASH_SIZE

struct store {
    uint64_t size;
    uint8_t *level[64]; /* level l holds cap >> l hashes */
};

static int store_get(void *ctx, uint64_t level, uint64_t index, uint8_t out[HS])
{
    const struct store *s = ctx;
    memcpy(out, s->level[level] + index * HS, HS);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
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
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof(double), cmp_double);
    return v[(size_t)(p * (double)(n - 1))];
}

static uint64_t parse_arg(const char *s, uint64_t def)
{
    char *end;
    unsigned long long v;
    if (s == NULL)
        return def;
    v = strtoull(s, &end, 10);
    if (*end != '\0' || v == 0) {
        fprintf(stderr, "tlog_bench: bad number %s\n", s);
        exit(2);
    }
    return v;
}

/* MB/s of crypto_hash_sha256 over inputs of len bytes, for about 0.5 s. */
static double sha256_mbps(size_t len)
{
    uint8_t *buf = malloc(len);
    uint8_t out[HS];
    double t0, t;
    uint64_t n = 0;
    size_t reps = len >= 65536 ? 1 : 65536 / len;

    if (buf == NULL)
        exit(1);
    memset(buf, 0xa5, len);
    t0 = now_s();
    do {
        for (size_t i = 0; i < reps; i++) {
            crypto_hash_sha256(out, buf, len);
            buf[0] ^= out[0];
        }
        n += reps;
        t = now_s() - t0;
    } while (t < 0.5);
    free(buf);
    return (double)n * (double)len / t / 1e6;
}

/* MB/s of leaf data through leaf hashing and the streaming root, leaves of len bytes. */
static double root_mbps(size_t len, uint64_t leaves)
{
    uint8_t *buf = malloc(len);
    uint8_t leaf[HS];
    uint8_t root[HS];
    struct tlog_hasher h;
    struct dure_err err;
    double t0, t;

    if (buf == NULL)
        exit(1);
    memset(buf, 0x5a, len);
    tlog_hasher_init(&h);
    t0 = now_s();
    for (uint64_t i = 0; i < leaves; i++) {
        memcpy(buf, &i, sizeof(i));
        tlog_leaf_hash(buf, len, leaf);
        if (tlog_hasher_add(&h, leaf, &err) != 0)
            exit(1);
    }
    tlog_hasher_root(&h, root);
    t = now_s() - t0;
    free(buf);
    return (double)leaves * (double)len / t / 1e6;
}

int main(int argc, char **argv)
{
    uint64_t n = parse_arg(argc > 1 ? argv[1] : NULL, 10000000);
    uint64_t samples = parse_arg(argc > 2 ? argv[2] : NULL, 20000);
    struct store s;
    struct tlog_node nodes[TLOG_APPEND_MAX];
    struct tlog_proof p;
    struct dure_err err;
    uint8_t data[64];
    uint8_t leaf[HS];
    uint8_t root[HS];
    uint64_t rng = 0x243f6a8885a308d3u;
    uint64_t stored = 0;
    double *gen = malloc(samples * sizeof(double));
    double *ver = malloc(samples * sizeof(double));
    double *both = malloc(samples * sizeof(double));
    double t0, t;
    double sha64, sha1m;

    if (sodium_init() < 0 || gen == NULL || ver == NULL || both == NULL)
        return 1;
    memset(&s, 0, sizeof(s));
    for (unsigned l = 0; l < 64 && (n >> l) > 0; l++) {
        s.level[l] = malloc((size_t)(n >> l) * HS);
        if (s.level[l] == NULL) {
            fprintf(stderr, "tlog_bench: no memory for %" PRIu64 " leaves\n", n);
            return 1;
        }
        memset(s.level[l], 0, (size_t)(n >> l) * HS); /* fault the pages in before timing */
    }

    sha64 = sha256_mbps(64);
    sha1m = sha256_mbps((size_t)1 << 20);
    printf("sha256 (libsodium %s): %.1f MB/s over 64-byte inputs (%.2f Mhash/s), %.1f MB/s "
           "over 1 MiB\n",
           sodium_version_string(), sha64, sha64 / 64.0, sha1m);

    /* Appends: hash a 64-byte leaf, compute the new complete nodes, store them. */
    memset(data, 0x11, sizeof(data));
    t0 = now_s();
    for (uint64_t i = 0; i < n; i++) {
        size_t k;
        memcpy(data, &i, sizeof(i));
        tlog_leaf_hash(data, sizeof(data), leaf);
        if (tlog_append_nodes(i, leaf, store_get, &s, nodes, &k, &err) != 0) {
            fprintf(stderr, "tlog_bench: %s\n", err.msg);
            return 1;
        }
        for (size_t j = 0; j < k; j++)
            memcpy(s.level[nodes[j].level] + nodes[j].index * HS, nodes[j].hash, HS);
        stored += k;
        s.size++;
    }
    t = now_s() - t0;
    printf("append %" PRIu64 " leaves (64-byte leaf hashed, nodes stored in memory): %.2f s, "
           "%.0f leaves/s, %.0f nodes/s (target 50000 leaves/s)\n",
           n, t, (double)n / t, (double)stored / t);

    t0 = now_s();
    for (int r = 0; r < 1000; r++)
        tlog_tree_root(n - (uint64_t)r, store_get, &s, root, &err);
    printf("tree root from stored nodes: %.2f us\n", (now_s() - t0) / 1000 * 1e6);

    /* Inclusion proofs of random leaves in the whole tree. */
    tlog_tree_root(n, store_get, &s, root, &err);
    for (uint64_t k = 0; k < samples; k++) {
        uint64_t i = xorshift(&rng) % n;
        double a = now_s(), b, c;
        if (tlog_prove_inclusion(i, n, store_get, &s, &p, &err) != 0)
            return 1;
        b = now_s();
        if (tlog_verify_inclusion(i, n, s.level[0] + i * HS, &p, root, &err) != 0) {
            fprintf(stderr, "tlog_bench: %s\n", err.msg);
            return 1;
        }
        c = now_s();
        gen[k] = (b - a) * 1e6;
        ver[k] = (c - b) * 1e6;
        both[k] = (c - a) * 1e6;
    }
    printf("inclusion proof, %" PRIu64 " leaves, %" PRIu64 " samples: generate p50 %.2f us, "
           "verify p50 %.2f us, both p50 %.2f us p99 %.2f us (target < 100 us)\n",
           n, samples, pct(gen, samples, 0.5), pct(ver, samples, 0.5), pct(both, samples, 0.5),
           pct(both, samples, 0.99));

    /* Consistency proofs from random older sizes to the whole tree; the old root is computed
     * outside the timed part, as a client would already hold it. */
    for (uint64_t k = 0; k < samples; k++) {
        uint64_t m = 1 + xorshift(&rng) % n;
        uint8_t old_root[HS];
        double a, b, c;
        tlog_tree_root(m, store_get, &s, old_root, &err);
        a = now_s();
        if (tlog_prove_consistency(m, n, store_get, &s, &p, &err) != 0)
            return 1;
        b = now_s();
        if (tlog_verify_consistency(m, n, &p, old_root, root, &err) != 0) {
            fprintf(stderr, "tlog_bench: %s\n", err.msg);
            return 1;
        }
        c = now_s();
        gen[k] = (b - a) * 1e6;
        ver[k] = (c - b) * 1e6;
        both[k] = (c - a) * 1e6;
    }
    printf("consistency proof to %" PRIu64 " leaves, %" PRIu64 " samples: generate p50 %.2f us, "
           "verify p50 %.2f us, both p50 %.2f us p99 %.2f us (target < 100 us)\n",
           n, samples, pct(gen, samples, 0.5), pct(ver, samples, 0.5), pct(both, samples, 0.5),
           pct(both, samples, 0.99));

    /* Recomputing the root from all leaf data (what an auditor does), against raw SHA-256 of
     * the same data. Each leaf costs its leaf hash plus about one node hash. */
    {
        static const size_t sizes[] = {64, 256, 1024};
        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
            uint64_t leaves = sizes[k] >= 1024 ? n / 4 : n;
            double raw = sha256_mbps(sizes[k]);
            double mb = root_mbps(sizes[k], leaves);
            printf("root from %" PRIu64 " leaves of %zu bytes: %.1f MB/s = %.2fx raw SHA-256 of "
                   "the same inputs (%.1f MB/s) (target >= 0.5x)\n",
                   leaves, sizes[k], mb, mb / raw, raw);
        }
    }

    for (unsigned l = 0; l < 64; l++)
        free(s.level[l]);
    free(gen);
    free(ver);
    free(both);
    return 0;
}
