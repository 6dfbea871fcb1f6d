"""The same client served in-process: no port, no thread per server, just an httpx transport."""

from __future__ import annotations

import httpx
import pytest

import mockserver
from examples.signup_client.client import VaultsPayClient, VaultsPayError


def make_client(transport: mockserver.Transport) -> VaultsPayClient:
    login = transport.credentials("vaultspay")["login"]
    return VaultsPayClient(transport.base_url("vaultspay"), login["clientId"], login["clientSecret"], http=httpx.Client(transport=transport))


def test_create_in_process() -> None:
    client = make_client(mockserver.transport(seed=1))
    assert client.create_user("omar", "ali", "omar@example.ae")["id"] == 604


def test_duplicate_is_the_vendor_error() -> None:
    client = make_client(mockserver.transport())
    client.create_user("omar", "ali", "omar@example.ae")
    with pytest.raises(VaultsPayError) as caught:
        client.create_user("omar", "ali", "omar@example.ae")
    assert caught.value.status == 400 and caught.value.body["type"] == "INVALID_PAYLOAD"


def test_token_expires_after_two_calls_flow() -> None:
    transport = mockserver.transport(active_scenarios=("token-expires-after-2-calls",))
    client = make_client(transport)
    for n in range(5):  # each token lasts two calls: the 3rd and 5th hit TOKEN_EXPIRED and are retried
        client.create_user("u", str(n), f"u{n}@example.pk")
    operations = [e.operation for e in transport.runtime.journal.entries()]
    assert operations.count("refresh") == 2 and operations.count("create_user") == 7
