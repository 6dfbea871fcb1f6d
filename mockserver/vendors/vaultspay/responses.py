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


def wrapped(data: Any, status: int = 200) -> Reply:
    return Reply(status, {"data": data})
