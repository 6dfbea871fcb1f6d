"""The generated OpenAPI 3.1 documents: complete, precise and deterministic.

Every route of every vendor is documented with its operationId, the request
schemas carry the validators' enums, every catalog status is documented, the
credentials are declared, and every success body the emulator actually sends
(one real call per route, null-heavy variants included) validates against the
schema the document gives for that status.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from mockserver.app import Runtime, build_app
from mockserver.cli import main
from mockserver.config import Config
from mockserver.core.openapi import openapi_document
from mockserver.vendors import NAMES

ORIGIN = "http://127.0.0.1:8080"


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return Runtime(Config())


@pytest.fixture(scope="module")
def docs(runtime: Runtime) -> dict[str, dict[str, Any]]:
    return {name: openapi_document(runtime, name, ORIGIN) for name in NAMES}


# ----------------------------------------------------------------- helpers
def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method, op


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rpartition("/")[2]
        schema = doc["components"]["schemas"][name]
    return schema


def prop(doc: dict[str, Any], schema: dict[str, Any], *names: str) -> dict[str, Any]:
    """The schema of a (nested) property, through $refs, a nullable anyOf and array items."""
    schema = resolve(doc, schema)
    for name in names:
        schema = resolve(doc, schema["properties"][name])
        schema = _non_null(doc, schema)
        if schema.get("type") == "array":
            schema = _non_null(doc, resolve(doc, schema["items"]))
    return schema


def _non_null(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "anyOf" in schema:
        options = [resolve(doc, s) for s in schema["anyOf"] if s.get("type") != "null"]
        if len(options) == 1:
            return options[0]
    return schema


def request_schema(doc: dict[str, Any], path: str, method: str = "post") -> dict[str, Any]:
    return doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]


def validator(doc: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    # "#/components/..." refs resolve against the root, so the components ride along.
    return jsonschema.Draft202012Validator({**schema, "components": doc["components"]})


# ----------------------------------------------------------------- the documents
@pytest.mark.parametrize("vendor", NAMES)
def test_document_is_valid_openapi_3_1(docs: dict[str, dict[str, Any]], vendor: str) -> None:
    schemathesis = pytest.importorskip("schemathesis")
    doc = docs[vendor]
    assert doc["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(doc).validate()  # the OpenAPI 3.1 meta-schema


@pytest.mark.parametrize("vendor", NAMES)
def test_document_passes_openapi_spec_validator(docs: dict[str, dict[str, Any]], vendor: str) -> None:
    validator_module = pytest.importorskip("openapi_spec_validator")
    validator_module.validate(docs[vendor])


@pytest.mark.parametrize("vendor", NAMES)
def test_info_servers_and_base_url(runtime: Runtime, docs: dict[str, dict[str, Any]], vendor: str) -> None:
    doc = docs[vendor]
    title = runtime.vendors[vendor].title
    assert doc["info"]["title"] == f"{title} (mockserver emulation)"
    assert doc["info"]["version"]
    # Paths must start with "/": the server is origin + mount, paths are the routes' templates.
    assert doc["servers"] == [{"url": f"{ORIGIN}/{vendor}", "description": f"mockserver serving {title}"}]
    assert doc["x-mockserver"]["baseUrl"] == runtime.base_url(ORIGIN, vendor)
    assert all(path.startswith("/") for path in doc["paths"])


def test_etelecom_paths_continue_the_base_url(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["etelecom"]
    assert "/v1/shop.Shop/CreateAccountUser" in doc["paths"]
    assert doc["servers"][0]["url"] + "/v1/shop.Shop/CreateAccountUser" == doc["x-mockserver"]["baseUrl"] + ".Shop/CreateAccountUser"


def test_a_vendor_served_at_the_root_is_described_there() -> None:
    runtime = Runtime(Config(vendor="payabli"))
    doc = openapi_document(runtime, "payabli", ORIGIN)
    assert doc["servers"][0]["url"] == ORIGIN
    assert "/api/User" in doc["paths"]
    assert doc["x-mockserver"]["baseUrl"] == f"{ORIGIN}/api"


@pytest.mark.parametrize("vendor", NAMES)
def test_every_route_is_documented_with_its_operation_id(runtime: Runtime, docs: dict[str, dict[str, Any]], vendor: str) -> None:
    doc = docs[vendor]
    routes = runtime.vendors[vendor].routes()
    documented = [(path, method) for path, method, _ in operations(doc)]
    assert len(documented) == len(routes)
    ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    for route in routes:
        op = doc["paths"][route.path][route.method.lower()]
        assert op["x-mockserver-operation"] == route.operation
        assert op["operationId"] == route.operation or op["operationId"].startswith(route.operation + "_")
        assert op["summary"]
        # path parameters come from the template
        names = [p["name"] for p in op.get("parameters", ()) if p["in"] == "path"]
        assert names == [part[1:-1] for part in route.path.split("/") if part.startswith("{")]
    # the first route of each operation keeps the bare operation name
    for operation in {r.operation for r in routes}:
        assert operation in ids


def test_sabi_trailing_slash_aliases_are_documented_as_aliases(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["sabi"]
    assert doc["paths"]["/api/v1/users/public"]["post"]["operationId"] == "create_user"
    alias = doc["paths"]["/api/v1/users/public/"]["post"]
    assert alias["operationId"] == "create_user_2" and alias["x-mockserver-operation"] == "create_user"
    assert "alias" in alias["description"]


# ----------------------------------------------------------------- request schemas
def test_vaultspay_request_schemas(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["vaultspay"]
    create = resolve(doc, request_schema(doc, "/as/api/v1/users"))
    assert prop(doc, create, "status")["enum"] == ["ACTIVE", "PENDING", "BLOCK"]
    assert set(create["required"]) == {"firstName", "lastName", "status"}
    assert prop(doc, create, "email")["format"] == "email"
    assert create["examples"]
    kyc = resolve(doc, request_schema(doc, "/us/api/v1/kyc/personal"))
    assert "userId" in kyc["required"] and prop(doc, kyc, "userId") == {"type": "integer", "format": "int64", "minimum": -(2**63), "maximum": 2**63 - 1, "title": "Userid"}
    assert prop(doc, kyc, "gender")["enum"] == ["MALE", "FEMALE", "OTHER"]
    listing = {p["name"]: p for p in doc["paths"]["/as/api/v1/users"]["get"]["parameters"]}
    assert set(listing) == {"page", "perPage"} and listing["perPage"]["schema"]["anyOf"][0]["maximum"] == 100


def test_the_document_follows_the_fixture_settings(tmp_path: Any) -> None:
    """Limits and shapes that come from the fixture are read from the running configuration."""
    import yaml

    from mockserver.config import default_fixtures_dir

    fixture = yaml.safe_load((default_fixtures_dir() / "vaultspay.yaml").read_text(encoding="utf-8"))
    fixture.setdefault("settings", {}).update(wrapKycPersonal=True, maxPerPage=7)
    (tmp_path / "vaultspay.yaml").write_text(yaml.safe_dump(fixture), encoding="utf-8")
    doc = openapi_document(Runtime(Config(vendors=("vaultspay",), fixtures=tmp_path)), "vaultspay", ORIGIN)
    answer = doc["paths"]["/us/api/v1/kyc/personal"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/PersonalInfoResponse"}
    per_page = {p["name"]: p for p in doc["paths"]["/as/api/v1/users"]["get"]["parameters"]}["perPage"]
    assert per_page["schema"]["anyOf"][0]["maximum"] == 7


def test_payabli_request_schemas(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["payabli"]
    create = request_schema(doc, "/api/User")
    assert prop(doc, create, "usrStatus")["enum"] == [0, 1, 85]
    assert prop(doc, create, "language")["enum"] == ["en", "es"]
    assert prop(doc, create, "timeZone") == {"type": "integer", "minimum": -12, "maximum": 12}
    assert prop(doc, create, "scope", "orgType")["enum"] == [0]  # "Currently, this must be 0" [PUB sdk-python 1.0.19]
    assert prop(doc, create, "email")["maxLength"] == 320
    # PUT binds the same UserData, its scope optional (a missing or null one keeps the stored scope)
    create, update = resolve(doc, create), resolve(doc, request_schema(doc, "/api/User/{userId}", "put"))
    assert create["required"] == ["scope"] and "required" not in update
    scope_create, scope_update = create["properties"]["scope"], update["properties"]["scope"]
    assert scope_create["type"] == "array" and scope_create["minItems"] == 1 and "default" not in scope_create
    assert scope_update["anyOf"] == [{"items": scope_create["items"], "type": "array"}, {"type": "null"}] and scope_update["minItems"] == 1
    assert {k: v for k, v in create["properties"].items() if k != "scope"} == {k: v for k, v in update["properties"].items() if k != "scope"}
    # scope items name an organization of the fixture, as the binder checks them (a paypoint scopes fixture users only)
    scope = resolve(doc, prop(doc, create, "scope"))
    assert "anyOf" not in scope and scope["properties"]["orgId"]["enum"] == [123, 236] and scope["required"] == ["orgId"]
    params = {p["name"]: p for p in doc["paths"]["/api/User/{userId}"]["put"]["parameters"]}
    assert params["userId"]["schema"]["format"] == "int64" and params["userId"]["schema"]["examples"] == [1000000]
    assert doc["paths"]["/api/Query/users/org/{orgId}"]["get"]["parameters"][0]["schema"]["enum"] == [123, 236]
    assert doc["paths"]["/api/Query/users/point/{entry}"]["get"]["parameters"][0]["schema"]["enum"] == ["demo-paypoint"]
    query = {p["name"] for p in doc["paths"]["/api/Query/users/org/{orgId}"]["get"]["parameters"] if p["in"] == "query"}
    assert {"fromRecord", "limitRecord", "sortBy", "status(in)", "createdDate(ge)", "email(ct)"} <= query


def test_sabi_request_schemas_come_from_the_class_validator_table(docs: dict[str, dict[str, Any]]) -> None:
    from mockserver.vendors.sabi.dto import CREATE_USER_DTO, GENDERS, INVITATIONS, ROLES

    doc = docs["sabi"]
    create = resolve(doc, request_schema(doc, "/api/v1/users/public"))
    assert list(create["properties"]) == [p.name for p in CREATE_USER_DTO]
    assert create["required"] == ["username", "password", "firstName", "lastName"]
    assert prop(doc, create, "role")["enum"] == list(ROLES)
    assert prop(doc, create, "gender")["enum"] == list(GENDERS) == ["MALE", "FEMALE"]
    assert prop(doc, create, "bvn") == {"type": "string", "pattern": "^[0-9]+$", "minLength": 11, "maxLength": 11}
    assert prop(doc, create, "country", "code") == {"type": "string", "minLength": 1}
    invite = {p["name"]: p for p in doc["paths"]["/api/v1/users/public/invite"]["post"]["parameters"]}
    assert all(p["in"] == "query" and p["required"] for p in invite.values())
    assert invite["invitation"]["schema"]["enum"] == list(INVITATIONS)
    assert invite["invitedByEmail"]["schema"]["format"] == "email"


def test_pulse_request_schemas_and_account_header(docs: dict[str, dict[str, Any]]) -> None:
    from mockserver.vendors.pulse.events import PULSE_EVENTS

    doc = docs["pulse"]
    create = request_schema(doc, "/users")
    assert resolve(doc, create)["required"] == ["email"]
    assert prop(doc, create, "email")["format"] == "email"
    preferences = resolve(doc, prop(doc, create, "notificationPreferences")["additionalProperties"])
    assert prop(doc, preferences, "event")["enum"] == list(PULSE_EVENTS)
    assert prop(doc, preferences, "deliveryPref")["enum"] == ["website", "weekly_email_digest", "monthly_email_digest", "email", "sms"]

    def header(path: str, method: str) -> dict[str, Any] | None:
        found = [p for p in doc["paths"][path][method].get("parameters", ()) if p["in"] == "header"]
        return found[0] if found else None

    for path, method in (("/users", "post"), ("/users", "get"), ("/users/{email}/impersonate", "post")):
        assert header(path, method)["name"] == "x-account-id" and header(path, method)["required"] is True
    assert header("/users/{email}", "delete")["required"] is False  # required: false [PUB]
    assert header("/auth/login", "post") is None and header("/auth/session", "get") is None


def test_etelecom_request_schemas_come_from_the_go_types(docs: dict[str, dict[str, Any]]) -> None:
    from mockserver.vendors.etelecom.models import CREATE_REQUIRED
    from mockserver.vendors.etelecom.rules import ASSIGNABLE_ROLES

    doc = docs["etelecom"]
    create = resolve(doc, request_schema(doc, "/v1/shop.Shop/CreateAccountUser"))
    assert create["required"] == list(CREATE_REQUIRED)
    roles = prop(doc, create, "roles")["enum"]
    assert set(roles) == ASSIGNABLE_ROLES and roles[0] == "owner"
    # Go decodes a null body as the zero struct: the body is the named object, or null.
    body = resolve(doc, request_schema(doc, "/v1/shop.Shop/GetAccountUsers"))
    assert body["anyOf"] == [{"$ref": "#/components/schemas/GetAccountUsersRequest"}, {"type": "null"}]
    listing = _non_null(doc, body)
    assert listing["type"] == "object" and listing["title"] == "GetAccountUsersRequest"
    assert set(prop(doc, listing, "filter", "roles")["enum"]) == ASSIGNABLE_ROLES
    assert prop(doc, listing, "paging", "limit")["type"] == "integer"
    assert resolve(doc, request_schema(doc, "/v1/shop.Shop/DeleteAccountUser"))["required"] == ["user_id"]


def test_etelecom_required_fields_are_the_ones_the_service_names() -> None:
    from mockserver.vendors.etelecom.models import CREATE_REQUIRED

    # Validate() names the first empty one of full_name, password, roles; NormalizePhone the phone [PUB].
    said = {"full_name": "Vui lòng điền họ tên", "password": "Vui lòng điền password", "roles": "Vui lòng chọn roles",
            "phone": "Số điện thoại không hợp lệ"}
    full = {"full_name": "A B", "password": "x", "phone": "0901234567", "roles": ["salesman"]}
    with TestClient(build_app(Config(vendors=("etelecom",)))) as client:
        headers = client.get("/__admin/vendors").json()["etelecom"]["headers"]
        for field in CREATE_REQUIRED:
            reply = client.post("/etelecom/v1/shop.Shop/CreateAccountUser", json={k: v for k, v in full.items() if k != field}, headers=headers)
            assert (reply.status_code, reply.json()) == (400, {"code": "invalid_argument", "msg": said[field]})
    assert sorted(CREATE_REQUIRED) == sorted(said)


# ----------------------------------------------------------------- errors and auth
@pytest.mark.parametrize("vendor", NAMES)
def test_every_catalog_status_is_documented(runtime: Runtime, docs: dict[str, dict[str, Any]], vendor: str) -> None:
    doc = docs[vendor]
    catalog = runtime.vendors[vendor].error_contract.catalog
    statuses = {int(status) for _, _, op in operations(doc) for status in op["responses"]}
    assert {spec.status for spec in catalog.values()} <= statuses
    create = runtime.vendors[vendor].create_user_route()
    documented = doc["paths"][create.path][create.method.lower()]["responses"]
    keys = {key for status, response in documented.items() for key in response.get("content", {}).get("application/json", {}).get("examples", {})}
    # create-user: every entry (the scenario library injects them there), except those another
    # operation alone answers (Vendor.error_operations: Payabli's token errors).
    elsewhere = runtime.vendors[vendor].error_operations
    assert keys == set(catalog) - set(elsewhere)
    for key, operation in elsewhere.items():
        route = next(r for r in runtime.vendors[vendor].routes() if r.operation == operation)
        answered = doc["paths"][route.path][route.method.lower()]["responses"][str(catalog[key].status)]
        assert key in answered["content"]["application/json"]["examples"], (key, operation)


@pytest.mark.parametrize("vendor", NAMES)
def test_error_examples_are_rendered_by_the_vendor_and_fit_the_envelope(runtime: Runtime, docs: dict[str, dict[str, Any]], vendor: str) -> None:
    from mockserver.core.errors import VendorError

    instance = runtime.vendors[vendor]
    doc = docs[vendor]
    for _, _, op in operations(doc):
        for status, response in op["responses"].items():
            if int(status) < 400:
                continue
            media = response["content"]["application/json"]
            check = validator(doc, media["schema"])
            for key, example in media["examples"].items():
                assert instance.error_contract.catalog[key].status == int(status)
                assert example["value"] == instance.render(VendorError(key)).body
                check.validate(example["value"])


@pytest.mark.parametrize("vendor", NAMES)
def test_every_route_documents_its_own_errors(runtime: Runtime, docs: dict[str, dict[str, Any]], vendor: str) -> None:
    from mockserver.core.errors import BodyTooLarge, InternalFault, problem_to_error

    doc = docs[vendor]
    instance = runtime.vendors[vendor]
    catalog = instance.error_contract.catalog
    # the core's own problems on any route, in the vendor's envelope
    core = [problem_to_error(problem, instance.error_contract.problems).name for problem in (BodyTooLarge("big"), InternalFault("bug"))]
    for route in instance.routes():
        responses = doc["paths"][route.path][route.method.lower()]["responses"]
        for key in [*(route.errors or catalog), *core]:
            assert str(catalog[key].status) in responses, (route.operation, key)
            assert key in responses[str(catalog[key].status)]["content"]["application/json"]["examples"]


EXPECTED_SCHEMES = {
    "vaultspay": {"bearerAuth": ("http", "bearer")},
    "payabli": {"requestToken": ("apiKey", "requestToken"), "bearerAuth": ("http", "bearer")},
    "sabi": {"ApiKey": ("apiKey", "ApiKey")},
    "pulse": {"bearerAuth": ("http", "bearer")},
    "etelecom": {"bearerAuth": ("http", "bearer")},
}


@pytest.mark.parametrize("vendor", NAMES)
def test_auth_schemes_are_declared_and_applied(runtime: Runtime, docs: dict[str, dict[str, Any]], vendor: str) -> None:
    doc = docs[vendor]
    schemes = doc["components"]["securitySchemes"]
    found = {name: (s["type"], s.get("scheme") or s.get("name")) for name, s in schemes.items()}
    assert found == EXPECTED_SCHEMES[vendor]
    assert all(s["in"] == "header" for s in schemes.values() if s["type"] == "apiKey")
    for route in runtime.vendors[vendor].routes():
        op = doc["paths"][route.path][route.method.lower()]
        if route.auth:
            assert op["security"] == [{name: []} for name in schemes]
            assert "401" in op["responses"]
        else:
            assert op["security"] == []


# ----------------------------------------------------------------- determinism and CLI
def test_documents_are_deterministic() -> None:
    first = {name: json.dumps(openapi_document(Runtime(Config()), name, ORIGIN)) for name in NAMES}
    again = Runtime(Config(seed=7))
    assert first == {name: json.dumps(openapi_document(again, name, ORIGIN)) for name in NAMES}


def test_cli_prints_and_writes_the_document(tmp_path: Any) -> None:
    runner = CliRunner()
    printed = runner.invoke(main, ["openapi", "pulse"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == openapi_document(Runtime(Config(vendors=("pulse",))), "pulse", ORIGIN)
    target = tmp_path / "vaultspay.json"
    written = runner.invoke(main, ["openapi", "vaultspay", "--output", str(target), "--port", "9999"])
    assert written.exit_code == 0
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["servers"][0]["url"] == "http://127.0.0.1:9999/vaultspay"
    root = json.loads(runner.invoke(main, ["openapi", "etelecom", "--root"]).output)
    assert root["servers"][0]["url"] == ORIGIN and root["x-mockserver"]["baseUrl"] == ORIGIN + "/v1/shop"
    assert runner.invoke(main, ["openapi", "nope"]).exit_code != 0


# ----------------------------------------------------------------- real success bodies
class Recorder:
    """Calls a vendor in-process and checks each answer against the vendor's document."""

    def __init__(self, client: TestClient, vendor: str, doc: dict[str, Any]) -> None:
        self.client = client
        self.vendor = vendor
        self.doc = doc
        self.mount = f"/{vendor}"
        self.headers = client.get("/__admin/vendors").json()[vendor]["headers"]
        self.seen: set[str] = set()

    def call(self, method: str, template: str, path: str | None = None, *, status: int, auth: bool = True, **kwargs: Any) -> Any:
        headers = {**(self.headers if auth else {}), **kwargs.pop("headers", {})}
        reply = self.client.request(method, self.mount + (path or template), headers=headers, **kwargs)
        assert reply.status_code == status, (method, path or template, reply.status_code, reply.text)
        op = self.doc["paths"][template][method.lower()]
        response = op["responses"].get(str(status))
        assert response is not None, f"{method} {template}: status {status} is not documented"
        media = reply.headers["content-type"].partition(";")[0]
        schema = response["content"][media]["schema"]
        errors = sorted(validator(self.doc, schema).iter_errors(reply.json()), key=str)
        assert not errors, f"{method} {template} {status}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
        self.seen.add(op["operationId"])
        return reply.json()


