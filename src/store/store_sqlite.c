/* SPDX-License-Identifier: Apache-2.0 */
/* The SQLite driver: WAL, synchronous=NORMAL, foreign keys, busy_timeout, one connection per
 * thread (SQLITE_OPEN_NOMUTEX), every statement prepared once and cached, writes in
 * BEGIN IMMEDIATE so a writer takes the lock up front instead of failing at commit. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/migrations.h"
#include "store/store_impl.h"
#include "util/buf.h"
#include "util/str.h"

#define SQLITE_BUSY_TIMEOUT_MS 5000
/* Page cache of a write transaction that stores invoices in bulk (KiB), at least: enough for
 * the approval-number index of a full year's pool (about 20,000 pages for 2.3 million
 * invoices), whose pages a group of uploads touches all over, plus the pages the group appends
 * (pages evicted dirty are written to the WAL twice). Each page takes 5 KiB of memory in the
 * binary's allocator (jemalloc's size class for a page and its header), so this is about
 * 120 MiB of an import's 200 MB (an 80 MiB cache made the full year 13% slower). The memory map
 * is off for that transaction: the pages an import reads are all over the file, and mapped they
 * would count towards the process's resident memory, a gigabyte for a large pool. Both are put
 * back when it ends. */
#define SQLITE_BULK_CACHE_KIB 98304
/* Checkpoints of a bulk transaction's WAL run on a helper thread (struct checkpointer): it is
 * woken when a commit leaves SQLITE_CKPT_FRAMES frames in the WAL (SQLite's own autocheckpoint
 * threshold), and a commit that leaves SQLITE_CKPT_WAIT_FRAMES (256 MiB of WAL: several of the
 * CLI's groups of uploads, each one commit) waits for it to catch up, so that the next
 * transaction starts the WAL over and its size stays bounded. */
#define SQLITE_CKPT_FRAMES 1000
#define SQLITE_CKPT_WAIT_FRAMES 65536

/* Every statement the driver runs; prepared on first use. */
#define STMT_TABLE(X)                                                                              \
    X(BEGIN, "BEGIN IMMEDIATE")                                                                    \
    X(COMMIT, "COMMIT")                                                                            \
    X(ROLLBACK, "ROLLBACK")                                                                        \
    X(SAVEPOINT, "SAVEPOINT dure_unit")                                                            \
    X(SAVEPOINT_RELEASE, "RELEASE dure_unit")                                                      \
    X(SAVEPOINT_ROLLBACK, "ROLLBACK TO dure_unit")                                                 \
    X(SCHEMA_VERSION, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations")                   \
    X(MIGRATION_DONE,                                                                              \
      "INSERT INTO schema_migrations(version, name, applied_at) "                                  \
      "VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ','now'))")                                     \
    X(BUILDING_BY_NAME, BUILDING_COLS "WHERE b.name = ?1")                                         \
    X(BUILDING_BY_ID, BUILDING_COLS "WHERE b.id = ?1")                                             \
    X(BUILDING_INSERT,                                                                             \
      "INSERT INTO buildings(name, complex, is_centre, road_address, floors, building_area_m2, "   \
      "gross_floor_area_m2) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")                                  \
    X(BUILDING_UPDATE,                                                                             \
      "UPDATE buildings SET name = ?1, complex = ?2, is_centre = ?3, road_address = ?4, "          \
      "floors = ?5, building_area_m2 = ?6, gross_floor_area_m2 = ?7 WHERE id = ?8")                \
    X(BUILDING_FIND, "SELECT id FROM buildings WHERE name = ?1")                                   \
    X(BUILDING_HAS_FIRMS, "SELECT 1 FROM firms WHERE building_id = ?1 LIMIT 1")                    \
    X(BUILDING_DELETE, "DELETE FROM buildings WHERE id = ?1")                                      \
    X(BUILDING_LIST, BUILDING_COLS "WHERE b.id > ?1 ORDER BY b.id LIMIT ?2")                       \
    X(FIRM_GET, FIRM_COLS "WHERE f.brn = ?1")                                                      \
    X(FIRM_UPSERT,                                                                                 \
      "INSERT INTO firms(brn, name, ksic, building_id, floor, unit, employees, status) "           \
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(brn) DO UPDATE SET "                    \
      "name = excluded.name, ksic = excluded.ksic, building_id = excluded.building_id, "           \
      "floor = excluded.floor, unit = excluded.unit, employees = excluded.employees, "             \
      "status = excluded.status")                                                                  \
    X(FIRM_IS_MEMBER, "SELECT 1 FROM members WHERE brn = ?1")                                      \
    X(FIRM_DELETE, "DELETE FROM firms WHERE brn = ?1")                                             \
    X(FIRM_LIST,                                                                                   \
      FIRM_COLS "WHERE (?1 = 0 OR f.building_id = ?1) "                                            \
                "AND (?2 IS NULL OR substr(f.ksic, 1, length(?2)) = ?2) "                          \
                "AND (?3 IS NULL OR instr(f.name, ?3) > 0 OR instr(f.brn, ?3) > 0) "               \
                "AND (?4 < 0 OR (" MEMBER_EXPR ") = ?4) "                                          \
                "AND (?5 IS NULL OR f.brn > ?5) ORDER BY f.brn LIMIT ?6")                          \
    X(MEMBER_GET, MEMBER_COLS "WHERE m.brn = ?1")                                                  \
    X(MEMBER_PUT,                                                                                  \
      "INSERT INTO members(brn, admitted_on, withdrawn_on, shares, paid_in_krw) "                  \
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(brn) DO UPDATE SET "                                \
      "admitted_on = excluded.admitted_on, withdrawn_on = excluded.withdrawn_on, "                 \
      "shares = excluded.shares, paid_in_krw = excluded.paid_in_krw")                              \
    X(MEMBER_LIST, MEMBER_COLS "WHERE (?1 = 0 OR m.withdrawn_on IS NULL) ORDER BY m.brn")          \
    X(USER_INSERT,                                                                                 \
      "INSERT INTO users(username, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)")      \
    X(USER_BY_NAME,                                                                                \
      "SELECT id, username, password_hash, role, created_at FROM users WHERE username = ?1")       \
    X(USER_BY_ID, "SELECT id, username, password_hash, role, created_at FROM users WHERE id = ?1") \
    X(USER_FIRM_ADD, "INSERT OR IGNORE INTO user_firms(user_id, brn) VALUES (?1, ?2)")             \
    X(USER_FIRMS, "SELECT brn FROM user_firms WHERE user_id = ?1 ORDER BY brn")                    \
    X(TOKEN_INSERT,                                                                                \
      "INSERT INTO tokens(hash, user_id, role, firm, label, created_at) "                          \
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                                           \
    X(TOKEN_FIND, TOKEN_COLS "WHERE hash = ?1 AND revoked_at IS NULL")                             \
    X(TOKEN_REVOKE,                                                                                \
      "UPDATE tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') "                       \
      "WHERE id = ?1 AND revoked_at IS NULL")                                                      \
    X(TOKEN_LIST, TOKEN_COLS "ORDER BY id")                                                        \
    X(SESSION_INSERT, "INSERT INTO sessions(hash, user_id, expires_unix) VALUES (?1, ?2, ?3)")     \
    X(SESSION_FIND, "SELECT hash, user_id, expires_unix FROM sessions WHERE hash = ?1")            \
    X(SESSION_DELETE, "DELETE FROM sessions WHERE hash = ?1")                                      \
    X(EVENT_APPEND,                                                                                \
      "INSERT INTO events(seq, kind, subject, leaf) "                                              \
      "VALUES ((SELECT COALESCE(MAX(seq) + 1, 0) FROM events), ?1, ?2, ?3)")                       \
    X(EVENT_COUNT, "SELECT COALESCE(MAX(seq) + 1, 0) FROM events")                                 \
    X(EVENT_GET, "SELECT leaf FROM events WHERE seq = ?1")                                         \
    X(UPLOAD_INSERT,                                                                               \
      "INSERT INTO uploads(firm, kind, sha256, format, filename, created_at, actor) "               \
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")                                                       \
    X(UPLOAD_FINISH,                                                                               \
      "UPDATE uploads SET rows = ?2, new_records = ?3, linked = ?4, unchanged = ?5, "              \
      "conflicts = ?6, format = ?7 WHERE id = ?1")                                                 \
    X(UPLOAD_FIND, UPLOAD_COLS "WHERE COALESCE(firm, '') = ?1 AND kind = ?2 AND sha256 = ?3 "      \
                               "AND deleted_at IS NULL")                                           \
    X(UPLOAD_GET, UPLOAD_COLS "WHERE id = ?1")                                                     \
    X(UPLOAD_LIST, UPLOAD_COLS "WHERE COALESCE(firm, '') = ?1 AND deleted_at IS NULL "              \
                               "ORDER BY id DESC")                                                 \
    X(UPLOAD_MARK_DELETED,                                                                         \
      "UPDATE uploads SET deleted_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') "                      \
      "WHERE id = ?1 AND deleted_at IS NULL")                                                      \
    X(UPLOAD_UNLINK_SUPPLIER, "UPDATE invoices SET supplier_upload = NULL WHERE supplier_upload = ?1") \
    X(UPLOAD_UNLINK_BUYER, "UPDATE invoices SET buyer_upload = NULL WHERE buyer_upload = ?1")      \
    X(INVOICE_ITEMS_ORPHANS,                                                                       \
      "DELETE FROM invoice_items WHERE invoice_id IN (SELECT id FROM invoices "                    \
      "WHERE supplier_upload IS NULL AND buyer_upload IS NULL)")                                   \
    X(INVOICE_ORPHANS,                                                                             \
      "DELETE FROM invoices WHERE supplier_upload IS NULL AND buyer_upload IS NULL")               \
    X(UPLOAD_DELETE_KPIS, "DELETE FROM kpis WHERE upload_id = ?1")                                 \
    X(INVOICE_INSERT,                                                                              \
      "INSERT INTO invoices(approval_no, written_on, month, issued_on, supplier_brn, "             \
      "supplier_branch, supplier_name, buyer_kind, buyer_brn, buyer_branch, buyer_name, "          \
      "total_krw, supply_krw, tax_krw, tax_exempt, amended, kind, receipt, items_complete, "       \
      "supplier_upload, buyer_upload) VALUES (?1, ?2, substr(?2, 1, 7), ?3, ?4, ?5, ?6, ?7, ?8, "  \
      "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) "                                \
      "ON CONFLICT(approval_no) DO NOTHING")                                                       \
    X(INVOICE_GET_KEY,                                                                             \
      "SELECT written_on, supplier_brn, buyer_brn, total_krw, supply_krw, tax_krw, "               \
      "items_complete, supplier_upload, buyer_upload, id FROM invoices WHERE approval_no = ?1")    \
    X(INVOICE_LINK_SUPPLIER, "UPDATE invoices SET supplier_upload = ?2 WHERE id = ?1")             \
    X(INVOICE_LINK_BUYER, "UPDATE invoices SET buyer_upload = ?2 WHERE id = ?1")                   \
    X(INVOICE_SET_COMPLETE, "UPDATE invoices SET items_complete = 1 WHERE id = ?1")                \
    X(INVOICE_ITEMS_CLEAR, "DELETE FROM invoice_items WHERE invoice_id = ?1")                      \
    X(INVOICE_ITEM_INSERT,                                                                         \
      "INSERT INTO invoice_items(invoice_id, line, date, name, spec, qty_milli, "                  \
      "unit_price_krw, supply_krw, tax_krw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")          \
    X(INVOICE_LIST,                                                                                \
      "SELECT i.approval_no, i.written_on, i.issued_on, i.supplier_brn, i.supplier_branch, "       \
      "i.supplier_name, i.buyer_kind, i.buyer_brn, i.buyer_branch, i.buyer_name, i.total_krw, "    \
      "i.supply_krw, i.tax_krw, i.tax_exempt, i.amended, i.kind, i.receipt, i.items_complete, "    \
      "it.date, it.name, it.spec, it.qty_milli, it.unit_price_krw, it.supply_krw, it.tax_krw "     \
      "FROM invoices i LEFT JOIN invoice_items it ON it.invoice_id = i.id AND it.line = 1 "        \
      "WHERE ((?3 <> 1 AND i.supplier_brn = ?1 AND i.supplier_upload IS NOT NULL) "                \
      "    OR (?3 <> 0 AND i.buyer_brn = ?1 AND i.buyer_upload IS NOT NULL)) "                     \
      "AND (?2 IS NULL OR i.month = ?2) AND (?4 IS NULL OR i.approval_no > ?4) "                   \
      "ORDER BY i.approval_no LIMIT ?5")                                                           \
    X(KPI_GET, "SELECT revenue_krw, production_krw, exports_krw, employees FROM kpis "             \
               "WHERE brn = ?1 AND month = ?2")                                                    \
    X(KPI_PUT,                                                                                     \
      "INSERT INTO kpis(brn, month, revenue_krw, production_krw, exports_krw, employees, "         \
      "upload_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(brn, month) DO UPDATE SET "      \
      "revenue_krw = excluded.revenue_krw, production_krw = excluded.production_krw, "             \
      "exports_krw = excluded.exports_krw, employees = excluded.employees, "                       \
      "upload_id = excluded.upload_id")                                                            \
    X(KPI_LIST,                                                                                    \
      "SELECT brn, month, revenue_krw, production_krw, exports_krw, employees FROM kpis "          \
      "WHERE brn = ?1 AND (?2 IS NULL OR month = ?2) ORDER BY month")                              \
    X(CONSENT_GET, "SELECT scopes, updated_at FROM consents WHERE brn = ?1")                       \
    X(CONSENT_PUT,                                                                                 \
      "INSERT INTO consents(brn, scopes, updated_at) VALUES (?1, ?2, ?3) "                         \
      "ON CONFLICT(brn) DO UPDATE SET scopes = excluded.scopes, updated_at = excluded.updated_at") \
    X(DATA_USE_ADD,                                                                                \
      "INSERT INTO data_uses(brn, purpose, computation, actor, used_at) "                          \
      "VALUES (?1, ?2, ?3, ?4, ?5)")                                                               \
    X(DATA_USE_LIST,                                                                               \
      "SELECT id, brn, purpose, computation, actor, used_at FROM data_uses WHERE brn = ?1 "        \
      "ORDER BY id DESC LIMIT 1000")                                                               \
    X(ROLLUP_CLEAR, "DELETE FROM firm_months WHERE brn = ?1")                                      \
    X(ROLLUP_FILL,                                                                                 \
      "INSERT INTO firm_months(brn, month, sales_krw, purchases_krw, cluster_purchases_krw, "      \
      "invoices_issued, invoices_received) "                                                       \
      "SELECT ?1, month, sum(sales), sum(purchases), sum(cluster), sum(n_issued), "                \
      "sum(n_received) FROM ("                                                                     \
      " SELECT month, sum(supply_krw) AS sales, 0 AS purchases, 0 AS cluster, "                    \
      "  count(*) AS n_issued, 0 AS n_received FROM invoices "                                     \
      "  WHERE supplier_brn = ?1 AND supplier_upload IS NOT NULL GROUP BY month"                   \
      " UNION ALL "                                                                                \
      " SELECT i.month, 0, sum(i.supply_krw), "                                                    \
      "  sum(CASE WHEN f.brn IS NULL THEN 0 ELSE i.supply_krw END), 0, count(*) "                  \
      "  FROM invoices i LEFT JOIN firms f ON f.brn = i.supplier_brn "                             \
      "  WHERE i.buyer_brn = ?1 AND i.buyer_upload IS NOT NULL GROUP BY i.month"                   \
      ") GROUP BY month")                                                                          \
    X(ROLLUP_LIST,                                                                                 \
      "SELECT brn, month, sales_krw, purchases_krw, cluster_purchases_krw, invoices_issued, "      \
      "invoices_received FROM firm_months WHERE brn = ?1 ORDER BY month")                          \
    X(EVENT_SECRET_PUT, "INSERT INTO event_secrets(seq, brn, secret) VALUES (?1, ?2, ?3)")         \
    X(TLOG_NODE_PUT, "INSERT INTO tlog_nodes(level, idx, hash) VALUES (?1, ?2, ?3)")              \
    X(TLOG_NODE_GET, "SELECT hash FROM tlog_nodes WHERE level = ?1 AND idx = ?2")                  \
    X(TLOG_LEAF_FIND, "SELECT idx FROM tlog_nodes WHERE level = 0 AND hash = ?1")                  \
    X(EVENT_SCAN, "SELECT seq, leaf FROM events WHERE seq >= ?1 AND seq < ?2 ORDER BY seq")        \
    X(CHECKPOINT_PUT, "INSERT OR IGNORE INTO checkpoints(size, note, created_at) VALUES (?1, ?2, ?3)") \
    X(CHECKPOINT_LATEST, "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1")          \
    X(CHECKPOINT_GET, "SELECT size, note FROM checkpoints WHERE size = ?1")                        \
    X(WITNESS_PUT,                                                                                 \
      "INSERT INTO witnesses(name, vkey) VALUES (?1, ?2) "                                         \
      "ON CONFLICT(name) DO UPDATE SET vkey = excluded.vkey")                                      \
    X(WITNESS_LIST, "SELECT name, vkey FROM witnesses ORDER BY name")                              \
    X(COSIGNATURE_PUT,                                                                             \
      "INSERT INTO cosignatures(size, witness, line) VALUES (?1, ?2, ?3) "                         \
      "ON CONFLICT(size, witness) DO UPDATE SET line = excluded.line")                             \
    X(COSIGNATURE_LIST, "SELECT line FROM cosignatures WHERE size = ?1 ORDER BY witness")          \
    X(EVENT_SECRET_GET, "SELECT brn, secret FROM event_secrets WHERE seq = ?1")                    \
    X(SUMMARY,                                                                                     \
      "SELECT (SELECT count(*) FROM buildings), "                                                  \
      "(SELECT count(*) FROM buildings WHERE is_centre <> 0), "                                    \
      "(SELECT count(*) FROM firms), "                                                             \
      "(SELECT count(*) FROM firms f JOIN buildings b ON b.id = f.building_id "                    \
      " WHERE b.is_centre <> 0), "                                                                 \
      "(SELECT COALESCE(sum(employees), 0) FROM firms), "                                          \
      "(SELECT count(*) FROM members WHERE withdrawn_on IS NULL)")

