# SPDX-License-Identifier: Apache-2.0
"""`dure import invoices` of many files at once: the files are stored in groups (one transaction
per group; a savepoint per file unless it was read ahead and found clean) and read ahead on a
helper thread, yet each file is still all or nothing, reported in order, and the same file twice
is recognised, inside one run as across runs."""

import json

from conftest import make_brn, sql_scalar
from test_pool_kill import big_issued_list


def issued_list(path, firm, rows, block):
    """big_issued_list with approval numbers of its own (the middle block says which file)."""
    big_issued_list(path, firm, rows)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace("-41000000-", "-%08d-" % (42000000 + block)))


def bad_copy(src, dst):
    """src with 공급가액 + 세액 != 합계금액 on its last row: the whole file must be refused."""
    with open(src, encoding="utf-8") as f:
        lines = f.read().splitlines()
    cells = lines[-1].split(",")
    cells[14] = str(int(cells[14]) + 1)  # 합계금액
    lines[-1] = ",".join(cells)
    with open(dst, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return len(lines)


def registered(generated, fresh_db):
    """A fresh database with the register the invoice files refer to."""
    fresh_db.cli("init")
    fresh_db.cli("import", "buildings", generated.buildings_csv)
    fresh_db.cli("import", "firms", generated.firms_csv)


def test_many_files_each_all_or_nothing(generated, fresh_db):
    db = fresh_db.db
    registered(generated, fresh_db)
    firms = generated.member_brns()[:3]
    paths = []
    # The last file is longer than the 4,096 records read ahead of the writer: it is parsed
    # as it is stored, the others replayed from what the helper thread read.
    for i, (firm, rows) in enumerate(zip(firms, (300, 301, 5000))):
        p = fresh_db.path("%s_issued.csv" % firm)
        issued_list(p, firm, rows, i)
        paths.append(p)
    # The middle file goes bad on its last line, after its other rows are stored in the group.
    bad_lines = bad_copy(paths[1], paths[1])
    events = sql_scalar(db, "SELECT count(*) FROM events")

    p = fresh_db.cli("import", "invoices", paths[0], paths[1], paths[2], paths[0], "--json",
                     check=False)
    assert p.returncode == 1, p.stderr
    out = [json.loads(line) for line in p.stdout.splitlines()]
    assert [o["file"] for o in out] == [paths[0], paths[1], paths[2], paths[0]]
    assert [o["ok"] for o in out] == [True, False, True, True]
    assert out[0]["new"] == 300 and out[2]["new"] == 5000
    assert out[3]["already"] and out[3]["upload"] == out[0]["upload"]
    assert out[1]["upload"] == 0
    assert [(e["line"], e["column"]) for e in out[1]["errors"]] == [(bad_lines, 15)]

    # Exactly the two good files are stored, with one event each, and the log verifies.
    assert sql_scalar(db, "SELECT count(*) FROM uploads") == 2
    assert sql_scalar(db, "SELECT count(*) FROM invoices") == 5300
    assert sql_scalar(db, "SELECT count(*) FROM invoice_items") == 5300
    assert sql_scalar(db, "SELECT count(*) FROM events") == events + 2
    assert sql_scalar(db, "SELECT count(DISTINCT invoice_id) FROM invoice_items") == 5300
    assert fresh_db.cli("ledger", "verify").returncode == 0

    # Text mode names the bad file's line and column; the good ones say they were there before.
    p = fresh_db.cli("import", "invoices", *paths, check=False)
    assert p.returncode == 1
    assert "%s:%d:15:" % (paths[1], bad_lines) in p.stderr, p.stderr
    assert p.stdout.count("was already uploaded") == 2, p.stdout
    assert sql_scalar(db, "SELECT count(*) FROM uploads") == 2


def test_a_file_refused_by_the_store_sends_its_group_back(generated, fresh_db):
    """A file read ahead and found clean is stored without a savepoint of its own. When the
    store refuses it after all (here: its firm is not registered), the group is rolled back
    and stored again, each file in a savepoint: the files before it and after it are stored
    once, it is refused alone, and the log verifies."""
    db = fresh_db.db
    registered(generated, fresh_db)
    members = generated.member_brns()[:3]
    stranger = make_brn(900000, set(generated.firm_brns()))
    paths = []
    # The stranger's file is longer than the 4,096 records kept ahead: it is checked ahead to
    # its end, found clean, and streamed by the writer without a savepoint.
    for i, (firm, rows) in enumerate(zip((members[0], members[1], stranger, members[2]),
                                         (300, 301, 5002, 303))):
        p = fresh_db.path("%s_issued.csv" % firm)
        issued_list(p, firm, rows, 10 + i)
        paths.append(p)
    events = sql_scalar(db, "SELECT count(*) FROM events")

    p = fresh_db.cli("import", "invoices", *paths, "--json", check=False)
    assert p.returncode == 1, p.stderr
    out = [json.loads(line) for line in p.stdout.splitlines()]
    assert [o["file"] for o in out] == paths
    assert [o["ok"] for o in out] == [True, True, False, True]
    assert [o["new"] for o in out] == [300, 301, 0, 303]
    assert out[2]["upload"] == 0
    assert "firm %s is not registered" % stranger in p.stderr, p.stderr
    assert sql_scalar(db, "SELECT count(*) FROM uploads") == 3
    assert sql_scalar(db, "SELECT count(*) FROM invoices") == 904
    assert sql_scalar(db, "SELECT count(*) FROM invoice_items") == 904
    assert sql_scalar(db, "SELECT count(*) FROM events") == events + 3
    assert sql_scalar(db, "SELECT count(*) FROM firm_months WHERE brn = ?", (stranger,)) == 0
    # The rollups of a group's firms are refreshed once, before it commits: they add up.
    for firm, rows in zip((members[0], members[1], members[2]), (300, 301, 303)):
        assert sql_scalar(db, "SELECT sum(invoices_issued) FROM firm_months WHERE brn = ?",
                          (firm,)) == rows
        assert sql_scalar(db, "SELECT sum(sales_krw) FROM firm_months WHERE brn = ?", (firm,)) \
            == sql_scalar(db, "SELECT sum(supply_krw) FROM invoices WHERE supplier_brn = ?",
                          (firm,))
        assert sql_scalar(db, "SELECT count(DISTINCT month) FROM firm_months WHERE brn = ?",
                          (firm,)) == 12
    assert fresh_db.cli("ledger", "verify").returncode == 0


def test_a_long_file_bad_at_its_end_is_refused_alone(generated, fresh_db):
    """A file longer than the records kept ahead is checked ahead to its end: one that goes
    bad on its last line is stored in a savepoint and rolled back alone, with the line and
    column of its error."""
    db = fresh_db.db
    registered(generated, fresh_db)
    members = generated.member_brns()[:3]
    paths = []
    for i, (firm, rows) in enumerate(zip(members, (300, 6000, 301))):
        p = fresh_db.path("%s_issued.csv" % firm)
        issued_list(p, firm, rows, 20 + i)
        paths.append(p)
    bad_lines = bad_copy(paths[1], paths[1])

    p = fresh_db.cli("import", "invoices", *paths, "--json", check=False)
    assert p.returncode == 1, p.stderr
    out = [json.loads(line) for line in p.stdout.splitlines()]
    assert [o["ok"] for o in out] == [True, False, True]
    assert [(e["line"], e["column"]) for e in out[1]["errors"]] == [(bad_lines, 15)]
    assert sql_scalar(db, "SELECT count(*) FROM uploads") == 2
    assert sql_scalar(db, "SELECT count(*) FROM invoices") == 601
    assert sql_scalar(db, "SELECT count(*) FROM invoice_items") == 601
    assert sql_scalar(db, "SELECT count(*) FROM firm_months WHERE brn = ?", (members[1],)) == 0
    assert fresh_db.cli("ledger", "verify").returncode == 0
