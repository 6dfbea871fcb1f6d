"""The Redis store over the server's unix socket (``redis+unix://``, or redis-py's ``unix://``): the same state as
over TCP, for the workers and processes of one host; a bad socket URL is one line naming --store."""

from __future__ import annotations

import uuid

import httpx
import pytest
from click.testing import CliRunner

from mockserver.cli import main
from mockserver.core.redis_store import RedisStore
from mockserver.core.store import StoreError, open_store
from tests.core.served import Served
from tests.redis_server import unix_url
from tests.store.test_workers import create, only, wait_children


def test_rows_written_over_the_socket_are_read_over_tcp(redis_url: str) -> None:
    prefix = f"u{uuid.uuid4().hex[:8]}"
    over_socket = open_store(f"{unix_url(redis_url)}?prefix={prefix}")
    over_tcp = RedisStore(redis_url, prefix=prefix)
    try:
        assert isinstance(over_socket, RedisStore) and over_socket.unix and not over_tcp.unix
        assert over_socket.url == f"{unix_url(redis_url)}?prefix={prefix}"
        assert over_socket.banner().endswith("over its unix socket; shared by every worker and process on this host naming it)")
        over_socket.table("v", "users").insert(1, {"email": "ada@example.com"}, {"email": "ada@example.com"})
        assert over_tcp.table("v", "users").get(1) == {"email": "ada@example.com"}
        assert over_socket.describe()["backend"] == "redis"
    finally:
        over_socket.drop("v")
        over_socket.close()
        over_tcp.close()


def test_redis_py_spelling_is_the_same_store(redis_url: str) -> None:
    socket_path = unix_url(redis_url).removeprefix("redis+unix://")
    store = open_store(f"unix://{socket_path}?db=0&prefix=p{uuid.uuid4().hex[:8]}")
    try:
        assert isinstance(store, RedisStore) and store.unix and store.server.startswith(("Redis ", "Valkey "))
    finally:
        store.close()


def test_workers_over_the_socket_and_a_server_over_tcp_share_one_state(redis_url: str) -> None:
    """--workers 2 on one host over the socket, and another server on the same Redis over TCP (a second host)."""
    prefix = f"u{uuid.uuid4().hex[:8]}"
    near = Served("--store", f"{unix_url(redis_url)}?prefix={prefix}", "--workers", "2")
    far = Served("--store", f"{redis_url}?prefix={prefix}")
    try:
        assert any("over its unix socket" in line for line in near.seen)
        workers = wait_children(near.proc.pid, 2)
        with only(workers[0], workers):
            made = create(near.origin, "vaultspay", 1)
        assert made.status_code == 200
        with only(workers[1], workers):
            other = create(near.origin, "vaultspay", 2)
        again = create(far.origin, "vaultspay", 1)  # the same e-mail, through the server on TCP
        last = create(far.origin, "vaultspay", 3)
        assert again.status_code == 400
        assert again.json()["errors"] == [{"key": "email", "reason": "User already exists with this email"}]
        ids = [made.json()["data"]["id"], other.json()["data"]["id"], last.json()["data"]["id"]]
        assert ids == [ids[0], ids[0] + 1, ids[0] + 2]  # one id sequence for the three processes
        store = httpx.get(f"{near.origin}/__admin/store").json()
        assert (store["backend"], store["url"]) == ("redis", f"{unix_url(redis_url)}?prefix={prefix}")
    finally:
        near.stop()
        far.stop()


@pytest.mark.parametrize(("url", "line"), [
    ("redis+unix://host/run/redis.sock", "redis+unix://host/run/redis.sock: a unix socket URL names no host, as in redis+unix:///run/redis/redis.sock"),
    ("unix://:pw@h:x/r.sock", "unix://***@h:x/r.sock: a unix socket URL names no host, as in redis+unix:///run/redis/redis.sock"),
    ("redis+unix://", "redis+unix://: the path is the socket's file, as in redis+unix:///run/redis/redis.sock?db=0"),
    ("unix:///run/r.sock?db=first", "unix:///run/r.sock?db=first: db is the database number, as in redis+unix:///run/redis/redis.sock?db=0"),
])
def test_a_malformed_socket_url_is_one_line(url: str, line: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--store", url])
    assert result.exit_code == 2
    assert result.output == f"mockserver: cannot start: --store: {line}\n"


def test_a_missing_socket_is_one_line_without_the_password(tmp_path: object) -> None:
    with pytest.raises(StoreError) as missing:
        open_store(f"redis+unix://:hunter2@{tmp_path}/none.sock?db=1&password=hunter3")
    text = str(missing.value)
    assert text.startswith(f"--store: cannot reach redis+unix://***@{tmp_path}/none.sock?db=1&password=***&prefix=mockserver: ")
    assert "No such file" in text and "\n" not in text and "hunter" not in text
