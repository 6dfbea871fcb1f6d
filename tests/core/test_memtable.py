"""The memory store's grown table (core.memtable.PackedTable) behaves as the small one, exactly (issue 15).

A random walk of inserts, updates, deletes and reads runs against a plain
model; the hashes that slot keys and index unique values are cut to 3 bits,
so nearly every row shares a slot or a value hash with another and the spill
paths run as often as the common ones.
"""

from __future__ import annotations

import random
from collections.abc import Hashable
from typing import Any

import pytest

from mockserver.core import memtable, rowblocks
from mockserver.core import store as store_module
from mockserver.core.store import Conflict, MemoryTable, Record


class Model:
    def __init__(self) -> None:
        self.rows: dict[Hashable, Record] = {}
        self.owners: dict[Hashable, dict[str, Hashable]] = {}

    def holder(self, field: str, value: Hashable) -> Hashable | None:
        for key, unique in self.owners.items():
            if unique.get(field) == value:
                return key
        return None

    def insert(self, key: Hashable, record: Record, unique: dict[str, Hashable]) -> tuple[str, Any] | None:
        for field, value in unique.items():
            holder = self.holder(field, value) if value is not None else None
            if holder is not None:
                return field, self.rows[holder]
        if key in self.rows:
            return "id", self.rows[key]
        self.rows[key] = record
        self.owners[key] = {f: v for f, v in unique.items() if v is not None}
        return None

    def update(self, key: Hashable, record: Record, unique: dict[str, Hashable]) -> tuple[str, Any] | None:
        for field, value in unique.items():
            holder = self.holder(field, value) if value is not None else None
            if holder is not None and holder != key:
                return field, self.rows[holder]
        self.rows[key] = record
        self.owners[key] = {f: v for f, v in unique.items() if v is not None}
        return None

    def delete(self, key: Hashable) -> Record | None:
        self.owners.pop(key, None)
        return self.rows.pop(key, None)


def _key(rng: random.Random) -> Hashable:
    kind = rng.randrange(5)
    n = rng.randrange(60)
    if kind == 0:
        return n
    if kind == 1:
        return f"k{n}"
    if kind == 2:
        return ("t", n)
    if kind == 3:
        return 2**70 + n  # past 64 bits: slotted by hash, kept the other way
    return 2**61 + n  # an int key too large to be its own slot


def _record(rng: random.Random, key: Hashable) -> Record:
    shape = rng.randrange(4)
    record: Record = {"id": key if not isinstance(key, tuple) else list(key), "n": rng.randrange(1000)}
    if shape == 1:
        record["tags"] = ["a", {"b": [1, 2]}]
    elif shape == 2:
        record["big"] = 2**80 + rng.randrange(10)  # orjson refuses it: the escape form
    elif shape == 3:
        record.update(name="x" * rng.randrange(200), when="2026-01-01T00:00:00.000Z", flag=True, none=None)
    return record


def _unique(rng: random.Random) -> dict[str, Hashable]:
    unique: dict[str, Hashable] = {"email": f"u{rng.randrange(80)}@x"}
    if rng.random() < 0.5:
        unique["phone"] = rng.choice([None, f"+{rng.randrange(80)}", ("cc", rng.randrange(20))])
    return unique


def _same_conflict(caught: Conflict, expected: tuple[str, Any]) -> bool:
    return caught.field == expected[0] and caught.existing == expected[1]


@pytest.mark.parametrize("codec", ["zstd", "zlib"])
@pytest.mark.parametrize("seed", range(4))
def test_a_random_walk_matches_a_plain_model_with_colliding_hashes(seed: int, codec: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memtable, "USE_ZSTD", codec == "zstd")
    monkeypatch.setattr(memtable, "_MASK", 7)
    monkeypatch.setattr(store_module, "SMALL_TABLE", 16)
    rng = random.Random(seed)
    table, model = MemoryTable(), Model()
    grown = blocked = False
    for step in range(1_500):
        op = rng.random()
        key = _key(rng)
        if op < 0.45:
            record, unique = _record(rng, key), _unique(rng)
            expected = model.insert(key, record, unique)
            if expected is None:
                table.insert(key, record, unique)
            else:
                with pytest.raises(Conflict) as caught:
                    table.insert(key, record, unique)
                assert _same_conflict(caught.value, expected), (step, caught.value.field, expected[0])
        elif op < 0.65:
            record, unique = _record(rng, key), _unique(rng)
            expected = model.update(key, record, unique)
            if expected is None:
                table.update(key, record, unique)
            else:
                with pytest.raises(Conflict) as caught:
                    table.update(key, record, unique)
                assert _same_conflict(caught.value, expected), step
        elif op < 0.8:
            assert table.delete(key) == model.delete(key), step
        else:
            assert table.get(key) == model.rows.get(key), step
            field, value = rng.choice([("email", f"u{rng.randrange(80)}@x"), ("phone", ("cc", rng.randrange(20)))])
            holder = model.holder(field, value)
            assert table.find(field, value) == (None if holder is None else model.rows[holder]), step
            clash = table.conflict({field: value}, ignore=key)
            assert (clash is None) == (holder is None or holder == key), step
        # view() after every step, of this key and of a few read on every step (so remembered), must be
        # what get() reads: a view remembered before a write, a delete or a spill is never given after it.
        for viewed in (key, 3, 5, "k3", ("t", 1), 2**70 + 3):
            assert table.view(viewed) == model.rows.get(viewed), (step, viewed)
        grown = grown or isinstance(table, memtable.PackedTable)
        blocked = blocked or (grown and any(type(kept) is int for kept in table._rows.values()))
        assert len(table) == len(model.rows), step
    assert grown, "the walk never grew the table: it tested only the small form"
    assert isinstance(table, memtable.PackedTable)
    assert sorted(map(repr, table)) == sorted(map(repr, model.rows))
    assert sorted(map(repr, table.values())) == sorted(map(repr, model.rows.values()))
    assert table._spill or table._spindex, "no hash was shared: the spill paths did not run"
    assert blocked, "no row was compressed (in a block, core.rowblocks)"
    table.clear()
    assert type(table) is MemoryTable and len(table) == 0 and list(table) == []
    table.insert(1, {"id": 1}, {"email": "a@x"})
    assert table.find("email", "a@x") == {"id": 1}


