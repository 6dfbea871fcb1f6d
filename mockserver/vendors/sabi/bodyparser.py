"""What Express's body-parser (as registered by NestJS) makes of a request body.

[INF] Sabi runs NestJS on Express (Mongoose documents, see errors.py), whose
default parsers are ``json()`` and ``urlencoded({extended: true})``:

* ``application/json``: strict mode (top level must start with ``{`` or ``[``),
  an empty body is ``{}``, a non-UTF charset is a 415, and a syntax error is a
  ``SyntaxError`` whose message Nest returns verbatim in a 400.  The message
  is V8's ``JSON.parse`` text of Node <= 18 ("Unexpected token } in JSON at
  position 12"), reproduced here by a small scanner that only runs when the
  fast decoder (orjson) has already failed.
* ``application/x-www-form-urlencoded``: fields as strings (``a[b]=c`` nests).
* anything else (or no Content-Type): not parsed, ``req.body`` stays ``{}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson

from ...core import deepjson
from ...core.errors import VendorError

_WS = " \t\n\r"  # JSON whitespace, for V8 and for body-parser's strict check
_DIGITS = "0123456789"
_BOM = b"\xef\xbb\xbf"


# Content-Type headers clients send verbatim nearly every time: the general path below
# would find application/json with no charset or a UTF one, i.e. straight to parse_json.
_PLAIN_JSON = frozenset({
    "application/json", "application/json; charset=utf-8", "application/json;charset=utf-8",
    "application/json; charset=UTF-8", "application/json;charset=UTF-8",
})


def parse(content_type: str | None, body: bytes) -> Any:
    """The value NestJS hands to the ValidationPipe (dict, list or, for strict JSON, never a scalar)."""
    if not content_type or not body:
        return {}
    if content_type in _PLAIN_JSON:
        return parse_json(body)
    mime, _, params = content_type.partition(";")
    mime = mime.strip().lower()
    if mime == "application/json":
        charset = _charset(params)
        if charset and not charset.startswith("utf-"):
            raise VendorError("UNSUPPORTED_MEDIA_TYPE", message=f'unsupported charset "{charset.upper()}"')
        return parse_json(body)
    if mime == "application/x-www-form-urlencoded":
        return _parse_form(body)
    return {}


def _charset(params: str) -> str:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""


def parse_json(body: bytes) -> Any:
    if body.startswith(_BOM):  # iconv-lite strips it before JSON.parse sees the text
        body = body[3:]
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _slow_path(body.decode("utf-8", "replace"))
    if not isinstance(data, (dict, list)):
        text = body.decode("utf-8", "replace")
        raise _syntax_error(_strict_violation(text))
    return data


def _slow_path(text: str) -> Any:
    first = _first_char_index(text)
    if first is None or text[first] not in "{[":
        raise _syntax_error(_strict_violation(text))
    problem = v8_syntax_error(text)
    if problem is not None:
        raise _syntax_error(problem)
    # JSON.parse accepts what orjson refuses (lone surrogate escapes, invalid UTF-8
    # already replaced by U+FFFD, numbers past a double, nesting past 1024 levels: V8's
    # parser is iterative and has no depth limit): decoded without recursion.
    try:
        return deepjson.loads(text, _scrub)
    except ValueError:  # not reached: the scanner above found the text valid
        raise _syntax_error("Unexpected end of JSON input") from None


def _scrub(text: str) -> str:
    """Replace lone surrogates so the value can be re-encoded as UTF-8 later."""
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


def _syntax_error(message: str) -> VendorError:
    return VendorError("BAD_REQUEST", message=message)


def _first_char_index(text: str) -> int | None:
    for i, char in enumerate(text):
        if char not in _WS:
            return i
    return None


def _strict_violation(text: str) -> str:
    """body-parser's createStrictSyntaxError: JSON.parse of '#'-masked text, '#' put back."""
    first = _first_char_index(text)
    if first is None:
        return "Unexpected end of JSON input"
    return f"Unexpected token {text[first]} in JSON at position {_position(text, first)}"


def _position(text: str, index: int) -> int:
    # JS strings count UTF-16 code units.
    if text.isascii():
        return index
    return len(text[:index].encode("utf-16-le")) // 2


class _Unexpected(Exception):
    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def _unexpected_message(text: str, index: int) -> str:
    """V8 (Node <= 18) JsonParser::ReportUnexpectedToken for the character at index."""
    if index >= len(text):
        return "Unexpected end of JSON input"
    char = text[index]
    position = _position(text, index)
    if char == '"':
        return f"Unexpected string in JSON at position {position}"
    if char == "-" or char in _DIGITS:
        return f"Unexpected number in JSON at position {position}"
    return f"Unexpected token {char} in JSON at position {position}"


