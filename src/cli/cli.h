/* SPDX-License-Identifier: Apache-2.0 */
/* The command line: one declarative table of subcommands (cli.c) is the index of every
 * command; each group lives in cmd_<group>.c. Conventions: every subcommand takes --db PATH
 * (default $DURE_DB or var/dure.db) and --help, exits non-zero with a one-line reason on
 * stderr, and offers --json where it prints results. */
#ifndef DURE_CLI_CLI_H
#define DURE_CLI_CLI_H

#include <stdio.h>

#include "util/err.h"

/* Exit statuses. */
#define CLI_OK 0
#define CLI_FAIL 1  /* the command failed */
#define CLI_USAGE 64 /* bad arguments (EX_USAGE) */
#define CLI_INFEASIBLE 2

/* A subcommand: argv[0] is the subcommand's own name (e.g. "import"). */
typedef int (*cli_fn)(int argc, char **argv);

/* Run the command line; returns the process exit status. */
int cli_main(int argc, char **argv);

/* Common options, filled by cli_parse_common from argv (which it compacts: the options it
 * consumed are removed and *argc is updated). */
struct cli_common {
    const char *db; /* --db PATH, else $DURE_DB, else "var/dure.db" */
    int json;       /* --json */
    int help;       /* --help or -h */
};
void cli_parse_common(int *argc, char **argv, struct cli_common *c);

/* Value of "--name VALUE" or "--name=VALUE" in argv, removing it (compacting argv and *argc).
 * Returns NULL when absent; sets *missing when the option is last with no value. */
const char *cli_take_opt(int *argc, char **argv, const char *name, int *missing);

/* 1 when the flag "--name" is present (removed from argv). */
int cli_take_flag(int *argc, char **argv, const char *name);

/* Print "dure: <msg>" to stderr and return CLI_FAIL; for an err, its message. */
int cli_fail(const struct dure_err *err);
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int cli_failf(const char *fmt, ...);

/* Open the app on c->db, creating the database's directory when missing; prints the reason
 * and returns CLI_FAIL on failure. */
struct app;
int cli_open_app(const struct cli_common *c, struct app **app);

/* mkdir -p of the directory part of path (a file path). Returns 0 or -1 (errno set). */
int cli_make_parent_dir(const char *path);

/* Subcommand entry points (one per group). */
int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_member(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_migrate_store(int argc, char **argv);
int cmd_ledger(int argc, char **argv);
int cmd_witness(int argc, char **argv);

#endif
