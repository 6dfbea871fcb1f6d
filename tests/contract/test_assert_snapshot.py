"""``mock_vendors.assert_snapshot``: the snapshot mechanism for users' own suites, through pytester."""

from __future__ import annotations

import json

import pytest

from mockserver.pytest_plugin import MockServerHandle, snapshot_entry, snapshot_text
from mockserver.vendors import NAMES, load

# pytester's in-process runs drop from sys.modules whatever was first imported inside
# them; anything re-imported afterwards is a new module with new classes (httpx would
# no longer map httpcore's exceptions, pydantic's cached RootModel would point at a
# missing module).  So everything the inner runs use is imported out here first:
# every vendor now, and the real client/server network stack by the fixture below.
for _name in NAMES:
    load(_name)


@pytest.fixture(autouse=True)
def _network_stack_imported(mock_vendors: MockServerHandle) -> None:
    # The fixture starts a real server in this process and talks to it over a socket.
    assert mock_vendors.clock.now()

SUITE = """
import httpx

def create(mock_vendors, vendor, body):
    info = mock_vendors.credentials(vendor)
    return httpx.post(info["create_user"].split(" ", 1)[1], json=body, headers=info["headers"])

def test_signup(mock_vendors):
    create(mock_vendors, "vaultspay", {"firstName": "Ada", "lastName": "Obi", "email": "ada@example.com", "status": "STATUS"})
    create(mock_vendors, "payabli", {"email": "ada@example.com", "pwd": "s3cret!", "scope": [{"orgType": 0, "orgId": 123}]})
    mock_vendors.assert_snapshot("signup")

def test_sabi_frozen(mock_vendors):
    mock_vendors.clock.freeze()
    mock_vendors.clock.set("2026-01-01T00:00:00Z")
    create(mock_vendors, "sabi", {"username": "ada@example.ng", "password": "pw", "firstName": "Ada", "lastName": "Obi"})
    mock_vendors.assert_snapshot("sabi/frozen", entries=mock_vendors.requests("sabi"), ignore=["passId"])
"""


def suite(status: str = "ACTIVE") -> str:
    return SUITE.replace("STATUS", status)


def test_assert_snapshot_creates_checks_and_explains(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user_suite=suite())

    first = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    first.assert_outcomes(failed=2)
    first.stdout.fnmatch_lines(["*no snapshot *signup.json yet (2 exchange(s) recorded)*--mockserver-update-snapshots*"])

    pytester.runpytest_inprocess("-p", "no:cacheprovider", "--mockserver-update-snapshots").assert_outcomes(passed=2)
    stored = json.loads((pytester.path / "tests" / "snapshots" / "signup.json").read_text(encoding="utf-8"))
    assert [(e["vendor"], e["operation"], e["method"], e["path"], e["status"]) for e in stored] == [
        ("vaultspay", "create_user", "POST", "/as/api/v1/users", 200),
        ("payabli", "create_user", "POST", "/api/User", 200),
    ]
    assert list(stored[0]) == ["vendor", "operation", "method", "path", "request", "status", "response"]
    assert stored[0]["response"]["data"]["id"] == 604
    assert stored[1]["request"]["pwd"] == "***"  # secrets stay masked, as in the journal
    frozen = json.loads((pytester.path / "tests" / "snapshots" / "sabi" / "frozen.json").read_text(encoding="utf-8"))
    assert frozen[0]["response"]["createdAt"] == "2026-01-01T00:00:00.000Z" and frozen[0]["response"]["passId"] == "<ignored>"

    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)  # same seed, same bytes

    pytester.makepyfile(test_user_suite=suite("PENDING"))
    changed = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    changed.assert_outcomes(passed=1, failed=1)
    changed.stdout.fnmatch_lines([
        "*mockserver snapshot 'signup' differs from *signup.json:*",
        '*-        "status": "ACTIVE",',
        '*+        "status": "PENDING",',
        "*note: the server clock is not frozen*",
        "*rerun pytest with --mockserver-update-snapshots*",
    ])


def test_snapshot_directory_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user_suite=suite())
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--mockserver-update-snapshots", "--mockserver-snapshots", "contract", "-k", "signup",
    )
    result.assert_outcomes(passed=1, deselected=1)
    assert (pytester.path / "contract" / "signup.json").is_file()
    assert not (pytester.path / "tests" / "snapshots").exists()


def test_snapshot_entry_drops_volatile_fields() -> None:
    entry = {
        "seq": 7, "time": "2026-01-01T00:00:00.000Z", "vendor": "pulse", "operation": "list_users", "method": "GET",
        "path": "/users", "query": {"page": "2"}, "headers": {"authorization": "***"}, "body": None, "status": 200,
        "response": [{"id": 3, "updatedAt": "x"}], "scenario": None, "latency_ms": 1.5, "session": "", "near_miss": None,
    }
    assert snapshot_entry(entry, ignore=["updatedAt"]) == {
        "vendor": "pulse", "operation": "list_users", "method": "GET", "path": "/users", "query": {"page": "2"},
        "request": None, "status": 200, "response": [{"id": 3, "updatedAt": "<ignored>"}],
    }
    assert snapshot_text([]) == "[]\n"


def test_snapshot_names_stay_inside_the_directory(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_bad_name(mock_vendors):
            with pytest.raises(ValueError, match="relative name"):
                mock_vendors.assert_snapshot("../outside")
        """
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
