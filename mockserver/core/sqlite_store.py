"""The SQLite store: everything a server remembers, in one file that survives a restart.

``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` (SQLAlchemy's
convention: the path is what follows the third slash).  The file is opened in
WAL mode with a busy timeout, so several processes (``--workers``) can share
it: readers never wait for the writer, and writers take turns.

Durability: the pipeline wraps each request, or the requests answered in one
turn of the event loop (``core.commits``: group commit), in ``begin()``
(``BEGIN IMMEDIATE``: the write lock is taken first, so a check-then-insert, a
claim and the seed that follows it, never interleave with another process) and
``commit()`` before any of their answers is sent, so a 2xx is only ever sent
for writes that are in the file.  ``synchronous=NORMAL``: a committed request survives
the process being killed (the WAL is written before the commit returns); a
power cut may lose the last few commits, never corrupt the file.

Records are kept packed (``core.packed``: as a rule their JSON text), keys as
the packed key (so 1, "1" and ("1",) stay distinct).  Unique keys are rows of
``uniq`` under a primary key: SQLite itself refuses a second owner, so the
check and the insert are one statement and no other writer can slip between
them.  A row keeps its own unique keys (``uniq`` column) and its insertion
order (``seq``) instead of two more indexes: a create then writes three
b-trees (row, unique key, counters), and the commit, the cost of a SQLite
request, writes that few pages.  Id sequences and counters are one table (``INSERT ... ON CONFLICT DO
UPDATE ... RETURNING``): an id given in a committed answer is never given
again, even after ``kill -9``, because the id and the record commit together.
Nothing grows in this process with the rows: an idle server's memory is the
page cache (capped at ``_CACHE_KIB``).

Checkpoints (the WAL copied into the file, both fsynced) are a thread's work
(``_checkpointer``), not a request's.  ``serve --workers N``: the parent closes
its connection and stops its thread before forking (``before_fork``); each
worker opens its own (``after_fork``): a SQLite connection never crosses a fork.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Any

from .errors import Conflict
from .packed import pack, unpack
from .packed import pack_key as _key
from .packed import unpack_key as _given
from .store import CLAIM_PREFIX, NO_UNIQUE_KEYS, Record, StoreError, UniqueKeys

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rows (ns TEXT NOT NULL, tbl TEXT NOT NULL, key BLOB NOT NULL, seq INTEGER NOT NULL,
    data BLOB NOT NULL, uniq BLOB, PRIMARY KEY (ns, tbl, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uniq (ns TEXT NOT NULL, tbl TEXT NOT NULL, field TEXT NOT NULL, value BLOB NOT NULL,
    key BLOB NOT NULL, PRIMARY KEY (ns, tbl, field, value)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters (ns TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,
    PRIMARY KEY (ns, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vals (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta VALUES ('schema', 1), ('version', 0);
"""
_BUSY_MS = 30_000  # how long a writer waits for another process's transaction before giving up
_CACHE_KIB = 8192  # the page cache: all this process keeps of the file, however many rows it holds
_WAL_PAGES = 8000  # a request checkpoints past this many WAL pages (32 MiB): only when the checkpointer falls behind
_WAL_LIMIT = 16 << 20  # bytes: the WAL file is cut back to this once copied
_CHECKPOINT_SECONDS = 0.25  # how often the checkpointer copies committed WAL pages into the file
# Rows read by key in a transaction, kept packed (SQLiteStore._read): a create reads its caller's credentials
# (a token, a session, an API key) every time, ~5 µs a statement.  Bounded: emptied when it reaches this.
_READ_CACHE = 1024
_COUNTS_KEPT = 4096  # counters kept in the process (SQLiteStore._counts): written and emptied when it reaches this


def _checkpointer(path: Path, stop: threading.Event, alive: weakref.ref[SQLiteStore]) -> None:
    """Copies the WAL into the database file off the request path (``SQLiteStore._start_checkpoints``).

    PASSIVE: never waits for, nor blocks, a writer or a reader; a round with
    nothing new to copy costs microseconds and no fsync.  The GIL is released
    while SQLite works."""
    try:
        db = sqlite3.connect(path, timeout=_BUSY_MS / 1000, isolation_level=None, check_same_thread=False)
    except sqlite3.Error:
        return  # requests then checkpoint past _WAL_PAGES, and the last close does
    try:
        while not stop.wait(_CHECKPOINT_SECONDS) and alive() is not None:
            try:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:  # the disk, a lock: the WAL only grows until the next round
                pass
    finally:
        db.close()


