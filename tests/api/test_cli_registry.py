# SPDX-License-Identifier: Apache-2.0
"""The registry part of the command line, run as subprocesses: help texts, the generator's
determinism, register imports (all or nothing, every error located, encodings, header
variants, idempotence), the member register and its 30% cap, backups, tokens and --db."""

import csv
import filecmp
import io
import json
import os
import re
import subprocess
import tempfile

import pytest

from conftest import (DURE_BIN, ON_PG, SCALE, SEED, digits, drop_db, dure, fmt_brn, new_db, sql,
                      sql_scalar)

FIRM_DUMP = ("SELECT f.brn, f.name, f.ksic, b.name, f.floor, f.unit, f.employees, f.status "
             "FROM firms f LEFT JOIN buildings b ON b.id = f.building_id ORDER BY f.brn")


# ---- helpers ----

def csv_bytes(header, rows, encoding="utf-8", bom=False):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def error_lines(stderr, path):
    """{(line, column or 0): message} of the FILE:LINE[:COL]: message lines on stderr."""
    out = {}
    pat = re.compile(r"^%s:(\d+)(?::(\d+))?: (.+)$" % re.escape(path))
    for line in stderr.splitlines():
        m = pat.match(line)
        if m:
            out[(int(m.group(1)), int(m.group(2) or 0))] = m.group(3)
    return out


def import_json(db, kind, path, check=False):
    p = dure("import", kind, path, "--db", db, "--json", check=check)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        pytest.fail("import --json printed no JSON: %r / %r" % (p.stdout, p.stderr))
    return p, doc


def base_db(fresh, gen, firms=True):
    """init, buildings and (optionally) the firms of the generated cluster."""
    fresh.cli("init")
    fresh.cli("import", "buildings", gen.buildings_csv, "--quiet")
    if firms:
        fresh.cli("import", "firms", gen.firms_csv, "--quiet")
    return fresh


def check_no_newlines(rows):
    assert all("\n" not in c and "\r" not in c for r in rows for c in r), \
        "line numbers below assume one record per line"


@pytest.fixture(scope="module")
def reference_dump(generated):
    """The firms table after importing the generated UTF-8 files as they are."""
    with tempfile.TemporaryDirectory(prefix="dure-ref-") as d:
        db = new_db(d, "ref.db")
        dure("init", "--db", db)
        dure("import", "buildings", generated.buildings_csv, "--db", db, "--quiet")
        dure("import", "firms", generated.firms_csv, "--db", db, "--quiet")
        rows = sql(db, FIRM_DUMP)
        drop_db(db)
    assert len(rows) == len(generated.firms)
    return rows


# ---- help and usage ----

def commands_from_help(text):
    cmds, on = [], False
    for line in text.splitlines():
        if line.strip() == "commands:":
            on = True
            continue
        if on:
            m = re.match(r"^\s+([a-z][a-z-]*)\s+\S", line)
            if not m:
                break
            cmds.append(m.group(1))
    return cmds


def test_help(dure_bin):
    p = dure("--help")
    assert p.returncode == 0
    cmds = commands_from_help(p.stdout)
    for c in ("init", "serve", "gen", "import", "member", "user", "token", "backup"):
        assert c in cmds, (c, p.stdout)


def test_every_subcommand_has_help(dure_bin):
    cmds = commands_from_help(dure("--help").stdout)
    bad = []
    for c in cmds:
        p = dure(c, "--help", check=False, timeout=10)
        if p.returncode != 0 or "usage" not in p.stdout.lower():
            bad.append((c, p.returncode, p.stdout[:80], p.stderr[:200]))
    assert not bad, bad


def test_unknown_command(dure_bin):
    p = dure("frobnicate", check=False)
    assert p.returncode != 0
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert "frobnicate" in lines[0]
    assert p.stdout == ""


def test_no_command_is_usage(dure_bin):
    p = dure(check=False)
    assert p.returncode != 0
    assert "usage" in p.stderr.lower()


# ---- the generator ----

def test_gen_is_deterministic(generated, fresh_db):
    a, b = fresh_db.path("a"), fresh_db.path("b")
    dure("gen", "--seed", SEED, "--out", a, "--scale", SCALE)
    dure("gen", "--seed", SEED + 1, "--out", b, "--scale", SCALE)
    for name in ("buildings.csv", "firms.csv", "members.csv"):
        assert filecmp.cmp(os.path.join(generated.dir, name), os.path.join(a, name),
                           shallow=False), "same seed, same bytes: " + name
    assert not filecmp.cmp(generated.firms_csv, os.path.join(b, "firms.csv"), shallow=False)
    assert not filecmp.cmp(generated.members_csv, os.path.join(b, "members.csv"), shallow=False)


