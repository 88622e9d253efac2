/* SPDX-License-Identifier: Apache-2.0 */
/* KSIC 10th revision (한국표준산업분류 제10차 개정), compiled into the binary from the
 * Statistics Korea code list (data/KSIC_10.csv). */
#ifndef DURE_CORE_KSIC_H
#define DURE_CORE_KSIC_H

#include <stddef.h>

struct ksic_entry {
    const char *code; /* "26", "261", "2611", "26111" */
    const char *name; /* Korean name, UTF-8 */
};

/* The entry for a code of any level (2 to 5 digits), or NULL when the code is not in the
 * 10th revision. Static storage. */
const struct ksic_entry *ksic_lookup(const char *code);

/* The section letter 'A'..'U' of any code (from its two-digit division), or 0 when the
 * division does not exist. */
char ksic_section(const char *code);

/* Korean name of a section letter, or NULL. Static storage. */
const char *ksic_section_name(char section);

/* All entries in code order, for iteration. */
size_t ksic_count(void);
const struct ksic_entry *ksic_at(size_t i);

#endif