#define UPLOAD_COLS                                                                                \
    "SELECT id, firm, kind, sha256, format, filename, created_at, actor, rows, new_records, "      \
    "linked, unchanged, conflicts, deleted_at IS NOT NULL FROM uploads "
#define BUILDING_COLS                                                                              \
    "SELECT b.id, b.name, b.complex, b.is_centre, b.road_address, b.floors, b.building_area_m2, "  \
    "b.gross_floor_area_m2, (SELECT count(*) FROM firms f WHERE f.building_id = b.id) "            \
    "FROM buildings b "
#define MEMBER_EXPR "EXISTS (SELECT 1 FROM members m WHERE m.brn = f.brn AND m.withdrawn_on IS NULL)"
#define FIRM_COLS                                                                                  \
    "SELECT f.brn, f.name, f.ksic, f.building_id, f.floor, f.unit, f.employees, f.status, "        \
    MEMBER_EXPR " FROM firms f "
#define MEMBER_COLS                                                                                \
    "SELECT m.brn, COALESCE(f.name, ''), m.admitted_on, m.withdrawn_on, m.shares, m.paid_in_krw "  \
    "FROM members m LEFT JOIN firms f ON f.brn = m.brn "
#define TOKEN_COLS                                                                                 \
    "SELECT id, hash, user_id, role, firm, label, created_at, revoked_at IS NOT NULL FROM tokens "

enum stmt_id {
#define STMT_ENUM(name, sql) STMT_##name,
    STMT_TABLE(STMT_ENUM)
#undef STMT_ENUM
        STMT_COUNT
};

static const char *const stmt_sql[STMT_COUNT] = {
#define STMT_SQL(name, sql) sql,
    STMT_TABLE(STMT_SQL)
#undef STMT_SQL
};

struct sqlite_store {
    struct store base; /* first: a struct store * is a struct sqlite_store * */
    sqlite3 *db;
    sqlite3_stmt *stmts[STMT_COUNT];
    int in_tx;
    sqlite3_stmt *load; /* the INSERT of a table load in progress (store_table_copy) */
    size_t load_ncols;
    struct checkpointer *ckpt; /* started by the first bulk transaction; NULL before */
    int bulk;              /* bulk settings are on until the transaction ends */
    int saved_cache_size;  /* the cache_size and mmap_size to go back to */
    sqlite3_int64 saved_mmap_size;
    sqlite3_stmt *items_rows; /* the INSERT of ITEM_ROWS line items at once; prepared on use */
};

static struct sqlite_store *sq(struct store *s)
{
    return (struct sqlite_store *)s;
}

static int db_error(struct sqlite_store *q, struct dure_err *err, const char *what)
{
    int ext = sqlite3_extended_errcode(q->db);
    const char *msg = sqlite3_errmsg(q->db);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        return dure_err_set(err, DURE_ECONFLICT, "%s: already exists", what);
    if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
        return dure_err_set(err, DURE_ECONFLICT, "%s: a record it refers to is missing, or another record still refers to it",
                            what);
    if ((ext & 0xff) == SQLITE_BUSY)
        return dure_err_set(err, DURE_EUNAVAILABLE, "%s: database is busy", what);
    return dure_err_set(err, DURE_ESTORE, "%s: %s", what, msg);
}

/* The cached statement id, reset and unbound, ready for binding. */
static sqlite3_stmt *stmt(struct sqlite_store *q, enum stmt_id id, struct dure_err *err)
{
    sqlite3_stmt *st = q->stmts[id];
    if (st == NULL) {
        int rc = sqlite3_prepare_v3(q->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st,
                                    NULL);
        if (rc != SQLITE_OK) {
            db_error(q, err, "prepare");
            return NULL;
        }
        q->stmts[id] = st;
    } else {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    return st;
}

/* Step a statement that returns no rows; resets it afterwards. */
static int step_done(struct sqlite_store *q, sqlite3_stmt *st, struct dure_err *err,
                     const char *what)
{
    int rc = sqlite3_step(st);
    int out = 0;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        out = db_error(q, err, what);
    sqlite3_reset(st);
    return out;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void col_text(sqlite3_stmt *st, int i, char *dst, size_t n)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    str_copy(dst, t != NULL ? (const char *)t : "", n);
}

static int exec_script(struct sqlite_store *q, const char *sql, struct dure_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        dure_err_set(err, DURE_ESTORE, "%s", msg != NULL ? msg : "sql error");
        sqlite3_free(msg);
        return DURE_ESTORE;
    }
    return 0;
}

/* ---- connection ---- */

static void checkpointer_stop(struct checkpointer *c);

static void sq_close(struct store *s)
{
    struct sqlite_store *q = sq(s);
    if (q->in_tx)
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    /* Its connection closes first, so that this one is the last and checkpoints the WAL away
     * as it closes. */
    sqlite3_wal_hook(q->db, NULL, NULL);
    checkpointer_stop(q->ckpt);
    sqlite3_finalize(q->load);
    sqlite3_finalize(q->items_rows);
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(q->stmts[i]);
    sqlite3_close(q->db);
    free(q);
}

static int sq_begin(struct store *s, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    if (q->in_tx)
        return dure_err_set(err, DURE_ECONFLICT, "a transaction is already open");
    sqlite3_stmt *st = stmt(q, STMT_BEGIN, err);
    if (st == NULL)
        return DURE_ESTORE;
    int rc = step_done(q, st, err, "begin");
    if (rc == 0)
        q->in_tx = 1;
    return rc;
}

static void bulk_end(struct sqlite_store *q);

static int sq_commit(struct store *s, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_COMMIT, err);
    if (st == NULL)
        return DURE_ESTORE;
    int rc = step_done(q, st, err, "commit");
    if (rc == 0) {
        q->in_tx = 0;
        bulk_end(q);
    }
    return rc;
}

static void sq_rollback(struct store *s)
{
    struct sqlite_store *q = sq(s);
    if (!q->in_tx)
        return;
    struct dure_err ignored;
    sqlite3_stmt *st = stmt(q, STMT_ROLLBACK, &ignored);
    if (st != NULL)
        step_done(q, st, &ignored, "rollback");
    q->in_tx = 0;
    bulk_end(q);
}

static int sq_savepoint(struct store *s, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    /* An I/O or memory error can make SQLite roll the whole transaction back by itself. */
    if (!q->in_tx || sqlite3_get_autocommit(q->db))
        return dure_err_set(err, DURE_ESTORE, "savepoint: no transaction is open");
    sqlite3_stmt *st = stmt(q, STMT_SAVEPOINT, err);
    return st == NULL ? DURE_ESTORE : step_done(q, st, err, "savepoint");
}

static int sq_savepoint_release(struct store *s, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_SAVEPOINT_RELEASE, err);
    return st == NULL ? DURE_ESTORE : step_done(q, st, err, "release savepoint");
}

/* ROLLBACK TO keeps the savepoint open; RELEASE then ends it, with nothing left to keep. */
static void sq_savepoint_rollback(struct store *s)
{
    struct sqlite_store *q = sq(s);
    struct dure_err ignored;
    if (!q->in_tx)
        return;
    sqlite3_stmt *st = stmt(q, STMT_SAVEPOINT_ROLLBACK, &ignored);
    if (st != NULL && step_done(q, st, &ignored, "rollback to savepoint") == 0)
        sq_savepoint_release(s, &ignored);
}