def v8_syntax_error(text: str) -> str | None:
    """The SyntaxError message JSON.parse(text) would throw, or None if it parses.

    Iterative (V8's parser is too), so deep nesting cannot blow Python's stack.
    """
    try:
        _Scanner(text).run()
    except _Unexpected as exc:
        return _unexpected_message(text, exc.index)
    return None


class _Scanner:
    __slots__ = ("n", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def ws(self, i: int) -> int:
        text, n = self.text, self.n
        while i < n and text[i] in _WS:
            i += 1
        return i

    def expect(self, i: int, char: str) -> int:
        if i >= self.n or self.text[i] != char:
            raise _Unexpected(i)
        return i + 1

    def run(self) -> None:
        text, n = self.text, self.n
        stack: list[str] = []
        i = 0
        while True:
            # ---- one value at i
            i = self.ws(i)
            if i >= n:
                raise _Unexpected(i)
            char = text[i]
            if char == "{":
                i = self.ws(i + 1)
                if i < n and text[i] == "}":
                    i += 1
                else:
                    i = self.key(i)
                    stack.append("}")
                    continue
            elif char == "[":
                i = self.ws(i + 1)
                if i < n and text[i] == "]":
                    i += 1
                else:
                    stack.append("]")
                    continue
            elif char == '"':
                i = self.string(i)
            elif char == "-" or char in _DIGITS:
                i = self.number(i)
            elif char == "t":
                i = self.literal(i, "true")
            elif char == "f":
                i = self.literal(i, "false")
            elif char == "n":
                i = self.literal(i, "null")
            else:
                raise _Unexpected(i)
            # ---- value done: close containers or move to the next element
            while True:
                i = self.ws(i)
                if not stack:
                    if i < n:
                        raise _Unexpected(i)
                    return
                if i >= n:
                    raise _Unexpected(i)
                char = text[i]
                if char == ",":
                    i = self.ws(i + 1)
                    if stack[-1] == "}":
                        i = self.key(i)
                    break
                if char == stack[-1]:
                    stack.pop()
                    i += 1
                    continue
                raise _Unexpected(i)

    def key(self, i: int) -> int:
        if i >= self.n or self.text[i] != '"':
            raise _Unexpected(i)
        i = self.ws(self.string(i))
        return self.expect(i, ":")

    def string(self, i: int) -> int:
        text, n = self.text, self.n
        i += 1
        while i < n:
            char = text[i]
            if char == '"':
                return i + 1
            if char == "\\":
                i += 1
                if i >= n:
                    break
                escape = text[i]
                if escape == "u":
                    for _ in range(4):
                        i += 1
                        if i >= n or text[i] not in "0123456789abcdefABCDEF":
                            raise _Unexpected(i)
                elif escape not in '"\\/bfnrt':
                    raise _Unexpected(i)
            elif char < " ":
                raise _Unexpected(i)
            i += 1
        raise _Unexpected(n)

    def number(self, i: int) -> int:
        text, n = self.text, self.n
        if text[i] == "-":
            i += 1
        if i < n and text[i] == "0":
            i += 1
            if i < n and text[i] in _DIGITS:  # no leading zeros
                raise _Unexpected(i)
        elif i < n and text[i] in _DIGITS:
            i = self.digits(i)
        else:
            raise _Unexpected(i)
        if i < n and text[i] == ".":
            i += 1
            if i >= n or text[i] not in _DIGITS:
                raise _Unexpected(i)
            i = self.digits(i)
        if i < n and text[i] in "eE":
            i += 1
            if i < n and text[i] in "+-":
                i += 1
            if i >= n or text[i] not in _DIGITS:
                raise _Unexpected(i)
            i = self.digits(i)
        return i

    def digits(self, i: int) -> int:
        text, n = self.text, self.n
        while i < n and text[i] in _DIGITS:
            i += 1
        return i

    def literal(self, i: int, word: str) -> int:
        text, n = self.text, self.n
        for offset in range(1, len(word)):
            j = i + offset
            if j >= n or text[j] != word[offset]:
                raise _Unexpected(j)
        return i + len(word)


def _parse_form(body: bytes) -> dict[str, Any]:
    """urlencoded({extended: true}) for the shapes a create-user form can take."""
    out: dict[str, Any] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        parent, bracket, rest = name.partition("[")
        if bracket and rest.endswith("]") and "[" not in rest and parent:
            nested = out.get(parent)
            if not isinstance(nested, dict):
                nested = out[parent] = {}
            nested[rest[:-1]] = value
        else:
            out[name] = value
    return out
