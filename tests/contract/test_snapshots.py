"""Golden contract snapshots: the project's own contract-regression net.

For seed 0 and a frozen clock, the response of every documented operation
(each vendor's ``examples.py`` flow) and of every catalogued error (forced with
``X-Mock-Error``) is stored in ``tests/contract/snapshots/<vendor>.json``.  Any
change fails here until the snapshots are deliberately updated::

    mockserver snapshot --update
    python3 -m pytest tests/contract --update-snapshots
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mockserver import snapshots
from mockserver.app import Runtime
from mockserver.cli import main
from mockserver.config import Config
from mockserver.snapshots import Example, ExampleError, _Context
from mockserver.vendors import NAMES

DIRECTORY = Path(__file__).parent / "snapshots"

Collected = dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def collected() -> Collected:
    return snapshots.collect(seed=0)


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return Runtime(Config())


def test_snapshots_match(collected: Collected, request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--update-snapshots", default=False):
        for path in snapshots.write(DIRECTORY, collected=collected):
            print(f"updated {path}")
        return
    differences = snapshots.compare(DIRECTORY, collected=collected)
    if differences:
        pytest.fail(
            f"{len(differences)} contract snapshot difference(s):\n\n" + "\n\n".join(differences) + "\n\n" + snapshots.UPDATE_HINT,
            pytrace=False,
        )


@pytest.mark.parametrize("vendor", NAMES)
def test_every_route_and_catalog_entry_is_snapshotted(vendor: str, runtime: Runtime) -> None:
    stored = json.loads((DIRECTORY / f"{vendor}.json").read_text(encoding="utf-8"))
    exchanges = stored["exchanges"]
    instance = runtime.vendors[vendor]

    flow = [e for e in exchanges if "error" not in e]
    assert [e["name"] for e in flow if e["operation"] == "unknown"] == [], "examples that match no route (a typo in a path?)"
    succeeded = {e["operation"] for e in flow if 200 <= e["response"]["status"] < 300}
    operations = {route.operation for route in instance.routes()}
    assert operations - succeeded == set(), f"{vendor}: operations without a successful example in examples.py"

    forced = {e["error"]: e for e in exchanges if "error" in e}
    assert list(forced) == list(instance.error_contract.catalog), f"{vendor}: catalog entries missing from the snapshot"
    for name, exchange in forced.items():
        assert exchange["operation"] == instance.error_operations.get(name, "create_user"), name
        assert exchange["response"]["status"] == instance.error_contract.catalog[name].status, name


def test_snapshot_files_are_stably_formatted() -> None:
    for vendor in NAMES:
        text = (DIRECTORY / f"{vendor}.json").read_text(encoding="utf-8")
        document = json.loads(text)
        assert text == snapshots.dumps(document), f"{vendor}.json is not in the canonical formatting"
        assert list(document) == sorted(document)
        assert document["vendor"] == vendor and document["seed"] == 0
        for exchange in document["exchanges"]:
            assert list(exchange) == sorted(exchange)
            assert list(exchange["request"]) == ["body", "method", "path", "query"]
            assert list(exchange["response"]) == ["body", "content_type", "status"]
    assert "Nguyễn Thị Mai" in (DIRECTORY / "etelecom.json").read_text(encoding="utf-8")  # ensure_ascii=False


def test_collection_is_deterministic(collected: Collected) -> None:
    again = snapshots.collect(seed=0, vendors=["sabi", "etelecom"])
    assert again == {name: collected[name] for name in ("sabi", "etelecom")}
    other_seed = snapshots.collect(seed=1, vendors=["sabi"])["sabi"]
    assert other_seed[0]["response"]["body"]["_id"] != collected["sabi"][0]["response"]["body"]["_id"]


def test_compare_names_the_exchange_and_shows_a_diff(collected: Collected, tmp_path: Path) -> None:
    snapshots.write(tmp_path, collected=collected)
    assert snapshots.compare(tmp_path, collected=collected) == []

    path = tmp_path / "vaultspay.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["exchanges"][2]["response"]["body"]["data"]["status"] = "BLOCK"
    document["exchanges"].append({"name": "retired", "request": {}, "response": {}})
    path.write_text(snapshots.dumps(document), encoding="utf-8")
    (tmp_path / "sabi.json").unlink()

    differences = snapshots.compare(tmp_path, collected=collected)
    assert differences[0].startswith("vaultspay/create_user: POST /as/api/v1/users -> 200 changed at response.body.data.status")
    assert '-        "status": "BLOCK",' in differences[0] and '+        "status": "ACTIVE",' in differences[0]
    assert "vaultspay/retired: exchange gone" in differences[1]
    assert differences[2] == f"sabi: no snapshot file {tmp_path / 'sabi.json'}"


def test_key_order_changes_are_differences(collected: Collected, tmp_path: Path) -> None:
    # The order of a vendor's JSON keys is part of the contract.
    snapshots.write(tmp_path, collected=collected)
    path = tmp_path / "sabi.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    body = document["exchanges"][0]["response"]["body"]
    document["exchanges"][0]["response"]["body"] = dict(reversed(list(body.items())))
    path.write_text(snapshots.dumps(document), encoding="utf-8")
    (difference,) = snapshots.compare(tmp_path, collected=collected)
    assert difference.startswith("sabi/create_user: POST /api/v1/users/public -> 201 changed at key order")


def test_placeholders() -> None:
    context = _Context("demo", {"headers": {"Authorization": "Bearer abc", "x-account-id": "7"}, "login": {"email": "a@b.co"}})
    context.responses["create"] = {"data": [{"id": 604, "email": "x@y.z"}]}
    assert context.resolve_headers({"Authorization": "{auth}", "X-Account-Id": "{auth}", "X-Copy": "{auth:authorization}"}) == {
        "Authorization": "Bearer abc", "X-Account-Id": "7", "X-Copy": "Bearer abc",
    }
    assert context.resolve({"userId": "{ref:create.data.0.id}", "who": "{login:email}"}) == {"userId": 604, "who": "a@b.co"}
    assert context.resolve("/users/{ref:create.data.0.id}/kyc") == "/users/604/kyc"
    assert context.resolve("{not a placeholder}") == "{not a placeholder}"
    with pytest.raises(ExampleError, match="no earlier example named 'later'"):
        context.resolve("{ref:later.id}")
    with pytest.raises(ExampleError, match="no 'uid'"):
        context.resolve("{ref:create.data.0.uid}")
    with pytest.raises(ExampleError, match="no header 'apikey'"):
        context.resolve_headers({"ApiKey": "{auth}"})


def test_examples_are_well_formed() -> None:
    for vendor in NAMES:
        found = snapshots.examples(vendor)
        assert found and all(isinstance(e, Example) for e in found)
        assert all(e.path.startswith("/") and e.method.isupper() for e in found)


def test_cli_snapshot_update_then_check(tmp_path: Path) -> None:
    runner = CliRunner()
    directory = tmp_path / "snaps"
    result = runner.invoke(main, ["snapshot", "--update", "--dir", str(directory)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in directory.iterdir()) == sorted(f"{v}.json" for v in NAMES)
    assert (directory / "vaultspay.json").read_text(encoding="utf-8") == (DIRECTORY / "vaultspay.json").read_text(encoding="utf-8")

    result = runner.invoke(main, ["snapshot", "--dir", str(directory)])
    assert result.exit_code == 0 and "snapshots match" in result.output

    path = directory / "payabli.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["exchanges"][0]["response"]["status"] = 201
    path.write_text(snapshots.dumps(document), encoding="utf-8")
    result = runner.invoke(main, ["snapshot", "--dir", str(directory)])
    assert result.exit_code == 1
    assert "payabli/create_user: POST /api/User -> 200 changed at response.status" in result.output
    assert "mockserver snapshot --update" in result.output

    result = runner.invoke(main, ["snapshot", "--dir", str(directory), "--seed", "3"])
    assert result.exit_code == 1 and "vaultspay: seed was 0, is 3" in result.output


def test_unknown_reference_in_an_example_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = [Example("get", "GET", "/api/v1/users/{ref:create.id}")]
    monkeypatch.setattr(snapshots, "examples", lambda vendor: broken)
    with pytest.raises(ExampleError, match=re.escape("sabi: {ref:create.id}: no earlier example named 'create'")):
        snapshots.collect(vendors=["sabi"])
