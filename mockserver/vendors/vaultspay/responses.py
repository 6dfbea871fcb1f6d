"""VaultsPay response bodies, in the seed's key order."""

from __future__ import annotations

from typing import Any

from ...core.vendor import Reply
from .users import phone_number


def parent(agent: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": agent["id"],
        "firstName": agent["firstName"],
        "lastName": agent["lastName"],
        "userType": agent["userType"],
        "email": agent["email"],
        "username": agent["username"],
        "countryCode": agent["countryCode"],
        "phone": agent["phone"],
        "status": agent["status"],
        "fullName": f"{agent['firstName']} {agent['lastName']}",
        "phoneNumber": phone_number(agent["countryCode"], agent["phone"]),
    }


def user(record: dict[str, Any], parent_body: dict[str, Any]) -> dict[str, Any]:
    """A stored user, as ``user_body`` writes it."""
    return user_body(
        record["id"], record["parentId"], record["firstName"], record["lastName"], record.get("email"), record["username"],
        record.get("countryCode"), record.get("phone"), record["status"], parent_body,
    )


def user_body(
    user_id: int, parent_id: int, first_name: str, last_name: str, email: str | None, username: str,
    country_code: str | None, phone: str | None, status: str, parent_body: dict[str, Any],
) -> dict[str, Any]:
    """The user object in the seed's key order.  create_user passes the values it has
    in hand rather than reading them back out of the record.  ``parent_body`` is
    ``parent(agent)``, written once at start-up (copied here, so no two responses share it)."""
    return {
        "id": user_id,
        "parentId": parent_id,
        "sessionId": None,  # [INF] listed in the field table, absent from the example
        "firstName": first_name,
        "lastName": last_name,
        "parent": dict(parent_body),
        "userType": "USER",
        "email": email,
        "username": username,
        "countryCode": country_code,
        "phone": phone,
        "status": status,
        "fullName": f"{first_name} {last_name}",
        "phoneNumber": phone_number(country_code, phone),
    }


def users_page(records: list[dict[str, Any]], parent_body: dict[str, Any], pagination: dict[str, Any]) -> Reply:
    # [PUB] list shape of the pagination page: {"data": [...], "pagination": {...}}
    return Reply(200, {"data": [user(record, parent_body) for record in records], "pagination": pagination})


def personal(user_id: int, info: dict[str, Any], status: str) -> dict[str, Any]:
    """The personal-info result model, in the update-personal-info example's key order."""
    dob = info.get("dob")
    return {
        "userId": user_id,
        "firstName": info.get("firstName"),
        "lastName": info.get("lastName"),
        "nickName": info.get("nickName"),
        # a LocalDate served as a UTC midnight instant, as in the example
        "dob": f"{dob}T00:00:00.000+00:00" if dob else None,
        "gender": info.get("gender"),
        "maritalStatus": info.get("maritalStatus"),
        "nationality": info.get("nationality"),
        "countryOfBirth": info.get("countryOfBirth"),
        "countryOfResidence": info.get("countryOfResidence"),
        "language": info.get("language"),
        "tin": info.get("tin"),
        "status": status,
    }


def kyc(record: dict[str, Any], status: str, personal_info: dict[str, Any] | None) -> dict[str, Any]:
    """GET /us/api/v1/kyc/{userId}: the get-kyc example's keys and order."""
    return {
        "userId": record["id"],
        "userType": "USER",
        "email": record.get("email"),
        "phone": record.get("phone"),
        "countryCode": record.get("countryCode"),
        "status": status,
        "personalInfo": personal_info,
        # [INF] no business or identification submission is emulated: null
        "businessInfo": None,
        "identificationInfo": None,
    }


def wrapped(data: Any, status: int = 200) -> Reply:
    return Reply(status, {"data": data})


# ---------------------------------------------------------------- OpenAPI
# The bodies above as pydantic models
# (the declaration the OpenAPI document is generated from; the builders are kept for
# speed, and tests/contract/test_response_models.py holds every documented answer to its
# model exactly: keys, their order, values).  Every key the builders always
# write is required; a value they can leave None is nullable.
from typing import Literal  # noqa: E402

from pydantic import BaseModel, Field  # noqa: E402

from .models import Gender, KycStatus, MaritalStatus, Status  # noqa: E402


class Parent(BaseModel):
    """``parent``: the calling agent (fixture), as ``parent()`` writes it."""

    id: int
    firstName: str
    lastName: str
    userType: str
    email: str
    username: str
    countryCode: str
    phone: str
    status: Status
    fullName: str
    phoneNumber: str | None


class User(BaseModel):
    """A user as ``user()`` writes it."""

    id: int
    parentId: int
    sessionId: str | None = Field(description="Listed in the vendor's field table, never set here: always null.")  # [INF] a session id string
    firstName: str
    lastName: str
    parent: Parent
    userType: Literal["USER"]
    email: str | None
    username: str
    countryCode: str | None
    phone: str | None
    status: Status
    fullName: str
    phoneNumber: str | None


class UserResponse(BaseModel):
    data: User


class Pagination(BaseModel):
    currentPage: int
    perPage: int
    totalPages: int
    totalCount: int
    sort: str


class UsersPage(BaseModel):
    data: list[User]
    pagination: Pagination


class SaasLoginResponse(BaseModel):
    """saas-login: the bare token object (no ``data`` wrapper)."""

    accessToken: str
    accessTokenExpiry: str
    refreshToken: str
    refreshTokenExpiry: str


class RefreshedToken(BaseModel):
    accessToken: str
    accessTokenExpiry: str


class RefreshResponse(BaseModel):
    data: RefreshedToken


class PersonalInfo(BaseModel):
    """The personal-info result, as ``personal()`` writes it."""

    userId: int
    firstName: str | None
    lastName: str | None
    nickName: str | None
    dob: str | None
    gender: Gender | None
    maritalStatus: MaritalStatus | None
    nationality: str | None
    countryOfBirth: str | None
    countryOfResidence: str | None
    language: str | None
    tin: str | None
    status: KycStatus


class PersonalInfoResponse(BaseModel):
    data: PersonalInfo


class Kyc(BaseModel):
    """GET /us/api/v1/kyc/{userId}, as ``kyc()`` writes it."""

    userId: int
    userType: Literal["USER"]
    email: str | None
    phone: str | None
    countryCode: str | None
    status: KycStatus
    personalInfo: PersonalInfo | None
    # Sections the emulator never fills (always null); the vendor's are objects [PUB: GET kyc example].
    businessInfo: dict[str, Any] | None
    identificationInfo: dict[str, Any] | None


class KycResponse(BaseModel):
    data: Kyc
