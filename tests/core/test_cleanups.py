"""Issue 13's smaller findings: the standard library and pydantic instead of our own copies, no dead fields.

Each test fails on the code as it was: a Bearer cache that remembered failures or grew without bound,
durations parsed by a hand-written regex with a traceback for ``1e308`` in a fixture, fields nobody read.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from mockserver import vendors as registry
from mockserver.config import Config, default_fixtures_dir
from mockserver.core.journal import shown_body
from mockserver.core.validation import parse_duration
from mockserver.core.vendor import Call, VendorContext
from mockserver.vendors.pulse.auth import bearer_token as pulse_bearer_token
from tests.conftest import make_client
from tests.core.samples import CREATE_BODIES
from tests.vendors.pulse import ADMIN_TOKEN, URL

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- memo -> functools.lru_cache
def test_the_bearer_cache_remembers_good_headers_only_and_is_bounded() -> None:
    cache: Any = pulse_bearer_token  # core.credentials.remembered: an lru_cache, shared by the process's servers
    cache.cache_clear()
    with make_client("pulse") as client:
        assert cache.cache_info().maxsize == 1024  # clients inventing headers cannot grow it
        for _ in range(3):
            assert client.get(URL, headers={"Authorization": "Basic eDp5", "x-account-id": "2311"}).status_code == 401
        assert cache.cache_info().currsize == 0  # a malformed header is parsed again every time, never remembered
        for _ in range(3):
            assert client.get(URL, headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "x-account-id": "2311"}).status_code == 200
        info = cache.cache_info()
        assert (info.currsize, info.misses, info.hits) == (1, 4, 2)  # the good one taken apart once


# ---------------------------------------------------------------- durations: pydantic's timedelta plus _plain
@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (90, 90), (90.5, 90.5), (-60, -60), ("PT1H30M", 5400), ("P1DT2S", 86402), ("PT0.5S", 0.5),
        # pydantic's forms, new with it: weeks, years (365 days), a sign, "[D day[s], ]HH:MM:SS"
        ("P1W", 7 * 86400), ("P1Y", 365 * 86400), ("-PT1H", -3600), ("1 day, 1:00:00", 90000),
        # ours (_plain), which pydantic refuses: seconds as text, lower case, blanks around
        ("90", 90), (" 1e3 ", 1000), ("pt15m", 900), (" PT15M ", 900),
    ],
)
def test_durations_parse_by_pydantic_and_keep_our_forms(value: object, seconds: float) -> None:
    assert parse_duration(value) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", "not a duration: 'soon' (use seconds or ISO-8601 like PT15M)"),
        ("PT", "not a duration: 'PT' (use seconds or ISO-8601 like PT15M)"),
        ("10m", "not a duration: '10m' (use seconds or ISO-8601 like PT15M)"),  # never accepted: not added
        ("nan", "not a duration: 'nan' (use seconds or ISO-8601 like PT15M)"),
        (float("nan"), "not a duration: nan (use seconds or ISO-8601 like PT15M)"),
        (True, "not a duration: give seconds or a string like PT15M (ISO-8601)"),  # pydantic alone: one second
        (None, "not a duration: give seconds or a string like PT15M (ISO-8601)"),
        (1e308, "1e+308 is beyond any clock"),
        (10**30, "1000000000000000000000000000000 is beyond any clock"),
        ("inf", "'inf' is beyond any clock"),
        ("P9999999Y", "'P9999999Y' is beyond any clock"),
        ("P99999999999D", "'P99999999999D' is beyond any clock"),
    ],
)
def test_a_duration_refused_is_one_value_error_saying_why(value: object, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(value)
    assert (type(caught.value), str(caught.value)) == (ValueError, message)


def test_the_clock_api_takes_the_new_forms_and_answers_a_json_error() -> None:
    with make_client("pulse", clock="frozen:2026-01-01T00:00:00Z") as client:
        moved = client.post("/__admin/clock", json={"advance": "P1W"})
        assert (moved.status_code, moved.json()) == (200, {"now": "2026-01-08T00:00:00.000Z", "frozen": True})
        refused = client.post("/__admin/clock", json={"advance": "P9999999Y"})
        assert (refused.status_code, refused.json()) == (400, {"error": "advance: 'P9999999Y' is beyond any clock"})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # A float past timedelta's range raised OverflowError from the validator: a traceback, not a line.
        ("1.0e+308", "apiKeys.3.expiresAfter: Value error, 1e+308 is beyond any clock"),
        ("soon", "apiKeys.3.expiresAfter: Value error, not a duration: 'soon' (use seconds or ISO-8601 like PT15M)"),
    ],
)
def test_a_fixture_duration_refused_is_one_line_of_the_cli(tmp_path: Path, value: str, message: str) -> None:
    fixture = tmp_path / "sabi.yaml"
    fixture.write_text((default_fixtures_dir() / "sabi.yaml").read_text().replace("expiresAfter: PT15M ", f"expiresAfter: {value} "))
    done = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--port", "0", "--fixtures", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"mockserver: cannot start: {fixture}:16: {message}\n")


# ---------------------------------------------------------------- dead fields
def test_the_fields_nothing_read_are_gone() -> None:
    """Config.public_host/fixtures_dir/extra, Call.client/header(), VendorContext.session/base_url: never read
    (a handler reads ``call.headers.get(name)``; the session is ``vendor.SESSION``; URLs are Runtime.base_url's)."""
    assert {field.name for field in dataclasses.fields(Config)}.isdisjoint({"extra", "public_host", "fixtures_dir"})
    assert not hasattr(Config, "public_host") and not hasattr(Config, "fixtures_dir")
    assert [field.name for field in dataclasses.fields(Call)] == ["method", "path", "headers", "query", "body", "params"]
    assert not hasattr(Call, "header")
    assert "base_url" not in {field.name for field in dataclasses.fields(VendorContext)} and not hasattr(VendorContext, "session")


# ---------------------------------------------------------------- tools read the registry
def test_no_tool_names_a_vendor() -> None:
    """tools/ reads the registry, the server's /__admin answers and the vendor classes' declarations."""
    words = set(registry.NAMES) | {word for name in registry.NAMES for word in registry.load(name).title.split()}
    words -= {"CRM"}  # "Pulse CRM": a word, not a name
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(words))) + r")\b", re.IGNORECASE)
    for tool in sorted((ROOT / "tools").glob("*.py")):
        found = [(number, line.strip()) for number, line in enumerate(tool.read_text().splitlines(), 1) if pattern.search(line)]
        assert found == [], f"{tool.name} names a vendor: {found}"


