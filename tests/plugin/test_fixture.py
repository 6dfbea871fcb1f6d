"""The pytest plugin's ``mock_vendors`` fixture, used the way a client's test suite uses it."""

from __future__ import annotations

import httpx
import pytest

from mockserver.pytest_plugin import MockServerHandle
from tests.core.samples import CREATE_BODIES


def create(mock_vendors: MockServerHandle, vendor: str, body: dict | None = None) -> httpx.Response:
    info = mock_vendors.credentials(vendor)
    return httpx.post(info["create_user"].split(" ", 1)[1], json=body or CREATE_BODIES[vendor], headers=info["headers"])


def test_base_urls_and_credentials(mock_vendors: MockServerHandle) -> None:
    assert mock_vendors.base_url("payabli") == mock_vendors.url + "/payabli/api"
    assert mock_vendors.headers("sabi")["ApiKey"]
    assert create(mock_vendors, "payabli").status_code == 200


def test_each_test_starts_clean_first(mock_vendors: MockServerHandle) -> None:
    assert create(mock_vendors, "vaultspay").json()["data"]["id"] == 604
    mock_vendors.clock.advance(hours=2)


def test_each_test_starts_clean_second(mock_vendors: MockServerHandle) -> None:
    # same id again (state was reset) and the clock is back to real time
    assert create(mock_vendors, "vaultspay").json()["data"]["id"] == 604
    assert mock_vendors.requests(vendor="vaultspay")[0]["status"] == 200


def test_scenario_context_manager(mock_vendors: MockServerHandle) -> None:
    with mock_vendors.scenario("vaultspay-token-expired"):
        assert create(mock_vendors, "vaultspay").json()["code"] == 1003
    assert create(mock_vendors, "vaultspay").status_code == 200


@pytest.mark.mockserver_scenario("sabi-bad-api-key")
def test_marker_activates_a_scenario(mock_vendors: MockServerHandle) -> None:
    assert create(mock_vendors, "sabi").status_code == 401


def test_clock_advance_expires_tokens(mock_vendors: MockServerHandle) -> None:
    login = mock_vendors.credentials("vaultspay")
    tokens = httpx.post(login["login_route"].split(" ", 1)[1], json=login["login"]).json()
    mock_vendors.clock.advance("PT16M")
    url = login["create_user"].split(" ", 1)[1]
    response = httpx.post(url, json=CREATE_BODIES["vaultspay"], headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    assert response.json()["type"] == "TOKEN_EXPIRED"


def test_assert_called_passes_and_explains_failures(mock_vendors: MockServerHandle) -> None:
    create(mock_vendors, "vaultspay", {**CREATE_BODIES["vaultspay"], "status": "PENDING"})
    mock_vendors.assert_called("vaultspay", "create_user", times=1, body={"status": "PENDING"})
    assert mock_vendors.count("vaultspay", "create_user", status=200) == 1
    with pytest.raises(AssertionError) as caught:
        mock_vendors.assert_called("vaultspay", "create_user", times=1, body={"status": "BLOCK"})
    message = str(caught.value)
    assert "expected 1 call(s) matching" in message and "found 0" in message
    assert "closest requests:" in message and "POST /as/api/v1/users -> 200" in message and "'PENDING'" in message
    with pytest.raises(TypeError, match="unknown match keys"):
        mock_vendors.assert_called("vaultspay", bodi={})


def test_plugin_in_a_user_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx, pytest

        @pytest.mark.mockserver_scenario("payabli-empty-scope")
        def test_one(mock_vendors):
            info = mock_vendors.credentials("payabli")
            r = httpx.post(info["create_user"].split(" ", 1)[1], json={"email": "a@b.co", "scope": [{"orgType": 0, "orgId": 123}]}, headers=info["headers"])
            assert r.json()["responseCode"] == 3201

        def test_two(mock_vendors):
            mock_vendors.assert_called("payabli", "create_user", times=1)
        """
    )
    result = pytester.runpytest_inprocess("--mockserver-seed", "4", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*expected 1 call(s) matching*found 0*"])
