"""--max-users N: each memory:// table keeps at most N rows, evicting the oldest (issue 15).

At the cap the oldest row goes, with its unique keys (so its e-mail or phone
can be taken again), before an insert: a load test never gets an error for it.
A fixture's rows (its credentials among them) are never evicted.  One INFO
line per table says so the first time; GET /__admin/health counts evictions.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Hashable

import orjson
import pytest
from starlette.testclient import TestClient

from mockserver import vendors as registry
from mockserver.app import MockServer, build_app
from mockserver.config import Config
from mockserver.core import memtable
from mockserver.core import store as store_module
from mockserver.core.store import MemoryStore, MemoryTable
from tests.core.samples import create_route, variant

ORIGIN = "http://cap.local"


class Creates:
    def __init__(self, vendor: str, max_users: int) -> None:
        self.vendor = vendor
        self.app: MockServer = build_app(Config(seed=1, vendors=(vendor,), max_users=max_users))
        self.method, self.path, self.headers = create_route(self.app, vendor, ORIGIN)
        self.client = TestClient(self.app, base_url=ORIGIN)
        self.client.get("/__admin/health")  # seeds the fixtures (and pins them)

    def create(self, n: int) -> int:
        answer = self.app.answer_directly(self.method, self.path, b"", self.headers, orjson.dumps(variant(self.vendor, n)))
        assert isinstance(answer, tuple), answer
        return int(answer[0].split(b" ", 2)[1])

    @property
    def users(self) -> MemoryTable:
        return self.app.runtime.store.table(self.vendor, "users")  # type: ignore[return-value]

    def created(self, n: int) -> Hashable:
        """Create user n; the key it got."""
        before = set(self.users)
        status = self.create(n)
        assert 200 <= status < 300, status
        (key,) = set(self.users) - before
        return key


def _full_lines(caplog: pytest.LogCaptureFixture, table: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if "is full (--max-users" in r.getMessage() and f" {table} " in r.getMessage()]


@pytest.mark.parametrize("cap", [40, store_module.SMALL_TABLE + 60], ids=["small table", "grown table"])
@pytest.mark.parametrize("vendor", registry.NAMES)
def test_at_the_cap_the_oldest_user_goes_with_its_unique_keys(vendor: str, cap: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mockserver")
    creates = Creates(vendor, cap)
    fixture = set(creates.users)
    assert len(fixture) < cap
    first = creates.created(1)
    assert not 200 <= creates.create(1) < 300, "a taken unique key is refused before the cap"
    for n in range(2, cap + 20):
        assert 200 <= creates.create(n) < 300, n
    users = creates.users
    assert len(users) == cap
    assert users.get(first) is None, "the oldest created user is evicted"
    assert fixture <= set(users), "a fixture's users are never evicted"
    newest = creates.created(cap + 20)
    assert users.get(newest) is not None and len(users) == cap
    again = creates.created(1)  # its unique keys were freed with it
    assert users.get(again) is not None
    assert _full_lines(caplog, f"{vendor}/users") == [
        f"store: table {vendor}/users is full (--max-users {cap}): evicting its oldest rows first (logged once per table)"
    ]
    assert isinstance(users, memtable.PackedTable) == (cap > store_module.SMALL_TABLE)
    health = creates.client.get("/__admin/health").json()
    assert health["max_users"] == cap and health["evicted"] >= 21


def test_the_vendors_own_read_answers_not_found_for_an_evicted_user() -> None:
    creates = Creates("vaultspay", 30)
    first = creates.created(1)
    for n in range(2, 40):
        creates.create(n)
    headers = {k.decode(): v.decode() for k, v in creates.headers if k != b"host"}
    gone = creates.client.get(f"/vaultspay/as/api/v1/users/{first}", headers=headers)
    never = creates.client.get("/vaultspay/as/api/v1/users/987654321", headers=headers)
    # VaultsPay's own answer to an id it does not hold: a 400 INVALID_PAYLOAD naming the id.
    assert (gone.status_code, gone.json()) == (never.status_code, never.json()) == (400, {
        "code": 1000, "message": "Invalid payload. Please check your request.", "type": "INVALID_PAYLOAD",
        "errors": [{"key": "id", "reason": "User does not exist with this id"}],
    })
    kept = creates.created(100)
    assert creates.client.get(f"/vaultspay/as/api/v1/users/{kept}", headers=headers).status_code == 200


def test_memory_stays_flat_at_the_cap() -> None:
    """Past the cap nothing grows with the creates: rows, indexes, the eviction order."""
    creates = Creates("payabli", 300)
    for n in range(1, 1_200):
        creates.create(n)
    users = creates.users
    sizes = (len(users), [len(index) for index in users._index.values()], len(users._ring) - users._head)
    for n in range(1_200, 4_000):
        assert 200 <= creates.create(n) < 300
    assert (len(users), [len(index) for index in users._index.values()]) == (sizes[0], sizes[1]) == (300, [300])
    assert len(users._ring) - users._head <= 2 * 300 + 1024


def test_without_a_cap_nothing_is_evicted() -> None:
    store = MemoryStore()
    table = store.table("ns", "t")
    for n in range(store_module.SMALL_TABLE * 3):
        table.insert(n, {"id": n}, {"email": f"{n}@x"})
    assert len(table) == store_module.SMALL_TABLE * 3 and store.evicted() == 0


def test_serve_refuses_a_cap_below_one_by_flag_or_variable_in_one_line() -> None:
    help_text = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--help"], capture_output=True, text=True, check=True).stdout
    assert "--max-users N" in help_text
    bad = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--max-users", "0"], capture_output=True, text=True, check=False)
    assert (bad.returncode, bad.stderr) == (2, "mockserver: error: Invalid value for '--max-users': 0 is not in the range x>=1.\n")
    env = {**os.environ, "MOCKSERVER_MAX_USERS": "0"}
    bad = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--port", "0"], capture_output=True, text=True, check=False, env=env)
    assert (bad.returncode, bad.stderr) == (2, "mockserver: error: invalid MOCKSERVER_MAX_USERS: 0 is not in the range x>=1.\n")


@pytest.mark.parametrize("cap", [40, store_module.SMALL_TABLE + 60], ids=["small table", "grown table"])
def test_an_update_that_inserts_also_evicts_at_the_cap(cap: int) -> None:
    table = MemoryTable(max_rows=cap, name="ns/t")
    for n in range(cap):
        table.insert(n, {"id": n, "tags": [n]}, {"email": f"{n}@x"})
    table.update(10_000, {"id": 10_000}, {"email": "new@x"})  # no such row: inserted, the oldest evicted
    assert len(table) == cap and table.get(0) is None and table.find("email", "0@x") is None
    assert table.get(10_000) == {"id": 10_000}
    table.update(5, {"id": 5, "tags": []}, {"email": "5@x"})  # an existing row: replaced, nothing evicted
    assert len(table) == cap and table.get(1) is not None and table.get(5) == {"id": 5, "tags": []}
