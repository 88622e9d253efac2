/* SPDX-License-Identifier: Apache-2.0 */
/* The event journal: every state change is recorded by the use case that makes it, inside
 * the same transaction, as canonical JSON (sorted keys, UTF-8, no insignificant whitespace):
 * {"v":1,"kind":…,"time":…,"actor":…,"subject":…,"data":{…}}. These bytes become the leaves
 * of the ledger's Merkle log. */
#ifndef DURE_APP_EVENTS_H
#define DURE_APP_EVENTS_H

#include <jansson.h>

#include "app/auth.h"
#include "store/store.h"

/* Append an event of kind (e.g. "firm.registered") about subject (e.g. "firm:1248100998")
 * carrying data (stolen: the reference is consumed, even on failure; NULL = {}).
 * Must run inside a transaction opened by the caller. */
int events_record(struct store *s, const struct principal *actor, const char *kind,
                  const char *subject, json_t *data, struct dure_err *err);

/* Record an event about a member's activity (an upload, a consent change, later a demand or a
 * vote). Leaves are public, so the leaf names neither the firm nor the figures nor the actor:
 * it carries salted commitments, hex SHA-256(salt ‖ value) with a fresh 32-byte salt each,
 * "firm_commitment" over the BRN and "figures_commitment" over the canonical JSON of figures
 * (stolen), beside data_public (stolen, may be NULL: only what may be public). The openings
 * (salts, BRN, figures, actor) are kept in the store for the member's receipt. *seq (OUT, may
 * be NULL) is the event's ledger index. */
int events_record_private(struct store *s, const struct principal *actor, const char *kind,
                          const char *subject, const char *brn, json_t *figures,
                          json_t *data_public, int64_t *seq, struct dure_err *err);

/* The canonical JSON encoding of a value (owned string, free()), or NULL when out of memory. */
char *events_canonical_json(const json_t *value, size_t *len);

#endif
