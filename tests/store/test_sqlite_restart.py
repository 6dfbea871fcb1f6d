"""A server restarted on the same SQLite file keeps everything (issue 15), and workers sharing one see each other."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import MockServer, Runtime
from mockserver.config import Config
from mockserver.core.sqlite_store import path_of
from mockserver.core.store import StoreError, open_store

FROZEN = "frozen:2026-03-01T12:00:00Z"
USERS = "/vaultspay/as/api/v1/users"
LOGIN = "/vaultspay/as/api/v1/saas-login"
SCENARIO = """name: third-create-fails
rules:
  - match: {vendor: vaultspay, operation: create_user, nth: 3}
    respond: {status: 503, body: {"down": true}}
"""


@contextmanager
def served(url: str, clock: str | None = FROZEN) -> Iterator[TestClient]:
    runtime = Runtime(Config(vendors=("vaultspay",), seed=5, clock=clock, store=url))
    try:
        with TestClient(MockServer(runtime)) as client:
            yield client
    finally:
        runtime.store.close()  # what serve does at exit; a kill -9 is tools/crash_sqlite.py


def runtime_of(client: TestClient) -> Runtime:
    return client.app.runtime  # type: ignore[attr-defined,no-any-return]


def headers(client: TestClient, session: str | None = None) -> dict[str, str]:
    found = {k: str(v) for k, v in client.get("/__admin/vendors").json()["vaultspay"]["headers"].items()}
    return found | ({"X-Mock-Session": session} if session else {})


def create(client: TestClient, n: int, session: str | None = None) -> Any:
    body = {"firstName": "Ada", "lastName": "Byron", "email": f"ada{n}@example.com", "status": "ACTIVE"}
    return client.post(USERS, json=body, headers=headers(client, session))


def missing(client: TestClient, session: str | None = None) -> Any:
    """The vendor's answer for a user that does not exist (VaultsPay's own 400 envelope)."""
    answer = client.get(f"{USERS}/987654", headers=headers(client, session))
    assert answer.status_code == 400, answer.text
    return answer.json()


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


def test_a_restart_keeps_users_tokens_ids_scenarios_sessions_and_clock(url: str) -> None:
    with served(url) as client:
        first = create(client, 1)
        assert first.status_code == 200, first.text
        first_id = first.json()["data"]["id"]
        login = client.post(LOGIN, json={"clientId": "vp-demo-app", "clientSecret": "vp-demo-secret"})
        assert login.status_code == 200, login.text
        token = login.json()["accessToken"]
        assert client.post("/__admin/scenarios?activate=true", content=SCENARIO).status_code == 201
        assert create(client, 2).status_code == 200  # the rule's 2nd matching call: passes
        in_session = create(client, 3, session="s1")
        assert in_session.status_code == 200
        assert client.post("/__admin/clock", json={"advance": 600}).status_code == 200
        before = client.get("/__admin/clock").json()
        seeded = len(runtime_of(client).store.table("vaultspay", "users"))
    with served(url) as client:
        runtime = runtime_of(client)
        assert client.get("/__admin/clock").json() == before  # the offset (here: the frozen instant moved 1 h)
        assert before["now"] == "2026-03-01T12:10:00.000Z"
        got = client.get(f"{USERS}/{first_id}", headers={"Authorization": f"Bearer {token}"})
        assert got.status_code == 200, got.text  # the user, and the token issued before the restart
        assert got.json()["data"]["email"] == "ada1@example.com"
        assert len(runtime.store.table("vaultspay", "users")) == seeded  # nothing seeded again
        rules = {s["name"]: s for s in client.get("/__admin/scenarios").json()}["third-create-fails"]
        assert rules["active"] is True and rules["source"] == "POST /__admin/scenarios"
        # Counted per session: the default session's one matching call (s1 counts its own).
        assert (rules["rules"][0]["seen"], rules["rules"][0]["fired"]) == (1, 0)
        assert create(client, 4).json()["data"]["id"] == first_id + 2  # the sequence went on: no id given twice
        third = create(client, 5)
        assert (third.status_code, third.json()) == (503, {"down": True})  # counted on from 1
        assert create(client, 6).json()["data"]["id"] == first_id + 3
        assert "s1" in runtime._live  # the live session, and its own user
        session_user = in_session.json()["data"]["id"]
        again = client.get(f"{USERS}/{session_user}", headers=headers(client, "s1"))
        assert again.status_code == 200 and again.json()["data"]["email"] == "ada3@example.com"
        # The token's expiry came back too: a day later it is refused.
        assert client.post("/__admin/clock", json={"advance": 86400 * 400}).status_code == 200
        late = client.get(f"{USERS}/{first_id}", headers={"Authorization": f"Bearer {token}"})
        assert late.status_code == 401, late.text


def test_same_requests_same_bytes_across_a_restart(tmp_path: Path) -> None:
    def bodies(url: str, restart_after: int | None) -> list[bytes]:
        out: list[bytes] = []
        client_cm = served(url)
        client = client_cm.__enter__()
        try:
            for n in range(6):
                if n == restart_after:
                    client_cm.__exit__(None, None, None)
                    client_cm = served(url)
                    client = client_cm.__enter__()
                out.append(create(client, n).content)
                out.append(create(client, 100 + n, session="w").content)
        finally:
            client_cm.__exit__(None, None, None)
        return out

    straight = bodies(f"sqlite:///{tmp_path / 'a.db'}", None)
    restarted = bodies(f"sqlite:///{tmp_path / 'b.db'}", 3)
    assert restarted == straight
    assert len(set(straight)) == len(straight)  # each answer its own (ids, drawn usernames)


def test_reset_resets_everything_or_one_session(url: str) -> None:
    with served(url) as client:
        seeded = len(runtime_of(client).store.table("vaultspay", "users"))
        ids = {name: create(client, n, session=name).json()["data"]["id"] for n, name in enumerate(("s1", "s2"))}
        assert client.post("/__admin/reset?session=s1").status_code == 200
        s1 = client.get(f"{USERS}/{ids['s1']}", headers=headers(client, "s1"))
        s2 = client.get(f"{USERS}/{ids['s2']}", headers=headers(client, "s2"))
        assert (s1.json(), s2.status_code) == (missing(client, "s1"), 200)
        create(client, 9)
        assert client.post("/__admin/reset").status_code == 200
        assert len(runtime_of(client).store.table("vaultspay", "users")) == seeded
    with served(url) as client:  # and the reset is what a restart finds
        assert len(runtime_of(client).store.table("vaultspay", "users")) == seeded
        assert client.get(f"{USERS}/{ids['s2']}", headers=headers(client, "s2")).json() == missing(client, "s2")


def test_workers_sharing_a_file_see_each_others_changes(url: str) -> None:
    with served(url) as one, served(url) as two:
        made = create(one, 1).json()["data"]["id"]
        assert create(two, 2).json()["data"]["id"] == made + 1  # one id sequence
        assert one.post("/__admin/clock", json={"advance": 60}).status_code == 200
        assert two.get("/__admin/clock").json()["now"] == "2026-03-01T12:01:00.000Z"
        assert one.post("/__admin/scenarios?activate=true", content=SCENARIO).status_code == 201
        assert create(two, 3).status_code == 200 and create(one, 4).status_code == 200
        third = create(two, 5)  # the 3rd matching call of the two together
        assert (third.status_code, third.json()) == (503, {"down": True})
        # A session is seeded once, whichever worker sees it first.
        create(one, 6, session="s")
        rows = len(runtime_of(one).store.table("vaultspay@s", "users"))
        create(two, 7, session="s")
        assert len(runtime_of(two).store.table("vaultspay@s", "users")) == rows + 1
        assert one.post("/__admin/reset").status_code == 200
        assert two.get("/__admin/scenarios").json()[0]["active"] is False or all(
            not s["active"] for s in two.get("/__admin/scenarios").json()
        )
        assert two.get(f"{USERS}/{made}", headers=headers(two)).json() == missing(two)


def test_sqlite_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = open_store("sqlite:///rel.db")
    relative.close()
    assert (tmp_path / "rel.db").is_file()
    assert path_of(f"sqlite:///{tmp_path}/abs.db") == Path(f"{tmp_path}/abs.db")
    for bad in ("sqlite://", "sqlite:///", "sqlite:rel.db", "sqlite:///x.db?mode=ro"):
        with pytest.raises(StoreError) as caught:
            open_store(bad)
        assert str(caught.value).startswith("--store")
    with pytest.raises(StoreError) as unwritable:
        open_store(f"sqlite:///{tmp_path}/missing/dir/x.db")
    assert str(unwritable.value) == f"--store sqlite:///{tmp_path}/missing/dir/x.db: cannot open {tmp_path}/missing/dir/x.db: unable to open database file"
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError) as junk:
        open_store(f"sqlite:///{tmp_path}/junk.db")
    assert str(junk.value) == f"--store sqlite:///{tmp_path}/junk.db: cannot use {tmp_path}/junk.db: file is not a database"


def test_admin_store_and_health_name_the_backend(url: str) -> None:
    with served(url) as client:
        info = client.get("/__admin/store").json()
        assert info["backend"] == "sqlite" and info["url"] == url and info["journal_mode"] == "wal"
        assert info["durable"] is True and info["rows"] > 0
        assert client.get("/__admin/health").json()["store"] == url


def test_memory_is_the_default_and_pays_no_transaction(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCKSERVER_STORE", raising=False)
    runtime = Runtime(Config(vendors=("vaultspay",)))
    assert runtime.store.url == "memory://" and runtime.request_hooks is False
    assert "answer" not in vars(MockServer(runtime)._by_segment["vaultspay"])  # the pipeline as it was: no wrapper
    durable = Runtime(Config(vendors=("vaultspay",), store=url))
    try:
        app = MockServer(durable)._by_segment["vaultspay"]
        assert vars(app)["answer"] == app._committed
    finally:
        durable.store.close()


def _traced_growth(store: str | None, users: int) -> int:
    """Bytes traced (tracemalloc) that ``users`` more VaultsPay creates leave behind, through the direct path."""
    import gc
    import tracemalloc

    import orjson

    runtime = Runtime(Config(vendors=("vaultspay",), seed=5, clock=FROZEN, store=store, journal_size=0))
    app = MockServer(runtime)
    sent = [(k.lower().encode(), str(v).encode()) for k, v in runtime.describe("http://x")["vaultspay"]["headers"].items()]

    def create_direct(n: int) -> None:
        body = orjson.dumps({"firstName": "Ada", "lastName": "Byron", "email": f"ada{n}@example.com", "status": "ACTIVE"})
        answer = app.answer_directly("POST", USERS, b"", sent, body)
        assert isinstance(answer, tuple) and answer[0].startswith(b"HTTP/1.1 200 "), answer

    try:
        for n in range(300):  # warm: statement cache, pools, first-use structures
            create_direct(n)
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            for n in range(300, 300 + users):
                create_direct(n)
            gc.collect()
            return int(tracemalloc.get_traced_memory()[0] - base)
        finally:
            tracemalloc.stop()
    finally:
        runtime.store.close()


def test_an_idle_sqlite_server_holds_no_users_in_memory(url: str) -> None:
    kept_in_memory = _traced_growth(None, 1500)
    kept_in_sqlite = _traced_growth(url, 1500)
    # The memory store keeps every user in this process (a few hundred bytes each); SQLite only
    # bounded caches (its page cache is outside tracemalloc's view and capped, _CACHE_KIB).
    assert kept_in_memory > 300_000, kept_in_memory
    assert kept_in_sqlite < 100_000, kept_in_sqlite


def test_a_failed_commit_is_the_vendors_500_and_keeps_nothing(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    with served(url) as client:
        store = runtime_of(client).store
        rows = len(store.table("vaultspay", "users"))
        internal = client.post(USERS, content=b"{}", headers={**headers(client), "X-Mock-Error": "INTERNAL"})
        assert internal.status_code == 500
        real_commit = store.commit

        def failing() -> None:
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(store, "commit", failing)
        answer = create(client, 1)
        monkeypatch.setattr(store, "commit", real_commit)
        assert answer.status_code == 500
        assert answer.json() == internal.json()  # the vendor's own 500 envelope
        assert len(store.table("vaultspay", "users")) == rows  # rolled back: no 2xx, and nothing kept
        assert create(client, 1).status_code == 200  # the same e-mail is free: the failed write left nothing
