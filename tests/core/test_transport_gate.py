"""The fast transport is version-gated and switchable; faults work on both transports.

- The gate: fast runs only on a uvicorn version in ``wire.TESTED_UVICORN`` with httptools;
  anywhere else stock uvicorn runs and exactly one log line says why.
- ``--server fast|stock``, ``MOCKSERVER_SERVER`` (the flag wins), ``running(server=...)``.
- ``connection_reset`` / ``empty_response``: a real RST / close before any byte on the fast
  transport (its drop extension); an incomplete response on stock uvicorn (public ASGI only).
- No module but ``mockserver/wire.py`` names uvicorn's private modules or attributes.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import mockserver
from mockserver import wire
from mockserver.app import MockServer, Runtime
from mockserver.config import SERVER_ENV, Config
from mockserver.server import choose_transport, running, uvicorn_server
from tests.core.samples import CREATE_BODIES

from .served import Served

TESTED = sorted(wire.TESTED_UVICORN)[0]
HAS_HTTPTOOLS = importlib.util.find_spec("httptools") is not None
needs_httptools = pytest.mark.skipif(not HAS_HTTPTOOLS, reason="httptools is not installed: the fast transport cannot run")
needs_fast_here = pytest.mark.skipif(wire.unavailable() is not None, reason=f"the fast transport cannot run here: {wire.unavailable()}")


@pytest.fixture(autouse=True)
def _no_env_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from no MOCKSERVER_SERVER (CI runs the suite once with it set to stock)."""
    monkeypatch.delenv(SERVER_ENV, raising=False)


def _startup_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "mockserver" and r.getMessage().startswith("server: ")]


def _served_protocol(**config: Any) -> Any:
    """uvicorn's http= for a server built as running() and `serve` build it."""
    return uvicorn_server(MockServer(Runtime(Config(seed=1, **config)))).config.http


# ------------------------------------------------------------------------------- the gate
@needs_httptools
def test_the_gate_enables_fast_on_a_tested_uvicorn(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(wire, "uvicorn_version", lambda: TESTED)
    assert wire.unavailable() is None
    chosen = choose_transport()
    assert (chosen.name, chosen.fell_back) == ("fast", False) and chosen.http.__name__.startswith("Coalescing")
    with caplog.at_level(logging.INFO, logger="mockserver"):
        assert _served_protocol().__name__.startswith("Coalescing")
    (line,) = _startup_lines(caplog)
    assert line.levelno == logging.INFO and line.getMessage() == f"server: fast (mockserver.wire on uvicorn {TESTED})"


def test_an_untested_uvicorn_runs_stock_with_one_log_line_saying_why(monkeypatch: pytest.MonkeyPatch,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(wire, "uvicorn_version", lambda: "0.99.0")
    assert wire.unavailable() == f"uvicorn 0.99.0 is not a version it was tested with (tested: {', '.join(sorted(wire.TESTED_UVICORN))})"
    chosen = choose_transport("fast")
    assert (chosen.name, chosen.http, chosen.fell_back) == ("stock", "auto", True)
    with caplog.at_level(logging.INFO, logger="mockserver"), running(port=0, seed=1) as server:
        assert server.transport == "stock"
        info = server.vendors()["pulse"]
        answer = httpx.post(info["create_user"].split(" ", 1)[1], json=CREATE_BODIES["pulse"], headers=info["headers"])
        assert answer.status_code == 201, answer.text
    (line,) = _startup_lines(caplog)  # one line, at start-up, not one per connection or request
    assert line.levelno == logging.WARNING
    parser = "httptools" if HAS_HTTPTOOLS else "h11"
    assert line.getMessage() == f"server: stock uvicorn 0.99.0 ({parser}); the fast transport is off: {wire.unavailable()}"


def test_an_unknown_uvicorn_version_or_no_httptools_runs_stock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wire, "uvicorn_version", lambda: None)
    assert "uvicorn (version unknown) is not a version it was tested with" in (wire.unavailable() or "")
    monkeypatch.setattr(wire, "uvicorn_version", lambda: TESTED)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "httptools" else real(name, *a))
    assert wire.unavailable() == "httptools is not installed"
    chosen = choose_transport()
    assert (chosen.name, chosen.http, chosen.fell_back) == ("stock", "auto", True)
    assert chosen.line == f"server: stock uvicorn {TESTED} (h11); the fast transport is off: httptools is not installed"


def test_the_gate_reads_the_installed_version() -> None:
    from importlib.metadata import version

    assert wire.uvicorn_version() == version("uvicorn")


