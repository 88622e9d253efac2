/* SPDX-License-Identifier: Apache-2.0 */
/* The PostgreSQL driver (libpq): one PGconn per struct store, every statement prepared once per
 * connection and run with $n parameters, writes serialised by one advisory lock so that callers
 * get exactly the guarantees of the SQLite driver's BEGIN IMMEDIATE. */
#include <libpq-fe.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/migrations.h"
#include "store/store_impl.h"
#include "util/buf.h"
#include "util/str.h"

/* Writers and migrations are serialised by advisory locks on two fixed keys, the ASCII bytes of
 * "durewrit" and "duremigr" read as big-endian 64-bit integers. Constants, never input. */
#define PG_WRITER_LOCK_KEY "7238817756189190516"  /* 0x6475726577726974 "durewrit" */
#define PG_MIGRATE_LOCK_KEY "7238817756020828018" /* 0x647572656d696772 "duremigr" */

/* Same as the SQLite driver's busy_timeout: a writer waits this long for the lock. */
#define PG_LOCK_TIMEOUT "5s"
#define PG_CONNECT_TIMEOUT_S "5"
#define PG_MAX_PARAMS 20
#define PG_BYTEA_OID 17       /* pg_type.oid of bytea, fixed since PostgreSQL 7 */
#define PG_DIRTY_MAX 65536    /* firms whose rollups one transaction defers */
#define PG_SAVEPOINT_MARKS 16 /* nested savepoints under which rollups are deferred */

/* RFC 3339 UTC text of the transaction's time, as SQLite's strftime('%Y-%m-%dT%H:%M:%SZ'). */
#define PG_NOW_TEXT "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Every statement the driver runs; prepared on first use on each connection. Types are cast
 * where PostgreSQL could not infer them from a column. */
#define STMT_TABLE(X)                                                                              \
    X(BEGIN, "BEGIN ISOLATION LEVEL READ COMMITTED")                                               \
    X(WRITER_LOCK, "SELECT pg_advisory_xact_lock(" PG_WRITER_LOCK_KEY ")")                         \
    X(COMMIT, "COMMIT")                                                                            \
    X(ROLLBACK, "ROLLBACK")                                                                        \
    X(SAVEPOINT, "SAVEPOINT dure_unit")                                                            \
    X(SAVEPOINT_RELEASE, "RELEASE dure_unit")                                                      \
    X(SAVEPOINT_ROLLBACK, "ROLLBACK TO dure_unit")                                                 \
    X(SESSION_SETUP, "SELECT set_config('lock_timeout', '" PG_LOCK_TIMEOUT "', false) "            \
                     "WHERE current_setting('lock_timeout') = '0'")                                \
    X(MIGRATE_LOCK_WAIT, "SET LOCAL lock_timeout = 0")                                             \
    X(MIGRATE_LOCK, "SELECT pg_advisory_lock(" PG_MIGRATE_LOCK_KEY ")")                            \
    X(MIGRATE_UNLOCK, "SELECT pg_advisory_unlock(" PG_MIGRATE_LOCK_KEY ")")                        \
    X(MIGRATIONS_TABLE,                                                                            \
      "CREATE TABLE IF NOT EXISTS schema_migrations ("                                             \
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")               \
    X(HAS_MIGRATIONS_TABLE, "SELECT (to_regclass('schema_migrations') IS NOT NULL)::int")          \
    X(SCHEMA_VERSION, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations")                   \
    X(MIGRATION_DONE,                                                                              \
      "INSERT INTO schema_migrations(version, name, applied_at) VALUES ($1, $2, " PG_NOW_TEXT ")") \
    X(BUILDING_BY_NAME, BUILDING_COLS "WHERE b.name = $1")                                         \
    X(BUILDING_BY_ID, BUILDING_COLS "WHERE b.id = $1")                                             \
    X(BUILDING_INSERT,                                                                             \
      "INSERT INTO buildings(name, complex, is_centre, road_address, floors, building_area_m2, "   \
      "gross_floor_area_m2) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")                     \
    X(BUILDING_UPDATE,                                                                             \
      "UPDATE buildings SET name = $1, complex = $2, is_centre = $3, road_address = $4, "          \
      "floors = $5, building_area_m2 = $6, gross_floor_area_m2 = $7 WHERE id = $8")                \
    X(BUILDING_FIND, "SELECT id FROM buildings WHERE name = $1")                                   \
    X(BUILDING_HAS_FIRMS, "SELECT 1 FROM firms WHERE building_id = $1 LIMIT 1")                    \
    X(BUILDING_DELETE, "DELETE FROM buildings WHERE id = $1")                                      \
    X(BUILDING_LIST, BUILDING_COLS "WHERE b.id > $1 ORDER BY b.id LIMIT $2")                       \
    X(FIRM_GET, FIRM_COLS "WHERE f.brn = $1")                                                      \
    X(FIRM_UPSERT,                                                                                 \
      "INSERT INTO firms AS o (brn, name, ksic, building_id, floor, unit, employees, status) "     \
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (brn) DO UPDATE SET "                   \
      "name = EXCLUDED.name, ksic = EXCLUDED.ksic, building_id = EXCLUDED.building_id, "           \
      "floor = EXCLUDED.floor, unit = EXCLUDED.unit, employees = EXCLUDED.employees, "             \
      "status = EXCLUDED.status "                                                                  \
      "WHERE (o.name, o.ksic, o.building_id, o.floor, o.unit, o.employees, o.status) "             \
      "IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.ksic, EXCLUDED.building_id, EXCLUDED.floor, "     \
      "EXCLUDED.unit, EXCLUDED.employees, EXCLUDED.status) "                                       \
      "RETURNING (o.xmax = 0)::int")                                                               \
    X(FIRM_IS_MEMBER, "SELECT 1 FROM members WHERE brn = $1")                                      \
    X(FIRM_DELETE, "DELETE FROM firms WHERE brn = $1")                                             \
    X(FIRM_LIST,                                                                                   \
      FIRM_COLS "WHERE ($1::bigint = 0 OR f.building_id = $1::bigint) "                            \
                "AND ($2::text IS NULL OR starts_with(f.ksic, $2::text)) "                         \
                "AND ($3::text IS NULL OR strpos(f.name, $3::text) > 0 "                           \
                "     OR strpos(f.brn, $3::text) > 0) "                                            \
                "AND ($4::int < 0 OR (" MEMBER_EXPR ")::int = $4::int) "                           \
                "AND ($5::text IS NULL OR f.brn > $5::text) ORDER BY f.brn LIMIT $6::bigint")      \
    X(MEMBER_GET, MEMBER_COLS "WHERE m.brn = $1")                                                  \
    X(MEMBER_PUT,                                                                                  \
      "INSERT INTO members AS o (brn, admitted_on, withdrawn_on, shares, paid_in_krw) "            \
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (brn) DO UPDATE SET "                               \
      "admitted_on = EXCLUDED.admitted_on, withdrawn_on = EXCLUDED.withdrawn_on, "                 \
      "shares = EXCLUDED.shares, paid_in_krw = EXCLUDED.paid_in_krw "                              \
      "WHERE (o.admitted_on, o.withdrawn_on, o.shares, o.paid_in_krw) IS DISTINCT FROM "           \
      "(EXCLUDED.admitted_on, EXCLUDED.withdrawn_on, EXCLUDED.shares, EXCLUDED.paid_in_krw) "      \
      "RETURNING (o.xmax = 0)::int")                                                               \
    X(MEMBER_LIST, MEMBER_COLS "WHERE ($1::int = 0 OR m.withdrawn_on IS NULL) ORDER BY m.brn")     \
    X(USER_INSERT,                                                                                 \
      "INSERT INTO users(username, password_hash, role, created_at) VALUES ($1, $2, $3, $4) "      \
      "RETURNING id")                                                                              \
    X(USER_BY_NAME,                                                                                \
      "SELECT id, username, password_hash, role, created_at FROM users WHERE username = $1")       \
    X(USER_BY_ID, "SELECT id, username, password_hash, role, created_at FROM users WHERE id = $1") \
    X(USER_FIRM_ADD,                                                                               \
      "INSERT INTO user_firms(user_id, brn) VALUES ($1, $2) ON CONFLICT DO NOTHING")               \
    X(USER_FIRMS, "SELECT brn FROM user_firms WHERE user_id = $1 ORDER BY brn LIMIT $2")           \
    X(TOKEN_INSERT, "INSERT INTO tokens(hash, user_id, role, firm, label, created_at) "            \
                    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")                                \
    X(TOKEN_FIND, TOKEN_COLS "WHERE hash = $1 AND revoked_at IS NULL")                             \
    X(TOKEN_REVOKE,                                                                                \
      "UPDATE tokens SET revoked_at = " PG_NOW_TEXT " WHERE id = $1 AND revoked_at IS NULL")       \
    X(TOKEN_LIST, TOKEN_COLS "ORDER BY id")                                                        \
    X(SESSION_INSERT, "INSERT INTO sessions(hash, user_id, expires_unix) VALUES ($1, $2, $3)")     \
    X(SESSION_FIND, "SELECT hash, user_id, expires_unix FROM sessions WHERE hash = $1")            \
    X(SESSION_DELETE, "DELETE FROM sessions WHERE hash = $1")                                      \
    X(EVENT_APPEND,                                                                                \
      "INSERT INTO events(seq, kind, subject, leaf) "                                              \
      "VALUES ((SELECT COALESCE(MAX(seq) + 1, 0) FROM events), $1, $2, $3) RETURNING seq")         \
    X(EVENT_COUNT, "SELECT COALESCE(MAX(seq) + 1, 0) FROM events")                                 \
    X(EVENT_GET, "SELECT leaf FROM events WHERE seq = $1")                                         \
    X(UPLOAD_INSERT,                                                                               \
      "INSERT INTO uploads(firm, kind, sha256, format, filename, created_at, actor) "              \
      "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")                                          \
    X(UPLOAD_FINISH,                                                                               \
      "UPDATE uploads SET rows = $2, new_records = $3, linked = $4, unchanged = $5, "              \
      "conflicts = $6, format = $7 WHERE id = $1")                                                 \
    X(UPLOAD_FIND, UPLOAD_COLS "WHERE COALESCE(firm, '') = $1 AND kind = $2 AND sha256 = $3 "      \
                               "AND deleted_at IS NULL")                                           \
    X(UPLOAD_GET, UPLOAD_COLS "WHERE id = $1")                                                     \
    X(UPLOAD_LIST, UPLOAD_COLS "WHERE COALESCE(firm, '') = $1 AND deleted_at IS NULL "             \
                               "ORDER BY id DESC")                                                 \
    X(UPLOAD_MARK_DELETED,                                                                         \
      "UPDATE uploads SET deleted_at = " PG_NOW_TEXT " WHERE id = $1 AND deleted_at IS NULL")      \
    X(UPLOAD_UNLINK_SUPPLIER,                                                                      \
      "UPDATE invoices SET supplier_upload = NULL WHERE supplier_upload = $1")                     \
    X(UPLOAD_UNLINK_BUYER, "UPDATE invoices SET buyer_upload = NULL WHERE buyer_upload = $1")      \
    X(INVOICE_ITEMS_ORPHANS,                                                                       \
      "DELETE FROM invoice_items WHERE invoice_id IN (SELECT id FROM invoices "                    \
      "WHERE supplier_upload IS NULL AND buyer_upload IS NULL)")                                   \
    X(INVOICE_ORPHANS,                                                                             \
      "DELETE FROM invoices WHERE supplier_upload IS NULL AND buyer_upload IS NULL")               \
    X(UPLOAD_DELETE_KPIS, "DELETE FROM kpis WHERE upload_id = $1")                                 \
    X(INVOICE_INSERT,                                                                              \
      "INSERT INTO invoices(approval_no, written_on, month, issued_on, supplier_brn, "             \
      "supplier_branch, supplier_name, buyer_kind, buyer_brn, buyer_branch, buyer_name, "          \
      "total_krw, supply_krw, tax_krw, tax_exempt, amended, kind, receipt, items_complete, "       \
      "supplier_upload, buyer_upload) VALUES ($1, $2::text, substr($2::text, 1, 7), $3, $4, $5, "  \
      "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) "                    \
      "ON CONFLICT (approval_no) DO NOTHING RETURNING id")                                         \
    X(INVOICE_GET_KEY,                                                                             \
      "SELECT written_on, supplier_brn, buyer_brn, total_krw, supply_krw, tax_krw, "               \
      "items_complete, supplier_upload, buyer_upload, id FROM invoices WHERE approval_no = $1")    \
    X(INVOICE_LINK_SUPPLIER, "UPDATE invoices SET supplier_upload = $2 WHERE id = $1")             \
    X(INVOICE_LINK_BUYER, "UPDATE invoices SET buyer_upload = $2 WHERE id = $1")                   \
    X(INVOICE_SET_COMPLETE, "UPDATE invoices SET items_complete = 1 WHERE id = $1")                \
    X(INVOICE_ITEMS_CLEAR, "DELETE FROM invoice_items WHERE invoice_id = $1")                      \
    X(INVOICE_ITEM_INSERT,                                                                         \
      "INSERT INTO invoice_items(invoice_id, line, date, name, spec, qty_milli, "                  \
      "unit_price_krw, supply_krw, tax_krw) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")          \
    X(INVOICE_LIST,                                                                                \
      "SELECT i.approval_no, i.written_on, i.issued_on, i.supplier_brn, i.supplier_branch, "       \
      "i.supplier_name, i.buyer_kind, i.buyer_brn, i.buyer_branch, i.buyer_name, i.total_krw, "    \
      "i.supply_krw, i.tax_krw, i.tax_exempt, i.amended, i.kind, i.receipt, i.items_complete, "    \
      "it.date, it.name, it.spec, it.qty_milli, it.unit_price_krw, it.supply_krw, it.tax_krw "     \
      "FROM invoices i "                                                                           \
      "LEFT JOIN invoice_items it ON it.invoice_id = i.id AND it.line = 1 "                        \
      "WHERE (($3::int <> 1 AND i.supplier_brn = $1::text AND i.supplier_upload IS NOT NULL) "     \
      "    OR ($3::int <> 0 AND i.buyer_brn = $1::text AND i.buyer_upload IS NOT NULL)) "          \
      "AND ($2::text IS NULL OR i.month = $2::text) "                                              \
      "AND ($4::text IS NULL OR i.approval_no > $4::text) "                                        \
      "ORDER BY i.approval_no LIMIT $5::bigint")                                                   \
    X(KPI_PUT,                                                                                     \
      "INSERT INTO kpis AS o (brn, month, revenue_krw, production_krw, exports_krw, employees, "   \
      "upload_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (brn, month) DO UPDATE SET "     \
      "revenue_krw = EXCLUDED.revenue_krw, production_krw = EXCLUDED.production_krw, "             \
      "exports_krw = EXCLUDED.exports_krw, employees = EXCLUDED.employees, "                       \
      "upload_id = EXCLUDED.upload_id "                                                            \
      "WHERE (o.revenue_krw, o.production_krw, o.exports_krw, o.employees) IS DISTINCT FROM "      \
      "(EXCLUDED.revenue_krw, EXCLUDED.production_krw, EXCLUDED.exports_krw, EXCLUDED.employees) " \
      "RETURNING (o.xmax = 0)::int")                                                               \
    X(KPI_LIST,                                                                                    \
      "SELECT brn, month, revenue_krw, production_krw, exports_krw, employees FROM kpis "          \
      "WHERE brn = $1::text AND ($2::text IS NULL OR month = $2::text) ORDER BY month")            \
    X(CONSENT_GET, "SELECT scopes, updated_at FROM consents WHERE brn = $1")                       \
    X(CONSENT_PUT, "INSERT INTO consents(brn, scopes, updated_at) VALUES ($1, $2, $3) "            \
                   "ON CONFLICT (brn) DO UPDATE SET scopes = EXCLUDED.scopes, updated_at = "       \
                   "EXCLUDED.updated_at")                                                          \
    X(DATA_USE_ADD, "INSERT INTO data_uses(brn, purpose, computation, actor, used_at) "            \
                    "VALUES ($1, $2, $3, $4, $5)")                                                 \
    X(DATA_USE_LIST,                                                                               \
      "SELECT id, brn, purpose, computation, actor, used_at FROM data_uses WHERE brn = $1 "        \
      "ORDER BY id DESC LIMIT 1000")                                                               \
    X(ROLLUP_CLEAR, "DELETE FROM firm_months WHERE brn = $1")                                      \
    X(ROLLUP_FILL,                                                                                 \
      "INSERT INTO firm_months(brn, month, sales_krw, purchases_krw, cluster_purchases_krw, "      \
      "invoices_issued, invoices_received) "                                                       \
      "SELECT $1::text, month, sum(sales), sum(purchases), sum(cluster), sum(n_issued), "          \
      "sum(n_received) FROM ("                                                                     \
      " SELECT month, supply_krw AS sales, 0 AS purchases, 0 AS cluster, 1 AS n_issued, "          \
      "  0 AS n_received FROM invoices "                                                           \
      "  WHERE supplier_brn = $1::text AND supplier_upload IS NOT NULL "                           \
      " UNION ALL "                                                                                \
      " SELECT i.month, 0, i.supply_krw, CASE WHEN f.brn IS NULL THEN 0 ELSE i.supply_krw END, "   \
      "  0, 1 FROM invoices i LEFT JOIN firms f ON f.brn = i.supplier_brn "                        \
      "  WHERE i.buyer_brn = $1::text AND i.buyer_upload IS NOT NULL"                              \
      ") AS t GROUP BY month")                                                                     \
    X(ROLLUP_LIST,                                                                                 \
      "SELECT brn, month, sales_krw, purchases_krw, cluster_purchases_krw, invoices_issued, "      \
      "invoices_received FROM firm_months WHERE brn = $1 ORDER BY month")                          \
    X(EVENT_SECRET_PUT, "INSERT INTO event_secrets(seq, brn, secret) VALUES ($1, $2, $3)")         \
    X(TLOG_NODE_PUT, "INSERT INTO tlog_nodes(level, idx, hash) VALUES ($1, $2, $3)")               \
    X(TLOG_NODE_GET, "SELECT hash FROM tlog_nodes WHERE level = $1 AND idx = $2")                  \
    X(TLOG_LEAF_FIND,                                                                              \
      "SELECT idx FROM tlog_nodes WHERE level = 0 AND hash = $1 ORDER BY idx LIMIT 1")             \
    X(EVENT_SCAN,                                                                                  \
      "SELECT seq, leaf FROM events WHERE seq >= $1 AND seq < $2 ORDER BY seq LIMIT $3")           \
    X(CHECKPOINT_PUT, "INSERT INTO checkpoints(size, note, created_at) VALUES ($1, $2, $3) "       \
                      "ON CONFLICT DO NOTHING")                                                    \
    X(CHECKPOINT_LATEST, "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1")          \
    X(CHECKPOINT_GET, "SELECT size, note FROM checkpoints WHERE size = $1")                        \
    X(WITNESS_PUT, "INSERT INTO witnesses(name, vkey) VALUES ($1, $2) "                            \
                   "ON CONFLICT (name) DO UPDATE SET vkey = EXCLUDED.vkey")                        \
    X(WITNESS_LIST, "SELECT name, vkey FROM witnesses ORDER BY name COLLATE \"C\"")                \
    X(COSIGNATURE_PUT, "INSERT INTO cosignatures(size, witness, line) VALUES ($1, $2, $3) "        \
                       "ON CONFLICT (size, witness) DO UPDATE SET line = EXCLUDED.line")           \
    X(COSIGNATURE_LIST,                                                                            \
      "SELECT line FROM cosignatures WHERE size = $1 ORDER BY witness COLLATE \"C\"")              \
    X(EVENT_SECRET_GET, "SELECT brn, secret FROM event_secrets WHERE seq = $1")                    \
    X(SUMMARY, "SELECT (SELECT count(*) FROM buildings), "                                         \
               "(SELECT count(*) FROM buildings WHERE is_centre <> 0), "                           \
               "(SELECT count(*) FROM firms), "                                                    \
               "(SELECT count(*) FROM firms f JOIN buildings b ON b.id = f.building_id "           \
               " WHERE b.is_centre <> 0), "                                                        \
               "(SELECT COALESCE(sum(employees), 0)::bigint FROM firms), "                         \
               "(SELECT count(*) FROM members WHERE withdrawn_on IS NULL)")

#define UPLOAD_COLS                                                                                \
    "SELECT id, firm, kind, sha256, format, filename, created_at, actor, rows, new_records, "      \
    "linked, unchanged, conflicts, (deleted_at IS NOT NULL)::int FROM uploads "
#define BUILDING_COLS                                                                              \
    "SELECT b.id, b.name, b.complex, b.is_centre, b.road_address, b.floors, b.building_area_m2, "  \
    "b.gross_floor_area_m2, (SELECT count(*) FROM firms f WHERE f.building_id = b.id) "            \
    "FROM buildings b "
#define MEMBER_EXPR                                                                                \
    "EXISTS (SELECT 1 FROM members m WHERE m.brn = f.brn AND m.withdrawn_on IS NULL)"
#define FIRM_COLS                                                                                  \
    "SELECT f.brn, f.name, f.ksic, f.building_id, f.floor, f.unit, f.employees, f.status, "        \
    "(" MEMBER_EXPR ")::int FROM firms f "
#define MEMBER_COLS                                                                                \
    "SELECT m.brn, COALESCE(f.name, ''), m.admitted_on, m.withdrawn_on, m.shares, m.paid_in_krw "  \
    "FROM members m LEFT JOIN firms f ON f.brn = m.brn "
#define TOKEN_COLS                                                                                 \
    "SELECT id, hash, user_id, role, firm, label, created_at, (revoked_at IS NOT NULL)::int "      \
    "FROM tokens "

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

/* Server-side names of the prepared statements. */
static const char *const stmt_name[STMT_COUNT] = {
#define STMT_NAME(name, sql) "dure_" #name,
    STMT_TABLE(STMT_NAME)
#undef STMT_NAME
};

struct pg_store {
    struct store base; /* first: a struct store * is a struct pg_store * */
    PGconn *conn;
    unsigned char prepared[STMT_COUNT]; /* 1 once PQprepare succeeded on this connection */
    int in_tx;
    struct pg_load *load; /* a table load in progress (store_table_copy), or NULL */
    /* Firms whose rollups pg_rollup_refresh deferred to the end of the transaction, and how
     * many of them there were when each open savepoint was taken (see rollup_flush). */
    char (*dirty)[BRN_SIZE];
    size_t ndirty, dirty_cap;
    size_t sp_mark[PG_SAVEPOINT_MARKS];
    int sp_depth; /* open savepoints */
};

/* Parameters of one statement, all sent as text except binary blobs. Numbers are formatted
 * into num[], so a struct pg_params must not be copied once filled. */
struct pg_params {
    int n;
    const char *values[PG_MAX_PARAMS];
    int lengths[PG_MAX_PARAMS];
    int formats[PG_MAX_PARAMS];
    char num[PG_MAX_PARAMS][32];
};

static struct pg_store *pq(struct store *s)
{
    return (struct pg_store *)s;
}

/* ---- parameters and columns ---- */

/* Text parameter; NULL sends SQL NULL. */
static void p_text(struct pg_params *pp, const char *s)
{
    pp->values[pp->n] = s;
    pp->lengths[pp->n] = 0;
    pp->formats[pp->n] = 0;
    pp->n++;
}

static void p_i64(struct pg_params *pp, int64_t v)
{
    snprintf(pp->num[pp->n], sizeof(pp->num[pp->n]), "%lld", (long long)v);
    p_text(pp, pp->num[pp->n]);
}

/* %.17g round-trips every double exactly through float8's text input. */
static void p_f64(struct pg_params *pp, double v)
{
    snprintf(pp->num[pp->n], sizeof(pp->num[pp->n]), "%.17g", v);
    p_text(pp, pp->num[pp->n]);
}

/* Binary parameter (bytea): the bytes as they are, no escaping. */
static void p_bin(struct pg_params *pp, const void *bytes, int len)
{
    pp->values[pp->n] = bytes;
    pp->lengths[pp->n] = len;
    pp->formats[pp->n] = 1;
    pp->n++;
}

static void col_text(const PGresult *r, int row, int col, char *dst, size_t n)
{
    str_copy(dst, PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col), n);
}

