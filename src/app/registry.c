/* SPDX-License-Identifier: Apache-2.0 */
/* Registry use cases: buildings, firms, the member register and whole-file imports. Each
 * change and its event are written in one transaction. */
#include "app/registry.h"
#include "app/registry_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/events.h"
#include "core/ksic.h"
#include "util/csv.h"
#include "util/str.h"

/* ---- event payloads ---- */

static json_t *building_json(const struct building *b)
{
    return json_pack("{s:I, s:s, s:i, s:b, s:s, s:i, s:f, s:f}", "id", (json_int_t)b->id, "name",
                     b->name, "complex", b->complex, "is_centre", b->is_centre, "road_address",
                     b->road_address, "floors", b->floors, "building_area_m2",
                     b->building_area_m2, "gross_floor_area_m2", b->gross_floor_area_m2);
}

static json_t *firm_json(const struct firm *f)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s, s:I, s:s}", "brn", f->brn, "name", f->name,
                          "ksic", f->ksic, "floor", f->floor, "unit", f->unit, "employees",
                          (json_int_t)f->employees, "status", firm_status_name(f->status));
    if (j != NULL)
        json_object_set_new(j, "building_id",
                            f->building_id > 0 ? json_integer(f->building_id) : json_null());
    return j;
}

static json_t *member_json(const struct member *m)
{
    return json_pack("{s:s, s:s, s:s?, s:I, s:I}", "brn", m->brn, "admitted_on", m->admitted_on,
                     "withdrawn_on", m->withdrawn_on[0] != '\0' ? m->withdrawn_on : NULL,
                     "shares", (json_int_t)m->shares, "paid_in_krw", (json_int_t)m->paid_in_krw);
}

int registry__record_building(struct store *s, const struct principal *actor, const char *kind,
                           const struct building *b, struct dure_err *err)
{
    char subject[48];
    snprintf(subject, sizeof(subject), "building:%lld", (long long)b->id);
    return events_record(s, actor, kind, subject, building_json(b), err);
}

int registry__record_firm(struct store *s, const struct principal *actor, const char *kind,
                       const struct firm *f, struct dure_err *err)
{
    char subject[32];
    snprintf(subject, sizeof(subject), "firm:%s", f->brn);
    return events_record(s, actor, kind, subject, firm_json(f), err);
}

int registry__record_member(struct store *s, const struct principal *actor, const char *kind,
                         const struct member *m, struct dure_err *err)
{
    char subject[32];
    snprintf(subject, sizeof(subject), "member:%s", m->brn);
    return events_record(s, actor, kind, subject, member_json(m), err);
}

/* Finish a write: commit when rc is 0, else roll back; returns rc or the commit's error. */
static int finish(struct store *s, int rc, struct dure_err *err)
{
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc != 0)
        store_rollback(s);
    return rc;
}

/* ---- buildings ---- */

int registry_building_create(struct app *app, const struct principal *actor, struct building *b,
                             struct dure_err *err)
{
    struct store *s = NULL;
    int64_t existing;
    int changed = 0;
    int rc = building_validate(b, err);
    if (rc == 0)
        rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    if ((rc = store_begin(s, err)) != 0)
        return rc;
    rc = store_building_find(s, b->name, &existing, err);
    if (rc == 0)
        rc = dure_err_set(err, DURE_ECONFLICT, "a building named %s exists (id %lld)", b->name,
                          (long long)existing);
    else if (rc == DURE_ENOTFOUND)
        rc = store_building_upsert(s, b, &b->id, &changed, err);
    if (rc == 0)
        rc = registry__record_building(s, actor, "building.registered", b, err);
    return finish(s, rc, err);
}

