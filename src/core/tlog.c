/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 9162 section 2.1 over stored complete subtrees: every proof is cut into O(log n)
 * complete subtrees the store already holds, and every verifier follows the RFC's algorithms
 * after checking the proof's exact length, so a malformed proof never reads out of bounds. */
/* Hashing goes through OpenSSL's low-level SHA-256 (see tlog_leaf_hash); its prototypes are
 * deprecated in OpenSSL 3.0, so they are asked for explicitly. */
#define OPENSSL_API_COMPAT 10101
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "core/tlog.h"

#include <inttypes.h>
#include <string.h>

#include <openssl/sha.h>
#include <sodium.h>

/* Number of significant bits: 0 for 0, 64 for values with bit 63 set. */
static unsigned bit_len(uint64_t x)
{
    unsigned n = 0;
    while (x != 0) {
        n++;
        x >>= 1;
    }
    return n;
}

static unsigned pop_count(uint64_t x)
{
    unsigned n = 0;
    while (x != 0) {
        x &= x - 1;
        n++;
    }
    return n;
}

static unsigned trailing_zeros(uint64_t x)
{
    unsigned n = 0;
    if (x == 0)
        return 64;
    while ((x & 1) == 0) {
        n++;
        x >>= 1;
    }
    return n;
}

/* The split point k of RFC 9162: the largest power of two smaller than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    return (uint64_t)1 << (bit_len(n - 1) - 1);
}

void tlog_empty_hash(uint8_t out[TLOG_HASH_SIZE])
{
    SHA256_CTX st;

    SHA256_Init(&st);
    SHA256_Final(out, &st);
}

/* SHA-256 is most of the ledger's CPU time (appends, proofs, `dure ledger verify`). OpenSSL's
 * low-level SHA256_Init/Update/Final use the CPU's SHA extensions (or AVX2) when present and
 * cost about a quarter of libsodium 1.0.18's portable code on a 270-byte leaf; the one-shot
 * SHA256() and EVP_Digest() of OpenSSL 3.0 fetch the algorithm on every call and cost twice as
 * much as these for inputs this short. See docs/dependencies.md. */
void tlog_leaf_hash(const void *data, size_t len, uint8_t out[TLOG_HASH_SIZE])
{
    static const unsigned char prefix = 0x00;
    SHA256_CTX st;

    SHA256_Init(&st);
    SHA256_Update(&st, &prefix, 1);
    if (len > 0)
        SHA256_Update(&st, data, len);
    SHA256_Final(out, &st);
}

void tlog_node_hash(const uint8_t left[TLOG_HASH_SIZE], const uint8_t right[TLOG_HASH_SIZE],
                    uint8_t out[TLOG_HASH_SIZE])
{
    /* One contiguous 65-byte input is cheaper than three updates, and lets out alias. */
    unsigned char in[1 + 2 * TLOG_HASH_SIZE];
    SHA256_CTX st;

    in[0] = 0x01;
    memcpy(in + 1, left, TLOG_HASH_SIZE);
    memcpy(in + 1 + TLOG_HASH_SIZE, right, TLOG_HASH_SIZE);
    SHA256_Init(&st);
    SHA256_Update(&st, in, sizeof(in));
    SHA256_Final(out, &st);
}

void tlog_hasher_init(struct tlog_hasher *h)
{
    h->count = 0;
    h->depth = 0;
}

int tlog_hasher_add(struct tlog_hasher *h, const uint8_t leaf_hash[TLOG_HASH_SIZE],
                    struct dure_err *err)
{
    return tlog_hasher_add_subtree(h, 0, leaf_hash, err);
}

