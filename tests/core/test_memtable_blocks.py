"""A grown memory table compresses each batch of rows as ONE block (core.rowblocks, issues 13 and 15).

A row in a block is an int in the table's row dict (block number, position,
holds-its-key); these check that such a row reads, updates, deletes and is
evicted as any other; that a block with no live row is freed and its number
reused; that a block less than half live is compacted (its live rows written
plain again, readable throughout, then compressed with the next batch); that
at most two opened blocks are kept and a listing opens each block once; that
a miss opens nothing; and that dead rows stay bounded under churn.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from mockserver.core import memtable, rowblocks
from mockserver.core import store as store_module
from mockserver.core.store import Conflict, MemoryTable, Record

from .test_memtable import test_a_random_walk_matches_a_plain_model_with_colliding_hashes as random_walk

BIG = 1 << 62  # an int key past _OWN: slotted by hash, kept in the row (the holds-key bit)


def _record(n: int, note: str = "") -> Record:
    return {"id": n, "full_name": f"User {n}", "phone": f"+84{n:09d}", "note": note,
            "created_at": "2026-12-07T03:00:00.000Z", "roles": ["staff"], "blocked_at": None}


def _table(rows: int, big: bool = False, max_rows: int | None = None) -> MemoryTable:
    table = MemoryTable(max_rows=max_rows, name="ns/users")
    for n in range(rows):
        table.insert(BIG + n if big else n, _record(n), {"phone": f"+84{n:09d}"})
    assert type(table) is memtable.PackedTable
    return table


def _block_of(table: MemoryTable, key: int) -> int:
    kept = table._rows[memtable._slot(key)]
    assert type(kept) is int, "the row is not in a block"
    return kept >> 17


def _in_block(table: MemoryTable, number: int) -> list[int]:
    return [slot for slot, kept in table._rows.items() if type(kept) is int and kept >> 17 == number]


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The numbers of the blocks decompressed, in order."""
    calls: list[int] = []
    payload = rowblocks.Blocks.payload

    def counting(self: rowblocks.Blocks, number: int) -> bytes:
        calls.append(number)
        return payload(self, number)

    monkeypatch.setattr(rowblocks.Blocks, "payload", counting)
    yield calls


@pytest.mark.parametrize("big", [False, True])
def test_rows_in_a_block_read_update_and_delete(big: bool) -> None:
    table = _table(store_module.SMALL_TABLE + 3 * memtable.BATCH, big)
    key = (BIG if big else 0) + 300
    number = _block_of(table, key)
    assert bool(table._rows[memtable._slot(key)] & rowblocks.KEYED) is big, "the holds-key bit"
    assert table.get(key) == _record(300) and table.find("phone", f"+84{300:09d}") == _record(300)
    clash = table.conflict({"phone": f"+84{300:09d}"})
    assert clash is not None and clash.field == "phone" and clash.existing == _record(300)
    with pytest.raises(Conflict) as caught:
        table.insert(key, _record(300, "again"))
    assert caught.value.field == "id" and caught.value.existing == _record(300)
    table.update(key, _record(300, "changed"), {"phone": "+84new"})
    assert type(table._rows[memtable._slot(key)]) is bytes, "an updated row is written plain (pending)"
    assert table.get(key) == _record(300, "changed") and table.find("phone", f"+84{300:09d}") is None
    assert table.find("phone", "+84new") == _record(300, "changed")
    assert table.delete(key + 1) == _record(301) and table.get(key + 1) is None
    assert table.find("phone", f"+84{301:09d}") is None
    assert table.get(key + 2) == _record(302) and _block_of(table, key + 2) == number
    assert table._blocks._live[number] == table._blocks.rows(number) - 2


def test_rows_in_blocks_are_evicted_oldest_first() -> None:
    table = _table(1_000, max_rows=600)
    assert list(table) == list(range(400, 1_000))
    assert table.values() == [_record(n) for n in range(400, 1_000)]
    assert table.get(399) is None and table.find("phone", f"+84{399:09d}") is None
    assert all(2 * live >= size for live, size in zip(table._blocks._live, table._blocks._size, strict=True))


def test_a_block_with_no_live_row_is_freed_and_its_number_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memtable, "BATCH", 2)  # blocks of two: the second row's removal leaves it empty (not compacted)
    table = _table(store_module.SMALL_TABLE + 20)
    number = _block_of(table, 100)
    slots = _in_block(table, number)
    assert len(slots) == 2
    blocks = len(table._blocks)
    assert table.delete(slots[0]) == _record(slots[0]) and number in table._blocks._blocks, "half live: kept"
    table.update(slots[1], _record(slots[1], "upd"), {"phone": "+84upd"})
    assert number not in table._blocks._blocks and len(table._blocks) == blocks - 1
    assert table._blocks._live[number] == 0
    assert table.get(slots[1]) == _record(slots[1], "upd") and table.get(slots[0]) is None
    table.insert(50_000, _record(50_000), {"phone": "+84new"})  # with the update: a batch, in the freed number
    assert table._rows[50_000] >> 17 == number and number in table._blocks._blocks
    assert table.get(slots[1]) == _record(slots[1], "upd") and table.get(50_000) == _record(50_000)


