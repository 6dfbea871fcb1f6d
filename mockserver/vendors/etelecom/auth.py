"""eTelecom API keys: ``Authorization: Bearer <api_key>``.

A key belongs to one shop and carries the caller's roles in it (a partner
``shop_key`` acts as the owner).  eTop's session layer turns every failure
(no header, other scheme, unknown key, revoked key) into ``unauthenticated``
with the default message: it does not tell a client which part was wrong.
"""

from __future__ import annotations

from typing import Any

from ...core.errors import VendorError
from ...core.store import Table
from ...core.vendor import Call


def bearer_token(call: Call) -> str:
    """The token of ``Bearer <token>`` (scheme case-insensitive [INF]), or ""."""
    header = call.headers.get("authorization")
    if not header:
        return ""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


def authenticate(call: Call, keys: Table) -> dict[str, Any]:
    """The key's record ``{"shop_id", "roles", "revoked"}`` or unauthenticated."""
    header = call.headers.get("authorization")
    if header is not None and header.startswith("Bearer "):
        # The usual spelling: no leading blank, so bearer_token would cut right
        # after "Bearer" and strip the rest; the same token without the call.
        token = header[7:].strip()
    else:
        token = bearer_token(call)
    record = keys.get(token) if token else None
    # A revoked key answers like an unknown one: the token lookup finds no
    # live session, which eTop turns into the default unauthenticated [INF].
    if record is None or record["revoked"]:
        raise VendorError("unauthenticated")
    return record
