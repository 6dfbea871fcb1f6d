"""Sabi's ``ApiKey`` header check [SEED: "ApiKey: The platform api key is required"].

HTTP header names are case-insensitive and the core hands them over
lower-cased, so ``ApiKey``, ``apikey`` and ``APIKEY`` all work.  A missing,
empty or unknown key is the same 401 [INF]: an API-key guard (Passport's
HeaderAPIKeyStrategy or a hand-written CanActivate) throwing
``new UnauthorizedException()`` -> ``{"statusCode":401,"message":"Unauthorized"}``.
"""

from __future__ import annotations

from ...core.errors import VendorError
from ...core.vendor import Call
from .models import ApiKey


class ApiKeys:
    __slots__ = ("_keys",)

    def __init__(self, keys: list[ApiKey]) -> None:
        self._keys = {k.key: k for k in keys}

    def authenticate(self, call: Call) -> ApiKey:
        """The calling platform's key record, or the 401."""
        value = call.headers.get("apikey")
        key = self._keys.get(value.strip()) if value else None
        if key is None:
            raise VendorError("UNAUTHORIZED")
        return key