@pytest.fixture
def record(docs: dict[str, dict[str, Any]]) -> Iterator[Any]:
    clients: list[TestClient] = []

    def make(vendor: str) -> Recorder:
        client = TestClient(build_app(Config(vendors=(vendor,), clock="frozen:2026-01-01T00:00:00Z")))
        client.__enter__()
        clients.append(client)
        return Recorder(client, vendor, docs[vendor])

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_vaultspay_success_bodies_match_the_document(record: Any) -> None:
    vp = record("vaultspay")
    created = vp.call("POST", "/as/api/v1/users", status=200, json={
        "firstName": "khalid", "lastName": "raza", "email": "khalidraza@gmail.com", "countryCode": "92", "phone": "3329465636", "status": "ACTIVE"})
    vp.call("POST", "/as/api/v1/users", status=200, json={"firstName": "Only", "lastName": "Mail", "email": "only@mail.pk", "status": "BLOCK"})
    vp.call("POST", "/as/api/v1/users", status=200, json={"firstName": "Only", "lastName": "Phone", "countryCode": "92", "phone": "3001112223", "status": "PENDING"})
    user_id = created["data"]["id"]
    vp.call("GET", "/as/api/v1/users", status=200, params={"perPage": "2", "page": "2"})
    vp.call("GET", "/as/api/v1/users", status=200, params={"perPage": ""})  # blank = default
    vp.call("GET", "/as/api/v1/users/{id}", f"/as/api/v1/users/{user_id}", status=200)
    vp.call("GET", "/us/api/v1/kyc/{userId}", f"/us/api/v1/kyc/{user_id}", status=200)  # nothing submitted: personalInfo null
    vp.call("POST", "/us/api/v1/kyc/personal", status=200, json={
        "userId": user_id, "firstName": "Khalid", "lastName": "Raza", "dob": "1990-05-15", "gender": "MALE",
        "nationality": "PAK", "countryOfResidence": "ARE"})
    vp.call("PATCH", "/us/api/v1/kyc/personal", status=200, json={"userId": user_id, "nickName": "KR"})
    vp.call("GET", "/us/api/v1/kyc/{userId}", f"/us/api/v1/kyc/{user_id}", status=200)
    vp.call("GET", "/us/api/v1/kyc/{userId}", "/us/api/v1/kyc/590", status=200)  # a fixture user's decided KYC
    login = vp.call("POST", "/as/api/v1/saas-login", status=200, auth=False, json={"clientId": "vp-demo-app", "clientSecret": "vp-demo-secret"})
    vp.call("POST", "/as/api/v1/saas-refresh-token", status=200, auth=False, json={"refreshToken": login["refreshToken"]})
    vp.call("GET", "/as/api/v1/users", status=401, auth=False)
    assert vp.seen == {op["operationId"] for _, _, op in operations(vp.doc)}


