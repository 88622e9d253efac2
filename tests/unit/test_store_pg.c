/* SPDX-License-Identifier: Apache-2.0 */
/* The PostgreSQL store against a real server named by $DURE_TEST_PG_URL (scripts/test-pg.sh
 * starts a throwaway one): the behaviours of test_store.c, a transcript of every operation that
 * must read the same on SQLite and PostgreSQL, and concurrent writers. Skipped when unset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store_test.h"
#include "util/buf.h"
#include "util/str.h"

#define WRITER_THREADS 4
#define TX_PER_THREAD 200
#define UPSERT_ROUNDS 25

/* Run sql on a direct libpq connection of the test's own (not through the store). */
static void pg_exec(const char *sql)
{
    PGconn *c = PQconnectdb(pg_url());
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

/* One integer from a query on a direct connection. */
static long long pg_scalar(const char *sql)
{
    PGconn *c = PQconnectdb(pg_url());
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    int64_t v = 0;
    assert_int_equal(str_to_i64(PQgetvalue(r, 0, 0), 0, &v), 0);
    PQclear(r);
    PQfinish(c);
    return (long long)v;
}

static void reset_schema(void)
{
    pg_exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
}

#define NEED_PG(state)                                                                             \
    do {                                                                                           \
        if (*(state) == NULL) {                                                                    \
            print_message("DURE_TEST_PG_URL is not set: skipped "                                  \
                          "(scripts/test-pg.sh BUILD_DIR runs it on a throwaway cluster)\n");      \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* Each test starts on an empty public schema with every migration applied. */
static int setup(void **state)
{
    struct store *s = NULL;
    struct dure_err err;
    *state = NULL;
    if (pg_url() == NULL)
        return 0;
    reset_schema();
    if (store_open(pg_url(), &s, &err) != 0 || store_migrate(s, &err) != 0) {
        print_error("setup: %s\n", err.msg);
        store_close(s);
        return -1;
    }
    *state = s;
    return 0;
}

/* The same without migrating. */
static int setup_bare(void **state)
{
    struct store *s = NULL;
    struct dure_err err;
    *state = NULL;
    if (pg_url() == NULL)
        return 0;
    reset_schema();
    if (store_open(pg_url(), &s, &err) != 0) {
        print_error("setup: %s\n", err.msg);
        return -1;
    }
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    store_close(*state);
    return 0;
}

static void migrations_apply_once(void **state)
{
    NEED_PG(state);
    struct store *s = *state;
    struct dure_err err;
    int v = 0, latest = 0;
    assert_int_equal(store_schema_version(s, &v, &latest, &err), 0);
    assert_true(latest >= 1);
    assert_int_equal(v, latest);
    assert_int_equal(store_migrate(s, &err), 0);
    assert_int_equal(store_schema_version(s, &v, &latest, &err), 0);
    assert_int_equal(v, latest);
    assert_string_equal(store_driver_name(s), "postgres");
    assert_int_equal(pg_scalar("SELECT count(*) FROM schema_migrations"), latest);
}

static void empty_database_is_version_0(void **state)
{
    NEED_PG(state);
    struct store *s = *state;
    struct dure_err err;
    int v = -1, latest = 0;
    assert_int_equal(store_schema_version(s, &v, &latest, &err), 0);
    assert_int_equal(v, 0);
    /* Reading the version creates nothing. */
    assert_int_equal(pg_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), 0);
    assert_int_equal(store_migrate(s, &err), 0);
    assert_int_equal(store_schema_version(s, &v, &latest, &err), 0);
    assert_int_equal(v, latest);
}

static void newer_schema_is_refused(void **state)
{
    NEED_PG(state);
    struct store *s = *state;
    struct dure_err err;
    pg_exec("INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01T00:00:00Z')");
    assert_int_equal(store_migrate(s, &err), DURE_ECONFLICT);
    assert_non_null(strstr(err.msg, "newer"));
}

static void building_and_firm_upsert_detect_changes(void **state)
{
    NEED_PG(state);
    struct store *s = *state;
    struct dure_err err;
    struct building b;
    int64_t id = 0, id2 = 0;
    int changed = -1;
    memset(&b, 0, sizeof(b));
    str_copy(b.name, "에이스하이엔드타워 3차", sizeof(b.name));
    b.complex = 3;
    b.is_centre = 1;
    b.floors = 20;
    b.gross_floor_area_m2 = 52110.25;
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(store_building_upsert(s, &b, &id, &changed, &err), 0);
    assert_int_equal(changed, 1);
    assert_int_equal(store_building_upsert(s, &b, &id2, &changed, &err), 0);
    assert_int_equal(changed, 0);
    assert_int_equal(id, id2);
    b.floors = 21;
    assert_int_equal(store_building_upsert(s, &b, &id2, &changed, &err), 0);
    assert_int_equal(changed, 2);

    struct firm f, got;
    memset(&f, 0, sizeof(f));
    str_copy(f.brn, "1248100998", sizeof(f.brn));
    str_copy(f.name, "(주)한빛테크", sizeof(f.name));
    str_copy(f.ksic, "26299", sizeof(f.ksic));
    f.building_id = id;
    f.employees = 12;
    assert_int_equal(store_firm_upsert(s, &f, &changed, &err), 0);
    assert_int_equal(changed, 1);
    assert_int_equal(store_firm_upsert(s, &f, &changed, &err), 0);
    assert_int_equal(changed, 0);
    f.employees = 13;
    assert_int_equal(store_firm_upsert(s, &f, &changed, &err), 0);
    assert_int_equal(changed, 2);
    assert_int_equal(store_commit(s, &err), 0);

    assert_int_equal(store_firm_get(s, "1248100998", &got, &err), 0);
    assert_int_equal(got.employees, 13);
    assert_int_equal(got.building_id, id);
    assert_string_equal(got.name, "(주)한빛테크");
    assert_int_equal(store_firm_get(s, "1348672683", &got, &err), DURE_ENOTFOUND);

    assert_int_equal(store_building_delete(s, id, &err), DURE_ECONFLICT);
    struct building gb;
    assert_int_equal(store_building_get(s, id, &gb, &err), 0);
    assert_int_equal(gb.firm_count, 1);
    assert_true(gb.gross_floor_area_m2 == 52110.25);
}

static void events_need_a_transaction_and_have_no_gaps(void **state)
{
    NEED_PG(state);
    struct store *s = *state;
    struct dure_err err;
    int64_t seq = -1, n = -1;
    assert_int_equal(store_event_append(s, "k", "s", "{}", 2, &seq, &err), DURE_EINTERNAL);
    assert_int_equal(store_begin(s, &err), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(store_event_append(s, "k", "s", "{\"a\":1}", 7, &seq, &err), 0);
        assert_int_equal(seq, i);
    }
    assert_int_equal(store_commit(s, &err), 0);
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(store_event_append(s, "k", "s", "{}", 2, &seq, &err), 0);
    store_rollback(s);
    assert_int_equal(store_event_count(s, &n, &err), 0);
    assert_int_equal(n, 5);
    char *leaf = NULL;
    size_t len = 0;
    assert_int_equal(store_event_get(s, 4, &leaf, &len, &err), 0);
    assert_string_equal(leaf, "{\"a\":1}");
    assert_int_equal(len, 7);
    free(leaf);
}

static void backup_points_to_pg_dump(void **state)
{
    NEED_PG(state);
    struct dure_err err;
    assert_int_equal(store_backup(*state, "/tmp/never-written.db", &err), DURE_EUNAVAILABLE);
    assert_non_null(strstr(err.msg, "pg_dump"));
    assert_int_equal(access("/tmp/never-written.db", F_OK), -1);
}

/* PostgreSQL aborts a transaction at its first error; a commit after one must not pretend. */
static void commit_after_an_error_is_refused(void **state)
{
    NEED_PG(state);
    struct store *s = *state;
    struct dure_err err;
    struct user u;
    int64_t n = -1;
    memset(&u, 0, sizeof(u));
    str_copy(u.username, "kim", sizeof(u.username));
    str_copy(u.password_hash, "x", sizeof(u.password_hash));
    str_copy(u.created_at, "2026-01-01T00:00:00Z", sizeof(u.created_at));
    assert_int_equal(store_user_create(s, &u, &err), 0);
    assert_int_equal(store_begin(s, &err), DURE_OK);
    assert_int_equal(store_begin(s, &err), DURE_ECONFLICT);
    assert_int_equal(store_event_append(s, "k", "s", "{}", 2, NULL, &err), 0);
    assert_int_equal(store_user_create(s, &u, &err), DURE_ECONFLICT);
    assert_non_null(strstr(err.msg, "already exists"));
    assert_int_not_equal(store_commit(s, &err), 0);
    store_rollback(s);
    assert_int_equal(store_event_count(s, &n, &err), 0);
    assert_int_equal(n, 0);
    /* The connection is usable again. */
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(store_event_append(s, "k", "s", "{}", 2, NULL, &err), 0);
    assert_int_equal(store_commit(s, &err), 0);
    assert_int_equal(store_commit(s, &err), DURE_ESTORE);
}

/* A connection the server dropped between transactions fails one call as unavailable and is
 * re-opened on the next. */
static void a_dropped_connection_is_reopened(void **state)
{
    NEED_PG(state);
    struct store *s = *state;
    struct dure_err err;
    int64_t n = -1;
    assert_int_equal(store_event_count(s, &n, &err), 0);
    assert_true(pg_scalar("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) "
                          "FROM pg_stat_activity WHERE application_name = 'dure') t") >= 1);
    int rc = store_event_count(s, &n, &err);
    if (rc != 0) {
        assert_int_equal(rc, DURE_EUNAVAILABLE);
        assert_int_equal(store_event_count(s, &n, &err), 0);
    }
    assert_int_equal(n, 0);
}

static void unreachable_server_is_a_clear_error_without_the_password(void **state)
{
    (void)state;
    struct store *s = NULL;
    struct dure_err err;
    const char *urls[] = {
        "postgres://dure:s3cr%65t-pw@127.0.0.1:1/x",
        "postgresql://dure@127.0.0.1:1/x?password=s3cret-pw&sslmode=disable",
        "postgres://dure:s3cret-pw%zz@127.0.0.1:1/x",
    };
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        assert_int_equal(store_open(urls[i], &s, &err), DURE_EUNAVAILABLE);
        assert_null(s);
        assert_non_null(strstr(err.msg, "PostgreSQL"));
        assert_null(strstr(err.msg, "s3cr"));
        assert_null(strchr(err.msg, '\n'));
    }
}

/* ---- the same transcript on SQLite and PostgreSQL ---- */

/* A result: the code's name, and the message when the driver wrote it itself. */
static void said(struct transcript *t, const char *what, int rc, const struct dure_err *err)
{
    if (rc == 0)
        say(t, "%s: ok\n", what);
    else if (rc == DURE_ESTORE || rc == DURE_EUNAVAILABLE)
        say(t, "%s: %s\n", what, dure_err_name(rc));
    else
        say(t, "%s: %s %s\n", what, dure_err_name(rc), err->msg);
}

static void say_firms(struct transcript *t, struct store *s, const struct firm_filter *fl)
{
    struct firm *items = NULL;
    size_t n = 0;
    struct dure_err err;
    said(t, "firm_list", store_firm_list(s, fl, &items, &n, &err), &err);
    for (size_t i = 0; i < n; i++)
        say(t, "  %s|%s|%s|%lld|%d|%s|%lld|%d|%d\n", items[i].brn, items[i].name, items[i].ksic,
            (long long)items[i].building_id, items[i].floor, items[i].unit,
            (long long)items[i].employees, (int)items[i].status, items[i].member);
    free(items);
}

static void say_members(struct transcript *t, struct store *s, int active_only)
{
    struct member *items = NULL;
    size_t n = 0;
    struct dure_err err;
    said(t, "member_list", store_member_list(s, active_only, &items, &n, &err), &err);
    for (size_t i = 0; i < n; i++)
        say(t, "  %s|%s|%s|%s|%lld|%lld\n", items[i].brn, items[i].firm_name, items[i].admitted_on,
            items[i].withdrawn_on, (long long)items[i].shares, (long long)items[i].paid_in_krw);
    free(items);
}

static void say_buildings(struct transcript *t, struct store *s, int64_t after, size_t limit)
{
    struct building *items = NULL;
    size_t n = 0;
    struct dure_err err;
    said(t, "building_list", store_building_list(s, after, limit, &items, &n, &err), &err);
    for (size_t i = 0; i < n; i++)
        say(t, "  %lld|%s|%d|%d|%s|%d|%.17g|%.17g|%lld\n", (long long)items[i].id, items[i].name,
            items[i].complex, items[i].is_centre, items[i].road_address, items[i].floors,
            items[i].building_area_m2, items[i].gross_floor_area_m2,
            (long long)items[i].firm_count);
    free(items);
}

static void make_firm(struct firm *f, const char *brn, const char *name, const char *ksic,
                      int64_t building, int64_t employees)
{
    memset(f, 0, sizeof(*f));
    str_copy(f->brn, brn, sizeof(f->brn));
    str_copy(f->name, name, sizeof(f->name));
    str_copy(f->ksic, ksic, sizeof(f->ksic));
    f->building_id = building;
    f->employees = employees;
    f->floor = -1;
    str_copy(f->unit, "B101호", sizeof(f->unit));
}

static void make_member(struct member *m, const char *brn, const char *on, const char *off,
                        int64_t shares)
{
    memset(m, 0, sizeof(*m));
    str_copy(m->brn, brn, sizeof(m->brn));
    str_copy(m->admitted_on, on, sizeof(m->admitted_on));
    str_copy(m->withdrawn_on, off, sizeof(m->withdrawn_on));
    m->shares = shares;
    m->paid_in_krw = shares * 10000;
}

/* Every operation of the interface, results written down; errors that abort a PostgreSQL
 * transaction are made outside transactions, as the app rolls back at the first error. */
static void exercise(struct store *s, struct transcript *t)
{
    struct dure_err err;
    int rc, changed = -1, v = 0, latest = 0;
    int64_t id = 0, a = 0, b = 0, seq = -1, n = -1;
    struct building bd;
    struct firm f;
    struct member m;

    said(t, "migrate", store_migrate(s, &err), &err);
    rc = store_schema_version(s, &v, &latest, &err);
    say(t, "version %d rc %d\n", v == latest, rc);
    said(t, "commit without begin", store_commit(s, &err), &err);
    said(t, "event outside tx", store_event_append(s, "k", "s", "{}", 2, NULL, &err), &err);

    /* Buildings. */
    said(t, "begin", store_begin(s, &err), &err);
    said(t, "begin again", store_begin(s, &err), &err);
    memset(&bd, 0, sizeof(bd));
    str_copy(bd.name, "에이스하이엔드타워 3차", sizeof(bd.name));
    bd.complex = 3;
    bd.is_centre = 1;
    bd.floors = 20;
    bd.building_area_m2 = 1234.5678901234567;
    bd.gross_floor_area_m2 = 52110.25;
    str_copy(bd.road_address, "서울특별시 금천구 가산디지털1로 145", sizeof(bd.road_address));
    rc = store_building_upsert(s, &bd, &a, &changed, &err);
    say(t, "building A rc %d changed %d id %lld\n", rc, changed, (long long)a);
    rc = store_building_upsert(s, &bd, &id, &changed, &err);
    say(t, "building A again rc %d changed %d same id %d\n", rc, changed, id == a);
    bd.is_centre = 7; /* any non-zero is a centre: unchanged */
    rc = store_building_upsert(s, &bd, &id, &changed, &err);
    say(t, "building A is_centre 7 rc %d changed %d\n", rc, changed);
    memset(&bd, 0, sizeof(bd));
    str_copy(bd.name, "구로동 공장", sizeof(bd.name));
    bd.complex = 1;
    rc = store_building_upsert(s, &bd, &b, &changed, &err);
    say(t, "building B rc %d changed %d id %lld\n", rc, changed, (long long)b);
    bd.id = b;
    bd.floors = 3;
    rc = store_building_update(s, &bd, &changed, &err);
    say(t, "update B rc %d changed %d\n", rc, changed);
    rc = store_building_update(s, &bd, &changed, &err);
    say(t, "update B again rc %d changed %d\n", rc, changed);
    rc = store_building_find(s, "구로동 공장", &id, &err);
    say(t, "find B rc %d same %d\n", rc, id == b);
    said(t, "find missing", store_building_find(s, "없는 건물", &id, &err), &err);
    said(t, "get missing", store_building_get(s, 999, &bd, &err), &err);

    /* Firms. */
    const char *brns[] = {"1018100340", "1248100998", "1348672683", "2208162517", "1078615070"};
    const char *names[] = {"가나전자", "(주)한빛테크", "Hanbit Soft", "테크노밸리", "주식회사 온"};
    const char *ksics[] = {"26110", "26299", "58221", "26", "46510"};
    for (int i = 0; i < 5; i++) {
        make_firm(&f, brns[i], names[i], ksics[i], i % 3 == 0 ? a : i % 3 == 1 ? b : 0, i * 7);
        rc = store_firm_upsert(s, &f, &changed, &err);
        say(t, "firm %d rc %d changed %d\n", i, rc, changed);
    }
    make_firm(&f, brns[1], names[1], ksics[1], b, 7);
    rc = store_firm_upsert(s, &f, &changed, &err);
    say(t, "firm 1 same rc %d changed %d\n", rc, changed);
    f.status = FIRM_CLOSED;
    rc = store_firm_upsert(s, &f, &changed, &err);
    say(t, "firm 1 closed rc %d changed %d\n", rc, changed);

    /* Members. */
    make_member(&m, brns[0], "2025-03-01", "", 10);
    rc = store_member_put(s, &m, &changed, &err);
    say(t, "member 0 rc %d changed %d\n", rc, changed);
    rc = store_member_put(s, &m, &changed, &err);
    say(t, "member 0 same rc %d changed %d\n", rc, changed);
    m.shares = 11;
    rc = store_member_put(s, &m, &changed, &err);
    say(t, "member 0 shares rc %d changed %d\n", rc, changed);
    make_member(&m, brns[2], "2025-04-01", "2025-12-31", 5);
    rc = store_member_put(s, &m, &changed, &err);
    say(t, "member 2 rc %d changed %d\n", rc, changed);
    make_member(&m, brns[3], "2025-05-01", "", 0);
    rc = store_member_put(s, &m, &changed, &err);
    say(t, "member 3 rc %d changed %d\n", rc, changed);

    /* Events: a leaf with a NUL byte in it round-trips. */
    for (int i = 0; i < 3; i++) {
        rc = store_event_append(s, "k", "s", i == 1 ? "a\0b" : "{\"i\":1}", i == 1 ? 3 : 7, &seq,
                                &err);
        say(t, "event rc %d seq %lld\n", rc, (long long)seq);
    }
    said(t, "commit", store_commit(s, &err), &err);

    /* Reads. */
    say_buildings(t, s, 0, 100);
    say_buildings(t, s, a, 1);
    say_buildings(t, s, 0, SIZE_MAX);
    say_buildings(t, s, 0, 0);
    struct firm_filter fl = {.member = -1, .limit = 100};
    say_firms(t, s, &fl);
    fl.building_id = b;
    say_firms(t, s, &fl);
    fl.building_id = 0;
    fl.ksic = "26";
    say_firms(t, s, &fl);
    fl.ksic = "262";
    say_firms(t, s, &fl);
    fl.ksic = "";
    say_firms(t, s, &fl);
    fl.ksic = NULL;
    fl.q = "테크";
    say_firms(t, s, &fl);
    fl.q = "hanbit"; /* case-sensitive, as instr() */
    say_firms(t, s, &fl);
    fl.q = "8100";
    say_firms(t, s, &fl);
    fl.q = NULL;
    fl.member = 1;
    say_firms(t, s, &fl);
    fl.member = 0;
    say_firms(t, s, &fl);
    fl.member = -1;
    fl.after = "1248100998";
    fl.limit = 2;
    say_firms(t, s, &fl);
    fl.after = NULL;
    fl.limit = SIZE_MAX;
    say_firms(t, s, &fl);
    say_members(t, s, 0);
    say_members(t, s, 1);
    said(t, "member get missing", store_member_get(s, brns[4], &m, &err), &err);
    rc = store_firm_get(s, brns[0], &f, &err);
    say(t, "firm get rc %d member %d floor %d unit %s\n", rc, f.member, f.floor, f.unit);
    rc = store_event_count(s, &n, &err);
    say(t, "events rc %d n %lld\n", rc, (long long)n);
    for (int64_t i = 0; i < 4; i++) {
        char *leaf = NULL;
        size_t len = 0;
        rc = store_event_get(s, i, &leaf, &len, &err);
        if (rc == 0)
            say(t, "event %lld len %zu first %02x last %02x\n", (long long)i, len,
                (unsigned)(unsigned char)leaf[0], (unsigned)(unsigned char)leaf[len - 1]);
        else
            said(t, "event get", rc, &err);
        free(leaf);
    }

    /* Users, tokens, sessions. */
    struct user u, got;
    memset(&u, 0, sizeof(u));
    str_copy(u.username, "lee", sizeof(u.username));
    str_copy(u.password_hash, "$argon2id$v=19$m=65536,t=2,p=1$x$y", sizeof(u.password_hash));
    u.role = 2;
    str_copy(u.created_at, "2026-01-02T03:04:05Z", sizeof(u.created_at));
    rc = store_user_create(s, &u, &err);
    say(t, "user rc %d id %lld\n", rc, (long long)u.id);
    struct token tk, tk2;
    memset(&tk, 0, sizeof(tk));
    str_copy(tk.hash, "aa", sizeof(tk.hash));
    tk.user_id = u.id;
    tk.role = 2;
    str_copy(tk.firm, brns[0], sizeof(tk.firm));
    str_copy(tk.label, "laptop", sizeof(tk.label));
    str_copy(tk.created_at, "2026-01-02T03:04:06Z", sizeof(tk.created_at));
    rc = store_token_create(s, &tk, &err);
    say(t, "token rc %d id %lld\n", rc, (long long)tk.id);
    memset(&tk2, 0, sizeof(tk2));
    str_copy(tk2.hash, "bb", sizeof(tk2.hash));
    tk2.role = 1;
    str_copy(tk2.created_at, "2026-01-02T03:04:07Z", sizeof(tk2.created_at));
    rc = store_token_create(s, &tk2, &err);
    say(t, "token 2 rc %d id %lld\n", rc, (long long)tk2.id);
    said(t, "user_firm_add", store_user_firm_add(s, u.id, brns[1], &err), &err);
    said(t, "user_firm_add", store_user_firm_add(s, u.id, brns[0], &err), &err);
    said(t, "user_firm_add again", store_user_firm_add(s, u.id, brns[0], &err), &err);
    char fb[4][BRN_SIZE];
    size_t nf = 0;
    rc = store_user_firms(s, u.id, fb, 4, &nf, &err);
    say(t, "user firms rc %d n %zu %s %s\n", rc, nf, nf > 0 ? fb[0] : "", nf > 1 ? fb[1] : "");
    rc = store_user_firms(s, u.id, fb, 1, &nf, &err);
    say(t, "user firms max 1 rc %d n %zu %s\n", rc, nf, nf > 0 ? fb[0] : "");
    rc = store_user_get_by_name(s, "lee", &got, &err);
    say(t, "user by name rc %d %lld %s %s %d %s\n", rc, (long long)got.id, got.username,
        got.password_hash, got.role, got.created_at);
    rc = store_user_get(s, u.id, &got, &err);
    say(t, "user by id rc %d %s\n", rc, got.username);
    said(t, "user missing", store_user_get(s, 999, &got, &err), &err);
    said(t, "user missing name", store_user_get_by_name(s, "nobody", &got, &err), &err);
    struct token ft;
    rc = store_token_find(s, "aa", &ft, &err);
    say(t, "token find rc %d %lld %s %lld %d %s %s %s %d\n", rc, (long long)ft.id, ft.hash,
        (long long)ft.user_id, ft.role, ft.firm, ft.label, ft.created_at, ft.revoked);
    said(t, "token revoke", store_token_revoke(s, tk.id, &err), &err);
    said(t, "token revoke again", store_token_revoke(s, tk.id, &err), &err);
    said(t, "token find revoked", store_token_find(s, "aa", &ft, &err), &err);
    struct token *toks = NULL;
    size_t ntok = 0;
    said(t, "token list", store_token_list(s, &toks, &ntok, &err), &err);
    for (size_t i = 0; i < ntok; i++)
        say(t, "  %lld|%s|%lld|%d|%s|%s|%d\n", (long long)toks[i].id, toks[i].hash,
            (long long)toks[i].user_id, toks[i].role, toks[i].firm, toks[i].label, toks[i].revoked);
    free(toks);
    struct session se = {.user_id = u.id, .expires_unix = 1893456000}, fs;
    str_copy(se.hash, "cc", sizeof(se.hash));
    said(t, "session", store_session_create(s, &se, &err), &err);
    rc = store_session_find(s, "cc", &fs, &err);
    say(t, "session find rc %d %s %lld %lld\n", rc, fs.hash, (long long)fs.user_id,
        (long long)fs.expires_unix);
    said(t, "session delete", store_session_delete(s, "cc", &err), &err);
    said(t, "session delete again", store_session_delete(s, "cc", &err), &err);
    said(t, "session find deleted", store_session_find(s, "cc", &fs, &err), &err);

    struct store_summary sum;
    rc = store_summary(s, &sum, &err);
    say(t, "summary rc %d %lld %lld %lld %lld %lld %lld\n", rc, (long long)sum.buildings,
        (long long)sum.centres, (long long)sum.firms, (long long)sum.firms_in_centres,
        (long long)sum.employees, (long long)sum.members);

    /* Errors, each in its own statement outside a transaction. */
    said(t, "user duplicate", store_user_create(s, &u, &err), &err);
    said(t, "token duplicate", store_token_create(s, &tk2, &err), &err);
    str_copy(tk2.hash, "dd", sizeof(tk2.hash));
    str_copy(tk2.firm, "9999999999", sizeof(tk2.firm));
    said(t, "token unknown firm", store_token_create(s, &tk2, &err), &err);
    said(t, "user_firm_add unknown firm", store_user_firm_add(s, u.id, "9999999999", &err), &err);
    said(t, "session unknown user",
         store_session_create(s, &(struct session){.hash = "ee", .user_id = 999}, &err), &err);
    make_member(&m, "9999999999", "2025-01-01", "", 1);
    said(t, "member unknown firm", store_member_put(s, &m, &changed, &err), &err);
    make_firm(&f, "1111111111", "x", "26", 999, 1);
    said(t, "firm unknown building", store_firm_upsert(s, &f, &changed, &err), &err);
    memset(&bd, 0, sizeof(bd));
    str_copy(bd.name, "에이스하이엔드타워 3차", sizeof(bd.name));
    bd.id = b;
    bd.complex = 1;
    said(t, "rename onto another building", store_building_update(s, &bd, &changed, &err), &err);
    bd.id = 999;
    said(t, "update missing building", store_building_update(s, &bd, &changed, &err), &err);
    said(t, "delete firm on register", store_firm_delete(s, brns[0], &err), &err);
    said(t, "delete missing firm", store_firm_delete(s, "9999999999", &err), &err);
    said(t, "delete firm a user acts for", store_firm_delete(s, brns[1], &err), &err);
    said(t, "delete firm", store_firm_delete(s, brns[4], &err), &err);
    said(t, "delete building with firms", store_building_delete(s, a, &err), &err);
    said(t, "delete missing building", store_building_delete(s, 999, &err), &err);
    make_firm(&f, brns[1], names[1], ksics[1], 0, 7);
    said(t, "move firm out", store_firm_upsert(s, &f, &changed, &err), &err);
    said(t, "delete empty building", store_building_delete(s, b, &err), &err);
    say_buildings(t, s, 0, 100);
}

static void say_invoices(struct transcript *t, struct store *s, const char *firm, int side,
                         const char *month, const char *after, size_t limit)
{
    struct invoice_filter fl = {
        .firm = firm, .month = month, .side = side, .after = after, .limit = limit};
    struct pool_invoice *items = NULL;
    size_t n = 0;
    struct dure_err err;
    said(t, "invoice_list", store_invoice_list(s, &fl, &items, &n, &err), &err);
    for (size_t i = 0; i < n; i++) {
        const struct pool_invoice *v = &items[i];
        say(t, "  %s|%s|%s|%s|%s|%s|%d|%s|%s|%s|%lld|%lld|%lld|%d|%d|%s|%d|%d|%zu", v->approval_no,
            v->written_on, v->issued_on, v->supplier_brn, v->supplier_branch, v->supplier_name,
            (int)v->buyer_kind, v->buyer_brn, v->buyer_branch, v->buyer_name,
            (long long)v->total_krw, (long long)v->supply_krw, (long long)v->tax_krw, v->tax_exempt,
            v->amended, v->kind, v->receipt, v->items_complete, v->nitems);
        if (v->nitems > 0)
            say(t, "|%s|%s|%s|%lld|%lld|%lld|%lld", v->items[0].date, v->items[0].name,
                v->items[0].spec, (long long)v->items[0].qty_milli,
                (long long)v->items[0].unit_price_krw, (long long)v->items[0].supply_krw,
                (long long)v->items[0].tax_krw);
        say(t, "\n");
    }
    store_invoices_free(items, n);
}

static void say_upload(struct transcript *t, const char *what, int rc, const struct pool_upload *u,
                       const struct dure_err *err)
{
    if (rc != 0) {
        said(t, what, rc, err);
        return;
    }
    say(t, "%s: %lld|%s|%s|%s|%s|%s|%s|%s|%lld|%lld|%lld|%lld|%lld|%d\n", what, (long long)u->id,
        u->firm, u->kind, u->sha256, u->format, u->filename, u->created_at, u->actor,
        (long long)u->rows, (long long)u->new_records, (long long)u->linked,
        (long long)u->unchanged, (long long)u->conflicts, u->deleted);
}

static void make_upload(struct pool_upload *u, const char *firm, const char *kind, const char *sha)
{
    memset(u, 0, sizeof(*u));
    str_copy(u->firm, firm, sizeof(u->firm));
    str_copy(u->kind, kind, sizeof(u->kind));
    str_copy(u->sha256, sha, sizeof(u->sha256));
    str_copy(u->format, "csv (UTF-8)", sizeof(u->format));
    str_copy(u->filename, "매출.csv", sizeof(u->filename));
    str_copy(u->created_at, "2026-02-01T00:00:00Z", sizeof(u->created_at));
    str_copy(u->actor, "user:lee", sizeof(u->actor));
}

/* The data pool's operations, on the registry that exercise() left behind. */
static void exercise_pool(struct store *s, struct transcript *t)
{
    struct dure_err err;
    struct pool_upload up1, up2, up3, got;
    struct pool_item items[2];
    struct pool_invoice inv;
    enum store_invoice_outcome outcome;
    char why[128];
    const char *sup = "1018100340", *buy = "1248100998";
    int rc, changed = -1;

    make_upload(&up1, sup, "invoices", "aa11");
    rc = store_upload_create(s, &up1, &err);
    say(t, "upload 1 rc %d id %lld\n", rc, (long long)up1.id);
    make_upload(&up2, buy, "invoices", "aa11");
    rc = store_upload_create(s, &up2, &err);
    say(t, "upload 2 rc %d id %lld\n", rc, (long long)up2.id);
    make_upload(&up3, "", "kpis", "bb22");
    rc = store_upload_create(s, &up3, &err);
    say(t, "upload 3 rc %d id %lld\n", rc, (long long)up3.id);
    make_upload(&got, sup, "invoices", "aa11");
    said(t, "upload 1 again", store_upload_create(s, &got, &err), &err);
    say_upload(t, "find", store_upload_find(s, sup, "invoices", "aa11", &got, &err), &got, &err);
    say_upload(t, "find multi-firm", store_upload_find(s, "", "kpis", "bb22", &got, &err), &got,
               &err);
    say_upload(t, "find missing", store_upload_find(s, sup, "kpis", "aa11", &got, &err), &got,
               &err);

    memset(items, 0, sizeof(items));
    str_copy(items[0].date, "2025-03-05", sizeof(items[0].date));
    str_copy(items[0].name, "PCB 기판 외 1건", sizeof(items[0].name));
    str_copy(items[0].spec, "4층", sizeof(items[0].spec));
    items[0].qty_milli = 1500;
    items[0].unit_price_krw = 200000;
    items[0].supply_krw = 300000;
    items[0].tax_krw = 30000;
    items[1] = items[0];
    str_copy(items[1].name, "납땜 인두", sizeof(items[1].name));
    memset(&inv, 0, sizeof(inv));
    str_copy(inv.approval_no, "202503054100000012345678", sizeof(inv.approval_no));
    str_copy(inv.written_on, "2025-03-05", sizeof(inv.written_on));
    str_copy(inv.issued_on, "2025-03-06", sizeof(inv.issued_on));
    str_copy(inv.supplier_brn, sup, sizeof(inv.supplier_brn));
    str_copy(inv.supplier_name, "가나전자", sizeof(inv.supplier_name));
    str_copy(inv.buyer_brn, buy, sizeof(inv.buyer_brn));
    str_copy(inv.buyer_branch, "0001", sizeof(inv.buyer_branch));
    str_copy(inv.buyer_name, "(주)한빛테크", sizeof(inv.buyer_name));
    inv.total_krw = 660000;
    inv.supply_krw = 600000;
    inv.tax_krw = 60000;
    str_copy(inv.kind, "일반", sizeof(inv.kind));
    inv.receipt = 1;
    inv.nitems = 1;
    inv.items = items;
    why[0] = '\0';
    rc =
        store_invoice_put(s, up1.id, sup, POOL_SIDE_ISSUED, &inv, &outcome, why, sizeof(why), &err);
    say(t, "invoice new rc %d outcome %d\n", rc, (int)outcome);
    rc =
        store_invoice_put(s, up1.id, sup, POOL_SIDE_ISSUED, &inv, &outcome, why, sizeof(why), &err);
    say(t, "invoice again rc %d outcome %d\n", rc, (int)outcome);
    rc = store_invoice_put(s, up2.id, buy, POOL_SIDE_RECEIVED, &inv, &outcome, why, sizeof(why),
                           &err);
    say(t, "invoice other side rc %d outcome %d\n", rc, (int)outcome);
    inv.items_complete = 1;
    inv.nitems = 2;
    rc =
        store_invoice_put(s, up1.id, sup, POOL_SIDE_ISSUED, &inv, &outcome, why, sizeof(why), &err);
    say(t, "invoice xml rc %d outcome %d\n", rc, (int)outcome);
    inv.tax_krw = 60001;
    rc = store_invoice_put(s, up2.id, buy, POOL_SIDE_RECEIVED, &inv, &outcome, why, sizeof(why),
                           &err);
    say(t, "invoice conflict rc %d outcome %d why %s\n", rc, (int)outcome, why);
    inv.tax_krw = 60000;
    str_copy(inv.approval_no, "202504104100000087654321", sizeof(inv.approval_no));
    str_copy(inv.written_on, "2025-04-10", sizeof(inv.written_on));
    inv.buyer_kind = POOL_PARTY_PERSON;
    inv.buyer_brn[0] = inv.buyer_branch[0] = inv.buyer_name[0] = '\0';
    inv.nitems = 0;
    rc =
        store_invoice_put(s, up1.id, sup, POOL_SIDE_ISSUED, &inv, &outcome, why, sizeof(why), &err);
    say(t, "invoice to a person rc %d outcome %d\n", rc, (int)outcome);
    say_invoices(t, s, sup, -1, NULL, NULL, 100);
    say_invoices(t, s, sup, POOL_SIDE_RECEIVED, NULL, NULL, 100);
    say_invoices(t, s, buy, POOL_SIDE_RECEIVED, NULL, NULL, 100);
    say_invoices(t, s, sup, -1, "2025-04", NULL, 100);
    say_invoices(t, s, sup, -1, NULL, "202503054100000012345678", 100);
    say_invoices(t, s, sup, -1, NULL, NULL, 1);
    say_invoices(t, s, sup, -1, NULL, NULL, SIZE_MAX);

    struct pool_kpi k = {.revenue_krw = 1000000, .production_krw = 500000, .employees = 12};
    str_copy(k.brn, sup, sizeof(k.brn));
    str_copy(k.month, "2025-03", sizeof(k.month));
    rc = store_kpi_put(s, up3.id, &k, &changed, &err);
    say(t, "kpi rc %d changed %d\n", rc, changed);
    rc = store_kpi_put(s, up3.id, &k, &changed, &err);
    say(t, "kpi same rc %d changed %d\n", rc, changed);
    k.exports_krw = 7;
    rc = store_kpi_put(s, up3.id, &k, &changed, &err);
    say(t, "kpi changed rc %d changed %d\n", rc, changed);
    str_copy(k.month, "2025-01", sizeof(k.month));
    rc = store_kpi_put(s, up3.id, &k, &changed, &err);
    say(t, "kpi january rc %d changed %d\n", rc, changed);
    str_copy(k.brn, "9999999999", sizeof(k.brn));
    said(t, "kpi unknown firm", store_kpi_put(s, up3.id, &k, &changed, &err), &err);
    for (int pass = 0; pass < 2; pass++) {
        struct pool_kpi *ks = NULL;
        size_t nk = 0;
        said(t, "kpi_list", store_kpi_list(s, sup, pass ? "2025-03" : NULL, &ks, &nk, &err), &err);
        for (size_t i = 0; i < nk; i++)
            say(t, "  %s|%s|%lld|%lld|%lld|%lld\n", ks[i].brn, ks[i].month,
                (long long)ks[i].revenue_krw, (long long)ks[i].production_krw,
                (long long)ks[i].exports_krw, (long long)ks[i].employees);
        free(ks);
    }

    int scopes = -1;
    char at[REG_TIME_SIZE];
    rc = store_consent_get(s, sup, &scopes, at, &err);
    say(t, "consent unset rc %d scopes %d at '%s'\n", rc, scopes, at);
    said(t, "consent put",
         store_consent_put(s, sup, POOL_CONSENT_ALL, "2026-02-02T00:00:00Z", &err), &err);
    said(t, "consent put again",
         store_consent_put(s, sup, POOL_CONSENT_STATISTICS, "2026-02-03T00:00:00Z", &err), &err);
    rc = store_consent_get(s, sup, &scopes, at, &err);
    say(t, "consent rc %d scopes %d at '%s'\n", rc, scopes, at);

    struct data_use du = {0};
    str_copy(du.brn, sup, sizeof(du.brn));
    str_copy(du.purpose, "statistics", sizeof(du.purpose));
    str_copy(du.computation, "stats release 2025", sizeof(du.computation));
    str_copy(du.actor, "admin", sizeof(du.actor));
    str_copy(du.used_at, "2026-02-04T00:00:00Z", sizeof(du.used_at));
    said(t, "data use", store_data_use_add(s, &du, &err), &err);
    str_copy(du.purpose, "benchmarking", sizeof(du.purpose));
    said(t, "data use 2", store_data_use_add(s, &du, &err), &err);
    struct data_use *dus = NULL;
    size_t nd = 0;
    said(t, "data_use_list", store_data_use_list(s, sup, &dus, &nd, &err), &err);
    for (size_t i = 0; i < nd; i++)
        say(t, "  %lld|%s|%s|%s|%s|%s\n", (long long)dus[i].id, dus[i].brn, dus[i].purpose,
            dus[i].computation, dus[i].actor, dus[i].used_at);
    free(dus);

    const char *firms[] = {sup, buy};
    for (int i = 0; i < 2; i++) {
        struct firm_month *ms = NULL;
        size_t nm = 0;
        said(t, "rollup", store_rollup_refresh(s, firms[i], &err), &err);
        said(t, "rollup again", store_rollup_refresh(s, firms[i], &err), &err);
        said(t, "rollup_list", store_rollup_list(s, firms[i], &ms, &nm, &err), &err);
        for (size_t j = 0; j < nm; j++)
            say(t, "  %s|%s|%lld|%lld|%lld|%lld|%lld\n", ms[j].brn, ms[j].month,
                (long long)ms[j].sales_krw, (long long)ms[j].purchases_krw,
                (long long)ms[j].cluster_purchases_krw, (long long)ms[j].invoices_issued,
                (long long)ms[j].invoices_received);
        free(ms);
    }

    said(t, "event secret", store_event_secret_put(s, 0, sup, "{\"salt\":\"00\"}", &err), &err);
    said(t, "event secret again", store_event_secret_put(s, 0, sup, "{}", &err), &err);

    up1.rows = 3;
    up1.new_records = 2;
    up1.unchanged = 1;
    up1.conflicts = 0;
    str_copy(up1.format, "xml", sizeof(up1.format));
    said(t, "upload finish", store_upload_finish(s, &up1, &err), &err);
    said(t, "delete upload 1", store_upload_delete(s, up1.id, &err), &err);
    said(t, "delete upload 1 again", store_upload_delete(s, up1.id, &err), &err);
    said(t, "delete upload 3", store_upload_delete(s, up3.id, &err), &err);
    say_upload(t, "get deleted", store_upload_get(s, up1.id, &got, &err), &got, &err);
    say_upload(t, "get missing", store_upload_get(s, 999, &got, &err), &got, &err);
    say_invoices(t, s, sup, -1, NULL, NULL, 100);
    say_invoices(t, s, buy, -1, NULL, NULL, 100);
    struct pool_upload *ups = NULL;
    size_t nu = 0;
    said(t, "upload_list", store_upload_list(s, buy, &ups, &nu, &err), &err);
    for (size_t i = 0; i < nu; i++)
        say_upload(t, "  upload", 0, &ups[i], &err);
    free(ups);
    said(t, "upload_list none", store_upload_list(s, sup, &ups, &nu, &err), &err);
    say(t, "n %zu null %d\n", nu, ups == NULL);
    free(ups);
    /* A new upload of the deleted file is allowed again. */
    make_upload(&got, sup, "invoices", "aa11");
    rc = store_upload_create(s, &got, &err);
    /* Not the id itself: a PostgreSQL sequence is not rolled back by the failed insert above
     * ("upload 1 again"), SQLite reuses max(id) + 1. */
    say(t, "upload 1 anew rc %d new id %d\n", rc, got.id > up3.id);
}

/* One invoice of the savepoint test: approval number no, supplier sup, buyer buy, one item. */
static void make_sp_invoice(struct pool_invoice *v, struct pool_item *it, const char *no,
                            const char *sup, const char *buy)
{
    memset(v, 0, sizeof(*v));
    memset(it, 0, sizeof(*it));
    str_copy(it->date, "2025-03-05", sizeof(it->date));
    str_copy(it->name, no, sizeof(it->name));
    it->supply_krw = 100;
    str_copy(v->approval_no, no, sizeof(v->approval_no));
    str_copy(v->written_on, "2025-03-05", sizeof(v->written_on));
    str_copy(v->supplier_brn, sup, sizeof(v->supplier_brn));
    str_copy(v->buyer_brn, buy, sizeof(v->buyer_brn));
    v->total_krw = 110;
    v->supply_krw = 100;
    v->tax_krw = 10;
    v->nitems = 1;
    v->items = it;
}

/* Several uploads in one transaction, one savepoint each (the CLI's import of many files): a
 * unit that failed, and so aborted the PostgreSQL transaction, is rolled back to its savepoint
 * and the transaction goes on; its invoices and the row ids it drew are gone, statements
 * prepared inside it stay prepared, the writer lock is kept, and a big batch released before a
 * failing unit stays. */
/* A unit that fails after its batch is stored: in a savepoint, an upload of firm (file sha)
 * stores v[0..1], then creating user u a second time fails; rolled back to the savepoint. */
static void failing_unit(struct store *s, const char *firm, const char *sha,
                         const struct pool_invoice *v, const struct user *u)
{
    struct dure_err err;
    struct pool_upload up;
    struct user copy = *u;
    enum store_invoice_outcome out[2];
    char why[2][STORE_INVOICE_WHY_SIZE];
    assert_int_equal(store_savepoint(s, &err), 0);
    make_upload(&up, firm, "invoices", sha);
    assert_int_equal(store_upload_create(s, &up, &err), 0);
    assert_int_equal(
        store_invoice_put_batch(s, up.id, firm, POOL_SIDE_ISSUED, v, 2, out, why, &err), 0);
    assert_int_equal(store_user_create(s, &copy, &err), 0);
    assert_int_equal(store_user_create(s, &copy, &err), DURE_ECONFLICT);
    store_savepoint_rollback(s);
}

static void savepoints_keep_the_good_units(void **state)
{
    NEED_PG(state);
    struct store *s = *state;
    struct dure_err err;
    struct firm f;
    struct user u;
    struct pool_upload u1, u2, u3;
    struct pool_invoice v[2];
    struct pool_item it[2];
    enum store_invoice_outcome out[2];
    char why[2][STORE_INVOICE_WHY_SIZE];
    const char *sup = "1018100340", *buy = "1248100998", *big = "1058100006";
    enum { BIG = 2100 }; /* more than one batch of the CLI */
    struct pool_invoice *bv = calloc(BIG, sizeof(*bv));
    struct pool_item *bi = calloc(BIG, sizeof(*bi));
    enum store_invoice_outcome *bo = calloc(BIG, sizeof(*bo));
    char(*bw)[STORE_INVOICE_WHY_SIZE] = calloc(BIG, sizeof(*bw));
    char no[32];
    int changed = 0;
    assert_true(bv != NULL && bi != NULL && bo != NULL && bw != NULL);

    assert_int_equal(store_savepoint(s, &err), DURE_ESTORE); /* no transaction */
    make_firm(&f, sup, "가나전자", "26", 0, 5);
    assert_int_equal(store_firm_upsert(s, &f, &changed, &err), 0);
    make_firm(&f, buy, "(주)한빛테크", "26", 0, 5);
    assert_int_equal(store_firm_upsert(s, &f, &changed, &err), 0);
    make_firm(&f, big, "다라정밀", "26", 0, 5);
    assert_int_equal(store_firm_upsert(s, &f, &changed, &err), 0);
    memset(&u, 0, sizeof(u));
    str_copy(u.username, "kim", sizeof(u.username));
    str_copy(u.password_hash, "x", sizeof(u.password_hash));
    str_copy(u.created_at, "2026-01-01T00:00:00Z", sizeof(u.created_at));
    assert_int_equal(store_begin(s, &err), 0);

    /* 1: the session's first batch, then a failure: rolled back, the transaction is usable
     * again. */
    make_sp_invoice(&v[0], &it[0], "202503054100000000000001", sup, buy);
    make_sp_invoice(&v[1], &it[1], "202503054100000000000002", sup, buy);
    failing_unit(s, sup, "aa11", v, &u);

    /* 1b: a big file, then a file whose batch is stored and which then fails. */
    assert_int_equal(store_savepoint(s, &err), 0);
    make_upload(&u1, big, "invoices", "cc33");
    assert_int_equal(store_upload_create(s, &u1, &err), 0);
    for (int i = 0; i < BIG; i++) {
        snprintf(no, sizeof(no), "2025030542%014d", i);
        make_sp_invoice(&bv[i], &bi[i], no, big, buy);
    }
    assert_int_equal(
        store_invoice_put_batch(s, u1.id, big, POOL_SIDE_ISSUED, bv, BIG, bo, bw, &err), 0);
    assert_int_equal(store_savepoint_release(s, &err), 0);
    failing_unit(s, sup, "dd44", v, &u);

    /* 2: the same file again, and a new invoice: all new, as if unit 1 never happened. */
    assert_int_equal(store_savepoint(s, &err), 0);
    make_upload(&u2, sup, "invoices", "aa11");
    assert_int_equal(store_upload_create(s, &u2, &err), 0);
    make_sp_invoice(&v[1], &it[1], "202503054100000000000003", sup, buy);
    assert_int_equal(store_invoice_put_batch(s, u2.id, sup, POOL_SIDE_ISSUED, v, 2, out, why, &err),
                     0);
    assert_int_equal(out[0], STORE_INVOICE_NEW);
    assert_int_equal(out[1], STORE_INVOICE_NEW);
    assert_int_equal(store_savepoint_release(s, &err), 0);

    /* 3: the buyer's file links the first invoice and brings a new one. */
    assert_int_equal(store_savepoint(s, &err), 0);
    make_upload(&u3, buy, "invoices", "bb22");
    assert_int_equal(store_upload_create(s, &u3, &err), 0);
    make_sp_invoice(&v[1], &it[1], "202503054100000000000004", sup, buy);
    assert_int_equal(
        store_invoice_put_batch(s, u3.id, buy, POOL_SIDE_RECEIVED, v, 2, out, why, &err), 0);
    assert_int_equal(out[0], STORE_INVOICE_LINKED);
    assert_int_equal(out[1], STORE_INVOICE_NEW);
    str_copy(u.username, "lee", sizeof(u.username)); /* prepared in unit 1, rolled back there */
    assert_int_equal(store_user_create(s, &u, &err), 0);
    assert_int_equal(store_savepoint_release(s, &err), 0);
    /* The writer lock is still this transaction's. */
    assert_int_equal(pg_scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                               "AND granted"),
                     1);
    assert_int_equal(store_commit(s, &err), 0);

    assert_int_equal(pg_scalar("SELECT count(*) FROM uploads"), 3);
    assert_int_equal(pg_scalar("SELECT count(*) FROM users WHERE username = 'kim'"), 0);
    assert_int_equal(pg_scalar("SELECT count(*) FROM users WHERE username = 'lee'"), 1);
    assert_int_equal(pg_scalar("SELECT count(*) FROM invoices"), 3 + BIG);
    assert_int_equal(pg_scalar("SELECT count(*) FROM invoices WHERE approval_no = "
                               "'202503054100000000000002'"),
                     0);
    assert_int_equal(pg_scalar("SELECT count(*) FROM invoices WHERE supplier_upload IS NOT NULL "
                               "AND buyer_upload IS NOT NULL"),
                     1);
    /* Every item belongs to its own invoice, found by the row id. */
    assert_int_equal(pg_scalar("SELECT count(*) FROM invoice_items it JOIN invoices i "
                               "ON i.id = it.invoice_id AND it.name = i.approval_no"),
                     3 + BIG);
    assert_int_equal(pg_scalar("SELECT count(*) FROM invoice_items"), 3 + BIG);

    /* Each firm lists the invoices it brought, each with its own first item. */
    const char *firms[] = {sup, buy};
    const char *last[] = {"202503054100000000000003", "202503054100000000000004"};
    for (int k = 0; k < 2; k++) {
        struct invoice_filter fl = {.firm = firms[k], .side = -1, .limit = 100};
        struct pool_invoice *items = NULL;
        size_t n = 0;
        assert_int_equal(store_invoice_list(s, &fl, &items, &n, &err), 0);
        assert_int_equal(n, 2);
        assert_string_equal(items[0].approval_no, "202503054100000000000001");
        assert_string_equal(items[1].approval_no, last[k]);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(items[i].nitems, 1);
            assert_string_equal(items[i].items[0].name, items[i].approval_no);
        }
        store_invoices_free(items, n);
    }

    /* Deleting the supplier's upload keeps the linked invoice (the buyer holds it) with its
     * item, and removes the other one with its item. */
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(store_upload_delete(s, u2.id, &err), 0);
    assert_int_equal(store_commit(s, &err), 0);
    assert_int_equal(pg_scalar("SELECT count(*) FROM invoices"), 2 + BIG);
    assert_int_equal(pg_scalar("SELECT count(*) FROM invoice_items it JOIN invoices i "
                               "ON i.id = it.invoice_id AND it.name = i.approval_no"),
                     2 + BIG);
    assert_int_equal(pg_scalar("SELECT count(*) FROM invoice_items"), 2 + BIG);
    free(bw);
    free(bo);
    free(bi);
    free(bv);
}

