# SPDX-License-Identifier: Apache-2.0
"""Fixtures of the CLI and API tests: a synthetic G-Valley generated once, a database with
its registers imported and tokens for every role, a real `dure serve` on a free loopback port,
and a fresh database directory per CLI test. Only the standard library is used.

With $DURE_TEST_DB_URL set (scripts/test-pg.sh sets it to a throwaway cluster), every database
the fixtures make is a fresh PostgreSQL database on that cluster instead of a SQLite file:
new_db() creates one (dure_t_<random>, its ledger key in the test's directory, found through
$DURE_DATA_DIR, which dure() and Server set), and it is dropped on teardown. sql() reads either
store (through psql on PostgreSQL)."""

import csv
import http.client
import json
import os
import select
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import collections
import secrets
import urllib.parse

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DURE_BIN = os.path.abspath(os.environ.get("DURE_BIN", os.path.join(ROOT, "build", "dure")))

SEED = 7
SCALE = "0.05"
PASSWORD = "correct horse battery staple"
USERNAME = "alice"
CMD_TIMEOUT_S = 60

# The PostgreSQL cluster the databases of this run live on, or None for SQLite files.
TEST_DB_URL = os.environ.get("DURE_TEST_DB_URL") or None
ON_PG = TEST_DB_URL is not None
PSQL = shutil.which("psql") or "/usr/bin/psql"


# ---- databases: a SQLite file, or a PostgreSQL database of its own ----

_pg_dirs = {}  # URL of each database new_db made -> the directory of its ledger key


def is_url(db):
    return "://" in str(db)


def _with_dbname(url, name):
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def _admin_url():
    """The cluster's maintenance database, to create and drop test databases from."""
    return _with_dbname(TEST_DB_URL, "postgres")


def psql(url, command, check=True):
    """Run one psql command on url; returns stdout (unaligned, tuples only)."""
    p = subprocess.run([PSQL, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url,
                        "-c", command], capture_output=True, text=True, timeout=CMD_TIMEOUT_S)
    if check and p.returncode != 0:
        raise RuntimeError("psql %r: %s" % (command[:200], p.stderr.strip()))
    return p.stdout


def new_db(directory, name="dure.db"):
    """A database for a test: the path directory/name (SQLite), or under $DURE_TEST_DB_URL a
    new, empty PostgreSQL database whose ledger key lives in directory."""
    os.makedirs(directory, exist_ok=True)
    if not ON_PG:
        return os.path.join(directory, name)
    dbname = "dure_t_" + secrets.token_hex(6)
    psql(_admin_url(), "CREATE DATABASE %s" % dbname)
    url = _with_dbname(TEST_DB_URL, dbname)
    _pg_dirs[url] = os.path.abspath(directory)
    return url