static int sq_schema_version(struct store *s, int *version, int *latest, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    size_t n;
    const struct store__migration *m = store__migrations(&n);
    *latest = m[n - 1].version;
    *version = 0;
    int rc = exec_script(q,
                         "CREATE TABLE IF NOT EXISTS schema_migrations ("
                         " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                         " applied_at TEXT NOT NULL)",
                         err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = stmt(q, STMT_SCHEMA_VERSION, err);
    if (st == NULL)
        return DURE_ESTORE;
    if (sqlite3_step(st) == SQLITE_ROW)
        *version = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return 0;
}

static int sq_migrate(struct store *s, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    int version = 0, latest = 0;
    size_t n;
    const struct store__migration *m = store__migrations(&n);
    int rc = sq_schema_version(s, &version, &latest, err);
    if (rc != 0)
        return rc;
    if (version > latest)
        return dure_err_set(err, DURE_ECONFLICT,
                            "database schema version %d is newer than this dure knows (%d); "
                            "upgrade dure",
                            version, latest);
    /* Inside the caller's transaction (dure migrate-store) the migrations join it. */
    int outer = q->in_tx;
    for (size_t i = 0; i < n; i++) {
        if (m[i].version <= version)
            continue;
        rc = outer ? 0 : sq_begin(s, err);
        if (rc != 0)
            return rc;
        rc = exec_script(q, m[i].sqlite, err);
        if (rc == 0) {
            sqlite3_stmt *st = stmt(q, STMT_MIGRATION_DONE, err);
            if (st == NULL) {
                rc = DURE_ESTORE;
            } else {
                sqlite3_bind_int(st, 1, m[i].version);
                sqlite3_bind_text(st, 2, m[i].name, -1, SQLITE_STATIC);
                rc = step_done(q, st, err, "record migration");
            }
        }
        if (rc == 0 && !outer)
            rc = sq_commit(s, err);
        if (rc != 0) {
            char why[DURE_ERR_MSG_MAX];
            str_copy(why, err != NULL ? err->msg : "", sizeof(why));
            if (!outer)
                sq_rollback(s);
            return dure_err_set(err, rc, "migration %d (%s) failed: %s", m[i].version, m[i].name,
                                why);
        }
    }
    return 0;
}

static int sq_backup(struct store *s, const char *path, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3 *dst = NULL;
    int rc = 0;
    if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = dure_err_set(err, DURE_EIO, "cannot open backup file %s", path);
        goto out;
    }
    sqlite3_backup *bk = sqlite3_backup_init(dst, "main", q->db, "main");
    if (bk == NULL) {
        rc = dure_err_set(err, DURE_ESTORE, "backup: %s", sqlite3_errmsg(dst));
        goto out;
    }
    /* Copy in steps so writers are not held off for the whole copy. */
    int step;
    do {
        step = sqlite3_backup_step(bk, 1024);
        if (step == SQLITE_BUSY || step == SQLITE_LOCKED)
            sqlite3_sleep(10);
    } while (step == SQLITE_OK || step == SQLITE_BUSY || step == SQLITE_LOCKED);
    sqlite3_backup_finish(bk);
    if (step != SQLITE_DONE)
        rc = dure_err_set(err, DURE_ESTORE, "backup: %s", sqlite3_errstr(step));
out:
    sqlite3_close(dst);
    return rc;
}

/* ---- buildings ---- */

static void read_building(sqlite3_stmt *st, struct building *b)
{
    memset(b, 0, sizeof(*b));
    b->id = sqlite3_column_int64(st, 0);
    col_text(st, 1, b->name, sizeof(b->name));
    b->complex = sqlite3_column_int(st, 2);
    b->is_centre = sqlite3_column_int(st, 3);
    col_text(st, 4, b->road_address, sizeof(b->road_address));
    b->floors = sqlite3_column_int(st, 5);
    b->building_area_m2 = sqlite3_column_double(st, 6);
    b->gross_floor_area_m2 = sqlite3_column_double(st, 7);
    b->firm_count = sqlite3_column_int64(st, 8);
}

static void bind_building(sqlite3_stmt *st, const struct building *b)
{
    bind_text(st, 1, b->name);
    sqlite3_bind_int(st, 2, b->complex);
    sqlite3_bind_int(st, 3, b->is_centre ? 1 : 0);
    bind_text(st, 4, b->road_address);
    sqlite3_bind_int(st, 5, b->floors);
    sqlite3_bind_double(st, 6, b->building_area_m2);
    sqlite3_bind_double(st, 7, b->gross_floor_area_m2);
}

static int building_same(const struct building *a, const struct building *b)
{
    return strcmp(a->name, b->name) == 0 && a->complex == b->complex &&
           (a->is_centre != 0) == (b->is_centre != 0) &&
           strcmp(a->road_address, b->road_address) == 0 && a->floors == b->floors &&
           a->building_area_m2 == b->building_area_m2 &&
           a->gross_floor_area_m2 == b->gross_floor_area_m2;
}

static int fetch_building(struct sqlite_store *q, enum stmt_id id, int64_t key, const char *name,
                          struct building *out, struct dure_err *err)
{
    sqlite3_stmt *st = stmt(q, id, err);
    if (st == NULL)
        return DURE_ESTORE;
    if (name != NULL)
        bind_text(st, 1, name);
    else
        sqlite3_bind_int64(st, 1, key);
    int rc = sqlite3_step(st);
    int out_rc = 0;
    if (rc == SQLITE_ROW)
        read_building(st, out);
    else if (rc == SQLITE_DONE)
        out_rc = dure_err_set(err, DURE_ENOTFOUND, "no such building");
    else
        out_rc = db_error(q, err, "read building");
    sqlite3_reset(st);
    return out_rc;
}

static int sq_building_upsert(struct store *s, const struct building *b, int64_t *id, int *changed,
                              struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    struct building old;
    int rc = fetch_building(q, STMT_BUILDING_BY_NAME, 0, b->name, &old, err);
    if (rc == 0) {
        *id = old.id;
        if (building_same(&old, b)) {
            *changed = 0;
            return 0;
        }
        sqlite3_stmt *st = stmt(q, STMT_BUILDING_UPDATE, err);
        if (st == NULL)
            return DURE_ESTORE;
        bind_building(st, b);
        sqlite3_bind_int64(st, 8, old.id);
        *changed = 2;
        return step_done(q, st, err, "update building");
    }
    if (rc != DURE_ENOTFOUND)
        return rc;
    sqlite3_stmt *st = stmt(q, STMT_BUILDING_INSERT, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_building(st, b);
    rc = step_done(q, st, err, "insert building");
    if (rc != 0)
        return rc;
    *id = sqlite3_last_insert_rowid(q->db);
    *changed = 1;
    return 0;
}

static int sq_building_update(struct store *s, const struct building *b, int *changed,
                              struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    struct building old;
    int rc = fetch_building(q, STMT_BUILDING_BY_ID, b->id, NULL, &old, err);
    if (rc != 0)
        return rc;
    if (building_same(&old, b)) {
        *changed = 0;
        return 0;
    }
    sqlite3_stmt *st = stmt(q, STMT_BUILDING_UPDATE, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_building(st, b);
    sqlite3_bind_int64(st, 8, b->id);
    *changed = 2;
    return step_done(q, st, err, "update building");
}

static int sq_building_get(struct store *s, int64_t id, struct building *out, struct dure_err *err)
{
    return fetch_building(sq(s), STMT_BUILDING_BY_ID, id, NULL, out, err);
}

static int sq_building_find(struct store *s, const char *name, int64_t *id, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_BUILDING_FIND, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    int out = 0;
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        out = dure_err_set(err, DURE_ENOTFOUND, "no such building");
    else
        out = db_error(q, err, "find building");
    sqlite3_reset(st);
    return out;
}

static int sq_building_delete(struct store *s, int64_t id, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_BUILDING_HAS_FIRMS, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, id);
    int has = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    if (has)
        return dure_err_set(err, DURE_ECONFLICT,
                            "building %lld still has firms; move or delete them first",
                            (long long)id);
    st = stmt(q, STMT_BUILDING_DELETE, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, id);
    int rc = step_done(q, st, err, "delete building");
    if (rc == 0 && sqlite3_changes(q->db) == 0)
        rc = dure_err_set(err, DURE_ENOTFOUND, "no such building");
    return rc;
}

/* Grow *items to hold one more element of size sz; returns the slot or NULL. */
static void *grow(void **items, size_t *cap, size_t n, size_t sz)
{
    if (n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        void *p = realloc(*items, ncap * sz);
        if (p == NULL)
            return NULL;
        *items = p;
        *cap = ncap;
    }
    return (char *)*items + n * sz;
}

static int sq_building_list(struct store *s, int64_t after_id, size_t limit,
                            struct building **items, size_t *n, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    void *arr = NULL;
    size_t cap = 0, cnt = 0;
    int rc = 0;
    sqlite3_stmt *st = stmt(q, STMT_BUILDING_LIST, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, after_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct building *b = grow(&arr, &cap, cnt, sizeof(*b));
        if (b == NULL) {
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
            goto out;
        }
        read_building(st, b);
        cnt++;
    }
    if (step != SQLITE_DONE)
        rc = db_error(q, err, "list buildings");
out:
    sqlite3_reset(st);
    if (rc != 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *items = arr;
    *n = cnt;
    return rc;
}

/* ---- firms ---- */

static void read_firm(sqlite3_stmt *st, struct firm *f)
{
    memset(f, 0, sizeof(*f));
    col_text(st, 0, f->brn, sizeof(f->brn));
    col_text(st, 1, f->name, sizeof(f->name));
    col_text(st, 2, f->ksic, sizeof(f->ksic));
    f->building_id = sqlite3_column_int64(st, 3);
    f->floor = sqlite3_column_int(st, 4);
    col_text(st, 5, f->unit, sizeof(f->unit));
    f->employees = sqlite3_column_int64(st, 6);
    f->status = (enum firm_status)sqlite3_column_int(st, 7);
    f->member = sqlite3_column_int(st, 8);
}

static int firm_same(const struct firm *a, const struct firm *b)
{
    return strcmp(a->name, b->name) == 0 && strcmp(a->ksic, b->ksic) == 0 &&
           a->building_id == b->building_id && a->floor == b->floor &&
           strcmp(a->unit, b->unit) == 0 && a->employees == b->employees &&
           a->status == b->status;
}

static int sq_firm_get(struct store *s, const char *brn, struct firm *out, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_FIRM_GET, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, brn);
    int rc = sqlite3_step(st);
    int out_rc = 0;
    if (rc == SQLITE_ROW)
        read_firm(st, out);
    else if (rc == SQLITE_DONE)
        out_rc = dure_err_set(err, DURE_ENOTFOUND, "no firm with that registration number");
    else
        out_rc = db_error(q, err, "read firm");
    sqlite3_reset(st);
    return out_rc;
}

static int sq_firm_upsert(struct store *s, const struct firm *f, int *changed,
                          struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    struct firm old;
    int rc = sq_firm_get(s, f->brn, &old, err);
    if (rc == 0 && firm_same(&old, f)) {
        *changed = 0;
        return 0;
    }
    if (rc != 0 && rc != DURE_ENOTFOUND)
        return rc;
    *changed = rc == 0 ? 2 : 1;
    sqlite3_stmt *st = stmt(q, STMT_FIRM_UPSERT, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, f->brn);
    bind_text(st, 2, f->name);
    bind_text(st, 3, f->ksic);
    if (f->building_id > 0)
        sqlite3_bind_int64(st, 4, f->building_id);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int(st, 5, f->floor);
    bind_text(st, 6, f->unit);
    sqlite3_bind_int64(st, 7, f->employees);
    sqlite3_bind_int(st, 8, (int)f->status);
    return step_done(q, st, err, "save firm");
}

static int sq_firm_delete(struct store *s, const char *brn, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_FIRM_IS_MEMBER, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, brn);
    int member = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    if (member)
        return dure_err_set(err, DURE_ECONFLICT,
                            "the firm is on the member register; it stays for the record");
    st = stmt(q, STMT_FIRM_DELETE, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, brn);
    int rc = step_done(q, st, err, "delete firm");
    if (rc == 0 && sqlite3_changes(q->db) == 0)
        rc = dure_err_set(err, DURE_ENOTFOUND, "no firm with that registration number");
    return rc;
}

