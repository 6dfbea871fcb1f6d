"""Sabi's request-path shortcuts give exactly what the plain computation gives.

Each shortcut (precomputed document layouts, the valid-body validation pass, the
float-to-stamp split, the pass-id pair table, the plain Content-Type set) is run
next to a straightforward reference on sample bodies and on error cases.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from mockserver.core.errors import VendorError
from mockserver.core.seeding import Draw
from mockserver.core.store import MemoryStore
from mockserver.vendors.sabi import bodyparser, dto, responses
from tests.core.samples import CREATE_BODIES, variant

from .test_create_user import MINIMAL, SEED_EXAMPLE
from .test_units import VALUES

BODIES: list[dict[str, Any]] = [CREATE_BODIES["sabi"], variant("sabi", 7), MINIMAL, SEED_EXAMPLE, dto.CREATE_USER_EXAMPLE, {}]


# ------------------------------------------------------------------ validation
def _error_bodies() -> list[dict[str, Any]]:
    """Every property set to every test value, on top of each valid body (and alone)."""
    out: list[dict[str, Any]] = []
    for base in (MINIMAL, SEED_EXAMPLE, {}):
        for prop in dto.CREATE_USER_DTO:
            for value in VALUES:
                out.append({**base, prop.name: value})
            if prop.nested:
                for child in prop.nested:
                    for value in VALUES:
                        out.append({**base, prop.name: {"name": "N", "code": "C", child.name: value}})
    return out


def test_validation_pass_agrees_with_the_full_walk() -> None:
    bodies = BODIES + _error_bodies()
    for body in bodies:
        assert dto.validate(body) == dto._walk(body, dto.CREATE_USER, ""), body
    assert sum(1 for body in bodies if dto.validate(body)) > 2000  # the error cases do fail


def test_invite_query_pass_agrees_with_the_full_walk() -> None:
    good = {"invitedByName": "N", "invitedByEmail": "n@example.ng", "platformLink": "https://x", "invitation": "SABI"}
    for name in good:
        for value in [*VALUES, None]:
            query = {**good, name: value}
            assert dto.validate(query, dto.INVITE_QUERY) == dto._walk(query, dto.INVITE_QUERY, "")
    assert dto.validate(good, dto.INVITE_QUERY) == [] == dto._walk(good, dto.INVITE_QUERY, "")


def _quick_holds(quick: Any, value: Any) -> bool:
    """What validate()'s valid-body pass reads a Prop.quick marker as."""
    if quick is dto.FILLED:
        return isinstance(value, str) and value != ""
    if quick is str:
        return isinstance(value, str)
    assert type(quick) is frozenset
    return isinstance(value, str) and value in quick


ALL_PROPS = [*dto.CREATE_USER_DTO, *dto.INVITE_QUERY_DTO, *(child for p in dto.CREATE_USER_DTO for child in p.nested or ())]


@pytest.mark.parametrize("prop", ALL_PROPS, ids=lambda p: p.name)
def test_ok_and_quick_say_what_the_checks_say(prop: dto.Prop) -> None:
    # A Prop declares its checks only; ok and quick are derived from them (dto._all_pass, _quick_form).
    values = [*VALUES, *(c for check in prop.checks for c in check.ctx.get("choices", ()))]
    if prop.nested:
        values += [{"name": "N", "code": "C"}, {"name": "N", "code": "C", "currency": "NGN"}]
        values += [{"name": "N", "code": "C", child.name: value} for child in prop.nested for value in VALUES]
    for value in values:
        passes = not dto._check_prop(value, prop, prop.name)
        assert prop.ok(value) == passes, (prop.name, value)
        if prop.quick is not None:
            assert _quick_holds(prop.quick, value) == passes, (prop.name, value)


def test_every_property_of_plain_checks_gets_a_quick_form() -> None:
    # The valid-body pass runs without a call for these: the point of deriving the forms.
    assert dto.required("x").quick is dto.FILLED and dto.text("x").quick is str
    assert dto.one_of("x", dto.GENDERS).quick == frozenset(dto.GENDERS) == dto.required_enum("x", dto.GENDERS).quick
    assert dto.digits11("x").quick is None and dto.required_email("x").quick is None  # these call ok


