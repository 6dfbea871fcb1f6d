"""The store on Redis (7+, or Valkey): one state shared by every worker and host naming the same URL.

``redis://[user:password@]host:port/db[?prefix=NAME]``.  Every key starts with
``<prefix>:<namespace>:`` (prefix ``mockserver`` unless given), so servers with
different prefixes share one Redis without seeing each other, and dropping a
namespace (a test session being freed) deletes its keys only: each namespace
keeps the set of its keys (``<prefix>:<namespace>:keys``), so no ``KEYS`` or
``SCAN`` walks the database.

A table is five keys: its rows (a hash: packed key -> packed record, both
``core.packed``), their insertion order (a sorted set: the memory store's dict
order, which listings and "fixture order" rely on), each row's unique values
(a hash: packed key -> msgpack list of field, value), one index per unique
field (a hash: packed value -> packed key) and its generation (a counter every
write and delete moves).  Every write is one Lua script (core.redis_scripts),
which Redis runs alone: it checks every unique field, then writes the row and
its indexes, so two workers racing for one e-mail get one winner and one
``Conflict``, never two rows (no read-then-write from Python).  Id counters are
one hash per namespace, moved by ``HINCRBY`` inside a script.

The scripts build index key names from the table's owner key (``<owners>:<field>``)
rather than receiving each in ``KEYS``: a row's old unique fields are known only
inside the script.  That is fine on one Redis (or a replica set), not on Redis
Cluster, which this backend does not support.

A request waits for as few round trips as it can (``RedisStore.command``): its
commands go over one connection of the store's own, a table's rows read once are
kept while the table's generation (moved by every write, in the same script) has
not moved, checked in the request's first round trip with the change version,
and the journal's row is sent without waiting for its reply.  The requests the
fast transport answers in one turn of the event loop share that check, and their
writes are pipelined: sent with the next command, confirmed at the turn's end
before any answer leaves (core.redis_lane, core.commits.Pipelined).

A connection failure while serving is a ``StoreUnavailable``: the vendor's own
internal-error answer and one log line, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from redis.commands.core import Script

from . import redis_scripts as scripts
from .errors import Conflict
from .packed import pack, unpack
from .packed import pack_key as _key
from .redis_journal import RedisJournal
from .redis_lane import Head, Lane, StoreUnavailable, Waiting, bulk, reason
from .redis_lane import packed as _packed
from .redis_table import RedisTable, _claimed
from .seeding import Draw
from .store import CLAIM_PREFIX, StoreError, UniqueKeys, description, redacted

log = logging.getLogger("mockserver")

DEFAULT_PREFIX = "mockserver"

_ABSENT = object()  # no copy of a row (a copy may be None: the row is known to be absent)


__all__ = ["DEFAULT_PREFIX", "RedisJournal", "RedisStore", "RedisTable", "StoreUnavailable", "_packed", "open_redis"]


class RedisStore:
    """``Store`` on a Redis server: see the module docstring."""

    def __init__(self, url: str, prefix: str | None = None, client: redis.Redis | None = None) -> None:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        _check_url(url, parts, query)
        self.unix = parts.scheme in UNIX_SCHEMES
        given = [value for name, value in query if name == "prefix"]
        self.prefix = prefix or (given[-1] if given else DEFAULT_PREFIX)
        rest = urlencode([(name, value) for name, value in query if name != "prefix"])
        self.url = redacted(url)
        try:
            self.client = client or redis.Redis.from_url(_client_url(parts, rest), socket_timeout=10, socket_connect_timeout=5)
        except ValueError as exc:
            raise ValueError(f"{self.url}: {exc}") from None
        self.spaces_key = f"{self.prefix}:namespaces"
        self.server = "Redis"  # "Redis 7.0.15" once check() has asked it
        self.values_key = f"{self.prefix}:values"  # server-wide values: no namespace's key set holds it, so clear() keeps them
        self.version_key = f"{self.prefix}:version"
        # The URL as shown and reopened: credentials redacted, the prefix kept.
        self.url = self.url if "prefix=" in self.url else f"{self.url}{'&' if parts.query else '?'}prefix={self.prefix}"
        register = self.client.register_script
        self.write_script = register(scripts.WRITE)
        self.delete_script = register(scripts.DELETE)
        self.conflict_script = register(scripts.CONFLICT)
        self.find_script = register(scripts.FIND)
        self.values_script = register(scripts.VALUES)
        self.next_id_script = register(scripts.NEXT_ID)
        self.bump_id_script = register(scripts.BUMP_ID)
        self.clear_script = register(scripts.CLEAR)
        self.incr_script = register(scripts.INCR)
        self.set_counter_script = register(scripts.SET_COUNTER)
        self.next_id_if_free_script = register(scripts.NEXT_ID_IF_FREE)
        self.next_id_at_least_script = register(scripts.NEXT_ID_AT_LEAST)
        self.bump_id_if_absent_script = register(scripts.BUMP_ID_IF_ABSENT)
        self.next_id_at_least_if_absent_script = register(scripts.NEXT_ID_AT_LEAST_IF_ABSENT)
        self.next_id_draw_and_id_if_free_script = register(scripts.NEXT_ID_DRAW_AND_ID_IF_FREE)
        self.lane = Lane(self.client, self.url)  # the request path's connection (core.redis_lane)
        self._loaded: set[str] = set()  # scripts this Redis was seen to hold: a deferred write runs only those
        self._refused: dict[int, BaseException] = {}  # the last commit's refused writes (``refused``)
        self._heads: dict[tuple[str, str, int, int, str, tuple[str, int, int] | None], Head] = {}  # _claim's first arguments, packed
        self._counts: dict[tuple[str, str], list[int]] = {}  # (namespace, draw counter) -> [last value seen, claims in flight]
        # Rows read, kept per table until the table's generation moves (``read_row``): table generation
        # key -> the generation they were read at, and -> {packed key: packed record or None}.
        self._gens: dict[str, int] = {}
        self._copies: dict[str, dict[bytes, bytes | None]] = {}
        self._checked = False  # the generations were compared in this request (``version``): copies may be used
        self._began = False  # a request began (``begin``) and has not checked yet
        self._seen = -1  # the change version last read

    def check(self) -> str:
        """Reach the server once (at start-up); its version.  ``ValueError`` with one clear line if it cannot be reached."""
        try:
            info = self.client.info("server")
        except redis.RedisError as exc:
            raise ValueError(f"cannot reach {self.url}: {reason(exc)}") from None
        name = "Valkey" if info.get("valkey_version") else "Redis"
        self.server = f"{name} {info.get('valkey_version') or info.get('redis_version') or '?'}"
        return self.server

    def banner(self) -> str:
        """The banner's store line (cli.store_line): the URL, credentials redacted, and what it is."""
        if self.unix:  # only this host can reach a unix socket (and any host the server's TCP address, if it has one)
            return f"{self.url} ({self.server} over its unix socket; shared by every worker and process on this host naming it)"
        return f"{self.url} ({self.server}; shared by every worker and host naming it)"

    def space_key(self, namespace: str) -> str:
        return f"{self.prefix}:{namespace}"

    def call(self, method: Any, *args: Any) -> Any:
        """A redis-py client method (what the request path does not do: listings, admin, start-up),
        after the replies owed on the request path's connection: it sees every row ``post``ed."""
        self.settle()
        try:
            return method(*args)
        except redis.RedisError as exc:
            raise self._unavailable(exc) from None

    # ------------------------------------------------------------ the request path's own connection
    # redis-py's client costs ~25 us of Python per command besides the round trip (its connection
    # pool, events, response callbacks: ~35 us a command against ~13 us here, measured on the 2-core
    # machine), and a create sends several.  So the request path's commands go through one connection
    # of the store's own (core.redis_lane), which pipelines what nobody waits for: journal rows, and the
    # writes of the requests answered in one turn of the loop (``core.commits.Pipelined``).

    @property
    def round_trips(self) -> int:
        return self.lane.round_trips

    @property
    def posted(self) -> int:
        return self.lane.posted

    def command(self, *args: Any) -> Any:
        """One command's reply, over the request path's connection (what is queued on it sent first)."""
        try:
            return self.lane.command(*args)
        except redis.ResponseError as exc:
            raise self.lane.unavailable(exc) from None

    def _command(self, *args: Any) -> Any:
        return self.lane.command(*args)

    def post(self, row: tuple[bytes, str]) -> None:
        """A journal row (its bytes, its session), not waited for: Redis applies it before anything this process
        sends after it (core.redis_lane: held until the turn's end in a turn, its reply read later)."""
        self.lane.post(row)

    def settle(self) -> None:
        """Everything queued on the request path's connection sent and confirmed (before reading through the client)."""
        self.lane.settle()

    def _unavailable(self, exc: redis.RedisError) -> StoreUnavailable:
        return self.lane.unavailable(exc)

    def run(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        """``script`` (EVALSHA; loaded first if this Redis does not hold it: a restart, SCRIPT FLUSH)."""
        try:
            found = self._command("EVALSHA", script.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            self._loaded.discard(script.sha)
        except redis.ResponseError as exc:
            raise self._unavailable(exc) from None
        else:
            self._loaded.add(script.sha)
            return found
        self.call(self.client.script_load, script.script)
        self._loaded.add(script.sha)
        return self.command("EVALSHA", script.sha, len(keys), *keys, *args)

    # ------------------------------------------------------------ copies of rows, checked per request
    # A row read twice is read once: a worker keeps what it read of a table, with the table's
    # generation (a counter every write and delete moves, in the same script), and the request's
    # version check (``version``, at every request's start) fetches the generations in its own round
    # trip.  A table nobody wrote since keeps its copies for the request; a table written by another
    # process loses them; this process's own write keeps the others when it moved the generation by
    # exactly one (nobody else wrote in between).  Serving a copy read at the request's start is what
    # reading the row at that moment gives: the same answer any worker gives.

    # Bounds: at most this many rows per table (emptied when full) and tables (the oldest forgotten): a worker's
    # copies stay a few MiB at most (16 x 1,024 records of ~0.5 KB), whatever the tables hold.
    COPIES_PER_TABLE = 1024
    TABLES_COPIED = 16

    def read_row(self, gen: str, rows: str, key: bytes) -> bytes | None:
        """A row as ``HGET`` reads it, from this request's copies when its table's generation was checked."""
        copies = self._copies.get(gen) if self._checked else None
        if copies is None:
            if self._checked and gen not in self._gens:
                self._watch(gen)  # copies kept from its next check on (a generation read with the version)
            kept: bytes | None = self.command("HGET", rows, key)
            return kept
        kept = copies.get(key, _ABSENT)  # type: ignore[arg-type]
        if kept is _ABSENT:
            kept = self.command("HGET", rows, key)
            if len(copies) >= self.COPIES_PER_TABLE:
                copies.clear()
            copies[key] = kept
        return kept

    def _watch(self, gen: str) -> None:
        if self.TABLES_COPIED <= 0:
            return
        if len(self._gens) >= self.TABLES_COPIED:
            oldest = next(iter(self._gens))
            del self._gens[oldest], self._copies[oldest]
        self._gens[gen] = -1  # unknown: never equal to a generation, so nothing is kept before the next check
        self._copies[gen] = {}

    def wrote(self, gen: str, key: bytes, now: int) -> None:
        """This process wrote row ``key``, its table's generation now ``now``: its copies stay good only if
        nobody else wrote the table since they were checked."""
        known = self._gens.get(gen)
        if known is None:
            return
        copies = self._copies[gen]
        if now == known + 1:
            copies.pop(key, None)
        else:
            copies.clear()
        self._gens[gen] = now

    def defer_write(self, gen: str, key: bytes, sha: str, command: bytes) -> None:
        """A write script sent without waiting (core.redis_lane): row ``key``'s copy dropped now, and the table's
        copies kept as ``wrote`` would keep them if the reply is the generation expected; a refusal recorded
        for the request, its table's copies dropped (nothing was written: its generation did not move)."""
        lane = self.lane
        request = lane.request
        known = self._gens.get(gen)
        expected = 0
        if known is not None:
            self._copies[gen].pop(key, None)
            if known >= 0:
                expected = self._gens[gen] = known + 1

        def settle(reply: Any) -> None:
            if type(reply) is int:
                if reply != expected and gen in self._gens:
                    self._copies[gen].clear()
                    self._gens[gen] = reply
                return
            if gen in self._gens:
                self._copies[gen].clear()
                self._gens[gen] = -1  # unknown: nothing kept before the next check
            if type(reply) is list:
                lane.refused[request] = Conflict(reply[0].decode(), unpack(reply[1]))
                return
            if isinstance(reply, redis.exceptions.NoScriptError):
                self._loaded.discard(sha)
            lane.refused[request] = self._unavailable(reply) if isinstance(reply, redis.RedisError) else reply

        lane.defer(command, settle)

    def forget_copies(self) -> None:
        """No row kept any more (the tables' generations are fetched afresh at the next check)."""
        self._gens, self._copies, self._heads = {}, {}, {}

    # ------------------------------------------------------------ Store
    def table(self, namespace: str, name: str) -> RedisTable:
        return RedisTable(self, namespace, name)

    def next_id(self, namespace: str, name: str, start: int) -> int:
        return int(self.run(self.next_id_script, self._counter_keys(namespace), [namespace, name, start - 1]))

    def next_id_if_free(self, namespace: str, table: RedisTable, unique: UniqueKeys, name: str, start: int) -> int | Conflict:
        """``VendorContext.next_id_if_free``: ``table.conflict(unique)`` and, if none, ``next_id`` in one script."""
        found = self._claim(namespace, table, unique, name, start, 1, "")
        return found if isinstance(found, Conflict) else int(found)

    def next_id_and_count_if_free(
        self, namespace: str, table: RedisTable, unique: UniqueKeys, name: str, start: int, counter: str,
    ) -> tuple[int, int] | Conflict:
        """``VendorContext.next_id_and_draw_if_free``: ``next_id_if_free`` and, if free, ``incr(counter)``, in one
        script: (the id, the counter's value after it)."""
        return self._pair(self._claim(namespace, table, unique, name, start, 1, counter))

    def incr_and_count_if_free(
        self, namespace: str, table: RedisTable, unique: UniqueKeys, name: str, by: int, counter: str,
    ) -> tuple[int, int] | Conflict:
        """``VendorContext.draw_and_incr_if_free``: ``table.conflict(unique)`` and, if none, ``incr(counter)`` and
        ``incr(name, by)`` in one script: (``name``'s value after it, the counter's)."""
        return self._pair(self._claim(namespace, table, unique, name, 1, by, counter))

    @staticmethod
    def _pair(found: Any) -> tuple[int, int] | Conflict:
        if isinstance(found, Conflict):
            return found
        taken, count = found.split()
        return int(taken), int(count)

    def next_id_draw_and_id_if_free(
        self, namespace: str, table: RedisTable, unique: UniqueKeys, name: str, start: int, counter: str, state: int,
        id_name: str, base: int, bits: int,
    ) -> tuple[int, int, int, bool] | Conflict:
        """``VendorContext.next_id_draw_and_id_if_free``: ``next_id_and_count_if_free``, then in the same script
        ``next_id_at_least_if_absent(table, id_name, base + the low bits of Draw.from_state(state, count - 1))``: (the
        id, that candidate, the second id, whether its row is absent).  The worker sends the candidate for the value it
        expects the counter to move to (the last it saw, plus one per claim of it in flight: with one worker, right
        but after a start, a reset or a conflict); where the counter moved elsewhere (another worker drew meanwhile)
        the script makes the draw itself (core.redis_scripts.DRAW, the same arithmetic in Lua)."""
        seen = self._counts.get((namespace, counter))
        if seen is None:
            if len(self._counts) >= 256:  # bounded as _heads: sessions come and go
                self._counts.clear()
            seen = self._counts[(namespace, counter)] = [0, 0]
        expected = seen[0] + seen[1] + 1
        guess = base + Draw.from_state(state, expected - 1).below(1 << bits)
        seen[1] += 1  # in flight: a claim sent after this one (same turn) expects one more
        try:
            found = self._claim(namespace, table, unique, name, start, 1, counter, (id_name, state, bits, expected, guess, base))
        finally:
            seen[1] -= 1
        if isinstance(found, Conflict):
            return found
        taken, count, made, absent = found.split()
        seen[0] = moved = int(count)
        candidate = guess if moved == expected else base + Draw.from_state(state, moved - 1).below(1 << bits)
        return int(taken), candidate, int(made), absent == b"0"

    def _claim(
        self, namespace: str, table: RedisTable, unique: UniqueKeys, name: str, start: int, step: int, counter: str,
        then: tuple[str, int, int, int, int, int] | None = None,
    ) -> Any:
        """NEXT_ID_IF_FREE, or with ``then`` (a second sequence, the draw's state, bits, the counter's value expected,
        the candidate for it, base) NEXT_ID_DRAW_AND_ID_IF_FREE; its reply as sent, or the ``Conflict`` it found."""
        script = self.next_id_if_free_script if then is None else self.next_id_draw_and_id_if_free_script
        keys, rest = _claimed(table.owners_key, unique)
        self.lane.claim(keys)  # a request suspended in a turn: after another claiming one
        key = (table.rows_key, name, start, step, counter, None if then is None else then[:3])
        head = self._heads.get(key) if script.sha in self._loaded else None
        more = () if then is None else (then[3], then[4] - 1, then[5] - 1)  # what changes with each call, after the head
        if head is None:
            named = [table.rows_key, table.owners_key, *self._counter_keys(namespace)]
            fixed: list[Any] = [namespace, name, start - 1, step, counter]
            if then is not None:
                named.append(table.chosen_key)
                fixed += [then[0], *(then[1] >> shift & 0xFFFF for shift in (0, 16, 32, 48)), then[2]]
            found = self.run(script, named, [*fixed, *more, *[part for _, field, kept in keys for part in (field, kept)]])
            if len(self._heads) < 256:  # bounded: a few tables and sequences per namespace, and sessions come and go
                self._heads[key] = Head("EVALSHA", script.sha, len(named), *named, *fixed)
        else:
            try:  # head.with_rest(more + pairs), the pairs packed already
                found = self.lane.send(b"*%d\r\n%b%b%b" % (head.count + len(more) + 2 * len(keys), head.packed, bulk(more), rest))
            except redis.exceptions.NoScriptError:
                self._loaded.discard(script.sha)
                return self._claim(namespace, table, unique, name, start, step, counter, then)
            except redis.ResponseError as exc:
                raise self._unavailable(exc) from None
        if type(found) is list:
            return Conflict(found[0].decode(), unpack(found[1]))
        return found

    def next_id_at_least(self, namespace: str, name: str, at_least: int) -> int:
        """``VendorContext.next_id_at_least``: ``bump_id(at_least - 1)`` then ``next_id(at_least)`` in one script."""
        return int(self.run(self.next_id_at_least_script, self._counter_keys(namespace), [namespace, name, at_least - 1]))

    def bump_id_if_absent(self, namespace: str, table: RedisTable, key: Hashable, name: str, at_least: int | None) -> bool:
        """``VendorContext.bump_id_if_absent``: whether ``table`` has no row ``key`` and, if so, ``bump_id`` (when
        ``at_least`` is given), in one script."""
        kept_key = _key(key)
        # The script marks the key chosen until its row is written: two requests given one id (two workers', or two
        # of one turn suspended between the id and its check) check it once each, and only the first gets it.
        found = self.run(self.bump_id_if_absent_script, [*self._counter_keys(namespace), table.rows_key, table.chosen_key],
                         [namespace, name, b"" if at_least is None else at_least, kept_key])
        return int(found) == 0

    def next_id_at_least_if_absent(self, namespace: str, table: RedisTable, name: str, at_least: int) -> tuple[int, bool]:
        """``VendorContext.next_id_at_least_if_absent``: ``next_id_at_least`` then ``bump_id_if_absent`` of that id
        (marked chosen when free, no counter moved), in one script."""
        found = self.run(self.next_id_at_least_if_absent_script, [*self._counter_keys(namespace), table.rows_key, table.chosen_key],
                         [namespace, name, at_least - 1])
        taken, absent = found.split()
        return int(taken), absent == b"0"

    def bump_id(self, namespace: str, name: str, at_least: int) -> None:
        """Make the next id larger than ``at_least`` (used when seeding fixtures)."""
        self.run(self.bump_id_script, self._counter_keys(namespace), [namespace, name, at_least])

    def clear(self, namespace: str | None = None) -> None:
        """Empty tables (handles stay valid) and forget id counters: one namespace, or every one under the prefix."""
        self.forget_copies()  # another process forgets them at its next request: the caller moves the version
        for space in self.namespaces() if namespace is None else [namespace]:
            self.run(self.clear_script, [f"{self.space_key(space)}:keys", self.spaces_key], [space, b"0"])

    def drop(self, namespace: str) -> None:
        """Remove a namespace's keys, and the namespace from the list."""
        self.forget_copies()
        self.run(self.clear_script, [f"{self.space_key(namespace)}:keys", self.spaces_key], [namespace, b"1"])

    def namespaces(self) -> list[str]:
        return sorted(name.decode() for name in self.call(self.client.smembers, self.spaces_key))

    # ------------------------------------------------ protocol v2 (core.store's docstring)
    shared = True  # every worker and host naming the URL writes it: compare version() per request
    transactional = False  # each write is atomic on its own (a Lua script): there is no request transaction

    def _counter_keys(self, namespace: str) -> list[str]:
        base = self.space_key(namespace)
        return [f"{base}:c", f"{base}:keys", self.spaces_key]

    def incr(self, namespace: str, name: str, by: int = 1) -> int:
        return int(self.run(self.incr_script, self._counter_keys(namespace), [namespace, name, by]))

    def counter(self, namespace: str, name: str) -> int:
        value = self.command("HGET", f"{self.space_key(namespace)}:c", name)
        return 0 if value is None else int(value)

    def set_counter(self, namespace: str, name: str, value: int) -> None:
        self.run(self.set_counter_script, self._counter_keys(namespace), [namespace, name, value])

    def claim(self, namespace: str, name: str) -> bool:
        # One HINCRBY: of any number of workers claiming at once, exactly one sees 1.
        return self.incr(namespace, CLAIM_PREFIX + name) == 1

    def get_value(self, key: str) -> Any:
        packed = self.command("HGET", self.values_key, key)
        return None if packed is None else unpack(packed)

    def set_value(self, key: str, value: Any) -> None:
        if value is None:
            self.command("HDEL", self.values_key, key)
        else:
            self.command("HSET", self.values_key, key, pack(value))

    def list_values(self, prefix: str) -> dict[str, Any]:
        found: dict[bytes, bytes] = self.call(self.client.hgetall, self.values_key)
        named = {key.decode(): packed for key, packed in found.items()}
        return {key: unpack(named[key]) for key in sorted(named) if key.startswith(prefix)}

    def version(self) -> int:
        """The change version, and (same round trip) the generation of every table this process keeps rows
        of: a table another process wrote since loses its copies, the others' copies serve this request."""
        watched = list(self._gens)
        if not watched:
            value = self.command("GET", self.version_key)
        else:
            value, *gens = self.command("MGET", self.version_key, *watched)
            copies, known = self._copies, self._gens
            for key, gen in zip(watched, gens, strict=True):
                now = 0 if gen is None else int(gen)
                if known[key] != now:
                    known[key] = now
                    copies[key].clear()
        version = 0 if value is None else int(value)
        if version != self._seen:  # a reset or a session freed (tables emptied, generations gone with them): none kept
            self._seen = version
            for kept in self._copies.values():
                kept.clear()
        self._checked = self._began  # only a request's own check (begin, then version) lets it use copies
        self._began = False
        return version

    def bump_version(self) -> int:
        return int(self.command("INCR", self.version_key))

    # A request's copies are good from its ``version`` check to its end (a turn's, for the requests answered
    # in one turn of the loop: core.commits): not in a reader outside any request (start-up, the admin API),
    # which reads Redis.  The turn's writes and journal rows are pipelined (core.redis_lane) and confirmed at
    # its commit, before any of its answers is written.
    pipelined = True  # core.commits.Pipelined is this store's policy (app.Runtime)
    journal_shared = True  # journal_sink: one stream every worker and host writes

    @property
    def claims(self) -> RedisStore:
        """``core.store.Claims``: this store's one-script steps (``next_id_if_free`` and the others above)."""
        return self

    def begin(self) -> None:
        self._checked, self._began = False, True
        self.lane.turn = True

    def commit(self) -> None:
        self.lane.finish()  # the turn's suspended requests first, with this turn's copies (core.redis_lane)
        self._checked = self._began = False
        self._refused = self.lane.flush()

    def rollback(self) -> None:
        self.lane.finish()
        self._checked = self._began = False
        self.lane.drop()

    def defer_writes(self, request: int) -> None:
        """``core.commits.Pipelined``: the writes of request number ``request`` of the turn are sent without
        waiting (0: the writes wait for their replies)."""
        self.lane.request = request

    def start(self, work: Callable[..., Any], *args: Any) -> Waiting:
        """``core.commits.Pipelined``: a request of the turn run so that each reply it waits for is read with the
        others' at the turn's end, in one round trip (``core.redis_lane.Lane.start``)."""
        return self.lane.start(work, *args)

    def refused(self) -> dict[int, BaseException]:
        """The deferred writes Redis refused at the last commit, by request number."""
        refused, self._refused = self._refused, {}
        return refused

    def describe(self) -> dict[str, Any]:
        rows = 0
        spaces = self.namespaces()
        for space in spaces:
            marker = f"{self.space_key(space)}:r:".encode()
            tables = [key for key in self.call(self.client.smembers, f"{self.space_key(space)}:keys") if key.startswith(marker)]
            rows += sum(int(self.call(self.client.hlen, key)) for key in tables)
        # Durable: a mockserver restart keeps everything, held by the Redis server (whose own persistence,
        # RDB/AOF, decides what a Redis restart keeps).
        return description("redis", self.url, True, len(spaces), rows, int(self.call(self.client.hlen, self.values_key)),
                           prefix=self.prefix)

    def journal_sink(self, size: int) -> RedisJournal:
        """The journal every worker naming this store writes and reads (``Runtime`` asks for it)."""
        return RedisJournal(self, size)

    def after_fork(self) -> None:
        """In a forked worker: connections of its own (the parent's stay the parent's)."""
        self.client.connection_pool.reset()
        self.lane.forget()  # the parent's connection, forgotten (not closed)
        self._gens, self._copies, self._checked, self._began = {}, {}, False, False

    def close(self) -> None:
        self.lane.close()
        self.client.close()


# A Redis server on this host can be reached over its unix socket (redis.conf's ``unixsocket``): no TCP stack on
# either side of a round trip.  "redis+unix" says what the socket is; "unix" is redis-py's own spelling of it.
UNIX_SCHEMES = ("redis+unix", "unix")


def _check_url(url: str, parts: SplitResult, query: list[tuple[str, str]]) -> None:
    """ValueError, in one line, for a URL no Redis can be reached at; nothing for a well-formed one."""
    if parts.scheme in UNIX_SCHEMES:
        if parts.netloc.rpartition("@")[2]:  # what follows any credentials: a host (and port), which a socket has none of
            raise ValueError(f"{redacted(url)}: a unix socket URL names no host, as in redis+unix:///run/redis/redis.sock")
        if parts.path in ("", "/"):
            raise ValueError(f"{redacted(url)}: the path is the socket's file, as in redis+unix:///run/redis/redis.sock?db=0")
        if any(name == "db" and not value.isdigit() for name, value in query):
            raise ValueError(f"{redacted(url)}: db is the database number, as in redis+unix:///run/redis/redis.sock?db=0")
    elif parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"{redacted(url)}: expected redis://host:port/db or redis+unix:///path/to/redis.sock")
    elif parts.path.strip("/") and not parts.path.strip("/").isdigit():
        raise ValueError(f"{redacted(url)}: the path is the database number, as in redis://host:port/0")


def _client_url(parts: SplitResult, rest: str) -> str:
    """The URL redis-py opens: ours without the ``prefix`` parameter (``rest``: the other ones), a socket's as ``unix://``."""
    if parts.scheme in UNIX_SCHEMES:  # urlunsplit would drop the empty authority's "//" of a scheme it does not know
        return f"unix://{parts.netloc}{parts.path}" + (f"?{rest}" if rest else "")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, ""))


def open_redis(url: str) -> RedisStore:
    """``core.store.open_store``'s opener for redis:// (and redis+unix://) URLs: the store, reached once, or a StoreError naming --store."""
    try:
        store = RedisStore(url)
        store.check()
    except ValueError as exc:
        raise StoreError(f"--store: {exc}") from None
    return store


