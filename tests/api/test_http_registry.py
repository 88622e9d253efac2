# SPDX-License-Identifier: Apache-2.0
"""The registry part of the HTTP API against a real `dure serve`: probes, the front page,
buildings and firms (lists, paging, filters, single records, changes), problem documents,
limits, request ids, tokens, sessions and the roles of every protected route."""

import http.cookies
import json
import os
import re
import select
import socket
import time

import pytest

from conftest import ON_PG, ROOT, digits, fmt_brn, make_brn, sql_scalar

FIRM_KEYS = {"brn", "brn_formatted", "name", "ksic", "ksic_name", "ksic_section", "building_id",
             "floor", "unit", "employees", "size_class", "status", "member"}
BUILDING_KEYS = {"id", "name", "complex", "is_centre", "road_address", "floors",
                 "building_area_m2", "gross_floor_area_m2", "firm_count"}
PROBLEM_KEYS = {"type", "title", "status", "detail"}
SIZE_CLASSES = ("1-4", "5-9", "10-49", "50-299", "300+")


# ---- helpers ----

def assert_problem(r, status):
    """r is an RFC 9457 problem document with the given status."""
    assert r.status == status, r
    assert r.ctype == "application/problem+json", r
    assert isinstance(r.body, dict), r
    missing = PROBLEM_KEYS - set(r.body)
    assert not missing, "problem without %s: %r" % (missing, r.body)
    assert r.body["status"] == status
    assert isinstance(r.body["type"], str) and r.body["type"]
    assert isinstance(r.body["title"], str) and r.body["title"]
    assert isinstance(r.body["detail"], str) and r.body["detail"]
    assert r.body.get("request_id") == r.headers.get("X-Request-Id"), "request_id as the header"
    if status == 401:
        assert (r.headers.get("WWW-Authenticate") or "").startswith("Bearer"), r.headers
    return r.body


def size_class(employees):
    if employees <= 4:
        return "1-4"
    if employees <= 9:
        return "5-9"
    if employees <= 49:
        return "10-49"
    if employees <= 299:
        return "50-299"
    return "300+"


def walk(client, path, limit, token=None):
    """Every item of a list endpoint, page by page; asserts the list contract on each page."""
    items, cursor, pages = [], None, 0
    sep = "&" if "?" in path else "?"
    while True:
        url = "%s%slimit=%d" % (path, sep, limit)
        if cursor is not None:
            url += "&cursor=" + cursor
        r = client.get(url, token=token)
        assert r.status == 200, r
        assert r.ctype == "application/json", r
        assert set(r.body) == {"items", "next"}, r.body.keys()
        assert len(r.body["items"]) <= limit
        items += r.body["items"]
        pages += 1
        assert pages < 10000
        cursor = r.body["next"]
        if cursor is None:
            return items
        assert isinstance(cursor, str) and cursor
        assert len(r.body["items"]) == limit, "a page before the last one is full"


def all_firms(client, query=""):
    return walk(client, "/api/v1/firms" + query, 1000)


def csv_firm(gen, brn):
    for f in gen.firm_dicts():
        if digits(f["사업자등록번호"]) == brn:
            return f
    raise KeyError(brn)


def new_brn(cluster, n):
    return make_brn(n, taken=set(cluster.gen.firm_brns()))


def some_ksic(cluster):
    return cluster.gen.firms[0][cluster.gen.firm_col("대표업종")]


def firm_body(brn, ksic, **kw):
    body = {"brn": brn, "name": "두레시험(주)", "ksic": ksic, "building_id": None, "floor": 3,
            "unit": "301호", "employees": 12, "status": "active"}
    body.update(kw)
    return body


# ---- probes, front page, request ids ----

def test_healthz(client):
    r = client.get("/healthz")
    assert r.status == 200
    assert r.ctype == "application/json"
    assert r.body == {"status": "ok", "store": "postgres" if ON_PG else "sqlite"}, r.body


