"""Test ergonomics (issue 18): the README's base-URL pattern for all five vendors, the helpers on the
transport and the fixture (journal, assert_called, reset, scenarios, clock) without naming an origin,
and the fixture's new name with the old one as a deprecated alias."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import httpx
import pytest

import mockserver
from mockserver.pytest_plugin import MockServerHandle
from mockserver.vendors import NAMES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ORIGIN = "http://127.0.0.1:8080"


def _readme_calls() -> dict[str, tuple[str, dict[str, str], dict[str, Any]]]:
    """vendor -> (path relative to its base URL, headers, JSON body), from the README's "One request per vendor" curls
    and its vendors table: the paths exactly as the README shows them."""
    bases = dict(re.findall(r"^\| [^|]+ \| `http://127\.0\.0\.1:8080/(\w+)([^`]*)` \|", README, re.M))
    section = README[README.index("## One request per vendor"):README.index("\n## ", README.index("## One request per vendor") + 1)]
    out: dict[str, tuple[str, dict[str, str], dict[str, Any]]] = {}
    for block in re.findall(r"```bash\n(.*?)```", section, re.S):
        words = shlex.split(block.replace("\\\n", " "))
        url = next(w for w in words if w.startswith(ORIGIN))
        vendor = url[len(ORIGIN) + 1:].split("/", 1)[0]
        base = f"{ORIGIN}/{vendor}{bases[vendor]}"
        headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
        body = httpx.Request("POST", "/", content=words[words.index("-d") + 1]).content
        out[vendor] = (url[len(base):], headers, json.loads(body))
    return out


CALLS = _readme_calls()


def test_the_readme_shows_every_vendor() -> None:
    assert sorted(CALLS) == sorted(NAMES)
    assert CALLS["etelecom"][0] == ".Shop/CreateAccountUser"  # the path that used to become /v1/shop/.Shop/...


@pytest.mark.parametrize("vendor", sorted(CALLS))
def test_transport_base_url_takes_the_readme_paths(vendor: str) -> None:
    path, headers, body = CALLS[vendor]
    transport = mockserver.transport(seed=1)
    with httpx.Client(transport=transport, base_url=transport.base_url(vendor)) as client:
        response = client.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), (vendor, response.status_code, response.text[:300])
    assert transport.count(vendor, "create_user") == 1


@pytest.mark.parametrize("vendor", sorted(CALLS))
def test_fixture_client_takes_the_readme_paths(vendor: str, mock_vendors: MockServerHandle) -> None:
    path, _, body = CALLS[vendor]
    with mock_vendors.client(vendor) as client:  # the live auth headers come with it
        response = client.post(path, json=body)
    assert response.status_code in (200, 201), (vendor, response.status_code, response.text[:300])
    mock_vendors.assert_called(vendor, "create_user", times=1)


def test_a_path_the_vendor_does_have_is_left_alone() -> None:
    transport = mockserver.transport()
    with httpx.Client(transport=transport, base_url=transport.base_url("etelecom"), headers=transport.headers("etelecom")) as client:
        response = client.post("/nowhere", json={})
    assert response.status_code == 404
    assert transport.requests("etelecom")[-1]["path"] == "/v1/shop/nowhere"


def test_transport_helpers_need_no_origin() -> None:
    transport = mockserver.transport(seed=2)
    client = transport.client("sabi")
    body = CALLS["sabi"][2]
    assert client.post(CALLS["sabi"][0], json=body).status_code == 201
    assert transport.count("sabi", "create_user", status=201) == 1
    transport.assert_called("sabi", "create_user", times=1, body={"firstName": "Ada"})
    with pytest.raises(AssertionError) as caught:
        transport.assert_called("sabi", "create_user", times=1, body={"firstName": "Bola"})
    assert str(caught.value).splitlines() == [
        "expected 1 call(s) matching {'vendor': 'sabi', 'operation': 'create_user', 'body': {'firstName': 'Bola'}}, found 0.",
        "closest requests:",
        "  POST /api/v1/users/public -> 201 (create_user) body=" + repr({**body, "password": "***"}),
    ]
    # scenarios: activate / deactivate / a context / define
    with transport.scenario("sabi-too-many-requests"):
        assert client.post(CALLS["sabi"][0], json={**body, "username": "b@example.ng"}).status_code == 429
    name = transport.define_scenario({"name": "mine", "rules": [{"match": {"vendor": "sabi"}, "respond": {"status": 503, "body": {}}}]}, activate=True)
    assert name == "mine" and client.post(CALLS["sabi"][0], json=body).status_code == 503
    transport.deactivate("mine")
    with pytest.raises(LookupError):
        transport.activate("no-such-scenario")
    # the clock
    transport.clock.freeze()
    assert transport.clock.set("2026-01-01T00:00:00Z").startswith("2026-01-01T00:00:00")
    assert transport.clock.advance(hours=1).startswith("2026-01-01T01:00:00")
    # reset: users, journal and the clock as at start
    transport.reset()
    assert transport.count("sabi") == 0 and transport.requests() == []
    assert client.post(CALLS["sabi"][0], json=body).status_code == 201  # the user is gone again


def test_fixture_helpers(mock_vendors: MockServerHandle) -> None:
    mock_vendors.clock.freeze()
    assert mock_vendors.clock.set("2026-01-01T00:00:00Z").startswith("2026-01-01T00:00:00")
    with mock_vendors.client("pulse") as client:
        client.post(CALLS["pulse"][0], json=CALLS["pulse"][2])
    assert mock_vendors.count("pulse", "create_user") == 1
    mock_vendors.reset()
    assert mock_vendors.count("pulse") == 0


def test_the_old_fixture_name_warns_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import mockserver as ms

        def test_one(mockserver):
            assert mockserver.base_url("sabi").endswith("/sabi")

        def test_two(mockserver):
            assert mockserver.count("sabi") == 0
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-W", "always::DeprecationWarning")
    result.assert_outcomes(passed=2)
    text = result.stdout.str()
    assert text.count("the 'mockserver' fixture is deprecated: rename it 'mock_vendors'") == 1, text


def test_public_api_is_pinned() -> None:
    assert mockserver.__all__ == [
        "Config", "MockServerHandle", "RunningServer", "Transport", "__version__", "build_app", "running", "transport",
    ]
    assert all(getattr(mockserver, name) is not None for name in mockserver.__all__)


def _readme_python_blocks() -> list[str]:
    section = README[README.index("## In pytest"):README.index("\n## ", README.index("## In pytest") + 1)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_readme_pytest_example_runs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_readme_example=_readme_python_blocks()[0])
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_readme_transport_example_runs() -> None:
    exec(compile(_readme_python_blocks()[1], "README.md", "exec"), {})
