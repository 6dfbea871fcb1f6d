"""A value as one bytes object, and back, exactly: how the memory store keeps records.

A bytes object is invisible to CPython's cyclic collector, where a dict of
lists is a graph it walks (see ``core.store``).  The usual record is packed as
its JSON text by orjson (~0.3-0.6 us, unpacked in ~0.3-1.5 us).  What orjson
refuses, a vendor may still have accepted and stored (a body nested 20,000
levels deep, a lone surrogate, an integer past 64 bits: see
``core.deepjson``), so those records are packed another way: flattened without
recursion into one list of scalars and container marks, which ``marshal``
writes (format 2: no back-references, so equal values pack to equal bytes,
which a composite key needs).  Either way a record reads back equal, with its
types, except as JSON has it: a tuple reads back as a list, and a float that
is not finite as None (orjson writes null; so does every answer).
"""

from __future__ import annotations

import marshal
from collections.abc import Hashable
from typing import Any

import orjson

# Types orjson would write as something else than they read back (a datetime as
# a str, a dataclass as a dict, a str subclass as a str): not JSON, so they take
# the other way, which refuses them (TypeError) unless marshal keeps them exactly.
_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
_OTHER = b"\x00"  # the first byte of the other way's output: JSON text never starts with it
_MARSHAL_FORMAT = 2
_NO_KEY = object()
_EMPTY = b""
_dumps, _loads, JSONDecodeError = orjson.dumps, orjson.loads, orjson.JSONDecodeError


def pack(value: Any) -> bytes:
    """``value`` (JSON data: dicts with str keys, lists, str, int, float, bool, None) as bytes."""
    try:
        # orjson's output keeps its ~4 KB working buffer whatever its length (100,000 small
        # records held 393 MiB): kept, a copy of the exact size (36 MiB).  join() makes one
        # in ~60 ns, bytes(memoryview()) in ~150 (with one part alone, join returns it as is).
        return _EMPTY.join((_dumps(value, option=_STRICT), _EMPTY))
    except orjson.JSONEncodeError:
        pass
    try:
        return _OTHER + marshal.dumps(_flatten(value), _MARSHAL_FORMAT)
    except ValueError as exc:  # marshal: "unmarshallable object"
        raise TypeError(f"cannot store {type(value).__name__} holding a value that is not JSON data: {exc}") from None


def unpack(packed: bytes) -> Any:
    """The value ``pack`` was given, as a fresh object."""
    try:
        return _loads(packed)
    except JSONDecodeError:
        return _unflatten(marshal.loads(memoryview(packed)[1:]))


def pack_key(key: Hashable) -> bytes:
    """A table key (str, int or a tuple of them) as a persistent store keeps it: packed, so a tuple
    and its items never collide with a plain key (the SQLite and Redis stores)."""
    if type(key) is bytes:
        raise TypeError("a table key is a str, an int or a tuple of them, not bytes")
    return pack(key)


def unpack_key(kept: bytes) -> Hashable:
    """A key as ``pack_key`` kept it, as it was given (a tuple reads back as a list: made a tuple again)."""
    key = unpack(kept)
    return tuple(key) if type(key) is list else key


def _flatten(value: Any) -> list[Any]:
    """``value`` in prefix order: a container as ("d" or "l", item count), then its items (a dict's as key, value)."""
    out: list[Any] = []
    work = [value]  # what is still to write, next last
    while work:
        item = work.pop()
        kind = type(item)
        if kind is dict:
            out.append(("d", len(item)))
            for key, member in reversed(item.items()):
                work.append(member)
                work.append(key)
        elif kind is list or kind is tuple:  # a tuple as a list, as orjson writes it
            out.append(("l", len(item)))
            work.extend(reversed(item))
        else:
            out.append(item)  # a scalar (a tuple never is one here: tuples are marks)
    return out


def _unflatten(flat: list[Any]) -> Any:
    stack: list[list[Any]] = []  # the open containers, innermost last: [kind, items still to come, container, key]
    for token in flat:
        if type(token) is tuple:
            kind, count = token
            if count:
                stack.append([kind, count, {} if kind == "d" else [], _NO_KEY])
                continue
            value: Any = {} if kind == "d" else []
        else:
            value = token
        while stack:  # a complete value: into its container, and upward as containers complete
            frame = stack[-1]
            kind, _, box, key = frame
            if kind == "d":
                if key is _NO_KEY:
                    frame[3] = value  # a key: its value comes next
                    break
                box[key] = value
                frame[3] = _NO_KEY
            else:
                box.append(value)
            frame[1] -= 1
            if frame[1]:
                break
            stack.pop()
            value = box
        else:
            return value
    raise ValueError("packed value cut short")
