"""pytest plugin (registered through the ``pytest11`` entry point): the ``mockserver`` fixture.

    def test_signup(mockserver):
        client = MyClient(base_url=mockserver.base_url("vaultspay"), **mockserver.credentials("vaultspay"))
        with mockserver.scenario("vaultspay-token-expired"):
            client.create_user(...)
        mockserver.assert_called("vaultspay", "create_user", times=2, body={"status": "ACTIVE"})
        mockserver.assert_snapshot("signup-retries-after-expiry")  # tests/snapshots/<name>.json

One real server per pytest process (so per pytest-xdist worker), started on
first use; every test starts from a reset state (fixtures, journal, scenario
counters, clock).  It runs on the fast transport unless ``MOCKSERVER_SERVER=stock``
is set (``mockserver.running``'s default; ``mockserver.live.transport`` says which).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from .server import RunningServer, running

_MATCH_KEYS = ("method", "path", "status", "session")
SNAPSHOT_DIR = Path("tests") / "snapshots"  # below the rootdir, unless --mockserver-snapshots says otherwise
IGNORED = "<ignored>"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockserver", "mockserver sandbox")
    group.addoption("--mockserver-seed", type=int, default=0, help="seed of the mockserver fixture's server (default 0)")
    group.addoption("--mockserver-fixtures", default=None, help="fixtures directory for the mockserver fixture's server")
    group.addoption(
        "--mockserver-store", default=None, metavar="URL",
        help="store of the mockserver fixture's server: memory:// (default) or sqlite:///file.db (serve --store)",
    )
    group.addoption(
        "--mockserver-snapshots", default=None, metavar="DIR",
        help="directory of mockserver.assert_snapshot files (default: <rootdir>/tests/snapshots; relative to the rootdir)",
    )
    group.addoption(
        "--mockserver-update-snapshots", action="store_true", default=False,
        help="rewrite mockserver.assert_snapshot files instead of failing on a difference",
    )


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

    def __init__(self, live: RunningServer, snapshot_dir: Path | None = None, update_snapshots: bool = False) -> None:
        self.live = live
        self.url = live.url
        self._admin = httpx.Client(base_url=live.url, timeout=30, headers=live.admin_headers())
        self.clock = Clock(self._admin)
        self.snapshot_dir = snapshot_dir if snapshot_dir is not None else SNAPSHOT_DIR
        self.update_snapshots = update_snapshots

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
        """Journal entries, oldest first: every match (the server answers a page at a time), or the newest ``limit``."""
        params = {k: v for k, v in {"vendor": vendor, "operation": operation, **filters}.items() if v is not None}
        if "limit" in params or "after" in params:
            return list(self._admin.get("/__admin/requests", params=params).json())
        entries: list[dict[str, Any]] = []
        after = 0
        while True:  # follow the pages' next links from the oldest entry on
            response = self._admin.get("/__admin/requests", params={**params, "after": after})
            response.raise_for_status()
            page = list(response.json())
            entries += page
            if not page or "next" not in response.links:
                return entries
            after = page[-1]["seq"]

    def count(self, vendor: str, operation: str | None = None, **match: Any) -> int:
        return int(self._admin.post("/__admin/requests/count", json=self._match(vendor, operation, match)).json()["count"])

    def assert_called(self, vendor: str, operation: str | None = None, times: int = 1, **match: Any) -> None:
        """Exactly ``times`` journaled calls match; otherwise say what was expected and what came closest."""
        criteria = self._match(vendor, operation, match)
        answer = self._admin.post("/__admin/requests/count", json=criteria).json()
        if answer["count"] == times:
            return
        closest = answer.get("closest") or list(self.requests(vendor, operation))[-3:]
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

    # ---------------------------------------------------------- snapshots
    def assert_snapshot(self, name: str, entries: list[dict[str, Any]] | None = None, *, ignore: Iterable[str] = ()) -> None:
        """The exchanges of this test equal the stored snapshot ``<snapshot dir>/<name>.json``.

        ``entries``: journal entries to compare (e.g. ``mockserver.requests("payabli")``);
        default: every request of the current test.  Each is kept as vendor, operation,
        method, path, query (when any), request body, status and response body; times,
        latencies, sequence numbers and headers are dropped, secrets are already
        masked by the journal.  ``ignore``: JSON keys whose values are replaced by
        "<ignored>" wherever they appear (for values that legitimately change).
        With ``--mockserver-update-snapshots`` the file is (re)written instead.
        """
        path = self._snapshot_path(name)
        recorded = self.requests() if entries is None else entries
        text = snapshot_text(recorded, ignore)
        if self.update_snapshots:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
            return
        if not path.is_file():
            raise AssertionError(
                f"no snapshot {path} yet ({len(recorded)} exchange(s) recorded); "
                "run pytest with --mockserver-update-snapshots to create it, then commit it"
            )
        stored = path.read_text(encoding="utf-8")
        if stored == text:
            return
        diff = list(difflib.unified_diff(stored.splitlines(), text.splitlines(), f"{path} (stored)", "this run", lineterm="", n=3))
        if len(diff) > 120:
            diff = diff[:120] + [f"... ({len(diff) - 120} more diff lines)"]
        lines = [f"mockserver snapshot {name!r} differs from {path}:", *diff, ""]
        if not self._clock_frozen():
            lines.append(
                "note: the server clock is not frozen, so timestamps change from run to run: freeze it in the test "
                "(mockserver.clock.freeze(); mockserver.clock.set('2026-01-01T00:00:00Z')) or pass ignore=[...keys]."
            )
        lines.append("If the change is intended, rerun pytest with --mockserver-update-snapshots and commit the file.")
        raise AssertionError("\n".join(lines))

    def _snapshot_path(self, name: str) -> Path:
        relative = Path(f"{name}.json")
        if not name or relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"snapshot name must be a relative name without '..', got {name!r}")
        return self.snapshot_dir / relative

    def _clock_frozen(self) -> bool:
        try:
            return bool(self._admin.get("/__admin/clock").json().get("frozen"))
        except (httpx.HTTPError, ValueError):
            return False

    # -------------------------------------------------------------- state
    def reset(self) -> None:
        """Fixtures back, users/journal/scenario state gone, clock as at start."""
        self._admin.post("/__admin/reset").raise_for_status()
        self.clock.reset()

    def close(self) -> None:
        self._admin.close()


def _ignored(value: Any, keys: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: (IGNORED if k in keys else _ignored(v, keys)) for k, v in value.items()}
    if isinstance(value, list):
        return [_ignored(v, keys) for v in value]
    return value


def snapshot_entry(entry: dict[str, Any], ignore: Iterable[str] = ()) -> dict[str, Any]:
    """A journal entry without its volatile fields (seq, time, latency, session, headers)."""
    keys = frozenset(ignore)
    out: dict[str, Any] = {
        "vendor": entry.get("vendor"),
        "operation": entry.get("operation"),
        "method": entry.get("method"),
        "path": entry.get("path"),
    }
    if entry.get("query"):
        out["query"] = _ignored(dict(entry["query"]), keys)
    out["request"] = _ignored(entry.get("body"), keys)
    if entry.get("scenario"):
        out["scenario"] = entry["scenario"]
    out["status"] = entry.get("status")
    out["response"] = _ignored(entry.get("response"), keys)
    return out


def snapshot_text(entries: Iterable[dict[str, Any]], ignore: Iterable[str] = ()) -> str:
    """What ``assert_snapshot`` stores: a JSON list, indent 2, UTF-8 as is, trailing newline."""
    from .snapshots import dumps

    keys = tuple(ignore)
    return dumps([snapshot_entry(entry, keys) for entry in entries])


@pytest.fixture(scope="session")
def _mockserver_live(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    options: dict[str, Any] = {"seed": request.config.getoption("--mockserver-seed")}
    fixtures = request.config.getoption("--mockserver-fixtures")
    if fixtures:
        options["fixtures"] = Path(fixtures)
    store = request.config.getoption("--mockserver-store")
    if store:
        options["store"] = store
    with running(port=0, **options) as live:
        yield live


@pytest.fixture
def mockserver(_mockserver_live: RunningServer, request: pytest.FixtureRequest) -> Iterator[MockServerHandle]:
    directory = request.config.getoption("--mockserver-snapshots")
    handle = MockServerHandle(
        _mockserver_live,
        snapshot_dir=request.config.rootpath / (directory or SNAPSHOT_DIR),
        update_snapshots=bool(request.config.getoption("--mockserver-update-snapshots")),
    )
    handle.reset()
    for marker in request.node.iter_markers("mockserver_scenario"):
        for name in marker.args:
            handle.activate(name)
    try:
        yield handle
    finally:
        handle.close()