def test_metrics_prometheus_text(client, cluster):
    client.get("/healthz")
    client.get("/api/v1/firms/" + cluster.gen.firm_brns()[0])
    counted = re.compile(r'^dure_http_requests_total\{.*route="/api/v1/firms/\{brn\}".*'
                         r'status="200".*\} [1-9]', re.M)
    # A request is counted when MHD reports it complete, which may be just after the client
    # has read the response: allow the server a moment.
    deadline = time.monotonic() + 2
    while True:
        r = client.get("/metrics")
        assert r.status == 200
        if counted.search(r.body) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert r.ctype == "text/plain", r
    assert "dure_http_requests_total" in r.body
    assert counted.search(r.body), "counted by route pattern"
    # Exposition format: every non-comment line is "name{labels} value".
    for line in r.body.splitlines():
        if line and not line.startswith("#"):
            assert re.match(r'^[a-zA-Z_:][a-zA-Z0-9_:]*'
                            r'(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"'
                            r'(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})?'
                            r' [-+0-9.eEInfaN]+$', line), line


def test_index_page_shows_firm_count(client):
    n = len(all_firms(client))
    r = client.get("/")
    assert r.status == 200
    assert r.ctype == "text/html", r
    assert str(n) in r.body or "{:,}".format(n) in r.body, "firm count %d not on /" % n


def test_request_id_generated_and_echoed(client):
    r = client.get("/healthz")
    rid = r.headers.get("X-Request-Id")
    assert rid, "X-Request-Id on every response"
    r2 = client.get("/healthz")
    assert r2.headers.get("X-Request-Id") != rid, "a fresh id per request"
    r = client.get("/healthz", headers={"X-Request-Id": "test-req-42"})
    assert r.headers.get("X-Request-Id") == "test-req-42"
    # Also on problems, and the problem carries it.
    r = client.get("/api/v1/no-such-thing", headers={"X-Request-Id": "test-req-43"})
    assert r.status == 404
    assert r.headers.get("X-Request-Id") == "test-req-43"
    assert r.body["request_id"] == "test-req-43"
    # An id that is not sane (too long, control or odd characters) is replaced, not echoed.
    for bad in ("x" * 500, "a b\"<script>"):
        r = client.get("/healthz", headers={"X-Request-Id": bad})
        assert r.headers.get("X-Request-Id") and r.headers.get("X-Request-Id") != bad


# ---- buildings ----

def test_buildings_list(client, cluster):
    items = walk(client, "/api/v1/buildings", 1000)
    assert len(items) == len(cluster.gen.buildings)
    names = {b["name"] for b in items}
    name_col = cluster.gen.buildings_header.index("지식산업센터명")
    assert names == {r[name_col] for r in cluster.gen.buildings}
    for b in items:
        assert set(b) == BUILDING_KEYS, b
        assert isinstance(b["id"], int)
        assert b["complex"] in ("1", "2", "3"), b
        assert isinstance(b["is_centre"], bool)
        assert isinstance(b["floors"], int)
        assert isinstance(b["building_area_m2"], (int, float))
        assert isinstance(b["gross_floor_area_m2"], (int, float))
        assert isinstance(b["firm_count"], int)
    in_centres = sum(1 for f in cluster.gen.firm_dicts() if f["지식산업센터명"])
    assert sum(b["firm_count"] for b in items) == in_centres


def test_buildings_paging(client, cluster):
    items = walk(client, "/api/v1/buildings", 2)
    ids = [b["id"] for b in items]
    assert len(ids) == len(set(ids)) == len(cluster.gen.buildings)


def test_building_get(client):
    b = client.get("/api/v1/buildings?limit=1").body["items"][0]
    r = client.get("/api/v1/buildings/%d" % b["id"])
    assert r.status == 200
    assert r.body == b
    assert_problem(client.get("/api/v1/buildings/999999"), 404)
    assert_problem(client.get("/api/v1/buildings/abc"), 400)


# ---- firms: lists and filters ----

def test_firms_paging_walks_every_firm_once(client, cluster):
    items = walk(client, "/api/v1/firms", 37)
    brns = [f["brn"] for f in items]
    assert len(brns) == len(set(brns)), "no firm twice"
    assert len(brns) == len(cluster.gen.firms)
    assert set(brns) == set(cluster.gen.firm_brns())


def test_head_is_get_without_a_body(client, cluster):
    brn = cluster.gen.firm_brns()[0]
    g = client.get("/api/v1/firms/" + brn)
    h = client.request("HEAD", "/api/v1/firms/" + brn)
    assert h.status == 200
    assert h.raw == b""
    assert h.headers.get("Content-Type") == g.headers.get("Content-Type")


def test_firms_bad_cursor(client):
    for bad in ("abc", "12345", "%27%3B--"):
        assert_problem(client.get("/api/v1/firms?cursor=" + bad), 400)
    assert_problem(client.get("/api/v1/buildings?cursor=x"), 400)


