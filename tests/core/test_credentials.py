"""One Bearer parser (core.credentials) for every vendor that reads one and for the admin guard.

The scheme is case-insensitive (RFC 7235), blanks around the value and the token are
ignored, the scheme ends at the first space; each vendor then answers a bad header its
own way (its catalog), but all of them read the same header the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.core.credentials import authorization, bearer_token, remembered
from tests.conftest import make_client
from tests.core.samples import variant

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "admin-token-for-the-bearer-tests"


@pytest.mark.parametrize(
    ("header", "scheme", "credentials", "token"),
    [
        (None, "", "", ""),
        ("", "", "", ""),
        ("   ", "", "", ""),
        ("Bearer k1", "bearer", "k1", "k1"),
        ("bearer k1", "bearer", "k1", "k1"),
        ("BEARER k1", "bearer", "k1", "k1"),
        ("Bearer   k1  ", "bearer", "k1", "k1"),
        ("  Bearer k1", "bearer", "k1", "k1"),
        ("Bearer \u00a0k1", "bearer", "k1", "k1"),
        ("Bearer k1 extra", "bearer", "k1 extra", "k1 extra"),  # the credentials are the rest, as sent
        ("Bearer", "bearer", "", ""),
        ("Bearer ", "bearer", "", ""),
        ("Bearer\tk1", "bearer\tk1", "", ""),  # the scheme ends at a space only
        ("Bearerk1", "bearerk1", "", ""),
        ("Basic a2V5", "basic", "a2V5", ""),
        ("Token k1", "token", "k1", ""),
    ],
)
def test_one_reading_of_the_header(header: str | None, scheme: str, credentials: str, token: str) -> None:
    assert authorization(header) == (scheme, credentials)
    assert bearer_token(header) == token


# ---------------------------------------------------------------- every reader agrees
ACCEPTED = ["Bearer {}", "bearer {}", "BEARER   {}  "]
REFUSED = ["Bearer\t{}", "Token {}", "Bearer{}", "Basic {}", "Bearer", ""]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with make_client(admin_token=ADMIN_TOKEN) as c:
        yield c


def _admin(client: TestClient) -> dict[str, str]:
    return {"X-Mock-Admin-Token": ADMIN_TOKEN}


def _bearer_call(client: TestClient, vendor: str) -> tuple[str, dict[str, str], str]:
    """The create-user path, its other headers, and a live Bearer token for ``vendor``."""
    info = client.get("/__admin/vendors", headers=_admin(client)).json()[vendor]
    path = "/" + info["create_user"].split(" ", 1)[1].split("/", 3)[3]
    headers = {k: v for k, v in info["headers"].items() if k.lower() not in ("authorization", "requesttoken")}
    headers["Content-Type"] = "application/json"
    if vendor == "payabli":  # its Bearer tokens come from the OAuth2 token endpoint
        issued = client.post(info["login_route"].split(" ", 1)[1], json=info["login"])
        return path, headers, str(issued.json()["access_token"])
    return path, headers, info["headers"]["Authorization"].removeprefix("Bearer ")


@pytest.mark.parametrize("vendor", ["vaultspay", "payabli", "pulse", "etelecom"])
def test_every_vendor_reads_the_bearer_header_alike(client: TestClient, vendor: str) -> None:
    path, headers, token = _bearer_call(client, vendor)
    statuses: dict[str, Any] = {}
    for n, spelling in enumerate(ACCEPTED + REFUSED):
        value = spelling.format(token)
        response = client.post(path, json=variant(vendor, 100 + n), headers={**headers, "Authorization": value} if value else headers)
        statuses[spelling] = response.status_code
    assert all(statuses[s] in (200, 201) for s in ACCEPTED), statuses
    assert all(statuses[s] in (400, 401) for s in REFUSED), statuses  # each vendor's own answer to a bad header


def test_the_admin_guard_reads_it_alike(client: TestClient) -> None:
    for spelling in ACCEPTED:
        assert client.get("/__admin/health", headers={"Authorization": spelling.format(ADMIN_TOKEN)}).status_code == 200, spelling
    for spelling in REFUSED:
        value = spelling.format(ADMIN_TOKEN)
        assert client.get("/__admin/health", headers={"Authorization": value} if value else {}).status_code == 401, spelling


# Parsing an Authorization scheme by hand: comparing with "bearer", slicing "Bearer ".
_HAND_PARSED = re.compile(r"""(?i)(==|!=)\s*b?["']bearer\b|startswith\(\s*b?["']bearer|b?["']bearer ["']|\[:7\]""")


# VaultsPay answers another scheme (INVALID_TOKEN) unlike no credentials (UNAUTHENTICATED), as
# its tests pin: it splits the header with core.credentials.authorization and names the scheme.
QUIRKS = {"mockserver/vendors/vaultspay/auth.py": 'if scheme and scheme != "bearer":'}


def test_no_module_but_core_credentials_parses_the_scheme() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "mockserver").rglob("*.py"))
        if path.relative_to(ROOT).as_posix() != "mockserver/core/credentials.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _HAND_PARSED.search(line) and line.strip() != QUIRKS.get(path.relative_to(ROOT).as_posix())
    ]
    assert found == []


def test_remembered_reads_a_header_once_and_never_remembers_a_refusal() -> None:
    calls: list[str] = []

    def reader(header: str) -> str:
        calls.append(header)
        token = bearer_token(header)
        if not token:
            raise ValueError("refused")
        return token

    read = remembered(reader)
    assert [read("Bearer t-1"), read("Bearer t-1")] == ["t-1", "t-1"]
    for _ in range(2):
        with pytest.raises(ValueError, match="refused"):
            read("Basic x")
    assert calls == ["Bearer t-1", "Basic x", "Basic x"]  # the refusal is judged again on every call
