"""Payabli credentials: ``requestToken`` API tokens [SEED] and OAuth2 Bearer tokens [PUB].

API tokens are long-lived strings made in PartnerHub; the mock knows the
fixture's tokens only.  OAuth2 access tokens come from ``POST
/v2/Token/serverside`` (client credentials from the fixture) and live for the
client's ``tokenLifetime``; the User endpoints accept either scheme (the SDK's
security list is ``[BearerAuth] OR [APIKeyAuth]`` [PUB: sdk-ruby user/client.rb]).

A missing, blank, unknown or expired credential of either kind is one 401
(the OpenAPI's "Unauthorized request."): [INF] the body is undocumented, so it
is a PayabliErrorBody without responseCode, and the kinds of failure are not
told apart (token services usually don't say which part was wrong).

A user's own token (``POST /User/auth/{provider}``, ``/User/mfa``: user_auth.py)
is a third credential, sent the same ways; it lives until its absolute expiry
or after being unused for the idle time, both on the virtual clock [INF].

State lives in the store only (tables ``tokens``, ``access_tokens`` and
``user_sessions``), looked up per call, so a per-session namespace works unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import orjson

from ...core.credentials import bearer_token
from ...core.errors import VendorError
from ...core.seeding import Draw
from ...core.vendor import Call, StoreTable, VendorContext
from .models import ApiToken, OAuthClient

# base64url({"alg":"HS256","typ":"JWT"}): the published example token starts with it [PUB].
_JWT_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
# [INF] the signature is an HMAC with a mock-only key: clients must treat the token as opaque.
_SIGNING_KEY = b"mockserver-payabli-oauth"


SESSION_PREFIX = "u."  # a user token, as the published examples show them [PUB]
_TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def password_digest(password: str) -> str:
    """What a user record keeps of its password: never the password itself."""
    return hashlib.sha256(password.encode()).hexdigest()


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Tokens:
    def __init__(self, ctx: VendorContext) -> None:
        self.ctx = ctx

    table = StoreTable("tokens")
    access = StoreTable("access_tokens")

    def load(self, tokens: list[ApiToken]) -> None:
        """Called from seed(): lifetimes count from start-up / reset."""
        now = self.ctx.clock.timestamp()
        for token in tokens:
            expires = None if token.expiresIn is None else now + token.expiresIn.total_seconds()
            self.table.insert(token.token, {"name": token.name, "kind": token.kind, "expiresAt": expires})

    def _live(self, token: str) -> dict[str, Any] | None:
        # ctx.table directly: going through the ``table`` property adds a call to every request.
        record: dict[str, Any] | None = self.ctx.table("tokens").get(token)
        if record is None or (record["expiresAt"] is not None and record["expiresAt"] <= self.ctx.clock.timestamp()):
            return None
        return record

    def _live_bearer(self, token: str) -> dict[str, Any] | None:
        record: dict[str, Any] | None = self.access.get(token)
        if record is None or record["expiresAt"] <= self.ctx.clock.timestamp():
            return None
        return record

    def live(self, token: str) -> bool:
        return self._live(token) is not None

    def authenticate(self, call: Call) -> dict[str, Any]:
        """The credential's record (``name`` says who), or the 401 PayabliErrorBody."""
        # Header names arrive lower-cased, so "RequestToken"/"REQUESTTOKEN" match too.
        # [INF] either live credential is enough (the SDK sends only one of them).
        token = call.headers.get("requesttoken", "").strip()
        record = self._live(token) if token else None
        if record is None:
            value = bearer_token(call.headers.get("authorization"))
            if value:
                record = self._live_bearer(value)
        if record is None:  # last: a user's own token (PartnerHub calls the same API with it) [INF]
            record = self.session(call)
        if record is None:
            raise VendorError("UNAUTHORIZED")
        return record

    # ------------------------------------------------------------ user sessions
    sessions = StoreTable("user_sessions")

    def session(self, call: Call) -> dict[str, Any] | None:
        """The live user session whose token the call sends (``requestToken`` or Bearer), its
        idle timer restarted; None when there is none.  A session of a user since deleted,
        locked or deactivated is over."""
        for token in (call.headers.get("requesttoken", "").strip(), bearer_token(call.headers.get("authorization")) or ""):
            record: dict[str, Any] | None = self.sessions.get(token) if token.startswith(SESSION_PREFIX) else None
            if record is None:
                continue
            now = self.ctx.clock.timestamp()
            user = self.ctx.table("users").get(record["userId"])
            if record["expiresAt"] <= now or record["lastUsed"] + record["idle"] <= now or user is None or user["UsrStatus"] != 1:
                self.sessions.delete(token)
                return None
            # The store hands out copies (records are kept as JSON text): the restarted idle timer is written back.
            record = {**record, "lastUsed": now}
            self.sessions.update(token, record)
            return record
        return None

    def open_session(self, user_id: int, lifetime: float, idle: float, draw: Draw) -> dict[str, Any]:
        """A new user token: ``u.`` and 40 letters or digits like the published example
        (``u.fPLVSzFv1gZpHl......``); the same seed and clock give the same token."""
        now = self.ctx.clock.timestamp()
        token = SESSION_PREFIX + "".join(draw.pick(_TOKEN_ALPHABET) for _ in range(40))
        record = {"token": token, "userId": user_id, "name": f"user {user_id}", "kind": "user",
                  "expiresAt": now + lifetime, "lastUsed": now, "idle": idle}
        self.sessions.insert(token, record)
        return record

    def close_session(self, token: str) -> None:
        self.sessions.delete(token)

    def issue(self, client: OAuthClient, lifetime: float, permissions: list[str] | None, draw: Draw) -> str:
        """A new access token for ``client``, valid ``lifetime`` seconds from now.

        JWT-shaped like the published example; ``jti`` from the request's draw
        keeps it unique and the same seed + clock gives the same token.
        """
        now = self.ctx.clock.timestamp()
        claims = {
            "sub": client.clientId,
            "orgId": client.orgId,
            "iat": int(now),
            "exp": int(now + lifetime),
            "jti": draw.hex(32),
        }
        signed = f"{_JWT_HEADER}.{_b64url(orjson.dumps(claims))}"
        token = f"{signed}.{_b64url(hmac.new(_SIGNING_KEY, signed.encode(), hashlib.sha256).digest())}"
        self.access.insert(
            token,
            {
                "name": client.name,
                "kind": "oauth",
                "clientId": client.clientId,
                "orgId": client.orgId,
                "permissions": permissions,
                "expiresAt": now + lifetime,
            },
        )
        return token
