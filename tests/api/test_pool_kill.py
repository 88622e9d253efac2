# SPDX-License-Identifier: Apache-2.0
"""A `kill -9` in the middle of an invoice import leaves no partial upload: the upload is one
transaction, so after the crash the pool, the ledger and the uploads are exactly as before, and
the same file then imports in full."""

import os
import signal
import subprocess
import time

from conftest import DURE_BIN, ON_PG, db_env, dure, fmt_brn, make_brn, sql_scalar

HEADER = ("작성일자,승인번호,발급일자,전송일자,공급자사업자등록번호,종사업장번호,상호,대표자명,주소,"
          "공급받는자사업자등록번호,종사업장번호,상호,대표자명,주소,합계금액,공급가액,세액,"
          "전자세금계산서분류,전자세금계산서종류,발급유형,비고,영수/청구 구분,공급자 이메일,"
          "공급받는자 이메일1,공급받는자 이메일2,품목일자,품목명,품목규격,품목수량,품목단가,"
          "품목공급가액,품목세액,품목비고")


# Big enough to be killed mid-way at any speed (the kill waits for read progress, not time);
# smaller on PostgreSQL, whose row-at-a-time re-import is the slow part of this test.
ROWS = 20000 if ON_PG else 100000


def big_issued_list(path, firm, rows):
    """A Hometax 매출 list of `rows` invoices from firm to outside buyers."""
    buyers = [fmt_brn(make_brn(500000 + i, {firm})) for i in range(50)]
    with open(path, "w", encoding="utf-8") as f:
        f.write("전자세금계산서 목록조회 (매출)\n조회기간,2025-01-01 ~ 2025-12-31\n\n")
        f.write(HEADER + "\n")
        for i in range(rows):
            month = 1 + i % 12
            day = 1 + i % 28
            date = "2025-%02d-%02d" % (month, day)
            approval = "2025%02d%02d-%08d-%08d" % (month, day, 41000000 + i // 100000000, i)
            supply = 10000 + (i * 37) % 900000
            tax = supply // 10
            f.write("%s,%s,%s,%s,%s,,주식회사 킬테스트,,,%s,,거래처 %d,,,%d,%d,%d,일반,일반,"
                    "정기발급,,청구,,,,%s,복사용지 A4 80g,A4,%d,%d,%d,%d,\n"
                    % (date, approval, date, date, fmt_brn(firm), buyers[i % 50], i % 50,
                       supply + tax, supply, tax, date, 10, supply // 10, supply, tax))


def read_bytes(pid):
    """Bytes the process has read so far (/proc/PID/io rchar), 0 when unknown."""
    try:
        with open("/proc/%d/io" % pid) as f:
            for line in f:
                if line.startswith("rchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def state(db):
    return (sql_scalar(db, "SELECT count(*) FROM uploads"),
            sql_scalar(db, "SELECT count(*) FROM invoices"),
            sql_scalar(db, "SELECT count(*) FROM events"),
            sql_scalar(db, "SELECT count(*) FROM tlog_nodes"))


def test_kill_9_mid_import_leaves_nothing(generated, fresh_db):
    db = fresh_db.db
    fresh_db.cli("init")
    fresh_db.cli("import", "buildings", generated.buildings_csv)
    fresh_db.cli("import", "firms", generated.firms_csv)
    firm = generated.member_brns()[0]
    path = fresh_db.path("%s_issued.csv" % firm)
    big_issued_list(path, firm, ROWS)
    before = state(db)

    # Kill it once it is well into the rows: it has read the file once to hash it and then a
    # third of it again while storing (its read count says how far it is, whatever the speed).
    size = os.path.getsize(path)
    proc = subprocess.Popen([DURE_BIN, "import", "invoices", path, "--db", db, "--quiet"],
                            env=db_env(db), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if read_bytes(proc.pid) > size * 1.33:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the import finished before it could be killed; make it bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    assert state(db) == before, "a killed import left rows behind"
    assert fresh_db.cli("ledger", "verify").returncode == 0

    # The database is intact: the same file now imports in full.
    p = fresh_db.cli("import", "invoices", path, "--json", timeout=600)
    assert '"new":%d' % ROWS in p.stdout, p.stdout
    assert sql_scalar(db, "SELECT count(*) FROM uploads") == before[0] + 1
    assert fresh_db.cli("ledger", "verify").returncode == 0
