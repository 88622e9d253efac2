# SPDX-License-Identifier: Apache-2.0
"""The ledger against a real `dure serve` and the real CLI, checked by a verifier written here
from the specifications alone: RFC 9162 section 2.1 (leaf and node hashes, inclusion and
consistency proofs), C2SP signed-note and tlog-checkpoint with Ed25519 (PyNaCl), and the
salted commitments of member events. Also the 1 s checkpoint ticker, witness cosignatures,
receipts and their offline verification, and tamper detection by `dure ledger verify`."""

import base64
import hashlib
import http.client
import json
import os
import random
import re
import select
import subprocess
import tempfile
import time

import pytest

nacl_signing = pytest.importorskip("nacl.signing")
nacl_exceptions = pytest.importorskip("nacl.exceptions")

from conftest import (Server, clone_db, db_env, dure, new_db, sql, sql_exec,  # noqa: E402
                      sql_scalar)

PROBLEM_KEYS = {"type", "title", "status", "detail"}
STATUS_KEYS = {"size", "checkpoint_size", "witnesses", "cosignatures", "quorum", "witnessed"}
EM_DASH = "\u2014"


# ---- RFC 9162 section 2.1, independently ----

def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(data):
    return sha256(b"\x00" + data)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def mth(hashes):
    """MTH of a list of leaf hashes. Pairing neighbours level by level and promoting a lone
    last node unchanged is the same tree as the RFC's split at the largest power of two."""
    if not hashes:
        return sha256(b"")
    level = list(hashes)
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def mth_recursive(hashes):
    """MTH exactly as RFC 9162 2.1.1 defines it (for small lists, to check mth)."""
    n = len(hashes)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth_recursive(hashes[:k]), mth_recursive(hashes[k:]))


def verify_inclusion(index, size, lh, proof, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, lh
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_hash, second_hash, proof):
    """RFC 9162 2.1.4.2."""
    if first == second:
        return not proof and first_hash == second_hash
    if first == 0 or first > second:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path = [first_hash] + path
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_hash and sr == second_hash


# ---- C2SP signed notes, independently ----

def key_id(name, alg, pub):
    return sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + pub)[:4]


def parse_vkey(text):
    """<name>+<hex id>+<base64(alg || key)> -> (name, id bytes, alg, pubkey)."""
    name, hexid, b64 = text.strip().split("+", 2)
    raw = base64.b64decode(b64, validate=True)
    alg, pub = raw[0], raw[1:]
    assert len(pub) == 32, text
    assert bytes.fromhex(hexid) == key_id(name, alg, pub), "key id is SHA-256(name\\n alg key)[:4]"
    return name, bytes.fromhex(hexid), alg, pub


def parse_note(text):
    """A signed note -> (body text ending in a newline, [(name, raw signature bytes)])."""
    i = text.rindex("\n\n")
    body, sigpart = text[:i + 1], text[i + 2:]
    assert sigpart.endswith("\n"), repr(text)
    sigs = []
    for line in sigpart[:-1].split("\n"):
        assert line.startswith(EM_DASH + " "), repr(line)
        name, b64 = line[2:].split(" ")
        sigs.append((name, base64.b64decode(b64, validate=True)))
    return body, sigs


def note_verified_by(text, vkey):
    """1 when a signature line of the Ed25519 key vkey verifies over the note's body."""
    name, kid, alg, pub = parse_vkey(vkey)
    assert alg == 0x01
    body, sigs = parse_note(text)
    vk = nacl_signing.VerifyKey(pub)
    found = False
    for n, raw in sigs:
        if n != name or raw[:4] != kid:
            continue
        vk.verify(body.encode("utf-8"), raw[4:])  # raises BadSignatureError
        found = True
    return found


def parse_checkpoint(body):
    lines = body.split("\n")
    assert lines[-1] == "" and len(lines) >= 4, repr(body)
    origin, size, root = lines[0], lines[1], lines[2]
    assert re.fullmatch(r"0|[1-9][0-9]*", size), size
    r = base64.b64decode(root, validate=True)
    assert len(r) == 32
    return origin, int(size), r


# ---- helpers ----

def assert_problem(r, status):
    assert r.status == status, r
    assert r.ctype == "application/problem+json", r
    assert PROBLEM_KEYS <= set(r.body), r.body
    assert r.body["status"] == status
    return r.body


def b64d(s):
    return base64.b64decode(s, validate=True)


