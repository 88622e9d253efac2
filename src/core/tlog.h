/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger's Merkle tree math, RFC 9162 section 2.1 with SHA-256: leaf and node hashes, tree
 * roots, and inclusion and consistency proofs, generated from stored complete-subtree hashes
 * and verified without trusting any input. Pure computation: no I/O, no allocation. */
#ifndef DURE_CORE_TLOG_H
#define DURE_CORE_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define TLOG_HASH_SIZE 32

/* The largest tree size the module accepts: 2^63 leaves. It keeps every leaf range and every
 * proof length (at most 64 hashes) inside uint64_t arithmetic. */
#define TLOG_MAX_SIZE ((uint64_t)1 << 63)

/* Inclusion and consistency proofs of trees up to TLOG_MAX_SIZE hold at most this many hashes. */
#define TLOG_PROOF_MAX 64

/* At most this many nodes become complete when one leaf is appended (levels 0..63). */
#define TLOG_APPEND_MAX 64

/* A proof: count hashes, ordered as RFC 9162 sends them (inclusion: from the leaf up;
 * consistency: SUBPROOF order). Caller storage, about 2 KiB. */
struct tlog_proof {
    size_t count;
    uint8_t hash[TLOG_PROOF_MAX][TLOG_HASH_SIZE];
};

/* One complete subtree: it covers leaves [index * 2^level, (index + 1) * 2^level); level 0
 * holds the leaf hashes. */
struct tlog_node {
    uint64_t level;
    uint64_t index;
    uint8_t hash[TLOG_HASH_SIZE];
};

/* The storage layer's side of proof generation: write into out (OUT) the stored hash of the
 * complete subtree at (level, index), and return 0; or return a dure_err code, which the tlog
 * function then returns unchanged (with a generic message naming the node; keep details in
 * ctx). tlog only asks for nodes that are complete in the tree size it was given, that is
 * (index + 1) * 2^level <= size. ctx is the caller's, passed through. */
typedef int (*tlog_get_node_fn)(void *ctx, uint64_t level, uint64_t index,
                                uint8_t out[TLOG_HASH_SIZE]);

/* SHA-256 of the empty string: the root of the empty tree (RFC 9162 MTH({})). */
void tlog_empty_hash(uint8_t out[TLOG_HASH_SIZE]);

/* Leaf hash SHA-256(0x00 || data). data (borrowed, len bytes) may be NULL when len is 0. */
void tlog_leaf_hash(const void *data, size_t len, uint8_t out[TLOG_HASH_SIZE]);

/* Interior node hash SHA-256(0x01 || left || right). out may alias left or right. */
void tlog_node_hash(const uint8_t left[TLOG_HASH_SIZE], const uint8_t right[TLOG_HASH_SIZE],
                    uint8_t out[TLOG_HASH_SIZE]);

/* Streaming root of a sequence of leaf hashes in O(log n) memory: a stack of the complete
 * subtrees seen so far (at most 64 hashes, 2 KiB). Caller storage; no cleanup needed. */
struct tlog_hasher {
    uint64_t count;                    /* leaves added */
    size_t depth;                      /* hashes on the stack, popcount(count) */
    uint8_t stack[64][TLOG_HASH_SIZE]; /* complete subtrees, largest (leftmost) first */
};

/* Start an empty hasher (count 0). */
void tlog_hasher_init(struct tlog_hasher *h);

/* Append the next leaf hash (borrowed). Returns 0, or DURE_ETOOBIG once TLOG_MAX_SIZE leaves
 * have been added (h unchanged). Amortised one node hash per call. */
int tlog_hasher_add(struct tlog_hasher *h, const uint8_t leaf_hash[TLOG_HASH_SIZE],
                    struct dure_err *err);

/* Append the next 2^level leaves at once, given the hash of the complete subtree they form
 * (borrowed); tlog_hasher_add is the case level 0. Returns 0; DURE_EINVAL when h's count is not
 * a multiple of 2^level (the subtree would not be a node of the tree) or level > 63;
 * DURE_ETOOBIG past TLOG_MAX_SIZE leaves (h unchanged on failure). */
int tlog_hasher_add_subtree(struct tlog_hasher *h, unsigned level,
                            const uint8_t hash[TLOG_HASH_SIZE], struct dure_err *err);

/* Append the leaves another hasher holds: tail (borrowed) was started empty and fed the leaves
 * that follow h's, in order; its complete subtrees join h largest first. This splits the work
 * of one tree over several hashers: h's count must be a multiple of the largest power of two
 * <= tail's count (true when h holds whole chunks of 2^k leaves and tail at most 2^k), else
 * DURE_EINVAL; DURE_ETOOBIG past TLOG_MAX_SIZE (h unchanged on failure). */
int tlog_hasher_add_hasher(struct tlog_hasher *h, const struct tlog_hasher *tail,
                           struct dure_err *err);

