"""Payabli routes as ASP.NET matches them: any letter case, a trailing slash tolerated.

Issue 14: `/api/v2/token/serverside` (the path Payabli's own mobile SDKs call),
`/api/user` and `/api/User/` answered 404.  The vendor declares its router's rules
(``Vendor.paths_ignore_case`` / ``paths_allow_trailing_slash``); other vendors keep
exact matching.
"""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.core.errors import RouteNotFound
from mockserver.core.serving import Router
from mockserver.core.vendor import Route
from tests.conftest import make_client, vendor_client_fixture
from tests.vendors.payabli.helpers import AUTH, CREATED

client, _reset = vendor_client_fixture("payabli")

CLIENT = {"clientId": "pbx-demo-client", "clientSecret": "pbx-demo-client-secret-9d2e7b41"}
BODY = {"email": "routing@example.com", "name": "R. Outing", "scope": [{"orgType": 0, "orgId": 123}]}


@pytest.mark.parametrize("path", ["/payabli/api/v2/token/serverside", "/payabli/api/V2/TOKEN/ServerSide/", "/payabli/api/v2/Token/serverside/"])
def test_the_token_path_of_the_mobile_sdks_and_any_casing_issue_a_token(client: Any, path: str) -> None:
    response = client.post(path, json=CLIENT)
    assert response.status_code == 200, response.text
    assert list(response.json()) == ["token_type", "access_token", "expires_in"]


@pytest.mark.parametrize("path", ["/payabli/api/user", "/payabli/api/User/", "/payabli/API/USER/", "/payabli/api/uSeR"])
def test_create_user_answers_at_any_casing_and_with_a_trailing_slash(client: Any, path: str) -> None:
    response = client.post(path, json=BODY, headers=AUTH)
    assert (response.status_code, response.content) == (200, CREATED)


def test_templated_routes_ignore_case_and_a_trailing_slash_and_keep_the_parameter(client: Any) -> None:
    for path in ("/payabli/api/user/1000000", "/payabli/api/USER/1000000/"):
        response = client.get(path, headers=AUTH)
        assert response.status_code == 200, response.text
        assert response.json()["userId"] == 1000000
    # The parameter is bound as sent: an entry name keeps its case (and is then unknown).
    response = client.get("/payabli/api/query/USERS/point/Demo-Paypoint/", headers=AUTH)
    assert response.status_code == 400
    assert response.json()["responseCode"] == 3001


def test_a_method_the_route_lacks_is_still_405_at_another_casing(client: Any) -> None:
    response = client.patch("/payabli/api/user/", headers=AUTH)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_two_trailing_slashes_or_another_path_are_still_404(client: Any) -> None:
    assert client.post("/payabli/api/User//", json=BODY, headers=AUTH).status_code == 404
    assert client.post("/payabli/api/Users", json=BODY, headers=AUTH).status_code == 404


def test_other_vendors_keep_exact_matching() -> None:
    with make_client("vaultspay") as other:
        assert other.post("/vaultspay/as/api/v1/USERS", json={}).status_code == 404
        assert other.post("/vaultspay/as/api/v1/users/", json={}).status_code == 404


def test_the_router_without_the_options_matches_exactly() -> None:
    routes = [Route("POST", "/api/User", lambda call: None, "create_user"), Route("GET", "/api/User/{userId}", lambda call: None, "get_user")]
    exact, lenient = Router(routes), Router(routes, ignore_case=True, trailing_slash=True)
    assert lenient.match("GET", "/API/user/7/")[1] == {"userId": "7"}
    assert lenient.match("POST", "/api/user")[0].operation == "create_user"
    for path in ("/api/user", "/api/User/"):
        with pytest.raises(RouteNotFound):
            exact.match("POST", path)
    only_slash = Router(routes, trailing_slash=True)
    assert only_slash.match("POST", "/api/User/")[0].operation == "create_user"
    with pytest.raises(RouteNotFound):
        only_slash.match("POST", "/api/user")
