/* SPDX-License-Identifier: Apache-2.0 */
/* Database commands: dure init, dure backup. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/ledger.h"
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