int registry_building_update(struct app *app, const struct principal *actor,
                             const struct building *b, struct dure_err *err)
{
    struct store *s = NULL;
    int changed = 0;
    int rc = building_validate(b, err);
    if (rc == 0)
        rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    if ((rc = store_begin(s, err)) != 0)
        return rc;
    rc = store_building_update(s, b, &changed, err);
    if (rc == DURE_ECONFLICT)
        dure_err_set(err, DURE_ECONFLICT, "another building is named %s", b->name);
    if (rc == 0 && changed)
        rc = registry__record_building(s, actor, "building.changed", b, err);
    return finish(s, rc, err);
}

int registry_building_delete(struct app *app, const struct principal *actor, int64_t id,
                             struct dure_err *err)
{
    struct store *s = NULL;
    struct building b;
    int rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    if ((rc = store_begin(s, err)) != 0)
        return rc;
    rc = store_building_get(s, id, &b, err);
    if (rc == 0)
        rc = store_building_delete(s, id, err);
    if (rc == 0)
        rc = registry__record_building(s, actor, "building.deleted", &b, err);
    return finish(s, rc, err);
}

int registry_building_get(struct app *app, int64_t id, struct building *out,
                          struct dure_err *err)
{
    struct store *s = NULL;
    int rc = app_store(app, &s, err);
    return rc != 0 ? rc : store_building_get(s, id, out, err);
}

int registry_building_list(struct app *app, int64_t after_id, size_t limit,
                           struct building **items, size_t *n, struct dure_err *err)
{
    struct store *s = NULL;
    int rc = app_store(app, &s, err);
    return rc != 0 ? rc : store_building_list(s, after_id, limit, items, n, err);
}

/* ---- firms ---- */

/* Validate f and check that its building exists. */
static int firm_check(struct store *s, const struct firm *f, struct dure_err *err)
{
    char brn[BRN_SIZE];
    int rc = brn_parse(f->brn, brn, err);
    if (rc == 0)
        rc = firm_validate(f, err);
    if (rc == 0 && f->building_id > 0) {
        struct building b;
        rc = store_building_get(s, f->building_id, &b, err);
        if (rc == DURE_ENOTFOUND)
            rc = dure_err_set(err, DURE_EINVAL, "building_id: no building %lld",
                              (long long)f->building_id);
    }
    return rc;
}

static int firm_write(struct app *app, const struct principal *actor, const struct firm *f,
                      int create, struct dure_err *err)
{
    struct store *s = NULL;
    struct firm old;
    int changed = 0;
    int rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    if ((rc = store_begin(s, err)) != 0)
        return rc;
    rc = firm_check(s, f, err);
    if (rc == 0) {
        rc = store_firm_get(s, f->brn, &old, err);
        if (create && rc == 0)
            rc = dure_err_set(err, DURE_ECONFLICT, "firm %s is already registered", f->brn);
        else if (!create && rc == DURE_ENOTFOUND)
            rc = dure_err_set(err, DURE_ENOTFOUND, "firm %s is not registered", f->brn);
        else if (create && rc == DURE_ENOTFOUND)
            rc = 0;
    }
    if (rc == 0)
        rc = store_firm_upsert(s, f, &changed, err);
    if (rc == 0 && changed)
        rc = registry__record_firm(s, actor, changed == 1 ? "firm.registered" : "firm.changed", f, err);
    return finish(s, rc, err);
}

int registry_firm_create(struct app *app, const struct principal *actor, const struct firm *f,
                         struct dure_err *err)
{
    return firm_write(app, actor, f, 1, err);
}

int registry_firm_update(struct app *app, const struct principal *actor, const struct firm *f,
                         struct dure_err *err)
{
    return firm_write(app, actor, f, 0, err);
}

int registry_firm_delete(struct app *app, const struct principal *actor, const char *brn,
                         struct dure_err *err)
{
    struct store *s = NULL;
    struct firm f;
    int rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    if ((rc = store_begin(s, err)) != 0)
        return rc;
    rc = store_firm_get(s, brn, &f, err);
    if (rc == 0)
        rc = store_firm_delete(s, brn, err);
    if (rc == 0)
        rc = registry__record_firm(s, actor, "firm.deleted", &f, err);
    return finish(s, rc, err);
}