/* ---- invoices in bulk, and rollups deferred to the commit ---- */

/* Every row of sql on a direct connection, one line each, into t. */
static void say_rows(struct transcript *t, const char *sql)
{
    PGconn *c = PQconnectdb(pg_url());
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    for (int i = 0; i < PQntuples(r); i++) {
        for (int j = 0; j < PQnfields(r); j++)
            say(t, "%s%s", j > 0 ? "|" : "", PQgetisnull(r, i, j) ? "NULL" : PQgetvalue(r, i, j));
        say(t, "\n");
    }
    PQclear(r);
    PQfinish(c);
}

/* Invoice k of the bulk cases: approval number no, n lines (every line, as a KEC XML, when
 * xml), the supply amount changed by delta. */
static void bulk_invoice(struct pool_invoice *v, struct pool_item *its, const char *no,
                         const char *written, size_t n, int xml, int64_t delta)
{
    make_sp_invoice(v, &its[0], no, "1018100340", "1248100998");
    str_copy(v->written_on, written, sizeof(v->written_on));
    v->supply_krw += delta;
    v->total_krw += delta;
    v->nitems = n;
    v->items_complete = xml;
    for (size_t j = 0; j < n; j++) {
        its[j] = its[0];
        snprintf(its[j].name, sizeof(its[j].name), "%s %s-%zu", xml ? "XML" : "목록", no, j + 1);
        its[j].qty_milli = 1000 * (int64_t)(j + 1);
    }
    v->items = n > 0 ? its : NULL;
}

