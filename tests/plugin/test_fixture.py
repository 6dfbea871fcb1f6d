"""The pytest plugin's ``mockserver`` fixture, used the way a client's test suite uses it."""

from __future__ import annotations

import httpx
import pytest

from mockserver.pytest_plugin import MockServerHandle
from tests.core.samples import CREATE_BODIES


def create(mockserver: MockServerHandle, vendor: str, body: dict | None = None) -> httpx.Response:
    info = mockserver.credentials(vendor)
    return httpx.post(info["create_user"].split(" ", 1)[1], json=body or CREATE_BODIES[vendor], headers=info["headers"])


def test_base_urls_and_credentials(mockserver: MockServerHandle) -> None:
    assert mockserver.base_url("payabli") == mockserver.url + "/payabli/api"
    assert mockserver.headers("sabi")["ApiKey"]
    assert create(mockserver, "payabli").status_code == 200


def test_each_test_starts_clean_first(mockserver: MockServerHandle) -> None:
    assert create(mockserver, "vaultspay").json()["data"]["id"] == 604
    mockserver.clock.advance(hours=2)


def test_each_test_starts_clean_second(mockserver: MockServerHandle) -> None:
    # same id again (state was reset) and the clock is back to real time
    assert create(mockserver, "vaultspay").json()["data"]["id"] == 604
    assert mockserver.requests(vendor="vaultspay")[0]["status"] == 200


def test_scenario_context_manager(mockserver: MockServerHandle) -> None:
    with mockserver.scenario("vaultspay-token-expired"):
        assert create(mockserver, "vaultspay").json()["code"] == 1003
    assert create(mockserver, "vaultspay").status_code == 200


@pytest.mark.mockserver_scenario("sabi-bad-api-key")
def test_marker_activates_a_scenario(mockserver: MockServerHandle) -> None:
    assert create(mockserver, "sabi").status_code == 401


def test_clock_advance_expires_tokens(mockserver: MockServerHandle) -> None:
    login = mockserver.credentials("vaultspay")
    tokens = httpx.post(login["login_route"].split(" ", 1)[1], json=login["login"]).json()
    mockserver.clock.advance("PT16M")
    url = login["create_user"].split(" ", 1)[1]
    response = httpx.post(url, json=CREATE_BODIES["vaultspay"], headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    assert response.json()["type"] == "TOKEN_EXPIRED"


def test_assert_called_passes_and_explains_failures(mockserver: MockServerHandle) -> None:
    create(mockserver, "vaultspay", {**CREATE_BODIES["vaultspay"], "status": "PENDING"})
    mockserver.assert_called("vaultspay", "create_user", times=1, body={"status": "PENDING"})
    assert mockserver.count("vaultspay", "create_user", status=200) == 1
    with pytest.raises(AssertionError) as caught:
        mockserver.assert_called("vaultspay", "create_user", times=1, body={"status": "BLOCK"})
    message = str(caught.value)
    assert "expected 1 call(s) matching" in message and "found 0" in message
    assert "closest requests:" in message and "POST /as/api/v1/users -> 200" in message and "'PENDING'" in message
    with pytest.raises(TypeError, match="unknown match keys"):
        mockserver.assert_called("vaultspay", bodi={})


def test_plugin_in_a_user_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx, pytest

        @pytest.mark.mockserver_scenario("payabli-empty-scope")
        def test_one(mockserver):
            info = mockserver.credentials("payabli")
            r = httpx.post(info["create_user"].split(" ", 1)[1], json={"email": "a@b.co", "scope": [{"orgType": 0, "orgId": 123}]}, headers=info["headers"])
            assert r.json()["responseCode"] == 3201

        def test_two(mockserver):
            mockserver.assert_called("payabli", "create_user", times=1)
        """
    )
    result = pytester.runpytest_inprocess("--mockserver-seed", "4", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*expected 1 call(s) matching*found 0*"])
