# SPDX-License-Identifier: Apache-2.0
"""dure migrate-store: a SQLite cooperative with something in every table (registers, users,
tokens, sessions, uploads, invoices, KPIs, consent, the ledger with a witness cosignature) is
copied into an empty database and back, row for row, and its ledger verifies on the copy as on
the original. The target is a PostgreSQL database under $DURE_TEST_DB_URL (scripts/test-pg.sh),
else another SQLite file. Bad input is refused with one line and leaves the target as it was."""

import glob
import json
import os
import shutil
import time
import urllib.parse

import pytest

pytest.importorskip("nacl.signing")

from conftest import (ON_PG, PASSWORD, TEST_DB_URL, Server, dure, key_path,  # noqa: E402
                      new_db, sql, sql_exec)
from test_ledger import cosign_line, parse_note, witness_key  # noqa: E402

# What the copy carries, in the order of src/store/store.c, with the key that orders each.
TABLES = [("buildings", "id"), ("firms", "brn"), ("members", "brn"), ("users", "id"),
          ("user_firms", "user_id, brn"), ("tokens", "id"), ("sessions", "hash"),
          ("events", "seq"), ("uploads", "id"), ("invoices", "id"),
          ("invoice_items", "invoice_id, line"), ("kpis", "brn, month"), ("consents", "brn"),
          ("data_uses", "id"), ("firm_months", "brn, month"), ("event_secrets", "seq"),
          ("tlog_nodes", "level, idx"), ("checkpoints", "size"), ("witnesses", "name"),
          ("cosignatures", "size, witness")]


def table_names(db):
    if "://" in db:
        q = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    else:
        q = "SELECT name FROM sqlite_master WHERE type = 'table'"
    return sorted(r[0] for r in sql(db, q))


def norm(v):
    # A number is a number on both engines (PostgreSQL's JSON writes 2.0 as 2).
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return v


def dump(db, table, key):
    return [tuple(norm(v) for v in row)
            for row in sql(db, "SELECT * FROM %s ORDER BY %s" % (table, key))]


def assert_same(a, b):
    for table, key in TABLES:
        da, db_ = dump(a, table, key), dump(b, table, key)
        assert len(da) == len(db_), (table, len(da), len(db_))
        assert da == db_, table


def migrate(src, dst, *extra, check=True):
    return dure("migrate-store", "--from", src, "--to", dst, *extra, check=check)


def one_line_error(p, *words):
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dure: "), p.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def empty_everywhere(db):
    names = table_names(db)
    return all(sql(db, "SELECT count(*) FROM %s" % t)[0][0] == 0
               for t, _ in TABLES if t in names)


@pytest.fixture(scope="module")
def source(generated, workdir):
    """Always a SQLite file: the cooperative that moves."""
    d = os.path.join(workdir, "migrate", "src")
    os.makedirs(d)
    db = os.path.join(d, "dure.db")

    def cli(*args, **kw):
        return dure(*args, "--db", db, **kw)

    cli("init")
    for kind, path in (("buildings", generated.buildings_csv), ("firms", generated.firms_csv),
                       ("members", generated.members_csv)):
        cli("import", kind, path, "--quiet")
    member = generated.member_brns()[0]
    admin = cli("token", "create", "--role", "admin").stdout.strip()
    mtok = cli("token", "create", "--role", "member", "--firm", member).stdout.strip()
    wtok = cli("token", "create", "--role", "witness").stdout.strip()
    cli("token", "create", "--role", "supplier")
    cli("token", "revoke", "4")
    cli("user", "add", "alice", "--role", "member", "--firm", member,
        env={"DURE_PASSWORD": PASSWORD})
    files = sorted(glob.glob(os.path.join(generated.dir, "invoices", "*.csv")))[:6]
    cli("import", "invoices", *files, "--quiet")
    cli("import", "kpis", os.path.join(generated.dir, "kpis.csv"), "--quiet")
    srv = Server(db)
    try:
        c = srv.client
        assert c.post("/api/v1/session", {"username": "alice", "password": PASSWORD}).status == 201
        r = c.put("/api/v1/firms/%s/consent" % member,
                  {"scopes": {"statistics": True, "benchmarking": True, "purchasing": False,
                              "matching": False}}, token=mtok)
        assert r.status == 200, r
        name = "witness.migrate.test/w"
        sk, kid, vkey = witness_key(name)
        assert c.post("/api/v1/ledger/witnesses", {"vkey": vkey}, token=admin).status == 201
        deadline = time.monotonic() + 5
        while True:
            st = c.get("/api/v1/ledger/status").body
            if st["checkpoint_size"] == st["size"]:
                break
            assert time.monotonic() < deadline, st
            time.sleep(0.1)
        note = c.get("/api/v1/ledger/checkpoint").body
        body, _ = parse_note(note)
        r = c.post("/api/v1/ledger/cosignatures", note + cosign_line(sk, kid, name, body),
                   token=wtok)
        assert r.status == 200, r
    finally:
        assert srv.stop() == 0, "\n".join(srv.log)
    for table, _ in TABLES:
        if table != "data_uses":  # nothing records a data use yet
            assert sql(db, "SELECT count(*) FROM %s" % table)[0][0] > 0, table
    assert sorted([t for t, _ in TABLES] + ["schema_migrations"]) == table_names(db), \
        "TABLES (and src/store/store.c) list every table"
    return {"db": db, "admin": admin, "member": mtok, "brn": member}