def get_key(client):
    r = client.get("/api/v1/ledger/key")
    assert r.status == 200, r
    assert r.ctype == "text/plain", r
    assert r.body.endswith("\n") and r.body.count("\n") == 1
    return r.body.strip()


def get_checkpoint(client):
    """(origin, size, root, the whole signed note)."""
    r = client.get("/api/v1/ledger/checkpoint")
    assert r.status == 200, r
    assert r.ctype == "text/plain", r
    body, _ = parse_note(r.body)
    origin, size, root = parse_checkpoint(body)
    return origin, size, root, r.body


def fetch_leaves(client, size):
    """Every leaf 0..size-1 through /entries, in pages of 1000."""
    leaves = []
    for start in range(0, size, 1000):
        end = min(start + 1000, size)
        r = client.get("/api/v1/ledger/entries?start=%d&end=%d" % (start, end))
        assert r.status == 200, r
        es = r.body["entries"]
        assert [e["index"] for e in es] == list(range(start, end))
        leaves += [b64d(e["data"]) for e in es]
    return leaves


def wait_checkpoint_covers_log(client, timeout_s=3.0):
    """Wait until the latest checkpoint covers every leaf; returns the status."""
    deadline = time.monotonic() + timeout_s
    while True:
        st = client.get("/api/v1/ledger/status").body
        if st["checkpoint_size"] == st["size"] or time.monotonic() > deadline:
            return st
        time.sleep(0.05)


# ---- fixtures: a private server on a copy of the cluster, and a small database ----

class LedgerEnv:
    def __init__(self, cluster, d):
        self.dir = d
        self.db = os.path.join(d, "dure.db")
        self.key = os.path.join(d, "ledger.key")
        self.cluster = cluster
        self.tokens = cluster.tokens
        self.member_brns = cluster.member_brns
        self.server = None
        self.client = None

    def cli(self, *args, **kw):
        return dure(*args, "--db", self.db, **kw)


MIN_LEAVES = 2500  # enough for several pages of /entries and proofs across 1024 and 2048


@pytest.fixture(scope="module")
def env(cluster, workdir):
    """The imported cluster copied with the online backup, with its ledger key, grown to
    thousands of leaves with the registers of a second generated cluster, and served by its
    own `dure serve`, so that what these tests change (witnesses, uploads) touches no other
    test's data."""
    d = os.path.join(workdir, "ledger")
    os.makedirs(d, exist_ok=True)
    e = LedgerEnv(cluster, d)
    e.db = clone_db(cluster.db, d)
    if sql_scalar(e.db, "SELECT count(*) FROM events") < MIN_LEAVES:
        more = os.path.join(d, "gen")
        dure("gen", "--seed", 8, "--out", more, "--scale", "0.2")
        for kind in ("buildings", "firms", "members"):
            e.cli("import", kind, os.path.join(more, kind + ".csv"), "--quiet")
    assert sql_scalar(e.db, "SELECT count(*) FROM events") >= MIN_LEAVES
    e.server = Server(e.db)
    e.client = e.server.client
    # The copy's latest checkpoint may predate the leaves added: the ticker catches up in 1 s.
    st = wait_checkpoint_covers_log(e.client)
    assert st["checkpoint_size"] == st["size"], st
    try:
        yield e
    finally:
        alive = e.server.proc.poll() is None
        rc = e.server.stop()
        assert alive and rc == 0, "\n".join(list(e.server.log)[-30:])


@pytest.fixture(scope="module")
def small_db(generated, workdir):
    """A small database (scale 0.01) with a checkpoint, to copy and tamper with."""
    d = os.path.join(workdir, "ledger-small")
    gen = os.path.join(d, "gen")
    db = new_db(os.path.join(d, "db"))
    dure("gen", "--seed", 11, "--out", gen, "--scale", "0.01")
    dure("init", "--db", db)
    for kind in ("buildings", "firms", "members"):
        dure("import", kind, os.path.join(gen, kind + ".csv"), "--quiet", "--db", db)
    dure("ledger", "checkpoint", "--db", db)
    return db


@pytest.fixture
def tamper(small_db):
    """A fresh copy of the small database (database and key)."""
    with tempfile.TemporaryDirectory(prefix="dure-tamper-") as d:
        yield clone_db(small_db, os.path.join(d, "db"))


def verify_cli(db):
    return dure("ledger", "verify", "--db", db, check=False)


# ---- the verifier checks itself ----