def drop_db(db):
    """Drop a PostgreSQL database made by new_db (its sessions ended first); no-op for SQLite."""
    if is_url(db) and db in _pg_dirs:
        name = urllib.parse.urlsplit(db).path.lstrip("/")
        psql(_admin_url(), "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name, check=False)
        del _pg_dirs[db]


def key_path(db):
    """Where dure keeps the ledger key of db."""
    if is_url(db):
        return os.path.join(_pg_dirs.get(db, "var"), "ledger.key")
    return os.path.join(os.path.dirname(db), "ledger.key")


def db_env(db, env=None):
    """The environment additions for a dure process on db: $DURE_DATA_DIR for a server URL."""
    out = dict(env or {})
    if is_url(db) and db in _pg_dirs:
        out.setdefault("DURE_DATA_DIR", _pg_dirs[db])
    return out


def clone_db(src, directory):
    """A copy of database src (and its ledger key) in directory: `dure backup` on SQLite,
    `dure migrate-store` into a new database on PostgreSQL. Returns the copy's db."""
    if not is_url(src):
        os.makedirs(directory, exist_ok=True)
        dst = os.path.join(directory, "dure.db")
        dure("backup", dst, "--db", src)
    else:
        dst = new_db(directory)
        dure("migrate-store", "--from", src, "--to", dst, "--quiet")
    if os.path.exists(key_path(src)) and not os.path.exists(key_path(dst)):
        shutil.copyfile(key_path(src), key_path(dst))
        os.chmod(key_path(dst), 0o600)
    return dst


def db_bytes(db):
    """Everything stored for db as bytes: the SQLite file with its WAL, or a pg_dump."""
    if is_url(db):
        p = subprocess.run([shutil.which("pg_dump") or "/usr/bin/pg_dump", "-d", db],
                           capture_output=True, timeout=CMD_TIMEOUT_S, check=True)
        return p.stdout
    out = b""
    d = os.path.dirname(db)
    for name in os.listdir(d):
        if name.startswith(os.path.basename(db)):
            with open(os.path.join(d, name), "rb") as f:
                out += f.read()
    return out


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases():
    """Drop the PostgreSQL databases that tests made and left behind."""
    yield
    for url in list(_pg_dirs):
        drop_db(url)


# ---- running the binary ----

def dure(*args, env=None, check=True, input=None, timeout=CMD_TIMEOUT_S, cwd=None):
    """Run `dure ARGS`; returns the CompletedProcess (text mode). check=True fails the test
    with the command's stderr when it exits non-zero."""
    full_env = dict(os.environ)
    full_env.pop("DURE_DB", None)
    full_env.pop("DURE_PASSWORD", None)
    if env:
        full_env.update(env)
    # A PostgreSQL database's ledger key is found through $DURE_DATA_DIR: the directory of
    # the database named by --db (or $DURE_DB), else by --to or --from (migrate-store).
    strs = [str(a) for a in args]
    for opt in ("--db", "--to", "--from"):
        db = strs[strs.index(opt) + 1] if opt in strs[:-1] else None
        if opt == "--db" and db is None:
            db = full_env.get("DURE_DB")
        if db and db in _pg_dirs:
            full_env.update(db_env(db, {k: v for k, v in (env or {}).items()
                                        if k == "DURE_DATA_DIR"}))
            break
    p = subprocess.run([DURE_BIN, *[str(a) for a in args]], capture_output=True, text=True,
                       env=full_env, input=input, timeout=timeout, cwd=cwd)
    if check and p.returncode != 0:
        pytest.fail("dure %s exited %d\nstdout: %s\nstderr: %s"
                    % (" ".join(str(a) for a in args), p.returncode, p.stdout[-2000:],
                       p.stderr[-2000:]))
    return p


def _pg_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "'\\x%s'::bytea" % bytes(v).hex()
    return "'%s'" % str(v).replace("'", "''")


def _pg_query(query, params):
    """query with each ? replaced by the literal of the next parameter."""
    parts = query.split("?")
    assert len(parts) == len(params) + 1, "one parameter per ? in %r" % query
    out = parts[0]
    for v, rest in zip(params, parts[1:]):
        out += _pg_literal(v) + rest
    return out


def _pg_value(v):
    # bytea comes back from row_to_json as "\\x<hex>": bytes, as sqlite3 gives for a BLOB.
    if isinstance(v, str) and v.startswith("\\x") and all(c in "0123456789abcdef" for c in v[2:]):
        return bytes.fromhex(v[2:])
    return v


def sql(db, query, params=()):
    """Run one query on a dure database (SQLite file or PostgreSQL URL) and return all rows
    as tuples. Parameters are ?-placeholders on both."""
    if is_url(db):
        q = _pg_query(query, params)
        if not q.lstrip().upper().startswith(("SELECT", "WITH")):
            psql(db, q)
            return []
        out = psql(db, "SELECT row_to_json(t) FROM (%s) t" % q)
        return [tuple(_pg_value(v) for _, v in json.loads(line, object_pairs_hook=list))
                for line in out.splitlines() if line]
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute(query, params).fetchall()
    finally:
        con.close()


def sql_exec(db, query, params=()):
    """Run one changing statement (UPDATE, DELETE ...) on a dure database and commit it."""
    if is_url(db):
        psql(db, _pg_query(query, params))
        return
    con = sqlite3.connect(db, timeout=10)
    try:
        con.execute(query, params)
        con.commit()
    finally:
        con.close()


def sql_scalar(db, query, params=()):
    return sql(db, query, params)[0][0]


# ---- BRNs ----

def brn_check_digit(d9):
    """The check digit of the first nine digits of a 사업자등록번호."""
    w = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    s = sum(int(d9[i]) * w[i] for i in range(9))
    s += (int(d9[8]) * 5) // 10
    return (10 - s % 10) % 10


def make_brn(n, taken=()):
    """A valid BRN (10 digits) derived from n that is not in taken."""
    while True:
        d9 = "%03d%02d%04d" % (101 + n % 800, 10 + n % 89, 1 + n % 9999)
        brn = d9 + str(brn_check_digit(d9))
        if brn not in taken:
            return brn
        n += 7919


def fmt_brn(brn):
    return "%s-%s-%s" % (brn[:3], brn[3:5], brn[5:])


def digits(s):
    return "".join(c for c in s if c.isdigit())


# ---- the generated cluster ----

def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


class Generated:
    """The output of `dure gen --seed 7 --scale 0.05`, parsed."""

    def __init__(self, out_dir):
        self.dir = out_dir
        self.buildings_csv = os.path.join(out_dir, "buildings.csv")
        self.firms_csv = os.path.join(out_dir, "firms.csv")
        self.members_csv = os.path.join(out_dir, "members.csv")
        self.buildings_header, self.buildings = read_csv(self.buildings_csv)
        self.firms_header, self.firms = read_csv(self.firms_csv)
        self.members_header, self.members = read_csv(self.members_csv)

    def firm_col(self, name):
        return self.firms_header.index(name)

    def firm_dicts(self):
        return [dict(zip(self.firms_header, r)) for r in self.firms]

    def firm_brns(self):
        i = self.firm_col("사업자등록번호")
        return [digits(r[i]) for r in self.firms]

    def member_brns(self):
        i = self.members_header.index("사업자등록번호")
        return [digits(r[i]) for r in self.members]


@pytest.fixture(scope="session")
def dure_bin():
    if not os.access(DURE_BIN, os.X_OK):
        pytest.exit("DURE_BIN %s is not an executable; build first" % DURE_BIN, returncode=2)
    return DURE_BIN


@pytest.fixture(scope="session")
def workdir():
    d = tempfile.mkdtemp(prefix="dure-tests-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def generated(dure_bin, workdir):
    out = os.path.join(workdir, "gen")
    dure("gen", "--seed", SEED, "--out", out, "--scale", SCALE)
    g = Generated(out)
    assert len(g.firms) > 100, "scale %s should give a few hundred firms" % SCALE
    assert len(g.members) >= 4
    return g


class Cluster:
    """A database with the generated registers and a token for every role."""

    def __init__(self, gen, db):
        self.gen = gen
        self.db = db
        self.tokens = {}
        self.member_brns = []
        self.username = USERNAME
        self.password = PASSWORD

    def cli(self, *args, **kw):
        return dure(*args, "--db", self.db, **kw)

    def token(self, role, firm=None):
        args = ["token", "create", "--role", role]
        if firm:
            args += ["--firm", firm]
        tok = self.cli(*args).stdout.strip()
        assert tok and "\n" not in tok and " " not in tok, "one token on stdout: %r" % tok
        return tok


@pytest.fixture(scope="session")
def cluster(generated, workdir):
    db = new_db(os.path.join(workdir, "api"))
    c = Cluster(generated, db)
    c.cli("init")
    for kind, path in (("buildings", generated.buildings_csv), ("firms", generated.firms_csv),
                       ("members", generated.members_csv)):
        c.cli("import", kind, path, "--quiet")
    members = generated.member_brns()
    c.member_brns = [members[0], members[1]]
    c.tokens["admin"] = c.token("admin")
    c.tokens["member"] = c.token("member", c.member_brns[0])
    c.tokens["member2"] = c.token("member", c.member_brns[1])
    c.tokens["supplier"] = c.token("supplier")
    c.tokens["witness"] = c.token("witness")
    assert len(set(c.tokens.values())) == len(c.tokens)
    c.cli("user", "add", USERNAME, "--role", "member", "--firm", c.member_brns[0],
          env={"DURE_PASSWORD": PASSWORD})
    return c


# ---- the server ----

class Response(tuple):
    """(status, headers, body): body is the parsed JSON for a JSON content type, else text.
    Also .status, .headers (case-insensitive .get), .body, .raw (bytes), .ctype."""

    def __new__(cls, status, headers, body, raw):
        self = tuple.__new__(cls, (status, headers, body))
        self.status = status
        self.headers = headers
        self.body = body
        self.raw = raw
        self.ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        return self

    def __repr__(self):
        return "Response(%d, %s, %r)" % (self.status, self.ctype, self.raw[:300])


class Client:
    """A small HTTP client for the server under test: one connection per request."""

    def __init__(self, host, port, timeout=10):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.base = "http://%s:%d" % (host, port)

    def request(self, method, path, body=None, token=None, headers=None, cookie=None):
        h = {}
        if token is not None:
            h["Authorization"] = "Bearer " + token
        if cookie is not None:
            h["Cookie"] = cookie
        data = None
        if body is not None:
            if isinstance(body, (bytes, bytearray)):
                data = bytes(body)
            elif isinstance(body, str):
                data = body.encode("utf-8")
            else:
                data = json.dumps(body).encode("utf-8")
                h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            raw = r.read()
            status, hdrs = r.status, r.headers
        finally:
            conn.close()
        ctype = (hdrs.get("Content-Type") or "").lower()
        parsed = raw.decode("utf-8", errors="replace")
        if "json" in ctype and raw:
            parsed = json.loads(raw)
        return Response(status, hdrs, parsed, raw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)


class Server:
    """A running `dure serve`; its stderr is drained by a thread into .log (last lines)."""

    def __init__(self, db, threads=2):
        self.log = collections.deque(maxlen=2000)
        env = dict(os.environ)
        env.pop("DURE_DB", None)
        env.update(db_env(db))
        self.proc = subprocess.Popen(
            [DURE_BIN, "serve", "--db", db, "--listen", "127.0.0.1:0", "--threads", str(threads)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        self.port = self._wait_listening(10.0)
        self._drain = threading.Thread(target=self._drain_stderr, daemon=True)
        self._drain.start()
        self.client = Client("127.0.0.1", self.port)

    def _wait_listening(self, timeout_s):
        deadline = time.monotonic() + timeout_s
        fd = self.proc.stderr.fileno()
        pending = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                text = line.decode("utf-8", errors="replace")
                self.log.append(text)
                for word in text.split():
                    if word.startswith("listening="):
                        addr = word[len("listening="):].strip('"')
                        host, _, port = addr.rpartition(":")
                        assert host == "127.0.0.1", text
                        self._rest = pending
                        return int(port)
        self.proc.kill()
        self.proc.wait()
        raise RuntimeError("dure serve did not report listening=127.0.0.1:PORT within %.0f s; "
                           "exit %s; stderr:\n%s" % (timeout_s, self.proc.returncode,
                                                     "\n".join(self.log)))

    def _drain_stderr(self):
        fd = self.proc.stderr.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            for line in chunk.decode("utf-8", errors="replace").splitlines():
                self.log.append(line)

    def stop(self, timeout_s=10.0):
        """SIGTERM and wait; returns the exit status (None if it had to be killed)."""
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        finally:
            self._drain.join(timeout=2)


@pytest.fixture(scope="session")
def server(cluster):
    srv = Server(cluster.db)
    try:
        yield srv
    finally:
        alive = srv.proc.poll() is None
        rc = srv.stop()
    assert alive, "dure serve died during the tests (exit %s)\n%s" % (
        srv.proc.returncode, "\n".join(list(srv.log)[-30:]))
    assert rc == 0, "dure serve should exit 0 within 10 s of SIGTERM, got %r\n%s" % (
        rc, "\n".join(list(srv.log)[-30:]))


@pytest.fixture(scope="session")
def client(server):
    return server.client


# ---- CLI tests ----

class FreshDb:
    """An empty directory for one CLI test; .db is a database path in it (not yet created)."""

    def __init__(self, d):
        self.dir = d
        self.db = new_db(d)

    def cli(self, *args, **kw):
        return dure(*args, "--db", self.db, **kw)

    def path(self, name):
        return os.path.join(self.dir, name)

    def count(self, table):
        return sql_scalar(self.db, "SELECT count(*) FROM %s" % table)


@pytest.fixture
def fresh_db(dure_bin):
    with tempfile.TemporaryDirectory(prefix="dure-cli-") as d:
        f = FreshDb(d)
        try:
            yield f
        finally:
            drop_db(f.db)
