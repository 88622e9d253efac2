/* SPDX-License-Identifier: Apache-2.0 */
/* Numbered schema migrations. Never edit a released migration: add the next one. */
#include "store/migrations.h"

/* 1: the registry, the member register, users and tokens, and the event journal. */
static const char m0001_sqlite[] =
    "CREATE TABLE buildings ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  complex INTEGER NOT NULL CHECK (complex BETWEEN 1 AND 3),"
    "  is_centre INTEGER NOT NULL DEFAULT 1,"
    "  road_address TEXT NOT NULL DEFAULT '',"
    "  floors INTEGER NOT NULL DEFAULT 0,"
    "  building_area_m2 REAL NOT NULL DEFAULT 0,"
    "  gross_floor_area_m2 REAL NOT NULL DEFAULT 0"
    ");"
    "CREATE TABLE firms ("
    "  brn TEXT PRIMARY KEY CHECK (length(brn) = 10),"
    "  name TEXT NOT NULL,"
    "  ksic TEXT NOT NULL,"
    "  building_id INTEGER REFERENCES buildings(id),"
    "  floor INTEGER NOT NULL DEFAULT 0,"
    "  unit TEXT NOT NULL DEFAULT '',"
    "  employees INTEGER NOT NULL DEFAULT 0 CHECK (employees >= 0),"
    "  status INTEGER NOT NULL DEFAULT 0"
    ") WITHOUT ROWID;"
    "CREATE INDEX firms_building ON firms(building_id);"
    "CREATE TABLE members ("
    "  brn TEXT PRIMARY KEY REFERENCES firms(brn),"
    "  admitted_on TEXT NOT NULL,"
    "  withdrawn_on TEXT,"
    "  shares INTEGER NOT NULL CHECK (shares >= 0),"
    "  paid_in_krw INTEGER NOT NULL CHECK (paid_in_krw >= 0)"
    ") WITHOUT ROWID;"
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE,"
    "  password_hash TEXT NOT NULL,"
    "  role INTEGER NOT NULL,"
    "  created_at TEXT NOT NULL"
    ");"
    "CREATE TABLE user_firms ("
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  brn TEXT NOT NULL REFERENCES firms(brn),"
    "  PRIMARY KEY (user_id, brn)"
    ") WITHOUT ROWID;"
    "CREATE TABLE tokens ("
    "  id INTEGER PRIMARY KEY,"
    "  hash TEXT NOT NULL UNIQUE,"
    "  user_id INTEGER REFERENCES users(id),"
    "  role INTEGER NOT NULL,"
    "  firm TEXT REFERENCES firms(brn),"
    "  label TEXT NOT NULL DEFAULT '',"
    "  created_at TEXT NOT NULL,"
    "  revoked_at TEXT"
    ");"
    "CREATE TABLE sessions ("
    "  hash TEXT PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  expires_unix INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE events ("
    "  seq INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  leaf BLOB NOT NULL"
    ");";