static int sq_firm_list(struct store *s, const struct firm_filter *fl, struct firm **items,
                        size_t *n, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    void *arr = NULL;
    size_t cap = 0, cnt = 0;
    int rc = 0;
    sqlite3_stmt *st = stmt(q, STMT_FIRM_LIST, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, fl->building_id);
    bind_text(st, 2, fl->ksic);
    bind_text(st, 3, fl->q);
    sqlite3_bind_int(st, 4, fl->member);
    bind_text(st, 5, fl->after);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)fl->limit);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct firm *f = grow(&arr, &cap, cnt, sizeof(*f));
        if (f == NULL) {
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
            goto out;
        }
        read_firm(st, f);
        cnt++;
    }
    if (step != SQLITE_DONE)
        rc = db_error(q, err, "list firms");
out:
    sqlite3_reset(st);
    if (rc != 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *items = arr;
    *n = cnt;
    return rc;
}

/* ---- member register ---- */

static void read_member(sqlite3_stmt *st, struct member *m)
{
    memset(m, 0, sizeof(*m));
    col_text(st, 0, m->brn, sizeof(m->brn));
    col_text(st, 1, m->firm_name, sizeof(m->firm_name));
    col_text(st, 2, m->admitted_on, sizeof(m->admitted_on));
    col_text(st, 3, m->withdrawn_on, sizeof(m->withdrawn_on));
    m->shares = sqlite3_column_int64(st, 4);
    m->paid_in_krw = sqlite3_column_int64(st, 5);
}

static int sq_member_get(struct store *s, const char *brn, struct member *out,
                         struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_MEMBER_GET, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, brn);
    int rc = sqlite3_step(st);
    int out_rc = 0;
    if (rc == SQLITE_ROW)
        read_member(st, out);
    else if (rc == SQLITE_DONE)
        out_rc = dure_err_set(err, DURE_ENOTFOUND, "not on the member register");
    else
        out_rc = db_error(q, err, "read member");
    sqlite3_reset(st);
    return out_rc;
}

static int sq_member_put(struct store *s, const struct member *m, int *changed,
                         struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    struct member old;
    int rc = sq_member_get(s, m->brn, &old, err);
    if (rc == 0 && strcmp(old.admitted_on, m->admitted_on) == 0 &&
        strcmp(old.withdrawn_on, m->withdrawn_on) == 0 && old.shares == m->shares &&
        old.paid_in_krw == m->paid_in_krw) {
        *changed = 0;
        return 0;
    }
    if (rc != 0 && rc != DURE_ENOTFOUND)
        return rc;
    *changed = rc == 0 ? 2 : 1;
    sqlite3_stmt *st = stmt(q, STMT_MEMBER_PUT, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, m->brn);
    bind_text(st, 2, m->admitted_on);
    bind_text(st, 3, m->withdrawn_on[0] != '\0' ? m->withdrawn_on : NULL);
    sqlite3_bind_int64(st, 4, m->shares);
    sqlite3_bind_int64(st, 5, m->paid_in_krw);
    return step_done(q, st, err, "save member");
}

static int sq_member_list(struct store *s, int active_only, struct member **items, size_t *n,
                          struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    void *arr = NULL;
    size_t cap = 0, cnt = 0;
    int rc = 0;
    sqlite3_stmt *st = stmt(q, STMT_MEMBER_LIST, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int(st, 1, active_only ? 1 : 0);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct member *m = grow(&arr, &cap, cnt, sizeof(*m));
        if (m == NULL) {
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
            goto out;
        }
        read_member(st, m);
        cnt++;
    }
    if (step != SQLITE_DONE)
        rc = db_error(q, err, "list members");
out:
    sqlite3_reset(st);
    if (rc != 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *items = arr;
    *n = cnt;
    return rc;
}

/* ---- users, tokens, sessions ---- */

static void read_user(sqlite3_stmt *st, struct user *u)
{
    memset(u, 0, sizeof(*u));
    u->id = sqlite3_column_int64(st, 0);
    col_text(st, 1, u->username, sizeof(u->username));
    col_text(st, 2, u->password_hash, sizeof(u->password_hash));
    u->role = sqlite3_column_int(st, 3);
    col_text(st, 4, u->created_at, sizeof(u->created_at));
}

static int sq_user_create(struct store *s, struct user *u, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_USER_INSERT, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, u->username);
    bind_text(st, 2, u->password_hash);
    sqlite3_bind_int(st, 3, u->role);
    bind_text(st, 4, u->created_at);
    int rc = step_done(q, st, err, "user");
    if (rc == 0)
        u->id = sqlite3_last_insert_rowid(q->db);
    return rc;
}

static int user_fetch(struct sqlite_store *q, enum stmt_id id, int64_t key, const char *name,
                      struct user *out, struct dure_err *err)
{
    sqlite3_stmt *st = stmt(q, id, err);
    if (st == NULL)
        return DURE_ESTORE;
    if (name != NULL)
        bind_text(st, 1, name);
    else
        sqlite3_bind_int64(st, 1, key);
    int rc = sqlite3_step(st);
    int out_rc = 0;
    if (rc == SQLITE_ROW)
        read_user(st, out);
    else if (rc == SQLITE_DONE)
        out_rc = dure_err_set(err, DURE_ENOTFOUND, "no such user");
    else
        out_rc = db_error(q, err, "read user");
    sqlite3_reset(st);
    return out_rc;
}

static int sq_user_get_by_name(struct store *s, const char *username, struct user *out,
                               struct dure_err *err)
{
    return user_fetch(sq(s), STMT_USER_BY_NAME, 0, username, out, err);
}

static int sq_user_get(struct store *s, int64_t id, struct user *out, struct dure_err *err)
{
    return user_fetch(sq(s), STMT_USER_BY_ID, id, NULL, out, err);
}

static int sq_user_firm_add(struct store *s, int64_t user_id, const char *brn,
                            struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_USER_FIRM_ADD, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, user_id);
    bind_text(st, 2, brn);
    return step_done(q, st, err, "user firm");
}

static int sq_user_firms(struct store *s, int64_t user_id, char (*brns)[BRN_SIZE], size_t max,
                         size_t *n, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_USER_FIRMS, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, user_id);
    size_t cnt = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && cnt < max)
        col_text(st, 0, brns[cnt++], BRN_SIZE);
    int rc = (step == SQLITE_ROW || step == SQLITE_DONE) ? 0 : db_error(q, err, "user firms");
    sqlite3_reset(st);
    *n = cnt;
    return rc;
}

static void read_token(sqlite3_stmt *st, struct token *t)
{
    memset(t, 0, sizeof(*t));
    t->id = sqlite3_column_int64(st, 0);
    col_text(st, 1, t->hash, sizeof(t->hash));
    t->user_id = sqlite3_column_int64(st, 2);
    t->role = sqlite3_column_int(st, 3);
    col_text(st, 4, t->firm, sizeof(t->firm));
    col_text(st, 5, t->label, sizeof(t->label));
    col_text(st, 6, t->created_at, sizeof(t->created_at));
    t->revoked = sqlite3_column_int(st, 7);
}

static int sq_token_create(struct store *s, struct token *t, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_TOKEN_INSERT, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, t->hash);
    if (t->user_id > 0)
        sqlite3_bind_int64(st, 2, t->user_id);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int(st, 3, t->role);
    bind_text(st, 4, t->firm[0] != '\0' ? t->firm : NULL);
    bind_text(st, 5, t->label);
    bind_text(st, 6, t->created_at);
    int rc = step_done(q, st, err, "token");
    if (rc == 0)
        t->id = sqlite3_last_insert_rowid(q->db);
    return rc;
}

static int sq_token_find(struct store *s, const char *hash, struct token *out,
                         struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_TOKEN_FIND, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, hash);
    int rc = sqlite3_step(st);
    int out_rc = 0;
    if (rc == SQLITE_ROW)
        read_token(st, out);
    else if (rc == SQLITE_DONE)
        out_rc = dure_err_set(err, DURE_ENOTFOUND, "no such token");
    else
        out_rc = db_error(q, err, "read token");
    sqlite3_reset(st);
    return out_rc;
}

static int sq_token_revoke(struct store *s, int64_t id, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_TOKEN_REVOKE, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, id);
    int rc = step_done(q, st, err, "revoke token");
    if (rc == 0 && sqlite3_changes(q->db) == 0)
        rc = dure_err_set(err, DURE_ENOTFOUND, "no active token with id %lld", (long long)id);
    return rc;
}

static int sq_token_list(struct store *s, struct token **items, size_t *n, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    void *arr = NULL;
    size_t cap = 0, cnt = 0;
    int rc = 0;
    sqlite3_stmt *st = stmt(q, STMT_TOKEN_LIST, err);
    if (st == NULL)
        return DURE_ESTORE;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct token *t = grow(&arr, &cap, cnt, sizeof(*t));
        if (t == NULL) {
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
            goto out;
        }
        read_token(st, t);
        cnt++;
    }
    if (step != SQLITE_DONE)
        rc = db_error(q, err, "list tokens");
out:
    sqlite3_reset(st);
    if (rc != 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *items = arr;
    *n = cnt;
    return rc;
}

static int sq_session_create(struct store *s, const struct session *se, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_SESSION_INSERT, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, se->hash);
    sqlite3_bind_int64(st, 2, se->user_id);
    sqlite3_bind_int64(st, 3, se->expires_unix);
    return step_done(q, st, err, "session");
}

static int sq_session_find(struct store *s, const char *hash, struct session *out,
                           struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_SESSION_FIND, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, hash);
    int rc = sqlite3_step(st);
    int out_rc = 0;
    if (rc == SQLITE_ROW) {
        col_text(st, 0, out->hash, sizeof(out->hash));
        out->user_id = sqlite3_column_int64(st, 1);
        out->expires_unix = sqlite3_column_int64(st, 2);
    } else if (rc == SQLITE_DONE) {
        out_rc = dure_err_set(err, DURE_ENOTFOUND, "no such session");
    } else {
        out_rc = db_error(q, err, "read session");
    }
    sqlite3_reset(st);
    return out_rc;
}

static int sq_session_delete(struct store *s, const char *hash, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_SESSION_DELETE, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, hash);
    return step_done(q, st, err, "end session");
}

/* ---- events ---- */

/* Without RETURNING: SQLite gathers returned rows in a temporary b-tree, which cost as much
 * as the insert itself; seq is the rowid, which sqlite3_last_insert_rowid gives. */
static int sq_event_append(struct store *s, const char *kind, const char *subject,
                           const char *leaf, size_t leaf_len, int64_t *seq, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    if (!q->in_tx)
        return dure_err_set(err, DURE_EINTERNAL, "event outside a transaction");
    sqlite3_stmt *st = stmt(q, STMT_EVENT_APPEND, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, kind);
    bind_text(st, 2, subject);
    sqlite3_bind_blob(st, 3, leaf, (int)leaf_len, SQLITE_STATIC);
    int out = step_done(q, st, err, "append event");
    /* seq is the INTEGER PRIMARY KEY, so the rowid of this connection's last insert. */
    if (out == 0 && seq != NULL)
        *seq = sqlite3_last_insert_rowid(q->db);
    return out;
}

static int sq_event_count(struct store *s, int64_t *n, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_EVENT_COUNT, err);
    if (st == NULL)
        return DURE_ESTORE;
    int rc = sqlite3_step(st);
    int out = 0;
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else
        out = db_error(q, err, "count events");
    sqlite3_reset(st);
    return out;
}

static int sq_event_get(struct store *s, int64_t seq, char **leaf, size_t *len,
                        struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    *leaf = NULL;
    sqlite3_stmt *st = stmt(q, STMT_EVENT_GET, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, seq);
    int rc = sqlite3_step(st);
    int out = 0;
    if (rc == SQLITE_ROW) {
        int n = sqlite3_column_bytes(st, 0);
        const void *p = sqlite3_column_blob(st, 0);
        char *copy = malloc((size_t)n + 1);
        if (copy == NULL) {
            out = dure_err_set(err, DURE_ENOMEM, NULL);
        } else {
            if (n > 0)
                memcpy(copy, p, (size_t)n);
            copy[n] = '\0';
            *leaf = copy;
            *len = (size_t)n;
        }
    } else if (rc == SQLITE_DONE) {
        out = dure_err_set(err, DURE_ENOTFOUND, "no event %lld", (long long)seq);
    } else {
        out = db_error(q, err, "read event");
    }
    sqlite3_reset(st);
    return out;
}

static int sq_summary(struct store *s, struct store_summary *out, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_SUMMARY, err);
    if (st == NULL)
        return DURE_ESTORE;
    int rc = sqlite3_step(st);
    int o = 0;
    if (rc == SQLITE_ROW) {
        out->buildings = sqlite3_column_int64(st, 0);
        out->centres = sqlite3_column_int64(st, 1);
        out->firms = sqlite3_column_int64(st, 2);
        out->firms_in_centres = sqlite3_column_int64(st, 3);
        out->employees = sqlite3_column_int64(st, 4);
        out->members = sqlite3_column_int64(st, 5);
    } else {
        o = db_error(q, err, "summary");
    }
    sqlite3_reset(st);
    return o;
}

