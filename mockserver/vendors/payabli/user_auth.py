"""Payabli's user login family, as the official SDKs call it [PUB: sdk-python 1.0.19, sdk-node 0.0.114
UserClient; shapes from the reference's examples and the SDKs' WireMock mocks]:

- ``POST /User/auth/{provider}`` (auth_user): e-mail (or userId) and password; "requires an
  application API token" [PUB].  MFA off: the user token at once.  MFA on: a masked
  destination and an ``mfaValidationCode``; the code itself is ``settings.mfaCode``.
- ``POST /User/mfa`` (validate_mfa_user): that code and validation code give the user token.
- ``POST /User/resendmfa/{usrname}/{entry}/{entryType}`` (resend_mfa_code): a fresh validation code.
- ``POST /User/authrefresh`` (auth_refresh_user): a user token for a fresh one (the old one ends).
- ``GET /User/authlogout`` (logout_user), ``PUT /User/authpsw`` (change_psw_user): end the
  token's session; change its user's password.
- ``POST /User/authreset`` (auth_reset_user): a password reset is "sent" (nothing leaves the sandbox).
- ``PUT /User/mfa/{userId}`` (edit_mfa_user): turn a user's MFA on or off, choose its mode.

What the reference leaves open is ours [INF], each choice in the fidelity map: the
errors (400/3003 naming the field, as for UserData; 401 for credentials, in the
PayabliErrorBody), the token's lifetimes, what MFA modes mean.  Everything is on the
virtual clock and in the store (``user_sessions``, ``mfa_challenges`` and the users),
so a test session's namespace and ``/__admin/reset`` cover it.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Callable
from typing import Any

from ...core.errors import FieldError, VendorError
from ...core.vendor import Call, Reply, Route, StoreTable, VendorContext
from . import query
from .auth import Tokens, password_digest
from .errors import LOGIN_KEYS, SESSION_KEYS
from .models import INT32, INT64_SCHEMA, Fixture, MfaData, path_schema
from .user_models import (
    USERNAME_SCHEMA,
    MfaValidationData,
    PayabliApiResponseMfaBasic,
    PayabliApiResponseUserMfa,
    UserActionResponse,
    UserAuthPswResetRequest,
    UserAuthRequest,
    UserAuthResetRequest,
    bind,
    mfa_basic,
    user_mfa,
)

BUILT_IN_PROVIDER = "null"  # "Pass `null` to use the built-in provider" [PUB]
MFA_MODES = {0: "email", 1: "sms"}  # UsrMFAMode -> the answer's mfaMode [INF]
_DONE = Reply(200, {"isSuccess": True, "responseText": "Success"})  # the SDKs' WireMock body [PUB]
# Route.errors: what each kind of call can answer besides a malformed body.
_BODY = ("3003", "UNSUPPORTED_MEDIA_TYPE")


def _missing(name: str) -> VendorError:
    return query.invalid(name, "is required")


def _status_error(status: int) -> VendorError | None:
    # [INF] the right password of a user who may not log in: said after the password matched.
    if status == 85:
        return VendorError("USER_LOCKED")
    if status != 1:
        return VendorError("USER_INACTIVE")
    return None


def _masked_email(email: str) -> str:
    # [INF] like the reference's "g**.com": first letters and the top-level domain.
    local, _, domain = email.partition("@")
    host, dot, tld = domain.rpartition(".")
    return f"{local[:1]}***@{host[:1]}**{dot}{tld}"


def _masked_phone(phone: str) -> str:
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


class UserAuth:
    """The handlers; state in the vendor context's store, credentials through ``Tokens``."""

    def __init__(self, ctx: VendorContext, fixture: Fixture, tokens: Tokens, require_json: Callable[[Call], None]) -> None:
        self.ctx = ctx
        self.settings = fixture.settings
        self.tokens = tokens
        self.require_json = require_json
        # entry name -> (orgType, orgId), and each entity's parent: which entries a user's scope reaches.
        self.entries: dict[str, tuple[int, int]] = {o.entry: (o.orgType, o.orgId) for o in fixture.organizations}
        self.parents: dict[tuple[int, int], int | None] = {(o.orgType, o.orgId): o.parentId for o in fixture.organizations}

    users = StoreTable("users")
    challenges = StoreTable("mfa_challenges")

    def routes(self) -> list[Route]:
        user_id = path_schema(userId={**INT64_SCHEMA, "description": "The user's id."})
        resend = path_schema(
            usrname=USERNAME_SCHEMA,
            entry={"type": "string", "enum": sorted(self.entries), "description": "An entrypoint the user's scope reaches."},
            entryType={"type": "integer", "enum": [0, 2], "description": "0 organization, 2 paypoint: the entry's own."},
        )
        provider = path_schema(provider={"type": "string", "enum": [BUILT_IN_PROVIDER], "description": "`null`: the built-in provider."})
        entry_errors = ("UNKNOWN_ENTRY",)
        return [
            Route("POST", "/api/User/auth/{provider}", self.auth_user, "auth_user", summary="Log a user in (application token)",
                  params=provider, request=UserAuthRequest, responses={200: PayabliApiResponseMfaBasic},
                  errors=(*_BODY, *entry_errors, *LOGIN_KEYS)),
            Route("POST", "/api/User/mfa", self.validate_mfa_user, "validate_mfa_user", summary="Validate a login's MFA code",
                  request=MfaValidationData, responses={200: PayabliApiResponseUserMfa}, errors=("UNAUTHORIZED", *_BODY)),
            Route("POST", "/api/User/resendmfa/{usrname}/{entry}/{entryType}", self.resend_mfa_code, "resend_mfa_code",
                  summary="Send a user's MFA code again", params=resend, responses={200: PayabliApiResponseMfaBasic},
                  errors=("UNAUTHORIZED", "3003", *entry_errors)),
            Route("POST", "/api/User/authrefresh", self.auth_refresh_user, "auth_refresh_user", summary="Refresh a user token",
                  responses={200: PayabliApiResponseUserMfa}, errors=SESSION_KEYS),
            Route("GET", "/api/User/authlogout", self.logout_user, "logout_user", summary="Log a user out",
                  responses={200: UserActionResponse}, errors=SESSION_KEYS),
            Route("PUT", "/api/User/authpsw", self.change_psw_user, "change_psw_user", summary="Change the logged-in user's password",
                  request=UserAuthPswResetRequest, responses={200: UserActionResponse}, errors=(*SESSION_KEYS, *_BODY)),
            Route("POST", "/api/User/authreset", self.auth_reset_user, "auth_reset_user", summary="Start a password reset",
                  request=UserAuthResetRequest, responses={200: UserActionResponse}, errors=("UNAUTHORIZED", *_BODY, *entry_errors)),
            Route("PUT", "/api/User/mfa/{userId}", self.edit_mfa_user, "edit_mfa_user", summary="Turn a user's MFA on or off",
                  params=user_id, request=MfaData, responses={200: UserActionResponse},
                  errors=("UNAUTHORIZED", "3003", "USER_NOT_FOUND", "UNSUPPORTED_MEDIA_TYPE")),
        ]

    # ------------------------------------------------------------- handlers
    def auth_user(self, call: Call) -> Reply:
        credential = self.tokens.authenticate(call)
        if credential.get("kind") != "application":  # [PUB] "requires an application API token"
            raise VendorError("APPLICATION_TOKEN_REQUIRED")
        self.require_json(call)
        if call.params["provider"].lower() != BUILT_IN_PROVIDER:
            raise query.invalid("provider", f"{call.params['provider']} is not supported: send null (the built-in provider)")
        body = bind(UserAuthRequest, call.body)
        if body.email is None and body.userId is None:
            raise _missing("email")
        if body.psw is None or body.psw == "":
            raise _missing("psw")
        target = self._entry(body.entry, body.entryType)
        record = self._find(body.email) if body.email is not None else self.users.get(body.userId)
        digest = record["pwdHash"] if record is not None else None
        if record is None or digest is None or not hmac.compare_digest(digest, password_digest(body.psw)):
            raise VendorError("INVALID_CREDENTIALS")
        refused = _status_error(record["UsrStatus"])
        if refused is not None:
            raise refused
        if target is not None and not self._reaches(record, target):
            raise VendorError("INVALID_CREDENTIALS")  # [INF] not told apart from a wrong password
        if record["UsrMFA"]:
            return Reply(200, self._challenge(record))
        return Reply(200, mfa_basic(self._login(record)["token"], False))

    def validate_mfa_user(self, call: Call) -> Reply:
        self.tokens.authenticate(call)
        self.require_json(call)
        body = bind(MfaValidationData, call.body)
        if not body.mfaValidationCode:
            raise _missing("mfaValidationCode")
        if not body.mfaCode:
            raise _missing("mfaCode")
        challenge = self.challenges.get(body.mfaValidationCode)
        record = self.users.get(challenge["userId"]) if challenge is not None else None
        if challenge is None or record is None or challenge["expiresAt"] <= self.ctx.clock.timestamp():
            self.challenges.delete(body.mfaValidationCode)
            raise query.invalid("mfaValidationCode", "is unknown or expired: log in again")
        if not hmac.compare_digest(body.mfaCode.encode(), self.settings.mfaCode.encode()):
            attempts = challenge["attempts"] + 1
            if attempts >= self.settings.mfaAttempts:
                self.challenges.delete(body.mfaValidationCode)
                raise query.invalid("mfaCode", "is not valid; no attempts left: log in again")
            # The store hands out copies (records are kept as JSON text): the spent attempt is written back.
            self.challenges.update(body.mfaValidationCode, {**challenge, "attempts": attempts})
            raise query.invalid("mfaCode", "is not valid")
        self.challenges.delete(body.mfaValidationCode)
        refused = _status_error(record["UsrStatus"])  # locked meanwhile
        if refused is not None:
            raise refused
        return self._session_reply(self._login(record))

    def resend_mfa_code(self, call: Call) -> Reply:
        self.tokens.authenticate(call)
        params = call.params
        entry_type = params["entryType"]
        if not entry_type.lstrip("-").isdigit() or len(entry_type) > 11:
            raise query.invalid("entryType", "must be an integer")
        target = self._entry(params["entry"], int(entry_type))
        record = self._find(params["usrname"])
        if record is None:
            raise query.invalid("usrname", f"{params['usrname']} is not a user")
        if not record["UsrMFA"]:
            raise query.invalid("usrname", "has no MFA: nothing to send")
        if target is not None and not self._reaches(record, target):
            raise query.invalid("entry", f"{params['entry']} is not in the user's scope")
        return Reply(200, self._challenge(record))

    def auth_refresh_user(self, call: Call) -> Reply:
        session = self._session(call)
        self.tokens.close_session(session["token"])
        record = self.users.get(session["userId"])
        if record is None:  # tokens.session() already ended a deleted user's session
            raise VendorError("USER_TOKEN_REQUIRED")
        return self._session_reply(self._login(record))

    def logout_user(self, call: Call) -> Reply:
        self.tokens.close_session(self._session(call)["token"])
        return _DONE

    def change_psw_user(self, call: Call) -> Reply:
        session = self._session(call)
        self.require_json(call)
        body = bind(UserAuthPswResetRequest, call.body)
        if not body.psw or not body.psw.strip():
            raise _missing("psw")
        record = self.users.get(session["userId"])
        if record is None:
            raise VendorError("USER_TOKEN_REQUIRED")
        self.users.update(record["userId"], {**record, "pwdHash": password_digest(body.psw)}, {"email": _folded(record["Email"])})
        return _DONE

    def auth_reset_user(self, call: Call) -> Reply:
        self.tokens.authenticate(call)
        self.require_json(call)
        body = bind(UserAuthResetRequest, call.body)
        if body.email is None:
            raise _missing("email")
        self._entry(body.entry, body.entryType)
        # [INF] the same answer whether or not the e-mail is a user's: a reset tells no one who exists.
        return _DONE

    def edit_mfa_user(self, call: Call) -> Reply:
        self.tokens.authenticate(call)
        raw = call.params["userId"]
        if not raw.lstrip("-").isdigit() or len(raw) > 20 or not -(1 << 63) <= int(raw) < (1 << 63):
            raise query.invalid("userId", "must be an integer")
        self.require_json(call)
        body = bind(MfaData, call.body)
        record = self.users.get(int(raw))
        if record is None:
            raise VendorError("USER_NOT_FOUND", fields=(FieldError("userId", "not_found", f"{raw} does not exist", {"code": "3003"}),))
        changed = dict(record)
        if body.mfa is not None:
            changed["UsrMFA"] = body.mfa
        if body.mfaMode is not None:
            changed["UsrMFAMode"] = body.mfaMode
        self.users.update(record["userId"], changed, {"email": _folded(record["Email"])})
        return _DONE

    # ------------------------------------------------------------- helpers
    def _find(self, email: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.users.find("email", email.lower())  # the unique index: e-mails case-folded
        return found

    def _entry(self, entry: str | None, entry_type: int | None) -> tuple[int, int] | None:
        """The (orgType, orgId) an ``entry`` names; None without one.  "entryType ... required if
        an Entry is indicated" [PUB]; it must be the entry's own [INF]."""
        if entry is None:
            return None
        if entry_type is None:
            raise query.invalid("entryType", "is required when entry is set")
        target = self.entries.get(entry)
        if target is None:
            raise VendorError("UNKNOWN_ENTRY", fields=(FieldError("entry", "invalid", f"{entry} is not an entrypoint", {"code": "3001"}),))
        if not INT32[0] <= entry_type <= INT32[1] or entry_type != target[0]:
            raise query.invalid("entryType", f"must be {target[0]} for {entry}")
        return target

    def _reaches(self, record: dict[str, Any], target: tuple[int, int]) -> bool:
        """Whether the user's scope is ``target`` or one of its ancestors [INF]."""
        scoped = {(item["orgType"], item["orgId"]) for item in record["Scope"]}
        node: tuple[int, int] | None = target
        while node is not None:
            if node in scoped:
                return True
            parent = self.parents.get(node)
            node = (0, parent) if parent is not None else None
        return False

    def _challenge(self, record: dict[str, Any]) -> dict[str, Any]:
        """A fresh MFA challenge (the user's earlier one ends): the login answer asking for the code."""
        challenges = self.challenges
        for earlier in [key for key in challenges if (challenges.get(key) or {}).get("userId") == record["userId"]]:
            challenges.delete(earlier)
        draw = self.ctx.draw("mfa")
        code = "-".join(draw.hex(2).upper() for _ in range(16))  # the published form: 16 bytes, .NET's BitConverter style
        self.challenges.insert(code, {
            "userId": record["userId"], "attempts": 0,
            "expiresAt": self.ctx.clock.timestamp() + self.settings.mfaCodeLifetime.total_seconds(),
        })
        mode = MFA_MODES.get(record["UsrMFAMode"], "email")
        if mode == "sms":
            destination = _masked_phone(record["Phone"] or "")
        else:
            destination = _masked_email(record["Email"] or "")
        return mfa_basic(destination, True, mode, code)

    def _login(self, record: dict[str, Any]) -> dict[str, Any]:
        """A new user token, and the user's ``lastAccess`` now."""
        settings = self.settings
        session = self.tokens.open_session(
            record["userId"], settings.userSessionLifetime.total_seconds(), settings.userSessionIdle.total_seconds(), self.ctx.draw("user_token"),
        )
        self.users.update(record["userId"], {**record, "lastAccess": self.ctx.clock.timestamp()}, {"email": _folded(record["Email"])})
        return session

    def _session_reply(self, session: dict[str, Any]) -> Reply:
        remaining = math.ceil((session["expiresAt"] - self.ctx.clock.timestamp()) / 60)  # a fresh token: the whole lifetime
        return Reply(200, user_mfa(session["token"], remaining, int(session["idle"] // 60)))

    def _session(self, call: Call) -> dict[str, Any]:
        session = self.tokens.session(call)
        if session is None:
            raise VendorError("USER_TOKEN_REQUIRED")
        return session


def _folded(email: str | None) -> str | None:
    # The users table's unique key (routes.Payabli._unique): the e-mail, case-folded.
    return email.lower() if email else None
