/* SPDX-License-Identifier: Apache-2.0 */
/* dure import buildings|firms|members FILE: the register imports, with a progress bar on a
 * terminal and every rejected row listed. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/registry.h"
#include "cli/cli.h"

struct progress {
    int enabled;
    int drawn;
    struct timespec last;
};

static void draw_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct progress *p = ctx;
    struct timespec now;
    if (!p->enabled || total == 0)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (now.tv_sec - p->last.tv_sec) * 1000 + (now.tv_nsec - p->last.tv_nsec) / 1000000;
    if (p->drawn && ms < 100 && done < total)
        return;
    p->last = now;
    p->drawn = 1;
    int width = 40;
    int fill = (int)((double)done / (double)total * width);
    if (fill > width)
        fill = width;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] %3d%% %llu/%llu KiB", bar, (int)(100.0 * done / total),
            (unsigned long long)(done / 1024), (unsigned long long)(total / 1024));
    fflush(stderr);
}

static void print_errors_text(const struct import_result *res, const char *path)
{
    for (size_t i = 0; i < res->nerrors; i++) {
        const struct import_error *e = &res->errors[i];
        if (e->column > 0)
            fprintf(stderr, "%s:%llu:%zu: %s\n", path, (unsigned long long)e->line, e->column,
                    e->message);
        else
            fprintf(stderr, "%s:%llu: %s\n", path, (unsigned long long)e->line, e->message);
    }
    if (res->errors_dropped > 0)
        fprintf(stderr, "%s: %zu more errors not shown\n", path, res->errors_dropped);
}

static void print_json(const struct import_result *res, const char *kind, int ok)
{
    json_t *errs = json_array();
    for (size_t i = 0; i < res->nerrors; i++) {
        const struct import_error *e = &res->errors[i];
        json_array_append_new(errs, json_pack("{s:I, s:I, s:s, s:s}", "line",
                                              (json_int_t)e->line, "column",
                                              (json_int_t)e->column, "field", e->field,
                                              "message", e->message));
    }
    json_t *o = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:s, s:o, s:I}", "kind", kind, "ok", ok,
                          "rows", (json_int_t)res->rows, "inserted", (json_int_t)res->inserted,
                          "updated", (json_int_t)res->updated, "unchanged",
                          (json_int_t)res->unchanged, "encoding", res->encoding, "errors", errs,
                          "errors_not_shown", (json_int_t)res->errors_dropped);
    json_dumpf(o, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(o);
}

int cmd_import(int argc, char **argv)
{
    struct cli_common c;
    struct app *app = NULL;
    struct dure_err err;
    struct import_result res;
    struct principal cli;
    struct progress prog;
    enum import_kind kind;
    int quiet = 0;
    cli_parse_common(&argc, argv, &c);
    quiet = cli_take_flag(&argc, argv, "--quiet");
    if (c.help || argc != 3) {
        puts("usage: dure import buildings|firms|members FILE [--db PATH] [--json] [--quiet]\n\n"
             "  buildings  the knowledge-industry-centre list (지식산업센터명, 단지명, "
             "공장대표주소(도로명), 건축면적(제곱미터), ...)\n"
             "  firms      the factory register (회사명, 사업자등록번호, 대표업종, 종업원합계, "
             "지식산업센터명, ...)\n"
             "  members    the member register (사업자등록번호, 가입일, 출자좌수, 납입출자금)\n\n"
             "Columns are matched by header name, Korean or English, in any order; UTF-8 (with "
             "or without BOM) or CP949.\nA file imports all or nothing: one bad row rejects it "
             "with every error listed and the database unchanged.");
        return c.help ? CLI_OK : CLI_USAGE;
    }
    if (strcmp(argv[1], "buildings") == 0)
        kind = IMPORT_BUILDINGS;
    else if (strcmp(argv[1], "firms") == 0)
        kind = IMPORT_FIRMS;
    else if (strcmp(argv[1], "members") == 0)
        kind = IMPORT_MEMBERS;
    else
        return cli_failf("import: unknown kind %s (buildings, firms or members)", argv[1]);
    if (cli_open_app(&c, &app) != CLI_OK)
        return CLI_FAIL;
    auth_principal_cli(&cli);
    memset(&prog, 0, sizeof(prog));
    prog.enabled = !quiet && !c.json && isatty(STDERR_FILENO);
    dure_err_clear(&err);
    int rc = registry_import(app, &cli, kind, argv[2], draw_progress, &prog, &res, &err);
    if (prog.drawn)
        fputc('\n', stderr);
    if (c.json)
        print_json(&res, argv[1], rc == 0);
    if (rc == DURE_EUNPROCESSABLE && !c.json)
        print_errors_text(&res, argv[2]);
    if (rc == 0 && !c.json && !quiet)
        printf("dure: imported %s from %s (%s): %llu rows, %llu new, %llu changed, %llu "
               "unchanged\n",
               argv[1], argv[2], res.encoding, (unsigned long long)res.rows,
               (unsigned long long)res.inserted, (unsigned long long)res.updated,
               (unsigned long long)res.unchanged);
    import_result_cleanup(&res);
    app_destroy(app);
    return rc == 0 ? CLI_OK : cli_fail(&err);
}