/* The cases of pg_invoice_put_batch's own rules, stored once in batches and once one invoice
 * at a time (store_invoice_put, the definition): an approval number new in a batch and then
 * upgraded by a complete list in the same batch, met again unchanged, in conflict; one with
 * quotes, backslashes, commas and braces (the look-up's array literal); a 작성일자 with a
 * character of three bytes among its first seven (the month the COPY computes, as SQL's
 * substr); an
 * invoice without lines; the other party linking, upgrading while linking, and both. The
 * outcomes and everything stored must read the same. */
static void bulk_run(struct store *s, int batched, struct transcript *t)
{
    struct dure_err err;
    struct pool_upload u;
    struct pool_invoice v[8];
    struct pool_item its[8][4];
    enum store_invoice_outcome out[8];
    char why[8][STORE_INVOICE_WHY_SIZE];
    const char *odd = "Q\"uo\\te,{x} 1";
    struct step {
        const char *firm;
        enum pool_side side;
        size_t n;
    } steps[] = {{"1018100340", POOL_SIDE_ISSUED, 7},
                 {"1018100340", POOL_SIDE_ISSUED, 1},
                 {"1248100998", POOL_SIDE_RECEIVED, 5},
                 {"1018100340", POOL_SIDE_ISSUED, 2}};
    assert_int_equal(store_begin(s, &err), 0);
    for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
        char sha[8];
        snprintf(sha, sizeof(sha), "b%zu", k);
        make_upload(&u, steps[k].firm, "invoices", sha);
        assert_int_equal(store_upload_create(s, &u, &err), 0);
        if (k == 0) {
            bulk_invoice(&v[0], its[0], odd, "2025-03-05", 1, 0, 0);
            bulk_invoice(&v[1], its[1], "202503050000000000000010", "2025-03-05", 1, 0, 0);
            bulk_invoice(&v[2], its[2], "202503050000000000000010", "2025-03-05", 3, 1, 0);
            bulk_invoice(&v[3], its[3], "202503050000000000000011", "20가25-03", 1, 0, 0);
            bulk_invoice(&v[4], its[4], "202503050000000000000012", "2025-04-01", 0, 0, 0);
            bulk_invoice(&v[5], its[5], "202503050000000000000012", "2025-04-01", 1, 0, 7);
            bulk_invoice(&v[6], its[6], "202503050000000000000010", "2025-03-05", 1, 0, 0);
        } else if (k == 1) {
            bulk_invoice(&v[0], its[0], odd, "2025-03-05", 2, 1, 0);
        } else if (k == 2) {
            bulk_invoice(&v[0], its[0], "202503050000000000000010", "2025-03-05", 1, 0, 0);
            bulk_invoice(&v[1], its[1], "202503050000000000000012", "2025-04-01", 1, 0, 0);
            bulk_invoice(&v[2], its[2], "202503050000000000000013", "2025-05-02", 1, 0, 0);
            bulk_invoice(&v[3], its[3], "202503050000000000000011", "20가25-03", 2, 1, 0);
            bulk_invoice(&v[4], its[4], "202503050000000000000011", "20가25-03", 1, 0, 0);
        } else {
            bulk_invoice(&v[0], its[0], "202503050000000000000012", "2025-04-01", 4, 1, 0);
            bulk_invoice(&v[1], its[1], "202503050000000000000013", "2025-05-02", 2, 1, 0);
        }
        if (batched) {
            if (store_invoice_put_batch(s, u.id, steps[k].firm, steps[k].side, v, steps[k].n, out,
                                        why, &err) != 0)
                fail_msg("batch of step %zu: %s", k, err.msg);
        } else {
            for (size_t i = 0; i < steps[k].n; i++)
                if (store_invoice_put(s, u.id, steps[k].firm, steps[k].side, &v[i], &out[i], why[i],
                                      sizeof(why[i]), &err) != 0)
                    fail_msg("invoice %zu of step %zu: %s", i, k, err.msg);
        }
        for (size_t i = 0; i < steps[k].n; i++)
            say(t, "step %zu invoice %zu: %d %s\n", k, i, (int)out[i],
                out[i] == STORE_INVOICE_CONFLICT ? why[i] : "");
    }
    assert_int_equal(store_commit(s, &err), 0);
    say_rows(t, "SELECT approval_no, written_on, month, supply_krw, items_complete, "
                "supplier_upload IS NOT NULL, buyer_upload IS NOT NULL, rank() OVER (ORDER BY id) "
                "FROM invoices ORDER BY approval_no");
    say_rows(t, "SELECT i.approval_no, it.line, it.name, it.qty_milli FROM invoice_items it "
                "JOIN invoices i ON i.id = it.invoice_id ORDER BY 1, 2");
}

