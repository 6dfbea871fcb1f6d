"""Sabi's ``ApiKey`` header check [SEED: "ApiKey: The platform api key is required"].

HTTP header names are case-insensitive and the core hands them over
lower-cased, so ``ApiKey``, ``apikey`` and ``APIKEY`` all work.  A missing,
empty, unknown, revoked or expired key is the same 401 [INF]: an API-key guard
(Passport's HeaderAPIKeyStrategy or a hand-written CanActivate) whose lookup
fails throws ``new UnauthorizedException()`` ->
``{"statusCode":401,"message":"Unauthorized"}``; nothing tells a client why.

The keys live in the store (table ``api_keys``, filled by ``seed``) rather than
on the vendor object, so every lookup sees the namespace of the current call
and an ``expiresAfter`` window restarts with each reset.
"""

from __future__ import annotations

import logging
from typing import Any

from ...core.clock import parse_instant
from ...core.errors import VendorError
from ...core.vendor import Call, VendorContext
from .models import ApiKey

log = logging.getLogger("mockserver")

TABLE = "api_keys"


def seed(ctx: VendorContext, keys: list[ApiKey]) -> None:
    """Load the fixture's keys; ``expiresAfter`` counts from now (start-up or reset)."""
    table = ctx.table(TABLE)
    issued = ctx.clock.timestamp()
    for key in keys:
        if table.get(key.key) is not None:
            log.warning("sabi fixture: skipping duplicate api key %s", key.name)
            continue
        expires: float | None = None
        if key.expiresAt is not None:
            expires = parse_instant(key.expiresAt).timestamp()
        elif key.expiresAfter is not None:
            expires = issued + key.expiresAfter.total_seconds()
        table.insert(key.key, {"key": key.key, "name": key.name, "tenantId": key.tenantId,
                               "revoked": key.revoked, "expires": expires})


def usable(record: dict[str, Any], now: float) -> bool:
    # [INF] the expiry instant itself is already too late (like a JWT's exp).
    return not record["revoked"] and (record["expires"] is None or now < record["expires"])


def authenticate(ctx: VendorContext, call: Call) -> dict[str, Any]:
    """The calling platform's key record, or the 401."""
    value = call.headers.get("apikey")
    record = ctx.table(TABLE).get(value.strip()) if value else None
    if record is None or record["revoked"]:
        raise VendorError("UNAUTHORIZED")
    # usable()'s expiry rule; the clock is asked only for a key that expires.
    if record["expires"] is not None and not usable(record, ctx.clock.timestamp()):
        raise VendorError("UNAUTHORIZED")
    return record


def first_usable(ctx: VendorContext) -> str | None:
    """The first fixture key that works at this instant (for /__admin/vendors)."""
    now = ctx.clock.timestamp()
    for record in ctx.table(TABLE).values():  # insertion order = fixture order
        if usable(record, now):
            return str(record["key"])
    return None
