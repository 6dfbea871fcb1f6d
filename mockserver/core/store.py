"""State shared by every vendor, behind one small interface.

Records are JSON data (dicts with str keys, lists, str, int, float, bool,
None; a tuple reads back as a list) grouped in tables, under keys that are
str, int or tuples of them; a table lives in a namespace (a vendor, later
a vendor within a test session) so vendors never see each other's data.
Unique keys (an email, a phone) are indexed per table.  All operations are
synchronous and the server runs on one event loop, so a check-then-insert
cannot interleave with another request: a request either commits all of its
writes or, having raised first, none.

A table holds values, not the caller's objects, as a database would: insert
and update keep a copy, every read returns a fresh one, so a record changes
only through ``update``.  The one exception is ``view(key)``, for a record its
caller only reads (an authenticated caller, on every request): the memory store
gives every view of a row one record, decoded once, until the row changes.  The memory store keeps everything that grows with
its rows as objects CPython's cyclic collector does not track (see
``MemoryTable``): a server holding 500,000 users then pauses no longer in a
collection than one holding 50 (issue 13: with the users as dicts of lists, a
young collection took 13-28 ms and a middle one 260-650 ms under load, and
p99 latency went from the floor's 5-7 ms to 150-440 ms).

A record changes only through ``update`` (read, change the copy, write it
back): ``update_fields(table, key, changes)`` does the three for a vendor.

Protocol v2 (issue 15): everything a server remembers lives in its store, so
a server restarted on a persistent store (``sqlite:///...``) and every worker
sharing one (``redis://...``) see the same state.  Besides tables:

- id sequences: ``next_id(ns, name, start)`` / ``bump_id(ns, name, at_least)``;
- counters, in the same per-namespace space as the id sequences (so a
  session's counters go when its namespace is cleared or dropped):
  ``incr(ns, name, by=1) -> int`` (atomic: the value after the increment; a
  counter never counted is 0), ``counter(ns, name) -> int``,
  ``set_counter(ns, name, value)``.  The seeder's draw counters are
  ``draw:<operation>`` in the vendor's namespace; the scenario rules'
  seen/fired counters live in ``SCENARIO_NAMESPACE`` (per session);
- a once-only claim: ``claim(ns, name) -> bool`` is True for exactly one
  caller until the namespace is cleared or dropped (the runtime claims
  ``seeded`` before seeding a vendor's namespace).  On a transactional store
  the claim is part of the request's transaction, so a loser blocks until the
  winner's transaction (its seed with it) is committed and visible;
- server-wide values, JSON data under str keys, untouched by ``clear``:
  ``get_value(key)``, ``set_value(key, value)`` (None deletes),
  ``list_values(prefix) -> {key: value}``.  The runtime keeps the clock
  (``clock``), scenarios defined at run time (``scenario:<name>``), the active
  scenario list (``active``) and live test sessions (``session:<name>``) there;
- a change version: ``version() -> int``, ``bump_version() -> int``.  A
  worker that changes the clock, the scenarios or resets bumps it; every worker
  compares it with the one it last loaded at the start of a request and
  reloads its in-process copies when it moved (memory: never, and never asked:
  ``shared`` is False);
- a per-request transaction: when ``transactional``, the pipeline calls
  ``begin()`` before a request (or the first of those answered in one turn of
  the event loop: ``core.commits``) and ``commit()`` before its answer is sent
  (``rollback()`` if the commit fails: the client gets the vendor's 500, not
  a 2xx for a write that was lost).  Memory: all three are no-ops, never called;
- ``url`` (credentials redacted), ``describe() -> dict`` (backend, url,
  counts: for ``GET /__admin/store``) and ``close()``.

``open_store(url)`` makes a store from its URL: ``memory://``,
``sqlite:///path`` (``core.sqlite_store``), or a scheme another module
registers in ``SCHEMES``.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Hashable, Iterator, Mapping
from typing import Any

import orjson

# A unique key taken: a core Problem, so a handler that lets it escape gets the
# vendor's own answer (its ``problems`` map's ``conflict`` entry).
from .errors import Conflict as Conflict
from .packed import pack, unpack
from .store_protocol import NO_UNIQUE_KEYS as NO_UNIQUE_KEYS
from .store_protocol import Claims as Claims
from .store_protocol import Record as Record
from .store_protocol import Store as Store
from .store_protocol import Table as Table
from .store_protocol import UniqueKeys as UniqueKeys

log = logging.getLogger("mockserver")
_loads, JSONDecodeError = orjson.loads, orjson.JSONDecodeError
_is_tracked = gc.is_tracked
Kept = bytes | Record  # a row as a table keeps it: packed, or a dict of atomic values while the table is small
# Up to this many rows a table keeps a record of atomic values (a token, a session,
# a counter: read on every request) as a dict of its own: copied in ~0.1 us where
# unpacking takes ~0.3.  The collector tracks neither that dict nor its values, but
# it does walk the table's dict of rows while one is in it: 256 entries, a few us.
SMALL_TABLE = 256
VIEWS = 64  # records a table keeps decoded for view() (the callers of a run: a few fixture users)


def _record(kept: Kept) -> Record:
    """A fresh record from what a table keeps."""
    if isinstance(kept, dict):
        return kept.copy()
    record: Record = unpack(kept)
    return record


def _row_key(key: Hashable) -> Hashable:
    """A key as a table keeps it: a composite (tuple) key as its JSON text, any other as it is."""
    kind = type(key)
    if kind is tuple:
        return pack(key)
    if kind is bytes:  # that is how composite keys are kept: a bytes key could not be told from one
        raise TypeError("a table key is a str, an int or a tuple of them, not bytes")
    return key


def _given_key(kept: Hashable) -> Hashable:
    return tuple(unpack(kept)) if type(kept) is bytes else kept


# Shared by every table that holds no unique key yet (sessions, tokens,
# memberships): two empty dicts less per table, which a test session has ~15 of.
# Never written: a table swaps in dicts of its own before its first unique key.
_NO_KEYS: dict[Any, Any] = {}
_NOTHING: frozenset[Any] = frozenset()  # stands in for both _index and _owners, and for a field's empty index


class MemoryTable:
    """Rows by key, each unique field indexed.

    Every dict that grows with the rows holds only str, int and bytes, which
    CPython's cyclic collector does not track: it then never tracks the dict
    either, and no collection walks it, however many rows it holds.  So a
    record is kept packed (``core.packed``: as a rule its JSON text), and so
    is a composite (tuple) key: a dict of lists would be a graph the collector
    walks, and even a dict of atomic values, untracked itself, is an object
    its container's traversal visits.  Each unique field has an index of its
    own instead of (field, value) tuple keys: a tuple is tracked when made,
    and a dict receiving a tracked object is tracked from then on, until a
    full collection; the next insert tracks it again, in the youngest
    generation (measured: one collection walking a 600,000-entry index took
    45 ms).  Writing a record costs ~0.3-0.6 us, reading one ~0.3-1.5 us; a
    table of at most SMALL_TABLE rows keeps a record of atomic values as a
    dict instead (~0.1 us each way: credentials are read on every request).
    Past SMALL_TABLE rows the table becomes a ``core.memtable.PackedTable``
    (its class switched: handles stay valid), ~100-300 bytes a row.

    ``max_rows`` (``--max-users``): a full table evicts its oldest row, with
    its unique keys, before an insert (logged once per table, counted).
    """

    __slots__ = ("_blocks", "_cap", "_evicted", "_head", "_index", "_mark", "_name", "_owners", "_pending", "_pinned",
                 "_renew", "_ring", "_rows", "_spill", "_spindex", "_views", "_written", "_zc", "_zd")
    # PackedTable's own state (core.memtable), set when the table grows.
    _zc: Any  # the compressor primed with the table's newest dictionary
    _zd: Any  # list: a decompressor per dictionary (generation) the table has had
    _mark: int  # the first-byte bits of a row compressed with _zc
    _written: int  # rows written since the table grew
    _renew: int  # at this many written, the next dictionary
    _spill: dict[Hashable, bytes]
    _spindex: dict[str, dict[Hashable, Hashable]]
    _ring: Any  # array("q") of slots in insertion order, or None
    _pending: Any  # array("q") of slots written plain since the last batch was compressed
    _blocks: Any  # core.rowblocks.Blocks: the batches compressed, one frame each
    _head: int

    def __init__(self, max_rows: int | None = None, name: str = "") -> None:
        self._rows: dict[Any, Any] = {}  # key -> Kept here; slot (int) -> bytes once grown (core.memtable)
        self._index: dict[str, dict[Hashable, Hashable]] = _NO_KEYS  # field -> {value: key}
        self._owners: dict[str, dict[Hashable, Hashable]] = _NO_KEYS  # field -> {key: value}: what a row's removal drops
        self._cap = max_rows
        self._evicted = 0  # rows evicted at the cap, ever
        self._name = name  # namespace/table, for the eviction's log line
        self._pinned: frozenset[Hashable] = _NOTHING  # keys eviction skips: the fixture's (MemoryStore.pin)
        self._views: dict[Hashable, tuple[Any, Record]] = _NO_KEYS  # view(): key -> (the row as kept, its record)

    def get(self, key: Hashable) -> Record | None:
        kept = self._rows.get(pack(key) if type(key) is tuple else key)
        if kept is None:
            return None
        if isinstance(kept, dict):
            return kept.copy()
        try:  # unpack() inlined, as a rule a record's JSON text: this is on every request
            return _loads(kept)  # type: ignore[no-any-return]
        except JSONDecodeError:
            return _record(kept)

    def view(self, key: Hashable) -> Record | None:
        """``get(key)``, decoded once for as long as the row stays as it is kept (see ``Table.view``).

        A row is kept as an immutable object (a record's JSON text, a place in a compressed block) or a
        dict the table never changes in place: every write keeps a new one.  So a view made from the
        object kept now is the row's record exactly as long as that same object is kept; the view holds
        it, so no other row can be kept at its address meanwhile.  At most ``VIEWS`` views a table."""
        kept = self._kept_view(key)
        if kept is None:
            return self.get(key)
        views = self._views
        seen = views.get(key)
        if seen is not None and seen[0] is kept:
            return seen[1]
        record = self.get(key)
        if record is not None:
            if views is _NO_KEYS:
                views = self._views = {}
            elif len(views) >= VIEWS:
                views.clear()
            views[key] = (kept, record)
        return record

    def _kept_view(self, key: Hashable) -> Any:
        """What ``view`` may remember ``key``'s row by: the object its row is kept as (None: decode each time)."""
        return self._rows.get(_row_key(key))

    def find(self, field: str, value: Hashable) -> Record | None:
        key = self._index.get(field, _NO_KEYS).get(value)
        return None if key is None else _record(self._rows[key])

    def conflict(self, unique: UniqueKeys, ignore: Hashable | None = None) -> Conflict | None:
        index = self._index
        ignored = None if ignore is None else _row_key(ignore)
        for field, value in unique.items():
            if value is None:
                continue
            key = index.get(field, _NO_KEYS).get(value)
            if key is not None and key != ignored:
                return Conflict(field, _record(self._rows[key]))
        return None

    def insert(self, key: Hashable, record: Record, unique: UniqueKeys = NO_UNIQUE_KEYS) -> None:
        # conflict() and _set_keys() written out: this is on every create.
        rows, index = self._rows, self._index
        for field, value in unique.items():
            if value is not None:
                taken = index.get(field, _NO_KEYS).get(value)
                if taken is not None:
                    raise Conflict(field, _record(rows[taken]))
        kept_key = key if type(key) is int or type(key) is str else _row_key(key)
        if kept_key in rows:
            raise Conflict("id", _record(rows[kept_key]))
        if len(rows) >= SMALL_TABLE or self._cap is not None:
            if self._full(record):
                self.insert(key, record, unique)  # as a PackedTable now
                return
            index = self._index
        rows[kept_key] = self._kept(record)
        owners = self._owners
        for field, value in unique.items():  # _set_keys() written out, for a field indexed already
            if value is not None:
                values = index.get(field)
                if values is None:
                    self._set_keys(kept_key, {field: value})
                    index, owners = self._index, self._owners
                else:
                    values[value] = kept_key
                    owners[field][kept_key] = value

    def update(self, key: Hashable, record: Record, unique: UniqueKeys = NO_UNIQUE_KEYS) -> None:
        if (len(self._rows) >= SMALL_TABLE or self._cap is not None) and _row_key(key) not in self._rows:  # inserts, as a dict would
            self.insert(key, record, unique)
            return
        if not unique and self._owners is _NO_KEYS:  # a table without unique keys (a counter, a session): no index to keep
            kept_key = _row_key(key)
            self._rows[kept_key] = self._kept(record)
            return
        clash = self.conflict(unique, ignore=key)
        if clash is not None:
            raise clash
        kept = self._kept(record)  # before any change: a record that cannot be kept leaves the table as it was
        kept_key = _row_key(key)
        self._drop_keys(kept_key)
        self._rows[kept_key] = kept
        self._set_keys(kept_key, unique)

    def delete(self, key: Hashable) -> Record | None:
        kept_key = _row_key(key)
        self._drop_keys(kept_key)
        kept = self._rows.pop(kept_key, None)
        return None if kept is None else _record(kept)

    def values(self) -> list[Record]:
        return [_record(kept) for kept in self._rows.values()]

    def clear(self) -> None:
        self._rows.clear()
        self._index = self._owners = self._views = _NO_KEYS
        self._pinned = _NOTHING

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Hashable]:
        return iter([_given_key(key) for key in self._rows])

    def _kept(self, record: Record) -> Kept:
        """``record`` as this table keeps it: a copy if flat (CPython tracks no dict of atomic values), else packed."""
        return pack(record) if _is_tracked(record) else record.copy()

    def _full(self, record: Record) -> bool:
        """Before an insert: make room at the cap (True if this table grew into a PackedTable instead)."""
        if len(self._rows) >= SMALL_TABLE and (self._cap is None or self._cap > SMALL_TABLE):
            pack(record)  # a record that cannot be kept changes nothing, not even the table's form
            memtable.grow(self)
            return True
        if self._cap is not None and len(self._rows) >= self._cap:
            self._kept(record)  # a record that cannot be kept evicts nothing
            pinned = self._pinned
            for kept_key in self._rows:  # small: the deleted entries and pinned rows walked are few
                oldest = _given_key(kept_key)
                if oldest not in pinned:
                    break
            else:
                return False  # only the fixture's rows: they stay, past the cap
            self.delete(oldest)
            self._evicted += 1
            if self._evicted == 1:
                log.info("store: table %s is full (--max-users %d): evicting its oldest rows first (logged once per table)",
                         self._name, self._cap)
        return False

    def _set_keys(self, kept_key: Hashable, unique: UniqueKeys) -> None:
        index, owners = self._index, self._owners
        for field, value in unique.items():
            if value is None:
                continue
            values = index.get(field)
            if values is None:
                if index is _NO_KEYS:
                    index, owners = self._index, self._owners = {}, {}
                values = index[field] = {}
                owners[field] = {}
            values[value] = kept_key
            owners[field][kept_key] = value

    def _drop_keys(self, kept_key: Hashable) -> None:
        index = self._index
        for field, owned in self._owners.items():  # the shared empty dict: nothing to drop, never written
            value = owned.pop(kept_key, None)
            if value is not None:
                index[field].pop(value, None)