/* Integers (and ::int booleans) come back as text; NULL reads as 0, as sqlite3_column_int64. */
static int64_t col_i64(const PGresult *r, int row, int col)
{
    int64_t v = 0;
    if (PQgetisnull(r, row, col) || str_to_i64(PQgetvalue(r, row, col), 0, &v) != 0)
        return 0;
    return v;
}

static double col_f64(const PGresult *r, int row, int col)
{
    const char *t = PQgetvalue(r, row, col);
    char *end = NULL;
    if (PQgetisnull(r, row, col))
        return 0;
    double v = strtod(t, &end);
    return (end == t || *end != '\0') ? 0 : v;
}

/* Rows affected by the command of r (PQcmdTuples), 0 when it says nothing. */
static int64_t affected(PGresult *r)
{
    int64_t v = 0;
    if (str_to_i64(PQcmdTuples(r), 0, &v) != 0)
        return 0;
    return v;
}

/* ---- messages without secrets ---- */

/* Copy msg into out (size n) on one line: control characters become spaces, runs of spaces
 * collapse, ends trimmed, and every occurrence of each non-empty secret becomes "***". */
static void one_line_redacted(char *out, size_t n, const char *msg, const char *const *secrets,
                              size_t nsecrets)
{
    size_t j = 0;
    int space = 1; /* drop leading spaces */
    if (n == 0)
        return;
    while (*msg != '\0' && j + 1 < n) {
        size_t hit = 0;
        for (size_t i = 0; i < nsecrets && hit == 0; i++) {
            size_t len = secrets[i] != NULL ? strlen(secrets[i]) : 0;
            if (len > 0 && strncmp(msg, secrets[i], len) == 0)
                hit = len;
        }
        if (hit > 0) {
            for (const char *m = "***"; *m != '\0' && j + 1 < n; m++)
                out[j++] = *m;
            msg += hit;
            space = 0;
            continue;
        }
        unsigned char c = (unsigned char)*msg++;
        if (c < 0x20 || c == 0x7f || c == ' ') {
            if (!space)
                out[j++] = ' ';
            space = 1;
            continue;
        }
        out[j++] = (char)c;
        space = 0;
    }
    while (j > 0 && out[j - 1] == ' ')
        j--;
    out[j] = '\0';
}

/* The password libpq holds for conn (decoded), or NULL. *opts (OUT) must be PQconninfoFree'd. */
static const char *conn_password(PGconn *conn, PQconninfoOption **opts)
{
    *opts = conn != NULL ? PQconninfo(conn) : NULL;
    for (PQconninfoOption *o = *opts; o != NULL && o->keyword != NULL; o++)
        if (strcmp(o->keyword, "password") == 0)
            return o->val;
    return NULL;
}

/* PQerrorMessage of conn on one line with the connection's password cut out. */
static void conn_message(PGconn *conn, char *out, size_t n)
{
    PQconninfoOption *opts = NULL;
    const char *secret = conn_password(conn, &opts);
    one_line_redacted(out, n, conn != NULL ? PQerrorMessage(conn) : "out of memory", &secret, 1);
    PQconninfoFree(opts);
}

/* Map a failed result to a dure error: unique and foreign-key violations are conflicts as in the
 * SQLite driver, lock waits and serialisation failures "busy", lost connections unavailable. */
static int pg_error(struct pg_store *p, const PGresult *r, struct dure_err *err, const char *what)
{
    const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char msg[200];
    if (PQstatus(p->conn) == CONNECTION_BAD ||
        (state != NULL && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
                           strcmp(state, "53300") == 0))) {
        conn_message(p->conn, msg, sizeof(msg));
        return dure_err_set(err, DURE_EUNAVAILABLE, "%s: PostgreSQL unavailable: %s", what, msg);
    }
    if (state == NULL) { /* an error of libpq itself, such as out of memory */
        conn_message(p->conn, msg, sizeof(msg));
        return dure_err_set(err, DURE_ESTORE, "%s: %s", what, msg);
    }
    if (strcmp(state, "23505") == 0)
        return dure_err_set(err, DURE_ECONFLICT, "%s: already exists", what);
    if (strcmp(state, "23503") == 0)
        return dure_err_set(err, DURE_ECONFLICT, "%s: a record it refers to is missing, or another record still refers to it",
                            what);
    if (strcmp(state, "55P03") == 0 || strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
        strcmp(state, "57014") == 0)
        return dure_err_set(err, DURE_EUNAVAILABLE, "%s: database is busy", what);
    if (strcmp(state, "25P02") == 0)
        return dure_err_set(err, DURE_ESTORE, "%s: the transaction was aborted by an earlier error",
                            what);
    one_line_redacted(msg, sizeof(msg), primary != NULL ? primary : "unknown error", NULL, 0);
    return dure_err_set(err, DURE_ESTORE, "%s: %s", what, msg);
}

/* ---- running statements ---- */

static int run(struct pg_store *p, enum stmt_id id, const struct pg_params *pp, int binary,
               PGresult **out, struct dure_err *err, const char *what);

/* Per-session settings: the writer-lock wait of the SQLite driver, unless the role, database
 * or URL already chose a lock_timeout. */
static int session_setup(struct pg_store *p, struct dure_err *err)
{
    PGresult *r = NULL;
    int rc = run(p, STMT_SESSION_SETUP, NULL, 0, &r, err, "connect");
    PQclear(r);
    return rc;
}

/* A connection lost between transactions (server restart, failover) is re-opened once on the
 * next use instead of failing every later call of this thread. */
static int ensure_connected(struct pg_store *p, struct dure_err *err)
{
    char msg[200];
    if (PQstatus(p->conn) == CONNECTION_OK)
        return 0;
    if (p->in_tx)
        return dure_err_set(err, DURE_EUNAVAILABLE, "lost the connection to PostgreSQL");
    PQreset(p->conn);
    memset(p->prepared, 0, sizeof(p->prepared));
    if (PQstatus(p->conn) != CONNECTION_OK) {
        conn_message(p->conn, msg, sizeof(msg));
        return dure_err_set(err, DURE_EUNAVAILABLE, "cannot connect to PostgreSQL: %s", msg);
    }
    return session_setup(p, err);
}

/* Prepare statement id on first use, then run it with pp (may be NULL). On success *out is the
 * owned result (PQclear it); on failure *out is NULL and err says why. binary asks for the
 * result columns in binary format. */
static int run(struct pg_store *p, enum stmt_id id, const struct pg_params *pp, int binary,
               PGresult **out, struct dure_err *err, const char *what)
{
    PGresult *r = NULL;
    ExecStatusType st;
    int rc = 0;
    *out = NULL;
    rc = ensure_connected(p, err);
    if (rc != 0)
        goto out;
    if (!p->prepared[id]) {
        r = PQprepare(p->conn, stmt_name[id], stmt_sql[id], 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            rc = pg_error(p, r, err, what);
            goto out;
        }
        PQclear(r);
        r = NULL;
        p->prepared[id] = 1;
    }
    r = PQexecPrepared(p->conn, stmt_name[id], pp != NULL ? pp->n : 0,
                       pp != NULL ? pp->values : NULL, pp != NULL ? pp->lengths : NULL,
                       pp != NULL ? pp->formats : NULL, binary);
    st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = pg_error(p, r, err, what);
        goto out;
    }
    *out = r;
    r = NULL;
out:
    PQclear(r);
    return rc;
}

/* Run a statement that returns no rows the caller needs. */
static int run_done(struct pg_store *p, enum stmt_id id, const struct pg_params *pp,
                    struct dure_err *err, const char *what)
{
    PGresult *r = NULL;
    int rc = run(p, id, pp, 0, &r, err, what);
    PQclear(r);
    return rc;
}

/* Run a statement expected to return at most one row: 0 with *out (owned) holding the row, or
 * DURE_ENOTFOUND with err set to notfound. */
static int run_one(struct pg_store *p, enum stmt_id id, const struct pg_params *pp, PGresult **out,
                   const char *notfound, struct dure_err *err, const char *what)
{
    int rc = run(p, id, pp, 0, out, err, what);
    if (rc == 0 && PQntuples(*out) == 0) {
        PQclear(*out);
        *out = NULL;
        rc = dure_err_set(err, DURE_ENOTFOUND, "%s", notfound);
    }
    return rc;
}

typedef void (*row_reader)(const PGresult *r, int row, void *dst);

/* Run a listing statement and read every row into an owned array of elements of size elem;
 * *items is NULL when there are none, as in the SQLite driver. */
static int run_list(struct pg_store *p, enum stmt_id id, const struct pg_params *pp, size_t elem,
                    row_reader reader, void **items, size_t *n, struct dure_err *err,
                    const char *what)
{
    PGresult *r = NULL;
    char *arr = NULL;
    size_t cnt = 0;
    int rc = run(p, id, pp, 0, &r, err, what);
    if (rc != 0)
        goto out;
    cnt = (size_t)PQntuples(r);
    if (cnt > 0) {
        arr = calloc(cnt, elem);
        if (arr == NULL) {
            cnt = 0;
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
            goto out;
        }
        for (size_t i = 0; i < cnt; i++)
            reader(r, (int)i, arr + i * elem);
    }
out:
    PQclear(r);
    *items = arr;
    *n = cnt;
    return rc;
}

/* ---- connection and transactions ---- */

static void load_free(struct pg_load *l);
static int rollup_flush(struct pg_store *p, size_t from, size_t keep, struct dure_err *err);

/* A transaction ends: nothing is noted for it any more. */
static void tx_forget(struct pg_store *p)
{
    p->ndirty = 0;
    p->sp_depth = 0;
}

static void pg_close(struct store *s)
{
    struct pg_store *p = pq(s);
    load_free(p->load);
    free(p->dirty);
    /* PQfinish ends the session; the server rolls back an open transaction itself. */
    PQfinish(p->conn);
    free(p);
}

static void pg_rollback(struct store *s)
{
    struct pg_store *p = pq(s);
    struct dure_err ignored;
    if (!p->in_tx)
        return;
    if (PQstatus(p->conn) == CONNECTION_OK)
        run_done(p, STMT_ROLLBACK, NULL, &ignored, "rollback");
    p->in_tx = 0;
    tx_forget(p);
}