@pytest.mark.parametrize("vendor", registry.NAMES)
def test_each_vendor_declares_what_the_fuzzers_store_check_relies_on(vendor: str) -> None:
    """A user listing that reads every user with the ready credentials (or none: the journal check), and
    unique fields that make a copy of a user a conflict whatever the other fields hold."""
    cls = registry.load(vendor)
    with make_client(vendor) as client:
        info = client.get("/__admin/vendors").json()[vendor]
        method, url = info["create_user"].split(" ", 1)
        headers = {"Content-Type": "application/json", **info["headers"]}
        body = CREATE_BODIES[vendor]
        statuses: list[int] = []

        def read(method: str, path: str, **options: Any) -> Any:
            response = client.request(method, urlsplit(info["base_url"]).path + path, **options)
            statuses.append(response.status_code)
            return response.json()

        before = cls.user_listing(read, info["headers"]) if cls.user_listing else []
        assert client.request(method, url, json=body, headers=headers).status_code < 300
        if cls.user_listing is not None:
            after = cls.user_listing(read, info["headers"])
            # (a Pulse listing also asks accounts the credentials may not read: their 403 is listed, and stays the same)
            assert 200 in statuses and len(before) >= 3 and len(after) == len(before) + 1
        assert cls.unique_fields and cls.unique_fields <= set(body)
        others = {key: ("Zz" + value if isinstance(value, str) and key not in cls.unique_fields else value) for key, value in body.items()}
        assert client.request(method, url, json=others, headers=headers).status_code >= 400


# ---------------------------------------------------------------- journal: structure first, text only where it fails
def test_a_parsed_body_is_redacted_by_its_structure_alone_and_an_unparsed_one_by_the_text_rule() -> None:
    """No scan beside the structural redaction: a JSON body's values are shown even when they mention a
    secret's name.  The text rule (``mentions_secret``) is all that covers a body that does not parse."""
    fields = frozenset({"password"})
    assert shown_body(b'{"note": "my password is x", "password": "y"}', fields) == {"note": "my password is x", "password": "***"}
    assert shown_body(b'{"note": "my password is x", "password": "y"', fields) == {"__unparsed__": True, "text": "***"}
