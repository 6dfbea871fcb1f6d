"""Fast request validators, derived from the request model at start-up.

A create-user body is validated on every call, and there a pydantic model costs
more than the rest of the request: a model instance per object and a Python
call per field validator.  ``derive(Model)`` builds, once, a pydantic-core
validator that yields plain dicts instead, from the model's own core schema:

- every model in it becomes a TypedDict schema with the same fields, defaults,
  aliases and config (strictness, unknown keys); ``extra="forbid"`` may make it
  refuse unknown keys the model ignores;
- every other part (types, constraints, unions, literals, lists) stays as it is;
- every Python validator in it is replaced as its declaration says, made once,
  beside the validator:

  ``native(check, schema)``: a pydantic-core schema (run natively, no call into
  Python) that accepts only values ``check`` accepts and leaves unchanged, run
  where ``check`` ran (e.g. the e-mail rule as a Rust regex); ``schema`` may be
  a function of the validation context (then the validator is derived for
  one context: ``derive(..., context=...)``, at the vendor's start-up);
  ``native_given(check, field, rules)``: the same for a field validator that
  also reads an earlier field (``info.data[field]``): one native rule per set
  of that field's values, the object then validated as a union of one branch
  per set (the field's other values are refused);
  ``skip(check)``: a before-validator that leaves unchanged every value the
  schema after it accepts: dropped (the fast path refuses the rest);
  ``keep(check)``: called as it is (say it needs the validation context).

  A validator with no declaration stops start-up with ``FastModelError``
  naming it and where it sits.  So does anything else the derivation cannot
  vouch for (a model validator, a custom ``__init__``, an unknown schema kind).

Whatever the fast validator accepts, the model accepts too, with the same
values: ``model_dump()``, or ``model_dump(exclude_unset=True)`` with
``defaults=False`` (absent keys stay absent).  It is the model with some checks
made stricter, and nothing else changed.  A vendor runs it first and hands
whatever it refuses to the model, which alone decides and words errors (core
``validation.validate_or_none``).  tests/core/test_fastmodel.py checks the
claim on generated bodies for every derivation the registered vendors make.

It validates the decoded body (orjson's reading, which the full path reads
too), never the raw text: pydantic-core's own JSON parser reads some texts orjson
refuses (``NaN``, ``1e400``), and a duplicated key can hide such a value from the
schema, so a validator of the text could accept a body the full path refuses.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast, get_args

from pydantic import BaseModel
from pydantic_core import CoreSchema, SchemaValidator
from pydantic_core import core_schema as cs

from . import validation

Schema = dict[str, Any]  # a core schema being rewritten (pydantic-core's TypedDicts, as plain dicts)

Context = Mapping[str, Any]
Rule = CoreSchema | Callable[[Context], CoreSchema]
GivenRules = Callable[[Context], Iterable[tuple[Sequence[Any], CoreSchema]]]

# check -> what replaces it; keyed by the underlying function (a classmethod validator is
# found in the schema as a bound method).
_NATIVE: dict[object, tuple[Callable[..., Any], Rule]] = {}  # also the check as declared (tests call it)
_GIVEN: dict[object, tuple[str, GivenRules]] = {}
_SKIPPED: set[object] = set()
_KEPT: set[object] = set()

# Schema kinds kept as they are (no child schema, no Python code of the model's).
_LEAVES = frozenset({
    "any", "none", "bool", "int", "float", "decimal", "str", "bytes", "date", "time", "datetime",
    "timedelta", "literal", "enum", "uuid", "url", "multi-host-url", "complex", "missing-sentinel",
})
# Their child schemas, by key: one schema, or a list / dict of them.
_ONE = ("schema", "items_schema", "keys_schema", "values_schema", "json_schema", "python_schema", "lax_schema", "strict_schema")
_CONTAINERS = frozenset({
    "nullable", "default", "list", "set", "frozenset", "dict", "tuple", "union", "tagged-union", "chain",
    "json-or-python", "lax-or-strict", "custom-error", "definitions", "definition-ref",
})
_FUNCTIONS = frozenset({"function-before", "function-after", "function-wrap", "function-plain"})
# What is merged when a native rule lands on a schema of the same kind: the tighter bound wins.
_LOWER = frozenset({"ge", "gt", "min_length"})
_UPPER = frozenset({"le", "lt", "max_length"})
_MERGEABLE = frozenset({"int", "float", "str", "bool", "list", "dict"})


class FastModelError(TypeError):
    """A model the derivation cannot vouch for (raised at start-up, naming what and where)."""


def _key(check: object) -> object:
    return getattr(check, "__func__", check)


def native(check: Callable[..., Any], schema: Rule) -> None:
    """Declare that ``schema`` accepts only values ``check`` accepts, and that ``check``
    returns those unchanged: the fast validator runs ``schema`` in its place.  A function
    of the validation context instead: the schema for that context."""
    _NATIVE[_key(check)] = (check, schema)


def native_given(check: Callable[..., Any], field: str, rules: GivenRules) -> None:
    """Declare, for a field validator that reads the earlier ``field`` too: given the
    validation context, ``rules`` yields (values, schema) pairs such that, when ``field``
    is one of ``values``, ``schema`` accepts only values ``check`` accepts and leaves
    unchanged.  The fast validator refuses the object when ``field`` has no listed value."""
    _GIVEN[_key(check)] = (field, rules)


def skip(check: Callable[..., Any]) -> None:
    """Declare that the before-validator ``check`` returns unchanged every value the schema
    after it accepts: the fast validator drops it (and so refuses what only it would fix)."""
    _SKIPPED.add(_key(check))


def keep(check: Callable[..., Any]) -> None:
    """Declare that the fast validator may call ``check`` itself (same function, same context)."""
    _KEPT.add(_key(check))


# The core's own validators (core.validation).  E-mail: core's address pattern run by the Rust
# regex engine, whose "$" matches only at the very end where Python's also matches before a
# final newline, and is_email's length cap: every string it accepts, is_email accepts.
EMAIL = cs.str_schema(max_length=320, pattern=validation.EMAIL_PATTERN.pattern)
native(get_args(validation.Email)[1].func, EMAIL)
# Not blank: some character that str.strip() keeps, i.e. one that is not str.isspace() (the
# characters of Python 3.11's Unicode 14; tests/core/test_fastmodel.py checks them).
SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
native(get_args(validation.NotBlank)[1].func, cs.str_schema(pattern=f"[^{SPACES}]"))


class FastModel:
    """A model's derived fast validator (see the module text).

    ``check`` is the compiled validator's ``validate_python``, with the context bound
    where a kept validator reads it: on the request path, call it through
    ``validation.validate_or_none``.
    """

    __slots__ = ("__weakref__", "check", "context", "defaults", "extra", "model", "validator")

    def __init__(self, model: type[BaseModel], validator: SchemaValidator, *, defaults: bool, extra: str | None,
                 context: Context | None, bind_context: bool) -> None:
        self.model = model
        self.validator = validator
        self.defaults = defaults
        self.extra = extra
        self.context = context
        check: Callable[..., dict[str, Any]] = validator.validate_python
        self.check = functools.partial(check, context=context) if bind_context else check

    def __call__(self, value: Any) -> dict[str, Any] | None:
        """The fields as plain dicts, or None where only the model can tell."""
        return validation.validate_or_none(self.check, value)

    def fields(self, data: Any) -> dict[str, Any]:
        """``data``'s (decoded JSON) fields as plain dicts: this validator's answer, or where it
        refuses, the model's own through ``validation.validate`` (every failing field named, in
        the model's words: ``InvalidFields``), in the same shape.  A request's one call."""
        fields = validation.validate_or_none(self.check, data)
        if fields is not None:
            return fields
        return validation.validate(self.model, data, self.context).model_dump(exclude_unset=not self.defaults)

    def full(self, data: Any) -> dict[str, Any]:
        """What the model makes of ``data`` (decoded JSON) in this validator's context, in
        the shape this validator gives."""
        return self.model.model_validate(data, context=self.context).model_dump(exclude_unset=not self.defaults)

    def __repr__(self) -> str:
        return f"<FastModel of {self.model.__qualname__}>"


# Every derivation alive, for tests/core/test_fastmodel.py (those of a vendor instance go with it).
DERIVED: weakref.WeakSet[FastModel] = weakref.WeakSet()


def natives() -> list[tuple[Callable[..., Any], Rule]]:
    """Every ``native`` declaration made so far: (check, schema or function of the context)."""
    return list(_NATIVE.values())


def derive(
    model: type[BaseModel], *, defaults: bool = True, extra: str | None = None, context: Context | None = None,
) -> FastModel:
    """The fast validator of ``model`` (see the module text).  ``defaults``: absent keys get
    the model's defaults (else they stay absent); ``extra="forbid"``: refuse unknown keys
    too; ``context``: the validation context the model would be given (fixed for the
    validator's life: the natives that depend on it are built for it)."""
    if extra not in (None, "forbid"):
        raise FastModelError(f"{model.__qualname__}: extra may only be made 'forbid' (the fast path may only refuse more)")
    rewrite = _Rewrite(defaults=defaults, extra=extra, context=context)
    schema = rewrite.walk(dict(model.__pydantic_core_schema__), model.__qualname__)
    fast = FastModel(model, SchemaValidator(cast(CoreSchema, schema)), defaults=defaults, extra=extra,
                     context=context, bind_context=rewrite.kept and context is not None)
    DERIVED.add(fast)
    return fast


_GIVEN_MARK = "fastmodel-given"  # a field whose native rule waits for its model (native_given)
_NEVER = object()  # a literal of it: no JSON value is it


class _Rewrite:
    def __init__(self, *, defaults: bool, extra: str | None, context: Context | None) -> None:
        self.defaults = defaults
        self.extra = extra
        self.context = context
        self.kept = False  # a validator runs as it is (it may read the context)

    def in_context(self, rule: Any, where: str) -> Any:
        if not callable(rule):
            return rule
        if self.context is None:
            raise FastModelError(f"{where}: its native rule depends on the validation context: derive it with context=...")
        return rule(self.context)

    def walk(self, schema: Schema, where: str) -> Schema:
        kind = schema["type"]
        if kind == "model":
            return self.model(schema, where)
        if kind in _FUNCTIONS:
            return self.function(schema, where)
        if kind in _LEAVES:
            return schema
        if kind == "typed-dict":
            fields = {name: {**field, "schema": self.walk(field["schema"], f"{where}.{name}")} for name, field in schema["fields"].items()}
            return {**schema, "fields": fields}
        if kind not in _CONTAINERS:
            raise FastModelError(f"{where}: a {kind!r} schema cannot be derived")
        out = dict(schema)
        for key in _ONE:
            if isinstance(out.get(key), dict):
                out[key] = self.walk(out[key], f"{where}[]" if key == "items_schema" else where)
        for key in ("items_schema", "steps"):  # a tuple's items, a chain's steps
            if isinstance(out.get(key), list):
                out[key] = [self.walk(item, f"{where}[]") for item in out[key]]
        if kind == "union":
            out["choices"] = [
                (self.walk(c[0], where), c[1]) if isinstance(c, tuple) else self.walk(c, where) for c in out["choices"]
            ]
        if kind == "tagged-union":
            out["choices"] = {tag: self.walk(choice, where) for tag, choice in out["choices"].items()}
        if kind == "definitions":
            out["definitions"] = [self.walk(item, where) for item in out["definitions"]]
        return out

    def model(self, schema: Schema, where: str) -> Schema:
        if schema.get("custom_init") or schema.get("root_model") or schema.get("post_init"):
            raise FastModelError(f"{where}: a custom __init__, post-init or root model cannot be derived")
        inner = schema["schema"]
        if inner["type"] != "model-fields":
            raise FastModelError(f"{where}: a {inner['type']!r} model schema cannot be derived")
        config: dict[str, Any] = dict(schema.get("config") or {})
        extra = self.extra or inner.get("extra_behavior") or config.get("extra_fields_behavior") or "ignore"
        if extra == "allow":
            raise FastModelError(f"{where}: extra='allow' cannot be derived")
        config["extra_fields_behavior"] = extra
        fields = inner["fields"]
        walked = {name: self.walk(field["schema"], f"{where}.{name}") for name, field in fields.items()}

        def typed_dict(schemas: dict[str, Schema], ref: str | None) -> Schema:
            out: dict[str, Any] = {}
            for name, value in schemas.items():
                required = value["type"] != "default"
                if not required and not self.defaults:
                    if value.get("validate_default"):
                        raise FastModelError(f"{where}.{name}: a validated default cannot be left absent (derive it with defaults=True)")
                    value = value["schema"]
                out[name] = cs.typed_dict_field(cast(CoreSchema, value), required=required, validation_alias=fields[name].get("validation_alias"))
            return cast(Schema, cs.typed_dict_schema(out, extra_behavior=cast(cs.ExtraBehavior, extra), config=cast(cs.CoreConfig, config), ref=ref))

        given = [(name, mark) for name, value in walked.items() if (mark := _mark(value)) is not None]
        if not given:
            return typed_dict(walked, schema.get("ref"))
        if len(given) > 1:
            raise FastModelError(f"{where}: more than one field validator reads another field ({', '.join(n for n, _ in given)})")
        name, mark = given[0]
        pinned = mark["given"]
        order = list(walked)
        if pinned not in walked or order.index(pinned) > order.index(name):
            raise FastModelError(f"{where}.{name}: its validator reads {pinned!r}, which is not a field declared before it")
        # One branch per set of the earlier field's values: that field pinned to them, this
        # field under their rule.  The sets never overlap in practice; left to right, the
        # first branch that accepts decides (any accepting branch is sound).
        branches = []
        for values, rule in mark["rules"]:
            schemas = dict(walked)
            schemas[name] = _settle(walked[name], dict(rule))
            schemas[pinned] = _pin(walked[pinned], list(values))
            branches.append(typed_dict(schemas, None))
        if not branches:
            return cast(Schema, cs.literal_schema([_NEVER]))
        return cast(Schema, cs.union_schema(cast(list[Any], branches), mode="left_to_right", ref=schema.get("ref")))

    def function(self, schema: Schema, where: str) -> Schema:
        kind = schema["type"]
        check = schema["function"]["function"]
        name = getattr(check, "__qualname__", repr(check))
        key = _key(check)
        inner = schema.get("schema")
        if inner is not None and inner["type"] == "model":
            raise FastModelError(f"{where}: model validator {name} cannot run on a fast validator's dict")
        if key in _KEPT:
            self.kept = True
            return {**schema, "schema": self.walk(inner, where)} if inner is not None else schema
        if key in _NATIVE and kind in ("function-after", "function-plain"):
            rule = dict(self.in_context(_NATIVE[key][1], where))
            if inner is None:  # a plain validator replaces the type: its native rule does too
                return self.walk(rule, where)
            return _intersect(self.walk(inner, where), rule)
        if key in _GIVEN and kind == "function-after" and inner is not None:
            field, rules = _GIVEN[key]
            return {"type": _GIVEN_MARK, "schema": self.walk(inner, where), "given": field, "rules": list(self.in_context(rules, where))}
        if key in _SKIPPED and kind == "function-before" and inner is not None:
            return self.walk(inner, where)
        raise FastModelError(
            f"{where}: {kind} validator {name} has no fast equivalent: declare one beside it "
            "(core.fastmodel.native / skip), or keep(...) it to run it as it is"
        )


def _mark(schema: Schema) -> Schema | None:
    """The native_given mark of a field's schema (under its default, if any)."""
    if schema["type"] == "default":
        schema = schema["schema"]
    return schema if schema["type"] == _GIVEN_MARK else None


def _settle(schema: Schema, rule: Schema) -> Schema:
    """The marked field's schema with one of its native_given rules in the mark's place."""
    if schema["type"] == "default":
        return {**schema, "schema": _settle(schema["schema"], rule)}
    return _intersect(schema["schema"], rule)


def _pin(schema: Schema, values: list[Any]) -> Schema:
    """``schema`` accepting only ``values``; absent allowed only if its default is one of them."""
    if schema["type"] == "default":
        if "default" in schema and schema["default"] in values:
            return {**schema, "schema": _pin(schema["schema"], values)}
        schema = schema["schema"]
    return _intersect(schema, cast(Schema, cs.literal_schema(values)))


def _intersect(schema: Schema, rule: Schema) -> Schema:
    """A schema accepting what ``schema`` accepts AND ``rule`` accepts of its output."""
    if rule["type"] == "any":
        return schema
    if schema["type"] == "nullable":
        if rule["type"] == "nullable":  # both let None through: intersect the rest
            return {**schema, "schema": _intersect(schema["schema"], rule["schema"])}
        if rule["type"] in _MERGEABLE or (rule["type"] == "literal" and None not in rule["expected"]):
            return _intersect(schema["schema"], rule)  # the rule refuses None: so does the result
        if rule["type"] == "literal":  # None passes both: the rest must pass the other values
            others = [value for value in rule["expected"] if value is not None]
            return {**schema, "schema": _intersect(schema["schema"], cast(Schema, cs.literal_schema(others)))} if others else rule
    if rule["type"] == "literal" and schema["type"] == "literal":
        return _literal_both(schema, rule)
    if rule["type"] == "literal" and schema["type"] == "chain" and schema["steps"][-1]["type"] == "literal":
        return {**schema, "steps": [*schema["steps"][:-1], _literal_both(schema["steps"][-1], rule)]}
    merged = _merge(schema, rule)
    if merged is not None:
        return merged
    return cast(Schema, cs.chain_schema([cast(CoreSchema, schema), cast(CoreSchema, rule)]))


def _merge(schema: Schema, rule: Schema) -> Schema | None:
    """One schema of ``schema``'s kind applying ``rule``'s constraints too, or None."""
    if schema["type"] != rule["type"] or schema["type"] not in _MERGEABLE:
        return None
    out = dict(schema)
    for key, value in rule.items():
        if key in ("type", "metadata", "ref", "serialization"):
            continue
        if key in ("items_schema", "keys_schema", "values_schema"):
            if value.get("type") == "any":
                continue
            return None
        if key == "strict":
            if value:  # never loosen: a False here would override a strict config
                out[key] = True
        elif key not in out or out[key] == value:
            out[key] = value
        elif key in _LOWER:
            out[key] = max(out[key], value)
        elif key in _UPPER:
            out[key] = min(out[key], value)
        else:
            return None  # two patterns, say: the chain runs both
    return out


def _literal_both(schema: Schema, rule: Schema) -> Schema:
    """A literal of the values both literals list (the same value of the same type: 1 is not True)."""
    both = [value for value in schema["expected"] if any(type(other) is type(value) and other == value for other in rule["expected"])]
    return {**schema, "expected": both} if both else cast(Schema, cs.literal_schema([_NEVER]))
