"""Clients generated from the served OpenAPI documents work, unchanged, against a live server.

For every registered vendor (``mockserver.vendors.NAMES``) and both generators
(openapi-python-client, openapi-generator's ``python``), at the versions
``versions.toml`` pins: the client generates without dropping anything, imports
in a fresh interpreter, and runs the vendor's documented example flow
(``Vendor.examples``: log in first where the vendor needs a token, create a user,
read it back where the vendor has a read operation...) with each answer's status
the one the golden snapshots record and each body parsed into the client's typed
model; then every catalogued error, forced on create-user with ``X-Mock-Error``,
parses into the client's typed error model.  Each run is one subprocess of
tests/clients/drive.py on the client-tools Python with its own X-Mock-Session.

Each test also checks its row of ``results/<client>.json`` (what the README's
"Tested with real clients" table is rendered from, by tools/gen_readme.py):
``MOCKSERVER_UPDATE_CLIENT_RESULTS=1`` rewrites the row instead.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mockserver import vendors as registry
from mockserver.app import Runtime
from mockserver.config import Config
from mockserver.core.serving import compile_template
from mockserver.core.vendor import Route
from mockserver.snapshots import DEFAULT_DIR
from mockserver.vendors import NAMES
from tests.clients import results, setup_clients
from tests.clients.conftest import GENERATORS, Generated, Generations, write_plan
from tests.core.served import Served

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("drive.py")
UPDATE_ENV = "MOCKSERVER_UPDATE_CLIENT_RESULTS"
# What "read it back" is: the user-family reads (get one, list them).
READS = ("get_user", "list_users")
TOOL_VERSION = {"openapi-python-client": "openapi-python-client", "openapi-generator": "openapi-generator-cli"}


def snapshot_statuses(vendor: str) -> dict[str, int]:
    """Each recorded exchange's status by name (examples, then ``error:<key>``)."""
    document = json.loads((ROOT / DEFAULT_DIR / f"{vendor}.json").read_text(encoding="utf-8"))
    return {exchange["name"]: exchange["response"]["status"] for exchange in document["exchanges"]}


def plan_steps(vendor: str) -> list[dict[str, Any]]:
    """The vendor's examples, then one forced call per catalog entry (as the snapshots make them: on
    create-user, or on the operation that answers it alone, ``Vendor.error_operations``)."""
    cls = registry.load(vendor)
    statuses = snapshot_statuses(vendor)
    steps = []
    for example in cls.examples:
        steps.append({"name": example.name, "method": example.method, "path": example.path, "query": dict(example.query),
                      "headers": dict(example.headers), "body": example.body, "expected": statuses[example.name]})
    for key in cls.error_contract.catalog:
        template = next(s for s in steps if s["name"] == example_of(vendor, cls.error_operations.get(key, "create_user")))
        steps.append({**template, "name": f"error:{key}", "error": key, "expected": statuses[f"error:{key}"]})
    return steps


@functools.cache
def vendor_routes(vendor: str) -> tuple[Route, ...]:
    return tuple(Runtime(Config(vendors=(vendor,))).vendors[vendor].routes())


def example_of(vendor: str, operation: str) -> str:
    """The first example calling ``operation``'s route (the snapshots' error template too)."""
    route = next(r for r in vendor_routes(vendor) if r.operation == operation)
    pattern = compile_template(route.path)  # a templated route's examples name a concrete path
    return next(e.name for e in registry.load(vendor).examples if e.method == route.method and pattern.match(e.path))


def create_step(vendor: str) -> str:
    return example_of(vendor, "create_user")


def run_client(client_tools: Path, job: Generated, document: Path, server: Served, credentials: dict[str, Any], workdir: Path) -> dict[str, Any]:
    plan = {
        "generator": job.generator,
        "package": job.package,
        "package_dir": str(job.package_dir),
        "document": str(document),
        "server": f"{server.origin}/{job.vendor}",  # the document's server URL: origin + mount
        "session": f"clients-{job.package}",
        "credentials": credentials,
        "steps": plan_steps(job.vendor),
    }
    path = write_plan(workdir / f"plan-{job.package}.json", plan)
    # A fresh interpreter (the client-tools one): the import is checked from scratch.
    done = subprocess.run([str(client_tools), str(DRIVER), str(path)], capture_output=True, text=True, timeout=180, cwd=workdir)
    assert done.returncode == 0, f"{job.package}: the driver failed:\n{done.stderr[-4000:]}"
    outcome: dict[str, Any] = json.loads(done.stdout)
    return outcome


@pytest.mark.parametrize("vendor", NAMES)
@pytest.mark.parametrize("generator", GENERATORS)
def test_generated_client_works_unchanged(
    generator: str, vendor: str, client_tools: Path, generated: Generations,
    documents: dict[str, Path], live_server: Served, credentials: dict[str, Any], workdir: Path,
) -> None:
    job = generated[generator, vendor]
    assert job.ok, f"{generator} could not generate a whole {vendor} client:\n{job.log[-6000:]}"
    outcome = run_client(client_tools, job, documents[vendor], live_server, credentials[vendor], workdir)
    steps = outcome["steps"]
    problems = [f"{s['name']}: {p}" for s in steps for p in s["problems"]]
    assert not problems, f"{generator} / {vendor}:\n" + "\n".join(problems)

    by_name = {s["name"]: s for s in steps}
    created = by_name[create_step(vendor)]
    assert created["outcome"] == "typed" and created["status"] < 300, created
    # Read it back: a later successful read whose typed answer holds what was created.
    routes = {route.operation for route in vendor_routes(vendor)}
    if any(op.startswith(READS) for op in routes):
        sent = {v for v in _strings(next(e.body for e in registry.load(vendor).examples if e.name == created["name"])) if len(v) >= 6}
        order = [s["name"] for s in steps]
        reads = [s for s in steps[order.index(created["name"]) + 1:]
                 if s.get("operation", "").startswith(READS) and s.get("outcome") == "typed" and s["status"] < 300]
        assert any(sent & set(s.get("strings", ())) for s in reads), f"no read of {vendor} returned the created user: {reads}"
    errors = [s for s in steps if s["name"].startswith("error:")]
    assert errors and all(s["outcome"] == "typed" and s["status"] >= 400 for s in errors), errors

    row = results.row(steps)
    version = setup_clients.pins()["tools"][TOOL_VERSION[generator]]
    if os.environ.get(UPDATE_ENV) == "1":
        results.store(generator, version, vendor, row)
    else:
        stored = results.stored(generator)
        assert stored.get("version") == version and stored.get("rows", {}).get(vendor) == row, (
            f"tests/clients/results/{generator}.json is not what this run found for {vendor} "
            f"(found {row}, version {version}): run `{UPDATE_ENV}=1 python3 -m pytest tests/clients`, then "
            "`python3 tools/gen_readme.py`, and commit both"
        )


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {s for v in value.values() for s in _strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in _strings(v)}
    return set()
