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

/* The canonical JSON encoding of a value (owned string, free()), or NULL when out of memory. */
char *events_canonical_json(const json_t *value, size_t *len);

#endif