static void bulk_matches_single_puts(void **state)
{
    NEED_PG(state);
    struct store *s = *state;
    struct dure_err err;
    struct firm f;
    struct transcript one, bulk;
    int changed = 0;
    transcript_init(&one);
    transcript_init(&bulk);
    for (int run = 0; run < 2; run++) {
        if (run == 1) {
            reset_schema();
            assert_int_equal(store_migrate(s, &err), 0);
        }
        make_firm(&f, "1018100340", "가나전자", "26", 0, 5);
        assert_int_equal(store_firm_upsert(s, &f, &changed, &err), 0);
        make_firm(&f, "1248100998", "(주)한빛테크", "26", 0, 5);
        assert_int_equal(store_firm_upsert(s, &f, &changed, &err), 0);
        bulk_run(s, run, run == 0 ? &one : &bulk);
    }
    transcript_same(&one, &bulk, "batches against one at a time");
    /* The cases did happen: the upgrade in the batch that brought the invoice, the conflict. */
    assert_non_null(strstr(bulk.buf, "step 0 invoice 2: 3 \n"));
    assert_non_null(strstr(bulk.buf, "step 0 invoice 5: 4 합계금액 differs"));
    assert_non_null(strstr(bulk.buf, "20가25-03|20가25-0|"));
    free(one.buf);
    free(bulk.buf);
}

