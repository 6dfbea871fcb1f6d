"""Faker pools kept on disk: the next start reads exactly what faker made, or makes them again."""

from __future__ import annotations

import json

import pytest

from mockserver.core import poolcache
from mockserver.core.seeding import NAME_POOLS, Pools

MAKERS = {**NAME_POOLS, "digits": lambda f: f.numerify("####")}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(poolcache.ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def pools(seed: int = 3, vendor: str = "pulse") -> dict[str, tuple[object, ...]]:
    made = Pools(seed, vendor, "en_US", MAKERS)
    return {name: made[name] for name in MAKERS}


def no_faker(monkeypatch) -> None:
    def refuse(*args):
        raise AssertionError("faker was asked although the pools were kept")

    monkeypatch.setattr(Pools, "_made", classmethod(refuse))


def test_a_second_start_reads_the_pools_faker_made_without_faker(cache, monkeypatch) -> None:
    fresh = pools()
    assert len(list(cache.glob("pools-pulse-*.json"))) == 1
    no_faker(monkeypatch)
    assert pools() == fresh


def test_kept_pools_are_the_ones_made_without_a_cache(cache, monkeypatch) -> None:
    kept = pools()
    monkeypatch.setenv(poolcache.ENV, "")  # off
    assert pools() == kept


def test_each_seed_and_vendor_has_its_own_file(cache) -> None:
    assert pools(seed=1) != pools(seed=2)
    pools(vendor="payabli")
    assert len(list(cache.glob("pools-*.json"))) == 3


@pytest.mark.parametrize("content", [b"not json", b"[]", b'{"first_name": []}',
                                     b'{"first_name": [1], "last_name": [], "digits": []}'],
                         ids=["garbage", "not-an-object", "other-names", "wrong-values"])
def test_a_damaged_file_is_made_again(cache, content) -> None:
    fresh = pools()
    (path,) = cache.glob("pools-pulse-*.json")
    path.write_bytes(content)
    assert pools() == fresh
    assert json.loads(path.read_bytes())["first_name"] == list(fresh["first_name"])  # and kept again


def test_other_code_does_not_read_old_pools(cache, monkeypatch) -> None:
    pools()
    monkeypatch.setattr(poolcache, "_code_stamp", lambda: "other code")
    no_faker(monkeypatch)
    with pytest.raises(AssertionError, match="faker was asked"):
        pools()


def test_an_empty_setting_turns_the_cache_off(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(poolcache.ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert poolcache.directory() is None
    pools()
    assert list(tmp_path.iterdir()) == []


def test_the_default_place_follows_xdg(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(poolcache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert poolcache.directory() == tmp_path / "mockserver"


def test_a_place_that_cannot_be_written_only_means_no_cache(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(poolcache.ENV, str(blocker / "cache"))  # under a file: mkdir fails
    assert pools() == pools()
    assert list(tmp_path.iterdir()) == [blocker]


def test_pools_that_json_would_change_are_not_kept(cache) -> None:
    Pools(1, "pulse", "en_US", {"number": lambda f: f.random_int()})
    assert not cache.exists() or list(cache.iterdir()) == []
