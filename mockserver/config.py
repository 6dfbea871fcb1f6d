"""Server configuration: the CLI's options, with embedded defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 8080
JOURNAL_BYTES = 32 << 20  # 32 MiB (core.journal.MAX_BYTES)
MAX_BODY = 1 << 20  # 1 MiB: above it every vendor answers with its "too large" error
SERVERS = ("fast", "stock")  # the HTTP transports (Config.server; mockserver.server.choose_transport)
SERVER_ENV = "MOCKSERVER_SERVER"  # picks the transport when Config.server is None (serve's --server default)


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


_HERE = Path(__file__).resolve().parent


def default_fixtures_dir() -> Path:
    # A wheel carries the files as package data; a source checkout has them at the top.
    return _first_existing(_HERE / "_data" / "fixtures", _HERE.parent / "fixtures")


def default_scenarios_dir() -> Path:
    return _first_existing(_HERE / "_data" / "scenarios", _HERE.parent / "scenarios")


def default_demos_dir() -> Path:
    """The shipped guided demos (``mockserver demo NAME``, the dashboard's demo buttons)."""
    return _first_existing(_HERE / "_data" / "demos", _HERE.parent / "demos")


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    seed: int = 0
    fixtures: Path | None = None  # None: the embedded defaults
    scenarios: Path | None = None
    vendor: str | None = None  # serve one vendor at the root instead of all under prefixes
    vendors: tuple[str, ...] = ()  # restrict which vendors are mounted (default: all)
    log_level: str = "info"
    clock: str | None = None  # "real" or "frozen:<ISO instant>"
    max_body: int = MAX_BODY
    active_scenarios: tuple[str, ...] = ()  # activated at start (and again after a reset)
    journal_size: int = 10_000
    journal_file: Path | None = None
    journal_bytes: int = JOURNAL_BYTES  # kept rows' estimated size; the oldest go first past it
    admin_token: str | None = None  # required on every /__admin request when set
    allowed_hosts: tuple[str, ...] = ()  # Host names /__admin accepts besides IPs, localhost and `host`
    session_idle_seconds: float = 1800.0  # a test session unused this long (monotonic time) is freed; 0: never
    max_sessions: int = 1000  # live test sessions; one more frees the least recently used
    store: str | None = None  # store URL (core.store.open_store): memory:// (None), sqlite:///file.db, ...
    max_users: int | None = None  # memory:// rows per table; past it the oldest is evicted (core.store.MemoryTable)
    strict: bool = False  # refuse requests the contract lint warns about (core.lint), as the vendor's own validation error
    server: str | None = None  # HTTP transport, "fast" or "stock"; None: $MOCKSERVER_SERVER, else fast (see server.py)
