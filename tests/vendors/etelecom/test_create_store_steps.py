"""eTelecom's create-user in as few store steps as it can: a new phone's look-up with the membership's id, the
draw and the user id made from it checked free (one step), one row written (the user's, its first membership inside it).

Counted, never timed: the steps on the memory store (a spy on the vendor's context and tables), and on Redis the
commands and the scripts they run.  And what keeping the membership inside the user's row must not change: the
listing, the update and the delete of such a membership answer as for a membership row; a known user joining
another shop, or joining again after a delete, is a membership row of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from mockserver.app import build_app
from mockserver.config import Config
from tests.conftest import vendor_client_fixture
from tests.vendors.etelecom.helpers import (
    DELETE_URL,
    LIST_URL,
    NOW,
    OTHER_SHOP_KEY,
    OWNER_KEY,
    SAO_MAI,
    SEED_EXAMPLE,
    UPDATE_URL,
    URL,
    USER_EXISTS,
    bearer,
)

client, _reset = vendor_client_fixture("etelecom")

# The context's steps (core.vendor.VendorContext) a vendor may take: what the spy records.
_STEPS = ("next_id", "next_id_if_free", "next_id_and_draw_if_free", "next_id_draw_and_id_if_free", "draw_and_incr_if_free", "find_or_next_id", "find_or_draw",
          "bump_id", "next_id_at_least", "bump_id_if_absent", "next_id_at_least_if_absent", "draw")
_TABLE_CALLS = ("get", "view", "find", "conflict", "insert", "update", "delete", "values")


@pytest.fixture(autouse=True)
def _clock(client: Any, _reset: None) -> None:
    assert client.post("/__admin/clock", json={"freeze": True, "set": NOW}).status_code == 200


def rpc(client: Any, url: str, body: Any, key: str = OWNER_KEY) -> Any:
    return client.post(url, json=body, headers=bearer(key))


class _Table:
    """A table that records each call (``<table>.<method>``) before making it."""

    def __init__(self, table: Any, name: str, steps: list[str]) -> None:
        self.table, self._name, self._steps = table, name, steps

    def __getattr__(self, method: str) -> Any:
        found = getattr(self.table, method)
        if method not in _TABLE_CALLS:
            return found

        def call(*args: Any, **kwargs: Any) -> Any:
            self._steps.append(f"{self._name}.{method}")
            return found(*args, **kwargs)

        return call


class _Context:
    """The vendor's context recording its steps and its tables' calls (VendorContext has slots: a wrapper)."""

    def __init__(self, ctx: Any, steps: list[str]) -> None:
        self._ctx, self._steps = ctx, steps

    def table(self, name: str) -> _Table:
        return _Table(self._ctx.table(name), name, self._steps)

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._ctx, name)
        if name not in _STEPS:
            return found

        def step(*args: Any, **kwargs: Any) -> Any:
            self._steps.append(name)
            # The store's own table, not the recording one: a step's calls inside it are its own, not steps.
            return found(*[a.table if isinstance(a, _Table) else a for a in args], **kwargs)

        return step


def _steps_of(client: Any, call: Callable[[], Any]) -> list[str]:
    vendor = client.app.runtime.vendors["etelecom"]
    ctx, steps = vendor.ctx, []
    vendor.ctx = _Context(ctx, steps)
    vendor._session_tables.clear()  # the table handles it keeps are fetched again, through the recorder
    try:
        call()
    finally:
        vendor.ctx = ctx
        vendor._session_tables.clear()
    return steps


def test_a_new_users_create_is_one_step_and_one_row(client: Any) -> None:
    steps = _steps_of(client, lambda: _created(rpc(client, URL, SEED_EXAMPLE)))
    # The caller's key, the phone's look-up with the membership's id, the draw and the user id checked free, the user's
    # row: nothing else (before: the draw, the id, its check, the membership's id in four steps, then in two, and two rows).
    assert steps == ["api_keys.view", "next_id_draw_and_id_if_free", "users.insert"]


def test_a_known_users_create_in_another_shop_is_a_membership_row(client: Any) -> None:
    _created(rpc(client, URL, SEED_EXAMPLE))
    steps = _steps_of(client, lambda: _created(rpc(client, URL, SEED_EXAMPLE, OTHER_SHOP_KEY)))
    # The phone's user found (nothing moves), no membership of this shop, the membership's id and its row.
    assert steps == ["api_keys.view", "next_id_draw_and_id_if_free", "account_users.get", "next_id", "account_users.insert",
                     "shops.values"]
    again = rpc(client, URL, SEED_EXAMPLE)
    assert (again.status_code, again.json()) == (412, USER_EXISTS)  # the membership inside the user's row counts


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _listed(client: Any, key: str = OWNER_KEY, **paging: Any) -> dict[str, Any]:
    response = rpc(client, LIST_URL, {"paging": paging} if paging else {}, key)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_membership_inside_the_user_row_lists_updates_and_deletes_as_a_row(client: Any) -> None:
    user_id = int(_created(rpc(client, URL, {**SEED_EXAMPLE, "department_id": "1150482016510394700"}))["id"])
    record = client.app.runtime.vendors["etelecom"].users.get(user_id)
    assert record["member"]["shop_id"] == SAO_MAI  # kept inside the user's row...
    assert client.app.runtime.vendors["etelecom"].account_users.get((SAO_MAI, user_id)) is None  # ...and nowhere else
    listed = _listed(client)["account_users"]
    item = next(i for i in listed if int(i["user_id"]) == user_id)
    assert item == {
        "account_id": str(SAO_MAI), "deleted": False, "department_id": "1150482016510394700", "email": "",
        "full_name": "Nguyễn Thị Mai", "permissions": [], "phone": "0901234567", "position": "",
        "roles": ["telecom_customerservice"], "short_name": "", "user_id": str(user_id),
    }
    assert listed[0] == item  # the newest member first
    by_name = rpc(client, LIST_URL, {"filter": {"name": "mai", "roles": ["telecom_customerservice"]}}).json()
    assert [i["user_id"] for i in by_name["account_users"]] == [str(user_id)]

    # An update of its roles and of the user's name: one row, the user's updated_at moved by the name alone.
    updated = rpc(client, UPDATE_URL, {"user_id": str(user_id), "roles": ["salesman"], "full_name": "Đinh Xuân Mai"})
    assert (updated.status_code, updated.json()) == (200, {"updated": 1})
    item = next(i for i in _listed(client)["account_users"] if int(i["user_id"]) == user_id)
    assert (item["roles"], item["full_name"]) == (["salesman"], "Đinh Xuân Mai")
    assert [i["user_id"] for i in rpc(client, LIST_URL, {"filter": {"name": "xuân"}}).json()["account_users"]] == [str(user_id)]
    assert client.post("/__admin/clock", json={"advance": "PT1H"}).status_code == 200
    newer = _created(rpc(client, URL, {**SEED_EXAMPLE, "phone": "0901234599"}))["id"]
    assert _listed(client, sort="-updated_at")["account_users"][0]["user_id"] == newer
    assert client.post("/__admin/clock", json={"advance": "PT1H"}).status_code == 200
    roles_only = rpc(client, UPDATE_URL, {"user_id": str(user_id), "roles": ["analyst"]})
    assert (roles_only.status_code, roles_only.json()) == (200, {"updated": 1})
    after = client.app.runtime.vendors["etelecom"].users.get(user_id)
    assert after["updated_at"] == record["updated_at"] == NOW and after["member"]["roles"] == ["analyst"]
    assert _listed(client, sort="-updated_at")["account_users"][0]["user_id"] == str(user_id)  # the membership's moved

    # Deleted: the user stays (the phone is known), its membership goes; added again, a membership row of its own.
    deleted = rpc(client, DELETE_URL, {"user_id": str(user_id)})
    assert (deleted.status_code, deleted.json()) == (200, {"deleted": 1})
    assert str(user_id) not in [i["user_id"] for i in _listed(client)["account_users"]]
    assert "member" not in client.app.runtime.vendors["etelecom"].users.get(user_id)
    gone = rpc(client, DELETE_URL, {"user_id": str(user_id)})
    assert gone.status_code == 404
    assert _created(rpc(client, URL, SEED_EXAMPLE))["id"] == str(user_id)
    assert client.app.runtime.vendors["etelecom"].account_users.get((SAO_MAI, user_id)) is not None
    assert str(user_id) in [i["user_id"] for i in _listed(client)["account_users"]]


def test_the_listings_cursor_pages_through_memberships_of_both_kinds(client: Any) -> None:
    made = [int(_created(rpc(client, URL, {**SEED_EXAMPLE, "phone": f"090123456{n}"}))["id"]) for n in range(3)]
    everyone = [int(i["user_id"]) for i in _listed(client)["account_users"]]
    assert everyone[:3] == made[::-1]  # one instant (a frozen clock): the membership ids break the tie, newest first
    seen: list[int] = []
    after = "."
    while True:
        page = _listed(client, limit=2, after=after)
        if not page["account_users"]:
            break
        seen += [int(i["user_id"]) for i in page["account_users"]]
        after = page["paging"]["next"]
    assert seen == everyone


# ------------------------------------------------------------------ Redis
_BODY = {"full_name": "Nguyễn Văn An", "password": "secret123", "roles": ["telecom_customerservice"]}


def test_on_redis_a_create_is_two_scripts_and_no_other_command(redis_url: str) -> None:
    """The version check aside: the claim (phone, membership id, draw, the user id made from it checked free), the
    user's row."""
    from mockserver.core.redis_store import RedisStore

    app = build_app(Config(seed=1, vendors=("etelecom",), store=f"{redis_url}?prefix=t{uuid.uuid4().hex[:12]}"))
    store = app.runtime.store
    assert isinstance(store, RedisStore)
    scripts = {getattr(store, name).sha.encode(): name for name in dir(store) if name.endswith("_script")}
    headers = [(b"authorization", f"Bearer {OWNER_KEY}".encode()), (b"content-type", b"application/json"), (b"host", b"t")]
    sent: list[bytes] = []
    send = store.lane.send

    def recording(command: bytes) -> Any:
        sent.append(command)
        return send(command)

    def create(n: int) -> int:
        head, _ = app.answer_directly("POST", URL, b"", headers, orjson.dumps({**_BODY, "phone": f"092{n:07d}"}))
        return int(head.split(b" ", 2)[1])

    try:
        assert create(1) == 200 and create(2) == 200  # the first requests read (and keep) the caller
        store.lane.send = recording  # type: ignore[method-assign]
        assert create(3) == 200
        store.lane.send = send  # type: ignore[method-assign]
        ran = [next((name for sha, name in scripts.items() if sha in command), command.split(b"\r\n")[2].decode())
               for command in sent[1:]]  # after the version check
        assert ran == ["next_id_draw_and_id_if_free_script", "write_script"]
    finally:
        for space in store.namespaces():
            store.drop(space)
        store.close()