/* READ COMMITTED plus one transaction-scoped advisory lock that every writer takes first: the
 * writers run one at a time, as under SQLite's BEGIN IMMEDIATE, and since the lock is granted
 * only after the previous writer's commit is visible, each statement that follows sees every
 * earlier write (so MAX(seq)+1 for events has no gaps and no duplicates). READ COMMITTED is
 * named explicitly: under REPEATABLE READ the snapshot would predate the lock. */
static int pg_begin(struct store *s, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    if (p->in_tx)
        return dure_err_set(err, DURE_ECONFLICT, "a transaction is already open");
    int rc = run_done(p, STMT_BEGIN, NULL, err, "begin");
    if (rc != 0)
        return rc;
    p->in_tx = 1;
    tx_forget(p);
    rc = run_done(p, STMT_WRITER_LOCK, NULL, err, "begin");
    if (rc != 0)
        pg_rollback(s);
    return rc;
}

static int pg_commit(struct store *s, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    PGresult *r = NULL;
    if (!p->in_tx)
        return dure_err_set(err, DURE_ESTORE, "commit: cannot commit - no transaction is active");
    /* The deferred rollups first, unless an error aborted the transaction (COMMIT says so). A
     * failure leaves the transaction open for the caller's rollback. */
    int rc = PQtransactionStatus(p->conn) == PQTRANS_INTRANS ? rollup_flush(p, 0, 0, err) : 0;
    if (rc != 0)
        return rc;
    rc = run(p, STMT_COMMIT, NULL, 0, &r, err, "commit");
    /* COMMIT of a transaction that an error aborted succeeds as a ROLLBACK: say so. */
    if (rc == 0 && strcmp(PQcmdStatus(r), "ROLLBACK") == 0)
        rc = dure_err_set(err, DURE_ESTORE,
                          "commit: the transaction was rolled back after an earlier error");
    PQclear(r);
    PGTransactionStatusType ts = PQtransactionStatus(p->conn);
    p->in_tx = ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR || ts == PQTRANS_ACTIVE;
    if (!p->in_tx)
        tx_forget(p);
    return rc;
}

/* Savepoints, as the SQLite driver's, with the same names. A unit that failed leaves the
 * transaction aborted on PostgreSQL; ROLLBACK TO is one of the few statements the server then
 * accepts (also as a prepared statement), and it makes the transaction usable again. The
 * writer lock was taken before the savepoint, so it is kept. */
static int pg_savepoint(struct store *s, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    if (!p->in_tx)
        return dure_err_set(err, DURE_ESTORE, "savepoint: no transaction is open");
    int rc = run_done(p, STMT_SAVEPOINT, NULL, err, "savepoint");
    if (rc == 0 && p->sp_depth < PG_SAVEPOINT_MARKS)
        p->sp_mark[p->sp_depth] = p->ndirty;
    if (rc == 0)
        p->sp_depth++;
    return rc;
}

static int pg_savepoint_release(struct store *s, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    if (!p->in_tx)
        return dure_err_set(err, DURE_ESTORE, "release savepoint: no transaction is open");
    int rc = run_done(p, STMT_SAVEPOINT_RELEASE, NULL, err, "release savepoint");
    if (rc == 0 && p->sp_depth > 0)
        p->sp_depth--; /* what it noted now belongs to the savepoint or transaction around it */
    return rc;
}

/* ROLLBACK TO keeps the savepoint open; RELEASE then ends it, with nothing left to keep. */
static void pg_savepoint_rollback(struct store *s)
{
    struct pg_store *p = pq(s);
    struct dure_err ignored;
    if (!p->in_tx)
        return;
    if (p->sp_depth > 0 && --p->sp_depth < PG_SAVEPOINT_MARKS &&
        p->ndirty > p->sp_mark[p->sp_depth])
        p->ndirty = p->sp_mark[p->sp_depth]; /* their refreshes are rolled back too */
    if (PQstatus(p->conn) != CONNECTION_OK)
        return;
    if (run_done(p, STMT_SAVEPOINT_ROLLBACK, NULL, &ignored, "rollback to savepoint") == 0)
        run_done(p, STMT_SAVEPOINT_RELEASE, NULL, &ignored, "release savepoint");
}

static int pg_backup(struct store *s, const char *path, struct dure_err *err)
{
    (void)s;
    (void)path;
    return dure_err_set(err, DURE_EUNAVAILABLE, "use pg_dump for PostgreSQL backups");
}

/* ---- schema ---- */

static int pg_schema_version(struct store *s, int *version, int *latest, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    PGresult *r = NULL;
    size_t n;
    const struct store__migration *m = store__migrations(&n);
    *latest = m[n - 1].version;
    *version = 0;
    /* Read-only: a database without the table is at version 0 (migrate creates it). */
    int rc = run(p, STMT_HAS_MIGRATIONS_TABLE, NULL, 0, &r, err, "schema version");
    if (rc != 0 || col_i64(r, 0, 0) == 0)
        goto out;
    PQclear(r);
    r = NULL;
    rc = run(p, STMT_SCHEMA_VERSION, NULL, 0, &r, err, "schema version");
    if (rc == 0 && PQntuples(r) == 1)
        *version = (int)col_i64(r, 0, 0);
out:
    PQclear(r);
    return rc;
}