def test_a_mostly_dead_block_is_compacted_and_every_live_row_stays_readable() -> None:
    table = _table(store_module.SMALL_TABLE + 4 * memtable.BATCH)
    number = _block_of(table, 300)
    slots = _in_block(table, number)
    size = len(slots)
    dead = slots[: size // 2]
    for slot in dead:
        assert table.delete(slot) == _record(slot)
    assert _in_block(table, number) == slots[size // 2:], "half live: kept"
    table.delete(slots[size // 2])  # less than half live: compacted
    alive = slots[size // 2 + 1:]
    assert number not in table._blocks._blocks and _in_block(table, number) == []
    assert all(slot in table._pending and type(table._rows[slot]) is bytes for slot in alive)
    assert all(table.get(slot) == _record(slot) for slot in alive)
    assert all(table.find("phone", f"+84{slot:09d}") == _record(slot) for slot in alive)
    assert all(table.get(slot) is None for slot in slots[: size // 2 + 1])
    n = 20_000
    while table._pending:  # compressed again with the next batch, in a new block
        table.insert(n, _record(n), {"phone": f"+84{n:09d}"})
        n += 1
    assert all(type(table._rows[slot]) is int and table.get(slot) == _record(slot) for slot in alive)
    assert list(table)[:10] == list(range(10)), "compaction keeps the rows' order"


def test_at_most_two_opened_blocks_are_kept_and_a_listing_opens_each_block_once(opened: list[int]) -> None:
    table = _table(store_module.SMALL_TABLE + 10 * memtable.BATCH)
    blocks = len(table._blocks)
    assert blocks >= 10
    for n in range(0, len(table), 7):  # reads across every block
        assert table.get(n) == _record(n)
        assert table._blocks.cached() <= 2
    assert len(opened) == blocks, "a run of reads of neighbours opens their block once"
    opened.clear()
    assert table.values() == [_record(n) for n in range(len(table))]
    assert sorted(opened) == sorted(set(opened)) and len(opened) == blocks
    opened.clear()
    assert list(table) == list(range(len(table)))
    assert opened == [], "keys that are their slot: no block opened"
    big = _table(store_module.SMALL_TABLE + 3 * memtable.BATCH, big=True)
    opened.clear()
    assert list(big) == [BIG + n for n in range(len(big))]
    assert len(opened) == len(big._blocks)


def test_a_miss_opens_no_block(opened: list[int]) -> None:
    table = _table(store_module.SMALL_TABLE + 3 * memtable.BATCH)
    opened.clear()
    n = 50_000
    table.insert(n, _record(n), {"phone": f"+84{n:09d}"})
    assert table.get(n + 1) is None and table.find("phone", "+84none") is None
    assert table.conflict({"phone": "+84none"}) is None
    assert opened == []


def test_dead_rows_stay_bounded_under_churn() -> None:
    table = _table(2_000)
    rng = random.Random(5)
    for step in range(20_000):
        n = rng.randrange(2_000)
        if step % 3:
            table.update(n, _record(n, str(step)), {"phone": f"+84{n:09d}"})
        else:
            table.delete(n)
            table.insert(n, _record(n, str(step)), {"phone": f"+84{n:09d}"})
    blocks = table._blocks
    assert all(2 * live >= size for live, size in zip(blocks._live, blocks._size, strict=True) if size)
    assert sum(blocks._live) + len(table._pending) >= len(table)
    assert sum(blocks._size) <= 2 * len(table)
    # at least half live each: ~4 x rows / BLOCK_ROWS numbers at most (~1,400 blocks were made: freed numbers are reused)
    assert len(blocks._live) <= 4 * len(table) // memtable.BLOCK_ROWS + 40, "freed numbers are reused"


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("batch", [2, 5])
def test_the_random_walk_with_tiny_blocks(seed: int, batch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """test_memtable's walk (colliding hashes, spills, escapes) with blocks of a few rows, compacted often."""
    monkeypatch.setattr(memtable, "BATCH", batch)
    monkeypatch.setattr(memtable, "_RENEW_FROM", 16)
    random_walk(seed, "zstd", monkeypatch)
