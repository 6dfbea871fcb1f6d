"""The virtual clock through the admin API, and the per-request log line."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import make_client
from tests.core.samples import CREATE_BODIES


def test_clock_admin_advance_set_freeze_reset() -> None:
    with make_client("vaultspay", clock="frozen:2026-01-01T00:00:00Z") as client:
        assert client.get("/__admin/clock").json() == {"now": "2026-01-01T00:00:00.000Z", "frozen": True}
        assert client.post("/__admin/clock", json={"advance": "PT1H30M"}).json()["now"] == "2026-01-01T01:30:00.000Z"
        assert client.post("/__admin/clock", json={"advance": 30}).json()["now"] == "2026-01-01T01:30:30.000Z"
        assert client.post("/__admin/clock", json={"set": "2027-05-06T07:08:09Z"}).json()["now"] == "2027-05-06T07:08:09.000Z"
        assert client.post("/__admin/clock", json={"freeze": False}).json()["frozen"] is False
        assert client.post("/__admin/clock", json={"reset": True}).json() == {"now": "2026-01-01T00:00:00.000Z", "frozen": True}


@pytest.mark.parametrize("body", [{"advance": "soon"}, {"set": "yesterday"}, {"jump": 1}, [1]])
def test_clock_admin_rejects_bad_input(body: object) -> None:
    with make_client("vaultspay") as client:
        response = client.post("/__admin/clock", json=body)
        assert response.status_code == 400 and "error" in response.json()


def test_one_log_line_per_request(caplog: pytest.LogCaptureFixture) -> None:
    with make_client("vaultspay", active_scenarios=("vaultspay-throttled",)) as client:
        headers = client.get("/__admin/vendors").json()["vaultspay"]["headers"]
        with caplog.at_level(logging.INFO, logger="mockserver.requests"):
            client.post("/vaultspay/as/api/v1/users", json=CREATE_BODIES["vaultspay"], headers=headers)
            client.post("/vaultspay/as/api/v1/users", json=CREATE_BODIES["vaultspay"], headers=headers)
    lines = [r.getMessage() for r in caplog.records if r.name == "mockserver.requests"]
    assert len(lines) == 2
    assert lines[0].split()[:3] == ["vaultspay", "create_user", "429"] and "scenario=vaultspay-throttled#0" in lines[0]
    assert lines[1].split()[:3] == ["vaultspay", "create_user", "200"] and lines[1].split()[3].endswith("ms")
