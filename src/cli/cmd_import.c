/* SPDX-License-Identifier: Apache-2.0 */
/* dure import buildings|firms|members FILE: the register imports, with a progress bar on a
 * terminal and every rejected row listed. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/pool.h"
#include "app/registry.h"
#include "util/str.h"
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

/* The firm of a Hometax file named "<BRN>_issued.csv" (as dure gen writes them). */
static int firm_from_name(const char *path, char out[BRN_SIZE])
{
    const char *base = strrchr(path, '/');
    char digits[16];
    struct dure_err e;
    base = base != NULL ? base + 1 : path;
    size_t n = strcspn(base, "_.");
    if (n == 0 || n >= sizeof(digits))
        return -1;
    memcpy(digits, base, n);
    digits[n] = '\0';
    return brn_parse(digits, out, &e) == 0 ? 0 : -1;
}

static void print_pool_json(const struct pool_result *res, const char *path, int ok)
{
    const struct pool_upload *u = &res->upload;
    json_t *errs = json_array(), *conf = json_array();
    for (size_t i = 0; i < res->nerrors; i++) {
        const struct import_error *e = &res->errors[i];
        json_array_append_new(errs, json_pack("{s:I, s:I, s:s}", "line", (json_int_t)e->line,
                                              "column", (json_int_t)e->column, "message",
                                              e->message));
    }
    for (size_t i = 0; i < res->nconflicts; i++)
        json_array_append_new(conf, json_pack("{s:I, s:s, s:s}", "line",
                                              (json_int_t)res->conflicts[i].line, "approval_no",
                                              res->conflicts[i].approval_no, "message",
                                              res->conflicts[i].message));
    json_t *o = json_pack("{s:s, s:b, s:b, s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o}",
                          "file", path, "ok", ok, "already", res->already, "upload",
                          (json_int_t)u->id, "kind", u->kind, "format", u->format, "sha256",
                          u->sha256, "rows", (json_int_t)u->rows, "new",
                          (json_int_t)u->new_records, "linked", (json_int_t)u->linked,
                          "unchanged", (json_int_t)u->unchanged, "conflicts",
                          (json_int_t)u->conflicts, "errors", errs, "conflict_list", conf);
    json_dumpf(o, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(o);
}

struct pool_report {
    const struct cli_common *c;
    int quiet;
    struct progress *prog;
    int failures;
};

/* One file's outcome, once its group of files is committed. */
static void report_file(void *ctx, size_t index, struct pool_file *f)
{
    struct pool_report *r = ctx;
    const struct pool_result *res = &f->res;
    const char *path = f->path;
    (void)index;
    if (r->prog->drawn) {
        /* The next draw puts the bar back under the lines printed here. */
        fputs("\r\033[K", stderr);
        r->prog->drawn = 0;
    }
    if (r->c->json)
        print_pool_json(res, path, f->rc == 0);
    if (f->rc == DURE_EUNPROCESSABLE && !r->c->json)
        for (size_t k = 0; k < res->nerrors; k++) {
            const struct import_error *e = &res->errors[k];
            if (e->column > 0)
                fprintf(stderr, "%s:%llu:%zu: %s\n", path, (unsigned long long)e->line,
                        e->column, e->message);
            else
                fprintf(stderr, "%s:%llu: %s\n", path, (unsigned long long)e->line, e->message);
        }
    if (f->rc == 0 && !r->c->json && !r->quiet) {
        const struct pool_upload *u = &res->upload;
        if (res->already)
            printf("dure: %s was already uploaded (upload %lld); nothing changed\n", path,
                   (long long)u->id);
        else
            printf("dure: %s: upload %lld (%s), %lld rows: %lld new, %lld linked, %lld "
                   "unchanged, %lld conflicts\n",
                   path, (long long)u->id, u->format, (long long)u->rows,
                   (long long)u->new_records, (long long)u->linked, (long long)u->unchanged,
                   (long long)u->conflicts);
        fflush(stdout);
        for (size_t k = 0; k < res->nconflicts; k++)
            fprintf(stderr, "%s:%llu: conflict: 승인번호 %s: %s\n", path,
                    (unsigned long long)res->conflicts[k].line, res->conflicts[k].approval_no,
                    res->conflicts[k].message);
    }
    if (f->rc != 0) {
        cli_fail(&f->err);
        r->failures++;
    }
    pool_result_cleanup(&f->res);
}

/* dure import invoices|kpis FILE...: members' data into the pool, the files stored in groups
 * (pool_upload_files) and each reported once its group is committed. */
static int import_pool(struct app *app, const char *kind, const char *firm, int nfiles,
                       char **files, const struct cli_common *c, int quiet)
{
    struct principal cli;
    struct progress prog;
    struct pool_report rep = {c, quiet, &prog, 0};
    struct dure_err err;
    char (*named)[BRN_SIZE] = NULL;
    struct pool_file *todo = NULL;
    size_t n = 0;
    auth_principal_cli(&cli);
    dure_err_clear(&err);
    todo = calloc((size_t)nfiles + 1, sizeof(*todo));
    named = calloc((size_t)nfiles + 1, sizeof(*named));
    if (todo == NULL || named == NULL) {
        free(todo);
        free(named);
        dure_err_set(&err, DURE_ENOMEM, NULL);
        cli_fail(&err);
        return CLI_FAIL;
    }
    for (int i = 0; i < nfiles; i++) {
        const char *for_firm = firm;
        if (for_firm == NULL && strcmp(kind, "invoices") == 0) {
            if (firm_from_name(files[i], named[n]) != 0) {
                cli_failf("%s: say the firm with --firm BRN (or name the file BRN_....csv)",
                          files[i]);
                rep.failures++;
                continue;
            }
            for_firm = named[n];
        }
        todo[n].path = files[i];
        todo[n].filename = files[i];
        todo[n].firm = for_firm;
        n++;
    }
    memset(&prog, 0, sizeof(prog));
    prog.enabled = !quiet && !c->json && isatty(STDERR_FILENO);
    int rc = n > 0 ? pool_upload_files(app, &cli, kind, todo, n, draw_progress, &prog,
                                       report_file, &rep, &err)
                   : 0;
    if (prog.drawn)
        fputc('\n', stderr);
    if (rc != 0 && rep.failures == 0) {
        cli_fail(&err);
        rep.failures++;
    }
    free(todo);
    free(named);
    return rep.failures == 0 ? CLI_OK : CLI_FAIL;
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
    int missing = 0;
    cli_parse_common(&argc, argv, &c);
    quiet = cli_take_flag(&argc, argv, "--quiet");
    const char *firm = cli_take_opt(&argc, argv, "--firm", &missing);
    int pool_kind = argc >= 2 && (strcmp(argv[1], "invoices") == 0 || strcmp(argv[1], "kpis") == 0);
    if (!c.help && pool_kind && argc >= 3 && !missing) {
        struct app *papp = NULL;
        if (cli_open_app(&c, &papp) != CLI_OK)
            return CLI_FAIL;
        int prc = import_pool(papp, argv[1], firm, argc - 2, argv + 2, &c, quiet);
        app_destroy(papp);
        return prc;
    }
    if (c.help || argc != 3 || missing || firm != NULL) {
        puts("usage: dure import buildings|firms|members FILE [--db PATH] [--json] [--quiet]\n"
             "       dure import invoices FILE... [--firm BRN]   (Hometax list CSV/XLSX, KEC XML or "
             "a zip of XML)\n"
             "       dure import kpis FILE [--firm BRN]          (brn, month, revenue_krw, "
             "production_krw, exports_krw, employees)\n\n"
             "  buildings  the knowledge-industry-centre list (지식산업센터명, 단지명, "
             "공장대표주소(도로명), 건축면적(제곱미터), ...)\n"
             "  firms      the factory register (회사명, 사업자등록번호, 대표업종, 종업원합계, "
             "지식산업센터명, ...)\n"
             "  members    the member register (사업자등록번호, 가입일, 출자좌수, 납입출자금)\n"
             "  invoices   a member firm's e-tax invoices; without --firm the firm is read from "
             "the file name (BRN_issued.csv)\n"
             "  kpis       monthly KPIs; with --firm every row must be that firm\n\n"
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
