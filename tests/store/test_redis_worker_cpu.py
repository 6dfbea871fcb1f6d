"""The Redis request path's packing of a create's unique values: once per command, in one pass, as RESP.

A create's claim (look-up and id in one script) and its write each send the request's unique values; they were
made as a list (``_pairs``), then packed as RESP (``bulk``), and the claim built its claim keys from that list
again.  ``redis_table._claimed`` makes the claim keys and the RESP bytes in one pass (~3% of the worker's
instructions per create, callgrind, 2026-12-07).  What is pinned here is the bytes each command sends: the
bytes redis-py's own ``pack_command`` makes of the same arguments.  Against the real redis-server
(tests/redis_server.py); nothing is timed.
"""

from __future__ import annotations

from typing import Any

import pytest
from redis.connection import Connection

from mockserver.core.packed import pack, pack_key
from mockserver.core.redis_lane import bulk
from mockserver.core.redis_store import RedisStore, _packed
from mockserver.core.redis_table import _claimed, _pairs

UNIQUES: list[dict[str, Any]] = [
    {"email": "a@x.com"},
    {"email": "a@x.com", "phone": None, "username": "ada"},
    {"phone": "+971501234567", "email": "Ünïcødé@x.com"},
    {"id": 12, "pair": ("a", 3)},
    {"lone": "\ud800 surrogate", "big": 2**70},  # not JSON for orjson: packed the other way (core.packed)
    {"none": None},
    {},
]


def _redis_py(*args: Any) -> bytes:
    return b"".join(Connection().pack_command(*args))  # redis-py's public packing of one command


@pytest.mark.parametrize("unique", UNIQUES)
def test_claimed_gives_the_claim_keys_and_the_bytes_pairs_and_bulk_gave(unique: dict[str, Any]) -> None:
    keys, rest = _claimed("p:ns:o:users", unique)
    pairs = _pairs(unique)
    assert keys == [("p:ns:o:users", pairs[at], pairs[at + 1]) for at in range(0, len(pairs), 2)]
    assert keys == [("p:ns:o:users", field, pack(value)) for field, value in unique.items() if value is not None]
    assert rest == bulk(pairs)
    if pairs:  # redis-py packs no command of no arguments
        assert b"*%d\r\n%b" % (2 * len(keys), rest) == _redis_py(*pairs)
    else:
        assert (keys, rest) == ([], b"")


def test_a_claim_sends_the_bytes_of_its_arguments(redis_store: RedisStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store = redis_store
    table = store.table("ns", "users")
    assert store.next_id_if_free("ns", table, {"email": "first@x.com"}, "users", 1) == 1  # the script loaded, its head kept
    sent: list[bytes] = []
    send = store.lane.send

    def recorded(command: bytes) -> Any:
        sent.append(command)
        return send(command)

    monkeypatch.setattr(store.lane, "send", recorded)
    unique = {"email": "second@x.com", "phone": None, "username": "ada"}
    assert store.next_id_if_free("ns", table, unique, "users", 1) == 2
    counters = [f"{store.prefix}:ns:c", f"{store.prefix}:ns:keys", store.spaces_key]
    assert sent == [_redis_py("EVALSHA", store.next_id_if_free_script.sha, 5, table.rows_key, table.owners_key, *counters,
                              "ns", "users", 0, 1, "", "email", pack("second@x.com"), "username", pack("ada"))]
    assert store.lane._claims == {}  # outside a turn nothing is claimed


def test_a_deferred_write_sends_the_bytes_of_its_arguments_and_is_applied(redis_store: RedisStore) -> None:
    store = redis_store
    table = store.table("ns", "users")
    table.insert("k0", {"n": 0}, {"email": "zero@x.com"})  # not in a turn: waited for (and the script loaded)
    store.begin()
    store.defer_writes(1)
    table.insert("k1", {"n": 1, "name": "Ada"}, {"email": "one@x.com", "phone": None})
    command = store.lane._unsent[-1]  # queued, not sent yet
    store.defer_writes(0)
    keys = [table.rows_key, f"{store.prefix}:ns:z:users", table.owners_key, f"{store.prefix}:ns:keys", store.spaces_key,
            f"{store.prefix}:ns:g:users", table.chosen_key]
    assert command == _redis_py("EVALSHA", store.write_script.sha, 7, *keys, "ns", "users", b"0", pack_key("k1"),
                                pack({"n": 1, "name": "Ada"}), "email", pack("one@x.com"))
    assert command == _packed(("EVALSHA", store.write_script.sha, 7, *keys, "ns", "users", b"0", pack_key("k1"),
                               pack({"n": 1, "name": "Ada"}), "email", pack("one@x.com")))
    store.commit()
    assert store.refused() == {}
    assert table.get("k1") == {"n": 1, "name": "Ada"}
    assert table.find("email", "one@x.com") == {"n": 1, "name": "Ada"}
