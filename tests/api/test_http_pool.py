# SPDX-License-Identifier: Apache-2.0
"""The data-pool part of the HTTP API against a real `dure serve` of its own (a database of its
own, so the uploads here change nothing for the other test files): uploads of Hometax invoice
lists and KPI files streamed to disk, deduplication, linking of the two sides of an invoice,
conflicts, all-or-nothing rejection, invoices, KPIs, rollups, consent, data uses, isolation
between member firms, and that personal data never reaches a response or the database.

The tests run in file order and build on each other (as a member would: upload, read,
delete); the last one deletes A's upload."""

import csv
import hashlib
import http.client
import io
import json
import os
import re
import select
import socket
import urllib.parse

import pytest

from conftest import Cluster, Server, db_bytes, new_db, sql, sql_scalar

# ---- the Hometax list layout ----

HEADER = ["작성일자", "승인번호", "발급일자", "전송일자", "공급자사업자등록번호", "종사업장번호", "상호",
          "대표자명", "주소", "공급받는자사업자등록번호", "종사업장번호", "상호", "대표자명", "주소",
          "합계금액", "공급가액", "세액", "전자세금계산서분류", "전자세금계산서종류", "발급유형", "비고",
          "영수/청구 구분", "공급자 이메일", "공급받는자 이메일1", "공급받는자 이메일2", "품목일자", "품목명",
          "품목규격", "품목수량", "품목단가", "품목공급가액", "품목세액", "품목비고"]
assert len(HEADER) == 33
COL = {name: i + 1 for i, name in enumerate(HEADER) if name not in ("종사업장번호", "상호",
                                                                     "대표자명", "주소")}

# Personal data put in the files: none of it may come out of the API or land in the database.
REP_A = "김대표비밀"
REP_B = "이대표비밀"
ADDR = "서울특별시 구로구 비밀로 123-45 6789호"
EMAIL_A = "ceo.secret.a@example.com"
EMAIL_B1 = "buyer.secret.b1@example.com"
EMAIL_B2 = "buyer.secret.b2@example.com"
PERSON_ID = "800101-1234567"
PERSON_NAME = "박개인비밀"
NOTE = "메모비밀메모"
PERSONAL = [REP_A, REP_B, ADDR, EMAIL_A, EMAIL_B1, EMAIL_B2, PERSON_ID, PERSON_ID.replace("-", ""),
            PERSON_NAME, NOTE]

MASKED_PERSON = {"kind": "person", "brn": None, "name": "개인 (비공개)", "branch": None}
UPLOAD_KEYS = {"id", "kind", "firm", "sha256", "format", "filename", "created_at", "rows", "new",
               "linked", "unchanged", "conflicts"}
INVOICE_KEYS = {"approval_no", "written_on", "issued_on", "month", "supplier", "buyer",
                "total_krw", "supply_krw", "tax_krw", "tax_exempt", "amended", "kind", "receipt",
                "items_complete", "item"}
ITEM_KEYS = {"date", "name", "spec", "qty", "unit_price_krw", "supply_krw", "tax_krw"}
PROBLEM_KEYS = {"type", "title", "status", "detail"}


