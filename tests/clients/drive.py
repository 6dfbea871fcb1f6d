"""Drive one generated client through a vendor's documented flow (run in a fresh subprocess).

    <client-tools python> drive.py PLAN.json

Runs on the client-tools environment's Python (tests/clients/setup_clients.py), never
on the project's: it imports the generated package, nothing of mockserver.  The plan
(written by test_generated.py) names the generator, the package, the served OpenAPI
document, the server, the vendor's credentials and the steps: each example of
``Vendor.examples`` with the status the golden snapshots record for it, then one
create-user call per catalog entry forced with ``X-Mock-Error``.

Each step goes through the client as a user would write it: the request body built
by the client's own model (``Model.from_dict``), credentials given to the client's
auth (openapi-generator's ``Configuration``; openapi-python-client's
``AuthenticatedClient`` for a Bearer token, its ``headers`` for an API-key header),
declared header, path and query parameters as the operation's keyword arguments;
the answer parsed by the client into its typed model (success) or typed error
model (openapi-generator: ``ApiException.data``).  Nothing is patched.  Placeholders
(``{auth}``, ``{login:k}``, ``{ref:step.a.0}``) are resolved as
``mockserver/snapshots.py`` documents them, from the raw JSON answers.

Prints one JSON object: ``{"import_seconds", "steps": [...]}``, each step with
its operation, status, the expected one and ``problems`` (empty when the step is
as documented), and for a parsed body the string leaves of its ``to_dict()``.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
import pkgutil
import re
import sys
import time
import traceback
import typing
from typing import Any

PLACEHOLDER = re.compile(r"\{(auth(?::[^{}]+)?|login:[^{}]+|ref:[^{}]+)\}")
SESSION_HEADER = "X-Mock-Session"
ERROR_HEADER = "X-Mock-Error"
# Where each generator's client reads an answer: an exception from inside one is a parse failure.
PARSING = {"_parse_response", "_build_response", "response_deserialize", "deserialize"}
# Where each sends a request (httpx's and urllib3's own): a failure there is no refusal of the client's.
SENDING = {"send", "urlopen", "request_encode_body", "handle_request"}


def norm(name: str) -> str:
    """A name as either generator spells its Python identifier, reduced to compare:
    ``email(eq)`` / ``email_eq``, ``x-account-id`` / ``x_account_id``, ``userId`` / ``user_id``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


