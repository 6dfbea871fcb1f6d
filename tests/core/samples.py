"""A valid create-user body per vendor (the seed's own example where it has one), and the route to send it on.

bench/memory.py imports this module too (from the checkout): it sends its creates the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from mockserver.app import MockServer

CREATE_BODIES: dict[str, dict[str, Any]] = {
    "vaultspay": {"firstName": "khalid", "lastName": "raza", "email": "khalidraza@gmail.com", "countryCode": "92", "phone": "3329465636", "status": "ACTIVE"},
    "payabli": {
        "email": "example@email.com", "phone": "5555555555", "name": "Sean Smith", "pwd": "s3cret!",
        "scope": [{"orgType": 0, "orgId": 123}], "access": [{"roleLabel": "customers", "roleValue": True}],
        "usrStatus": 1, "timeZone": -5, "language": "en", "mfaData": {"mfa": True, "mfaMode": 0},
        "additionalData": {"key1": "value1", "key2": "value2", "key3": "value3"},
    },
    "sabi": {"username": "ada.obi@example.ng", "password": "Secret123!", "firstName": "Ada", "lastName": "Obi", "role": "CUSTOMER", "gender": "FEMALE", "phone": "08031234567"},
    "pulse": {"email": "newuser@test.com", "name": "John Doe"},
    "etelecom": {"full_name": "Nguyễn Văn An", "password": "secret123", "phone": "0912345678", "roles": ["telecom_customerservice"]},
}


def variant(vendor: str, n: int) -> dict[str, Any]:
    """The sample with its unique keys changed, so call n never duplicates call m."""
    body = dict(CREATE_BODIES[vendor])
    if vendor == "vaultspay":
        body.update(email=f"user{n}@example.pk", phone=f"33{n:08d}")
    elif vendor == "payabli":
        body.update(email=f"user{n}@example.com")
    elif vendor == "sabi":
        body.update(username=f"user{n}@example.ng", phone=f"0803{n:07d}")
    elif vendor == "pulse":
        body.update(email=f"user{n}@example.com")
    elif vendor == "etelecom":
        body.update(phone=f"0913{n:06d}")
    return body


def edited(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``body`` with ``changes`` applied; a change to ``...`` removes the key."""
    out = dict(body)
    for key, value in changes.items():
        if value is ...:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def create_route(app: MockServer, vendor: str, origin: str) -> tuple[str, str, list[tuple[bytes, bytes]]]:
    """``vendor``'s create-user route as ``MockServer.answer_directly`` takes it: method, path and headers.

    The headers are those its example sends (credentials included), plus a JSON
    content type where they name none and ``origin``'s host.  A list: a caller
    may add its own (a test session).
    """
    info = app.runtime.describe(origin)[vendor]
    method, _, url = info["create_user"].partition(" ")
    headers = [(k.lower().encode(), str(v).encode()) for k, v in info["headers"].items()]
    if not any(k == b"content-type" for k, _ in headers):
        headers.append((b"content-type", b"application/json"))
    headers.append((b"host", urlsplit(origin).netloc.encode()))
    return method, url[len(origin):], headers