def test_payabli_success_bodies_match_the_document(record: Any) -> None:
    pb = record("payabli")
    pb.call("POST", "/api/User", status=200, json={
        "email": "example@email.com", "phone": "5555555555", "name": "Sean Smith", "pwd": "s3cret!",
        "scope": [{"orgType": 0, "orgId": 123}], "access": [{"roleLabel": "customers", "roleValue": True}],
        "usrStatus": 1, "timeZone": -5, "language": "en", "mfaData": {"mfa": True, "mfaMode": 0}, "additionalData": {"key1": "value1"}})
    pb.call("POST", "/api/User", status=200, json={"scope": [{"orgId": 236}], "access": [{"roleLabel": None, "roleValue": None}]})
    listed = pb.call("GET", "/api/Query/users/org/{orgId}", "/api/Query/users/org/236", status=200)
    assert any(r["Email"] is None and r["Name"] is None for r in listed["Records"])
    pb.call("GET", "/api/Query/users/org/{orgId}", "/api/Query/users/org/123", status=200,
            params={"sortBy": "desc(createdDate)", "limitRecord": "0", "status(in)": "0|1|85"})
    pb.call("GET", "/api/Query/users/point/{entry}", "/api/Query/users/point/demo-paypoint", status=200)
    pb.call("GET", "/api/User/{userId}", "/api/User/1000000", status=200)
    pb.call("PUT", "/api/User/{userId}", "/api/User/1000000", status=200, json={"name": "Herman M."})
    pb.call("DELETE", "/api/User/{userId}", "/api/User/1000001", status=200)
    pb.call("POST", "/api/v2/Token/serverside", status=200, auth=False, json={"clientId": "pbx-demo-client", "clientSecret": "pbx-demo-client-secret-9d2e7b41"})
    pb.call("POST", "/api/v2/Token/serverside", status=200, auth=False,
            json={"clientId": "pbx-demo-client", "clientSecret": "pbx-demo-client-secret-9d2e7b41", "state": "xyz"})
    pb.call("POST", "/api/v2/Token/serverside", status=400, auth=False, json={"clientId": "nope", "clientSecret": "nope"})
    pb.call("GET", "/api/User/{userId}", "/api/User/1000001", status=400)
    # the user login family (issue 14): an application token logs Herman in, then his own token
    app = {"requestToken": "pbx-demo-token-app-5b1e8d0c93a7"}
    herman = {"email": "herman.martinez@example.com", "psw": "Herman-s3cret!"}
    token = pb.call("POST", "/api/User/auth/{provider}", "/api/User/auth/null", status=200, json=herman, headers=app)["responseData"]
    pb.call("POST", "/api/User/auth/{provider}", "/api/User/auth/null", status=401, json={**herman, "psw": "x"}, headers=app)
    token = pb.call("POST", "/api/User/authrefresh", status=200, headers={"requestToken": token})["responseData"]
    pb.call("PUT", "/api/User/authpsw", status=200, json={"psw": "N3w"}, headers={"requestToken": token})
    pb.call("GET", "/api/User/authlogout", status=200, headers={"requestToken": token})
    pb.call("GET", "/api/User/authlogout", status=401, headers={"requestToken": token})
    pb.call("POST", "/api/User/authreset", status=200, json={"email": herman["email"]})
    pb.call("PUT", "/api/User/mfa/{userId}", "/api/User/mfa/1000000", status=200, json={"mfa": True, "mfaMode": 1})
    challenge = pb.call("POST", "/api/User/auth/{provider}", "/api/User/auth/null", status=200, json={**herman, "psw": "N3w"}, headers=app)
    assert challenge["mfa"] is True
    resent = pb.call("POST", "/api/User/resendmfa/{usrname}/{entry}/{entryType}", f"/api/User/resendmfa/{herman['email']}/pilgrim-planner/0", status=200)
    pb.call("POST", "/api/User/mfa", status=200, json={"mfaCode": "123456", "mfaValidationCode": resent["mfaValidationCode"]})
    pb.call("POST", "/api/User/mfa", status=400, json={"mfaCode": "123456", "mfaValidationCode": resent["mfaValidationCode"]})
    assert pb.seen == {op["operationId"] for _, _, op in operations(pb.doc)}


