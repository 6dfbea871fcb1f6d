"""State shared by every vendor, behind one small interface.

Records are JSON data (dicts with str keys, lists, str, 64-bit int, float,
bool, None) grouped in tables; a table lives in a namespace (a vendor, later
a vendor within a test session) so vendors never see each other's data.
Unique keys (an email, a phone) are indexed per table.  All operations are
synchronous and the server runs on one event loop, so a check-then-insert
cannot interleave with another request: a request either commits all of its
writes or, having raised first, none.

A table holds values, not the caller's objects, as a database would: insert
and update keep a copy, every read returns a fresh one, so a record changes
only through ``update``.  The memory store keeps each record in a form that
CPython's cyclic collector never scans (``_kept``): a server holding 500,000
users then pauses no longer in a collection than one holding 50 (issue 13:
with the users as dicts of lists, a young-generation collection took
13-28 ms and a middle one 260-650 ms under load, and p99 latency went from
the floor's 5-7 ms to 150-440 ms).
"""

from __future__ import annotations

import gc
from collections.abc import Hashable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Protocol

import orjson

# A unique key taken: a core Problem, so a handler that lets it escape gets the
# vendor's own answer (its ``problems`` map's ``conflict`` entry).
from .errors import Conflict as Conflict

Record = dict[str, Any]
# A row as a memory table keeps it (see _kept): a record of atomic values as a
# dict of its own, anything else as its JSON text.
Kept = Record | bytes
UniqueKeys = Mapping[str, Hashable | None]
Pair = tuple[str, Hashable]  # (unique field, value)
# The default for `unique`: read-only, so no call can change the default every other call shares.
NO_UNIQUE_KEYS: UniqueKeys = MappingProxyType({})


# Types orjson would write as something else than they read back (a datetime
# as a str, a dataclass as a dict, a str subclass as a str): refused, so a
# vendor that stores one finds out at once instead of reading back another type.
_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
_dumps, _loads, _is_tracked = orjson.dumps, orjson.loads, gc.is_tracked


def _kept(record: Record) -> Kept:
    """``record`` as a table keeps it: a copy made of objects the cyclic collector does not track.

    CPython never tracks a dict whose values are all atomic (str, int, float,
    None...): such a record (a token, a session, a flat user) is kept as a
    copy of itself (~0.1 us), which stays untracked.  A record holding lists
    or dicts would be a tracked graph that every collection of its generation
    walks; it is kept as its JSON text instead (~0.5 us for a user; read back
    in ~1 us): one bytes object, which the collector does not see at all.
    """
    if _is_tracked(record):
        # orjson's output keeps its ~4 KB working buffer whatever its length: the copy is exact.
        return bytes(memoryview(_dumps(record, option=_STRICT)))
    return record.copy()


def _record(kept: Kept) -> Record:
    """A fresh record from what a table keeps (``_kept``)."""
    if isinstance(kept, bytes):
        record: Record = _loads(kept)
        return record
    return kept.copy()


class Table(Protocol):
    # Records in and out are copies: see the module docstring.
    def get(self, key: Hashable) -> Record | None: ...
    def find(self, field: str, value: Hashable) -> Record | None: ...
    def conflict(self, unique: UniqueKeys, ignore: Hashable | None = None) -> Conflict | None: ...
    def insert(self, key: Hashable, record: Record, unique: UniqueKeys = NO_UNIQUE_KEYS) -> None: ...
    def update(self, key: Hashable, record: Record, unique: UniqueKeys = NO_UNIQUE_KEYS) -> None: ...
    def delete(self, key: Hashable) -> Record | None: ...
    def values(self) -> list[Record]: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Hashable]: ...


class Store(Protocol):
    # A table handle stays valid until its namespace is dropped (clear() empties
    # tables in place), so vendors may keep handles instead of looking them up per
    # request.  drop() removes a namespace outright (a test session being freed):
    # its handles are detached, and whoever cached one must forget it
    # (VendorContext.forget does); table() then makes a fresh one.
    def table(self, namespace: str, name: str) -> Table: ...
    def next_id(self, namespace: str, name: str, start: int) -> int: ...
    def bump_id(self, namespace: str, name: str, at_least: int) -> None: ...
    def clear(self, namespace: str | None = None) -> None: ...
    def drop(self, namespace: str) -> None: ...
    def namespaces(self) -> list[str]: ...


# Shared by every table that holds no unique key yet (sessions, tokens,
# memberships): two empty dicts less per table, which a test session has ~15 of.
# Never written: a table swaps in dicts of its own before its first unique key.
_NO_KEYS: dict[Any, Any] = {}  # stands in for both _index and _keys_of


