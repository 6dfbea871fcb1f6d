"""Sabi's create-user answer: the raw Mongoose user document [SEED].

Key order follows the seed: the four sub-objects Mongoose materialises from
schema defaults (wallet, settlement, location, metadata), then ``_id`` and
``__v``, then every other field in ASCII order - the seed's example is
sorted that way, so [INF] fields the client sent (gender, middleName, state,
bvn, ...) take their sorted place among them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ...core.clock import instant_parts, iso_z
from ...core.seeding import Draw
from ...core.store import Table
from ...core.vendor import VendorContext
from .dto import DEFAULT_ROLE, GENDERS, INVITATIONS, ROLES

# [INF] top-level optional strings the client may send that the document keeps as sent.
ECHOED_STRINGS = ("middleName", "address", "photo", "identityType", "identityDoc", "actionBy", "dob", "gender", "bvn", "nin")
# Sub-documents: each gets its own _id like the seed's country [SEED for country, INF for the rest].
SUBDOCUMENTS = ("state", "city", "foreignerResidentialCountry", "foreignerResidentialState", "foreignerResidentialCity")
PLACE_KEYS = ("name", "code", "currency")

# [SEED] the default country of a user who sends none.
DEFAULT_COUNTRY = {"name": "Nigeria", "code": "NG", "currency": "NGN"}

_PASS_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O/1/I: read aloud and typed by users


class ObjectIds:
    """MongoDB ObjectIds: 4-byte seconds + 5 per-process random bytes + 3-byte counter.

    The process bytes and the counter's start (both drawn from the seed at
    reset) live in one record of the ``object_ids`` table, and how many ids
    were taken in the store's counter of that name, so a reset replays the
    same ids and the vendor object itself holds no state.  The count moves by
    one atomic ``incr`` per request (however many ids it takes): workers and
    hosts sharing a store (Redis) never hand out one id twice, where reading
    the count and writing it back would let two of them read the same value.
    Clearing the namespace forgets it together with the process bytes.
    """

    __slots__ = ("ctx",)

    def __init__(self, ctx: VendorContext) -> None:
        self.ctx = ctx

    def reset(self, draw: Draw) -> None:
        # A re-seed of a namespace that was not cleared keeps counting (no id is ever reused): the count is left alone.
        self.ctx.table(_TABLE).update("process", {"process": draw.hex(10), "start": draw.below(1 << 24)})

    def take(self, timestamp: float, count: int) -> list[str]:
        """``count`` consecutive ids stamped with ``timestamp``'s whole seconds."""
        table = self.ctx.table(_TABLE)
        state = table.get("process") or _unseeded(table)
        ctx = self.ctx
        return self.stamped(timestamp, count, ctx.store.incr(ctx.namespace, _TABLE, count), state)

    def stamped(self, timestamp: float, count: int, counted: int, state: dict[str, Any] | None = None) -> list[str]:
        """The ``count`` ids ``take`` gives once the count has moved to ``counted`` (``COUNTER`` moved by the
        caller: ``VendorContext.draw_and_incr_if_free``)."""
        global _base_second, _base_process, _base
        if state is None:
            table = self.ctx.table(_TABLE)
            state = table.view("process") or _unseeded(table)  # read only
        first = state["start"] + counted - count
        second, process = int(timestamp) & 0xFFFFFFFF, state["process"]
        if second != _base_second or process != _base_process:
            _base_second, _base_process = second, process
            _base = 1 << 96 | second << 64 | int(process, 16) << 24
        # An id is hex(base | counter) without its "0x1": the 1 above the 96 id bits
        # keeps the leading zeros (cheaper than formatting with a width).
        if count == 2:  # the usual request (the user and its country): no comprehension
            return [hex(_base | ((first + 1) & 0xFFFFFF))[3:], hex(_base | ((first + 2) & 0xFFFFFF))[3:]]
        return [hex(_base | ((first + n) & 0xFFFFFF))[3:] for n in range(1, count + 1)]

    def new(self, timestamp: float) -> str:
        return self.take(timestamp, 1)[0]


# The seconds-and-process part of the ids taken last, as an int with a 1 bit above it:
# built once a second (per namespace in use), not per id.
_base_second = -1
_base_process = ""
_base = 0


def _unseeded(table: Table) -> dict[str, Any]:
    """The state before the first seed(): zero process bytes, counting from 1."""
    state = {"process": "0" * 10, "start": 0}
    table.update("process", state)
    return state


_TABLE = "object_ids"
COUNTER = _TABLE  # the store's counter of ids taken (ObjectIds.take moves it)

