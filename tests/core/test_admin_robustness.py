"""The admin API under hostile or careless clients: no 500, no traceback, no hang (issue 12).

Covers: clients that go away mid-body (over a real socket, the server's stderr
read), clock moves that must change nothing when refused, deep and huge
scenario documents refused in bounded time while the server keeps answering,
and the journal listing answered a page at a time.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from starlette.testclient import TestClient

from mockserver.core.fixtures import MAX_DEPTH, MAX_PROBLEMS, MAX_VALUES, FixtureError, parse_yaml
from mockserver.core.journal import BODY_LIMIT, PAGE_SIZE, Journal
from mockserver.pytest_plugin import MockServerHandle
from mockserver.server import running
from tests.conftest import make_client
from tests.core.served import Served

START = "2026-01-01T00:00:00.000Z"
CLOCK_USAGE = 'send {"advance": "PT1H" | seconds}, {"set": "<ISO instant>"}, {"freeze": true|false} or {"reset": true}'


# ------------------------------------------------------------- a real server
@pytest.fixture
def served() -> Iterator[Served]:
    with Served() as server:
        yield server


def log_of(server: Served) -> str:
    """Stops ``server`` as SIGTERM does; everything it wrote (stdout and stderr)."""
    server.proc.terminate()
    server.proc.wait(timeout=15)
    server.drain()
    return "".join(server.seen)


def _send_and_leave(port: int, raw: bytes) -> None:
    """Sends ``raw`` (a request whose body never completes) and closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(raw)
        time.sleep(0.05)  # the server is waiting for the rest of the body when the client leaves


# ------------------------------------------------------ 1. client went away
HEAD = "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
GONE = [
    ("content-length longer than sent", "Content-Length: 100\r\n\r\n{\"advance\":"),
    ("chunked without the last chunk", "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n"),
    ("expect 100-continue, then nothing", "Content-Length: 20\r\nExpect: 100-continue\r\n\r\n"),
]


def test_a_client_that_leaves_mid_body_leaves_no_error_in_the_log(served: Served) -> None:
    for path in ("/__admin/clock", "/__admin/scenarios", "/__admin/requests/count", "/vaultspay/as/api/v1/users"):
        for _, rest in GONE:
            _send_and_leave(served.port, (HEAD.format(path=path) + rest).encode())
    # The server is still there and answers; every disconnect was handled before this answer
    # (the loop saw each close first), so stopping now loses no log line.
    assert httpx.get(served.origin + "/__admin/health").status_code == 200
    log = log_of(served)
    assert "ERROR" not in log and "Traceback" not in log and "ClientDisconnect" not in log, log


# ------------------------------------------------------------------ 2. clock
@pytest.fixture
def frozen() -> Iterator[TestClient]:
    with make_client(clock=f"frozen:{START}") as client:
        yield client


def clock_of(client: TestClient) -> dict[str, Any]:
    return dict(client.get("/__admin/clock").json())