def test_python_verifier_matches_the_rfc():
    hs = [leaf_hash(bytes([i])) for i in range(70)]
    for n in range(0, 70):
        assert mth(hs[:n]) == mth_recursive(hs[:n])
    # RFC 9162 2.1.5's example tree of 7 leaves: the path of d0 is [b, h, l]-like: 3 hashes.
    a, b, c, d, e, f, g = hs[:7]
    h, i, j = node_hash(a, b), node_hash(c, d), node_hash(e, f)
    k, l_ = node_hash(h, i), node_hash(j, g)
    root = node_hash(k, l_)
    assert root == mth(hs[:7])
    assert verify_inclusion(0, 7, a, [b, i, l_], root)
    assert verify_inclusion(6, 7, g, [j, k], root)
    assert not verify_inclusion(6, 7, g, [k, j], root)
    assert not verify_inclusion(0, 7, a, [b, i], root)
    # consistency of 3 -> 7 is [c, d, h, l] (RFC 9162 2.1.5)
    assert verify_consistency(3, 7, mth(hs[:3]), root, [c, d, h, l_])
    assert verify_consistency(4, 7, k, root, [l_])
    assert not verify_consistency(4, 7, k, root, [])
    assert not verify_consistency(3, 7, mth(hs[:3]), root, [d, c, h, l_])


# ---- key and checkpoint ----

def test_checkpoint_is_signed_by_the_served_key(env):
    c = env.client
    vkey = get_key(c)
    name, _, alg, _ = parse_vkey(vkey)
    assert alg == 0x01
    origin, size, _, note = get_checkpoint(c)
    assert origin == name, "the checkpoint's origin is the key's name"
    assert note_verified_by(note, vkey)
    assert size >= MIN_LEAVES, "the log has thousands of leaves (got %d)" % size
    # A changed byte of the body breaks the signature.
    body, _ = parse_note(note)
    forged = note.replace(body, body.replace("\n%d\n" % size, "\n%d\n" % (size + 1)), 1)
    with pytest.raises(nacl_exceptions.BadSignatureError):
        note_verified_by(forged, vkey)
    # The CLI prints the same key and the same checkpoint (or a newer one).
    assert env.cli("ledger", "key").stdout.strip() == vkey
    cli_note = env.cli("ledger", "checkpoint").stdout
    assert note_verified_by(cli_note, vkey)
    assert parse_checkpoint(parse_note(cli_note)[0])[1] >= size


def test_root_equals_the_root_of_all_entries(env):
    c = env.client
    _, size, root, _ = get_checkpoint(c)
    leaves = fetch_leaves(c, size)
    assert len(leaves) == size
    assert mth([leaf_hash(x) for x in leaves]) == root
    # Every leaf is an event's canonical JSON.
    for raw in leaves[:50] + leaves[-50:]:
        ev = json.loads(raw)
        assert set(ev) == {"v", "kind", "time", "actor", "subject", "data"}, ev
        assert raw.startswith(b'{"actor":'), "keys sorted, no whitespace"
    # end beyond the log is cut to its size
    r = c.get("/api/v1/ledger/entries?start=%d&end=%d" % (size - 2, size + 500))
    assert r.status == 200
    st = c.get("/api/v1/ledger/status").body
    assert [e["index"] for e in r.body["entries"]] == list(range(size - 2, st["size"]))[:502]


