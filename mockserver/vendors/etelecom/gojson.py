"""Go ``encoding/json`` semantics for a request body, as eTop's decoder sees it.

The eTelecom backend is Go: its Twirp-style layer unmarshals the body into a
request struct and answers ``malformed`` with the decoder's error text in
``meta.cause``.  So a client sees Go's exact wording ("invalid character 'x'
looking for beginning of value", "json: cannot unmarshal number into Go struct
field ...") and Go's leniencies (``null`` is an empty struct, unknown keys are
ignored, key matching is case-insensitive).  orjson decodes the happy path; the
scanner below only runs to phrase an error, so it costs nothing per request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson

from ...core import deepjson
from ...core.errors import MalformedBody

_SPACE = frozenset(b" \t\r\n")
_DIGITS = frozenset(b"0123456789")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_ESCAPES = frozenset(b'bfnrt\\/"')
_LITERALS = {ord("t"): b"true", ord("f"): b"false", ord("n"): b"null"}
_LITERAL_NAMES = {b"true": "true", b"false": "false", b"null": "null"}

_SURROGATE = re.compile("[\ud800-\udfff]")

EOF_CAUSE = "unexpected end of JSON input"


class GoDecodeError(MalformedBody):
    """The body cannot be unmarshalled; ``cause`` is Go's ``err.Error()``.

    A core ``MalformedBody`` whose detail is the cause: a handler lets it go, and
    errors.PROBLEMS answers it as Twirp's ``malformed`` with ``meta.cause``.
    """

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


def go_quote(text: str) -> str:
    """Go's ``%q`` / ``strconv.Quote`` for a string (printable runes kept)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


_SIMPLE_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _quote_char(byte: int) -> str:
    # encoding/json's quoteChar: a byte shown as a Go rune literal.
    if byte == 0x27:
        return "'\\''"
    if byte == 0x22:
        return "'\"'"
    return "'" + go_quote(chr(byte))[1:-1] + "'"


def _invalid(byte: int, context: str) -> GoDecodeError:
    return GoDecodeError(f"invalid character {_quote_char(byte)} {context}")


MAX_NESTING_DEPTH = 10000  # encoding/json's maxNestingDepth: the scanner refuses the 10001st open bracket


def syntax_error(body: bytes) -> str | None:
    """Go's checkValid: the first syntax error in ``body``, or None if valid.

    A port of encoding/json's scanner, reduced to what decides the error text:
    where it happens and what the scanner was looking for.  Iterative, as Go's
    scanner is: its stack of open containers is a bytearray here, bounded by
    ``MAX_NESTING_DEPTH`` as Go bounds it ("invalid character '[' exceeded max
    depth"), so no depth reaches Python's recursion limit.
    """
    try:
        _scan(body)
    except GoDecodeError as err:
        return err.cause
    return None