def test_sabi_success_bodies_match_the_document(record: Any) -> None:
    sabi = record("sabi")
    sabi.call("POST", "/api/v1/users/public", status=201, json={
        "username": "ada.obi@example.ng", "password": "Secret123!", "firstName": "Ada", "lastName": "Obi",
        "role": "MERCHANT", "gender": "FEMALE", "phone": "08031234567"})
    full = sabi.call("POST", "/api/v1/users/public/", status=201, json={
        "username": "chike@example.ng", "password": "x", "firstName": "Chike", "lastName": "Eze", "middleName": "O",
        "tenantId": "655b1200a1b2c3d4e5f60718", "country": {"name": "Ghana", "code": "GH", "currency": "GHS"},
        "state": {"name": "Lagos", "code": "LA", "currency": 5}, "city": {"name": "Ikeja", "code": "IK"}, "address": "1 Road",
        "foreignerResidentialCountry": {"name": "UK", "code": "GB"}, "foreignerResidentialState": {"name": "L", "code": "L"},
        "foreignerResidentialCity": {"name": "C", "code": "C"}, "photo": "p", "identityType": "NIN", "identityDoc": "d",
        "actionBy": "me", "dob": "1990-01-01", "gender": "MALE", "bvn": "12345678901", "nin": "12345678901"})
    assert full["state"]["currency"] == 5
    query = {"invitedByName": "Ngozi", "invitedByEmail": "ngozi@example.ng", "platformLink": "https://x.example", "invitation": "SUPPLIER"}
    sabi.call("POST", "/api/v1/users/public/invite", status=201, params=query, json={"username": "i1@example.ng", "password": "p", "firstName": "I", "lastName": "One"})
    sabi.call("POST", "/api/v1/users/public/invite/", status=201, params=query, json={"username": "i2@example.ng", "password": "p", "firstName": "I", "lastName": "Two"})
    sabi.call("POST", "/api/v1/users/public", status=409, json={"username": "ADA.OBI@example.ng", "password": "p", "firstName": "A", "lastName": "O"})
    assert sabi.seen == {op["operationId"] for _, _, op in operations(sabi.doc)}


