"""A vendor is one package plus one registry line.

A toy sixth vendor is written into a temporary directory as ONE package
(routes, catalog, render, credentials, examples, fidelity notes; no fixture
file) plus ONE registry line: the entry point its distribution declares in the
group ``mockserver.vendors``, exactly what ``pip install`` of a package with

    [project.entry-points."mockserver.vendors"]
    toy = "toyvendor:Toy"

leaves on disk.  Nothing in mockserver is edited, and the real CLI serves it.
The same file checks that core, app, CLI and pyproject name no vendor.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver import vendors as registry
from mockserver.core.fixtures import FixtureError

ROOT = Path(__file__).resolve().parents[2]
KEY = {"X-Toy-Key": "toy-key-0001"}

TOY_INIT = '''
"""Toy: POST /v1/users with an X-Toy-Key header; errors as {"error": {"code", "message"}}."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, ConfigDict

from mockserver.core.errors import ErrorSpec, VendorError
from mockserver.core.validation import parse
from mockserver.core.vendor import Call, ErrorContract, Lazy, Reply, Route, Secrets, Vendor

CATALOG = {
    "BAD_REQUEST": ErrorSpec(400, "E400", None, "Bad request"),
    "UNAUTHORIZED": ErrorSpec(401, "E401", None, "Missing or wrong X-Toy-Key"),
    "NOT_FOUND": ErrorSpec(404, "E404", None, "No such route"),
    "METHOD": ErrorSpec(405, "E405", None, "Method not allowed"),
    "TAKEN": ErrorSpec(409, "E409", None, "Email already taken"),
    "TOO_LARGE": ErrorSpec(413, "E413", None, "Body too large"),
    "INTERNAL": ErrorSpec(500, "E500", None, "Internal error"),
    "UNAVAILABLE": ErrorSpec(503, "E503", None, "Try again later"),
}
PROBLEMS = {
    "malformed_json": "BAD_REQUEST", "not_object": "BAD_REQUEST", "invalid_fields": "BAD_REQUEST",
    "bad_content_type": "BAD_REQUEST", "body_too_large": "TOO_LARGE", "not_found": "NOT_FOUND",
    "method_not_allowed": "METHOD", "conflict": "TAKEN", "scenario": "BAD_REQUEST", "internal": "INTERNAL",
}
ENVELOPE = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
    "required": ["error"],
}


def render(error: VendorError) -> Reply:
    spec = CATALOG[error.name]
    return Reply(spec.status, {"error": {"code": spec.code, "message": error.message or spec.message}})


ERRORS = ErrorContract(CATALOG, PROBLEMS, ENVELOPE, render)
SECRETS = Secrets(fields=frozenset({"password"}), headers=frozenset({"x-toy-key"}))


class Fixture(BaseModel):
    """Every field has a default: the toy ships no fixture file."""

    api_key: str = "toy-key-0001"
    users: list[str] = ["first@toy.test"]


class CreateUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str
    name: Optional[str] = None


class User(BaseModel):
    id: int
    email: str
    name: Optional[str]


class Toy(Vendor):
    name = "toy"
    title = "Toy"
    base_path = "/v1"
    fixture_model = Fixture
    error_contract = ERRORS
    secrets = SECRETS
    security_schemes = {"toyKey": {"type": "apiKey", "in": "header", "name": "X-Toy-Key"}}
    examples = Lazy(".examples:EXAMPLES")
    fidelity = Lazy(".fidelity:NOTES")
    scenario_aliases = {"TAKEN": "toy-email-taken"}
    unavailable = {"error": "UNAVAILABLE"}

    fixture: Fixture

    def routes(self) -> list[Route]:
        return [
            Route("POST", "/v1/users", self.create_user, "create_user", summary="Create a user",
                  request=CreateUser, responses={201: User}, errors=None),
        ]

    def create_user(self, call: Call) -> Reply:
        if call.headers.get("x-toy-key") != self.fixture.api_key:
            raise VendorError("UNAUTHORIZED")
        body = parse(CreateUser, call.body)
        users = self.ctx.table("users")
        unique = {"email": body.email.lower()}
        if users.conflict(unique) is not None:
            raise VendorError("TAKEN")
        record = {"id": self.ctx.next_id("users"), "email": body.email, "name": body.name}
        users.insert(record["id"], record, unique)
        return Reply(201, record)

    def seed(self) -> None:
        for email in self.fixture.users:
            record = {"id": self.ctx.next_id("users"), "email": email, "name": None}
            self.ctx.table("users").insert(record["id"], record, {"email": email})

    def describe(self) -> dict[str, Any]:
        return {"headers": {"X-Toy-Key": self.fixture.api_key}, "login": None}