@pytest.fixture(scope="module")
def copied(source, workdir):
    dst = new_db(os.path.join(workdir, "migrate", "dst"))
    p = migrate(source["db"], dst)
    return {"db": dst, "p": p}


def test_copies_every_row_with_progress(source, copied):
    p = copied["p"]
    done = [line.split()[2] for line in p.stderr.splitlines() if line.startswith("dure: copied ")]
    assert done == [t for t, _ in TABLES], p.stderr
    assert "copied 20 tables" in p.stdout and "verified" in p.stdout, p.stdout
    assert_same(source["db"], copied["db"])
    js = json.loads(dure("init", "--json", "--db", copied["db"]).stdout)
    assert js["store"] == ("postgres" if ON_PG else "sqlite")
    assert js["schema_version"] == json.loads(
        dure("init", "--json", "--db", source["db"]).stdout)["schema_version"]


def test_the_ledger_verifies_identically(source, copied):
    src, dst = source["db"], copied["db"]
    with open(key_path(src), "rb") as a, open(key_path(dst), "rb") as b:
        assert a.read() == b.read(), "the signing key came along"
    assert oct(os.stat(key_path(dst)).st_mode & 0o777) == "0o600"
    va, vb = dure("ledger", "verify", "--db", src), dure("ledger", "verify", "--db", dst)
    assert va.stdout == vb.stdout and va.stdout.startswith("ok: "), (va.stdout, vb.stdout)
    assert dure("ledger", "checkpoint", "--db", src).stdout == \
        dure("ledger", "checkpoint", "--db", dst).stdout, "the same note and cosignature"
    assert dure("ledger", "entries", 0, 1000, "--db", src).stdout == \
        dure("ledger", "entries", 0, 1000, "--db", dst).stdout


def test_the_copy_is_a_working_cooperative(source, copied):
    dst = copied["db"]
    n = sql(dst, "SELECT count(*) FROM events")[0][0]
    srv = Server(dst)
    try:
        c = srv.client
        # password hashes and token hashes came along
        assert c.post("/api/v1/session", {"username": "alice", "password": PASSWORD}).status == 201
        me = c.get("/api/v1/me", token=source["member"])
        assert me.status == 200, me
        # new rows get new ids (the sequences moved past the copied ones) and the next event
        # number follows the copied log
        tok = dure("token", "create", "--role", "supplier", "--db", dst).stdout.strip()
        assert c.get("/api/v1/me", token=tok).status == 200
        ids = [t["id"] for t in json.loads(dure("token", "list", "--json", "--db",
                                                 dst).stdout)["items"]]
        assert len(ids) == len(set(ids)) == 5 and max(ids) == 5, ids
        assert [r[0] for r in sql(dst, "SELECT seq FROM events ORDER BY seq")] == \
            list(range(n + 1))
    finally:
        assert srv.stop() == 0, "\n".join(srv.log)
    assert dure("ledger", "verify", "--db", dst).stdout.startswith("ok: %d leaves" % (n + 1))


def test_back_to_sqlite(source, copied, workdir):
    """The other direction: from the copy (PostgreSQL under test-pg.sh) to a new SQLite file,
    which then equals the original but for what the previous test added."""
    back = os.path.join(workdir, "migrate", "back", "dure.db")
    migrate(copied["db"], back, "--quiet")
    assert os.path.exists(back)
    for table, key in TABLES:
        a, b = dump(copied["db"], table, key), dump(back, table, key)
        assert a == b, table
    assert dure("ledger", "verify", "--db", back).stdout == \
        dure("ledger", "verify", "--db", copied["db"]).stdout