/* ---- the data pool ---- */

static void read_upload(sqlite3_stmt *st, struct pool_upload *u)
{
    memset(u, 0, sizeof(*u));
    u->id = sqlite3_column_int64(st, 0);
    col_text(st, 1, u->firm, sizeof(u->firm));
    col_text(st, 2, u->kind, sizeof(u->kind));
    col_text(st, 3, u->sha256, sizeof(u->sha256));
    col_text(st, 4, u->format, sizeof(u->format));
    col_text(st, 5, u->filename, sizeof(u->filename));
    col_text(st, 6, u->created_at, sizeof(u->created_at));
    col_text(st, 7, u->actor, sizeof(u->actor));
    u->rows = sqlite3_column_int64(st, 8);
    u->new_records = sqlite3_column_int64(st, 9);
    u->linked = sqlite3_column_int64(st, 10);
    u->unchanged = sqlite3_column_int64(st, 11);
    u->conflicts = sqlite3_column_int64(st, 12);
    u->deleted = sqlite3_column_int(st, 13);
}

static int sq_upload_create(struct store *s, struct pool_upload *u, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_UPLOAD_INSERT, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, u->firm[0] != '\0' ? u->firm : NULL);
    bind_text(st, 2, u->kind);
    bind_text(st, 3, u->sha256);
    bind_text(st, 4, u->format);
    bind_text(st, 5, u->filename);
    bind_text(st, 6, u->created_at);
    bind_text(st, 7, u->actor);
    int rc = step_done(q, st, err, "upload");
    if (rc == 0)
        u->id = sqlite3_last_insert_rowid(q->db);
    return rc;
}

static int sq_upload_finish(struct store *s, const struct pool_upload *u, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_UPLOAD_FINISH, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, u->id);
    sqlite3_bind_int64(st, 2, u->rows);
    sqlite3_bind_int64(st, 3, u->new_records);
    sqlite3_bind_int64(st, 4, u->linked);
    sqlite3_bind_int64(st, 5, u->unchanged);
    sqlite3_bind_int64(st, 6, u->conflicts);
    bind_text(st, 7, u->format);
    return step_done(q, st, err, "finish upload");
}

static int upload_fetch(struct sqlite_store *q, sqlite3_stmt *st, struct pool_upload *out,
                        struct dure_err *err)
{
    int rc = sqlite3_step(st);
    int o = 0;
    if (rc == SQLITE_ROW)
        read_upload(st, out);
    else if (rc == SQLITE_DONE)
        o = dure_err_set(err, DURE_ENOTFOUND, "no such upload");
    else
        o = db_error(q, err, "read upload");
    sqlite3_reset(st);
    return o;
}

static int sq_upload_find(struct store *s, const char *firm, const char *kind, const char *sha256,
                          struct pool_upload *out, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_UPLOAD_FIND, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, firm);
    bind_text(st, 2, kind);
    bind_text(st, 3, sha256);
    return upload_fetch(q, st, out, err);
}

static int sq_upload_get(struct store *s, int64_t id, struct pool_upload *out,
                         struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_UPLOAD_GET, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, id);
    return upload_fetch(q, st, out, err);
}

static int sq_upload_list(struct store *s, const char *firm, struct pool_upload **items, size_t *n,
                          struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    void *arr = NULL;
    size_t cap = 0, cnt = 0;
    int rc = 0, step;
    sqlite3_stmt *st = stmt(q, STMT_UPLOAD_LIST, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, firm);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct pool_upload *u = grow(&arr, &cap, cnt, sizeof(*u));
        if (u == NULL) {
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
            goto out;
        }
        read_upload(st, u);
        cnt++;
    }
    if (step != SQLITE_DONE)
        rc = db_error(q, err, "list uploads");
out:
    sqlite3_reset(st);
    if (rc != 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *items = arr;
    *n = cnt;
    return rc;
}

/* Run a cached statement whose only parameter is an id. */
static int run_with_id(struct sqlite_store *q, enum stmt_id id, int64_t key, struct dure_err *err,
                       const char *what)
{
    sqlite3_stmt *st = stmt(q, id, err);
    if (st == NULL)
        return DURE_ESTORE;
    if (key >= 0)
        sqlite3_bind_int64(st, 1, key);
    return step_done(q, st, err, what);
}

static int sq_upload_delete(struct store *s, int64_t id, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    int rc = run_with_id(q, STMT_UPLOAD_MARK_DELETED, id, err, "delete upload");
    if (rc == 0 && sqlite3_changes(q->db) == 0)
        return dure_err_set(err, DURE_ENOTFOUND, "no such upload");
    if (rc == 0)
        rc = run_with_id(q, STMT_UPLOAD_UNLINK_SUPPLIER, id, err, "unlink invoices");
    if (rc == 0)
        rc = run_with_id(q, STMT_UPLOAD_UNLINK_BUYER, id, err, "unlink invoices");
    if (rc == 0)
        rc = run_with_id(q, STMT_INVOICE_ITEMS_ORPHANS, -1, err, "delete items");
    if (rc == 0)
        rc = run_with_id(q, STMT_INVOICE_ORPHANS, -1, err, "delete invoices");
    if (rc == 0)
        rc = run_with_id(q, STMT_UPLOAD_DELETE_KPIS, id, err, "delete kpis");
    return rc;
}

/* A cached statement for the bulk path: step_done resets every statement after its step and
 * every parameter is bound again for each invoice, so neither a second reset nor
 * sqlite3_clear_bindings is needed. */
static sqlite3_stmt *hot_stmt(struct sqlite_store *q, enum stmt_id id, struct dure_err *err)
{
    return q->stmts[id] != NULL ? q->stmts[id] : stmt(q, id, err);
}

/* Bind one line item at parameter base + 1 .. base + 9. */
static void bind_item(sqlite3_stmt *st, int base, sqlite3_int64 id, size_t line,
                      const struct pool_item *it)
{
    sqlite3_bind_int64(st, base + 1, id);
    sqlite3_bind_int64(st, base + 2, (sqlite3_int64)line);
    bind_text(st, base + 3, it->date);
    bind_text(st, base + 4, it->name);
    bind_text(st, base + 5, it->spec);
    sqlite3_bind_int64(st, base + 6, it->qty_milli);
    sqlite3_bind_int64(st, base + 7, it->unit_price_krw);
    sqlite3_bind_int64(st, base + 8, it->supply_krw);
    sqlite3_bind_int64(st, base + 9, it->tax_krw);
}

/* One line item by the single-row statement. */
static int insert_item(struct sqlite_store *q, sqlite3_int64 id, size_t line,
                       const struct pool_item *it, struct dure_err *err)
{
    sqlite3_stmt *st = hot_stmt(q, STMT_INVOICE_ITEM_INSERT, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_item(st, 0, id, line, it);
    return step_done(q, st, err, "invoice item");
}

static int insert_items(struct sqlite_store *q, sqlite3_int64 id, const struct pool_invoice *inv,
                        struct dure_err *err)
{
    int rc = 0;
    for (size_t i = 0; i < inv->nitems && rc == 0; i++)
        rc = insert_item(q, id, i + 1, &inv->items[i], err);
    return rc;
}

/* The line items of a batch's new invoices, inserted ITEM_ROWS at a time by one statement of
 * that many rows: a list export brings one line per invoice, and one INSERT per line cost a
 * fifth of the writer's work, most of it in starting and ending the statement rather than in
 * the row. The lines wait here only while the batch inserts new invoices; before the batch
 * touches a stored invoice (whose lines it may replace) and at its end they are written. */
#define ITEM_ROWS 128
#define ITEM_COLS 9

struct item_queue {
    sqlite3_int64 id[ITEM_ROWS];
    size_t line[ITEM_ROWS];
    const struct pool_item *item[ITEM_ROWS];
    size_t n;
};

static int item_queue_flush(struct sqlite_store *q, struct item_queue *iq, struct dure_err *err)
{
    size_t i = 0;
    if (iq->n == ITEM_ROWS) {
        if (q->items_rows == NULL) {
            struct buf sql;
            buf_init(&sql, 8192);
            int rc = buf_append_str(&sql, "INSERT INTO invoice_items(invoice_id, line, date, name, "
                                          "spec, qty_milli, unit_price_krw, supply_krw, tax_krw) "
                                          "VALUES ");
            for (int r = 0; rc == 0 && r < ITEM_ROWS; r++)
                rc = buf_append_str(&sql, r == 0 ? "(?,?,?,?,?,?,?,?,?)" : ",(?,?,?,?,?,?,?,?,?)");
            if (rc == 0 && sqlite3_prepare_v3(q->db, buf_str(&sql), -1, SQLITE_PREPARE_PERSISTENT,
                                              &q->items_rows, NULL) != SQLITE_OK)
                rc = db_error(q, err, "invoice items");
            else if (rc != 0)
                rc = dure_err_set(err, DURE_ENOMEM, NULL);
            buf_cleanup(&sql);
            if (rc != 0)
                return rc;
        }
        for (int r = 0; r < ITEM_ROWS; r++)
            bind_item(q->items_rows, r * ITEM_COLS, iq->id[r], iq->line[r], iq->item[r]);
        int rc = step_done(q, q->items_rows, err, "invoice items");
        if (rc != 0)
            return rc;
        i = ITEM_ROWS;
    }
    for (; i < iq->n; i++) {
        int rc = insert_item(q, iq->id[i], iq->line[i], iq->item[i], err);
        if (rc != 0)
            return rc;
    }
    iq->n = 0;
    return 0;
}

/* Queue the lines of a new invoice (iq NULL: insert them now). */
static int queue_items(struct sqlite_store *q, struct item_queue *iq, sqlite3_int64 id,
                       const struct pool_invoice *inv, struct dure_err *err)
{
    if (iq == NULL)
        return insert_items(q, id, inv, err);
    for (size_t i = 0; i < inv->nitems; i++) {
        iq->id[iq->n] = id;
        iq->line[iq->n] = i + 1;
        iq->item[iq->n] = &inv->items[i];
        if (++iq->n == ITEM_ROWS) {
            int rc = item_queue_flush(q, iq, err);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/* One invoice: insert it, or compare it with the stored copy and link, upgrade or report the
 * conflict. The rules of store_invoice_put. */
static int invoice_put_one(struct sqlite_store *q, int64_t upload_id, enum pool_side side,
                           const struct pool_invoice *inv, struct item_queue *iq,
                           enum store_invoice_outcome *outcome, char *why, size_t why_n,
                           struct dure_err *err)
{
    int rc;
    sqlite3_stmt *st = hot_stmt(q, STMT_INVOICE_INSERT, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, inv->approval_no);
    bind_text(st, 2, inv->written_on);
    bind_text(st, 3, inv->issued_on);
    bind_text(st, 4, inv->supplier_brn);
    bind_text(st, 5, inv->supplier_branch);
    bind_text(st, 6, inv->supplier_name);
    sqlite3_bind_int(st, 7, (int)inv->buyer_kind);
    bind_text(st, 8, inv->buyer_brn);
    bind_text(st, 9, inv->buyer_branch);
    bind_text(st, 10, inv->buyer_name);
    sqlite3_bind_int64(st, 11, inv->total_krw);
    sqlite3_bind_int64(st, 12, inv->supply_krw);
    sqlite3_bind_int64(st, 13, inv->tax_krw);
    sqlite3_bind_int(st, 14, inv->tax_exempt);
    sqlite3_bind_int(st, 15, inv->amended);
    bind_text(st, 16, inv->kind);
    sqlite3_bind_int(st, 17, inv->receipt);
    sqlite3_bind_int(st, 18, inv->items_complete);
    if (side == POOL_SIDE_ISSUED) {
        sqlite3_bind_int64(st, 19, upload_id);
        sqlite3_bind_null(st, 20);
    } else {
        sqlite3_bind_null(st, 19);
        sqlite3_bind_int64(st, 20, upload_id);
    }
    rc = step_done(q, st, err, "invoice");
    if (rc != 0)
        return rc;
    if (sqlite3_changes(q->db) == 1) {
        *outcome = STORE_INVOICE_NEW;
        return queue_items(q, iq, sqlite3_last_insert_rowid(q->db), inv, err);
    }
    /* A stored invoice: the lines queued so far go first (this one's may be among them). */
    if (iq != NULL && iq->n > 0 && (rc = item_queue_flush(q, iq, err)) != 0)
        return rc;

    /* Known approval number: the same facts link this firm; different facts are a conflict. */
    st = hot_stmt(q, STMT_INVOICE_GET_KEY, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, inv->approval_no);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return db_error(q, err, "read invoice");
    }
    char written[REG_DATE_SIZE], sup[BRN_SIZE], buy[BRN_SIZE];
    col_text(st, 0, written, sizeof(written));
    col_text(st, 1, sup, sizeof(sup));
    col_text(st, 2, buy, sizeof(buy));
    int64_t total = sqlite3_column_int64(st, 3), supply = sqlite3_column_int64(st, 4),
            tax = sqlite3_column_int64(st, 5);
    int complete = sqlite3_column_int(st, 6);
    int linked = sqlite3_column_type(st, side == POOL_SIDE_ISSUED ? 7 : 8) != SQLITE_NULL;
    sqlite3_int64 id = sqlite3_column_int64(st, 9);
    sqlite3_reset(st);
    const char *diff = strcmp(sup, inv->supplier_brn) != 0    ? "공급자사업자등록번호"
                       : strcmp(buy, inv->buyer_brn) != 0     ? "공급받는자사업자등록번호"
                       : strcmp(written, inv->written_on) != 0 ? "작성일자"
                       : total != inv->total_krw               ? "합계금액"
                       : supply != inv->supply_krw             ? "공급가액"
                       : tax != inv->tax_krw                   ? "세액"
                                                               : NULL;
    if (diff != NULL) {
        *outcome = STORE_INVOICE_CONFLICT;
        snprintf(why, why_n, "%s differs from the copy already in the pool", diff);
        return 0;
    }
    *outcome = linked ? STORE_INVOICE_UNCHANGED : STORE_INVOICE_LINKED;
    if (!linked) {
        st = hot_stmt(q,
                      side == POOL_SIDE_ISSUED ? STMT_INVOICE_LINK_SUPPLIER
                                               : STMT_INVOICE_LINK_BUYER,
                      err);
        if (st == NULL)
            return DURE_ESTORE;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, upload_id);
        rc = step_done(q, st, err, "link invoice");
        if (rc != 0)
            return rc;
    }
    if (inv->items_complete && !complete) {
        /* Every line of the XML replaces the list export's representative line. */
        st = hot_stmt(q, STMT_INVOICE_ITEMS_CLEAR, err);
        if (st == NULL)
            return DURE_ESTORE;
        sqlite3_bind_int64(st, 1, id);
        rc = step_done(q, st, err, "replace items");
        if (rc == 0)
            rc = insert_items(q, id, inv, err);
        if (rc == 0) {
            st = hot_stmt(q, STMT_INVOICE_SET_COMPLETE, err);
            if (st == NULL)
                return DURE_ESTORE;
            sqlite3_bind_int64(st, 1, id);
            rc = step_done(q, st, err, "replace items");
        }
        if (rc == 0 && *outcome == STORE_INVOICE_UNCHANGED)
            *outcome = STORE_INVOICE_UPGRADED;
    }
    return rc;
}

static int sq_invoice_put(struct store *s, int64_t upload_id, const char *firm,
                          enum pool_side side, const struct pool_invoice *inv,
                          enum store_invoice_outcome *outcome, char *why, size_t why_n,
                          struct dure_err *err)
{
    (void)firm;
    return invoice_put_one(sq(s), upload_id, side, inv, NULL, outcome, why, why_n, err);
}

/* The checkpointer: a thread with its own connection to the database that runs the WAL
 * checkpoints of bulk transactions, which SQLite would otherwise run inside the committing
 * call (copying every page back into the database file and syncing both files, about half the
 * wall time of a large import). The next upload is parsed and stored meanwhile. Same threshold
 * and the same PASSIVE checkpoint as SQLite's autocheckpoint, so the WAL is synced as often as
 * before; only the thread that waits for it changes. */
struct checkpointer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    sqlite3 *db;        /* used by the thread only */
    int requested;      /* a checkpoint is wanted */
    int running;        /* one is in progress */
    uint64_t finished;  /* checkpoints completed */
    int stop;
};

static void *checkpointer_main(void *arg)
{
    struct checkpointer *c = arg;
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        if (!c->requested) {
            pthread_cond_wait(&c->wake, &c->mu);
            continue;
        }
        c->requested = 0;
        c->running = 1;
        pthread_mutex_unlock(&c->mu);
        /* Busy (another checkpoint, or a writer resetting the WAL) is not an error: the next
         * commit asks again. */
        sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->mu);
        c->running = 0;
        c->finished++;
        pthread_cond_broadcast(&c->done);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* The WAL hook of a bulk transaction's commit (on the writer's thread, after the commit, with
 * no lock held): wake the checkpointer, and when the WAL has grown past
 * SQLITE_CKPT_WAIT_FRAMES wait for a checkpoint that began after this commit. */
