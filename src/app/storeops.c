/* SPDX-License-Identifier: Apache-2.0 */
/* dure migrate-store: one database copied into another, table by table in foreign-key order,
 * all of it in one transaction on the target, and the ledger checked on both sides. */
#include "app/storeops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "app/app.h"
#include "app/ledger.h"
#include "store/store.h"
#include "util/str.h"

#define KEY_FILE_MAX 4096

static int is_url(const char *db)
{
    return strstr(db, "://") != NULL;
}

/* Prefix err's message with the side it concerns ("source: ...", "target: ..."). */
static int sided(struct dure_err *err, int rc, const char *side)
{
    char why[DURE_ERR_MSG_MAX];
    str_copy(why, err->msg[0] != '\0' ? err->msg : dure_err_text(err->code), sizeof(why));
    return dure_err_set(err, rc, "%s: %s", side, why);
}

/* The whole of a small file into buf (size n); *len (OUT). -1 when it does not exist. */
static int read_small(const char *path, char *buf, size_t n, size_t *len, struct dure_err *err)
{
    int fd = open(path, O_RDONLY);
    ssize_t got;
    *len = 0;
    if (fd < 0)
        return errno == ENOENT ? -1 : dure_err_set(err, DURE_EIO, "cannot open %s", path);
    while ((got = read(fd, buf + *len, n - *len)) > 0 && *len + (size_t)got < n)
        *len += (size_t)got;
    close(fd);
    if (got < 0 || got > 0)
        return dure_err_set(err, DURE_EIO, "cannot read %s (or it is too big)", path);
    return 0;
}

/* Carry the ledger's signing key to where the target's servers will look for it. *created
 * (OUT) is set when this call wrote the file, to remove it again if the copy fails. */
static int carry_key(const char *from_url, const char *to_url, struct storeops_report *rep,
                     int *created, struct dure_err *err)
{
    char from_key[4096], src[KEY_FILE_MAX], dst[KEY_FILE_MAX];
    size_t src_len = 0, dst_len = 0;
    int rc = 0, fd = -1;
    *created = 0;
    app_default_key_path(from_url, from_key, sizeof(from_key));
    app_default_key_path(to_url, rep->key_path, sizeof(rep->key_path));
    if (strcmp(from_key, rep->key_path) == 0) {
        rep->key = access(from_key, F_OK) == 0 ? STOREOPS_KEY_SHARED : STOREOPS_KEY_NONE;
        return 0;
    }
    rc = read_small(from_key, src, sizeof(src), &src_len, err);
    if (rc == -1) {
        rep->key = STOREOPS_KEY_NONE;
        rc = 0;
        goto out;
    }
    if (rc != 0)
        goto out;
    rc = read_small(rep->key_path, dst, sizeof(dst), &dst_len, err);
    if (rc == 0) {
        if (dst_len != src_len || sodium_memcmp(src, dst, src_len) != 0)
            rc = dure_err_set(err, DURE_ECONFLICT,
                              "target: its ledger key %s is not the source's (%s), so the copied "
                              "checkpoints would not verify; move it away or set DURE_DATA_DIR",
                              rep->key_path, from_key);
        else
            rep->key = STOREOPS_KEY_SAME;
        goto out;
    }
    if (rc != -1)
        goto out;
    rc = 0;
    {
        /* $DURE_DATA_DIR (default var/) may not exist yet on a new server. */
        char dir[4096];
        char *slash;
        str_copy(dir, rep->key_path, sizeof(dir));
        if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
            *slash = '\0';
            if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
                rc = dure_err_set(err, DURE_EIO, "target: cannot create %s: %s", dir,
                                  strerror(errno));
                goto out;
            }
        }
    }
    fd = open(rep->key_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        rc = dure_err_set(err, DURE_EIO, "target: cannot create the ledger key %s: %s",
                          rep->key_path, strerror(errno));
        goto out;
    }
    *created = 1;
    if (write(fd, src, src_len) != (ssize_t)src_len || fsync(fd) != 0)
        rc = dure_err_set(err, DURE_EIO, "target: cannot write the ledger key %s", rep->key_path);
    else
        rep->key = STOREOPS_KEY_COPIED;
out:
    if (fd >= 0)
        close(fd);
    sodium_memzero(src, sizeof(src));
    sodium_memzero(dst, sizeof(dst));
    return rc;
}