# ---------------------------------------------------------------- placeholders
class Values:
    def __init__(self, credentials: dict[str, Any]) -> None:
        self.headers = {k.lower(): v for k, v in credentials.get("headers", {}).items()}
        self.login = credentials.get("login") or {}
        self.responses: dict[str, Any] = {}

    def value(self, token: str, header: str | None) -> Any:
        kind, _, rest = token.partition(":")
        if kind == "auth":
            return self.headers[(rest or header or "").lower()]
        if kind == "login":
            return self.login[rest]
        name, _, dotted = rest.partition(".")
        value = self.responses[name]
        for part in dotted.split(".") if dotted else ():
            value = value[int(part)] if isinstance(value, list) else value[part]
        return value

    def resolve(self, value: Any, header: str | None = None) -> Any:
        if isinstance(value, str):
            whole = PLACEHOLDER.fullmatch(value)
            if whole:
                return self.value(whole.group(1), header)
            return PLACEHOLDER.sub(lambda m: str(self.value(m.group(1), header)), value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value


# ---------------------------------------------------------------- the document
class Operation:
    def __init__(self, path: str, method: str, op: dict[str, Any], doc: dict[str, Any]) -> None:
        self.path, self.method, self.op = path, method, op
        self.id: str = op["operationId"]
        self.name: str = op.get("x-mockserver-operation", self.id)
        self.params = {(p["in"], p["name"].lower() if p["in"] == "header" else p["name"]): p for p in op.get("parameters", [])}
        self.security = [name for requirement in op.get("security", []) for name in requirement]
        self.schemes = doc.get("components", {}).get("securitySchemes", {})
        self.has_body = "requestBody" in op
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
        self.regex = re.compile(f"^{pattern}$")

    def content(self, status: int) -> bool:
        response = self.op["responses"].get(str(status), {})
        return bool(response.get("content"))


def find_operation(operations: list[Operation], method: str, path: str) -> tuple[Operation, dict[str, str]]:
    literal = [o for o in operations if o.method == method and o.path == path]
    if literal:
        return literal[0], {}
    for operation in operations:
        if operation.method == method:
            found = operation.regex.match(path)
            if found:
                return operation, found.groupdict()
    raise LookupError(f"no documented operation for {method.upper()} {path}")


def coerce(schema: dict[str, Any], text: str) -> Any:
    """A path/query/header value as the parameter's schema types it (the client's argument type)."""
    kinds = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
    if "integer" in kinds and re.fullmatch(r"-?\d+", text):
        return int(text)
    if "boolean" in kinds and text in ("true", "false"):
        return text == "true"
    return text


# ---------------------------------------------------------------- typed values
def models_of(package: str, value: Any) -> bool:
    """Whether ``value`` is an instance of one of the package's generated models (or a list of them)."""
    if isinstance(value, list):
        return all(models_of(package, v) for v in value)
    module = type(value).__module__
    return module.startswith(f"{package}.models")


def to_plain(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def body_model(function: Any, name: str, body: Any) -> Any:
    """``body`` as the model its parameter is annotated with: of a union, the first member
    that takes it whole (what a caller picks: the model its data is)."""
    if body is None:
        return None
    hint = typing.get_type_hints(function).get(name)
    candidates = [c for c in typing.get_args(hint) or (hint,) if hasattr(c, "from_dict")]
    if not candidates:
        raise TypeError(f"{function.__qualname__}: the body parameter {name!r} is not a model ({hint!r})")
    first_error: Exception | None = None
    for candidate in candidates:
        try:
            model = candidate.from_dict(body)
        except Exception as exc:
            first_error = first_error or exc
            continue
        if len(candidates) == 1 or to_plain(model) == body:
            return model
    if first_error is not None:
        raise first_error
    return candidates[0].from_dict(body)


# ---------------------------------------------------------------- one generator each
class Caller:
    """What a step needs from one generator's client: build the call, send it, read the answer."""

    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.package = plan["package"]
        self.server = plan["server"]
        self.session = plan["session"]

    def split_headers(self, operation: Operation, headers: dict[str, str]) -> tuple[dict[str, Any], dict[str, str], list[str]]:
        """(declared header parameters, credentials by scheme, problems)."""
        params: dict[str, Any] = {}
        credentials: dict[str, str] = {}
        problems = []
        for name, value in headers.items():
            lower = name.lower()
            if lower == "content-type":
                continue  # the client sets it
            if ("header", lower) in operation.params:
                params[operation.params["header", lower]["name"]] = value
                continue
            scheme = self.scheme_for(operation, lower, value)
            if scheme is None:
                problems.append(f"header {name} is neither a parameter nor a credential of {operation.id}")
            else:
                credentials[scheme] = value
        return params, credentials, problems

    @staticmethod
    def scheme_for(operation: Operation, header: str, value: str) -> str | None:
        for name, scheme in operation.schemes.items():
            if scheme.get("type") == "apiKey" and scheme.get("in") == "header" and scheme["name"].lower() == header:
                return name
            if scheme.get("type") == "http" and scheme.get("scheme") == "bearer" and header == "authorization" and value.startswith("Bearer "):
                return name
        return None

    def call(self, operation: Operation, args: dict[str, Any], body: Any, credentials: dict[str, str], extra: dict[str, str]) -> dict[str, Any]:
        raise NotImplementedError


class OpenapiPythonClient(Caller):
    def __init__(self, plan: dict[str, Any]) -> None:
        super().__init__(plan)
        root = importlib.import_module(self.package)
        self.client_module = importlib.import_module(f"{self.package}.client")
        self.functions: dict[str, Any] = {}
        api = importlib.import_module(f"{self.package}.api")
        for group in pkgutil.iter_modules(api.__path__):
            tag = importlib.import_module(f"{self.package}.api.{group.name}")
            for module in pkgutil.iter_modules(tag.__path__):
                self.functions[norm(module.name)] = importlib.import_module(f"{tag.__name__}.{module.name}")
        self.root = root

    def call(self, operation: Operation, args: dict[str, Any], body: Any, credentials: dict[str, str], extra: dict[str, str]) -> dict[str, Any]:
        module = self.functions[norm(operation.id)]
        function = module.sync_detailed
        headers = {SESSION_HEADER: self.session, **extra}
        token = None
        for scheme, value in credentials.items():
            definition = operation.schemes[scheme]
            if definition["type"] == "http":
                token = value.removeprefix("Bearer ")
            else:
                headers[definition["name"]] = value
        if token is not None:
            client = self.client_module.AuthenticatedClient(base_url=self.server, token=token, headers=headers)
        else:
            client = self.client_module.Client(base_url=self.server, headers=headers)
        kwargs = _match(function, args)
        if operation.has_body:
            kwargs["body"] = body_model(function, "body", body)
        response = function(client=client, **kwargs)
        return {"status": int(response.status_code), "raw": response.content, "parsed": response.parsed}


class OpenapiGenerator(Caller):
    def __init__(self, plan: dict[str, Any]) -> None:
        super().__init__(plan)
        self.root = importlib.import_module(self.package)
        self.exceptions = importlib.import_module(f"{self.package}.exceptions")
        apis = [getattr(self.root, name) for name in dir(self.root) if name.endswith("Api") and inspect.isclass(getattr(self.root, name))]
        self.apis = apis

    def method(self, api: Any, operation: Operation) -> Any:
        wanted = norm(operation.id) + "withhttpinfo"
        for name in dir(api):
            if norm(name) == wanted:
                return getattr(api, name)
        raise LookupError(f"no method for {operation.id} in {type(api).__name__}")

    def call(self, operation: Operation, args: dict[str, Any], body: Any, credentials: dict[str, str], extra: dict[str, str]) -> dict[str, Any]:
        configuration = self.root.Configuration(host=self.server)
        for scheme, value in credentials.items():
            definition = operation.schemes[scheme]
            if definition["type"] == "http":
                configuration.access_token = value.removeprefix("Bearer ")
            else:
                configuration.api_key[scheme] = value
        api_client = self.root.ApiClient(configuration, header_name=SESSION_HEADER, header_value=self.session)
        method = None
        for api_class in self.apis:
            try:
                method = self.method(api_class(api_client), operation)
                break
            except LookupError:
                continue
        if method is None:
            raise LookupError(f"no API method for {operation.id}")
        kwargs = _match(method, args)
        if operation.has_body:
            name = _body_parameter(method, kwargs)
            kwargs[name] = body_model(method, name, body)
        if extra:
            kwargs["_headers"] = extra
        try:
            response = method(**kwargs)
        except self.exceptions.ApiException as exc:
            return {"status": exc.status, "raw": exc.body, "parsed": exc.data, "error_class": type(exc).__name__}
        return {"status": int(response.status_code), "raw": response.raw_data, "parsed": response.data}


def _match(function: Any, args: dict[str, Any]) -> dict[str, Any]:
    """The documented parameters' values under the function's own argument names, an enum
    parameter's value as the client's enum member (what a caller passes)."""
    names = {norm(name): name for name in inspect.signature(function).parameters}
    hints = typing.get_type_hints(function)
    out = {}
    for name, value in args.items():
        if norm(name) not in names:
            raise LookupError(f"{function.__qualname__} has no argument for the parameter {name!r}")
        argument = names[norm(name)]
        for candidate in typing.get_args(hints.get(argument)) or (hints.get(argument),):
            if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
                value = candidate(value)
                break
        out[argument] = value
    return out


def _body_parameter(method: Any, taken: dict[str, Any]) -> str:
    for name in inspect.signature(method).parameters:
        if name != "self" and not name.startswith("_") and name not in taken:
            return name
    raise LookupError(f"{method.__qualname__}: no body parameter")


GENERATORS = {"openapi-python-client": OpenapiPythonClient, "openapi-generator": OpenapiGenerator}


# ---------------------------------------------------------------- the run
def run_step(caller: Caller, operations: list[Operation], values: Values, step: dict[str, Any]) -> dict[str, Any]:
    path = str(values.resolve(step["path"]))
    query = {k: str(values.resolve(v)) for k, v in step.get("query", {}).items()}
    headers = {k: str(values.resolve(v, header=k)) for k, v in step.get("headers", {}).items()}
    body = values.resolve(step.get("body"))
    expected = step["expected"]
    out: dict[str, Any] = {"name": step["name"], "expected": expected, "problems": []}
    problems: list[str] = out["problems"]
    operation, path_args = find_operation(operations, step["method"].lower(), path)
    out["operation"] = operation.name
    args: dict[str, Any] = {}
    for name, text in path_args.items():
        args[name] = coerce(operation.params["path", name]["schema"], text)
    for name, text in query.items():
        if ("query", name) not in operation.params:
            problems.append(f"query parameter {name} is not documented for {operation.id}")
            continue
        args[name] = coerce(operation.params["query", name]["schema"], text)
    header_args, credentials, header_problems = caller.split_headers(operation, headers)
    problems += header_problems
    args.update(header_args)
    extra = {ERROR_HEADER: step["error"]} if step.get("error") else {}
    try:
        answer = caller.call(operation, args, body, credentials, extra)
    except Exception as exc:  # the client refused to build the request, or failed on the answer
        frames = {frame.name for frame in traceback.extract_tb(exc.__traceback__)}
        if frames & PARSING:
            where = "the answer did not parse"
        elif frames & SENDING:
            where = "failed"
        else:
            where = "refused by the client"  # its own model or argument checks, before sending
        out["status"] = None
        text = " ".join(str(exc).split())[:600]
        out["outcome"] = f"{where}: {type(exc).__name__}: {text}"
        if expected < 400 or where != "refused by the client":
            problems.append(out["outcome"])
        return out
    out["status"] = answer["status"]
    raw = answer["raw"]
    try:
        values.responses[step["name"]] = json.loads(raw) if raw else None
    except ValueError:
        values.responses[step["name"]] = None
    if answer["status"] != expected:
        problems.append(f"status {answer['status']}, the snapshot says {expected}: {raw[:300]!r}")
    parsed = answer["parsed"]
    if operation.content(answer["status"]):
        if parsed is None or not models_of(caller.package, parsed):
            problems.append(f"status {answer['status']} not parsed into a generated model (got {type(parsed).__name__}): {raw[:300]!r}")
        else:
            out["model"] = type(parsed[0] if isinstance(parsed, list) and parsed else parsed).__name__
            out["strings"] = sorted(set(strings(to_plain(parsed))))
    if "error_class" in answer:
        out["error_class"] = answer["error_class"]
    out["outcome"] = "typed" if not problems else "problem"
    return out


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as handle:
        plan = json.load(handle)
    sys.path.insert(0, plan["package_dir"])
    started = time.perf_counter()
    caller = GENERATORS[plan["generator"]](plan)
    import_seconds = time.perf_counter() - started
    with open(plan["document"], encoding="utf-8") as handle:
        doc = json.load(handle)
    operations = [Operation(path, method, op, doc) for path, item in doc["paths"].items() for method, op in item.items()]
    values = Values(plan["credentials"])
    results = []
    for step in plan["steps"]:
        try:
            results.append(run_step(caller, operations, values, step))
        except Exception as exc:  # a plan the document cannot express: reported, and the run goes on
            results.append({"name": step["name"], "problems": [f"{type(exc).__name__}: {exc}"], "outcome": "problem"})
    print(json.dumps({"import_seconds": round(import_seconds, 3), "steps": results}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