int registry_firm_get(struct app *app, const char *brn, struct firm *out, struct dure_err *err)
{
    struct store *s = NULL;
    int rc = app_store(app, &s, err);
    return rc != 0 ? rc : store_firm_get(s, brn, out, err);
}

int registry_firm_list(struct app *app, const struct firm_filter *filter, struct firm **items,
                       size_t *n, struct dure_err *err)
{
    struct store *s = NULL;
    int rc = app_store(app, &s, err);
    return rc != 0 ? rc : store_firm_list(s, filter, items, n, err);
}

int registry_summary(struct app *app, struct store_summary *out, struct dure_err *err)
{
    struct store *s = NULL;
    int rc = app_store(app, &s, err);
    return rc != 0 ? rc : store_summary(s, out, err);
}

/* ---- member register ---- */

static void today(char out[REG_DATE_SIZE])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, REG_DATE_SIZE, "%Y-%m-%d", &tm);
}

/* The 30% cap over the register as it now stands inside the open transaction. */
int registry__check_share_cap(struct store *s, struct dure_err *err)
{
    struct member *ms = NULL;
    int64_t *shares = NULL;
    size_t n = 0, over = 0;
    int rc = store_member_list(s, 1, &ms, &n, err);
    if (rc != 0 || n < COOP_SHARE_CAP_MIN_MEMBERS)
        goto out;
    shares = malloc(n * sizeof(*shares));
    if (shares == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        shares[i] = ms[i].shares;
    if (coop_share_cap_check(shares, n, &over, err) != 0) {
        int64_t total = 0;
        for (size_t i = 0; i < n; i++)
            total += shares[i];
        rc = dure_err_set(err, DURE_ECONFLICT,
                          "member %s would hold %lld of %lld shares, above the %d%% cap "
                          "(Framework Act on Cooperatives art. 22)",
                          ms[over].brn, (long long)ms[over].shares, (long long)total,
                          COOP_SHARE_CAP_PERCENT);
    }
out:
    free(shares);
    free(ms);
    return rc;
}

int registry_member_admit(struct app *app, const struct principal *actor, const char *brn_in,
                          const char *date, int64_t shares, int64_t paid_in_krw,
                          struct dure_err *err)
{
    struct store *s = NULL;
    struct member m, old;
    struct firm f;
    int changed = 0;
    memset(&m, 0, sizeof(m));
    int rc = brn_parse(brn_in, m.brn, err);
    if (rc != 0)
        return rc;
    if (date != NULL && !date_valid(date))
        return dure_err_set(err, DURE_EINVAL, "date: not a real date YYYY-MM-DD");
    if (shares <= 0)
        return dure_err_set(err, DURE_EINVAL, "shares: at least 1");
    if (paid_in_krw < 0)
        return dure_err_set(err, DURE_EINVAL, "paid_in_krw: not negative");
    if (date != NULL)
        str_copy(m.admitted_on, date, sizeof(m.admitted_on));
    else
        today(m.admitted_on);
    m.shares = shares;
    m.paid_in_krw = paid_in_krw;
    if ((rc = app_store(app, &s, err)) != 0)
        return rc;
    if ((rc = store_begin(s, err)) != 0)
        return rc;
    rc = store_firm_get(s, m.brn, &f, err);
    if (rc == DURE_ENOTFOUND)
        rc = dure_err_set(err, DURE_ENOTFOUND, "firm %s is not registered", m.brn);
    if (rc == 0) {
        int had = store_member_get(s, m.brn, &old, err);
        if (had == 0 && old.withdrawn_on[0] == '\0' && date == NULL)
            str_copy(m.admitted_on, old.admitted_on, sizeof(m.admitted_on));
        rc = (had == 0 || had == DURE_ENOTFOUND) ? 0 : had;
    }
    if (rc == 0)
        rc = store_member_put(s, &m, &changed, err);
    if (rc == 0)
        rc = registry__check_share_cap(s, err);
    if (rc == 0 && changed)
        rc = registry__record_member(s, actor, changed == 1 ? "member.admitted" : "member.changed", &m,
                           err);
    return finish(s, rc, err);
}

int registry_member_withdraw(struct app *app, const struct principal *actor, const char *brn_in,
                             const char *date, struct dure_err *err)
{
    struct store *s = NULL;
    struct member m;
    char brn[BRN_SIZE];
    int changed = 0;
    int rc = brn_parse(brn_in, brn, err);
    if (rc != 0)
        return rc;
    if (date != NULL && !date_valid(date))
        return dure_err_set(err, DURE_EINVAL, "date: not a real date YYYY-MM-DD");
    if ((rc = app_store(app, &s, err)) != 0)
        return rc;
    if ((rc = store_begin(s, err)) != 0)
        return rc;
    rc = store_member_get(s, brn, &m, err);
    if (rc == 0 && m.withdrawn_on[0] != '\0')
        rc = dure_err_set(err, DURE_ECONFLICT, "%s already withdrew on %s", brn, m.withdrawn_on);
    if (rc == 0) {
        if (date != NULL)
            str_copy(m.withdrawn_on, date, sizeof(m.withdrawn_on));
        else
            today(m.withdrawn_on);
        if (strcmp(m.withdrawn_on, m.admitted_on) < 0)
            rc = dure_err_set(err, DURE_EINVAL, "date: before admission on %s", m.admitted_on);
    }
    if (rc == 0)
        rc = store_member_put(s, &m, &changed, err);
    if (rc == 0)
        rc = registry__check_share_cap(s, err);
    if (rc == 0)
        rc = registry__record_member(s, actor, "member.withdrawn", &m, err);
    return finish(s, rc, err);
}

int registry_member_list(struct app *app, int active_only, struct member **items, size_t *n,
                         struct dure_err *err)
{
    struct store *s = NULL;
    int rc = app_store(app, &s, err);
    return rc != 0 ? rc : store_member_list(s, active_only, items, n, err);
}

/* A CSV field, quoted when it needs to be. */
static void csv_put(FILE *out, const char *v, int last)
{
    if (strpbrk(v, ",\"\r\n") != NULL) {
        fputc('"', out);
        for (; *v != '\0'; v++) {
            if (*v == '"')
                fputc('"', out);
            fputc(*v, out);
        }
        fputc('"', out);
    } else {
        fputs(v, out);
    }
    fputs(last ? "\r\n" : ",", out);
}

int registry_member_export_csv(struct app *app, FILE *out, struct dure_err *err)
{
    struct member *ms = NULL;
    size_t n = 0;
    int rc = registry_member_list(app, 0, &ms, &n, err);
    if (rc != 0)
        return rc;
    fputs("\xEF\xBB\xBF", out);
    fputs("사업자등록번호,회사명,가입일,탈퇴일,출자좌수,납입출자금\r\n", out);
    for (size_t i = 0; i < n; i++) {
        char brn[BRN_FORMATTED_SIZE], num[32];
        brn_format(ms[i].brn, brn);
        csv_put(out, brn, 0);
        csv_put(out, ms[i].firm_name, 0);
        csv_put(out, ms[i].admitted_on, 0);
        csv_put(out, ms[i].withdrawn_on, 0);
        snprintf(num, sizeof(num), "%lld", (long long)ms[i].shares);
        csv_put(out, num, 0);
        snprintf(num, sizeof(num), "%lld", (long long)ms[i].paid_in_krw);
        csv_put(out, num, 1);
    }
    free(ms);
    if (ferror(out))
        return dure_err_set(err, DURE_EIO, "cannot write the register");
    return 0;
}
