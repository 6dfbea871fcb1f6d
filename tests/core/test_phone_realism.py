"""Issue 14's realism finding: generated phone numbers are valid for their country.

Before, 40-47 % of the Pakistani and US numbers the pools held were invalid by
libphonenumber (random area codes, "3" + nine random digits).  Every phone pool of
every vendor now holds valid mobile (or US "fixed line or mobile") numbers only,
the same ones for the same seed, made with phonenumbers at start-up and never on
the request path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import phonenumbers
import pytest

from mockserver.core import phones
from mockserver.core.seeding import Pools
from mockserver.vendors import load
from tests.conftest import make_client

# (vendor, pool) -> the region its numbers belong to
PHONE_POOLS = {
    ("vaultspay", "mobile_pk"): "PK",
    ("vaultspay", "mobile_ae"): "AE",
    ("pulse", "phone"): "US",
    ("payabli", "phone"): "US",
    ("sabi", "mobile"): "NG",
    ("etelecom", "mobile"): "VN",
}
PERSONAL = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


@pytest.fixture
def no_pool_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Pools made here and now, not read back from a kept file.
    monkeypatch.setenv("MOCKSERVER_CACHE_DIR", "")
    yield


def _pools(vendor: str, seed: int) -> Pools:
    cls = load(vendor)
    return Pools(seed, vendor, cls.locale, cls.pools)


@pytest.mark.usefixtures("no_pool_cache")
@pytest.mark.parametrize(("vendor", "pool"), list(PHONE_POOLS), ids=[f"{v}-{p}" for v, p in PHONE_POOLS])
@pytest.mark.parametrize("seed", [0, 1, 31337])
def test_every_pooled_number_is_valid_for_its_country(vendor: str, pool: str, seed: int) -> None:
    region = PHONE_POOLS[(vendor, pool)]
    numbers = _pools(vendor, seed)[pool]
    assert len(numbers) == Pools.SIZE
    invalid = []
    for text in numbers:
        number = phonenumbers.parse(str(text), region)
        if not (phonenumbers.is_valid_number_for_region(number, region) and phonenumbers.number_type(number) in PERSONAL):
            invalid.append(text)
    assert invalid == []
    assert len(set(numbers)) > Pools.SIZE * 0.95  # random, not a handful repeated


@pytest.mark.usefixtures("no_pool_cache")
@pytest.mark.parametrize("vendor", sorted({v for v, _ in PHONE_POOLS}))
def test_the_same_seed_makes_the_same_numbers(vendor: str) -> None:
    names = [p for v, p in PHONE_POOLS if v == vendor]
    first, again, other = _pools(vendor, 5), _pools(vendor, 5), _pools(vendor, 6)
    for name in names:
        assert first[name] == again[name]
        assert first[name] != other[name]


def test_the_prefix_tables_are_valid_ranges() -> None:
    # Every listed prefix is a range libphonenumber knows: none is struck out, so a release
    # that adds ranges changes no seeded number.
    for region, prefixes in (("PK", phones.PK_MOBILE), ("AE", phones.AE_MOBILE), ("US", phones.US_AREA_CODES)):
        for prefix in prefixes:
            number = phonenumbers.parse(prefix + "2345678", region)
            assert phonenumbers.is_valid_number_for_region(number, region), (region, prefix)


def test_a_maker_with_no_valid_prefix_fails_at_start_up() -> None:
    make = phones.valid_for("PK", ("999",), 7)

    class Fake:
        def random_element(self, items: Any) -> Any:
            return items[0]

        def numerify(self, pattern: str) -> str:
            return "1" * len(pattern)

    with pytest.raises(ValueError, match="none of the PK prefixes"):
        make(Fake())


def test_the_request_path_never_consults_phonenumbers(monkeypatch: pytest.MonkeyPatch) -> None:
    with make_client("vaultspay", "pulse", "etelecom") as client:
        vendors = client.get("/__admin/vendors").json()

        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("phonenumbers called on the request path")

        for name in ("parse", "is_valid_number", "is_valid_number_for_region", "number_type"):
            monkeypatch.setattr(phonenumbers, name, refuse)
        created = [
            client.post("/vaultspay/as/api/v1/users", headers=vendors["vaultspay"]["headers"],
                        json={"firstName": "A", "lastName": "B", "countryCode": "971", "phone": "501112233", "status": "ACTIVE"}),
            client.post("/pulse/users", headers=vendors["pulse"]["headers"], json={"email": "realism@test.com", "phone": "(415) 555-0100"}),
            client.post("/etelecom/v1/shop.Shop/CreateAccountUser", headers=vendors["etelecom"]["headers"],
                        json={"full_name": "Lê Văn A", "password": "x", "phone": "0901112233", "roles": ["salesman"]}),
        ]
        assert [r.status_code for r in created] == [200, 201, 200], [r.text for r in created]
        assert client.post("/__admin/reset").status_code == 200  # a reset re-seeds from the pools made at start-up