def test_growing_keeps_every_row_unique_key_and_the_order() -> None:
    table = MemoryTable()
    for n in range(store_module.SMALL_TABLE + 50):
        table.insert(n, {"id": n, "email": f"u{n}@x", "tags": [n]} if n % 2 else {"id": n, "email": f"u{n}@x"}, {"email": f"u{n}@x"})
    assert type(table) is memtable.PackedTable
    assert list(table) == list(range(store_module.SMALL_TABLE + 50))
    assert [r["id"] for r in table.values()] == list(range(store_module.SMALL_TABLE + 50))
    assert table.find("email", "u3@x") == {"id": 3, "email": "u3@x", "tags": [3]}
    table.update(3, {"id": 3, "email": "new@x"}, {"email": "new@x"})
    assert list(table)[3] == 3, "an update keeps the row's place"
    assert table.find("email", "u3@x") is None and table.find("email", "new@x") == {"id": 3, "email": "new@x"}
    with pytest.raises(Conflict) as caught:
        table.insert(10_000, {"id": 10_000}, {"email": "u4@x"})
    assert caught.value.field == "email" and caught.value.existing == {"id": 4, "email": "u4@x"}


def test_ids_sharing_their_low_bits_do_not_share_slots() -> None:
    """Ids made of a time and a counter (past 2**60: slotted by hash) repeat their low bits from one
    time to the next; an int's own hash keeps them, so the table mixes it first (else: spills)."""
    table = MemoryTable()
    for n in range(3_000):
        key = (1 << 60) | (n // 100) << 32 | (n % 100)  # 30 time units of 100 ids each
        table.insert(key, {"id": key}, {"code": key - (1 << 60)})
    assert type(table) is memtable.PackedTable and len(table) == 3_000
    assert len(table._spill) == 0 and len(table._spindex) == 0


@pytest.mark.parametrize("rows", [10, 1_000], ids=["small", "grown"])
def test_a_view_is_decoded_once_while_its_row_stays_and_read_again_once_it_changes(rows: int) -> None:
    table = MemoryTable()
    for n in range(rows):
        table.insert(n, {"id": n, "accounts": [{"id": "a", "admin": True}]}, {"email": f"u{n}@x"})
    assert isinstance(table, memtable.PackedTable) == (rows > store_module.SMALL_TABLE)
    key = 3 if rows < 100 else 700  # grown: a row in a block past block 0 (see the test below)
    first = table.view(key)
    assert first == table.get(key) == {"id": key, "accounts": [{"id": "a", "admin": True}]}
    assert table.view(key) is first  # remembered: no second decoding
    assert table.get(key) is not first  # get() still gives a copy of its own
    table.update(key, {"id": key, "accounts": []}, {"email": f"u{key}@x"})
    assert table.view(key) == {"id": key, "accounts": []} and first["accounts"]  # the old view is left as it was
    table.delete(key)
    assert table.view(key) is None
    for n in range(rows - store_module.VIEWS - 5, rows):  # more than it remembers: bounded
        table.view(n)
    assert len(table._views) <= store_module.VIEWS
    table.clear()
    assert table.view(5) is None and not table._views


def test_a_row_of_block_0_is_never_remembered_by_its_place() -> None:
    # Its place is a small int, the one object CPython keeps for that value: a row written again into a
    # reused block 0 at the same place would be kept as the same object, so identity cannot tell them apart.
    table = MemoryTable()
    for n in range(1_000):
        table.insert(n, {"id": n, "v": "first " * 20})
    first_block = [key for key, kept in table._rows.items() if type(kept) is int and kept >> rowblocks.SHIFT == 0]
    assert first_block
    for key in first_block[:3]:
        assert table._kept_view(key) is None and table.view(key) == {"id": key, "v": "first " * 20}
    later = next(key for key, kept in table._rows.items() if type(kept) is int and kept >> rowblocks.SHIFT > 0)
    assert table._kept_view(later) is table._rows[later] and table.view(later) is table.view(later)