static int checkpointer_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    struct checkpointer *c = arg;
    (void)db;
    (void)name;
    if (frames < SQLITE_CKPT_FRAMES)
        return SQLITE_OK;
    pthread_mutex_lock(&c->mu);
    uint64_t target = c->finished + (c->running ? 2 : 1);
    c->requested = 1;
    pthread_cond_signal(&c->wake);
    while (frames >= SQLITE_CKPT_WAIT_FRAMES && c->finished < target && !c->stop)
        pthread_cond_wait(&c->done, &c->mu);
    pthread_mutex_unlock(&c->mu);
    return SQLITE_OK;
}

/* A checkpointer for q's database, or NULL when it cannot have one (an in-memory database, no
 * thread): SQLite's own autocheckpoint then stays in charge. */
static struct checkpointer *checkpointer_start(struct sqlite_store *q)
{
    const char *path = sqlite3_db_filename(q->db, "main");
    struct checkpointer *c = NULL;
    if (path == NULL || path[0] == '\0' || (c = calloc(1, sizeof(*c))) == NULL)
        return NULL;
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    sqlite3_busy_timeout(c->db, SQLITE_BUSY_TIMEOUT_MS);
    /* A connection opens the WAL when it first reads; before that a checkpoint does nothing. */
    if (sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->wake, NULL);
    pthread_cond_init(&c->done, NULL);
    if (pthread_create(&c->thread, NULL, checkpointer_main, c) != 0) {
        pthread_cond_destroy(&c->done);
        pthread_cond_destroy(&c->wake);
        pthread_mutex_destroy(&c->mu);
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    return c;
}

/* Stop the thread (a checkpoint in progress finishes first) and close its connection. */
static void checkpointer_stop(struct checkpointer *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_broadcast(&c->wake);
    pthread_cond_broadcast(&c->done);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->done);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->mu);
    sqlite3_close(c->db);
    free(c);
}

/* Put back the cache and memory map of before a bulk transaction (the cache's pages are
 * dropped, not written: the transaction has ended). */
static void bulk_end(struct sqlite_store *q)
{
    char sql[96];
    if (!q->bulk)
        return;
    q->bulk = 0;
    snprintf(sql, sizeof(sql), "PRAGMA cache_size=%d;PRAGMA mmap_size=%lld", q->saved_cache_size,
             (long long)q->saved_mmap_size);
    sqlite3_exec(q->db, sql, NULL, NULL, NULL);
    /* The commit has run the hook; later transactions checkpoint as SQLite does. */
    if (q->ckpt != NULL)
        sqlite3_wal_autocheckpoint(q->db, SQLITE_CKPT_FRAMES);
}

/* The integer a PRAGMA reads back. */
static int pragma_int(struct sqlite_store *q, const char *sql, sqlite3_int64 *v,
                      struct dure_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(q, err, "pragma");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_error(q, err, "pragma");
}

/* Settings for storing invoices in bulk, until the write transaction ends: a page cache large
 * enough that the invoices' dirty pages stay in memory until the commit writes each once, no
 * memory map, and the commit's checkpoint handed to the checkpointer. Nothing about durability
 * or locking changes: synchronous stays as it is, and the WAL is checkpointed (and synced) at
 * the same size as before. */
static int bulk_begin(struct sqlite_store *q, struct dure_err *err)
{
    char sql[96];
    sqlite3_int64 cache = -2000, mmap = 0;
    if (q->bulk || !q->in_tx)
        return 0;
    int rc = pragma_int(q, "PRAGMA cache_size", &cache, err);
    if (rc == 0)
        rc = pragma_int(q, "PRAGMA mmap_size", &mmap, err);
    if (rc != 0)
        return rc;
    q->saved_cache_size = (int)cache;
    q->saved_mmap_size = mmap;
    /* A negative cache_size is KiB (a larger one is kept), a positive one pages. */
    snprintf(sql, sizeof(sql), "PRAGMA cache_size=%d;PRAGMA mmap_size=0",
             cache < 0 && -cache > SQLITE_BULK_CACHE_KIB ? (int)cache : -SQLITE_BULK_CACHE_KIB);
    rc = exec_script(q, sql, err);
    if (rc != 0)
        return rc;
    q->bulk = 1;
    if (q->ckpt == NULL)
        q->ckpt = checkpointer_start(q);
    if (q->ckpt != NULL)
        sqlite3_wal_hook(q->db, checkpointer_hook, q->ckpt);
    return 0;
}

static int sq_invoice_put_batch(struct store *s, int64_t upload_id, const char *firm,
                                enum pool_side side, const struct pool_invoice *invs, size_t n,
                                enum store_invoice_outcome *outcomes,
                                char (*why)[STORE_INVOICE_WHY_SIZE], struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    struct item_queue iq;
    (void)firm;
    iq.n = 0;
    int rc = bulk_begin(q, err);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = invoice_put_one(q, upload_id, side, &invs[i], &iq, &outcomes[i], why[i],
                             sizeof(why[i]), err);
    if (rc == 0)
        rc = item_queue_flush(q, &iq, err);
    return rc;
}

/* A listed invoice and its first item share one allocation slot. */
struct invoice_slot {
    struct pool_invoice inv;
    struct pool_item item;
};

static int sq_invoice_list(struct store *s, const struct invoice_filter *fl,
                           struct pool_invoice **items, size_t *n, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    struct invoice_slot *slots = NULL;
    struct pool_invoice *out = NULL;
    size_t cnt = 0, cap = 0;
    int rc = 0, step;
    *items = NULL;
    *n = 0;
    sqlite3_stmt *st = stmt(q, STMT_INVOICE_LIST, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, fl->firm);
    bind_text(st, 2, fl->month);
    sqlite3_bind_int(st, 3, fl->side);
    bind_text(st, 4, fl->after);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)fl->limit);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct invoice_slot *sl = grow((void **)&slots, &cap, cnt, sizeof(*sl));
        if (sl == NULL) {
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
            goto out;
        }
        memset(sl, 0, sizeof(*sl));
        struct pool_invoice *v = &sl->inv;
        col_text(st, 0, v->approval_no, sizeof(v->approval_no));
        col_text(st, 1, v->written_on, sizeof(v->written_on));
        col_text(st, 2, v->issued_on, sizeof(v->issued_on));
        col_text(st, 3, v->supplier_brn, sizeof(v->supplier_brn));
        col_text(st, 4, v->supplier_branch, sizeof(v->supplier_branch));
        col_text(st, 5, v->supplier_name, sizeof(v->supplier_name));
        v->buyer_kind = (enum pool_party_kind)sqlite3_column_int(st, 6);
        col_text(st, 7, v->buyer_brn, sizeof(v->buyer_brn));
        col_text(st, 8, v->buyer_branch, sizeof(v->buyer_branch));
        col_text(st, 9, v->buyer_name, sizeof(v->buyer_name));
        v->total_krw = sqlite3_column_int64(st, 10);
        v->supply_krw = sqlite3_column_int64(st, 11);
        v->tax_krw = sqlite3_column_int64(st, 12);
        v->tax_exempt = sqlite3_column_int(st, 13);
        v->amended = sqlite3_column_int(st, 14);
        col_text(st, 15, v->kind, sizeof(v->kind));
        v->receipt = sqlite3_column_int(st, 16);
        v->items_complete = sqlite3_column_int(st, 17);
        if (sqlite3_column_type(st, 19) != SQLITE_NULL) {
            col_text(st, 18, sl->item.date, sizeof(sl->item.date));
            col_text(st, 19, sl->item.name, sizeof(sl->item.name));
            col_text(st, 20, sl->item.spec, sizeof(sl->item.spec));
            sl->item.qty_milli = sqlite3_column_int64(st, 21);
            sl->item.unit_price_krw = sqlite3_column_int64(st, 22);
            sl->item.supply_krw = sqlite3_column_int64(st, 23);
            sl->item.tax_krw = sqlite3_column_int64(st, 24);
            v->nitems = 1;
        }
        cnt++;
    }
    if (step != SQLITE_DONE)
        rc = db_error(q, err, "list invoices");
