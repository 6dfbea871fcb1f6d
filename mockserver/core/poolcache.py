"""Faker pools kept on disk from one start to the next.

Importing faker costs about 0.12 s (it imports every provider and lists each
one's locales) and filling the pools about 0.1 s more: a third of a start.  The
pools are a pure function of the code, faker and the seed, so each start keeps
them in a small JSON file per (seed, vendor) and the next start with the same
code reads it back instead of importing faker.

The key covers the content of every mockserver source file (any change starts
over), the installed faker and phonenumbers (each ``__init__``'s size and time), Python's
version, the seed, the vendor, its locale and the pool size (hashing the
sources takes ~5 ms, once per process).  ``MOCKSERVER_CACHE_DIR`` chooses the
directory and an empty value turns the cache off; the default is
``$XDG_CACHE_HOME/mockserver`` or ``~/.cache/mockserver``.  A missing,
unreadable or malformed file only means generating the pools again; a directory
that cannot be written only means not keeping them.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

log = logging.getLogger("mockserver")

ENV = "MOCKSERVER_CACHE_DIR"
_PACKAGE = Path(__file__).resolve().parent.parent  # mockserver/
_LIBRARIES = ("faker", "phonenumbers")


def directory() -> Path | None:
    """Where pools are kept, or None when the cache is off."""
    chosen = os.environ.get(ENV)
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mockserver"


@lru_cache(maxsize=1)
def _code_stamp() -> str:
    """One digest of mockserver's sources and of the installed faker (once per process)."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    # The libraries pools are made with: faker, and phonenumbers' numbering plans (core.phones).
    for library in _LIBRARIES:
        spec = importlib.util.find_spec(library)  # no import: that is what the cache saves
        if spec is not None and spec.origin:
            info = os.stat(spec.origin)
            digest.update(f"{library} {info.st_size} {info.st_mtime_ns}".encode())
    digest.update(sys.version.encode())  # faker draws with the random module
    return digest.hexdigest()


def _file(seed: int, vendor: str, locale: str, size: int) -> Path | None:
    folder = directory()
    if folder is None:
        return None
    key = hashlib.sha256(f"{_code_stamp()} {seed} {vendor} {locale} {size}".encode()).hexdigest()[:32]
    return folder / f"pools-{vendor}-{key}.json"


def load(seed: int, vendor: str, locale: str, names: Iterable[str], size: int) -> dict[str, tuple[object, ...]] | None:
    """The kept pools for this start, or None (not kept, or not as expected)."""
    path = _file(seed, vendor, locale, size)
    if path is None:
        return None
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    wanted = set(names)
    if not isinstance(data, dict) or set(data) != wanted:
        return None
    pools: dict[str, tuple[object, ...]] = {}
    for name, values in data.items():
        if not isinstance(values, list) or len(values) != size or not all(isinstance(v, str) for v in values):
            return None
        pools[name] = tuple(values)
    return pools


def store(seed: int, vendor: str, locale: str, size: int, pools: dict[str, tuple[object, ...]]) -> None:
    """Keep freshly made pools for the next start (only string pools: all that JSON gives back exactly)."""
    path = _file(seed, vendor, locale, size)
    if path is None or not all(isinstance(v, str) for values in pools.values() for v in values):
        return
    temp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a concurrent start reads the old file or the new one, never half.
        fd, temp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(json.dumps({name: list(values) for name, values in pools.items()}, ensure_ascii=False).encode())
        os.replace(temp, path)
        temp = None
    except OSError as exc:
        log.debug("pool cache not written (%s): %s", path, exc)
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
