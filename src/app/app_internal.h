/* SPDX-License-Identifier: Apache-2.0 */
/* Layer-internal access to the app context for other use-case files. */
#ifndef DURE_APP_INTERNAL_H
#define DURE_APP_INTERNAL_H

#include "app/app.h"
#include "core/note.h"

/* The slot holding the ledger's signer (sodium_malloc'ed; NULL when no key is loaded). */
struct note_signer **app__signer_slot(struct app *app);

/* Cosignatures that make a checkpoint witnessed. */
size_t app__witness_quorum(const struct app *app);

#endif
