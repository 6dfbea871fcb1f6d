"""pytest plugin (registered through the ``pytest11`` entry point): the ``mock_vendors`` fixture.

    def test_signup(mock_vendors):
        client = MyClient(base_url=mock_vendors.base_url("vaultspay"), **mock_vendors.credentials("vaultspay"))
        with mock_vendors.scenario("vaultspay-token-expired"):
            client.create_user(...)
        mock_vendors.assert_called("vaultspay", "create_user", times=2, body={"status": "ACTIVE"})
        mock_vendors.assert_snapshot("signup-retries-after-expiry")  # tests/snapshots/<name>.json

``mockserver`` is the fixture's old name, kept as a deprecated alias (it warns
once): inside a test it hid the ``mockserver`` module.

One real server per pytest process (so per pytest-xdist worker), started on
first use; every test starts from a reset state (fixtures, journal, scenario
counters, clock).  It runs on the fast transport unless ``MOCKSERVER_SERVER=stock``
is set (``mockserver.running``'s default; ``mock_vendors.live.transport`` says which).
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .helpers import AdminHelpers, Clock, glued_prefixes
from .server import RunningServer, running

__all__ = ["Clock", "MockServerHandle", "mock_vendors", "mockserver"]
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
    group.addoption(
        "--mockserver-pacts", default="pacts", metavar="DIR",
        help="directory of the Pact v4 files the mockserver_pact fixture writes, one per test module (default: <rootdir>/pacts)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mockserver_scenario(*names): activate these mockserver scenarios for the test")
    config.addinivalue_line(
        "markers", "mockserver(strict=True): refuse requests the contract lint warns about (X-Mock-Warnings) for the test"
    )


class MockServerHandle(AdminHelpers):
    """What the ``mock_vendors`` fixture gives a test (the helpers live in ``mockserver.helpers``)."""

    def __init__(self, live: RunningServer, snapshot_dir: Path | None = None, update_snapshots: bool = False) -> None:
        self.live = live
        self.url = live.url
        self._admin = httpx.Client(base_url=live.url, timeout=30, headers=live.admin_headers())
        self.clock = Clock(self._admin)
        self._glued = glued_prefixes(live.runtime)
        self.snapshot_dir = snapshot_dir if snapshot_dir is not None else SNAPSHOT_DIR
        self.update_snapshots = update_snapshots

    # ------------------------------------------------------------ vendors
    def base_url(self, vendor: str) -> str:
        return self.live.base_url(vendor)

    # ---------------------------------------------------------- snapshots
    def assert_snapshot(self, name: str, entries: list[dict[str, Any]] | None = None, *, ignore: Iterable[str] = ()) -> None:
        """The exchanges of this test equal the stored snapshot ``<snapshot dir>/<name>.json``.

        ``entries``: journal entries to compare (e.g. ``mock_vendors.requests("payabli")``);
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
                "(mock_vendors.clock.freeze(); mock_vendors.clock.set('2026-01-01T00:00:00Z')) or pass ignore=[...keys]."
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
def mock_vendors(_mockserver_live: RunningServer, request: pytest.FixtureRequest) -> Iterator[MockServerHandle]:
    """The sandbox for one test: a live server (one per process), reset before the test, its marker's scenarios on."""
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
    options = request.node.get_closest_marker("mockserver")
    strict = bool(options.kwargs.get("strict")) if options is not None else False
    if strict:  # the server's default, for this test only (the fixture's server is shared by the run)
        handle.strict(True)
    try:
        yield handle
    finally:
        if strict:
            handle.strict(False)
        handle.close()


# The old name warns once per test run (not once per test); kept on the run's config so a run
# inside a run (pytester) warns on its own.
_ALIAS_WARNED = pytest.StashKey[bool]()


@pytest.fixture
def mockserver(mock_vendors: MockServerHandle, request: pytest.FixtureRequest) -> MockServerHandle:
    """Deprecated alias of ``mock_vendors`` (the name hid the ``mockserver`` module inside tests)."""
    if not request.config.stash.get(_ALIAS_WARNED, False):
        request.config.stash[_ALIAS_WARNED] = True
        warnings.warn(
            "the 'mockserver' fixture is deprecated: rename it 'mock_vendors' (the old name hides the mockserver module)",
            DeprecationWarning, stacklevel=2,
        )
    return mock_vendors


class _PactRecorder:
    """One test module's exchanges, written as a Pact v4 file when the module ends (mockserver.contract.pact)."""

    def __init__(self, path: Path, consumer: str) -> None:
        self.path = path
        self.consumer = consumer
        self.entries: list[dict[str, Any]] = []
        self.resets: list[int] = []

    def add(self, handle: MockServerHandle) -> None:
        from .contract.pact import journal_entries

        self.resets.append(len(self.entries))  # each test starts from a reset sandbox
        self.entries.extend(journal_entries(handle._admin))

    def write(self) -> None:
        from .contract.pact import build_pact, dumps

        if not self.entries:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(dumps(build_pact(self.entries, self.consumer, self.resets)), encoding="utf-8")


@pytest.fixture(scope="module")
def _mockserver_pact_module(request: pytest.FixtureRequest) -> Iterator[_PactRecorder]:
    module = request.module.__name__.rsplit(".", 1)[-1]
    directory = request.config.rootpath / request.config.getoption("--mockserver-pacts")
    recorder = _PactRecorder(directory / f"{module}.json", module)
    yield recorder
    recorder.write()


@pytest.fixture
def mockserver_pact(mock_vendors: MockServerHandle, _mockserver_pact_module: _PactRecorder) -> Iterator[MockServerHandle]:
    """The ``mock_vendors`` fixture, whose test's exchanges also go into its module's Pact v4 file
    (``--mockserver-pacts DIR``/<module>.json, written when the module ends; stable across seeds)."""
    yield mock_vendors
    _mockserver_pact_module.add(mock_vendors)
