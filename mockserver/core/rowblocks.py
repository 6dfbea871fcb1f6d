"""The compressed blocks of a grown memory table (core.memtable): many rows, one frame.

A ``PackedTable`` writes rows plain and compresses them ``BATCH`` at a time.
Each row its own frame cost ~2.4 us and ~67 bytes a row (the compressor
builds its entropy tables per frame); rows compressed TOGETHER, as one
frame, cost ~0.5-1 us and ~25-40 bytes a row.  So a batch becomes blocks
(of ``BLOCK_ROWS``), and the table's row dict maps such a row's slot to an
int reference (untracked, like the bytes it replaces):

    ref = block number << 17 | holds-its-key << 16 | position in the block

A block is ``head byte + frame``: the head is the table's dictionary bits
(which generation compressed it, as a lone row's first byte), the frame
decompresses to ``<q n, n slots, n + 1 offsets>`` then the rows' texts,
concatenated.  The slots let a mostly-dead block re-list its live rows
(``live``); the holds-key bit answers "is the slot the key?" without
opening the block.

Reading a row decompresses its block (~6-9 us for 32 user rows, ~11 KB)
and cuts the row out; the last two blocks opened are kept (bounded: two
payloads), so a run of reads of neighbours costs one decompression;
``texts`` opens each block once for a whole listing.  A row rewritten or
deleted leaves its block (``drop``): a block with no live row is freed (its
number reused, the last freed first), one less than half live is
compacted by the table (``PackedTable._left``: its live rows written plain
again, compressed
with the next batch), so the dead rows kept are bounded by the live ones.
Everything here is counted, never timed: the same writes leave the same
blocks.

``codec`` makes a table's compressor and decompressor for a dictionary
(Zstandard's, zlib's without it), sized for a block.
"""

from __future__ import annotations

import struct
import zlib
from array import array
from itertools import accumulate, pairwise
from typing import Any

_Q = struct.Struct("<q")
_UNPACK = _Q.unpack_from
KEYED = 1 << 16
_POSITION = KEYED - 1
SHIFT = 17


# Deflate: a 2 KB window (the dictionary plus one row), the smallest hash table.
_WBITS, _LEVEL, _MEMLEVEL = -11, 1, 1
# Level 1's parameters for a block (_BLOCK_SIZE), but a hash table of 2**9 entries (2 KB) instead of its
# 2**15 (128 KB): a block is a few dozen rows much alike and the dictionary, whose long matches a small
# table finds as well (2026-12-08, 32-row blocks of every vendor's users: each 0-2 bytes a row smaller,
# ~10% less time than 2**15, ~20% less than level 3), and each compression writes 2 KB of table, not
# 128 KB that would push the request path's own data out of the CPU's caches (a stock create: ~1-3%).
_ZSTD_HASH_LOG = 9
# What a block of rows is, roughly (BLOCK_ROWS user rows of ~350 bytes: ~11 KB): the compressor's window and
# tables are sized for it (~220 KB a table; 8 KB: ~190 KB and ~1-2 bytes a row more).
_BLOCK_SIZE = 16384


try:  # Zstandard, when installed (a dependency): ~4x faster than zlib each way at ~the same size
    import zstandard

    HAVE_ZSTD = True
except ImportError:  # pragma: no cover - zlib then, slower (~3-5 us a row more per create)
    HAVE_ZSTD = False


class _Deflate:
    """zlib with a preset dictionary, as ``zstandard``'s (de)compressors are called."""

    __slots__ = ("_deflater", "_inflater")

    def __init__(self, zdict: bytes) -> None:
        self._deflater = zlib.compressobj(_LEVEL, zlib.DEFLATED, _WBITS, _MEMLEVEL, zlib.Z_DEFAULT_STRATEGY, zdict=zdict)
        self._inflater = zlib.decompressobj(_WBITS, zdict=zdict)

    def compress(self, text: bytes) -> bytes:
        deflater = self._deflater.copy()  # primed with the dictionary once; each row from that state
        return deflater.compress(text) + deflater.flush()

    def decompress(self, packed: bytes | memoryview) -> bytes:
        return self._inflater.copy().decompress(packed)