class MemoryStore:
    """The default store: dicts in this process, gone on exit.

    Tables and id counters are grouped per namespace, so dropping one (a test
    session) costs its own size, not a scan of every session's tables.
    """

    url = "memory://"
    shared = False  # one process: no other writer, no version to compare
    transactional = False
    pipelined = False
    journal_shared = False
    claims = None  # every call is a dict's: nothing to save by taking steps together

    def __init__(self, max_rows: int | None = None) -> None:
        self._spaces: dict[str, dict[str, MemoryTable]] = {}
        self._counters: dict[str, dict[str, int]] = {}
        self.max_rows = max_rows  # --max-users: rows per table, the oldest evicted past it (MemoryTable)
        self._values: dict[str, bytes] = {}  # server-wide values, packed: every read is a copy
        self._version = 0

    def table(self, namespace: str, name: str) -> MemoryTable:
        space = self._spaces.get(namespace)
        if space is None:
            space = self._spaces[namespace] = {}
        table = space.get(name)
        if table is None:
            table = space[name] = MemoryTable(self.max_rows, f"{namespace}/{name}")
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

    def pin(self, namespace: str) -> None:
        """With ``max_rows``: the rows ``namespace`` holds now (a fixture just seeded) are never evicted."""
        if self.max_rows is not None:
            for table in self._spaces.get(namespace, {}).values():
                table._pinned = frozenset(table)

    def evicted(self) -> int:
        """Rows evicted at ``max_rows`` by the tables that exist now (for the admin API)."""
        return sum(table._evicted for space in self._spaces.values() for table in space.values())

    # ------------------------------------------------ protocol v2 (issue 15)
    @property
    def counter_spaces(self) -> dict[str, dict[str, int]]:
        """namespace -> {counter: value}: the live dicts behind ``incr`` (not a copy; this dict is never
        replaced, a namespace's is).  For the seeder's per-request draw: a call less than ``incr``."""
        return self._counters

    def incr(self, namespace: str, name: str, by: int = 1) -> int:
        counters = self._counters.get(namespace)
        if counters is None:
            counters = self._counters[namespace] = {}
        value = counters[name] = counters.get(name, 0) + by
        return value

    def counter(self, namespace: str, name: str) -> int:
        counters = self._counters.get(namespace)
        return 0 if counters is None else counters.get(name, 0)

    def set_counter(self, namespace: str, name: str, value: int) -> None:
        counters = self._counters.get(namespace)
        if counters is None:
            counters = self._counters[namespace] = {}
        counters[name] = value

    def claim(self, namespace: str, name: str) -> bool:
        # A claim is a counter of its own kind (the space and its lifetime are the namespace's).
        return self.incr(namespace, CLAIM_PREFIX + name) == 1

    def get_value(self, key: str) -> Any:
        packed = self._values.get(key)
        return None if packed is None else unpack(packed)

    def set_value(self, key: str, value: Any) -> None:
        if value is None:
            self._values.pop(key, None)
        else:
            self._values[key] = pack(value)

    def list_values(self, prefix: str) -> dict[str, Any]:
        return {key: unpack(packed) for key, packed in self._values.items() if key.startswith(prefix)}

    def version(self) -> int:
        return self._version

    def bump_version(self) -> int:
        self._version += 1
        return self._version

    def begin(self) -> None:
        pass

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def describe(self) -> dict[str, Any]:
        rows = sum(len(table) for space in self._spaces.values() for table in space.values())
        return description("memory", self.url, False, len(self.namespaces()), rows, len(self._values))

    def after_fork(self) -> None:
        """Never called: ``serve --workers`` refuses a store that is not shared (mockserver.workers)."""

    def journal_sink(self, size: int) -> None:
        return None  # one process: the journal in memory is the whole journal

    def close(self) -> None:
        pass


