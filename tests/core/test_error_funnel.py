"""One error funnel: every failure is a catalog entry of the vendor, rendered by its one ``render``.

A scenario authoring error, a bug of ours, a unique key the store finds taken and a
body over the limit each reach every vendor's own envelope with the exact status; the
core maps them through the vendor's ``problems`` map (which the registry checks is
complete), and nothing outside core.validation / core.fixtures catches pydantic's
ValidationError or translates Conflict / GoDecodeError / ScenarioError by hand.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import vendors as registry
from mockserver.core.errors import (
    PROBLEM_KINDS,
    BadContentType,
    BodyTooLarge,
    Conflict,
    FieldError,
    InternalFault,
    InvalidFields,
    MalformedBody,
    MethodNotAllowed,
    NotAnObject,
    Problem,
    RouteNotFound,
    problem_to_error,
)
from mockserver.core.scenarios import ScenarioError
from mockserver.core.store import MemoryTable
from tests.conftest import make_client
from tests.core.samples import variant

ROOT = Path(__file__).resolve().parents[2]
VENDORS = ("vaultspay", "payabli", "sabi", "pulse", "etelecom")
ETELECOM_FALLBACK = "Lỗi không xác định. Vui lòng thử lại hoặc liên hệ hotro@etop.vn."


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with make_client() as c:
        yield c


@pytest.fixture(autouse=True)
def _reset(client: TestClient) -> None:
    assert client.post("/__admin/reset").status_code == 200


def create_call(client: TestClient, vendor: str) -> tuple[str, dict[str, str]]:
    """The create-user URL (path) and headers that work, from /__admin/vendors."""
    info = client.get("/__admin/vendors").json()[vendor]
    url = info["create_user"].split(" ", 1)[1]
    return "/" + url.split("/", 3)[3], {**info["headers"], "Content-Type": "application/json"}


def create(client: TestClient, vendor: str, n: int = 7, **headers: str) -> Any:
    path, auth = create_call(client, vendor)
    return client.post(path, json=variant(vendor, n), headers={**auth, **headers})


def bad_request(vendor: str, message: str) -> dict[str, Any]:
    """The vendor's 400 with ``message`` as its text: where a scenario error lands."""
    return {
        "vaultspay": {"code": 1010, "message": message, "type": "BAD_REQUEST"},
        "payabli": {"isSuccess": False, "responseCode": 3003, "responseText": "Error",
                    "responseData": {"explanation": message, "todoAction": "Provide the correct value for parameter."}},
        "sabi": {"statusCode": 400, "message": message, "error": "Bad Request"},
        "pulse": {"error": "Bad Request", "status": 400, "message": message},
        "etelecom": {"code": "invalid_argument", "msg": message},
    }[vendor]


# ---------------------------------------------------------------- scenario authoring errors
@pytest.mark.parametrize("vendor", VENDORS)
def test_an_unknown_forced_error_is_the_vendors_400_marked_scenario(client: TestClient, vendor: str) -> None:
    instance = client.app.runtime.vendors[vendor]  # type: ignore[attr-defined]
    catalog = instance.error_contract.catalog
    response = create(client, vendor, **{"X-Mock-Error": "NOPE"})
    message = f"unknown error 'NOPE' in X-Mock-Error for {vendor}; known: {', '.join(catalog)}"
    assert (response.status_code, response.json()) == (400, bad_request(vendor, message))
    assert response.headers["x-mock-problem"] == "scenario"
    assert response.headers["content-type"] == instance.content_type.decode()  # the vendor's own, not ours


@pytest.mark.parametrize("vendor", VENDORS)
def test_an_unknown_named_scenario_is_the_vendors_400_marked_scenario(client: TestClient, vendor: str) -> None:
    library = client.app.runtime.scenarios.library  # type: ignore[attr-defined]
    response = create(client, vendor, **{"X-Mock-Scenario": "nope"})
    message = f"unknown scenario 'nope' in X-Mock-Scenario; {len(library)} known, GET /__admin/scenarios lists them"  # not the whole library
    assert (response.status_code, response.json()) == (400, bad_request(vendor, message))
    assert response.headers["x-mock-problem"] == "scenario"
    journal = client.get("/__admin/requests", params={"vendor": vendor}).json()
    assert [(e["operation"], e["status"]) for e in journal] == [("create_user", 400)]


