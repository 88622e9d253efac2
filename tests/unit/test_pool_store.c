/* SPDX-License-Identifier: Apache-2.0 */
/* store_invoice_put_batch against its definition: n calls of store_invoice_put in order. A
 * seeded series of uploads (new invoices, the other party's copies, conflicting facts, the
 * same approval number twice in one batch, complete item lists replacing a list export's line)
 * runs one invoice at a time on SQLite and in batches of varying sizes on SQLite and, when
 * $DURE_TEST_PG_URL names a server (scripts/pg.sh start DIR), on PostgreSQL; the outcomes,
 * the stored invoices and the rollups must read the same. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store_test.h"
#include "util/str.h"

#define APPROVALS 90
#define UPLOADS 14

/* ---- a seeded series of uploads ---- */

/* xorshift64*: the banned rand() is not needed for a fixed sequence. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

static const char *const firms[] = {"1018100340", "1248100998", "2208162517", "1138115643"};
#define NFIRMS (sizeof(firms) / sizeof(firms[0]))
static const char *const outsider = "6098200110"; /* a supplier or buyer that is not registered */

/* The facts of approval number a: its parties, date and amounts. Invoices from even numbers
 * are between two registered firms, so both sides upload them; every seventh goes to a
 * private person. */
static void canonical(struct pool_invoice *v, struct pool_item *item, unsigned a)
{
    memset(v, 0, sizeof(*v));
    memset(item, 0, sizeof(*item));
    snprintf(v->approval_no, sizeof(v->approval_no), "2025%02u%02u%08u%08u", 1 + a % 12,
             1 + a % 28, 41000000 + a % 7, 900000 + a);
    snprintf(v->written_on, sizeof(v->written_on), "2025-%02u-%02u", 1 + a % 12, 1 + a % 28);
    str_copy(v->issued_on, a % 5 == 0 ? "" : v->written_on, sizeof(v->issued_on));
    str_copy(v->supplier_brn, a % 4 == 3 ? outsider : firms[a % NFIRMS], sizeof(v->supplier_brn));
    str_copy(v->supplier_name, "든솔금속\t(주)", sizeof(v->supplier_name));
    str_copy(v->supplier_branch, a % 9 == 0 ? "0001" : "", sizeof(v->supplier_branch));
    if (a % 7 == 6) {
        v->buyer_kind = POOL_PARTY_PERSON;
    } else {
        v->buyer_kind = POOL_PARTY_BUSINESS;
        str_copy(v->buyer_brn, a % 2 == 0 ? firms[(a / 2 + 1) % NFIRMS] : outsider,
                 sizeof(v->buyer_brn));
        if (strcmp(v->buyer_brn, v->supplier_brn) == 0)
            str_copy(v->buyer_brn, firms[(a / 2 + 2) % NFIRMS], sizeof(v->buyer_brn));
        str_copy(v->buyer_name, "한결\\기계", sizeof(v->buyer_name));
    }
    v->supply_krw = 10000 * (int64_t)(a + 1);
    v->tax_krw = a % 11 == 0 ? 0 : v->supply_krw / 10;
    v->tax_exempt = a % 11 == 0;
    v->total_krw = v->supply_krw + v->tax_krw;
    str_copy(v->kind, a % 3 == 0 ? "영세율" : "일반", sizeof(v->kind));
    v->receipt = (int)(a % 2);
    str_copy(item->date, v->written_on, sizeof(item->date));
    snprintf(item->name, sizeof(item->name), "품목 %u 외 2건\n", a);
    str_copy(item->spec, "규격 A", sizeof(item->spec));
    item->qty_milli = 1500 * (int64_t)(a % 5 + 1);
    item->unit_price_krw = 1000;
    item->supply_krw = v->supply_krw;
    item->tax_krw = v->tax_krw;
    v->nitems = 1;
    v->items = item;
}

/* One upload's invoices: the firm's side of some approval numbers, in random order, some
 * twice, some with a fact changed, some carrying every line item (as a KEC XML does). */
struct upload_plan {
    const char *firm;
    enum pool_side side;
    size_t n;
    struct pool_invoice invs[APPROVALS * 2];
    struct pool_item items[APPROVALS * 2][4];
};