int tlog_hasher_add_subtree(struct tlog_hasher *h, unsigned level,
                            const uint8_t hash[TLOG_HASH_SIZE], struct dure_err *err)
{
    uint8_t acc[TLOG_HASH_SIZE];
    uint64_t width;
    uint64_t n;

    if (level > 63 || (h->count & (((uint64_t)1 << level) - 1)) != 0)
        return dure_err_set(err, DURE_EINVAL,
                            "a subtree of 2^%u leaves cannot follow %" PRIu64 " leaves", level,
                            h->count);
    width = (uint64_t)1 << level;
    if (h->count > TLOG_MAX_SIZE - width)
        return dure_err_set(err, DURE_ETOOBIG, "tree is full (%" PRIu64 " leaves)", h->count);
    memcpy(acc, hash, TLOG_HASH_SIZE);
    /* Each one bit of the old count from this level up is a complete subtree of the same size
     * as the one growing, which the new subtree closes. */
    n = h->count >> level;
    while (n & 1) {
        h->depth--;
        tlog_node_hash(h->stack[h->depth], acc, acc);
        n >>= 1;
    }
    memcpy(h->stack[h->depth], acc, TLOG_HASH_SIZE);
    h->depth++;
    h->count += width;
    return 0;
}

int tlog_hasher_add_hasher(struct tlog_hasher *h, const struct tlog_hasher *tail,
                           struct dure_err *err)
{
    size_t i = 0;

    if (tail->count == 0)
        return 0;
    if ((h->count & (((uint64_t)1 << (bit_len(tail->count) - 1)) - 1)) != 0)
        return dure_err_set(err, DURE_EINVAL,
                            "%" PRIu64 " leaves cannot be joined after %" PRIu64 " leaves",
                            tail->count, h->count);
    if (h->count > TLOG_MAX_SIZE - tail->count)
        return dure_err_set(err, DURE_ETOOBIG, "tree is full (%" PRIu64 " leaves)", h->count);
    /* tail's stack holds one subtree per one bit of its count, largest first; h's count is a
     * multiple of the largest, so each is a node of the joined tree and adding cannot fail. */
    for (unsigned level = 64; level-- > 0;) {
        if ((tail->count >> level & 1) == 0)
            continue;
        (void)tlog_hasher_add_subtree(h, level, tail->stack[i], err);
        i++;
    }
    return 0;
}

void tlog_hasher_root(const struct tlog_hasher *h, uint8_t out[TLOG_HASH_SIZE])
{
    uint8_t acc[TLOG_HASH_SIZE];

    if (h->depth == 0) {
        tlog_empty_hash(out);
        return;
    }
    /* The subtrees on the stack shrink to the right; RFC 9162 joins them right to left. */
    memcpy(acc, h->stack[h->depth - 1], TLOG_HASH_SIZE);
    for (size_t i = h->depth - 1; i > 0; i--)
        tlog_node_hash(h->stack[i - 1], acc, acc);
    memcpy(out, acc, TLOG_HASH_SIZE);
}

static int read_node(tlog_get_node_fn get_node, void *ctx, uint64_t level, uint64_t index,
                     uint8_t out[TLOG_HASH_SIZE], struct dure_err *err)
{
    int rc = get_node(ctx, level, index, out);

    if (rc != 0) {
        if (rc < 0 || rc >= DURE_ERR_COUNT)
            rc = DURE_EINTERNAL;
        return dure_err_set(err, (enum dure_err_code)rc,
                            "reading tree node (level %" PRIu64 ", index %" PRIu64 "): %s", level,
                            index, dure_err_text(rc));
    }
    return 0;
}

int tlog_append_nodes(uint64_t index, const uint8_t leaf_hash[TLOG_HASH_SIZE],
                      tlog_get_node_fn get_node, void *ctx, struct tlog_node out[TLOG_APPEND_MAX],
                      size_t *count_out, struct dure_err *err)
{
    uint8_t left[TLOG_HASH_SIZE];
    uint64_t level = 0;
    uint64_t i = index;
    size_t n = 0;
    int rc = 0;

    *count_out = 0;
    if (index >= TLOG_MAX_SIZE) {
        rc = dure_err_set(err, DURE_EINVAL,
                          "leaf index %" PRIu64 " is beyond the largest tree (2^63 leaves)", index);
        goto out;
    }
    out[0].level = 0;
    out[0].index = index;
    memcpy(out[0].hash, leaf_hash, TLOG_HASH_SIZE);
    n = 1;
    /* While the newest node is a right child, its left sibling is stored and the parent is
     * now complete. index < 2^63 has at most 63 trailing ones, so n stays <= 64. */
    while (i & 1) {
        rc = read_node(get_node, ctx, level, i - 1, left, err);
        if (rc != 0)
            goto out;
        level++;
        i >>= 1;
        out[n].level = level;
        out[n].index = i;
        tlog_node_hash(left, out[n - 1].hash, out[n].hash);
        n++;
    }
    *count_out = n;
out:
    return rc;
}

