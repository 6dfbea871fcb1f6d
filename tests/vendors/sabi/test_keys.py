"""Sabi platform-key lifecycle through HTTP: revoked keys, expiring keys, what /__admin/vendors hands out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from mockserver.vendors.sabi.models import Fixture
from tests.conftest import make_client, vendor_client_fixture
from tests.vendors.sabi.helpers import MINIMAL, NOW, UNAUTHORIZED, URL

client, _reset = vendor_client_fixture("sabi")

INVITE = URL + "/invite"
QUERY = {"invitedByName": "Ngozi Obi", "invitedByEmail": "ngozi@example.ng", "platformLink": "https://trace.example.ng",
         "invitation": "SABI"}
PERMANENT = "sabi-sandbox-platform-key-0001"
REVOKED = "sabi-sandbox-revoked-key-0003"
EXPIRING = "sabi-sandbox-expiring-key-0004"  # expiresAfter: PT15M
DATED = "sabi-sandbox-dated-key-0005"  # expiresAt: 2030-01-01T00:00:00.000Z


def _start_at(client: Any, instant: str) -> None:
    """Freeze the clock at ``instant`` and re-seed, so expiresAfter windows start there."""
    client.post("/__admin/clock", json={"freeze": True, "set": instant})
    assert client.post("/__admin/reset").status_code == 200


def _create(client: Any, key: str, username: str, invite: bool = False) -> Any:
    body = {**MINIMAL, "username": username}
    if invite:
        return client.post(INVITE, params=QUERY, json=body, headers={"ApiKey": key})
    return client.post(URL, json=body, headers={"ApiKey": key})


@pytest.mark.parametrize("invite", [False, True], ids=["create", "invite"])
def test_revoked_key_is_the_plain_401_and_creates_nothing(client: Any, invite: bool) -> None:
    response = _create(client, REVOKED, "rev@example.ng", invite)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    # nothing was stored: the same username is still free for a working key
    assert _create(client, PERMANENT, "rev@example.ng", invite).status_code == 201


def test_revoked_key_is_refused_before_validation(client: Any) -> None:
    response = client.post(URL, json={}, headers={"ApiKey": REVOKED})
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


@pytest.mark.parametrize("invite", [False, True], ids=["create", "invite"])
def test_expiring_key_works_for_its_window_then_401(client: Any, invite: bool) -> None:
    _start_at(client, NOW)
    assert _create(client, EXPIRING, "a@example.ng", invite).status_code == 201
    client.post("/__admin/clock", json={"advance": "PT14M59S"})
    assert _create(client, EXPIRING, "b@example.ng", invite).status_code == 201
    client.post("/__admin/clock", json={"advance": "PT1S"})  # the expiry instant itself is too late
    response = _create(client, EXPIRING, "c@example.ng", invite)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    # other keys are unaffected, and nothing of the refused request was stored
    assert _create(client, PERMANENT, "c@example.ng", invite).status_code == 201


def test_expiring_key_window_restarts_on_reset(client: Any) -> None:
    _start_at(client, NOW)
    client.post("/__admin/clock", json={"advance": "PT16M"})
    assert _create(client, EXPIRING, "a@example.ng").json() == UNAUTHORIZED
    assert client.post("/__admin/reset").status_code == 200  # re-seeded at the (advanced) clock
    assert _create(client, EXPIRING, "a@example.ng").status_code == 201
    client.post("/__admin/clock", json={"advance": "PT15M"})
    assert _create(client, EXPIRING, "b@example.ng").json() == UNAUTHORIZED


def test_dated_key_expires_at_its_fixed_instant(client: Any) -> None:
    _start_at(client, "2029-12-31T23:59:59.000Z")
    assert _create(client, DATED, "a@example.ng").status_code == 201
    client.post("/__admin/clock", json={"advance": 1})
    assert _create(client, DATED, "b@example.ng").json() == UNAUTHORIZED
    # moving the clock back makes it valid again: expiry is a pure function of the clock
    client.post("/__admin/clock", json={"set": "2029-06-01T00:00:00Z"})
    assert _create(client, DATED, "b@example.ng").status_code == 201


def test_permanent_keys_never_expire(client: Any) -> None:
    _start_at(client, NOW)
    client.post("/__admin/clock", json={"advance": "P3650D"})
    assert _create(client, PERMANENT, "a@example.ng").status_code == 201
    assert _create(client, "sabi-sandbox-tenant-key-0002", "b@example.ng").status_code == 201


def test_admin_hands_out_a_permanent_key(client: Any) -> None:
    _start_at(client, NOW)
    client.post("/__admin/clock", json={"advance": "P3650D"})
    assert client.get("/__admin/vendors").json()["sabi"]["headers"] == {"ApiKey": PERMANENT, "Content-Type": "application/json"}


def _write_fixture(directory: Path, keys: str) -> Path:
    (directory / "sabi.yaml").write_text(f"apiKeys:\n{keys}")
    return directory


def test_admin_skips_revoked_and_expired_keys(tmp_path: Path) -> None:
    keys = (
        "  - {key: gone, revoked: true}\n"
        "  - {key: brief, expiresAfter: 60}\n"
        "  - {key: old, expiresAt: '2020-01-01T00:00:00Z'}\n"
        "  - {key: steady}\n"
    )
    fixtures = _write_fixture(tmp_path, keys)
    with make_client("sabi", fixtures=fixtures, clock="frozen:2026-03-01T10:00:00Z") as c:
        assert c.get("/__admin/vendors").json()["sabi"]["headers"]["ApiKey"] == "brief"
        assert _create(c, "brief", "a@example.ng").status_code == 201
        c.post("/__admin/clock", json={"advance": "PT1M"})
        assert c.get("/__admin/vendors").json()["sabi"]["headers"]["ApiKey"] == "steady"
        assert _create(c, "brief", "b@example.ng").json() == UNAUTHORIZED
        assert _create(c, "old", "b@example.ng").json() == UNAUTHORIZED
        assert _create(c, "steady", "b@example.ng").status_code == 201


@pytest.mark.parametrize(
    "key",
    [
        {"key": "k", "expiresAt": "2030-01-01T00:00:00Z", "expiresAfter": "PT1H"},
        {"key": "k", "expiresAt": "next tuesday"},
        {"key": "k", "expiresAfter": "soon"},
        {"key": "k", "expiresAfter": 0},
        {"key": "k", "revoked": "maybe"},
    ],
)
def test_fixture_rejects_bad_key_lifecycles(key: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Fixture.model_validate({"apiKeys": [key]})


def test_fixture_accepts_both_expiry_spellings() -> None:
    fixture = Fixture.model_validate({"apiKeys": [{"key": "a", "expiresAfter": "PT15M"}, {"key": "b", "expiresAt": "2030-01-01T00:00:00+01:00"},
                                                  {"key": "c", "expiresAfter": 900}]})
    assert [k.expiresAfter.total_seconds() if k.expiresAfter else None for k in fixture.apiKeys] == [900.0, None, 900.0]