def test_firms_default_limit_and_bad_limits(client, cluster):
    r = client.get("/api/v1/firms")
    assert r.status == 200
    assert len(r.body["items"]) == min(100, len(cluster.gen.firms))
    for bad in ("0", "-1", "1001", "abc", "1.5", "%20"):
        assert_problem(client.get("/api/v1/firms?limit=" + bad), 400)
    assert len(client.get("/api/v1/firms?limit=1000").body["items"]) == \
        min(1000, len(cluster.gen.firms))


def test_firm_shape_matches_the_register(client, cluster):
    items = all_firms(client)
    by_brn = {f["brn"]: f for f in items}
    buildings = {b["name"]: b["id"] for b in walk(client, "/api/v1/buildings", 1000)}
    members = set(cluster.gen.member_brns())
    for row in cluster.gen.firm_dicts():
        brn = digits(row["사업자등록번호"])
        f = by_brn[brn]
        assert set(f) == FIRM_KEYS, f
        assert re.fullmatch(r"\d{10}", f["brn"])
        assert f["brn_formatted"] == fmt_brn(brn)
        assert f["name"] == row["회사명"]
        assert f["ksic"] == row["대표업종"]
        assert f["ksic_name"] == row["업종명"]
        assert re.fullmatch(r"[A-U]", f["ksic_section"]), f
        assert f["employees"] == int(row["종업원합계"])
        assert f["size_class"] == size_class(f["employees"])
        assert f["status"] == {"가동": "active", "휴업": "suspended"}[row["가동상태"]]
        assert f["member"] is (brn in members)
        if row["지식산업센터명"]:
            assert f["building_id"] == buildings[row["지식산업센터명"]]
            floor = row["층"]
            assert f["floor"] == (-int(floor[1:]) if floor.startswith("B") else int(floor))
            assert f["unit"] == row["호"]
        else:
            assert f["building_id"] is None


def test_firms_filter_building(client, cluster):
    buildings = walk(client, "/api/v1/buildings", 1000)
    b = max(buildings, key=lambda x: x["firm_count"])
    assert b["firm_count"] > 0
    items = all_firms(client, "?building=%d" % b["id"])
    assert len(items) == b["firm_count"]
    assert all(f["building_id"] == b["id"] for f in items)
    assert_problem(client.get("/api/v1/firms?building=abc"), 400)


def test_firms_filter_ksic_prefix(client, cluster):
    codes = [f["대표업종"] for f in cluster.gen.firm_dicts()]
    for prefix in (codes[0][:2], codes[0][:3], codes[0]):
        items = all_firms(client, "?ksic=" + prefix)
        assert len(items) == sum(1 for c in codes if c.startswith(prefix)) > 0
        assert all(f["ksic"].startswith(prefix) for f in items)