/* Rollups of a firm as one line per month, "" when it has none. */
static void rollups_of(struct store *s, const char *firm, char *out, size_t n)
{
    struct dure_err err;
    struct firm_month *m = NULL;
    size_t cnt = 0, len = 0;
    assert_int_equal(store_rollup_list(s, firm, &m, &cnt, &err), 0);
    out[0] = '\0';
    for (size_t i = 0; i < cnt && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s %lld %lld %lld %lld;", m[i].month,
                                (long long)m[i].sales_krw, (long long)m[i].purchases_krw,
                                (long long)m[i].invoices_issued, (long long)m[i].invoices_received);
    free(m);
}

/* Inside a transaction a refresh is noted and done before the commit, and before the
 * transaction reads rollups; it leaves the rollups a refresh on the spot would have left: one
 * noted inside a savepoint that is rolled back is forgotten (here the buyer's stale row stays,
 * as it would once the refresh was rolled back), one noted before it is done all the same
 * (the supplier's, read inside the savepoint and so refreshed there first), and one noted more
 * than PG_SAVEPOINT_MARKS savepoints deep runs on the spot. */
static void rollups_deferred_to_the_commit(void **state)
{
    NEED_PG(state);
    struct store *s = *state;
    struct dure_err err;
    struct firm f;
    struct pool_upload u;
    struct pool_invoice v[2];
    struct pool_item it[2];
    enum store_invoice_outcome out[2];
    char why[2][STORE_INVOICE_WHY_SIZE], got[256];
    const char *sup = "1018100340", *buy = "1248100998";
    int changed = 0;
    make_firm(&f, sup, "가나전자", "26", 0, 5);
    assert_int_equal(store_firm_upsert(s, &f, &changed, &err), 0);
    make_firm(&f, buy, "(주)한빛테크", "26", 0, 5);
    assert_int_equal(store_firm_upsert(s, &f, &changed, &err), 0);
    pg_exec("INSERT INTO firm_months VALUES ('1018100340', '1999-01', 1, 1, 1, 1, 1), "
            "('1248100998', '1999-01', 1, 1, 1, 1, 1)");
    make_sp_invoice(&v[0], &it[0], "202503054100000000000001", sup, buy);
    make_sp_invoice(&v[1], &it[1], "202503054100000000000002", sup, buy);

    assert_int_equal(store_begin(s, &err), 0);
    make_upload(&u, sup, "invoices", "r1");
    assert_int_equal(store_upload_create(s, &u, &err), 0);
    assert_int_equal(store_invoice_put_batch(s, u.id, sup, POOL_SIDE_ISSUED, v, 2, out, why, &err),
                     0);
    assert_int_equal(store_rollup_refresh(s, sup, &err), 0);
    /* Noted, not done: nothing has changed yet for a reader of the table. */
    assert_int_equal(pg_scalar("SELECT count(*) FROM firm_months WHERE month = '1999-01'"), 2);
    assert_int_equal(store_savepoint(s, &err), 0);
    rollups_of(s, sup, got, sizeof(got));
    assert_string_equal(got, "2025-03 200 0 2 0;");
    make_upload(&u, buy, "invoices", "r2");
    assert_int_equal(store_upload_create(s, &u, &err), 0);
    assert_int_equal(
        store_invoice_put_batch(s, u.id, buy, POOL_SIDE_RECEIVED, v, 2, out, why, &err), 0);
    assert_int_equal(store_rollup_refresh(s, buy, &err), 0);
    store_savepoint_rollback(s);
    rollups_of(s, buy, got, sizeof(got));
    assert_string_equal(got, "1999-01 1 1 1 1;");
    assert_int_equal(store_commit(s, &err), 0);
    assert_int_equal(pg_scalar("SELECT count(*) FROM firm_months WHERE brn = '1018100340' "
                               "AND month = '2025-03' AND invoices_issued = 2"),
                     1);
    assert_int_equal(pg_scalar("SELECT count(*) FROM firm_months"), 2);

    /* Deeper than the marks go: on the spot. */
    assert_int_equal(store_begin(s, &err), 0);
    for (int d = 0; d < 17; d++)
        assert_int_equal(store_savepoint(s, &err), 0);
    make_upload(&u, buy, "invoices", "r3");
    assert_int_equal(store_upload_create(s, &u, &err), 0);
    assert_int_equal(
        store_invoice_put_batch(s, u.id, buy, POOL_SIDE_RECEIVED, v, 2, out, why, &err), 0);
    assert_int_equal(store_rollup_refresh(s, buy, &err), 0);
    for (int d = 0; d < 17; d++)
        assert_int_equal(store_savepoint_release(s, &err), 0);
    assert_int_equal(store_commit(s, &err), 0);
    rollups_of(s, buy, got, sizeof(got));
    assert_string_equal(got, "2025-03 0 200 0 2;");

    /* A rolled-back transaction forgets what it noted. */
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(store_rollup_refresh(s, sup, &err), 0);
    store_rollback(s);
    pg_exec("DELETE FROM firm_months WHERE brn = '1018100340'");
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(store_commit(s, &err), 0);
    assert_int_equal(pg_scalar("SELECT count(*) FROM firm_months WHERE brn = '1018100340'"), 0);
}