def test_gen_layout(generated):
    assert generated.firms_header[:3] == ["연번", "회사명", "사업자등록번호"]
    for f in generated.firm_dicts():
        assert re.fullmatch(r"\d{3}-\d{2}-\d{5}", f["사업자등록번호"])
    assert len(set(generated.firm_brns())) == len(generated.firms)
    assert set(generated.member_brns()) <= set(generated.firm_brns())


def test_gen_rejects_bad_options(fresh_db):
    for args in (["--seed", "-1"], ["--seed", "x"], ["--scale", "0"], ["--scale", "21"]):
        full = ["gen", "--out", fresh_db.path("x")] + (["--seed", "1"] if "--seed" not in args
                                                        else []) + args
        p = dure(*full, check=False)
        assert p.returncode != 0, args
        assert len(p.stderr.splitlines()) == 1, p.stderr


# ---- imports: all or nothing ----

def broken_firms(gen):
    """The generated firms with five broken rows; returns (bytes, {line: column or 0})."""
    header = gen.firms_header
    rows = [list(r) for r in gen.firms]
    check_no_newlines(rows)
    brn, ksic, emp = (gen.firm_col(c) for c in ("사업자등록번호", "대표업종", "종업원합계"))
    # A valid change that must not be applied.
    rows[0][emp] = str(int(rows[0][emp]) + 1000)
    d = digits(rows[10][brn])
    rows[10][brn] = fmt_brn(d[:9] + str((int(d[9]) + 1) % 10))
    rows[20][ksic] = "00000"
    rows[30][emp] = "many"
    rows[40] = rows[40][:-1]
    data = csv_bytes(header, rows) + b'"unbalanced quote,x,y\n'
    last = len(rows) + 2
    expect = {12: brn + 1, 22: ksic + 1, 32: emp + 1, 42: None, last: None}
    return data, expect


def check_errors_located(found, expect):
    lines = {}
    for (line, col) in found:
        lines.setdefault(line, set()).add(col)
    assert set(lines) == set(expect), "errors on lines %s, expected %s" % (
        sorted(lines), sorted(expect))
    for line, col in expect.items():
        if col is not None:
            assert col in lines[line], "line %d: column %s expected, got %s" % (
                line, col, lines[line])


def test_import_is_all_or_nothing(generated, fresh_db):
    db = base_db(fresh_db, generated, firms=False)
    header, rows = generated.firms_header, [list(r) for r in generated.firms]
    db.cli("import", "firms", write(db.path("first.csv"), csv_bytes(header, rows[:50])),
           "--quiet")
    firms0, events0 = db.count("firms"), db.count("events")
    assert firms0 == 50
    emp0 = sql(db.db, "SELECT employees FROM firms ORDER BY brn")

    data, expect = broken_firms(generated)
    path = write(db.path("broken.csv"), data)
    p = db.cli("import", "firms", path, check=False)
    assert p.returncode != 0
    check_errors_located(error_lines(p.stderr, path), expect)
    assert "nothing was imported" in p.stderr
    assert db.count("firms") == firms0
    assert db.count("events") == events0
    assert sql(db.db, "SELECT employees FROM firms ORDER BY brn") == emp0

    # The same as JSON on stdout.
    p, doc = import_json(db.db, "firms", path)
    assert p.returncode != 0
    assert doc["ok"] is False
    assert isinstance(doc["errors"], list)
    found = {}
    for e in doc["errors"]:
        assert {"line", "column", "message"} <= set(e), e
        assert isinstance(e["message"], str) and e["message"]
        found[(e["line"], e["column"])] = e["message"]
    check_errors_located(found, expect)
    assert db.count("firms") == firms0
    assert db.count("events") == events0


def test_reimport_changes_nothing(generated, fresh_db):
    db = base_db(fresh_db, generated, firms=False)
    p, doc = import_json(db.db, "firms", generated.firms_csv, check=True)
    assert doc["ok"] is True and doc["errors"] == []
    assert doc["inserted"] == doc["rows"] == len(generated.firms)
    events = db.count("events")
    p, doc = import_json(db.db, "firms", generated.firms_csv, check=True)
    assert doc["inserted"] == 0 and doc["updated"] == 0
    assert doc["unchanged"] == len(generated.firms)
    assert db.count("events") == events
    p = db.cli("import", "firms", generated.firms_csv)
    assert "0 new, 0 changed" in p.stdout, p.stdout
    p = db.cli("import", "buildings", generated.buildings_csv)
    assert "0 new, 0 changed" in p.stdout, p.stdout
    assert db.count("events") == events