# 8 symbols of 5 bits = 4 pairs of 10 bits: one lookup per pair instead of one per symbol.
_PASS_PAIRS: tuple[str, ...] = tuple(_PASS_ALPHABET[pair & 31] + _PASS_ALPHABET[pair >> 5] for pair in range(1024))


def pass_id(draw: Draw) -> str:
    # [INF] format: 8 characters from an unambiguous upper-case alphabet (32 symbols:
    # 5 bits each, so one 64-bit draw is enough); symbol k is bits 5k..5k+4 of the word.
    word = draw.next()
    pairs = _PASS_PAIRS
    return pairs[word & 1023] + pairs[(word >> 10) & 1023] + pairs[(word >> 20) & 1023] + pairs[(word >> 30) & 1023]


# core.clock.iso_z already formats each clock second once; a Sabi stamp is that.
stamp = iso_z

def instant(timestamp: float) -> tuple[int, str]:
    """(whole seconds, ``stamp``) of a clock timestamp, without building a datetime: exactly
    ``int(dt.timestamp())`` and ``stamp(dt)`` for ``dt = datetime.fromtimestamp(timestamp, UTC)``
    (core.clock.instant_parts; tests/vendors/sabi/test_fast_paths.py checks the two agree).
    Times before 1970 take the datetime path (int() truncates where instant_parts floors)."""
    if not timestamp >= 0.0:  # negative or NaN
        moment = datetime.fromtimestamp(timestamp, UTC)
        return int(moment.timestamp()), stamp(moment)
    second, _, text = instant_parts(timestamp)
    return second, text


@lru_cache(maxsize=4096)
def slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return "".join(c for c in folded.lower() if c.isalnum())


@lru_cache(maxsize=4096)
def _handle_base(first: str, last: str) -> str:
    return (slug(first) + slug(last))[:20] or "user"


def user_handle(first: str, last: str, draw: Draw) -> str:
    # [INF] format: first+last name, ASCII-folded, lower-case, plus 4 digits ("adaobi4821").
    digits = draw.below(10000)
    return _handle_base(first, last) + _TWO_DIGITS[digits // 100] + _TWO_DIGITS[digits % 100]


# "00".."99": two look-ups instead of a formatted field (~0.1 us of a create).
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(100))


def place(value: Mapping[str, Any], object_id: str) -> dict[str, Any]:
    """A {name, code[, currency]} sub-document with its _id last, as the seed's country."""
    out = {key: value[key] for key in PLACE_KEYS if value.get(key) is not None}
    out["_id"] = object_id
    return out


# [SEED] schema defaults every new user gets.  Shared between documents: a document is
# serialised as soon as it is built and never mutated, and not allocating ~10 containers
# per request is a measurable share of the hot path.
_WALLET: dict[str, Any] = {"accounts": [], "createdAt": None, "virtualBankCode": "035", "virtualBankName": "Wema Bank"}
_SETTLEMENT: dict[str, Any] = {"enableAutoSettlement": False}
_LOCATION: dict[str, Any] = {"coordinates": [0, 0], "type": "Point"}
_METADATA: dict[str, Any] = {"essentialCertification": []}
_APP_DEFAULT_VIEW: dict[str, str] = {"TRACE": "NONE", "LOFT": "NONE", "KATSU": "NONE", "SABI_MARKET": "NONE", "PLATFORM": "NONE", "DEAL": "NONE"}
_EMPTY: list[Any] = []
_ROLES: dict[str, list[str]] = {role: [role] for role in ROLES}  # shared `roles` values

_PER_USER = None  # placeholder in _LAYOUT: document() writes the value (or drops an optional key)

