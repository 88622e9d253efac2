/* SPDX-License-Identifier: Apache-2.0 */
/* Layer-internal helpers shared by registry.c and registry_import.c. */
#ifndef DURE_APP_REGISTRY_INTERNAL_H
#define DURE_APP_REGISTRY_INTERNAL_H

#include "app/registry.h"

/* Record a building / firm / member event of kind in the open transaction. */
int registry__record_building(struct store *s, const struct principal *actor, const char *kind,
                              const struct building *b, struct dure_err *err);
int registry__record_firm(struct store *s, const struct principal *actor, const char *kind,
                          const struct firm *f, struct dure_err *err);
int registry__record_member(struct store *s, const struct principal *actor, const char *kind,
                            const struct member *m, struct dure_err *err);

/* Check the 30% share cap over the register as it stands in the open transaction. */
int registry__check_share_cap(struct store *s, struct dure_err *err);

#endif
