"""Framing: how an answer becomes HTTP/1.1 bytes or ASGI messages, in one place.

Every vendor answer is framed here and nowhere else, so the transports cannot drift:

- ``Framing.head``: the status line, ``content-type``, ``content-length`` and the reply's
  extra header lines, each ending in CRLF (the blank line that ends the head is the
  transport's: ``mockserver.wire`` may put ``connection: close`` before it).  The fast
  transport's direct answers and its respond extension write ``head + b"\\r\\n" + payload``.
- ``Framing.headers``: the same header lines as ASGI's list of byte pairs, what the
  ASGI path hands ``send`` (stock uvicorn, the in-process transport, faults).

Both take the extra headers already checked by ``checked_headers`` (a lower-cased token
name, a value without control characters, Latin-1), which drops and logs a header that
could split the head, so a bad header is dropped the same way whichever transport serves.
The status lines are uvicorn's own (``HTTP/1.1 <code> <phrase>`` from ``http.HTTPStatus``
for 100-599; an unnamed code gets an empty phrase), so a direct answer is byte for byte
what uvicorn's ``send`` writes (tests/core/test_wire.py compares the two tables).
"""

from __future__ import annotations

import http
import logging
import re
from collections.abc import Iterable
from typing import Any

log = logging.getLogger("mockserver")

Pairs = tuple[tuple[bytes, bytes], ...]


def _status_line(code: int) -> bytes:
    try:
        phrase = http.HTTPStatus(code).phrase.encode()
    except ValueError:
        phrase = b""
    return b"HTTP/1.1 %d %s\r\n" % (code, phrase)


# Each status code's response line ("status line"), as uvicorn writes it.
RESPONSE_LINES: dict[int, bytes] = {code: _status_line(code) for code in range(100, 600)}

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+")  # a header name (RFC 9110 token), lower-cased
_UNSAFE_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # what would end or corrupt the line (uvicorn refuses it)


def checked_headers(headers: Iterable[tuple[str, Any]]) -> Pairs:
    """A reply's extra headers as lower-cased byte pairs; one that could break the head is left out (and logged)."""
    out = []
    for name, value in headers:
        name, text = name.lower(), str(value)
        try:
            if _TOKEN.fullmatch(name) and not _UNSAFE_VALUE.search(text):
                out.append((name.encode("ascii"), text.encode("latin-1")))
                continue
        except UnicodeEncodeError:
            pass
        log.error("dropped a reply header that would break the response head: %r", f"{name}: {text}")
    return tuple(out)


class Framing:
    """The framing of one content type's answers (each vendor has one)."""

    __slots__ = ("_lines", "_starts", "content_type")

    def __init__(self, content_type: bytes) -> None:
        self.content_type = content_type
        self._lines = b"content-type: " + content_type + b"\r\ncontent-length: "
        self._starts: dict[int, bytes] = {}  # status -> its line and the lines above: built on first use

    def head(self, status: int, length: int, extra: Pairs = ()) -> bytes | None:
        """Status line and header lines (each with its CRLF, no blank line); None for a status outside 100-599."""
        start = self._starts.get(status)
        if start is None:
            line = RESPONSE_LINES.get(status)
            if line is None:
                return None
            start = self._starts[status] = line + self._lines
        head = start + b"%d\r\n" % length  # one formatting step (str().encode() and a concatenation cost ~40% more)
        if extra:
            head += b"".join(name + b": " + value + b"\r\n" for name, value in extra)
        return head

    def headers(self, length: int, extra: Pairs = ()) -> list[tuple[bytes, bytes]]:
        """The same header lines as ASGI's ``http.response.start`` headers."""
        return [(b"content-type", self.content_type), (b"content-length", b"%d" % length), *extra]


# A request's header names and values, bytes -> text, for the ones that come again and again (the
# host, the content type, a client's key...): a dict hit instead of a decode call, and every
# request has a handful of them.  Bounded: texts up to _CACHED_LENGTH bytes, and emptied once it
# holds _CACHED_TEXTS (then refilled with what clients send now).  Latin-1 decoding is a pure
# function of the bytes, so a cached text is exactly what decoding gives.
_TEXTS: dict[bytes, str] = {}
_CACHED_TEXTS = 1024
_CACHED_LENGTH = 128


def header_texts(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """ASGI's header pairs (lower-cased names) as a dict of texts (Latin-1, as HTTP/1.1 reads them),
    a repeated name keeping its last value: what ``{k.decode("latin-1"): v.decode("latin-1") ...}`` gives."""
    texts = _TEXTS
    headers: dict[str, str] = {}
    for name, value in raw:
        key = texts.get(name)
        if key is None:
            key = _text(name)
        text = texts.get(value)
        if text is None:
            text = _text(value)
        headers[key] = text
    return headers


def _text(raw: bytes) -> str:
    text = raw.decode("latin-1")
    if len(raw) <= _CACHED_LENGTH:
        if len(_TEXTS) >= _CACHED_TEXTS:
            _TEXTS.clear()
        _TEXTS[raw] = text
    return text
