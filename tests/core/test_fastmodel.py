"""core.fastmodel: a fast validator derived from the model accepts nothing the model refuses.

For every registered vendor, every validator it derives (core.fastmodel.DERIVED, in the
vendor's own configuration) is run next to its model on thousands of bodies generated from
the model's schema and examples: whenever the fast one accepts, the model accepts the same
body, in the same context, with the same values (the same JSON, key order and types
included).  Every declared native rule is checked against the Python
validator it stands for, and the derivation's refusals and shapes are pinned on small models.
"""

from __future__ import annotations

import inspect
import json
import random
import sys
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import pytest
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import SchemaValidator
from pydantic_core import core_schema as cs

from mockserver import vendors as registry
from mockserver.core import fastmodel
from mockserver.core.errors import InvalidFields
from mockserver.core.validation import EMAIL_PATTERN, Email, NotBlank, is_email, validate_or_none
from tests.conftest import make_client

BODIES = 3000  # generated bodies per derived validator

# Strings that sit on the edges of the usual rules: blank, e-mail, digits, Unicode.
STRINGS = [
    "", " ", "\t", "\u3000", "\u180e", "a", " a ", "Zoë", "Ødegård", "a\n", "a\nb", "null", "1", "true", "x" * 40,
    "a@b.co", "a@b.co\n", "a@b.co\n\n", "A_B+c@Sub.Example.ORG", "first.last+tag@sub-domain.example.org", "not-an-email",
    "a@-b.co", "a@b-.co", "ü@b.co", "x" * 314 + "@b.co", "x" * 315 + "@b.co", "a@" + "b" * 64 + ".co",
    "0", "92", "92\n", "+92", "9999", "12345", "123456", "33-29", "3329465636", "12345678901234", "123456789012345",
    "٣٣٢٩٤٦٥٦٣٦", "０９１２３４５６７８", "0912345678", "+84 912 345 678", "12345678901", "1234567890",
]
INTS = [0, 1, 2, -1, 5, 7, 12, 13, -12, -13, 85, 99, 100, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1,
        2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64 - 1, 10**18]
JUNK: list[Any] = [None, True, False, 0, 1, -5, 1.0, 5.5, 1e300, "", "x", [], ["x"], [1], {}, {"a": 1}]


# ------------------------------------------------------------------ the vendors' derivations
@pytest.fixture(scope="module")
def runtime() -> Iterator[Any]:
    with make_client() as client:  # every registered vendor, each in its configuration
        yield client.app.runtime


def _derived_by(vendor: Any) -> list[fastmodel.FastModel]:
    """The live derivations of ``vendor``'s package, for this vendor instance's configuration."""
    package = type(vendor).__module__.rpartition(".")[0] + "."
    context = vendor.schema_context()
    found = []
    for fast in list(fastmodel.DERIVED):
        if not fast.model.__module__.startswith(package):
            continue
        if fast.context is not None and not (context and all(fast.context.get(k) is v for k, v in context.items())):
            continue  # derived for another app's configuration
        found.append(fast)
    return sorted(found, key=lambda f: f.model.__qualname__)


def test_vendors_derive_their_fast_validators(runtime: Any) -> None:
    assert sum(len(_derived_by(vendor)) for vendor in runtime.vendors.values()) >= 1