static const char m0001_postgres[] =
    "CREATE TABLE buildings ("
    "  id BIGSERIAL PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  complex INTEGER NOT NULL CHECK (complex BETWEEN 1 AND 3),"
    "  is_centre INTEGER NOT NULL DEFAULT 1,"
    "  road_address TEXT NOT NULL DEFAULT '',"
    "  floors INTEGER NOT NULL DEFAULT 0,"
    "  building_area_m2 DOUBLE PRECISION NOT NULL DEFAULT 0,"
    "  gross_floor_area_m2 DOUBLE PRECISION NOT NULL DEFAULT 0"
    ");"
    "CREATE TABLE firms ("
    "  brn TEXT PRIMARY KEY CHECK (length(brn) = 10),"
    "  name TEXT NOT NULL,"
    "  ksic TEXT NOT NULL,"
    "  building_id BIGINT REFERENCES buildings(id),"
    "  floor INTEGER NOT NULL DEFAULT 0,"
    "  unit TEXT NOT NULL DEFAULT '',"
    "  employees BIGINT NOT NULL DEFAULT 0 CHECK (employees >= 0),"
    "  status INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX firms_building ON firms(building_id);"
    "CREATE TABLE members ("
    "  brn TEXT PRIMARY KEY REFERENCES firms(brn),"
    "  admitted_on TEXT NOT NULL,"
    "  withdrawn_on TEXT,"
    "  shares BIGINT NOT NULL CHECK (shares >= 0),"
    "  paid_in_krw BIGINT NOT NULL CHECK (paid_in_krw >= 0)"
    ");"
    "CREATE TABLE users ("
    "  id BIGSERIAL PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE,"
    "  password_hash TEXT NOT NULL,"
    "  role INTEGER NOT NULL,"
    "  created_at TEXT NOT NULL"
    ");"
    "CREATE TABLE user_firms ("
    "  user_id BIGINT NOT NULL REFERENCES users(id),"
    "  brn TEXT NOT NULL REFERENCES firms(brn),"
    "  PRIMARY KEY (user_id, brn)"
    ");"
    "CREATE TABLE tokens ("
    "  id BIGSERIAL PRIMARY KEY,"
    "  hash TEXT NOT NULL UNIQUE,"
    "  user_id BIGINT REFERENCES users(id),"
    "  role INTEGER NOT NULL,"
    "  firm TEXT REFERENCES firms(brn),"
    "  label TEXT NOT NULL DEFAULT '',"
    "  created_at TEXT NOT NULL,"
    "  revoked_at TEXT"
    ");"
    "CREATE TABLE sessions ("
    "  hash TEXT PRIMARY KEY,"
    "  user_id BIGINT NOT NULL REFERENCES users(id),"
    "  expires_unix BIGINT NOT NULL"
    ");"
    "CREATE TABLE events ("
    "  seq BIGINT PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  leaf BYTEA NOT NULL"
    ");";

/* 2: the data pool. Invoices are keyed by approval number; each side's contribution is the
 * upload that brought it, so one invoice is one record linked to both firms. */
#define M0002_COMMON(ID, BIGINT, BLOB)                                                              \
    "CREATE TABLE uploads ("                                                                       \
    "  id " ID ","                                                                                 \
    "  firm TEXT REFERENCES firms(brn),"                                                           \
    "  kind TEXT NOT NULL,"                                                                        \
    "  sha256 TEXT NOT NULL,"                                                                      \
    "  format TEXT NOT NULL DEFAULT '',"                                                           \
    "  filename TEXT NOT NULL DEFAULT '',"                                                         \
    "  created_at TEXT NOT NULL,"                                                                  \
    "  actor TEXT NOT NULL DEFAULT '',"                                                            \
    "  rows " BIGINT " NOT NULL DEFAULT 0,"                                                        \
    "  new_records " BIGINT " NOT NULL DEFAULT 0,"                                                 \
    "  linked " BIGINT " NOT NULL DEFAULT 0,"                                                      \
    "  unchanged " BIGINT " NOT NULL DEFAULT 0,"                                                   \
    "  conflicts " BIGINT " NOT NULL DEFAULT 0,"                                                   \
    "  deleted_at TEXT"                                                                            \
    ");"                                                                                           \
    "CREATE UNIQUE INDEX uploads_live ON uploads(COALESCE(firm, ''), kind, sha256) "            \
    "WHERE deleted_at IS NULL;"    \
    "CREATE TABLE invoices ("                                                                      \
    "  approval_no TEXT PRIMARY KEY,"                                                              \
    "  written_on TEXT NOT NULL,"                                                                  \
    "  month TEXT NOT NULL,"                                                                       \
    "  issued_on TEXT NOT NULL DEFAULT '',"                                                        \
    "  supplier_brn TEXT NOT NULL,"                                                                \
    "  supplier_branch TEXT NOT NULL DEFAULT '',"                                                  \
    "  supplier_name TEXT NOT NULL DEFAULT '',"                                                    \
    "  buyer_kind INTEGER NOT NULL DEFAULT 0,"                                                     \
    "  buyer_brn TEXT NOT NULL DEFAULT '',"                                                        \
    "  buyer_branch TEXT NOT NULL DEFAULT '',"                                                     \
    "  buyer_name TEXT NOT NULL DEFAULT '',"                                                       \
    "  total_krw " BIGINT " NOT NULL,"                                                             \
    "  supply_krw " BIGINT " NOT NULL,"                                                            \
    "  tax_krw " BIGINT " NOT NULL,"                                                               \
    "  tax_exempt INTEGER NOT NULL DEFAULT 0,"                                                     \
    "  amended INTEGER NOT NULL DEFAULT 0,"                                                        \
    "  kind TEXT NOT NULL DEFAULT '',"                                                             \
    "  receipt INTEGER NOT NULL DEFAULT 0,"                                                        \
    "  items_complete INTEGER NOT NULL DEFAULT 0,"                                                 \
    "  supplier_upload " BIGINT " REFERENCES uploads(id),"                                         \
    "  buyer_upload " BIGINT " REFERENCES uploads(id)"                                             \
    ")"
