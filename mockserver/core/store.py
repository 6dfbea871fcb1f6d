"""State shared by every vendor, behind one small interface.

Records are plain dicts grouped in tables; a table lives in a namespace (a
vendor, later a vendor within a test session) so vendors never see each
other's data.  Unique keys (an email, a phone) are indexed per table.  All
operations are synchronous and the server runs on one event loop, so a
check-then-insert cannot interleave with another request: a request either
commits all of its writes or, having raised first, none.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Protocol

# A unique key taken: a core Problem, so a handler that lets it escape gets the
# vendor's own answer (its ``problems`` map's ``conflict`` entry).
from .errors import Conflict as Conflict

Record = dict[str, Any]
UniqueKeys = Mapping[str, Hashable | None]
Pair = tuple[str, Hashable]  # (unique field, value)
# The default for `unique`: read-only, so no call can change the default every other call shares.
NO_UNIQUE_KEYS: UniqueKeys = MappingProxyType({})


class Table(Protocol):
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
        self._rows: dict[Hashable, Record] = {}
        self._index: dict[tuple[str, Hashable], Hashable] = _NO_KEYS
        # key -> its one (field, value) pair (the index's own key object), or a
        # tuple of them: most rows have one unique key, which then costs no
        # container of its own (a list each cost ~90 bytes a row).
        self._keys_of: dict[Hashable, Pair | tuple[Pair, ...]] = _NO_KEYS

    def get(self, key: Hashable) -> Record | None:
        return self._rows.get(key)

    def find(self, field: str, value: Hashable) -> Record | None:
        key = self._index.get((field, value))
        return None if key is None else self._rows[key]

    def conflict(self, unique: UniqueKeys, ignore: Hashable | None = None) -> Conflict | None:
        for field, value in unique.items():
            if value is None:
                continue
            key = self._index.get((field, value))
            if key is not None and key != ignore:
                return Conflict(field, self._rows[key])
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
                raise Conflict(pair[0], self._rows[taken])
            pairs.append(pair)
        if key in self._rows:
            raise Conflict("id", self._rows[key])
        self._rows[key] = record
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
        self._drop_keys(key)
        self._rows[key] = record
        self._set_keys(key, unique)

    def delete(self, key: Hashable) -> Record | None:
        self._drop_keys(key)
        return self._rows.pop(key, None)

    def values(self) -> list[Record]:
        return list(self._rows.values())

    def clear(self) -> None:
        self._rows.clear()
        self._index = self._keys_of = _NO_KEYS

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._rows))

    def _set_keys(self, key: Hashable, unique: UniqueKeys) -> None:
        pairs = tuple((f, v) for f, v in unique.items() if v is not None)
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
