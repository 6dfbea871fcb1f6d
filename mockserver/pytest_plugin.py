"""pytest plugin (registered through the ``pytest11`` entry point): the ``mockserver`` fixture.

    def test_signup(mockserver):
        client = MyClient(base_url=mockserver.base_url("vaultspay"), **mockserver.credentials("vaultspay"))
        with mockserver.scenario("vaultspay-token-expired"):
            client.create_user(...)
        mockserver.assert_called("vaultspay", "create_user", times=2, body={"status": "ACTIVE"})

One real server per pytest process (so per pytest-xdist worker), started on
first use; every test starts from a reset state (fixtures, journal, scenario
counters, clock).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from .server import RunningServer, running

_MATCH_KEYS = ("method", "path", "status", "session")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockserver", "mockserver sandbox")
    group.addoption("--mockserver-seed", type=int, default=0, help="seed of the mockserver fixture's server (default 0)")
    group.addoption("--mockserver-fixtures", default=None, help="fixtures directory for the mockserver fixture's server")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mockserver_scenario(*names): activate these mockserver scenarios for the test")


class Clock:
    """The server's virtual clock, as seen from a test."""

    def __init__(self, admin: httpx.Client) -> None:
        self._admin = admin

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self._admin.post("/__admin/clock", json=body)
        response.raise_for_status()
        return dict(response.json())

    def now(self) -> str:
        return str(self._admin.get("/__admin/clock").json()["now"])

    def advance(self, duration: str | float | None = None, **parts: float) -> str:
        """``advance(hours=1)``, ``advance(90)`` (seconds) or ``advance("PT15M")``."""
        amount: str | float = duration if duration is not None else timedelta(**parts).total_seconds()
        return str(self._post({"advance": amount})["now"])

    def set(self, instant: str) -> str:
        return str(self._post({"set": instant})["now"])

    def freeze(self, on: bool = True) -> None:
        self._post({"freeze": on})

    def reset(self) -> None:
        self._post({"reset": True})


class MockServerHandle:
    """What the ``mockserver`` fixture gives a test."""

    def __init__(self, live: RunningServer) -> None:
        self.live = live
        self.url = live.url
        self._admin = httpx.Client(base_url=live.url, timeout=30)
        self.clock = Clock(self._admin)

    # ------------------------------------------------------------ vendors
    def base_url(self, vendor: str) -> str:
        return self.live.base_url(vendor)

    def credentials(self, vendor: str) -> dict[str, Any]:
        """``{"base_url", "create_user", "headers", "login", ...}``: everything needed to call ``vendor`` now."""
        return dict(self._admin.get("/__admin/vendors").json()[vendor])

    def headers(self, vendor: str) -> dict[str, str]:
        return dict(self.credentials(vendor)["headers"])

    # ---------------------------------------------------------- scenarios
    def activate(self, name: str) -> None:
        response = self._admin.post(f"/__admin/scenarios/{name}/activate")
        if response.status_code == 404:
            raise LookupError(response.json()["error"])
        response.raise_for_status()

    def deactivate(self, name: str) -> None:
        self._admin.post(f"/__admin/scenarios/{name}/deactivate").raise_for_status()

    @contextmanager
    def scenario(self, name: str) -> Iterator[None]:
        """Active inside the ``with`` block only."""
        self.activate(name)
        try:
            yield
        finally:
            self.deactivate(name)

    def define_scenario(self, document: str | dict[str, Any], activate: bool = False) -> str:
        content = document if isinstance(document, str) else httpx.Request("POST", "/", json=document).content
        response = self._admin.post("/__admin/scenarios" + ("?activate=true" if activate else ""), content=content)
        if response.status_code != 201:
            raise ValueError(response.json()["error"])
        return str(response.json()["name"])

    # ------------------------------------------------------------ journal
    def requests(self, vendor: str | None = None, operation: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"vendor": vendor, "operation": operation, **filters}.items() if v is not None}
        return list(self._admin.get("/__admin/requests", params=params).json())

    def count(self, vendor: str, operation: str | None = None, **match: Any) -> int:
        return int(self._admin.post("/__admin/requests/count", json=self._match(vendor, operation, match)).json()["count"])

    def assert_called(self, vendor: str, operation: str | None = None, times: int = 1, **match: Any) -> None:
        """Exactly ``times`` journaled calls match; otherwise say what was expected and what came closest."""
        criteria = self._match(vendor, operation, match)
        answer = self._admin.post("/__admin/requests/count", json=criteria).json()
        if answer["count"] == times:
            return
        closest = answer.get("closest") or [e for e in self.requests(vendor, operation)][-3:]
        lines = [
            f"expected {times} call(s) matching {criteria}, found {answer['count']}.",
            "closest requests:" if closest else "no requests to that vendor/operation were made.",
        ]
        for entry in closest:
            lines.append(f"  {entry['method']} {entry['path']} -> {entry['status']} ({entry['operation']}) body={entry['body']!r}")
        raise AssertionError("\n".join(lines))

    @staticmethod
    def _match(vendor: str, operation: str | None, match: dict[str, Any]) -> dict[str, Any]:
        unknown = set(match) - {*_MATCH_KEYS, "body", "headers", "response", "query"}
        if unknown:
            raise TypeError(f"unknown match keys {sorted(unknown)}; use {', '.join((*_MATCH_KEYS, 'body', 'headers', 'response', 'query'))}")
        return {k: v for k, v in {"vendor": vendor, "operation": operation, **match}.items() if v is not None}

    # -------------------------------------------------------------- state
    def reset(self) -> None:
        """Fixtures back, users/journal/scenario state gone, clock as at start."""
        self._admin.post("/__admin/reset").raise_for_status()
        self.clock.reset()

    def close(self) -> None:
        self._admin.close()


@pytest.fixture(scope="session")
def _mockserver_live(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    options: dict[str, Any] = {"seed": request.config.getoption("--mockserver-seed")}
    fixtures = request.config.getoption("--mockserver-fixtures")
    if fixtures:
        options["fixtures"] = Path(fixtures)
    with running(port=0, **options) as live:
        yield live


@pytest.fixture
def mockserver(_mockserver_live: RunningServer, request: pytest.FixtureRequest) -> Iterator[MockServerHandle]:
    handle = MockServerHandle(_mockserver_live)
    handle.reset()
    for marker in request.node.iter_markers("mockserver_scenario"):
        for name in marker.args:
            handle.activate(name)
    try:
        yield handle
    finally:
        handle.close()
