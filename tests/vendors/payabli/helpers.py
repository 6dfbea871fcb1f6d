"""Shared constants and helpers for the Payabli tests: the fixture's token, the seed's request and its record."""

from __future__ import annotations

from typing import Any

from mockserver.vendors.payabli.examples import SEAN

BASE = "/payabli/api"
URL = f"{BASE}/User"
TOKEN = "pbx-demo-token-7f3c9a2e41d84b6f"
AUTH = {"requestToken": TOKEN, "Content-Type": "application/json"}
CREATED = b'{"responseText":"Success","isSuccess":true,"responseData":null}'
FIRST_NEW_ID = 1000005  # fixture users 1000000-1000001, three generated 1000002-1000004
# The seed's request example, every documented field: the documented flow's Sean with the
# seed's own placeholder password and all three additionalData keys.
SEED_EXAMPLE: dict[str, Any] = {**SEAN, "pwd": "<string>", "additionalData": {"key1": "value1", "key2": "value2", "key3": "value3"}}
# SEED_EXAMPLE created at 2024-05-06T07:08:09Z as the first new user, read back (GET /User/{id}, Query records).
SEED_RECORD = {
    "userId": FIRST_NEW_ID, "Email": "example@email.com", "Name": "Sean Smith", "Phone": "5555555555",
    "snProvider": None, "snIdentifier": None, "snData": None,
    "Scope": [{"orgEntry": "pilgrim-planner", "orgId": 123, "orgType": 0}],
    "Access": [{"roleLabel": "customers", "roleValue": True}],
    "UsrStatus": 1, "language": "en", "timeZone": -5, "UsrMFA": True, "UsrMFAMode": 0,
    "createdAt": "2024-05-06T07:08:09Z", "lastAccess": None,
    "AdditionalData": {"key1": "value1", "key2": "value2", "key3": "value3"},  # an object, as the newest SDK reads it
}
def vendor(client: Any) -> Any:
    return client.app.runtime.vendors["payabli"]
