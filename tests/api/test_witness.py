# SPDX-License-Identifier: Apache-2.0
"""Witnesses of the ledger (c2sp.org/tlog-witness, cosignature/v1): `dure witness keygen`,
`dure witness poll` against a real `dure serve`, `dure witness serve` answering add-checkpoint
requests built by hand from two logs that share a signing key (a fork), and `dure serve
--witness` pushing each new checkpoint to a running witness. Every test here sets up its own
databases and servers, so the shared fixture server's ledger is left alone."""

import base64
import collections
import hashlib
import json
import os
import re
import select
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import DURE_BIN, Client, Server, db_env, dure, new_db

EM_DASH = "\u2014"
WAIT_S = 15.0


# ---- helpers ----

def b64d(s):
    return base64.b64decode(s, validate=True)


def split_note(note):
    """(text, [(name, raw signature bytes)]) of a signed note."""
    assert note.endswith("\n"), note
    cut = note.rindex("\n\n")
    text, sigs = note[:cut + 1], []
    for line in note[cut + 2:].splitlines():
        assert line.startswith(EM_DASH + " "), line
        name, sig = line[2:].rsplit(" ", 1)
        sigs.append((name, b64d(sig)))
    return text, sigs


def checkpoint_fields(note):
    """(origin, size, root bytes) of a signed checkpoint."""
    text, _ = split_note(note)
    lines = text.splitlines()
    return lines[0], int(lines[1]), b64d(lines[2])


def parse_vkey(vkey):
    name, key_id, key = vkey.strip().split("+", 2)
    raw = b64d(key)
    return name, int(key_id, 16), raw


def key_id(name, alg, pub):
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + pub).digest()[:4],
                          "big")


def cosignatures(note, vkey):
    """The cosignature/v1 signatures of the witness with verifier key vkey on note, checked for
    form: key id, 8-byte timestamp near now, 64-byte Ed25519 signature."""
    name, kid, _ = parse_vkey(vkey)
    found = []
    for signer, raw in split_note(note)[1]:
        if signer != name:
            continue
        assert len(raw) == 4 + 8 + 64, "cosignature/v1 is key id, timestamp, signature"
        assert int.from_bytes(raw[:4], "big") == kid
        ts = int.from_bytes(raw[4:12], "big")
        assert abs(ts - time.time()) < 3600, ts
        found.append(raw)
    return found


