"""The generated documents say exactly what the server accepts.

- No schema anywhere is typed only ``null`` (openapi-generator aborts on one):
  a field that is always null is documented with the type the vendor gives it,
  nullable.
- Each regex a rule became accepts exactly what the server's code accepts,
  checked against that code over generated strings: str.strip()'s whitespace,
  eTelecom's phone normalisation, Go's int64 ids and the paging cursor.
- Each rule across fields (VaultsPay's contact fields, Pulse's two logins,
  Payabli's known organizations, eTelecom's after/before) agrees with the
  server: a body the schema accepts is served, one it refuses is refused.
"""

from __future__ import annotations

import itertools
import random
import re
from typing import Any, Iterator

import jsonschema
import pytest
from starlette.testclient import TestClient

from mockserver.core.openapi import NOT_BLANK_PATTERN, WHITESPACE
from mockserver.vendors import NAMES
from mockserver.vendors.etelecom import models as ETELECOM
from mockserver.vendors.etelecom.godecode import parse_id
from mockserver.vendors.etelecom.gojson import GoDecodeError
from mockserver.vendors.etelecom.paging import CURSOR_PATTERN, SORTS, _FIELDS, _decode, _encode
from mockserver.vendors.etelecom.rules import PHONE_PATTERN, normalize_phone
from tests.conftest import make_client

ABSENT = object()  # a key left out of the body


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with make_client(clock="frozen:2026-01-01T00:00:00Z") as c:
        yield c


@pytest.fixture(scope="module")
def docs(client: TestClient) -> dict[str, dict[str, Any]]:
    served = {vendor: client.get(f"/__admin/openapi/{vendor}.json") for vendor in NAMES}
    assert all(reply.status_code == 200 for reply in served.values())
    return {vendor: reply.json() for vendor, reply in served.items()}


def body_schema(doc: dict[str, Any], path: str) -> jsonschema.Draft202012Validator:
    schema = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return jsonschema.Draft202012Validator({**schema, "components": doc["components"]})


def body(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not ABSENT}