static const char m0002_sqlite[] =
    M0002_COMMON("INTEGER PRIMARY KEY", "INTEGER", "BLOB") " WITHOUT ROWID;"
    "CREATE INDEX invoices_supplier ON invoices(supplier_brn, month) WHERE supplier_upload IS NOT NULL;"
    "CREATE INDEX invoices_buyer ON invoices(buyer_brn, month) WHERE buyer_upload IS NOT NULL;"
    "CREATE TABLE invoice_items ("
    "  approval_no TEXT NOT NULL,"
    "  line INTEGER NOT NULL,"
    "  date TEXT NOT NULL DEFAULT '',"
    "  name TEXT NOT NULL DEFAULT '',"
    "  spec TEXT NOT NULL DEFAULT '',"
    "  qty_milli INTEGER NOT NULL DEFAULT 0,"
    "  unit_price_krw INTEGER NOT NULL DEFAULT 0,"
    "  supply_krw INTEGER NOT NULL DEFAULT 0,"
    "  tax_krw INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (approval_no, line)"
    ") WITHOUT ROWID;"
    "CREATE TABLE kpis ("
    "  brn TEXT NOT NULL REFERENCES firms(brn),"
    "  month TEXT NOT NULL,"
    "  revenue_krw INTEGER NOT NULL,"
    "  production_krw INTEGER NOT NULL,"
    "  exports_krw INTEGER NOT NULL,"
    "  employees INTEGER NOT NULL,"
    "  upload_id INTEGER REFERENCES uploads(id),"
    "  PRIMARY KEY (brn, month)"
    ") WITHOUT ROWID;"
    "CREATE TABLE consents ("
    "  brn TEXT PRIMARY KEY REFERENCES firms(brn),"
    "  scopes INTEGER NOT NULL,"
    "  updated_at TEXT NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE data_uses ("
    "  id INTEGER PRIMARY KEY,"
    "  brn TEXT NOT NULL,"
    "  purpose TEXT NOT NULL,"
    "  computation TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  used_at TEXT NOT NULL"
    ");"
    "CREATE INDEX data_uses_brn ON data_uses(brn, id);"
    "CREATE TABLE firm_months ("
    "  brn TEXT NOT NULL,"
    "  month TEXT NOT NULL,"
    "  sales_krw INTEGER NOT NULL,"
    "  purchases_krw INTEGER NOT NULL,"
    "  cluster_purchases_krw INTEGER NOT NULL,"
    "  invoices_issued INTEGER NOT NULL,"
    "  invoices_received INTEGER NOT NULL,"
    "  PRIMARY KEY (brn, month)"
    ") WITHOUT ROWID;"
    "CREATE TABLE event_secrets ("
    "  seq INTEGER PRIMARY KEY,"
    "  brn TEXT NOT NULL,"
    "  secret TEXT NOT NULL"
    ");";

