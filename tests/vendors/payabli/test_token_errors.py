"""TokenErrorResponse belongs to POST /v2/Token/serverside alone, as the official SDK reads it.

Issue 14: the shipped ``payabli-token-*`` scenarios and ``X-Mock-Error`` served
``{errorType, errorMessage}`` on POST /User (and the OpenAPI documented it there),
where the SDK expects a PayabliErrorBody and raised ParsingError instead of its
UnauthorizedError; a wrong client secret answered 401 where the SDK's token call
declares only 400, with ``invalid_client`` where the published example is
``InvalidCredentials`` [PUB: sdk-python 1.0.19 TokenErrorResponse].
"""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.vendors.payabli.errors import CATALOG, TOKEN_KEYS
from tests.conftest import vendor_client_fixture
from tests.vendors.payabli.helpers import AUTH, BASE, CREATED, URL

client, _reset = vendor_client_fixture("payabli")

TOKEN_URL = f"{BASE}/v2/Token/serverside"
CLIENT = {"clientId": "pbx-demo-client", "clientSecret": "pbx-demo-client-secret-9d2e7b41"}
BODY = {"email": "token.errors@example.com", "scope": [{"orgType": 0, "orgId": 123}]}


def test_a_wrong_client_secret_is_400_invalid_credentials(client: Any) -> None:
    response = client.post(TOKEN_URL, json={**CLIENT, "clientSecret": "wrong"})
    assert (response.status_code, response.json()) == (400, {"errorType": "InvalidCredentials", "errorMessage": "Invalid client credentials."})


@pytest.mark.parametrize("key", TOKEN_KEYS)
def test_x_mock_error_refuses_a_token_error_on_create_user(client: Any, key: str) -> None:
    response = client.post(URL, json=BODY, headers={**AUTH, "X-Mock-Error": key})
    assert response.status_code == 400
    assert response.headers["x-mock-problem"] == "scenario"
    body = response.json()
    assert body["isSuccess"] is False and body["responseCode"] == 3003  # a PayabliErrorBody, never a TokenErrorResponse
    assert body["responseData"]["explanation"] == f"error '{key}' in X-Mock-Error is token's own: this payabli route never answers it"


@pytest.mark.parametrize("key", TOKEN_KEYS)
def test_x_mock_error_forces_a_token_error_on_the_token_call(client: Any, key: str) -> None:
    response = client.post(TOKEN_URL, json=CLIENT, headers={"X-Mock-Error": key})
    spec = CATALOG[key]
    assert (response.status_code, list(response.json())) == (spec.status, ["errorType", "errorMessage"])
    assert response.json()["errorType"] == spec.type


def test_the_shipped_token_scenario_fails_the_next_token_call_not_create_user(client: Any) -> None:
    assert client.post("/__admin/scenarios/payabli-token-invalid-client/activate").status_code == 200
    created = client.post(URL, json=BODY, headers=AUTH)
    assert (created.status_code, created.content) == (200, CREATED)
    refused = client.post(TOKEN_URL, json=CLIENT)
    assert (refused.status_code, refused.json()["errorType"]) == (400, "InvalidCredentials")
    assert client.post(TOKEN_URL, json=CLIENT).status_code == 200  # times: 1


def test_a_user_error_can_still_be_forced_on_create_user(client: Any) -> None:
    response = client.post(URL, json=BODY, headers={**AUTH, "X-Mock-Error": "UNAUTHORIZED"})
    assert response.status_code == 401
    assert set(response.json()) == {"isSuccess", "responseText", "responseData"}


def test_the_openapi_documents_token_errors_on_the_token_call_only(client: Any) -> None:
    document = client.get("/__admin/openapi/payabli.json").json()
    create = document["paths"]["/api/User"]["post"]["responses"]
    examples = {key for response in create.values() for key in response.get("content", {}).get("application/json", {}).get("examples", {})}
    assert examples and examples.isdisjoint(TOKEN_KEYS)
    token = document["paths"]["/api/v2/Token/serverside"]["post"]["responses"]
    assert set(token["400"]["content"]["application/json"]["examples"]) >= {"TOKEN_INVALID_CLIENT", "TOKEN_INVALID_REQUEST", "TOKEN_INVALID_SCOPE"}
    assert "401" not in token


@pytest.mark.parametrize(("method", "path"), [("GET", "/User/1000000"), ("GET", "/Query/users/org/123"), ("POST", "/User")])
def test_any_other_entry_can_still_be_forced_on_any_route(client: Any, method: str, path: str) -> None:
    # Only entries reserved for another operation (Vendor.error_operations) are refused.
    response = client.request(method, BASE + path, json=BODY, headers={**AUTH, "X-Mock-Error": "DATABASE_ERROR"})
    assert response.status_code == 503 and response.json()["responseData"]["explanation"] == "Database connection error"


def test_user_routes_document_the_payabli_error_body_alone(client: Any) -> None:
    document = client.get("/__admin/openapi/payabli.json").json()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                if int(status) < 400 or path == "/api/v2/Token/serverside":
                    continue
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PayabliErrorBody"}, (method, path, status)
    token = document["paths"]["/api/v2/Token/serverside"]["post"]["responses"]
    assert token["415"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TokenErrorResponse"}
    assert "errorType" not in document["components"]["schemas"]["PayabliErrorBody"]["properties"]
