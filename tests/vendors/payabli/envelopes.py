"""Payabli's error answers as the tests expect them (the v1 envelope with its response code)."""

from __future__ import annotations

from typing import Any

UNAUTHORIZED = {
    "isSuccess": False,
    "responseText": "Error",
    "responseData": {"explanation": "Unauthorized request.", "todoAction": "Provide a valid API token in the requestToken header."},
}


def error(code: int, explanation: str, todo: str) -> dict[str, Any]:
    return {"isSuccess": False, "responseCode": code, "responseText": "Error", "responseData": {"explanation": explanation, "todoAction": todo}}


def e3003(*clauses: str) -> dict[str, Any]:
    return error(3003, "Invalid parameter value in request: " + "; ".join(clauses), "Provide the correct value for parameter.")


E3201 = error(3201, "Empty scope array for user", "Provide a valid scope for user.")
E3004 = error(3004, "Invalid TimeZone value", "Provide a value between -12 and +12.")
E3006 = error(3006, "Invalid user status", "Provide a valid status value for user (either 0, 1, or 85).")