@pytest.mark.parametrize(
    ("body", "error"),
    [
        # A later key refused: the earlier ones must not have been applied.
        ({"freeze": False, "advance": "bogus"}, "advance: not a duration: 'bogus' (use seconds or ISO-8601 like PT15M)"),
        ({"reset": True, "set": "garbage"}, "set: Invalid isoformat string: 'garbage'"),
        ({"freeze": False, "set": 20260101}, "set: give an ISO-8601 instant as a string, e.g. 2026-01-01T00:00:00Z"),
        # Only JSON booleans switch: any truthy value used to count.
        ({"freeze": "no"}, "freeze must be true or false (a JSON boolean)"),
        ({"freeze": 0}, "freeze must be true or false (a JSON boolean)"),
        ({"freeze": None}, "freeze must be true or false (a JSON boolean)"),
        ({"reset": "yes"}, "reset must be true or false (a JSON boolean)"),
        ({"advance": 60, "freze": False}, f"unknown clock keys: 'freze'; {CLOCK_USAGE}"),
        # Beyond any clock, or no number at all.
        ({"advance": 1e308}, "advance: 1e+308 is beyond any clock"),
        ({"advance": -1e308}, "advance: -1e+308 is beyond any clock"),
        ({"advance": "inf"}, "advance: 'inf' is beyond any clock"),
        ({"advance": "nan"}, "advance: not a duration: 'nan' (use seconds or ISO-8601 like PT15M)"),
        ({"advance": "P9999999Y"}, "advance: 'P9999999Y' is beyond any clock"),  # years parse (pydantic): 3.65e9 days
        ({"advance": True}, "advance: not a duration: give seconds or a string like PT15M (ISO-8601)"),
        ({"advance": [60]}, "advance: not a duration: give seconds or a string like PT15M (ISO-8601)"),
        # Long input is quoted back cut short.
        ({"advance": "x" * 5000}, "advance: not a duration: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... (use seconds or ISO-8601 like PT15M)"),
        ({"set": "2026" + "0" * 5000}, "set: not an ISO-8601 instant: '2026000000000000000000000000000000000000'..."),
    ],
    ids=lambda value: str(value)[:40] if isinstance(value, dict) else "",
)
def test_a_refused_clock_move_changes_nothing(frozen: TestClient, body: dict[str, Any], error: str) -> None:
    frozen.post("/__admin/clock", json={"advance": "PT1H"})  # so that a reset would show
    before = clock_of(frozen)
    response = frozen.post("/__admin/clock", json=body)
    assert (response.status_code, response.json()) == (400, {"error": error})
    assert clock_of(frozen) == before == {"now": "2026-01-01T01:00:00.000Z", "frozen": True}


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        # Not JSON for orjson (a number beyond a double): the usage line.
        (b'{"advance": 1e400}', CLOCK_USAGE),
        # Nested values used to reach str(), whose repr recursion was a RecursionError and a 500.
        (b'{"advance": ' + b"[" * 1000 + b"]" * 1000 + b"}", "advance: not a duration: give seconds or a string like PT15M (ISO-8601)"),
        (b'{"set": ' + b"[" * 1000 + b"]" * 1000 + b"}", "set: give an ISO-8601 instant as a string, e.g. 2026-01-01T00:00:00Z"),
    ],
    ids=["1e400", "deep advance", "deep set"],
)
def test_clock_bodies_json_cannot_hold_are_400(frozen: TestClient, raw: bytes, error: str) -> None:
    response = frozen.post("/__admin/clock", content=raw)
    assert (response.status_code, response.json()) == (400, {"error": error})
    assert clock_of(frozen) == {"now": START, "frozen": True}


def test_a_valid_move_applies_every_key_in_order(frozen: TestClient) -> None:
    frozen.post("/__admin/clock", json={"advance": "P1D"})
    response = frozen.post("/__admin/clock", json={"reset": True, "freeze": True, "set": "2026-03-01T00:00:00Z", "advance": 90})
    assert (response.status_code, response.json()) == (200, {"now": "2026-03-01T00:01:30.000Z", "frozen": True})
    assert frozen.post("/__admin/clock", json={"freeze": False, "reset": False}).json()["frozen"] is False


def test_an_instant_beyond_year_one_in_utc_is_a_value_error_for_every_caller() -> None:
    from mockserver.core.clock import parse_instant

    with pytest.raises(ValueError, match="date value out of range"):
        parse_instant("0001-01-01T00:00:00+05:00")  # was an OverflowError, which Payabli's query filter did not expect
    with make_client("payabli") as client:
        headers = client.get("/__admin/vendors").json()["payabli"]["headers"]
        url = "/payabli/api/Query/users/org/123"
        odd = client.get(url, params={"createdDate(gt)": "0001-01-01T00:00:00+05:00"}, headers=headers)
        plain = client.get(url, params={"createdDate(gt)": "yesterday"}, headers=headers)
    assert (odd.status_code, odd.json()) == (400, plain.json())


# ---------------------------------------------------- 3. scenario documents
def test_deep_documents_are_refused_by_the_pre_scan_in_milliseconds() -> None:
    for doc in ('{"a":' * 20_000, "[" * 20_000, "[" * (1 << 20), "- " * 30_000):
        started = time.perf_counter()
        with pytest.raises(FixtureError) as caught:
            parse_yaml(doc, "doc")
        elapsed = time.perf_counter() - started
        assert str(caught.value) == f"doc:1: nested more than {MAX_DEPTH} levels deep"
        # ~1-3 ms here on an idle machine (the scan stops at the limit); the margin is for a loaded
        # one.  Composing the whole tree, as before the pre-scan, took 2-4 s.
        assert elapsed < 0.25, (doc[:10], elapsed)


def test_a_document_of_too_many_values_is_refused_before_it_is_built() -> None:
    doc = "[" + ",".join(["1"] * (MAX_VALUES + 1)) + "]"
    with pytest.raises(FixtureError) as caught:
        parse_yaml(doc, "doc")
    assert str(caught.value) == f"doc:1: the document holds more than {MAX_VALUES:,} values"
    data, _ = parse_yaml("[" + ",".join(["1"] * (MAX_VALUES - 1)) + "]", "doc")
    assert len(data) == MAX_VALUES - 1  # the list itself is the last value allowed


