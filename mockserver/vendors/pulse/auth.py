"""Pulse CRM sessions: /auth/login, Bearer checks and the x-account-id gate.

A session token is opaque: 64 lower-case hex characters like the documented
example (the newer reference calls it a JWT; the guide's example is not one)
[PUB].  Every token lives in the "sessions" table with its user and expiry;
an unknown token and an expired one are both 401 [INF wording].
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ...core import credentials
from ...core.clock import iso_z
from ...core.errors import VendorError
from ...core.seeding import Draw
from ...core.vendor import Call, StoreTable, VendorContext

Record = dict[str, Any]


class Sessions:
    def __init__(self, ctx: VendorContext, ttl: timedelta) -> None:
        self.ctx = ctx
        self.ttl = ttl

    table = StoreTable("sessions")

    def open(self, user_id: int, draw: Draw) -> Record:
        """A new session for a user who just proved who they are."""
        return self._insert(self._fresh_token(draw), user_id, self.ttl)

    def impersonation(self, target: Record, account_id: str, by: Record, lifetime: timedelta, draw: Draw) -> Record:
        """A session acting as ``target`` inside one account, opened by an account admin.

        [INF] It never outlives the admin's own session: ending the admin's access
        ends what they started.  ``impersonating`` holds the target's email (the
        published field is "email or null") and ``impersonatorId`` who asked.
        """
        token = self._fresh_token(draw)
        extra = {"accountId": account_id, "impersonating": target["email"], "impersonatorId": by["userId"]}
        capped = by["expiresAt"] < self.ctx.clock.timestamp() + lifetime.total_seconds()
        return self._insert(token, target["id"], lifetime, extra, cap=by if capped else None)

    def preissue(self, token: str, user_id: int, lifetime: timedelta) -> Record:
        """Fixture tokens: usable from start-up without a login call."""
        return self._insert(token, user_id, lifetime)

    def drop(self, user_id: int, account_id: str | None = None) -> None:
        """Forget a user's sessions: all of them (user deleted) or only those scoped to
        one account (user removed from it) [INF].  Rare, so a scan is fine."""
        table = self.table
        for record in table.values():
            if record["userId"] == user_id and (account_id is None or record["accountId"] == account_id):
                table.delete(record["token"])

    def _fresh_token(self, draw: Draw) -> str:
        token = draw.hex(64)
        while self.table.get(token) is not None:  # 2^-256 odds, but never hand out a live token twice
            token = draw.hex(64)
        return token

    def _insert(
        self, token: str, user_id: int, lifetime: timedelta, extra: Record | None = None, cap: Record | None = None
    ) -> Record:
        now = self.ctx.clock.now()
        stamp = iso_z(now)
        record = {
            "token": token,
            "userId": user_id,
            # The User Session's createdAt/updatedAt are the *session's* times [PUB].
            "createdAt": stamp,
            "updatedAt": stamp,
            # cap: copy the capping session's expiry verbatim (no float round trip)
            "expiresAt": cap["expiresAt"] if cap else now.timestamp() + lifetime.total_seconds(),
            "expiresAtText": cap["expiresAtText"] if cap else iso_z(now + lifetime),
            "accountId": None,  # set on impersonation sessions: the one account they work in
            "impersonating": None,
            "impersonatorId": None,
        }
        if extra:
            record.update(extra)
        self.table.insert(token, record)
        return record

    def live(self, token: str) -> bool:
        record = self.table.get(token)
        return record is not None and record["expiresAt"] > self.ctx.clock.timestamp()

    def authenticate(self, call: Call) -> Record:
        """The caller's live session, or the Pulse 401 for the Authorization header."""
        header = call.headers.get("authorization", "")
        token = bearer_token(header)  # raises for a malformed header (never remembered)
        record = self.ctx.table("sessions").get(token)  # not self.table: one call less on every request
        if record is None:
            raise VendorError("INVALID_TOKEN")
        if record["expiresAt"] <= self.ctx.clock.timestamp():
            raise VendorError("SESSION_EXPIRED")
        return record


@credentials.remembered
def bearer_token(header: str) -> str:
    """The token of ``Bearer <token>`` (core.credentials); any other header is the 401."""
    token = credentials.bearer_token(header)
    if not token:
        raise VendorError("UNAUTHORIZED")
    return token


def account_header(call: Call) -> str:
    """The x-account-id value; missing or blank is a 400 [INF]."""
    value = optional_account(call)
    if value is None:
        raise VendorError("MISSING_ACCOUNT_ID")
    return value


def optional_account(call: Call) -> str | None:
    """x-account-id where it is ``required: false`` (DELETE /users/{email}) [PUB]; blank counts as absent [INF]."""
    return call.headers.get("x-account-id", "").strip() or None


def membership(user: Record, account_id: str) -> Record:
    """The caller's membership in the requested account; 403 when there is none.

    An unknown account answers exactly like one the caller is not in, so the
    header cannot be used to probe which account ids exist [INF].
    """
    accounts: list[Record] = user["accounts"]
    for member in accounts:
        if member["accountId"] == account_id:
            return member
    raise VendorError("ACCOUNT_FORBIDDEN")