class Daemon:
    """A long-running dure process that prints listening=HOST:PORT on stderr; its stderr is
    kept in .log by a thread."""

    def __init__(self, *args, env=None):
        self.log = collections.deque(maxlen=4000)
        full_env = dict(os.environ)
        full_env.pop("DURE_DB", None)
        if env:
            full_env.update(env)
        self.args = [str(a) for a in args]
        self.proc = subprocess.Popen([DURE_BIN, *self.args], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env=full_env)
        self.port = self._wait_listening(10.0)
        self._drain = threading.Thread(target=self._drain_stderr, daemon=True)
        self._drain.start()
        self.url = "http://127.0.0.1:%d" % self.port
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
                m = re.search(r"listening=127\.0\.0\.1:(\d+)", text)
                if m:
                    return int(m.group(1))
        self.proc.kill()
        self.proc.wait()
        raise RuntimeError("dure %s did not report listening=; exit %s\n%s"
                           % (" ".join(self.args), self.proc.returncode, "\n".join(self.log)))

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

    def text(self):
        return "\n".join(self.log)

    def stop(self, timeout_s=10.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        self._drain.join(timeout=2)
        return self.proc.returncode


class Log:
    """A ledger of its own: a database directory made with `dure init`, optionally sharing
    another log's signing key (copied before init) or with another origin."""

    def __init__(self, root, name, key_from=None, origin=None):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        self.db = new_db(self.dir)
        self.key = os.path.join(self.dir, "ledger.key")
        if key_from is not None:
            shutil.copyfile(key_from.key, self.key)
            os.chmod(self.key, 0o600)
        args = ["init"] + (["--ledger-origin", origin] if origin else [])
        self.cli(*args)

    def cli(self, *args, **kw):
        return dure(*args, "--db", self.db, **kw)

    def events(self, n, role="admin"):
        """n new events: one token each."""
        for _ in range(n):
            self.cli("token", "create", "--role", role)

    def token(self, role):
        return self.cli("token", "create", "--role", role).stdout.strip()

    def vkey(self):
        return self.cli("ledger", "key").stdout.strip()

    def checkpoint(self):
        """Cut (if the log grew) and return the latest signed checkpoint, without cosignatures
        of witnesses (the log's own signature only)."""
        note = self.cli("ledger", "checkpoint").stdout
        text, sigs = split_note(note)
        origin = text.splitlines()[0]
        own = [l for l in note[note.rindex("\n\n") + 2:].splitlines()
               if l.startswith(EM_DASH + " " + origin + " ")]
        return text + "\n" + "\n".join(own) + "\n"

    def proof(self, old, new):
        out = self.cli("ledger", "proof", "consistency", old, new).stdout
        return [l for l in out.splitlines() if l]


def add_checkpoint_body(old, proof, note):
    return "old %d\n%s\n%s" % (old, "".join(h + "\n" for h in proof), note)


def post_add(witness, body):
    return witness.client.post("/add-checkpoint", body=body,
                               headers={"Content-Type": "text/plain"})


def wait_for(what, fn, timeout_s=WAIT_S, step_s=0.2):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(step_s)
    pytest.fail("timed out waiting for %s (last: %r)" % (what, last))


def served_checkpoint(client):
    r = client.get("/api/v1/ledger/checkpoint")
    assert r.status == 200, r
    assert r.ctype == "text/plain", r
    return r.body


def settle(client):
    """Wait until the served checkpoint covers every leaf (the server's ticker has cut it)."""
    def done():
        st = client.get("/api/v1/ledger/status").body
        return st if st["checkpoint_size"] == st["size"] else None
    return wait_for("the checkpoint to cover the log", done)


def wait_checkpoint_size(client, min_size):
    def ready():
        note = served_checkpoint(client)
        return note if checkpoint_fields(note)[1] >= min_size else None
    return wait_for("a checkpoint of size >= %d" % min_size, ready)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# ---- fixtures ----

@pytest.fixture(scope="module")
def root(dure_bin):
    d = tempfile.mkdtemp(prefix="dure-witness-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


class Member:
    """A member firm's witness: its key, verifier key and state file."""

    def __init__(self, root, name):
        self.dir = os.path.join(root, "witness-" + name.replace("/", "_"))
        os.makedirs(self.dir)
        self.name = name
        self.key = os.path.join(self.dir, "witness.key")
        self.state = os.path.join(self.dir, "state")
        p = dure("witness", "keygen", "--name", name, "--out", self.key)
        self.vkey = p.stdout.strip()

    def poll(self, log_url, log_vkey, token, *extra, check=True):
        return dure("witness", "poll", "--log", log_url, "--log-key", log_vkey, "--key", self.key,
                    "--state", self.state, "--token", token, "--once", *extra, check=check)

    def serve(self, log_vkey):
        return Daemon("witness", "serve", "--listen", "127.0.0.1:0", "--key", self.key,
                      "--log-key", log_vkey, "--state", self.state)


@pytest.fixture(scope="module")
def main_log(root):
    """The secretariat's log, served by `dure serve`, with a witness registered through the
    API and a witness-role token for it."""
    log = Log(root, "main")
    log.admin = log.token("admin")
    log.witness_token = log.token("witness")
    srv = Server(log.db)
    log.server = srv
    log.client = srv.client
    log.url = "http://127.0.0.1:%d" % srv.port
    yield log
    assert srv.stop() == 0, "\n".join(srv.log)


@pytest.fixture(scope="module")
def member(root, main_log):
    m = Member(root, "witness.firm-a.example")
    r = main_log.client.post("/api/v1/ledger/witnesses", body={"vkey": m.vkey},
                             token=main_log.admin)
    assert r.status in (200, 201), r
    return m


# ---- keygen ----

def test_keygen_writes_a_private_cosignature_key(root):
    d = os.path.join(root, "keygen")
    os.makedirs(d)
    path = os.path.join(d, "w.key")
    p = dure("witness", "keygen", "--name", "w.example/keygen", "--out", path)
    vkey = p.stdout.strip()
    assert "\n" not in vkey
    name, kid, raw = parse_vkey(vkey)
    assert name == "w.example/keygen"
    assert len(raw) == 33 and raw[0] == 0x04, "a cosignature/v1 verifier key (type 0x04)"
    assert kid == key_id(name, 0x04, raw[1:])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = read(path).strip()
    m = re.fullmatch(r"PRIVATE\+KEY\+w\.example/keygen\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)", text)
    assert m, text
    assert int(m.group(1), 16) == kid
    seed = b64d(m.group(2))
    assert len(seed) == 33 and seed[0] == 0x04
    assert m.group(2) not in p.stdout + p.stderr, "the secret is never printed"

    again = dure("witness", "keygen", "--name", "w.example/keygen", "--out", path, check=False)
    assert again.returncode != 0, "an existing key is never replaced"
    assert read(path).strip() == text
    bad = dure("witness", "keygen", "--name", "has space", "--out", path + "2", check=False)
    assert bad.returncode != 0 and not os.path.exists(path + "2")
    usage = dure("witness", "keygen", "--name", "x", check=False)
    assert usage.returncode == 64


def test_witness_key_must_not_be_readable_by_others(root, main_log):
    m = Member(root, "w.example/loose")
    os.chmod(m.key, 0o644)
    p = m.poll(main_log.url, main_log.vkey(), main_log.witness_token, check=False)
    assert p.returncode == 1 and "chmod 600" in p.stderr, p.stderr
    assert not os.path.exists(m.state)


# ---- poll ----

def test_poll_once_cosigns_the_served_checkpoint(main_log, member):
    vkey = main_log.vkey()
    settle(main_log.client)
    p = member.poll(main_log.url, vkey, main_log.witness_token)
    assert "cosigned the checkpoint of size" in p.stdout, p.stdout
    size = int(re.search(r"size (\d+)", p.stdout).group(1))
    note = served_checkpoint(main_log.client)
    assert checkpoint_fields(note)[1] == size
    assert len(cosignatures(note, member.vkey)) == 1, note
    st = main_log.client.get("/api/v1/ledger/status").body
    assert st["checkpoint_size"] == size
    assert st["cosignatures"] >= 1 and st["witnessed"] is True, st
    # The state is the checkpoint as the log signed it.
    state = read(member.state)
    assert checkpoint_fields(state) == checkpoint_fields(note)
    assert [n for n, _ in split_note(state)[1]] == [parse_vkey(vkey)[0]]

    # Nothing new: nothing to cosign again.
    again = member.poll(main_log.url, vkey, main_log.witness_token)
    assert "already cosigned" in again.stdout, again.stdout


def test_poll_cosigns_a_bigger_checkpoint_with_a_consistency_proof(main_log, member):
    vkey = main_log.vkey()
    before = checkpoint_fields(read(member.state))[1]
    # An admin change: a new token is an event, so the log grows.
    main_log.token("supplier")
    wait_checkpoint_size(main_log.client, before + 1)
    p = member.poll(main_log.url, vkey, main_log.witness_token, "--json")
    out = json.loads(p.stdout)
    assert out["cosigned"] is True and out["from"] == before and out["size"] > before, out
    note = served_checkpoint(main_log.client)
    assert checkpoint_fields(note)[1] == out["size"]
    assert len(cosignatures(note, member.vkey)) == 1
    assert checkpoint_fields(read(member.state))[1] == out["size"]
    assert main_log.client.get("/api/v1/ledger/status").body["witnessed"] is True


def test_poll_without_a_witness_token_is_refused_by_the_log(root, main_log):
    m = Member(root, "w.example/unregistered")
    p = m.poll(main_log.url, main_log.vkey(), main_log.admin, check=False)
    # An admin token is not a witness's; and this witness is not registered either.
    assert p.returncode == 1, p
    assert "403" in p.stderr or "401" in p.stderr, p.stderr


def test_poll_with_a_wrong_log_key_cosigns_nothing(root, main_log):
    other = Log(root, "other-key")
    m = Member(root, "w.example/wrongkey")
    p = m.poll(main_log.url, other.vkey(), main_log.witness_token, check=False)
    assert p.returncode == 1, p
    assert "not signed by the log key" in p.stderr, p.stderr
    assert not os.path.exists(m.state)


@pytest.mark.parametrize("grow", [40, 1], ids=["fork", "shrink"])
def test_poll_refuses_a_forked_or_shrunk_log_and_exits_3(root, main_log, member, grow):
    """A second log signed with the secretariat's own key but with other events: bigger than
    what the witness cosigned (the consistency proof from its tree fails: a fork) or smaller
    (the log shrank). The witness cosigns nothing, keeps its state and exits 3."""
    cosigned = checkpoint_fields(read(member.state))[1]
    forked = Log(root, "forked-%d" % grow, key_from=main_log)
    forked.events(grow)
    size = checkpoint_fields(forked.checkpoint())[1]
    assert (size > cosigned) if grow > 1 else (size < cosigned), (size, cosigned)
    token = forked.token("witness")
    size = checkpoint_fields(forked.checkpoint())[1]
    state_before = read(member.state)
    srv = Server(forked.db)
    try:
        p = member.poll("http://127.0.0.1:%d" % srv.port, main_log.vkey(), token, check=False)
        note = served_checkpoint(srv.client)
    finally:
        assert srv.stop() == 0, "\n".join(srv.log)
    assert p.returncode == 3, (p.returncode, p.stdout, p.stderr)
    assert "REFUSED" in p.stderr and str(cosigned) in p.stderr and str(size) in p.stderr, p.stderr
    assert ("fork" if grow > 1 else "shrank") in p.stderr, p.stderr
    assert p.stdout == ""
    assert read(member.state) == state_before, "the state still holds the cosigned log"
    assert cosignatures(note, member.vkey) == [], "nothing was cosigned"


# ---- serve: the add-checkpoint protocol ----

@pytest.fixture(scope="module")
def two_logs(root):
    """Log A with checkpoints of two sizes, and log B made with A's signing key but other
    events: B's checkpoints are correctly signed, yet B is a fork of A."""
    a = Log(root, "log-a")
    a.events(3)
    a1 = a.checkpoint()
    a.events(4, role="supplier")
    a2 = a.checkpoint()
    b = Log(root, "log-b", key_from=a)
    b.events(12, role="witness")
    bcp = b.checkpoint()
    n1, n2, nb = (checkpoint_fields(x)[1] for x in (a1, a2, bcp))
    assert 0 < n1 < n2 < nb
    assert a.vkey() == b.vkey()
    return {"a": a, "b": b, "a1": a1, "a2": a2, "b_cp": bcp, "n1": n1, "n2": n2, "nb": nb}


def test_serve_cosigns_and_refuses_a_fork(root, two_logs):
    L = two_logs
    a, b = L["a"], L["b"]
    m = Member(root, "w.example/serve")
    w = m.serve(a.vkey())
    try:
        assert "nothing cosigned yet" in w.text()
        # First contact: old 0, no proof.
        r = post_add(w, add_checkpoint_body(0, [], L["a1"]))
        assert r.status == 200, r
        assert r.body.startswith(EM_DASH + " w.example/serve "), r.body
        assert len(cosignatures(L["a1"] + r.body, m.vkey)) == 1
        # The log grows: a consistency proof from the cosigned size.
        r = post_add(w, add_checkpoint_body(L["n1"], a.proof(L["n1"], L["n2"]), L["a2"]))
        assert r.status == 200, r
        assert len(cosignatures(L["a2"] + r.body, m.vkey)) == 1
        # The same checkpoint again: cosigned again, no proof needed.
        r = post_add(w, add_checkpoint_body(L["n2"], [], L["a2"]))
        assert r.status == 200, r
        state = read(m.state)
        assert checkpoint_fields(state) == checkpoint_fields(L["a2"])

        # The fork: B's checkpoint with B's proof from the size the witness cosigned.
        r = post_add(w, add_checkpoint_body(L["n2"], b.proof(L["n2"], L["nb"]), L["b_cp"]))
        assert r.status == 422, r
        assert "fork" in r.body
        assert read(m.state) == state, "the state still holds A"
        # A's own proof, offered for B's tree: no better.
        r = post_add(w, add_checkpoint_body(L["n1"], a.proof(L["n1"], L["n2"]), L["b_cp"]))
        assert r.status == 409 and r.ctype == "text/x.tlog.size" and r.body == "%d\n" % L["n2"]
        # A stale old size is answered with the size the witness cosigned, as the spec says.
        r = post_add(w, add_checkpoint_body(0, [], L["b_cp"]))
        assert r.status == 409 and r.ctype == "text/x.tlog.size", r
        assert r.raw == b"%d\n" % L["n2"]

        # A log that shrinks: old bigger than the new size, or a stale old size.
        r = post_add(w, add_checkpoint_body(L["n2"], [], L["a1"]))
        assert r.status == 400 and "shrank" in r.body, r
        r = post_add(w, add_checkpoint_body(L["n1"], [], L["a1"]))
        assert r.status == 409 and r.body == "%d\n" % L["n2"], r
        assert read(m.state) == state

        log = wait_for("the refusals in the witness's log",
                       lambda: w.text() if w.text().count("level=error") >= 3 else None, 5)
        assert re.search(r"level=error msg=\"refused: fork: .*status=422", log), log
        assert re.search(r"level=error msg=\"refused: the log shrank.*status=400", log), log
    finally:
        assert w.stop() == 0

    # A restart keeps the state: B is still refused, A still accepted.
    w = m.serve(a.vkey())
    try:
        assert "last cosigned size %d" % L["n2"] in w.text()
        r = post_add(w, add_checkpoint_body(L["n2"], b.proof(L["n2"], L["nb"]), L["b_cp"]))
        assert r.status == 422, r
        r = post_add(w, add_checkpoint_body(L["n2"], [], L["a2"]))
        assert r.status == 200, r
    finally:
        assert w.stop() == 0


def test_serve_refuses_unknown_logs_and_bad_requests(root, two_logs):
    L = two_logs
    a = L["a"]
    m = Member(root, "w.example/strict")
    w = m.serve(a.vkey())
    try:
        # Another origin: 404. The right origin signed with another key: 403.
        other = Log(root, "other-origin", origin="other.example/log")
        other.events(1)
        r = post_add(w, add_checkpoint_body(0, [], other.checkpoint()))
        assert r.status == 404, r
        impostor = Log(root, "impostor")
        impostor.events(1)
        r = post_add(w, add_checkpoint_body(0, [], impostor.checkpoint()))
        assert r.status == 403, r
        # A checkpoint whose signature was tampered with: 403.
        text, _ = split_note(L["a1"])
        sig_line = L["a1"][len(text) + 1:].rstrip("\n")
        raw = bytearray(b64d(sig_line.rsplit(" ", 1)[1]))
        raw[-1] ^= 1
        forged = text + "\n" + sig_line.rsplit(" ", 1)[0] + " " + \
            base64.b64encode(bytes(raw)).decode() + "\n"
        r = post_add(w, add_checkpoint_body(0, [], forged))
        assert r.status == 403, r
        # A proof where none belongs (old 0): 422.
        r = post_add(w, add_checkpoint_body(0, a.proof(L["n1"], L["n2"]), L["a2"]))
        assert r.status == 422, r
        # Malformed bodies: 400.
        for body in ("old 01\n\n" + L["a1"], "old -1\n\n" + L["a1"], "old 0\n" + L["a1"],
                     "old 0\nnot base64\n\n" + L["a1"], "old 0\n\n", "",
                     "old 0\n" + ("A" * 43 + "=\n") * 65 + "\n" + L["a1"],
                     "old 0\n\n" + L["a1"].replace("\n\n", "\n")):
            r = post_add(w, body)
            assert r.status == 400, (body[:80], r)
        # Old size above the checkpoint's size: 400.
        r = post_add(w, add_checkpoint_body(L["n1"] + 1, [], L["a1"]))
        assert r.status == 400, r
        # Nothing was cosigned by any of that.
        assert not os.path.exists(m.state)
        # Too large, wrong path, wrong method.
        r = post_add(w, "old 0\n\n" + "x" * 40000)
        assert r.status == 413, r
        assert w.client.post("/other", body="x").status == 404
        r = w.client.get("/add-checkpoint")
        assert r.status == 405 and r.headers.get("Allow") == "POST", r
        # And it still works.
        r = post_add(w, add_checkpoint_body(0, [], L["a1"]))
        assert r.status == 200, r
    finally:
        assert w.stop() == 0


def test_serve_refuses_a_corrupt_state_file(root, two_logs):
    m = Member(root, "w.example/corrupt")
    with open(m.state, "w") as f:
        f.write(two_logs["a1"].replace("\n\n", "\n\n" + EM_DASH + " x AAAAAAAA\n", 1)[:-5])
    p = dure("witness", "serve", "--listen", "127.0.0.1:0", "--key", m.key, "--log-key",
             two_logs["a"].vkey(), "--state", m.state, check=False, timeout=10)
    assert p.returncode == 1 and "never reset" in p.stderr, p.stderr


# ---- the log pushes to witnesses ----

def test_serve_with_witness_pushes_checkpoints(root):
    log = Log(root, "pushing")
    m = Member(root, "w.example/pushed")
    log.cli("ledger", "witness", "add", m.vkey)
    w = m.serve(log.vkey())
    srv = None
    try:
        srv = Daemon("serve", "--db", log.db, "--listen", "127.0.0.1:0", "--threads", "2",
                     "--witness", w.url, env=db_env(log.db))

        def cosigned_at(size):
            def check():
                note = served_checkpoint(srv.client)
                if checkpoint_fields(note)[1] >= size and cosignatures(note, m.vkey):
                    return note
                return None
            return check

        note = wait_for("the first cosignature", cosigned_at(1))
        first = checkpoint_fields(note)[1]
        st = srv.client.get("/api/v1/ledger/status").body
        assert st["witnessed"] is True, st

        # An admin change: the next checkpoint is pushed with a proof from the first.
        log.token("supplier")
        note = wait_for("the cosignature of the next checkpoint", cosigned_at(first + 1))
        second = checkpoint_fields(note)[1]
        assert re.search(r"status=200 old=%d size=%d" % (first, second), w.text()), w.text()
        assert srv.stop() == 0, "\n".join(srv.log)

        # A restarted log does not know what the witness cosigned: the witness's 409 tells it,
        # and the log retries with a proof from that size.
        log.token("supplier")
        srv = Daemon("serve", "--db", log.db, "--listen", "127.0.0.1:0", "--threads", "2",
                     "--witness", w.url + "/", env=db_env(log.db))
        note = wait_for("the cosignature after a restart", cosigned_at(second + 1))
        third = checkpoint_fields(note)[1]
        text = w.text()
        assert re.search(r"status=409 old=0 size=%d" % third, text), text
        assert re.search(r"status=200 old=%d size=%d" % (second, third), text), text
        assert "level=error" not in srv.text(), srv.text()
    finally:
        if srv is not None:
            srv.stop()
        assert w.stop() == 0


def test_serve_witness_option_is_checked(root):
    log = Log(root, "badopt")
    p = log.cli("serve", "--listen", "127.0.0.1:0", "--witness", "ftp://x", check=False,
                timeout=10)
    assert p.returncode == 64 and "--witness" in p.stderr, p.stderr