class _Bodies:
    """Random bodies shaped by a model's core schema, its examples and its context."""

    def __init__(self, fast: fastmodel.FastModel, seed: int) -> None:
        self.rng = random.Random(seed)
        self.examples = _examples(fast.model)
        self.strings = [*STRINGS, *_leaves(self.examples, str), *_literals(fast.model.__pydantic_core_schema__, str)]
        # ints the context knows (say the ids that exist) are the likeliest to pass a rule on them
        self.known_ints = sorted(set(_leaves(fast.context, int)) | set(_leaves(self.examples, int)))
        self.defs: dict[str, Any] = {}
        self.schema: Any = fast.model.__pydantic_core_schema__

    def body(self) -> Any:
        rng = self.rng
        if self.examples and rng.random() < 0.7:  # an example with one to three parts regenerated
            body = rng.choice(self.examples)
            for _ in range(rng.randint(1, 3)):
                paths = [path for path, _ in _paths(body) if path]
                path = rng.choice(paths)
                schema = _schema_at(self.schema, path)
                body = _replace(body, path, self.value(schema, len(path)) if schema is not None else rng.choice(JUNK))
            return body
        return self.value(self.schema, 0)

    def value(self, schema: Any, depth: int) -> Any:  # one branch per schema kind
        rng = self.rng
        kind = schema["type"]
        if rng.random() < 0.04 or depth > 6:
            return rng.choice(JUNK)
        if kind in ("default", "model", "function-after", "function-before", "function-wrap", "custom-error"):
            return self.value(schema["schema"], depth)
        if kind == "definitions":
            self.defs.update({d["ref"]: d for d in schema["definitions"]})
            return self.value(schema["schema"], depth)
        if kind == "definition-ref":
            return self.value(self.defs[schema["schema_ref"]], depth)
        if kind == "nullable":
            return None if rng.random() < 0.2 else self.value(schema["schema"], depth)
        if kind in ("model-fields", "typed-dict"):
            out: dict[str, Any] = {}
            for name, field in schema["fields"].items():
                if rng.random() < 0.85:
                    out[name] = self.value(field["schema"], depth + 1)
            if rng.random() < 0.05:
                out["unknownKey"] = rng.choice(JUNK)
            if out and rng.random() < 0.05:
                key = rng.choice(list(out))
                out[key.upper()] = out.pop(key)
            return out
        if kind == "str":
            return rng.choice(self.strings)
        if kind == "int":
            return rng.choice(self.known_ints) if self.known_ints and rng.random() < 0.5 else rng.choice(INTS)
        if kind == "bool":
            return rng.random() < 0.5
        if kind == "float":
            return rng.choice([0.0, 1.5, -2.0, 10.0, 1e300, 3])
        if kind == "literal":
            return rng.choice(schema["expected"])
        if kind == "list":
            return [self.value(schema.get("items_schema", {"type": "any"}), depth + 1) for _ in range(rng.randint(0, 3))]
        if kind == "dict":
            return {rng.choice(self.strings)[:8]: self.value(schema.get("values_schema", {"type": "any"}), depth + 1)
                    for _ in range(rng.randint(0, 3))}
        if kind == "union":
            choice = rng.choice(schema["choices"])
            return self.value(choice[0] if isinstance(choice, tuple) else choice, depth)
        if kind == "chain":
            return self.value(schema["steps"][0], depth)
        return rng.choice(JUNK)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) in a JSON value, inner objects and lists included."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    if isinstance(value, dict):
        return {k: _replace(v, path[1:], new) if k == path[0] else v for k, v in value.items()}
    return [_replace(v, path[1:], new) if i == path[0] else v for i, v in enumerate(value)]


def _schema_at(schema: Any, path: tuple[Any, ...]) -> Any:
    """The schema of the value at ``path`` (None where the schema says nothing of it)."""
    for part in path:
        while schema["type"] in ("default", "nullable", "model", "function-after", "function-before", "function-wrap"):
            schema = schema["schema"]
        if schema["type"] in ("model-fields", "typed-dict") and part in schema["fields"]:
            schema = schema["fields"][part]["schema"]
        elif schema["type"] == "list" and isinstance(part, int):
            schema = schema.get("items_schema", {"type": "any"})
        elif schema["type"] == "dict":
            schema = schema.get("values_schema", {"type": "any"})
        else:
            return None
    return schema


def _examples(model: type[BaseModel]) -> list[dict[str, Any]]:
    try:
        examples = model.model_json_schema().get("examples", [])
    except Exception:  # a schema that needs a document's context: no examples
        return []
    return [e for e in examples if isinstance(e, dict)]


def _leaves(value: Any, kind: type) -> Iterator[Any]:
    if isinstance(value, kind) and not isinstance(value, bool):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(key, kind)
            yield from _leaves(item, kind)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item, kind)