/* Append each scanned event's number and length; stop after stop_at when >= 0. */
struct scan_ctx {
    struct transcript *t;
    int64_t stop_at;
};

static int say_scanned(void *arg, int64_t seq, const void *leaf, size_t len)
{
    struct scan_ctx *c = arg;
    say(c->t, "  scanned %lld len %zu first %02x\n", (long long)seq, len,
        len > 0 ? (unsigned)((const unsigned char *)leaf)[0] : 0u);
    return c->stop_at >= 0 && seq >= c->stop_at ? 42 : 0;
}

static void say_strings(struct transcript *t, const char *what, int rc, char **a, char **b,
                        size_t n, const struct dure_err *err)
{
    said(t, what, rc, err);
    for (size_t i = 0; i < n; i++)
        say(t, "  %s%s%s\n", a[i], b != NULL ? "|" : "", b != NULL ? b[i] : "");
    store_strings_free(a, n);
    if (b != NULL)
        store_strings_free(b, n);
}

/* The ledger's operations: tree nodes, the event scan, checkpoints, witnesses, openings. */
static void exercise_ledger(struct store *s, struct transcript *t)
{
    struct dure_err err;
    uint8_t h[32], got[32];
    int64_t idx = -1;
    int rc;

    for (int i = 0; i < 32; i++)
        h[i] = (uint8_t)(i * 7 + 1);
    h[5] = 0; /* a NUL byte inside the hash */
    said(t, "node 0/0", store_tlog_node_put(s, 0, 0, h, &err), &err);
    h[0] ^= 0xff;
    said(t, "node 0/1", store_tlog_node_put(s, 0, 1, h, &err), &err);
    said(t, "node 1/0", store_tlog_node_put(s, 1, 0, h, &err), &err);
    said(t, "node 1/0 again", store_tlog_node_put(s, 1, 0, h, &err), &err);
    memset(got, 0, sizeof(got));
    rc = store_tlog_node_get(s, 0, 1, got, &err);
    say(t, "node get rc %d same %d\n", rc, memcmp(got, h, 32) == 0);
    said(t, "node get missing", store_tlog_node_get(s, 7, 7, got, &err), &err);
    rc = store_tlog_leaf_find(s, h, &idx, &err);
    say(t, "leaf find rc %d idx %lld\n", rc, (long long)idx);
    h[31] ^= 1;
    said(t, "leaf find missing", store_tlog_leaf_find(s, h, &idx, &err), &err);

    struct scan_ctx c = {t, -1};
    said(t, "scan all", store_event_scan(s, 0, 100, say_scanned, &c, &err), &err);
    said(t, "scan 1..2", store_event_scan(s, 1, 2, say_scanned, &c, &err), &err);
    said(t, "scan empty", store_event_scan(s, 5, 5, say_scanned, &c, &err), &err);
    c.stop_at = 1;
    rc = store_event_scan(s, 0, 100, say_scanned, &c, &err);
    say(t, "scan stopped rc %d\n", rc);

    char *note = NULL;
    int64_t size = -1;
    said(t, "no checkpoint", store_checkpoint_latest(s, &size, &note, &err), &err);
    said(t, "checkpoint 2", store_checkpoint_put(s, 2, "dure\n2\nAAAA\n\n— sig\n", "t1", &err),
         &err);
    said(t, "checkpoint 3", store_checkpoint_put(s, 3, "dure\n3\nBBBB\n", "t2", &err), &err);
    said(t, "checkpoint 3 again", store_checkpoint_put(s, 3, "other", "t3", &err), &err);
    rc = store_checkpoint_latest(s, &size, &note, &err);
    say(t, "latest rc %d size %lld note %s|\n", rc, (long long)size, note != NULL ? note : "-");
    free(note);
    rc = store_checkpoint_get(s, 2, &note, &err);
    say(t, "get 2 rc %d note %s|\n", rc, note != NULL ? note : "-");
    free(note);
    said(t, "get 9", store_checkpoint_get(s, 9, &note, &err), &err);

    char **names = NULL, **vkeys = NULL, **lines = NULL;
    size_t n = 0;
    rc = store_witness_list(s, &names, &vkeys, &n, &err);
    say_strings(t, "no witnesses", rc, names, vkeys, n, &err);
    const char *wn[] = {"witness.b", "Witness.A", "witness.a", "_w", "w2"};
    for (size_t i = 0; i < 5; i++) {
        char vk[64];
        snprintf(vk, sizeof(vk), "%s+0a0b0c0d+AAAA", wn[i]);
        said(t, "witness", store_witness_put(s, wn[i], vk, &err), &err);
    }
    said(t, "witness again", store_witness_put(s, "w2", "w2+ffffffff+BBBB", &err), &err);
    rc = store_witness_list(s, &names, &vkeys, &n, &err);
    say_strings(t, "witness_list", rc, names, vkeys, n, &err);
    for (size_t i = 0; i < 5; i++) {
        char line[64];
        snprintf(line, sizeof(line), "— %s sig%zu", wn[i], i);
        said(t, "cosign", store_cosignature_put(s, 3, wn[i], line, &err), &err);
    }
    said(t, "cosign again", store_cosignature_put(s, 3, "w2", "— w2 newer", &err), &err);
    rc = store_cosignature_list(s, 3, &lines, &n, &err);
    say_strings(t, "cosignature_list", rc, lines, NULL, n, &err);
    rc = store_cosignature_list(s, 2, &lines, &n, &err);
    say_strings(t, "cosignature_list none", rc, lines, NULL, n, &err);
    say(t, "null %d\n", lines == NULL);

    char brn[BRN_SIZE] = "";
    char *json = NULL;
    rc = store_event_secret_get(s, 0, brn, &json, &err);
    say(t, "opening rc %d %s %s\n", rc, brn, json != NULL ? json : "-");
    free(json);
    said(t, "opening missing", store_event_secret_get(s, 99, brn, &json, &err), &err);
}

