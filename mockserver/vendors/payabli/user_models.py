"""Bodies of Payabli's user login family (user_auth.py): requests as .NET binds them, answers as the SDKs read them.

Requests [PUB: sdk-python 1.0.19 / sdk-node 0.0.114 UserClient]: every field
optional and nullable in the SDKs; property names bind case-insensitively and
unknown ones are ignored, a value of the wrong type is 3003 (.NET binding), as
for UserData (models.py).  Which fields a call needs is the handler's rule.

Answers: ``PayabliApiResponseMfaBasic`` (login, MFA resend) and
``PayabliApiResponseUserMfa`` (MFA validation, token refresh), key order as the
reference's examples; the other calls answer ``{isSuccess, responseText}``.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ...core.openapi import NOT_BLANK_PATTERN, absent, given, requires, schema_context
from ...core.validation import parse_object, validate
from .models import Email, Int32, Int64, Strict, _names, _recase

M = TypeVar("M", bound=BaseModel)


# ---------------------------------------------------------------- OpenAPI: what the handlers require
def _text(schema: dict[str, Any], *names: str) -> None:
    """``names`` required, non-null and non-empty (the handlers answer "is required" otherwise)."""
    requires(*names)(schema)
    for name in names:
        schema["properties"][name] = {"type": "string", "pattern": NOT_BLANK_PATTERN}


def _entry_pair(schema: dict[str, Any]) -> None:
    """``entry``: an entrypoint of the running configuration, with its own ``entryType``
    ("required if an Entry is indicated" [PUB]; the pair itself no schema states)."""
    entries = sorted(set(schema_context().get("orgs", {}).values()))
    schema["properties"]["entry"] = {"type": "string", **({"enum": entries} if entries else {}), "description": "An entrypoint name."}
    schema["properties"]["entryType"] = {"type": "integer", "enum": [0, 2], "description": "The entry's type: 0 organization, 2 paypoint."}
    schema["dependentRequired"] = {"entry": ["entryType"]}


def _login_schema(schema: dict[str, Any]) -> None:
    _entry_pair(schema)
    _text(schema, "psw")
    schema["anyOf"] = [given("email"), {"required": ["userId"], "properties": {"userId": {"type": "integer"}}}]
    schema["examples"] = [{"email": "herman.martinez@example.com", "psw": "Herman-s3cret!"}]


def _reset_schema(schema: dict[str, Any]) -> None:
    _entry_pair(schema)
    requires("email")(schema)
    schema["examples"] = [{"email": "herman.martinez@example.com"}]


def _psw_schema(schema: dict[str, Any]) -> None:
    _text(schema, "psw")
    schema["examples"] = [{"psw": "N3w-s3cret!"}]


def _mfa_schema(schema: dict[str, Any]) -> None:
    _text(schema, "mfaCode", "mfaValidationCode")
    schema["examples"] = [{"mfaCode": "123456", "mfaValidationCode": "50-2E-4A-16-93-0E-41-41-07-EE-22-B6-00-99-00-99"}]


# ---------------------------------------------------------------- requests
class UserAuthRequest(Strict):
    """POST /User/auth/{provider}: ``email`` (or ``userId``) and ``psw``; ``entry`` with its ``entryType``."""

    model_config = ConfigDict(json_schema_extra=_login_schema)

    email: Email | None = None
    entry: str | None = None
    entryType: Int32 | None = Field(default=None, description="0 organization, 2 paypoint; required with entry.")
    psw: str | None = None
    userId: Int64 | None = Field(default=None, description="Who logs in when no email is sent.")
    userTokenId: str | None = Field(default=None, description="A social provider's token: not emulated (built-in provider only).")


class UserAuthResetRequest(Strict):
    """POST /User/authreset: the user's ``email``; ``entry`` with its ``entryType``."""

    model_config = ConfigDict(json_schema_extra=_reset_schema)

    email: Email | None = None
    entry: str | None = None
    entryType: Int32 | None = None


class UserAuthPswResetRequest(Strict):
    """PUT /User/authpsw: the new password of the user whose token is sent."""

    model_config = ConfigDict(json_schema_extra=_psw_schema)

    psw: str | None = None


class MfaValidationData(Strict):
    """POST /User/mfa: the code the user received and the login's ``mfaValidationCode``."""

    model_config = ConfigDict(json_schema_extra=_mfa_schema)

    mfaCode: str | None = None
    mfaValidationCode: str | None = None


def bind(model: type[M], body: bytes) -> M:
    """Decode and bind a body (any key casing); every failing field becomes a FieldError (3003)."""
    names = _names(model)
    return validate(model, _recase(parse_object(body), names, frozenset(names.values())))


# ---------------------------------------------------------------- answers
def mfa_basic(response_data: str | None, mfa: bool, mode: str | None = None, validation: str | None = None) -> dict[str, Any]:
    """PayabliApiResponseMfaBasic; ``mfaMode`` and ``mfaValidationCode`` only when MFA asks for a code."""
    body: dict[str, Any] = {"responseText": "Success", "isSuccess": True, "responseData": response_data, "mfa": mfa}
    if mfa:
        body["mfaMode"] = mode
        body["mfaValidationCode"] = validation
    return body


def user_mfa(token: str, remaining: int, inactive: int) -> dict[str, Any]:
    """PayabliApiResponseUserMfa: the user token in ``responseData``, its minutes left and idle limit [INF]."""
    return {"responseText": "Success", "isSuccess": True, "responseData": token, "remaining": remaining, "inactiveTokenTime": inactive}


# The answers as pydantic models, for the generated OpenAPI document only.
class PayabliApiResponseMfaBasic(BaseModel):
    responseText: Literal["Success"]
    isSuccess: Literal[True]
    responseData: str | None = Field(description="MFA off: the user token; MFA on: where the code went, masked (h***@e**.com).")
    mfa: bool
    mfaMode: str = absent("MFA on: `email` or `sms`.")
    mfaValidationCode: str = absent("MFA on: what POST /User/mfa sends back with the code.")


class PayabliApiResponseUserMfa(BaseModel):
    responseText: Literal["Success"]
    isSuccess: Literal[True]
    responseData: str = Field(description="The user token: send it as requestToken.")
    remaining: int = Field(description="Minutes the token lives at most.")
    inactiveTokenTime: int = Field(description="Minutes unused after which it expires.")


class UserActionResponse(BaseModel):
    isSuccess: Literal[True]
    responseText: Literal["Success"]


USERNAME_SCHEMA: dict[str, Any] = {"type": "string", "description": "The user's e-mail (its login name)."}