# A claim's counter name (``claim``): no id sequence or counter a caller names starts with it.
CLAIM_PREFIX = "claim:"
# Where the scenario engine counts (per test session: ``SCENARIO_NAMESPACE + "@" + session``).
SCENARIO_NAMESPACE = "__scenarios"


def update_fields(table: Table, key: Hashable, changes: Mapping[str, Any], unique: UniqueKeys = NO_UNIQUE_KEYS) -> Record | None:
    """Read-modify-write of one record: the copy read, ``changes`` applied, written back with
    ``update``; returns the record as written (None, and nothing written, if there is none).
    A table hands out copies, so changing a record read without writing it back changes nothing."""
    record = table.get(key)
    if record is None:
        return None
    record.update(changes)
    table.update(key, record, unique)
    return record


class StoreError(ValueError):
    """A store URL that names no backend, or one that cannot be opened: one line, naming --store."""


# scheme -> "module:attribute" of a callable taking the URL; imported when a URL names it, so a
# server on memory:// never imports sqlite3 (or a Redis client).  A backend module adds its line.
SCHEMES: dict[str, str] = {
    "sqlite": "mockserver.core.sqlite_store:SQLiteStore",
    "redis": "mockserver.core.redis_store:open_redis",
    "rediss": "mockserver.core.redis_store:open_redis",
    "redis+unix": "mockserver.core.redis_store:open_redis",
    "unix": "mockserver.core.redis_store:open_redis",
}


