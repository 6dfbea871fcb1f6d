"""`mockserver serve` as a user runs it: a real uvicorn process on a real socket."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from .samples import CREATE_BODIES


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--seed", "3", "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert proc.stdout is not None
        banner: list[str] = []
        deadline = time.monotonic() + 30
        origin = None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            banner.append(line)
            match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
            if origin is None and match:
                origin = match.group(1)
            if line.startswith("eTelecom"):
                banner.extend(proc.stdout.readline() for _ in range(5))
                break
        assert origin, "".join(banner)
        for _ in range(200):
            try:
                if httpx.get(origin + "/__admin/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.02)
        yield origin, "".join(banner)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_banner_shows_every_vendor_base_url_and_credentials(served: tuple[str, str]) -> None:
    origin, banner = served
    for path in ("/vaultspay", "/payabli/api", "/sabi", "/pulse", "/etelecom/v1/shop"):
        assert f"base URL     {origin}{path}\n" in banner
    assert "Authorization: Bearer " in banner and "requestToken: " in banner and "ApiKey: " in banner
    assert "x-account-id: " in banner


def test_binds_loopback_and_serves_every_vendor(served: tuple[str, str]) -> None:
    origin, _ = served
    assert origin.startswith("http://127.0.0.1:")
    vendors = httpx.get(origin + "/__admin/vendors").json()
    for name, info in vendors.items():
        url = info["create_user"].split(" ", 1)[1]
        response = httpx.post(url, json=CREATE_BODIES[name], headers=info["headers"])
        assert response.status_code in (200, 201), (name, response.text)