def test_pulse_success_bodies_match_the_document(record: Any) -> None:
    pulse = record("pulse")
    pulse.call("POST", "/users", status=201, json={"email": "newuser@test.com", "name": "John Doe", "roles": ["user", "agent"]})
    pulse.call("POST", "/users", status=201, json={
        "email": "prefs@test.com", "notificationPreferences": {"lead_created": {"event": "lead_created", "accountId": None, "deliveryPref": ["email"]}}})
    pulse.call("POST", "/users", status=201, json={"email": "priya.natarajan@harborpay.example"})  # a user of another account joins
    pulse.call("GET", "/users", status=200)
    pulse.call("DELETE", "/users/{email}", "/users/newuser@test.com", status=200)
    pulse.call("POST", "/users/{email}/impersonate", "/users/marcus.bell@summit-ms.example/impersonate", status=200)
    pulse.call("POST", "/auth/login", status=200, auth=False, json={"email": "dana.whitfield@summit-ms.example", "password": "pulse-demo-password"})
    pulse.call("GET", "/auth/session", status=200)
    pulse.call("GET", "/users", status=400, headers={"x-account-id": " "})
    assert pulse.seen == {op["operationId"] for _, _, op in operations(pulse.doc)}


def test_etelecom_success_bodies_match_the_document(record: Any) -> None:
    et = record("etelecom")
    user = et.call("POST", "/v1/shop.Shop/CreateAccountUser", status=200,
                   json={"full_name": "Nguyễn Thị Mai", "password": "MatKhau@2025", "phone": "+84 901 234 567", "roles": ["accountant"]})
    et.call("POST", "/v1/shop.Shop/CreateAccountUser", status=200, json={"full_name": "Lan", "password": "x", "phone": "0978123456", "roles": ["salesman"]})
    et.call("POST", "/v1/shop.Shop/GetAccountUsers", status=200, json={})
    et.call("POST", "/v1/shop.Shop/GetAccountUsers", status=200, json={"filter": {"roles": ["salesman"]}, "paging": {"limit": 1}})
    et.call("POST", "/v1/shop.Shop/UpdateAccountUser", status=200, json={"user_id": user["id"], "full_name": "Mai Nguyễn"})
    et.call("POST", "/v1/shop.Shop/DeleteAccountUser", status=200, json={"user_id": user["id"]})
    et.call("POST", "/v1/shop.Shop/DeleteAccountUser", status=404, json={"user_id": user["id"]})
    assert et.seen == {op["operationId"] for _, _, op in operations(et.doc)}