def test_inclusion_proofs_verify(env):
    c = env.client
    _, size, root, _ = get_checkpoint(c)
    leaves = fetch_leaves(c, size)
    hashes = [leaf_hash(x) for x in leaves]
    rnd = random.Random(9162)
    indices = sorted({0, 1, size // 2, size - 2, size - 1} | set(rnd.sample(range(size), 25)))
    for i in indices:
        r = c.get("/api/v1/ledger/proof/inclusion?index=%d&size=%d" % (i, size))
        assert r.status == 200, r
        assert set(r.body) == {"index", "size", "proof"}
        assert (r.body["index"], r.body["size"]) == (i, size)
        proof = [b64d(p) for p in r.body["proof"]]
        assert all(len(p) == 32 for p in proof)
        assert verify_inclusion(i, size, hashes[i], proof, root), i
        if proof:
            bad = list(proof)
            bad[0] = bytes([bad[0][0] ^ 1]) + bad[0][1:]
            assert not verify_inclusion(i, size, hashes[i], bad, root)
    # Proofs into older, smaller trees verify against their roots too.
    for m in (1, 2, 7, 1000, 1024, size // 3):
        i = rnd.randrange(m)
        r = c.get("/api/v1/ledger/proof/inclusion?index=%d&size=%d" % (i, m))
        assert r.status == 200, r
        assert verify_inclusion(i, m, hashes[i], [b64d(p) for p in r.body["proof"]],
                                mth(hashes[:m])), (i, m)
    # the CLI gives the same proof
    i = indices[len(indices) // 2]
    out = env.cli("ledger", "proof", "inclusion", i, size).stdout.split()
    api = c.get("/api/v1/ledger/proof/inclusion?index=%d&size=%d" % (i, size)).body["proof"]
    assert out == api
    js = json.loads(env.cli("ledger", "proof", "inclusion", i, size, "--json").stdout)
    assert js == {"index": i, "size": size, "proof": api}


def test_consistency_proofs_verify(env):
    c = env.client
    _, size, root, _ = get_checkpoint(c)
    hashes = [leaf_hash(x) for x in fetch_leaves(c, size)]
    rnd = random.Random(4)
    pairs = [(1, size), (2, size), (3, 7), (4, 7), (size // 2, size), (size - 1, size),
             (1024, size), (1000, 2000), (size, size), (1, 1)]
    pairs += [tuple(sorted(rnd.sample(range(1, size + 1), 2))) for _ in range(10)]
    for m, n in pairs:
        r = c.get("/api/v1/ledger/proof/consistency?from=%d&to=%d" % (m, n))
        assert r.status == 200, r
        assert set(r.body) == {"from", "to", "proof"}
        assert (r.body["from"], r.body["to"]) == (m, n)
        proof = [b64d(p) for p in r.body["proof"]]
        rm, rn = mth(hashes[:m]), (root if n == size else mth(hashes[:n]))
        assert verify_consistency(m, n, rm, rn, proof), (m, n)
        if m < n:
            assert not verify_consistency(m, n, rm, sha256(b"x"), proof)
    js = json.loads(env.cli("ledger", "proof", "consistency", 5, size, "--json").stdout)
    api = c.get("/api/v1/ledger/proof/consistency?from=5&to=%d" % size).body
    assert js == api


def test_malformed_queries_are_400(env):
    c = env.client
    size = c.get("/api/v1/ledger/status").body["size"]
    bad = [
        "/api/v1/ledger/proof/inclusion?index=%d&size=%d" % (size - 1, size - 1),
        "/api/v1/ledger/proof/inclusion?index=%d&size=%d" % (size, size),
        "/api/v1/ledger/proof/inclusion?index=0&size=0",
        "/api/v1/ledger/proof/inclusion?index=0&size=%d" % (size + 1),
        "/api/v1/ledger/proof/inclusion?index=abc&size=10",
        "/api/v1/ledger/proof/inclusion?index=-1&size=10",
        "/api/v1/ledger/proof/inclusion?index=1.5&size=10",
        "/api/v1/ledger/proof/inclusion?index=0x1&size=10",
        "/api/v1/ledger/proof/inclusion?index=1&size=1e3",
        "/api/v1/ledger/proof/inclusion?index=1&size=99999999999999999999",
        "/api/v1/ledger/proof/inclusion?index=1",
        "/api/v1/ledger/proof/inclusion?size=10",
        "/api/v1/ledger/proof/inclusion?index=&size=10",
        "/api/v1/ledger/proof/consistency?from=10&to=5",
        "/api/v1/ledger/proof/consistency?from=0&to=5",
        "/api/v1/ledger/proof/consistency?from=5&to=%d" % (size + 1),
        "/api/v1/ledger/proof/consistency?from=x&to=5",
        "/api/v1/ledger/proof/consistency?from=1",
        "/api/v1/ledger/entries?start=0&end=1001",
        "/api/v1/ledger/entries?start=10&end=10",
        "/api/v1/ledger/entries?start=10&end=5",
        "/api/v1/ledger/entries?start=%d&end=%d" % (size + 10, size + 20),
        "/api/v1/ledger/entries?start=a&end=5",
        "/api/v1/ledger/entries?start=0&end=%2B5",
        "/api/v1/ledger/entries?start=0",
        "/api/v1/ledger/entries",
        "/api/v1/ledger/receipts/xyz",
        "/api/v1/ledger/receipts/" + "0" * 63,
        "/api/v1/ledger/receipts/" + "g" * 64,
    ]
    for path in bad:
        assert_problem(c.get(path), 400)
    assert c.get("/api/v1/ledger/entries?start=0&end=1000").status == 200
    assert_problem(c.get("/api/v1/ledger/receipts/" + "0" * 64), 404)
    assert_problem(c.post("/api/v1/ledger/checkpoint", "x"), 405)
    # the CLI refuses the same
    for args in (("proof", "inclusion", 5, 5), ("proof", "consistency", 9, 3),
                 ("entries", 5, 2), ("proof", "inclusion", "x", 3)):
        p = env.cli("ledger", *args, check=False)
        assert p.returncode != 0 and p.stderr.startswith("dure: "), (args, p.stderr)


def test_status_and_ticker_cut_a_checkpoint_within_2s(env):
    c = env.client
    st = wait_checkpoint_covers_log(c)
    assert set(st) == STATUS_KEYS
    assert st["quorum"] == 1
    before = st["checkpoint_size"]
    body = {"name": "원장시험타워 %d" % time.time_ns(), "complex": "1", "is_centre": True,
            "road_address": "서울특별시 구로구 디지털로 1", "floors": 3,
            "building_area_m2": 100.0, "gross_floor_area_m2": 300.0}
    r = c.post("/api/v1/buildings", body, token=env.tokens["admin"])
    assert r.status == 201, r
    t0 = time.monotonic()
    while True:
        st = c.get("/api/v1/ledger/status").body
        if st["checkpoint_size"] > before:
            break
        assert time.monotonic() - t0 < 2.5, "no new checkpoint 2.5 s after a change: %r" % st
        time.sleep(0.05)
    assert st["checkpoint_size"] == before + 1
    _, size, root, note = get_checkpoint(c)
    assert size == before + 1
    assert note_verified_by(note, get_key(c))
    # the new leaf is the building event, and the old checkpoint is consistent with the new
    leaf = fetch_leaves(c, size)[-1]
    assert json.loads(leaf)["kind"] == "building.registered"
    proof = c.get("/api/v1/ledger/proof/consistency?from=%d&to=%d" % (before, size)).body
    hashes = [leaf_hash(x) for x in fetch_leaves(c, size)]
    assert verify_consistency(before, size, mth(hashes[:before]), root,
                              [b64d(p) for p in proof["proof"]])


def kpi_csv(brn, year):
    rows = ["brn,month,revenue_krw,production_krw,exports_krw,employees"]
    for m in range(1, 4):
        rows.append("%s,%d-%02d,%d,%d,%d,%d" % (brn, year, m, 1000000 * m, 400000 * m, 0, 9))
    return ("\n".join(rows) + "\n").encode("utf-8")


def opens(commitment, salt_hex, value):
    return hashlib.sha256(bytes.fromhex(salt_hex) + value.encode("utf-8")).hexdigest() == commitment


def test_member_receipt_opens_its_own_upload(env):
    c = env.client
    brn = env.member_brns[0]
    member, other = env.tokens["member"], env.tokens["member2"]
    r = c.post("/api/v1/uploads?kind=kpis&firm=%s" % brn, kpi_csv(brn, 2031), token=member,
               headers={"Content-Type": "text/csv"})
    assert r.status == 201, r
    index = r.body["ledger_index"]
    assert isinstance(index, int)
    leaf = b64d(c.get("/api/v1/ledger/entries?start=%d&end=%d" % (index, index + 1))
                .body["entries"][0]["data"])
    ev = json.loads(leaf)
    assert ev["kind"] == "upload.accepted"
    assert brn not in leaf.decode("utf-8"), "a member event's leaf does not name the firm"
    hexhash = leaf_hash(leaf).hex()
    vkey = get_key(c)

    mine = c.get("/api/v1/ledger/receipts/" + hexhash, token=member)
    assert mine.status == 200, mine
    rc = mine.body
    assert set(rc) == {"index", "leaf", "proof", "checkpoint", "opening"}
    assert rc["index"] == index and b64d(rc["leaf"]) == leaf
    # independently: signature, inclusion, commitments
    assert note_verified_by(rc["checkpoint"], vkey)
    _, size, root = parse_checkpoint(parse_note(rc["checkpoint"])[0])
    assert size > index
    assert verify_inclusion(index, size, leaf_hash(leaf), [b64d(p) for p in rc["proof"]], root)
    op = rc["opening"]
    assert op["firm"] == brn
    assert opens(ev["data"]["firm_commitment"], op["firm_salt"], op["firm"])
    assert opens(ev["data"]["figures_commitment"], op["figures_salt"], op["figures"])
    figures = json.loads(op["figures"])
    assert figures["rows"] == 3 and figures["kind"] == "kpis"
    assert mine.headers.get("Cache-Control") == "private, no-store"

    # Another member, and the public, get the receipt without the opening.
    for token in (other, None):
        r2 = c.get("/api/v1/ledger/receipts/" + hexhash, token=token)
        assert r2.status == 200, r2
        assert "opening" not in r2.body
        assert r2.body["index"] == index and r2.body["leaf"] == rc["leaf"]
    assert_problem(c.get("/api/v1/ledger/receipts/" + hexhash, token="dure_nonsense"), 401)

    # Offline verification with the CLI: the key as a file and as text.
    d = env.dir
    path, keyfile = os.path.join(d, "receipt.json"), os.path.join(d, "vkey.txt")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(rc, f)
    with open(keyfile, "w", encoding="utf-8") as f:
        f.write(vkey + "\n")
    for key in (keyfile, vkey):
        p = dure("ledger", "verify-receipt", path, "--key", key)
        assert "ok: receipt verified" in p.stdout, p.stdout
        assert "opens to firm %s" % brn in p.stdout
    # the public receipt verifies too, as inclusion only
    with open(path, "w", encoding="utf-8") as f:
        json.dump(c.get("/api/v1/ledger/receipts/" + hexhash).body, f)
    p = dure("ledger", "verify-receipt", path, "--key", vkey)
    assert "no opening" in p.stdout and "ok: receipt verified" in p.stdout

    # Tampered receipts fail, each for its reason.
    def bad(mutate, why):
        doc = json.loads(json.dumps(rc))
        mutate(doc)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        p = dure("ledger", "verify-receipt", path, "--key", vkey, check=False)
        assert p.returncode == 1, (why, p.stdout, p.stderr)
        assert re.search(why, p.stderr), (why, p.stderr)

    bad(lambda d_: d_["opening"].update(figures=d_["opening"]["figures"].replace("3", "4", 1)),
        "figures")
    bad(lambda d_: d_["opening"].update(firm=env.member_brns[1]), "firm")
    bad(lambda d_: d_.update(index=d_["index"] + 1), "not proved")
    bad(lambda d_: d_.update(leaf=base64.b64encode(leaf.replace(b"kpis", b"KPIs")).decode()),
        "not proved")
    bad(lambda d_: d_.update(checkpoint=d_["checkpoint"].replace("\n%d\n" % size,
                                                                 "\n%d\n" % (size + 1), 1)),
        "checkpoint")
    other_key = nacl_signing.SigningKey.generate().verify_key.encode()
    name = parse_vkey(vkey)[0]
    wrong = "%s+%s+%s" % (name, key_id(name, 1, other_key).hex(),
                          base64.b64encode(b"\x01" + other_key).decode())
    with open(path, "w", encoding="utf-8") as f:
        json.dump(rc, f)
    p = dure("ledger", "verify-receipt", path, "--key", wrong, check=False)
    assert p.returncode == 1 and "checkpoint" in p.stderr, p.stderr

    # The operator's CLI: the opening with --firm of that firm only.
    out = json.loads(env.cli("ledger", "receipt", hexhash, "--firm", brn).stdout)
    assert out["opening"]["firm"] == brn and out["index"] == index
    out = json.loads(env.cli("ledger", "receipt", hexhash).stdout)
    assert "opening" not in out
    p = env.cli("ledger", "receipt", hexhash, "--firm", env.member_brns[1], check=False)
    assert p.returncode == 1


def witness_key(name):
    sk = nacl_signing.SigningKey.generate()
    pub = sk.verify_key.encode()
    kid = key_id(name, 0x04, pub)
    vkey = "%s+%s+%s" % (name, kid.hex(), base64.b64encode(b"\x04" + pub).decode())
    return sk, kid, vkey


def cosign_line(sk, kid, name, body, t=None):
    t = int(time.time()) if t is None else t
    msg = b"cosignature/v1\ntime %d\n" % t + body.encode("utf-8")
    sig = sk.sign(msg).signature
    return "%s %s %s\n" % (EM_DASH, name, base64.b64encode(kid + t.to_bytes(8, "big") + sig)
                           .decode())


def test_witness_cosigns_a_checkpoint(env):
    c = env.client
    admin, witness, member = env.tokens["admin"], env.tokens["witness"], env.tokens["member"]
    name = "witness.test/w%d" % (time.time_ns() % 100000)
    sk, kid, vkey = witness_key(name)
    assert_problem(c.post("/api/v1/ledger/witnesses", {"vkey": vkey}), 401)
    assert_problem(c.post("/api/v1/ledger/witnesses", {"vkey": vkey}, token=member), 403)
    assert_problem(c.post("/api/v1/ledger/witnesses", {"vkey": "nonsense"}, token=admin), 400)
    assert_problem(c.post("/api/v1/ledger/witnesses", {"vkey": get_key(c)}, token=admin), 400)
    assert_problem(c.post("/api/v1/ledger/witnesses", {"vkey": vkey, "x": 1}, token=admin), 400)
    r = c.post("/api/v1/ledger/witnesses", {"vkey": vkey}, token=admin)
    assert r.status == 201, r
    assert r.body == {"name": name, "vkey": vkey}

    st = wait_checkpoint_covers_log(c)
    assert st["witnesses"] >= 1 and st["checkpoint_size"] == st["size"]
    assert st["cosignatures"] == 0 and st["witnessed"] is False
    _, size, _, note = get_checkpoint(c)
    body, _ = parse_note(note)
    line = cosign_line(sk, kid, name, body)

    assert_problem(c.post("/api/v1/ledger/cosignatures", body + "\n" + line), 401)
    assert_problem(c.post("/api/v1/ledger/cosignatures", body + "\n" + line, token=member), 403)
    # a line that does not verify, a key nobody registered, a body this log never signed
    other_sk, other_kid, _ = witness_key(name)
    assert_problem(c.post("/api/v1/ledger/cosignatures",
                          body + "\n" + cosign_line(other_sk, kid, name, body), token=witness),
                   400)
    stranger_sk, stranger_kid, _ = witness_key("stranger.test/w")
    assert_problem(c.post("/api/v1/ledger/cosignatures",
                          body + "\n" + cosign_line(stranger_sk, stranger_kid, "stranger.test/w",
                                                    body), token=witness), 400)
    root_line = body.split("\n")[2]
    fake = body.replace(root_line, base64.b64encode(sha256(b"another root")).decode(), 1)
    assert_problem(c.post("/api/v1/ledger/cosignatures",
                          fake + "\n" + cosign_line(sk, kid, name, fake), token=witness), 400)
    assert_problem(c.post("/api/v1/ledger/cosignatures", "no blank line", token=witness), 400)

    # The whole note as served, plus the witness's line: the log's own line is ignored.
    r = c.post("/api/v1/ledger/cosignatures", note + line, token=witness)
    assert r.status == 200, r
    assert r.body == {"accepted": 1}
    served = c.get("/api/v1/ledger/checkpoint").body
    assert served.startswith(note), "the cosignature follows the log's signature"
    assert line in served
    assert note_verified_by(served, get_key(c)), "the log's signature still verifies"
    # the cosignature verifies independently (cosignature/v1)
    _, sigs = parse_note(served)
    raw = [s for n, s in sigs if n == name][0]
    assert raw[:4] == kid
    t = int.from_bytes(raw[4:12], "big")
    sk.verify_key.verify(b"cosignature/v1\ntime %d\n" % t + body.encode("utf-8"), raw[12:])
    st = c.get("/api/v1/ledger/status").body
    assert st["cosignatures"] == 1 and st["witnessed"] is True


# ---- dure ledger verify on tampered copies ----

def leaf_of(db, seq):
    return sql(db, "SELECT leaf FROM events WHERE seq = ?", (seq,))[0][0]


def set_leaf(db, seq, data):
    sql_exec(db, "UPDATE events SET leaf = ? WHERE seq = ?", (data, seq))


def assert_names(p, index):
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert p.stderr.startswith("dure: "), p.stderr
    assert re.search(r"\bleaf %d\b" % index, p.stderr), p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_verify_accepts_an_untouched_log(tamper):
    n = sql_scalar(tamper, "SELECT count(*) FROM events")
    p = verify_cli(tamper)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "ok: %d leaves, checkpoint of size %d verified" % (n, n)
    js = json.loads(dure("ledger", "verify", "--json", "--db", tamper).stdout)
    assert js == {"ok": True, "leaves": n, "checkpoint_size": n}


def test_verify_names_an_edited_leaf(tamper):
    n = sql_scalar(tamper, "SELECT count(*) FROM events")
    k = n // 2
    raw = bytes(leaf_of(tamper, k))
    set_leaf(tamper, k, raw.replace(b'"v":1', b'"v":2'))
    assert_names(verify_cli(tamper), k)
    js = json.loads(dure("ledger", "verify", "--json", "--db", tamper, check=False).stdout)
    assert js["ok"] is False and js["bad_index"] == k


def test_verify_names_a_deleted_leaf(tamper):
    n = sql_scalar(tamper, "SELECT count(*) FROM events")
    k = n // 3
    sql_exec(tamper, "DELETE FROM events WHERE seq = ?", (k,))
    assert_names(verify_cli(tamper), k)


def test_verify_names_the_lower_of_two_swapped_leaves(tamper):
    n = sql_scalar(tamper, "SELECT count(*) FROM events")
    a, b = n // 4, n // 4 + 7
    la, lb = bytes(leaf_of(tamper, a)), bytes(leaf_of(tamper, b))
    set_leaf(tamper, a, lb)
    set_leaf(tamper, b, la)
    assert_names(verify_cli(tamper), a)


def test_verify_finds_removed_last_leaves(tamper):
    n = sql_scalar(tamper, "SELECT count(*) FROM events")
    sql_exec(tamper, "DELETE FROM events WHERE seq >= ?", (n - 3,))
    p = verify_cli(tamper)
    assert p.returncode == 1 and "removed" in p.stderr, p.stderr
    assert re.search(r"\bleaf %d\b" % (n - 3), p.stderr), p.stderr


def test_verify_finds_a_leaf_rewritten_with_its_hash(tamper):
    """An editor who also rewrites the stored leaf hash is caught by the signed root."""
    n = sql_scalar(tamper, "SELECT count(*) FROM events")
    k = n // 2
    forged = bytes(leaf_of(tamper, k)).replace(b'"v":1', b'"v":3')
    sql_exec(tamper, "UPDATE events SET leaf = ? WHERE seq = ?", (forged, k))
    sql_exec(tamper, "UPDATE tlog_nodes SET hash = ? WHERE level = 0 AND idx = ?",
             (leaf_hash(forged), k))
    p = verify_cli(tamper)
    assert p.returncode == 1 and "checkpoint" in p.stderr, p.stderr


def test_cli_entries_match_the_leaves(tamper):
    n = sql_scalar(tamper, "SELECT count(*) FROM events")
    out = dure("ledger", "entries", 0, n + 10, "--db", tamper).stdout.splitlines()
    assert len(out) == n
    for line in (out[0], out[n // 2], out[-1]):
        i, _, leaf = line.partition("\t")
        assert leaf.encode("utf-8") == bytes(leaf_of(tamper, int(i)))
    js = json.loads(dure("ledger", "entries", 3, 6, "--json", "--db", tamper).stdout)
    assert [e["index"] for e in js["entries"]] == [3, 4, 5]
    assert b64d(js["entries"][0]["data"]) == bytes(leaf_of(tamper, 3))
    # the CLI's checkpoint covers exactly these leaves, by the independent verifier
    note = dure("ledger", "checkpoint", "--db", tamper).stdout
    vkey = dure("ledger", "key", "--db", tamper).stdout.strip()
    assert note_verified_by(note, vkey)
    _, size, root = parse_checkpoint(parse_note(note)[0])
    assert size == n
    assert mth([leaf_hash(bytes(leaf_of(tamper, i))) for i in range(n)]) == root


def test_serve_witness_quorum(env, dure_bin):
    """--witness-quorum N reaches the status; a bad N is a usage error."""
    p = dure("serve", "--db", env.db, "--witness-quorum", "0", check=False, timeout=10)
    assert p.returncode == 64 and "--witness-quorum" in p.stderr, p.stderr
    p = dure("serve", "--db", env.db, "--witness-quorum", "x", check=False, timeout=10)
    assert p.returncode == 64
    proc = subprocess.Popen([dure_bin, "serve", "--db", env.db, "--listen", "127.0.0.1:0",
                             "--threads", "1", "--quiet", "--witness-quorum", "3"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=dict(os.environ, **db_env(env.db)))
    try:
        port, pending, deadline = None, b"", time.monotonic() + 10
        while port is None and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stderr], [], [], 0.5)
            if ready:
                chunk = os.read(proc.stderr.fileno(), 4096)
                if not chunk:
                    break
                pending += chunk
                m = re.search(rb"listening=127\.0\.0\.1:(\d+)", pending)
                if m:
                    port = int(m.group(1))
        assert port, pending
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/v1/ledger/status")
        st = json.loads(conn.getresponse().read())
        conn.close()
        assert st["quorum"] == 3 and st["witnessed"] is False
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
