"""Payabli API tokens: the ``requestToken`` header [SEED].

Tokens are long-lived strings made in PartnerHub; the mock knows the fixture's
tokens only.  A missing, blank, unknown or expired token is one 401 (the
OpenAPI's "Unauthorized request."): [INF] the body is undocumented, so it is a
PayabliErrorBody without responseCode, and the kinds of failure are not told
apart (token services usually don't say which part was wrong).
"""

from __future__ import annotations

from typing import Any

from ...core.errors import VendorError
from ...core.vendor import Call, VendorContext
from .models import ApiToken


class Tokens:
    def __init__(self, ctx: VendorContext) -> None:
        self.ctx = ctx

    @property
    def table(self):  # type: ignore[no-untyped-def]
        return self.ctx.table("tokens")

    def load(self, tokens: list[ApiToken]) -> None:
        """Called from seed(): lifetimes count from start-up / reset."""
        now = self.ctx.clock.timestamp()
        for token in tokens:
            expires = None if token.expiresIn is None else now + token.expiresIn.total_seconds()
            self.table.insert(token.token, {"name": token.name, "kind": token.kind, "expiresAt": expires})

    def _live(self, token: str) -> dict[str, Any] | None:
        record: dict[str, Any] | None = self.table.get(token)
        if record is None or (record["expiresAt"] is not None and record["expiresAt"] <= self.ctx.clock.timestamp()):
            return None
        return record

    def live(self, token: str) -> bool:
        return self._live(token) is not None

    def authenticate(self, call: Call) -> dict[str, Any]:
        """The token's record, or the 401 PayabliErrorBody."""
        # Header names arrive lower-cased, so "RequestToken"/"REQUESTTOKEN" match too.
        token = call.headers.get("requesttoken", "").strip()
        record = self._live(token) if token else None
        if record is None:
            raise VendorError("UNAUTHORIZED")
        return record
