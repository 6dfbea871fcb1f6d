"""tools/fuzz.py's core against a real server: a small run's report, and the store check the fuzzer relies on.

A small run must come out clean (no 5xx, no traceback or ERROR line in the server log, no hang, stores
unchanged); the report's shape and the store check itself are tested too.  The full run is ``python3 tools/fuzz.py``.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mockserver_fuzz_tool", ROOT / "tools" / "fuzz.py")
    if spec is None or spec.loader is None:
        raise ImportError("tools/fuzz.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


fuzz = _load_tool()
GROUPS = [*fuzz.VENDORS, "admin"]


@pytest.fixture(scope="module")
def server() -> Iterator[object]:
    with fuzz.Server(seed=3) as running:
        yield running


def test_a_small_run_reports_every_vendor_and_the_admin_api(server: object) -> None:
    started = time.monotonic()
    report = fuzz.fuzz(server, count=300, seed=5, jobs=3, timeout=10, max_seconds=60)
    # Alone this takes 2-4 s (a few framing cases wait 1 s for an answer that rightly never comes); 15 s leaves room
    # for a loaded machine and still fails on a single hang (10 s).
    assert time.monotonic() - started < 15

    assert report.sent == 300 + 6  # the mix, then the six malformed resets
    assert list(report.groups) == [*GROUPS, "reset"]
    for group in GROUPS:
        stats = report.groups[group]
        assert stats["requests"] == 50
        assert sum(stats[k] for k in ("2xx", "3xx", "4xx", "5xx", "none")) == 50
        assert stats["hangs"] == 0
    assert all(200 <= status < 300 for status in report.anchors.values()), report.anchors
    # Every request is refused by construction: no vendor's users may change, and a real reset restores them.
    assert set(report.store) == set(GROUPS)
    for vendor in fuzz.VENDORS:
        assert report.store[vendor].startswith("yes ("), report.store[vendor]
        assert report.store_changes[vendor] == ""
    assert report.unrestored == []
    text = report.text()
    assert text.startswith("306 requests in ")
    for group in GROUPS:
        assert f"\n{group:<10}" in text
    assert text.rsplit("\n", 1)[-1] == "RESULT: OK", text
    assert report.ok
    for group in GROUPS:
        assert report.groups[group]["5xx"] == 0, text
    for failure in report.failures:
        assert failure["count"] >= 1 and failure["example"] and failure["route"]


def test_the_store_check_sees_a_user_created_or_deleted(server: object) -> None:
    with httpx.Client(base_url=server.base, timeout=10) as client:  # type: ignore[attr-defined]
        vendors, _ = fuzz.discover(client)
        before = fuzz.snapshot(client, vendors)
        assert not any(fuzz.changed(before, fuzz.snapshot(client, vendors)).values())  # reading changes nothing

        pulse = vendors["pulse"]
        created = client.post(urlsplit(pulse["base_url"]).path + "/users", headers=pulse["headers"],
                              json={"email": "fuzz-smoke@example.test", "name": "Fuzz Smoke"})
        assert created.status_code == 201, created.text
        sabi = vendors["sabi"]  # no read route: the journal check
        created = client.post(urlsplit(sabi["base_url"]).path + "/api/v1/users/public", headers=sabi["headers"],
                              json={"username": "fuzz.smoke@example.ng", "password": "Secret123!", "firstName": "Fuzz", "lastName": "Smoke"})
        assert created.status_code == 201, created.text
        moved = fuzz.changed(before, fuzz.snapshot(client, vendors))
        assert "fuzz-smoke@example.test" in moved["pulse"]
        assert "create_user" in moved["sabi"]
        assert {k for k, v in moved.items() if v} == {"pulse", "sabi"}

        middle = fuzz.snapshot(client, vendors)
        gone = client.delete(urlsplit(pulse["base_url"]).path + "/users/fuzz-smoke%40example.test", headers=pulse["headers"])
        assert gone.status_code == 200, gone.text
        assert "gone: " in fuzz.changed(middle, fuzz.snapshot(client, vendors))["pulse"]
        client.post("/__admin/reset")


def test_a_5xx_or_a_store_change_fails_the_report() -> None:
    case = fuzz.Case("sabi", "POST /sabi/api/v1/users/public", "body: empty", "POST", b"/sabi/api/v1/users/public", [])
    groups, failures, log = fuzz.summarise([fuzz.Result(case, 503, "", 0.0, 0.01)], [])
    assert groups["sabi"]["5xx"] == 1 and failures[0]["what"] == "status 503" and log == []
    clean = fuzz.Report(1, 1, 0.1, groups, {}, {}, [], [], {}, [], [], [])
    assert clean.ok
    assert not fuzz.Report(1, 1, 0.1, groups, {}, {}, failures, [], {}, [], [], []).ok
    assert not fuzz.Report(1, 1, 0.1, groups, {}, {"sabi": "new: x; gone: "}, [], [], {}, [], [], []).ok
    traceback = [(0.005, "12:00:00 internal error in sabi POST /x"), (0.005, "Traceback (most recent call last):"),
                 (0.005, '  File "x.py", line 1, in f'), (0.005, "ValueError: boom"), (0.006, "INFO: fine")]
    _, _, blocks = fuzz.summarise([fuzz.Result(case, 500, "", 0.0, 0.01)], traceback)
    assert len(blocks) == 1 and blocks[0]["lines"] == 4 and blocks[0]["in_flight"][0].startswith("[sabi] body: empty")


def test_a_server_that_never_answers_or_hangs_up_is_a_hang_or_a_drop() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept(hang_up: bool) -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        if hang_up:
            conn.close()
        else:
            held.append(conn)  # read, never answered

    case = fuzz.Case("pulse", "GET /pulse/users", "raw raw plain / body: empty", "GET", b"/pulse/users", [],
                     raw=b"GET /pulse/users HTTP/1.1\r\n\r\n")
    results = []
    for hang_up in (False, True):
        thread = threading.Thread(target=accept, args=(hang_up,))
        thread.start()
        status, error = fuzz.send_raw(listener.getsockname()[1], case, timeout=0.3)
        thread.join()
        results.append(fuzz.Result(case, status, error, 0.0, 0.3))
    assert [(r.status, r.error) for r in results] == [(None, "timeout"), (None, "closed")]
    groups, failures, _ = fuzz.summarise(results, [])
    assert (groups["pulse"]["hangs"], groups["pulse"]["dropped"]) == (1, 1)
    assert [f["what"] for f in failures] == ["hang", "dropped"]
    for conn in held:
        conn.close()
    listener.close()
