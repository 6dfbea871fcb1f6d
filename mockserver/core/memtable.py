"""The memory store's table once it has grown: ~100-300 bytes per row, nothing the collector walks.

A ``core.store.MemoryTable`` keeps up to ``SMALL_TABLE`` rows as it always
did (a flat record as a dict of its own: credentials are read on every
request).  Past that it becomes a ``PackedTable`` (the same object: handles
stay valid), which keeps each row as a bytes object or an int (a place in a
compressed block) in a dict keyed by an int, and each unique field as a dict
of int to int (issue 15: 684,000 users of one vendor took 989 MB, ~1.4 KB
each; now ~100-330 bytes of RSS, bench/memory.py).  What makes a row small:

- **a row is the JSON text of ``[record, unique values, key?]``**: kept
  plain, alone (its first byte says how the rest is kept), or in a block
  (below);
- **a per-table dictionary**: records of a table look alike, so the plain
  text of a few recent rows, taken when the table grows, is the dictionary
  each later row is compressed with (Zstandard's raw-content dictionary;
  zlib's ``zdict`` where ``zstandard`` is not installed).  Records
  drift from it (times, ids and counters move on), so each time a table's
  writes double it takes a new one for the rows written from then on; rows
  already compressed keep theirs and are never recompressed (a request never
  waits for the table: recompressing every row stalled requests 100+ ms);
- **compressed in batches, in blocks**: a row is written plain (orjson's
  text as it is) and its slot listed; the write that lists the ``BATCH``-th
  compresses them, ``BLOCK_ROWS`` rows to a frame (core.rowblocks): ~0.5-1
  us and ~25-40 bytes a row, where a frame per row cost ~2.4 us and ~67
  bytes (zstd builds its entropy tables per frame).  The row's dict entry
  becomes an int: block, position, whether the row holds its key.  A read
  of such a row decompresses its block (~6-9 us; the last two opened are
  kept, a listing opens each once); a miss reads nothing.  A row rewritten
  or deleted leaves its block (written plain again, or gone); an empty block
  is freed, one less than half live is compacted (its live rows listed
  again), so dead rows never outnumber live ones by much.  The batch is
  counted in writes, never timed (the same writes leave the same bytes) and
  at most ``BATCH`` rows (plus a compacted block's half) are plain at a
  time; a listed row deleted, rewritten or evicted before its batch is
  skipped or taken as it is then.  Rows shorter than ``_DEFLATE_FROM`` stay
  plain; a spilled row (below) is compressed at once, alone;
- **int slots**: an int key below 2**60 is its own slot; any other key is
  kept in the row and slotted by its (mixed) hash, 30 bits: an int of 28
  bytes instead of a str of 70 or a packed tuple of 74.  A unique value is indexed by its hash
  too, pointing at its row's slot; the row holds the value, so a hit is
  checked against it (a hit is read anyway: it is the conflict's record).
  Two keys or two values on one hash (~0.1% at a million rows) go to
  small spill dicts keyed by the real key or value;
- no per-row object besides the row's bytes and the int keys of the dicts:
  ints and bytes are untracked, so are the dicts holding only them (the
  batch's slots and the blocks' counts are ``array``s, the blocks a dict of
  bytes: the collector finds nothing in them).

With ``max_rows`` (``--max-users``) a full table evicts its oldest row (by
first insertion) with its unique keys, before an insert; the slots are kept
in insertion order in an ``array`` (8 bytes a row, nothing in it to walk), because
finding a dict's first live entry after many deletions from its front walks
every deleted one.
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Hashable, Iterator
from typing import Any

import orjson

from .errors import Conflict
from .packed import pack, unpack
from .rowblocks import KEYED, SHIFT, Blocks, codec, cut, join, ref, slot_of
from .store import _NO_KEYS, NO_UNIQUE_KEYS, MemoryTable, Record, UniqueKeys, _row_key

log = logging.getLogger("mockserver")

_dumps, _loads, _EncodeError = orjson.dumps, orjson.loads, orjson.JSONEncodeError
# As core.packed: what orjson would write as something else than it reads back takes the other way.
_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS

# A row's first byte: _PLAIN ("["): the row is the JSON text of [record, uniques, key] (or
# [record, uniques]: its slot is its key), not compressed yet or not worth it.  Else flags:
# 0x40: the row holds its key (else its slot is its key); 0x80: the rest is compressed with the
# table's dictionary; ESCAPE: the rest is pack([record, uniques, [key] or []]) (what orjson
# refuses: core.packed keeps it exactly).  No other row starts with "[" (0x5B: ESCAPE never
# comes with a generation's bits).
_KEYED, _DEFLATED, ESCAPE, _PLAIN = 0x40, 0x80, 0x01, 0x5B
_CLOSE = 0x7D  # "}": a plain row's text ends "}]" iff it holds no key (a key is a str, an int or a list)
_HEADS = [bytes((head,)) for head in range(256)]  # a row's first byte without a bytes() call
_EMPTY = b""
# A compressed row's bits 1-5: which of the table's dictionaries (its generation, below) it needs.
_GENERATION, _GENERATIONS = 0x3E, 32
# Slots of hashed keys and hashes of unique values keep 30 bits: an int of 28 bytes (one of 60
# bits takes 32).  At a million rows about one insert in a thousand lands on a taken hash: it
# is checked against the row and, if another's, kept in a spill dict (see the docstring).
_MASK = (1 << 30) - 1
# An int key in [-_OWN, _OWN) is its own slot: an int of 28 or 32 bytes.  A larger one takes 36,
# which the allocator rounds to 48: slotted by its hash (32) and kept in the row, it costs less.
_OWN = 1 << 60
_LOW = -_OWN  # a constant: -_OWN in a comparison makes a new int each time
# Rows shorter than _DEFLATE_FROM are kept plain (a session, a token: read often, small anyway);
# the compressors themselves: core.rowblocks.codec.
_DICTIONARY = 1536
USE_ZSTD = True  # tests turn it off to run the zlib way
_DEFLATE_FROM = 64
# Rows are written plain and compressed BATCH at a time, on the write that makes the batch full:
# the rows of a batch share frames (blocks, core.rowblocks: ~0.5-1 us a row instead of ~2.4 for a
# frame each), and at most BATCH rows (of ~300-600 bytes) are kept plain (plus a compacted block's).
# Counted in writes, never timed: the same writes leave the same bytes.
BATCH = 64
# A batch is kept in blocks of at most BLOCK_ROWS rows: a read of one row decompresses its block
# (~12 us for 64 user rows of ~350 bytes, ~6-9 for 32; blocks of 32 cost ~4-5 bytes a user more, bench/memory.py).
BLOCK_ROWS = 32
# Records drift from the dictionary they are compressed with (times, ids, counters move on: a
# bench row took ~55 bytes 1,000 rows after the dictionary and ~75 100,000 rows later), so a
# table takes a new one, from the plain rows of the batch at hand, each time its writes double
# (from _RENEW_FROM).  Rows already compressed keep theirs (never recompressed: no stall), so a
# table keeps a decompressor per dictionary (~45 KB each), at most _GENERATIONS of them.
_RENEW_FROM = 2048


def _slot(key: Hashable) -> int:
    if type(key) is int and _LOW <= key < _OWN:
        return key
    return _hashed(key)


def _hashed(value: Hashable) -> int:
    """30 well-mixed bits of ``value``'s hash.  An int's hash is the int itself (mod 2**61 - 1), so
    ids made of a time and a counter share their low bits with ids of another time: one more
    round (a tuple's hash mixes its items') spreads them (measured: a vendor's ids past 2**60
    put half of 40,000 rows on taken slots before it)."""
    return (hash((value,)) if type(value) is int else hash(value)) & _MASK


def _hashable(value: Any) -> Hashable:
    """A unique value as given, from how a row keeps it (a tuple reads back as a list)."""
    if type(value) is list:
        return tuple(_hashable(item) for item in value)
    return value  # type: ignore[no-any-return]


def _same(kept: Any, given: Hashable) -> bool:
    return kept == given if type(given) is not tuple else _hashable(kept) == given


def _codec(zdict: bytes) -> tuple[Any, Any]:
    """A table's compressor and decompressor, primed with ``zdict`` (zlib's when ``USE_ZSTD`` is off)."""
    return codec(zdict, USE_ZSTD)


class PackedTable(MemoryTable):
    """A grown ``MemoryTable`` (its class is switched, see the module docstring); same behaviour."""

    __slots__ = ()

    # ------------------------------------------------------------------ reads
    def get(self, key: Hashable) -> Record | None:
        # _slot() written out: a create reads a key it is about to take (a miss, as a rule)
        slot = key if type(key) is int and _LOW <= key < _OWN else (hash((key,)) if type(key) is int else hash(key)) & _MASK
        kept = self._rows.get(slot)
        if kept is not None:
            if type(kept) is not int:
                if _holds_key(kept):
                    record, _, stored = self._open(kept)
                    if _same(stored, key):
                        return record
                elif slot is key:  # _slot's first case: an int key, its own slot
                    return self._open(kept)[0]
            elif kept & KEYED:  # a row in a block (core.rowblocks) holding its key
                record, _, stored = self._open(self._blocks.text(kept))
                if _same(stored, key):
                    return record
            elif slot is key:  # a row in a block, its slot its key: plain JSON text, read as it is
                return _loads(self._blocks.text(kept))[0]  # type: ignore[no-any-return]
        if self._spill:
            kept = self._spill.get(_row_key(key))
            if kept is not None:
                return self._open(kept)[0]
        return None

    def _kept_view(self, key: Hashable) -> Any:
        # Its own slot and row (a hashed key's row may sit there), not in block 0: a small int, shared by CPython.
        if type(key) is int and _LOW <= key < _OWN:
            kept = self._rows.get(key)
            if kept is not None and not _holds_key(kept) and not (type(kept) is int and kept >> SHIFT == 0):
                return kept
        return None

    def find(self, field: str, value: Hashable) -> Record | None:
        # A miss (a create checking a value is free) ends at the index: no call, no row read.
        hashed = (hash((value,)) if type(value) is int else hash(value)) & _MASK  # _hashed()
        spindex = self._spindex  # values on a shared hash: a few past ~50k rows (30 bits), so checked by value
        if hashed not in self._index.get(field, _NO_KEYS) and (not spindex or value not in spindex.get(field, _NO_KEYS)):
            return None
        found = self._locate(field, value)
        return None if found is None else found[0]

    def conflict(self, unique: UniqueKeys, ignore: Hashable | None = None) -> Conflict | None:
        index, spindex = self._index, self._spindex
        for field, value in unique.items():
            if value is None:
                continue
            hashed = (hash((value,)) if type(value) is int else hash(value)) & _MASK  # _hashed()
            if hashed not in index.get(field, _NO_KEYS) and (not spindex or value not in spindex.get(field, _NO_KEYS)):
                continue  # free, as find()
            found = self._locate(field, value)
            if found is not None and (ignore is None or not _same(found[1], ignore)):
                return Conflict(field, found[0])
        return None

    def values(self) -> list[Record]:
        opened = self._open
        texts = self._blocks.texts(list(self._rows.values()))  # each block opened once
        return [opened(kept)[0] for kept in texts] + [opened(kept)[0] for kept in self._spill.values()]

    def __len__(self) -> int:
        return len(self._rows) + len(self._spill)

    def __iter__(self) -> Iterator[Hashable]:
        texts = self._blocks.texts(list(self._rows.values()), keyed_only=True)  # the others' slot is their key
        keys: list[Hashable] = [self._key(slot, kept) for slot, kept in zip(self._rows, texts, strict=True)]
        keys += [self._key(0, kept) for kept in self._spill.values()]
        return iter(keys)

    # ------------------------------------------------------------------ writes
    def insert(self, key: Hashable, record: Record, unique: UniqueKeys = NO_UNIQUE_KEYS) -> None:
        # Every create comes here: _locate, _place, _pack and _index_row written out for the usual
        # row (no cap, a free slot, each value's hash free), each key and value hashed once.
        index, spindex = self._index, self._spindex
        uniques: dict[str, Hashable] = {}
        hashes: dict[str, int] = {}  # by field, as uniques (no zip(strict=True): it parses keywords each call)
        for field, value in unique.items():
            if value is None:
                continue
            hashed = (hash((value,)) if type(value) is int else hash(value)) & _MASK  # _hashed()
            if hashed in index.get(field, _NO_KEYS) or (spindex and value in spindex.get(field, _NO_KEYS)):  # maybe taken
                found = self._locate(field, value)
                if found is not None:
                    raise Conflict(field, found[0])
            uniques[field] = value
            hashes[field] = hashed
        own = type(key) is int and _LOW <= key < _OWN
        slot: int = key if own else (hash((key,)) if type(key) is int else hash(key)) & _MASK  # type: ignore[assignment]
        rows = self._rows
        shared = slot in rows
        if shared:  # get(key) only when it could find something
            existing = self.get(key)
            if existing is not None:
                raise Conflict("id", existing)
        elif self._spill:  # a few keys on a shared slot past ~50k rows: get()'s spill look-up alone
            spilled = self._spill.get(_row_key(key))
            if spilled is not None:
                raise Conflict("id", self._open(spilled)[0])
        if shared or self._cap is not None:  # a shared slot, eviction, a ring to keep: the long way
            items = list(uniques.items())
            if self._cap is not None and len(rows) + len(self._spill) >= self._cap:
                self._pack(record, items, key)  # first: a record that cannot be kept evicts nothing
                self._evict()
            self._place(key, record, items, slot)
            return
        try:
            text: bytes = _dumps([record, uniques] if own else [record, uniques, key], option=_STRICT)
        except _EncodeError:
            text = _HEADS[ESCAPE | (0 if own else _KEYED)] + pack([record, uniques, [] if own else [key]])
        rows[slot] = text
        if hashes:
            if index is _NO_KEYS:
                index = self._index = {}
            for field, hashed in hashes.items():
                values = index.get(field)
                if values is None:
                    values = index[field] = {}
                if hashed not in values:
                    values[hashed] = slot
                else:  # another value's hash: indexed by the value (_index_row)
                    if self._spindex is _NO_KEYS:
                        self._spindex = {}
                    self._spindex.setdefault(field, {})[uniques[field]] = key
        pending = self._pending
        pending.append(slot)
        if len(pending) >= BATCH:
            self._compress_pending()

    def update(self, key: Hashable, record: Record, unique: UniqueKeys = NO_UNIQUE_KEYS) -> None:
        items = [(field, value) for field, value in unique.items() if value is not None]
        for field, value in items:
            found = self._locate(field, value)
            if found is not None and not _same(found[1], key):
                raise Conflict(field, found[0])
        slot = _slot(key)
        kept = self._rows.get(slot)
        if kept is not None and self._is(slot, kept, key):
            new = self._pack(record, items, None if slot is key else key)  # before any change
            self._unindex(slot, key, self._open(self._text(kept))[1])
            self._rows[slot] = new  # in place: the row keeps its position (values() order)
            self._index_row(slot, key, items)
            if type(kept) is int:
                self._left(kept)
            self._later(slot)
            return
        if self._spill and _row_key(key) in self._spill:  # a spilled row replaced: as many rows as before
            self._pack(record, items, key)  # before any change
            self.delete(key)
            self._place(key, record, items)
            return
        self.insert(key, record, unique)  # no such row: an update inserts, as a dict would (evicting at the cap)

    def delete(self, key: Hashable) -> Record | None:
        slot = _slot(key)
        kept = self._rows.get(slot)
        if kept is not None and self._is(slot, kept, key):
            record, uniques, _ = self._open(self._text(kept))
            del self._rows[slot]
            self._unindex(slot, key, uniques)
            if type(kept) is int:
                self._left(kept)
            return record
        if self._spill:
            kept = self._spill.pop(_row_key(key), None)
            if kept is not None:
                record, uniques, _ = self._open(kept)
                self._unindex(None, key, uniques)
                return record
        return None

    def clear(self) -> None:
        self._zc = self._zd = self._ring = self._pending = self._blocks = None
        self._written = self._renew = 0
        self._spill = self._spindex = _NO_KEYS
        self.__class__ = MemoryTable  # type: ignore[assignment]  # small again: its handles stay valid
        MemoryTable.clear(self)

    # ------------------------------------------------------------------ rows
    def _pack(self, record: Record, items: list[tuple[str, Hashable]], key: Hashable | None) -> bytes:
        """A row, plain: the JSON text of ``[record, unique values, key]`` (``key`` None: the slot is
        the key, not kept), as orjson made it; ``_compress_pending`` compresses it (``BATCH``)."""
        try:
            text: bytes = _dumps([record, dict(items)] if key is None else [record, dict(items), key], option=_STRICT)
            return text
        except _EncodeError:
            return _HEADS[ESCAPE | (0 if key is None else _KEYED)] + pack([record, dict(items), [] if key is None else [key]])

    def _deflate(self, kept: bytes) -> bytes:
        """A row as it is kept for good: a plain one compressed with the table's dictionary if that
        makes it smaller, else copied (orjson's result keeps its ~4 KB buffer: core.packed)."""
        if kept[0] != _PLAIN:
            return kept
        if len(kept) >= _DEFLATE_FROM and self._zc is not None:
            # The field names cost ~nothing: the dictionary holds them in the same order.
            deflated: bytes = self._zc.compress(kept)
            if len(deflated) < len(kept):
                return _HEADS[self._mark | (0 if kept[-2] == _CLOSE else _KEYED)] + deflated
        return _EMPTY.join((kept, _EMPTY))

    def _later(self, slot: int) -> None:
        """``slot``'s row was written plain (``_pack``): compressed with the next batch."""
        pending = self._pending
        pending.append(slot)
        if len(pending) >= BATCH:
            self._compress_pending()

    def _compress_pending(self) -> None:
        """Compress the rows written plain since the last batch as ONE block (core.rowblocks).  A
        slot may have been deleted since (skipped), rewritten (listed twice: taken once) or taken
        by another key's row (also listed: taken); either way its row is taken whoever owns it."""
        pending = self._pending
        self._written += len(pending)
        if self._written >= self._renew and self._zc is not None:
            self._new_dictionary()
        rows, zc = self._rows, self._zc
        texts: list[bytes] = []
        slots: list[int] = []
        for slot in dict.fromkeys(pending):  # a slot listed twice (rewritten) is taken once
            kept = rows.get(slot)
            if type(kept) is bytes and kept[0] == _PLAIN:
                if zc is not None and len(kept) >= _DEFLATE_FROM:
                    texts.append(kept)
                    slots.append(slot)
                else:  # short rows stay plain: copied, as orjson's result keeps its ~4 KB buffer (core.packed)
                    rows[slot] = _EMPTY.join((kept, _EMPTY))
        del pending[:]
        if not texts:
            return
        blocks, size, mark, compress = self._blocks, BLOCK_ROWS, self._mark, zc.compress
        for first in range(0, len(texts), size):
            some, their = texts[first: first + size], slots[first: first + size]
            base = blocks.add(mark, compress(join(some, their)), len(some)) << SHIFT  # ref() written out
            for position, slot in enumerate(their, base):
                # same key, so the row keeps its place in the dict's order (values(), eviction)
                rows[slot] = position | KEYED if some[position - base][-2] != _CLOSE else position

    def _text(self, kept: bytes | int) -> bytes:
        """A row's bytes: as kept, or cut out of its block."""
        return kept if type(kept) is bytes else self._blocks.text(kept)

    def _left(self, reference: int) -> None:
        """A row in a block was rewritten or deleted: a block less than half live is compacted: its
        live rows written plain again (their slots keep their place), compressed with the next
        batch, and the block freed (so dead rows never outnumber live ones by much)."""
        blocks = self._blocks
        number = blocks.drop(reference)
        if number < 0:
            return
        payload = blocks.payload(number)
        rows, pending = self._rows, self._pending
        for position in range(blocks.rows(number)):
            slot = slot_of(payload, position)
            kept = rows.get(slot)
            if type(kept) is int and kept | KEYED == ref(number, position, True):  # still this row
                rows[slot] = cut(payload, position)
                pending.append(slot)
        blocks.free(number)
        if len(pending) >= BATCH:
            self._compress_pending()

    def _new_dictionary(self) -> None:
        """The next generation's dictionary: the newest of this batch's plain rows (see _RENEW_FROM)."""
        self._renew = 2 * self._written
        generation = len(self._zd)
        if generation >= _GENERATIONS:
            return  # the last one stays (a table written 2**36 times)
        rows, texts = self._rows, []
        for slot in self._pending:
            kept = rows.get(slot)
            if type(kept) is bytes and kept[0] == _PLAIN:
                texts.append(kept)
        zdict = b"".join(texts)[-_DICTIONARY:]
        if len(zdict) < _DICTIONARY // 2:
            return  # a batch of small or refused rows: the dictionary in use is as good as any
        self._zc, decompressor = _codec(zdict)
        self._zd.append(decompressor)
        self._mark = _DEFLATED | generation << 1

    def _open(self, kept: bytes) -> tuple[Record, dict[str, Any], Any]:
        """A row's record (a fresh dict), its unique values, and its key if it holds it (else None)."""
        head = kept[0]
        if head == _PLAIN:
            parts = _loads(kept)
            return parts[0], parts[1], (parts[2] if len(parts) > 2 else None)
        if head & ESCAPE:
            record, uniques, key = unpack(kept[1:])
            return record, uniques, (key[0] if key else None)
        parts = _loads(self._zd[(head & _GENERATION) >> 1].decompress(memoryview(kept)[1:]))  # _DEFLATED
        return parts[0], parts[1], (parts[2] if head & _KEYED else None)

    def _key(self, slot: int, kept: bytes | int) -> Hashable:
        if not _holds_key(kept):
            return slot
        key = self._open(self._text(kept))[2]
        return tuple(key) if type(key) is list else key

    def _is(self, slot: int, kept: bytes | int, key: Hashable) -> bool:
        """Whether the row ``kept`` in ``slot`` is ``key``'s."""
        if _holds_key(kept):
            return _same(self._open(self._text(kept))[2], key)
        return slot is key or (type(key) is int and slot == key)

    def _place(self, key: Hashable, record: Record, items: list[tuple[str, Hashable]], slot: int | None = None) -> None:
        """Write a row for ``key``, which the table does not hold (``slot``: ``_slot(key)``, when known)."""
        if slot is None:
            slot = _slot(key)
        rows = self._rows
        if slot in rows:  # another key's slot (a hash shared): this row is kept by its real key
            kept = self._deflate(self._pack(record, items, key))  # rare (~0.1%): compressed at once
            if self._spill is _NO_KEYS:
                self._spill = {}
            self._spill[_row_key(key)] = kept
            self._index_row(None, key, items)
            return
        rows[slot] = self._pack(record, items, None if slot is key else key)
        self._index_row(slot, key, items)
        pending = self._pending  # _later() written out: this is on every create
        pending.append(slot)
        if len(pending) >= BATCH:
            self._compress_pending()
        ring = self._ring
        if ring is not None:
            ring.append(slot)
            if len(ring) - self._head > 2 * len(rows) + 1024:  # deletions left dead slots: rebuilt from the rows' order
                self._ring, self._head = array("q", rows), 0

    def _index_row(self, slot: int | None, key: Hashable, items: list[tuple[str, Hashable]]) -> None:
        """Index a row's unique values: by hash to its slot, or by value to its key (spilled)."""
        index = self._index
        for field, value in items:
            values = index.get(field)
            if values is None:
                if index is _NO_KEYS:
                    index = self._index = {}
                values = index[field] = {}
            hashed = _hashed(value)
            if slot is not None and hashed not in values:
                values[hashed] = slot
            else:
                if self._spindex is _NO_KEYS:
                    self._spindex = {}
                self._spindex.setdefault(field, {})[value] = key

    def _unindex(self, slot: int | None, key: Hashable, uniques: dict[str, Any]) -> None:
        index = self._index
        for field, kept in uniques.items():
            value = _hashable(kept)
            values = index.get(field, _NO_KEYS)
            hashed = _hashed(value)
            if slot is not None and values.get(hashed) == slot:
                del values[hashed]
            elif self._spindex:
                self._spindex.get(field, _NO_KEYS).pop(value, None)

    def _locate(self, field: str, value: Hashable) -> tuple[Record, Any] | None:
        """The row holding ``value`` in unique ``field``: its record and key."""
        slot = self._index.get(field, _NO_KEYS).get(_hashed(value))
        if slot is not None:
            record, uniques, key = self._open(self._text(self._rows[slot]))
            if _same(uniques.get(field), value):
                return record, (slot if key is None else _hashable(key))
        if self._spindex:
            owner = self._spindex.get(field, _NO_KEYS).get(value)
            if owner is not None:
                found = self.get(owner)
                if found is not None:
                    return found, owner
        return None

    # ------------------------------------------------------------------ eviction
    def _evict(self) -> None:
        """Remove the oldest row (by first insertion) and its unique keys."""
        ring, rows = self._ring, self._rows
        if ring is None:
            return
        while self._head < len(ring):
            slot = ring[self._head]
            self._head += 1
            kept = rows.get(slot)
            if kept is not None:
                key = self._key(slot, kept)
                if key not in self._pinned:  # a fixture's row stays (MemoryStore.pin)
                    self.delete(key)
                    break
        else:
            spilled = [key for key in map(self._key, [0] * len(self._spill), self._spill.values()) if key not in self._pinned]
            if not spilled:
                return  # only the fixture's rows: they stay, past the cap
            self.delete(spilled[0])
        self._evicted += 1
        if self._evicted == 1:
            log.info("store: table %s is full (--max-users %d): evicting its oldest rows first (logged once per table)",
                     self._name, self._cap)
        if self._head > 1024 and 2 * self._head > len(ring):
            del ring[: self._head]
            self._head = 0


def grow(table: MemoryTable) -> None:
    """Make ``table`` (a MemoryTable at SMALL_TABLE rows) a PackedTable, its rows repacked."""
    rows, owners = table._rows, table._owners
    old = []
    for kept_key, kept in rows.items():
        uniques = [(field, owned[kept_key]) for field, owned in owners.items() if kept_key in owned]
        old.append((_given(kept_key), kept.copy() if isinstance(kept, dict) else unpack(kept), uniques))
    table.__class__ = PackedTable
    packed: PackedTable = table  # type: ignore[assignment]
    packed._rows, packed._index, packed._owners = {}, _NO_KEYS, _NO_KEYS
    packed._spill, packed._spindex = _NO_KEYS, _NO_KEYS
    packed._zc, packed._zd, packed._mark = None, [], _DEFLATED
    packed._written, packed._renew = 0, max(_RENEW_FROM, 2 * len(old))  # not the rows placed below
    packed._ring, packed._head = None, 0
    packed._pending = array("q")
    packed._blocks = Blocks(packed._zd)
    # The dictionary: the plain rows of the newest records (the oldest may be fixtures of another
    # look), newest last, as deflate uses the end of a dictionary first.
    samples: list[bytes] = []
    size = 0
    for key, record, uniques in reversed(old):
        text = packed._pack(record, uniques, None if _slot(key) is key else key)
        if text[0] != _PLAIN:
            continue  # what orjson refused: not JSON text, nothing like the rows to come
        samples.append(text)
        size += len(text)
        if size >= _DICTIONARY:
            break
    zdict = b"".join(reversed(samples))[-_DICTIONARY:]
    if zdict:
        packed._zc, decompressor = _codec(zdict)
        packed._zd.append(decompressor)
    for key, record, uniques in old:
        packed._place(key, record, uniques)
    packed._compress_pending()  # the rows just placed: none is left plain
    if packed._cap is not None:
        packed._ring = array("q", packed._rows)


def _holds_key(kept: bytes | int) -> bool:
    """Whether a row holds its key (else its slot is its key)."""
    if not isinstance(kept, bytes):
        return bool(kept & KEYED)
    head = kept[0]
    return kept[-2] != _CLOSE if head == _PLAIN else bool(head & _KEYED)


def _given(kept_key: Hashable) -> Hashable:
    return tuple(unpack(kept_key)) if type(kept_key) is bytes else kept_key
