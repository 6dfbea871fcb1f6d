"""The grown memory table writes rows plain and compresses them in batches (core.memtable.BATCH, issue 13).

A row written since the last batch ("pending") is orjson's text as it is;
the write that fills the batch compresses them all.  These check that a
pending row reads, updates, deletes and is evicted as a compressed one does,
before and after its batch; that the batch is bounded and counted (the same
writes leave the same bytes); and that a table's later dictionaries (one each
time its writes double) leave older rows readable.
"""

from __future__ import annotations

import gc

import pytest

from mockserver.core import memtable
from mockserver.core import store as store_module
from mockserver.core.store import Conflict, MemoryTable, Record

from .test_memtable import test_a_random_walk_matches_a_plain_model_with_colliding_hashes as random_walk

BIG = 1 << 62  # an int key past _OWN: slotted by hash, kept in the row


def _record(n: int, note: str = "") -> Record:
    return {"id": BIG + n, "full_name": f"User {n}", "phone": f"+84{n:09d}", "note": note,
            "created_at": "2026-12-07T03:00:00.000Z", "roles": ["staff"], "blocked_at": None}


def _grown(rows: int) -> MemoryTable:
    table = MemoryTable()
    for n in range(rows):
        table.insert(BIG + n, _record(n), {"phone": f"+84{n:09d}"})
    assert type(table) is memtable.PackedTable
    return table


def _plain(table: MemoryTable) -> list[int]:
    return [slot for slot, kept in table._rows.items() if type(kept) is bytes and kept[0] == memtable._PLAIN]


def _fill_batch(table: MemoryTable, start: int) -> int:
    """Insert rows from ``start`` until the pending batch is compressed; the next free number."""
    n = start
    while table._pending:
        table.insert(BIG + n, _record(n), {"phone": f"+84{n:09d}"})
        n += 1
    return n


def test_a_grown_table_has_no_plain_row_and_new_rows_wait_for_their_batch() -> None:
    table = _grown(store_module.SMALL_TABLE + 1)
    # growing compresses every row it places; the insert that made it grow is the first pending
    assert _plain(table) == [memtable._slot(BIG + store_module.SMALL_TABLE)] == list(table._pending)
    start = store_module.SMALL_TABLE + 1
    for n in range(start, start + memtable.BATCH - 2):
        table.insert(BIG + n, _record(n), {"phone": f"+84{n:09d}"})
    assert len(_plain(table)) == memtable.BATCH - 1 == len(table._pending)
    table.insert(BIG + 999, _record(999), {"phone": "+84999"})  # the batch's last row: all compressed
    assert _plain(table) == [] and len(table._pending) == 0
    assert all(type(kept) is int for kept in table._rows.values()), "every row in a block (core.rowblocks)"


def test_pending_rows_read_update_and_delete_as_compressed_ones_before_and_after_their_batch() -> None:
    table = _grown(store_module.SMALL_TABLE + 1)
    n0 = store_module.SMALL_TABLE + 1
    for n in range(n0, n0 + 10):
        table.insert(BIG + n, _record(n), {"phone": f"+84{n:09d}"})
    pending = [BIG + n for n in range(n0, n0 + 10)]
    assert len(table._pending) == 11  # with the row whose insert made the table grow
    # reads: by key, by unique value, conflicts, iteration and values
    assert table.get(pending[0]) == _record(n0)
    assert table.find("phone", f"+84{n0 + 1:09d}") == _record(n0 + 1)
    clash = table.conflict({"phone": f"+84{n0 + 2:09d}"})
    assert clash is not None and clash.field == "phone" and clash.existing == _record(n0 + 2)
    assert table.conflict({"phone": f"+84{n0 + 2:09d}"}, ignore=pending[2]) is None
    with pytest.raises(Conflict) as caught:
        table.insert(pending[3], _record(n0 + 3))
    assert caught.value.field == "id" and caught.value.existing == _record(n0 + 3)
    assert list(table)[-10:] == pending
    assert table.values()[-10:] == [_record(n) for n in range(n0, n0 + 10)]
    # writes to pending rows
    table.update(pending[4], _record(n0 + 4, "changed"), {"phone": "+84new"})
    assert table.find("phone", f"+84{n0 + 4:09d}") is None
    assert table.find("phone", "+84new") == _record(n0 + 4, "changed")
    assert table.delete(pending[5]) == _record(n0 + 5)
    assert table.get(pending[5]) is None and table.find("phone", f"+84{n0 + 5:09d}") is None
    assert list(table)[-9:] == [key for key in pending if key != pending[5]], "an update keeps the row's place"
    size = len(table)

    added = _fill_batch(table, 5_000) - 5_000
    assert _plain(table) == [] and len(table) == size + added
    assert added == memtable.BATCH - 12  # the batch held the growing row, 10 more and the update (the delete added none)
    assert table.get(pending[4]) == _record(n0 + 4, "changed")
    assert table.find("phone", "+84new") == _record(n0 + 4, "changed")
    assert table.get(pending[5]) is None
    assert table.get(pending[9]) == _record(n0 + 9)
    # and after their batch: the same operations on the now compressed rows
    table.update(pending[6], _record(n0 + 6, "again"), {"phone": "+84again"})
    assert table.get(pending[6]) == _record(n0 + 6, "again")
    assert memtable._slot(pending[6]) in _plain(table), "an updated row is written plain again"
    assert table.delete(pending[7]) == _record(n0 + 7)
    assert table.find("phone", "+84again") == _record(n0 + 6, "again")


