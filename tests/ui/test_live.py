"""The dashboard's data, without a browser: the live stream (bounded, closes on shutdown),
vendor error names, the state view, the try-it examples, GET / and the page's own files."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.core.journal import Journal
from mockserver.core.live import BATCH, ErrorNames
from mockserver.vendors import load
from tests.conftest import make_client
from tests.core.served import Served

VP_LOGIN = {"clientId": "vp-demo-app", "clientSecret": "vp-demo-secret"}


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with Served() as server:
        yield server


def _events(response: httpx.Response, until: float) -> Iterator[tuple[str, dict[str, object]]]:
    """(event, data) pairs of an open SSE response, until the deadline (monotonic)."""
    kind = ""
    for line in response.iter_lines():
        if time.monotonic() > until:
            return
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            yield kind, json.loads(line[6:])


# ------------------------------------------------------------------ the stream
def test_a_request_appears_on_the_stream_within_a_second_with_its_error_named(served: Served) -> None:
    with httpx.Client(base_url=served.origin, timeout=5) as client, client.stream("GET", "/__admin/stream?backfill=0") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = _events(stream, time.monotonic() + 5)
        assert next(events)[0] == "hello"
        sent = time.monotonic()
        answer = httpx.post(f"{served.origin}/vaultspay/as/api/v1/users", headers={"Authorization": "Bearer nope"}, json={}, timeout=5)
        assert answer.status_code == 400  # a malformed token: INVALID_TOKEN
        kind, entry = next(events)
        arrived = time.monotonic() - sent
    assert kind == "entry"
    assert (entry["vendor"], entry["operation"], entry["status"]) == ("vaultspay", "create_user", 400)
    assert entry["error"] == "1036 INVALID_TOKEN" == f"{answer.json()['code']} {answer.json()['type']}"
    assert entry["headers"]["authorization"] == "***"  # redacted as the journal reads it
    assert arrived < 1.0


def test_the_stream_backfills_the_newest_entries(served: Served) -> None:
    for _ in range(3):
        httpx.get(f"{served.origin}/sabi/api/v1/nothing-here", timeout=5)
    with httpx.Client(base_url=served.origin, timeout=5) as client, client.stream("GET", "/__admin/stream?backfill=2") as stream:
        events = _events(stream, time.monotonic() + 5)
        kind, hello = next(events)
        assert kind == "hello" and hello["backfill"] == 2
        first, second = next(events)[1], next(events)[1]
    assert first["seq"] + 1 == second["seq"]
    assert second["path"] == "/api/v1/nothing-here"


def test_a_bad_backfill_is_one_line(served: Served) -> None:
    answer = httpx.get(f"{served.origin}/__admin/stream?backfill=lots", timeout=5)
    assert answer.status_code == 400
    assert answer.json() == {"error": "backfill must be a number of entries from 0 to 1000"}


def test_newest_walks_back_from_the_end_and_skips_what_a_slow_reader_missed() -> None:
    journal = Journal(size=10_000)
    for i in range(1000):
        journal.record(float(i), "v", "op", "GET", f"/{i}", {}, {}, b"", 200, b"", None, 1.0, "")
    skipped, rows = journal.newest(990, 100)
    assert (skipped, [r[0] for r in rows]) == (0, list(range(991, 1001)))
    skipped, rows = journal.newest(0, BATCH)
    assert (skipped, rows[0][0], rows[-1][0], len(rows)) == (1000 - BATCH, 1000 - BATCH + 1, 1000, BATCH)
    big = Journal(size=100)
    for _ in range(10):
        big.record(0.0, "v", "op", "POST", "/", {}, {}, b"x" * 30_000, 200, b"", None, 1.0, "")
    skipped, rows = big.newest(0, 100, budget=100_000)
    assert (skipped, len(rows)) == (7, 3)  # ~100 KB of bodies per poll, the newest kept


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the server's RSS from /proc")
def test_a_stalled_browser_never_grows_server_memory() -> None:
    """A stream whose reader never reads: the server keeps no backlog for it.

    32 MB of request bodies pass through while the stream is stalled; with a per-client
    queue the server would hold them all (rendered, more).  The journal keeps 50 entries.
    """
    server = Served("--journal-size", "50", "--log-level", "warning")
    try:
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect(("127.0.0.1", server.port))
        stalled.sendall(f"GET /__admin/stream?backfill=0 HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
        body = {"firstName": "x" * 16_000, "lastName": "y", "status": "ACTIVE"}
        with httpx.Client(base_url=server.origin, timeout=10) as client:
            for _ in range(200):  # warm up: arenas, pools and caches of a serving process
                client.post("/vaultspay/as/api/v1/users", json=body)
            time.sleep(0.6)
            before = _rss_kb(server.proc.pid)
            for _ in range(2000):
                client.post("/vaultspay/as/api/v1/users", json=body)
            time.sleep(0.6)  # a few polls of the stalled stream
            grown = _rss_kb(server.proc.pid) - before
            assert client.get("/__admin/health").status_code == 200
        stalled.close()
    finally:
        server.stop()
    assert grown < 8 * 1024, f"server RSS grew {grown} KB with a stalled stream open"


def test_an_open_stream_ends_cleanly_on_shutdown() -> None:
    server = Served()
    try:
        with httpx.Client(base_url=server.origin, timeout=10) as client, client.stream("GET", "/__admin/stream") as stream:
            events = _events(stream, time.monotonic() + 10)
            assert next(events)[0] == "hello"
            started = time.monotonic()
            server.proc.send_signal(signal.SIGTERM)
            kinds = [kind for kind, _ in events]
            code = server.proc.wait(timeout=10)
            took = time.monotonic() - started
    finally:
        server.stop()
    assert kinds[-1:] == ["bye"]
    assert code == -signal.SIGTERM  # as any `serve` ended by SIGTERM (tests/core/test_shutdown.py)
    assert took < 3.0  # a poll (0.25 s) then uvicorn's own shutdown; the stream never holds it


# ------------------------------------------------------------------ error names
@pytest.mark.parametrize(("vendor", "status", "body", "name"), [
    ("vaultspay", 401, {"code": 1003, "message": "Token expired.", "type": "TOKEN_EXPIRED"}, "1003 TOKEN_EXPIRED"),
    ("etelecom", 403, {"code": "permission_denied", "msg": "x"}, "permission_denied"),
    ("vaultspay", 200, {"code": 1003}, None),
    ("vaultspay", 401, {"nothing": "known"}, None),
])
def test_error_names_come_from_the_vendor_catalog(vendor: str, status: int, body: object, name: str | None) -> None:
    assert ErrorNames({vendor: load(vendor)}).name(vendor, status, body) == name


# ------------------------------------------------------------------ state
def test_state_lists_users_newest_first_redacted_and_live_tokens_with_time_left() -> None:
    with make_client(clock="frozen:2026-01-01T00:00:00Z") as client:
        login = client.post("/vaultspay/as/api/v1/saas-login", json=VP_LOGIN)
        assert login.status_code == 200
        created = client.post(
            "/vaultspay/as/api/v1/users", headers={"Authorization": f"Bearer {login.json()['accessToken']}"},
            json={"firstName": "Zed", "lastName": "Quinn", "email": "zed.quinn@example.pk", "countryCode": "92", "phone": "3001112223", "status": "ACTIVE"},
        )
        assert created.status_code == 200
        state = client.get("/__admin/state", params={"vendor": "vaultspay"}).json()
        view = state["vendors"]["vaultspay"]
        assert view["users"][0]["email"] == "zed.quinn@example.pk"
        lefts = sorted(t["seconds_left"] for t in view["tokens"] if t["seconds_left"] is not None)
        assert lefts[0] == 900.0  # the new access token: 15 minutes on the frozen clock
        assert all(t["token"].startswith("…") and len(t["token"]) == 7 for t in view["tokens"])
        assert login.json()["accessToken"] not in json.dumps(state)
        found = client.get("/__admin/state", params={"vendor": "vaultspay", "q": "ZED.QUINN"}).json()["vendors"]["vaultspay"]
        assert [u["email"] for u in found["users"]] == ["zed.quinn@example.pk"]
        client.post("/__admin/clock", json={"advance": "PT16M"})
        later = client.get("/__admin/state", params={"vendor": "vaultspay"}).json()["vendors"]["vaultspay"]
        assert len(later["tokens"]) == len(view["tokens"]) - 1  # the access token expired
        pulse = client.get("/__admin/state", params={"vendor": "pulse"}).json()["vendors"]["pulse"]
        assert pulse["users"] and all(u["password"] in ("***", None) for u in pulse["users"])
        etelecom = client.get("/__admin/state", params={"vendor": "etelecom"}).json()["vendors"]["etelecom"]
        assert all(u["password_hash"] == "***" for u in etelecom["users"])
        assert [t["seconds_left"] for t in etelecom["tokens"]] == [None] * len(etelecom["tokens"])  # keys never expire; revoked ones left out
        every = client.get("/__admin/state").json()["vendors"]
        assert set(every) == {"vaultspay", "payabli", "sabi", "pulse", "etelecom"}
        assert all(v["users_total"] > 0 and v["tokens"] for v in every.values())


def test_state_of_a_session_and_bad_input() -> None:
    with make_client("sabi") as client:
        assert client.get("/__admin/state", params={"session": "never-used"}).json()["vendors"]["sabi"]["users_total"] == 0
        assert client.get("/__admin/state", params={"vendor": "nope"}).status_code == 404
        assert client.get("/__admin/state", params={"vendor": "nope"}).json() == {"error": "no vendor 'nope' on this server; known: sabi"}
        assert client.get("/__admin/state", params={"limit": "0"}).json() == {"error": "limit must be a positive integer"}


# ------------------------------------------------------------------ examples, page, root
def test_examples_fill_each_route_with_its_documented_call() -> None:
    with make_client() as client:
        payabli = client.get("/__admin/examples/payabli").json()
        assert payabli["POST /api/User"]["operation"] == "create_user"
        assert payabli["POST /api/User"]["headers"]["requestToken"]  # the ready credential
        assert "GET /api/User/{userId}" not in payabli or payabli["GET /api/User/{userId}"]["path"] != "/api/User/authlogout"
        for vendor in ("vaultspay", "payabli", "sabi", "pulse", "etelecom"):
            found = client.get(f"/__admin/examples/{vendor}").json()
            create = [e for e in found.values() if e["operation"] == "create_user"]
            assert create and isinstance(create[0]["body"], dict), vendor
            assert "{ref:" not in json.dumps(create[0]["headers"]), vendor
        assert client.get("/__admin/examples/nope").status_code == 404


def test_the_page_is_served_same_origin_only_and_without_the_token() -> None:
    with make_client("sabi", admin_token="t0ken") as client:
        page = client.get("/__admin/ui")
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        assert client.get("/__admin/ui/app.js").headers["content-type"] == "text/javascript; charset=utf-8"
        assert client.get("/__admin/ui/..%2Fconfig.py").status_code == 404  # files by name only: no path is joined
        assert client.get("/__admin/ui/__init__.py").status_code == 404
        assert client.get("/__admin/ui/nope.js").json() == {"error": "no dashboard file 'nope.js'"}
        # What the page reads needs the token; the page itself does not.
        assert client.get("/__admin/state").status_code == 401
        assert client.get("/__admin/stream").status_code == 401
        assert client.get("/__admin/state", headers={"X-Mock-Admin-Token": "t0ken"}).status_code == 200
        assert client.get("/__admin/ui", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403


def test_the_page_uses_no_third_party_and_no_inline_script() -> None:
    ui = Path(__file__).resolve().parents[2] / "mockserver" / "ui"
    for path in ui.iterdir():
        if path.suffix in (".html", ".js", ".css"):
            text = path.read_text(encoding="utf-8")
            assert "http://" not in text.replace("http://www.w3.org/2000/svg", ""), path
            assert "https://" not in text, path
    assert "<script>" not in (ui / "index.html").read_text(encoding="utf-8")


def test_root_points_at_the_dashboard() -> None:
    with make_client() as client:
        plain = client.get("/")
        assert plain.status_code == 200
        assert plain.json()["dashboard"] == "/__admin/ui"
        html = client.get("/", headers={"Accept": "text/html"})
        assert html.headers["content-type"].startswith("text/html")
        assert 'href="/__admin/ui"' in html.text
        assert client.get("/nothing").status_code == 404


def test_the_banner_prints_the_dashboard_url(served: Served) -> None:
    assert any(line.startswith(f"dashboard: {served.origin}/__admin/ui") for line in served.seen)


@pytest.mark.skipif(os.name != "posix", reason="the token banner test starts a server")
def test_the_banner_hands_a_generated_token_to_the_page_in_the_fragment() -> None:
    server = Served("--admin-token", "auto")
    try:
        line = server.wait_for("dashboard:") if not any("dashboard:" in s for s in server.seen) else next(s for s in server.seen if "dashboard:" in s)
    finally:
        server.stop()
    token = next(s for s in server.seen if s.startswith("admin token: ")).split()[2]
    assert line.strip() == f"dashboard: {server.origin}/__admin/ui#token={token}"

