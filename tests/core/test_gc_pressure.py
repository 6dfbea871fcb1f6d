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

# Imported by core.store when a table first grows past its small form: a one-off of ~50 tracked
# objects (the module, its functions) that a test running first in its process counted as left behind.
from mockserver.core import memtable  # noqa: F401
from mockserver.core import store as store_module
from mockserver.core.packed import unpack
from mockserver.core.store import Conflict, MemoryTable, Record
from tests.core.samples import create_route, variant

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
        self.method, self.path, self.headers = create_route(self.app, vendor, ORIGIN)
        # A test session and a query string take the journal's other path (Journal._capped_row).
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
    """A packed record reads back as JSON has it (lists, str keys, plain str...): no vendor stores anything else."""
    real = store_module.pack
    changed: list[tuple[Any, Any]] = []

    def checked(value: Any) -> bytes:
        kept = real(value)
        back = unpack(kept)
        if not _same(tuple(back) if isinstance(value, tuple) else back, value):  # a tuple is a composite key
            changed.append((value, back))
        return kept

    monkeypatch.setattr(store_module, "pack", checked)
    for vendor in registry.NAMES:  # seeding, then creates with and without a session
        for session in (None, "s1"):
            creates = Creates(vendor, session)
            try:
                assert all(200 <= status < 300 for status in creates.run(20))
            finally:
                creates.close()
    assert changed == []


