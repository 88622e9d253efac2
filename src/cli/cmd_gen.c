/* SPDX-License-Identifier: Apache-2.0 */
/* `dure gen`: write a deterministic synthetic G-Valley (centres, factory register, member
 * register) as CSV files in the public register layouts, ready for `dure import`, with the
 * members' pooled data: a year of Hometax e-tax-invoice lists and monthly KPIs. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "gen/gen.h"
#include "util/str.h"

static void usage(FILE *f)
{
    fputs("usage: dure gen --seed N --out DIR [--scale X] [--members-share F]\n"
          "                [--no-invoices] [--invoices-scale F] [--kpis-all] [--json]\n"
          "\n"
          "Write DIR/" GEN_BUILDINGS_FILE ", DIR/" GEN_FIRMS_FILE " and DIR/" GEN_MEMBERS_FILE
          " (UTF-8 CSV): a synthetic\n"
          "G-Valley of 106 knowledge-industry centres and 10,145 firms at scale 1, the same\n"
          "bytes for the same seed on every platform; DIR/" GEN_KPIS_FILE
          ", the members' monthly KPIs for\n"
          "2025; and DIR/" GEN_INVOICES_DIR "/<BRN>" GEN_ISSUED_SUFFIX
          " and <BRN>" GEN_RECEIVED_SUFFIX ", each member's e-tax invoices\n"
          "of 2025 as Hometax list exports (about 2.3 million rows, 1 GB, at scale 1).\n"
          "\n"
          "  --seed N              0 to 9223372036854775807\n"
          "  --out DIR             output directory, created when missing\n"
          "  --scale X             multiplies firms, centres and employees (default 1.0, max 20)\n"
          "  --members-share F     fraction of firms in the member register (default 0.30)\n"
          "  --no-invoices         skip the invoice lists (the KPIs are still written)\n"
          "  --invoices-scale F    multiplies the invoices per firm (default 1.0, max 10); each\n"
          "                        member keeps about one sale and one or two purchases a month,\n"
          "                        e.g. 0.05 gives about 210,000 rows at scale 1\n"
          "  --kpis-all            KPI rows for every firm, not only the members\n"
          "  --json                print the summary as a JSON object\n",
          f);
}

/* A whole decimal number, e.g. "0.05" or "1e-3"; finite. Returns 0 or -1. */
static int parse_double(const char *s, double *out)
{
    char *end = NULL;
    if (s == NULL || *s == '\0' || *s == ' ')
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v == v) || v > 1e300 || v < -1e300)
        return -1;
    *out = v;
    return 0;
}