static void plan_upload(struct upload_plan *p, uint64_t *rnd, size_t k)
{
    p->firm = firms[k % NFIRMS];
    p->side = (k / NFIRMS) % 2 == 0 ? POOL_SIDE_ISSUED : POOL_SIDE_RECEIVED;
    p->n = 0;
    for (unsigned a = 0; a < APPROVALS; a++) {
        struct pool_invoice v;
        struct pool_item item;
        canonical(&v, &item, a);
        const char *mine = p->side == POOL_SIDE_ISSUED ? v.supplier_brn : v.buyer_brn;
        if (strcmp(mine, p->firm) != 0 || next_random(rnd) % 3 == 0)
            continue;
        int copies = next_random(rnd) % 6 == 0 ? 2 : 1;
        for (int c = 0; c < copies; c++) {
            struct pool_invoice *w = &p->invs[p->n];
            struct pool_item *its = p->items[p->n];
            *w = v;
            its[0] = item;
            w->items = its;
            uint64_t r = next_random(rnd) % 24;
            if (r == 0) {
                w->total_krw += 1; /* 합계금액 and 세액 differ */
                w->tax_krw += 1;
            } else if (r == 1) {
                str_copy(w->written_on, "2025-12-31", sizeof(w->written_on));
            } else if (r == 2 && w->buyer_kind == POOL_PARTY_BUSINESS) {
                str_copy(w->buyer_brn, "5558100005", sizeof(w->buyer_brn));
            } else if (r == 3) {
                w->supply_krw += 7;
                w->total_krw += 7;
            } else if (r >= 4 && r <= 8) {
                /* Every line of the invoice, as a KEC XML document carries them. */
                w->items_complete = 1;
                w->nitems = 1 + r % 4;
                for (size_t j = 0; j < w->nitems; j++) {
                    its[j] = item;
                    snprintf(its[j].name, sizeof(its[j].name), "XML 품목 %u-%zu", a, j + 1);
                    its[j].qty_milli = 1000 * (int64_t)(j + 1);
                }
            } else if (r == 9) {
                w->nitems = 0; /* no item at all */
            }
            p->n++;
        }
    }
    /* Shuffle, so that duplicates are not always adjacent. */
    for (size_t i = p->n; i > 1; i--) {
        size_t j = (size_t)(next_random(rnd) % i);
        struct pool_invoice tv = p->invs[i - 1];
        p->invs[i - 1] = p->invs[j];
        p->invs[j] = tv;
        struct pool_item ti[4];
        memcpy(ti, p->items[i - 1], sizeof(ti));
        memcpy(p->items[i - 1], p->items[j], sizeof(ti));
        memcpy(p->items[j], ti, sizeof(ti));
    }
    for (size_t i = 0; i < p->n; i++)
        p->invs[i].items = p->items[i];
}

static void say_invoices(struct transcript *t, struct store *s, const char *firm, int side)
{
    struct invoice_filter fl = {.firm = firm, .month = NULL, .side = side, .limit = 1000};
    struct pool_invoice *items = NULL;
    size_t n = 0;
    struct dure_err err;
    assert_int_equal(store_invoice_list(s, &fl, &items, &n, &err), 0);
    say(t, "invoices of %s side %d: %zu\n", firm, side, n);
    for (size_t i = 0; i < n; i++) {
        const struct pool_invoice *v = &items[i];
        say(t, "  %s|%s|%s|%s|%s|%s|%d|%s|%s|%lld|%lld|%lld|%d|%s|%d|%d|%zu", v->approval_no,
            v->written_on, v->issued_on, v->supplier_brn, v->supplier_branch, v->supplier_name,
            (int)v->buyer_kind, v->buyer_brn, v->buyer_name, (long long)v->total_krw,
            (long long)v->supply_krw, (long long)v->tax_krw, v->tax_exempt, v->kind, v->receipt,
            v->items_complete, v->nitems);
        if (v->nitems > 0)
            say(t, "|%s|%s|%s|%lld|%lld", v->items[0].date, v->items[0].name, v->items[0].spec,
                (long long)v->items[0].qty_milli, (long long)v->items[0].supply_krw);
        say(t, "\n");
    }
    store_invoices_free(items, n);
}

static void say_rollups(struct transcript *t, struct store *s, const char *firm)
{
    struct firm_month *m = NULL;
    size_t n = 0;
    struct dure_err err;
    assert_int_equal(store_rollup_list(s, firm, &m, &n, &err), 0);
    for (size_t i = 0; i < n; i++)
        say(t, "rollup %s %s %lld %lld %lld %lld %lld\n", m[i].brn, m[i].month,
            (long long)m[i].sales_krw, (long long)m[i].purchases_krw,
            (long long)m[i].cluster_purchases_krw, (long long)m[i].invoices_issued,
            (long long)m[i].invoices_received);
    free(m);
}

static const char *const outcome_names[] = {"new", "linked", "unchanged", "upgraded", "conflict"};

/* Run the series on s: batch_max 0 stores one invoice at a time with store_invoice_put, else
 * in batches of 1..batch_max invoices (sizes drawn from the seed). */