/* dure ledger verify on url with the key at key_path: *ok, *leaves, *bad (OUT). */
static int verify_ledger(const char *url, const char *key_path, int *ok, int64_t *leaves,
                         int64_t *bad, char *why, size_t why_n, struct dure_err *err)
{
    struct app *app = NULL;
    struct app_config cfg = {.db_url = url, .ledger_key = key_path};
    struct dure_err verr;
    int rc = app_create(&cfg, &app, err);
    *ok = 0;
    if (rc != 0)
        return rc;
    dure_err_clear(&verr);
    int vrc = ledger_verify(app, leaves, bad, &verr);
    *ok = vrc == 0;
    str_copy(why, vrc == 0 ? "" : verr.msg, why_n);
    if (vrc != 0 && vrc != DURE_ECONFLICT)
        rc = dure_err_set(err, vrc, "%s", verr.msg);
    app_destroy(app);
    return rc;
}

struct progress_ctx {
    storeops_progress_fn fn;
    void *ctx;
    int64_t total;
};

static void on_progress(void *vctx, const char *table, int64_t rows)
{
    struct progress_ctx *p = vctx;
    if (p->fn != NULL)
        p->fn(p->ctx, table, rows, p->total, 0);
}

/* The tables of from that the copy does not know: a newer migration's, or someone else's. */
static int check_known_tables(struct store *from, struct dure_err *err)
{
    char **names = NULL;
    size_t n = 0, nt = 0;
    const struct store_table *t = store_tables(&nt);
    int rc = store_table_names(from, &names, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int known = strcmp(names[i], "schema_migrations") == 0;
        for (size_t j = 0; j < nt && !known; j++)
            known = strcmp(names[i], t[j].name) == 0;
        if (!known) {
            char shown[80];
            str_sanitize(shown, sizeof(shown), names[i], 63);
            rc = dure_err_set(err, DURE_ECONFLICT,
                              "source: table %s is not one that dure migrate-store copies; "
                              "refusing an incomplete copy",
                              shown);
        }
    }
    store_strings_free(names, n);
    return rc;
}

