/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger through the app layer: every event becomes a leaf, checkpoints are signed over
 * the right root, proofs verify, verify finds tampering at the right index, receipts open
 * their commitments only for the member. */
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

#include "app/ledger.h"
#include "app/registry.h"
#include "util/str.h"

struct fx {
    char dir[64], db[96], key[96];
    struct app *app;
    struct principal cli;
};

static void add_building(struct fx *f, int i)
{
    struct building b;
    struct dure_err err;
    memset(&b, 0, sizeof(b));
    snprintf(b.name, sizeof(b.name), "테스트타워 %d차", i);
    b.complex = 1 + i % 3;
    b.is_centre = 1;
    assert_int_equal(registry_building_create(f->app, &f->cli, &b, &err), 0);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct dure_err err;
    int created = 0;
    str_copy(f->dir, "/tmp/dure-test-ledger-XXXXXX", sizeof(f->dir));
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/d.db", f->dir);
    snprintf(f->key, sizeof(f->key), "%s/ledger.key", f->dir);
    assert_int_equal(ledger_key_init(f->key, "test.dure.coop/ledger", &created, &err), 0);
    assert_int_equal(created, 1);
    struct app_config cfg = {.db_url = f->db, .ledger_key = f->key};
    assert_int_equal(app_create(&cfg, &f->app, &err), 0);
    auth_principal_cli(&f->cli);
    for (int i = 0; i < 37; i++)
        add_building(f, i);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[160];
    app_destroy(f->app);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void checkpoint_is_signed_over_the_tree(void **state)
{
    struct fx *f = *state;
    struct dure_err err;
    char *note = NULL, vkey[NOTE_VKEY_SIZE];
    int64_t size = 0, leaves = 0;
    int cut = 0;
    assert_int_equal(ledger_size(f->app, &leaves, &err), 0);
    assert_int_equal(leaves, 37);
    assert_int_equal(ledger_checkpoint_cut(f->app, &cut, &err), 0);
    assert_int_equal(cut, 1);
    /* Nothing new: no new checkpoint. */
    assert_int_equal(ledger_checkpoint_cut(f->app, &cut, &err), 0);
    assert_int_equal(cut, 0);
    assert_int_equal(ledger_checkpoint(f->app, &note, &size, &err), 0);
    assert_int_equal(size, 37);
    assert_non_null(strstr(note, "test.dure.coop/ledger\n37\n"));

    struct note n;
    struct note_verifier v;
    struct note_checkpoint cp;
    assert_int_equal(ledger_verifier_key(f->app, vkey, &err), 0);
    assert_int_equal(note_verifier_parse(vkey, strlen(vkey), &v, &err), 0);
    assert_int_equal(note_parse(note, strlen(note), &n, &err), 0);
    assert_int_equal(note_verify(&n, &v, NULL, &err), 0);
    assert_int_equal(note_checkpoint_parse(n.text, n.text_len, &cp, &err), 0);

    /* Every inclusion proof verifies against the signed root. */
    for (int64_t i = 0; i < 37; i++) {
        struct tlog_proof p;
        uint8_t lh[32];
        char *leaf = NULL;
        size_t len = 0;
        struct ledger_receipt r;
        assert_int_equal(ledger_prove_inclusion(f->app, i, 37, &p, &err), 0);
        struct store *s = NULL;
        assert_int_equal(app_store(f->app, &s, &err), 0);
        assert_int_equal(store_event_get(s, i, &leaf, &len, &err), 0);
        tlog_leaf_hash(leaf, len, lh);
        assert_int_equal(tlog_verify_inclusion((uint64_t)i, 37, lh, &p, cp.root, &err), 0);
        assert_int_equal(ledger_receipt(f->app, &f->cli, lh, &r, &err), 0);
        assert_int_equal(r.index, i);
        ledger_receipt_cleanup(&r);
        free(leaf);
    }
    free(note);

    /* Grow, cut again, and prove the new tree extends the old one. */
    for (int i = 37; i < 50; i++)
        add_building(f, i);
    assert_int_equal(ledger_checkpoint_cut(f->app, &cut, &err), 0);
    assert_int_equal(cut, 1);
    assert_int_equal(ledger_checkpoint(f->app, &note, &size, &err), 0);
    assert_int_equal(size, 50);
    struct note n2;
    struct note_checkpoint cp2;
    assert_int_equal(note_parse(note, strlen(note), &n2, &err), 0);
    assert_int_equal(note_checkpoint_parse(n2.text, n2.text_len, &cp2, &err), 0);
    struct tlog_proof cons;
    assert_int_equal(ledger_prove_consistency(f->app, 37, 50, &cons, &err), 0);
    uint8_t root37[32];
    memcpy(root37, cp.root, 32);
    assert_int_equal(tlog_verify_consistency(37, 50, &cons, root37, cp2.root, &err), 0);
    free(note);
}

static void tamper(struct fx *f, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void verify_names_the_first_bad_index(void **state)
{
    struct fx *f = *state;
    struct dure_err err;
    int64_t checked = 0, bad = -1;
    assert_int_equal(ledger_checkpoint_cut(f->app, NULL, &err), 0);
    assert_int_equal(ledger_verify(f->app, &checked, &bad, &err), 0);
    assert_int_equal(checked, 37);
    tamper(f, "UPDATE events SET leaf = CAST(replace(CAST(leaf AS TEXT), '테스트', '가짜') AS BLOB) "
              "WHERE seq = 12");
    assert_int_equal(ledger_verify(f->app, &checked, &bad, &err), DURE_ECONFLICT);
    assert_int_equal(bad, 12);
}

static void verify_finds_a_removed_leaf(void **state)
{
    struct fx *f = *state;
    struct dure_err err;
    int64_t checked = 0, bad = -1;
    tamper(f, "DELETE FROM events WHERE seq = 20");
    assert_int_equal(ledger_verify(f->app, &checked, &bad, &err), DURE_ECONFLICT);
    assert_int_equal(bad, 20);
}

static void verify_finds_reordered_leaves(void **state)
{
    struct fx *f = *state;
    struct dure_err err;
    int64_t checked = 0, bad = -1;
    tamper(f, "UPDATE events SET seq = -1 WHERE seq = 5;"
              "UPDATE events SET seq = 5 WHERE seq = 9;"
              "UPDATE events SET seq = 9 WHERE seq = -1;");
    assert_int_equal(ledger_verify(f->app, &checked, &bad, &err), DURE_ECONFLICT);
    assert_int_equal(bad, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(checkpoint_is_signed_over_the_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(verify_names_the_first_bad_index, setup, teardown),
        cmocka_unit_test_setup_teardown(verify_finds_a_removed_leaf, setup, teardown),
        cmocka_unit_test_setup_teardown(verify_finds_reordered_leaves, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
