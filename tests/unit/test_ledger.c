/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger through the app layer: every event becomes a leaf, checkpoints are signed over
 * the right root, proofs verify, verify finds tampering at the right index, receipts open
 * their commitments only for the member. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/events.h"
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

/* n events of kind in one transaction on the app's connection, committed or rolled back. */
static void append_events(struct fx *f, const char *kind, int n, int commit)
{
    struct store *s = NULL;
    struct dure_err err;
    assert_int_equal(app_store(f->app, &s, &err), 0);
    assert_int_equal(store_begin(s, &err), 0);
    for (int i = 0; i < n; i++) {
        char subject[32];
        snprintf(subject, sizeof(subject), "test:%d", i);
        assert_int_equal(events_record(s, &f->cli, kind, subject,
                                       json_pack("{s:i, s:s}", "i", i, "kind", kind), &err),
                         0);
    }
    if (commit)
        assert_int_equal(store_commit(s, &err), 0);
    else
        store_rollback(s);
}

/* Cut a checkpoint and check every inclusion proof against its root. */
static void check_all_proofs(struct fx *f, int64_t size)
{
    struct dure_err err;
    struct store *s = NULL;
    char *note = NULL;
    int64_t cp_size = 0;
    struct note n;
    struct note_checkpoint cp;
    assert_int_equal(ledger_checkpoint_cut(f->app, NULL, &err), 0);
    assert_int_equal(ledger_checkpoint(f->app, &note, &cp_size, &err), 0);
    assert_int_equal(cp_size, size);
    assert_int_equal(note_parse(note, strlen(note), &n, &err), 0);
    assert_int_equal(note_checkpoint_parse(n.text, n.text_len, &cp, &err), 0);
    assert_int_equal(app_store(f->app, &s, &err), 0);
    for (int64_t i = 0; i < size; i++) {
        struct tlog_proof p;
        uint8_t lh[32];
        char *leaf = NULL;
        size_t len = 0;
        assert_int_equal(ledger_prove_inclusion(f->app, i, size, &p, &err), 0);
        assert_int_equal(store_event_get(s, i, &leaf, &len, &err), 0);
        tlog_leaf_hash(leaf, len, lh);
        assert_int_equal(tlog_verify_inclusion((uint64_t)i, (uint64_t)size, lh, &p, cp.root, &err),
                         0);
        free(leaf);
    }
    free(note);
}

struct elsewhere {
    struct fx *f;
    const char *kind;
    int n;
};

static void *append_thread(void *arg)
{
    struct elsewhere *e = arg;
    append_events(e->f, e->kind, e->n, 1);
    app_thread_done(e->f->app);
    return NULL;
}

/* n events committed by another connection (the app's connection of another thread), as
 * another process or server appending to the same database. */
static void append_events_elsewhere(struct fx *f, const char *kind, int n)
{
    struct elsewhere e = {f, kind, n};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, append_thread, &e), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
}

static int64_t log_size(struct fx *f)
{
    struct dure_err err;
    int64_t n = 0;
    assert_int_equal(ledger_size(f->app, &n, &err), 0);
    return n;
}

/* The store caches tree nodes per connection. A rollback must forget the nodes the
 * rolled-back transaction wrote: when another writer then appends the same indices, this
 * connection must read their committed hashes, not its own rolled-back ones. */
