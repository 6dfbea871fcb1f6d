"""Sabi's create-user answer: the raw Mongoose user document [SEED].

Key order follows the seed: the four sub-objects Mongoose materialises from
schema defaults (wallet, settlement, location, metadata), then ``_id`` and
``__v``, then every other field in ASCII order - the seed's example is
sorted that way, so [INF] fields the client sent (gender, middleName, state,
bvn, ...) take their sorted place among them.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import Any, Mapping

from ...core.clock import iso_z
from ...core.seeding import Draw
from ...core.vendor import VendorContext

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

    The process bytes and the counter's start come from the seed (drawn at reset);
    they and the counter live in the store, so a reset replays the same ids and the
    vendor object itself holds no state.
    """

    __slots__ = ("ctx",)

    def __init__(self, ctx: VendorContext) -> None:
        self.ctx = ctx

    def reset(self, draw: Draw) -> None:
        self.ctx.table("object_ids").update("process", {"process": draw.hex(10), "start": draw.below(1 << 24)})

    def new(self, timestamp: float) -> str:
        state = self.ctx.table("object_ids").get("process") or _NO_PROCESS
        n = self.ctx.next_id("object_ids", 1)
        return f"{int(timestamp) & 0xFFFFFFFF:08x}{state['process']}{(state['start'] + n) & 0xFFFFFF:06x}"


_NO_PROCESS = {"process": "0" * 10, "start": 0}  # only before the first seed()


def pass_id(draw: Draw) -> str:
    # [INF] format: 8 characters from an unambiguous upper-case alphabet (32 symbols:
    # 5 bits each, so one 64-bit draw is enough).
    word = draw.next()
    return "".join([_PASS_ALPHABET[(word >> shift) & 31] for shift in range(0, 40, 5)])


_stamp_second = -1
_stamp_prefix = ""


def stamp(moment: datetime) -> str:
    """core.clock.iso_z, with the strftime part cached per second (it is most of the cost)."""
    global _stamp_second, _stamp_prefix
    second = int(moment.timestamp())
    if second != _stamp_second:
        _stamp_second, _stamp_prefix = second, iso_z(moment)[:-4]
    return f"{_stamp_prefix}{moment.microsecond // 1000:03d}Z"


@lru_cache(maxsize=4096)
def slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return "".join(c for c in folded.lower() if c.isalnum())


def user_handle(first: str, last: str, draw: Draw) -> str:
    # [INF] format: first+last name, ASCII-folded, lower-case, plus 4 digits ("adaobi4821").
    base = (slug(first) + slug(last))[:20] or "user"
    return f"{base}{draw.below(10000):04d}"


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


def document(
    body: Mapping[str, Any],
    *,
    user_id: str,
    places: Mapping[str, dict[str, Any]],
    role: str,
    tenants: list[str],
    pass_code: str,
    handle: str,
    created: datetime,
    invitation_type: str = "SELF",
    created_by: str | None = None,
) -> dict[str, Any]:
    """The stored and returned document for a validated create-user body.

    ``invitation_type`` / ``created_by`` are the seed's "SELF" / null for a sign-up,
    the invite's ``invitation`` and inviter for an invited user [INF].

    Every key that can ever appear is written in its final place (the seed's head,
    then ASCII order); optional ones the client did not send are then deleted, which
    keeps the others' order and is cheaper than sorting per request.
    """
    created_at = stamp(created)
    get = body.get
    doc: dict[str, Any] = {
        "wallet": _WALLET,
        "settlement": _SETTLEMENT,
        "location": _LOCATION,
        "metadata": _METADATA,
        "_id": user_id,
        "__v": 0,
        "actionBy": get("actionBy"),
        "address": get("address"),
        "appDefaultView": _APP_DEFAULT_VIEW,
        "businesses": _EMPTY,
        "bvmVerified": "PENDING",  # sic, the seed's spelling
        "bvn": get("bvn"),
        "city": places.get("city"),
        "commodityActiveTraderStatus": "NONE",
        "country": places["country"],
        "createdAt": created_at,
        "createdBy": created_by,
        "customerRating": 1,
        "dob": get("dob"),
        "driversLicenseVerified": "PENDING",
        "emailVerification": False,
        "firstName": body["firstName"],
        "foreignerResidentialCity": places.get("foreignerResidentialCity"),
        "foreignerResidentialCountry": places.get("foreignerResidentialCountry"),
        "foreignerResidentialState": places.get("foreignerResidentialState"),
        "gender": get("gender"),
        "hasPin": False,
        "identityDoc": get("identityDoc"),
        "identityDocVerified": "PENDING",
        "identityType": get("identityType"),
        "invitationType": invitation_type,
        "isDistributor": False,
        "isForeigner": False,  # [INF] constant: no documented rule sets it
        "isManufacturer": False,
        "lastName": body["lastName"],
        "livenessImageVerified": "PENDING",
        "middleName": get("middleName"),
        "nin": get("nin"),
        "ninVerified": "PENDING",
        "passId": pass_code,
        "passportNumberVerified": "PENDING",
        "password": None,  # stored, never echoed
        "passwordExpirationDate": None,
        "passwordResetStatus": "NOT_RESET",
        "permissions": _EMPTY,
        "phone": get("phone"),  # [INF] null when not sent
        "phoneVerified": "PENDING",
        "photo": get("photo"),
        "profileOwners": _EMPTY,
        "proofOfAddressVerified": "PENDING",
        "roles": [role],
        "sellerRating": 1,
        "state": places.get("state"),
        "status": "ACTIVE",
        "tenants": tenants,
        "type": "USER",
        "updatedAt": created_at,
        "userHandle": handle,
        "username": body["username"],
        "voterCardVerified": "PENDING",
    }
    for key in OPTIONAL_KEYS:
        if doc[key] is None:
            del doc[key]
    return doc


# [INF] what the client sent beyond the seed's keys, kept in its ASCII-sorted place.
OPTIONAL_KEYS = tuple(sorted(ECHOED_STRINGS + SUBDOCUMENTS))


# ---------------------------------------------------------------- OpenAPI
# The document above as pydantic models, for the generated OpenAPI document only
# (never used to build or check a response): keys always written are required,
# OPTIONAL_KEYS (deleted when the client sent nothing) are ``absent()``.
from typing import Literal, Optional  # noqa: E402

from pydantic import BaseModel, ConfigDict, Field  # noqa: E402

from ...core.openapi import absent  # noqa: E402
from .dto import GENDERS, INVITATIONS, ROLES  # noqa: E402


class Wallet(BaseModel):
    accounts: list[Any]
    createdAt: None
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


class Place(BaseModel):
    """``state``, ``city`` and the foreigner ones: {name, code[, currency], _id}; their
    DTO does not check a sent currency, so it is kept as sent."""

    model_config = ConfigDict(populate_by_name=True)

    name: str
    code: str
    currency: Any = absent()
    id: str = Field(alias="_id")


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
    createdBy: Optional[str]
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
    password: None
    passwordExpirationDate: None
    passwordResetStatus: str
    permissions: list[Any]
    phone: Optional[str]
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