int storeops_migrate(const char *from_url, const char *to_url, storeops_progress_fn progress,
                     void *ctx, struct storeops_report *report, struct dure_err *err)
{
    struct store *from = NULL, *to = NULL;
    const struct store_table *tables;
    size_t ntables = 0;
    int version = 0, latest = 0, created_db = 0, created_key = 0, committed = 0, rc = 0;
    int src_ok = 0, dst_ok = 0;
    int64_t src_leaves = 0, src_bad = -1, dst_bad = -1;
    char src_why[DURE_ERR_MSG_MAX], dst_why[DURE_ERR_MSG_MAX], src_key[4096];

    memset(report, 0, sizeof(*report));
    report->checkpoint = -1;
    tables = store_tables(&ntables);
    if (from_url == NULL || to_url == NULL || from_url[0] == '\0' || to_url[0] == '\0')
        return dure_err_set(err, DURE_EINVAL, "give both --from and --to");
    if (strcmp(from_url, to_url) == 0)
        return dure_err_set(err, DURE_EINVAL, "--from and --to name the same database");
    /* A SQLite path that does not exist would be created empty by opening it. */
    if (!is_url(from_url) && access(from_url, F_OK) != 0)
        return dure_err_set(err, DURE_ENOTFOUND, "source: no database at %s", from_url);

    /* The source, at the current schema (every dure command migrates what it opens), and its
     * ledger as dure ledger verify sees it. */
    app_default_key_path(from_url, src_key, sizeof(src_key));
    rc = verify_ledger(from_url, src_key, &src_ok, &src_leaves, &src_bad, src_why, sizeof(src_why),
                       err);
    if (rc != 0) {
        rc = sided(err, rc, "source");
        goto out;
    }
    if ((rc = store_open(from_url, &from, err)) != 0 || (rc = check_known_tables(from, err)) != 0) {
        if (strncmp(err->msg, "source: ", 8) != 0)
            rc = sided(err, rc, "source");
        goto out;
    }

    /* The target: reachable, not newer than this binary, and (below, in the transaction)
     * empty. */
    if (!is_url(to_url) && access(to_url, F_OK) != 0)
        created_db = 1;
    if ((rc = store_open(to_url, &to, err)) != 0 ||
        (rc = store_schema_version(to, &version, &latest, err)) != 0) {
        rc = sided(err, rc, "target");
        goto out;
    }
    if (version > latest) {
        rc = dure_err_set(err, DURE_ECONFLICT,
                          "target: database schema version %d is newer than this dure knows "
                          "(%d); upgrade dure",
                          version, latest);
        goto out;
    }
    if ((rc = carry_key(from_url, to_url, report, &created_key, err)) != 0)
        goto out;

    /* The source under its writer lock: one state of it, whatever dure servers still run. */
    if ((rc = store_begin(from, err)) != 0) {
        rc = sided(err, rc, "source");
        goto out;
    }
    if ((rc = store_begin(to, err)) != 0 || (rc = store_migrate(to, err)) != 0) {
        rc = sided(err, rc, "target");
        goto out;
    }
    for (size_t i = 0; i < ntables; i++) {
        int64_t n = 0;
        if ((rc = store_table_count(to, tables[i].name, &n, err)) != 0) {
            rc = sided(err, rc, "target");
            goto out;
        }
        if (n > 0) {
            rc = dure_err_set(err, DURE_ECONFLICT,
                              "target: not empty (%s has %lld rows); migrate-store only fills an "
                              "empty database",
                              tables[i].name, (long long)n);
            goto out;
        }
    }
    for (size_t i = 0; i < ntables; i++) {
        struct progress_ctx pc = {progress, ctx, 0};
        int64_t copied = 0, landed = 0;
        const char *name = tables[i].name;
        if ((rc = store_table_count(from, name, &pc.total, err)) != 0) {
            rc = sided(err, rc, "source");
            goto out;
        }
        rc = store_table_copy(from, to, name, on_progress, &pc, &copied, err);
        if (rc != 0) {
            char why[DURE_ERR_MSG_MAX];
            str_copy(why, err->msg, sizeof(why));
            rc = dure_err_set(err, rc, "copying %s: %s", name, why);
            goto out;
        }
        if ((rc = store_table_count(to, name, &landed, err)) != 0) {
            rc = sided(err, rc, "target");
            goto out;
        }
        if (copied != pc.total || landed != pc.total) {
            rc = dure_err_set(err, DURE_ESTORE,
                              "copying %s: %lld rows in the source, %lld read, %lld stored", name,
                              (long long)pc.total, (long long)copied, (long long)landed);
            goto out;
        }
        report->tables++;
        report->rows += copied;
        if (strcmp(name, "events") == 0)
            report->leaves = copied;
        if (progress != NULL)
            progress(ctx, name, copied, pc.total, 1);
    }
    if ((rc = store_commit(to, err)) != 0) {
        rc = sided(err, rc, "target");
        goto out;
    }
    committed = 1;
    store_rollback(from);
    store_close(from);
    from = NULL;
    store_close(to);
    to = NULL;

    /* The copy is faithful when the target's ledger verifies exactly as the source's did. */
    rc = verify_ledger(to_url, report->key_path, &dst_ok, &report->leaves, &dst_bad, dst_why,
                       sizeof(dst_why), err);
    if (rc != 0) {
        rc = sided(err, rc, "target");
        goto out;
    }
    if (dst_ok != src_ok || dst_bad != src_bad || report->leaves != src_leaves) {
        rc = dure_err_set(err, DURE_ECONFLICT,
                          "target: copied, but its ledger does not verify as the source's: %s",
                          dst_ok ? "it verifies where the source does not" : dst_why);
        goto out;
    }
    report->verified = dst_ok;
    {
        struct app *app = NULL;
        struct app_config cfg = {.db_url = to_url, .ledger_key = report->key_path};
        struct ledger_status st;
        struct dure_err e;
        if (app_create(&cfg, &app, &e) == 0 && ledger_status(app, &st, &e) == 0)
            report->checkpoint = st.checkpoint_size;
        app_destroy(app);
    }
    if (!src_ok) {
        /* Tampering shows on the target as it did on the source: the copy hides nothing. */
        rc = dure_err_set(err, DURE_ECONFLICT,
                          "copied, but the ledger does not verify, on the source as on the "
                          "target: %s",
                          src_why);
    }
out:
    if (to != NULL)
        store_rollback(to);
    if (from != NULL)
        store_rollback(from);
    store_close(to);
    store_close(from);
    if (rc != 0 && !committed) {
        if (created_key)
            unlink(report->key_path);
        if (created_db) {
            const char *suffix[] = {"", "-wal", "-shm", "-journal"};
            for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
                char p[4200];
                snprintf(p, sizeof(p), "%s%s", to_url, suffix[i]);
                unlink(p);
            }
        }
    }
    return rc;
}
