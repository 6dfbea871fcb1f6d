"""Command line: ``mockserver serve`` and friends."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__
from .config import DEFAULT_PORT, Config
from .vendors import NAMES

if TYPE_CHECKING:
    from .app import Runtime


def banner(runtime: Runtime, origin: str) -> str:
    lines = [f"mockserver {__version__} · seed {runtime.config.seed} · {origin}", f"admin: GET {origin}/__admin/vendors · POST {origin}/__admin/reset", ""]
    for name, info in runtime.describe(origin).items():
        lines.append(f"{info['title']}  ({name})")
        lines.append(f"  base URL     {info['base_url']}")
        lines.append(f"  create user  {info['create_user']}")
        for header, value in info["headers"].items():
            lines.append(f"  header       {header}: {value}")
        if info.get("login"):
            lines.append(f"  login        {info.get('login_route', '')} {json.dumps(info['login'])}")
        lines.append("")
    return "\n".join(lines)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mockserver")
def main() -> None:
    """Offline sandbox for five vendors' create-user APIs.

    \b
    Vendors and their client base URLs (all served by one process):
      vaultspay  http://HOST:PORT/vaultspay
      payabli    http://HOST:PORT/payabli/api
      sabi       http://HOST:PORT/sabi
      pulse      http://HOST:PORT/pulse
      etelecom   http://HOST:PORT/etelecom/v1/shop
    """


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port to bind; 0 picks a free one.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for every generated value: same seed + same requests = same bytes.")
@click.option("--fixtures", "fixtures", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Directory of <vendor>.yaml fixtures replacing the embedded ones (per file).")
@click.option("--scenarios", "scenarios", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Directory of scenario YAML files.")
@click.option("--vendor", type=click.Choice(NAMES), help="Serve only this vendor, at the root (for clients with hard-coded paths).")
@click.option("--scenario", "active", multiple=True, metavar="NAME", help="Activate a scenario at start (repeatable).")
@click.option("--clock", default=None, help="'real' (default) or 'frozen:2026-01-01T00:00:00Z'.")
@click.option("--journal-size", default=10_000, show_default=True, type=click.IntRange(0), help="Requests kept in the journal (ring buffer).")
@click.option("--journal-file", type=click.Path(dir_okay=False, path_type=Path), help="Also append every journal entry to this file as JSON lines.")
@click.option("--log-level", default="info", show_default=True, type=click.Choice(["critical", "error", "warning", "info", "debug"]), help="'info' logs one line per request.")
@click.option("--session-idle", default=1800.0, show_default=True, type=click.FloatRange(0), metavar="SECONDS", help="Free an X-Mock-Session's state after this long unused (0: never).")
@click.option("--max-sessions", default=1000, show_default=True, type=click.IntRange(1), help="Live X-Mock-Session states kept; one more frees the least recently used.")
def serve(
    host: str, port: int, seed: int, fixtures: Path | None, scenarios: Path | None, vendor: str | None, active: tuple[str, ...],
    clock: str | None, journal_size: int, journal_file: Path | None, log_level: str,
    session_idle: float, max_sessions: int,
) -> None:
    """Start the server and print every vendor's base URL and credentials."""
    from .app import MockServer, Runtime, tune_gc
    from .core.fixtures import FixtureError
    from .server import bind, origin_of, uvicorn_server

    config = Config(
        host=host, port=port, seed=seed, fixtures=fixtures, scenarios=scenarios, vendor=vendor, clock=clock, log_level=log_level,
        active_scenarios=active, journal_size=journal_size, journal_file=journal_file,
        session_idle_seconds=session_idle, max_sessions=max_sessions,
    )
    try:
        runtime = Runtime(config)
    except (FixtureError, ValueError) as exc:
        click.echo(f"mockserver: cannot start:\n{exc}", err=True)
        sys.exit(2)
    try:
        sock = bind(host, port)
    except OSError as exc:
        click.echo(f"mockserver: cannot bind {host}:{port}: {exc.strerror}", err=True)
        sys.exit(2)
    bound_port = sock.getsockname()[1]
    origin = origin_of(host, bound_port)
    click.echo(banner(runtime, origin))
    _configure_logging(log_level)
    app = MockServer(runtime)
    tune_gc()
    uvicorn_server(app, log_level).run(sockets=[sock])