# Every key a document can have, in its final place (the seed's head, then ASCII order),
# with the seed's constant values.  Built once; a document is a copy of the layout for the
# optional keys the client sent (see Shape) with the per-user values written over it.
_LAYOUT: dict[str, Any] = {
    "wallet": _WALLET,
    "settlement": _SETTLEMENT,
    "location": _LOCATION,
    "metadata": _METADATA,
    "_id": _PER_USER,
    "__v": 0,
    "actionBy": _PER_USER,
    "address": _PER_USER,
    "appDefaultView": _APP_DEFAULT_VIEW,
    "businesses": _EMPTY,
    "bvmVerified": "PENDING",  # sic, the seed's spelling
    "bvn": _PER_USER,
    "city": _PER_USER,
    "commodityActiveTraderStatus": "NONE",
    "country": _PER_USER,
    "createdAt": _PER_USER,
    "createdBy": None,  # a sign-up's; an invite's is its inviter
    "customerRating": 1,
    "dob": _PER_USER,
    "driversLicenseVerified": "PENDING",
    "emailVerification": False,
    "firstName": _PER_USER,
    "foreignerResidentialCity": _PER_USER,
    "foreignerResidentialCountry": _PER_USER,
    "foreignerResidentialState": _PER_USER,
    "gender": _PER_USER,
    "hasPin": False,
    "identityDoc": _PER_USER,
    "identityDocVerified": "PENDING",
    "identityType": _PER_USER,
    "invitationType": "SELF",  # a sign-up's; an invite's is its invitation
    "isDistributor": False,
    "isForeigner": False,  # [INF] constant: no documented rule sets it
    "isManufacturer": False,
    "lastName": _PER_USER,
    "livenessImageVerified": "PENDING",
    "middleName": _PER_USER,
    "nin": _PER_USER,
    "ninVerified": "PENDING",
    "passId": _PER_USER,
    "passportNumberVerified": "PENDING",
    "password": None,  # stored, never echoed
    "passwordExpirationDate": None,
    "passwordResetStatus": "NOT_RESET",
    "permissions": _EMPTY,
    "phone": _PER_USER,  # [INF] null when not sent
    "phoneVerified": "PENDING",
    "photo": _PER_USER,
    "profileOwners": _EMPTY,
    "proofOfAddressVerified": "PENDING",
    "roles": _ROLES[DEFAULT_ROLE],
    "sellerRating": 1,
    "state": _PER_USER,
    "status": "ACTIVE",
    "tenants": _EMPTY,
    "type": "USER",
    "updatedAt": _PER_USER,
    "userHandle": _PER_USER,
    "username": _PER_USER,
    "voterCardVerified": "PENDING",
}

# [INF] what the client sent beyond the seed's keys, kept in its ASCII-sorted place.
OPTIONAL_KEYS = tuple(sorted(ECHOED_STRINGS + SUBDOCUMENTS))
_OPTIONAL = frozenset(OPTIONAL_KEYS)


class Shape:
    """The document layout for one set of optional keys a client sent (null = not sent)."""

    __slots__ = ("echoed", "sent", "subdocuments", "template")

    def __init__(self, sent: frozenset[str]) -> None:
        self.template = {key: value for key, value in _LAYOUT.items() if key not in _OPTIONAL or key in sent}
        self.echoed = tuple(key for key in ECHOED_STRINGS if key in sent)
        # In SUBDOCUMENTS order: the order their ObjectIds are taken in.
        self.subdocuments = tuple(key for key in SUBDOCUMENTS if key in sent)
        self.sent = self.echoed + self.subdocuments


# 2**15 combinations of optional keys exist, and bodies can carry any keys: both caches are
# bounded (past the bound a layout is still right, only rebuilt).
_MAX_CACHED = 1024
_BY_SENT: dict[frozenset[str], Shape] = {}
# By a body's keys in their order: a tuple of them is cheaper to make and look up than
# the set of optional ones, and a client sends the same keys in the same order each time.
_BY_KEYS: dict[tuple[str, ...], Shape] = {}


def _layout(sent: frozenset[str]) -> Shape:
    found = _BY_SENT.get(sent)
    if found is None:
        found = Shape(sent)
        if len(_BY_SENT) < _MAX_CACHED:
            _BY_SENT[sent] = found
    return found


def shape(body: Mapping[str, Any], keys: tuple[str, ...] | None = None) -> Shape:
    """The layout for a validated body (a body's optional values are strings or objects, or
    null); ``keys`` is ``tuple(body)`` if the caller has it already."""
    if keys is None:
        keys = tuple(body)
    found = _BY_KEYS.get(keys)
    if found is None:
        found = _layout(_OPTIONAL.intersection(keys))
        if len(_BY_KEYS) < _MAX_CACHED:
            _BY_KEYS[keys] = found
    for key in found.sent:
        if body[key] is None:  # sent as null: not sent
            return _layout(frozenset(key for key in found.sent if body[key] is not None))
    return found


