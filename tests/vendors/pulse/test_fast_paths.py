"""Pulse CRM create-user fast paths give exactly what the general code gives.

parse_create (a TypedDict validator with a native email pattern, falling back to
the CreateUser model) against parse_request(CreateUser), and responses.new_user
(a copy of the stored record plus a cached membership view) against user().
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from pydantic import ValidationError
from typing_extensions import get_type_hints

from mockserver.core.validation import is_email
from mockserver.vendors.pulse import models, responses
from mockserver.vendors.pulse.models import CreateUser, CreateUserFields, parse_create, parse_request
from tests.conftest import vendor_client_fixture
from tests.core.samples import CREATE_BODIES, parse_outcome, variant
from tests.vendors.pulse import URL, freeze

client, _reset = vendor_client_fixture("pulse")

PREFS = {
    "lead_created": {"event": "lead_created", "deliveryPref": ["email", "sms"], "junk": 1},
    "default": {"event": "user_added_to_account", "accountId": "2311"},
}
VALID: list[Any] = [
    CREATE_BODIES["pulse"],
    variant("pulse", 7),
    {"email": "newuser@test.com", "name": "John Doe", "roles": ["user", "agent"]},
    {"email": "n@test.com", "name": None, "phone": None, "teamId": 10.0, "roles": ["agent", "agent"], "extra": 1},
    {"email": "a@b.co", "teamId": 12, "phone": "+1 415", "imgSrc": "x", "notificationPreferences": PREFS, "roles": []},
    {"email": "a@b.co", "notificationPreferences": {}, "roles": None, "teamId": None, "imgSrc": None},
    {"email": "first.last+tag@sub-domain.example.org"},
    {"email": "a@b.co\n"},  # Python's "$" allows a final newline: only the model path accepts it
    {"email": "x" * 314 + "@b.co"},  # 320 characters: the longest allowed
]
INVALID: list[Any] = [
    {},
    {"name": "x"},
    {"email": "string"},
    {"email": ""},
    {"email": None},
    {"email": 42},
    {"email": "x" * 315 + "@b.co"},
    {"email": "a@b.co\n\n"},
    {"email": "ü@b.co"},
    {"email": "a@b-.co"},
    {"email": "a@b.co", "name": 7},
    {"email": "a@b.co", "phone": 4155550100},
    {"email": "a@b.co", "imgSrc": True},
    {"email": "a@b.co", "teamId": "10"},
    {"email": "a@b.co", "teamId": 10.5},
    {"email": "a@b.co", "teamId": True},
    {"email": "a@b.co", "roles": "agent"},
    {"email": "a@b.co", "roles": ["agent", 3]},
    {"email": "a@b.co", "notificationPreferences": []},
    {"email": "a@b.co", "notificationPreferences": {"x": 1}},
    {"email": "a@b.co", "notificationPreferences": {"x": {}}},
    {"email": "a@b.co", "notificationPreferences": {"x": {"event": "lead_exploded"}}},
    {"email": "a@b.co", "notificationPreferences": {"x": {"event": "cron_job", "deliveryPref": ["fax"]}}},
    {"email": "a@b.co", "notificationPreferences": {"x": {"event": "cron_job", "accountId": 2311}}},
    {"email": "nope", "name": 1, "teamId": "x", "roles": [None]},
    [],
    "a@b.co",
    None,
]
RAW_INVALID = [b"", b"{", b'{"email": "a@b.co",}', b"\xff\xfe", b"42", b"[{}]"]


def _outcome(parse: Callable[[bytes], Any], raw: bytes) -> Any:
    return parse_outcome(parse, raw, CreateUser.model_fields, _plain)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v.model_dump(exclude_unset=True) if hasattr(v, "model_dump") else v for k, v in value.items()}
    return value


@pytest.mark.parametrize("raw", [orjson.dumps(b) for b in VALID + INVALID] + RAW_INVALID)
def test_parse_create_matches_the_model(raw: bytes) -> None:
    assert _outcome(parse_create, raw) == _outcome(lambda r: parse_request(CreateUser, r), raw)


def test_valid_samples_are_accepted() -> None:
    for body in VALID:
        assert _outcome(parse_create, orjson.dumps(body))[0] == "ok", body


def test_fields_stay_in_step_with_the_model() -> None:
    fast = get_type_hints(CreateUserFields, include_extras=True)
    full = get_type_hints(CreateUser, include_extras=True)
    assert list(fast) == list(full)
    assert {name: fast[name] for name in fast if name != "email"} == {name: full[name] for name in full if name != "email"}
    with pytest.raises(ValidationError):  # email required (pydantic reads Required from the string annotation)
        models._CREATE_FIELDS.validate_python({})
    assert models._CREATE_FIELDS.validate_python({"email": "a@b.co"}) == {"email": "a@b.co"}  # absent stay absent
    assert [n for n, f in CreateUser.model_fields.items() if f.is_required()] == ["email"]
    assert all(f.default is None for n, f in CreateUser.model_fields.items() if n != "email")


def test_native_email_pattern_accepts_nothing_is_email_rejects() -> None:
    # Soundness of the fast path: what pydantic-core's pattern accepts, is_email accepts.
    check = models._CREATE_FIELDS
    rng = random.Random(3)
    pieces = ["a", "Z", "0", "9", "-", ".", "_", "+", "!", "~", "`", "{", "|", "}", "é", "\n", " ", "@", "xx", "-b"]

    def word(n: int) -> str:
        return "".join(rng.choice(pieces[:4]) for _ in range(n))

    candidates = []
    for _ in range(20000):
        email = f"{word(rng.randint(1, 4))}@{'.'.join(word(rng.randint(1, 3)) for _ in range(rng.randint(1, 3)))}"
        for _ in range(rng.randint(0, 2)):  # mutate: insert a piece anywhere, the end included
            at = rng.randint(0, len(email))
            email = email[:at] + rng.choice(pieces) + email[at:]
        candidates.append(email)
    candidates += ["a@b.co", "a@b.co\n", "a@-b.co", "a@b.c-", "a" * 63 + "@" + "b" * 63 + ".co", "a@" + "b" * 64 + ".co"]
    accepted = 0
    for email in candidates:
        try:
            check.validate_python({"email": email})
        except Exception:
            continue
        accepted += 1
        assert is_email(email), email
    assert accepted > 100  # the corpus does exercise acceptance


ROLE_LISTS = [None, [], ["agent"], ["agent", "user"], ["admin", "agent", "underwriter"], ["underwriter", "underwriter"]]


def test_new_user_is_user_of_the_stored_record(client: Any) -> None:
    auth = freeze(client)
    vendor = client.app.runtime.vendors["pulse"]
    for n, roles in enumerate(ROLE_LISTS * 2):  # the second round answers from the cached views
        body: dict[str, Any] = {"email": f"fast{n}@test.com", "teamId": 11, "notificationPreferences": PREFS}
        if roles is not None:
            body["roles"] = roles
        response = client.post(URL, json=body, headers=auth)
        assert response.status_code == 201, response.text
        stored = vendor.users.find("email", f"fast{n}@test.com")
        assert response.content == orjson.dumps(responses.user(stored, vendor.accounts))


def test_cached_role_list_still_checks_the_team(client: Any) -> None:
    auth = freeze(client)
    assert client.post(URL, json={"email": "c1@test.com", "roles": ["agent"]}, headers=auth).status_code == 201
    again = client.post(URL, json={"email": "c2@test.com", "roles": ["agent"], "teamId": 99}, headers=auth)
    assert again.status_code == 400
    assert again.json()["message"] == "Invalid request body: teamId: Team 99 does not exist in this account"
    both = client.post(URL, json={"email": "c3@test.com", "roles": ["agent", "ghost"], "teamId": 99}, headers=auth)
    assert both.json()["message"] == (
        "Invalid request body: teamId: Team 99 does not exist in this account; roles: Roles not found in this account: 'ghost'"
    )
