/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to core: the KSIC table that tools/gen_ksic.c generates at build time
 * (build/ksic_table.c). Use the functions of core/ksic.h instead of these symbols. */
#ifndef DURE_CORE_KSIC_TABLE_H
#define DURE_CORE_KSIC_TABLE_H

#include <stddef.h>

#include "core/ksic.h"

/* Every KSIC 10th-revision code of every level, sorted by strcmp on the code (so a parent
 * precedes its children); static storage. */
extern const struct ksic_entry ksic__table[];

/* Number of entries in ksic__table (2,000 for the 10th revision). */
extern const size_t ksic__count;

#endif