# --------------------------------------------------------------------- switching it off
def test_server_stock_and_the_env_var_choose_stock_and_explicit_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_transport("stock").name == "stock" and choose_transport("stock").line.endswith(", as asked")
    assert not choose_transport("stock").fell_back
    monkeypatch.setenv(SERVER_ENV, "stock")
    assert choose_transport().name == "stock"  # None: the environment decides
    if wire.unavailable() is None:
        assert choose_transport("fast").name == "fast"  # an explicit choice wins over the environment
    monkeypatch.setenv(SERVER_ENV, "")
    assert choose_transport().name == ("fast" if wire.unavailable() is None else "stock")  # empty: the default


def test_a_bad_choice_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"^server='turbo': expected one of fast, stock$"):
        choose_transport("turbo")
    with pytest.raises(ValueError, match=r"^server='turbo': expected one of fast, stock$"), running(port=0, server="turbo"):
        pass
    monkeypatch.setenv(SERVER_ENV, "turbo")
    with pytest.raises(ValueError, match=r"^MOCKSERVER_SERVER='turbo': expected one of fast, stock$"), running(port=0):
        pass


def test_running_follows_its_argument_and_the_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    with running(port=0, server="stock") as server:
        assert server.transport == "stock" and _health(server.url) == 200
    assert _served_protocol(server="stock") == "auto"
    monkeypatch.setenv(SERVER_ENV, "stock")
    with mockserver.running(port=0) as server:  # as the pytest plugin starts its server: no server argument
        assert server.transport == "stock" and _health(server.url) == 200


def test_the_pytest_plugin_server_follows_the_env_var(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SERVER_ENV, "stock")
    pytester.makepyfile(test_user_suite="""
        def test_it(mock_vendors):
            assert mock_vendors.live.transport == "stock"
            assert mock_vendors.credentials("pulse")["base_url"]
    """)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_serve_says_which_transport_runs_and_the_flag_wins_over_the_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SERVER_ENV, "stock")  # the served process inherits it
    server = Served()
    try:
        assert "server: stock uvicorn " in server.wait_for("server: ") and _health(server.origin) == 200
    finally:
        server.stop()
    server = Served("--server", "fast")
    try:
        line = server.wait_for("server: ")
        assert line.split(" ", 1)[1].startswith("server: fast (" if wire.unavailable() is None else "server: stock uvicorn ")
        assert _health(server.origin) == 200
    finally:
        server.stop()


def test_serve_refuses_a_bad_env_value_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**os.environ, SERVER_ENV: "turbo"}
    done = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--port", "0"], env=env, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "MOCKSERVER_SERVER" in done.stderr and "'turbo'" in done.stderr


def _health(origin: str) -> int:
    return httpx.get(origin + "/__admin/health", timeout=5).status_code


# ----------------------------------------------------------------- faults, both transports
TRANSPORTS = [pytest.param("fast", marks=needs_fast_here), "stock"]


@pytest.fixture(scope="module", params=TRANSPORTS)
def live(request: pytest.FixtureRequest) -> Iterator[mockserver.RunningServer]:
    with running(port=0, seed=3, server=request.param) as server:
        assert server.transport == request.param
        yield server


def _arm(server: mockserver.RunningServer, fault: str) -> None:
    httpx.post(server.url + "/__admin/reset")
    doc = f"name: f-{fault}\nrules:\n  - match: {{vendor: pulse, operation: create_user, times: 1}}\n    fault: {fault}\n"
    assert httpx.post(server.url + "/__admin/scenarios?activate=true", content=doc).status_code == 201