def _literals(schema: Any, kind: type) -> Iterator[Any]:
    if isinstance(schema, dict):
        if schema.get("type") == "literal":
            yield from (v for v in schema["expected"] if isinstance(v, kind))
        for value in schema.values():
            yield from _literals(value, kind)
    elif isinstance(schema, list):
        for value in schema:
            yield from _literals(value, kind)


def _full(fast: fastmodel.FastModel, data: Any) -> Any:
    try:
        return fast.full(data)
    except ValidationError as exc:
        return exc


def _same(fast_value: Any, full_value: Any) -> bool:
    """The same JSON: values, types (1 is not True, 1 is not 1.0) and key order, at every level."""
    return not isinstance(full_value, Exception) and json.dumps(fast_value) == json.dumps(full_value)


@pytest.mark.parametrize("name", registry.NAMES)
def test_fast_acceptance_implies_the_model_s_with_the_same_values(runtime: Any, name: str) -> None:
    derived = _derived_by(runtime.vendors[name])
    if not derived:
        pytest.skip(f"{name} derives no fast validator")
    for n, fast in enumerate(derived):
        bodies = _Bodies(fast, seed=n)
        accepted = refused_by_model = 0
        for _ in range(BODIES):
            body = bodies.body()
            got = fast(body)
            full = _full(fast, body)
            refused_by_model += isinstance(full, Exception)
            if got is not None:
                accepted += 1
                assert _same(got, full), f"{fast}: fast {got!r}, model {full!r} for {body!r}"
        # the corpus does exercise both answers
        assert accepted >= BODIES // 20 and refused_by_model >= BODIES // 20, (fast, accepted, refused_by_model)


@pytest.mark.parametrize("name", registry.NAMES)
def test_the_documented_bodies_take_the_fast_path(runtime: Any, name: str) -> None:
    # Not soundness, the point of a fast path: the model's own examples do not fall back.
    for fast in _derived_by(runtime.vendors[name]):
        for example in _examples(fast.model):
            if not isinstance(_full(fast, example), Exception):
                assert fast(example) is not None, (fast, example)


# ------------------------------------------------------------------ declared native rules
def _candidates() -> list[Any]:
    """Values of every kind near the usual rules, and many random address-like strings."""
    rng = random.Random(3)
    pieces = ["a", "Z", "0", "9", "-", ".", "_", "+", "!", "~", "`", "{", "|", "}", "é", "\n", " ", "@", "xx", "-b", "٣", "\u3000"]

    def word(n: int) -> str:
        return "".join(rng.choice(pieces[:4]) for _ in range(n))

    out: list[Any] = [*STRINGS, *INTS, *JUNK, [None], [[]], -99, 3]
    for _ in range(6000):
        text = f"{word(rng.randint(1, 4))}@{'.'.join(word(rng.randint(1, 3)) for _ in range(rng.randint(1, 3)))}"
        for _ in range(rng.randint(0, 2)):  # mutate: insert a piece anywhere, the end included
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(pieces) + text[at:]
        out.append(text)
        out.append("".join(rng.choice("0123456789") for _ in range(rng.randint(0, 16))))
        out.append("".join(rng.choice(pieces) for _ in range(rng.randint(0, 4))))
    return out


def _runs_as_pydantic_would(check: Callable[..., Any]) -> SchemaValidator:
    takes_info = len(inspect.signature(check).parameters) >= 2  # (value, info)
    wrap = cs.with_info_after_validator_function if takes_info else cs.no_info_after_validator_function
    return SchemaValidator(wrap(check, cs.any_schema()))


def test_every_native_rule_accepts_only_what_its_validator_accepts_unchanged(runtime: Any) -> None:
    candidates = _candidates()
    declared = [(check, rule) for check, rule in fastmodel.natives() if not callable(rule)]
    assert len(declared) >= 2
    for check, rule in declared:
        # strict: a rule runs on what the schema before it gave, a value of its own type already
        native = SchemaValidator(rule, {"strict": True})
        python = _runs_as_pydantic_would(check)
        accepted = 0
        for value in [*candidates, *_literals(rule, object)]:  # the values a literal rule lists, too
            try:
                native.validate_python(value)
            except ValidationError:
                continue
            accepted += 1
            assert python.validate_python(value, context={}) == value, (check, value)
        assert accepted > 0, check