# ---------------------------------------------------------------- a bug of ours
INTERNAL = {
    "vaultspay": (500, {"code": 1010, "message": "Invalid request.", "type": "BAD_REQUEST"}),
    "payabli": (500, {"isSuccess": False, "responseText": "Error", "responseData": {
        "explanation": "Internal API Error", "todoAction": "Try again later. If the problem persists, contact Payabli support."}}),
    "sabi": (500, {"statusCode": 500, "message": "Internal server error"}),
    "pulse": (500, {"error": "Internal Server Error", "status": 500, "message": "Internal server error"}),
    "etelecom": (500, {"code": "internal", "msg": ETELECOM_FALLBACK}),
}


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_bug_is_the_vendors_internal_error(client: TestClient, vendor: str, monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the store")

    path, headers = create_call(client, vendor)
    monkeypatch.setattr(MemoryTable, "insert", broken)
    response = client.post(path, json=variant(vendor, 8), headers=headers)
    assert (response.status_code, response.json()) == INTERNAL[vendor]
    assert "x-mock-problem" not in response.headers
    assert any("internal error in " + vendor in r.getMessage() and r.exc_info for r in caplog.records)


# ---------------------------------------------------------------- a unique key taken
CONFLICT = {
    "vaultspay": (400, {"code": 1000, "message": "Invalid payload. Please check your request.", "type": "INVALID_PAYLOAD",
                        "errors": [{"key": "email", "reason": "User already exists with this email"}]}),
    "payabli": (400, {"isSuccess": False, "responseCode": 3003, "responseText": "Error", "responseData": {
        "explanation": "Invalid parameter value in request: email is already in use by another user",
        "todoAction": "Provide the correct value for parameter."}}),
    "sabi": (409, {"statusCode": 409, "message": "User already exists", "error": "Conflict"}),
    "pulse": (409, {"error": "Conflict", "status": 409, "message": "A user with this email already exists in this account"}),
    "etelecom": (409, {"code": "already_exists", "msg": ETELECOM_FALLBACK}),
}


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_conflict_the_store_raises_is_the_vendors_conflict_entry(client: TestClient, vendor: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def taken(*args: object, **kwargs: object) -> None:
        raise Conflict("email", {})

    path, headers = create_call(client, vendor)
    monkeypatch.setattr(MemoryTable, "insert", taken)
    response = client.post(path, json=variant(vendor, 9), headers=headers)
    assert (response.status_code, response.json()) == CONFLICT[vendor]


@pytest.mark.parametrize("vendor", ["vaultspay", "payabli", "sabi"])
def test_a_duplicate_create_reaches_the_same_entry_through_the_funnel(client: TestClient, vendor: str) -> None:
    # These handlers check the store's unique keys before taking an id and let its Conflict go.
    assert create(client, vendor, 10).status_code in (200, 201)
    assert (lambda r: (r.status_code, r.json()))(create(client, vendor, 10)) == CONFLICT[vendor]


# ---------------------------------------------------------------- a body over the limit
TOO_LARGE = {
    "vaultspay": (413, {"code": 1010, "message": "Invalid request.", "type": "BAD_REQUEST"}),
    "payabli": (413, {"isSuccess": False, "responseText": "Error", "responseData": {
        "explanation": "Request body too large", "todoAction": "Reduce the size of the request body and try again."}}),
    "sabi": (413, {"statusCode": 413, "message": "request entity too large", "error": "Payload Too Large"}),
    "pulse": (413, {"error": "Payload Too Large", "status": 413, "message": "Request body too large"}),
    "etelecom": (400, {"code": "malformed", "msg": "the json request could not be decoded", "meta": {"cause": "http: request body too large"}}),
}


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_body_over_the_limit_is_the_vendors_own_answer(vendor: str) -> None:
    with make_client(vendor, max_body=64) as small:
        path, headers = create_call(small, vendor)
        response = small.post(path, content=b'{"pad": "' + b"x" * 100 + b'"}', headers=headers)
    assert (response.status_code, response.json()) == TOO_LARGE[vendor]


# ---------------------------------------------------------------- every kind is mapped
SAMPLES: tuple[Problem, ...] = (
    MalformedBody("Unexpected character"), NotAnObject("list"), InvalidFields("invalid fields", (FieldError("email", "missing", "Field required"),)),
    BodyTooLarge("big"),
    RouteNotFound("GET /nope"), MethodNotAllowed("GET /x", ("POST",)), BadContentType("text/plain"),
    Conflict("email", {}), ScenarioError("unknown scenario 'x'"), InternalFault("bug"),
)


def test_the_samples_cover_every_kind() -> None:
    assert sorted(p.kind for p in SAMPLES) == sorted(PROBLEM_KINDS)


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_problem_kind_names_a_catalog_entry(vendor: str) -> None:
    contract = registry.load(vendor).error_contract
    assert set(contract.problems) == set(PROBLEM_KINDS)
    for problem in SAMPLES:
        error = problem_to_error(problem, contract.problems)
        assert error.name in contract.catalog, (problem.kind, error.name)
    # a scenario's text is the answer's message; the status is the vendor's 400
    scenario = problem_to_error(ScenarioError("unknown scenario 'x'"), contract.problems)
    assert scenario.message == "unknown scenario 'x'" and contract.catalog[scenario.name].status == 400
    assert contract.catalog[problem_to_error(InternalFault("bug"), contract.problems).name].status == 500


def test_the_registry_refuses_a_vendor_whose_problems_map_is_incomplete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "halfvendor.py").write_text(textwrap.dedent('''
        from mockserver.core.errors import ErrorSpec
        from mockserver.core.vendor import ErrorContract, Reply, Vendor

        def render(error):
            return Reply(500, {})

        class Half(Vendor):
            name = "half"
            error_contract = ErrorContract(
                {"INTERNAL": ErrorSpec(500, None, None, "bug")}, {"internal": "INTERNAL", "not_found": "INTERNAL"}, {}, render
            )

        class Bare(Vendor):
            name = "bare"
    '''), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "VENDORS", (("half", "halfvendor:Half"),))
    with pytest.raises(registry.RegistryError) as raised:
        registry.load("half")
    missing = ", ".join(k for k in PROBLEM_KINDS if k not in ("internal", "not_found"))
    assert str(raised.value) == f"vendor 'half' (halfvendor:Half): its problems map names no catalog entry for {missing}"
    monkeypatch.setattr(registry, "VENDORS", (("bare", "halfvendor:Bare"),))
    with pytest.raises(registry.RegistryError) as raised:
        registry.load("bare")
    assert str(raised.value) == "vendor 'bare' (halfvendor:Bare): error_contract is not an ErrorContract (declare one in its errors.py)"


# ---------------------------------------------------------------- one place catches, nobody translates by hand
def _python_files() -> list[Path]:
    return sorted((ROOT / "mockserver").rglob("*.py"))


def _catches(name: str) -> dict[str, list[str]]:
    """Files (relative) with an ``except`` clause naming ``name``, and those lines."""
    pattern = re.compile(rf"^\s*except\b[^:]*\b{name}\b")
    found: dict[str, list[str]] = {}
    for path in _python_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if pattern.search(line):
                found.setdefault(str(path.relative_to(ROOT)), []).append(line.strip())
    return found


# Where pydantic's ValidationError may be caught: requests in core.validation (a model's
# errors translated, a fast validator's refusal: validate and validate_or_none), fixture
# and scenario files in core.fixtures (once).
VALIDATION_CATCHES = {"mockserver/core/validation.py": 2, "mockserver/core/fixtures.py": 1}


def test_validation_error_is_caught_in_one_place() -> None:
    found = _catches("ValidationError")
    assert {path: len(lines) for path, lines in found.items()} == VALIDATION_CATCHES, found


def test_conflict_decode_and_scenario_failures_are_never_translated_by_hand() -> None:
    for name in ("Conflict", "ScenarioError", "GoDecodeError", "InvalidFields|MalformedBody|NotAnObject"):
        found = _catches(f"(?:{name})")
        # gojson's scanner catches its own error to return the cause (syntax_error); the
        # payabli token endpoint answers its own TokenErrorResponse for body problems;
        # eTelecom's CreateAccountUser turns a type error into Go's decode error.
        allowed = {
            "GoDecodeError": {"mockserver/vendors/etelecom/gojson.py"},
            "InvalidFields|MalformedBody|NotAnObject": {"mockserver/vendors/payabli/routes.py", "mockserver/vendors/etelecom/create_request.py"},
        }.get(name, set())
        assert set(found) <= allowed, (name, found)
