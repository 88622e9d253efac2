/* SPDX-License-Identifier: Apache-2.0 */
/* dure user add and dure token create|list|revoke. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "app/auth.h"
#include "cli/cli.h"
#include "util/str.h"

/* Read a password: $DURE_PASSWORD, else a line from stdin (echo off on a terminal). */
static int read_password(char *out, size_t n)
{
    const char *env = getenv("DURE_PASSWORD");
    if (env != NULL) {
        str_copy(out, env, n);
        return 0;
    }
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fputs("password: ", stderr);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *got = fgets(out, (int)n, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (got == NULL)
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

int cmd_user(int argc, char **argv)
{
    struct cli_common c;
    struct app *app = NULL;
    struct dure_err err;
    struct principal cli;
    char firms[AUTH_MAX_FIRMS][BRN_SIZE];
    size_t nfirms = 0;
    char password[300];
    int missing = 0, rc = CLI_OK;
    cli_parse_common(&argc, argv, &c);
    const char *role_s = cli_take_opt(&argc, argv, "--role", &missing);
    const char *f;
    while ((f = cli_take_opt(&argc, argv, "--firm", &missing)) != NULL) {
        if (nfirms == AUTH_MAX_FIRMS)
            return cli_failf("user: at most %d firms", AUTH_MAX_FIRMS);
        if (brn_parse(f, firms[nfirms], &err) != 0)
            return cli_failf("--firm %s: %s", f, err.msg);
        nfirms++;
    }
    if (c.help || argc != 3 || strcmp(argv[1], "add") != 0 || missing) {
        puts("usage: dure user add USERNAME --role admin|member|supplier|witness "
             "[--firm BRN]...\n\n"
             "The password is read from $DURE_PASSWORD or standard input and stored as an "
             "Argon2id hash.\nA user may act for several firms (as a tax accountant does): "
             "repeat --firm.");
        return c.help ? CLI_OK : CLI_USAGE;
    }
    int role = auth_role_parse(role_s != NULL ? role_s : "member");
    if (role == 0)
        return cli_failf("--role: one of admin, member, supplier, witness");
    if (read_password(password, sizeof(password)) != 0)
        return cli_failf("user: no password given");
    if (cli_open_app(&c, &app) != CLI_OK) {
        sodium_memzero(password, sizeof(password));
        return CLI_FAIL;
    }
    auth_principal_cli(&cli);
    int64_t id = 0;
    if (auth_user_add(app, &cli, argv[2], password, role, (const char(*)[BRN_SIZE])firms, nfirms,
                      &id, &err) != 0)
        rc = cli_fail(&err);
    else if (c.json)
        printf("{\"id\":%lld,\"username\":\"%s\"}\n", (long long)id, argv[2]);
    else
        fprintf(stderr, "dure: user %s added (%s)\n", argv[2], auth_role_name(role));
    sodium_memzero(password, sizeof(password));
    app_destroy(app);
    return rc;
}

static int token_list(struct app *app, int json)
{
    struct token *ts = NULL;
    size_t n = 0;
    struct dure_err err;
    if (auth_token_list(app, &ts, &n, &err) != 0)
        return cli_fail(&err);
    json_t *arr = json ? json_array() : NULL;
    if (!json)
        printf("%5s  %-8s  %-10s  %-20s  %-7s  %s\n", "id", "role", "firm", "created", "state",
               "label");
    for (size_t i = 0; i < n; i++) {
        if (json)
            json_array_append_new(arr,
                                  json_pack("{s:I, s:s, s:s?, s:s, s:b, s:s}", "id",
                                            (json_int_t)ts[i].id, "role",
                                            auth_role_name(ts[i].role), "firm",
                                            ts[i].firm[0] != '\0' ? ts[i].firm : NULL,
                                            "created_at", ts[i].created_at, "revoked",
                                            ts[i].revoked, "label", ts[i].label));
        else
            printf("%5lld  %-8s  %-10s  %-20s  %-7s  %s\n", (long long)ts[i].id,
                   auth_role_name(ts[i].role), ts[i].firm[0] != '\0' ? ts[i].firm : "-",
                   ts[i].created_at, ts[i].revoked ? "revoked" : "active", ts[i].label);
    }
    if (json) {
        json_t *o = json_pack("{s:o}", "items", arr);
        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(o);
    }
    free(ts);
    return CLI_OK;
}

int cmd_token(int argc, char **argv)
{
    struct cli_common c;
    struct app *app = NULL;
    struct dure_err err;
    struct principal cli;
    int missing = 0, rc = CLI_OK;
    cli_parse_common(&argc, argv, &c);
    const char *role_s = cli_take_opt(&argc, argv, "--role", &missing);
    const char *firm = cli_take_opt(&argc, argv, "--firm", &missing);
    const char *user = cli_take_opt(&argc, argv, "--user", &missing);
    const char *label = cli_take_opt(&argc, argv, "--label", &missing);
    const char *sub = argc >= 2 ? argv[1] : "";
    int ok_args = (strcmp(sub, "create") == 0 && argc == 2 && role_s != NULL) ||
                  (strcmp(sub, "revoke") == 0 && argc == 3) ||
                  (strcmp(sub, "list") == 0 && argc == 2);
    if (c.help || !ok_args || missing) {
        puts("usage: dure token create --role admin|member|supplier|witness [--firm BRN] "
             "[--user NAME] [--label TEXT] [--json]\n"
             "       dure token list [--json]\n"
             "       dure token revoke ID\n\n"
             "A new token is printed once; only its SHA-256 hash is stored.");
        return c.help ? CLI_OK : CLI_USAGE;
    }
    int64_t id = 0;
    int role = 0;
    if (strcmp(sub, "create") == 0 && (role = auth_role_parse(role_s)) == 0)
        return cli_failf("--role: one of admin, member, supplier, witness");
    if (strcmp(sub, "revoke") == 0 && (str_to_i64(argv[2], 0, &id) != 0 || id <= 0))
        return cli_failf("revoke: ID is the number shown by dure token list");
    if (cli_open_app(&c, &app) != CLI_OK)
        return CLI_FAIL;
    auth_principal_cli(&cli);
    dure_err_clear(&err);
    if (strcmp(sub, "create") == 0) {
        char token[AUTH_TOKEN_SIZE];
        if (auth_token_create(app, &cli, role, user, firm, label, token, &id, &err) != 0) {
            rc = cli_fail(&err);
        } else {
            if (c.json)
                printf("{\"id\":%lld,\"role\":\"%s\",\"token\":\"%s\"}\n", (long long)id,
                       auth_role_name(role), token);
            else
                printf("%s\n", token);
            sodium_memzero(token, sizeof(token));
        }
    } else if (strcmp(sub, "revoke") == 0) {
        if (auth_token_revoke(app, &cli, id, &err) != 0)
            rc = cli_fail(&err);
        else
            fprintf(stderr, "dure: token %lld revoked\n", (long long)id);
    } else {
        rc = token_list(app, c.json);
    }
    app_destroy(app);
    return rc;
}
