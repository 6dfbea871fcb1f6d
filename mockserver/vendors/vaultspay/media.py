"""VaultsPay request bodies: the Content-Type Spring MVC reads a ``@RequestBody`` with.

[INF] VaultsPay is a Spring Boot backend (its field errors are Hibernate Validator's
default texts, vendor-wire-details.md §1).  Spring picks the message converter by the
request's Content-Type; its Jackson converter reads ``application/json`` and
``application/*+json`` (type and subtype case-insensitive, parameters allowed) in the
charsets Jackson decodes (UTF-8/16/32 and US-ASCII).  Any other type - ``text/plain``,
a form, a wildcard - or another charset is HttpMediaTypeNotSupportedException: 415.  A
request with a body but no Content-Type is read as ``application/octet-stream``: 415
too; with neither, there is no body to convert ("Required request body is missing"),
which is a malformed body here.

Checked after the access token (Spring Security's filter runs before the dispatcher).
"""

from __future__ import annotations

from ...core.errors import BadContentType, MalformedBody
from ...core.vendor import Call

_JSON = "application/json"
# Jackson's JsonEncoding names plus US-ASCII, as AbstractJackson2HttpMessageConverter
# accepts them: the bytes are read in that charset (None: UTF-8 as it is).
_CHARSETS: dict[str, str | None] = {
    "utf-8": None, "us-ascii": None,
    "utf-16": "utf-16", "utf-16be": "utf-16-be", "utf-16le": "utf-16-le",
    "utf-32": "utf-32", "utf-32be": "utf-32-be", "utf-32le": "utf-32-le",
}


def json_body(call: Call) -> bytes:
    """The body as UTF-8 JSON text, or BadContentType (415) for a type Spring cannot read."""
    header = call.headers.get("content-type")
    if header == _JSON:  # what nearly every client sends: nothing to parse
        return call.body
    if header is None:
        if call.body:
            raise BadContentType("application/octet-stream")
        return call.body
    return _read(header, call.body)


def _read(header: str, body: bytes) -> bytes:
    media, _, rest = header.partition(";")
    media = media.strip().lower()
    kind, _, subtype = media.partition("/")
    if kind != "application" or not (subtype == "json" or (subtype.endswith("+json") and subtype[:-5] not in ("", "*"))):
        raise BadContentType(header)
    codec = None
    for parameter in rest.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "charset":
            continue
        charset = value.strip().strip('"').lower()
        if charset not in _CHARSETS:
            raise BadContentType(header)
        codec = _CHARSETS[charset]
    if codec is None:
        return body
    try:
        return body.decode(codec).encode("utf-8", "surrogatepass")
    except UnicodeError:
        raise MalformedBody(f"not {codec} text") from None
