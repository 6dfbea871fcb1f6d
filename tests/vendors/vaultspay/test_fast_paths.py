"""VaultsPay create-user fast paths give exactly what the general code gives.

models.parse_create (a TypedDict validator with native constraints, falling back
to the CreateUser model) against core ``parse(CreateUser)``; the Authorization
header memo against a fresh parse; the pre-built parent and the inlined
phoneNumber against the helpers they replace.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from typing_extensions import get_type_hints

from mockserver.core.errors import VendorError
from mockserver.core.validation import is_email, parse
from mockserver.vendors.vaultspay import models, responses
from mockserver.vendors.vaultspay.auth import bearer_token
from mockserver.vendors.vaultspay.models import CreateUser, CreateUserFields, parse_create
from tests.conftest import vendor_client_fixture
from tests.core.samples import CREATE_BODIES, parse_outcome, variant

client, _reset = vendor_client_fixture("vaultspay")

URL = "/vaultspay/as/api/v1/users"
SEED = CREATE_BODIES["vaultspay"]
VALID: list[Any] = [
    SEED,
    variant("vaultspay", 11),
    {**SEED, "parentId": {"any": ["thing"]}, "extra": 1},
    {"firstName": " a ", "lastName": "b", "email": "a@b.pk", "status": "PENDING"},
    {"firstName": "a", "lastName": "\u180eb", "countryCode": "1", "phone": "123456", "status": "BLOCK", "email": None},
    {"firstName": "Zoë", "lastName": "Ødegård", "countryCode": "9999", "phone": "12345678901234", "status": "ACTIVE"},
    {"firstName": "a", "lastName": "b", "status": "ACTIVE"},  # no contact: the model accepts it, the contact rule does not
    {**SEED, "email": "a@b.co\n"},  # Python's "$" allows a final newline: only the model path accepts it
]
INVALID: list[Any] = [
    {},
    {**SEED, "firstName": "  "},
    {**SEED, "firstName": "\x1c\u3000\t"},
    {**SEED, "lastName": ""},
    {**SEED, "firstName": 7},
    {**SEED, "firstName": None},
    {**SEED, "status": "DELETED"},
    {**SEED, "status": None},
    {**SEED, "email": "not-an-email"},
    {**SEED, "email": ""},
    {**SEED, "email": 5},
    {**SEED, "email": "x" * 315 + "@b.co"},
    {**SEED, "phone": "33-29"},
    {**SEED, "phone": "12345"},
    {**SEED, "phone": "123456789012345"},
    {**SEED, "phone": "٣٣٢٩٤٦٥٦٣٦"},  # Arabic-Indic digits: isdigit() but not ASCII
    {**SEED, "countryCode": "+92"},
    {**SEED, "countryCode": ""},
    {**SEED, "countryCode": "12345"},
    {**SEED, "countryCode": 92},
    {**SEED, "countryCode": "92\n"},  # isdigit() refuses the newline that Python's "$" would allow
    {"firstName": 7, "email": "x@y.pk"},
    [],
    "x",
]
RAW_INVALID = [b"", b"{", b"\xff", b"null", b"[1]"]


def _outcome(parse_body: Callable[[bytes], Any], raw: bytes) -> Any:
    return parse_outcome(parse_body, raw, CreateUser.model_fields)


@pytest.mark.parametrize("raw", [orjson.dumps(b) for b in VALID + INVALID] + RAW_INVALID)
def test_parse_create_matches_the_model(raw: bytes) -> None:
    assert _outcome(parse_create, raw) == _outcome(lambda r: parse(CreateUser, r), raw)


def test_valid_samples_take_the_fast_path() -> None:
    for body in VALID[:7]:
        models._CREATE_FIELDS.validate_python(body)  # raises if the sample would need the model


def test_fields_stay_in_step_with_the_model() -> None:
    fast = get_type_hints(CreateUserFields)
    assert list(fast) == list(CreateUser.model_fields)
    required = [name for name, field in CreateUser.model_fields.items() if field.is_required()]
    for name in CreateUser.model_fields:  # the same required set (pydantic reads Required from the strings)
        body = {n: v for n, v in SEED.items() if n != name}
        try:
            models._CREATE_FIELDS.validate_python(body)
            fast_requires = False
        except Exception:
            fast_requires = True
        assert fast_requires == (name in required), name
    assert all(field.default is None for field in CreateUser.model_fields.values() if not field.is_required())


def test_spaces_are_exactly_what_strip_removes() -> None:
    listed: set[str] = set()
    text = models.SPACES
    i = 0
    while i < len(text):
        if i + 2 < len(text) and text[i + 1] == "-":
            listed.update(chr(c) for c in range(ord(text[i]), ord(text[i + 2]) + 1))
            i += 3
        else:
            listed.add(text[i])
            i += 1
    python = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert listed == python


def _accepts(field: str, value: str) -> bool:
    body = {**SEED, "email": None, field: value}  # SEED has a valid countryCode and phone
    try:
        models._CREATE_FIELDS.validate_python(body)
    except Exception:
        return False
    return True


def _candidates(rng: random.Random) -> list[str]:
    """Near-misses of every shape the fast checks see: addresses, digit strings, names."""
    pieces = ["a", "Z", "0", "7", "٣", "-", ".", "@", "+", " ", "\t", "\n", "\x1c", "\u3000", "\u180e", "é", "xx"]

    def word(alphabet: str, low: int, high: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))

    out = []
    for _ in range(4000):
        out.append(f"{word('aZ09', 1, 4)}@{'.'.join(word('aZ09', 1, 3) for _ in range(rng.randint(1, 3)))}")
        out.append(word("0123456789", 0, 16))
        out.append(word("".join(pieces), 0, 5))
    for n, value in enumerate(out):
        for _ in range(rng.randint(0, 2) if n % 3 < 2 else 0):  # mutate addresses and digits: insert anywhere, the end included
            at = rng.randint(0, len(value))
            value = value[:at] + rng.choice(pieces) + value[at:]
        out[n] = value
    return out


def test_native_checks_accept_nothing_their_validators_reject() -> None:
    digits = {"countryCode": (1, 4), "phone": (6, 14)}
    seen = {"firstName": 0, "email": 0, "countryCode": 0, "phone": 0}
    for value in _candidates(random.Random(5)):
        for field in seen:
            if not _accepts(field, value):
                continue
            seen[field] += 1
            if field == "firstName":
                assert value.strip(), repr(value)
            elif field == "email":
                assert is_email(value), repr(value)
            else:
                low, high = digits[field]
                assert value.isascii() and value.isdigit() and low <= len(value) <= high, repr(value)
    assert all(count > 100 for count in seen.values()), seen  # the corpus does exercise acceptance


@pytest.mark.parametrize(
    "header",
    ["", "  ", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-a-jwt", "bearer a.b.c", " BEARER  a.b.c  ", "Bearer a.b.c.d"],
)
def test_header_memo_answers_like_a_fresh_parse(client: Any, header: str) -> None:
    tokens = client.app.runtime.vendors["vaultspay"].tokens
    try:
        expected: Any = bearer_token(header)
    except VendorError as exc:
        expected = exc.name
    before = tokens._bearer.cache_info()
    for _ in range(2):  # the second call may answer from the memo
        response = client.post(URL, json=SEED, headers={"Authorization": header} if header else {})
        if isinstance(expected, str) and expected in ("UNAUTHENTICATED", "INVALID_TOKEN"):
            assert response.json()["type"] == expected
        else:
            assert response.json()["type"] == "UNAUTHORISED"  # well-formed, unknown token
    after = tokens._bearer.cache_info()
    if expected in ("UNAUTHENTICATED", "INVALID_TOKEN"):  # a malformed header is never remembered
        assert (after.currsize, after.hits) == (before.currsize, before.hits)
    else:  # a well-formed one is taken apart once
        assert after.hits > before.hits


def _phone_number(record: dict[str, Any]) -> str | None:
    # responses._phone_number, which user() now inlines
    if record.get("countryCode") and record.get("phone"):
        return f"{record['countryCode']}{record['phone']}"
    return None


def test_user_body_is_unchanged(client: Any) -> None:
    vendor = client.app.runtime.vendors["vaultspay"]
    for cc, phone in [("92", "3001112222"), (None, None), ("92", None), (None, "3001112222"), ("", "1")]:
        record = {"id": 1, "parentId": 4, "firstName": "a", "lastName": "b", "email": None, "countryCode": cc, "phone": phone,
                  "status": "ACTIVE", "username": "u"}
        body = responses.user(record, vendor.parent)
        assert body["phoneNumber"] == _phone_number(record)
        assert body["parent"] == responses.parent(vendor.agent) and body["parent"] is not vendor.parent


def test_created_user_is_user_of_the_stored_record(client: Any) -> None:
    vendor = client.app.runtime.vendors["vaultspay"]
    auth = client.get("/__admin/vendors").json()["vaultspay"]["headers"]
    bodies = [SEED, {**variant("vaultspay", 3), "email": None}, {**variant("vaultspay", 4), "countryCode": None, "phone": None}]
    for body in bodies:
        response = client.post(URL, json=body, headers=auth)
        assert response.status_code == 200, response.text
        stored = vendor.users.get(response.json()["data"]["id"])
        assert response.content == orjson.dumps({"data": responses.user(stored, responses.parent(vendor.agent))})
