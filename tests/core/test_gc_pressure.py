"""What requests leave behind is nothing CPython's cyclic collector has to walk again (issue 13).

Under load, p99 latency was 150-440 ms against the floor's 5-7 ms: every stored
user was a graph of tracked dicts and lists, and each collection of the
generation holding them walked them all (young collections of 10-30 ms, middle
ones of 260-650 ms).  Stored records and journal rows are now made of objects
the collector does not track, and a request makes no reference cycle.  These
tests count objects, never time: a regression shows as thousands of objects.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from mockserver import vendors as registry
from mockserver.app import MockServer, build_app
from mockserver.config import Config
from mockserver.core import store as store_module
from mockserver.core.store import Conflict, MemoryTable, Record
from tests.core.samples import variant

ORIGIN = "http://gc.local"
CREATES = 5_000
# Far below one object per request: a stored record or journal row still tracked, or a
# cycle per request, would count CREATES or more.  The slack absorbs one-off objects
# (a cache filled on first use).
ALLOWED = CREATES // 100


async def _call(app: MockServer, method: str, path: str, query: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    statuses: list[int] = []
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:  # the app never asks twice for a complete body
            raise AssertionError("receive() after the whole body")
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "", "headers": headers,
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "extensions": {},
    }
    await app(scope, receive, send)
    return statuses[0]


class Creates:
    """Create-user requests for one vendor, each with unique keys, through the ASGI app."""

    def __init__(self, vendor: str, session: str | None = None) -> None:
        self.app = build_app(Config(seed=1, vendors=(vendor,)))
        info = self.app.runtime.describe(ORIGIN)[vendor]
        self.method, _, url = info["create_user"].partition(" ")
        self.path = url[len(ORIGIN):]
        self.headers = [(k.lower().encode(), str(v).encode()) for k, v in info["headers"].items()]
        if not any(k == b"content-type" for k, _ in self.headers):
            self.headers.append((b"content-type", b"application/json"))
        self.headers.append((b"host", b"gc.local"))
        # A test session and a query string take the journal's other path (_record_capped).
        self.query = b""
        if session is not None:
            self.headers.append((b"x-mock-session", session.encode()))
            self.query = b"trace=1"
        self.vendor = vendor
        self.loop = asyncio.new_event_loop()
        self._n = 0

    def bodies(self, count: int) -> Iterator[bytes]:
        for _ in range(count):
            self._n += 1
            yield orjson.dumps(variant(self.vendor, self._n))

    def run(self, count: int) -> list[int]:
        async def burst() -> list[int]:
            return [await _call(self.app, self.method, self.path, self.query, self.headers, body) for body in self.bodies(count)]

        return self.loop.run_until_complete(burst())

    def close(self) -> None:
        self.loop.close()


@pytest.mark.parametrize("session", [None, "gc-session"], ids=["plain", "session+query"])
@pytest.mark.parametrize("vendor", registry.NAMES)
def test_creates_leave_no_tracked_objects_and_no_cycles(vendor: str, session: str | None) -> None:
    creates = Creates(vendor, session)
    try:
        warm = creates.run(50)  # first-use caches, the session's own fixtures
        assert all(200 <= status < 300 for status in warm), warm
        gc.collect()
        gc.disable()  # what the burst leaves must go by reference counting alone
        try:
            before = len(gc.get_objects())
            statuses = creates.run(CREATES)
            # A full collection also untracks what holds only untracked objects: the tuples a
            # request leaves (journal row, unique-key pairs) are gone from the count after it.
            cycles = gc.collect()
            grown = len(gc.get_objects()) - before
        finally:
            gc.enable()
    finally:
        creates.close()
    assert all(200 <= status < 300 for status in statuses), sorted(set(statuses))
    assert cycles < ALLOWED, f"{vendor}: {cycles} objects in reference cycles after {CREATES} creates"
    assert grown < ALLOWED, f"{vendor}: {grown} more objects tracked by the collector after {CREATES} creates"


# ----------------------------------------------------------------- store


def test_records_written_by_every_vendor_read_back_as_the_same_values_and_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """A record kept as JSON reads back as lists, str keys, plain str...: no vendor stores anything else."""
    real = store_module._kept
    changed: list[tuple[Record, Record]] = []

    def checked(record: Record) -> store_module.Kept:
        kept = real(record)
        back = store_module._record(kept)
        if not _same(back, record):
            changed.append((record, back))
        return kept

    monkeypatch.setattr(store_module, "_kept", checked)
    for vendor in registry.NAMES:  # seeding, then creates with and without a session
        for session in (None, "s1"):
            creates = Creates(vendor, session)
            try:
                assert all(200 <= status < 300 for status in creates.run(20))
            finally:
                creates.close()
    assert changed == []


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_a_table_keeps_values_not_the_callers_objects() -> None:
    users = MemoryTable()
    nested: Record = {"id": 1, "email": "a@x", "roles": ["admin"], "mfa": {"on": True}}
    flat: Record = {"id": 2, "email": "b@x"}
    users.insert(1, nested, {"email": "a@x"})
    users.insert(2, flat, {"email": "b@x"})
    nested["roles"].append("root")
    flat["email"] = "changed@x"
    assert users.get(1) == {"id": 1, "email": "a@x", "roles": ["admin"], "mfa": {"on": True}}
    assert users.get(2) == {"id": 2, "email": "b@x"}
    for read in (users.get(1), users.find("email", "a@x"), users.values()[0]):
        assert read is not None
        read["roles"].append("root")  # a read is the caller's own copy
    assert users.get(1) == {"id": 1, "email": "a@x", "roles": ["admin"], "mfa": {"on": True}}
    with pytest.raises(Conflict) as caught:
        users.insert(3, {"id": 3}, {"email": "a@x"})
    assert caught.value.existing == {"id": 1, "email": "a@x", "roles": ["admin"], "mfa": {"on": True}}
    users.update(1, {**nested, "roles": ["viewer"]}, {"email": "a@x"})
    assert users.get(1) == {"id": 1, "email": "a@x", "roles": ["viewer"], "mfa": {"on": True}}
    assert users.delete(2) == {"id": 2, "email": "b@x"} and users.get(2) is None


def test_stored_records_are_not_tracked_by_the_collector() -> None:
    users = MemoryTable()
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        for n in range(2_000):
            users.insert(n, {"id": n, "email": f"u{n}@x", "scope": [{"orgId": n}], "access": [], "extra": {"k": "v"}}, {"email": f"u{n}@x"})
        gc.collect()  # untracks the unique-key pairs (tuples of atomic values)
        grown = len(gc.get_objects()) - before
    finally:
        gc.enable()
    assert grown < 20, grown  # a tracked record graph would be 4+ objects per row: 8,000
    assert len(users) == 2_000 and users.get(7) == {"id": 7, "email": "u7@x", "scope": [{"orgId": 7}], "access": [], "extra": {"k": "v"}}


def test_a_record_json_would_change_is_refused_and_the_table_is_left_as_it_was() -> None:
    users = MemoryTable()
    users.insert(1, {"id": 1, "email": "a@x", "tags": []}, {"email": "a@x"})
    for bad in ({"id": 1, "email": "b@x", "tags": [datetime(2024, 1, 1, tzinfo=UTC)]}, {"id": 1, "email": "b@x", "n": [2**64]}):
        with pytest.raises(TypeError):
            users.update(1, bad, {"email": "b@x"})
        with pytest.raises(TypeError):
            users.insert(2, bad, {"email": "c@x"})
    assert users.get(1) == {"id": 1, "email": "a@x", "tags": []}
    assert users.find("email", "a@x") is not None and users.find("email", "b@x") is None and users.find("email", "c@x") is None
    assert len(users) == 1
