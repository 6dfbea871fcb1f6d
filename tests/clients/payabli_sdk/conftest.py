"""Fixtures of the official-SDK suite: the pinned SDKs and what each operation may answer (the live server
and its credentials are the client suites' own: tests/clients/conftest.py)."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest

from tests.clients.payabli_sdk import setup_sdks
from tests.core.served import Served

REQUIRE_ENV = "MOCKSERVER_REQUIRE_CLIENTS"  # CI sets it: an absent SDK fails the suite instead of skipping it


def require(section: str) -> None:
    """Skip (or fail, under MOCKSERVER_REQUIRE_CLIENTS=1) without the pinned SDK of ``section``."""
    why = setup_sdks.missing(section)
    if why is None:
        return
    why = f"{why}: run `python3 tests/clients/payabli_sdk/setup_sdks.py`"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 and {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def catalogued(live_server: Served) -> dict[str, list[str]]:
    """Each mock operation's catalogued errors: the catalog keys its documented error
    responses hold in the served OpenAPI document (what a client of that document is promised)."""
    reply = httpx.get(f"{live_server.origin}/__admin/openapi/payabli.json", timeout=30)
    assert reply.status_code == 200, reply.text
    out: dict[str, list[str]] = {}
    for methods in reply.json()["paths"].values():
        for operation in methods.values():
            keys: list[str] = []
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    keys += response["content"]["application/json"]["examples"]
            out[operation["x-mockserver-operation"]] = keys
    return out


@pytest.fixture(scope="module")
def sdk_credentials(credentials: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return credentials["payabli"]