def document(
    body: Mapping[str, Any],
    layout: Shape,
    ids: Sequence[str],
    created_at: str,
    pass_code: str,
    handle: str,
    tenant: str | None,
    invite: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The stored and returned document for a validated create-user body.

    ``layout`` is ``shape(body)``; ``ids`` the user's ObjectId, its country's, then
    one per ``layout.subdocuments``.  An invited user's ``invitationType`` is the
    ``invite`` query's invitation and ``createdBy`` the inviter's e-mail; a
    sign-up keeps the seed's "SELF" and null [INF].
    """
    doc = layout.template.copy()  # every key already in its final place
    doc["_id"] = ids[0]
    for key in layout.echoed:
        doc[key] = body[key]
    if layout.subdocuments:
        for n, key in enumerate(layout.subdocuments, 2):
            doc[key] = place(body[key], ids[n])
    country = body.get("country")
    # The literal is place(DEFAULT_COUNTRY, id): most users send no country.
    doc["country"] = place(country, ids[1]) if country else {"name": "Nigeria", "code": "NG", "currency": "NGN", "_id": ids[1]}
    doc["createdAt"] = doc["updatedAt"] = created_at
    if invite is not None:
        doc["createdBy"] = invite["invitedByEmail"]
        doc["invitationType"] = invite["invitation"]
    doc["firstName"] = body["firstName"]
    doc["lastName"] = body["lastName"]
    doc["passId"] = pass_code
    doc["phone"] = body.get("phone")
    role = body.get("role")
    if role and role != DEFAULT_ROLE:  # the layout has the default's
        doc["roles"] = _ROLES.get(role) or [role]
    if tenant:  # the layout has none
        doc["tenants"] = [tenant]
    doc["userHandle"] = handle
    doc["username"] = body["username"]
    return doc


# ---------------------------------------------------------------- OpenAPI
# The document above as pydantic models
# (the declaration the OpenAPI document is generated from; the builders are kept for
# speed, and tests/contract/test_response_models.py holds every documented answer to its
# model exactly: keys, their order, values): keys always written are required,
# OPTIONAL_KEYS (deleted when the client sent nothing) are ``absent()``.
from typing import Literal  # noqa: E402

from pydantic import BaseModel, ConfigDict, Field  # noqa: E402

from ...core.openapi import absent  # noqa: E402


class Wallet(BaseModel):
    accounts: list[Any]
    createdAt: str | None = Field(description="Always null in a new user's wallet; a Mongoose Date (ISO 8601) once set.")
    virtualBankCode: str
    virtualBankName: str


class Settlement(BaseModel):
    enableAutoSettlement: bool


class Location(BaseModel):
    coordinates: list[float]
    type: Literal["Point"]


class Metadata(BaseModel):
    essentialCertification: list[Any]


class AppDefaultView(BaseModel):
    TRACE: str
    LOFT: str
    KATSU: str
    SABI_MARKET: str
    PLATFORM: str
    DEAL: str


class CountryPlace(BaseModel):
    """``country`` / ``foreignerResidentialCountry``: {name, code[, currency], _id}."""

    model_config = ConfigDict(populate_by_name=True)

    name: str
    code: str
    currency: str = absent()
    id: str = Field(alias="_id")


class Place(CountryPlace):
    """``state``, ``city`` and the foreigner ones: {name, code[, currency], _id}; their
    DTO does not check a sent currency, so it is kept as sent."""

    currency: Any = absent()


class UserDocument(BaseModel):
    """The saved Mongoose user document, as ``document()`` writes it."""

    model_config = ConfigDict(populate_by_name=True)

    wallet: Wallet
    settlement: Settlement
    location: Location
    metadata: Metadata
    id: str = Field(alias="_id", pattern="^[0-9a-f]{24}$")
    v: int = Field(alias="__v")
    actionBy: str = absent()
    address: str = absent()
    appDefaultView: AppDefaultView
    businesses: list[Any]
    bvmVerified: str
    bvn: str = absent()
    city: Place = absent()
    commodityActiveTraderStatus: str
    country: CountryPlace
    createdAt: str
    createdBy: str | None
    customerRating: int
    dob: str = absent()
    driversLicenseVerified: str
    emailVerification: bool
    firstName: str
    foreignerResidentialCity: Place = absent()
    foreignerResidentialCountry: CountryPlace = absent()
    foreignerResidentialState: Place = absent()
    gender: Literal[GENDERS] = absent()  # type: ignore[valid-type]
    hasPin: bool
    identityDoc: str = absent()
    identityDocVerified: str
    identityType: str = absent()
    invitationType: Literal[("SELF", *INVITATIONS)]  # type: ignore[valid-type]
    isDistributor: bool
    isForeigner: bool
    isManufacturer: bool
    lastName: str
    livenessImageVerified: str
    middleName: str = absent()
    nin: str = absent()
    ninVerified: str
    passId: str
    passportNumberVerified: str
    password: str | None = Field(description="Stored, never echoed: always null.")
    passwordExpirationDate: str | None = Field(description="Always null for a new user; a Mongoose Date (ISO 8601) once set.")
    passwordResetStatus: str
    permissions: list[Any]
    phone: str | None
    phoneVerified: str
    photo: str = absent()
    profileOwners: list[Any]
    proofOfAddressVerified: str
    roles: list[Literal[ROLES]]  # type: ignore[valid-type]
    sellerRating: int
    state: Place = absent()
    status: str
    tenants: list[str]
    type: str
    updatedAt: str
    userHandle: str
    username: str
    voterCardVerified: str
