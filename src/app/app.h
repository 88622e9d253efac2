/* SPDX-License-Identifier: Apache-2.0 */
/* The application context shared by both faces (HTTP and CLI): configuration and one store
 * connection per thread, opened on first use and migrated once per process. */
#ifndef DURE_APP_APP_H
#define DURE_APP_APP_H

#include "store/store.h"
#include "util/err.h"

struct app;

struct app_config {
    const char *db_url;     /* path (SQLite) or postgres://...; copied */
    const char *ledger_key; /* path of the ledger's signing key; loaded when the file exists
                             * (NULL: no key; the ledger then serves but cannot sign) */
    unsigned witness_quorum; /* cosignatures that make a checkpoint witnessed; 0 means 1 */
};

/* Where the ledger key lives for a database url: beside a SQLite file ("var/dure.db" ->
 * "var/ledger.key"), or $DURE_DATA_DIR/ledger.key (default var/) for a server url. out (OUT). */
void app_default_key_path(const char *db_url, char *out, size_t n);

/* Create the context, open the store once and apply migrations. *out is owned. */
int app_create(const struct app_config *cfg, struct app **out, struct dure_err *err);

/* Destroy; closes the calling thread's connection. Other threads must have called
 * app_thread_done first. app may be NULL. */
void app_destroy(struct app *app);

/* The calling thread's connection, opened on first use (borrowed; valid until app_thread_done
 * on this thread or app_destroy). */
int app_store(struct app *app, struct store **out, struct dure_err *err);

/* Close the calling thread's connection (worker threads call this before they end). */
void app_thread_done(struct app *app);

/* Check that this thread's store answers a query; *driver (OUT) is its driver's name
 * ("sqlite", "postgres"). DURE_EUNAVAILABLE-class errors when it does not. */
int app_health(struct app *app, const char **driver, struct dure_err *err);

/* The database url in use. */
const char *app_db_url(const struct app *app);

#endif
