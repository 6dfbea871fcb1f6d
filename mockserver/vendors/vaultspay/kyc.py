"""VaultsPay KYC: personal info (POST/PATCH) and the KYC summary (GET).

One record per user in the "kyc" table: the submitted personal fields, when
they were last submitted and, for fixture users, an admin's final decision.
The status is computed on every read from the virtual clock: PENDING until
``kycVerificationDelay`` has passed since the last submission, then VERIFIED
(there is no background task, so advancing /__admin/clock is enough).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel

from ...core.errors import FieldError, VendorError
from ...core.validation import validate
from ...core.vendor import Call, Reply, StoreTable, VendorContext
from . import responses
from .models import PERSONAL_FIELDS, KycPersonalCreate, KycPersonalUpdate, KycSeed, parse_body
from .users import no_such_user, owned, owned_by_path, unique_keys

M = TypeVar("M", bound=BaseModel)

PENDING, VERIFIED = "PENDING", "VERIFIED"
# [INF] the prerequisite an ACTION_REQUIRED names when PATCH comes before POST.
PERSONAL_INFO_ACTION = "KYC_PERSONAL_INFO"


class Kyc:
    def __init__(self, ctx: VendorContext, delay: timedelta | None, wrap_personal: bool) -> None:
        # Immutable settings only; every record is looked up in the store per call.
        self.ctx = ctx
        self.delay = None if delay is None else delay.total_seconds()
        self.wrap_personal = wrap_personal

    records = StoreTable("kyc")
    users = StoreTable("users")

    # ------------------------------------------------------------- seeding
    def seed(self, entries: list[KycSeed]) -> None:
        now = self.ctx.clock.timestamp()
        for entry in entries:
            personal = entry.personalInfo.model_dump()
            personal["dob"] = entry.personalInfo.dob.isoformat()
            decision = None if entry.status == PENDING else entry.status
            self.records.insert(entry.userId, {"personal": personal, "submittedAt": now, "decision": decision})

    # ------------------------------------------------------------- handlers
    def create_personal(self, agent_id: int, raw: bytes) -> Reply:
        body = self._parse(KycPersonalCreate, raw)
        user = owned(self.users, agent_id, body.userId)
        if user is None:
            raise no_such_user("userId")
        if self.records.get(user["id"]) is not None:
            # [INF] create is once per user; changes go through PATCH.
            raise VendorError("INVALID_PAYLOAD", fields=(FieldError("userId", "exists", "Personal info already exists for this user"),))
        personal = {name: getattr(body, name) for name in PERSONAL_FIELDS}
        record = {"personal": personal, "submittedAt": self.ctx.clock.timestamp(), "decision": None}
        self.records.insert(user["id"], record)
        self._sync_names(user, personal)
        return self._personal_reply(user["id"], record)

    def update_personal(self, agent_id: int, raw: bytes) -> Reply:
        body = self._parse(KycPersonalUpdate, raw)
        user = owned(self.users, agent_id, body.userId)
        if user is None:
            raise no_such_user("userId")
        current = self.records.get(user["id"])
        if current is None:
            raise VendorError("ACTION_REQUIRED", fields=(FieldError("actionRequired", "action", PERSONAL_INFO_ACTION),))
        if self.status(current) != PENDING:
            # [INF] "Only allowed when KYC status is PENDING" [PUB]; no code is published for the refusal.
            wrong = FieldError("status", "state", "Personal info can only be updated while KYC status is PENDING")
            raise VendorError("INVALID_PAYLOAD", fields=(wrong,))
        # Partial update: absent and null fields keep their value [INF for null].
        changes = {name: getattr(body, name) for name in body.model_fields_set if name != "userId" and getattr(body, name) is not None}
        # [INF] a changed application goes back to review: the verification delay restarts.
        record = {**current, "personal": {**current["personal"], **changes}, "submittedAt": self.ctx.clock.timestamp()}
        self.records.update(user["id"], record)
        self._sync_names(user, changes)
        return self._personal_reply(user["id"], record)

    def get(self, agent_id: int, call: Call) -> Reply:
        user = owned_by_path(self.users, agent_id, call.params["userId"], "userId")
        record = self.records.get(user["id"])
        if record is None:
            # [INF] nothing submitted yet: PENDING with empty sections.
            return responses.wrapped(responses.kyc(user, PENDING, None))
        status = self.status(record)
        return responses.wrapped(responses.kyc(user, status, responses.personal(user["id"], record["personal"], status)))

    # ------------------------------------------------------------- helpers
    def status(self, record: dict[str, Any]) -> str:
        if record["decision"] is not None:
            return str(record["decision"])
        if self.delay is not None and self.ctx.clock.timestamp() >= record["submittedAt"] + self.delay:
            return VERIFIED
        return PENDING

    def _personal_reply(self, user_id: int, record: dict[str, Any]) -> Reply:
        body = responses.personal(user_id, record["personal"], self.status(record))
        return responses.wrapped(body) if self.wrap_personal else Reply(200, body)

    def _sync_names(self, user: dict[str, Any], personal: dict[str, Any]) -> None:
        # [INF] the KYC legal name is the user's name: GET /as/api/v1/users shows the change.
        names = {key: personal[key] for key in ("firstName", "lastName") if personal.get(key) is not None}
        if names and any(user[key] != value for key, value in names.items()):
            updated = {**user, **names}
            self.users.update(user["id"], updated, unique_keys(updated))

    def _parse(self, model: type[M], body: bytes) -> M:
        # The clock's date goes in the validation context so "dob must be past" is
        # reported together with every other failing field.
        today: date = self.ctx.clock.now().date()
        return validate(model, parse_body(body), {"today": today})