def test_context_bound_rules_are_checked_through_the_bodies(runtime: Any) -> None:
    # A rule that is a function of the context (the organizations that exist, say) is
    # checked by the body test above, in each vendor's own context.
    bound = [check for check, rule in fastmodel.natives() if callable(rule)]
    assert all(callable(check) for check in bound)


def test_core_e_mail_rule_is_is_email_for_what_it_accepts() -> None:
    native = SchemaValidator(fastmodel.EMAIL)
    accepted = 0
    for value in _candidates():
        if not isinstance(value, str):
            continue
        try:
            native.validate_python(value)
        except ValidationError:
            continue
        accepted += 1
        assert is_email(value), value
    assert accepted > 100
    assert EMAIL_PATTERN.match("a@b.co\n") and is_email("a@b.co\n")  # Python's "$" takes it...
    with pytest.raises(ValidationError):
        native.validate_python("a@b.co\n")  # ...the native one does not: that body takes the model's path


def test_spaces_are_exactly_what_strip_removes() -> None:
    listed: set[str] = set()
    text, i = fastmodel.SPACES, 0
    while i < len(text):
        if i + 2 < len(text) and text[i + 1] == "-":
            listed.update(chr(c) for c in range(ord(text[i]), ord(text[i + 2]) + 1))
            i += 3
        else:
            listed.add(text[i])
            i += 1
    assert listed == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


