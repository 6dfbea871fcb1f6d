"""Scenario rules: matching, firing, responding, and how scenarios are switched on."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import Runtime
from mockserver.config import Config
from mockserver.core.fixtures import FixtureError
from tests.conftest import make_client, vendor_client_fixture
from tests.core.samples import CREATE_BODIES, variant

VP = "/vaultspay/as/api/v1/users"
TOKEN_EXPIRED = {"code": 1003, "message": "Your access token has expired. Please get a new token.", "type": "TOKEN_EXPIRED"}


client, _reset = vendor_client_fixture()  # every vendor, reset before each test


@pytest.fixture
def vp(client: TestClient) -> dict[str, str]:
    return client.get("/__admin/vendors").json()["vaultspay"]["headers"]


def define(client: TestClient, doc: str, activate: bool = True) -> dict[str, Any]:
    response = client.post("/__admin/scenarios" + ("?activate=true" if activate else ""), content=doc)
    assert response.status_code == 201, response.text
    return response.json()


def statuses(client: TestClient, headers: dict[str, str], n: int, **extra: Any) -> list[int]:
    return [client.post(VP, json=variant("vaultspay", i), headers={**headers, **extra}).status_code for i in range(n)]


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [
        ("nth: 2", [200, 401, 200, 200, 200, 200]),
        ("after: 3", [200, 200, 200, 401, 401, 401]),
        ("every: 2", [200, 401, 200, 401, 200, 401]),
        ("times: 2", [401, 401, 200, 200, 200, 200]),
        ("every: 2, times: 2", [200, 401, 200, 401, 200, 200]),
    ],
)
def test_call_counting_triggers(client: TestClient, vp: dict[str, str], trigger: str, expected: list[int]) -> None:
    define(client, f"name: t\nrules:\n  - match: {{vendor: vaultspay, operation: create_user, {trigger}}}\n    respond: {{error: TOKEN_EXPIRED}}\n")
    assert statuses(client, vp, 6) == expected


def test_fired_error_is_the_vendor_envelope_and_stores_nothing(client: TestClient, vp: dict[str, str]) -> None:
    define(client, "name: t\nrules:\n  - match: {vendor: vaultspay, operation: create_user, times: 1}\n    respond: {error: TOKEN_EXPIRED}\n")
    first = client.post(VP, json=CREATE_BODIES["vaultspay"], headers=vp)
    assert (first.status_code, first.json()) == (401, TOKEN_EXPIRED)
    assert client.post(VP, json=CREATE_BODIES["vaultspay"], headers=vp).json()["data"]["id"] == 604


def test_probability_is_seeded_and_reproducible() -> None:
    doc = "name: p\nrules:\n  - match: {vendor: vaultspay, operation: create_user, probability: 0.3}\n    respond: {error: THROTTLE}\n"

    def run(seed: int) -> list[int]:
        with make_client("vaultspay", seed=seed) as c:
            define(c, doc)
            headers = c.get("/__admin/vendors").json()["vaultspay"]["headers"]
            return statuses(c, headers, 40)

    first = run(5)
    assert first == run(5)
    assert 3 <= first.count(429) <= 20
    assert first != run(6)


def test_body_header_method_and_path_conditions(client: TestClient, vp: dict[str, str]) -> None:
    define(client, """
name: cond
rules:
  - match: {vendor: vaultspay, body: {status: PENDING}}
    respond: {error: NO_PRIVILEGE}
  - match: {vendor: vaultspay, body_matches: {email: "@blocked\\\\.example$"}}
    respond: {error: BAN}
  - match: {vendor: vaultspay, headers: {x-tenant: acme}}
    respond: {status: 418, body: {teapot: true}, headers: {x-extra: "yes"}}
  - match: {vendor: vaultspay, headers: {x-trace: true}, method: POST, path: "/as/api/v1/.*"}
    respond: {error: IP_NOT_WHITELISTED}
