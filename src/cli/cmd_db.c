/* SPDX-License-Identifier: Apache-2.0 */
/* Database commands: dure init, dure backup, dure migrate-store. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/ledger.h"
#include "app/storeops.h"
#include "cli/cli.h"

int cmd_init(int argc, char **argv)
{
    struct cli_common c;
    struct app *app = NULL;
    struct store *s = NULL;
    struct dure_err err;
    int version = 0, latest = 0, missing = 0, created = 0;
    char key[4096];
    cli_parse_common(&argc, argv, &c);
    const char *origin = cli_take_opt(&argc, argv, "--ledger-origin", &missing);
    if (c.help) {
        puts("usage: dure init [--db PATH] [--ledger-origin NAME] [--json]\n\n"
             "Create the database if it is missing, apply every schema migration, and create "
             "the ledger's\nEd25519 signing key (ledger.key beside the database, mode 0600) if "
             "there is none.\nThe key's name is the origin line of every checkpoint (default "
             LEDGER_DEFAULT_ORIGIN ").");
        return CLI_OK;
    }
    if (argc > 1 || missing)
        return cli_failf("init: unexpected argument %s", argc > 1 ? argv[1] : "--ledger-origin");
    app_default_key_path(c.db, key, sizeof(key));
    if (cli_make_parent_dir(key) != 0)
        return cli_failf("cannot create the directory of %s", key);
    if (cli_open_app(&c, &app) != CLI_OK)
        return CLI_FAIL;
    if (ledger_key_init(key, origin, &created, &err) != 0 ||
        (created && ledger_key_load(app, key, &err) != 0)) {
        app_destroy(app);
        return cli_fail(&err);
    }
    int rc = app_store(app, &s, &err);
    if (rc == 0)
        rc = store_schema_version(s, &version, &latest, &err);
    if (rc != 0) {
        app_destroy(app);
        return cli_fail(&err);
    }
    /* A server url may carry a password: show only what comes after the '@'. */
    char shown[512];
    const char *at = strstr(c.db, "://") != NULL ? strrchr(c.db, '@') : NULL;
    if (at != NULL)
        snprintf(shown, sizeof(shown), "%.*s***%s", (int)(strstr(c.db, "://") + 3 - c.db), c.db,
                 at);
    else
        snprintf(shown, sizeof(shown), "%s", c.db);
    if (c.json)
        printf("{\"db\":\"%s\",\"store\":\"%s\",\"schema_version\":%d}\n",
               strstr(c.db, "://") != NULL ? "(url)" : c.db, store_driver_name(s), version);
    else
        printf("dure: database %s ready (%s, schema version %d); ledger key %s%s\n", shown,
               store_driver_name(s), version, key, created ? " created" : "");
    app_destroy(app);
    return CLI_OK;
}

int cmd_backup(int argc, char **argv)
{
    struct cli_common c;
    struct app *app = NULL;
    struct store *s = NULL;
    struct dure_err err;
    cli_parse_common(&argc, argv, &c);
    if (c.help || argc != 2) {
        puts("usage: dure backup FILE [--db PATH]\n\n"
             "Copy the whole database to FILE with SQLite's online backup; the server may keep "
             "running.");
        return c.help ? CLI_OK : CLI_USAGE;
    }
    if (cli_open_app(&c, &app) != CLI_OK)
        return CLI_FAIL;
    int rc = app_store(app, &s, &err);
    if (rc == 0)
        rc = store_backup(s, argv[1], &err);
    app_destroy(app);
    if (rc != 0)
        return cli_fail(&err);
    fprintf(stderr, "dure: backed up %s to %s\n", c.db, argv[1]);
    return CLI_OK;
}

/* db for messages: a server URL without what comes before its '@' (a password may be there). */
static void shown_db(const char *db, char *out, size_t n)
{
    const char *scheme = strstr(db, "://");
    const char *at = scheme != NULL ? strrchr(db, '@') : NULL;
    if (at != NULL)
        snprintf(out, n, "%.*s***%s", (int)(scheme + 3 - db), db, at);
    else
        snprintf(out, n, "%s", db);
}

static void migrate_progress(void *ctx, const char *table, int64_t rows, int64_t total, int done)
{
    (void)ctx;
    if (done)
        fprintf(stderr, "dure: copied %-14s %lld rows\n", table, (long long)rows);
    else
        fprintf(stderr, "dure: copying %-13s %lld of %lld rows\n", table, (long long)rows,
                (long long)total);
}

int cmd_migrate_store(int argc, char **argv)
{
    struct cli_common c;
    struct storeops_report rep;
    struct dure_err err;
    char to_shown[512];
    int missing = 0;
    cli_parse_common(&argc, argv, &c);
    const char *from = cli_take_opt(&argc, argv, "--from", &missing);
    const char *to = cli_take_opt(&argc, argv, "--to", &missing);
    int quiet = cli_take_flag(&argc, argv, "--quiet");
    if (c.help) {
        puts("usage: dure migrate-store [--from DB] --to DB [--quiet] [--json]\n\n"
             "Copy everything in one dure database into another, empty one: SQLite to "
             "PostgreSQL or\nback (a DB is a file path or a postgres:// URL; --from defaults to "
             "--db, $DURE_DB or\nvar/dure.db). Every table is copied in one transaction on the "
             "target, with its ids,\nevent numbers and ledger bytes as they are, so that the "
             "ledger verifies there exactly as\nhere; a failure leaves the target as it was. The "
             "ledger key is copied to where the\ntarget's servers look for it (beside a SQLite "
             "file, or $DURE_DATA_DIR, default var/).\nStop the servers of the source first: "
             "what they write afterwards is not copied.");
        return CLI_OK;
    }
    if (missing || to == NULL || argc > 1) {
        cli_failf("migrate-store: %s (see dure migrate-store --help)",
                  argc > 1 ? "unexpected argument" : "give --to DB");
        return CLI_USAGE;
    }
    if (from == NULL)
        from = c.db;
    if (strstr(to, "://") == NULL && cli_make_parent_dir(to) != 0)
        return cli_failf("cannot create the directory of %s", to);
    shown_db(to, to_shown, sizeof(to_shown));
    dure_err_clear(&err);
    if (storeops_migrate(from, to, quiet || c.json ? NULL : migrate_progress, NULL, &rep, &err) !=
        0)
        return cli_fail(&err);
    static const char *const key_words[] = {"none", "shared", "same", "copied"};
    if (c.json) {
        json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:b,s:s,s:s}", "tables", (json_int_t)rep.tables,
                              "rows", (json_int_t)rep.rows, "leaves", (json_int_t)rep.leaves,
                              "checkpoint_size", (json_int_t)rep.checkpoint, "verified",
                              rep.verified, "key", key_words[rep.key], "key_path", rep.key_path);
        char *text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        if (text != NULL)
            puts(text);
        free(text);
        json_decref(o);
        return text != NULL ? CLI_OK : cli_failf("out of memory");
    }
    printf("dure: copied %zu tables, %lld rows, into %s; ledger of %lld leaves verified "
           "(checkpoint of size %lld)\n",
           rep.tables, (long long)rep.rows, to_shown, (long long)rep.leaves,
           (long long)rep.checkpoint);
    if (rep.key == STOREOPS_KEY_COPIED)
        printf("dure: ledger key copied to %s\n", rep.key_path);
    else if (rep.key == STOREOPS_KEY_NONE)
        printf("dure: the source has no ledger key: checkpoints are not signed until dure init "
               "creates one\n");
    return CLI_OK;
}
