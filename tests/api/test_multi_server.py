# SPDX-License-Identifier: Apache-2.0
"""Two `dure serve` processes on one database behave as one service: what one writes the other
serves at once, and the ledger stays one log (one dense sequence of events, one signing key,
checkpoints that both tickers cut without ever cutting a size twice, each of them the root of
a prefix of the same leaves). This is the deployment of several API servers on one PostgreSQL
database (scripts/test-pg.sh); on SQLite it checks the same for two servers on one machine."""

import glob
import os
import threading
import time

import pytest

pytest.importorskip("nacl.signing")

from conftest import ON_PG, PASSWORD, Server, digits, dure, new_db, sql  # noqa: E402
from test_ledger import (leaf_hash, mth, note_verified_by, parse_checkpoint,  # noqa: E402
                         parse_note)

ROUNDS = 8
HAMMER_WRITES = 25


class Service:
    pass


@pytest.fixture(scope="module")
def service(generated, workdir):
    d = os.path.join(workdir, "multi")
    s = Service()
    s.db = new_db(d)
    s.gen = generated
    dure("init", "--db", s.db)
    for kind, path in (("buildings", generated.buildings_csv), ("firms", generated.firms_csv),
                       ("members", generated.members_csv)):
        dure("import", kind, path, "--db", s.db, "--quiet")
    s.admin = dure("token", "create", "--role", "admin", "--db", s.db).stdout.strip()
    s.member = generated.member_brns()[0]
    dure("user", "add", "mia", "--role", "member", "--firm", s.member, "--db", s.db,
         env={"DURE_PASSWORD": PASSWORD})
    # Two servers, the same database and (through $DURE_DATA_DIR or the database's directory)
    # the same ledger key file.
    s.a = Server(s.db)
    s.b = Server(s.db)
    try:
        yield s
    finally:
        for srv in (s.a, s.b):
            alive = srv.proc.poll() is None
            rc = srv.stop()
            assert alive and rc == 0, "\n".join(list(srv.log)[-30:])


def firm_brns(s):
    return s.gen.firm_brns()


def put_employees(client, token, brn, n):
    g = client.get("/api/v1/firms/" + brn)
    assert g.status == 200, g
    r = client.put("/api/v1/firms/" + brn, dict(g.body, employees=n), token=token)
    assert r.status == 200, r
    return r


def test_the_servers_share_one_key_and_one_store(service):
    s = service
    ka = s.a.client.get("/api/v1/ledger/key")
    kb = s.b.client.get("/api/v1/ledger/key")
    assert ka.status == kb.status == 200
    assert ka.body == kb.body
    for srv in (s.a, s.b):
        h = srv.client.get("/healthz").body
        assert h == {"status": "ok", "store": "postgres" if ON_PG else "sqlite"}, h


def test_a_session_opened_on_one_works_on_the_other(service):
    s = service
    r = s.a.client.post("/api/v1/session", {"username": "mia", "password": PASSWORD})
    assert r.status == 201, r
    cookie = "; ".join(v.split(";")[0] for v in r.headers.get_all("Set-Cookie") or [])
    assert cookie.startswith("dure_session="), r.headers
    me = s.b.client.get("/api/v1/me", cookie=cookie)
    assert me.status == 200, me
    assert s.b.client.delete("/api/v1/session", cookie=cookie).status in (200, 204)
    assert s.a.client.get("/api/v1/me", cookie=cookie).status == 401, "logged out on both"


def test_a_change_through_one_is_served_by_the_other_at_once(service):
    s = service
    brns = firm_brns(s)
    for i in range(ROUNDS):
        one, other = (s.a, s.b) if i % 2 == 0 else (s.b, s.a)
        brn = brns[i]
        put_employees(one.client, s.admin, brn, 1000 + i)
        # No wait: the other server reads the committed row on its next query.
        g = other.client.get("/api/v1/firms/" + brn)
        assert g.status == 200 and g.body["employees"] == 1000 + i, (i, g)


