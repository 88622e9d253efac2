# SPDX-License-Identifier: Apache-2.0
"""Fixtures of the CLI and API tests: a synthetic G-Valley generated once, a database with
its registers imported and tokens for every role, a real `dure serve` on a free loopback port,
and a fresh database directory per CLI test. Only the standard library is used."""

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

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DURE_BIN = os.path.abspath(os.environ.get("DURE_BIN", os.path.join(ROOT, "build", "dure")))

SEED = 7
SCALE = "0.05"
PASSWORD = "correct horse battery staple"
USERNAME = "alice"
CMD_TIMEOUT_S = 60


# ---- running the binary ----

def dure(*args, env=None, check=True, input=None, timeout=CMD_TIMEOUT_S, cwd=None):
    """Run `dure ARGS`; returns the CompletedProcess (text mode). check=True fails the test
    with the command's stderr when it exits non-zero."""
    full_env = dict(os.environ)
    full_env.pop("DURE_DB", None)
    full_env.pop("DURE_PASSWORD", None)
    if env:
        full_env.update(env)
    p = subprocess.run([DURE_BIN, *[str(a) for a in args]], capture_output=True, text=True,
                       env=full_env, input=input, timeout=timeout, cwd=cwd)
    if check and p.returncode != 0:
        pytest.fail("dure %s exited %d\nstdout: %s\nstderr: %s"
                    % (" ".join(str(a) for a in args), p.returncode, p.stdout[-2000:],
                       p.stderr[-2000:]))
    return p


def sql(db, query, params=()):
    """Run one query on a dure SQLite database and return all rows."""
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute(query, params).fetchall()
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
    db = os.path.join(workdir, "api", "dure.db")
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
        self.db = os.path.join(d, "dure.db")

    def cli(self, *args, **kw):
        return dure(*args, "--db", self.db, **kw)

    def path(self, name):
        return os.path.join(self.dir, name)

    def count(self, table):
        return sql_scalar(self.db, "SELECT count(*) FROM %s" % table)


@pytest.fixture
def fresh_db(dure_bin):
    with tempfile.TemporaryDirectory(prefix="dure-cli-") as d:
        yield FreshDb(d)