out:
    sqlite3_reset(st);
    if (rc == 0 && cnt > 0) {
        /* Hand out a plain array of invoices followed by their items in one block. */
        out = malloc(cnt * (sizeof(struct pool_invoice) + sizeof(struct pool_item)));
        if (out == NULL) {
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
        } else {
            struct pool_item *its = (struct pool_item *)(out + cnt);
            for (size_t i = 0; i < cnt; i++) {
                out[i] = slots[i].inv;
                its[i] = slots[i].item;
                out[i].items = out[i].nitems ? &its[i] : NULL;
            }
        }
    }
    free(slots);
    if (rc != 0) {
        free(out);
        return rc;
    }
    *items = out;
    *n = cnt;
    return 0;
}

static int sq_kpi_put(struct store *s, int64_t upload_id, const struct pool_kpi *k, int *changed,
                      struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_KPI_GET, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, k->brn);
    bind_text(st, 2, k->month);
    int step = sqlite3_step(st);
    int same = step == SQLITE_ROW && sqlite3_column_int64(st, 0) == k->revenue_krw &&
               sqlite3_column_int64(st, 1) == k->production_krw &&
               sqlite3_column_int64(st, 2) == k->exports_krw &&
               sqlite3_column_int64(st, 3) == k->employees;
    int existed = step == SQLITE_ROW;
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return db_error(q, err, "read kpi");
    if (same) {
        *changed = 0;
        return 0;
    }
    *changed = existed ? 2 : 1;
    st = stmt(q, STMT_KPI_PUT, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, k->brn);
    bind_text(st, 2, k->month);
    sqlite3_bind_int64(st, 3, k->revenue_krw);
    sqlite3_bind_int64(st, 4, k->production_krw);
    sqlite3_bind_int64(st, 5, k->exports_krw);
    sqlite3_bind_int64(st, 6, k->employees);
    sqlite3_bind_int64(st, 7, upload_id);
    return step_done(q, st, err, "kpi");
}

static int sq_kpi_list(struct store *s, const char *firm, const char *month,
                       struct pool_kpi **items, size_t *n, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    void *arr = NULL;
    size_t cap = 0, cnt = 0;
    int rc = 0, step;
    sqlite3_stmt *st = stmt(q, STMT_KPI_LIST, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, firm);
    bind_text(st, 2, month);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct pool_kpi *k = grow(&arr, &cap, cnt, sizeof(*k));
        if (k == NULL) {
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
            goto out;
        }
        memset(k, 0, sizeof(*k));
        col_text(st, 0, k->brn, sizeof(k->brn));
        col_text(st, 1, k->month, sizeof(k->month));
        k->revenue_krw = sqlite3_column_int64(st, 2);
        k->production_krw = sqlite3_column_int64(st, 3);
        k->exports_krw = sqlite3_column_int64(st, 4);
        k->employees = sqlite3_column_int64(st, 5);
        cnt++;
    }
    if (step != SQLITE_DONE)
        rc = db_error(q, err, "list kpis");
out:
    sqlite3_reset(st);
    if (rc != 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *items = arr;
    *n = cnt;
    return rc;
}

static int sq_consent_get(struct store *s, const char *brn, int *scopes,
                          char updated_at[REG_TIME_SIZE], struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_CONSENT_GET, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, brn);
    int step = sqlite3_step(st);
    *scopes = 0;
    updated_at[0] = '\0';
    if (step == SQLITE_ROW) {
        *scopes = sqlite3_column_int(st, 0);
        col_text(st, 1, updated_at, REG_TIME_SIZE);
    }
    sqlite3_reset(st);
    return (step == SQLITE_ROW || step == SQLITE_DONE) ? 0 : db_error(q, err, "read consent");
}

static int sq_consent_put(struct store *s, const char *brn, int scopes, const char *updated_at,
                          struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_CONSENT_PUT, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, brn);
    sqlite3_bind_int(st, 2, scopes);
    bind_text(st, 3, updated_at);
    return step_done(q, st, err, "consent");
}

static int sq_data_use_add(struct store *s, const struct data_use *u, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_DATA_USE_ADD, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, u->brn);
    bind_text(st, 2, u->purpose);
    bind_text(st, 3, u->computation);
    bind_text(st, 4, u->actor);
    bind_text(st, 5, u->used_at);
    return step_done(q, st, err, "data use");
}

static int sq_data_use_list(struct store *s, const char *brn, struct data_use **items, size_t *n,
                            struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    void *arr = NULL;
    size_t cap = 0, cnt = 0;
    int rc = 0, step;
    sqlite3_stmt *st = stmt(q, STMT_DATA_USE_LIST, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, brn);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct data_use *u = grow(&arr, &cap, cnt, sizeof(*u));
        if (u == NULL) {
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
            goto out;
        }
        memset(u, 0, sizeof(*u));
        u->id = sqlite3_column_int64(st, 0);
        col_text(st, 1, u->brn, sizeof(u->brn));
        col_text(st, 2, u->purpose, sizeof(u->purpose));
        col_text(st, 3, u->computation, sizeof(u->computation));
        col_text(st, 4, u->actor, sizeof(u->actor));
        col_text(st, 5, u->used_at, sizeof(u->used_at));
        cnt++;
    }
    if (step != SQLITE_DONE)
        rc = db_error(q, err, "list data uses");
out:
    sqlite3_reset(st);
    if (rc != 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *items = arr;
    *n = cnt;
    return rc;
}

static int sq_rollup_refresh(struct store *s, const char *firm, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_ROLLUP_CLEAR, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, firm);
    int rc = step_done(q, st, err, "rollup");
    if (rc != 0)
        return rc;
    st = stmt(q, STMT_ROLLUP_FILL, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, firm);
    return step_done(q, st, err, "rollup");
}

static int sq_rollup_list(struct store *s, const char *firm, struct firm_month **items, size_t *n,
                          struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    void *arr = NULL;
    size_t cap = 0, cnt = 0;
    int rc = 0, step;
    sqlite3_stmt *st = stmt(q, STMT_ROLLUP_LIST, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, firm);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct firm_month *m = grow(&arr, &cap, cnt, sizeof(*m));
        if (m == NULL) {
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
            goto out;
        }
        memset(m, 0, sizeof(*m));
        col_text(st, 0, m->brn, sizeof(m->brn));
        col_text(st, 1, m->month, sizeof(m->month));
        m->sales_krw = sqlite3_column_int64(st, 2);
        m->purchases_krw = sqlite3_column_int64(st, 3);
        m->cluster_purchases_krw = sqlite3_column_int64(st, 4);
        m->invoices_issued = sqlite3_column_int64(st, 5);
        m->invoices_received = sqlite3_column_int64(st, 6);
        cnt++;
    }
    if (step != SQLITE_DONE)
        rc = db_error(q, err, "list rollups");
out:
    sqlite3_reset(st);
    if (rc != 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *items = arr;
    *n = cnt;
    return rc;
}

static int sq_event_secret_put(struct store *s, int64_t seq, const char *brn, const char *json,
                               struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_EVENT_SECRET_PUT, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, seq);
    bind_text(st, 2, brn);
    bind_text(st, 3, json);
    return step_done(q, st, err, "event secret");
}

/* ---- the ledger ---- */

static int sq_tlog_node_put(struct store *s, uint64_t level, uint64_t index,
                            const uint8_t hash[32], struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_TLOG_NODE_PUT, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    sqlite3_bind_blob(st, 3, hash, 32, SQLITE_STATIC);
    return step_done(q, st, err, "tree node");
}

static int sq_tlog_node_get(struct store *s, uint64_t level, uint64_t index, uint8_t hash[32],
                            struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_TLOG_NODE_GET, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    int rc = sqlite3_step(st), out = 0;
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32)
        memcpy(hash, sqlite3_column_blob(st, 0), 32);
    else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        out = dure_err_set(err, DURE_ENOTFOUND, "tree node %llu/%llu is missing",
                           (unsigned long long)level, (unsigned long long)index);
    else
        out = db_error(q, err, "read tree node");
    sqlite3_reset(st);
    return out;
}

static int sq_tlog_leaf_find(struct store *s, const uint8_t hash[32], int64_t *index,
                             struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_TLOG_LEAF_FIND, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(st), out = 0;
    if (rc == SQLITE_ROW)
        *index = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        out = dure_err_set(err, DURE_ENOTFOUND, "no leaf with that hash");
    else
        out = db_error(q, err, "find leaf");
    sqlite3_reset(st);
    return out;
}

/* A scan of at least this many events (a chunk of ledger_verify) reads through a page cache of
 * SQLITE_SCAN_CACHE_KIB: it reads each page once, and a small cache keeps reusing page buffers
 * that are still in the CPU's caches, where the connection's 64 MiB cycles through cold memory
 * (a third of verify's CPU time per leaf on the development VM). */
#define SQLITE_SCAN_EVENTS 65536
#define SQLITE_SCAN_CACHE_KIB 1024

static int sq_event_scan(struct store *s, int64_t start, int64_t end, store_event_fn fn,
                         void *ctx, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_EVENT_SCAN, err);
    sqlite3_int64 cache = 0;
    char sql[48];
    struct dure_err ignored;
    int rc = 0, step, small = 0;
    if (st == NULL)
        return DURE_ESTORE;
    /* Only a speed-up: if the cache cannot be set, the scan runs as it is. */
    if (end - start >= SQLITE_SCAN_EVENTS && !q->in_tx &&
        pragma_int(q, "PRAGMA cache_size", &cache, &ignored) == 0) {
        snprintf(sql, sizeof(sql), "PRAGMA cache_size=%d", -SQLITE_SCAN_CACHE_KIB);
        small = exec_script(q, sql, &ignored) == 0;
    }
    sqlite3_bind_int64(st, 1, start);
    sqlite3_bind_int64(st, 2, end);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
                (size_t)sqlite3_column_bytes(st, 1));
        if (rc != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = db_error(q, err, "read events");
    sqlite3_reset(st);
    if (small) {
        snprintf(sql, sizeof(sql), "PRAGMA cache_size=%lld", (long long)cache);
        sqlite3_exec(q->db, sql, NULL, NULL, NULL);
    }
    return rc;
}

static int text_copy_out(sqlite3_stmt *st, int col, char **out, struct dure_err *err)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    *out = strdup(t != NULL ? (const char *)t : "");
    return *out == NULL ? dure_err_set(err, DURE_ENOMEM, NULL) : 0;
}

static int sq_checkpoint_put(struct store *s, int64_t size, const char *note,
                             const char *created_at, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_CHECKPOINT_PUT, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, size);
    bind_text(st, 2, note);
    bind_text(st, 3, created_at);
    return step_done(q, st, err, "checkpoint");
}

static int checkpoint_fetch(struct sqlite_store *q, sqlite3_stmt *st, int64_t *size, char **note,
                            struct dure_err *err)
{
    int rc = sqlite3_step(st), out = 0;
    *note = NULL;
    if (rc == SQLITE_ROW) {
        if (size != NULL)
            *size = sqlite3_column_int64(st, 0);
        out = text_copy_out(st, 1, note, err);
    } else if (rc == SQLITE_DONE) {
        out = dure_err_set(err, DURE_ENOTFOUND, "no checkpoint yet");
    } else {
        out = db_error(q, err, "read checkpoint");
    }
    sqlite3_reset(st);
    return out;
}

static int sq_checkpoint_latest(struct store *s, int64_t *size, char **note, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_CHECKPOINT_LATEST, err);
    if (st == NULL)
        return DURE_ESTORE;
    return checkpoint_fetch(q, st, size, note, err);
}

static int sq_checkpoint_get(struct store *s, int64_t size, char **note, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_CHECKPOINT_GET, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, size);
    return checkpoint_fetch(q, st, NULL, note, err);
}

static int sq_witness_put(struct store *s, const char *name, const char *vkey,
                          struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_WITNESS_PUT, err);
    if (st == NULL)
        return DURE_ESTORE;
    bind_text(st, 1, name);
    bind_text(st, 2, vkey);
    return step_done(q, st, err, "witness");
}

/* Collect column cols[0] (and cols[1] when b != NULL) of every row as owned strings. */
static int collect_strings(struct sqlite_store *q, sqlite3_stmt *st, char ***a, char ***b,
                           size_t *n, struct dure_err *err)
{
    void *aa = NULL, *bb = NULL;
    size_t cap_a = 0, cap_b = 0, cnt = 0;
    int rc = 0, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        char **sa = grow(&aa, &cap_a, cnt, sizeof(char *));
        char **sb = b != NULL ? grow(&bb, &cap_b, cnt, sizeof(char *)) : NULL;
        if (sa == NULL || (b != NULL && sb == NULL)) {
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
            break;
        }
        *sa = NULL;
        if (sb != NULL)
            *sb = NULL;
        cnt++;
        if ((rc = text_copy_out(st, 0, sa, err)) != 0 ||
            (sb != NULL && (rc = text_copy_out(st, 1, sb, err)) != 0))
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = db_error(q, err, "read list");
    sqlite3_reset(st);
    if (rc != 0) {
        store_strings_free(aa, cnt);
        store_strings_free(bb, b != NULL ? cnt : 0);
        aa = bb = NULL;
        cnt = 0;
    }
    *a = aa;
    if (b != NULL)
        *b = bb;
    *n = cnt;
    return rc;
}

