"""The create-user DTO as NestJS's ValidationPipe + class-validator check it.

Why not pydantic: class-validator reports EVERY failing constraint of a field
as its own message ("username should not be empty", "username must be a
string"), lets blank-but-present strings through ``@IsNotEmpty``, prefixes
nested failures with the parent path and has its own optional semantics
(``@IsOptional`` skips null AND undefined).  pydantic stops at one error per
field, so this is a small table-driven executor instead: still data, built at
import, a few microseconds a request.

The table below is the DTO we infer [INF] (the page documents the fields, not
the decorators).  Checks are listed in the order class-validator reports them,
i.e. bottom-up from the decorators as a NestJS developer would write them::

    @IsString() @IsNotEmpty() username: string;          -> "should not be empty", "must be a string"
    @IsOptional() @IsEnum(Role) role?: Role;
    @IsOptional() @IsObject() @ValidateNested() @Type(() => CountryDto) country?: CountryDto;
    @IsOptional() @Length(11, 11) @IsNumberString({no_symbols: true}) bvn?: string;
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...core.errors import FieldError
from ...core.validation import is_email

# [SEED] the Supported Roles table, in its order (that order is the message's order).
ROLES: tuple[str, ...] = (
    "CUSTOMER",
    "MERCHANT",
    "SUPPLIER",
    "AGENCY_BANKING",
    "SABI_AGENT",
    "SABI_OWN",
    "TRACE_BUYER",
    "TRACE_SELLER",
    "TENANT_SUPER_ADMIN",
    "TENANT_ADMIN",
)
DEFAULT_ROLE = "CUSTOMER"  # [SEED] "When a role is not provided the default user role is CUSTOMER"
# [SEED] "Supported Gender: MALE, FEMALE"; the prose's "Male or Female" is refused: IsEnum is
# case-sensitive [INF].
GENDERS: tuple[str, ...] = ("MALE", "FEMALE")
# [PUB: the invite page's `invitation` values, in its order] the invite's query enum.
INVITATIONS: tuple[str, ...] = ("MERCHANT", "SUPPLIER", "TRACE", "AGENCY", "CUSTOMER", "AGENT", "SABI", "MANAGEMENT")


@dataclass(frozen=True, slots=True)
class Check:
    constraint: str  # class-validator's constraint name; errors.render phrases it
    test: Callable[[Any], bool]
    ctx: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "invalid"  # the vendor-neutral FieldError kind
    # What ``test`` accepts, as a form validate()'s valid-body pass reads without a call:
    # ``str`` (any string), NON_EMPTY (anything but null and ""), a frozenset (one of these
    # strings); None: no such form.
    quick: Any = None


FILLED = "a non-empty string"  # a Prop.quick marker
NON_EMPTY = "not null, not empty"  # a Check.quick marker (isNotEmpty)


@dataclass(frozen=True, slots=True)
class Prop:
    """A DTO property: its checks are its one declaration; ``ok`` and ``quick`` (the valid-body
    pass's forms of "every check passes") are derived from them."""

    name: str
    optional: bool  # @IsOptional(): null and undefined skip every other check
    checks: tuple[Check, ...] = ()
    nested: tuple[Prop, ...] | None = None  # @ValidateNested() with @Type(() => Dto)
    # Derived: every check at once, for the common valid case (one call instead of one per check).
    ok: Callable[[Any], bool] = field(init=False)
    # Derived: the same test in a form validate()'s valid-body pass runs without a call: ``str``
    # (any string), FILLED (a non-empty string) or a frozenset (one of these strings); None: ``ok``.
    quick: Any = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ok", _all_pass(self.checks, self.nested))
        object.__setattr__(self, "quick", _quick_form(self.checks) if self.nested is None else None)


def _all_pass(checks: tuple[Check, ...], nested: tuple[Prop, ...] | None) -> Callable[[Any], bool]:
    """One test for "every check passes" (and, nested, every child: _check_prop then reports
    only the children's failures, and a non-object fails IsObject)."""
    tests = tuple(check.test for check in checks)
    if nested is not None:
        children = Dto(nested)
        tests += (lambda value: isinstance(value, dict) and not validate(value, children),)
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda value: first(value) and second(value)
    return lambda value: all(test(value) for test in tests)


def _quick_form(checks: tuple[Check, ...]) -> Any:
    """The quick marker accepting exactly what every check accepts, or None."""
    marks = [check.quick for check in checks]
    if not marks or None in marks:
        return None
    sets = [mark for mark in marks if isinstance(mark, frozenset)]
    if sets:  # strings of every set (a non-empty one if NON_EMPTY is asked too)
        allowed = frozenset.intersection(*sets)
        return allowed - {""} if NON_EMPTY in marks else allowed
    if str in marks:
        return FILLED if NON_EMPTY in marks else str
    return None  # NON_EMPTY alone also takes numbers and objects: no quick form


def _not_empty(value: Any) -> bool:
    return value is not None and value != ""


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def _number_string(value: Any) -> bool:
    # validator.js isNumeric({no_symbols: true}) is /^[0-9]+$/
    return isinstance(value, str) and value.isascii() and value.isdigit()


NOT_EMPTY = Check("isNotEmpty", _not_empty, kind="missing", quick=NON_EMPTY)
IS_STRING = Check("isString", _is_string, {"expected_type": "string"}, kind="type", quick=str)
IS_OBJECT = Check("isObject", _is_object, {"expected_type": "object"}, kind="type")
NUMBER_STRING = Check("isNumberString", _number_string, kind="format")
# [INF] validator.js isEmail approximated by the core's address regex.
IS_EMAIL = Check("isEmail", lambda v: isinstance(v, str) and is_email(v), kind="format")


def _enum(choices: tuple[str, ...]) -> Check:
    allowed = frozenset(choices)
    return Check("isEnum", lambda v: isinstance(v, str) and v in allowed, {"choices": choices}, kind="enum", quick=allowed)


def _length(low: int, high: int) -> Check:
    return Check("isLength", lambda v: isinstance(v, str) and low <= len(v) <= high, {"min": low, "max": high}, kind="length")


class Dto:
    """A property table plus the indexes validate() needs (built once at import)."""

    __slots__ = ("filled", "flat", "optional", "plans", "props", "quick", "required", "required_quick")

    def __init__(self, props: tuple[Prop, ...]) -> None:
        self.props = props
        self.required = tuple((i, p) for i, p in enumerate(props) if not p.optional)
        self.optional = {p.name: (i, p) for i, p in enumerate(props) if p.optional}
        # The valid-body pass: required non-empty strings (FILLED) and optional properties
        # are found by the body's keys (see plan()); the other required ones (the invite's
        # e-mail and enum) are checked first, by name.
        self.required_quick = tuple((p.name, p.ok if p.quick is None else p.quick) for p in props
                                    if not p.optional and p.quick is not FILLED)
        self.quick = {p.name: p.ok if p.quick is None else p.quick for p in props if p.optional or p.quick is FILLED}
        self.filled = sum(1 for p in props if not p.optional and p.quick is FILLED)
        self.plans: dict[tuple[str, ...], tuple[Any, ...]] = {}
        # The properties whose value is no object: a valid body of only these has no key the
        # ValidationPipe would let through unchecked (the contract lint's voucher, routes.create_user).
        self.flat = frozenset(p.name for p in props if p.nested is None)

    def plan(self, keys: tuple[str, ...]) -> tuple[Any, ...]:
        """The quick test for each of a body's keys, in order (None: not checked here), or
        INCOMPLETE when a FILLED property is missing.  Clients send the same keys in the
        same order call after call, so plans are cached (bounded: past it, rebuilt)."""
        quicks = tuple(self.quick.get(key) for key in keys)
        plan = quicks if quicks.count(FILLED) == self.filled else INCOMPLETE  # keys are unique
        if len(self.plans) < _MAX_PLANS:
            self.plans[keys] = plan
        return plan


INCOMPLETE: tuple[Any, ...] = ("a FILLED property is missing",)
_MAX_PLANS = 1024


def required(name: str) -> Prop:
    return Prop(name, False, (NOT_EMPTY, IS_STRING))


def text(name: str) -> Prop:
    return Prop(name, True, (IS_STRING,))


def one_of(name: str, choices: tuple[str, ...]) -> Prop:
    return Prop(name, True, (_enum(choices),))


def digits11(name: str) -> Prop:
    # [INF] BVN and NIN are 11-digit numbers in Nigeria.
    return Prop(name, True, (NUMBER_STRING, _length(11, 11)))


def required_email(name: str) -> Prop:
    return Prop(name, False, (NOT_EMPTY, IS_EMAIL))


def required_enum(name: str, choices: tuple[str, ...]) -> Prop:
    return Prop(name, False, (NOT_EMPTY, _enum(choices)))


def nested(name: str, dto: tuple[Prop, ...]) -> Prop:
    return Prop(name, True, (IS_OBJECT,), dto)


# [SEED] {name, code, currency} / {name, code}; [INF] name and code required inside them.
COUNTRY_DTO = (required("name"), required("code"), text("currency"))
PLACE_DTO = (required("name"), required("code"))

# [SEED] the request example's fields, in its order (= the order messages come out).
# [INF] which are required, and every type rule.
CREATE_USER_DTO: tuple[Prop, ...] = (
    required("username"),
    required("password"),
    text("tenantId"),
    one_of("role", ROLES),
    required("firstName"),
    required("lastName"),
    text("middleName"),
    nested("country", COUNTRY_DTO),
    nested("state", PLACE_DTO),
    nested("city", PLACE_DTO),
    text("address"),
    nested("foreignerResidentialCountry", COUNTRY_DTO),
    nested("foreignerResidentialState", PLACE_DTO),
    nested("foreignerResidentialCity", PLACE_DTO),
    text("photo"),
    text("identityType"),
    text("identityDoc"),
    text("actionBy"),
    text("dob"),
    one_of("gender", GENDERS),
    text("phone"),
    digits11("bvn"),
    digits11("nin"),
)

FIELDS: tuple[str, ...] = tuple(p.name for p in CREATE_USER_DTO)
OBJECT_FIELDS: dict[str, tuple[str, ...]] = {p.name: tuple(c.name for c in p.nested) for p in CREATE_USER_DTO if p.nested}


def _length_kind(value: Any, low: int, high: int) -> str:
    """Which of @Length's three texts class-validator picks (it inspects the raw value)."""
    falsy = value is False or value == "" or (type(value) in (int, float) and value == 0)
    size = len(value) if isinstance(value, (str, list)) else None
    if falsy or (size is not None and size < low):
        return "too_short"
    if size is not None and size > high:
        return "too_long"
    return "invalid"


def _failures(value: Any, prop: Prop, path: str) -> list[FieldError]:
    out: list[FieldError] = []
    for check in prop.checks:
        if check.test(value):
            continue
        kind = check.kind
        if kind == "length":
            kind = _length_kind(value, check.ctx["min"], check.ctx["max"])
        out.append(FieldError(path, kind, check.constraint, {"constraint": check.constraint, **check.ctx}))
    return out


def _check_prop(value: Any, prop: Prop, path: str) -> list[FieldError]:
    own = _failures(value, prop, path)
    if prop.nested is not None:
        if isinstance(value, dict):
            # Nest drops a parent's own constraints once it has children; a dict passes
            # IsObject anyway, so only the children's (prefixed) messages remain.
            return validate(value, NESTED[prop.name], path + ".")
        if not isinstance(value, list):
            # A list would be validated element by element; [INF] we stop at "must be an object".
            own.append(FieldError(path, "type", "nestedValidation", {"constraint": "nestedValidation"}))
    return own


def validate(data: Mapping[str, Any], dto: Dto | None = None, prefix: str = "", *,
             keys: tuple[str, ...] | None = None) -> list[FieldError]:
    """Every failing constraint, in class-validator's order; [] when the body is valid.

    Required properties are always checked, optional ones only when the body has
    them (IsOptional skips the rest), so a typical body costs ~8 checks, not 23.
    A first pass only asks each property's ``ok`` (inline as its ``quick`` form
    where it has one); the walk that collects messages runs only if one says
    no, and it reports exactly the properties whose ``ok`` is false, so a pass
    where every ``ok`` holds means [].  ``keys`` is ``tuple(data)`` if the
    caller has it already.
    """
    dto = dto or CREATE_USER
    for name, quick in dto.required_quick:
        value = data.get(name)
        if type(quick) is frozenset:
            if isinstance(value, str) and value in quick:
                continue
        elif quick(value):
            continue
        return _walk(data, dto, prefix)
    if keys is None:
        keys = tuple(data)
    plan = dto.plans.get(keys) or dto.plan(keys)
    if plan is INCOMPLETE:
        return _walk(data, dto, prefix)
    # A dict's values come in its keys' order, and the plan is the keys' (so as long): no strict=True,
    # whose keyword zip() parses on each call (~0.1 us of a create).
    for quick, value in zip(plan, data.values()):  # noqa: B905
        if quick is FILLED:
            if isinstance(value, str) and value:
                continue
        elif quick is None or value is None:  # not a property (dropped) / done above / IsOptional
            continue
        elif quick is str:
            if isinstance(value, str):
                continue
        elif type(quick) is frozenset:
            if isinstance(value, str) and value in quick:
                continue
        elif quick(value):
            continue
        return _walk(data, dto, prefix)
    return []


def _walk(data: Mapping[str, Any], dto: Dto, prefix: str) -> list[FieldError]:
    """The failures of every property whose ``ok`` is false, in the DTO's declaration order."""
    found: list[tuple[int, list[FieldError]]] = []
    for index, prop in dto.required:
        value = data.get(prop.name)
        if prop.ok(value):
            continue
        errors = _check_prop(value, prop, prefix + prop.name)
        if errors:
            found.append((index, errors))
    optional = dto.optional
    for name, value in data.items():
        entry = optional.get(name)
        if entry is None or value is None or entry[1].ok(value):
            continue
        errors = _check_prop(value, entry[1], prefix + name)
        if errors:
            found.append((entry[0], errors))
    if not found:
        return []
    found.sort(key=lambda item: item[0])  # the DTO's declaration order, not the body's
    return [error for _, errors in found for error in errors]


CREATE_USER = Dto(CREATE_USER_DTO)

# The invite's @Query() DTO [PUB: all four "(Required)"; names and the invitation enum].
# [INF] the decorators: @IsString() @IsNotEmpty() for the free texts (platformLink is not
# checked as a URL: the page only calls it a "URL to the platform", and a strict @IsUrl
# would refuse localhost links), @IsEmail() @IsNotEmpty() and @IsEnum() @IsNotEmpty().
INVITE_QUERY_DTO: tuple[Prop, ...] = (
    required("invitedByName"),
    required_email("invitedByEmail"),
    required("platformLink"),
    required_enum("invitation", INVITATIONS),
)
INVITE_QUERY = Dto(INVITE_QUERY_DTO)
INVITE_FIELDS: tuple[str, ...] = tuple(p.name for p in INVITE_QUERY_DTO)
NESTED: dict[str, Dto] = {p.name: Dto(p.nested) for p in CREATE_USER_DTO if p.nested}


# ---------------------------------------------------------------- OpenAPI
# The tables above as JSON Schema, for the generated OpenAPI document: each
# class-validator constraint becomes the JSON Schema keyword that accepts what
# its test accepts, so the document cannot drift from the validation.
def _check_schema(check: Check) -> dict[str, Any]:
    constraint, ctx = check.constraint, check.ctx
    if constraint == "isString":
        return {"type": "string"}
    if constraint == "isObject":
        return {"type": "object"}
    if constraint == "isEnum":
        return {"type": "string", "enum": list(ctx["choices"])}
    if constraint == "isNumberString":
        return {"type": "string", "pattern": "^[0-9]+$"}
    if constraint == "isLength":
        return {"type": "string", "minLength": ctx["min"], "maxLength": ctx["max"]}
    if constraint == "isEmail":
        return {"type": "string", "format": "email"}
    if constraint == "isNotEmpty":
        return {"not": {"const": ""}}  # not null (required), not ""; a string check adds minLength
    raise ValueError(f"no JSON Schema for class-validator constraint {constraint!r}")


def _prop_schema(prop: Prop) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    for check in prop.checks:
        schema.update(_check_schema(check))
    if "not" in schema and schema.get("type") == "string":
        del schema["not"]
        schema.setdefault("minLength", 1)
    if prop.nested is not None:
        schema.update(_object_schema(prop.nested))
    if prop.optional:  # @IsOptional(): null skips every check
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


def _object_schema(props: tuple[Prop, ...]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": {p.name: _prop_schema(p) for p in props}}
    required = [p.name for p in props if not p.optional]
    if required:
        schema["required"] = required
    return schema


def json_schema(props: tuple[Prop, ...], title: str, description: str = "", examples: tuple[Mapping[str, Any], ...] = ()) -> dict[str, Any]:
    """A DTO table as a JSON Schema object (unknown properties are let through, as here)."""
    schema: dict[str, Any] = {"title": title}
    if description:
        schema["description"] = description
    schema.update(_object_schema(props))
    if examples:
        schema["examples"] = [dict(example) for example in examples]
    return schema


# [SEED] the create-user page's request example.
CREATE_USER_EXAMPLE: dict[str, Any] = {
    "username": "ada.obi@example.ng", "password": "Secret123!", "firstName": "Ada", "lastName": "Obi",
    "role": "MERCHANT", "gender": "FEMALE", "phone": "08031234567",
}
CREATE_USER_SCHEMA = json_schema(
    CREATE_USER_DTO, "CreateUserDto",
    "The create-user DTO as the ValidationPipe checks it; `role` defaults to CUSTOMER.",
    (CREATE_USER_EXAMPLE,),
)
INVITE_QUERY_SCHEMA = json_schema(INVITE_QUERY_DTO, "InviteQueryDto")
