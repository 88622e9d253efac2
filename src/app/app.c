/* SPDX-License-Identifier: Apache-2.0 */
/* Application context: one store connection per thread, opened lazily, all closed at the end. */
#include "app/app.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unistd.h>

#include "app/app_internal.h"
#include "app/ledger.h"
#include "util/str.h"

#define APP_MAX_CONNECTIONS 256

struct app {
    char *db_url;
    pthread_mutex_t lock; /* guards conns */
    struct store *conns[APP_MAX_CONNECTIONS];
    size_t nconns;
    struct note_signer *signer; /* sodium_malloc'ed; NULL without a key */
    size_t witness_quorum;
};

/* The per-thread store connection (the one mutable global STYLE.md allows). */
static _Thread_local struct {
    struct app *app;
    struct store *store;
} tls_conn;

int app_create(const struct app_config *cfg, struct app **out, struct dure_err *err)
{
    struct app *app = NULL;
    struct store *s = NULL;
    int rc = 0;
    *out = NULL;
    if (sodium_init() < 0)
        return dure_err_set(err, DURE_EINTERNAL, "libsodium failed to initialise");
    app = calloc(1, sizeof(*app));
    if (app == NULL)
        return dure_err_set(err, DURE_ENOMEM, NULL);
    pthread_mutex_init(&app->lock, NULL);
    app->db_url = strdup(cfg->db_url != NULL ? cfg->db_url : "");
    if (app->db_url == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    app->witness_quorum = cfg->witness_quorum > 0 ? cfg->witness_quorum : 1;
    rc = app_store(app, &s, err);
    if (rc != 0)
        goto out;
    rc = store_migrate(s, err);
    if (rc == 0 && cfg->ledger_key != NULL && access(cfg->ledger_key, F_OK) == 0)
        rc = ledger_key_load(app, cfg->ledger_key, err);
out:
    if (rc != 0) {
        app_destroy(app);
        return rc;
    }
    *out = app;
    return 0;
}

void app_destroy(struct app *app)
{
    if (app == NULL)
        return;
    pthread_mutex_lock(&app->lock);
    for (size_t i = 0; i < app->nconns; i++)
        store_close(app->conns[i]);
    app->nconns = 0;
    pthread_mutex_unlock(&app->lock);
    if (tls_conn.app == app) {
        tls_conn.app = NULL;
        tls_conn.store = NULL;
    }
    pthread_mutex_destroy(&app->lock);
    if (app->signer != NULL) {
        note_signer_cleanup(app->signer);
        sodium_free(app->signer);
    }
    free(app->db_url);
    free(app);
}

int app_store(struct app *app, struct store **out, struct dure_err *err)
{
    if (tls_conn.app == app && tls_conn.store != NULL) {
        *out = tls_conn.store;
        return 0;
    }
    struct store *s = NULL;
    int rc = store_open(app->db_url, &s, err);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&app->lock);
    if (app->nconns == APP_MAX_CONNECTIONS) {
        pthread_mutex_unlock(&app->lock);
        store_close(s);
        return dure_err_set(err, DURE_EUNAVAILABLE, "too many database connections");
    }
    app->conns[app->nconns++] = s;
    pthread_mutex_unlock(&app->lock);
    tls_conn.app = app;
    tls_conn.store = s;
    *out = s;
    return 0;
}

void app_thread_done(struct app *app)
{
    if (tls_conn.app != app || tls_conn.store == NULL)
        return;
    pthread_mutex_lock(&app->lock);
    for (size_t i = 0; i < app->nconns; i++) {
        if (app->conns[i] == tls_conn.store) {
            app->conns[i] = app->conns[--app->nconns];
            break;
        }
    }
    pthread_mutex_unlock(&app->lock);
    store_close(tls_conn.store);
    tls_conn.app = NULL;
    tls_conn.store = NULL;
}

const char *app_db_url(const struct app *app)
{
    return app->db_url;
}

int app_health(struct app *app, const char **driver, struct dure_err *err)
{
    struct store *s = NULL;
    int64_t n = 0;
    int rc = app_store(app, &s, err);
    if (rc == 0)
        rc = store_event_count(s, &n, err);
    if (rc == 0)
        *driver = store_driver_name(s);
    return rc;
}

struct note_signer **app__signer_slot(struct app *app)
{
    return &app->signer;
}

size_t app__witness_quorum(const struct app *app)
{
    return app->witness_quorum;
}

void app_default_key_path(const char *db_url, char *out, size_t n)
{
    if (strstr(db_url, "://") != NULL) {
        const char *dir = getenv("DURE_DATA_DIR");
        snprintf(out, n, "%s/ledger.key", dir != NULL && dir[0] != '\0' ? dir : "var");
        return;
    }
    const char *slash = strrchr(db_url, '/');
    if (slash == NULL)
        snprintf(out, n, "ledger.key");
    else
        snprintf(out, n, "%.*s/ledger.key", (int)(slash - db_url), db_url);
}