static int sq_witness_list(struct store *s, char ***names, char ***vkeys, size_t *n,
                           struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_WITNESS_LIST, err);
    if (st == NULL)
        return DURE_ESTORE;
    return collect_strings(q, st, names, vkeys, n, err);
}

static int sq_cosignature_put(struct store *s, int64_t size, const char *witness,
                              const char *line, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_COSIGNATURE_PUT, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, size);
    bind_text(st, 2, witness);
    bind_text(st, 3, line);
    return step_done(q, st, err, "cosignature");
}

static int sq_cosignature_list(struct store *s, int64_t size, char ***lines, size_t *n,
                               struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_COSIGNATURE_LIST, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, size);
    return collect_strings(q, st, lines, NULL, n, err);
}

static int sq_event_secret_get(struct store *s, int64_t seq, char brn[BRN_SIZE], char **json,
                               struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, STMT_EVENT_SECRET_GET, err);
    if (st == NULL)
        return DURE_ESTORE;
    sqlite3_bind_int64(st, 1, seq);
    int rc = sqlite3_step(st), out = 0;
    *json = NULL;
    if (rc == SQLITE_ROW) {
        col_text(st, 0, brn, BRN_SIZE);
        out = text_copy_out(st, 1, json, err);
    } else if (rc == SQLITE_DONE) {
        out = dure_err_set(err, DURE_ENOTFOUND, "no opening for event %lld", (long long)seq);
    } else {
        out = db_error(q, err, "read event opening");
    }
    sqlite3_reset(st);
    return out;
}

/* ---- whole tables (store_table_copy) ---- */

/* Prepare sql (built from checked names) for one use; the caller finalizes. */
static sqlite3_stmt *prepare_once(struct sqlite_store *q, const char *sql, struct dure_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_error(q, err, "prepare");
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

static int sq_table_count(struct store *s, const char *table, int64_t *n, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", table);
    sqlite3_stmt *st = prepare_once(q, sql, err);
    if (st == NULL)
        return DURE_ESTORE;
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else
        rc = db_error(q, err, "count rows");
    sqlite3_finalize(st);
    return rc;
}

static int sq_table_dump(struct store *s, const char *table, const char *key, store_row_fn fn,
                         void *ctx, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    const char *names[STORE_COLUMNS_MAX];
    struct store_value vals[STORE_COLUMNS_MAX];
    char num[STORE_COLUMNS_MAX][32];
    char sql[256];
    int rc = 0, step;
    snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY %s", table, key);
    sqlite3_stmt *st = prepare_once(q, sql, err);
    if (st == NULL)
        return DURE_ESTORE;
    int ncols = sqlite3_column_count(st);
    if (ncols > STORE_COLUMNS_MAX) {
        sqlite3_finalize(st);
        return dure_err_set(err, DURE_ESTORE, "%s has more than %d columns", table,
                            STORE_COLUMNS_MAX);
    }
    for (int i = 0; i < ncols; i++)
        names[i] = sqlite3_column_name(st, i);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < ncols; i++) {
            struct store_value *v = &vals[i];
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER:
                v->kind = STORE_VALUE_TEXT;
                v->len = (size_t)snprintf(num[i], sizeof(num[i]), "%lld",
                                          (long long)sqlite3_column_int64(st, i));
                v->data = num[i];
                break;
            case SQLITE_FLOAT:
                /* 17 significant digits read back as the same double on both engines. */
                v->kind = STORE_VALUE_TEXT;
                v->len = (size_t)snprintf(num[i], sizeof(num[i]), "%.17g",
                                          sqlite3_column_double(st, i));
                v->data = num[i];
                break;
            case SQLITE_TEXT:
                v->kind = STORE_VALUE_TEXT;
                v->data = (const char *)sqlite3_column_text(st, i);
                v->len = (size_t)sqlite3_column_bytes(st, i);
                break;
            case SQLITE_BLOB:
                v->kind = STORE_VALUE_BLOB;
                v->data = sqlite3_column_blob(st, i);
                v->len = (size_t)sqlite3_column_bytes(st, i);
                if (v->data == NULL)
                    v->data = "";
                break;
            default:
                v->kind = STORE_VALUE_NULL;
                v->data = NULL;
                v->len = 0;
                break;
            }
        }
        rc = fn(ctx, (size_t)ncols, names, vals);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = db_error(q, err, "read rows");
    sqlite3_finalize(st);
    return rc;
}

static int sq_table_load_begin(struct store *s, const char *table, size_t ncols,
                               const char *const *columns, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    struct buf b;
    int rc = 0;
    if (!q->in_tx)
        return dure_err_set(err, DURE_EINTERNAL, "table load outside a transaction");
    if (q->load != NULL)
        return dure_err_set(err, DURE_EINTERNAL, "a table load is already in progress");
    buf_init(&b, 16384);
    rc = buf_printf(&b, "INSERT INTO \"%s\" (", table);
    for (size_t i = 0; rc == 0 && i < ncols; i++)
        rc = buf_printf(&b, "%s\"%s\"", i > 0 ? ", " : "", columns[i]);
    rc = rc != 0 ? rc : buf_append_str(&b, ") VALUES (");
    for (size_t i = 0; rc == 0 && i < ncols; i++)
        rc = buf_printf(&b, "%s?%zu", i > 0 ? ", " : "", i + 1);
    rc = rc != 0 ? rc : buf_append_str(&b, ")");
    if (rc != 0)
        rc = dure_err_set(err, rc, "%s: too many columns", table);
    if (rc == 0 && (q->load = prepare_once(q, buf_str(&b), err)) == NULL)
        rc = DURE_ESTORE;
    if (rc == 0)
        q->load_ncols = ncols;
    buf_cleanup(&b);
    return rc;
}

static int sq_table_load_row(struct store *s, const struct store_value *values,
                             struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = q->load;
    if (st == NULL)
        return dure_err_set(err, DURE_EINTERNAL, "no table load in progress");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (size_t i = 0; i < q->load_ncols; i++) {
        int col = (int)i + 1;
        const struct store_value *v = &values[i];
        if (v->len > INT32_MAX)
            return dure_err_set(err, DURE_ETOOBIG, "a value of %zu bytes", v->len);
        if (v->kind == STORE_VALUE_TEXT)
            sqlite3_bind_text(st, col, v->data, (int)v->len, SQLITE_STATIC);
        else if (v->kind == STORE_VALUE_BLOB && v->len == 0)
            sqlite3_bind_zeroblob(st, col, 0);
        else if (v->kind == STORE_VALUE_BLOB)
            sqlite3_bind_blob(st, col, v->data, (int)v->len, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, col);
    }
    return step_done(q, st, err, "copy row");
}

static int sq_table_load_end(struct store *s, int abort, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    (void)abort;
    (void)err;
    sqlite3_finalize(q->load);
    q->load = NULL;
    q->load_ncols = 0;
    return 0;
}

static int sq_table_names(struct store *s, char ***names, size_t *n, struct dure_err *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *st = prepare_once(q,
                                    "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                    "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                                    err);
    if (st == NULL)
        return DURE_ESTORE;
    int rc = collect_strings(q, st, names, NULL, n, err);
    sqlite3_finalize(st);
    return rc;
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .migrate = sq_migrate,
    .schema_version = sq_schema_version,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .savepoint_release = sq_savepoint_release,
    .savepoint_rollback = sq_savepoint_rollback,
    .backup = sq_backup,
    .building_upsert = sq_building_upsert,
    .building_update = sq_building_update,
    .building_get = sq_building_get,
    .building_find = sq_building_find,
    .building_delete = sq_building_delete,
    .building_list = sq_building_list,
    .firm_upsert = sq_firm_upsert,
    .firm_get = sq_firm_get,
    .firm_delete = sq_firm_delete,
    .firm_list = sq_firm_list,
    .member_put = sq_member_put,
    .member_get = sq_member_get,
    .member_list = sq_member_list,
    .user_create = sq_user_create,
    .user_get_by_name = sq_user_get_by_name,
    .user_get = sq_user_get,
    .user_firm_add = sq_user_firm_add,
    .user_firms = sq_user_firms,
    .token_create = sq_token_create,
    .token_find = sq_token_find,
    .token_revoke = sq_token_revoke,
    .token_list = sq_token_list,
    .session_create = sq_session_create,
    .session_find = sq_session_find,
    .session_delete = sq_session_delete,
    .event_append = sq_event_append,
    .event_count = sq_event_count,
    .event_get = sq_event_get,
    .summary = sq_summary,
    .upload_create = sq_upload_create,
    .upload_finish = sq_upload_finish,
    .upload_find = sq_upload_find,
    .upload_get = sq_upload_get,
    .upload_list = sq_upload_list,
    .upload_delete = sq_upload_delete,
    .invoice_put = sq_invoice_put,
    .invoice_put_batch = sq_invoice_put_batch,
    .invoice_list = sq_invoice_list,
    .kpi_put = sq_kpi_put,
    .kpi_list = sq_kpi_list,
    .consent_get = sq_consent_get,
    .consent_put = sq_consent_put,
    .data_use_add = sq_data_use_add,
    .data_use_list = sq_data_use_list,
    .rollup_refresh = sq_rollup_refresh,
    .rollup_list = sq_rollup_list,
    .event_secret_put = sq_event_secret_put,
    .tlog_node_put = sq_tlog_node_put,
    .tlog_node_get = sq_tlog_node_get,
    .tlog_leaf_find = sq_tlog_leaf_find,
    .event_scan = sq_event_scan,
    .checkpoint_put = sq_checkpoint_put,
    .checkpoint_latest = sq_checkpoint_latest,
    .checkpoint_get = sq_checkpoint_get,
    .witness_put = sq_witness_put,
    .witness_list = sq_witness_list,
    .cosignature_put = sq_cosignature_put,
    .cosignature_list = sq_cosignature_list,
    .event_secret_get = sq_event_secret_get,
    .table_count = sq_table_count,
    .table_dump = sq_table_dump,
    .table_load_begin = sq_table_load_begin,
    .table_load_row = sq_table_load_row,
    .table_load_end = sq_table_load_end,
    .table_names = sq_table_names,
};

/* Process-wide settings, before SQLite initialises itself on the first open: no memory
 * statistics. With them on (SQLite's default), every allocation and free SQLite makes takes a
 * global mutex to count it, about 4% of the instructions of an invoice import; dure never reads
 * those statistics. sqlite3_config fails harmlessly once SQLite is initialised. */
static pthread_once_t sqlite_setup_once = PTHREAD_ONCE_INIT;

static void sqlite_setup_run(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static void sqlite_setup(void)
{
    pthread_once(&sqlite_setup_once, sqlite_setup_run);
}

int store__sqlite_open(const char *path, struct store **out, struct dure_err *err)
{
    struct sqlite_store *q = calloc(1, sizeof(*q));
    int rc = 0;
    *out = NULL;
    if (q == NULL)
        return dure_err_set(err, DURE_ENOMEM, NULL);
    sqlite_setup();
    q->base.ops = &sqlite_ops;
    if (sqlite3_open_v2(path, &q->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        rc = dure_err_set(err, DURE_EIO, "cannot open database %s: %s", path,
                          q->db != NULL ? sqlite3_errmsg(q->db) : "out of memory");
        goto out;
    }
    sqlite3_extended_result_codes(q->db, 1);
    sqlite3_busy_timeout(q->db, SQLITE_BUSY_TIMEOUT_MS);
    rc = exec_script(q,
                     "PRAGMA journal_mode=WAL;"
                     "PRAGMA synchronous=NORMAL;"
                     "PRAGMA foreign_keys=ON;"
                     "PRAGMA temp_store=MEMORY;"
                     /* Proofs and imports touch many pages: a 64 MiB cache per connection
                      * and reads through a memory map of up to 1 GiB. */
                     "PRAGMA cache_size=-65536;"
                     "PRAGMA mmap_size=1073741824;",
                     err);
    if (rc != 0) {
        char why[DURE_ERR_MSG_MAX];
        str_copy(why, err != NULL ? err->msg : "", sizeof(why));
        rc = dure_err_set(err, DURE_EIO, "cannot use database %s: %s", path, why);
        goto out;
    }
out:
    if (rc != 0) {
        sqlite3_close(q->db);
        free(q);
        return rc;
    }
    *out = &q->base;
    return 0;
}