static const char m0002_postgres[] =
    M0002_COMMON("BIGSERIAL PRIMARY KEY", "BIGINT", "BYTEA") ";"
    "CREATE INDEX invoices_supplier ON invoices(supplier_brn, month) WHERE supplier_upload IS NOT NULL;"
    "CREATE INDEX invoices_buyer ON invoices(buyer_brn, month) WHERE buyer_upload IS NOT NULL;"
    "CREATE TABLE invoice_items ("
    "  approval_no TEXT NOT NULL,"
    "  line INTEGER NOT NULL,"
    "  date TEXT NOT NULL DEFAULT '',"
    "  name TEXT NOT NULL DEFAULT '',"
    "  spec TEXT NOT NULL DEFAULT '',"
    "  qty_milli BIGINT NOT NULL DEFAULT 0,"
    "  unit_price_krw BIGINT NOT NULL DEFAULT 0,"
    "  supply_krw BIGINT NOT NULL DEFAULT 0,"
    "  tax_krw BIGINT NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (approval_no, line)"
    ");"
    "CREATE TABLE kpis ("
    "  brn TEXT NOT NULL REFERENCES firms(brn),"
    "  month TEXT NOT NULL,"
    "  revenue_krw BIGINT NOT NULL,"
    "  production_krw BIGINT NOT NULL,"
    "  exports_krw BIGINT NOT NULL,"
    "  employees BIGINT NOT NULL,"
    "  upload_id BIGINT REFERENCES uploads(id),"
    "  PRIMARY KEY (brn, month)"
    ");"
    "CREATE TABLE consents ("
    "  brn TEXT PRIMARY KEY REFERENCES firms(brn),"
    "  scopes INTEGER NOT NULL,"
    "  updated_at TEXT NOT NULL"
    ");"
    "CREATE TABLE data_uses ("
    "  id BIGSERIAL PRIMARY KEY,"
    "  brn TEXT NOT NULL,"
    "  purpose TEXT NOT NULL,"
    "  computation TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  used_at TEXT NOT NULL"
    ");"
    "CREATE INDEX data_uses_brn ON data_uses(brn, id);"
    "CREATE TABLE firm_months ("
    "  brn TEXT NOT NULL,"
    "  month TEXT NOT NULL,"
    "  sales_krw BIGINT NOT NULL,"
    "  purchases_krw BIGINT NOT NULL,"
    "  cluster_purchases_krw BIGINT NOT NULL,"
    "  invoices_issued BIGINT NOT NULL,"
    "  invoices_received BIGINT NOT NULL,"
    "  PRIMARY KEY (brn, month)"
    ");"
    "CREATE TABLE event_secrets ("
    "  seq BIGINT PRIMARY KEY,"
    "  brn TEXT NOT NULL,"
    "  secret TEXT NOT NULL"
    ");";

/* 3: the ledger. tlog_nodes holds every complete subtree of the RFC 9162 tree over the events,
 * so a proof costs O(log n) reads; level-0 rows are the leaf hashes. */
#define M0003_COMMON(BIGINT, BLOB)                                                                 \
    "CREATE TABLE tlog_nodes ("                                                                    \
    "  level INTEGER NOT NULL,"                                                                    \
    "  idx " BIGINT " NOT NULL,"                                                                   \
    "  hash " BLOB " NOT NULL,"                                                                    \
    "  PRIMARY KEY (level, idx)"                                                                   \
    ")"