def _same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (without recursion: values may be deep)."""
    work = [(a, b)]
    while work:
        x, y = work.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, dict):
            if x.keys() != y.keys():
                return False
            work.extend((x[k], y[k]) for k in x)
        elif isinstance(x, (list, tuple)):
            if len(x) != len(y):
                return False
            work.extend(zip(x, y, strict=True))
        elif x != y:
            return False
    return True


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
    for flat_read in (users.get(2), users.find("email", "b@x"), users.values()[1]):
        assert flat_read is not None
        flat_read["email"] = "mine@x"
    assert users.get(2) == {"id": 2, "email": "b@x"}
    with pytest.raises(Conflict) as caught:
        users.insert(3, {"id": 3}, {"email": "a@x"})
    assert caught.value.existing == {"id": 1, "email": "a@x", "roles": ["admin"], "mfa": {"on": True}}
    users.update(1, {**nested, "roles": ["viewer"]}, {"email": "a@x"})
    assert users.get(1) == {"id": 1, "email": "a@x", "roles": ["viewer"], "mfa": {"on": True}}
    assert users.delete(2) == {"id": 2, "email": "b@x"} and users.get(2) is None


@pytest.mark.parametrize("key", [int, str, lambda n: (n % 7, n)], ids=["int", "str", "tuple"])
def test_a_growing_table_holds_nothing_the_collector_walks(key: Any) -> None:
    """Not the records, and not the dicts holding them: a tracked dict is walked whole by every
    collection of its generation, and one with a tuple or a dict in it is tracked."""
    users = MemoryTable()
    gc.collect()
    gc.disable()
    try:
        already = {id(o) for o in _big_tracked()}
        for n in range(2_000):
            record = {"id": n, "email": f"u{n}@x", "scope": [{"orgId": n}], "access": [], "extra": {"k": "v"}}
            users.insert(key(n), record, {"email": f"u{n}@x", "phone": f"+1{n}"})
            users.insert(key(-n - 1), {"id": -n, "flat": True})  # a record of atomic values, no unique key
        for n in range(0, 2_000, 2):
            users.update(key(n), {"id": n, "email": f"v{n}@x", "tags": ["x"]}, {"email": f"v{n}@x"})
        for n in range(0, 2_000, 4):
            users.delete(key(n))
        # Whatever is still tracked after a full collection (which also untracks tuples and
        # dicts holding only untracked objects, i.e. what was just made) and is big:
        gc.collect()
        assert [len(o) for o in _big_tracked() if id(o) not in already] == []
        users.insert(key(10_000), {"id": 10_000, "tags": []}, {"email": "new@x"})  # a fresh insert tracks nothing either
        assert [len(o) for o in _big_tracked() if id(o) not in already] == []
    finally:
        gc.enable()
    assert len(users) == 2_000 * 2 - 500 + 1
    assert users.get(key(6)) == {"id": 6, "email": "v6@x", "tags": ["x"]} and users.get(key(4)) is None
    assert users.find("email", "u7@x") == {"id": 7, "email": "u7@x", "scope": [{"orgId": 7}], "access": [], "extra": {"k": "v"}}
    assert users.find("email", "u6@x") is None and users.find("phone", "+16") is None and users.find("phone", "+17") is not None
    assert sorted(k for k in users if k == key(7) or k == key(-8)) == sorted([key(7), key(-8)])  # keys come back as given


def _big_tracked() -> list[Any]:
    """Containers of 500 items or more that the collector tracks."""
    return [o for o in gc.get_objects() if isinstance(o, (dict, list, tuple, set)) and len(o) >= 500]


def test_a_bytes_key_is_refused() -> None:
    with pytest.raises(TypeError):
        MemoryTable().insert(b"k", {"id": 1})


def test_a_record_that_is_not_json_data_is_refused_and_the_table_is_left_as_it_was() -> None:
    users = MemoryTable()
    users.insert(1, {"id": 1, "email": "a@x", "tags": []}, {"email": "a@x"})
    for bad in ({"id": 1, "email": "b@x", "tags": [datetime(2024, 1, 1, tzinfo=UTC)]}, {"id": 1, "email": "b@x", "n": [object()]}):
        with pytest.raises(TypeError):
            users.update(1, bad, {"email": "b@x"})
        with pytest.raises(TypeError):
            users.insert(2, bad, {"email": "c@x"})
    assert users.get(1) == {"id": 1, "email": "a@x", "tags": []}
    assert users.find("email", "a@x") is not None and users.find("email", "b@x") is None and users.find("email", "c@x") is None
    assert len(users) == 1


def _deep(depth: int, leaf: Any) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@pytest.mark.parametrize(
    "odd",
    [_deep(20_000, 1), _deep(300, "x"), "\ud800", 2**70, -(2**64), [{"a": "\udfff"}, 10**400, 1.5]],
    ids=["20,000 levels", "300 levels", "lone surrogate", "past 64 bits", "negative past 64 bits", "mixed"],
)
def test_what_orjson_refuses_but_a_vendor_accepted_is_kept_exactly(odd: Any) -> None:
    """Sabi keeps the body it was sent: V8 reads any depth, lone surrogates and long integers."""
    users = MemoryTable()
    users.insert(1, {"id": 1, "body": odd}, {"email": "a@x"})
    users.insert(("k", 2**70), {"id": 2}, {"email": "b@x"})  # a composite key past orjson too
    for read in (users.get(1), users.find("email", "a@x"), users.values()[0]):
        assert read is not None and _same(read["body"], odd)
    assert users.get(("k", 2**70)) == {"id": 2} and ("k", 2**70) in list(users)
    users.update(1, {"id": 1, "body": [odd]}, {"email": "a@x"})
    assert _same(users.get(1), {"id": 1, "body": [odd]})
    assert users.delete(("k", 2**70)) == {"id": 2} and users.find("email", "b@x") is None


def test_a_capped_table_at_its_cap_holds_nothing_the_collector_walks() -> None:
    """--max-users: the eviction order (an array of slots) and the evictions leave nothing tracked either."""
    users = MemoryTable(max_rows=1_000, name="ns/users")
    gc.collect()
    gc.disable()
    try:
        already = {id(o) for o in _big_tracked()}
        for n in range(5_000):
            users.insert(("k", n) if n % 2 else n, {"id": n, "scope": [{"orgId": n}]}, {"email": f"u{n}@x"})
        gc.collect()
        assert [len(o) for o in _big_tracked() if id(o) not in already] == []
    finally:
        gc.enable()
    assert len(users) == 1_000 and users.find("email", "u4999@x") is not None and users.find("email", "u3999@x") is None


def test_a_full_journal_does_not_pile_young_rows_up_for_one_long_collection() -> None:
    """A full journal frees its oldest row for each row it keeps, so the collector's count of young
    objects stops growing and no collection comes: unchecked, every row since the last one waits in the
    young generation (tuples stay tracked until a collection looks at them) for one collection that
    walks them all (10,000 rows: ~9 ms, a p99 spike under load).  The journal collects them in small steps."""
    from mockserver.core.journal import Journal

    journal = Journal(size=1_000)

    def record(n: int) -> None:
        journal.record(float(n), "v", "op", "POST", "/p", {}, {"host": "h"}, b"{}", 200, b"{}", None, 1.0, "")

    for n in range(1_000):
        record(n)
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()  # only the journal's own collections count: none from the allocations of pytest or this loop
    try:
        for n in range(5_000):
            record(n)
        young = len(gc.get_objects(generation=0))
    finally:
        if enabled:
            gc.enable()
    assert young < 1_000, f"{young} young objects after 5,000 rows into a full journal"