static int print_json(const struct gen_options *opt, const struct gen_summary *s)
{
    json_t *obj = json_pack(
        "{s:I, s:f, s:f, s:I, s:{s:I, s:I, s:I}, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:s, s:s, s:s}}",
        "seed", (json_int_t)opt->seed, "scale", opt->scale, "members_share", opt->members_share,
        "centres", (json_int_t)s->centres, "centres_by_complex", "1",
        (json_int_t)s->centres_by_complex[0], "2", (json_int_t)s->centres_by_complex[1], "3",
        (json_int_t)s->centres_by_complex[2], "firms", (json_int_t)s->firms, "firms_in_centres",
        (json_int_t)s->firms_in_centres, "employees", (json_int_t)s->employees, "members",
        (json_int_t)s->members, "member_shares", (json_int_t)s->member_shares, "member_paid_in_krw",
        (json_int_t)s->member_paid_in_krw, "files", "buildings", s->buildings_path, "firms",
        s->firms_path, "members", s->members_path);
    json_t *kpis = json_pack(
        "{s:I, s:b, s:{s:I, s:I, s:I, s:I}}", "rows", (json_int_t)s->kpi_rows, "all_firms",
        opt->kpis_all, "monthly_totals", "revenue_krw", (json_int_t)s->kpi_revenue_krw_month,
        "production_krw", (json_int_t)s->kpi_production_krw_month, "exports_krw",
        (json_int_t)s->kpi_exports_krw_month, "employees", (json_int_t)s->kpi_employees_month);
    json_t *inv = NULL;
    if (opt->invoices)
        inv = json_pack("{s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "scale",
                        opt->invoices_scale, "files", (json_int_t)s->invoice_files, "exempt_files",
                        (json_int_t)s->invoice_files_exempt, "rows", (json_int_t)s->invoice_rows,
                        "issued_rows", (json_int_t)s->invoice_rows_issued, "received_rows",
                        (json_int_t)(s->invoice_rows - s->invoice_rows_issued), "invoices",
                        (json_int_t)s->invoices, "between_members",
                        (json_int_t)s->invoices_between_members, "bytes",
                        (json_int_t)s->invoice_bytes, "received_krw", (json_int_t)s->received_krw,
                        "received_from_cluster_krw", (json_int_t)s->received_cluster_krw);
    json_t *files = obj != NULL ? json_object_get(obj, "files") : NULL;
    int bad = obj == NULL || kpis == NULL || (opt->invoices && inv == NULL) || files == NULL ||
              json_object_set_new(files, "kpis", json_string(s->kpis_path)) != 0 ||
              (opt->invoices &&
               json_object_set_new(files, "invoices", json_string(s->invoices_dir)) != 0) ||
              json_object_set(obj, "kpis", kpis) != 0 ||
              json_object_set(obj, "invoices", inv != NULL ? inv : json_null()) != 0;
    json_decref(inv);
    json_decref(kpis);
    if (bad) {
        json_decref(obj);
        return cli_failf("cannot build the JSON summary");
    }
    int rc =
        json_dumpf(obj, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    json_decref(obj);
    if (rc != 0)
        return cli_failf("cannot write the JSON summary");
    fputc('\n', stdout);
    return CLI_OK;
}

/* Billions of won with one decimal, e.g. "967.5". */
static void billions(char *out, size_t n, int64_t krw)
{
    int64_t tenths = (krw + 50000000) / 100000000;
    snprintf(out, n, "%lld.%lld", (long long)(tenths / 10), (long long)(tenths % 10));
}

static void print_text(const struct gen_options *opt, const struct gen_summary *s)
{
    char rev[32], prod[32], exp[32];
    printf("centres           %zu (complex 1: %zu, 2: %zu, 3: %zu)\n", s->centres,
           s->centres_by_complex[0], s->centres_by_complex[1], s->centres_by_complex[2]);
    printf("firms             %zu\n", s->firms);
    printf("firms in centres  %zu\n", s->firms_in_centres);
    printf("employees         %lld\n", (long long)s->employees);
    printf("members           %zu (%lld shares, %lld KRW paid in)\n", s->members,
           (long long)s->member_shares, (long long)s->member_paid_in_krw);
    billions(rev, sizeof(rev), s->kpi_revenue_krw_month);
    billions(prod, sizeof(prod), s->kpi_production_krw_month);
    billions(exp, sizeof(exp), s->kpi_exports_krw_month);
    printf("KPI rows          %zu (%s)\n", s->kpi_rows, opt->kpis_all ? "all firms" : "members");
    printf("cluster per month production %s bn KRW, exports %s bn KRW, revenue %s bn KRW, "
           "%lld employees\n",
           prod, exp, rev, (long long)s->kpi_employees_month);
    if (opt->invoices) {
        printf("invoice files     %zu (%zu of them 계산서 lists), %.1f MB\n", s->invoice_files,
               s->invoice_files_exempt, (double)s->invoice_bytes / 1e6);
        printf("invoice rows      %llu (issued %llu, received %llu)\n",
               (unsigned long long)s->invoice_rows, (unsigned long long)s->invoice_rows_issued,
               (unsigned long long)(s->invoice_rows - s->invoice_rows_issued));
        printf("invoices          %llu distinct, %llu between two members (on both lists); "
               "%.1f%% of purchases from cluster firms\n",
               (unsigned long long)s->invoices, (unsigned long long)s->invoices_between_members,
               s->received_krw > 0
                   ? 100.0 * (double)s->received_cluster_krw / (double)s->received_krw
                   : 0.0);
    }
    printf("wrote %s\n", s->buildings_path);
    printf("wrote %s\n", s->firms_path);
    printf("wrote %s\n", s->members_path);
    printf("wrote %s\n", s->kpis_path);
    if (opt->invoices)
        printf("wrote %s/ (%zu files)\n", s->invoices_dir, s->invoice_files);
}

int cmd_gen(int argc, char **argv)
{
    struct cli_common common;
    struct gen_options opt;
    struct gen_summary sum;
    struct dure_err err;
    int missing = 0;

    gen_options_init(&opt);
    dure_err_clear(&err);
    cli_parse_common(&argc, argv, &common);
    if (common.help) {
        usage(stdout);
        return CLI_OK;
    }
    const char *seed = cli_take_opt(&argc, argv, "--seed", &missing);
    const char *dir = cli_take_opt(&argc, argv, "--out", &missing);
    const char *scale = cli_take_opt(&argc, argv, "--scale", &missing);
    const char *share = cli_take_opt(&argc, argv, "--members-share", &missing);
    const char *inv_scale = cli_take_opt(&argc, argv, "--invoices-scale", &missing);
    opt.invoices = !cli_take_flag(&argc, argv, "--no-invoices");
    opt.kpis = 1;
    opt.kpis_all = cli_take_flag(&argc, argv, "--kpis-all");
    if (missing) {
        cli_failf("an option is missing its value (see dure gen --help)");
        return CLI_USAGE;
    }
    if (argc > 1) {
        char shown[64];
        str_sanitize(shown, sizeof(shown), argv[1], 40);
        cli_failf("gen: unexpected argument \"%s\" (see dure gen --help)", shown);
        return CLI_USAGE;
    }
    if (seed == NULL || dir == NULL) {
        cli_failf("gen needs --seed N and --out DIR (see dure gen --help)");
        return CLI_USAGE;
    }
    int64_t seed_v = 0;
    if (str_to_i64(seed, 0, &seed_v) != 0 || seed_v < 0) {
        cli_failf("--seed must be a whole number from 0 to 9223372036854775807");
        return CLI_USAGE;
    }
    opt.seed = (uint64_t)seed_v;
    opt.out_dir = dir;
    if (scale != NULL &&
        (parse_double(scale, &opt.scale) != 0 || !(opt.scale > 0) || opt.scale > GEN_SCALE_MAX)) {
        cli_failf("--scale must be a number above 0 and at most %g", GEN_SCALE_MAX);
        return CLI_USAGE;
    }
    if (share != NULL && (parse_double(share, &opt.members_share) != 0 || opt.members_share < 0 ||
                          opt.members_share > 1)) {
        cli_failf("--members-share must be a number from 0 to 1");
        return CLI_USAGE;
    }
    if (inv_scale != NULL &&
        (parse_double(inv_scale, &opt.invoices_scale) != 0 || !(opt.invoices_scale > 0) ||
         opt.invoices_scale > GEN_INVOICES_SCALE_MAX)) {
        cli_failf("--invoices-scale must be a number above 0 and at most %g",
                  GEN_INVOICES_SCALE_MAX);
        return CLI_USAGE;
    }

    if (gen_cluster(&opt, &sum, &err) != DURE_OK) {
        cli_fail(&err);
        return err.code == DURE_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    if (common.json)
        return print_json(&opt, &sum);
    print_text(&opt, &sum);
    return CLI_OK;
}
