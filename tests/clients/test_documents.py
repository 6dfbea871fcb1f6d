"""What the generated clients revealed, checked on the served documents without the tools
(so it runs everywhere), and the README table against the recorded results.

Each shape below made a generator drop or break part of a client (tests/clients/test_generated.py
shows it whole): an object component also typed null (openapi-python-client lost eTelecom's
GetAccountUsers request model, and the list call with it), unnamed object branches of a
shared anyOf (it generated Payabli's error branches twice and lost them), a rule across fields
as an anyOf of constraints beside the properties (openapi-generator made VaultsPay's CreateUser,
Pulse's Login and Payabli's ScopeItem composed models without their fields), and a boolean
const (openapi-generator compared it to the string "true" and refused Payabli's answers).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mockserver.vendors import NAMES
from tests.clients import results, setup_clients
from tests.clients.conftest import GENERATORS
from tests.clients.test_generated import TOOL_VERSION
from tests.conftest import make_client

README = Path(__file__).resolve().parents[2] / "docs" / "contracts.md"  # the clients table's page
VALUES = ("example", "examples", "default", "const", "enum")
CONDITIONS = ("not", "if", "then", "else")


@pytest.fixture(scope="module")
def docs() -> Iterator[dict[str, dict[str, Any]]]:
    with make_client() as client:
        served = {vendor: client.get(f"/__admin/openapi/{vendor}.json") for vendor in NAMES}
        assert all(reply.status_code == 200 for reply in served.values())
        yield {vendor: reply.json() for vendor, reply in served.items()}


def schemas(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object under ``node`` that a generator makes a model or a field of, with
    its JSON pointer (instance values skipped, and conditions: generators leave them out)."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            if key not in VALUES and key not in CONDITIONS:
                yield from schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from schemas(value, f"{where}/{i}")


def _is_object(schema: Any) -> bool:
    return isinstance(schema, dict) and (schema.get("type") == "object" or "properties" in schema) and "$ref" not in schema


@pytest.mark.parametrize("vendor", NAMES)
def test_no_object_schema_is_also_typed_null(docs: dict[str, dict[str, Any]], vendor: str) -> None:
    found = [where for where, s in schemas(docs[vendor]["components"]) if isinstance(s.get("type"), list) and "object" in s["type"]]
    assert not found, f"{vendor}: say 'the object, or null' as anyOf [$ref, null]: {found}"


@pytest.mark.parametrize("vendor", NAMES)
def test_object_branches_of_a_union_are_named(docs: dict[str, dict[str, Any]], vendor: str) -> None:
    found = []
    for where, s in schemas(docs[vendor]["components"]):
        branches = [b for b in s.get("anyOf", s.get("oneOf", [])) if b != {"type": "null"}]
        if len(branches) > 1 and any(_is_object(b) for b in branches):
            found.append(where)
    assert not found, f"{vendor}: a union of objects whose branches are not components ($defs): {found}"


@pytest.mark.parametrize("vendor", NAMES)
def test_rules_across_fields_are_conditions(docs: dict[str, dict[str, Any]], vendor: str) -> None:
    found = [where for where, s in schemas(docs[vendor]["components"])
             if "properties" in s and any("type" not in b and "$ref" not in b for b in s.get("anyOf", []))]
    assert not found, f"{vendor}: an anyOf of constraints beside properties: {found}"


@pytest.mark.parametrize("vendor", NAMES)
def test_no_boolean_constant(docs: dict[str, dict[str, Any]], vendor: str) -> None:
    found = [where for where, s in schemas(docs[vendor]["components"])
             if isinstance(s.get("const"), bool) or (s.get("enum") and all(isinstance(v, bool) for v in s["enum"]))]
    assert not found, f"{vendor}: a boolean const/enum (openapi-generator compares it to a string): {found}"


def test_the_rewritten_rules_say_what_the_models_say(docs: dict[str, dict[str, Any]]) -> None:
    """The document's if/then and not-const accept exactly what the models' own anyOf and const accept."""
    from mockserver.vendors.pulse.models import Login
    from mockserver.vendors.vaultspay.models import CreateUser

    cases = [
        (docs["vaultspay"], "CreateUser", CreateUser.model_json_schema(), [
            {"firstName": "A", "lastName": "B", "status": "ACTIVE", "email": "a@example.com"},
            {"firstName": "A", "lastName": "B", "status": "ACTIVE", "countryCode": "92", "phone": "3001234567"},
            {"firstName": "A", "lastName": "B", "status": "ACTIVE", "email": "a@example.com", "phone": "3001234567"},
            {"firstName": "A", "lastName": "B", "status": "ACTIVE"},
            {"firstName": "A", "lastName": "B", "status": "ACTIVE", "countryCode": "92"},
        ]),
        (docs["pulse"], "Login", Login.model_json_schema(), [
            {"email": "a@example.com", "password": "x"}, {"apiKey": "k", "apiSecret": "s"}, {"apiKey": "k"},
            {"email": "a@example.com", "password": "x", "apiSecret": "s"}, {}, {"email": "a@example.com"},
        ]),
    ]
    for doc, name, model_schema, bodies in cases:
        served = jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": doc["components"]})
        original = jsonschema.Draft202012Validator(model_schema)
        for body in bodies:
            assert served.is_valid(body) == original.is_valid(body), (name, body)
    payabli = docs["payabli"]["components"]["schemas"]
    success = jsonschema.Draft202012Validator(payabli["UserCreated"]["properties"]["isSuccess"])
    assert success.is_valid(True) and not success.is_valid(False) and not success.is_valid("true")


def test_payabli_error_branches_are_the_sdks_models(docs: dict[str, dict[str, Any]]) -> None:
    schemas_ = docs["payabli"]["components"]["schemas"]
    assert schemas_["PayabliError"]["anyOf"] == [
        {"$ref": "#/components/schemas/PayabliErrorBody"}, {"$ref": "#/components/schemas/TokenErrorResponse"},
    ]
    assert schemas_["PayabliErrorBody"]["required"] == ["isSuccess", "responseText", "responseData"]


# ----------------------------------------------------------------- the README table
def test_readme_table_is_the_recorded_results() -> None:
    readme = README.read_text(encoding="utf-8")
    start, end = readme.index(results.START) + len(results.START), readme.index(results.END)
    assert readme[start:end] == "\n" + results.table(), "docs/contracts.md is out of date: run python3 tools/gen_readme.py"


@pytest.mark.parametrize("generator", GENERATORS)
def test_generated_client_results_cover_every_vendor_at_the_pinned_version(generator: str) -> None:
    data = results.stored(generator)
    assert data["version"] == setup_clients.pins()["tools"][TOOL_VERSION[generator]], (
        f"versions.toml pins another {generator} than results/{generator}.json records: "
        "run MOCKSERVER_UPDATE_CLIENT_RESULTS=1 python3 -m pytest tests/clients"
    )
    assert list(data["rows"]) == sorted(NAMES)
    assert all(row["result"] == "pass" and "create_user" in row["operations"] and row["errors"] > 0 for row in data["rows"].values())
