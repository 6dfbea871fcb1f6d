"""A grown memory table's insert path for the usual row (issue 13: CPU per create).

``PackedTable.insert`` writes the usual row (no cap, a free slot) itself,
hashing each key and unique value once, and ``find``/``conflict`` end a miss
at the index.  These check that the rows and blocks it leaves are byte for
byte those of the long way (``_place``, taken at a cap), that a miss reads no
row, that a key or value hashed once still finds its row after its block is
compacted, and that uniqueness holds across a block boundary (one row
compressed in a block, the other still plain).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.core import memtable
from mockserver.core.store import Conflict, MemoryTable, Record

BIG = 1 << 62  # an int key past _OWN: slotted by its hash and kept in the row


def _record(n: int) -> Record:
    return {"id": n, "full_name": f"User {n}", "phone": f"+84{n:09d}", "roles": ["staff"], "blocked_at": None,
            "created_at": "2026-12-07T03:00:00.000Z"}


def _fill(table: MemoryTable, rows: int, key: int = 0) -> None:
    for n in range(rows):
        table.insert(_key(n, key), _record(n), {"phone": f"+84{n:09d}", "email": None})


def _key(n: int, kind: int) -> object:
    return (n, BIG + n, ("shop", n), f"u{n}")[kind]


@pytest.fixture
def located(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, object]]]:
    """The (field, value) pairs ``PackedTable._locate`` was asked for: each one reads a row."""
    calls: list[tuple[str, object]] = []
    locate = memtable.PackedTable._locate

    def counting(self: memtable.PackedTable, field: str, value: object) -> object:
        calls.append((field, value))
        return locate(self, field, value)

    monkeypatch.setattr(memtable.PackedTable, "_locate", counting)
    yield calls


@pytest.mark.parametrize("kind", range(4), ids=["int", "big-int", "tuple", "str"])
def test_the_usual_insert_leaves_the_bytes_of_the_long_way(kind: int) -> None:
    # A cap no insert reaches sends every row the long way (_place, _pack, _index_row).
    fast, slow = MemoryTable(), MemoryTable(max_rows=10**9)
    _fill(fast, 700, kind)
    _fill(slow, 700, kind)
    assert type(fast) is type(slow) is memtable.PackedTable
    assert fast._rows == slow._rows
    assert list(fast._rows) == list(slow._rows)
    assert fast._index == slow._index
    assert fast._blocks._blocks == slow._blocks._blocks
    assert list(fast._pending) == list(slow._pending)
    assert fast.find("phone", "+84000000650") == _record(650)
    assert fast.get(_key(650, kind)) == _record(650)


def test_a_miss_reads_no_row(located: list[tuple[str, object]]) -> None:
    table = MemoryTable()
    _fill(table, 400, 1)
    assert table.find("phone", "+84999999999") is None
    assert table.find("nothing", "x") is None
    assert table.conflict({"phone": "+84999999999", "email": None}) is None
    table.insert(BIG + 10_000, _record(10_000), {"phone": "+84999999999"})
    assert located == [], "a free value was read as if taken"
    with pytest.raises(Conflict) as caught:
        table.insert(BIG + 10_001, _record(10_001), {"phone": "+84000000005"})
    assert caught.value.field == "phone" and caught.value.existing == _record(5)
    assert located == [("phone", "+84000000005")]


def test_a_key_and_value_hashed_once_find_their_row_after_its_block_is_compacted() -> None:
    table = MemoryTable()
    _fill(table, 256 + 2 * memtable.BATCH, 2)  # grown, then two batches in blocks
    rows = table._rows
    kept = rows[memtable._slot(("shop", 300))]
    assert type(kept) is int, "the row is not in a block"
    number = kept >> 17
    neighbours = [n for n in range(256, 256 + 2 * memtable.BATCH)
                  if type(rows[memtable._slot(("shop", n))]) is int and rows[memtable._slot(("shop", n))] >> 17 == number]
    others = [n for n in neighbours if n != 300]
    for n in others[: len(neighbours) // 2 + 1]:  # more than half of the block gone: compacted
        assert table.delete(("shop", n)) == _record(n)
    assert number not in table._blocks._blocks, "the block was not compacted"
    assert type(rows[memtable._slot(("shop", 300))]) is bytes, "its live rows are written plain again"
    assert table.get(("shop", 300)) == _record(300)
    assert table.find("phone", "+84000000300") == _record(300)
    with pytest.raises(Conflict) as caught:
        table.insert(("shop", 99_999), _record(99_999), {"phone": "+84000000300"})
    assert caught.value.field == "phone" and caught.value.existing == _record(300)
    with pytest.raises(Conflict) as caught:
        table.insert(("shop", 300), _record(300), {"phone": "+84000099999"})
    assert caught.value.field == "id" and caught.value.existing == _record(300)


@pytest.mark.parametrize("kind", range(4), ids=["int", "big-int", "tuple", "str"])
def test_uniqueness_holds_across_a_block_boundary(kind: int) -> None:
    table = MemoryTable()
    _fill(table, 256 + memtable.BATCH + 3, kind)  # one batch in blocks, three rows still plain
    rows = table._rows
    compressed, plain = 256 + memtable.BATCH - 1, 256 + memtable.BATCH + 1
    assert type(rows[memtable._slot(_key(compressed, kind))]) is int
    assert type(rows[memtable._slot(_key(plain, kind))]) is bytes
    for holder in (compressed, plain):
        with pytest.raises(Conflict) as caught:
            table.insert(_key(50_000 + holder, kind), _record(0), {"phone": f"+84{holder:09d}"})
        assert caught.value.field == "phone" and caught.value.existing == _record(holder)
        with pytest.raises(Conflict) as caught:
            table.insert(_key(holder, kind), _record(0), {"phone": "+84777777777"})
        assert caught.value.field == "id" and caught.value.existing == _record(holder)
        clash = table.conflict({"phone": f"+84{holder:09d}"})
        assert clash is not None and clash.existing == _record(holder)
        assert table.conflict({"phone": f"+84{holder:09d}"}, ignore=_key(holder, kind)) is None
    assert table.find("phone", "+84777777777") is None
    assert len(table) == 256 + memtable.BATCH + 3


def test_a_value_sharing_a_hash_with_a_taken_one_is_indexed_by_value(monkeypatch: pytest.MonkeyPatch) -> None:
    table = MemoryTable()
    _fill(table, 300, 1)
    monkeypatch.setattr(memtable, "_MASK", 0)  # every value now hashes to 0, which no row's value took
    table.insert(BIG + 1_000, _record(1_000), {"phone": "a"})
    table.insert(BIG + 1_001, _record(1_001), {"phone": "b"})  # hash 0 taken by "a": the spill index
    assert table._spindex == {"phone": {"b": BIG + 1_001}}
    assert table.find("phone", "a") == _record(1_000)
    assert table.find("phone", "b") == _record(1_001)
    with pytest.raises(Conflict) as caught:
        table.insert(BIG + 1_002, _record(1_002), {"phone": "b"})
    assert caught.value.field == "phone" and caught.value.existing == _record(1_001)


@pytest.mark.parametrize("first", ["mockserver.core.store", "mockserver.core.memtable"])
def test_the_packed_table_is_loaded_with_the_store_not_at_the_first_growth(first: str) -> None:
    # A table grows in a request (its SMALL_TABLE + 1st insert): loading core.memtable there (compiling it
    # without a fresh .pyc) cost ~36M instructions.  Either module may be imported first.
    code = (f"import sys, {first}\n"
            "print('mockserver.core.memtable' in sys.modules)\n"
            "from mockserver.core.store import MemoryTable\n"
            "t = MemoryTable()\n"
            "for n in range(300): t.insert(n, {'id': n}, {'email': f'{n}@x'})\n"
            "print(type(t).__name__, t.find('email', '299@x'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["True", "PackedTable {'id': 299}"]


def test_with_spilled_keys_and_values_a_free_key_or_value_still_reads_no_row(
        located: list[tuple[str, object]], monkeypatch: pytest.MonkeyPatch) -> None:
    # Past ~50k rows a few keys and values share a 30-bit hash (spilled): their presence must not
    # send every later insert, find and conflict the long way.
    table = MemoryTable()
    _fill(table, 300, 1)
    mask = memtable._MASK
    monkeypatch.setattr(memtable, "_MASK", 0)  # every key and value on hash 0 (no row's key or value has it)
    table.insert("x1", _record(1_001), {"phone": "a"})
    table.insert("x2", _record(1_002), {"phone": "b"})  # slot 0 and value hash 0 taken: both spilled
    assert list(table._spill) == ["x2"] and table._spindex == {"phone": {"b": "x2"}}
    monkeypatch.setattr(memtable, "_MASK", mask)
    gets: list[object] = []
    get = memtable.PackedTable.get
    monkeypatch.setattr(memtable.PackedTable, "get", lambda self, key: gets.append(key) or get(self, key))
    located.clear()
    assert table.find("phone", "+84999999999") is None
    assert table.conflict({"phone": "+84999999999"}) is None
    table.insert(BIG + 5_000, _record(5_000), {"phone": "+84999999999"})
    assert located == [] and gets == []
    assert table.find("phone", "b") == _record(1_002)  # the spilled value: found by value
    with pytest.raises(Conflict) as caught:
        table.insert("x2", _record(1_003), {"phone": "c"})  # the spilled key, on another slot now: still taken
    assert caught.value.field == "id" and caught.value.existing == _record(1_002)
    with pytest.raises(Conflict) as caught:
        table.insert("x3", _record(1_003), {"phone": "b"})
    assert caught.value.field == "phone" and caught.value.existing == _record(1_002)