# ----------------------------------------------------------------- regressions: what schemathesis found
def test_documented_leniencies_match_what_the_server_accepts(record: Any) -> None:
    """schemathesis' negative_data_rejection caught the document refusing requests the
    emulator (deliberately) accepts; each is now both accepted and documented."""
    vp = record("vaultspay")
    # Spring's @RequestParam(defaultValue=...): a blank page size is the default.
    vp.call("GET", "/as/api/v1/users", status=200, params={"perPage": "", "page": " "})
    per_page = {p["name"]: p for p in vp.doc["paths"]["/as/api/v1/users"]["get"]["parameters"]}["perPage"]
    validator(vp.doc, per_page["schema"]).validate("")

    et = record("etelecom")
    listing = request_schema(et.doc, "/v1/shop.Shop/GetAccountUsers")
    # Go leaves a null slice element at the zero value and decodes a null body as the zero struct.
    for body in ({"filter": {"roles": [None], "user_ids": [None]}}, None):
        et.call("POST", "/v1/shop.Shop/GetAccountUsers", status=200, content=json.dumps(body), headers={"Content-Type": "application/json"})
        validator(et.doc, listing).validate(body)
    # CreateAccountUser's roles go through UserRole's UnmarshalJSON: a null one is the role "unknown"
    # (issue 14, the eTop source), taken from an owner's key, and documented so.
    create = request_schema(et.doc, "/v1/shop.Shop/CreateAccountUser")
    body = {"full_name": "A B", "password": "x", "phone": "0901234567", "roles": [None]}
    et.call("POST", "/v1/shop.Shop/CreateAccountUser", status=200, json=body)
    assert validator(et.doc, create).is_valid(body)


def test_admin_serves_each_vendors_document() -> None:
    from mockserver.core.openapi import openapi_document
    from tests.conftest import make_client

    with make_client("payabli", "pulse") as client:
        served = client.get("/__admin/openapi/payabli.json")
        assert served.status_code == 200
        assert served.json() == openapi_document(client.app.runtime, "payabli", "http://testserver")  # type: ignore[attr-defined]
        assert client.get("/__admin/openapi/sabi.json").status_code == 404  # not mounted here
