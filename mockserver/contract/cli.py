"""`mockserver contract ...`: record a Pact v4 file, verify it against the sandbox or a vendor (drift).

Registered on the main group by cli.py; every failure of input is one line on stderr
naming the flag or file, exit status 2; a failed verification or any drift, status 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
import httpx

ADMIN_TOKEN_HEADER = "X-Mock-Admin-Token"


def _fail(message: str) -> NoReturn:
    click.echo(f"mockserver contract: {message}", err=True)
    sys.exit(2)


@contextmanager
def _sandbox(url: str | None, admin_token: str | None, seed: int) -> Iterator[httpx.Client]:
    """A client of a running sandbox (``url``), or of a fresh in-process one."""
    headers = {ADMIN_TOKEN_HEADER: admin_token} if admin_token else {}
    if url:
        with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=30) as client:
            try:
                client.get("/__admin/health").raise_for_status()
            except httpx.HTTPError as exc:
                _fail(f"--url {url}: no mockserver admin API there ({exc})")
            yield client
        return
    from ..testing import transport

    mock = transport(seed=seed)
    try:
        with httpx.Client(transport=mock, base_url="http://mockserver.local") as client:
            yield client
    finally:
        mock.close()


@click.group()
def contract() -> None:
    """Contract regression: record a Pact v4 file, verify it against the sandbox or a vendor (drift)."""


@contract.command()
@click.option("--session", default=None, metavar="ID",
              help="Only this test session's requests (X-Mock-Session); '' for those without one. Default: the whole journal.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Write the pact to FILE.")
@click.option("--url", default="http://127.0.0.1:8080", show_default=True, help="The running mockserver whose journal is read.")
@click.option("--consumer", default="client", show_default=True, help="The pact's consumer name.")
@click.option("--admin-token", envvar="MOCKSERVER_ADMIN_TOKEN", metavar="TOKEN", help="The server's --admin-token, if it has one.")
def record(session: str | None, output: Path, url: str, consumer: str, admin_token: str | None) -> None:
    """Export what a client did (the server's journal) as a Pact v4 file, stable across seeds and runs."""
    from .pact import build_pact, dumps, journal_entries

    with _sandbox(url, admin_token, 0) as client:
        try:
            entries = journal_entries(client, session)
        except httpx.HTTPError as exc:
            _fail(f"--url {url}: cannot read the journal: {exc}")
    if not entries:
        _fail(f"--session {session!r}: no requests in the journal" if session is not None else f"--url {url}: the journal is empty")
    document = build_pact(entries, consumer)
    try:
        output.write_text(dumps(document), encoding="utf-8")
    except OSError as exc:
        _fail(f"--output {output}: {exc.strerror}")
    click.echo(f"wrote {output}: {len(document['interactions'])} interactions from {len(entries)} requests")


@contract.command()
@click.argument("pact_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", default=None, help="Verify against this running mockserver (default: a fresh in-process one).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the in-process sandbox.")
@click.option("--admin-token", envvar="MOCKSERVER_ADMIN_TOKEN", metavar="TOKEN", help="The server's --admin-token, if it has one.")
@click.option("--against", default=None, metavar="URL", help="Drift: replay against this vendor environment (its base URL) instead of the sandbox.")
@click.option("--vendor", default=None, help="Drift: whose interactions to replay (needed when the pact has several vendors).")
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'", help="Drift: a header for every request (credentials); repeatable.")
@click.option("--secret", "secret_values", multiple=True, metavar="NAME=VALUE",
              help="Drift: a redacted body field's value (e.g. clientSecret=...); repeatable.")
@click.option("--allow-writes", is_flag=True, help="Drift: also replay updates, deletes and other writes.")
@click.option("--i-know-this-is-production", "production_ok", is_flag=True,
              help="Drift: replay against a host that does not look like a test environment.")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True, help="Drift report format.")
def verify(
    pact_file: Path, url: str | None, seed: int, admin_token: str | None, against: str | None, vendor: str | None,
    headers: tuple[str, ...], secret_values: tuple[str, ...], allow_writes: bool, production_ok: bool, output_format: str,
) -> None:
    """Replay a Pact file against the sandbox (pass/fail per interaction), or against a vendor (a drift report)."""
    from .verify import PactError, load, report_lines
    from .verify import verify as run

    try:
        document = load(pact_file)
    except PactError as exc:
        _fail(str(exc))
    if against is None:
        with _sandbox(url, admin_token, seed) as client:
            outcomes = run(document, client)
        click.echo("\n".join(report_lines(outcomes)))
        failed = sum(not o.passed for o in outcomes)
        click.echo(f"{len(outcomes) - failed} passed, {failed} failed")
        sys.exit(1 if failed else 0)
    _drift(document, against, vendor, headers, secret_values, allow_writes, production_ok, output_format)


def _drift(
    document: dict[str, Any], against: str, vendor: str | None, headers: tuple[str, ...], secret_values: tuple[str, ...],
    allow_writes: bool, production_ok: bool, output_format: str,
) -> None:
    from . import drift
    from .verify import vendor_of

    try:
        drift.check_target(against, production_ok)
    except drift.Refused as exc:
        _fail(str(exc))
    vendors = sorted({vendor_of(i) for i in document["interactions"]})
    if vendor is None:
        if len(vendors) != 1:
            _fail(f"--vendor: the pact has interactions with {', '.join(vendors) or 'no vendor'}: name one")
        vendor = vendors[0]
    elif vendor not in vendors:
        _fail(f"--vendor {vendor}: the pact has no interaction with it (it has {', '.join(vendors)})")
    sent: dict[str, str] = {}
    for header in headers:
        name, colon, value = header.partition(":")
        if not colon or not name.strip():
            _fail(f"--header {header!r}: write it as 'NAME: VALUE'")
        sent[name.strip()] = value.strip()
    values: dict[str, str] = {}
    for item in secret_values:
        name, equals, value = item.partition("=")
        if not equals or not name:
            _fail(f"--secret {item!r}: write it as NAME=VALUE")
        values[name] = value
    with httpx.Client(base_url=against.rstrip("/"), timeout=30) as client:
        try:
            outcomes = drift.replay(document, client, vendor, sent, values, allow_writes)
        except httpx.HTTPError as exc:
            _fail(f"--against {against}: {exc}")
    if output_format == "json":
        report = drift.as_json(outcomes, against)
        click.echo(json.dumps(report, indent=2, ensure_ascii=True))
        sys.exit(1 if report["drift"] else 0)
    click.echo(drift.as_table(outcomes, against))
    sys.exit(1 if any(not o.passed for o in outcomes) else 0)