static void rollback_forgets_cached_nodes(void **state)
{
    struct fx *f = *state;
    struct dure_err err;
    int64_t checked = 0, bad = -1;
    /* Leaves 37..56 rolled back (among them node (3, 6), leaves 48..55); leaves 37..55
     * appended by another connection; this one appends 56..70, and at 63 reads (3, 6). */
    append_events(f, "test.rolled_back", 20, 0);
    append_events_elsewhere(f, "test.elsewhere", 19);
    append_events(f, "test.kept", 15, 1);
    assert_int_equal(log_size(f), 71);
    assert_int_equal(ledger_verify(f->app, &checked, &bad, &err), 0);
    assert_int_equal(checked, 71);
    check_all_proofs(f, 71);
    /* The same with nodes of level 8 (of 256 leaves), which the store also keeps beyond the
     * newest of each level: 71..1100 rolled back, among them (8, 2) and (8, 3); 71..767
     * appended elsewhere; this connection appends 768..1030 and at 1023 reads (8, 2). */
    append_events(f, "test.rolled_back", 1030, 0);
    append_events_elsewhere(f, "test.elsewhere", 697);
    append_events(f, "test.kept", 263, 1);
    assert_int_equal(log_size(f), 1031);
    assert_int_equal(ledger_verify(f->app, &checked, &bad, &err), 0);
    assert_int_equal(checked, 1031);
    check_all_proofs(f, 1031);
}

/* A log of more than one verify chunk (2^16 leaves): the chunks, hashed apart (on several
 * threads when the machine has the cores), join into the right roots whether the checkpoint
 * ends on a chunk boundary or inside one, and the first bad leaf of the log is named. */
static void verify_spans_chunks(void **state)
{
    struct fx *f = *state;
    struct dure_err err;
    int64_t checked = 0, bad = -1;
    int cut = 0;
    const int64_t chunk = 65536;
    for (int64_t have = 37; have < chunk;) {
        int n = chunk - have > 10000 ? 10000 : (int)(chunk - have);
        append_events(f, "test.bulk", n, 1);
        have += n;
    }
    assert_int_equal(ledger_checkpoint_cut(f->app, &cut, &err), 0);
    assert_int_equal(cut, 1);
    assert_int_equal(ledger_verify(f->app, &checked, &bad, &err), 0);
    assert_int_equal(checked, chunk);
    append_events(f, "test.bulk", 100, 1);
    assert_int_equal(ledger_verify(f->app, &checked, &bad, &err), 0);
    assert_int_equal(checked, chunk + 100);
    assert_int_equal(ledger_checkpoint_cut(f->app, &cut, &err), 0);
    append_events(f, "test.bulk", 4321, 1);
    assert_int_equal(ledger_verify(f->app, &checked, &bad, &err), 0);
    assert_int_equal(checked, chunk + 4421);
    tamper(f, "UPDATE events SET leaf = CAST(replace(CAST(leaf AS TEXT), 'bulk', 'BULK') AS BLOB) "
              "WHERE seq = 66000");
    assert_int_equal(ledger_verify(f->app, &checked, &bad, &err), DURE_ECONFLICT);
    assert_int_equal(bad, 66000);
    tamper(f, "DELETE FROM events WHERE seq = 30000");
    assert_int_equal(ledger_verify(f->app, &checked, &bad, &err), DURE_ECONFLICT);
    assert_int_equal(bad, 30000);
}

/* events_canonical_json writes what jansson's json_dumps(JSON_SORT_KEYS | JSON_COMPACT |
 * JSON_ENCODE_ANY) writes, byte for byte, and fails where it fails. */
static void check_canonical(json_t *v)
{
    char *want = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    size_t len = 0;
    char *got = events_canonical_json(v, &len);
    if (want == NULL) {
        assert_null(got);
    } else {
        assert_non_null(got);
        assert_string_equal(got, want);
        assert_int_equal(len, strlen(want));
    }
    free(want);
    free(got);
}