def test_import_changed_row_is_an_update(generated, fresh_db):
    db = base_db(fresh_db, generated)
    rows = [list(r) for r in generated.firms]
    emp = generated.firm_col("종업원합계")
    rows[3][emp] = str(int(rows[3][emp]) + 7)
    events = db.count("events")
    path = write(db.path("changed.csv"), csv_bytes(generated.firms_header, rows))
    p, doc = import_json(db.db, "firms", path, check=True)
    assert (doc["inserted"], doc["updated"]) == (0, 1)
    assert db.count("events") == events + 1


def test_import_cp949(generated, fresh_db, reference_dump):
    db = base_db(fresh_db, generated, firms=False)
    path = db.path("firms-cp949.csv")
    subprocess.run(["iconv", "-f", "UTF-8", "-t", "CP949", "-o", path, generated.firms_csv],
                   check=True)
    p, doc = import_json(db.db, "firms", path, check=True)
    assert doc["encoding"] == "CP949"
    assert doc["inserted"] == len(generated.firms)
    assert sql(db.db, FIRM_DUMP) == reference_dump
    p = db.cli("import", "firms", path)
    assert "CP949" in p.stdout


def test_import_utf8_bom(generated, fresh_db, reference_dump):
    db = base_db(fresh_db, generated, firms=False)
    with open(generated.firms_csv, "rb") as f:
        path = write(db.path("firms-bom.csv"), b"\xef\xbb\xbf" + f.read())
    p, doc = import_json(db.db, "firms", path, check=True)
    assert doc["encoding"].startswith("UTF-8")
    assert sql(db.db, FIRM_DUMP) == reference_dump


def test_import_crlf(generated, fresh_db, reference_dump):
    db = base_db(fresh_db, generated, firms=False)
    with open(generated.firms_csv, "rb") as f:
        path = write(db.path("firms-crlf.csv"), f.read().replace(b"\n", b"\r\n"))
    import_json(db.db, "firms", path, check=True)
    assert sql(db.db, FIRM_DUMP) == reference_dump


def test_import_columns_in_another_order(generated, fresh_db, reference_dump):
    db = base_db(fresh_db, generated, firms=False)
    header = list(reversed(generated.firms_header))
    rows = [list(reversed(r)) for r in generated.firms]
    path = write(db.path("reversed.csv"), csv_bytes(header, rows))
    import_json(db.db, "firms", path, check=True)
    assert sql(db.db, FIRM_DUMP) == reference_dump


def test_import_english_headers(generated, fresh_db, reference_dump):
    db = base_db(fresh_db, generated, firms=False)
    header = ["brn", "name", "ksic", "employees", "building", "floor", "unit", "status"]
    status = {"가동": "active", "휴업": "suspended", "폐업": "closed"}
    rows = [[f["사업자등록번호"], f["회사명"], f["대표업종"], f["종업원합계"], f["지식산업센터명"],
             f["층"], f["호"], status[f["가동상태"]]] for f in generated.firm_dicts()]
    path = write(db.path("english.csv"), csv_bytes(header, rows))
    import_json(db.db, "firms", path, check=True)
    assert sql(db.db, FIRM_DUMP) == reference_dump


def test_import_missing_required_column(generated, fresh_db):
    db = base_db(fresh_db, generated, firms=False)
    drop = generated.firm_col("대표업종")
    header = [h for i, h in enumerate(generated.firms_header) if i != drop]
    rows = [[c for i, c in enumerate(r) if i != drop] for r in generated.firms]
    path = write(db.path("no-ksic.csv"), csv_bytes(header, rows))
    p = db.cli("import", "firms", path, check=False)
    assert p.returncode != 0
    assert "대표업종" in p.stderr, "the error names the missing column: " + p.stderr
    assert db.count("firms") == 0