/* Run one migration's SQL (several statements) inside the open transaction. */
static int exec_script(struct pg_store *p, const char *sql, struct dure_err *err)
{
    PGresult *r = PQexec(p->conn, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        rc = pg_error(p, r, err, "migration");
    PQclear(r);
    return rc;
}

/* The session-level migration lock, waited for without the writers' lock_timeout: a second
 * process starting during a long migration waits for it instead of failing. */
static int migrate_lock(struct pg_store *p, struct dure_err *err)
{
    int rc = run_done(p, STMT_BEGIN, NULL, err, "migration lock");
    if (rc != 0)
        return rc;
    p->in_tx = 1;
    rc = run_done(p, STMT_MIGRATE_LOCK_WAIT, NULL, err, "migration lock");
    if (rc == 0)
        rc = run_done(p, STMT_MIGRATE_LOCK, NULL, err, "migration lock");
    if (rc == 0)
        rc = pg_commit(&p->base, err);
    if (rc != 0)
        pg_rollback(&p->base);
    return rc;
}

/* Apply the migrations newer than the database. Inside the caller's open transaction (dure
 * migrate-store) they join it: the writer lock is held already, and the migration lock is taken
 * for the transaction as well, so that a dure init elsewhere waits for the commit instead of
 * racing it. Otherwise each migration is a transaction of its own under the session-level
 * migration lock. */
static int pg_migrate(struct store *s, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    int version = 0, latest = 0, locked = 0;
    int outer = p->in_tx;
    size_t n;
    const struct store__migration *m = store__migrations(&n);
    int rc = outer ? exec_script(p, "SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK_KEY ")", err)
                   : migrate_lock(p, err);
    if (rc != 0)
        goto out;
    locked = !outer;
    rc = run_done(p, STMT_MIGRATIONS_TABLE, NULL, err, "schema_migrations");
    if (rc == 0)
        rc = pg_schema_version(s, &version, &latest, err);
    if (rc != 0)
        goto out;
    if (version > latest) {
        rc = dure_err_set(err, DURE_ECONFLICT,
                          "database schema version %d is newer than this dure knows (%d); "
                          "upgrade dure",
                          version, latest);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (m[i].version <= version)
            continue;
        rc = outer ? 0 : pg_begin(s, err);
        if (rc != 0)
            goto out;
        rc = exec_script(p, m[i].postgres, err);
        if (rc == 0) {
            struct pg_params pp = {0};
            p_i64(&pp, m[i].version);
            p_text(&pp, m[i].name);
            rc = run_done(p, STMT_MIGRATION_DONE, &pp, err, "record migration");
        }
        if (rc == 0 && !outer)
            rc = pg_commit(s, err);
        if (rc != 0) {
            char why[DURE_ERR_MSG_MAX];
            str_copy(why, err != NULL ? err->msg : "", sizeof(why));
            if (!outer)
                pg_rollback(s);
            rc =
                dure_err_set(err, rc, "migration %d (%s) failed: %s", m[i].version, m[i].name, why);
            goto out;
        }
    }
out:
    if (locked && PQstatus(p->conn) == CONNECTION_OK) {
        struct dure_err ignored;
        run_done(p, STMT_MIGRATE_UNLOCK, NULL, &ignored, "migration unlock");
    }
    return rc;
}

/* ---- buildings ---- */

static void read_building(const PGresult *r, int row, void *dst)
{
    struct building *b = dst;
    memset(b, 0, sizeof(*b));
    b->id = col_i64(r, row, 0);
    col_text(r, row, 1, b->name, sizeof(b->name));
    b->complex = (int)col_i64(r, row, 2);
    b->is_centre = (int)col_i64(r, row, 3);
    col_text(r, row, 4, b->road_address, sizeof(b->road_address));
    b->floors = (int)col_i64(r, row, 5);
    b->building_area_m2 = col_f64(r, row, 6);
    b->gross_floor_area_m2 = col_f64(r, row, 7);
    b->firm_count = col_i64(r, row, 8);
}

static void bind_building(struct pg_params *pp, const struct building *b)
{
    p_text(pp, b->name);
    p_i64(pp, b->complex);
    p_i64(pp, b->is_centre ? 1 : 0);
    p_text(pp, b->road_address);
    p_i64(pp, b->floors);
    p_f64(pp, b->building_area_m2);
    p_f64(pp, b->gross_floor_area_m2);
}

static int building_same(const struct building *a, const struct building *b)
{
    return strcmp(a->name, b->name) == 0 && a->complex == b->complex &&
           (a->is_centre != 0) == (b->is_centre != 0) &&
           strcmp(a->road_address, b->road_address) == 0 && a->floors == b->floors &&
           a->building_area_m2 == b->building_area_m2 &&
           a->gross_floor_area_m2 == b->gross_floor_area_m2;
}

static int fetch_building(struct pg_store *p, enum stmt_id id, int64_t key, const char *name,
                          struct building *out, struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    if (name != NULL)
        p_text(&pp, name);
    else
        p_i64(&pp, key);
    int rc = run_one(p, id, &pp, &r, "no such building", err, "read building");
    if (rc == 0)
        read_building(r, 0, out);
    PQclear(r);
    return rc;
}

/* Read, compare, then write, as the SQLite driver: inside a transaction the writer lock makes
 * this atomic, and an unchanged row does not draw a number from the id sequence. */
static int pg_building_upsert(struct store *s, const struct building *b, int64_t *id, int *changed,
                              struct dure_err *err)
{
    struct pg_store *p = pq(s);
    struct building old;
    struct pg_params pp = {0};
    PGresult *r = NULL;
    int rc = fetch_building(p, STMT_BUILDING_BY_NAME, 0, b->name, &old, err);
    if (rc == 0) {
        *id = old.id;
        if (building_same(&old, b)) {
            *changed = 0;
            return 0;
        }
        bind_building(&pp, b);
        p_i64(&pp, old.id);
        *changed = 2;
        return run_done(p, STMT_BUILDING_UPDATE, &pp, err, "update building");
    }
    if (rc != DURE_ENOTFOUND)
        return rc;
    bind_building(&pp, b);
    rc = run(p, STMT_BUILDING_INSERT, &pp, 0, &r, err, "insert building");
    if (rc == 0) {
        *id = col_i64(r, 0, 0);
        *changed = 1;
    }
    PQclear(r);
    return rc;
}

static int pg_building_update(struct store *s, const struct building *b, int *changed,
                              struct dure_err *err)
{
    struct pg_store *p = pq(s);
    struct building old;
    struct pg_params pp = {0};
    int rc = fetch_building(p, STMT_BUILDING_BY_ID, b->id, NULL, &old, err);
    if (rc != 0)
        return rc;
    if (building_same(&old, b)) {
        *changed = 0;
        return 0;
    }
    bind_building(&pp, b);
    p_i64(&pp, b->id);
    *changed = 2;
    return run_done(p, STMT_BUILDING_UPDATE, &pp, err, "update building");
}

static int pg_building_get(struct store *s, int64_t id, struct building *out, struct dure_err *err)
{
    return fetch_building(pq(s), STMT_BUILDING_BY_ID, id, NULL, out, err);
}

static int pg_building_find(struct store *s, const char *name, int64_t *id, struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_text(&pp, name);
    int rc = run_one(pq(s), STMT_BUILDING_FIND, &pp, &r, "no such building", err, "find building");
    if (rc == 0)
        *id = col_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

static int pg_building_delete(struct store *s, int64_t id, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_i64(&pp, id);
    int rc = run(p, STMT_BUILDING_HAS_FIRMS, &pp, 0, &r, err, "delete building");
    if (rc != 0)
        goto out;
    if (PQntuples(r) > 0) {
        rc =
            dure_err_set(err, DURE_ECONFLICT,
                         "building %lld still has firms; move or delete them first", (long long)id);
        goto out;
    }
    PQclear(r);
    r = NULL;
    rc = run(p, STMT_BUILDING_DELETE, &pp, 0, &r, err, "delete building");
    if (rc == 0 && affected(r) == 0)
        rc = dure_err_set(err, DURE_ENOTFOUND, "no such building");
out:
    PQclear(r);
    return rc;
}

/* A size_t limit as LIMIT's parameter; beyond int64 means no limit (NULL), as SQLite's -1. */
static void p_limit(struct pg_params *pp, size_t limit)
{
    if (limit > (size_t)INT64_MAX)
        p_text(pp, NULL);
    else
        p_i64(pp, (int64_t)limit);
}

static int pg_building_list(struct store *s, int64_t after_id, size_t limit,
                            struct building **items, size_t *n, struct dure_err *err)
{
    struct pg_params pp = {0};
    p_i64(&pp, after_id);
    p_limit(&pp, limit);
    return run_list(pq(s), STMT_BUILDING_LIST, &pp, sizeof(struct building), read_building,
                    (void **)items, n, err, "list buildings");
}

/* ---- firms ---- */

static void read_firm(const PGresult *r, int row, void *dst)
{
    struct firm *f = dst;
    memset(f, 0, sizeof(*f));
    col_text(r, row, 0, f->brn, sizeof(f->brn));
    col_text(r, row, 1, f->name, sizeof(f->name));
    col_text(r, row, 2, f->ksic, sizeof(f->ksic));
    f->building_id = col_i64(r, row, 3);
    f->floor = (int)col_i64(r, row, 4);
    col_text(r, row, 5, f->unit, sizeof(f->unit));
    f->employees = col_i64(r, row, 6);
    f->status = (enum firm_status)col_i64(r, row, 7);
    f->member = (int)col_i64(r, row, 8);
}

static int pg_firm_get(struct store *s, const char *brn, struct firm *out, struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_text(&pp, brn);
    int rc = run_one(pq(s), STMT_FIRM_GET, &pp, &r, "no firm with that registration number", err,
                     "read firm");
    if (rc == 0)
        read_firm(r, 0, out);
    PQclear(r);
    return rc;
}

/* One statement: the upsert updates only a row that differs and returns no row when nothing
 * changed; xmax = 0 tells a fresh insert from an update. Atomic even outside a transaction. */
static int pg_firm_upsert(struct store *s, const struct firm *f, int *changed, struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_text(&pp, f->brn);
    p_text(&pp, f->name);
    p_text(&pp, f->ksic);
    if (f->building_id > 0)
        p_i64(&pp, f->building_id);
    else
        p_text(&pp, NULL);
    p_i64(&pp, f->floor);
    p_text(&pp, f->unit);
    p_i64(&pp, f->employees);
    p_i64(&pp, (int64_t)f->status);
    int rc = run(pq(s), STMT_FIRM_UPSERT, &pp, 0, &r, err, "save firm");
    if (rc == 0)
        *changed = PQntuples(r) == 0 ? 0 : col_i64(r, 0, 0) == 1 ? 1 : 2;
    PQclear(r);
    return rc;
}

static int pg_firm_delete(struct store *s, const char *brn, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_text(&pp, brn);
    int rc = run(p, STMT_FIRM_IS_MEMBER, &pp, 0, &r, err, "delete firm");
    if (rc != 0)
        goto out;
    if (PQntuples(r) > 0) {
        rc = dure_err_set(err, DURE_ECONFLICT,
                          "the firm is on the member register; it stays for the record");
        goto out;
    }
    PQclear(r);
    r = NULL;
    rc = run(p, STMT_FIRM_DELETE, &pp, 0, &r, err, "delete firm");
    if (rc == 0 && affected(r) == 0)
        rc = dure_err_set(err, DURE_ENOTFOUND, "no firm with that registration number");
out:
    PQclear(r);
    return rc;
}

static int pg_firm_list(struct store *s, const struct firm_filter *fl, struct firm **items,
                        size_t *n, struct dure_err *err)
{
    struct pg_params pp = {0};
    p_i64(&pp, fl->building_id);
    p_text(&pp, fl->ksic);
    p_text(&pp, fl->q);
    p_i64(&pp, fl->member);
    p_text(&pp, fl->after);
    p_limit(&pp, fl->limit);
    return run_list(pq(s), STMT_FIRM_LIST, &pp, sizeof(struct firm), read_firm, (void **)items, n,
                    err, "list firms");
}

/* ---- member register ---- */

static void read_member(const PGresult *r, int row, void *dst)
{
    struct member *m = dst;
    memset(m, 0, sizeof(*m));
    col_text(r, row, 0, m->brn, sizeof(m->brn));
    col_text(r, row, 1, m->firm_name, sizeof(m->firm_name));
    col_text(r, row, 2, m->admitted_on, sizeof(m->admitted_on));
    col_text(r, row, 3, m->withdrawn_on, sizeof(m->withdrawn_on));
    m->shares = col_i64(r, row, 4);
    m->paid_in_krw = col_i64(r, row, 5);
}

static int pg_member_get(struct store *s, const char *brn, struct member *out, struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_text(&pp, brn);
    int rc =
        run_one(pq(s), STMT_MEMBER_GET, &pp, &r, "not on the member register", err, "read member");
    if (rc == 0)
        read_member(r, 0, out);
    PQclear(r);
    return rc;
}

/* As pg_firm_upsert: one statement, no row back when nothing changed. */
static int pg_member_put(struct store *s, const struct member *m, int *changed,
                         struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_text(&pp, m->brn);
    p_text(&pp, m->admitted_on);
    p_text(&pp, m->withdrawn_on[0] != '\0' ? m->withdrawn_on : NULL);
    p_i64(&pp, m->shares);
    p_i64(&pp, m->paid_in_krw);
    int rc = run(pq(s), STMT_MEMBER_PUT, &pp, 0, &r, err, "save member");
    if (rc == 0)
        *changed = PQntuples(r) == 0 ? 0 : col_i64(r, 0, 0) == 1 ? 1 : 2;
    PQclear(r);
    return rc;
}

static int pg_member_list(struct store *s, int active_only, struct member **items, size_t *n,
                          struct dure_err *err)
{
    struct pg_params pp = {0};
    p_i64(&pp, active_only ? 1 : 0);
    return run_list(pq(s), STMT_MEMBER_LIST, &pp, sizeof(struct member), read_member,
                    (void **)items, n, err, "list members");
}

/* ---- users, tokens, sessions ---- */

static void read_user(const PGresult *r, int row, struct user *u)
{
    memset(u, 0, sizeof(*u));
    u->id = col_i64(r, row, 0);
    col_text(r, row, 1, u->username, sizeof(u->username));
    col_text(r, row, 2, u->password_hash, sizeof(u->password_hash));
    u->role = (int)col_i64(r, row, 3);
    col_text(r, row, 4, u->created_at, sizeof(u->created_at));
}

static int pg_user_create(struct store *s, struct user *u, struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_text(&pp, u->username);
    p_text(&pp, u->password_hash);
    p_i64(&pp, u->role);
    p_text(&pp, u->created_at);
    int rc = run(pq(s), STMT_USER_INSERT, &pp, 0, &r, err, "user");
    if (rc == 0)
        u->id = col_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

static int user_fetch(struct pg_store *p, enum stmt_id id, int64_t key, const char *name,
                      struct user *out, struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    if (name != NULL)
        p_text(&pp, name);
    else
        p_i64(&pp, key);
    int rc = run_one(p, id, &pp, &r, "no such user", err, "read user");
    if (rc == 0)
        read_user(r, 0, out);
    PQclear(r);
    return rc;
}

static int pg_user_get_by_name(struct store *s, const char *username, struct user *out,
                               struct dure_err *err)
{
    return user_fetch(pq(s), STMT_USER_BY_NAME, 0, username, out, err);
}

static int pg_user_get(struct store *s, int64_t id, struct user *out, struct dure_err *err)
{
    return user_fetch(pq(s), STMT_USER_BY_ID, id, NULL, out, err);
}

static int pg_user_firm_add(struct store *s, int64_t user_id, const char *brn, struct dure_err *err)
{
    struct pg_params pp = {0};
    p_i64(&pp, user_id);
    p_text(&pp, brn);
    return run_done(pq(s), STMT_USER_FIRM_ADD, &pp, err, "user firm");
}

static int pg_user_firms(struct store *s, int64_t user_id, char (*brns)[BRN_SIZE], size_t max,
                         size_t *n, struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    size_t cnt = 0;
    p_i64(&pp, user_id);
    p_limit(&pp, max);
    int rc = run(pq(s), STMT_USER_FIRMS, &pp, 0, &r, err, "user firms");
    if (rc == 0)
        for (int i = 0; i < PQntuples(r) && cnt < max; i++)
            col_text(r, i, 0, brns[cnt++], BRN_SIZE);
    PQclear(r);
    *n = cnt;
    return rc;
}

static void read_token(const PGresult *r, int row, void *dst)
{
    struct token *t = dst;
    memset(t, 0, sizeof(*t));
    t->id = col_i64(r, row, 0);
    col_text(r, row, 1, t->hash, sizeof(t->hash));
    t->user_id = col_i64(r, row, 2);
    t->role = (int)col_i64(r, row, 3);
    col_text(r, row, 4, t->firm, sizeof(t->firm));
    col_text(r, row, 5, t->label, sizeof(t->label));
    col_text(r, row, 6, t->created_at, sizeof(t->created_at));
    t->revoked = (int)col_i64(r, row, 7);
}

static int pg_token_create(struct store *s, struct token *t, struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_text(&pp, t->hash);
    if (t->user_id > 0)
        p_i64(&pp, t->user_id);
    else
        p_text(&pp, NULL);
    p_i64(&pp, t->role);
    p_text(&pp, t->firm[0] != '\0' ? t->firm : NULL);
    p_text(&pp, t->label);
    p_text(&pp, t->created_at);
    int rc = run(pq(s), STMT_TOKEN_INSERT, &pp, 0, &r, err, "token");
    if (rc == 0)
        t->id = col_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

static int pg_token_find(struct store *s, const char *hash, struct token *out, struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_text(&pp, hash);
    int rc = run_one(pq(s), STMT_TOKEN_FIND, &pp, &r, "no such token", err, "read token");
    if (rc == 0)
        read_token(r, 0, out);
    PQclear(r);
    return rc;
}

static int pg_token_revoke(struct store *s, int64_t id, struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_i64(&pp, id);
    int rc = run(pq(s), STMT_TOKEN_REVOKE, &pp, 0, &r, err, "revoke token");
    if (rc == 0 && affected(r) == 0)
        rc = dure_err_set(err, DURE_ENOTFOUND, "no active token with id %lld", (long long)id);
    PQclear(r);
    return rc;
}

static int pg_token_list(struct store *s, struct token **items, size_t *n, struct dure_err *err)
{
    return run_list(pq(s), STMT_TOKEN_LIST, NULL, sizeof(struct token), read_token, (void **)items,
                    n, err, "list tokens");
}

static int pg_session_create(struct store *s, const struct session *se, struct dure_err *err)
{
    struct pg_params pp = {0};
    p_text(&pp, se->hash);
    p_i64(&pp, se->user_id);
    p_i64(&pp, se->expires_unix);
    return run_done(pq(s), STMT_SESSION_INSERT, &pp, err, "session");
}

static int pg_session_find(struct store *s, const char *hash, struct session *out,
                           struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_text(&pp, hash);
    int rc = run_one(pq(s), STMT_SESSION_FIND, &pp, &r, "no such session", err, "read session");
    if (rc == 0) {
        col_text(r, 0, 0, out->hash, sizeof(out->hash));
        out->user_id = col_i64(r, 0, 1);
        out->expires_unix = col_i64(r, 0, 2);
    }
    PQclear(r);
    return rc;
}

static int pg_session_delete(struct store *s, const char *hash, struct dure_err *err)
{
    struct pg_params pp = {0};
    p_text(&pp, hash);
    return run_done(pq(s), STMT_SESSION_DELETE, &pp, err, "end session");
}

/* ---- events ---- */

static int pg_event_append(struct store *s, const char *kind, const char *subject, const char *leaf,
                           size_t leaf_len, int64_t *seq, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    struct pg_params pp = {0};
    PGresult *r = NULL;
    if (!p->in_tx)
        return dure_err_set(err, DURE_EINTERNAL, "event outside a transaction");
    if (leaf_len > (size_t)INT_MAX)
        return dure_err_set(err, DURE_ETOOBIG, "append event: leaf too large");
    p_text(&pp, kind);
    p_text(&pp, subject);
    p_bin(&pp, leaf, (int)leaf_len);
    int rc = run(p, STMT_EVENT_APPEND, &pp, 0, &r, err, "append event");
    if (rc == 0 && seq != NULL)
        *seq = col_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

static int pg_event_count(struct store *s, int64_t *n, struct dure_err *err)
{
    PGresult *r = NULL;
    int rc = run(pq(s), STMT_EVENT_COUNT, NULL, 0, &r, err, "count events");
    if (rc == 0)
        *n = col_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

static int pg_event_get(struct store *s, int64_t seq, char **leaf, size_t *len,
                        struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    *leaf = NULL;
    p_i64(&pp, seq);
    /* Binary result: the bytea column arrives as its raw bytes. */
    int rc = run(pq(s), STMT_EVENT_GET, &pp, 1, &r, err, "read event");
    if (rc != 0)
        goto out;
    if (PQntuples(r) == 0) {
        rc = dure_err_set(err, DURE_ENOTFOUND, "no event %lld", (long long)seq);
        goto out;
    }
    size_t n = (size_t)PQgetlength(r, 0, 0);
    char *copy = malloc(n + 1);
    if (copy == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    if (n > 0)
        memcpy(copy, PQgetvalue(r, 0, 0), n);
    copy[n] = '\0';
    *leaf = copy;
    *len = n;
out:
    PQclear(r);
    return rc;
}

static int pg_summary(struct store *s, struct store_summary *out, struct dure_err *err)
{
    PGresult *r = NULL;
    int rc = run(pq(s), STMT_SUMMARY, NULL, 0, &r, err, "summary");
    if (rc == 0) {
        out->buildings = col_i64(r, 0, 0);
        out->centres = col_i64(r, 0, 1);
        out->firms = col_i64(r, 0, 2);
        out->firms_in_centres = col_i64(r, 0, 3);
        out->employees = col_i64(r, 0, 4);
        out->members = col_i64(r, 0, 5);
    }
    PQclear(r);
    return rc;
}

/* ---- the data pool ---- */

static void read_upload(const PGresult *r, int row, void *dst)
{
    struct pool_upload *u = dst;
    memset(u, 0, sizeof(*u));
    u->id = col_i64(r, row, 0);
    col_text(r, row, 1, u->firm, sizeof(u->firm));
    col_text(r, row, 2, u->kind, sizeof(u->kind));
    col_text(r, row, 3, u->sha256, sizeof(u->sha256));
    col_text(r, row, 4, u->format, sizeof(u->format));
    col_text(r, row, 5, u->filename, sizeof(u->filename));
    col_text(r, row, 6, u->created_at, sizeof(u->created_at));
    col_text(r, row, 7, u->actor, sizeof(u->actor));
    u->rows = col_i64(r, row, 8);
    u->new_records = col_i64(r, row, 9);
    u->linked = col_i64(r, row, 10);
    u->unchanged = col_i64(r, row, 11);
    u->conflicts = col_i64(r, row, 12);
    u->deleted = (int)col_i64(r, row, 13);
}

static int pg_upload_create(struct store *s, struct pool_upload *u, struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_text(&pp, u->firm[0] != '\0' ? u->firm : NULL);
    p_text(&pp, u->kind);
    p_text(&pp, u->sha256);
    p_text(&pp, u->format);
    p_text(&pp, u->filename);
    p_text(&pp, u->created_at);
    p_text(&pp, u->actor);
    int rc = run(pq(s), STMT_UPLOAD_INSERT, &pp, 0, &r, err, "upload");
    if (rc == 0)
        u->id = col_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

static int pg_upload_finish(struct store *s, const struct pool_upload *u, struct dure_err *err)
{
    struct pg_params pp = {0};
    p_i64(&pp, u->id);
    p_i64(&pp, u->rows);
    p_i64(&pp, u->new_records);
    p_i64(&pp, u->linked);
    p_i64(&pp, u->unchanged);
    p_i64(&pp, u->conflicts);
    p_text(&pp, u->format);
    return run_done(pq(s), STMT_UPLOAD_FINISH, &pp, err, "finish upload");
}

static int upload_fetch(struct pg_store *p, enum stmt_id id, const struct pg_params *pp,
                        struct pool_upload *out, struct dure_err *err)
{
    PGresult *r = NULL;
    int rc = run_one(p, id, pp, &r, "no such upload", err, "read upload");
    if (rc == 0)
        read_upload(r, 0, out);
    PQclear(r);
    return rc;
}

static int pg_upload_find(struct store *s, const char *firm, const char *kind, const char *sha256,
                          struct pool_upload *out, struct dure_err *err)
{
    struct pg_params pp = {0};
    p_text(&pp, firm);
    p_text(&pp, kind);
    p_text(&pp, sha256);
    return upload_fetch(pq(s), STMT_UPLOAD_FIND, &pp, out, err);
}

static int pg_upload_get(struct store *s, int64_t id, struct pool_upload *out, struct dure_err *err)
{
    struct pg_params pp = {0};
    p_i64(&pp, id);
    return upload_fetch(pq(s), STMT_UPLOAD_GET, &pp, out, err);
}

static int pg_upload_list(struct store *s, const char *firm, struct pool_upload **items, size_t *n,
                          struct dure_err *err)
{
    struct pg_params pp = {0};
    p_text(&pp, firm);
    return run_list(pq(s), STMT_UPLOAD_LIST, &pp, sizeof(struct pool_upload), read_upload,
                    (void **)items, n, err, "list uploads");
}

static int pg_upload_delete(struct store *s, int64_t id, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_i64(&pp, id);
    int rc = run(p, STMT_UPLOAD_MARK_DELETED, &pp, 0, &r, err, "delete upload");
    if (rc == 0 && affected(r) == 0)
        rc = dure_err_set(err, DURE_ENOTFOUND, "no such upload");
    PQclear(r);
    if (rc == 0)
        rc = run_done(p, STMT_UPLOAD_UNLINK_SUPPLIER, &pp, err, "unlink invoices");
    if (rc == 0)
        rc = run_done(p, STMT_UPLOAD_UNLINK_BUYER, &pp, err, "unlink invoices");
    if (rc == 0)
        rc = run_done(p, STMT_INVOICE_ITEMS_ORPHANS, NULL, err, "delete items");
    if (rc == 0)
        rc = run_done(p, STMT_INVOICE_ORPHANS, NULL, err, "delete invoices");
    if (rc == 0)
        rc = run_done(p, STMT_UPLOAD_DELETE_KPIS, &pp, err, "delete kpis");
    return rc;
}

/* The lines of inv under the invoice row id. */
static int insert_items(struct pg_store *p, int64_t id, const struct pool_invoice *inv,
                        struct dure_err *err)
{
    for (size_t i = 0; i < inv->nitems; i++) {
        const struct pool_item *it = &inv->items[i];
        struct pg_params pp = {0};
        p_i64(&pp, id);
        p_i64(&pp, (int64_t)i + 1);
        p_text(&pp, it->date);
        p_text(&pp, it->name);
        p_text(&pp, it->spec);
        p_i64(&pp, it->qty_milli);
        p_i64(&pp, it->unit_price_krw);
        p_i64(&pp, it->supply_krw);
        p_i64(&pp, it->tax_krw);
        int rc = run_done(p, STMT_INVOICE_ITEM_INSERT, &pp, err, "invoice item");
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Run a statement with an invoice's row id and optionally an upload id. */
static int run_invoice(struct pg_store *p, enum stmt_id id, int64_t invoice_id,
                       const int64_t *upload_id, struct dure_err *err, const char *what)
{
    struct pg_params pp = {0};
    p_i64(&pp, invoice_id);
    if (upload_id != NULL)
        p_i64(&pp, *upload_id);
    return run_done(p, id, &pp, err, what);
}

static int pg_invoice_put(struct store *s, int64_t upload_id, const char *firm, enum pool_side side,
                          const struct pool_invoice *inv, enum store_invoice_outcome *outcome,
                          char *why, size_t why_n, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    struct pg_params pp = {0};
    PGresult *r = NULL;
    char written[REG_DATE_SIZE], sup[BRN_SIZE], buy[BRN_SIZE];
    int rc;
    (void)firm;
    p_text(&pp, inv->approval_no);
    p_text(&pp, inv->written_on);
    p_text(&pp, inv->issued_on);
    p_text(&pp, inv->supplier_brn);
    p_text(&pp, inv->supplier_branch);
    p_text(&pp, inv->supplier_name);
    p_i64(&pp, (int64_t)inv->buyer_kind);
    p_text(&pp, inv->buyer_brn);
    p_text(&pp, inv->buyer_branch);
    p_text(&pp, inv->buyer_name);
    p_i64(&pp, inv->total_krw);
    p_i64(&pp, inv->supply_krw);
    p_i64(&pp, inv->tax_krw);
    p_i64(&pp, inv->tax_exempt);
    p_i64(&pp, inv->amended);
    p_text(&pp, inv->kind);
    p_i64(&pp, inv->receipt);
    p_i64(&pp, inv->items_complete);
    if (side == POOL_SIDE_ISSUED) {
        p_i64(&pp, upload_id);
        p_text(&pp, NULL);
    } else {
        p_text(&pp, NULL);
        p_i64(&pp, upload_id);
    }
    rc = run(p, STMT_INVOICE_INSERT, &pp, 0, &r, err, "invoice");
    if (rc != 0)
        goto out;
    if (PQntuples(r) == 1) { /* RETURNING gives the new row's id; no row when it was known */
        *outcome = STORE_INVOICE_NEW;
        rc = insert_items(p, col_i64(r, 0, 0), inv, err);
        goto out;
    }
    PQclear(r);
    r = NULL;

    /* Known approval number: the same facts link this firm; different facts are a conflict. */
    struct pg_params key = {0};
    p_text(&key, inv->approval_no);
    rc = run_one(p, STMT_INVOICE_GET_KEY, &key, &r, "no such invoice", err, "read invoice");
    if (rc != 0)
        goto out;
    col_text(r, 0, 0, written, sizeof(written));
    col_text(r, 0, 1, sup, sizeof(sup));
    col_text(r, 0, 2, buy, sizeof(buy));
    int64_t total = col_i64(r, 0, 3), supply = col_i64(r, 0, 4), tax = col_i64(r, 0, 5);
    int complete = (int)col_i64(r, 0, 6);
    int linked = !PQgetisnull(r, 0, side == POOL_SIDE_ISSUED ? 7 : 8);
    int64_t id = col_i64(r, 0, 9);
    const char *diff = strcmp(sup, inv->supplier_brn) != 0 ? "공급자사업자등록번호"
                       : strcmp(buy, inv->buyer_brn) != 0  ? "공급받는자사업자등록번호"
                       : strcmp(written, inv->written_on) != 0 ? "작성일자"
                       : total != inv->total_krw               ? "합계금액"
                       : supply != inv->supply_krw             ? "공급가액"
                       : tax != inv->tax_krw                   ? "세액"
                                                               : NULL;
    if (diff != NULL) {
        *outcome = STORE_INVOICE_CONFLICT;
        snprintf(why, why_n, "%s differs from the copy already in the pool", diff);
        goto out;
    }
    *outcome = linked ? STORE_INVOICE_UNCHANGED : STORE_INVOICE_LINKED;
    if (!linked)
        rc = run_invoice(
            p, side == POOL_SIDE_ISSUED ? STMT_INVOICE_LINK_SUPPLIER : STMT_INVOICE_LINK_BUYER, id,
            &upload_id, err, "link invoice");
    if (rc == 0 && inv->items_complete && !complete) {
        /* Every line of the XML replaces the list export's representative line. */
        rc = run_invoice(p, STMT_INVOICE_ITEMS_CLEAR, id, NULL, err, "replace items");
        if (rc == 0)
            rc = insert_items(p, id, inv, err);
        if (rc == 0)
            rc = run_invoice(p, STMT_INVOICE_SET_COMPLETE, id, NULL, err, "replace items");
        if (rc == 0 && *outcome == STORE_INVOICE_UNCHANGED)
            *outcome = STORE_INVOICE_UPGRADED;
    }
out:
    PQclear(r);
    return rc;
}

/* ---- invoices in bulk: one look-up, then COPY straight into the tables ---- */

/* A batch is two round trips, whatever its size:
 *
 * 1. one statement looks up the batch's distinct approval numbers (an array parameter, probed
 *    in the unique index invoices_approval) and returns for each the stored facts and row id,
 *    or, when the pool does not hold it yet, a row id drawn from the invoices sequence;
 * 2. the driver applies the rules of pg_invoice_put to every invoice in file order, as n calls
 *    of it would (an approval number met again in the batch is compared with what its first
 *    occurrence left), and sends one query string that links the firm to the stored invoices
 *    the other party brought, replaces the lines of those that a complete list (KEC XML)
 *    upgrades, and COPYs the new invoices and their lines into invoices and invoice_items.
 *
 * The writer lock, which every write transaction holds, makes the look-up and the writes one
 * step: no other writer can insert or link an approval number in between. Nothing is staged,
 * so there is no staging table to empty or scan, no statement to plan per pass, and COPY
 * inserts the rows in pages. The look-up probes the unique index once per approval number,
 * whatever the planner thinks of the table: OFFSET 0 keeps the lateral subquery from being
 * turned into a join or a scan. Left to itself, with statistics that lag behind an import's
 * transaction and costs that take the index pages for uncached, the planner scanned the whole
 * table for every batch once it held some tens of thousands of rows (a hash join, or = ANY as
 * a filter), at ten times the cost of the probes, and more with every batch. */
#define BULK_LOOKUP_SQL                                                                            \
    "WITH f AS MATERIALIZED (SELECT i.* FROM unnest($1::text[]) AS u(a) CROSS JOIN LATERAL ("      \
    " SELECT approval_no, id, supplier_brn, buyer_brn, written_on, total_krw, supply_krw, "        \
    " tax_krw, items_complete, (supplier_upload IS NOT NULL)::int, "                               \
    " (buyer_upload IS NOT NULL)::int FROM invoices WHERE approval_no = u.a OFFSET 0) AS i) "      \
    "SELECT * FROM f UNION ALL SELECT NULL, nextval((SELECT "                                      \
    "pg_get_serial_sequence('invoices', 'id')::regclass)), NULL, NULL, NULL, NULL, NULL, NULL, "   \
    "NULL, NULL, NULL FROM generate_series(1, cardinality($1::text[]) - (SELECT count(*) FROM f))"
#define BULK_INVOICE_COPY                                                                          \
    "COPY invoices(id, approval_no, written_on, month, issued_on, supplier_brn, supplier_branch, " \
    "supplier_name, buyer_kind, buyer_brn, buyer_branch, buyer_name, total_krw, supply_krw, "      \
    "tax_krw, tax_exempt, amended, kind, receipt, items_complete, supplier_upload, buyer_upload) " \
    "FROM STDIN;"
#define BULK_ITEM_COPY                                                                             \
    "COPY invoice_items(invoice_id, line, date, name, spec, qty_milli, unit_price_krw, "           \
    "supply_krw, tax_krw) FROM STDIN;"
#define BULK_FLUSH_BYTES 65536
#define BULK_BUF_MAX ((size_t)256 << 20)

static int exec_params(struct pg_store *p, const char *sql, int nparams, const char *const *values,
                       PGresult **out, struct dure_err *err, const char *what);

/* Append n bytes of s to b in COPY's text format: backslash, tab, newline and carriage return
 * escaped; a NUL byte cannot be stored in PostgreSQL text. */
static int copy_text(struct buf *b, const char *s, size_t n)
{
    size_t start = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *esc = NULL;
        if ((unsigned char)s[i] > '\r' && s[i] != '\\')
            continue; /* most bytes: nothing to escape */
        switch (s[i]) {
        case '\\':
            esc = "\\\\";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\0':
            return DURE_EINVAL;
        default:
            continue;
        }
        rc = buf_append(b, s + start, i - start);
        if (rc == 0)
            rc = buf_append_str(b, esc);
        start = i + 1;
    }
    return rc != 0 ? rc : buf_append(b, s + start, n - start);
}

/* A tab, then s in COPY's text format. */
static int bulk_field(struct buf *b, const char *s)
{
    int rc = buf_append(b, "\t", 1);
    return rc != 0 ? rc : copy_text(b, s, strlen(s));
}

/* A tab and v in decimal. */
static int bulk_i64(struct buf *b, int64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        tmp[--i] = '-';
    tmp[--i] = '\t';
    return buf_append(b, tmp + i, sizeof(tmp) - i);
}

/* The bytes of SQL's substr(s, 1, 7): the first seven characters of UTF-8 text, the month
 * that INVOICE_INSERT derives from 작성일자. */
static size_t month_bytes(const char *s)
{
    size_t i = 0, chars = 0;
    for (; s[i] != '\0'; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80)
            continue; /* a continuation byte */
        if (chars == 7)
            break;
        chars++;
    }
    return i;
}

/* s as an element of an array literal: in double quotes, backslash and quote escaped. */
static int array_elem(struct buf *b, const char *s)
{
    int rc = buf_append(b, "\"", 1);
    for (const char *c = s; rc == 0 && *c != '\0'; c++) {
        size_t run = strcspn(c, "\"\\");
        rc = buf_append(b, c, run);
        c += run;
        if (rc != 0 || *c == '\0')
            break;
        char esc[2] = {'\\', *c};
        rc = buf_append(b, esc, 2);
    }
    return rc != 0 ? rc : buf_append(b, "\"", 1);
}

/* What a batch knows of one approval number, kept at its first occurrence: first what the
 * pool holds (or the row id drawn for it), then what the batch's earlier invoices made of it. */
struct bulk_key {
    int64_t id;                                        /* the invoice's row id */
    const char *supplier_brn, *buyer_brn, *written_on; /* the facts as stored (borrowed) */
    int64_t total_krw, supply_krw, tax_krw;
    int64_t complete;      /* items_complete as it stands */
    size_t items_from;     /* the occurrence whose lines a new or upgraded invoice gets */
    unsigned char stored;  /* in the pool before this batch */
    unsigned char mine;    /* this firm's side is linked */
    unsigned char link;    /* stored, and this batch links the firm to it */
    unsigned char upgrade; /* stored, and this batch replaces its lines */
};

/* One batch on its way: the invoices, where each one's approval number first occurs, and the
 * keys at those first occurrences (unused elsewhere). */
struct bulk {
    const struct pool_invoice *invs;
    size_t n;
    size_t *first;
    size_t *slot; /* open addressing over approval numbers: 1 + a first occurrence, 0 free */
    size_t cap;   /* slots, a power of two */
    struct bulk_key *key;
    int64_t upload_id;
    enum pool_side side;
};

static size_t approval_hash(const char *no)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *c = (const unsigned char *)no; *c != '\0'; c++)
        h = (h ^ *c) * UINT64_C(1099511628211);
    return (size_t)h;
}

/* The slot of approval number no in bk->slot: its first occurrence's, or the free one where it
 * belongs. */
static size_t bulk_slot(const struct bulk *bk, const char *no)
{
    size_t k = approval_hash(no) & (bk->cap - 1);
    while (bk->slot[k] != 0 && strcmp(bk->invs[bk->slot[k] - 1].approval_no, no) != 0)
        k = (k + 1) & (bk->cap - 1);
    return k;
}

/* bk->first[i] = the index of the first invoice with invs[i]'s approval number, through a
 * table of at least twice as many slots as invoices, which stays for the look-up. *distinct
 * (OUT) counts the numbers. */
static int bulk_firsts(struct bulk *bk, size_t *distinct, struct dure_err *err)
{
    bk->cap = 16;
    while (bk->cap < 2 * bk->n)
        bk->cap *= 2;
    bk->slot = calloc(bk->cap, sizeof(*bk->slot));
    if (bk->slot == NULL)
        return dure_err_set(err, DURE_ENOMEM, NULL);
    *distinct = 0;
    for (size_t i = 0; i < bk->n; i++) {
        size_t k = bulk_slot(bk, bk->invs[i].approval_no);
        if (bk->slot[k] == 0) {
            bk->slot[k] = i + 1;
            (*distinct)++;
        }
        bk->first[i] = bk->slot[k] - 1;
    }
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Round trip 1: what the pool holds of each distinct approval number, and as many new row ids
 * as it does not hold. *out (owned) is the result the stored facts of the keys point into. The
 * new ids go to the new approval numbers in ascending order, in file order, so that new
 * invoices keep their order. */
static int bulk_lookup(struct pg_store *p, struct bulk *bk, size_t distinct, PGresult **out,
                       struct dure_err *err)
{
    struct buf arr;
    PGresult *r = NULL;
    int64_t *ids = malloc(distinct * sizeof(*ids)); /* the drawn ids */
    size_t nd = 0, nids = 0, found = 0;
    int rc = 0;
    *out = NULL;
    buf_init(&arr, BULK_BUF_MAX);
    if (ids == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    rc = buf_append(&arr, "{", 1);
    for (size_t i = 0; rc == 0 && i < bk->n; i++) {
        if (bk->first[i] != i)
            continue;
        if (nd++ > 0)
            rc = buf_append(&arr, ",", 1);
        if (rc == 0)
            rc = array_elem(&arr, bk->invs[i].approval_no);
    }
    if (rc == 0)
        rc = buf_append(&arr, "}", 1);
    if (rc != 0) {
        rc = dure_err_set(err, rc, "store invoices: out of memory");
        goto out;
    }
    const char *params[1] = {buf_str(&arr)};
    rc = exec_params(p, BULK_LOOKUP_SQL, 1, params, &r, err, "store invoices");
    if (rc != 0)
        goto out;
    for (int row = 0; rc == 0 && row < PQntuples(r); row++) {
        if (PQgetisnull(r, row, 0)) {
            if (nids < distinct)
                ids[nids++] = col_i64(r, row, 1);
            else
                rc = dure_err_set(err, DURE_EINTERNAL, "store invoices: unexpected look-up");
            continue;
        }
        size_t k = bulk_slot(bk, PQgetvalue(r, row, 0));
        if (bk->slot[k] == 0 || bk->key[bk->slot[k] - 1].stored) {
            rc = dure_err_set(err, DURE_EINTERNAL, "store invoices: unexpected look-up");
            continue;
        }
        struct bulk_key *key = &bk->key[bk->slot[k] - 1];
        key->stored = 1;
        key->id = col_i64(r, row, 1);
        key->supplier_brn = PQgetvalue(r, row, 2);
        key->buyer_brn = PQgetvalue(r, row, 3);
        key->written_on = PQgetvalue(r, row, 4);
        key->total_krw = col_i64(r, row, 5);
        key->supply_krw = col_i64(r, row, 6);
        key->tax_krw = col_i64(r, row, 7);
        key->complete = col_i64(r, row, 8);
        key->mine = col_i64(r, row, bk->side == POOL_SIDE_ISSUED ? 9 : 10) != 0;
        found++;
    }
    if (rc == 0 && found + nids != nd)
        rc = dure_err_set(err, DURE_EINTERNAL, "store invoices: unexpected look-up");
    if (rc != 0)
        goto out;
    qsort(ids, nids, sizeof(*ids), cmp_i64);
    for (size_t i = 0, used = 0; i < bk->n; i++)
        if (bk->first[i] == i && !bk->key[i].stored)
            bk->key[i].id = ids[used++];
    *out = r;
    r = NULL;
out:
    PQclear(r);
    buf_cleanup(&arr);
    free(ids);
    return rc;
}

/* The rules of pg_invoice_put for every invoice in file order, against the keys: the outcomes
 * (why[i] for a conflict), and in the keys what the batch has to write. */
static void bulk_resolve(struct bulk *bk, enum store_invoice_outcome *outcomes,
                         char (*why)[STORE_INVOICE_WHY_SIZE])
{
    for (size_t i = 0; i < bk->n; i++) {
        const struct pool_invoice *v = &bk->invs[i];
        struct bulk_key *k = &bk->key[bk->first[i]];
        if (bk->first[i] == i && !k->stored) {
            k->supplier_brn = v->supplier_brn;
            k->buyer_brn = v->buyer_brn;
            k->written_on = v->written_on;
            k->total_krw = v->total_krw;
            k->supply_krw = v->supply_krw;
            k->tax_krw = v->tax_krw;
            k->complete = v->items_complete;
            k->mine = 1;
            k->items_from = i;
            outcomes[i] = STORE_INVOICE_NEW;
            continue;
        }
        const char *diff = strcmp(k->supplier_brn, v->supplier_brn) != 0 ? "공급자사업자등록번호"
                           : strcmp(k->buyer_brn, v->buyer_brn) != 0 ? "공급받는자사업자등록번호"
                           : strcmp(k->written_on, v->written_on) != 0 ? "작성일자"
                           : k->total_krw != v->total_krw              ? "합계금액"
                           : k->supply_krw != v->supply_krw            ? "공급가액"
                           : k->tax_krw != v->tax_krw                  ? "세액"
                                                                       : NULL;
        if (diff != NULL) {
            outcomes[i] = STORE_INVOICE_CONFLICT;
            snprintf(why[i], sizeof(why[i]), "%s differs from the copy already in the pool", diff);
            continue;
        }
        outcomes[i] = k->mine ? STORE_INVOICE_UNCHANGED : STORE_INVOICE_LINKED;
        if (!k->mine)
            k->mine = k->link = 1; /* only a stored invoice can lack this firm */
        if (v->items_complete && !k->complete) {
            /* Every line of the XML replaces a list export's representative line; an invoice
             * new in this batch is inserted with these lines in the first place. */
            k->complete = 1;
            k->items_from = i;
            k->upgrade = k->stored;
            if (outcomes[i] == STORE_INVOICE_UNCHANGED)
                outcomes[i] = STORE_INVOICE_UPGRADED;
        }
    }
}

/* The row ids of the invoices to link (upgrades 0) or to upgrade (upgrades 1), as a bigint[]
 * literal. */
static int bulk_id_list(struct buf *b, const struct bulk *bk, int upgrades)
{
    int rc = buf_append_str(b, "'{");
    const char *sep = "";
    for (size_t i = 0; rc == 0 && i < bk->n; i++) {
        const struct bulk_key *k = &bk->key[i];
        if (bk->first[i] != i || !(upgrades ? k->upgrade : k->link))
            continue;
        rc = buf_printf(b, "%s%lld", sep, (long long)k->id);
        sep = ",";
    }
    return rc != 0 ? rc : buf_append_str(b, "}'::bigint[]");
}

/* Hand what b holds to the COPY in progress once it is large (or when force). */
static int bulk_flush(struct pg_store *p, struct buf *b, int force, struct dure_err *err)
{
    if (b->len == 0 || (!force && b->len < BULK_FLUSH_BYTES))
        return 0;
    if (PQputCopyData(p->conn, b->data, (int)b->len) != 1)
        return pg_error(p, NULL, err, "store invoices");
    buf_reset(b);
    return 0;
}

/* The new invoices' rows, in file order (so in the order of their ids). */
static int bulk_invoice_rows(struct pg_store *p, const struct bulk *bk, struct buf *b,
                             struct dure_err *err)
{
    char up[24];
    int rc = 0;
    snprintf(up, sizeof(up), "%lld", (long long)bk->upload_id);
    for (size_t i = 0; rc == 0 && i < bk->n; i++) {
        const struct bulk_key *k = &bk->key[i];
        const struct pool_invoice *v = &bk->invs[i];
        if (bk->first[i] != i || k->stored)
            continue;
        char lead[24];
        int len = snprintf(lead, sizeof(lead), "%lld\t", (long long)k->id);
        rc = buf_append(b, lead, (size_t)len);
        if (rc == 0)
            rc = copy_text(b, v->approval_no, strlen(v->approval_no));
        if (rc == 0)
            rc = bulk_field(b, v->written_on);
        if (rc == 0)
            rc = buf_append(b, "\t", 1);
        if (rc == 0)
            rc = copy_text(b, v->written_on, month_bytes(v->written_on));
        if (rc == 0)
            rc = bulk_field(b, v->issued_on);
        if (rc == 0)
            rc = bulk_field(b, v->supplier_brn);
        if (rc == 0)
            rc = bulk_field(b, v->supplier_branch);
        if (rc == 0)
            rc = bulk_field(b, v->supplier_name);
        if (rc == 0)
            rc = bulk_i64(b, (int64_t)v->buyer_kind);
        if (rc == 0)
            rc = bulk_field(b, v->buyer_brn);
        if (rc == 0)
            rc = bulk_field(b, v->buyer_branch);
        if (rc == 0)
            rc = bulk_field(b, v->buyer_name);
        if (rc == 0)
            rc = bulk_i64(b, v->total_krw);
        if (rc == 0)
            rc = bulk_i64(b, v->supply_krw);
        if (rc == 0)
            rc = bulk_i64(b, v->tax_krw);
        if (rc == 0)
            rc = bulk_i64(b, v->tax_exempt);
        if (rc == 0)
            rc = bulk_i64(b, v->amended);
        if (rc == 0)
            rc = bulk_field(b, v->kind);
        if (rc == 0)
            rc = bulk_i64(b, v->receipt);
        if (rc == 0)
            rc = bulk_i64(b, k->complete);
        if (rc == 0)
            rc = buf_printf(b, "\t%s\t%s\n", bk->side == POOL_SIDE_ISSUED ? up : "\\N",
                            bk->side == POOL_SIDE_ISSUED ? "\\N" : up);
        if (rc != 0)
            return dure_err_set(err, rc, "store invoices: %s",
                                rc == DURE_ENOMEM ? "out of memory" : "a batch is too big");
        rc = bulk_flush(p, b, 0, err);
    }
    return rc;
}

/* The lines of the new invoices and of the upgraded ones, each under its invoice's row id. */
static int bulk_item_rows(struct pg_store *p, const struct bulk *bk, struct buf *b,
                          struct dure_err *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < bk->n; i++) {
        const struct bulk_key *k = &bk->key[i];
        if (bk->first[i] != i || (k->stored && !k->upgrade))
            continue;
        const struct pool_invoice *v = &bk->invs[k->items_from];
        for (size_t j = 0; rc == 0 && j < v->nitems; j++) {
            const struct pool_item *it = &v->items[j];
            char lead[48];
            int len = snprintf(lead, sizeof(lead), "%lld\t%zu\t", (long long)k->id, j + 1);
            rc = buf_append(b, lead, (size_t)len);
            if (rc == 0)
                rc = copy_text(b, it->date, strlen(it->date));
            if (rc == 0)
                rc = bulk_field(b, it->name);
            if (rc == 0)
                rc = bulk_field(b, it->spec);
            if (rc == 0)
                rc = bulk_i64(b, it->qty_milli);
            if (rc == 0)
                rc = bulk_i64(b, it->unit_price_krw);
            if (rc == 0)
                rc = bulk_i64(b, it->supply_krw);
            if (rc == 0)
                rc = bulk_i64(b, it->tax_krw);
            if (rc == 0)
                rc = buf_append(b, "\n", 1);
            if (rc != 0)
                return dure_err_set(err, rc, "store invoices: %s",
                                    rc == DURE_ENOMEM ? "out of memory" : "a batch is too big");
            rc = bulk_flush(p, b, 0, err);
        }
    }
    return rc;
}

/* Round trip 2: one query string with the links, the upgrades and the COPYs of whatever the
 * batch has; nothing is sent when it has nothing to write (every invoice known already). The
 * simple-query protocol that carries several statements takes no parameters: the only values
 * written into this SQL are integers the driver formats itself (row ids it drew from the
 * sequence or read back, the upload's id), never text from a file. */
static int bulk_write(struct pg_store *p, const struct bulk *bk, struct dure_err *err)
{
    struct buf sql, rows;
    PGresult *r = NULL;
    int rc = 0, links = 0, upgrades = 0, news = 0, lines = 0, copies = 0;
    const char *col = bk->side == POOL_SIDE_ISSUED ? "supplier_upload" : "buyer_upload";
    buf_init(&sql, BULK_BUF_MAX);
    buf_init(&rows, BULK_BUF_MAX);
    for (size_t i = 0; i < bk->n; i++) {
        const struct bulk_key *k = &bk->key[i];
        if (bk->first[i] != i)
            continue;
        links |= k->link;
        upgrades |= k->upgrade;
        news |= !k->stored;
        lines |= (!k->stored || k->upgrade) && bk->invs[k->items_from].nitems > 0;
    }
    if (links) {
        rc = buf_printf(&sql, "UPDATE invoices SET %s = %lld WHERE id = ANY(", col,
                        (long long)bk->upload_id);
        if (rc == 0)
            rc = bulk_id_list(&sql, bk, 0);
        if (rc == 0)
            rc = buf_append_str(&sql, ");");
    }
    if (rc == 0 && upgrades) {
        rc = buf_append_str(&sql, "DELETE FROM invoice_items WHERE invoice_id = ANY(");
        if (rc == 0)
            rc = bulk_id_list(&sql, bk, 1);
        if (rc == 0)
            rc = buf_append_str(&sql, ");UPDATE invoices SET items_complete = 1 WHERE id = ANY(");
        if (rc == 0)
            rc = bulk_id_list(&sql, bk, 1);
        if (rc == 0)
            rc = buf_append_str(&sql, ");");
    }
    if (rc == 0 && news)
        rc = buf_append_str(&sql, BULK_INVOICE_COPY);
    if (rc == 0 && lines)
        rc = buf_append_str(&sql, BULK_ITEM_COPY);
    if (rc != 0) {
        rc = dure_err_set(err, rc, "store invoices: out of memory");
        goto out;
    }
    if (sql.len == 0)
        goto out;
    if (!PQsendQuery(p->conn, buf_str(&sql))) {
        rc = pg_error(p, NULL, err, "store invoices");
        goto out;
    }
    /* The results in order, a COPY's when the server is ready for its rows; the first error
     * counts, the server skips the rest of the string after it. */
    while ((r = PQgetResult(p->conn)) != NULL) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COPY_IN) {
            int crc = 0;
            buf_reset(&rows);
            if (rc == 0)
                crc = copies++ == 0 && news ? bulk_invoice_rows(p, bk, &rows, err)
                                            : bulk_item_rows(p, bk, &rows, err);
            if (rc == 0 && crc == 0)
                crc = bulk_flush(p, &rows, 1, err);
            if (rc == 0)
                rc = crc;
            /* Ending with a message makes the server fail the COPY: nothing half-sent is used. */
            if (PQputCopyEnd(p->conn, rc != 0 ? "abandoned by dure" : NULL) != 1 && rc == 0)
                rc = pg_error(p, NULL, err, "store invoices");
        } else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && rc == 0) {
            rc = pg_error(p, r, err, "store invoices");
        }
        PQclear(r);
        if (PQstatus(p->conn) == CONNECTION_BAD)
            break;
    }
out:
    buf_cleanup(&rows);
    buf_cleanup(&sql);
    return rc;
}

static int pg_invoice_put_batch(struct store *s, int64_t upload_id, const char *firm,
                                enum pool_side side, const struct pool_invoice *invs, size_t n,
                                enum store_invoice_outcome *outcomes,
                                char (*why)[STORE_INVOICE_WHY_SIZE], struct dure_err *err)
{
    struct pg_store *p = pq(s);
    struct bulk bk = {invs, n, NULL, NULL, 0, NULL, upload_id, side};
    PGresult *found = NULL; /* the stored facts the keys point into */
    size_t distinct = 0;
    int rc = 0;
    (void)firm;
    if (!p->in_tx)
        return dure_err_set(err, DURE_EINTERNAL, "invoices in bulk need a write transaction");
    if (PQstatus(p->conn) != CONNECTION_OK)
        return dure_err_set(err, DURE_EUNAVAILABLE, "lost the connection to PostgreSQL");
    if (n == 0)
        return 0;
    bk.first = malloc(n * sizeof(*bk.first));
    bk.key = calloc(n, sizeof(*bk.key));
    if (bk.first == NULL || bk.key == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    rc = bulk_firsts(&bk, &distinct, err);
    if (rc == 0)
        rc = bulk_lookup(p, &bk, distinct, &found, err);
    if (rc != 0)
        goto out;
    bulk_resolve(&bk, outcomes, why);
    rc = bulk_write(p, &bk, err);
out:
    PQclear(found);
    free(bk.slot);
    free(bk.key);
    free(bk.first);
    return rc;
}

/* Invoices with their first item, handed out as one block: the invoices, then their items
 * (store_invoices_free frees it with one free()). */
static int pg_invoice_list(struct store *s, const struct invoice_filter *fl,
                           struct pool_invoice **items, size_t *n, struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    struct pool_invoice *out = NULL;
    size_t cnt = 0;
    *items = NULL;
    *n = 0;
    p_text(&pp, fl->firm);
    p_text(&pp, fl->month);
    p_i64(&pp, fl->side);
    p_text(&pp, fl->after);
    p_limit(&pp, fl->limit);
    int rc = run(pq(s), STMT_INVOICE_LIST, &pp, 0, &r, err, "list invoices");
    if (rc != 0)
        goto out;
    cnt = (size_t)PQntuples(r);
    if (cnt == 0)
        goto out;
    out = calloc(cnt, sizeof(struct pool_invoice) + sizeof(struct pool_item));
    if (out == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    struct pool_item *its = (struct pool_item *)(out + cnt);
    for (size_t i = 0; i < cnt; i++) {
        struct pool_invoice *v = &out[i];
        int row = (int)i;
        col_text(r, row, 0, v->approval_no, sizeof(v->approval_no));
        col_text(r, row, 1, v->written_on, sizeof(v->written_on));
        col_text(r, row, 2, v->issued_on, sizeof(v->issued_on));
        col_text(r, row, 3, v->supplier_brn, sizeof(v->supplier_brn));
        col_text(r, row, 4, v->supplier_branch, sizeof(v->supplier_branch));
        col_text(r, row, 5, v->supplier_name, sizeof(v->supplier_name));
        v->buyer_kind = (enum pool_party_kind)col_i64(r, row, 6);
        col_text(r, row, 7, v->buyer_brn, sizeof(v->buyer_brn));
        col_text(r, row, 8, v->buyer_branch, sizeof(v->buyer_branch));
        col_text(r, row, 9, v->buyer_name, sizeof(v->buyer_name));
        v->total_krw = col_i64(r, row, 10);
        v->supply_krw = col_i64(r, row, 11);
        v->tax_krw = col_i64(r, row, 12);
        v->tax_exempt = (int)col_i64(r, row, 13);
        v->amended = (int)col_i64(r, row, 14);
        col_text(r, row, 15, v->kind, sizeof(v->kind));
        v->receipt = (int)col_i64(r, row, 16);
        v->items_complete = (int)col_i64(r, row, 17);
        if (!PQgetisnull(r, row, 19)) {
            col_text(r, row, 18, its[i].date, sizeof(its[i].date));
            col_text(r, row, 19, its[i].name, sizeof(its[i].name));
            col_text(r, row, 20, its[i].spec, sizeof(its[i].spec));
            its[i].qty_milli = col_i64(r, row, 21);
            its[i].unit_price_krw = col_i64(r, row, 22);
            its[i].supply_krw = col_i64(r, row, 23);
            its[i].tax_krw = col_i64(r, row, 24);
            v->nitems = 1;
            v->items = &its[i];
        }
    }
out:
    PQclear(r);
    if (rc != 0) {
        free(out);
        return rc;
    }
    *items = out;
    *n = out != NULL ? cnt : 0;
    return 0;
}

/* As pg_firm_upsert: one statement, no row back when the four figures are unchanged. */
static int pg_kpi_put(struct store *s, int64_t upload_id, const struct pool_kpi *k, int *changed,
                      struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_text(&pp, k->brn);
    p_text(&pp, k->month);
    p_i64(&pp, k->revenue_krw);
    p_i64(&pp, k->production_krw);
    p_i64(&pp, k->exports_krw);
    p_i64(&pp, k->employees);
    p_i64(&pp, upload_id);
    int rc = run(pq(s), STMT_KPI_PUT, &pp, 0, &r, err, "kpi");
    if (rc == 0)
        *changed = PQntuples(r) == 0 ? 0 : col_i64(r, 0, 0) == 1 ? 1 : 2;
    PQclear(r);
    return rc;
}

static void read_kpi(const PGresult *r, int row, void *dst)
{
    struct pool_kpi *k = dst;
    memset(k, 0, sizeof(*k));
    col_text(r, row, 0, k->brn, sizeof(k->brn));
    col_text(r, row, 1, k->month, sizeof(k->month));
    k->revenue_krw = col_i64(r, row, 2);
    k->production_krw = col_i64(r, row, 3);
    k->exports_krw = col_i64(r, row, 4);
    k->employees = col_i64(r, row, 5);
}

static int pg_kpi_list(struct store *s, const char *firm, const char *month,
                       struct pool_kpi **items, size_t *n, struct dure_err *err)
{
    struct pg_params pp = {0};
    p_text(&pp, firm);
    p_text(&pp, month);
    return run_list(pq(s), STMT_KPI_LIST, &pp, sizeof(struct pool_kpi), read_kpi, (void **)items, n,
                    err, "list kpis");
}

static int pg_consent_get(struct store *s, const char *brn, int *scopes,
                          char updated_at[REG_TIME_SIZE], struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    *scopes = 0;
    updated_at[0] = '\0';
    p_text(&pp, brn);
    int rc = run(pq(s), STMT_CONSENT_GET, &pp, 0, &r, err, "read consent");
    if (rc == 0 && PQntuples(r) > 0) {
        *scopes = (int)col_i64(r, 0, 0);
        col_text(r, 0, 1, updated_at, REG_TIME_SIZE);
    }
    PQclear(r);
    return rc;
}

static int pg_consent_put(struct store *s, const char *brn, int scopes, const char *updated_at,
                          struct dure_err *err)
{
    struct pg_params pp = {0};
    p_text(&pp, brn);
    p_i64(&pp, scopes);
    p_text(&pp, updated_at);
    return run_done(pq(s), STMT_CONSENT_PUT, &pp, err, "consent");
}

static int pg_data_use_add(struct store *s, const struct data_use *u, struct dure_err *err)
{
    struct pg_params pp = {0};
    p_text(&pp, u->brn);
    p_text(&pp, u->purpose);
    p_text(&pp, u->computation);
    p_text(&pp, u->actor);
    p_text(&pp, u->used_at);
    return run_done(pq(s), STMT_DATA_USE_ADD, &pp, err, "data use");
}

static void read_data_use(const PGresult *r, int row, void *dst)
{
    struct data_use *u = dst;
    memset(u, 0, sizeof(*u));
    u->id = col_i64(r, row, 0);
    col_text(r, row, 1, u->brn, sizeof(u->brn));
    col_text(r, row, 2, u->purpose, sizeof(u->purpose));
    col_text(r, row, 3, u->computation, sizeof(u->computation));
    col_text(r, row, 4, u->actor, sizeof(u->actor));
    col_text(r, row, 5, u->used_at, sizeof(u->used_at));
}

static int pg_data_use_list(struct store *s, const char *brn, struct data_use **items, size_t *n,
                            struct dure_err *err)
{
    struct pg_params pp = {0};
    p_text(&pp, brn);
    return run_list(pq(s), STMT_DATA_USE_LIST, &pp, sizeof(struct data_use), read_data_use,
                    (void **)items, n, err, "list data uses");
}

/* ---- rollups ---- */

/* firm_months is derived data: a firm's rollups are recomputed from the invoices it brought
 * (on either side) and the firm register. Inside a transaction pg_rollup_refresh only notes
 * the firm; the rollups of all noted firms are recomputed together, in two statements, just
 * before the commit, and before anything in the transaction reads them (store_rollup_list, a
 * table dump or count). `dure import` refreshes a firm after each of its files, and one
 * transaction holds many files, often two of one firm (issued and received): one statement
 * for them all replaces two per file.
 *
 * The rollups are those of a refresh on the spot. A firm's rollups depend only on the invoices
 * linked to its own uploads (an upload takes the side of the uploading firm) and on the
 * register, which no transaction that refreshes rollups changes, so the recomputation at the
 * commit reads what the last refresh call would have read. A savepoint rolled back forgets the
 * firms noted since it was taken (a refresh on the spot would have been rolled back with their
 * upload) and keeps those noted before it. Deeper than PG_SAVEPOINT_MARKS savepoints, or with
 * PG_DIRTY_MAX firms noted in the innermost savepoint, a refresh runs on the spot. */
#define ROLLUP_DELETE_SQL "DELETE FROM firm_months WHERE brn = ANY($1::text[])"
#define ROLLUP_FILL_SQL                                                                            \
    "INSERT INTO firm_months(brn, month, sales_krw, purchases_krw, cluster_purchases_krw, "        \
    "invoices_issued, invoices_received) "                                                         \
    "SELECT b.brn, t.month, sum(t.sales), sum(t.purchases), "                                      \
    "sum(CASE WHEN f.brn IS NULL THEN 0 ELSE t.cluster END), sum(t.n_issued), sum(t.n_received) "  \
    "FROM unnest($1::text[]) AS b(brn) CROSS JOIN LATERAL ("                                       \
    " SELECT month, supply_krw AS sales, 0 AS purchases, 0 AS cluster, NULL::text AS supplier, "   \
    "  1 AS n_issued, 0 AS n_received FROM invoices "                                              \
    "  WHERE supplier_brn = b.brn AND supplier_upload IS NOT NULL "                                \
    " UNION ALL "                                                                                  \
    " SELECT month, 0, supply_krw, supply_krw, supplier_brn, 0, 1 FROM invoices "                  \
    "  WHERE buyer_brn = b.brn AND buyer_upload IS NOT NULL OFFSET 0"                              \
    ") AS t LEFT JOIN firms f ON f.brn = t.supplier GROUP BY b.brn, t.month"
/* The statement is costed high (the planner does not know how few invoices a firm has), high
 * enough for JIT compilation, which takes longer than the statement itself: it runs without. */
#define ROLLUP_JIT_OFF_SQL "SELECT current_setting('jit'), set_config('jit', 'off', true)"
#define ROLLUP_JIT_BACK_SQL "SELECT set_config('jit', $1, true)"

/* How many of the noted firms were noted before the innermost open savepoint. */
static size_t rollup_mark(const struct pg_store *p)
{
    if (p->sp_depth == 0)
        return 0;
    if (p->sp_depth > PG_SAVEPOINT_MARKS)
        return p->ndirty; /* nothing is noted that deep */
    return p->sp_mark[p->sp_depth - 1] < p->ndirty ? p->sp_mark[p->sp_depth - 1] : p->ndirty;
}

/* Recompute the rollups of the noted firms from the from-th on, then keep the first keep of
 * them noted (from <= keep <= ndirty): a firm noted before the innermost savepoint and
 * refreshed inside it is refreshed again at the commit, in case the savepoint is rolled back. */
static int rollup_flush(struct pg_store *p, size_t from, size_t keep, struct dure_err *err)
{
    struct buf arr;
    PGresult *r = NULL, *jit = NULL;
    int rc = 0;
    if (from >= p->ndirty) {
        p->ndirty = keep < p->ndirty ? keep : p->ndirty;
        return 0;
    }
    buf_init(&arr, (size_t)PG_DIRTY_MAX * (BRN_SIZE + 3) + 3);
    rc = buf_append(&arr, "{", 1);
    for (size_t i = from; rc == 0 && i < p->ndirty; i++) {
        if (i > from)
            rc = buf_append(&arr, ",", 1);
        if (rc == 0)
            rc = array_elem(&arr, p->dirty[i]);
    }
    if (rc == 0)
        rc = buf_append(&arr, "}", 1);
    if (rc != 0) {
        rc = dure_err_set(err, rc, "rollup: out of memory");
        goto out;
    }
    const char *params[1] = {buf_str(&arr)};
    rc = exec_params(p, ROLLUP_JIT_OFF_SQL, 0, NULL, &jit, err, "rollup");
    if (rc == 0)
        rc = exec_params(p, ROLLUP_DELETE_SQL, 1, params, &r, err, "rollup");
    PQclear(r);
    r = NULL;
    if (rc == 0)
        rc = exec_params(p, ROLLUP_FILL_SQL, 1, params, &r, err, "rollup");
    PQclear(r);
    r = NULL;
    if (rc == 0) {
        const char *was[1] = {PQgetvalue(jit, 0, 0)};
        rc = exec_params(p, ROLLUP_JIT_BACK_SQL, 1, was, &r, err, "rollup");
        PQclear(r);
    }
    if (rc == 0)
        p->ndirty = keep;
out:
    PQclear(jit);
    buf_cleanup(&arr);
    return rc;
}

/* Before the transaction reads rollups: every noted firm's are current. */
static int rollup_settle(struct pg_store *p, struct dure_err *err)
{
    return p->ndirty == 0 ? 0 : rollup_flush(p, 0, rollup_mark(p), err);
}

/* Recompute firm's rollups now. */
static int rollup_now(struct pg_store *p, const char *firm, struct dure_err *err)
{
    struct pg_params pp = {0};
    p_text(&pp, firm);
    int rc = run_done(p, STMT_ROLLUP_CLEAR, &pp, err, "rollup");
    if (rc == 0)
        rc = run_done(p, STMT_ROLLUP_FILL, &pp, err, "rollup");
    return rc;
}

static int pg_rollup_refresh(struct store *s, const char *firm, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    int rc = 0;
    if (!p->in_tx || p->sp_depth > PG_SAVEPOINT_MARKS)
        return rollup_now(p, firm, err);
    for (size_t i = 0; i < p->ndirty; i++)
        if (strcmp(p->dirty[i], firm) == 0)
            return 0;
    if (p->ndirty == p->dirty_cap && p->dirty_cap < PG_DIRTY_MAX) {
        size_t cap = p->dirty_cap == 0 ? 64 : 2 * p->dirty_cap;
        char(*grown)[BRN_SIZE] = realloc(p->dirty, cap * sizeof(*grown));
        if (grown == NULL)
            return dure_err_set(err, DURE_ENOMEM, NULL);
        p->dirty = grown;
        p->dirty_cap = cap;
    }
    if (p->ndirty == p->dirty_cap) {
        size_t mark = rollup_mark(p);
        if (mark == p->ndirty)
            return rollup_now(p, firm, err);
        if ((rc = rollup_flush(p, mark, mark, err)) != 0)
            return rc;
    }
    str_copy(p->dirty[p->ndirty++], firm, BRN_SIZE);
    return 0;
}

static void read_firm_month(const PGresult *r, int row, void *dst)
{
    struct firm_month *m = dst;
    memset(m, 0, sizeof(*m));
    col_text(r, row, 0, m->brn, sizeof(m->brn));
    col_text(r, row, 1, m->month, sizeof(m->month));
    m->sales_krw = col_i64(r, row, 2);
    m->purchases_krw = col_i64(r, row, 3);
    m->cluster_purchases_krw = col_i64(r, row, 4);
    m->invoices_issued = col_i64(r, row, 5);
    m->invoices_received = col_i64(r, row, 6);
}

static int pg_rollup_list(struct store *s, const char *firm, struct firm_month **items, size_t *n,
                          struct dure_err *err)
{
    struct pg_params pp = {0};
    int rc = rollup_settle(pq(s), err);
    if (rc != 0) {
        *items = NULL;
        *n = 0;
        return rc;
    }
    p_text(&pp, firm);
    return run_list(pq(s), STMT_ROLLUP_LIST, &pp, sizeof(struct firm_month), read_firm_month,
                    (void **)items, n, err, "list rollups");
}

static int pg_event_secret_put(struct store *s, int64_t seq, const char *brn, const char *json,
                               struct dure_err *err)
{
    struct pg_params pp = {0};
    p_i64(&pp, seq);
    p_text(&pp, brn);
    p_text(&pp, json);
    return run_done(pq(s), STMT_EVENT_SECRET_PUT, &pp, err, "event secret");
}

/* ---- the ledger ---- */

/* Events per round trip of store_event_scan: bounds the memory of one result. */
#define PG_SCAN_CHUNK 1000

static int pg_tlog_node_put(struct store *s, uint64_t level, uint64_t index, const uint8_t hash[32],
                            struct dure_err *err)
{
    struct pg_params pp = {0};
    p_i64(&pp, (int64_t)level);
    p_i64(&pp, (int64_t)index);
    p_bin(&pp, hash, 32);
    return run_done(pq(s), STMT_TLOG_NODE_PUT, &pp, err, "tree node");
}

static int pg_tlog_node_get(struct store *s, uint64_t level, uint64_t index, uint8_t hash[32],
                            struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_i64(&pp, (int64_t)level);
    p_i64(&pp, (int64_t)index);
    /* Binary result: the one bytea column arrives as its raw bytes. */
    int rc = run(pq(s), STMT_TLOG_NODE_GET, &pp, 1, &r, err, "read tree node");
    if (rc == 0 && PQntuples(r) == 1 && PQgetlength(r, 0, 0) == 32)
        memcpy(hash, PQgetvalue(r, 0, 0), 32);
    else if (rc == 0)
        rc = dure_err_set(err, DURE_ENOTFOUND, "tree node %llu/%llu is missing",
                          (unsigned long long)level, (unsigned long long)index);
    PQclear(r);
    return rc;
}

static int pg_tlog_leaf_find(struct store *s, const uint8_t hash[32], int64_t *index,
                             struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    p_bin(&pp, hash, 32);
    int rc =
        run_one(pq(s), STMT_TLOG_LEAF_FIND, &pp, &r, "no leaf with that hash", err, "find leaf");
    if (rc == 0)
        *index = col_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

/* An int8 column of a binary result: 8 bytes in network order. */
static int64_t col_be64(const PGresult *r, int row, int col)
{
    const unsigned char *b = (const unsigned char *)PQgetvalue(r, row, col);
    uint64_t v = 0;
    if (PQgetlength(r, row, col) != 8)
        return -1;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | b[i];
    return (int64_t)v;
}

/* In chunks of PG_SCAN_CHUNK events, so that a scan of the whole journal (a ledger rebuild)
 * holds one chunk in memory, not the journal. */
static int pg_event_scan(struct store *s, int64_t start, int64_t end, store_event_fn fn, void *ctx,
                         struct dure_err *err)
{
    PGresult *r = NULL;
    int rc = 0;
    while (rc == 0 && start < end) {
        struct pg_params pp = {0};
        p_i64(&pp, start);
        p_i64(&pp, end);
        p_i64(&pp, PG_SCAN_CHUNK);
        rc = run(pq(s), STMT_EVENT_SCAN, &pp, 1, &r, err, "read events");
        if (rc != 0)
            break;
        int rows = PQntuples(r);
        for (int i = 0; rc == 0 && i < rows; i++) {
            start = col_be64(r, i, 0);
            rc = fn(ctx, start, PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1));
            start++;
        }
        PQclear(r);
        r = NULL;
        if (rows < PG_SCAN_CHUNK)
            break;
    }
    return rc;
}

/* Column col of row 0 as an owned string. */
static int text_copy_out(const PGresult *r, int col, char **out, struct dure_err *err)
{
    *out = strdup(PQgetisnull(r, 0, col) ? "" : PQgetvalue(r, 0, col));
    return *out == NULL ? dure_err_set(err, DURE_ENOMEM, NULL) : 0;
}

static int pg_checkpoint_put(struct store *s, int64_t size, const char *note,
                             const char *created_at, struct dure_err *err)
{
    struct pg_params pp = {0};
    p_i64(&pp, size);
    p_text(&pp, note);
    p_text(&pp, created_at);
    return run_done(pq(s), STMT_CHECKPOINT_PUT, &pp, err, "checkpoint");
}

static int checkpoint_fetch(struct pg_store *p, enum stmt_id id, const struct pg_params *pp,
                            int64_t *size, char **note, struct dure_err *err)
{
    PGresult *r = NULL;
    *note = NULL;
    int rc = run_one(p, id, pp, &r, "no checkpoint yet", err, "read checkpoint");
    if (rc == 0) {
        if (size != NULL)
            *size = col_i64(r, 0, 0);
        rc = text_copy_out(r, 1, note, err);
    }
    PQclear(r);
    return rc;
}

static int pg_checkpoint_latest(struct store *s, int64_t *size, char **note, struct dure_err *err)
{
    return checkpoint_fetch(pq(s), STMT_CHECKPOINT_LATEST, NULL, size, note, err);
}

static int pg_checkpoint_get(struct store *s, int64_t size, char **note, struct dure_err *err)
{
    struct pg_params pp = {0};
    p_i64(&pp, size);
    return checkpoint_fetch(pq(s), STMT_CHECKPOINT_GET, &pp, NULL, note, err);
}

static int pg_witness_put(struct store *s, const char *name, const char *vkey, struct dure_err *err)
{
    struct pg_params pp = {0};
    p_text(&pp, name);
    p_text(&pp, vkey);
    return run_done(pq(s), STMT_WITNESS_PUT, &pp, err, "witness");
}

/* Column 0 (and column 1 when b != NULL) of every row, as owned arrays of owned strings that
 * store_strings_free frees; NULL when there are no rows. */
static int collect_strings(struct pg_store *p, enum stmt_id id, const struct pg_params *pp,
                           char ***a, char ***b, size_t *n, struct dure_err *err, const char *what)
{
    PGresult *r = NULL;
    char **aa = NULL, **bb = NULL;
    size_t cnt = 0, rows = 0;
    int rc = run(p, id, pp, 0, &r, err, what);
    if (rc != 0)
        goto out;
    rows = (size_t)PQntuples(r);
    if (rows == 0)
        goto out;
    aa = calloc(rows, sizeof(char *));
    bb = b != NULL ? calloc(rows, sizeof(char *)) : NULL;
    if (aa == NULL || (b != NULL && bb == NULL)) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    for (cnt = 0; cnt < rows; cnt++) {
        aa[cnt] = strdup(PQgetvalue(r, (int)cnt, 0));
        if (bb != NULL)
            bb[cnt] = strdup(PQgetvalue(r, (int)cnt, 1));
        if (aa[cnt] == NULL || (bb != NULL && bb[cnt] == NULL)) {
            cnt++;
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
            goto out;
        }
    }
out:
    PQclear(r);
    if (rc != 0) {
        /* calloc'ed: the slots past a failed strdup are NULL, which free() accepts. */
        store_strings_free(aa, aa != NULL ? cnt : 0);
        store_strings_free(bb, bb != NULL ? cnt : 0);
        aa = bb = NULL;
        cnt = 0;
    }
    *a = aa;
    if (b != NULL)
        *b = bb;
    *n = cnt;
    return rc;
}

static int pg_witness_list(struct store *s, char ***names, char ***vkeys, size_t *n,
                           struct dure_err *err)
{
    return collect_strings(pq(s), STMT_WITNESS_LIST, NULL, names, vkeys, n, err, "list witnesses");
}

static int pg_cosignature_put(struct store *s, int64_t size, const char *witness, const char *line,
                              struct dure_err *err)
{
    struct pg_params pp = {0};
    p_i64(&pp, size);
    p_text(&pp, witness);
    p_text(&pp, line);
    return run_done(pq(s), STMT_COSIGNATURE_PUT, &pp, err, "cosignature");
}

static int pg_cosignature_list(struct store *s, int64_t size, char ***lines, size_t *n,
                               struct dure_err *err)
{
    struct pg_params pp = {0};
    p_i64(&pp, size);
    return collect_strings(pq(s), STMT_COSIGNATURE_LIST, &pp, lines, NULL, n, err,
                           "list cosignatures");
}

static int pg_event_secret_get(struct store *s, int64_t seq, char brn[BRN_SIZE], char **json,
                               struct dure_err *err)
{
    struct pg_params pp = {0};
    PGresult *r = NULL;
    char notfound[64];
    *json = NULL;
    p_i64(&pp, seq);
    snprintf(notfound, sizeof(notfound), "no opening for event %lld", (long long)seq);
    int rc = run_one(pq(s), STMT_EVENT_SECRET_GET, &pp, &r, notfound, err, "read event opening");
    if (rc == 0) {
        col_text(r, 0, 0, brn, BRN_SIZE);
        rc = text_copy_out(r, 1, json, err);
    }
    PQclear(r);
    return rc;
}

/* ---- whole tables (store_table_copy) ---- */

#define PG_COPY_FLUSH_BYTES 65536
#define PG_COPY_ROW_MAX ((size_t)512 << 20)

/* A COPY ... FROM STDIN in progress: the target's columns and which of them are bytea, and the
 * rows formatted but not yet sent. */
struct pg_load {
    char table[64];
    size_t ncols;
    unsigned char bytea[STORE_COLUMNS_MAX];
    struct buf rows;
};

static void load_free(struct pg_load *l)
{
    if (l == NULL)
        return;
    buf_cleanup(&l->rows);
    free(l);
}

/* Run sql (built from checked names) with text parameters; *out (owned) on success. */
static int exec_params(struct pg_store *p, const char *sql, int nparams, const char *const *values,
                       PGresult **out, struct dure_err *err, const char *what)
{
    *out = NULL;
    int rc = ensure_connected(p, err);
    if (rc != 0)
        return rc;
    PGresult *r = PQexecParams(p->conn, sql, nparams, NULL, values, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = pg_error(p, r, err, what);
        PQclear(r);
        return rc;
    }
    *out = r;
    return 0;
}

static int pg_table_count(struct store *s, const char *table, int64_t *n, struct dure_err *err)
{
    char sql[128];
    PGresult *r = NULL;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", table);
    int rc = rollup_settle(pq(s), err);
    if (rc == 0)
        rc = exec_params(pq(s), sql, 0, NULL, &r, err, "count rows");
    if (rc == 0)
        *n = col_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

/* Row by row (libpq's single-row mode), so that a table of millions of invoice lines is never
 * held in memory at once. bytea arrives as text and is unescaped to its bytes. */
static int pg_table_dump(struct store *s, const char *table, const char *key, store_row_fn fn,
                         void *ctx, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    const char *names[STORE_COLUMNS_MAX];
    struct store_value vals[STORE_COLUMNS_MAX];
    unsigned char *raw[STORE_COLUMNS_MAX];
    char sql[256];
    PGresult *r;
    int rc = ensure_connected(p, err);
    if (rc == 0)
        rc = rollup_settle(p, err);
    if (rc != 0)
        return rc;
    snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY %s", table, key);
    if (!PQsendQueryParams(p->conn, sql, 0, NULL, NULL, NULL, NULL, 0))
        return pg_error(p, NULL, err, "read rows");
    PQsetSingleRowMode(p->conn);
    /* Every result is read, also after an error, so that the connection stays usable. */
    while ((r = PQgetResult(p->conn)) != NULL) {
        ExecStatusType st = PQresultStatus(r);
        if (rc == 0 && st == PGRES_SINGLE_TUPLE) {
            int ncols = PQnfields(r);
            if (ncols > STORE_COLUMNS_MAX) {
                rc = dure_err_set(err, DURE_ESTORE, "%s has more than %d columns", table,
                                  STORE_COLUMNS_MAX);
                ncols = 0;
            }
            for (int i = 0; i < ncols; i++) {
                struct store_value *v = &vals[i];
                names[i] = PQfname(r, i);
                raw[i] = NULL;
                v->kind = STORE_VALUE_TEXT;
                v->data = PQgetvalue(r, 0, i);
                v->len = (size_t)PQgetlength(r, 0, i);
                if (PQgetisnull(r, 0, i)) {
                    v->kind = STORE_VALUE_NULL;
                    v->data = NULL;
                    v->len = 0;
                } else if (PQftype(r, i) == PG_BYTEA_OID) {
                    raw[i] = PQunescapeBytea((const unsigned char *)v->data, &v->len);
                    if (raw[i] == NULL && rc == 0)
                        rc = dure_err_set(err, DURE_ENOMEM, NULL);
                    v->kind = STORE_VALUE_BLOB;
                    v->data = raw[i] != NULL ? (const char *)raw[i] : "";
                }
            }
            if (rc == 0)
                rc = fn(ctx, (size_t)ncols, names, vals);
            for (int i = 0; i < ncols; i++)
                PQfreemem(raw[i]);
        } else if (rc == 0 && st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK) {
            rc = pg_error(p, r, err, "read rows");
        }
        PQclear(r);
    }
    return rc;
}

static int pg_table_load_begin(struct store *s, const char *table, size_t ncols,
                               const char *const *columns, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    struct pg_load *l = NULL;
    PGresult *r = NULL;
    struct buf sql;
    const char *params[1] = {table};
    int rc = 0;
    if (!p->in_tx)
        return dure_err_set(err, DURE_EINTERNAL, "table load outside a transaction");
    if (p->load != NULL)
        return dure_err_set(err, DURE_EINTERNAL, "a table load is already in progress");
    buf_init(&sql, 16384);
    l = calloc(1, sizeof(*l));
    if (l == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    buf_init(&l->rows, PG_COPY_ROW_MAX);
    str_copy(l->table, table, sizeof(l->table));
    l->ncols = ncols;
    /* The target's own columns: a column the source has and the target lacks is a schema
     * mismatch, and bytea columns take their bytes in hex. */
    rc = exec_params(p,
                     "SELECT attname::text, (atttypid = 'bytea'::regtype)::int FROM pg_attribute "
                     "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
                     1, params, &r, err, "copy");
    for (size_t i = 0; rc == 0 && i < ncols; i++) {
        int found = 0;
        for (int row = 0; row < PQntuples(r) && !found; row++) {
            if (strcmp(PQgetvalue(r, row, 0), columns[i]) == 0) {
                found = 1;
                l->bytea[i] = col_i64(r, row, 1) == 1;
            }
        }
        if (!found)
            rc = dure_err_set(err, DURE_ECONFLICT, "%s has no column %s here: the schemas differ",
                              table, columns[i]);
    }
    if (rc == 0) {
        rc = buf_printf(&sql, "COPY \"%s\" (", table);
        for (size_t i = 0; rc == 0 && i < ncols; i++)
            rc = buf_printf(&sql, "%s\"%s\"", i > 0 ? ", " : "", columns[i]);
        rc = rc != 0 ? rc : buf_append_str(&sql, ") FROM STDIN");
        if (rc != 0)
            rc = dure_err_set(err, rc, "%s: too many columns", table);
    }
    if (rc == 0) {
        PQclear(r);
        r = PQexec(p->conn, buf_str(&sql));
        if (PQresultStatus(r) != PGRES_COPY_IN)
            rc = pg_error(p, r, err, "copy");
    }
    if (rc == 0) {
        p->load = l;
        l = NULL;
    }
out:
    PQclear(r);
    buf_cleanup(&sql);
    load_free(l);
    return rc;
}

/* bytea in COPY's text format: \\x and two hex digits a byte. */
static int copy_hex(struct buf *b, const char *s, size_t n)
{
    char hex[2 * 512 + 1];
    int rc = buf_append_str(b, "\\\\x");
    for (size_t off = 0; rc == 0 && off < n; off += 512) {
        size_t k = n - off < 512 ? n - off : 512;
        str_hex(hex, (const unsigned char *)s + off, k);
        rc = buf_append(b, hex, 2 * k);
    }
    return rc;
}

static int load_flush(struct pg_store *p, struct pg_load *l, struct dure_err *err)
{
    if (l->rows.len > 0 && PQputCopyData(p->conn, l->rows.data, (int)l->rows.len) != 1)
        return pg_error(p, NULL, err, "copy");
    buf_reset(&l->rows);
    return 0;
}

static int pg_table_load_row(struct store *s, const struct store_value *values,
                             struct dure_err *err)
{
    struct pg_store *p = pq(s);
    struct pg_load *l = p->load;
    int rc = 0;
    if (l == NULL)
        return dure_err_set(err, DURE_EINTERNAL, "no table load in progress");
    for (size_t i = 0; rc == 0 && i < l->ncols; i++) {
        const struct store_value *v = &values[i];
        if (i > 0)
            rc = buf_append(&l->rows, "\t", 1);
        if (rc != 0)
            break;
        if (v->kind == STORE_VALUE_NULL)
            rc = buf_append_str(&l->rows, "\\N");
        else if (l->bytea[i])
            rc = copy_hex(&l->rows, v->data, v->len);
        else
            rc = copy_text(&l->rows, v->data, v->len);
    }
    if (rc == 0)
        rc = buf_append(&l->rows, "\n", 1);
    if (rc == DURE_EINVAL)
        return dure_err_set(err, rc, "%s: a text value holds a NUL byte, which PostgreSQL cannot "
                                     "store", l->table);
    if (rc != 0)
        return dure_err_set(err, rc, "%s: a row is too big to copy", l->table);
    return l->rows.len >= PG_COPY_FLUSH_BYTES ? load_flush(p, l, err) : 0;
}

/* Finish the COPY (or abandon it), then move each sequence behind a column of the table (the
 * BIGSERIAL ids) past the largest copied value, so that the next insert gets a fresh id. */
static int pg_table_load_end(struct store *s, int abort, struct dure_err *err)
{
    struct pg_store *p = pq(s);
    struct pg_load *l = p->load;
    PGresult *r = NULL;
    const char *params[1];
    int rc = 0;
    if (l == NULL)
        return dure_err_set(err, DURE_EINTERNAL, "no table load in progress");
    p->load = NULL;
    if (!abort)
        rc = load_flush(p, l, err);
    if (PQputCopyEnd(p->conn, abort || rc != 0 ? "the copy was abandoned" : NULL) != 1 && rc == 0)
        rc = pg_error(p, NULL, err, "copy");
    while ((r = PQgetResult(p->conn)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0 && !abort)
            rc = pg_error(p, r, err, "copy");
        PQclear(r);
    }
    params[0] = l->table;
    if (rc == 0 && !abort)
        rc = exec_params(p,
                         "SELECT attname::text, pg_get_serial_sequence($1, attname) FROM "
                         "pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT "
                         "attisdropped AND pg_get_serial_sequence($1, attname) IS NOT NULL",
                         1, params, &r, err, "copy");
    for (int row = 0; rc == 0 && !abort && row < PQntuples(r); row++) {
        char sql[256];
        PGresult *done = NULL;
        const char *seq[1] = {PQgetvalue(r, row, 1)};
        snprintf(sql, sizeof(sql), "SELECT setval($1::regclass, (SELECT MAX(\"%s\") FROM \"%s\"))",
                 PQgetvalue(r, row, 0), l->table);
        rc = exec_params(p, sql, 1, seq, &done, err, "copy");
        PQclear(done);
    }
    PQclear(r);
    load_free(l);
    return rc;
}

static int pg_table_names(struct store *s, char ***names, size_t *n, struct dure_err *err)
{
    PGresult *r = NULL;
    char **out = NULL;
    size_t cnt = 0;
    int rc = exec_params(pq(s),
                         "SELECT tablename::text FROM pg_tables WHERE schemaname = "
                         "current_schema() ORDER BY 1",
                         0, NULL, &r, err, "list tables");
    if (rc == 0 && PQntuples(r) > 0 && (out = calloc((size_t)PQntuples(r), sizeof(*out))) == NULL)
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        if ((out[i] = strdup(PQgetvalue(r, i, 0))) == NULL)
            rc = dure_err_set(err, DURE_ENOMEM, NULL);
        cnt++;
    }
    PQclear(r);
    if (rc != 0) {
        store_strings_free(out, cnt);
        out = NULL;
        cnt = 0;
    }
    *names = out;
    *n = cnt;
    return rc;
}

static const struct store_ops postgres_ops = {

    .name = "postgres",
    .close = pg_close,
    .migrate = pg_migrate,
    .schema_version = pg_schema_version,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .savepoint = pg_savepoint,
    .savepoint_release = pg_savepoint_release,
    .savepoint_rollback = pg_savepoint_rollback,
    .backup = pg_backup,
    .building_upsert = pg_building_upsert,
    .building_update = pg_building_update,
    .building_get = pg_building_get,
    .building_find = pg_building_find,
    .building_delete = pg_building_delete,
    .building_list = pg_building_list,
    .firm_upsert = pg_firm_upsert,
    .firm_get = pg_firm_get,
    .firm_delete = pg_firm_delete,
    .firm_list = pg_firm_list,
    .member_put = pg_member_put,
    .member_get = pg_member_get,
    .member_list = pg_member_list,
    .user_create = pg_user_create,
    .user_get_by_name = pg_user_get_by_name,
    .user_get = pg_user_get,
    .user_firm_add = pg_user_firm_add,
    .user_firms = pg_user_firms,
    .token_create = pg_token_create,
    .token_find = pg_token_find,
    .token_revoke = pg_token_revoke,
    .token_list = pg_token_list,
    .session_create = pg_session_create,
    .session_find = pg_session_find,
    .session_delete = pg_session_delete,
    .event_append = pg_event_append,
    .event_count = pg_event_count,
    .event_get = pg_event_get,
    .summary = pg_summary,
    .upload_create = pg_upload_create,
    .upload_finish = pg_upload_finish,
    .upload_find = pg_upload_find,
    .upload_get = pg_upload_get,
    .upload_list = pg_upload_list,
    .upload_delete = pg_upload_delete,
    .invoice_put = pg_invoice_put,
    .invoice_put_batch = pg_invoice_put_batch,
    .invoice_list = pg_invoice_list,
    .kpi_put = pg_kpi_put,
    .kpi_list = pg_kpi_list,
    .consent_get = pg_consent_get,
    .consent_put = pg_consent_put,
    .data_use_add = pg_data_use_add,
    .data_use_list = pg_data_use_list,
    .rollup_refresh = pg_rollup_refresh,
    .rollup_list = pg_rollup_list,
    .event_secret_put = pg_event_secret_put,
    .tlog_node_put = pg_tlog_node_put,
    .tlog_node_get = pg_tlog_node_get,
    .tlog_leaf_find = pg_tlog_leaf_find,
    .event_scan = pg_event_scan,
    .checkpoint_put = pg_checkpoint_put,
    .checkpoint_latest = pg_checkpoint_latest,
    .checkpoint_get = pg_checkpoint_get,
    .witness_put = pg_witness_put,
    .witness_list = pg_witness_list,
    .cosignature_put = pg_cosignature_put,
    .cosignature_list = pg_cosignature_list,
    .event_secret_get = pg_event_secret_get,
    .table_count = pg_table_count,
    .table_dump = pg_table_dump,
    .table_load_begin = pg_table_load_begin,
    .table_load_row = pg_table_load_row,
    .table_load_end = pg_table_load_end,
    .table_names = pg_table_names,
};

/* The raw (still percent-encoded) password of a postgres:// URL, from its user info or a
 * password= query parameter, as [*start, *start + *len); *len is 0 when there is none. */
static void url_password(const char *url, const char *key, const char **start, size_t *len)
{
    *start = NULL;
    *len = 0;
    const char *p = strstr(url, "://");
    if (p == NULL)
        return;
    p += 3;
    if (strcmp(key, "userinfo") == 0) {
        /* libpq's rule: user info ends at the first '@' unless a '/' comes first. */
        const char *at = p + strcspn(p, "@/");
        if (*at != '@')
            return;
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon != NULL) {
            *start = colon + 1;
            *len = (size_t)(at - colon - 1);
        }
        return;
    }
    const char *q = strchr(p, '?');
    while (q != NULL) {
        q++;
        if (strncmp(q, "password=", 9) == 0) {
            *start = q + 9;
            *len = strcspn(*start, "&");
            return;
        }
        q = strchr(q, '&');
    }
}

/* The message of a failed connection, on one line, with every form of the password cut out:
 * raw from the URL (libpq echoes a malformed token) and decoded as libpq holds it. */
static void connect_message(const char *url, PGconn *conn, char *out, size_t n)
{
    char raw[2][256];
    const char *secrets[3];
    PQconninfoOption *opts = NULL;
    const char *keys[2] = {"userinfo", "query"};
    for (size_t i = 0; i < 2; i++) {
        const char *start;
        size_t len;
        url_password(url, keys[i], &start, &len);
        raw[i][0] = '\0';
        if (len > 0 && len < sizeof(raw[i])) {
            memcpy(raw[i], start, len);
            raw[i][len] = '\0';
        }
        secrets[i] = raw[i];
    }
    secrets[2] = conn_password(conn, &opts);
    one_line_redacted(out, n, conn != NULL ? PQerrorMessage(conn) : "out of memory", secrets, 3);
    PQconninfoFree(opts);
}

/* Notices (CREATE ... IF NOT EXISTS skipping, and so on) are not errors; keep them off stderr. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

int store__postgres_open(const char *url, struct store **out, struct dure_err *err)
{
    /* Defaults first so that the URL can override them; the encoding last so that it cannot:
     * every string dure passes is UTF-8. */
    const char *keys[5], *vals[5];
    int k = 0;
    const char *env_timeout = getenv("PGCONNECT_TIMEOUT");
    struct pg_store *p = NULL;
    char msg[200];
    int rc = 0;
    *out = NULL;
    keys[k] = "fallback_application_name";
    vals[k++] = "dure";
    if (env_timeout == NULL || env_timeout[0] == '\0') {
        keys[k] = "connect_timeout";
        vals[k++] = PG_CONNECT_TIMEOUT_S;
    }
    keys[k] = "dbname";
    vals[k++] = url;
    keys[k] = "client_encoding";
    vals[k++] = "UTF8";
    keys[k] = NULL;
    vals[k] = NULL;

    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return dure_err_set(err, DURE_ENOMEM, NULL);
    p->base.ops = &postgres_ops;
    p->conn = PQconnectdbParams(keys, vals, 1);
    if (p->conn == NULL || PQstatus(p->conn) != CONNECTION_OK) {
        connect_message(url, p->conn, msg, sizeof(msg));
        rc = dure_err_set(err, DURE_EUNAVAILABLE, "cannot connect to PostgreSQL: %s", msg);
        goto out;
    }
    PQsetNoticeProcessor(p->conn, ignore_notice, NULL);
    if (PQserverVersion(p->conn) < 120000) {
        rc =
            dure_err_set(err, DURE_EUNAVAILABLE, "PostgreSQL %d is too old; dure needs 12 or newer",
                         PQserverVersion(p->conn) / 10000);
        goto out;
    }
    rc = session_setup(p, err);
out:
    if (rc != 0) {
        PQfinish(p->conn);
        free(p);
        return rc;
    }
    *out = &p->base;
    return 0;
}