#define M0003_REST(BIGINT)                                                                         \
    "CREATE INDEX tlog_leaf_hash ON tlog_nodes(hash) WHERE level = 0;"                             \
    "CREATE TABLE checkpoints ("                                                                   \
    "  size " BIGINT " PRIMARY KEY,"                                                               \
    "  note TEXT NOT NULL,"                                                                        \
    "  created_at TEXT NOT NULL"                                                                   \
    ");"                                                                                           \
    "CREATE TABLE witnesses ("                                                                     \
    "  name TEXT PRIMARY KEY,"                                                                     \
    "  vkey TEXT NOT NULL"                                                                         \
    ");"                                                                                           \
    "CREATE TABLE cosignatures ("                                                                  \
    "  size " BIGINT " NOT NULL,"                                                                  \
    "  witness TEXT NOT NULL,"                                                                     \
    "  line TEXT NOT NULL,"                                                                        \
    "  PRIMARY KEY (size, witness)"                                                                \
    ");"
static const char m0003_sqlite[] =
    M0003_COMMON("INTEGER", "BLOB") " WITHOUT ROWID;" M0003_REST("INTEGER");
static const char m0003_postgres[] = M0003_COMMON("BIGINT", "BYTEA") ";" M0003_REST("BIGINT");

/* 4: the pool's firm indexes cover the rollup and list filters (month, 공급가액, the other
 * party, the link), so refreshing a firm's rollups after an upload reads only its own index
 * entries instead of one random invoice row per entry. Same names, same partial conditions. */
#define M0004_COMMON                                                                               \
    "DROP INDEX invoices_supplier;"                                                                \
    "CREATE INDEX invoices_supplier ON invoices(supplier_brn, month, supply_krw, supplier_upload) " \
    "WHERE supplier_upload IS NOT NULL;"                                                           \
    "DROP INDEX invoices_buyer;"                                                                   \
    "CREATE INDEX invoices_buyer ON invoices(buyer_brn, month, supplier_brn, supply_krw, "         \
    "buyer_upload) WHERE buyer_upload IS NOT NULL;"
static const char m0004_sqlite[] = M0004_COMMON;
static const char m0004_postgres[] = M0004_COMMON;

/* 5: invoices by row number. Every invoice gets an id in the order it arrives, the line items
 * are keyed by that id, and the approval number moves to a unique index of its own: an
 * upload's invoices and items are then appended at the end of their trees instead of being
 * written all over them (the keys of one firm's year are spread over the whole year), and
 * only the compact approval-number index takes random inserts. The new columns come last on
 * both engines (PostgreSQL adds them at the end), so that a row reads the same on both. */
#define M0005_INDEXES                                                                              \
    "CREATE UNIQUE INDEX invoices_approval ON invoices(approval_no);"                              \
    "CREATE INDEX invoices_supplier ON invoices(supplier_brn, month, supply_krw, supplier_upload) " \
    "WHERE supplier_upload IS NOT NULL;"                                                           \
    "CREATE INDEX invoices_buyer ON invoices(buyer_brn, month, supplier_brn, supply_krw, "         \
    "buyer_upload) WHERE buyer_upload IS NOT NULL;"
#define M0005_INVOICE_COLS                                                                         \
    "approval_no, written_on, month, issued_on, supplier_brn, supplier_branch, supplier_name, "    \
    "buyer_kind, buyer_brn, buyer_branch, buyer_name, total_krw, supply_krw, tax_krw, "            \
    "tax_exempt, amended, kind, receipt, items_complete, supplier_upload, buyer_upload"
