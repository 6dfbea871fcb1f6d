"""Payabli OAuth2 client credentials: POST /api/v2/Token/serverside and Bearer tokens on the User endpoints."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from tests.conftest import make_client, vendor_client_fixture

client, _reset = vendor_client_fixture("payabli")

BASE = "/payabli/api"
URL = f"{BASE}/User"
TOKEN_URL = f"{BASE}/v2/Token/serverside"
JSON = {"Content-Type": "application/json"}
CLIENT = {"clientId": "pbx-demo-client", "clientSecret": "pbx-demo-client-secret-9d2e7b41"}
SHORT = {"clientId": "pbx-demo-client-short", "clientSecret": "pbx-demo-short-secret-3a8c0f56"}
BODY = {"email": "oauth@example.com", "name": "O. Auth", "scope": [{"orgType": 0, "orgId": 123}]}
CREATED = b'{"responseText":"Success","isSuccess":true,"responseData":null}'
JWT_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
UNAUTHORIZED = {
    "isSuccess": False,
    "responseText": "Error",
    "responseData": {"explanation": "Unauthorized request.", "todoAction": "Provide a valid API token in the requestToken header."},
}
# [PUB] sdk-python 1.0.19 TokenErrorResponse: HTTP 400 (the only status its token call declares), errorType InvalidCredentials.
INVALID_CLIENT = {"errorType": "InvalidCredentials", "errorMessage": "Invalid client credentials."}


def invalid_request(message: str) -> dict[str, str]:
    return {"errorType": "InvalidRequest", "errorMessage": message}


def fields_message(*clauses: str) -> str:
    return "The request is missing a required parameter or is malformed. " + "; ".join(clauses) + "."


def get_token(client: Any, credentials: dict[str, Any] = CLIENT) -> str:
    response = client.post(TOKEN_URL, json=credentials)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def advance(client: Any, amount: str | int) -> None:
    assert client.post("/__admin/clock", json={"advance": amount}).status_code == 200


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def vendor(client: Any) -> Any:
    return client.app.runtime.vendors["payabli"]


@pytest.fixture(autouse=True)
def _thaw(client: Any) -> Any:
    yield
    client.post("/__admin/clock", json={"freeze": False})


# ------------------------------------------------------------------- issue
def test_token_response_shape(client: Any) -> None:
    client.post("/__admin/clock", json={"freeze": True, "set": "2025-01-01T00:00:00Z"})
    response = client.post(TOKEN_URL, json=CLIENT)  # no auth header at all [PUB]
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["token_type", "access_token", "expires_in"]
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    token = body["access_token"]
    assert token.startswith(JWT_HEADER + ".") and token.count(".") == 2
    payload = claims(token)
    assert list(payload) == ["sub", "orgId", "iat", "exp", "jti"]
    assert payload["sub"] == "pbx-demo-client" and payload["orgId"] == 236
    assert (payload["iat"], payload["exp"]) == (1735689600, 1735689600 + 3600)
    assert len(payload["jti"]) == 32
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_state_is_echoed_last(client: Any) -> None:
    body = client.post(TOKEN_URL, json=CLIENT | {"state": "opaque-123"}).json()
    assert list(body) == ["token_type", "access_token", "expires_in", "state"] and body["state"] == "opaque-123"


def test_each_request_gets_a_new_token_and_all_stay_valid(client: Any) -> None:
    first, second = get_token(client), get_token(client)
    assert first != second
    for token in (first, second):
        assert client.get(f"{URL}/1000000", headers=bearer(token)).status_code == 200


def test_client_lifetime_and_permissions(client: Any) -> None:
    body = client.post(TOKEN_URL, json=SHORT | {"permissions": ["users.read"]}).json()
    assert body["expires_in"] == 900
    assert vendor(client).tokens.access.get(body["access_token"])["permissions"] == ["users.read"]
    full = client.post(TOKEN_URL, json=SHORT).json()
    assert vendor(client).tokens.access.get(full["access_token"])["permissions"] == ["users.read", "users.write"]
    # a client without a permission list grants whatever is asked
    assert client.post(TOKEN_URL, json=CLIENT | {"permissions": ["anything"]}).status_code == 200


def test_body_names_bind_case_insensitively_and_extra_keys_are_ignored(client: Any) -> None:
    body = {"ClientId": CLIENT["clientId"], "CLIENTSECRET": CLIENT["clientSecret"], "grant_type": "client_credentials"}
    assert client.post(TOKEN_URL, json=body).status_code == 200


def test_auth_headers_on_the_token_request_are_ignored(client: Any) -> None:
    response = client.post(TOKEN_URL, json=CLIENT, headers={"requestToken": "nope", "Authorization": "Bearer nope"})
    assert response.status_code == 200


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "credentials",
    [
        {"clientId": "pbx-demo-client", "clientSecret": "wrong"},
        {"clientId": "nobody", "clientSecret": "pbx-demo-client-secret-9d2e7b41"},
        {"clientId": "PBX-DEMO-CLIENT", "clientSecret": "pbx-demo-client-secret-9d2e7b41"},
        {"clientId": "pbx-demo-client", "clientSecret": "pbx-demo-short-secret-3a8c0f56"},  # another client's secret
    ],
)
def test_wrong_credentials_are_400_invalid_credentials(client: Any, credentials: dict[str, str]) -> None:
    response = client.post(TOKEN_URL, json=credentials)
    assert (response.status_code, response.json()) == (400, INVALID_CLIENT)
    assert list(response.json()) == ["errorType", "errorMessage"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{", invalid_request("The request body is not valid JSON.")),
        (b"", invalid_request("The request body is empty.")),
        (b"[]", invalid_request("The request body must be a JSON object.")),
        (b'"x"', invalid_request("The request body must be a JSON object.")),
        (b"{}", invalid_request(fields_message("clientId is required", "clientSecret is required"))),
        (b'{"clientId": "pbx-demo-client"}', invalid_request(fields_message("clientSecret is required"))),
        (b'{"clientId": " ", "clientSecret": "x"}', invalid_request(fields_message("clientId is required"))),
        (b'{"clientId": 5, "clientSecret": null}', invalid_request(fields_message("clientId must be a string", "clientSecret must be a string"))),
        (
            b'{"clientId": "a", "clientSecret": "b", "state": 1, "permissions": "users.read"}',
            invalid_request(fields_message("state must be a string", "permissions must be an array")),
        ),
        (b'{"clientId": "a", "clientSecret": "b", "permissions": [1]}', invalid_request(fields_message("permissions[0] must be a string"))),
    ],
)
def test_bad_token_requests_are_400_token_error_response(client: Any, raw: bytes, expected: dict[str, str]) -> None:
    response = client.post(TOKEN_URL, content=raw, headers=JSON)
    assert (response.status_code, response.json()) == (400, expected)


def test_permissions_beyond_the_grant_are_invalid_scope(client: Any) -> None:
    response = client.post(TOKEN_URL, json=SHORT | {"permissions": ["users.read", "money.out"]})
    assert (response.status_code, response.json()) == (
        400, {"errorType": "InvalidScope", "errorMessage": "The permission 'money.out' is not granted to this client."},
    )


def test_non_json_content_type_is_415_token_error_response(client: Any) -> None:
    response = client.post(TOKEN_URL, content=orjson.dumps(CLIENT), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (response.status_code, response.json()) == (415, invalid_request("Content-Type must be application/json."))


def test_failed_token_requests_issue_nothing(client: Any) -> None:
    access = vendor(client).tokens.access
    client.post(TOKEN_URL, json=CLIENT | {"clientSecret": "wrong"})
    client.post(TOKEN_URL, json=SHORT | {"permissions": ["money.out"]})
    client.post(TOKEN_URL, content=b"{", headers=JSON)
    assert len(access) == 0
    # and the draw was not consumed: the first good token equals a fresh app's first token
    client.post("/__admin/clock", json={"freeze": True, "set": "2025-01-01T00:00:00Z"})
    token = get_token(client)
    with make_client("payabli", clock="frozen:2025-01-01T00:00:00Z") as fresh:
        assert get_token(fresh) == token


def test_transport_failures_on_the_token_route_keep_the_api_envelope(client: Any) -> None:
    # [INF] the core answers these before the token handler runs
    huge = client.post(TOKEN_URL, content=b'{"clientId": "' + b"a" * (2 << 20) + b'"}', headers=JSON)
    assert huge.status_code == 413 and huge.json()["isSuccess"] is False


# ------------------------------------------------------------ bearer usage
def test_bearer_lifecycle_expires_on_the_clock_and_a_new_token_works(client: Any) -> None:
    client.post("/__admin/clock", json={"freeze": True, "set": "2025-01-01T00:00:00Z"})
    token = get_token(client)
    assert client.post(URL, json=BODY, headers=bearer(token)).content == CREATED
    advance(client, 3599)
    assert client.get(f"{URL}/1000000", headers=bearer(token)).status_code == 200
    advance(client, 1)  # exactly expires_in later: expired
    expired = client.post(URL, json=BODY | {"email": "second@example.com"}, headers=bearer(token))
    assert (expired.status_code, expired.json()) == (401, UNAUTHORIZED)
    fresh = get_token(client)
    assert client.post(URL, json=BODY | {"email": "second@example.com"}, headers=bearer(fresh)).content == CREATED
    # the expired one stays dead
    assert client.get(f"{URL}/1000000", headers=bearer(token)).status_code == 401


def test_short_client_expires_after_sixteen_minutes(client: Any) -> None:
    token = get_token(client, SHORT)
    assert client.get(f"{BASE}/Query/users/org/123", headers=bearer(token)).status_code == 200
    advance(client, "PT16M")
    response = client.get(f"{BASE}/Query/users/org/123", headers=bearer(token))
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert client.get(f"{BASE}/Query/users/org/123", headers=bearer(get_token(client, SHORT))).status_code == 200


def test_bearer_works_on_every_user_endpoint_and_records_the_client(client: Any) -> None:
    headers = bearer(get_token(client))
    assert client.post(URL, json=BODY, headers=headers).content == CREATED
    found = client.get(f"{BASE}/Query/users/org/123", params={"email(eq)": BODY["email"]}, headers=headers).json()["Records"]
    user_id = found[0]["userId"]
    assert vendor(client).users.get(user_id)["createdBy"] == "Demo OAuth client"
    assert client.get(f"{BASE}/Query/users/point/demo-paypoint", headers=headers).status_code == 200
    assert client.put(f"{URL}/{user_id}", json={"name": "Renamed"}, headers=headers).status_code == 200
    assert client.get(f"{URL}/{user_id}", headers=headers).json()["Name"] == "Renamed"
    assert client.delete(f"{URL}/{user_id}", headers=headers).content == b'{"responseText":"Success"}'


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_bearer_scheme_is_case_insensitive(client: Any, scheme: str) -> None:
    token = get_token(client)
    assert client.get(f"{URL}/1000000", headers={"Authorization": f"{scheme}  {token} "}).status_code == 200
    assert client.get(f"{URL}/1000000", headers={"AUTHORIZATION": f"{scheme} {token}"}).status_code == 200


def test_bad_authorization_headers_are_401(client: Any) -> None:
    token = get_token(client)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for value in (token, f"Basic {token}", "Bearer", "Bearer ", f"Bearer {tampered}", f"Bearer {token.upper()}", f"Token {token}"):
        response = client.get(f"{URL}/1000000", headers={"Authorization": value})
        assert (response.status_code, response.json()) == (401, UNAUTHORIZED), value


def test_either_live_credential_is_enough(client: Any) -> None:
    token = get_token(client)
    assert client.get(f"{URL}/1000000", headers={"requestToken": "nope", "Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get(f"{URL}/1000000", headers={"requestToken": "pbx-demo-token-7f3c9a2e41d84b6f", "Authorization": "Bearer nope"}).status_code == 200


def test_a_bearer_token_is_not_a_request_token(client: Any) -> None:
    token = get_token(client)
    response = client.get(f"{URL}/1000000", headers={"requestToken": token})
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_reset_forgets_issued_tokens(client: Any) -> None:
    token = get_token(client)
    client.post("/__admin/reset")
    assert client.get(f"{URL}/1000000", headers=bearer(token)).status_code == 401


def test_admin_login_body_gets_a_working_token(client: Any) -> None:
    info = client.get("/__admin/vendors").json()["payabli"]
    method, url = info["login_route"].split(" ", 1)
    assert method == "POST"
    token = client.post(url, json=info["login"]).json()["access_token"]
    assert client.post(info["create_user"].split(" ", 1)[1], json=BODY, headers=bearer(token)).content == CREATED


# -------------------------------------------------------------- determinism
def _tokens(seed: int) -> list[bytes]:
    with make_client("payabli", seed=seed, clock="frozen:2025-01-01T00:00:00Z") as c:
        return [c.post(TOKEN_URL, json=creds).content for creds in (CLIENT, SHORT | {"state": "s"}, CLIENT)]


def test_tokens_are_deterministic_per_seed() -> None:
    assert _tokens(7) == _tokens(7)
    assert _tokens(7) != _tokens(8)
