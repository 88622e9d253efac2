/* SPDX-License-Identifier: Apache-2.0 */
/* Registry use cases: buildings, firms and the member register, single changes and whole-file
 * imports of the public register layouts. Every change is recorded as an event in the same
 * transaction (app/events.h). */
#ifndef DURE_APP_REGISTRY_H
#define DURE_APP_REGISTRY_H

#include <stdio.h>

#include "app/auth.h"
#include "core/registry.h"

/* ---- single records (admins change, anyone reads) ---- */

int registry_building_create(struct app *app, const struct principal *actor, struct building *b,
                             struct dure_err *err); /* sets b->id; DURE_ECONFLICT on a taken name */
int registry_building_update(struct app *app, const struct principal *actor,
                             const struct building *b, struct dure_err *err);
int registry_building_delete(struct app *app, const struct principal *actor, int64_t id,
                             struct dure_err *err);
int registry_building_get(struct app *app, int64_t id, struct building *out,
                          struct dure_err *err);
int registry_building_list(struct app *app, int64_t after_id, size_t limit,
                           struct building **items, size_t *n, struct dure_err *err);

/* Create (DURE_ECONFLICT if the BRN exists) or replace a firm; validates BRN, KSIC, building. */
int registry_firm_create(struct app *app, const struct principal *actor, const struct firm *f,
                         struct dure_err *err);
int registry_firm_update(struct app *app, const struct principal *actor, const struct firm *f,
                         struct dure_err *err);
int registry_firm_delete(struct app *app, const struct principal *actor, const char *brn,
                         struct dure_err *err);
int registry_firm_get(struct app *app, const char *brn, struct firm *out, struct dure_err *err);
int registry_firm_list(struct app *app, const struct firm_filter *filter, struct firm **items,
                       size_t *n, struct dure_err *err);

/* Figures for the front page (counts of buildings, firms, employees, members). */
int registry_summary(struct app *app, struct store_summary *out, struct dure_err *err);

/* ---- member register ---- */

/* Admit brn (a registered firm) on date (YYYY-MM-DD, NULL = today) with shares and capital
 * paid in; re-admits a withdrawn member. Rejects a change that puts any member above the 30%
 * cap (DURE_ECONFLICT). */
int registry_member_admit(struct app *app, const struct principal *actor, const char *brn,
                          const char *date, int64_t shares, int64_t paid_in_krw,
                          struct dure_err *err);
int registry_member_withdraw(struct app *app, const struct principal *actor, const char *brn,
                             const char *date, struct dure_err *err);
int registry_member_list(struct app *app, int active_only, struct member **items, size_t *n,
                         struct dure_err *err);
/* Write the register as CSV (UTF-8 with BOM so Excel reads Korean) to out. */
int registry_member_export_csv(struct app *app, FILE *out, struct dure_err *err);

/* ---- imports ---- */

enum import_kind { IMPORT_BUILDINGS, IMPORT_FIRMS, IMPORT_MEMBERS };

struct import_error {
    uint64_t line;     /* 1-based line in the file */
    size_t column;     /* 1-based column, 0 when the error is about the whole row or file */
    char field[64];    /* header name of the column, "" when none */
    char message[200];
};

#define IMPORT_MAX_ERRORS 1000

struct import_result {
    uint64_t rows;        /* data rows read */
    uint64_t inserted;    /* new records */
    uint64_t updated;     /* changed records */
    uint64_t unchanged;   /* identical records */
    const char *encoding; /* "UTF-8", "UTF-8 (BOM)" or "CP949" */
    struct import_error *errors; /* owned by the result; import_result_cleanup frees */
    size_t nerrors;
    size_t errors_dropped; /* errors beyond IMPORT_MAX_ERRORS, counted only */
};

/* Called now and then while reading: bytes done of total (0 when unknown). */
typedef void (*import_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* Import a register file, all or nothing: every row is checked first, and one bad row rejects
 * the file (DURE_EUNPROCESSABLE, every error in res->errors) with the database unchanged.
 * Re-importing the same file changes nothing (upsert by centre name / BRN). */
int registry_import(struct app *app, const struct principal *actor, enum import_kind kind,
                    const char *path, import_progress_fn progress, void *progress_ctx,
                    struct import_result *res, struct dure_err *err);

void import_result_cleanup(struct import_result *res);

#endif