static void run_series(struct store *s, struct transcript *t, uint64_t seed, size_t batch_max)
{
    struct dure_err err;
    struct upload_plan *plan = calloc(1, sizeof(*plan));
    enum store_invoice_outcome *outcomes = calloc(APPROVALS * 2, sizeof(*outcomes));
    char(*why)[STORE_INVOICE_WHY_SIZE] = calloc(APPROVALS * 2, sizeof(*why));
    uint64_t rnd = seed, sizes = seed ^ UINT64_C(0x9E3779B97F4A7C15);
    int changed = 0;
    assert_non_null(plan);
    assert_non_null(outcomes);
    assert_non_null(why);

    for (size_t i = 0; i < NFIRMS; i++) {
        struct firm f;
        memset(&f, 0, sizeof(f));
        str_copy(f.brn, firms[i], sizeof(f.brn));
        snprintf(f.name, sizeof(f.name), "회원사 %zu", i + 1);
        str_copy(f.ksic, "25112", sizeof(f.ksic));
        assert_int_equal(store_firm_upsert(s, &f, &changed, &err), 0);
    }
    for (size_t k = 0; k < UPLOADS; k++) {
        struct pool_upload u;
        plan_upload(plan, &rnd, k);
        memset(&u, 0, sizeof(u));
        str_copy(u.firm, plan->firm, sizeof(u.firm));
        str_copy(u.kind, "invoices", sizeof(u.kind));
        snprintf(u.sha256, sizeof(u.sha256), "%064zu", k);
        str_copy(u.format, "csv (UTF-8)", sizeof(u.format));
        str_copy(u.created_at, "2026-02-01T00:00:00Z", sizeof(u.created_at));
        assert_int_equal(store_begin(s, &err), 0);
        assert_int_equal(store_upload_create(s, &u, &err), 0);
        memset(why, 0, APPROVALS * 2 * sizeof(*why));
        if (batch_max == 0) {
            for (size_t i = 0; i < plan->n; i++)
                assert_int_equal(store_invoice_put(s, u.id, plan->firm, plan->side,
                                                   &plan->invs[i], &outcomes[i], why[i],
                                                   sizeof(why[i]), &err),
                                 0);
        } else {
            for (size_t i = 0; i < plan->n;) {
                size_t m = 1 + (size_t)(next_random(&sizes) % batch_max);
                if (m > plan->n - i)
                    m = plan->n - i;
                int rc = store_invoice_put_batch(s, u.id, plan->firm, plan->side, &plan->invs[i],
                                                 m, &outcomes[i], &why[i], &err);
                if (rc != 0)
                    fail_msg("batch: %s", err.msg);
                i += m;
            }
        }
        say(t, "upload %zu of %s side %d: %zu invoices\n", k, plan->firm, (int)plan->side,
            plan->n);
        for (size_t i = 0; i < plan->n; i++)
            say(t, "  %s %s%s%s\n", plan->invs[i].approval_no, outcome_names[outcomes[i]],
                outcomes[i] == STORE_INVOICE_CONFLICT ? ": " : "",
                outcomes[i] == STORE_INVOICE_CONFLICT ? why[i] : "");
        assert_int_equal(store_rollup_refresh(s, plan->firm, &err), 0);
        assert_int_equal(store_commit(s, &err), 0);
    }
    for (size_t i = 0; i < NFIRMS; i++) {
        say_invoices(t, s, firms[i], POOL_SIDE_ISSUED);
        say_invoices(t, s, firms[i], POOL_SIDE_RECEIVED);
        say_rollups(t, s, firms[i]);
    }
    free(why);
    free(outcomes);
    free(plan);
}

/* ---- stores ---- */

struct sqlite_tmp {
    char dir[64];
    char path[96];
};

static struct store *sqlite_open(struct sqlite_tmp *tmp)
{
    struct store *s = NULL;
    struct dure_err err;
    str_copy(tmp->dir, "/tmp/dure-test-pool-store-XXXXXX", sizeof(tmp->dir));
    assert_non_null(mkdtemp(tmp->dir));
    snprintf(tmp->path, sizeof(tmp->path), "%s/t.db", tmp->dir);
    assert_int_equal(store_open(tmp->path, &s, &err), 0);
    assert_int_equal(store_migrate(s, &err), 0);
    return s;
}

static void sqlite_done(struct store *s, struct sqlite_tmp *tmp)
{
    char p[128];
    const char *suffix[] = {"", "-wal", "-shm"};
    store_close(s);
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", tmp->path, suffix[i]);
        unlink(p);
    }
    rmdir(tmp->dir);
}

/* An empty public schema with every migration applied (never point this at a database you
 * care about). */