def open_store(url: str | None, max_rows: int | None = None) -> Store:
    """The store ``url`` names (None or ``memory://``: a fresh MemoryStore, capped at ``max_rows`` per table:
    --max-users, which only the memory store takes); StoreError if none can be."""
    if not url or url == "memory://" or url == "memory":
        return MemoryStore(max_rows=max_rows)
    scheme, sep, _ = url.partition("://")
    target = SCHEMES.get(scheme.lower()) if sep else None
    if target is None:
        known = ", ".join(["memory://", *(f"{name}://" for name in SCHEMES)])
        raise StoreError(f"--store: unknown store URL {redacted(url)!r}; known schemes: {known}")
    module_name, _, attribute = target.partition(":")
    from importlib import import_module

    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:  # a backend's client library is an optional extra (redis: vendor-sandbox[redis])
        missing = exc.name or module_name
        hint = "pip install 'vendor-sandbox[redis]'" if missing == "redis" else f"pip install {missing}"
        raise StoreError(f"--store: {redacted(url)} needs the Python package {missing!r}, which is not installed: {hint}") from None
    opener = getattr(module, attribute)
    store: Store = opener(url)
    return store


def description(backend: str, url: str, durable: bool, namespaces: int, rows: int, values: int, **more: Any) -> dict[str, Any]:
    """``Store.describe()``'s answer (``GET /__admin/store``), one shape for every backend: what it is, its URL
    (``redacted`` already), whether a restart keeps it, the backend's own details (``more``), then the counts."""
    return {"backend": backend, "url": url, "durable": durable, **more, "namespaces": namespaces, "rows": rows, "values": values}


def redacted(url: str) -> str:
    """``url`` with any password (``scheme://user:secret@host``, or a ``password=`` parameter, which redis-py
    also reads) replaced by ``***``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    rest, mark, query = rest.partition("?")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        userinfo, _, host = authority.rpartition("@")
        user = userinfo.partition(":")[0]
        authority = f"{user}:***@{host}" if user else f"***@{host}"
    if query:
        query = "&".join(_hidden(part) for part in query.split("&"))
    return f"{scheme}{sep}{authority}{slash}{path}{mark}{query}"


def _hidden(parameter: str) -> str:
    """A URL's ``name=value`` parameter, its value replaced by ``***`` when it is a password."""
    name = parameter.partition("=")[0]
    return f"{name}=***" if name.lower() == "password" else parameter


# Last: core.memtable imports this module's names (a module, not a name, is bound here, so either
# may be imported first).  Loaded with this module, not at a table's first growth: that is in a
# request, and loading (or, without a fresh .pyc, compiling) the module there took ~36M instructions.
from . import memtable  # noqa: E402