""")
    body = CREATE_BODIES["vaultspay"]
    assert client.post(VP, json={**body, "status": "PENDING"}, headers=vp).json()["code"] == 1008
    assert client.post(VP, json={**body, "email": "x@blocked.example"}, headers=vp).json()["code"] == 1006
    teapot = client.post(VP, json=body, headers={**vp, "X-Tenant": "acme"})
    assert (teapot.status_code, teapot.json(), teapot.headers["x-extra"]) == (418, {"teapot": True}, "yes")
    assert client.post(VP, json=body, headers={**vp, "X-Trace": "1"}).json()["code"] == 1007
    assert client.post(VP, json=body, headers=vp).status_code == 200  # nothing matched: real behaviour


def test_pass_with_fixed_delay_lets_the_real_behaviour_answer(client: TestClient, vp: dict[str, str]) -> None:
    define(client, "name: d\nrules:\n  - match: {vendor: vaultspay}\n    delay: 30\n")
    started = time.perf_counter()
    response = client.post(VP, json=CREATE_BODIES["vaultspay"], headers=vp)
    assert response.status_code == 200 and time.perf_counter() - started >= 0.03


def test_delay_distributions_are_seeded(tmp_path: Path) -> None:
    runtime = Runtime(Config(vendors=("vaultspay",), seed=3))
    runtime.scenarios.define("name: u\nrules:\n  - match: {vendor: vaultspay}\n    delay: {uniform: [100, 200]}\n")
    runtime.scenarios.define("name: l\nrules:\n  - match: {vendor: vaultspay}\n    delay: {lognormal: {median: 120, sigma: 0.5}}\n")
    from mockserver.core.vendor import Call

    call = Call("POST", "/as/api/v1/users", {}, {}, b"{}")
    uniform = [runtime.scenarios.decide("vaultspay", "create_user", call, "", "u").delay for _ in range(50)]  # type: ignore[union-attr]
    assert all(0.1 <= d <= 0.2 for d in uniform) and len(set(uniform)) > 40
    lognormal = [runtime.scenarios.decide("vaultspay", "create_user", call, "", "l").delay for _ in range(200)]  # type: ignore[union-attr]
    assert 0.09 < sorted(lognormal)[100] < 0.15  # the median
    again = Runtime(Config(vendors=("vaultspay",), seed=3))
    again.scenarios.define("name: u\nrules:\n  - match: {vendor: vaultspay}\n    delay: {uniform: [100, 200]}\n")
    assert [again.scenarios.decide("vaultspay", "create_user", call, "", "u").delay for _ in range(50)] == uniform  # type: ignore[union-attr]


def test_token_expires_after_2_calls_until_refresh(client: TestClient) -> None:
    client.post("/__admin/scenarios/token-expires-after-2-calls/activate")
    tokens = client.post("/vaultspay/as/api/v1/saas-login", json={"clientId": "vp-demo-app", "clientSecret": "vp-demo-secret"}).json()
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    assert statuses(client, headers, 4) == [200, 200, 401, 401]
    refreshed = client.post("/vaultspay/as/api/v1/saas-refresh-token", json={"refreshToken": tokens["refreshToken"]})
    headers = {"Authorization": f"Bearer {refreshed.json()['data']['accessToken']}"}
    assert [client.post(VP, json=variant("vaultspay", 10 + i), headers=headers).status_code for i in range(3)] == [200, 200, 401]


def test_activation_paths_and_remaining_counts(client: TestClient, vp: dict[str, str]) -> None:
    assert client.post("/__admin/scenarios/vaultspay-token-expired/activate").json()["active"] is True
    listed = {s["name"]: s for s in client.get("/__admin/scenarios").json()}
    assert listed["vaultspay-token-expired"]["rules"][0]["remaining"] == 1
    assert client.post(VP, json=CREATE_BODIES["vaultspay"], headers=vp).json() == TOKEN_EXPIRED
    rule = {s["name"]: s for s in client.get("/__admin/scenarios").json()}["vaultspay-token-expired"]["rules"][0]
    assert (rule["seen"], rule["fired"], rule["remaining"]) == (1, 1, 0)
    assert client.post(VP, json=CREATE_BODIES["vaultspay"], headers=vp).status_code == 200
    client.post("/__admin/scenarios/vaultspay-throttled/activate")
    client.post("/__admin/scenarios/vaultspay-throttled/deactivate")
    assert client.post(VP, json=variant("vaultspay", 1), headers=vp).status_code == 200
    assert client.post("/__admin/scenarios/nope/activate").status_code == 404


def test_json_definition_and_per_request_headers(client: TestClient, vp: dict[str, str]) -> None:
    define(client, '{"name": "j", "rules": [{"match": {"vendor": "vaultspay", "nth": 1}, "respond": {"error": "SESSION_EXPIRED"}}]}', activate=False)
    assert client.post(VP, json=CREATE_BODIES["vaultspay"], headers=vp).status_code == 200  # not active
    assert client.post(VP, json=variant("vaultspay", 1), headers={**vp, "X-Mock-Scenario": "j"}).json()["code"] == 1004
    assert client.post(VP, json=variant("vaultspay", 2), headers={**vp, "X-Mock-Error": "THROTTLE"}).json()["code"] == 1005
    payabli = client.get("/__admin/vendors").json()["payabli"]
    forced = client.post("/payabli/api/User", json=CREATE_BODIES["payabli"], headers={**payabli["headers"], "X-Mock-Error": "3201"})
    assert forced.status_code == 400 and forced.json()["responseCode"] == 3201
    unknown = client.post(VP, json=variant("vaultspay", 3), headers={**vp, "X-Mock-Error": "NOPE"})
    assert unknown.status_code == 400 and "unknown error 'NOPE'" in unknown.json()["message"]
    assert client.post(VP, json=variant("vaultspay", 3), headers={**vp, "X-Mock-Scenario": "nope"}).status_code == 400


def test_scenario_activated_at_start_survives_reset() -> None:
    with make_client("sabi", active_scenarios=("sabi-bad-api-key",)) as c:
        headers = c.get("/__admin/vendors").json()["sabi"]["headers"]
        url = "/sabi/api/v1/users/public"
        assert c.post(url, json=CREATE_BODIES["sabi"], headers=headers).status_code == 401
        assert c.post(url, json=CREATE_BODIES["sabi"], headers=headers).status_code == 201
        c.post("/__admin/reset")
        assert c.post(url, json=CREATE_BODIES["sabi"], headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("name: x\nrules:\n  - match: {vendor: acme}\n", "<admin>:3: rules.0.match.vendor: unknown vendor 'acme'"),
        ("name: x\nrules:\n  - match: {vendor: sabi}\n    respond: {error: NOPE}\n", "<admin>:4: rules.0.respond.error: unknown error 'NOPE' for sabi"),
        ("name: x\nrules:\n  - match: {vendor: sabi, operation: fly}\n", "<admin>:3: rules.0.match.operation: unknown operation 'fly'"),
        ("name: x\nrules:\n  - match: {vendor: sabi, nth: 0}\n", "<admin>:3: rules.0.match.nth: Input should be greater than or equal to 1"),
        ("name: x\nrules:\n  - match: {vendor: sabi}\n    fault: explode\n", "<admin>:4: rules.0.fault"),
        ("name: x\nrules:\n  - match: {vendor: sabi}\n    surprise: 1\n", "<admin>:4: rules.0.surprise: Extra inputs are not permitted"),
        ("name: x\nrules: [\n", "<admin>:3: not valid YAML/JSON"),
    ],
)
def test_bad_scenarios_are_rejected_with_location(doc: str, message: str) -> None:
    runtime = Runtime(Config(vendors=("sabi",)))
    with pytest.raises(FixtureError) as caught:
        runtime.scenarios.define(doc, source="<admin>")
    assert message in str(caught.value)


def test_bad_scenario_file_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("name: mine\nrules:\n  - match: {vendor: vaultspay}\n    respond: {error: 1003}\n")
    with pytest.raises(FixtureError) as caught:
        Runtime(Config(vendors=("vaultspay",), scenarios=tmp_path))
    assert "mine.yaml:4: rules.0.respond.error: unknown error '1003' for vaultspay" in str(caught.value)
    with pytest.raises(FixtureError, match="unknown scenario"):
        Runtime(Config(vendors=("vaultspay",), active_scenarios=("nope",)))


def test_admin_rejects_bad_definition(client: TestClient) -> None:
    response = client.post("/__admin/scenarios", content="name: x\nrules:\n  - match: {vendor: acme}\n")
    assert response.status_code == 400 and "unknown vendor 'acme'" in response.json()["error"]


def test_library_covers_every_catalog_error_and_the_flows(client: TestClient) -> None:
    from mockserver.vendors import NAMES, load

    library = {s["name"]: s for s in client.get("/__admin/scenarios").json()}
    for name in ("vaultspay-token-expired", "vaultspay-session-expired", "vaultspay-throttled", "payabli-empty-scope",
                 "payabli-service-unavailable", "sabi-bad-api-key", "pulse-rate-limited", "etelecom-permission-denied",
                 "etelecom-user-exists", "token-expires-after-2-calls", "flaky-network", "fail-first-then-succeed", "slow-vendor"):
        assert name in library, name
    covered = {(r["match"]["vendor"], str(r["respond"]["error"])) for s in library.values() for r in s["rules"] if "error" in r.get("respond", {})}
    for vendor in NAMES:
        for key in load(vendor).error_contract.catalog:
            assert (vendor, key) in covered, (vendor, key)


def test_fail_first_then_succeed_for_every_vendor(client: TestClient) -> None:
    client.post("/__admin/scenarios/fail-first-then-succeed/activate")
    vendors = client.get("/__admin/vendors").json()
    for name, info in vendors.items():
        url = info["create_user"].split(" ", 1)[1]
        first = client.post(url, json=CREATE_BODIES[name], headers=info["headers"])
        assert first.status_code == 503, name
        assert client.post(url, json=CREATE_BODIES[name], headers=info["headers"]).status_code in (200, 201), name