def _scan(data: bytes) -> None:
    n = len(data)
    closers = bytearray()  # per open container, the byte that closes it: its length is the depth

    def skip(i: int) -> int:
        while i < n and data[i] in _SPACE:
            i += 1
        return i

    def key(i: int) -> int:
        """An object key and its colon at ``i``; the index after the colon."""
        i = skip(i)
        if i >= n:
            raise GoDecodeError(EOF_CAUSE)
        if data[i] != 0x22:
            raise _invalid(data[i], "looking for beginning of object key string")
        i = skip(string(i))
        if i >= n:
            raise GoDecodeError(EOF_CAUSE)
        if data[i] != 0x3A:
            raise _invalid(data[i], "after object key")
        return i + 1

    def string(i: int) -> int:
        i += 1  # opening quote
        while i < n:
            c = data[i]
            if c == 0x22:
                return i + 1
            if c == 0x5C:
                i += 1
                if i >= n:
                    break
                if data[i] == 0x75:  # \u
                    for k in range(1, 5):
                        if i + k >= n:
                            raise GoDecodeError(EOF_CAUSE)
                        if data[i + k] not in _HEX:
                            raise _invalid(data[i + k], "in \\u hexadecimal character escape")
                    i += 5
                    continue
                if data[i] not in _ESCAPES:
                    raise _invalid(data[i], "in string escape code")
            elif c < 0x20:
                raise _invalid(c, "in string literal")
            i += 1
        raise GoDecodeError(EOF_CAUSE)

    def number(i: int) -> int:
        if data[i] == 0x2D:
            i += 1
            if i >= n:
                raise GoDecodeError(EOF_CAUSE)
            if data[i] not in _DIGITS:
                raise _invalid(data[i], "in numeric literal")
        if data[i] == 0x30:
            i += 1
        else:
            while i < n and data[i] in _DIGITS:
                i += 1
        if i < n and data[i] == 0x2E:
            i += 1
            if i >= n:
                raise GoDecodeError(EOF_CAUSE)
            if data[i] not in _DIGITS:
                raise _invalid(data[i], "after decimal point in numeric literal")
            while i < n and data[i] in _DIGITS:
                i += 1
        if i < n and data[i] in (0x65, 0x45):
            i += 1
            if i < n and data[i] in (0x2B, 0x2D):
                i += 1
            if i >= n:
                raise GoDecodeError(EOF_CAUSE)
            if data[i] not in _DIGITS:
                raise _invalid(data[i], "in exponent of numeric literal")
            while i < n and data[i] in _DIGITS:
                i += 1
        return i

    i = 0
    while True:
        # One value at i.
        i = skip(i)
        if i >= n:
            raise GoDecodeError(EOF_CAUSE)
        c = data[i]
        if c == 0x7B or c == 0x5B:  # { [
            if len(closers) >= MAX_NESTING_DEPTH:  # Go's pushParseState, even for an empty one
                raise _invalid(c, "exceeded max depth")
            closer = c + 2  # } ]
            i = skip(i + 1)
            if i < n and data[i] == closer:
                i += 1
            else:
                closers.append(closer)
                if c == 0x7B:
                    i = key(i)
                continue  # the first member's value
        elif c == 0x22:
            i = string(i)
        elif c == 0x2D or c in _DIGITS:
            i = number(i)
        elif c in _LITERALS:
            word = _LITERALS[c]
            for k in range(1, len(word)):
                if i + k >= n:
                    raise GoDecodeError(EOF_CAUSE)
                if data[i + k] != word[k]:
                    raise _invalid(data[i + k], f"in literal {_LITERAL_NAMES[word]} (expecting {_quote_char(word[k])})")
            i += len(word)
        else:
            raise _invalid(c, "looking for beginning of value")
        # A value ended at i: close containers until a comma starts the next value.
        while True:
            i = skip(i)
            if not closers:
                if i < n:
                    raise _invalid(data[i], "after top-level value")
                return
            if i >= n:
                raise GoDecodeError(EOF_CAUSE)
            c, closer = data[i], closers[-1]
            if c == closer:
                closers.pop()
                i += 1
                continue
            if c != 0x2C:
                raise _invalid(c, "after object key:value pair" if closer == 0x7D else "after array element")
            i += 1
            if closer == 0x7D:
                i = key(i)
            break


def json_kind(value: Any) -> str:
    """The JSON kind Go names in an UnmarshalTypeError."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def decode_object(body: bytes, go_type: str, fields: Mapping[str, str]) -> dict[str, Any]:
    """Unmarshal ``body`` into a Go struct whose JSON keys are ``fields``.

    Returns the recognised keys (canonical spelling, null ones dropped, as
    Go leaves them at their zero value).  ``fields`` maps each key to its Go
    type name, used only for phrasing type errors.
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        cause = syntax_error(body)
        if cause is not None:
            raise GoDecodeError(cause) from None
        # Valid JSON orjson refuses (invalid UTF-8, lone surrogate escapes, nesting past
        # 1024, numbers past a double): Go decodes it, putting U+FFFD for what is not
        # UTF-8.  Without recursion: the scan allowed up to MAX_NESTING_DEPTH levels.
        data = deepjson.loads(body.decode("utf-8", "replace"), _replace_surrogates)
    if data is None:  # Go: unmarshalling null into a struct is a no-op
        return {}
    if not isinstance(data, dict):
        raise GoDecodeError(f"json: cannot unmarshal {json_kind(data)} into Go value of type {go_type}")
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = key if key in fields else _fold(key, fields)
        # null leaves a Go string/slice at its zero value: same as absent.
        if name is not None and value is not None:
            out[name] = value
    return out


def _replace_surrogates(text: str) -> str:
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def _fold(key: str, fields: Mapping[str, str]) -> str | None:
    # encoding/json matches keys case-insensitively when there is no exact match.
    lowered = key.casefold()
    for name in fields:
        if name.casefold() == lowered:
            return name
    return None


def type_error(go_type: str, field: str, value: Any, field_type: str) -> str:
    """Go's UnmarshalTypeError text for a struct field."""
    struct = go_type.rpartition(".")[2]
    return f"json: cannot unmarshal {json_kind(value)} into Go struct field {struct}.{field} of type {field_type}"
