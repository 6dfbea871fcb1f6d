"""VaultsPay token lifecycle through HTTP: login, expiry on every route, refresh, re-login."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import vendor_client_fixture
from tests.vendors.vaultspay.helpers import (
    CREDENTIALS,
    KYC,
    KYC_PERSONAL,
    LOGIN,
    PERSONAL_EXAMPLE,
    REFRESH,
    SESSION_EXPIRED,
    TOKEN_EXPIRED,
    UNAUTHENTICATED,
    UNAUTHORISED,
    USERS,
    advance,
    bearer,
    invalid,
    login,
    new_user,
)

client, _reset = vendor_client_fixture("vaultspay")

# Every authenticated route, as (name, request maker).
ROUTES: list[tuple[str, Callable[[Any, dict[str, str]], Any]]] = [
    ("create_user", lambda c, h: c.post(USERS, json=new_user(1), headers=h)),
    ("list_users", lambda c, h: c.get(f"{USERS}?page=1&perPage=20", headers=h)),
    ("get_user", lambda c, h: c.get(f"{USERS}/590", headers=h)),
    ("kyc_create", lambda c, h: c.post(KYC_PERSONAL, json={**PERSONAL_EXAMPLE, "userId": 591}, headers=h)),
    ("kyc_update", lambda c, h: c.patch(KYC_PERSONAL, json={"userId": 591, "tin": "1"}, headers=h)),
    ("get_kyc", lambda c, h: c.get(f"{KYC}/590", headers=h)),
]
ROUTE_IDS = [name for name, _ in ROUTES]


def _frozen_now(client: Any) -> datetime:
    text = client.post("/__admin/clock", json={"freeze": True}).json()["now"]
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _java(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def test_full_flow_create_expire_refresh_create_again(client: Any) -> None:
    tokens = login(client)
    old = bearer(tokens["accessToken"])
    first = client.post(USERS, json=new_user(1), headers=old)
    assert first.status_code == 200 and first.json()["data"]["id"] == 604

    advance(client, "PT16M")
    expired = client.post(USERS, json=new_user(2), headers=old)
    assert (expired.status_code, expired.json()) == (401, TOKEN_EXPIRED)

    refreshed = client.post(REFRESH, json={"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code == 200
    data = refreshed.json()["data"]
    assert list(refreshed.json()) == ["data"] and list(data) == ["accessToken", "accessTokenExpiry"]
    assert data["accessToken"] != tokens["accessToken"] and data["accessToken"].count(".") == 2

    new = bearer(data["accessToken"])
    second = client.post(USERS, json=new_user(2), headers=new)
    assert second.status_code == 200 and second.json()["data"]["id"] == 605
    # The old token stays expired; both users are visible with the new one.
    assert client.get(f"{USERS}/604", headers=old).json() == TOKEN_EXPIRED
    assert client.get(f"{USERS}/604", headers=new).json()["data"] == first.json()["data"]
    assert [u["id"] for u in client.get(USERS, headers=new).json()["data"][:2]] == [605, 604]


def test_login_and_refresh_expiries_follow_the_clock_and_settings(client: Any) -> None:
    now = _frozen_now(client)
    try:
        tokens = login(client)
        assert list(tokens) == ["accessToken", "accessTokenExpiry", "refreshToken", "refreshTokenExpiry"]
        assert tokens["accessTokenExpiry"] == _java(now + timedelta(minutes=15))
        assert tokens["refreshTokenExpiry"] == _java(now + timedelta(hours=24))
        advance(client, "PT20M")
        data = client.post(REFRESH, json={"refreshToken": tokens["refreshToken"]}).json()["data"]
        assert data["accessTokenExpiry"] == _java(now + timedelta(minutes=35))
    finally:
        client.post("/__admin/clock", json={"freeze": False})


@pytest.mark.parametrize(("name", "send"), ROUTES, ids=ROUTE_IDS)
def test_expired_access_token_is_1003_on_every_route(client: Any, name: str, send: Callable[..., Any]) -> None:
    headers = bearer(login(client)["accessToken"])
    advance(client, "PT15M")  # expiry instant itself counts as expired
    response = send(client, headers)
    assert (response.status_code, response.json()) == (401, TOKEN_EXPIRED)


@pytest.mark.parametrize(("name", "send"), ROUTES, ids=ROUTE_IDS)
def test_expired_session_is_1004_on_every_route(client: Any, name: str, send: Callable[..., Any]) -> None:
    headers = bearer(login(client)["accessToken"])
    advance(client, "PT25H")
    response = send(client, headers)
    assert (response.status_code, response.json()) == (401, SESSION_EXPIRED)


@pytest.mark.parametrize(("name", "send"), ROUTES, ids=ROUTE_IDS)
def test_missing_malformed_and_unknown_tokens_on_every_route(client: Any, name: str, send: Callable[..., Any]) -> None:
    missing = send(client, {})
    assert (missing.status_code, missing.json()) == (401, UNAUTHENTICATED)
    malformed = send(client, {"Authorization": "Bearer nope"})
    assert (malformed.status_code, malformed.json()) == (400, {"code": 1036, "message": "Invalid access token provided.", "type": "INVALID_TOKEN"})
    unknown = send(client, {"Authorization": "Bearer aaa.bbb.ccc"})
    assert (unknown.status_code, unknown.json()) == (400, {"code": 1036, "message": "Invalid access token provided.", "type": "INVALID_TOKEN"})


@pytest.mark.parametrize(("name", "send"), ROUTES, ids=ROUTE_IDS)
def test_live_token_works_on_every_route_with_lowercase_header(client: Any, name: str, send: Callable[..., Any]) -> None:
    token = login(client)["accessToken"]
    if name == "kyc_update":  # PATCH needs personal info to amend
        assert client.post(KYC_PERSONAL, json={**PERSONAL_EXAMPLE, "userId": 591}, headers=bearer(token)).status_code == 200
    response = send(client, {"authorization": f"bearer {token}"})
    assert response.status_code == 200, response.text


def test_refreshed_token_also_expires_and_can_be_refreshed_again(client: Any) -> None:
    tokens = login(client)
    advance(client, "PT16M")
    second = client.post(REFRESH, json={"refreshToken": tokens["refreshToken"]}).json()["data"]["accessToken"]
    advance(client, "PT16M")
    assert client.get(USERS, headers=bearer(second)).json() == TOKEN_EXPIRED
    third = client.post(REFRESH, json={"refreshToken": tokens["refreshToken"]}).json()["data"]["accessToken"]
    assert client.get(USERS, headers=bearer(third)).status_code == 200


def test_expired_refresh_token_is_1004_then_login_again_works(client: Any) -> None:
    tokens = login(client)
    advance(client, "PT24H")
    response = client.post(REFRESH, json={"refreshToken": tokens["refreshToken"]})
    assert (response.status_code, response.json()) == (401, SESSION_EXPIRED)
    again = login(client)
    assert client.post(USERS, json=new_user(3), headers=bearer(again["accessToken"])).status_code == 200


@pytest.mark.parametrize("token", ["aaa.bbb.ccc", "not-a-token"])
def test_unknown_refresh_token_is_1001(client: Any, token: str) -> None:
    response = client.post(REFRESH, json={"refreshToken": token})
    assert (response.status_code, response.json()) == (401, UNAUTHORISED)


def test_access_token_is_not_a_refresh_token(client: Any) -> None:
    tokens = login(client)
    response = client.post(REFRESH, json={"refreshToken": tokens["accessToken"]})
    assert (response.status_code, response.json()) == (401, UNAUTHORISED)


def test_refresh_body_is_validated(client: Any) -> None:
    assert client.post(REFRESH, json={}).json() == invalid(("refreshToken", "must not be blank"))
    assert client.post(REFRESH, json={"refreshToken": [5]}).json() == invalid(("refreshToken", "must be a string"))
    response = client.post(REFRESH, content=b"[1]", headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (400, invalid(("body", "must be a JSON object")))


@pytest.mark.parametrize(
    "body",
    [
        {"clientId": "vp-demo-app", "clientSecret": "wrong"},
        {"clientId": "unknown-app", "clientSecret": "vp-demo-secret"},
    ],
)
def test_wrong_client_credentials(client: Any, body: dict[str, str]) -> None:
    response = client.post(LOGIN, json=body)
    assert (response.status_code, response.json()) == (401, {**UNAUTHORISED, "message": "Invalid client credentials."})


def test_login_body_is_validated(client: Any) -> None:
    response = client.post(LOGIN, json={"clientId": " "})
    assert (response.status_code, response.json()) == (
        400, invalid(("clientId", "must not be blank"), ("clientSecret", "must not be blank")),
    )
    assert client.post(LOGIN, json=CREDENTIALS).status_code == 200


def test_each_login_is_a_separate_session(client: Any) -> None:
    first, second = login(client), login(client)
    assert first["refreshToken"] != second["refreshToken"]
    advance(client, "PT16M")
    for tokens in (first, second):
        assert client.post(REFRESH, json={"refreshToken": tokens["refreshToken"]}).status_code == 200