def test_import_duplicated_column(generated, fresh_db):
    db = base_db(fresh_db, generated, firms=False)
    name = generated.firm_col("회사명")
    header = generated.firms_header + ["회사명"]
    rows = [list(r) + [r[name] + "2"] for r in generated.firms]
    path = write(db.path("dup-col.csv"), csv_bytes(header, rows))
    p = db.cli("import", "firms", path, check=False)
    assert p.returncode != 0
    errs = error_lines(p.stderr, path)
    assert errs and all(line == 1 for line, _ in errs), p.stderr
    assert any("회사명" in m for m in errs.values()), p.stderr
    assert db.count("firms") == 0


def test_import_undecodable_utf8(generated, fresh_db):
    """A UTF-8 file (detected as such: valid over the first MiB) with bytes that are not
    UTF-8 in one name near the end: one error, at that line and column."""
    db = base_db(fresh_db, generated, firms=False)
    product = generated.firm_col("생산품")
    rows = [list(r) for r in generated.firms]
    pad = max(0, (1 << 20) // len(rows) + 200)
    for r in rows:
        r[product] = (r[product] + " " + "x" * pad)
    data = csv_bytes(generated.firms_header, rows)
    assert len(data) > (1 << 20) + 4096
    lines = data.split(b"\n")
    bad_line = len(lines) - 1  # the last record (lines[-1] is empty)
    name = generated.firm_col("회사명")
    fields = lines[bad_line - 1].split(b",")
    fields[name] = fields[name] + b"\xff\xfe"
    lines[bad_line - 1] = b",".join(fields)
    path = write(db.path("bad-utf8.csv"), b"\n".join(lines))
    p, doc = import_json(db.db, "firms", path)
    assert p.returncode != 0
    assert doc["encoding"] == "UTF-8"
    assert [(e["line"], e["column"]) for e in doc["errors"]] == [(bad_line, name + 1)], doc
    assert "UTF-8" in doc["errors"][0]["message"]
    assert db.count("firms") == 0


def test_import_undecodable_cp949(generated, fresh_db):
    db = base_db(fresh_db, generated, firms=False)
    name = generated.firm_col("회사명")
    rows = [list(r) for r in generated.firms]
    cp = csv_bytes(generated.firms_header, rows, encoding="cp949")
    lines = cp.split(b"\n")
    bad_line = 6
    fields = lines[bad_line - 1].split(b",")
    fields[name] = fields[name] + b"\x80\x80"
    lines[bad_line - 1] = b",".join(fields)
    path = write(db.path("bad-cp949.csv"), b"\n".join(lines))
    p, doc = import_json(db.db, "firms", path)
    assert p.returncode != 0
    assert doc["encoding"] == "CP949"
    assert [(e["line"], e["column"]) for e in doc["errors"]] == [(bad_line, name + 1)], doc
    assert "CP949" in doc["errors"][0]["message"]
    p = db.cli("import", "firms", path, check=False)
    assert (bad_line, name + 1) in error_lines(p.stderr, path), p.stderr
    assert db.count("firms") == 0


def test_import_firm_in_unknown_building(generated, fresh_db):
    db = fresh_db
    db.cli("init")
    p = db.cli("import", "firms", generated.firms_csv, check=False)
    assert p.returncode != 0
    assert "import buildings first" in p.stderr
    assert db.count("firms") == 0 and db.count("events") == 0


def test_import_members_needs_registered_firms(generated, fresh_db):
    db = fresh_db
    db.cli("init")
    p = db.cli("import", "members", generated.members_csv, check=False)
    assert p.returncode != 0
    assert db.count("members") == 0


def test_import_unknown_kind_and_missing_file(generated, fresh_db):
    fresh_db.cli("init")
    p = fresh_db.cli("import", "widgets", generated.firms_csv, check=False)
    assert p.returncode != 0 and len(p.stderr.splitlines()) == 1
    p = fresh_db.cli("import", "firms", fresh_db.path("nope.csv"), check=False)
    assert p.returncode != 0 and len(p.stderr.splitlines()) == 1, p.stderr


# ---- the member register ----

def tiny_db(gen, fresh, n=5):
    fresh.cli("init")
    fresh.cli("import", "buildings", gen.buildings_csv, "--quiet")
    path = write(fresh.path("five.csv"), csv_bytes(gen.firms_header,
                                                   [list(r) for r in gen.firms[:n]]))
    fresh.cli("import", "firms", path, "--quiet")
    return [digits(r[gen.firm_col("사업자등록번호")]) for r in gen.firms[:n]]


def member_list(db, *extra):
    return json.loads(db.cli("member", "list", "--json", *extra).stdout)


def test_member_admit_cap_withdraw_list_export(generated, fresh_db):
    db = fresh_db
    brns = tiny_db(generated, db)
    for b in brns[:4]:
        db.cli("member", "admit", b, "--shares", "10", "--date", "2025-01-02")
    reg = member_list(db)
    assert len(reg["items"]) == 4 and reg["total_shares"] == 40
    events = db.count("events")

    p = db.cli("member", "admit", fmt_brn(brns[4]), "--shares", "100", check=False)
    assert p.returncode != 0
    assert "30%" in p.stderr, p.stderr
    assert len(p.stderr.splitlines()) == 1
    assert member_list(db) == reg, "register unchanged"
    assert db.count("events") == events

    db.cli("member", "admit", fmt_brn(brns[4]), "--shares", "10", "--paid", "50000",
           "--date", "2025-02-03")
    reg = member_list(db)
    assert reg["total_shares"] == 50
    e = [m for m in reg["items"] if m["brn"] == brns[4]][0]
    assert (e["shares"], e["paid_in_krw"], e["admitted_on"]) == (10, 50000, "2025-02-03")
    assert e["name"] == generated.firms[4][generated.firm_col("회사명")]

    db.cli("member", "withdraw", brns[0], "--date", "2025-03-04")
    reg = member_list(db)
    assert brns[0] not in [m["brn"] for m in reg["items"]]
    assert reg["total_shares"] == 40
    every = member_list(db, "--all")
    w = [m for m in every["items"] if m["brn"] == brns[0]]
    assert len(w) == 1 and w[0]["withdrawn_on"] == "2025-03-04"

    text = db.cli("member", "list").stdout
    assert fmt_brn(brns[1]) in text

    out = db.path("members.csv")
    db.cli("member", "export", out)
    with open(out, "rb") as f:
        data = f.read()
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM for Excel"
    exported = data.decode("utf-8-sig")
    for b in brns[1:]:
        assert b in digits(exported) or fmt_brn(b) in exported
    stdout_export = subprocess.run([DURE_BIN, "member", "export", "--db", db.db],
                                   capture_output=True, check=True).stdout
    assert stdout_export == data

    # The export imports back into an empty register unchanged.
    db2 = db.path("round.db")
    dure("init", "--db", db2)
    dure("import", "buildings", generated.buildings_csv, "--db", db2, "--quiet")
    dure("import", "firms", db.path("five.csv"), "--db", db2, "--quiet")
    dure("import", "members", out, "--db", db2, "--quiet")
    assert json.loads(dure("member", "list", "--json", "--db", db2).stdout)["items"] == \
        member_list(db)["items"]


def test_member_cap_on_the_fourth_admission(generated, fresh_db):
    db = fresh_db
    brns = tiny_db(generated, db)
    for b in brns[:3]:
        db.cli("member", "admit", b, "--shares", "10")
    p = db.cli("member", "admit", brns[3], "--shares", "20", check=False)
    assert p.returncode != 0 and "30%" in p.stderr
    assert len(member_list(db)["items"]) == 3


def test_member_errors(generated, fresh_db):
    db = fresh_db
    brns = tiny_db(generated, db)
    unknown = generated.firm_brns()[-1]
    assert unknown not in brns
    p = db.cli("member", "admit", unknown, "--shares", "1", check=False)
    assert p.returncode != 0 and len(p.stderr.splitlines()) == 1
    p = db.cli("member", "admit", brns[0], "--shares", "0", check=False)
    assert p.returncode != 0
    p = db.cli("member", "admit", brns[0][:9] + "0" if brns[0][9] != "0" else brns[0][:9] + "1",
               "--shares", "1", check=False)
    assert p.returncode != 0
    p = db.cli("member", "withdraw", brns[1], check=False)
    assert p.returncode != 0, "withdrawing a firm that is not a member fails"
    assert member_list(db)["items"] == []


def test_import_members_respects_the_cap(generated, fresh_db):
    db = fresh_db
    brns = tiny_db(generated, db)
    header = ["사업자등록번호", "가입일", "출자좌수", "납입출자금"]
    rows = [[fmt_brn(b), "2024-05-0%d" % (i + 1), "10", "100000"] for i, b in enumerate(brns)]
    rows[4][2] = "100"
    path = write(db.path("members-over.csv"), csv_bytes(header, rows))
    p = db.cli("import", "members", path, check=False)
    assert p.returncode != 0 and "30%" in p.stderr, p.stderr
    assert db.count("members") == 0
    rows[4][2] = "10"
    write(path, csv_bytes(header, rows))
    db.cli("import", "members", path, "--quiet")
    assert member_list(db)["total_shares"] == 50


# ---- backup, tokens, --db ----

def test_backup_is_a_readable_database(generated, fresh_db):
    db = base_db(fresh_db, generated)
    out = db.path("backup.db")
    if ON_PG:
        # PostgreSQL has pg_dump and base backups: dure backup says so and writes nothing.
        p = db.cli("backup", out, check=False)
        assert p.returncode == 1 and "pg_dump" in p.stderr and not os.path.exists(out), p.stderr
        return
    db.cli("backup", out)
    p = subprocess.run(["sqlite3", out, "select count(*) from firms"], capture_output=True,
                       text=True, check=True)
    assert int(p.stdout.strip()) == len(generated.firms)
    assert sql(out, FIRM_DUMP) == sql(db.db, FIRM_DUMP)


def test_token_create_member_needs_a_firm(generated, fresh_db):
    db = fresh_db
    brns = tiny_db(generated, db)
    p = db.cli("token", "create", "--role", "member", check=False)
    assert p.returncode != 0
    assert p.stdout == ""
    assert "--firm" in p.stderr and len(p.stderr.splitlines()) == 1, p.stderr
    p = db.cli("token", "create", "--role", "member", "--firm", generated.firm_brns()[-1],
               check=False)
    assert p.returncode != 0 and "not registered" in p.stderr
    p = db.cli("token", "create", "--role", "emperor", check=False)
    assert p.returncode != 0
    assert json.loads(db.cli("token", "list", "--json").stdout)["items"] == []
    tok = db.cli("token", "create", "--role", "member", "--firm", brns[0]).stdout.strip()
    assert tok
    items = json.loads(db.cli("token", "list", "--json").stdout)["items"]
    assert len(items) == 1 and items[0]["firm"] == brns[0] and items[0]["revoked"] is False
    assert tok not in json.dumps(items) and tok not in sql(db.db, "SELECT * FROM tokens")[0]
    p = db.cli("token", "revoke", "999", check=False)
    assert p.returncode != 0


def test_db_in_an_unwritable_place(dure_bin):
    for path in ("/dev/null/dure-test/dure.db", "/proc/dure-test/dure.db"):
        p = dure("init", "--db", path, check=False)
        assert p.returncode != 0, path
        assert len(p.stderr.splitlines()) == 1, p.stderr
        assert p.stdout == ""
        p = dure("member", "list", "--db", path, check=False)
        assert p.returncode != 0 and len(p.stderr.splitlines()) == 1, p.stderr


def test_dure_db_environment(generated, fresh_db):
    env = {"DURE_DB": fresh_db.db}
    dure("init", env=env)
    assert ON_PG or os.path.exists(fresh_db.db)
    dure("import", "buildings", generated.buildings_csv, "--quiet", env=env)
    assert fresh_db.count("buildings") == len(generated.buildings)
    assert json.loads(dure("member", "list", "--json", env=env).stdout)["items"] == []
    # --db wins over DURE_DB
    other = fresh_db.path("other.db")
    dure("init", "--db", other, env=env)
    assert sql_scalar(other, "SELECT count(*) FROM buildings") == 0


def test_init_is_idempotent(fresh_db):
    a = json.loads(fresh_db.cli("init", "--json").stdout)
    b = json.loads(fresh_db.cli("init", "--json").stdout)
    assert a == b and a["schema_version"] >= 1


def test_user_add(generated, fresh_db):
    db = fresh_db
    brns = tiny_db(generated, db)
    db.cli("user", "add", "bob", "--role", "member", "--firm", brns[0], "--firm", brns[1],
           env={"DURE_PASSWORD": "pw-1234567"})
    h = sql_scalar(db.db, "SELECT password_hash FROM users WHERE username = 'bob'")
    assert h.startswith("$argon2id$")
    p = db.cli("user", "add", "bob", "--role", "member", "--firm", brns[0],
               env={"DURE_PASSWORD": "x"}, check=False)
    assert p.returncode != 0, "a taken username"
    p = db.cli("user", "add", "carol", "--role", "member", "--firm",
               generated.firm_brns()[-1], env={"DURE_PASSWORD": "x"}, check=False)
    assert p.returncode != 0, "a firm that is not registered"
