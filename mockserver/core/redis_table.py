"""One Redis table's keys and operations (core.redis_store: what the keys hold, how a write stays atomic)."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import TYPE_CHECKING

from .errors import Conflict
from .packed import pack, unpack
from .packed import pack_key as _key
from .packed import unpack_key as _given_key
from .redis_lane import Head
from .store import NO_UNIQUE_KEYS, Record, UniqueKeys

if TYPE_CHECKING:
    from .redis_store import RedisStore


def _pairs(unique: UniqueKeys) -> list[bytes | str]:
    out: list[bytes | str] = []
    for field, value in unique.items():
        if value is not None:
            out.append(field)
            out.append(pack(value))
    return out


def _claimed(owners: str, unique: UniqueKeys) -> tuple[list[tuple[str, str, bytes]], bytes]:
    """The unique values as ``Lane.claim`` takes them (``owners``, field, packed value) and, in the same pass,
    as RESP bulk strings (``bulk(_pairs(unique))``, the same bytes): a create's claim and write each packed them
    as ``_pairs`` then ``bulk`` (~2 us), and its claim built the keys again."""
    keys: list[tuple[str, str, bytes]] = []
    parts: list[bytes] = []
    for field, value in unique.items():
        if value is not None:
            kept = pack(value)
            name = field.encode()
            keys.append((owners, field, kept))
            parts.append(b"$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(name), name, len(kept), kept))
    return keys, b"".join(parts)


class RedisTable:
    """One table's keys; stateless besides their names, so a handle is as good after a clear as before."""

    __slots__ = ("_chosen", "_gen", "_heads", "_keys", "_name", "_namespace", "_order", "_owners", "_rows", "_store")

    def __init__(self, store: RedisStore, namespace: str, name: str) -> None:
        base = store.space_key(namespace)
        self._store = store
        self._namespace = namespace
        self._name = name
        self._rows = f"{base}:r:{name}"
        self._order = f"{base}:z:{name}"
        self._owners = f"{base}:o:{name}"
        self._gen = f"{base}:g:{name}"  # moved by every write: what a worker's copies of rows are checked against
        self._chosen = f"{base}:h:{name}"  # keys chosen (bump_id_if_absent) and not written yet
        # The write script's keys and first arguments (namespace, table, insert or update): the same for every
        # write of this table, packed once per kind (a write packs only its row key, record and unique values).
        self._keys = [self._rows, self._order, self._owners, f"{base}:keys", store.spaces_key, self._gen, self._chosen]
        sha = store.write_script.sha
        self._heads = (Head("EVALSHA", sha, len(self._keys), *self._keys, namespace, name, b"0"),
                       Head("EVALSHA", sha, len(self._keys), *self._keys, namespace, name, b"1"))

    @property
    def rows_key(self) -> str:
        return self._rows

    @property
    def owners_key(self) -> str:
        return self._owners

    @property
    def chosen_key(self) -> str:
        return self._chosen

    def view(self, key: Hashable) -> Record | None:
        return self.get(key)  # a read of Redis each time: another worker may have changed the row

    def get(self, key: Hashable) -> Record | None:
        kept = self._store.read_row(self._gen, self._rows, _key(key))
        return None if kept is None else unpack(kept)

    def find(self, field: str, value: Hashable) -> Record | None:
        kept = self._store.run(self._store.find_script, [self._rows, self._owners], [field, pack(value)])
        return None if kept is None else unpack(kept)

    def conflict(self, unique: UniqueKeys, ignore: Hashable | None = None) -> Conflict | None:
        pairs = _pairs(unique)
        if not pairs:
            return None
        self._store.lane.claiming(self._owners, pairs)  # a request suspended in a turn: after another claiming one
        found = self._store.run(self._store.conflict_script, [self._rows, self._owners], [b"" if ignore is None else _key(ignore), *pairs])
        return None if not found else Conflict(found[0].decode(), unpack(found[1]))

    def insert(self, key: Hashable, record: Record, unique: UniqueKeys = NO_UNIQUE_KEYS) -> None:
        self._write(key, record, unique, 0)

    def update(self, key: Hashable, record: Record, unique: UniqueKeys = NO_UNIQUE_KEYS) -> None:
        self._write(key, record, unique, 1)

    def _write(self, key: Hashable, record: Record, unique: UniqueKeys, update: int) -> None:
        packed = pack(record)  # before anything is sent: a record that cannot be kept changes nothing
        kept_key = _key(key)
        store = self._store
        script = store.write_script
        if store.lane.request and script.sha in store._loaded:  # a request of a turn: confirmed at the turn's end
            head, (keys, rest) = self._heads[update], _claimed(self._owners, unique)
            # Head.with_rest's packing, with the record (~0.3-3 KB) copied once rather than three times: ~0.4 us.
            command = b"*%d\r\n%b$%d\r\n%b\r\n$%d\r\n%b\r\n%b" % (
                head.count + 2 + 2 * len(keys), head.packed, len(kept_key), kept_key, len(packed), packed, rest)
            store.defer_write(self._gen, kept_key, script.sha, command)
            return
        found = store.run(script, self._keys, [self._namespace, self._name, update, kept_key, packed, *_pairs(unique)])
        if type(found) is list:
            raise Conflict(found[0].decode(), unpack(found[1]))
        self._store.wrote(self._gen, kept_key, found)

    def delete(self, key: Hashable) -> Record | None:
        kept_key = _key(key)
        kept, gen = self._store.run(self._store.delete_script, [self._rows, self._order, self._owners, self._gen], [kept_key])
        if kept is None:
            return None
        self._store.wrote(self._gen, kept_key, gen)
        record: Record = unpack(kept)
        return record

    def values(self) -> list[Record]:
        return [unpack(kept) for kept in self._store.run(self._store.values_script, [self._rows, self._order], []) if kept is not None]

    def __len__(self) -> int:
        return int(self._store.call(self._store.client.hlen, self._rows))

    def __iter__(self) -> Iterator[Hashable]:
        return iter([_given_key(kept) for kept in self._store.call(self._store.client.zrange, self._order, 0, -1)])
