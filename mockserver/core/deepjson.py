"""Decoding JSON that orjson refuses but a vendor's own parser accepts, at any depth.

orjson is every vendor's fast decoder.  It refuses some valid JSON: lone
surrogate escapes (``"\\ud800"``), numbers past a double (``1e400``), nesting past
1024 levels, and (on bytes) invalid UTF-8.  Several backends (Go's
``encoding/json``, V8's ``JSON.parse``) accept all of these.  The stdlib's
``json.loads`` would too, but it recurses in C per level (a RecursionError near
Python's recursion limit, sooner when called deep in a stack) and refuses
integers of more than 4300 digits; walking its result to fix strings up recurses
again.  This decoder keeps its own stack: any depth a caller allows costs memory
only.

It runs on the slow path only, after the vendor's own scanner has found the
text valid (its error wording is the vendor's), so it trusts the structure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

_WS = r"[ \t\n\r]*"
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
# One step after optional whitespace.  Runs of brackets and an object's key with its
# colon are single steps, so a level of nesting costs one match at most.
_STEP = re.compile(
    rf"{_WS}(?:"
    rf"(\[(?:{_WS}\[)*)"  # 1: a run of array openers
    rf"|([\]}}](?:{_WS}[\]}}])*)"  # 2: a run of closers
    rf"|([{{,]){_WS}({_STRING}){_WS}:"  # 3, 4: an object's opener or a comma, then a key and its colon
    rf"|([{{,])"  # 5: an empty object's opener, or a comma between array elements
    rf"|({_STRING})"  # 6: a string value
    rf'|([^ \t\n\r\[\]{{}},:"]+)'  # 7: a number or a literal
    rf")"
)
_SPACE = re.compile(_WS)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERALS: dict[str, bool | None] = {"true": True, "false": False, "null": None}
_NOTHING = object()


def _same(text: str) -> str:
    return text


def _unquoted(quoted: str) -> str:
    # Without a backslash a valid JSON string is its own content (no control characters).
    return quoted[1:-1] if "\\" not in quoted else json.loads(quoted)


def number(word: str) -> int | float:
    """A JSON number as ``json.loads`` decodes it, except that an integer too long for
    ``int()`` (over 4300 digits) is a float (inf), as a double-only parser reads it."""
    if _NUMBER.fullmatch(word) is None:
        raise ValueError(f"not a JSON number: {word[:20]!r}")
    if "." in word or "e" in word or "E" in word:
        return float(word)
    try:
        return int(word)
    except ValueError:
        return float(word)


def loads(text: str, string: Callable[[str], str] = _same) -> Any:
    """The value of valid JSON ``text``; ``string`` maps every decoded string (keys too).

    Objects keep the last of duplicate keys, as ``json.loads`` does.  Raises ValueError
    for text that is not JSON (a caller's bug: callers check validity first).
    """
    stack: list[Any] = []  # the open containers, innermost last
    keys: list[Any] = []  # beside each: the key its next value goes to (objects only)
    result: Any = _NOTHING
    pos = 0
    while True:
        step = _STEP.match(text, pos)
        if step is None:
            break
        pos = step.end()
        openers, closers, start, key, bare, quoted, word = step.groups()
        if closers is not None:
            count = closers.count("]") + closers.count("}")
            if count > len(stack):
                raise ValueError(f"not JSON at {pos}")
            del stack[-count:], keys[-count:]
            continue
        if start == ",":  # the next member of an object
            keys[-1] = string(_unquoted(key))
            continue
        if bare == ",":
            continue
        if openers is not None:
            value: Any = []
        elif start is not None or bare is not None:  # "{"
            value = {}
        elif quoted is not None:
            value = string(_unquoted(quoted))
        else:
            value = _LITERALS[word] if word in _LITERALS else number(word)
        if stack:
            top = stack[-1]
            if type(top) is list:
                top.append(value)
            else:
                top[keys[-1]] = value
        elif result is _NOTHING:
            result = value
        else:
            raise ValueError(f"not JSON at {pos}")
        if openers is not None:
            stack.append(value)
            keys.append(None)
            for _ in range(openers.count("[") - 1):  # the rest of the run, each inside the last
                inner: list[Any] = []
                value.append(inner)
                stack.append(inner)
                keys.append(None)
                value = inner
        elif start is not None or bare is not None:
            stack.append(value)
            keys.append(None if key is None else string(_unquoted(key)))
    if result is _NOTHING or stack or _SPACE.fullmatch(text, pos) is None:  # only whitespace may follow
        raise ValueError(f"not JSON at {pos}")
    return result


class _Text(str):
    """Output already written as JSON (a bracket, a comma, a key and its colon)."""


def dumps(value: Any) -> str:
    """Compact JSON of ``value``, as ``orjson.dumps`` writes it, at any depth.

    orjson refuses nesting past 254 levels (and integers past 64 bits): those are
    written here with a stack of their own, scalars still by orjson.
    """
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        pass
    out: list[str] = []
    work: list[Any] = [value]  # what is still to write, next last
    while work:
        item = work.pop()
        if type(item) is _Text:
            out.append(item)
        elif isinstance(item, list):
            out.append("[")
            work.append(_Text("]"))
            for index in range(len(item) - 1, -1, -1):
                work.append(item[index])
                if index:
                    work.append(_Text(","))
        elif isinstance(item, dict):
            out.append("{")
            work.append(_Text("}"))
            pairs = list(item.items())
            for index in range(len(pairs) - 1, -1, -1):
                key, member = pairs[index]
                work.append(member)
                work.append(_Text(orjson.dumps(str(key)).decode() + ":"))
                if index:
                    work.append(_Text(","))
        elif isinstance(item, int) and not isinstance(item, bool):
            out.append(str(item))
        else:
            out.append(orjson.dumps(item).decode())
    return "".join(out)
