"""eTelecom API keys: ``Authorization: Bearer <api_key>``.

A key belongs to one shop and carries the caller's roles in it (a partner
``shop_key`` acts as the owner).  eTop's session layer turns every failure
(no header, other scheme, unknown key, revoked key) into ``unauthenticated``
with the default message: it does not tell a client which part was wrong.
"""

from __future__ import annotations

from typing import Any

from ...core.credentials import bearer_token
from ...core.errors import VendorError
from ...core.store import Table
from ...core.vendor import Call


def authenticate(call: Call, keys: Table) -> dict[str, Any]:
    """The key's record ``{"shop_id", "roles", "revoked"}`` or unauthenticated."""
    token = bearer_token(call.headers.get("authorization"))
    record = keys.view(token) if token else None  # read only, by every caller
    # A revoked key answers like an unknown one: the token lookup finds no
    # live session, which eTop turns into the default unauthenticated [INF].
    if record is None or record["revoked"]:
        raise VendorError("unauthenticated")
    return record