def approval(n, prefix="20250115"):
    """A 24-digit 승인번호 shown 8-8-8, as Hometax does."""
    return "%s-%08d-%08d" % (prefix, 41000000 + n // 100000000, n % 100000000)


def digits(s):
    return "".join(c for c in s if c.isdigit())


def row(approval_no, supplier, buyer, supply, tax=None, total=None, written="2025-01-15",
        item="볼트 M8", qty="1.5", price=None, buyer_name="(주)받는회사", buyer_id=None):
    tax = supply // 10 if tax is None else tax
    total = supply + tax if total is None else total
    price = supply if price is None else price
    return [written, approval_no, written, written, supplier, "", "(주)주는회사", REP_A, ADDR,
            buyer_id or buyer, "", buyer_name, REP_B, ADDR, str(total), str(supply), str(tax),
            "일반", "일반", "전자발행", NOTE, "청구", EMAIL_A, EMAIL_B1, EMAIL_B2, written, item,
            "SPEC-1", qty, str(price), str(supply), str(tax), NOTE]


def hometax_csv(rows, side="매출", bom=True):
    """A Hometax list export: title rows, a blank row, the header, the rows (UTF-8)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["전자세금계산서 목록조회 결과 (%s)" % side])
    w.writerow(["조회기간: 2025-01-01 ~ 2025-03-31"])
    w.writerow([])
    w.writerow(HEADER)
    for r in rows:
        w.writerow(r)
    data = out.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


HEADER_LINE = 4  # the header is line 4 of hometax_csv; data rows start on line 5


def kpi_csv(rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["brn", "month", "revenue_krw", "production_krw", "exports_krw", "employees"])
    for r in rows:
        w.writerow(r)
    return out.getvalue().encode("utf-8")


# ---- the module's own server ----

class Env:
    pass


@pytest.fixture(scope="module")
def env(generated, tmp_path_factory):
    d = tmp_path_factory.mktemp("pool")
    e = Env()
    e.db = new_db(str(d))
    e.tmpdir = str(d / "tmp")
    os.mkdir(e.tmpdir)
    c = Cluster(generated, e.db)
    c.cli("init")
    for kind, path in (("buildings", generated.buildings_csv), ("firms", generated.firms_csv),
                       ("members", generated.members_csv)):
        c.cli("import", kind, path, "--quiet")
    members = generated.member_brns()
    e.a, e.b = members[0], members[1]
    e.c = next(b for b in generated.firm_brns() if b not in members)
    e.cluster = c
    e.tok = {"admin": c.token("admin"), "a": c.token("member", e.a),
             "b": c.token("member", e.b), "supplier": c.token("supplier"),
             "witness": c.token("witness")}
    # The server writes upload bodies to its $TMPDIR: one of our own, to see them go.
    old = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = e.tmpdir
    try:
        e.server = Server(e.db)
    finally:
        if old is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = old
    e.client = e.server.client
    e.client.timeout = 60
    e.state = {}
    try:
        yield e
    finally:
        alive = e.server.proc.poll() is None
        rc = e.server.stop()
    assert alive, "dure serve died during the pool tests\n%s" % "\n".join(
        list(e.server.log)[-30:])
    assert rc == 0, rc


def upload(e, body, token, kind="invoices", firm=None, filename=None):
    q = "kind=" + kind
    if firm:
        q += "&firm=" + firm
    if filename:
        q += "&filename=" + urllib.parse.quote(filename)
    return e.client.post("/api/v1/uploads?" + q, body=body, token=token,
                         headers={"Content-Type": "text/csv"})


def raw_status(port, method, path, token, body, timeout=10):
    """Send a request with body over a socket, stopping as soon as the server answers (it may
    refuse a body before reading it); returns the status."""
    head = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Length: %d\r\n\r\n" % (method, path, token, len(body))).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(head)
        sent = 0
        while sent < len(body):
            r, w, _ = select.select([s], [s], [], timeout)
            if r:
                break
            assert w, "the server neither reads nor answers"
            try:
                sent += s.send(body[sent:sent + 65536])
            except (BrokenPipeError, ConnectionResetError):
                break
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return int(data.split(b" ", 2)[1])
    finally:
        s.close()


def assert_problem(r, status):
    assert r.status == status, r
    assert r.ctype == "application/problem+json", r
    missing = PROBLEM_KEYS - set(r.body)
    assert not missing, r.body
    assert r.body["status"] == status
    if status == 401:
        assert (r.headers.get("WWW-Authenticate") or "").startswith("Bearer"), r.headers
    return r.body


def invoices(e, token, query=""):
    r = e.client.get("/api/v1/invoices" + query, token=token)
    assert r.status == 200, r
    assert set(r.body) == {"items", "next"}
    return r.body["items"]


def event_count(e):
    return sql_scalar(e.db, "SELECT count(*) FROM events")


def leftovers(e):
    return [f for f in os.listdir(e.tmpdir) if f.startswith("dure-upload-")]


# The invoices between A and B (and one to a private person) that the tests upload.
def shared_rows(e):
    return [row(approval(1), e.a, e.b, 100000),
            row(approval(2), e.a, e.b, 250000, item="너트 M8", qty="3"),
            row(approval(3), e.a, e.b, 1000000, written="2025-02-03", qty="0.125")]


def person_row(e):
    return row(approval(4), e.a, None, 50000, buyer_id=PERSON_ID, buyer_name=PERSON_NAME)


# ---- uploads ----

def test_upload_issued_list_then_the_same_bytes_again(env):
    e = env
    body = hometax_csv(shared_rows(e) + [person_row(e)])
    events_before = event_count(e)
    r = upload(e, body, e.tok["a"], firm=e.a, filename="매출_2025Q1.csv")
    assert r.status == 201, r
    assert r.ctype == "application/json"
    assert set(r.body) == {"upload", "already", "conflicts", "ledger_index"}
    u = r.body["upload"]
    assert set(u) == UPLOAD_KEYS
    assert (u["kind"], u["firm"], u["rows"], u["new"], u["linked"], u["unchanged"],
            u["conflicts"]) == ("invoices", e.a, 4, 4, 0, 0, 0)
    assert u["sha256"] == hashlib.sha256(body).hexdigest()
    assert u["format"].startswith("csv")
    assert u["filename"] == "매출_2025Q1.csv"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", u["created_at"])
    assert r.body["already"] is False and r.body["conflicts"] == []
    assert isinstance(r.body["ledger_index"], int) and r.body["ledger_index"] >= events_before
    assert r.headers.get("Location") == "/api/v1/uploads/%d" % u["id"]
    assert event_count(e) == events_before + 1
    e.state["a_upload"] = u["id"]

    # The same bytes again: nothing changes, the first upload is named.
    again = upload(e, body, e.tok["a"], firm=e.a)
    assert again.status == 200, again
    assert again.body["already"] is True
    assert again.body["upload"]["id"] == u["id"]
    assert again.body["upload"]["new"] == 4
    assert again.body["ledger_index"] is None
    assert event_count(e) == events_before + 1

    listed = e.client.get("/api/v1/uploads", token=e.tok["a"])
    assert listed.status == 200, listed
    assert listed.body["next"] is None
    assert [x["id"] for x in listed.body["items"]] == [u["id"]]
    assert set(listed.body["items"][0]) == UPLOAD_KEYS
    assert e.client.get("/api/v1/uploads?firm=" + e.a, token=e.tok["admin"]).body["items"] == \
        listed.body["items"]
    assert leftovers(e) == [], "the body's temporary file is removed"


def test_invoices_of_the_uploading_firm(env):
    e = env
    items = invoices(e, e.tok["a"], "?firm=" + e.a)
    assert [i["approval_no"] for i in items] == [digits(approval(n)) for n in (1, 2, 3, 4)]
    for i in items:
        assert INVOICE_KEYS <= set(i) <= INVOICE_KEYS | {"side"}, i
        assert i["side"] == "issued"
        assert i["supplier"] == {"brn": e.a, "name": "(주)주는회사", "branch": None}
        assert set(i["item"]) == ITEM_KEYS
    first, second, third, person = items
    assert first["buyer"] == {"kind": "business", "brn": e.b, "name": "(주)받는회사",
                              "branch": None}
    assert (first["written_on"], first["month"], first["total_krw"], first["supply_krw"],
            first["tax_krw"]) == ("2025-01-15", "2025-01", 110000, 100000, 10000)
    assert (first["tax_exempt"], first["amended"], first["receipt"],
            first["items_complete"]) == (False, False, False, False)
    assert first["item"]["qty"] == 1.5 and first["item"]["name"] == "볼트 M8"
    assert first["item"]["unit_price_krw"] == 100000
    assert second["item"]["qty"] == 3 and isinstance(second["item"]["qty"], int)
    assert third["item"]["qty"] == 0.125 and third["month"] == "2025-02"
    assert person["buyer"] == MASKED_PERSON

    # A member with one firm may leave ?firm= out; filters and paging.
    assert invoices(e, e.tok["a"]) == items
    assert [i["approval_no"] for i in invoices(e, e.tok["a"], "?month=2025-02")] == \
        [digits(approval(3))]
    assert len(invoices(e, e.tok["a"], "?side=issued")) == 4
    assert invoices(e, e.tok["a"], "?side=received") == []
    page = e.client.get("/api/v1/invoices?limit=3", token=e.tok["a"]).body
    assert len(page["items"]) == 3 and page["next"] == digits(approval(3))
    rest = e.client.get("/api/v1/invoices?limit=3&cursor=" + page["next"], token=e.tok["a"]).body
    assert [i["approval_no"] for i in rest["items"]] == [digits(approval(4))]
    assert rest["next"] is None
    for bad in ("?month=2025-13", "?month=x", "?side=both", "?limit=0", "?cursor=12",
                "?firm=123"):
        assert_problem(e.client.get("/api/v1/invoices" + bad, token=e.tok["a"]), 400)
    # An admin must say which firm.
    assert_problem(e.client.get("/api/v1/invoices", token=e.tok["admin"]), 400)
    assert len(invoices(e, e.tok["admin"], "?firm=" + e.a)) == 4


def test_the_buyer_side_links_to_the_same_invoices(env):
    e = env
    body = hometax_csv(shared_rows(e), side="매입")
    r = upload(e, body, e.tok["b"], firm=e.b)
    assert r.status == 201, r
    u = r.body["upload"]
    assert (u["firm"], u["rows"], u["new"], u["linked"], u["conflicts"]) == (e.b, 3, 0, 3, 0)
    e.state["b_upload"] = u["id"]
    items = invoices(e, e.tok["b"])
    assert [i["approval_no"] for i in items] == [digits(approval(n)) for n in (1, 2, 3)]
    assert {i["side"] for i in items} == {"received"}
    # A sees no more than before: B's file added nothing of A's.
    assert len(invoices(e, e.tok["a"])) == 4


def test_a_conflicting_invoice_is_listed_not_merged(env):
    e = env
    rows = [row(approval(2), e.a, e.b, 260000, item="너트 M8", qty="3"),  # A said 250000
            row(approval(5), e.a, e.b, 70000, written="2025-02-20")]
    r = upload(e, hometax_csv(rows, side="매입"), e.tok["b"], firm=e.b)
    assert r.status == 201, r
    u = r.body["upload"]
    assert (u["rows"], u["new"], u["linked"], u["conflicts"]) == (2, 1, 0, 1)
    assert len(r.body["conflicts"]) == 1
    c = r.body["conflicts"][0]
    assert set(c) == {"line", "approval_no", "message"}
    assert c["line"] == HEADER_LINE + 1
    assert c["approval_no"] == digits(approval(2))
    assert c["message"]
    # The pool keeps the first facts.
    kept = [i for i in invoices(e, e.tok["b"]) if i["approval_no"] == digits(approval(2))]
    assert kept[0]["supply_krw"] == 250000


def test_a_file_with_bad_rows_is_422_and_stores_nothing(env):
    e = env
    before_a = invoices(e, e.tok["a"])
    before_uploads = e.client.get("/api/v1/uploads", token=e.tok["a"]).body
    events_before = event_count(e)
    bad_total = row(approval(10), e.a, e.b, 100000, total=120000)
    long_approval = row("2025011541000000000000011", e.a, e.b, 100000)  # 25 digits
    bad_date = row(approval(12), e.a, e.b, 100000, written="2025-02-30")
    good = row(approval(13), e.a, e.b, 100000)
    r = upload(e, hometax_csv([good, bad_total, long_approval, bad_date]), e.tok["a"],
               firm=e.a)
    body = assert_problem(r, 422)
    assert body["type"].endswith("/unprocessable")
    assert "nothing was stored" in body["detail"]
    errs = body["errors"]
    at = {(x["line"], x.get("column")) for x in errs}
    assert (HEADER_LINE + 2, COL["합계금액"]) in at, errs
    assert (HEADER_LINE + 3, COL["승인번호"]) in at, errs
    assert (HEADER_LINE + 4, COL["작성일자"]) in at, errs
    assert len(errs) == 3, errs
    for x in errs:
        assert x["message"]
    assert invoices(e, e.tok["a"]) == before_a
    assert e.client.get("/api/v1/uploads", token=e.tok["a"]).body == before_uploads
    assert event_count(e) == events_before
    assert leftovers(e) == []

    # Not an invoice file at all, and a list where neither party is the uploading firm.
    assert_problem(upload(e, b"hello\nworld\n", e.tok["a"], firm=e.a), 422)
    stranger = row(approval(14), e.c, e.b, 100000)
    r = upload(e, hometax_csv([stranger]), e.tok["a"], firm=e.a)
    assert_problem(r, 422)
    assert r.body["errors"][0]["line"] == HEADER_LINE + 1
    assert invoices(e, e.tok["a"]) == before_a


def test_upload_parameters(env):
    e = env
    body = hometax_csv([row(approval(20), e.a, e.b, 1000)])
    assert_problem(upload(e, body, e.tok["a"], kind="pictures", firm=e.a), 400)
    assert_problem(e.client.post("/api/v1/uploads", body=body, token=e.tok["a"]), 400)
    assert_problem(upload(e, body, e.tok["a"], firm="123-45-67890"), 400)
    # An admin must name the firm of an invoice list.
    assert_problem(upload(e, body, e.tok["admin"]), 400)
    assert digits(approval(20)) not in [i["approval_no"] for i in invoices(e, e.tok["a"])]


def test_kpis(env):
    e = env
    body = kpi_csv([[e.a, "2025-01", 5000000, 3000000, 1000000, 12],
                    [e.a, "2025-02", 6000000, 3500000, 0, 13]])
    r = upload(e, body, e.tok["a"], kind="kpis", firm=e.a, filename="kpi.csv")
    assert r.status == 201, r
    assert (r.body["upload"]["kind"], r.body["upload"]["rows"], r.body["upload"]["new"]) == \
        ("kpis", 2, 2)
    e.state["a_kpi_upload"] = r.body["upload"]["id"]
    k = e.client.get("/api/v1/kpis?firm=" + e.a, token=e.tok["a"])
    assert k.status == 200, k
    assert k.body["items"] == [
        {"brn": e.a, "month": "2025-01", "revenue_krw": 5000000, "production_krw": 3000000,
         "exports_krw": 1000000, "employees": 12},
        {"brn": e.a, "month": "2025-02", "revenue_krw": 6000000, "production_krw": 3500000,
         "exports_krw": 0, "employees": 13}]
    assert [x["month"] for x in
            e.client.get("/api/v1/kpis?month=2025-02", token=e.tok["a"]).body["items"]] == \
        ["2025-02"]
    assert_problem(e.client.get("/api/v1/kpis?month=202", token=e.tok["a"]), 400)
    # A row for another firm rejects the file.
    r = upload(e, kpi_csv([[e.a, "2025-03", 1, 1, 1, 1], [e.b, "2025-03", 1, 1, 1, 1]]),
               e.tok["a"], kind="kpis", firm=e.a)
    body = assert_problem(r, 422)
    assert body["errors"][0]["line"] == 3 and body["errors"][0]["column"] == 1
    # So does a month given twice (it would otherwise overwrite itself silently).
    r = upload(e, kpi_csv([[e.a, "2025-03", 1, 1, 1, 1], [e.a, "2025-03", 2, 2, 2, 2]]),
               e.tok["a"], kind="kpis", firm=e.a)
    body = assert_problem(r, 422)
    assert [(x["line"], x["column"], x["field"]) for x in body["errors"]] == [(3, 2, "month")]
    assert "line 2" in body["errors"][0]["message"]
    assert len(e.client.get("/api/v1/kpis", token=e.tok["a"]).body["items"]) == 2


def test_rollups(env):
    e = env
    r = e.client.get("/api/v1/firms/%s/rollups" % e.a, token=e.tok["a"])
    assert r.status == 200, r
    assert r.body["items"] == [
        {"month": "2025-01", "sales_krw": 100000 + 250000 + 50000, "purchases_krw": 0,
         "cluster_purchases_krw": 0, "invoices_issued": 3, "invoices_received": 0},
        {"month": "2025-02", "sales_krw": 1000000, "purchases_krw": 0,
         "cluster_purchases_krw": 0, "invoices_issued": 1, "invoices_received": 0}]
    r = e.client.get("/api/v1/firms/%s/rollups" % e.b, token=e.tok["b"])
    assert r.status == 200, r
    # B bought from A, a firm of the cluster.
    assert r.body["items"] == [
        {"month": "2025-01", "sales_krw": 0, "purchases_krw": 350000,
         "cluster_purchases_krw": 350000, "invoices_issued": 0, "invoices_received": 2},
        {"month": "2025-02", "sales_krw": 0, "purchases_krw": 1070000,
         "cluster_purchases_krw": 1070000, "invoices_issued": 0, "invoices_received": 2}]
    # The BRN in the path may carry hyphens; an admin may look.
    hy = "%s-%s-%s" % (e.a[:3], e.a[3:5], e.a[5:])
    assert e.client.get("/api/v1/firms/%s/rollups" % hy, token=e.tok["admin"]).body["items"] == \
        e.client.get("/api/v1/firms/%s/rollups" % e.a, token=e.tok["a"]).body["items"]
    assert_problem(e.client.get("/api/v1/firms/123/rollups", token=e.tok["a"]), 400)


def test_consent_round_trip_is_an_event(env):
    e = env
    path = "/api/v1/firms/%s/consent" % e.a
    r = e.client.get(path, token=e.tok["a"])
    assert r.status == 200, r
    assert r.body == {"brn": e.a, "updated_at": None,
                      "scopes": {"statistics": False, "benchmarking": False,
                                 "purchasing": False, "matching": False}}
    events_before = event_count(e)
    scopes = {"statistics": True, "benchmarking": False, "purchasing": True, "matching": False}
    r = e.client.put(path, {"scopes": scopes}, token=e.tok["a"])
    assert r.status == 200, r
    assert r.body["brn"] == e.a and r.body["scopes"] == scopes
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", r.body["updated_at"])
    assert e.client.get(path, token=e.tok["a"]).body == r.body
    assert event_count(e) == events_before + 1
    leaf = sql(e.db, "SELECT leaf FROM events ORDER BY seq DESC LIMIT 1")[0][0]
    leaf = leaf.decode() if isinstance(leaf, bytes) else leaf
    assert json.loads(leaf)["kind"] == "consent.changed"
    assert e.a not in leaf, "the public leaf names no firm"
    # What GET shows can be PUT back; setting what is set records nothing.
    again = e.client.put(path, r.body, token=e.tok["a"])
    assert again.status == 200 and again.body == r.body
    assert event_count(e) == events_before + 1
    # Strict decoding; nothing changes on a bad body.
    events_before = event_count(e)
    for bad in ({}, {"scopes": {"statistics": True}},
                {"scopes": dict(scopes, statistics="yes")},
                {"scopes": dict(scopes, marketing=True)},
                {"scopes": True}, {"scopes": scopes, "extra": 1},
                {"scopes": scopes, "brn": e.b}):
        assert_problem(e.client.put(path, bad, token=e.tok["a"]), 400)
    assert_problem(e.client.put(path, "[1]", token=e.tok["a"]), 400)
    assert_problem(e.client.put(path, '{"scopes":{},"scopes":{}}', token=e.tok["a"]), 400)
    assert event_count(e) == events_before
    assert e.client.get(path, token=e.tok["a"]).body["scopes"] == scopes


def test_data_uses(env):
    e = env
    r = e.client.get("/api/v1/firms/%s/data-uses" % e.a, token=e.tok["a"])
    assert r.status == 200, r
    assert r.body == {"items": []}


def test_a_large_upload_streams_to_disk(env):
    """1.5 MiB, over the 1 MiB limit of JSON bodies: the upload route streams it to a file."""
    e = env
    rows, n = [], 1000
    while True:
        rows.append(row(approval(n, prefix="20250301"), e.c, e.b, 1000 + n, written="2025-03-01",
                        item="대용량 시험 품목 %d" % n))
        n += 1
        if n % 500 == 0 and len(hometax_csv(rows)) > 1536 * 1024:
            break
    body = hometax_csv(rows)
    assert len(body) > 1536 * 1024
    # The JSON routes keep their small limit.
    assert raw_status(e.server.port, "PUT", "/api/v1/firms/%s/consent" % e.a, e.tok["a"],
                      body) == 413
    # A member cannot upload for a firm it does not act for, however big the file.
    r = upload(e, body, e.tok["b"], firm=e.c)
    assert_problem(r, 403)
    r = upload(e, body, e.tok["a"], firm=e.b)
    assert_problem(r, 403)
    # The secretariat can, for any firm.
    r = upload(e, body, e.tok["admin"], firm=e.c)
    assert r.status == 201, r
    assert (r.body["upload"]["rows"], r.body["upload"]["new"]) == (len(rows), len(rows))
    assert r.body["upload"]["sha256"] == hashlib.sha256(body).hexdigest()
    assert len(invoices(e, e.tok["admin"], "?firm=%s&limit=1000" % e.c)) == 1000
    assert leftovers(e) == []
    # Invoices are listed to the firms that uploaded them: B, their buyer, did not.
    assert len(invoices(e, e.tok["b"])) == 4


def test_a_body_over_a_gib_is_refused_before_it_is_sent(env):
    e = env
    conn = http.client.HTTPConnection("127.0.0.1", e.server.port, timeout=10)
    try:
        conn.putrequest("POST", "/api/v1/uploads?kind=invoices&firm=" + e.a)
        conn.putheader("Authorization", "Bearer " + e.tok["a"])
        conn.putheader("Content-Length", str((1 << 30) + 1))
        conn.endheaders()
        r = conn.getresponse()
        body = json.loads(r.read())
    finally:
        conn.close()
    assert r.status == 413 and body["status"] == 413, body
    # Without credentials the answer comes before the body too.
    conn = http.client.HTTPConnection("127.0.0.1", e.server.port, timeout=10)
    try:
        conn.putrequest("POST", "/api/v1/uploads?kind=invoices&firm=" + e.a)
        conn.putheader("Content-Length", str(1 << 20))
        conn.endheaders()
        r = conn.getresponse()
        r.read()
    finally:
        conn.close()
    assert r.status == 401
    assert leftovers(e) == []


def test_a_chunked_upload(env):
    """A body without Content-Length (chunked) is streamed the same way."""
    e = env
    body = kpi_csv([[e.b, "2025-%02d" % m, 1000 * m, 0, 0, 5] for m in range(1, 13)])
    conn = http.client.HTTPConnection("127.0.0.1", e.server.port, timeout=30)
    try:
        chunks = (body[i:i + 100] for i in range(0, len(body), 100))
        conn.request("POST", "/api/v1/uploads?kind=kpis&firm=" + e.b, body=chunks,
                     headers={"Authorization": "Bearer " + e.tok["b"]}, encode_chunked=True)
        r = conn.getresponse()
        doc = json.loads(r.read())
    finally:
        conn.close()
    assert r.status == 201, doc
    assert doc["upload"]["sha256"] == hashlib.sha256(body).hexdigest()
    assert (doc["upload"]["rows"], doc["upload"]["new"]) == (12, 12)
    assert len(e.client.get("/api/v1/kpis", token=e.tok["b"]).body["items"]) == 12
    assert leftovers(e) == []


def data_endpoints(e, firm, upload_id):
    """(method, path, body) of every pool endpoint, about firm."""
    return [
        ("POST", "/api/v1/uploads?kind=invoices&firm=" + firm, hometax_csv([])),
        ("POST", "/api/v1/uploads?kind=kpis&firm=" + firm, kpi_csv([])),
        ("GET", "/api/v1/uploads?firm=" + firm, None),
        ("DELETE", "/api/v1/uploads/%d" % upload_id, None),
        ("GET", "/api/v1/invoices?firm=" + firm, None),
        ("GET", "/api/v1/kpis?firm=" + firm, None),
        ("GET", "/api/v1/firms/%s/rollups" % firm, None),
        ("GET", "/api/v1/firms/%s/consent" % firm, None),
        ("PUT", "/api/v1/firms/%s/consent" % firm,
         {"scopes": {"statistics": False, "benchmarking": False, "purchasing": False,
                     "matching": False}}),
        ("GET", "/api/v1/firms/%s/data-uses" % firm, None),
    ]


def test_isolation_between_member_firms(env):
    e = env
    a_upload = e.state["a_upload"]
    before = (invoices(e, e.tok["a"]),
              e.client.get("/api/v1/firms/%s/consent" % e.a, token=e.tok["a"]).body,
              e.client.get("/api/v1/uploads", token=e.tok["a"]).body,
              event_count(e))
    for method, path, body in data_endpoints(e, e.a, a_upload):
        assert_problem(e.client.request(method, path, body=body), 401)
        for role in ("supplier", "witness"):
            assert_problem(e.client.request(method, path, body=body, token=e.tok[role]), 403)
        r = e.client.request(method, path, body=body, token=e.tok["b"])
        if method == "DELETE":
            # Another firm's upload does not exist for B.
            assert_problem(r, 404)
        else:
            assert_problem(r, 403)
    # B's firm-less defaults are B's own: nothing of A's shows.
    assert all(i["supplier"]["brn"] == e.a and i["buyer"]["brn"] == e.b
               for i in invoices(e, e.tok["b"]))
    ids = [u["id"] for u in e.client.get("/api/v1/uploads", token=e.tok["b"]).body["items"]]
    assert a_upload not in ids
    assert_problem(e.client.delete("/api/v1/uploads/999999", token=e.tok["a"]), 404)
    assert_problem(e.client.delete("/api/v1/uploads/x", token=e.tok["a"]), 400)
    after = (invoices(e, e.tok["a"]),
             e.client.get("/api/v1/firms/%s/consent" % e.a, token=e.tok["a"]).body,
             e.client.get("/api/v1/uploads", token=e.tok["a"]).body,
             event_count(e))
    assert before == after
    assert leftovers(e) == []


def test_personal_data_never_leaves(env):
    e = env
    seen = []
    for tok in (e.tok["a"], e.tok["b"], e.tok["admin"]):
        for firm in (e.a, e.b):
            for path in ("/api/v1/invoices?limit=1000&firm=" + firm, "/api/v1/uploads?firm=" + firm,
                         "/api/v1/kpis?firm=" + firm, "/api/v1/firms/%s/rollups" % firm,
                         "/api/v1/firms/%s/consent" % firm, "/api/v1/firms/%s/data-uses" % firm):
                r = e.client.get(path, token=tok)
                if r.status == 200:
                    seen.append(r.raw)
    assert len(seen) >= 18
    blob = b"\n".join(seen)
    for p in PERSONAL:
        assert p.encode() not in blob, p
    # Nor in the database (its WAL included; on PostgreSQL, a pg_dump of it).
    data = db_bytes(e.db)
    for p in PERSONAL:
        assert p.encode() not in data, p
    log = "\n".join(e.server.log)
    for p in PERSONAL:
        assert p not in log, p


def test_delete_an_upload(env):
    """Last: A takes its invoice list back."""
    e = env
    a_upload = e.state["a_upload"]
    events_before = event_count(e)
    b_before = invoices(e, e.tok["b"])
    r = e.client.delete("/api/v1/uploads/%d" % a_upload, token=e.tok["a"])
    assert r.status == 204, r
    assert r.raw == b""
    assert event_count(e) == events_before + 1
    assert invoices(e, e.tok["a"]) == []
    # B still sees every invoice it uploaded, the ones A also had included.
    assert invoices(e, e.tok["b"]) == b_before
    assert [u["id"] for u in e.client.get("/api/v1/uploads", token=e.tok["a"]).body["items"]] \
        == [e.state["a_kpi_upload"]]
    # A's sales are gone from its rollups; B's purchases stay.
    assert all(m["sales_krw"] == 0 and m["invoices_issued"] == 0 for m in
               e.client.get("/api/v1/firms/%s/rollups" % e.a, token=e.tok["a"]).body["items"])
    assert sum(m["purchases_krw"] for m in
               e.client.get("/api/v1/firms/%s/rollups" % e.b, token=e.tok["b"]).body["items"]) \
        == 1420000
    assert_problem(e.client.delete("/api/v1/uploads/%d" % a_upload, token=e.tok["a"]), 404)
    # The same file may now come back, as a new upload.
    r = upload(e, hometax_csv(shared_rows(e) + [person_row(e)]), e.tok["a"], firm=e.a)
    assert r.status == 201, r
    assert (r.body["upload"]["new"], r.body["upload"]["linked"]) == (1, 3)