# ------------------------------------------------------------------ the derivation itself
class Inner(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    code: str
    note: str | None = None


def _checked(value: str) -> str:
    if value != value.strip():
        raise ValueError("padded")
    return value


def _lenient(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


fastmodel.native(_checked, cs.str_schema(pattern=r"^\S(.*\S)?$"))
fastmodel.skip(_lenient)


class Outer(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    email: Email
    name: Annotated[str, AfterValidator(_checked)] | None = None
    count: Annotated[int, Field(ge=0), BeforeValidator(_lenient)] = 0
    tags: list[NotBlank] = []
    inner: Inner | None = None
    pair: tuple[int, Annotated[str, AfterValidator(_checked)]] | None = None
    either: int | Email = 0


def test_a_derived_validator_gives_the_model_dump() -> None:
    fast = fastmodel.derive(Outer)
    body = {"email": "a@b.co", "inner": {"code": "x", "extra": 1}, "name": "Ann", "tags": ["t"], "pair": (1, "p"), "either": "e@f.gh"}
    assert fast(body) == Outer.model_validate(body).model_dump() == {
        "email": "a@b.co", "name": "Ann", "count": 0, "tags": ["t"], "inner": {"code": "x", "note": None},
        "pair": (1, "p"), "either": "e@f.gh",
    }
    assert list(fast(body) or {}) == list(Outer.model_fields)  # declaration order, every key
    unset = fastmodel.derive(Outer, defaults=False)
    assert unset(body) == Outer.model_validate(body).model_dump(exclude_unset=True) == {
        "email": "a@b.co", "name": "Ann", "tags": ["t"], "inner": {"code": "x"}, "pair": (1, "p"), "either": "e@f.gh",
    }


@pytest.mark.parametrize("body", [
    {"email": "a@b.co\n"},  # the native e-mail rule is stricter than Python's "$"
    {"email": "a@b.co", "count": 2.0},  # only the skipped before-validator takes 2.0
    {"email": "a@b.co", "name": " x"},  # the native rule of _checked
    {"email": "a@b.co", "tags": [" "]},  # NotBlank
    {"email": "a@b.co", "count": -1},  # the model's own constraint, kept
    {"email": "a@b.co", "inner": {"note": "n"}},  # a nested required field
    {"email": "a@b.co", "pair": (1, " p")},  # in a tuple
    {"email": "a@b.co", "either": "a@b.co\n"},  # in a union
])
def test_the_derived_validator_refuses_what_only_python_or_nothing_accepts(body: dict[str, Any]) -> None:
    assert fastmodel.derive(Outer)(body) is None


def test_forbidding_unknown_keys_refuses_more() -> None:
    fast = fastmodel.derive(Outer, extra="forbid")
    assert fast({"email": "a@b.co"}) is not None
    assert fast({"email": "a@b.co", "other": 1}) is None
    assert fast({"email": "a@b.co", "inner": {"code": "x", "other": 1}}) is None


def test_validate_or_none_answers_none_where_the_fast_validator_refuses() -> None:
    check = fastmodel.derive(Outer).check
    assert (validate_or_none(check, {"email": "a@b.co"}) or {}).get("email") == "a@b.co"
    assert validate_or_none(check, {"email": "nope"}) is None
    assert validate_or_none(check, ["not", "an", "object"]) is None


def _kept(value: str, info: Any) -> str:
    if value not in (info.context or {}).get("allowed", ()):
        raise ValueError("not allowed")
    return value


fastmodel.keep(_kept)


class Kept(BaseModel):
    model_config = ConfigDict(strict=True)

    name: Annotated[str, AfterValidator(_kept)]


def test_a_kept_validator_runs_as_it_is_in_the_derivation_s_context() -> None:
    fast = fastmodel.derive(Kept, context={"allowed": ("a",)})
    assert fast({"name": "a"}) == {"name": "a"} == fast.full({"name": "a"})
    assert fast({"name": "b"}) is None


def test_fields_is_the_fast_answer_or_the_model_s_own_errors() -> None:
    fast = fastmodel.derive(Kept, context={"allowed": ("a",)})
    assert fast.fields({"name": "a"}) == {"name": "a"}
    with pytest.raises(InvalidFields) as refused:  # the model decides, in its words, through core.validation
        fast.fields({"name": "b"})
    assert [(f.loc, f.kind, f.message) for f in refused.value.fields] == [("name", "invalid", "Value error, not allowed")]


def _undeclared(value: str) -> str:
    return value


class Undeclared(BaseModel):
    field_one: Annotated[str, AfterValidator(_undeclared)]


class WithModelValidator(BaseModel):
    a: int

    @model_validator(mode="after")
    def _check(self) -> WithModelValidator:
        return self


class Partner(BaseModel):
    model_config = ConfigDict(strict=True)

    kind: int = 0
    ref: int

    @field_validator("ref")
    @classmethod
    def _known(cls, value: int, info: Any) -> int:
        if (info.data.get("kind"), value) not in (info.context or {}).get("known", ()):
            raise ValueError("unknown")
        return value


def _known_rules(context: Any) -> list[tuple[list[Any], Any]]:
    known = context["known"]
    return [([kind], cs.literal_schema(sorted(ref for k, ref in known if k == kind))) for kind in sorted({k for k, _ in known})]


fastmodel.native_given(Partner._known, "kind", _known_rules)


@pytest.mark.parametrize(("model", "options", "message"), [
    (Undeclared, {}, "Undeclared.field_one: function-after validator _undeclared has no fast equivalent"),
    (WithModelValidator, {}, "model validator"),
    (Outer, {"extra": "allow"}, "extra may only be made 'forbid'"),
    (Partner, {}, "depends on the validation context"),
])
def test_what_cannot_be_vouched_for_stops_start_up(model: type[BaseModel], options: dict[str, Any], message: str) -> None:
    with pytest.raises(fastmodel.FastModelError, match=message.replace("(", r"\(")):
        fastmodel.derive(model, **options)


def test_a_rule_given_an_earlier_field_splits_the_object() -> None:
    context = {"known": {(0, 1), (0, 2), (2, 7)}}
    fast = fastmodel.derive(Partner, context=context)
    for body in [{"ref": 1}, {"kind": 0, "ref": 2}, {"kind": 2, "ref": 7}, {"kind": 2, "ref": 1}, {"kind": 1, "ref": 1},
                 {"ref": 7}, {"kind": True, "ref": 1}, {"kind": 2}]:
        got = fast(body)
        try:
            want: Any = Partner.model_validate(body, context=context).model_dump()
        except ValidationError:
            want = None
        assert got == want, body
