"""Shared constants and helpers for the Pulse CRM tests."""

from __future__ import annotations

from typing import Any

URL = "/pulse/users"
LOGIN = "/pulse/auth/login"
SESSION = "/pulse/auth/session"

T0 = "2025-03-01T12:00:00.000Z"  # every test runs on a clock frozen here
ADMIN_TOKEN = "879a7c8ad2c73e4cbffb17b84d32854232b13a58f317d4b1cce122063b0be600"  # dana, admin of 2311
AGENT_TOKEN = "7de7949f0bd490987a11a785977c5d54c1c5bf9c0cdc89c374deb47cd8207114"  # marcus, agent of 2311
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}", "x-account-id": "2311"}
DANA = "dana.whitfield@summit-ms.example"

USER_KEYS = [
    "id", "email", "name", "active", "teamId", "phone", "imgSrc", "notificationPreferences",
    "createdBy", "updatedBy", "createdAt", "updatedAt", "accounts", "flatRolesList", "flatPermissionsList",
]
SESSION_KEYS = [
    "id", "email", "active", "createdBy", "updatedBy", "createdAt", "updatedAt", "impersonating",
    "primaryAccount", "accounts", "flatRolesList", "flatPermissionsList", "permissionsFromRoles",
    "permissionsFromRolesDetails", "token", "expiresAt",
]
SUMMIT = {"accountId": "2311", "accountName": "Summit Merchant Services", "usersPrimaryAccount": True, "accountAdmin": False}


def error(status: int, message: str) -> dict[str, Any]:
    label = {
        400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
        405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large",
    }[status]
    return {"error": label, "status": status, "message": message}


def freeze(client: Any) -> dict[str, str]:
    """Freeze the clock at T0, re-seed there, and return describe()'s ready headers."""
    assert client.post("/__admin/clock", json={"freeze": True, "set": T0}).status_code == 200
    assert client.post("/__admin/reset").status_code == 200
    headers: dict[str, str] = client.get("/__admin/vendors").json()["pulse"]["headers"]
    return headers