static void canonical_json_is_janssons(void **state)
{
    static const char *const strings[] = {
        "", "plain", "quote \" and backslash \\", "slash /", "\b\f\n\r\t", "\x01\x1f\x7f",
        "한국어 테스트", "emoji \xf0\x9f\x98\x80", "line sep \xe2\x80\xa8", "é"};
    (void)state;
    json_t *obj = json_object();
    json_t *arr = json_array();
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        json_t *str = json_string(strings[i]);
        assert_non_null(str);
        check_canonical(str);
        json_array_append(arr, str);
        /* Keys in an order jansson must sort: prefixes, high bytes, escapes. */
        json_object_set_new(obj, strings[i], str);
    }
    json_object_set_new(obj, "a", json_integer(0));
    json_object_set_new(obj, "ab", json_integer(-1));
    json_object_set_new(obj, "a\x01", json_integer(INT64_MIN));
    json_object_set_new(obj, "B", json_integer(INT64_MAX));
    json_object_setn_new(obj, "nul\0key", 7, json_true());
    json_object_set_new(obj, "reals", json_pack("[f,f,f,f,f]", 0.1, -2.5e-300, 1e300, 3.0, -0.0));
    json_object_set_new(obj, "flags", json_pack("[b,b,n,{},[]]", 1, 0));
    json_object_set_new(obj, "nul", json_stringn("a\0b", 3));
    json_object_set(obj, "array", arr);
    check_canonical(obj);
    check_canonical(arr);
    check_canonical(json_object_get(obj, "reals"));
    for (int64_t v = -1000; v <= 1000; v += 7) {
        json_t *i = json_integer(v * 1000003);
        check_canonical(i);
        json_decref(i);
    }
    /* Deeper than the encoder goes itself: jansson takes over. */
    json_t *deep = json_pack("{s:i}", "leaf", 1);
    for (int i = 0; i < 80; i++)
        deep = i % 2 ? json_pack("[o]", deep) : json_pack("{s:o}", "k", deep);
    check_canonical(deep);
    json_decref(deep);
    /* Invalid UTF-8 and cycles fail in both. */
    json_t *bad = json_stringn_nocheck("\xc3\x28", 2);
    check_canonical(bad);
    json_t *wrap = json_pack("{s:O}", "bad", bad);
    check_canonical(wrap);
    json_decref(wrap);
    json_decref(bad);
    json_t *loop = json_array();
    json_t *holder = json_pack("{s:O}", "loop", loop);
    json_array_append(loop, holder);
    check_canonical(holder);
    json_array_clear(loop);
    json_decref(holder);
    json_decref(loop);
    json_decref(arr);
    json_decref(obj);
}

/* A leaf is canonical JSON: decoded and encoded again by jansson, it is the same bytes. */
static void leaves_are_canonical(void **state)
{
    struct fx *f = *state;
    struct dure_err err;
    struct store *s = NULL;
    char *leaf = NULL;
    size_t len = 0;
    assert_int_equal(app_store(f->app, &s, &err), 0);
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(events_record(s, &f->cli, "test.\"odd\"\\kind\n", "주체:\x01/é",
                                   json_pack("{s:s, s:f, s:[i, n], s:{}}", "z", "끝", "a", 0.5,
                                             "m", 7, "e"),
                                   &err),
                     0);
    assert_int_equal(events_record(s, &f->cli, "test.empty", "x", NULL, &err), 0);
    assert_int_equal(store_commit(s, &err), 0);
    for (int64_t seq = 0; seq < 39; seq++) {
        assert_int_equal(store_event_get(s, seq, &leaf, &len, &err), 0);
        json_t *v = json_loadb(leaf, len, JSON_ALLOW_NUL, NULL);
        assert_non_null(v);
        char *again = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
        assert_string_equal(again, leaf);
        free(again);
        json_decref(v);
        free(leaf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(checkpoint_is_signed_over_the_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(verify_names_the_first_bad_index, setup, teardown),
        cmocka_unit_test_setup_teardown(verify_finds_a_removed_leaf, setup, teardown),
        cmocka_unit_test_setup_teardown(verify_finds_reordered_leaves, setup, teardown),
        cmocka_unit_test_setup_teardown(rollback_forgets_cached_nodes, setup, teardown),
        cmocka_unit_test_setup_teardown(verify_spans_chunks, setup, teardown),
        cmocka_unit_test(canonical_json_is_janssons),
        cmocka_unit_test_setup_teardown(leaves_are_canonical, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