class MemoryTable:
    __slots__ = ("_index", "_keys_of", "_rows")

    def __init__(self) -> None:
        self._rows: dict[Hashable, Kept] = {}
        self._index: dict[tuple[str, Hashable], Hashable] = _NO_KEYS
        # key -> its one (field, value) pair (the index's own key object), or a
        # tuple of them: most rows have one unique key, which then costs no
        # container of its own (a list each cost ~90 bytes a row).
        self._keys_of: dict[Hashable, Pair | tuple[Pair, ...]] = _NO_KEYS

    def get(self, key: Hashable) -> Record | None:
        kept = self._rows.get(key)
        return None if kept is None else _record(kept)

    def find(self, field: str, value: Hashable) -> Record | None:
        key = self._index.get((field, value))
        return None if key is None else _record(self._rows[key])

    def conflict(self, unique: UniqueKeys, ignore: Hashable | None = None) -> Conflict | None:
        for field, value in unique.items():
            if value is None:
                continue
            key = self._index.get((field, value))
            if key is not None and key != ignore:
                return Conflict(field, _record(self._rows[key]))
        return None

    def insert(self, key: Hashable, record: Record, unique: UniqueKeys = NO_UNIQUE_KEYS) -> None:
        # conflict() and _set_keys() folded into one pass: this is on every create.
        index = self._index
        pairs = []
        for pair in unique.items():
            if pair[1] is None:
                continue
            taken = index.get(pair)
            if taken is not None:
                raise Conflict(pair[0], _record(self._rows[taken]))
            pairs.append(pair)
        if key in self._rows:
            raise Conflict("id", _record(self._rows[key]))
        self._rows[key] = _kept(record)
        if pairs:  # rows without unique keys (memberships, sessions) need no reverse entry
            if index is _NO_KEYS:
                index = self._index = {}
                self._keys_of = {}
            for pair in pairs:
                index[pair] = key
            self._keys_of[key] = pairs[0] if len(pairs) == 1 else tuple(pairs)

    def update(self, key: Hashable, record: Record, unique: UniqueKeys = NO_UNIQUE_KEYS) -> None:
        clash = self.conflict(unique, ignore=key)
        if clash is not None:
            raise clash
        kept = _kept(record)  # before any change: a record JSON cannot hold leaves the table as it was
        self._drop_keys(key)
        self._rows[key] = kept
        self._set_keys(key, unique)

    def delete(self, key: Hashable) -> Record | None:
        self._drop_keys(key)
        kept = self._rows.pop(key, None)
        return None if kept is None else _record(kept)

    def values(self) -> list[Record]:
        return [_record(kept) for kept in self._rows.values()]

    def clear(self) -> None:
        self._rows.clear()
        self._index = self._keys_of = _NO_KEYS

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._rows))

    def _set_keys(self, key: Hashable, unique: UniqueKeys) -> None:
        # A list first: tuple() of a generator is allocated before its pairs, and the collector
        # untracks a tuple of pairs only if it meets the pairs (untracked) before it.
        pairs = tuple([(f, v) for f, v in unique.items() if v is not None])
        if not pairs:
            return
        if self._index is _NO_KEYS:
            self._index, self._keys_of = {}, {}
        for pair in pairs:
            self._index[pair] = key
        self._keys_of[key] = pairs[0] if len(pairs) == 1 else pairs

    def _drop_keys(self, key: Hashable) -> None:
        if self._keys_of is _NO_KEYS:  # pop() would not write, but say so: never touch the shared dict
            return
        keys = self._keys_of.pop(key, None)
        if keys is None:
            return
        pairs: tuple[Pair, ...] = (keys,) if type(keys[0]) is str else keys  # type: ignore[assignment]  # a pair starts with its field name
        for pair in pairs:
            self._index.pop(pair, None)


class MemoryStore:
    """The default store: dicts in this process, gone on exit.

    Tables and id counters are grouped per namespace, so dropping one (a test
    session) costs its own size, not a scan of every session's tables.
    """

    def __init__(self) -> None:
        self._spaces: dict[str, dict[str, MemoryTable]] = {}
        self._counters: dict[str, dict[str, int]] = {}

    def table(self, namespace: str, name: str) -> MemoryTable:
        space = self._spaces.get(namespace)
        if space is None:
            space = self._spaces[namespace] = {}
        table = space.get(name)
        if table is None:
            table = space[name] = MemoryTable()
        return table

    def next_id(self, namespace: str, name: str, start: int) -> int:
        counters = self._counters.get(namespace)
        if counters is None:
            counters = self._counters[namespace] = {}
        value = counters.get(name, start - 1) + 1
        counters[name] = value
        return value

    def bump_id(self, namespace: str, name: str, at_least: int) -> None:
        """Make the next id larger than ``at_least`` (used when seeding fixtures)."""
        counters = self._counters.get(namespace)
        if counters is None:
            counters = self._counters[namespace] = {}
        if counters.get(name, at_least) <= at_least:
            counters[name] = at_least

    def clear(self, namespace: str | None = None) -> None:
        """Empty tables in place (handles stay valid) and forget id counters."""
        spaces = self._spaces.values() if namespace is None else [self._spaces.get(namespace, {})]
        for space in spaces:
            for table in space.values():
                table.clear()
        if namespace is None:
            self._counters.clear()
            self._spaces = dict(self._spaces)  # a copy sized for what is left: dropped sessions' slots are released
        else:
            self._counters.pop(namespace, None)

    def drop(self, namespace: str) -> None:
        """Remove a namespace's tables and counters (their memory goes with them)."""
        self._spaces.pop(namespace, None)
        self._counters.pop(namespace, None)

    def namespaces(self) -> list[str]:
        """Namespaces holding tables or counters (for tests and diagnostics)."""
        return list(dict.fromkeys([*self._spaces, *self._counters]))