int tlog_range_hash(uint64_t start, uint64_t end, tlog_get_node_fn get_node, void *ctx,
                    uint8_t out[TLOG_HASH_SIZE], struct dure_err *err)
{
    uint8_t acc[TLOG_HASH_SIZE];
    uint8_t piece[TLOG_HASH_SIZE];
    uint64_t width;
    uint64_t pos;
    int have = 0;
    int rc = 0;

    if (start >= end || end > TLOG_MAX_SIZE) {
        rc =
            dure_err_set(err, DURE_EINVAL,
                         "leaf range [%" PRIu64 ", %" PRIu64 ") is empty or too large", start, end);
        goto out;
    }
    width = end - start;
    if (start % ((uint64_t)1 << (bit_len(width) - 1)) != 0) {
        rc = dure_err_set(err, DURE_EINVAL,
                          "leaf range [%" PRIu64 ", %" PRIu64 ") is not a subtree of the log",
                          start, end);
        goto out;
    }
    /* The range is complete subtrees of decreasing size, one per bit of width; the RFC's
     * recursion joins them right to left, so read them from the right. */
    pos = end;
    for (unsigned level = 0; level < 64; level++) {
        uint64_t size = (uint64_t)1 << level;
        if ((width & size) == 0)
            continue;
        pos -= size;
        rc = read_node(get_node, ctx, level, pos >> level, have ? piece : acc, err);
        if (rc != 0)
            goto out;
        if (have)
            tlog_node_hash(piece, acc, acc);
        have = 1;
    }
    memcpy(out, acc, TLOG_HASH_SIZE);
out:
    return rc;
}

int tlog_tree_root(uint64_t size, tlog_get_node_fn get_node, void *ctx, uint8_t out[TLOG_HASH_SIZE],
                   struct dure_err *err)
{
    if (size == 0) {
        tlog_empty_hash(out);
        return 0;
    }
    return tlog_range_hash(0, size, get_node, ctx, out, err);
}

int tlog_prove_inclusion(uint64_t index, uint64_t size, tlog_get_node_fn get_node, void *ctx,
                         struct tlog_proof *proof, struct dure_err *err)
{
    uint64_t sib_start[TLOG_PROOF_MAX];
    uint64_t sib_end[TLOG_PROOF_MAX];
    uint64_t lo = 0;
    uint64_t hi = size;
    size_t n = 0;
    int rc = 0;

    proof->count = 0;
    if (size == 0 || size > TLOG_MAX_SIZE || index >= size) {
        rc = dure_err_set(err, DURE_EINVAL,
                          "no inclusion proof for leaf %" PRIu64 " in a tree of %" PRIu64 " leaves",
                          index, size);
        goto out;
    }
    /* PATH(m, D[lo:hi]) walks down to the leaf; each step adds the other half's hash, which
     * the proof lists from the leaf up, so the siblings are written back to front. */
    while (hi - lo > 1) {
        uint64_t k = split_point(hi - lo);
        if (index < lo + k) {
            sib_start[n] = lo + k;
            sib_end[n] = hi;
            hi = lo + k;
        } else {
            sib_start[n] = lo;
            sib_end[n] = lo + k;
            lo += k;
        }
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        rc = tlog_range_hash(sib_start[i], sib_end[i], get_node, ctx, proof->hash[n - 1 - i], err);
        if (rc != 0)
            goto out;
    }
    proof->count = n;
out:
    return rc;
}