def test_an_upload_through_one_is_known_to_the_other(service):
    s = service
    files = sorted(glob.glob(os.path.join(s.gen.dir, "invoices", "*_issued.csv")))
    assert len(files) >= 2
    for i, path in enumerate(files[:2]):
        one, other = (s.a, s.b) if i % 2 == 0 else (s.b, s.a)
        brn = digits(os.path.basename(path).split("_")[0])
        body = open(path, "rb").read()
        q = "/api/v1/uploads?kind=invoices&firm=%s&filename=%s" % (brn, os.path.basename(path))
        r = one.client.post(q, body=body, token=s.admin, headers={"Content-Type": "text/csv"})
        assert r.status == 201, r
        u = r.body["upload"]
        listed = other.client.get("/api/v1/uploads?firm=" + brn, token=s.admin)
        assert listed.status == 200
        assert [x["id"] for x in listed.body["items"]] == [u["id"]], listed.body
        # The same bytes again through the other server: it knows the file already.
        again = other.client.post(q, body=body, token=s.admin,
                                  headers={"Content-Type": "text/csv"})
        assert again.status == 200 and again.body["already"] is True, again
        assert again.body["upload"]["id"] == u["id"]
        inv = other.client.get("/api/v1/invoices?limit=5&firm=" + brn, token=s.admin)
        assert inv.status == 200 and inv.body["items"], inv


def test_concurrent_writers_on_both_servers_keep_one_log(service):
    """Both servers written at once while both tickers cut checkpoints."""
    s = service
    brns = firm_brns(s)[20:20 + 2 * HAMMER_WRITES]
    failures = []

    def hammer(srv, offset):
        try:
            for k in range(HAMMER_WRITES):
                put_employees(srv.client, s.admin, brns[(2 * k + offset) % len(brns)],
                              2000 + 2 * k + offset)
                time.sleep(0.12)  # over 3 s: both tickers cut several times
        except AssertionError as e:  # reported below, in the test's thread
            failures.append(e)

    threads = [threading.Thread(target=hammer, args=(srv, off))
               for srv, off in ((s.a, 0), (s.b, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures[0]


def wait_settled(s, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while True:
        sa = s.a.client.get("/api/v1/ledger/status").body
        sb = s.b.client.get("/api/v1/ledger/status").body
        if sa["checkpoint_size"] == sa["size"] and sa == sb:
            return sa
        assert time.monotonic() < deadline, (sa, sb)
        time.sleep(0.1)


def test_one_dense_log_and_checkpoints_that_agree(service):
    s = service
    st = wait_settled(s)
    n = st["size"]
    seqs = [r[0] for r in sql(s.db, "SELECT seq FROM events ORDER BY seq")]
    assert seqs == list(range(n)), "one dense sequence, no gap, no duplicate"

    # Both serve the same latest checkpoint, signed by the one key.
    na = s.a.client.get("/api/v1/ledger/checkpoint").body
    nb = s.b.client.get("/api/v1/ledger/checkpoint").body
    assert na == nb
    vkey = s.a.client.get("/api/v1/ledger/key").body.strip()

    # Every checkpoint either ticker cut is signed by that key and is the root of a prefix
    # of the same leaves: they are all consistent with each other.
    leaves = [bytes(r[0]) for r in sql(s.db, "SELECT leaf FROM events ORDER BY seq")]
    hashes = [leaf_hash(x) for x in leaves]
    rows = sql(s.db, "SELECT size, note FROM checkpoints ORDER BY size")
    assert len(rows) >= 3, "the tickers cut several checkpoints while the writes went on"
    sizes = [r[0] for r in rows]
    assert len(sizes) == len(set(sizes)) and sizes[-1] == n
    for size, note in rows:
        assert note_verified_by(note, vkey), size
        _, signed_size, root = parse_checkpoint(parse_note(note)[0])
        assert signed_size == size
        assert root == mth(hashes[:size]), "checkpoint %d is not a prefix of the log" % size

    # Nothing went wrong in either ticker (a second cut of one size would have been refused
    # by the database and logged).
    for srv in (s.a, s.b):
        errors = [line for line in srv.log if "level=error" in line]
        assert not errors, errors

    p = dure("ledger", "verify", "--db", s.db)
    assert p.stdout.strip() == "ok: %d leaves, checkpoint of size %d verified" % (n, n), p.stdout