def test_validation_problems_are_reported_up_to_a_few() -> None:
    # 5,000 unknown keys: each problem is located in the YAML tree, once a line per problem
    # (quadratic over 90,000 keys: the server hung for minutes).
    doc = "{" + ",".join(f'"k{i}": 1' for i in range(5000)) + "}"
    with make_client("sabi") as client:
        response = client.post("/__admin/scenarios", content=doc)
    lines = response.json()["error"].split("\n")
    assert response.status_code == 400 and len(lines) == MAX_PROBLEMS + 1
    assert lines[0] == "POST /__admin/scenarios:1: name: Field required"
    assert lines[-1] == f"POST /__admin/scenarios: ... and {5002 - MAX_PROBLEMS:,} more problems"


HOSTILE_DOCS = [
    ('{"a":' * 20_000, f"nested more than {MAX_DEPTH} levels deep"),
    ("[" * 20_000, f"nested more than {MAX_DEPTH} levels deep"),
    ("[" * (1 << 20), f"nested more than {MAX_DEPTH} levels deep"),
    ("{" + ",".join(f'"k{i}":1' for i in range(90_000)) + "}", f"the document holds more than {MAX_VALUES:,} values"),
    # Just under the value cap, and invalid: read, built, validated and located in full.
    ("{" + ",".join(f'"k{i}":1' for i in range(MAX_VALUES // 2 - 1)) + "}", "name: Field required"),
]


def test_the_server_keeps_answering_while_hostile_documents_are_posted(served: Served) -> None:
    latencies: list[float] = []
    stop = threading.Event()

    def poll() -> None:
        with httpx.Client(base_url=served.origin, timeout=10) as health:
            while not stop.is_set():
                started = time.perf_counter()
                assert health.get("/__admin/health").status_code == 200
                latencies.append(time.perf_counter() - started)
                time.sleep(0.002)

    assert httpx.get(served.origin + "/__admin/health").status_code == 200  # warm: the first answer pays for imports
    poller = threading.Thread(target=poll)
    poller.start()
    try:
        with httpx.Client(base_url=served.origin, timeout=30) as admin:
            for doc, error in HOSTILE_DOCS:
                started = time.perf_counter()
                response = admin.post("/__admin/scenarios", content=doc.encode())
                elapsed = time.perf_counter() - started
                assert response.status_code == 400 and response.json()["error"].split("\n")[0].endswith(error), response.text[:200]
                assert elapsed < 5, (doc[:10], elapsed)  # the deep ones ~10 ms, the largest valid-looking one ~0.3 s
    finally:
        stop.set()
        poller.join()
    # Issue 12 asks < 50 ms.  Measured on an idle machine: 6-25 ms at the worst (the documents are
    # parsed in a worker thread; the event loop waits at most a GIL switch interval, 5 ms, per
    # step).  The machine running the suite is shared (2 cores, load average 5-6 with several
    # suites): there the worst answer reached ~100 ms from scheduling alone, so the bound on the
    # worst is 250 ms and the typical answer keeps the 50 ms.  Before the fix a
    # 20,000-deep document held every request for 2-4 s and the 90,000-key one for minutes.
    latencies.sort()
    assert len(latencies) > 10 and latencies[-1] < 0.250 and latencies[len(latencies) // 2] < 0.050, [round(t * 1000) for t in latencies]
    assert "Traceback" not in log_of(served)


# ------------------------------------------------------------ 4. the journal
def fill(journal: Journal, count: int, vendor: str = "vaultspay", body: bytes = b'{"n":1}') -> None:
    """``count`` exchanges recorded straight into ``journal`` (as the vendor path records them)."""
    for i in range(count):
        journal.record(1.7e9 + i, vendor, "create_user", "POST", "/x", {}, {"accept": "*/*"}, body, 200, b'{"ok":true}', None, 0.1, "")


@pytest.fixture
def big() -> Iterator[TestClient]:
    with make_client() as client:
        fill(client.app.runtime.journal, 2 * PAGE_SIZE + 500)  # type: ignore[attr-defined]
        yield client


def seqs(response: httpx.Response) -> list[int]:
    return [entry["seq"] for entry in response.json()]


def test_the_listing_is_the_newest_page_with_the_total_and_where_to_start(big: TestClient) -> None:
    total = 2 * PAGE_SIZE + 500
    response = big.get("/__admin/requests")
    assert response.status_code == 200
    assert seqs(response) == list(range(total - PAGE_SIZE + 1, total + 1))  # newest page, oldest first
    assert response.headers["x-total-count"] == str(total)
    assert response.headers["link"] == '</__admin/requests?after=0>; rel="first"'
    # limit keeps the newest, at most a page
    assert seqs(big.get("/__admin/requests?limit=3")) == [total - 2, total - 1, total]
    assert len(big.get("/__admin/requests?limit=99999999999999999999").json()) == PAGE_SIZE


def test_after_walks_the_whole_journal_page_by_page(big: TestClient) -> None:
    total = 2 * PAGE_SIZE + 500
    walked: list[int] = []
    url = "/__admin/requests?vendor=vaultspay&after=0"
    while url:
        response = big.get(url)
        assert response.headers["x-total-count"] == str(total)
        walked += seqs(response)
        next_link = re.match(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
        url = next_link.group(1) if next_link else ""
        if url:
            assert url == f"/__admin/requests?vendor=vaultspay&after={walked[-1]}"
    assert walked == list(range(1, total + 1))
    assert big.get(f"/__admin/requests?after={total}").json() == []
    assert big.get("/__admin/requests?after=" + "9" * 5000).json() == []


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("limit=0", "limit must be a positive integer"),
        ("limit=-1", "limit must be a positive integer"),
        ("after=-1", "after must be a non-negative integer (the seq of the last entry seen)"),
        ("after=1.5", "after must be a non-negative integer (the seq of the last entry seen)"),
        ("after=%C2%B2", "after must be a non-negative integer (the seq of the last entry seen)"),
    ],
)
def test_page_parameters_are_checked(big: TestClient, query: str, error: str) -> None:
    response = big.get(f"/__admin/requests?{query}")
    assert (response.status_code, response.json()) == (400, {"error": error})


def test_filters_count_and_page_together(big: TestClient) -> None:
    fill(big.app.runtime.journal, 3, vendor="sabi")  # type: ignore[attr-defined]
    response = big.get("/__admin/requests?vendor=sabi")
    assert [e["vendor"] for e in response.json()] == ["sabi"] * 3
    assert response.headers["x-total-count"] == "3" and "link" not in response.headers


def test_a_page_of_big_bodies_is_cut_by_bytes_too() -> None:
    with make_client() as client:
        fill(client.app.runtime.journal, 100, body=b'"' + b"x" * (BODY_LIMIT - 2) + b'"')  # type: ignore[attr-defined]
        newest = client.get("/__admin/requests")
        assert newest.headers["x-total-count"] == "100" and 20 < len(newest.json()) < 100
        assert seqs(newest)[-1] == 100
        walked, after = [], 0
        while True:
            response = client.get(f"/__admin/requests?after={after}")
            walked += seqs(response)
            if "next" not in response.headers.get("link", ""):
                break
            after = walked[-1]
        assert walked == list(range(1, 101))


def test_count_still_sees_every_entry(big: TestClient) -> None:
    journal = big.app.runtime.journal  # type: ignore[attr-defined]
    fill(journal, 1, body=b'{"n":2}')
    assert big.post("/__admin/requests/count", json={"vendor": "vaultspay"}).json() == {"count": 2 * PAGE_SIZE + 501}
    assert big.post("/__admin/requests/count", json={"body": {"n": 1}}).json() == {"count": 2 * PAGE_SIZE + 500}
    assert big.post("/__admin/requests/count", json={"body": {"n": 2}, "status": "2xx"}).json() == {"count": 1}
    nothing = big.post("/__admin/requests/count", json={"vendor": "vaultspay", "body": {"n": 3}}).json()
    oldest_of_newest_page = 2 * PAGE_SIZE + 501 - PAGE_SIZE + 1  # closest looks among the newest page (ties: oldest first)
    assert nothing["count"] == 0 and [e["seq"] for e in nothing["closest"]] == [oldest_of_newest_page + i for i in range(3)]
    response = big.post("/__admin/requests/count", json={"zzz": 1, "yyy": 2, "k" * 500: 3})
    assert (response.status_code, response.json()) == (400, {"error": "unknown match keys: 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk'..., 'yyy', 'zzz'"})


def test_the_plugin_reads_every_entry_across_pages() -> None:
    with running(seed=1) as live:
        fill(live.runtime.journal, PAGE_SIZE * 2 + 7)
        handle = MockServerHandle(live)
        try:
            entries = handle.requests()
            assert [e["seq"] for e in entries] == list(range(1, PAGE_SIZE * 2 + 8))
            assert [e["seq"] for e in handle.requests(limit=2)] == [PAGE_SIZE * 2 + 6, PAGE_SIZE * 2 + 7]
            assert handle.count("vaultspay") == PAGE_SIZE * 2 + 7
        finally:
            handle.close()


def test_a_deeply_nested_journal_body_is_listed_not_a_500() -> None:
    with make_client() as client:
        fill(client.app.runtime.journal, 1, body=b"[" * 300 + b"]" * 300)  # type: ignore[attr-defined]
        response = client.get("/__admin/requests")
        assert response.status_code == 200 and orjson.loads(response.content)[0]["body"] is not None