# ------------------------------------------------------------------ document
def _reference_document(body: Mapping[str, Any], places: Mapping[str, dict[str, Any]], **kw: Any) -> dict[str, Any]:
    """The document written key by key, optional keys deleted when not sent (the plain way)."""
    get = body.get
    created_at = kw["created_at"]
    doc: dict[str, Any] = {
        "wallet": {"accounts": [], "createdAt": None, "virtualBankCode": "035", "virtualBankName": "Wema Bank"},
        "settlement": {"enableAutoSettlement": False},
        "location": {"coordinates": [0, 0], "type": "Point"},
        "metadata": {"essentialCertification": []},
        "_id": kw["user_id"], "__v": 0, "actionBy": get("actionBy"), "address": get("address"),
        "appDefaultView": {"TRACE": "NONE", "LOFT": "NONE", "KATSU": "NONE", "SABI_MARKET": "NONE", "PLATFORM": "NONE", "DEAL": "NONE"},
        "businesses": [], "bvmVerified": "PENDING", "bvn": get("bvn"), "city": places.get("city"),
        "commodityActiveTraderStatus": "NONE", "country": places["country"], "createdAt": created_at,
        "createdBy": kw["created_by"], "customerRating": 1, "dob": get("dob"), "driversLicenseVerified": "PENDING",
        "emailVerification": False, "firstName": body["firstName"],
        "foreignerResidentialCity": places.get("foreignerResidentialCity"),
        "foreignerResidentialCountry": places.get("foreignerResidentialCountry"),
        "foreignerResidentialState": places.get("foreignerResidentialState"), "gender": get("gender"), "hasPin": False,
        "identityDoc": get("identityDoc"), "identityDocVerified": "PENDING", "identityType": get("identityType"),
        "invitationType": kw["invitation_type"], "isDistributor": False, "isForeigner": False, "isManufacturer": False,
        "lastName": body["lastName"], "livenessImageVerified": "PENDING", "middleName": get("middleName"), "nin": get("nin"),
        "ninVerified": "PENDING", "passId": kw["pass_code"], "passportNumberVerified": "PENDING", "password": None,
        "passwordExpirationDate": None, "passwordResetStatus": "NOT_RESET", "permissions": [], "phone": get("phone"),
        "phoneVerified": "PENDING", "photo": get("photo"), "profileOwners": [], "proofOfAddressVerified": "PENDING",
        "roles": [kw["role"]], "sellerRating": 1, "state": places.get("state"), "status": "ACTIVE",
        "tenants": [kw["tenant"]] if kw["tenant"] else [], "type": "USER", "updatedAt": created_at,
        "userHandle": kw["handle"], "username": body["username"], "voterCardVerified": "PENDING",
    }
    for key in responses.OPTIONAL_KEYS:
        if doc[key] is None:
            del doc[key]
    return doc


def _document_bodies() -> list[dict[str, Any]]:
    rng = random.Random(5)
    optional = list(responses.OPTIONAL_KEYS)
    subsets = [(), tuple(optional)] + [(key,) for key in optional] + [
        tuple(rng.sample(optional, rng.randint(0, len(optional)))) for _ in range(300)
    ]
    out = list(BODIES[:4])
    for keys in subsets:
        body = dict(MINIMAL)
        role = rng.choice((*dto.ROLES, None, "absent"))
        if role != "absent":
            body["role"] = role
        for key in keys:
            roll = rng.random()
            empty = "" if key in responses.ECHOED_STRINGS else {"name": "", "code": ""}  # valid, and kept
            body[key] = None if roll < 0.2 else (empty if roll < 0.3 else SEED_EXAMPLE[key])
        out.append(body)
    return out


