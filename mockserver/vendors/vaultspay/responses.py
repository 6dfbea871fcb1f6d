"""VaultsPay response bodies, in the seed's key order."""

from __future__ import annotations

from typing import Any

from ...core.vendor import Reply


def _phone_number(record: dict[str, Any]) -> str | None:
    if record.get("countryCode") and record.get("phone"):
        return f"{record['countryCode']}{record['phone']}"
    return None


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
        "phoneNumber": _phone_number(agent),
    }


def user(record: dict[str, Any], agent: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record["id"],
        "parentId": record["parentId"],
        "sessionId": None,  # [INF] listed in the field table, absent from the example
        "firstName": record["firstName"],
        "lastName": record["lastName"],
        "parent": parent(agent),
        "userType": "USER",
        "email": record.get("email"),
        "username": record["username"],
        "countryCode": record.get("countryCode"),
        "phone": record.get("phone"),
        "status": record["status"],
        "fullName": f"{record['firstName']} {record['lastName']}",
        "phoneNumber": _phone_number(record),
    }


def users_page(records: list[dict[str, Any]], agent: dict[str, Any], pagination: dict[str, Any]) -> Reply:
    # [PUB] list shape of the pagination page: {"data": [...], "pagination": {...}}
    return Reply(200, {"data": [user(record, agent) for record in records], "pagination": pagination})


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
