"""Against a real uvicorn server: socket-level faults and concurrent isolated sessions."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver.server import RunningServer, running
from tests.core.samples import CREATE_BODIES, variant


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running(port=0, seed=2) as live:
        yield live


@pytest.fixture(autouse=True)
def _reset(server: RunningServer) -> None:
    httpx.post(server.url + "/__admin/reset")


def _fault(server: RunningServer, fault: str, extra: str = "") -> None:
    name = "f-" + "".join(c for c in fault if c.isalpha() or c == "_")
    doc = f"name: {name}\nrules:\n  - match: {{vendor: sabi, operation: create_user, times: 1}}\n    fault: {fault}{extra}\n"
    assert httpx.post(server.url + "/__admin/scenarios?activate=true", content=doc).status_code == 201


def _create(server: RunningServer, vendor: str = "sabi", body: Any = None, **headers: str) -> httpx.Response:
    info = server.vendors()[vendor]
    return httpx.post(info["create_user"].split(" ", 1)[1], json=body or CREATE_BODIES[vendor], headers={**info["headers"], **headers}, timeout=5)


def test_connection_reset(server: RunningServer) -> None:
    _fault(server, "connection_reset")
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        _create(server)
    # A fault on a pass rule strikes after the vendor processed the call: the user
    # exists although the client never heard back (the "did it go through?" case).
    assert _create(server).status_code == 409
    assert _create(server, body=variant("sabi", 1)).status_code == 201  # spent: the next call is real


def test_empty_response(server: RunningServer) -> None:
    _fault(server, "empty_response")
    with pytest.raises(httpx.RemoteProtocolError, match="without sending"):
        _create(server)


def test_malformed_json_is_a_truncated_body(server: RunningServer) -> None:
    _fault(server, "malformed_json")
    response = _create(server)
    assert response.status_code == 201
    assert response.text.startswith('{"wallet"') and len(response.content) == int(response.headers["content-length"])
    with pytest.raises(ValueError):
        response.json()


def test_slow_body_dribbles_bytes(server: RunningServer) -> None:
    _fault(server, "{slow_body: {chunk: 16, interval_ms: 40}}", "\n    respond: {status: 200, body: {ok: 1234567890}}")
    chunks, gaps, last = [], [], time.perf_counter()
    info = server.vendors()["sabi"]
    with httpx.stream("POST", info["create_user"].split(" ", 1)[1], json=CREATE_BODIES["sabi"], headers=info["headers"]) as response:
        for chunk in response.iter_raw():
            now = time.perf_counter()
            chunks.append(chunk)
            gaps.append(now - last)
            last = now
    assert b"".join(chunks) == b'{"ok":1234567890}'
    assert len(chunks) == 2 and gaps[1] >= 0.03  # 16 bytes, a 40 ms pause, the rest


def test_parallel_sessions_are_isolated(server: RunningServer) -> None:
    results: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def worker(session: str) -> None:
        try:
            with httpx.Client(timeout=10) as client:
                info = server.vendors()
                out = []
                for vendor in ("vaultspay", "payabli", "sabi", "pulse", "etelecom"):
                    url = info[vendor]["create_user"].split(" ", 1)[1]
                    headers = {**info[vendor]["headers"], "X-Mock-Session": session}
                    for n in range(3):
                        out.append(client.post(url, json=variant(vendor, n), headers=headers).status_code)
                    out.append(client.post(url, json=variant(vendor, 0), headers=headers).status_code)  # duplicate
                results[session] = out
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"worker-{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    expected = None
    for session, statuses in results.items():
        successes = [s for i, s in enumerate(statuses) if i % 4 != 3]
        duplicates = [s for i, s in enumerate(statuses) if i % 4 == 3]
        assert all(s in (200, 201) for s in successes), (session, statuses)
        assert all(400 <= s < 500 for s in duplicates), (session, statuses)
        expected = expected or statuses
        assert statuses == expected  # every worker saw exactly the same thing
    assert len(results) == 6
    journal = httpx.get(server.url + "/__admin/requests?session=worker-3").json()
    assert len(journal) == 20 and {e["session"] for e in journal} == {"worker-3"}
