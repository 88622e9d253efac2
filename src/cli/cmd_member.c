/* SPDX-License-Identifier: Apache-2.0 */
/* dure member admit|withdraw|list|export: the cooperative's member register (조합원 명부). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/registry.h"
#include "cli/cli.h"
#include "util/str.h"

#define SHARE_PRICE_KRW 10000

static int usage(int rc)
{
    puts("usage: dure member admit BRN --shares N [--paid KRW] [--date YYYY-MM-DD]\n"
         "       dure member withdraw BRN [--date YYYY-MM-DD]\n"
         "       dure member list [--all] [--json]\n"
         "       dure member export [FILE]       (CSV, UTF-8 with BOM for Excel)\n\n"
         "No member may hold more than 30% of all shares (Framework Act on Cooperatives art. 22);\n"
         "the cap applies once the register has 4 or more members. --paid defaults to the\n"
         "shares times 10,000 KRW.");
    return rc;
}

static int list(struct app *app, int all, int json)
{
    struct member *ms = NULL;
    size_t n = 0;
    struct dure_err err;
    if (registry_member_list(app, !all, &ms, &n, &err) != 0)
        return cli_fail(&err);
    int64_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (ms[i].withdrawn_on[0] == '\0')
            total += ms[i].shares;
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(
                arr, json_pack("{s:s, s:s, s:s, s:s?, s:I, s:I}", "brn", ms[i].brn, "name",
                               ms[i].firm_name, "admitted_on", ms[i].admitted_on, "withdrawn_on",
                               ms[i].withdrawn_on[0] != '\0' ? ms[i].withdrawn_on : NULL,
                               "shares", (json_int_t)ms[i].shares, "paid_in_krw",
                               (json_int_t)ms[i].paid_in_krw));
        json_t *o = json_pack("{s:o, s:I}", "items", arr, "total_shares", (json_int_t)total);
        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(o);
    } else {
        printf("%-12s  %-10s  %-10s  %8s  %14s  %s\n", "BRN", "admitted", "withdrawn", "shares",
               "paid_in_krw", "name");
        for (size_t i = 0; i < n; i++) {
            char brn[BRN_FORMATTED_SIZE];
            brn_format(ms[i].brn, brn);
            printf("%-12s  %-10s  %-10s  %8lld  %14lld  %s\n", brn, ms[i].admitted_on,
                   ms[i].withdrawn_on[0] != '\0' ? ms[i].withdrawn_on : "-",
                   (long long)ms[i].shares, (long long)ms[i].paid_in_krw, ms[i].firm_name);
        }
        printf("%zu entries, %lld shares held by active members\n", n, (long long)total);
    }
    free(ms);
    return CLI_OK;
}

int cmd_member(int argc, char **argv)
{
    struct cli_common c;
    struct app *app = NULL;
    struct dure_err err;
    struct principal cli;
    int missing = 0, rc = CLI_OK;
    cli_parse_common(&argc, argv, &c);
    const char *shares_s = cli_take_opt(&argc, argv, "--shares", &missing);
    const char *paid_s = cli_take_opt(&argc, argv, "--paid", &missing);
    const char *date = cli_take_opt(&argc, argv, "--date", &missing);
    int all = cli_take_flag(&argc, argv, "--all");
    if (c.help)
        return usage(CLI_OK);
    if (argc < 2 || missing)
        return usage(CLI_USAGE);
    const char *sub = argv[1];
    int64_t shares = 0, paid = -1;
    if (strcmp(sub, "admit") == 0) {
        if (argc != 3 || shares_s == NULL)
            return usage(CLI_USAGE);
        if (str_to_i64(shares_s, 1, &shares) != 0 || shares <= 0)
            return cli_failf("--shares: a whole number of at least 1");
        if (paid_s != NULL && (str_to_i64(paid_s, 1, &paid) != 0 || paid < 0))
            return cli_failf("--paid: an amount in won, not negative");
        if (paid < 0)
            paid = shares * SHARE_PRICE_KRW;
    } else if (strcmp(sub, "withdraw") == 0) {
        if (argc != 3)
            return usage(CLI_USAGE);
    } else if (strcmp(sub, "list") == 0 || strcmp(sub, "export") == 0) {
        if (argc > 3 || (argc == 3 && strcmp(sub, "list") == 0))
            return usage(CLI_USAGE);
    } else {
        return cli_failf("member: unknown subcommand %s", sub);
    }
    if (cli_open_app(&c, &app) != CLI_OK)
        return CLI_FAIL;
    auth_principal_cli(&cli);
    dure_err_clear(&err);
    if (strcmp(sub, "admit") == 0) {
        if (registry_member_admit(app, &cli, argv[2], date, shares, paid, &err) != 0)
            rc = cli_fail(&err);
        else
            fprintf(stderr, "dure: %s admitted with %lld shares\n", argv[2], (long long)shares);
    } else if (strcmp(sub, "withdraw") == 0) {
        if (registry_member_withdraw(app, &cli, argv[2], date, &err) != 0)
            rc = cli_fail(&err);
        else
            fprintf(stderr, "dure: %s withdrew\n", argv[2]);
    } else if (strcmp(sub, "list") == 0) {
        rc = list(app, all, c.json);
    } else {
        FILE *out = stdout;
        if (argc == 3 && (out = fopen(argv[2], "w")) == NULL) {
            rc = cli_failf("cannot write %s", argv[2]);
        } else {
            if (registry_member_export_csv(app, out, &err) != 0)
                rc = cli_fail(&err);
            if (out != stdout && fclose(out) != 0 && rc == CLI_OK)
                rc = cli_failf("cannot write %s", argv[2]);
        }
    }
    app_destroy(app);
    return rc;
}