# ----------------------------------------------------------------- no null-only schema
def _null_only(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "null" or kind == ["null"] or schema.get("enum") == [None] or ("const" in schema and schema["const"] is None)


def null_only_schemas(node: Any, where: str = "#") -> Iterator[str]:
    """JSON pointers of schemas that allow null alone, outside a nullable union."""
    if isinstance(node, dict):
        if _null_only(node):
            yield where
        for key, value in node.items():
            if key in ("example", "examples", "default", "const", "enum"):
                continue  # values, not schemas
            if key in ("anyOf", "oneOf") and isinstance(value, list):
                others = [option for option in value if not (isinstance(option, dict) and _null_only(option))]
                for i, option in enumerate(value):
                    if option in others or not others:  # null beside another type is a nullable union
                        yield from null_only_schemas(option, f"{where}/{key}/{i}")
                continue
            yield from null_only_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from null_only_schemas(value, f"{where}/{i}")


def test_the_walker_finds_a_null_only_property() -> None:
    found = list(null_only_schemas({"properties": {"a": {"type": "null"}, "b": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                                                   "c": {"anyOf": [{"type": "null"}]}, "d": {"const": None}}}))
    assert found == ["#/properties/a", "#/properties/c/anyOf/0", "#/properties/d"]


@pytest.mark.parametrize("vendor", NAMES)
def test_no_schema_is_typed_only_null(docs: dict[str, dict[str, Any]], vendor: str) -> None:
    assert list(null_only_schemas(docs[vendor])) == []


def test_always_null_fields_carry_the_vendors_type(docs: dict[str, dict[str, Any]]) -> None:
    nullable_string = [{"type": "string"}, {"type": "null"}]
    schemas = {vendor: doc["components"]["schemas"] for vendor, doc in docs.items()}
    assert schemas["vaultspay"]["User"]["properties"]["sessionId"]["anyOf"] == nullable_string
    assert schemas["vaultspay"]["Kyc"]["properties"]["businessInfo"]["anyOf"] == [{"type": "object", "additionalProperties": True}, {"type": "null"}]
    assert schemas["payabli"]["UserCreated"]["properties"]["responseData"]["anyOf"] == nullable_string
    assert schemas["sabi"]["UserDocument"]["properties"]["password"]["anyOf"] == nullable_string
    assert schemas["sabi"]["Wallet"]["properties"]["createdAt"]["anyOf"] == nullable_string


# ----------------------------------------------------------------- regexes = the code
def test_whitespace_class_is_what_strip_removes() -> None:
    spaces = re.compile(f"[{WHITESPACE}]")
    assert [c for c in map(chr, range(0x110000)) if c.isspace()] == [c for c in map(chr, range(0x110000)) if spaces.match(c)]
    assert re.search(NOT_BLANK_PATTERN, " \u3000\x1c") is None and re.search(NOT_BLANK_PATTERN, " x ")


PHONE_PARTS = [*"0123456789", *"0000", "84", "+84", "+", "-", "(", ")", " ", ".", "\t", "\n", "\xa0", "\u3000", "x", "a", "_", "-test", "-a1", "-1a"]


def _phone_ok(raw: str) -> bool:
    stripped = raw.strip()  # the handler strips before the blank check and NormalizePhone
    return bool(stripped) and normalize_phone(stripped)[1]


def _phone_like(rng: random.Random) -> str:
    if rng.random() < 0.5:  # anything made of the characters that matter
        return "".join(rng.choice(PHONE_PARTS) for _ in range(rng.randrange(25)))
    digits = "".join(rng.choice("0123456789") + rng.choice(["", "", "", " ", "-", ".", "(", ")", "\t"]) for _ in range(rng.randint(7, 13)))
    return (rng.choice(["", "+84", "84", "0", "00", "(", " ", "+", "\u3000", "+84(", "84 "]) + digits
            + rng.choice(["", "", "-test", "-a1-test", "-1a-test", "--test", "x", " ext 5", "5", "(1)", " "]))


def test_phone_pattern_is_normalize_phone() -> None:
    rng, seen = random.Random(13), set()
    for _ in range(20000):
        raw = _phone_like(rng)
        seen.add(ok := _phone_ok(raw))
        assert (re.search(PHONE_PATTERN, raw) is not None) == ok, repr(raw)
    assert seen == {True, False}


@pytest.mark.parametrize("raw", [
    "+84 901 234 567", "0901234567", "84901234567", "(090) 123 4567", "+84(901)234567", " 84 1234 5678", "0912345678x",
    "0912-345-678-test", "091234567-1a-test", "0912345678-1a-test", "091234567890-1a-test", "\xa00912345678 ", "0", "",
])
def test_phone_pattern_on_known_numbers(raw: str) -> None:
    assert (re.search(PHONE_PATTERN, raw) is not None) == _phone_ok(raw)


def _id_outcome(text: str) -> str:
    try:
        return "zero" if parse_id(text) == 0 else "id"
    except GoDecodeError:
        return "malformed"


# dot.ID as a string, optional (the zero id allowed) and required (UpdateAccountUser, DeleteAccountUser).
_SCHEMAS = ETELECOM.json_schema("X", {"id": "id"}, ()), ETELECOM.json_schema("Y", {"id": "id"}, ("id",))
OPTIONAL_ID, REQUIRED_ID = (schema["properties"]["id"] for schema in _SCHEMAS)


def test_id_patterns_are_parse_id() -> None:
    rng = random.Random(17)
    optional, required = OPTIONAL_ID["anyOf"][0]["anyOf"][1]["pattern"], REQUIRED_ID["anyOf"][1]["pattern"]
    edges = ["9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551616"]
    for _ in range(20000):
        digits = rng.choice(edges) if rng.random() < 0.2 else "".join(rng.choice("0123456789") for _ in range(rng.randrange(22)))
        text = rng.choice(["", "+", "-", "+-"]) + "0" * rng.randrange(3) + digits + rng.choice(["", "", " ", "a"])
        outcome = _id_outcome(text)
        assert (re.search(optional, text) is not None) == (outcome != "malformed"), text
        assert (re.search(required, text) is not None) == (outcome == "id"), text


def test_id_schemas_in_the_documents(docs: dict[str, dict[str, Any]]) -> None:
    schemas = docs["etelecom"]["components"]["schemas"]
    assert schemas["DeleteAccountUserRequest"]["properties"]["user_id"] == REQUIRED_ID
    assert schemas["UpdateAccountUserRequest"]["properties"]["user_id"] == REQUIRED_ID
    user_ids = schemas["GetAccountUsersRequest"]["properties"]["filter"]["anyOf"][0]["properties"]["user_ids"]
    assert user_ids["anyOf"][0]["items"] == {"anyOf": [OPTIONAL_ID["anyOf"][0], {"type": "null"}]}


def test_cursor_pattern_is_decode() -> None:
    rng = random.Random(19)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for _ in range(20000):
        cursor = "".join(rng.choice(alphabet) for _ in range(rng.choice([23, 24, 24, 24, 25, 32])))
        if rng.random() < 0.5:  # most random strings fail on the tag bytes; make them right often
            cursor = cursor[:10] + rng.choice("AEIMQUYcgkosw048") + "B" + cursor[12:22] + rng.choice(["AC", "ED", "D9", "_-", "AB", "C9"])
        try:
            _decode(cursor)
            decodes = True
        except ValueError:
            decodes = False
        assert (re.search(CURSOR_PATTERN, cursor) is not None) == decodes, cursor


def test_every_cursor_the_server_writes_matches() -> None:
    rng = random.Random(23)
    for _ in range(5000):
        row = {"k": rng.randint(-(2**63), 2**63 - 1), "id": rng.randint(-(2**63), 2**63 - 1)}
        assert re.search(CURSOR_PATTERN, _encode(rng.choice(sorted(_FIELDS)), rng.random() < 0.5, row, "k"))


def test_sort_pattern() -> None:
    assert [s for s in ("", "created_at", "-created_at", "updated_at", "-updated_at", "id", "-id", "name", "created_at,id") if re.search(SORTS, s)] \
        == ["", "created_at", "-created_at", "updated_at", "-updated_at"]


# ----------------------------------------------------------------- rules across fields = the server
def test_vaultspay_contact_rule(client: TestClient, docs: dict[str, dict[str, Any]]) -> None:
    """Either an email, or countryCode with phone; half a phone number is refused."""
    headers = client.get("/__admin/vendors").json()["vaultspay"]["headers"]
    schema = body_schema(docs["vaultspay"], "/as/api/v1/users")
    for i, (email, code, phone) in enumerate(itertools.product([ABSENT, None, "e"], [ABSENT, None, "92"], [ABSENT, None, "p"])):
        sent = body(firstName="A", lastName="B", status="ACTIVE", email=f"c{i}@rule.pk" if email == "e" else email,
                    countryCode=code, phone=f"30000000{i:02d}" if phone == "p" else phone)
        reply = client.post("/vaultspay/as/api/v1/users", json=sent, headers=headers)
        assert reply.status_code in (200, 400), reply.text
        assert schema.is_valid(sent) == (reply.status_code == 200), (sent, reply.text)


def test_pulse_login_rule(client: TestClient, docs: dict[str, dict[str, Any]]) -> None:
    """Both halves of an API key, or an email and a password without any half of a key."""
    schema = body_schema(docs["pulse"], "/auth/login")
    values = {"email": "dana.whitfield@summit-ms.example", "password": "pulse-demo-password",
              "apiKey": "apiKey-3f9c2a7e51d84b06", "apiSecret": "pulse-demo-api-secret-7d1e0c94b2a64f38"}
    for choice in itertools.product([ABSENT, None, "set"], repeat=4):
        sent = body(**{name: values[name] if pick == "set" else pick for name, pick in zip(values, choice)})
        reply = client.post("/pulse/auth/login", json=sent)
        assert reply.status_code in (200, 400), reply.text
        assert schema.is_valid(sent) == (reply.status_code == 200), (sent, reply.text)


def test_payabli_scope_names_a_known_organization(client: TestClient, docs: dict[str, dict[str, Any]]) -> None:
    headers = client.get("/__admin/vendors").json()["payabli"]["headers"]
    schema = body_schema(docs["payabli"], "/api/User")
    for i, (org_type, org_id) in enumerate(itertools.product([ABSENT, None, 0, 2, 1], [123, 236, 255, 999])):
        sent = {"email": f"scope{i}@rule.example", "scope": [body(orgType=org_type, orgId=org_id)]}
        reply = client.post("/payabli/api/User", json=sent, headers=headers)
        assert reply.status_code in (200, 400), reply.text
        assert schema.is_valid(sent) == (reply.status_code == 200), (sent, reply.text)


def test_etelecom_paging_rules(client: TestClient, docs: dict[str, dict[str, Any]]) -> None:
    """after and before never together; each "", "." or a cursor; a known sort; a limit of 0 or more.
    (Whether a cursor was written for the same sort is not stated: every cursor here is the default sort's.)"""
    headers = client.get("/__admin/vendors").json()["etelecom"]["headers"]
    schema = body_schema(docs["etelecom"], "/v1/shop.Shop/GetAccountUsers")
    first = client.post("/etelecom/v1/shop.Shop/GetAccountUsers", json={"paging": {"limit": 1}}, headers=headers).json()
    cursor = first["paging"]["next"]
    assert cursor
    for after, before, sort, limit in itertools.product(
        [ABSENT, "", ".", cursor, "x"], [ABSENT, "", cursor, "!"], [ABSENT, "", "-created_at", "id"], [ABSENT, 0, 5, -1],
    ):
        sent = {"paging": body(after=after, before=before, sort=sort, limit=limit)}
        reply = client.post("/etelecom/v1/shop.Shop/GetAccountUsers", json=sent, headers=headers)
        assert reply.status_code in (200, 400), reply.text
        assert schema.is_valid(sent) == (reply.status_code == 200), (sent, reply.text)
