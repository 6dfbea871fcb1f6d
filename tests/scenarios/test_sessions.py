"""X-Mock-Session: each caller gets its own users and scenario counters."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import vendor_client_fixture
from tests.core.samples import CREATE_BODIES

client, _reset = vendor_client_fixture()  # every vendor, reset before each test


def create(client: TestClient, vendor: str, session: str | None, body: Any = None) -> Any:
    info = client.get("/__admin/vendors").json()[vendor]
    headers = dict(info["headers"])
    if session:
        headers["X-Mock-Session"] = session
    return client.post(info["create_user"].split(" ", 1)[1], json=body or CREATE_BODIES[vendor], headers=headers)


@pytest.mark.parametrize("vendor", ["vaultspay", "payabli", "sabi", "pulse", "etelecom"])
def test_sessions_have_their_own_users(client: TestClient, vendor: str) -> None:
    a, b = create(client, vendor, "a"), create(client, vendor, "b")
    assert a.status_code in (200, 201) and b.status_code in (200, 201)
    assert a.content == b.content or vendor in ("sabi", "pulse", "etelecom")  # same seed stream per session
    assert create(client, vendor, "a").status_code >= 400  # duplicate within the session
    assert create(client, vendor, None).status_code in (200, 201)  # the default session never saw it


def test_session_reset_resets_only_that_session(client: TestClient) -> None:
    assert create(client, "vaultspay", "a").status_code == 200
    assert create(client, "vaultspay", "b").status_code == 200
    client.post("/__admin/reset?session=a")
    assert create(client, "vaultspay", "a").status_code == 200
    assert create(client, "vaultspay", "b").status_code == 400


def test_scenario_counters_are_per_session(client: TestClient) -> None:
    client.post("/__admin/scenarios/vaultspay-token-expired/activate")
    assert create(client, "vaultspay", "a").status_code == 401
    assert create(client, "vaultspay", "b").status_code == 401  # b's own first call
    assert create(client, "vaultspay", "a").status_code == 200
    rules = {s["name"]: s for s in client.get("/__admin/scenarios?session=b").json()}["vaultspay-token-expired"]["rules"]
    assert rules[0]["fired"] == 1
