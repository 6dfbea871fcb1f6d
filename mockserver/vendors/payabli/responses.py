"""Payabli response bodies and the stored user record.

The create call returns no id [SEED]; the record kept server-side already has
the ``UserQueryRecord`` field names [PUB: GET /User/{userId}] so later GET /
PUT / DELETE /User/{userId} and /Query/users/... can serve it as is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ...core.clock import iso_seconds_z
from ...core.vendor import Reply

# Exactly the seed's body, in its key order [SEED].  One shared Reply: the core
# only serialises a reply's body (it never changes one), so nothing is rebuilt per create.
_SUCCESS = Reply(200, {"responseText": "Success", "isSuccess": True, "responseData": None})


def success() -> Reply:
    return _SUCCESS


def edited() -> Reply:
    # PUT /User/{userId}: the SDK's WireMock body, in its key order [PUB].
    return Reply(200, {"isSuccess": True, "responseText": "Success"})


def deleted() -> Reply:
    # DELETE /User/{userId}: only responseText [PUB: DeleteUserResponse mock].
    return Reply(200, {"responseText": "Success"})


def access_token(token: str, expires_in: int, state: str | None) -> Reply:
    """``PayabliAccessTokenResponse``: snake_case, SDK field order; ``state`` only when sent [PUB]."""
    body: dict[str, Any] = {"token_type": "Bearer", "access_token": token, "expires_in": expires_in}
    if state is not None:
        body["state"] = state
    return Reply(200, body)


def query_users(records: list[dict[str, Any]], summary: dict[str, Any]) -> Reply:
    # QueryUserResponse {Records, Summary} [PUB]; each record is a full UserQueryRecord [INF]
    return Reply(200, {"Records": [query_record(r) for r in records], "Summary": summary})


def user_record(
    *,
    user_id: int,
    name: str | None,
    email: str | None,
    phone: str | None,
    scope: list[dict[str, Any]],
    access: list[dict[str, Any]],
    status: int,
    language: str,
    time_zone: int,
    mfa: bool,
    mfa_mode: int,
    additional: dict[str, str | None] | None,
    created_at: float,
    pwd_hash: str | None = None,
    created_by: str | None = None,
    last_access: float | None = None,
) -> dict[str, Any]:
    """The one stored shape of a user (fixture, generated or created).

    ``Scope`` items are ``{orgEntry, orgId, orgType}`` as GET returns them;
    times are clock timestamps (floats), formatted only when rendered.
    """
    # A copy of the blank record (one memcpy of its key table) plus in-place
    # stores costs a third less than a 19-key literal, on every create.
    record = _BLANK_RECORD.copy()
    record["userId"] = user_id
    record["Email"] = email
    record["Name"] = name
    record["Phone"] = phone
    record["Scope"] = scope
    record["Access"] = access
    record["UsrStatus"] = status
    record["language"] = language
    record["timeZone"] = time_zone
    record["UsrMFA"] = mfa
    record["UsrMFAMode"] = mfa_mode
    record["createdAt"] = created_at
    record["lastAccess"] = last_access
    record["AdditionalData"] = additional
    record["pwdHash"] = pwd_hash
    record["createdBy"] = created_by
    return record


# The stored record's keys in order, all None; snProvider, snIdentifier and snData stay so.
_BLANK_RECORD: dict[str, Any] = dict.fromkeys((
    "userId", "Email", "Name", "Phone", "snProvider", "snIdentifier", "snData", "Scope", "Access", "UsrStatus",
    "language", "timeZone", "UsrMFA", "UsrMFAMode", "createdAt", "lastAccess", "AdditionalData",
    # server-side only, never rendered
    "pwdHash", "createdBy",
))


def _instant(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return iso_seconds_z(datetime.fromtimestamp(timestamp, UTC))


def query_record(record: dict[str, Any]) -> dict[str, Any]:
    """A stored user as ``UserQueryRecord`` (GET /User/{userId}, Query records).

    [INF] key order follows the docs' field list (userId, Email, Name, ...).
    ``AdditionalData`` is the object the user was given: the current reference's
    example and the newest SDK (sdk-python 1.0.19, ``Dict[str, str]``) read an
    object, where older SDKs (sdk-python <= 1.0.13, sdk-csharp 1.0.12, sdk-node
    0.0.114) typed the JSON text of it (fidelity map).  A key set to null is left
    out: the read model's values are strings [INF].
    """
    additional = record["AdditionalData"]
    return {
        "userId": record["userId"],
        "Email": record["Email"],
        "Name": record["Name"],
        "Phone": record["Phone"],
        "snProvider": record["snProvider"],
        "snIdentifier": record["snIdentifier"],
        "snData": record["snData"],
        "Scope": [dict(item) for item in record["Scope"]],
        "Access": [dict(item) for item in record["Access"]],
        "UsrStatus": record["UsrStatus"],
        "language": record["language"],
        "timeZone": record["timeZone"],
        "UsrMFA": record["UsrMFA"],
        "UsrMFAMode": record["UsrMFAMode"],
        "createdAt": _instant(record["createdAt"]),
        "lastAccess": _instant(record["lastAccess"]),
        "AdditionalData": None if additional is None else {k: v for k, v in additional.items() if v is not None},
    }


# ---------------------------------------------------------------- OpenAPI
# The bodies above as pydantic models
# (the declaration the OpenAPI document is generated from; the builders are kept for
# speed, and tests/contract/test_response_models.py holds every documented answer to its
# model exactly: keys, their order, values): every key the builders always
# write is required, every value they can leave None is nullable.
from typing import Literal  # noqa: E402

from pydantic import BaseModel, Field  # noqa: E402

from ...core.openapi import absent  # noqa: E402


class UserCreated(BaseModel):
    """POST /User: the seed's body; the new userId is not returned."""

    responseText: Literal["Success"]
    isSuccess: Literal[True]
    responseData: str | None = Field(description="Always null here; the SDKs type it a string for AddUser.")  # [PUB]


class UserEdited(BaseModel):
    isSuccess: Literal[True]
    responseText: Literal["Success"]


class UserDeleted(BaseModel):
    responseText: Literal["Success"]


class ScopeEntry(BaseModel):
    orgEntry: str
    orgId: int
    orgType: int


class RoleEntry(BaseModel):
    roleLabel: str | None
    roleValue: bool | None


class UserQueryRecord(BaseModel):
    """A stored user, as ``query_record()`` writes it."""

    userId: int
    Email: str | None
    Name: str | None
    Phone: str | None
    snProvider: str | None
    snIdentifier: str | None
    snData: str | None
    Scope: list[ScopeEntry]
    Access: list[RoleEntry]
    UsrStatus: int
    language: str
    timeZone: int
    UsrMFA: bool
    UsrMFAMode: int
    createdAt: str
    lastAccess: str | None
    AdditionalData: dict[str, str] | None = Field(description="The user's additionalData (an object; older SDKs typed its JSON text).")


class QuerySummary(BaseModel):
    """The newest SDK's QuerySummary (sdk-python 1.0.19): ``pageidentifier`` in lower case, amounts as floats."""

    pageidentifier: str | None = Field(description="Opaque token of the next page; null on the last page.")
    pageSize: int
    totalAmount: float
    totalNetAmount: float
    totalPages: int
    totalRecords: int


class QueryUserResponse(BaseModel):
    Records: list[UserQueryRecord]
    Summary: QuerySummary


class PayabliAccessTokenResponse(BaseModel):
    token_type: Literal["Bearer"]
    access_token: str
    expires_in: int
    state: str = absent("Echoed only when the request sent one.")