def _configure_logging(level: str) -> None:
    """One readable line per request (vendor, operation, status, ms, scenario) at 'info'."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("mockserver")
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False


def _runtime(**options: object) -> Runtime:
    from .app import Runtime
    from .core.fixtures import FixtureError

    try:
        return Runtime(Config(**options))  # type: ignore[arg-type]
    except FixtureError as exc:
        click.echo(f"mockserver: {exc}", err=True)
        sys.exit(2)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option("--fixtures", type=click.Path(exists=True, file_okay=False, path_type=Path))
def vendors(host: str, port: int, fixtures: Path | None) -> None:
    """Print each vendor's base URL and ready-to-use credentials."""
    from .server import origin_of

    runtime = _runtime(host=host, port=port, fixtures=fixtures)
    click.echo(banner(runtime, origin_of(host, port)).split("\n", 3)[3])


@main.command()
@click.argument("vendor", type=click.Choice(NAMES))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the document to FILE instead of printing it.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Host of the server URL in the document.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port of the server URL in the document.")
@click.option("--root", is_flag=True, help="Describe the vendor as `serve --vendor VENDOR` serves it (at the root).")
@click.option("--fixtures", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Fixture directory (some limits in the document come from it).")
def openapi(vendor: str, output: Path | None, host: str, port: int, root: bool, fixtures: Path | None) -> None:
    """Print VENDOR's OpenAPI 3.1 document (generated from the emulator's own routes and models)."""
    from .core.openapi import openapi_document
    from .server import origin_of

    runtime = _runtime(fixtures=fixtures, vendors=(vendor,), vendor=vendor if root else None)
    text = json.dumps(openapi_document(runtime, vendor, origin_of(host, port)), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@main.command("scenarios")
@click.option("--scenarios", "directory", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Also load this directory.")
def scenarios_command(directory: Path | None) -> None:
    """List the scenario library with descriptions."""
    runtime = _runtime(scenarios=directory)
    library = runtime.scenarios.library
    width = max(len(name) for name in library)
    for name in sorted(library):
        click.echo(f"{name:<{width}}  {library[name].description}")


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def validate(directory: Path) -> None:
    """Check the fixture (<vendor>.yaml) and scenario files in DIRECTORY without starting."""
    from .core.fixtures import FixtureError, load_model
    from .vendors import load

    runtime = _runtime()
    failures = 0
    for path in sorted(directory.glob("*.y*ml")):
        try:
            if path.stem in NAMES:
                load_model(path, load(path.stem).fixture_model)
                kind = "fixture"
            else:
                runtime.scenarios.define(path.read_text(encoding="utf-8"), source=str(path))
                kind = "scenario"
        except FixtureError as exc:
            failures += 1
            click.echo(str(exc), err=True)
            continue
        click.echo(f"ok  {kind:<8} {path}")
    if failures:
        click.echo(f"{failures} file(s) invalid", err=True)
        sys.exit(1)


@main.command("snapshot")
@click.option("--update", is_flag=True, help="Rewrite the snapshot files instead of comparing against them.")
@click.option(
    "--dir", "directory", default="tests/contract/snapshots", show_default=True,
    type=click.Path(file_okay=False, path_type=Path), help="Directory of the <vendor>.json snapshot files.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the in-process server the exchanges are recorded on.")
def snapshot(update: bool, directory: Path, seed: int) -> None:
    """Golden contract snapshots: every documented operation and catalogued error of every vendor.

    Runs each vendor's example flow and one forced call per catalog error on a
    fresh in-process server (frozen clock, SEED), then compares the exchanges
    with DIR/<vendor>.json: exit 1 with a diff when something changed.
    With --update the files are rewritten instead.
    """
    from . import snapshots

    collected = snapshots.collect(seed)
    total = sum(len(exchanges) for exchanges in collected.values())
    if update:
        changed = snapshots.write(directory, seed, collected)
        for path in changed:
            click.echo(f"updated {path}")
        click.echo(f"{total} exchanges from {len(collected)} vendors in {directory} ({len(changed)} file(s) changed)")
        return
    differences = snapshots.compare(directory, seed, collected)
    if differences:
        click.echo(f"{len(differences)} contract snapshot difference(s) in {directory}:\n")
        click.echo("\n\n".join(differences))
        click.echo("\n" + snapshots.UPDATE_HINT)
        sys.exit(1)
    click.echo(f"snapshots match: {total} exchanges from {len(collected)} vendors in {directory}")


if __name__ == "__main__":  # pragma: no cover
    main()