def test_a_deleted_pending_rows_slot_taken_again_is_compressed_with_the_batch() -> None:
    table = _grown(store_module.SMALL_TABLE + 1)
    n = store_module.SMALL_TABLE + 1
    table.insert(BIG + n, _record(n), {"phone": "+84a"})
    table.delete(BIG + n)
    table.insert(BIG + n, _record(n, "back"), {"phone": "+84b"})  # the same slot, listed twice
    assert list(table._pending).count(memtable._slot(BIG + n)) == 2
    _fill_batch(table, 6_000)
    assert _plain(table) == []
    assert table.get(BIG + n) == _record(n, "back") and table.find("phone", "+84a") is None


def test_pending_rows_are_evicted_oldest_first_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "SMALL_TABLE", 16)
    table = MemoryTable(max_rows=40, name="ns/users")
    for n in range(200):  # each batch of 64 rows lives and is evicted around its compression
        table.insert(BIG + n, _record(n), {"phone": f"+84{n:09d}"})
        assert len(table) == min(n + 1, 40)
    assert type(table) is memtable.PackedTable
    assert list(table) == [BIG + n for n in range(160, 200)]
    assert table.find("phone", f"+84{159:09d}") is None and table.get(BIG + 159) is None
    assert table.values() == [_record(n) for n in range(160, 200)]
    assert len(_plain(table)) <= len(table._pending) <= memtable.BATCH
    assert sum(len(values) for values in table._index.values()) == 40


@pytest.mark.parametrize("codec", ["zstd", "zlib"])
def test_the_same_writes_leave_the_same_bytes(codec: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch is counted in writes, never timed: the same writes leave the same rows and blocks."""
    monkeypatch.setattr(memtable, "USE_ZSTD", codec == "zstd")
    monkeypatch.setattr(memtable, "_RENEW_FROM", 300)  # a few dictionaries within the run

    def run() -> list[tuple[int, bytes]]:
        table = MemoryTable()
        for n in range(2_000):
            table.insert(BIG + n, _record(n, "x" * (n % 7)), {"phone": f"+84{n:09d}"})
            if n % 5 == 0:
                table.update(BIG + n // 2, _record(n // 2, "upd"), {"phone": f"+84{n // 2:09d}"})
            if n % 11 == 0:
                table.delete(BIG + n // 3)
        assert len(table._zd) > 2, "no later dictionary was made"
        assert len(table._blocks) > 10, "no row was kept in a block"
        return list(table._rows.items()) + sorted(table._blocks._blocks.items())

    assert run() == run()


def test_a_row_reads_the_same_from_a_full_block_or_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    first = _grown(store_module.SMALL_TABLE + 1)
    second = _grown(store_module.SMALL_TABLE + 1)
    n = store_module.SMALL_TABLE + 1
    first.insert(BIG + n, _record(n), {"phone": "+84x"})
    _fill_batch(first, 7_000)
    monkeypatch.setattr(memtable, "BATCH", 1)  # each row compressed by its own write: a block of one
    second.insert(BIG + n, _record(n), {"phone": "+84x"})
    slot = memtable._slot(BIG + n)
    assert type(first._rows[slot]) is int and type(second._rows[slot]) is int
    assert first.get(BIG + n) == second.get(BIG + n) == _record(n)
    assert first.find("phone", "+84x") == second.find("phone", "+84x") == _record(n)


def test_later_dictionaries_leave_older_rows_readable_and_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memtable, "_RENEW_FROM", 64)
    monkeypatch.setattr(memtable, "_GENERATIONS", 4)
    table = MemoryTable()
    for n in range(5_000):
        table.insert(BIG + n, _record(n), {"phone": f"+84{n:09d}"})
    generations = {(block[0] & memtable._GENERATION) >> 1 for block in table._blocks._blocks.values()}
    assert generations == {0, 1, 2, 3} and len(table._zd) == 4
    assert table.values() == [_record(n) for n in range(5_000)]
    assert all(table.find("phone", f"+84{n:09d}") == _record(n) for n in (0, 300, 1_000, 4_999))


def test_clearing_a_table_with_pending_rows_makes_it_small_again() -> None:
    table = _grown(store_module.SMALL_TABLE + 5)
    assert table._pending
    table.clear()
    assert type(table) is MemoryTable and len(table) == 0 and list(table) == []
    table.insert(1, {"id": 1}, {"phone": "+841"})
    assert table.get(1) == {"id": 1} and table.find("phone", "+841") == {"id": 1}
    for n in range(store_module.SMALL_TABLE + 1):  # and grows again
        table.insert(BIG + n, _record(n), {"phone": f"+84{n:09d}"})
    assert type(table) is memtable.PackedTable and len(_plain(table)) == 1 + len(table._pending)  # {"id": 1}: short, kept plain
    assert table.get(BIG + 3) == _record(3) and table.get(1) == {"id": 1}


def test_pending_rows_stay_invisible_to_the_collector() -> None:
    table = _grown(store_module.SMALL_TABLE + 20)
    assert len(table._pending) > 0
    gc.collect()
    assert not gc.is_tracked(table._rows)
    assert not any(gc.is_tracked(values) for values in table._index.values())
    assert gc.get_referents(table._pending) == [type(table._pending)], "an array of slots: the collector finds no row in it"
    assert len(table._blocks) > 0 and not gc.is_tracked(table._blocks._blocks), "a dict of bytes: untracked"


@pytest.mark.parametrize("seed", range(3))
def test_the_random_walk_with_small_batches_and_many_dictionaries(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """test_memtable's walk (colliding hashes, spills, escapes) with rows left pending across most steps."""
    monkeypatch.setattr(memtable, "BATCH", 7)
    monkeypatch.setattr(memtable, "_RENEW_FROM", 16)
    random_walk(seed, "zstd", monkeypatch)
