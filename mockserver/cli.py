"""Command line: ``mockserver serve`` and friends."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from click.core import ParameterSource

from . import __version__, envvars
from .config import DEFAULT_PORT, JOURNAL_BYTES, SERVER_ENV, SERVERS, Config
from .vendors import NAMES

ADMIN_TOKEN_ENV = "MOCKSERVER_ADMIN_TOKEN"

if TYPE_CHECKING:
    from .app import Runtime


def vendor_table(runtime: Runtime, origin: str) -> str:
    """Every vendor's base URL, create-user route, headers and login body."""
    lines: list[str] = []
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


def banner(runtime: Runtime, origin: str, bound: str = "", token_line: str = "") -> str:
    """The start banner; its first line says the address actually bound and who can reach it."""
    from .core.guard import is_loopback, reach

    host = runtime.config.host
    where = bound or origin.removeprefix("http://")
    lines = [f"mockserver {__version__} · seed {runtime.config.seed} · listening on {where} ({reach(host)})"]
    if not is_loopback(host) and where != origin.removeprefix("http://"):
        # A wildcard is a bind address, not one to connect to: the URLs below use loopback.
        lines.append(f"URLs below: {origin} from this machine; from elsewhere use this machine's address, port {origin.rsplit(':', 1)[1]}")
    lines.append(f"admin: GET {origin}/__admin/vendors · POST {origin}/__admin/reset")
    lines.append(f"store: {store_line(runtime)}")
    # The token rides in the URL's fragment, which the browser never sends: the page reads it.
    lines.append(f"dashboard: {origin}/__admin/ui" + (f"#token={runtime.config.admin_token}" if token_line.startswith("admin token: ") and "generated" in token_line else ""))
    if token_line:
        lines.append(token_line)
    return "\n".join([*lines, "", vendor_table(runtime, origin)])


def store_line(runtime: Runtime) -> str:
    """The banner's store: its URL and how it keeps data (sqlite: "(WAL)"; memory: gone on exit)."""
    store = runtime.store
    said = getattr(store, "banner", None)  # a backend's own words, when it has them
    if callable(said):
        return str(said())
    return f"{store.url} (this process only: gone on exit)" if store.url == "memory://" else store.url


# A port that bind() would refuse with a traceback (OverflowError) is a usage error.
PORT = click.IntRange(0, 65535)


# click >= 8.2 reports a bare group invocation as this usage error, whose text is the help.
_NO_ARGS: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


