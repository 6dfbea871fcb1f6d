"""VaultsPay tokens: saas-login, saas-refresh-token and Bearer checks.

Access tokens are JWT-shaped (three base64url segments).  A token that is not,
and a well-formed one no session issued, are both INVALID_TOKEN (400/1036): the
catalog's "Invalid access token provided." is the one error about the token
itself (1001 UNAUTHORISED is about permission, not the token).  An access
token belongs to a session whose lifetime is the refresh token's: a dead
session answers 1004, a dead access token in a live session 1003.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta
from typing import Any

import orjson

from ...core import credentials
from ...core.clock import iso_offset
from ...core.errors import VendorError
from ...core.seeding import Draw
from ...core.vendor import Call, StoreTable, VendorContext

_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(claims: dict[str, Any], draw: Draw) -> str:
    signature = bytes(draw.below(256) for _ in range(32))
    return f"{_HEADER}.{_b64(orjson.dumps(claims))}.{_b64(signature)}"


class Tokens:
    def __init__(self, ctx: VendorContext, access_ttl: timedelta, refresh_ttl: timedelta) -> None:
        self.ctx = ctx
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl

    sessions = StoreTable("sessions")
    access = StoreTable("access_tokens")

    def open_session(self, client_id: str, agent_id: int, draw: Draw) -> dict[str, str]:
        """saas-login: a new session with its first access token."""
        now = self.ctx.clock.now()
        refresh_expiry = now + self.refresh_ttl
        claims = {"sub": client_id, "typ": "refresh", "iat": int(now.timestamp()), "exp": int(refresh_expiry.timestamp()), "jti": draw.hex(16)}
        refresh = _jwt(claims, draw)
        self.sessions.insert(refresh, {"clientId": client_id, "agentId": agent_id, "expiresAt": refresh_expiry.timestamp()})
        access, access_expiry = self._issue_access(refresh, client_id, agent_id, now, draw)
        return {
            "accessToken": access,
            "accessTokenExpiry": iso_offset(access_expiry),
            "refreshToken": refresh,
            "refreshTokenExpiry": iso_offset(refresh_expiry),
        }

    def refresh(self, refresh_token: str, draw: Draw) -> dict[str, str]:
        session = self.sessions.get(refresh_token)
        if session is None:
            raise VendorError("UNAUTHORISED")
        if session["expiresAt"] <= self.ctx.clock.timestamp():
            raise VendorError("SESSION_EXPIRED")
        access, expiry = self._issue_access(refresh_token, session["clientId"], session["agentId"], self.ctx.clock.now(), draw)
        return {"accessToken": access, "accessTokenExpiry": iso_offset(expiry)}

    def preissue(self, access_token: str, refresh_token: str, client_id: str, agent_id: int, lifetime: timedelta) -> None:
        """Fixture tokens: usable from start-up without a login call."""
        expiry = self.ctx.clock.timestamp() + lifetime.total_seconds()
        self.sessions.insert(refresh_token, {"clientId": client_id, "agentId": agent_id, "expiresAt": expiry})
        self.access.insert(access_token, {"session": refresh_token, "agentId": agent_id, "expiresAt": expiry})

    def _issue_access(self, session: str, client_id: str, agent_id: int, now: datetime, draw: Draw) -> tuple[str, datetime]:
        expiry = now + self.access_ttl
        token = _jwt({"sub": client_id, "agentId": agent_id, "iat": int(now.timestamp()), "exp": int(expiry.timestamp()), "jti": draw.hex(16)}, draw)
        self.access.insert(token, {"session": session, "agentId": agent_id, "expiresAt": expiry.timestamp()})
        return token, expiry

    def authenticate(self, call: Call) -> int:
        """The caller's agent id, or the VaultsPay error for a bad Authorization."""
        header = call.headers.get("authorization", "")
        token = bearer_token(header)  # raises for a malformed header (never remembered)
        tables = self.ctx.table  # not the properties: two calls less on every request
        record = tables("access_tokens").get(token)
        if record is None:  # well-formed, never issued (or issued to a session that is gone)
            raise VendorError("INVALID_TOKEN")
        now = self.ctx.clock.timestamp()
        session = tables("sessions").get(record["session"])
        if session is None or session["expiresAt"] <= now:
            raise VendorError("SESSION_EXPIRED")
        if record["expiresAt"] <= now:
            raise VendorError("TOKEN_EXPIRED")
        return int(record["agentId"])


@credentials.remembered
def bearer_token(header: str) -> str:
    """The JWT-shaped token of ``Bearer <token>`` (core.credentials), or the error for the header's format.

    VaultsPay's own quirk, pinned by tests/vendors/vaultspay/test_create_user.py
    (test_auth_failures): no credentials (no header, a blank one, "Bearer" alone) is
    UNAUTHENTICATED (401/1002), while another scheme ("Basic ...") or a token that is
    not JWT-shaped is INVALID_TOKEN (400/1036): so this reader alone looks at the scheme.
    """
    scheme, token = credentials.authorization(header)
    if scheme and scheme != "bearer":
        raise VendorError("INVALID_TOKEN")
    if not token:
        raise VendorError("UNAUTHENTICATED")
    if not _JWT.match(token):
        raise VendorError("INVALID_TOKEN")
    return token

