"""The one reading of an ``Authorization`` header, shared by every vendor and the admin guard.

``Authorization: <scheme> <credentials>`` (RFC 7235 section 2.1): the scheme is
case-insensitive, so ``bearer x`` and ``BEARER x`` are the Bearer token ``x``.
Blanks around the whole value and around the credentials are ignored (servers
strip the value's ends anyway; clients that pad the token exist).  The scheme
ends at the first space: ``Bearer\\tx`` is a scheme of its own, not Bearer.

What a vendor answers for a missing, blank or foreign header is the vendor's
own business (its catalog); this module only says what the header holds.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")

_BEARER_PREFIX = "Bearer "


def authorization(header: str | None) -> tuple[str, str]:
    """``(scheme in lower case, credentials)`` of an Authorization header; ``("", "")`` when absent or blank."""
    if not header:
        return "", ""
    scheme, _, credentials = header.strip().partition(" ")
    return scheme.lower(), credentials.strip()


def bearer_token(header: str | None) -> str:
    """The token of ``Bearer <token>`` (scheme in any case), or "" for any other header, a blank or no token."""
    if header is not None and header.startswith(_BEARER_PREFIX):
        # The usual spelling, without the partition: the same token authorization() gives.
        return header[len(_BEARER_PREFIX):].strip()
    scheme, token = authorization(header)
    return token if scheme == "bearer" else ""


def remembered(reader: Callable[[str], T]) -> Callable[[str], T]:
    """A vendor's reader of the Authorization header (header -> its token), answers remembered.

    A client sends the same header on every call, so it is taken apart (and any
    format check run) once.  A reader raises the vendor's error for a header it
    refuses: that is never remembered, so a bad header is judged on every call.
    The reader must depend on the header alone (no state, no clock).
    """
    return lru_cache(maxsize=1024)(reader)
