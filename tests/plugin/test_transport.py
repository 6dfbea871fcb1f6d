"""mockserver.transport(): serving an httpx client in-process, sync and async."""

from __future__ import annotations

import asyncio

import httpx
import pytest

import mockserver
from tests.core.samples import CREATE_BODIES


def test_sync_client_needs_no_socket() -> None:
    transport = mockserver.transport(seed=1)
    with httpx.Client(transport=transport, base_url=transport.base_url("vaultspay")) as client:
        response = client.post("/as/api/v1/users", json=CREATE_BODIES["vaultspay"], headers=transport.headers("vaultspay"))
        assert response.status_code == 200 and response.json()["data"]["id"] == 604
        assert client.post("/as/api/v1/users", json={}).json()["code"] == 1002


def test_async_client_and_same_seed_same_bytes() -> None:
    async def run() -> bytes:
        transport = mockserver.transport(seed=9, clock="frozen:2026-01-01T00:00:00Z")
        async with httpx.AsyncClient(transport=transport, base_url=transport.base_url("sabi")) as client:
            response = await client.post("/api/v1/users/public", json=CREATE_BODIES["sabi"], headers=transport.headers("sabi"))
            assert response.status_code == 201
            return response.content

    assert asyncio.run(run()) == asyncio.run(run())


def test_faults_surface_as_httpx_errors() -> None:
    transport = mockserver.transport()
    transport.runtime.scenarios.activate("connection-reset-once")
    with httpx.Client(transport=transport, base_url=transport.base_url("pulse")) as client, pytest.raises(httpx.ReadError):
        client.post("/users", json=CREATE_BODIES["pulse"], headers=transport.headers("pulse"))
    transport.runtime.scenarios.activate("empty-response-once")
    with httpx.Client(transport=transport, base_url=transport.base_url("pulse")) as client, pytest.raises(httpx.RemoteProtocolError):
        client.post("/users", json={"email": "b@c.co"}, headers=transport.headers("pulse"))


def test_running_starts_and_stops_a_real_server() -> None:
    with mockserver.running(port=0, seed=1, vendors=("etelecom",)) as server:
        url = server.base_url("etelecom") + ".Shop/CreateAccountUser"
        response = httpx.post(url, json=CREATE_BODIES["etelecom"], headers=server.vendors()["etelecom"]["headers"])
        assert response.status_code == 200
        address = server.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(address + "/__admin/health", timeout=2)
