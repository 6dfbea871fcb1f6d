"""Shared constants for the Sabi tests: the route, the fixture's platform key, class-validator's wording."""

from __future__ import annotations

from typing import Any

URL = "/sabi/api/v1/users/public"
KEY = "sabi-sandbox-platform-key-0001"
AUTH = {"ApiKey": KEY}
JSON = {**AUTH, "Content-Type": "application/json"}
NOW = "2026-03-01T10:00:00.000Z"
MINIMAL = {"username": "tunde@example.ng", "password": "pw", "firstName": "Tunde", "lastName": "Bakare"}
# class-validator's messages for the four required fields, missing, in its order.
REQUIRED = [
    "username should not be empty", "username must be a string",
    "password should not be empty", "password must be a string",
    "firstName should not be empty", "firstName must be a string",
    "lastName should not be empty", "lastName must be a string",
]
UNAUTHORIZED = {"statusCode": 401, "message": "Unauthorized"}
# [SEED] the response example's keys, in its order (an invited user is the same document).
SEED_KEYS = [
    "wallet", "settlement", "location", "metadata", "_id", "__v", "appDefaultView", "businesses", "bvmVerified",
    "commodityActiveTraderStatus", "country", "createdAt", "createdBy", "customerRating", "driversLicenseVerified",
    "emailVerification", "firstName", "hasPin", "identityDocVerified", "invitationType", "isDistributor",
    "isForeigner", "isManufacturer", "lastName", "livenessImageVerified", "ninVerified", "passId",
    "passportNumberVerified", "password", "passwordExpirationDate", "passwordResetStatus", "permissions", "phone",
    "phoneVerified", "profileOwners", "proofOfAddressVerified", "roles", "sellerRating", "status", "tenants", "type",
    "updatedAt", "userHandle", "username", "voterCardVerified",
]


def bad_request(*messages: str) -> dict[str, Any]:
    return {"statusCode": 400, "message": list(messages), "error": "Bad Request"}