#define M0005_ITEM_COLS "line, date, name, spec, qty_milli, unit_price_krw, supply_krw, tax_krw"
static const char m0005_sqlite[] =
    "CREATE TABLE invoices_v5 ("
    "  approval_no TEXT NOT NULL,"
    "  written_on TEXT NOT NULL,"
    "  month TEXT NOT NULL,"
    "  issued_on TEXT NOT NULL DEFAULT '',"
    "  supplier_brn TEXT NOT NULL,"
    "  supplier_branch TEXT NOT NULL DEFAULT '',"
    "  supplier_name TEXT NOT NULL DEFAULT '',"
    "  buyer_kind INTEGER NOT NULL DEFAULT 0,"
    "  buyer_brn TEXT NOT NULL DEFAULT '',"
    "  buyer_branch TEXT NOT NULL DEFAULT '',"
    "  buyer_name TEXT NOT NULL DEFAULT '',"
    "  total_krw INTEGER NOT NULL,"
    "  supply_krw INTEGER NOT NULL,"
    "  tax_krw INTEGER NOT NULL,"
    "  tax_exempt INTEGER NOT NULL DEFAULT 0,"
    "  amended INTEGER NOT NULL DEFAULT 0,"
    "  kind TEXT NOT NULL DEFAULT '',"
    "  receipt INTEGER NOT NULL DEFAULT 0,"
    "  items_complete INTEGER NOT NULL DEFAULT 0,"
    "  supplier_upload INTEGER REFERENCES uploads(id),"
    "  buyer_upload INTEGER REFERENCES uploads(id),"
    "  id INTEGER PRIMARY KEY"
    ");"
    "INSERT INTO invoices_v5(" M0005_INVOICE_COLS ") SELECT " M0005_INVOICE_COLS
    " FROM invoices ORDER BY approval_no;"
    "CREATE TABLE invoice_items_v5 ("
    "  line INTEGER NOT NULL,"
    "  date TEXT NOT NULL DEFAULT '',"
    "  name TEXT NOT NULL DEFAULT '',"
    "  spec TEXT NOT NULL DEFAULT '',"
    "  qty_milli INTEGER NOT NULL DEFAULT 0,"
    "  unit_price_krw INTEGER NOT NULL DEFAULT 0,"
    "  supply_krw INTEGER NOT NULL DEFAULT 0,"
    "  tax_krw INTEGER NOT NULL DEFAULT 0,"
    "  invoice_id INTEGER NOT NULL,"
    "  PRIMARY KEY (invoice_id, line)"
    ") WITHOUT ROWID;"
    "INSERT INTO invoice_items_v5(invoice_id, " M0005_ITEM_COLS ") SELECT i.id, it.line, it.date, "
    "it.name, it.spec, it.qty_milli, it.unit_price_krw, it.supply_krw, it.tax_krw "
    "FROM invoice_items it JOIN invoices_v5 i ON i.approval_no = it.approval_no;"
    "DROP TABLE invoice_items;"
    "DROP TABLE invoices;"
    "ALTER TABLE invoices_v5 RENAME TO invoices;"
    "ALTER TABLE invoice_items_v5 RENAME TO invoice_items;" M0005_INDEXES;
static const char m0005_postgres[] =
    "ALTER TABLE invoice_items DROP CONSTRAINT invoice_items_pkey;"
    "ALTER TABLE invoices DROP CONSTRAINT invoices_pkey;"
    "ALTER TABLE invoices ADD COLUMN id BIGSERIAL PRIMARY KEY;"
    "CREATE UNIQUE INDEX invoices_approval ON invoices(approval_no);"
    "ALTER TABLE invoice_items ADD COLUMN invoice_id BIGINT;"
    "UPDATE invoice_items it SET invoice_id = i.id FROM invoices i "
    "WHERE i.approval_no = it.approval_no;"
    "ALTER TABLE invoice_items DROP COLUMN approval_no;"
    "ALTER TABLE invoice_items ALTER COLUMN invoice_id SET NOT NULL;"
    "ALTER TABLE invoice_items ADD PRIMARY KEY (invoice_id, line);";

static const struct store__migration migrations[] = {
    {1, "registry, member register, users, tokens, events", m0001_sqlite, m0001_postgres},
    {2, "data pool: uploads, invoices, kpis, consent, data uses, rollups", m0002_sqlite,
     m0002_postgres},
    {3, "ledger: tree nodes, checkpoints, witnesses, cosignatures", m0003_sqlite, m0003_postgres},
    {4, "pool: covering firm indexes for rollups", m0004_sqlite, m0004_postgres},
    {5, "pool: invoices by row number, approval numbers in their own index", m0005_sqlite,
     m0005_postgres},
};

const struct store__migration *store__migrations(size_t *n)
{
    *n = sizeof(migrations) / sizeof(migrations[0]);
    return migrations;
}