def codec(zdict: bytes, use_zstd: bool = True) -> tuple[Any, Any]:
    """A table's compressor and decompressor (objects with ``compress``/``decompress``), primed with
    ``zdict``: Zstandard's, or zlib's if it is not installed or ``use_zstd`` is off (core.memtable)."""
    if not (HAVE_ZSTD and use_zstd):
        deflate = _Deflate(zdict)
        return deflate, deflate
    shared = zstandard.ZstdCompressionDict(zdict, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    # No magic number, checksum or dictionary id (a row is never read by anything else: 8 bytes
    # less a block); parameters for a block (_BLOCK_SIZE).
    params = zstandard.ZstdCompressionParameters(
        window_log=_BLOCK_SIZE.bit_length() - 1, hash_log=_ZSTD_HASH_LOG, chain_log=_ZSTD_HASH_LOG, search_log=1,
        min_match=5, target_length=0, strategy=zstandard.STRATEGY_FAST, format=zstandard.FORMAT_ZSTD1_MAGICLESS,
        write_checksum=False, write_content_size=True, write_dict_id=False,
    )
    compressor = zstandard.ZstdCompressor(dict_data=shared, compression_params=params)
    decompressor = zstandard.ZstdDecompressor(dict_data=shared, format=zstandard.FORMAT_ZSTD1_MAGICLESS)
    return compressor, decompressor


def ref(number: int, position: int, keyed: bool) -> int:
    return number << SHIFT | (KEYED if keyed else 0) | position


def cut(payload: bytes, position: int) -> bytes:
    """Row ``position``'s text out of a decompressed block."""
    n = _UNPACK(payload, 0)[0]
    ends = 8 + 8 * n + 8 * position
    base = 16 + 16 * n
    return payload[base + _UNPACK(payload, ends)[0]: base + _UNPACK(payload, ends + 8)[0]]


def split(payload: bytes) -> list[bytes]:
    """Every row's text out of a decompressed block."""
    n = _UNPACK(payload, 0)[0]
    ends = struct.unpack_from(f"<{n + 1}q", payload, 8 + 8 * n)
    base = 16 + 16 * n
    return [payload[base + start: base + end] for start, end in pairwise(ends)]


def slot_of(payload: bytes, position: int) -> int:
    return int(_UNPACK(payload, 8 + 8 * position)[0])


def join(texts: list[bytes], slots: list[int]) -> bytes:
    """A block's payload (what is compressed): counts, slots and offsets, then the texts."""
    n = len(texts)
    return struct.pack(f"<{2 * n + 2}q", n, *slots, *accumulate(map(len, texts), initial=0)) + b"".join(texts)


class Blocks:
    """A table's blocks: ``number -> head + frame`` in a dict of bytes (untracked), live rows per block."""

    __slots__ = ("_blocks", "_free", "_hot", "_hot_number", "_live", "_size", "_warm", "_warm_number", "decompressors")

    def __init__(self, decompressors: list[Any]) -> None:
        self._blocks: dict[int, bytes] = {}
        self._live = array("i")  # live rows per block number (0: free)
        self._size = array("i")  # rows written in the block
        self._free = array("i")  # numbers of freed blocks, reused last freed first
        self.decompressors = decompressors  # the table's, by generation (appended to as it renews)
        self._hot_number = self._warm_number = -1
        self._hot = self._warm = b""

    def __len__(self) -> int:
        return len(self._blocks)

    def add(self, head: int, frame: bytes, rows: int) -> int:
        """Keep a compressed block of ``rows`` rows; its number."""
        if self._free:
            number = self._free.pop()
            self._live[number] = self._size[number] = rows
        else:
            number = len(self._live)
            self._live.append(rows)
            self._size.append(rows)
        self._blocks[number] = bytes((head,)) + frame
        return number

    def text(self, reference: int) -> bytes:
        """A row's text, its block decompressed unless it is one of the last two opened."""
        number = reference >> SHIFT
        if number == self._hot_number:
            payload = self._hot
        elif number == self._warm_number:
            payload = self._warm
            self._warm, self._warm_number, self._hot, self._hot_number = self._hot, self._hot_number, payload, number
        else:
            payload = self.payload(number)
            self._warm, self._warm_number, self._hot, self._hot_number = self._hot, self._hot_number, payload, number
        return cut(payload, reference & _POSITION)

    def payload(self, number: int) -> bytes:
        block = self._blocks[number]
        opened: bytes = self.decompressors[(block[0] & 0x3E) >> 1].decompress(memoryview(block)[1:])
        return opened

    def texts(self, kept: list[Any], keyed_only: bool = False) -> list[Any]:
        """``kept`` (rows' bytes or references) with each reference (only those holding their key if
        ``keyed_only``) replaced by its text, each block decompressed once."""
        order = sorted(reference << 32 | i for i, reference in enumerate(kept)
                       if type(reference) is int and (not keyed_only or reference & KEYED))
        out = list(kept)
        number, texts = -1, []
        for item in order:
            reference = item >> 32
            if reference >> SHIFT != number:
                number = reference >> SHIFT
                texts = split(self.payload(number))
            out[item & 0xFFFFFFFF] = texts[reference & _POSITION]
        return out

    def drop(self, reference: int) -> int:
        """A row left its block: the block's number if it is now less than half live (to compact), else -1."""
        number = reference >> SHIFT
        live = self._live[number] - 1
        self._live[number] = live
        if live == 0:
            self.free(number)
            return -1
        return number if 2 * live < self._size[number] else -1

    def free(self, number: int) -> None:
        del self._blocks[number]
        self._live[number] = self._size[number] = 0
        self._free.append(number)
        if self._hot_number == number:
            self._hot_number, self._hot = -1, b""
        if self._warm_number == number:
            self._warm_number, self._warm = -1, b""

    def rows(self, number: int) -> int:
        """How many rows block ``number`` was written with."""
        return self._size[number]

    def cached(self) -> int:
        """How many decompressed blocks are kept (at most two)."""
        return (self._hot_number >= 0) + (self._warm_number >= 0)

    def stored_bytes(self) -> int:
        return sum(len(block) for block in self._blocks.values())
