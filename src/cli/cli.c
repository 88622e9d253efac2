/* SPDX-License-Identifier: Apache-2.0 */
/* The command table (the index of every subcommand) and the shared option helpers. */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/app.h"
#include "util/str.h"

#define DURE_DEFAULT_DB "var/dure.db"

static const struct {
    const char *name;
    cli_fn fn;
    const char *summary;
} commands[] = {
    {"init", cmd_init, "create or upgrade the database"},
    {"serve", cmd_serve, "run the HTTP API and dashboard"},
    {"gen", cmd_gen, "write a synthetic G-Valley in the public register layouts"},
    {"import", cmd_import, "import buildings, firms or members from a register file"},
    {"member", cmd_member, "the cooperative's member register: admit, withdraw, list, export"},
    {"user", cmd_user, "add users who log in to the dashboard"},
    {"token", cmd_token, "create, list and revoke API tokens"},
    {"backup", cmd_backup, "copy the database with SQLite's online backup"},
    {"migrate-store", cmd_migrate_store, "copy a database into another store (SQLite, PostgreSQL)"},
    {"ledger", cmd_ledger, "the ledger: checkpoints, proofs, receipts, verify, witnesses"},
    {"witness", cmd_witness, "a member's witness of the ledger: keygen, serve, poll"},
};

static void usage(FILE *out)
{
    fputs("dure - the data cooperative of an industrial cluster (두레)\n\n"
          "usage: dure COMMAND [options]\n\ncommands:\n",
          out);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fputs("\nEvery command takes --db PATH (default $DURE_DB or " DURE_DEFAULT_DB
          ") and --help.\n",
          out);
}

int cli_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        puts("dure 0.1.0");
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    char shown[48];
    str_sanitize(shown, sizeof(shown), argv[1], 32);
    fprintf(stderr, "dure: unknown command \"%s\" (see dure --help)\n", shown);
    return CLI_USAGE;
}

static void remove_arg(int *argc, char **argv, int i, int count)
{
    for (int j = i; j + count <= *argc; j++)
        argv[j] = argv[j + count];
    *argc -= count;
}

const char *cli_take_opt(int *argc, char **argv, const char *name, int *missing)
{
    size_t n = strlen(name);
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strncmp(argv[i], name, n) != 0)
            continue;
        if (argv[i][n] == '=') {
            const char *v = argv[i] + n + 1;
            remove_arg(argc, argv, i, 1);
            return v;
        }
        if (argv[i][n] == '\0') {
            if (i + 1 >= *argc) {
                if (missing != NULL)
                    *missing = 1;
                remove_arg(argc, argv, i, 1);
                return NULL;
            }
            const char *v = argv[i + 1];
            remove_arg(argc, argv, i, 2);
            return v;
        }
    }
    return NULL;
}

int cli_take_flag(int *argc, char **argv, const char *name)
{
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], name) == 0) {
            remove_arg(argc, argv, i, 1);
            return 1;
        }
    }
    return 0;
}

void cli_parse_common(int *argc, char **argv, struct cli_common *c)
{
    int missing = 0;
    memset(c, 0, sizeof(*c));
    c->db = cli_take_opt(argc, argv, "--db", &missing);
    if (c->db == NULL) {
        const char *env = getenv("DURE_DB");
        c->db = (env != NULL && env[0] != '\0') ? env : DURE_DEFAULT_DB;
    }
    c->json = cli_take_flag(argc, argv, "--json");
    c->help = cli_take_flag(argc, argv, "--help") | cli_take_flag(argc, argv, "-h");
}

int cli_fail(const struct dure_err *err)
{
    fprintf(stderr, "dure: %s\n", err->msg[0] != '\0' ? err->msg : dure_err_text(err->code));
    return CLI_FAIL;
}

int cli_failf(const char *fmt, ...)
{
    va_list ap;
    fputs("dure: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_FAIL;
}

int cli_make_parent_dir(const char *path)
{
    char dir[4096];
    if (str_copy(dir, path, sizeof(dir)) >= sizeof(dir))
        return -1;
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0750) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

int cli_open_app(const struct cli_common *c, struct app **app)
{
    struct dure_err err;
    char key[4096];
    struct app_config cfg = {.db_url = c->db, .ledger_key = key};
    app_default_key_path(c->db, key, sizeof(key));
    dure_err_clear(&err);
    if (strstr(c->db, "://") == NULL && cli_make_parent_dir(c->db) != 0)
        return cli_failf("cannot create the directory of %s: %s", c->db, strerror(errno));
    if (app_create(&cfg, app, &err) != 0)
        return cli_fail(&err);
    return CLI_OK;
}