int tlog_prove_consistency(uint64_t size1, uint64_t size2, tlog_get_node_fn get_node, void *ctx,
                           struct tlog_proof *proof, struct dure_err *err)
{
    uint64_t part_start[TLOG_PROOF_MAX];
    uint64_t part_end[TLOG_PROOF_MAX];
    uint64_t lo = 0;
    uint64_t hi = size2;
    int complete = 1; /* SUBPROOF's b: D[0:m] is still the whole old tree */
    int base = 0;     /* SUBPROOF ended at m == n with b false: it adds MTH of that subtree */
    size_t n = 0;
    size_t out_n = 0;
    int rc = 0;

    proof->count = 0;
    if (size1 == 0 || size1 > size2 || size2 > TLOG_MAX_SIZE) {
        rc = dure_err_set(err, DURE_EINVAL,
                          "no consistency proof from %" PRIu64 " to %" PRIu64 " leaves", size1,
                          size2);
        goto out;
    }
    if (size1 == size2)
        goto out;
    /* SUBPROOF(m, D[lo:hi], b) unrolled; m is size1 - lo. The appended hashes come out
     * innermost first, after the base case's hash, so they are written back to front. */
    for (;;) {
        uint64_t width = hi - lo;
        uint64_t m = size1 - lo;
        uint64_t k;
        if (m == width) {
            base = !complete;
            break;
        }
        k = split_point(width);
        if (m <= k) {
            part_start[n] = lo + k;
            part_end[n] = hi;
            hi = lo + k;
        } else {
            part_start[n] = lo;
            part_end[n] = lo + k;
            lo += k;
            complete = 0;
        }
        n++;
    }
    if (base) {
        rc = tlog_range_hash(lo, hi, get_node, ctx, proof->hash[0], err);
        if (rc != 0)
            goto out;
        out_n = 1;
    }
    for (size_t i = 0; i < n; i++) {
        rc = tlog_range_hash(part_start[n - 1 - i], part_end[n - 1 - i], get_node, ctx,
                             proof->hash[out_n], err);
        if (rc != 0)
            goto out;
        out_n++;
    }
    proof->count = out_n;
out:
    return rc;
}

/* Where the paths to leaves index and size - 1 part (inner hashes below, border hashes above,
 * which are all left siblings). Requires index < size. */
static void decompose(uint64_t index, uint64_t size, unsigned *inner, unsigned *border)
{
    *inner = bit_len(index ^ (size - 1));
    *border = *inner >= 64 ? 0 : pop_count(index >> *inner);
}

size_t tlog_inclusion_proof_len(uint64_t index, uint64_t size)
{
    unsigned inner;
    unsigned border;

    if (index >= size)
        return 0;
    decompose(index, size, &inner, &border);
    return (size_t)inner + border;
}

size_t tlog_consistency_proof_len(uint64_t size1, uint64_t size2)
{
    unsigned inner;
    unsigned border;
    unsigned shift;

    if (size1 == 0 || size1 >= size2)
        return 0;
    decompose(size1 - 1, size2, &inner, &border);
    shift = trailing_zeros(size1);
    /* A power-of-two old tree is itself a node of the new one and is not sent. */
    return (size_t)(inner - shift) + border + (size1 == (uint64_t)1 << shift ? 0 : 1);
}

int tlog_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf_hash[TLOG_HASH_SIZE],
                          const struct tlog_proof *proof, const uint8_t root[TLOG_HASH_SIZE],
                          struct dure_err *err)
{
    uint8_t r[TLOG_HASH_SIZE];
    uint64_t fn;
    uint64_t sn;
    size_t want;

