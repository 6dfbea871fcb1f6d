"""OpenAPI 3.1 documents generated from the code that serves each vendor.

Nothing here is written per vendor and nothing is described twice: every
operation comes from a ``Route`` of ``Vendor.routes()`` (the same list the
router dispatches on), its request and query schemas from the models (or the
validation tables) the handler validates with, its success schemas from the
response models next to the code that builds the bodies, its error responses
from the vendor's catalog rendered by the vendor's own ``render()``, and its
credentials from ``Vendor.security_schemes``.

Paths and servers: OpenAPI paths must start with "/", and a vendor's client
base URL may not end at a "/" boundary (an RPC-style ``.../v1/shop`` may be
followed by ``.Shop/CreateAccountUser``).  So the server URL is the origin plus the
vendor's *mount* (``/<name>``; nothing under ``--vendor``), and each path
is the route's template relative to that mount, exactly as the router matches
it (``/v1/shop.Shop/CreateAccountUser``).  The client base URL is given in
``x-mockserver.baseUrl``.

Error responses: one per HTTP status; when several catalog entries share a
status, the vendor's envelope schema covers them all and each entry is an
example rendered by the vendor itself.  A route answers the catalog keys its
``errors`` names (every key when ``None``) plus the transport problems the
core maps through the vendor's ``PROBLEMS`` table (body too large, internal
fault; malformed or non-object body when the route reads one; unknown route
or method when a path parameter holding "/" lands elsewhere).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from http import HTTPStatus
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeGuard

from pydantic import BaseModel, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaMode, WithJsonSchema, models_json_schema
from pydantic_core import CoreSchema

from .errors import (
    BodyTooLarge,
    InternalFault,
    MalformedBody,
    MethodNotAllowed,
    NotAnObject,
    Problem,
    RouteNotFound,
    VendorError,
    problem_to_error,
)
from .validation import EMAIL_PATTERN
from .vendor import Route, Vendor

if TYPE_CHECKING:
    from ..app import Runtime

OPENAPI_VERSION = "3.1.0"
REF_TEMPLATE = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"\{(\w+)\}")
# The documented vendor's Vendor.schema_context() while its document is built.
_CONTEXT: ContextVar[Mapping[str, Any]] = ContextVar("openapi_schema_context", default=MappingProxyType({}))


def schema_context() -> Mapping[str, Any]:
    """What the vendor being documented says about its running configuration
    (``Vendor.schema_context``); empty outside ``build_document``.  A model's
    ``json_schema_extra`` reads it to state a rule that depends on the fixture
    (an enum of the organizations that exist), exactly as its validator reads
    the validation context."""
    return _CONTEXT.get()


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def absent(description: str | None = None) -> Any:
    """A response-model field that is *left out* when it has no value (never null).

    The field is not required in the generated schema and does not allow null.
    Response models only document bodies built elsewhere: nothing validates with them.
    """
    return Field(default=None, description=description, json_schema_extra=_no_default)


def requires(*names: str) -> Any:
    """A model's ``json_schema_extra`` listing fields the handler requires, not null,
    although the model gives them a default and lets null through (e.g. so a null
    can be answered in the vendor's words)."""

    def extra(schema: dict[str, Any]) -> None:
        schema["required"] = _unique([*schema.get("required", ()), *names])
        properties = schema.get("properties", {})
        for name in names:
            if name in properties:
                properties[name] = _without_null(properties[name])

    return extra


def given(*names: str) -> dict[str, Any]:
    """JSON Schema: the string properties ``names`` are present and not null (for
    rules across fields, e.g. ``{"anyOf": [given("email"), given("phone")]}``)."""
    return {"required": list(names), "properties": {name: {"type": "string"} for name in names}}


class FromContext:
    """Like pydantic's ``WithJsonSchema``, but computed while a document is built:
    ``build(schema_context(), schema)`` gets the type's own JSON Schema and returns
    the documented one (e.g. plus an enum of what the fixture defines).
    Documentation only: validation is unchanged."""

    def __init__(self, build: Callable[[Mapping[str, Any], dict[str, Any]], dict[str, Any]]) -> None:
        self.build = build

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        return self.build(schema_context(), handler(core_schema))


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A property's schema minus its default and the null branch of its anyOf."""
    schema = {k: v for k, v in schema.items() if k != "default"}
    options = schema.get("anyOf")
    if options is not None:
        kept = [option for option in options if option != {"type": "null"}]
        if len(kept) == 1:
            del schema["anyOf"]
            return {**kept[0], **schema}
        schema["anyOf"] = kept
    return schema


# The str.isspace() characters (what str.strip() removes) as the body of a regex
# class that Python's re and ECMA-262 read alike (their \\s differ: \\x1c-\\x1f, \\x85, \\ufeff).
WHITESPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NOT_BLANK_PATTERN = f"[^{WHITESPACE}]"  # some character that str.strip() keeps

# Documentation-only schemas for the core's annotated strings (validation is unchanged):
# is_email is the address pattern and a length cap; NotBlank is "strip() leaves something".
EMAIL_SCHEMA = WithJsonSchema({"type": "string", "format": "email", "maxLength": 320, "pattern": EMAIL_PATTERN.pattern})
NOT_BLANK_SCHEMA = WithJsonSchema({"type": "string", "pattern": NOT_BLANK_PATTERN})


def openapi_document(runtime: Runtime, vendor: str, origin: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of one mounted vendor, for a server reached at ``origin``."""
    return build_document(runtime.vendors[vendor], origin + runtime.mounts[vendor], runtime.base_url(origin, vendor))


def build_document(vendor: Vendor, server_url: str, base_url: str | None = None) -> dict[str, Any]:
    """The document of ``vendor`` served at ``server_url`` (origin + mount)."""
    token = _CONTEXT.set(vendor.schema_context())
    try:
        return _Builder(vendor, server_url, base_url or server_url + vendor.base_path).build()
    finally:
        _CONTEXT.reset(token)


# --------------------------------------------------------------------- helpers
def _is_model(value: object) -> TypeGuard[type[BaseModel]]:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _strip_titles(schema: Any) -> Any:
    """Drop pydantic's auto-generated ``title`` annotations (noise in parameters);
    a property that is itself called "title" (a dict) stays."""
    if isinstance(schema, dict):
        return {k: _strip_titles(v) for k, v in schema.items() if not (k == "title" and isinstance(v, str))}
    if isinstance(schema, list):
        return [_strip_titles(v) for v in schema]
    return schema


def _problems(route: Route) -> list[Problem]:
    """The core's own failures this route can meet, as the core raises them."""
    where = f"{route.method} {route.path}"
    found: list[Problem] = [BodyTooLarge("more than the body limit"), InternalFault("internal error")]
    if route.request is not None:
        found += [MalformedBody("Unexpected character"), NotAnObject("list")]
    if "{" in route.path:
        # A path parameter holding "/" (or "%2F", decoded by the server) routes elsewhere.
        found += [RouteNotFound(where), MethodNotAllowed(where, (route.method,))]
    return found


def _local_refs(schema: Any) -> Any:
    """A copy of ``schema`` whose ``#/$defs/X`` references point at ``#/components/schemas/X``."""
    if isinstance(schema, Mapping):
        out = {key: _local_refs(value) for key, value in schema.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            out["$ref"] = REF_TEMPLATE.format(model=ref.removeprefix("#/$defs/"))
        return out
    if isinstance(schema, list):
        return [_local_refs(value) for value in schema]
    return schema


# Keys whose values are instances, not schemas (never rewritten).
_VALUE_KEYS = frozenset({"example", "examples", "default", "const", "enum"})


def _for_generators(schema: Any) -> Any:
    """``schema`` said the way client generators read it, and exactly as strict.

    - A rule across fields: a model states it ("email, or countryCode with phone") as
      an ``anyOf`` of branches that only constrain (no ``type``) beside its
      ``properties``.  openapi-generator reads such an object as a composed model of
      those branches and drops its properties (its client then sends ``{}``), and
      openapi-python-client makes it a union of partial models.  ``anyOf: [A, B, ...]``
      is the same rule as ``if: {not: A}, then: (B or ...)``, which validators apply
      and both generators leave out of the model.
    - A boolean constant (``const: true``, ``enum: [true]``): openapi-generator's
      python client compares it to the string "true" and refuses every answer;
      ``type: boolean, not: {const: false}`` is the same constraint."""
    if isinstance(schema, list):
        return [_for_generators(value) for value in schema]
    if not isinstance(schema, Mapping):
        return schema
    out = {key: value if key in _VALUE_KEYS else _for_generators(value) for key, value in schema.items()}
    options = out.get("anyOf")
    constraints_only = isinstance(options, list) and len(options) > 1 and all(
        isinstance(option, Mapping) and "type" not in option and "$ref" not in option for option in options
    )
    if isinstance(options, list) and constraints_only and "properties" in out and "if" not in out:
        del out["anyOf"]
        out.update(_either(options))
    allowed = [out["const"]] if "const" in out else out.get("enum")
    boolean = out.get("type", "boolean") == "boolean" and "not" not in out
    if boolean and isinstance(allowed, list) and allowed and all(isinstance(value, bool) for value in allowed):
        out.pop("const", None)
        out.pop("enum", None)
        out["type"] = "boolean"
        if len(set(allowed)) == 1:
            out["not"] = {"const": not allowed[0]}
    return out


def _either(options: list[Any]) -> dict[str, Any]:
    """``anyOf: options`` (two or more) as nested ``if``/``then``: the first, or else the rest."""
    rest = options[1] if len(options) == 2 else _either(options[1:])
    return {"if": {"not": options[0]}, "then": rest}


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


class _Builder:
    def __init__(self, vendor: Vendor, server_url: str, base_url: str) -> None:
        self.vendor = vendor
        self.server_url = server_url
        self.base_url = base_url
        self.routes = vendor.routes()
        self.components: dict[str, Any] = {}
        self.refs: dict[tuple[type[Any], JsonSchemaMode], dict[str, Any]] = {}  # pydantic keys models and dataclasses
        media = vendor.content_type.decode("latin-1").partition(";")[0].strip()
        self.media = media or "application/json"

    # ---------------------------------------------------------------- schemas
    def _collect_models(self) -> None:
        """One pydantic pass over every model of every route: shared nested models get one component."""
        wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = []
        for route in self.routes:
            if _is_model(route.request):
                wanted.append((route.request, "validation"))
            for model in route.responses.values():
                if _is_model(model):
                    wanted.append((model, "serialization"))
        wanted = list(dict.fromkeys(wanted))
        if not wanted:
            return
        refs, definitions = models_json_schema(wanted, ref_template=REF_TEMPLATE)
        self.refs = dict(refs)
        self.components.update(definitions.get("$defs", {}))

    def _named(self, schema: Mapping[str, Any], fallback: str) -> dict[str, Any]:
        """A JSON Schema dict as a component (by its title) and a $ref to it.

        Its ``$defs`` become components of their own (``#/$defs/X`` refs point
        there): a vendor names the parts of a schema it writes by hand, e.g. each
        branch of an ``anyOf``, so that each is one model of a generated client
        (openapi-python-client names unnamed branches after their parent and
        generates one twice when the parent is used by several responses)."""
        own: dict[str, Any] = _local_refs(schema)
        for name, definition in own.pop("$defs", {}).items():
            self._component(str(name), definition)
        name = str(own.get("title") or fallback)
        self._component(name, own)
        return {"$ref": REF_TEMPLATE.format(model=name)}

    def _component(self, name: str, schema: dict[str, Any]) -> None:
        existing = self.components.get(name)
        if existing is not None and existing != schema:
            raise ValueError(f"{self.vendor.name}: two different schemas are both named {name!r}")
        self.components[name] = schema

    def _schema(self, value: object, mode: JsonSchemaMode, fallback: str) -> dict[str, Any]:
        if _is_model(value):
            return self.refs[(value, mode)]
        if isinstance(value, Mapping):
            return self._named(value, fallback)
        raise TypeError(f"{self.vendor.name}: {fallback}: expected a pydantic model or a JSON Schema dict, got {value!r}")

    def _object_schema(self, value: object) -> Mapping[str, Any]:
        """Properties/required of a query or header model (inline, its $defs as components)."""
        if _is_model(value):
            schema = value.model_json_schema(ref_template=REF_TEMPLATE, mode="validation")
            self.components.update(schema.pop("$defs", {}))
            return schema
        if isinstance(value, Mapping):
            return value
        raise TypeError(f"{self.vendor.name}: expected a pydantic model or a JSON Schema dict, got {value!r}")

    def _parameters(self, value: object, where: str) -> list[dict[str, Any]]:
        if value is None:
            return []
        schema = self._object_schema(value)
        required = set(schema.get("required", ()))
        out = []
        for name, prop in schema.get("properties", {}).items():
            prop = dict(prop)
            description = prop.pop("description", None)
            parameter: dict[str, Any] = {"name": name, "in": where, "required": name in required, "schema": _strip_titles(prop)}
            if description:
                parameter["description"] = description
            out.append(parameter)
        return out

    def _path_parameters(self, route: Route) -> list[dict[str, Any]]:
        """One parameter per template name, in template order: its schema from
        ``route.params`` (what the handler accepts), else any string."""
        names = _PATH_PARAM.findall(route.path)
        declared = {p["name"]: p for p in self._parameters(route.params, "path")}
        unknown = sorted(set(declared) - set(names))
        if unknown:
            raise ValueError(f"{self.vendor.name} {route.operation}: params names {unknown}, not in {route.path}")
        out = []
        for name in names:
            parameter = declared.get(name) or {"name": name, "in": "path", "schema": {"type": "string"}}
            out.append({**parameter, "required": True})
        return out

    # ---------------------------------------------------------------- errors
    def _error_keys(self, route: Route) -> list[str]:
        catalog = self.vendor.error_contract.catalog
        keys = list(catalog) if route.errors is None else list(route.errors)
        for problem in _problems(route):
            try:
                keys.append(problem_to_error(problem, self.vendor.error_contract.problems).name)
            except Exception:  # a mapping that needs more context than a probe has: the route lists it
                continue
        unknown = [key for key in keys if key not in catalog]
        if unknown:
            raise ValueError(f"{self.vendor.name} {route.operation}: errors name unknown catalog keys {unknown}")
        return _unique(keys)

    def _envelope_ref(self) -> dict[str, Any] | None:
        schema = self.vendor.error_contract.schema
        if not schema:
            return None
        return self._named(schema, f"{self.vendor.title.replace(' ', '')}Error")

    def _error_responses(self, route: Route, envelope: dict[str, Any] | None) -> dict[int, dict[str, Any]]:
        by_status: dict[int, list[str]] = {}
        for key in self._error_keys(route):
            by_status.setdefault(self.vendor.error_contract.catalog[key].status, []).append(key)
        out: dict[int, dict[str, Any]] = {}
        for status in sorted(by_status):
            keys = by_status[status]
            examples = {}
            for key in keys:
                reply = self.vendor.render(VendorError(key))
                examples[key] = {"summary": self.vendor.error_contract.catalog[key].message, "value": reply.body}
            content: dict[str, Any] = {"examples": examples}
            schema = self.vendor.error_schema_of(keys)  # the envelope these keys use (the vendor's one, usually)
            if envelope is not None and schema:
                ref = envelope if schema is self.vendor.error_contract.schema else self._named(schema, f"{route.operation}_{status}")
                content = {"schema": ref, **content}
            out[status] = {
                "description": f"{_phrase(status)}: {', '.join(keys)}",
                "content": {self.media: content},
            }
        return out

    # ---------------------------------------------------------------- operations
    def _operation(self, route: Route, operation_id: str, envelope: dict[str, Any] | None) -> dict[str, Any]:
        op: dict[str, Any] = {"operationId": operation_id, "summary": route.summary or route.operation.replace("_", " ")}
        if operation_id != route.operation:
            op["description"] = f"The same operation as `{route.operation}`, at an alias path the vendor also accepts."
        op["x-mockserver-operation"] = route.operation
        parameters = self._path_parameters(route)
        parameters += self._parameters(route.query, "query")
        parameters += self._parameters(route.headers, "header")
        if parameters:
            op["parameters"] = parameters
        if route.request is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": self._schema(route.request, "validation", f"{route.operation}_request")}},
            }
        responses: dict[str, Any] = {}
        for status, model in sorted(route.responses.items()):
            response: dict[str, Any] = {"description": _phrase(status)}
            if model is not None:
                response["content"] = {self.media: {"schema": self._schema(model, "serialization", f"{route.operation}_{status}")}}
            responses[str(status)] = response
        for status, response in self._error_responses(route, envelope).items():
            if str(status) in responses:
                raise ValueError(f"{self.vendor.name} {route.operation}: status {status} is both a success and an error")
            responses[str(status)] = response
        op["responses"] = responses
        if self.vendor.security_schemes:
            op["security"] = [{name: []} for name in self.vendor.security_schemes] if route.auth else []
        return op

    def build(self) -> dict[str, Any]:
        vendor = self.vendor
        self._collect_models()
        envelope = self._envelope_ref()
        paths: dict[str, dict[str, Any]] = {}
        seen: dict[str, int] = {}
        for route in self.routes:
            count = seen[route.operation] = seen.get(route.operation, 0) + 1
            operation_id = route.operation if count == 1 else f"{route.operation}_{count}"
            method = route.method.lower()
            item = paths.setdefault(route.path, {})
            if method in item:
                raise ValueError(f"{vendor.name}: {route.method} {route.path} is routed twice")
            item[method] = self._operation(route, operation_id, envelope)
        components: dict[str, Any] = {"schemas": _for_generators(dict(sorted(self.components.items())))}
        if vendor.security_schemes:
            components["securitySchemes"] = {name: dict(scheme) for name, scheme in vendor.security_schemes.items()}
        from .. import __version__

        return {
            "openapi": OPENAPI_VERSION,
            "info": {
                "title": f"{vendor.title} (mockserver emulation)",
                "version": __version__,
                "description": (
                    f"The {vendor.title} API as mockserver emulates it, generated from the emulator's own routes, "
                    "validation models, response models and error catalog. "
                    f"The server URL is the origin plus the vendor's mount; paths are relative to it. "
                    f"Clients use the base URL {self.base_url} (x-mockserver.baseUrl). "
                    "Error statuses are those each route answers; a mockserver scenario (x-mock-error header, "
                    "/__admin/scenarios) can make a route answer any catalog entry, and create-user documents "
                    "every one because the shipped scenario library injects them there."
                ),
            },
            "servers": [{"url": self.server_url, "description": f"mockserver serving {vendor.title}"}],
            "paths": paths,
            "components": components,
            "x-mockserver": {"vendor": vendor.name, "baseUrl": self.base_url, "basePath": vendor.base_path},
        }