class _Main(click.Group):
    """The command group, with every usage error as one line on stderr (exit code kept).

    Click prints usage, a "Try ... for help." hint and the error on three lines;
    a tool's wrong flag deserves the one line that names it.
    """

    def main(
        self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
        standalone_mode: bool = True, **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            # Not standalone: click returns --help/--version's exit code and raises its errors to us.
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            if isinstance(exc, _NO_ARGS):  # bare `mockserver`: click's help, as before
                exc.show()
                sys.exit(exc.exit_code)
            message = " ".join(exc.format_message().split())
            variable = envvars.from_environment(exc.param, sys.argv[1:] if args is None else args) if isinstance(exc, click.BadParameter) else None
            if variable is not None:  # the value came from the environment: name the variable, not the flag
                message = f"invalid {variable}: " + " ".join(exc.message.split())
            click.echo(f"mockserver: error: {message}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("mockserver: aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        # Listed from the registry only when help is shown: loading every vendor
        # class (for its base path) is start-up time no other command should pay.
        from .vendors import RegistryError, load

        def base_url(name: str) -> str:
            try:
                return f"http://HOST:PORT/{name}{load(name).base_path}"
            except RegistryError as exc:  # a broken plugin must not take the help down
                return f"(not served: {exc})"

        width = max(map(len, NAMES), default=0)
        rows = [f"  {name:<{width}}  {base_url(name)}" for name in NAMES]
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text("\n".join(["\b", "Vendors and their client base URLs (all served by one process):", *rows]))


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mockserver")
def main() -> None:
    """Offline sandbox for emulated vendors' create-user APIs."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=PORT, help="Port to bind; 0 picks a free one.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for every generated value: same seed + same requests = same bytes.")
@click.option("--fixtures", "fixtures", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Directory of <vendor>.yaml fixtures replacing the embedded ones (per file).")
@click.option("--scenarios", "scenarios", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Directory of scenario YAML files.")
@click.option("--vendor", type=click.Choice(NAMES), help="Serve only this vendor, at the root (for clients with hard-coded paths).")
@click.option("--scenario", "active", multiple=True, metavar="NAME", help="Activate a scenario at start (repeatable).")
@click.option("--clock", default=None, callback=lambda _ctx, _param, value: _check_clock(value), help="'real' (default) or 'frozen:2026-01-01T00:00:00Z'.")
@click.option("--journal-size", default=10_000, show_default=True, type=click.IntRange(0), help="Requests kept in the journal (ring buffer).")
@click.option("--journal-bytes", default=JOURNAL_BYTES, show_default=True, type=click.IntRange(0), help="Most bytes of request data the journal keeps (oldest entries go first).")
@click.option("--journal-file", type=click.Path(dir_okay=False, path_type=Path), help="Also append every journal entry to this file as JSON lines.")
@click.option("--log-level", default="info", show_default=True, type=click.Choice(["critical", "error", "warning", "info", "debug"]), help="'info' logs one line per request.")
@click.option("--log-format", default="plain", show_default=True, type=click.Choice(["plain", "json"]), help="'json': one JSON object per log line (per request: vendor, operation, status, latency, session, scenario rule, warnings).")
@click.option(
    "--admin-token", envvar=ADMIN_TOKEN_ENV, show_envvar=True, metavar="TOKEN",
    help="Require TOKEN on every /__admin request (Authorization: Bearer TOKEN or X-Mock-Admin-Token: TOKEN); "
    "'auto' generates one and prints it. Needed with a --host beyond loopback.",
)
@click.option(
    "--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
    help="Also accept this Host name on /__admin (IP addresses, localhost and --host always are); repeatable.",
)
@click.option("--session-idle", default=1800.0, show_default=True, type=click.FloatRange(0), metavar="SECONDS", help="Free an X-Mock-Session's state after this long unused (0: never).")
@click.option("--max-sessions", default=1000, show_default=True, type=click.IntRange(1), help="Live X-Mock-Session states kept; one more frees the least recently used.")
@click.option(
    "--max-users", type=click.IntRange(1), default=None, metavar="N",
    help="Memory store: keep at most N rows per table (users, sessions, tokens...); one more evicts the oldest, "
    "with its unique keys (logged once per table; a fixture's rows stay). Default: no cap.",
)
@click.option(
    "--server", type=click.Choice(SERVERS), default="fast", show_default=True, envvar=SERVER_ENV, show_envvar=True,
    help="HTTP transport: 'fast' (mockserver's own; stock where the installed uvicorn is not one it was tested with) "
    "or 'stock' uvicorn. The log's first line says which runs.",
)
@click.option(
    "--store", "store", default=None, metavar="URL",
    help="Where state lives: memory:// (default; gone on exit) or sqlite:///file.db (relative) / sqlite:////abs/file.db: "
    "users, tokens, ids, scenarios, sessions and the clock survive a restart; redis://[:PASSWORD@]HOST:PORT/DB[?prefix=NAME]: "
    "shared by every worker and host naming it (on one host, redis+unix:///path/redis.sock[?db=N]: its socket, faster).",
)
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1), metavar="N",
    help="Serve with N processes on one port; N > 1 needs a shared --store (sqlite:// or redis://).",
)
@click.option(
    "--strict", is_flag=True,
    help="Refuse requests with fields the vendor would silently ignore or coerce (the contract lint's X-Mock-Warnings), "
    "as the vendor's own validation error (MOCKSERVER_STRICT=1; per session: POST /__admin/sessions/ID/strict).",
)
def serve(
    host: str, port: int, seed: int, fixtures: Path | None, scenarios: Path | None, vendor: str | None, active: tuple[str, ...],
    clock: str | None, journal_size: int, journal_bytes: int, journal_file: Path | None, log_level: str, admin_token: str | None,
    allowed_hosts: tuple[str, ...], session_idle: float, max_sessions: int, server: str, log_format: str = "plain",
    max_users: int | None = None,
    strict: bool = False,
    store: str | None = None, workers: int = 1,
) -> None:
    """Start the server and print every vendor's base URL and credentials.

    Every option can also be set by the environment variable MOCKSERVER_<OPTION>
    (--journal-size: MOCKSERVER_JOURNAL_SIZE; several values space-separated);
    the flag wins.
    """
    from .app import MockServer, Runtime, tune_gc
    from .core.fixtures import FixtureError
    from .server import bind, origin_of
    from .workers import serve as serve_workers

    token, token_line = _admin_guard_options(host, admin_token, allowed_hosts)
    config = Config(
        host=host, port=port, seed=seed, fixtures=fixtures, scenarios=scenarios, vendor=vendor, clock=clock, log_level=log_level,
        active_scenarios=active, journal_size=journal_size, journal_bytes=journal_bytes, journal_file=journal_file,
        admin_token=token, allowed_hosts=allowed_hosts, session_idle_seconds=session_idle, max_sessions=max_sessions,
        server=server, max_users=max_users, strict=strict, store=store,
    )
    from .core.store import StoreError, open_store
    from .workers import refusal

    try:
        opened = open_store(store, max_rows=max_users)  # here, not in Runtime: --workers must know the store before anything is loaded
    except StoreError as exc:
        _refuse(f"cannot start: {exc}")
    why = refusal(workers, opened, journal_file)
    if why is not None:
        _refuse(why)
    try:
        runtime = Runtime(config, opened)
    except (FixtureError, ValueError) as exc:
        # One line, however many problems: each already names its file (or flag) and field.
        problems = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        click.echo(f"mockserver: cannot start: {problems}", err=True)
        sys.exit(2)
    try:
        sock = bind(host, port)
    except OSError as exc:
        click.echo(f"mockserver: cannot bind {host}:{port}: {exc.strerror}", err=True)
        sys.exit(2)
    bound_ip, bound_port = sock.getsockname()[:2]
    origin = origin_of(host, bound_port)
    bound = f"[{bound_ip}]:{bound_port}" if ":" in bound_ip else f"{bound_ip}:{bound_port}"
    click.echo(banner(runtime, origin, bound, token_line))
    if workers > 1:
        click.echo(f"workers: {workers} processes on {bound}, sharing {opened.url}")
    _configure_logging(log_level, log_format)
    app = MockServer(runtime)
    tune_gc()
    try:
        code = serve_workers(app, sock, workers, log_level, json_logs=log_format == "json")
    finally:
        runtime.store.close()  # not at lifespan shutdown: an in-process app may be started again
    sys.exit(code)


# Every serve option also from MOCKSERVER_<FLAG> (envvars.py): options added above get theirs too.
envvars.apply(serve)


def _check_clock(value: str | None) -> str | None:
    """--clock parsed before anything loads, so a bad instant is refused naming the flag."""
    from .core.clock import Clock

    try:
        Clock.from_spec(value)
    except ValueError as exc:
        detail = str(exc)
        if detail.startswith("Invalid isoformat string"):  # the stdlib's words: say what was expected instead
            detail = f"not an ISO-8601 instant: {value.partition(':')[2]!r} (e.g. frozen:2026-01-01T00:00:00Z)" if value else detail
        raise click.BadParameter(detail) from None
    return value


def _admin_guard_options(host: str, admin_token: str | None, allowed_hosts: tuple[str, ...]) -> tuple[str | None, str]:
    """The admin token to require and the banner line about it; one line on stderr and exit 2 when unusable.

    Decided before anything is loaded, so a refused start is immediate."""
    from .core.guard import AUTO, TOKEN_HEADER, check_allowed_host, check_token, generate_token, is_loopback

    source = click.get_current_context().get_parameter_source("admin_token")
    given_by = ADMIN_TOKEN_ENV if source is ParameterSource.ENVIRONMENT else "--admin-token"
    try:
        for name in allowed_hosts:
            check_allowed_host(name)
    except ValueError as exc:
        _refuse(str(exc))
    try:
        if admin_token not in (None, AUTO):
            check_token(admin_token)
    except ValueError as exc:
        _refuse(f"{given_by}: {exc}")
    if admin_token is None:
        if not is_loopback(host):
            _refuse(
                f"--host {host or repr(host)} exposes the admin API beyond this machine: "
                f"set --admin-token TOKEN (or {ADMIN_TOKEN_ENV}, or --admin-token auto)"
            )
        return None, ""
    how = f"send Authorization: Bearer <token> or {TOKEN_HEADER}: <token> to /__admin"
    if admin_token == AUTO:
        token = generate_token()
        return token, f"admin token: {token}  (generated for this run; {how})"
    # Never echo a token the user chose: the terminal may be shared or recorded.
    return admin_token, f"admin token: set (from {given_by}; not shown; {how})"


def _refuse(message: str) -> NoReturn:
    click.echo(f"mockserver: {message}", err=True)
    sys.exit(2)


def _configure_logging(level: str, log_format: str = "plain") -> None:
    """One readable line per request (vendor, operation, status, ms, scenario) at 'info'; or JSON objects."""
    import logging

    from .logjson import JsonFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    names = ("mockserver", "uvicorn") if log_format == "json" else ("mockserver",)  # uvicorn's lines in JSON too
    for name in names:
        logger = logging.getLogger(name)
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
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=PORT)
@click.option("--fixtures", type=click.Path(exists=True, file_okay=False, path_type=Path))
def vendors(host: str, port: int, fixtures: Path | None) -> None:
    """Print each vendor's base URL and ready-to-use credentials."""
    from .server import origin_of

    runtime = _runtime(host=host, port=port, fixtures=fixtures)
    click.echo(vendor_table(runtime, origin_of(host, port)))


@main.command()
@click.argument("vendor", type=click.Choice(NAMES))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the document to FILE instead of printing it.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Host of the server URL in the document.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=PORT, help="Port of the server URL in the document.")
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
    """Check the fixture (<vendor>.yaml) and scenario files (*.yaml, *.yml, *.json) in DIRECTORY without starting."""
    from .core.fixtures import FixtureError, load_model
    from .core.scenarios import SCENARIO_SUFFIXES, scenario_files
    from .vendors import load

    runtime = _runtime()
    engine = runtime.scenarios
    try:
        paths = scenario_files(directory)
    except FixtureError as exc:
        click.echo(f"mockserver: {exc}", err=True)
        sys.exit(1)
    if not paths:
        click.echo(f"mockserver: no fixture or scenario files ({', '.join('*' + s for s in SCENARIO_SUFFIXES)}) in {directory}", err=True)
        sys.exit(1)
    failures = 0
    names: dict[str, Path] = {}  # scenario name -> its file, as `serve --scenarios` refuses two of one name
    for path in paths:
        note = ""
        try:
            if path.stem in NAMES and path.suffix == ".yaml":  # what `serve --fixtures` reads
                load_model(path, load(path.stem).fixture_model)
                kind = "fixture"
            else:
                scenario = engine.read(path)
                kind = "scenario"
                if scenario.name in names:
                    raise FixtureError(f"{path}: scenario {scenario.name!r} is also defined in {names[scenario.name]}; names must be unique")
                names[scenario.name] = path
                shipped = engine.library.get(scenario.name)
                if shipped is not None and Path(shipped.source).resolve() != path.resolve():  # not the shipped file itself
                    note = f"  (replaces the shipped scenario {scenario.name!r})"
        except FixtureError as exc:
            failures += 1
            click.echo(str(exc), err=True)
            continue
        click.echo(f"ok  {kind:<8} {path}{note}")
    if failures:
        click.echo(f"{failures} file(s) invalid", err=True)
        sys.exit(1)


@main.command("demo")
@click.argument("name", required=False)
@click.option("--url", default=f"http://127.0.0.1:{DEFAULT_PORT}", show_default=True, help="The running server to drive (watch it at URL/__admin/ui).")
@click.option("--pause", type=click.FloatRange(0, 60), default=None, help="Seconds between steps (default: the demo's own).")
@click.option("--admin-token", envvar=ADMIN_TOKEN_ENV, show_envvar=True, metavar="TOKEN", help="The server's admin token, if it requires one.")
@click.option("--list", "listing", is_flag=True, help="List the shipped demos and exit.")
def demo(name: str | None, url: str, pause: float | None, admin_token: str | None, listing: bool) -> None:
    """Run a guided demo NAME (or a demo YAML file) against a running server, step by step.

    Each call shows in the server's dashboard (journal and flow view of the demo's session).
    """
    import asyncio

    import httpx

    from .config import default_demos_dir
    from .core.demos import load_demos, parse_demo, run_demo
    from .core.fixtures import FixtureError
    from .core.live import ErrorNames
    from .vendors import load

    try:
        shipped = load_demos(default_demos_dir(), NAMES)
        if listing or not name:
            width = max(map(len, shipped), default=0)
            for found in shipped.values():
                click.echo(f"{found.name:<{width}}  {found.title}")
            if not listing:
                _refuse("name a demo to run (mockserver demo NAME); the shipped ones are listed above")
            return
        path = Path(name)
        if name in shipped:
            chosen = shipped[name]
        elif path.suffix in (".yaml", ".yml") and path.is_file():
            chosen = parse_demo(path.read_text(encoding="utf-8"), str(path), NAMES)
        else:
            _refuse(f"no demo {name!r} (nor a demo .yaml file of that name); shipped: {', '.join(shipped)}")
    except FixtureError as exc:
        _refuse(str(exc))
    names = ErrorNames({chosen.vendor: load(chosen.vendor)})
    click.echo(f"{chosen.title}  (session {chosen.session}; watch it at {url.rstrip('/')}/__admin/ui)")

    def told(result: object) -> None:
        from .core.demos import StepResult

        if isinstance(result, StepResult):
            click.echo(f"{result.number}/{len(chosen.steps)} {result.say}\n    {result.line}")

    async def go() -> list[object]:
        admin = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        async with httpx.AsyncClient(base_url=url, timeout=30, trust_env=False) as client:
            return list(await run_demo(chosen, client, admin, names, pause, told))

    try:
        results = asyncio.run(go())
    except httpx.HTTPStatusError as exc:
        _refuse(f"{url} refused the demo's admin call: {exc.response.status_code} {exc.response.text[:200]}")
    except httpx.HTTPError as exc:
        _refuse(f"cannot reach {url} ({exc.__class__.__name__}): start `mockserver serve` first, or give --url")
    except FixtureError as exc:
        _refuse(str(exc))
    if len(results) < len(chosen.steps) or not all(getattr(r, "ok", False) for r in results):
        _refuse(f"demo {chosen.name} stopped at step {len(results)}")
    click.echo("done")


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


from .contract.cli import contract  # noqa: E402 - the `contract` group registers itself on main

main.add_command(contract)

if __name__ == "__main__":  # pragma: no cover
    main()