def test_firms_filter_q(client, cluster):
    row = cluster.gen.firm_dicts()[len(cluster.gen.firms) // 2]
    name = row["회사명"]
    items = all_firms(client, "?q=" + _quote(name))
    assert digits(row["사업자등록번호"]) in {f["brn"] for f in items}
    assert all(name in f["name"] or name in f["brn"] for f in items)
    brn = digits(row["사업자등록번호"])
    items = all_firms(client, "?q=" + brn[:6])
    assert brn in {f["brn"] for f in items}
    assert all(brn[:6] in f["brn"] or brn[:6] in f["name"] for f in items)
    assert all_firms(client, "?q=" + _quote("없는회사이름xyz")) == []


def test_firms_filter_member(client, cluster):
    members = set(cluster.gen.member_brns())
    yes = all_firms(client, "?member=true")
    no = all_firms(client, "?member=false")
    assert {f["brn"] for f in yes} == members
    assert all(f["member"] is True for f in yes)
    assert all(f["member"] is False for f in no)
    assert len(yes) + len(no) == len(cluster.gen.firms)
    assert_problem(client.get("/api/v1/firms?member=maybe"), 400)


def test_firms_filters_combine_with_paging(client, cluster):
    members = all_firms(client, "?member=true")
    paged = walk(client, "/api/v1/firms?member=true", 3)
    assert [f["brn"] for f in paged] == [f["brn"] for f in members]


def _quote(s):
    from urllib.parse import quote
    return quote(s, safe="")


# ---- firms: single records ----

def test_firm_get_with_and_without_hyphens(client, cluster):
    brn = cluster.gen.firm_brns()[0]
    a = client.get("/api/v1/firms/" + brn)
    b = client.get("/api/v1/firms/" + fmt_brn(brn))
    assert a.status == 200 and b.status == 200
    assert a.body == b.body
    assert a.body["brn"] == brn


def test_firm_get_invalid_and_unknown(client, cluster):
    brn = cluster.gen.firm_brns()[0]
    wrong_check = brn[:9] + str((int(brn[9]) + 1) % 10)
    for bad in (wrong_check, "123", "abcdefghij", "12345678901"):
        body = assert_problem(client.get("/api/v1/firms/" + bad), 400)
        assert body["type"] == "https://dure.coop/problems/invalid-input", body
    unknown = new_brn(cluster, 4242)
    assert_problem(client.get("/api/v1/firms/" + unknown), 404)


def test_unknown_route_is_a_404_problem(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert_problem(client.get("/api/v2/firms"), 404)


def test_wrong_method_is_a_405_problem_with_allow(client):
    r = client.patch("/api/v1/firms", body={})
    assert_problem(r, 405)
    allow = {m.strip() for m in (r.headers.get("Allow") or "").split(",")}
    assert {"GET", "POST"} <= allow, r.headers.get("Allow")
    r = client.request("PUT", "/healthz", body=b"")
    assert_problem(r, 405)
    assert "GET" in (r.headers.get("Allow") or "")


def test_firm_create_update_delete(client, cluster, server):
    brn = new_brn(cluster, 1)
    ksic = some_ksic(cluster)
    body = firm_body(brn, ksic)
    admin = cluster.tokens["admin"]
    events0 = sql_scalar(cluster.db, "SELECT count(*) FROM events")

    assert_problem(client.post("/api/v1/firms", body), 401)
    assert_problem(client.post("/api/v1/firms", body, token=cluster.tokens["member"]), 403)
    assert_problem(client.post("/api/v1/firms", body, token="dure_not-a-real-token"), 401)
    assert client.get("/api/v1/firms/" + brn).status == 404
    try:
        r = client.post("/api/v1/firms", body, token=admin)
        assert r.status == 201, r
        assert r.body["brn"] == brn
        assert r.body["employees"] == 12
        g = client.get("/api/v1/firms/" + brn)
        assert g.status == 200
        assert set(g.body) == FIRM_KEYS
        assert g.body["name"] == "두레시험(주)"
        assert g.body["building_id"] is None
        assert g.body["size_class"] == "10-49"
        assert g.body["member"] is False

        # The same BRN again is a conflict.
        assert_problem(client.post("/api/v1/firms", body, token=admin), 409)

        # Replace with the document GET gave (read-only fields included), employees changed.
        changed = dict(g.body, employees=321)
        r = client.put("/api/v1/firms/" + fmt_brn(brn), changed, token=admin)
        assert r.status == 200, r
        g = client.get("/api/v1/firms/" + brn)
        assert g.body["employees"] == 321
        assert g.body["size_class"] == "300+"
        assert_problem(client.put("/api/v1/firms/" + brn, changed,
                                  token=cluster.tokens["member"]), 403)
        # A body naming another BRN than the path is refused.
        other = dict(changed, brn=new_brn(cluster, 2))
        assert client.put("/api/v1/firms/" + brn, other, token=admin).status in (400, 409)

        assert_problem(client.delete("/api/v1/firms/" + brn, token=cluster.tokens["witness"]),
                       403)
        r = client.delete("/api/v1/firms/" + brn, token=admin)
        assert r.status == 204, r
        assert r.raw == b""
        assert_problem(client.get("/api/v1/firms/" + brn), 404)
        assert_problem(client.delete("/api/v1/firms/" + brn, token=admin), 404)
    finally:
        client.delete("/api/v1/firms/" + brn, token=admin)
    # created, changed, deleted: each is an event
    assert sql_scalar(cluster.db, "SELECT count(*) FROM events") >= events0 + 3


def test_member_firm_cannot_be_deleted(client, cluster):
    brn = cluster.member_brns[0]
    before = client.get("/api/v1/firms/" + brn).body
    assert before["member"] is True
    assert_problem(client.delete("/api/v1/firms/" + brn, token=cluster.tokens["admin"]), 409)
    assert client.get("/api/v1/firms/" + brn).body == before


def test_put_unknown_firm_is_404(client, cluster):
    brn = new_brn(cluster, 77)
    r = client.put("/api/v1/firms/" + brn, firm_body(brn, some_ksic(cluster)),
                   token=cluster.tokens["admin"])
    assert_problem(r, 404)
    assert client.get("/api/v1/firms/" + brn).status == 404
    r = client.put("/api/v1/buildings/987654", building_body("없는건물"),
                   token=cluster.tokens["admin"])
    assert_problem(r, 404)


def test_firm_create_validates_fields(client, cluster):
    admin = cluster.tokens["admin"]
    brn = new_brn(cluster, 3)
    ksic = some_ksic(cluster)
    cases = [
        firm_body(brn[:9] + str((int(brn[9]) + 1) % 10), ksic),  # check digit
        firm_body(brn, "00000"),                                   # not a KSIC code
        firm_body(brn, ksic, employees=-1),
        firm_body(brn, ksic, name=""),
        firm_body(brn, ksic, status="dormant"),
        firm_body(brn, ksic, building_id=987654),                  # no such building
    ]
    try:
        for body in cases:
            r = client.post("/api/v1/firms", body, token=admin)
            assert r.status in (400, 404, 422), (body, r)
            assert_problem(r, r.status)
        assert client.get("/api/v1/firms/" + brn).status == 404
    finally:
        client.delete("/api/v1/firms/" + brn, token=admin)


def test_bad_bodies_are_400_problems(client, cluster):
    admin = cluster.tokens["admin"]
    brn = new_brn(cluster, 5)
    ksic = some_ksic(cluster)
    try:
        # not JSON
        r = client.post("/api/v1/firms", b"brn=1&name=x", token=admin,
                        headers={"Content-Type": "application/json"})
        assert_problem(r, 400)
        r = client.post("/api/v1/firms", b'{"brn": "1", ', token=admin)
        assert_problem(r, 400)
        # empty, not an object, duplicate key
        assert_problem(client.post("/api/v1/firms", b"", token=admin), 400)
        assert_problem(client.post("/api/v1/firms", b"[1,2]", token=admin), 400)
        dup = json.dumps(firm_body(brn, ksic))[:-1] + ', "name": "twice"}'
        assert_problem(client.post("/api/v1/firms", dup.encode(), token=admin), 400)
        # unknown field, named in errors
        r = client.post("/api/v1/firms", dict(firm_body(brn, ksic), colour="red"), token=admin)
        body = assert_problem(r, 400)
        assert "colour" in json.dumps(body, ensure_ascii=False)
        # wrong types
        for field, value in (("employees", "12"), ("employees", 1.5), ("name", 5),
                             ("floor", "3"), ("brn", 1234567890)):
            r = client.post("/api/v1/firms", dict(firm_body(brn, ksic), **{field: value}),
                            token=admin)
            body = assert_problem(r, 400)
            assert field in json.dumps(body, ensure_ascii=False), (field, body)
        # missing required field
        b = firm_body(brn, ksic)
        del b["name"]
        assert_problem(client.post("/api/v1/firms", b, token=admin), 400)
        assert client.get("/api/v1/firms/" + brn).status == 404
    finally:
        client.delete("/api/v1/firms/" + brn, token=admin)


def _raw_request(port, head, body, timeout=10):
    """Send head then body over a raw socket, stopping early when the server answers;
    returns (status, headers dict lower-cased, body bytes)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(head)
        sent = 0
        while sent < len(body):
            r, w, _ = select.select([s], [s], [], timeout)
            if r:
                break  # answered before the whole body: stop sending
            if not w:
                raise AssertionError("server neither reads nor answers")
            try:
                sent += s.send(body[sent:sent + 65536])
            except (BrokenPipeError, ConnectionResetError):
                break
        data = b""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in data and time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        head_b, _, rest = data.partition(b"\r\n\r\n")
        lines = head_b.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        while len(rest) < n and time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        return status, headers, rest[:n]
    finally:
        s.close()


def test_oversize_body_is_413_and_the_server_lives_on(client, cluster, server):
    admin = cluster.tokens["admin"]
    body = b'{"name":"' + b"x" * (2 << 20) + b'"}'
    # Declared length over the limit: answered at once.
    head = ("POST /api/v1/firms HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (admin, len(body))).encode()
    status, headers, raw = _raw_request(server.port, head, body)
    assert status == 413
    assert headers.get("content-type") == "application/problem+json"
    doc = json.loads(raw)
    assert PROBLEM_KEYS <= set(doc) and doc["status"] == 413
    assert client.get("/healthz").status == 200

    # Chunked, so the size is only known while reading: still 413.
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 65536]), body[i:i + 65536])
                      for i in range(0, len(body), 65536)) + b"0\r\n\r\n"
    head = ("POST /api/v1/firms HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            % admin).encode()
    status, headers, raw = _raw_request(server.port, head, chunks)
    assert status == 413
    assert headers.get("content-type") == "application/problem+json"
    assert client.get("/healthz").status == 200


# ---- buildings: changes ----

def building_body(name, **kw):
    body = {"name": name, "complex": "2", "is_centre": True,
            "road_address": "서울특별시 금천구 가산디지털1로 999", "floors": 12,
            "building_area_m2": 1234.5, "gross_floor_area_m2": 23456.75}
    body.update(kw)
    return body


def test_building_create_update_delete(client, cluster):
    admin = cluster.tokens["admin"]
    body = building_body("두레시험타워")
    assert_problem(client.post("/api/v1/buildings", body), 401)
    assert_problem(client.post("/api/v1/buildings", body, token=cluster.tokens["member"]), 403)
    r = client.post("/api/v1/buildings", body, token=admin)
    assert r.status == 201, r
    bid = r.body["id"]
    try:
        g = client.get("/api/v1/buildings/%d" % bid)
        assert g.status == 200
        assert set(g.body) == BUILDING_KEYS
        assert g.body["name"] == "두레시험타워"
        assert g.body["complex"] == "2"
        assert g.body["firm_count"] == 0
        assert g.body["gross_floor_area_m2"] == 23456.75
        # a taken name conflicts
        assert_problem(client.post("/api/v1/buildings", body, token=admin), 409)
        r = client.put("/api/v1/buildings/%d" % bid, dict(g.body, floors=15), token=admin)
        assert r.status == 200, r
        assert client.get("/api/v1/buildings/%d" % bid).body["floors"] == 15
        assert_problem(client.post("/api/v1/buildings", building_body("x", complex="4"),
                                   token=admin), 400)
        r = client.delete("/api/v1/buildings/%d" % bid, token=admin)
        assert r.status == 204, r
        assert_problem(client.get("/api/v1/buildings/%d" % bid), 404)
    finally:
        client.delete("/api/v1/buildings/%d" % bid, token=admin)


def test_deleting_a_building_with_firms_conflicts(client, cluster):
    b = max(walk(client, "/api/v1/buildings", 1000), key=lambda x: x["firm_count"])
    assert b["firm_count"] > 0
    assert_problem(client.delete("/api/v1/buildings/%d" % b["id"],
                                 token=cluster.tokens["admin"]), 409)
    assert client.get("/api/v1/buildings/%d" % b["id"]).body["firm_count"] == b["firm_count"]


# ---- authentication ----

def test_me_with_member_token(client, cluster):
    r = client.get("/api/v1/me", token=cluster.tokens["member"])
    assert r.status == 200, r
    assert set(r.body) == {"role", "actor", "user_id", "token_id", "firms"}, r.body
    assert r.body["role"] == "member"
    assert r.body["firms"] == [cluster.member_brns[0]]
    assert isinstance(r.body["token_id"], int) and r.body["user_id"] is None
    assert r.body["actor"] == "token:%d" % r.body["token_id"]
    r = client.get("/api/v1/me", token=cluster.tokens["member2"])
    assert r.body["firms"] == [cluster.member_brns[1]]
    r = client.get("/api/v1/me", token=cluster.tokens["admin"])
    assert r.status == 200 and r.body["role"] == "admin"
    assert_problem(client.get("/api/v1/me"), 401)
    r = assert_problem(client.get("/api/v1/me", token="nope"), 401)
    assert "nope" not in json.dumps(r)
    assert_problem(client.get("/api/v1/me", headers={"Authorization": "Basic Zm9vOmJhcg=="}), 401)


def test_session_login_me_logout(client, cluster):
    r = client.post("/api/v1/session", {"username": cluster.username,
                                        "password": cluster.password})
    assert r.status == 201, r
    cookies = http.cookies.SimpleCookie()
    for v in r.headers.get_all("Set-Cookie") or []:
        cookies.load(v)
    assert "dure_session" in cookies, r.headers
    morsel = cookies["dure_session"]
    assert morsel.value
    assert morsel["httponly"], "the session cookie is HttpOnly"
    assert morsel["samesite"] == "Strict" and morsel["path"] == "/"
    assert morsel["max-age"] == "43200"
    assert r.body == {"user": cluster.username, "role": "member",
                      "firms": [cluster.member_brns[0]]}, r.body
    cookie = "dure_session=" + morsel.value

    me = client.get("/api/v1/me", cookie=cookie)
    assert me.status == 200, me
    assert me.body["role"] == "member"
    assert me.body["firms"] == [cluster.member_brns[0]]
    assert me.body["actor"] == "user:" + cluster.username
    assert isinstance(me.body["user_id"], int) and me.body["token_id"] is None
    # the bearer header wins over the cookie
    both = client.get("/api/v1/me", cookie=cookie, token=cluster.tokens["admin"])
    assert both.body["role"] == "admin"
    # a session is not an admin
    assert_problem(client.post("/api/v1/firms", {}, cookie=cookie), 403)

    r = client.delete("/api/v1/session", cookie=cookie)
    assert r.status == 204, r
    assert "Max-Age=0" in (r.headers.get("Set-Cookie") or ""), "the cookie is cleared"
    r = assert_problem(client.get("/api/v1/me", cookie=cookie), 401)
    # idempotent
    assert client.delete("/api/v1/session", cookie=cookie).status == 204
    assert client.delete("/api/v1/session").status == 204


def test_session_wrong_password_and_bad_bodies(client, cluster):
    r = client.post("/api/v1/session", {"username": cluster.username,
                                        "password": "not-the-password-9137"})
    body = assert_problem(r, 401)
    assert "not-the-password-9137" not in json.dumps(body)
    assert not r.headers.get("Set-Cookie", "").startswith("dure_session=") or \
        "Max-Age=0" in r.headers.get("Set-Cookie", "")
    r = client.post("/api/v1/session", {"username": "nobody", "password": "wrong"})
    assert_problem(r, 401)
    assert_problem(client.post("/api/v1/session", {"username": cluster.username}), 400)
    assert_problem(client.post("/api/v1/session", b"not json"), 400)


def test_revoked_token_is_refused(client, cluster):
    tok = cluster.token("member", cluster.member_brns[1])
    assert client.get("/api/v1/me", token=tok).status == 200
    listed = json.loads(cluster.cli("token", "list", "--json").stdout)["items"]
    active = [t for t in listed if not t["revoked"]]
    newest = max(active, key=lambda t: t["id"])
    assert newest["role"] == "member" and newest["firm"] == cluster.member_brns[1]
    assert tok not in json.dumps(listed), "token list never shows a secret"
    cluster.cli("token", "revoke", newest["id"])
    listed = json.loads(cluster.cli("token", "list", "--json").stdout)["items"]
    assert [t["revoked"] for t in listed if t["id"] == newest["id"]] == [True]
    assert_problem(client.get("/api/v1/me", token=tok), 401)
    # the other tokens still work
    assert client.get("/api/v1/me", token=cluster.tokens["member2"]).status == 200


ADMIN_ROUTES = [
    ("POST", "/api/v1/buildings"),
    ("PUT", "/api/v1/buildings/{bid}"),
    ("DELETE", "/api/v1/buildings/{bid}"),
    ("POST", "/api/v1/firms"),
    ("PUT", "/api/v1/firms/{brn}"),
    ("DELETE", "/api/v1/firms/{brn}"),
]


@pytest.mark.parametrize("method,pattern", ADMIN_ROUTES)
def test_admin_routes_refuse_other_roles(client, cluster, method, pattern):
    brn = cluster.gen.firm_brns()[0]
    bid = client.get("/api/v1/buildings?limit=1").body["items"][0]["id"]
    path = pattern.format(brn=brn, bid=bid)
    body = {} if method != "DELETE" else None
    before = client.get(path if method != "POST" else "/api/v1/firms/" + brn).body
    assert_problem(client.request(method, path, body=body), 401)
    for role in ("member", "member2", "supplier", "witness"):
        r = client.request(method, path, body=body, token=cluster.tokens[role])
        assert_problem(r, 403)
    after = client.get(path if method != "POST" else "/api/v1/firms/" + brn).body
    assert before == after


def test_public_reads_need_no_token_but_accept_one(client, cluster):
    for tok in (None, cluster.tokens["supplier"], cluster.tokens["witness"]):
        assert client.get("/api/v1/firms?limit=1", token=tok).status == 200
        assert client.get("/api/v1/buildings?limit=1", token=tok).status == 200
    # a bad token is refused even where none is needed
    assert_problem(client.get("/api/v1/firms?limit=1", token="dure_bogus"), 401)
    # so is an unknown session, and the stale cookie is cleared
    r = client.get("/api/v1/firms?limit=1", cookie="dure_session=dure_stale")
    assert_problem(r, 401)
    assert "Max-Age=0" in (r.headers.get("Set-Cookie") or "")
    # but a login is not blocked by a stale cookie
    r = client.post("/api/v1/session", {"username": cluster.username,
                                        "password": cluster.password},
                    cookie="dure_session=dure_stale")
    assert r.status == 201, r
    cookies = http.cookies.SimpleCookie()
    cookies.load(r.headers.get("Set-Cookie"))
    assert client.delete("/api/v1/session",
                         cookie="dure_session=" + cookies["dure_session"].value).status == 204


ROLE_NAMES = {"DURE_ROLE_ADMIN": "admin", "DURE_ROLE_MEMBER": "member",
              "DURE_ROLE_SUPPLIER": "supplier", "DURE_ROLE_WITNESS": "witness"}


def route_table():
    """(method, pattern, set of roles admitted, set() = public) of every entry of the route
    table in src/http/router.c, the role macros expanded."""
    path = os.path.join(ROOT, "src", "http", "router.c")
    if not os.path.exists(path):
        pytest.skip("src/http/router.c not found")
    text = open(path, encoding="utf-8").read()
    defines = dict(re.findall(r"^#define (\w+) (.+)$", text, re.M))

    def expand(expr, depth=0):
        assert depth < 10, expr
        roles = set()
        for tok in re.findall(r"\w+", expr):
            if tok in ROLE_NAMES:
                roles.add(ROLE_NAMES[tok])
            elif tok == "DURE_ROLES_ANY":
                roles |= set(ROLE_NAMES.values())
            elif tok in defines:
                roles |= expand(defines[tok], depth + 1)
            else:
                assert tok in ("PUBLIC", "0"), "unknown role macro %s in router.c" % tok
        return roles

    table = text[text.index("routes[] = {"):]
    table = table[:table.index("};")]
    routes = re.findall(r'\{"([A-Z]+)",\s*"([^"]+)",\s*([^,]+),\s*([^,]+),\s*(\w+)\}', table)
    assert len(routes) >= 17, "route table not understood"
    return [(m, p, expand(roles)) for m, p, roles, _flags, _fn in routes]


def fill(pattern, cluster):
    brn = cluster.gen.firm_brns()[0]
    return re.sub(r"\{(\w+)(\.\.\.)?\}",
                  lambda m: brn if m.group(1) == "brn" else "x.css" if m.group(2) else "1",
                  pattern)


def test_every_protected_route_checks_roles(client, cluster):
    """Driven by the route table: a route with roles answers 401 without credentials and 403
    to every role it does not admit, before it looks at the request; only the session
    endpoints change anything without a role."""
    checked = 0
    for method, pattern, roles in route_table():
        if not roles:
            assert method in ("GET", "HEAD") or pattern == "/api/v1/session", \
                "%s %s changes state without roles" % (method, pattern)
            continue
        path = fill(pattern, cluster)
        body = b"{}" if method in ("POST", "PUT", "PATCH") else None
        assert_problem(client.request(method, path, body=body), 401)
        for role in ("admin", "member", "supplier", "witness"):
            if role not in roles:
                r = client.request(method, path, body=body, token=cluster.tokens[role])
                assert r.status == 403, (method, pattern, role, r)
                assert_problem(r, 403)
        checked += 1
    assert checked >= 7


def test_openapi_documents_every_route():
    """docs/openapi.yaml has every path and method of the route table."""
    path = os.path.join(ROOT, "docs", "openapi.yaml")
    if not os.path.exists(path):
        pytest.skip("docs/openapi.yaml not written yet")
    text = open(path, encoding="utf-8").read()
    paths = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"^  (/\S*):\s*$", line)
        if m:
            current = m.group(1)
            paths[current] = set()
            continue
        if re.match(r"^\S", line):
            current = None
        m = re.match(r"^    (get|put|post|delete|patch):", line)
        if m and current:
            paths[current].add(m.group(1).upper())
    for method, pattern, _roles in route_table():
        p = pattern.replace("...}", "}")
        assert p in paths, "%s not in docs/openapi.yaml" % p
        assert method in paths[p], "%s %s not in docs/openapi.yaml" % (method, p)