@pytest.mark.parametrize("invite", [False, True])
def test_document_layouts_write_what_the_plain_document_writes(invite: bool) -> None:
    query = {"invitedByName": "N", "invitedByEmail": "n@example.ng", "platformLink": "https://x", "invitation": "SABI"}
    for n, body in enumerate(_document_bodies()):
        layout = responses.shape(body)
        ids = [f"{n:08x}{k:016x}" for k in range(2 + len(layout.subdocuments))]
        tenant = body.get("tenantId") or ("655b1200a1b2c3d4e5f60718" if n % 2 else None)
        got = responses.document(body, layout, ids, "2026-03-01T10:00:00.123Z", "ABCD2345", "adaobi0042", tenant, query if invite else None)
        places = {name: responses.place(body[name], object_id) for name, object_id in zip(layout.subdocuments, ids[2:], strict=True)}
        places["country"] = responses.place(body.get("country") or responses.DEFAULT_COUNTRY, ids[1])
        want = _reference_document(
            body, places, user_id=ids[0], role=body.get("role") or "CUSTOMER", tenant=tenant, pass_code="ABCD2345",
            handle="adaobi0042", created_at="2026-03-01T10:00:00.123Z",
            invitation_type="SABI" if invite else "SELF", created_by="n@example.ng" if invite else None,
        )
        assert orjson.dumps(got) == orjson.dumps(want), body


# ------------------------------------------------------------------ small helpers
def _stamps() -> list[float]:
    rng = random.Random(11)
    base = [0.0, 1e-7, 0.0004995, 0.0005, 0.9994999, 0.9995, 0.9999994, 0.9999995, 0.9999996, 1.0, 59.9999999]
    epochs = [1_700_000_000, 1_772_359_200, 1_704_067_199, 4_102_444_799]
    out = [e + b for e, b in itertools.product(epochs, base)]
    out += [rng.uniform(0, 4.1e9) for _ in range(20_000)]
    out += [math.floor(x) + k / 2_000_000 for x in out[:200] for k in (1, 3, 999, 1001, 1_999_999)]  # half-microseconds
    out += [math.nextafter(x, math.inf) for x in out[:500]] + [math.nextafter(x, -math.inf) for x in out[:500]]
    return out + [-0.5, -1.0000005, -86_400.25]


def test_instant_matches_a_datetime_built_from_the_timestamp() -> None:
    for timestamp in _stamps():
        moment = datetime.fromtimestamp(timestamp, UTC)
        assert responses.instant(timestamp) == (int(moment.timestamp()), responses.stamp(moment)), timestamp


def test_pass_id_pairs_match_symbol_by_symbol() -> None:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    for n in range(2000):
        draw, again = Draw(n), Draw(n)
        word = again.next()
        assert responses.pass_id(draw) == "".join(alphabet[(word >> shift) & 31] for shift in range(0, 40, 5))


def test_object_ids_taken_together_equal_ids_taken_one_by_one() -> None:
    class Table(dict[str, Any]):
        def update(self, key: str, record: dict[str, Any]) -> None:  # type: ignore[override]
            self[key] = record

    class Ctx:
        namespace = "sabi"

        def __init__(self) -> None:
            self.object_ids = Table()
            self.store = MemoryStore()  # the count of ids taken: an atomic counter of the store's

        def table(self, name: str) -> Table:
            return self.object_ids

    together, one_by_one = responses.ObjectIds(Ctx()), responses.ObjectIds(Ctx())  # type: ignore[arg-type]
    together.reset(Draw(1))
    one_by_one.reset(Draw(1))
    for count in (2, 1, 7, 2, 3):
        assert together.take(1_772_359_200.5, count) == [one_by_one.new(1_772_359_200.5) for _ in range(count)]


_PLAIN_BODIES = [b'{"a": 1}', b"[1]", b"\xef\xbb\xbf{}", b"{", b"1", b'"x"', b"", b"  ", b'{"a": "\\ud800"}']


@pytest.mark.parametrize("content_type", sorted(bodyparser._PLAIN_JSON))
def test_plain_json_content_types_take_the_general_path_s_decision(content_type: str) -> None:
    def outcome(ct: str, body: bytes) -> Any:
        try:
            return ("value", bodyparser.parse(ct, body))
        except VendorError as exc:
            return ("error", exc.name, exc.message)

    for body in _PLAIN_BODIES:
        # A trailing space keeps the meaning but misses the set: the general path.
        assert outcome(content_type, body) == outcome(content_type + " ", body)
