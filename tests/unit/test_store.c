/* SPDX-License-Identifier: Apache-2.0 */
/* The SQLite store: migrations, upsert change detection, events only inside transactions,
 * refusal of a newer schema, online backup. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/str.h"

struct fixture {
    char dir[64];
    char path[96];
    struct store *s;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct dure_err err;
    str_copy(fx->dir, "/tmp/dure-test-store-XXXXXX", sizeof(fx->dir));
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof(fx->path), "%s/t.db", fx->dir);
    assert_int_equal(store_open(fx->path, &fx->s, &err), 0);
    assert_int_equal(store_migrate(fx->s, &err), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char p[160];
    store_close(fx->s);
    const char *suffix[] = {"", "-wal", "-shm", ".bak"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s%s", fx->path, suffix[i]);
        unlink(p);
    }
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static void migrations_apply_once(void **state)
{
    struct fixture *fx = *state;
    struct dure_err err;
    int v = 0, latest = 0;
    assert_int_equal(store_schema_version(fx->s, &v, &latest, &err), 0);
    assert_true(latest >= 1);
    assert_int_equal(v, latest);
    /* Applying again is a no-op. */
    assert_int_equal(store_migrate(fx->s, &err), 0);
    assert_int_equal(store_schema_version(fx->s, &v, &latest, &err), 0);
    assert_int_equal(v, latest);
    assert_string_equal(store_driver_name(fx->s), "sqlite");
}

static void newer_schema_is_refused(void **state)
{
    struct fixture *fx = *state;
    struct dure_err err;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO schema_migrations VALUES (999, 'future', "
                                  "'2030-01-01T00:00:00Z')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_migrate(fx->s, &err), DURE_ECONFLICT);
    assert_non_null(strstr(err.msg, "newer"));
}

static void building_and_firm_upsert_detect_changes(void **state)
{
    struct fixture *fx = *state;
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
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(store_building_upsert(fx->s, &b, &id, &changed, &err), 0);
    assert_int_equal(changed, 1);
    assert_int_equal(store_building_upsert(fx->s, &b, &id2, &changed, &err), 0);
    assert_int_equal(changed, 0);
    assert_int_equal(id, id2);
    b.floors = 21;
    assert_int_equal(store_building_upsert(fx->s, &b, &id2, &changed, &err), 0);
    assert_int_equal(changed, 2);

    struct firm f, got;
    memset(&f, 0, sizeof(f));
    str_copy(f.brn, "1248100998", sizeof(f.brn));
    str_copy(f.name, "(주)한빛테크", sizeof(f.name));
    str_copy(f.ksic, "26299", sizeof(f.ksic));
    f.building_id = id;
    f.employees = 12;
    assert_int_equal(store_firm_upsert(fx->s, &f, &changed, &err), 0);
    assert_int_equal(changed, 1);
    assert_int_equal(store_firm_upsert(fx->s, &f, &changed, &err), 0);
    assert_int_equal(changed, 0);
    f.employees = 13;
    assert_int_equal(store_firm_upsert(fx->s, &f, &changed, &err), 0);
    assert_int_equal(changed, 2);
    assert_int_equal(store_commit(fx->s, &err), 0);

    assert_int_equal(store_firm_get(fx->s, "1248100998", &got, &err), 0);
    assert_int_equal(got.employees, 13);
    assert_int_equal(got.building_id, id);
    assert_string_equal(got.name, "(주)한빛테크");
    assert_int_equal(store_firm_get(fx->s, "1348672683", &got, &err), DURE_ENOTFOUND);

    /* A building with firms cannot be deleted. */
    assert_int_equal(store_building_delete(fx->s, id, &err), DURE_ECONFLICT);
    struct building gb;
    assert_int_equal(store_building_get(fx->s, id, &gb, &err), 0);
    assert_int_equal(gb.firm_count, 1);
}

static void events_need_a_transaction_and_have_no_gaps(void **state)
{
    struct fixture *fx = *state;
    struct dure_err err;
    int64_t seq = -1, n = -1;
    assert_int_equal(store_event_append(fx->s, "k", "s", "{}", 2, &seq, &err), DURE_EINTERNAL);
    assert_int_equal(store_begin(fx->s, &err), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(store_event_append(fx->s, "k", "s", "{\"a\":1}", 7, &seq, &err), 0);
        assert_int_equal(seq, i);
    }
    assert_int_equal(store_commit(fx->s, &err), 0);
    /* A rolled-back event leaves no trace and no gap. */
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(store_event_append(fx->s, "k", "s", "{}", 2, &seq, &err), 0);
    store_rollback(fx->s);
    assert_int_equal(store_event_count(fx->s, &n, &err), 0);
    assert_int_equal(n, 5);
    char *leaf = NULL;
    size_t len = 0;
    assert_int_equal(store_event_get(fx->s, 4, &leaf, &len, &err), 0);
    assert_string_equal(leaf, "{\"a\":1}");
    assert_int_equal(len, 7);
    free(leaf);
}

static void backup_copies_the_database(void **state)
{
    struct fixture *fx = *state;
    struct dure_err err;
    char bak[160];
    struct store *b = NULL;
    int64_t n = 0;
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(store_event_append(fx->s, "k", "s", "{}", 2, NULL, &err), 0);
    assert_int_equal(store_commit(fx->s, &err), 0);
    snprintf(bak, sizeof(bak), "%s.bak", fx->path);
    assert_int_equal(store_backup(fx->s, bak, &err), 0);
    assert_int_equal(store_open(bak, &b, &err), 0);
    assert_int_equal(store_event_count(b, &n, &err), 0);
    assert_int_equal(n, 1);
    store_close(b);
}

static void unopenable_path_is_a_clear_error(void **state)
{
    (void)state;
    struct store *s = NULL;
    struct dure_err err;
    assert_int_equal(store_open("/nonexistent-dir/x/y.db", &s, &err), DURE_EIO);
    assert_non_null(strstr(err.msg, "cannot open database"));
    assert_null(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(migrations_apply_once, setup, teardown),
        cmocka_unit_test_setup_teardown(newer_schema_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(building_and_firm_upsert_detect_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(events_need_a_transaction_and_have_no_gaps, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(backup_copies_the_database, setup, teardown),
        cmocka_unit_test(unopenable_path_is_a_clear_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