static struct store *pg_open_fresh(void)
{
    struct store *s = NULL;
    struct dure_err err;
    PGconn *c = PQconnectdb(pg_url());
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    PGresult *r = PQexec(c, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("reset schema: %s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    assert_int_equal(store_open(pg_url(), &s, &err), 0);
    assert_int_equal(store_migrate(s, &err), 0);
    return s;
}

/* ---- tests ---- */

static const uint64_t seeds[] = {1, 7, 2026};
static const size_t batch_sizes[] = {1, 3, 64, STORE_INVOICE_BATCH_MAX};

static void sqlite_batches_match_one_at_a_time(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
        struct transcript want, got;
        struct sqlite_tmp ta, tb;
        transcript_init(&want);
        struct store *a = sqlite_open(&ta);
        run_series(a, &want, seeds[k], 0);
        sqlite_done(a, &ta);
        /* The series must meet every case it is there for. */
        assert_non_null(strstr(want.buf, " linked\n"));
        assert_non_null(strstr(want.buf, " unchanged\n"));
        assert_non_null(strstr(want.buf, " upgraded\n"));
        assert_non_null(strstr(want.buf, " conflict: "));
        for (size_t b = 0; b < sizeof(batch_sizes) / sizeof(batch_sizes[0]); b++) {
            transcript_init(&got);
            struct store *s = sqlite_open(&tb);
            run_series(s, &got, seeds[k], batch_sizes[b]);
            sqlite_done(s, &tb);
            transcript_same(&want, &got, "sqlite batches");
            free(got.buf);
        }
        free(want.buf);
    }
}

static void postgres_batches_match_sqlite(void **state)
{
    (void)state;
    if (pg_url() == NULL) {
        print_message("DURE_TEST_PG_URL is not set: skipped (scripts/pg.sh start DIR)\n");
        skip();
    }
    for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
        struct transcript want, got;
        struct sqlite_tmp ta;
        transcript_init(&want);
        struct store *a = sqlite_open(&ta);
        run_series(a, &want, seeds[k], 0);
        sqlite_done(a, &ta);
        for (size_t b = 0; b < sizeof(batch_sizes) / sizeof(batch_sizes[0]); b++) {
            transcript_init(&got);
            struct store *s = pg_open_fresh();
            run_series(s, &got, seeds[k], batch_sizes[b]);
            store_close(s);
            transcript_same(&want, &got, "postgres batches");
            free(got.buf);
        }
        /* The one-at-a-time path of the PostgreSQL driver agrees as well. */
        transcript_init(&got);
        struct store *s = pg_open_fresh();
        run_series(s, &got, seeds[k], 0);
        store_close(s);
        transcript_same(&want, &got, "postgres one at a time");
        free(got.buf);
        free(want.buf);
    }
}

/* A batch that fails (here: an upload id that does not exist) leaves nothing once the
 * transaction is rolled back, and the error is a conflict on both drivers. */
static void failed_batch_rolls_back(struct store *s)
{
    struct dure_err err;
    struct pool_invoice v[3];
    struct pool_item items[3];
    enum store_invoice_outcome outcomes[3];
    char why[3][STORE_INVOICE_WHY_SIZE];
    struct firm f;
    int changed = 0;
    memset(&f, 0, sizeof(f));
    str_copy(f.brn, firms[0], sizeof(f.brn));
    str_copy(f.name, "회원사", sizeof(f.name));
    str_copy(f.ksic, "25112", sizeof(f.ksic));
    assert_int_equal(store_firm_upsert(s, &f, &changed, &err), 0);
    for (unsigned i = 0; i < 3; i++)
        canonical(&v[i], &items[i], 4 * i);
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(store_invoice_put_batch(s, 424242, firms[0], POOL_SIDE_ISSUED, v, 3,
                                             outcomes, why, &err),
                     DURE_ECONFLICT);
    store_rollback(s);
    struct invoice_filter fl = {.firm = firms[0], .side = -1, .limit = 10};
    struct pool_invoice *got = NULL;
    size_t n = 99;
    assert_int_equal(store_invoice_list(s, &fl, &got, &n, &err), 0);
    assert_int_equal(n, 0);
    store_invoices_free(got, n);
    /* Too many at once is refused before anything is sent. */
    assert_int_equal(store_invoice_put_batch(s, 1, firms[0], POOL_SIDE_ISSUED, v,
                                             STORE_INVOICE_BATCH_MAX + 1, outcomes, why, &err),
                     DURE_EINVAL);
}

static void sqlite_failed_batch_rolls_back(void **state)
{
    (void)state;
    struct sqlite_tmp t;
    struct store *s = sqlite_open(&t);
    failed_batch_rolls_back(s);
    sqlite_done(s, &t);
}

static void postgres_failed_batch_rolls_back(void **state)
{
    (void)state;
    if (pg_url() == NULL) {
        print_message("DURE_TEST_PG_URL is not set: skipped (scripts/pg.sh start DIR)\n");
        skip();
    }
    struct store *s = pg_open_fresh();
    failed_batch_rolls_back(s);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sqlite_batches_match_one_at_a_time),
        cmocka_unit_test(sqlite_failed_batch_rolls_back),
        cmocka_unit_test(postgres_batches_match_sqlite),
        cmocka_unit_test(postgres_failed_batch_rolls_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
