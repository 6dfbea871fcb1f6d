"""The whole server: admin API, URL layout, determinism and robustness across vendors."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.vendors import NAMES
from tests.conftest import make_client, vendor_client_fixture

from .samples import CREATE_BODIES, variant

LAYOUT = {
    "vaultspay": ("http://testserver/vaultspay", "POST http://testserver/vaultspay/as/api/v1/users"),
    "payabli": ("http://testserver/payabli/api", "POST http://testserver/payabli/api/User"),
    "sabi": ("http://testserver/sabi", "POST http://testserver/sabi/api/v1/users/public"),
    "pulse": ("http://testserver/pulse", "POST http://testserver/pulse/users"),
    "etelecom": ("http://testserver/etelecom/v1/shop", "POST http://testserver/etelecom/v1/shop.Shop/CreateAccountUser"),
}


client, _reset = vendor_client_fixture()  # every vendor, reset before each test


def _create(client: TestClient, vendor: str, body: Any, info: dict[str, Any] | None = None, **kw: Any) -> Any:
    info = info or client.get("/__admin/vendors").json()[vendor]
    url = info["create_user"].split(" ", 1)[1]
    return client.post(url, json=body, headers=info["headers"], **kw)


def test_admin_vendors_lists_every_vendor_with_the_documented_layout(client: TestClient) -> None:
    vendors = client.get("/__admin/vendors").json()
    assert list(vendors) == ["vaultspay", "payabli", "sabi", "pulse", "etelecom"] == list(NAMES)
    for name, (base_url, create_user) in LAYOUT.items():
        entry = vendors[name]
        assert entry["base_url"] == base_url
        assert entry["create_user"] == create_user
        assert isinstance(entry["headers"], dict) and entry["headers"]
    assert vendors["vaultspay"]["headers"]["Authorization"].startswith("Bearer ")
    assert set(vendors["pulse"]["headers"]) >= {"Authorization", "x-account-id"}
    assert vendors["vaultspay"]["login"] and vendors["pulse"]["login"]


@pytest.mark.parametrize("vendor", NAMES)
def test_ready_credentials_create_the_sample_user(client: TestClient, vendor: str) -> None:
    response = _create(client, vendor, CREATE_BODIES[vendor])
    assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize("vendor", ["vaultspay", "pulse"])
def test_login_bodies_from_admin_work(client: TestClient, vendor: str) -> None:
    info = client.get("/__admin/vendors").json()[vendor]
    method, url = info["login_route"].split(" ", 1)
    assert method == "POST"
    assert client.post(url, json=info["login"]).status_code == 200


def test_reset_forgets_created_users(client: TestClient) -> None:
    for vendor in NAMES:
        assert _create(client, vendor, CREATE_BODIES[vendor]).status_code in (200, 201)
        assert _create(client, vendor, CREATE_BODIES[vendor]).status_code >= 400  # duplicate
    client.post("/__admin/reset")
    for vendor in NAMES:
        assert _create(client, vendor, CREATE_BODIES[vendor]).status_code in (200, 201)


@pytest.mark.parametrize("vendor", NAMES)
@pytest.mark.parametrize(
    "case",
    ["malformed", "array", "string", "number", "null", "huge", "unknown_path", "wrong_method", "no_auth", "wrong_types"],
)
def test_bad_input_gets_a_vendor_error_never_a_500(client: TestClient, vendor: str, case: str) -> None:
    info = client.get("/__admin/vendors").json()[vendor]
    url = info["create_user"].split(" ", 1)[1]
    headers = dict(info["headers"])
    headers.setdefault("Content-Type", "application/json")
    if case == "malformed":
        response = client.post(url, content=b'{"a": ', headers=headers)
    elif case in ("array", "string", "number", "null"):
        payload = {"array": b"[1, 2]", "string": b'"hello"', "number": b"42", "null": b"null"}[case]
        response = client.post(url, content=payload, headers=headers)
    elif case == "huge":
        response = client.post(url, content=b'{"x": "' + b"a" * (2 << 20) + b'"}', headers=headers)
    elif case == "unknown_path":
        response = client.post(info["base_url"] + "/definitely/not/here", json={}, headers=headers)
    elif case == "wrong_method":
        # PATCH: no vendor serves it on its create-user path (GET may list users).
        response = client.patch(url, json={}, headers=headers)
    elif case == "no_auth":
        response = client.post(url, json=CREATE_BODIES[vendor], headers={"Content-Type": "application/json"})
    else:
        response = client.post(url, json={k: [1] for k in CREATE_BODIES[vendor]}, headers=headers)
    assert 400 <= response.status_code < 500, (case, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict) and "Traceback" not in response.text
    # Nothing a failed request sent is stored: the sample still creates cleanly.
    assert _create(client, vendor, CREATE_BODIES[vendor], info).status_code in (200, 201)


def test_unknown_top_level_path_and_admin_route(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert client.get("/__admin/nope").json() == {"error": "no admin route GET /__admin/nope"}


def _run(seed: int, plan: list[tuple[str, int]]) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {name: [] for name in NAMES}
    with make_client(seed=seed, clock="frozen:2026-03-01T10:00:00Z") as c:
        vendors = c.get("/__admin/vendors").json()
        for vendor, n in plan:
            out[vendor].append(_create(c, vendor, variant(vendor, n), vendors[vendor]).content)
    return out


def test_same_seed_same_bytes_regardless_of_interleaving() -> None:
    # Each vendor sees the same own requests; only the order across vendors differs.
    grouped = [(v, n) for v in NAMES for n in range(3)]
    interleaved = [(v, n) for n in range(3) for v in reversed(NAMES)]
    first, second = _run(11, grouped), _run(11, interleaved)
    for vendor in NAMES:
        assert first[vendor] == second[vendor], vendor
        assert len(first[vendor]) == 3


def test_other_seed_changes_generated_values() -> None:
    plan = [("sabi", 1), ("etelecom", 1), ("vaultspay", 1)]
    a, b = _run(1, plan), _run(2, plan)
    assert a["sabi"] != b["sabi"] and a["vaultspay"] != b["vaultspay"]


def test_single_vendor_mode_serves_at_the_root() -> None:
    with make_client(vendor="payabli") as c:
        info = c.get("/__admin/vendors").json()
        assert list(info) == ["payabli"]
        assert info["payabli"]["base_url"] == "http://testserver/api"
        assert info["payabli"]["create_user"] == "POST http://testserver/api/User"
        assert _create(c, "payabli", CREATE_BODIES["payabli"], info["payabli"]).status_code == 200
        assert c.post("/User", json={}).status_code == 404  # still the vendor's envelope
        assert "isSuccess" in c.post("/User", json={}).json()