def path_of(url: str) -> Path:
    """The file a ``sqlite:///`` URL names (StoreError, naming --store, for any other URL)."""
    scheme, sep, rest = url.partition("://")
    if scheme.lower() != "sqlite" or not sep or not rest.startswith("/") or len(rest) < 2:
        raise StoreError(f"--store: {url!r} is not a SQLite URL: use sqlite:///relative/file.db or sqlite:////absolute/file.db")
    path = rest[1:]  # what follows the third slash: relative, or absolute when it starts with one
    if "?" in path or "#" in path:
        raise StoreError(f"--store: {url!r}: a SQLite URL takes no query or fragment")
    return Path(path)


class SQLiteTable:
    """A table of a namespace: a handle holding nothing but its names (valid for the store's life)."""

    __slots__ = ("_db", "_name", "_ns", "_store")

    def __init__(self, store: SQLiteStore, namespace: str, name: str) -> None:
        self._store, self._db, self._ns, self._name = store, store._db, namespace, name

    def view(self, key: Hashable) -> Record | None:
        return self.get(key)  # a read of the file each time: another process may have changed the row

    def get(self, key: Hashable) -> Record | None:
        kept_key, db = _key(key), self._db
        if not self._store._txn:  # see SQLiteStore._read: only in a transaction is what was read known to stay
            row = db.execute("SELECT data FROM rows WHERE ns=? AND tbl=? AND key=?", (self._ns, self._name, kept_key)).fetchone()
            return None if row is None else unpack(row[0])
        read, where = self._store._read, (self._ns, self._name, kept_key)
        found = read.get(where)
        if found is None:
            row = db.execute("SELECT data FROM rows WHERE ns=? AND tbl=? AND key=?", where).fetchone()
            if row is None:
                return None
            found = row[0]
            if len(read) >= _READ_CACHE:
                read.clear()
            read[where] = found
        return unpack(found)  # type: ignore[no-any-return]

    def _forget(self, kept_key: bytes) -> None:
        """A row this process is writing: not read from the cache again (``SQLiteStore._read``)."""
        self._store._read.pop((self._ns, self._name, kept_key), None)

    def find(self, field: str, value: Hashable) -> Record | None:
        row = self._db.execute(
            "SELECT r.data FROM uniq u JOIN rows r ON r.ns=u.ns AND r.tbl=u.tbl AND r.key=u.key"
            " WHERE u.ns=? AND u.tbl=? AND u.field=? AND u.value=?",
            (self._ns, self._name, field, pack(value)),
        ).fetchone()
        return None if row is None else unpack(row[0])

    def _owner(self, field: str, value: Hashable) -> bytes | None:
        row = self._db.execute(
            "SELECT key FROM uniq WHERE ns=? AND tbl=? AND field=? AND value=?", (self._ns, self._name, field, pack(value)),
        ).fetchone()
        return None if row is None else bytes(row[0])

    def conflict(self, unique: UniqueKeys, ignore: Hashable | None = None) -> Conflict | None:
        ignored = None if ignore is None else _key(ignore)
        for field, value in unique.items():
            if value is None:
                continue
            owner = self._owner(field, value)
            if owner is not None and owner != ignored:
                return Conflict(field, self._record(owner))
        return None

    def _record(self, kept_key: bytes) -> Record:
        row = self._db.execute("SELECT data FROM rows WHERE ns=? AND tbl=? AND key=?", (self._ns, self._name, kept_key)).fetchone()
        return {} if row is None else unpack(row[0])

    def _claim_keys(self, kept_key: bytes, unique: UniqueKeys) -> bytes | None:
        """Inserts the unique keys of a row (Conflict if one is taken); what the row keeps of them."""
        db, ns, tbl = self._db, self._ns, self._name
        kept: dict[str, Hashable] = {}
        for field, value in unique.items():
            if value is None:
                continue
            try:  # the primary key refuses a second owner: check and insert in one statement
                db.execute("INSERT INTO uniq VALUES (?,?,?,?,?)", (ns, tbl, field, pack(value), kept_key))
            except sqlite3.IntegrityError:
                owner = self._owner(field, value)
                found = {} if owner is None else self._record(owner)
                if kept:  # the keys claimed before this one freed again: a refusal leaves nothing behind
                    self._release_keys(pack(kept))
                raise Conflict(field, found) from None
            kept[field] = value
        return pack(kept) if kept else None

    def _release_keys(self, kept: bytes | None) -> None:
        if kept is not None:
            for field, value in unpack(kept).items():  # a tuple reads back as a list: both pack to the same JSON
                self._db.execute("DELETE FROM uniq WHERE ns=? AND tbl=? AND field=? AND value=?", (self._ns, self._name, field, pack(value)))

    def insert(self, key: Hashable, record: Record, unique: UniqueKeys = NO_UNIQUE_KEYS) -> None:
        kept_key, data = _key(key), pack(record)
        db, ns, tbl = self._db, self._ns, self._name
        self._forget(kept_key)
        if db.in_transaction:
            # A request's transaction (the hot path): a refusal undoes its own few statements, two fewer
            # statements than a savepoint; any other failure rolls the whole request back (serving.py).
            kept = self._claim_keys(kept_key, unique)
            try:
                db.execute("INSERT INTO rows VALUES (?,?,?,?,?,?)", (ns, tbl, kept_key, self._store.next_seq(), data, kept))
            except sqlite3.IntegrityError:
                self._release_keys(kept)
                raise Conflict("id", self._record(kept_key)) from None
            return
        db.execute("SAVEPOINT ins")  # autocommit: every statement below or none (each would commit alone)
        try:
            kept = self._claim_keys(kept_key, unique)
            try:
                db.execute("INSERT INTO rows VALUES (?,?,?,?,?,?)", (ns, tbl, kept_key, self._store.next_seq(), data, kept))
            except sqlite3.IntegrityError:
                raise Conflict("id", self._record(kept_key)) from None
        except BaseException:
            db.execute("ROLLBACK TO ins")
            db.execute("RELEASE ins")
            raise
        db.execute("RELEASE ins")

    def update(self, key: Hashable, record: Record, unique: UniqueKeys = NO_UNIQUE_KEYS) -> None:
        kept_key, data = _key(key), pack(record)  # packed first: a record that cannot be kept changes nothing
        db, ns, tbl = self._db, self._ns, self._name
        self._forget(kept_key)
        db.execute("SAVEPOINT upd")
        try:
            old = db.execute("SELECT uniq FROM rows WHERE ns=? AND tbl=? AND key=?", (ns, tbl, kept_key)).fetchone()
            if old is not None:
                self._release_keys(old[0])
            kept = self._claim_keys(kept_key, unique)
            if old is not None:  # an update keeps the row's place (seq): values() lists rows as first inserted
                db.execute("UPDATE rows SET data=?, uniq=? WHERE ns=? AND tbl=? AND key=?", (data, kept, ns, tbl, kept_key))
            else:
                db.execute("INSERT INTO rows VALUES (?,?,?,?,?,?)", (ns, tbl, kept_key, self._store.next_seq(), data, kept))
        except BaseException:
            db.execute("ROLLBACK TO upd")
            db.execute("RELEASE upd")
            raise
        db.execute("RELEASE upd")

    def delete(self, key: Hashable) -> Record | None:
        kept_key = _key(key)
        db, ns, tbl = self._db, self._ns, self._name
        self._forget(kept_key)
        row = db.execute("DELETE FROM rows WHERE ns=? AND tbl=? AND key=? RETURNING data, uniq", (ns, tbl, kept_key)).fetchone()
        if row is None:
            return None
        self._release_keys(row[1])
        return unpack(row[0])  # type: ignore[no-any-return]

    def values(self) -> list[Record]:
        rows = self._db.execute("SELECT data FROM rows WHERE ns=? AND tbl=? ORDER BY seq", (self._ns, self._name))
        return [unpack(data) for (data,) in rows]

    def __len__(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM rows WHERE ns=? AND tbl=?", (self._ns, self._name)).fetchone()
        return int(row[0])

    def __iter__(self) -> Iterator[Hashable]:
        rows = self._db.execute("SELECT key FROM rows WHERE ns=? AND tbl=? ORDER BY seq", (self._ns, self._name))
        return iter([_given(bytes(key)) for (key,) in rows])


class SQLiteStore:
    """``core.store.Store`` on one SQLite file (see the module docstring)."""

    shared = True  # other processes may write the same file: the version is compared per request
    transactional = True
    pipelined = False  # a transaction per turn (core.commits.GroupCommit): nothing is sent ahead of its commit
    journal_shared = False  # each worker keeps its own journal
    claims = None  # a statement is no round trip: VendorContext's calls one by one, in the turn's transaction

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = path_of(url)
        self._tables: dict[tuple[str, str], SQLiteTable] = {}
        self._seq = 0
        # Rows read by key, packed: (ns, table, key) -> data.  Used only inside a transaction: begin() empties it
        # when another connection (a worker) has committed since (PRAGMA data_version), and so do a rollback and
        # clear/drop; a row this process writes is dropped from it first (SQLiteTable._forget).  BEGIN IMMEDIATE
        # holds the write lock, so nothing changes a row behind it while the transaction is open.
        self._read: dict[tuple[str, str, bytes], bytes] = {}
        self._data_version = -1
        # Id sequences and counters as this process knows them, (ns, name) -> value, under the same rules as
        # _read; in a transaction they change here (a dict, not a statement) and the changed ones (_dirty) are
        # written in one statement just before COMMIT (_flush_counts), so the ids and the rows that use them still
        # commit together: a create of a turn costs no counter statement but the turn's one.  Outside a
        # transaction every counter call is its statement, as it must commit on its own.
        self._counts: dict[tuple[str, str], int] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._txn = False  # a transaction begun by begin() is open (not a savepoint of autocommit mode)
        self._db = self._connect()
        self._start_checkpoints()

    def _connect(self) -> sqlite3.Connection:
        url = self.url
        try:
            db = sqlite3.connect(self.path, timeout=_BUSY_MS / 1000, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"--store {url}: cannot open {self.path}: {exc}") from None
        try:
            self.journal_mode = str(db.execute("PRAGMA journal_mode=WAL").fetchone()[0]).upper()
            db.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
            db.execute("PRAGMA temp_store=MEMORY")  # ORDER BY / DISTINCT scratch space never touches the disk
            db.executescript(_SCHEMA)
            # A checkpoint in a request's COMMIT (by default every 1,000 WAL pages, ~200 creates) copies the WAL
            # into the file and fsyncs both: milliseconds, as much as all the commits between two of them, and
            # a p99 of ~4 ms.  The checkpointer thread does it instead; a request does only past _WAL_PAGES,
            # when the thread falls behind a writer that never pauses, so the WAL stays bounded.
            db.execute(f"PRAGMA wal_autocheckpoint={_WAL_PAGES}")
            db.execute(f"PRAGMA journal_size_limit={_WAL_LIMIT}")
        except sqlite3.Error as exc:
            db.close()
            raise StoreError(f"--store {url}: cannot use {self.path}: {exc}") from None
        return db

    def _start_checkpoints(self) -> None:
        """The WAL copied into the file by a thread of this process every ``_CHECKPOINT_SECONDS``.

        Durability does not depend on it (a commit is in the WAL, which survives
        kill -9): it keeps checkpoints out of requests.  The thread holds the store
        weakly: a store dropped without ``close()`` stops it at its next round."""
        self._stop = stop = threading.Event()
        self._checkpoints = threading.Thread(
            target=_checkpointer, args=(self.path, stop, weakref.ref(self)), name="sqlite-checkpoint", daemon=True,
        )
        self._checkpoints.start()

    def _stop_checkpoints(self) -> None:
        self._stop.set()
        if self._checkpoints.is_alive() and self._checkpoints is not threading.current_thread():
            self._checkpoints.join()

    # ------------------------------------------------------------ workers (core.workers)
    def before_fork(self) -> None:
        """In the parent, just before it forks its workers: its connection closed and its checkpointer stopped
        (it serves nothing meanwhile), so no child inherits an open SQLite connection, its locks' bookkeeping,
        its WAL index mapping, or a thread the fork would not copy."""
        self.close()

    def after_fork(self) -> None:
        """In a forked worker: a connection and a checkpointer of its own (WAL and the busy timeout let the
        workers take turns)."""
        self._db = self._connect()
        self._read.clear()  # data_version counts per connection: the parent's says nothing about this one
        self._counts.clear()
        self._dirty.clear()
        self._data_version, self._txn = -1, False
        for table in self._tables.values():  # the handles vendors keep, on the new connection
            table._db = self._db
        self._start_checkpoints()

    def next_seq(self) -> int:
        """A row's insertion order: nanoseconds, never repeated nor going back within this process
        (rows two processes insert in the same instant may list either way round, as they arrived)."""
        self._seq = max(time.time_ns(), self._seq + 1)
        return self._seq

    # ------------------------------------------------------------ tables, ids
    def table(self, namespace: str, name: str) -> SQLiteTable:
        table = self._tables.get((namespace, name))
        if table is None:
            table = self._tables[namespace, name] = SQLiteTable(self, namespace, name)
        return table

    def next_id(self, namespace: str, name: str, start: int) -> int:
        if self._txn:
            where = (namespace, name)
            now = self._count(where)
            value = start if now is None else now + 1
            self._counts[where] = value
            self._dirty.add(where)
            return value
        self._counts.pop((namespace, name), None)  # written on its own: what was kept of it is stale
        row = self._db.execute(
            "INSERT INTO counters VALUES (?,?,?) ON CONFLICT (ns, name) DO UPDATE SET value=value+1 RETURNING value",
            (namespace, name, start),
        ).fetchone()
        return int(row[0])

    def bump_id(self, namespace: str, name: str, at_least: int) -> None:
        if self._txn:
            where = (namespace, name)
            now = self._count(where)
            if now is None or now < at_least:
                self._counts[where] = at_least
                self._dirty.add(where)
            return
        self._counts.pop((namespace, name), None)
        self._db.execute(
            "INSERT INTO counters VALUES (?,?,?) ON CONFLICT (ns, name) DO UPDATE SET value=max(value, excluded.value)",
            (namespace, name, at_least),
        )

    def _count(self, where: tuple[str, str]) -> int | None:
        """A counter's value in the open transaction (None: never counted), read once and then kept."""
        value = self._counts.get(where)
        if value is None:
            self._bound_counts()
            row = self._db.execute("SELECT value FROM counters WHERE ns=? AND name=?", where).fetchone()
            if row is None:
                return None
            value = self._counts[where] = int(row[0])
        return value

    def _bound_counts(self) -> None:
        """Room for one more counter: at the bound, every one written and forgotten (the next use reads it again)."""
        if len(self._counts) >= _COUNTS_KEPT:
            self._flush_counts()
            self._counts.clear()

    def _flush_counts(self) -> None:
        """The counters changed in this transaction, written (before COMMIT, or SQL reading the table whole)."""
        if self._dirty:
            counts = self._counts
            self._db.executemany(
                "INSERT INTO counters VALUES (?,?,?) ON CONFLICT (ns, name) DO UPDATE SET value=excluded.value",
                [(ns, name, counts[ns, name]) for ns, name in self._dirty],
            )
            self._dirty.clear()

    def clear(self, namespace: str | None = None) -> None:
        self._flush_counts()  # outside the savepoint: undoing it must not undo other namespaces' counts
        self._atomically(self._delete_space, namespace)

    def drop(self, namespace: str) -> None:
        self._flush_counts()
        self._atomically(self._delete_space, namespace)
        for key in [k for k in self._tables if k[0] == namespace]:
            del self._tables[key]

    def _delete_space(self, namespace: str | None) -> None:
        self._read.clear()
        self._counts.clear()  # written already (clear, drop): read again from the table
        for table in ("rows", "uniq", "counters"):
            if namespace is None:
                self._db.execute(f"DELETE FROM {table}")
            else:
                self._db.execute(f"DELETE FROM {table} WHERE ns=?", (namespace,))

    def namespaces(self) -> list[str]:
        self._flush_counts()
        rows = self._db.execute("SELECT DISTINCT ns FROM rows UNION SELECT DISTINCT ns FROM counters")
        return [ns for (ns,) in rows]

    def _atomically(self, work: Any, *args: Any) -> None:
        db = self._db
        db.execute("SAVEPOINT work")
        try:
            work(*args)
        except BaseException:
            db.execute("ROLLBACK TO work")
            db.execute("RELEASE work")
            raise
        db.execute("RELEASE work")

    # ------------------------------------------------------------ counters, claims
    def incr(self, namespace: str, name: str, by: int = 1) -> int:
        if self._txn:
            where = (namespace, name)
            value = self._counts[where] = (self._count(where) or 0) + by
            self._dirty.add(where)
            return value
        self._counts.pop((namespace, name), None)
        row = self._db.execute(
            "INSERT INTO counters VALUES (?,?,?) ON CONFLICT (ns, name) DO UPDATE SET value=value+excluded.value RETURNING value",
            (namespace, name, by),
        ).fetchone()
        return int(row[0])

    def counter(self, namespace: str, name: str) -> int:
        if self._txn:
            return self._count((namespace, name)) or 0
        row = self._db.execute("SELECT value FROM counters WHERE ns=? AND name=?", (namespace, name)).fetchone()
        return 0 if row is None else int(row[0])

    def set_counter(self, namespace: str, name: str, value: int) -> None:
        if self._txn:
            self._bound_counts()
            self._counts[namespace, name] = value
            self._dirty.add((namespace, name))
            return
        self._counts.pop((namespace, name), None)
        self._db.execute("INSERT OR REPLACE INTO counters VALUES (?,?,?)", (namespace, name, value))

    def claim(self, namespace: str, name: str) -> bool:
        cursor = self._db.execute("INSERT OR IGNORE INTO counters VALUES (?,?,1)", (namespace, CLAIM_PREFIX + name))
        return cursor.rowcount == 1

    # ------------------------------------------------------------ server-wide values, version
    def get_value(self, key: str) -> Any:
        row = self._db.execute("SELECT data FROM vals WHERE key=?", (key,)).fetchone()
        return None if row is None else unpack(row[0])

    def set_value(self, key: str, value: Any) -> None:
        if value is None:
            self._db.execute("DELETE FROM vals WHERE key=?", (key,))
        else:
            self._db.execute("INSERT OR REPLACE INTO vals VALUES (?,?)", (key, pack(value)))

    def list_values(self, prefix: str) -> dict[str, Any]:
        # Compared as text, not LIKE: a prefix holding % or _ means itself.
        rows = self._db.execute("SELECT key, data FROM vals WHERE substr(key, 1, ?) = ? ORDER BY key", (len(prefix), prefix))
        return {key: unpack(data) for key, data in rows}

    def version(self) -> int:
        return int(self._db.execute("SELECT value FROM meta WHERE key='version'").fetchone()[0])

    def bump_version(self) -> int:
        return int(self._db.execute("UPDATE meta SET value=value+1 WHERE key='version' RETURNING value").fetchone()[0])

    # ------------------------------------------------------------ transactions
    def begin(self) -> None:
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")  # the write lock first: no other process writes between our reads and writes
            version = self._db.execute("PRAGMA data_version").fetchone()[0]
            if version != self._data_version:  # another connection committed since: what was read may be stale
                self._read.clear()
                self._counts.clear()
                self._data_version = version
            self._txn = True

    def commit(self) -> None:
        if self._db.in_transaction:
            self._flush_counts()  # the ids commit with the rows that use them
            self._db.execute("COMMIT")
        self._txn = False

    def rollback(self) -> None:
        self._txn = False
        self._read.clear()  # rows read in the transaction may hold what it wrote
        self._counts.clear()
        self._dirty.clear()
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    # ------------------------------------------------------------ views
    def describe(self) -> dict[str, Any]:
        db = self._db
        count = int(db.execute("SELECT COUNT(*) FROM rows").fetchone()[0])
        values = int(db.execute("SELECT COUNT(*) FROM vals").fetchone()[0])
        return {
            "backend": "sqlite",
            "url": self.url,
            "durable": True,
            "path": str(self.path.resolve()),
            "journal_mode": self.journal_mode.lower(),
            "namespaces": len(self.namespaces()),
            "rows": count,
            "values": values,
        }

    def banner(self) -> str:
        return f"{self.url} ({self.journal_mode})"

    def journal_sink(self, size: int) -> None:
        return None  # each worker keeps its own (docs/stores.md: what is and is not shared)

    def close(self) -> None:
        self._stop_checkpoints()
        try:
            self.rollback()
            self._db.close()
        except sqlite3.Error:
            pass

    def __repr__(self) -> str:
        return f"SQLiteStore({self.url!r})"