static void same_transcript_as_sqlite(void **state)
{
    NEED_PG(state);
    struct dure_err err;
    struct store *sq = NULL;
    struct transcript sqlite_run, pg_run, *ts = &sqlite_run, *tp = &pg_run;
    char dir[64], path[96], p2[128];
    transcript_init(ts);
    transcript_init(tp);
    str_copy(dir, "/tmp/dure-test-pg-XXXXXX", sizeof(dir));
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/t.db", dir);
    assert_int_equal(store_open(path, &sq, &err), 0);
    exercise(sq, ts);
    exercise_pool(sq, ts);
    exercise_ledger(sq, ts);
    store_close(sq);
    exercise(*state, tp);
    exercise_pool(*state, tp);
    exercise_ledger(*state, tp);
    transcript_same(ts, tp, "postgres against sqlite");
    const char *suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p2, sizeof(p2), "%s%s", path, suffix[i]);
        unlink(p2);
    }
    rmdir(dir);
    free(ts->buf);
    free(tp->buf);
}

struct scan_check {
    int64_t next;
    int64_t count;
};

static int scan_in_order(void *arg, int64_t seq, const void *leaf, size_t len)
{
    struct scan_check *c = arg;
    char want[32];
    int n = snprintf(want, sizeof(want), "{\"n\":%lld}", (long long)seq);
    if (seq != c->next || len != (size_t)n || memcmp(leaf, want, len) != 0)
        return -1;
    c->next++;
    c->count++;
    return 0;
}

/* The driver reads the journal in chunks; a scan across chunk borders sees every event once. */
static void event_scan_crosses_chunks(void **state)
{
    NEED_PG(state);
    struct store *s = *state;
    struct dure_err err;
    char leaf[32];
    assert_int_equal(store_begin(s, &err), 0);
    for (int i = 0; i < 2500; i++) {
        int n = snprintf(leaf, sizeof(leaf), "{\"n\":%d}", i);
        assert_int_equal(store_event_append(s, "k", "s", leaf, (size_t)n, NULL, &err), 0);
    }
    assert_int_equal(store_commit(s, &err), 0);
    struct scan_check all = {0, 0}, part = {999, 0}, tail = {2000, 0};
    assert_int_equal(store_event_scan(s, 0, 2500, scan_in_order, &all, &err), 0);
    assert_int_equal(all.count, 2500);
    assert_int_equal(store_event_scan(s, 999, 2001, scan_in_order, &part, &err), 0);
    assert_int_equal(part.count, 1002);
    assert_int_equal(store_event_scan(s, 2000, 9999, scan_in_order, &tail, &err), 0);
    assert_int_equal(tail.count, 500);
}

/* ---- concurrency ---- */

struct writer {
    pthread_t thread;
    int index;
    int rc;
    char msg[DURE_ERR_MSG_MAX];
    int64_t seqs[TX_PER_THREAD];
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    struct store *s = NULL;
    struct dure_err err;
    char leaf[64];
    w->rc = store_open(pg_url(), &s, &err);
    for (int i = 0; w->rc == 0 && i < TX_PER_THREAD; i++) {
        int n = snprintf(leaf, sizeof(leaf), "{\"i\":%d,\"t\":%d}", i, w->index);
        w->rc = store_begin(s, &err);
        if (w->rc == 0)
            w->rc = store_event_append(s, "test", "thread", leaf, (size_t)n, &w->seqs[i], &err);
        if (w->rc == 0)
            w->rc = store_commit(s, &err);
        if (w->rc != 0)
            store_rollback(s);
    }
    if (w->rc != 0)
        str_copy(w->msg, err.msg, sizeof(w->msg));
    store_close(s);
    return NULL;
}

static void concurrent_writers_get_dense_event_numbers(void **state)
{
    NEED_PG(state);
    struct writer w[WRITER_THREADS];
    struct dure_err err;
    int64_t n = -1;
    unsigned char seen[WRITER_THREADS * TX_PER_THREAD];
    memset(w, 0, sizeof(w));
    memset(seen, 0, sizeof(seen));
    for (int i = 0; i < WRITER_THREADS; i++) {
        w[i].index = i;
        assert_int_equal(pthread_create(&w[i].thread, NULL, writer_main, &w[i]), 0);
    }
    for (int i = 0; i < WRITER_THREADS; i++)
        pthread_join(w[i].thread, NULL);
    for (int i = 0; i < WRITER_THREADS; i++) {
        if (w[i].rc != 0)
            fail_msg("writer %d: %s", i, w[i].msg);
        for (int j = 0; j < TX_PER_THREAD; j++) {
            int64_t q = w[i].seqs[j];
            assert_true(q >= 0 && q < WRITER_THREADS * TX_PER_THREAD);
            assert_int_equal(seen[q], 0);
            seen[q] = 1;
            /* A thread's own events come in its order. */
            if (j > 0)
                assert_true(q > w[i].seqs[j - 1]);
        }
    }
    assert_int_equal(store_event_count(*state, &n, &err), 0);
    assert_int_equal(n, WRITER_THREADS * TX_PER_THREAD);
    assert_int_equal(pg_scalar("SELECT count(DISTINCT seq) FROM events"),
                     WRITER_THREADS * TX_PER_THREAD);
    assert_int_equal(pg_scalar("SELECT max(seq) - min(seq) + 1 FROM events"),
                     WRITER_THREADS * TX_PER_THREAD);
    char *leaf = NULL;
    size_t len = 0;
    assert_int_equal(store_event_get(*state, w[2].seqs[7], &leaf, &len, &err), 0);
    assert_string_equal(leaf, "{\"i\":7,\"t\":2}");
    free(leaf);
}