'''

TOY_EXAMPLES = '''
from mockserver.snapshots import Example

EXAMPLES = [
    Example("create_user", "POST", "/v1/users", {"email": "ada@toy.test", "name": "Ada"},
            headers={"X-Toy-Key": "{auth}", "Content-Type": "application/json"}),
]
'''

TOY_FIDELITY = '''
from mockserver.core.fidelity import FidelityNotes, row

NOTES = FidelityNotes(
    rows=(row("behaviour", "emails", "unique, case-insensitively", "[INF] a toy"),),
    error_sources={"TAKEN": "[PUB] the toy's docs"},
    route_sources={"create_user": "[SEED] page 1"},
    seed="999",
)
'''


def write_package(site: Path, package: str, files: dict[str, str]) -> None:
    (site / package).mkdir(parents=True)
    for name, text in files.items():
        (site / package / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def write_registry_line(site: Path, distribution: str, line: str) -> None:
    """What installing a distribution with that one entry point leaves on the path."""
    info = site / f"{distribution}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[mockserver.vendors]\n{line}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    write_package(site, "toyvendor", {"__init__.py": TOY_INIT, "examples.py": TOY_EXAMPLES, "fidelity.py": TOY_FIDELITY})
    write_registry_line(site, "toyvendor", "toy = toyvendor:Toy")
    return site


def env_with(site: Path) -> dict[str, str]:
    # The worktree first (the copy of mockserver under test), then the toy's "site-packages".
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(site)])}


def run(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env_with(site), capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--log-level", "warning"],
        cwd=ROOT, env=env_with(site), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        found = re.search(r"listening on (127\.0\.0\.1:\d+)", first)
        assert found, first + (proc.stdout.read() if proc.poll() is not None else "")
        origin = f"http://{found.group(1)}"
        deadline = time.monotonic() + 30  # generous: 2 shared cores
        while True:
            try:
                if httpx.get(origin + "/__admin/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield origin
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def create(origin: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(f"{origin}/toy/v1/users", json=body, headers={**KEY, **headers})


# ---------------------------------------------------------------- served by the real CLI
def test_create_user_answers_and_the_fixture_comes_from_the_model_defaults(served: str) -> None:
    response = create(served, {"email": "ada@toy.test", "name": "Ada"})
    assert response.status_code == 201
    assert response.json() == {"id": 2, "email": "ada@toy.test", "name": "Ada"}  # id 1: the default fixture's user
    taken = create(served, {"email": "FIRST@toy.test"})
    assert (taken.status_code, taken.json()) == (409, {"error": {"code": "E409", "message": "Email already taken"}})
    bad = create(served, {"name": "no email"})
    assert (bad.status_code, bad.json()) == (400, {"error": {"code": "E400", "message": "Bad request"}})
    anonymous = httpx.post(f"{served}/toy/v1/users", json={"email": "x@toy.test"})
    assert (anonymous.status_code, anonymous.json()) == (401, {"error": {"code": "E401", "message": "Missing or wrong X-Toy-Key"}})


def test_an_unknown_route_gets_the_toy_envelope(served: str) -> None:
    response = httpx.get(f"{served}/toy/v1/nope", headers=KEY)
    assert (response.status_code, response.json()) == (404, {"error": {"code": "E404", "message": "No such route"}})
    assert response.headers["x-mock-near-miss"] == "POST /v1/users"
    wrong = httpx.get(f"{served}/toy/v1/users", headers=KEY)
    assert (wrong.status_code, wrong.json()) == (405, {"error": {"code": "E405", "message": "Method not allowed"}})


def test_admin_vendors_lists_it(served: str) -> None:
    listed = httpx.get(f"{served}/__admin/vendors").json()
    assert list(listed)[-1] == "toy"  # after the five built-in vendors
    assert listed["toy"] == {
        "title": "Toy",
        "base_url": f"{served}/toy/v1",
        "create_user": f"POST {served}/toy/v1/users",
        "headers": {"X-Toy-Key": "toy-key-0001"},
        "login": None,
    }


def test_its_openapi_document_is_served(served: str) -> None:
    response = httpx.get(f"{served}/__admin/openapi/toy.json")
    assert response.status_code == 200
    document = response.json()
    assert document["servers"][0]["url"] == f"{served}/toy"
    assert document["components"]["securitySchemes"] == {"toyKey": {"type": "apiKey", "in": "header", "name": "X-Toy-Key"}}
    operation = document["paths"]["/v1/users"]["post"]
    assert operation["security"] == [{"toyKey": []}]
    assert {"201", "401", "409", "503"} <= set(operation["responses"])


def test_its_fidelity_rows_are_served(served: str) -> None:
    table = httpx.get(f"{served}/__admin/fidelity").json()["toy"]
    assert table["title"] == "Toy"
    rows = {(r["area"], r["item"]): r for r in table["rows"]}
    assert rows[("route", "`POST /v1/users`")]["source"] == "[SEED] page 1"
    assert rows[("behaviour", "emails")] == {
        "area": "behaviour", "item": "emails", "behaviour": "unique, case-insensitively", "status": "inferred", "source": "[INF] a toy",
    }
    assert rows[("error", "`TAKEN`")]["source"] == "[PUB] the toy's docs"
    assert rows[("error", "`UNAVAILABLE`")]["behaviour"] == "HTTP 503, code `E503`: “Try again later”"
    assert table["summary"] == {"emulated": 2, "inferred": 8, "not supported": 0}


def test_scenarios_target_it_and_the_journal_records_it(served: str) -> None:
    scenario = {
        "name": "toy-down-once",
        "description": "The next toy create-user call answers 503.",
        "rules": [{"match": {"vendor": "toy", "operation": "create_user", "times": 1}, "respond": {"error": "UNAVAILABLE"}}],
    }
    defined = httpx.post(f"{served}/__admin/scenarios?activate=true", json=scenario)
    assert defined.status_code == 201, defined.text
    down = create(served, {"email": "grace@toy.test"}, **{"X-Mock-Session": "journal"})
    assert (down.status_code, down.json()) == (503, {"error": {"code": "E503", "message": "Try again later"}})
    up = create(served, {"email": "grace@toy.test"}, **{"X-Mock-Session": "journal"})
    assert (up.status_code, up.json()) == (201, {"id": 2, "email": "grace@toy.test", "name": None})  # a session's own ids
    forced = create(served, {"email": "linus@toy.test"}, **{"X-Mock-Session": "journal", "X-Mock-Error": "TAKEN"})
    assert (forced.status_code, forced.json()) == (409, {"error": {"code": "E409", "message": "Email already taken"}})

    entries = httpx.get(f"{served}/__admin/requests", params={"vendor": "toy", "session": "journal"}).json()
    assert [(e["vendor"], e["operation"], e["method"], e["path"], e["status"], e["scenario"]) for e in entries] == [
        ("toy", "create_user", "POST", "/v1/users", 503, "toy-down-once#0"),
        ("toy", "create_user", "POST", "/v1/users", 201, None),
        ("toy", "create_user", "POST", "/v1/users", 409, "X-Mock-Error:TAKEN"),
    ]
    assert {e["headers"]["x-toy-key"] for e in entries} == {"***"}  # its declared Secrets: hidden in the journal
    counted = httpx.post(f"{served}/__admin/requests/count", json={"vendor": "toy", "operation": "create_user", "body": {"email": "grace@toy.test"}})
    assert counted.json()["count"] == 2


# ---------------------------------------------------------------- the tools read the registry too
def test_cli_help_and_choices_list_it(site: Path) -> None:
    help_text = run(site, "-m", "mockserver", "--help")
    assert help_text.returncode == 0, help_text.stderr
    assert "    toy        http://HOST:PORT/toy/v1\n" in help_text.stdout
    document = run(site, "-m", "mockserver", "openapi", "toy", "--root")
    assert document.returncode == 0, document.stderr
    assert json.loads(document.stdout)["x-mockserver"]["baseUrl"].endswith(":8080/v1")


def test_fixtures_dir_overrides_its_default_per_file(site: Path, tmp_path: Path) -> None:
    (tmp_path / "toy.yaml").write_text("api_key: from-the-file\nusers: []\n", encoding="utf-8")
    listed = run(site, "-m", "mockserver", "vendors", "--fixtures", str(tmp_path))
    assert listed.returncode == 0, listed.stderr
    assert "  header       X-Toy-Key: from-the-file\n" in listed.stdout
    assert "  header       X-Toy-Key: toy-key-0001\n" not in listed.stdout


def test_snapshots_and_scenario_generator_use_its_declarations(site: Path) -> None:
    probe = textwrap.dedent("""
        import json, runpy
        from mockserver import snapshots
        from mockserver.vendors import load
        exchanges = snapshots.collect(0, ["toy"])["toy"]
        tool = runpy.run_path("tools/gen_scenarios.py", run_name="gen_scenarios")
        docs = tool["library"]([load("toy")])
        print(json.dumps({"exchanges": exchanges, "scenarios": docs}))
    """)
    result = run(site, "-c", probe)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    exchanges = out["exchanges"]
    assert [e["name"] for e in exchanges] == ["create_user", *(f"error:{key}" for key in (
        "BAD_REQUEST", "UNAUTHORIZED", "NOT_FOUND", "METHOD", "TAKEN", "TOO_LARGE", "INTERNAL", "UNAVAILABLE"))]
    assert exchanges[0]["response"] == {"status": 201, "content_type": "application/json", "body": {"id": 2, "email": "ada@toy.test", "name": "Ada"}}
    assert exchanges[-1]["response"]["body"] == {"error": {"code": "E503", "message": "Try again later"}}
    names = [doc["name"] for doc in out["scenarios"]]
    assert "toy-email-taken" in names and "toy-unavailable" in names  # the alias, and <name>-<key>
    flaky = next(doc for doc in out["scenarios"] if doc["name"] == "flaky-network")
    assert flaky["rules"][0] == {"match": {"vendor": "toy", "probability": 0.1}, "respond": {"error": "UNAVAILABLE"}, "delay": {"uniform": [20, 200]}}


def test_a_broken_registry_line_is_one_line_at_start(tmp_path: Path) -> None:
    write_registry_line(tmp_path, "ghostvendor", "ghost = ghost_missing:Ghost")
    result = run(tmp_path, "-m", "mockserver", "serve", "--port", "0")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "mockserver: cannot start: vendor 'ghost' (ghost_missing:Ghost): cannot be loaded: No module named 'ghost_missing'"
    )


# ---------------------------------------------------------------- the registry, in process
def _point(name: str, value: str) -> EntryPoint:
    return EntryPoint(name, value, registry.ENTRY_POINT_GROUP)


def test_entry_points_add_vendors_after_the_builtin_ones(caplog: pytest.LogCaptureFixture) -> None:
    builtin = registry.REGISTRY
    first = builtin[0][0]
    lines = registry.with_plugins(builtin, [
        _point("toy", "toyvendor:Toy"),
        _point("toy", "toyvendor:Toy"),  # the same install seen twice: no clash
        _point(first, "elsewhere:Impostor"),  # a built-in name is never replaced
        _point("__admin", "x:Y"),  # not a URL segment a vendor may take
        _point("odd", "no-colon"),
    ])
    assert lines == (*builtin, ("toy", "toyvendor:Toy"))
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 3
    assert f"vendor {first!r} is already registered" in warnings[0]
    assert "a vendor name is lower-case letters" in warnings[1]
    assert "the target must be 'module:Class'" in warnings[2]


def test_fixture_file_shipped_in_the_package_or_model_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_package(tmp_path, "toyfixtures", {
        "__init__.py": '''
            from pydantic import BaseModel
            from mockserver.core.vendor import Vendor

            class Settings(BaseModel):
                api_key: str

            class WithFile(Vendor):
                name = "withfile"
                fixture_model = Settings
                fixture_file = "default.yaml"

            class WithoutDefaults(Vendor):
                name = "nodefaults"
                fixture_model = Settings
        ''',
        "default.yaml": "api_key: shipped-in-the-package\n",
    })
    monkeypatch.syspath_prepend(str(tmp_path))
    import toyfixtures  # type: ignore[import-not-found]

    assert toyfixtures.WithFile.default_fixture().api_key == "shipped-in-the-package"
    with pytest.raises(FixtureError) as raised:
        toyfixtures.WithoutDefaults.default_fixture()
    assert str(raised.value) == "nodefaults: no nodefaults.yaml fixture, and Settings has no default for api_key"


# ---------------------------------------------------------------- no vendor named outside its package
VENDOR_FREE = ("mockserver/core", "mockserver/app.py", "mockserver/cli.py", "pyproject.toml")


def test_core_app_cli_and_pyproject_name_no_vendor() -> None:
    # The same check as `git grep -i -E "<names>" -- <paths>`, without needing a git checkout.
    names = re.compile("|".join(re.escape(name) for name, _ in registry.REGISTRY), re.IGNORECASE)
    files = [p for entry in VENDOR_FREE for p in ((ROOT / entry).rglob("*.py") if (ROOT / entry).is_dir() else [ROOT / entry])]
    assert len(files) > 10
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if names.search(line)
    ]
    assert found == []