/* The root of the leaves added so far into out (OUT); the empty-tree hash when none. h is not
 * changed, so adding may continue. */
void tlog_hasher_root(const struct tlog_hasher *h, uint8_t out[TLOG_HASH_SIZE]);

/* The nodes that become complete when leaf number index (0-based; the tree grows from size
 * index to index + 1) with hash leaf_hash is appended: (0, index, leaf_hash) first, then one
 * node per level up while the new leaf closes a subtree, at most TLOG_APPEND_MAX. get_node is
 * asked only for existing nodes (the left siblings, one per level above 0). out receives the
 * nodes (OUT, caller array of TLOG_APPEND_MAX), *count_out how many. Returns 0, DURE_EINVAL
 * (index >= TLOG_MAX_SIZE) or the code of a failed get_node. */
int tlog_append_nodes(uint64_t index, const uint8_t leaf_hash[TLOG_HASH_SIZE],
                      tlog_get_node_fn get_node, void *ctx, struct tlog_node out[TLOG_APPEND_MAX],
                      size_t *count_out, struct dure_err *err);

/* MTH(D[start:end]): the hash of leaves [start, end) as the subtree RFC 9162 builds over them,
 * combined from at most 64 stored complete subtrees. Requires start < end <= TLOG_MAX_SIZE and
 * start a multiple of the largest power of two <= end - start, which holds for every subtree
 * of an RFC 9162 tree (e.g. [0, n)); the caller must have a tree of size >= end. out (OUT).
 * Returns 0, DURE_EINVAL for a range that is not such a subtree, or a get_node code. */
int tlog_range_hash(uint64_t start, uint64_t end, tlog_get_node_fn get_node, void *ctx,
                    uint8_t out[TLOG_HASH_SIZE], struct dure_err *err);

/* The root of the tree of size leaves into out (OUT): the empty hash for size 0, else
 * tlog_range_hash(0, size). At most popcount(size) get_node calls. */
int tlog_tree_root(uint64_t size, tlog_get_node_fn get_node, void *ctx, uint8_t out[TLOG_HASH_SIZE],
                   struct dure_err *err);

/* Inclusion proof (RFC 9162 2.1.3.1 PATH) of leaf index in the tree of size leaves, into proof
 * (OUT). Requires index < size <= TLOG_MAX_SIZE. At most 2 * 64 get_node calls.
 * Returns 0, DURE_EINVAL (bad index or size) or a get_node code. */
int tlog_prove_inclusion(uint64_t index, uint64_t size, tlog_get_node_fn get_node, void *ctx,
                         struct tlog_proof *proof, struct dure_err *err);

/* Consistency proof (RFC 9162 2.1.4.1 PROOF) from tree size size1 to size2, into proof (OUT).
 * Requires 0 < size1 <= size2 <= TLOG_MAX_SIZE; size1 == size2 gives the empty proof.
 * At most 2 * 64 get_node calls. Returns 0, DURE_EINVAL or a get_node code. */
int tlog_prove_consistency(uint64_t size1, uint64_t size2, tlog_get_node_fn get_node, void *ctx,
                           struct tlog_proof *proof, struct dure_err *err);

/* The number of hashes in the inclusion proof of index in a tree of size leaves; 0 also when
 * index >= size. */
size_t tlog_inclusion_proof_len(uint64_t index, uint64_t size);

/* The number of hashes in the consistency proof from size1 to size2; 0 also when the sizes
 * are not 0 < size1 <= size2. */
size_t tlog_consistency_proof_len(uint64_t size1, uint64_t size2);

/* Verify (RFC 9162 2.1.3.2) that leaf_hash is leaf index of the tree of size leaves with root
 * root, by proof. All inputs borrowed and untrusted. Returns 0 when the proof is valid, else
 * DURE_EINVAL with the reason in err: size 0, index >= size, size > TLOG_MAX_SIZE, a proof of
 * the wrong length (missing or extra hashes), or a root that does not match. */
int tlog_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf_hash[TLOG_HASH_SIZE],
                          const struct tlog_proof *proof, const uint8_t root[TLOG_HASH_SIZE],
                          struct dure_err *err);

/* Verify (RFC 9162 2.1.4.2) that the tree of size2 leaves with root root2 extends the tree of
 * size1 leaves with root root1, by proof. Equal sizes need an empty proof and equal roots.
 * Returns 0 when valid, else DURE_EINVAL with the reason: size1 == 0 (a proof from the empty
 * tree proves nothing), size1 > size2, size2 > TLOG_MAX_SIZE, a proof of the wrong length, or
 * either root not reproduced. */
int tlog_verify_consistency(uint64_t size1, uint64_t size2, const struct tlog_proof *proof,
                            const uint8_t root1[TLOG_HASH_SIZE],
                            const uint8_t root2[TLOG_HASH_SIZE], struct dure_err *err);

#endif