struct upserter {
    pthread_t thread;
    pthread_barrier_t *go;
    struct store *s;
    int in_tx;
    struct firm f;
    int changed;
    int rc;
    char msg[DURE_ERR_MSG_MAX];
};

static void *upserter_main(void *arg)
{
    struct upserter *u = arg;
    struct dure_err err;
    pthread_barrier_wait(u->go);
    u->rc = u->in_tx ? store_begin(u->s, &err) : 0;
    if (u->rc == 0)
        u->rc = store_firm_upsert(u->s, &u->f, &u->changed, &err);
    if (u->rc == 0 && u->in_tx)
        u->rc = store_commit(u->s, &err);
    if (u->rc != 0) {
        str_copy(u->msg, err.msg, sizeof(u->msg));
        store_rollback(u->s);
    }
    return NULL;
}

/* Two connections upsert one firm at the same moment, in transactions (as the app does) and
 * outside them: one inserts, the other sees it (unchanged, or updated when it differs). */
static void concurrent_upserts_of_one_firm(void **state)
{
    NEED_PG(state);
    struct upserter u[2];
    struct dure_err err;
    pthread_barrier_t go;
    memset(u, 0, sizeof(u));
    for (int i = 0; i < 2; i++)
        assert_int_equal(store_open(pg_url(), &u[i].s, &err), 0);
    for (int round = 0; round < UPSERT_ROUNDS * 4; round++) {
        char brn[BRN_SIZE];
        int same = round % 2 == 0;
        snprintf(brn, sizeof(brn), "55%08u", (unsigned)round % 100000000u);
        assert_int_equal(pthread_barrier_init(&go, NULL, 2), 0);
        for (int i = 0; i < 2; i++) {
            make_firm(&u[i].f, brn, "동시 upsert", "26110", 0, same ? 5 : 5 + i);
            u[i].go = &go;
            u[i].in_tx = round < UPSERT_ROUNDS * 2;
            u[i].changed = -1;
            assert_int_equal(pthread_create(&u[i].thread, NULL, upserter_main, &u[i]), 0);
        }
        for (int i = 0; i < 2; i++)
            pthread_join(u[i].thread, NULL);
        pthread_barrier_destroy(&go);
        for (int i = 0; i < 2; i++)
            if (u[i].rc != 0)
                fail_msg("round %d upserter %d: %s", round, i, u[i].msg);
        int lo = u[0].changed < u[1].changed ? u[0].changed : u[1].changed;
        int hi = u[0].changed < u[1].changed ? u[1].changed : u[0].changed;
        if (same) {
            assert_int_equal(lo, 0);
            assert_int_equal(hi, 1);
        } else {
            assert_int_equal(lo, 1);
            assert_int_equal(hi, 2);
        }
        struct firm got;
        assert_int_equal(store_firm_get(*state, brn, &got, &err), 0);
        /* The later writer's row is the one kept. */
        int later = u[0].changed == 1 ? 1 : 0;
        assert_int_equal(got.employees, u[later].f.employees);
    }
    for (int i = 0; i < 2; i++)
        store_close(u[i].s);
}

struct migrator {
    pthread_t thread;
    pthread_barrier_t *go;
    int rc;
    char msg[DURE_ERR_MSG_MAX];
};

static void *migrator_main(void *arg)
{
    struct migrator *m = arg;
    struct store *s = NULL;
    struct dure_err err;
    m->rc = store_open(pg_url(), &s, &err);
    pthread_barrier_wait(m->go);
    if (m->rc == 0)
        m->rc = store_migrate(s, &err);
    if (m->rc != 0)
        str_copy(m->msg, err.msg, sizeof(m->msg));
    store_close(s);
    return NULL;
}

/* Several processes starting at once on an empty database: one migrates, the others wait. */
static void concurrent_migrations_apply_once(void **state)
{
    NEED_PG(state);
    struct migrator m[3];
    struct dure_err err;
    pthread_barrier_t go;
    int v = 0, latest = 0;
    memset(m, 0, sizeof(m));
    assert_int_equal(pthread_barrier_init(&go, NULL, 3), 0);
    for (int i = 0; i < 3; i++) {
        m[i].go = &go;
        assert_int_equal(pthread_create(&m[i].thread, NULL, migrator_main, &m[i]), 0);
    }
    for (int i = 0; i < 3; i++)
        pthread_join(m[i].thread, NULL);
    pthread_barrier_destroy(&go);
    for (int i = 0; i < 3; i++)
        if (m[i].rc != 0)
            fail_msg("migrator %d: %s", i, m[i].msg);
    assert_int_equal(store_schema_version(*state, &v, &latest, &err), 0);
    assert_int_equal(v, latest);
    assert_int_equal(pg_scalar("SELECT count(*) FROM schema_migrations"), latest);
}

/* ---- whole-table copies (dure migrate-store) ---- */

/* Every row of a dump as text: column=kind:hex bytes, one row a line. */
static int dump_row(void *ctx, size_t ncols, const char *const *columns,
                    const struct store_value *values)
{
    struct buf *b = ctx;
    for (size_t i = 0; i < ncols; i++) {
        char hex[2 * 4096 + 1];
        assert_true(values[i].len <= 4096);
        str_hex(hex, (const unsigned char *)(values[i].data != NULL ? values[i].data : ""),
                values[i].len);
        assert_int_equal(buf_printf(b, "%s=%d:%s ", columns[i], (int)values[i].kind, hex), 0);
    }
    assert_int_equal(buf_append_str(b, "\n"), 0);
    return 0;
}

static void dump_all(struct store *s, struct buf *b)
{
    struct dure_err err;
    size_t n;
    const struct store_table *t = store_tables(&n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(buf_printf(b, "== %s\n", t[i].name), 0);
        assert_int_equal(store_table_dump(s, t[i].name, dump_row, b, &err), 0);
    }
}

/* Copy every table of from into to in one transaction of to that also migrates it. */
static int copy_all(struct store *from, struct store *to, struct dure_err *err)
{
    size_t n;
    int64_t rows = 0;
    const struct store_table *t = store_tables(&n);
    int rc = store_begin(to, err);
    if (rc == 0)
        rc = store_migrate(to, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = store_table_copy(from, to, t[i].name, NULL, NULL, &rows, err);
    if (rc == 0)
        rc = store_commit(to, err);
    if (rc != 0)
        store_rollback(to);
    return rc;
}

static void unlink_db(const char *path)
{
    const char *suffix[] = {"", "-wal", "-shm"};
    char p[160];
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
        unlink(p);
    }
}

/* SQLite (every table filled by the transcript's operations) -> PostgreSQL -> a new SQLite:
 * the last is row for row, byte for byte, the first; the schema of both targets was created
 * inside the copy's transaction; PostgreSQL's sequences were moved past the copied ids. */
static void table_copy_round_trip(void **state)
{
    NEED_PG(state);
    struct dure_err err;
    struct store *a = NULL, *b = NULL, *pg = *state;
    struct transcript run, *t = &run;
    struct buf da, db;
    char dir[64], pa[96], pb[96];
    size_t nnames = 0;
    char **names = NULL;
    transcript_init(t);
    str_copy(dir, "/tmp/dure-test-copy-XXXXXX", sizeof(dir));
    assert_non_null(mkdtemp(dir));
    snprintf(pa, sizeof(pa), "%s/a.db", dir);
    snprintf(pb, sizeof(pb), "%s/b.db", dir);
    assert_int_equal(store_open(pa, &a, &err), 0);
    exercise(a, t);
    exercise_pool(a, t);
    exercise_ledger(a, t);

    /* Every table of the schema is in the list (and schema_migrations). */
    assert_int_equal(store_table_names(a, &names, &nnames, &err), 0);
    size_t nt;
    store_tables(&nt);
    assert_int_equal(nnames, nt + 1);
    store_strings_free(names, nnames);

    assert_int_equal(copy_all(a, pg, &err), 0);
    assert_int_equal(pg_scalar("SELECT count(*) FROM events"),
                     pg_scalar("SELECT COALESCE(MAX(seq) + 1, 0) FROM events"));
    assert_int_equal(store_open(pb, &b, &err), 0);
    assert_int_equal(copy_all(pg, b, &err), 0);

    buf_init(&da, 64 << 20);
    buf_init(&db, 64 << 20);
    dump_all(a, &da);
    dump_all(b, &db);
    assert_true(da.len > 1000);
    assert_string_equal(buf_str(&da), buf_str(&db));

    /* A copy only goes into an empty database... (the app refuses; the store would collide) */
    assert_int_not_equal(copy_all(a, pg, &err), 0);
    /* ...and new rows on PostgreSQL get ids after the copied ones. */
    struct building bl;
    int64_t id = 0;
    int changed = 0;
    memset(&bl, 0, sizeof(bl));
    str_copy(bl.name, "after the copy", sizeof(bl.name));
    bl.complex = 1;
    assert_int_equal(store_building_upsert(pg, &bl, &id, &changed, &err), 0);
    assert_int_equal(changed, 1);
    assert_true(id > pg_scalar("SELECT MAX(id) FROM buildings WHERE name <> 'after the copy'"));

    /* A table outside the list is refused before any SQL. */
    int64_t rows = 0;
    assert_int_equal(store_table_copy(a, b, "sqlite_master", NULL, NULL, &rows, &err), DURE_EINVAL);

    buf_cleanup(&da);
    buf_cleanup(&db);
    store_close(a);
    store_close(b);
    unlink_db(pa);
    unlink_db(pb);
    rmdir(dir);
    free(t->buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(migrations_apply_once, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_database_is_version_0, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(newer_schema_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(building_and_firm_upsert_detect_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(events_need_a_transaction_and_have_no_gaps, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(backup_points_to_pg_dump, setup, teardown),
        cmocka_unit_test_setup_teardown(commit_after_an_error_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(savepoints_keep_the_good_units, setup, teardown),
        cmocka_unit_test_setup_teardown(bulk_matches_single_puts, setup, teardown),
        cmocka_unit_test_setup_teardown(rollups_deferred_to_the_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(a_dropped_connection_is_reopened, setup, teardown),
        cmocka_unit_test(unreachable_server_is_a_clear_error_without_the_password),
        cmocka_unit_test_setup_teardown(same_transcript_as_sqlite, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(event_scan_crosses_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_writers_get_dense_event_numbers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(concurrent_upserts_of_one_firm, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_migrations_apply_once, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(table_copy_round_trip, setup_bare, teardown),
    };
    if (pg_url() == NULL)
        print_message("DURE_TEST_PG_URL is not set: the PostgreSQL tests are skipped "
                      "(scripts/test-pg.sh BUILD_DIR runs them on a throwaway cluster)\n");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