    if (size == 0)
        return dure_err_set(err, DURE_EINVAL, "inclusion proof for an empty tree");
    if (size > TLOG_MAX_SIZE)
        return dure_err_set(err, DURE_EINVAL, "tree size %" PRIu64 " is too large", size);
    if (index >= size)
        return dure_err_set(err, DURE_EINVAL,
                            "leaf index %" PRIu64 " is not below tree size %" PRIu64, index, size);
    want = tlog_inclusion_proof_len(index, size);
    if (proof->count != want)
        return dure_err_set(err, DURE_EINVAL,
                            "inclusion proof has %zu hashes, leaf %" PRIu64 " of %" PRIu64
                            " needs %zu",
                            proof->count, index, size, want);
    /* RFC 9162 2.1.3.2, step by step; the length check above makes its sn tests redundant
     * but they are kept as the RFC states them. */
    fn = index;
    sn = size - 1;
    memcpy(r, leaf_hash, TLOG_HASH_SIZE);
    for (size_t i = 0; i < proof->count; i++) {
        const uint8_t *p = proof->hash[i];
        if (sn == 0)
            return dure_err_set(err, DURE_EINVAL, "inclusion proof has extra hashes");
        if ((fn & 1) || fn == sn) {
            tlog_node_hash(p, r, r);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            tlog_node_hash(r, p, r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return dure_err_set(err, DURE_EINVAL, "inclusion proof is missing hashes");
    if (sodium_memcmp(r, root, TLOG_HASH_SIZE) != 0)
        return dure_err_set(
            err, DURE_EINVAL,
            "inclusion proof does not lead to the root of the tree of %" PRIu64 " leaves", size);
    return 0;
}

int tlog_verify_consistency(uint64_t size1, uint64_t size2, const struct tlog_proof *proof,
                            const uint8_t root1[TLOG_HASH_SIZE],
                            const uint8_t root2[TLOG_HASH_SIZE], struct dure_err *err)
{
    uint8_t fr[TLOG_HASH_SIZE];
    uint8_t sr[TLOG_HASH_SIZE];
    uint64_t fn;
    uint64_t sn;
    size_t want;
    size_t i = 0;

    if (size1 == 0)
        return dure_err_set(err, DURE_EINVAL, "consistency proof from the empty tree");
    if (size1 > size2)
        return dure_err_set(err, DURE_EINVAL,
                            "consistency proof from %" PRIu64 " to fewer leaves (%" PRIu64 ")",
                            size1, size2);
    if (size2 > TLOG_MAX_SIZE)
        return dure_err_set(err, DURE_EINVAL, "tree size %" PRIu64 " is too large", size2);
    if (size1 == size2) {
        if (proof->count != 0)
            return dure_err_set(err, DURE_EINVAL,
                                "consistency proof between equal sizes must be empty, has %zu "
                                "hashes",
                                proof->count);
        if (sodium_memcmp(root1, root2, TLOG_HASH_SIZE) != 0)
            return dure_err_set(err, DURE_EINVAL,
                                "two different roots for the same tree size %" PRIu64, size1);
        return 0;
    }
    want = tlog_consistency_proof_len(size1, size2);
    if (proof->count != want)
        return dure_err_set(err, DURE_EINVAL,
                            "consistency proof has %zu hashes, %" PRIu64 " to %" PRIu64
                            " needs %zu",
                            proof->count, size1, size2, want);
    /* RFC 9162 2.1.4.2. An old tree of 2^j leaves is a node of the new tree and is not in the
     * proof: the verifier starts from root1 ("prepend first_hash") instead of c[0]. */
    if ((size1 & (size1 - 1)) == 0) {
        memcpy(fr, root1, TLOG_HASH_SIZE);
    } else {
        memcpy(fr, proof->hash[0], TLOG_HASH_SIZE);
        i = 1;
    }
    memcpy(sr, fr, TLOG_HASH_SIZE);
    fn = size1 - 1;
    sn = size2 - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < proof->count; i++) {
        const uint8_t *c = proof->hash[i];
        if (sn == 0)
            return dure_err_set(err, DURE_EINVAL, "consistency proof has extra hashes");
        if ((fn & 1) || fn == sn) {
            tlog_node_hash(c, fr, fr);
            tlog_node_hash(c, sr, sr);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            tlog_node_hash(sr, c, sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return dure_err_set(err, DURE_EINVAL, "consistency proof is missing hashes");
    if (sodium_memcmp(fr, root1, TLOG_HASH_SIZE) != 0)
        return dure_err_set(err, DURE_EINVAL,
                            "consistency proof does not reproduce the root of %" PRIu64 " leaves",
                            size1);
    if (sodium_memcmp(sr, root2, TLOG_HASH_SIZE) != 0)
        return dure_err_set(err, DURE_EINVAL,
                            "consistency proof does not reproduce the root of %" PRIu64 " leaves",
                            size2);
    return 0;
}