def test_refuses_a_non_empty_target(source, copied):
    before = {t: dump(copied["db"], t, k) for t, k in TABLES}
    line = one_line_error(migrate(source["db"], copied["db"], check=False), "not empty")
    assert "target" in line
    assert before == {t: dump(copied["db"], t, k) for t, k in TABLES}


def test_a_failure_half_way_leaves_nothing(source, workdir):
    """The last tables cannot be written: everything before them is rolled back too."""
    dst = new_db(os.path.join(workdir, "migrate", "half"))
    dure("init", "--db", dst)
    os.remove(key_path(dst))  # init made a key of its own; the copy brings the source's
    if ON_PG:
        sql_exec(dst, "ALTER TABLE checkpoints ADD CONSTRAINT no_rows CHECK (size < 0)")
    else:
        sql_exec(dst, "CREATE TRIGGER no_rows BEFORE INSERT ON checkpoints "
                      "BEGIN SELECT RAISE(ABORT, 'no rows here'); END")
    p = migrate(source["db"], dst, "--quiet", check=False)
    one_line_error(p, "checkpoints")
    assert empty_everywhere(dst)
    p = migrate(source["db"], dst, check=False)
    assert p.returncode == 1
    assert [line.split()[2] for line in p.stderr.splitlines()
            if line.startswith("dure: copied ")][-1] == "tlog_nodes", "progress up to the failure"
    assert empty_everywhere(dst)


def write_newer_schema(db):
    sql_exec(db, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                 "name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    sql_exec(db, "INSERT INTO schema_migrations VALUES (99, 'from the future', "
                 "'2030-01-01T00:00:00Z')")


def test_refuses_a_target_with_a_newer_schema(source, workdir):
    dst = new_db(os.path.join(workdir, "migrate", "newer-target"))
    write_newer_schema(dst)
    one_line_error(migrate(source["db"], dst, "--quiet", check=False), "target", "newer", "99")
    assert table_names(dst) == ["schema_migrations"], "nothing was created"


def test_refuses_a_source_with_a_newer_schema_or_an_unknown_table(source, workdir):
    for what in ("newer", "table"):
        d = os.path.join(workdir, "migrate", "bad-source-" + what)
        os.makedirs(d)
        src = os.path.join(d, "dure.db")
        dure("backup", src, "--db", source["db"])
        shutil.copyfile(key_path(source["db"]), key_path(src))
        os.chmod(key_path(src), 0o600)
        if what == "newer":
            sql_exec(src, "INSERT INTO schema_migrations VALUES (99, 'from the future', "
                          "'2030-01-01T00:00:00Z')")
        else:
            sql_exec(src, "CREATE TABLE extra (x INTEGER)")
        dst = new_db(os.path.join(d, "dst"))
        line = one_line_error(migrate(src, dst, "--quiet", check=False), "source")
        assert ("newer" in line) if what == "newer" else ("extra" in line), line
        if ON_PG:
            assert table_names(dst) == []
        else:
            assert not os.path.exists(dst)


def test_refuses_a_missing_source_or_the_same_database(source, workdir):
    d = os.path.join(workdir, "migrate", "missing")
    one_line_error(migrate(os.path.join(d, "nope.db"), os.path.join(d, "to.db"), check=False),
                   "source", "no database")
    assert not os.path.exists(os.path.join(d, "nope.db"))
    one_line_error(migrate(source["db"], source["db"], check=False), "same database")


def test_an_unreachable_server_is_one_line_without_the_password(source, workdir):
    url = "postgres://dure:s3cret-pw@127.0.0.1:1/dure?connect_timeout=2"
    line = one_line_error(migrate(source["db"], url, check=False), "target", "connect")
    assert "s3cret-pw" not in line


@pytest.mark.skipif(not ON_PG, reason="needs a PostgreSQL server ($DURE_TEST_DB_URL)")
def test_wrong_database_or_credentials_are_one_line(source):
    u = urllib.parse.urlsplit(TEST_DB_URL)
    missing_db = urllib.parse.urlunsplit((u.scheme, u.netloc, "/dure_t_does_not_exist", "", ""))
    one_line_error(migrate(source["db"], missing_db, check=False), "target", "does not exist")
    host = u.netloc.rpartition("@")[2]
    stranger = "postgres://nobody:s3cret-pw@%s/postgres" % host
    line = one_line_error(migrate(source["db"], stranger, check=False), "target", "nobody")
    assert "s3cret-pw" not in line