def _raw_create(server: mockserver.RunningServer) -> tuple[bytes, str]:
    """A create on a raw socket: the bytes the server sent, and how that ended ("complete", "closed", "reset")."""
    info = server.vendors()["pulse"]
    url = httpx.URL(info["create_user"].split(" ", 1)[1])
    body = httpx.Request("POST", url, json=CREATE_BODIES["pulse"]).read()
    head = "".join(f"{k}: {v}\r\n" for k, v in info["headers"].items() if k.lower() != "content-type")
    request = (f"POST {url.raw_path.decode()} HTTP/1.1\r\nhost: x\r\n{head}content-type: application/json\r\n"
               f"content-length: {len(body)}\r\n\r\n").encode() + body
    with socket.create_connection((url.host, url.port), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while not _complete(data):
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return data, "reset"
            if not chunk:
                return data, "closed"
            data += chunk
        return data, "complete"


def _complete(data: bytes) -> bool:
    head, sep, rest = data.partition(b"\r\n\r\n")
    length = re.search(rb"content-length: (\d+)", head)
    return bool(sep and length and len(rest) >= int(length.group(1)))


@pytest.mark.parametrize(("fault", "fast_end"), [("connection_reset", "reset"), ("empty_response", "closed")])
def test_a_fault_cuts_the_answer_off_after_the_call_went_through(live: mockserver.RunningServer, fault: str, fast_end: str) -> None:
    _arm(live, fault)
    data, end = _raw_create(live)
    if live.transport == "fast":
        assert (data, end) == (b"", fast_end)  # a real TCP RST / a plain close, before any byte
    else:
        _assert_cut_off_after_the_head(data, end)
    assert _raw_create(live)[0].startswith(b"HTTP/1.1 409 ")  # the call went through: the user exists


def _assert_cut_off_after_the_head(data: bytes, end: str) -> None:
    """Stock uvicorn: the head, announcing a body that never comes, then the connection closes."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    assert end == "closed" and sep and rest == b"" and head.startswith(b"HTTP/1.1 201 ")
    assert int(re.search(rb"content-length: (\d+)", head).group(1)) > 0  # type: ignore[union-attr]


@pytest.mark.parametrize("fault", ["connection_reset", "empty_response"])
def test_httpx_sees_a_transport_error_either_way(live: mockserver.RunningServer, fault: str) -> None:
    _arm(live, fault)
    info = live.vendors()["pulse"]
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        httpx.post(info["create_user"].split(" ", 1)[1], json=CREATE_BODIES["pulse"], headers=info["headers"], timeout=5)
    # The server is fine afterwards, and journalled the faulted call (as it does any call).
    assert _health(live.url) == 200
    assert [e.scenario for e in live.runtime.journal.entries() if e.scenario] == [f"f-{fault}#0"]


def test_other_faults_are_the_same_bytes_on_both_transports() -> None:
    got = {}
    for server_kind in ("stock", "fast") if wire.unavailable() is None else ("stock",):
        # A frozen clock: the half of the body sent may hold its timestamps (Pulse leaves unset fields out).
        with running(port=0, seed=3, server=server_kind, clock="frozen:2026-01-01T00:00:00Z") as server:
            _arm(server, "malformed_json")
            got[server_kind] = _raw_create(server)
    assert all(end == "complete" and data.startswith(b"HTTP/1.1 201 ") for data, end in got.values())
    assert len({data for data, _ in got.values()}) == 1  # the same bytes: half the body, a matching length


# ------------------------------------------------------------------ private names: wire.py only
PACKAGE = Path(mockserver.__file__).resolve().parent
# uvicorn's private modules and the private names wire.py uses, and reaching through a bound method.
PRIVATE = re.compile(r"uvicorn\.protocols|httptools_impl|h11_impl|_start_asgi_task|STATUS_LINE|\.__self__\b"
                     r"|\bcycle\.(transport|disconnected|message_event|response_started)\b")
# A library's private module or name: `lib._x`, `lib.mod._x`, `from lib._mod import`, `from lib.mod import _x`.
LIBRARIES = r"(?:uvicorn|starlette|pydantic|pydantic_core|httpx|httpcore|click|faker|yaml|orjson|httptools|anyio|h11|uvloop)"
LIBRARY_PRIVATE = re.compile(rf"\b{LIBRARIES}(?:\.\w+)*\._\w+|\bfrom {LIBRARIES}(?:\.\w+)* import (?:.*\b)?_\w+")


@pytest.mark.parametrize(
    ("pattern", "samples"),
    [
        # the pattern does find what it looks for: in wire.py itself
        pytest.param(PRIVATE, [(PACKAGE / "wire.py").read_text(encoding="utf-8")], id="uvicorn-internals"),
        pytest.param(LIBRARY_PRIVATE, ["from uvicorn.protocols.http.httptools_impl import _x", "starlette._utils.is_async_callable(app)"],
                     id="library-private-names"),
    ],
)
def test_no_module_but_wire_names_private_internals(pattern: re.Pattern[str], samples: list[str]) -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "wire.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line.split("#", 1)[0]):
                offenders.append(f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}")
    assert offenders == []
    assert all(pattern.search(sample) for sample in samples)


# ------------------------------------------------------------------ every range is true
ROOT = Path(__file__).resolve().parents[2]


def test_the_minimum_constraints_pin_every_declared_lower_bound() -> None:
    """.ci/run installs .ci/minimum-constraints.txt and runs the suite: it must be the declared floors."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared: dict[str, Version] = {}
    for line in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        requirement = Requirement(line)
        floors = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
        assert len(floors) == 1, f"{line}: one >= lower bound, so the minimum leg of .ci/run can test it"
        declared[canonicalize_name(requirement.name)] = floors[0]
    pinned: dict[str, Version] = {}
    for line in (ROOT / ".ci" / "minimum-constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pinned[canonicalize_name(name)] = Version(version)
    assert pinned == declared
