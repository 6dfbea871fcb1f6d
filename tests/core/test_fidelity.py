"""The fidelity map: README in sync, every catalog entry and route present, valid rows."""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mockserver.app import Runtime
from mockserver.config import Config
from mockserver.core.fidelity import (
    AREAS,
    GENERAL_ROWS,
    MARKERS,
    STATUSES,
    Row,
    fidelity_map,
    not_supported,
    notes_of,
    render_markdown,
    row,
    rows_for,
    status_of,
)
from mockserver.core.vendor import Vendor
from mockserver.vendors import NAMES

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "python3 tools/gen_readme.py"


@pytest.fixture(scope="module")
def vendors() -> dict[str, Vendor]:
    return Runtime(Config()).vendors


def _gen_readme() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_readme", ROOT / "tools" / "gen_readme.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _all_rows(vendors: dict[str, Vendor]) -> list[tuple[str, Row]]:
    out = [("everywhere", r) for r in GENERAL_ROWS]
    for name, vendor in vendors.items():
        out += [(name, r) for r in rows_for(vendor)]
    return out


# ---------------------------------------------------------------- README
def test_readme_fidelity_section_is_generated_and_in_sync(vendors: dict[str, Vendor]) -> None:
    tool = _gen_readme()
    current = (ROOT / "docs" / "fidelity.md").read_text(encoding="utf-8")
    assert current.count(tool.START) == 1 and current.count(tool.END) == 1, f"docs/fidelity.md needs one {tool.START} ... {tool.END} pair"
    wanted = tool.render(current)  # the fidelity tables and the scenario library list
    assert tool.splice(wanted, render_markdown(vendors)) == wanted
    if wanted != current:
        diff = "\n".join(list(difflib.unified_diff(current.splitlines(), wanted.splitlines(), "docs/fidelity.md", "generated", lineterm=""))[:40])
        pytest.fail(f"docs/fidelity.md's generated sections are out of date: run `{REGENERATE}` and commit the result.\n{diff}")


def test_regenerating_is_idempotent(vendors: dict[str, Vendor]) -> None:
    tool = _gen_readme()
    section = render_markdown(vendors)
    once = tool.splice("intro\n<!-- fidelity:start -->\nold\n<!-- fidelity:end -->\noutro\n", section)
    assert tool.splice(once, section) == once
    assert once.startswith("intro\n<!-- fidelity:start -->\n") and once.endswith("<!-- fidelity:end -->\noutro\n")


def test_markdown_tables_have_five_cells_per_row(vendors: dict[str, Vendor]) -> None:
    for line in render_markdown(vendors).splitlines():
        if line.startswith("|"):
            # "|" inside a cell must be escaped, or the row gains a column
            assert len(re.findall(r"(?<!\\)\|", line)) == 6, line


def test_markdown_has_no_raw_html_outside_code(vendors: dict[str, Vendor]) -> None:
    # "<path>" outside backticks is an HTML tag to a Markdown renderer: it would vanish
    for line in render_markdown(vendors).splitlines():
        assert not re.search(r"<[A-Za-z/]", re.sub(r"`[^`]*`", "", line)), line


def test_markdown_has_a_section_per_vendor(vendors: dict[str, Vendor]) -> None:
    text = render_markdown(vendors)
    assert "### Everywhere" in text
    for vendor in vendors.values():
        seed = notes_of(vendor).seed
        assert f"### {vendor.title} (seed {seed})" in text


# ---------------------------------------------------------------- coverage
def test_every_registered_vendor_has_a_fidelity_table(vendors: dict[str, Vendor]) -> None:
    assert set(vendors) == set(NAMES)
    for vendor in vendors.values():
        notes = notes_of(vendor)
        assert notes.rows and all(isinstance(r, Row) for r in notes.rows), f"{vendor.name}: no fidelity notes"
        assert notes.seed is not None and re.fullmatch(r"\d{3}", notes.seed)


def test_every_catalog_entry_has_an_error_row(vendors: dict[str, Vendor]) -> None:
    for name, vendor in vendors.items():
        errors = {r.item: r for r in rows_for(vendor) if r.area == "error"}
        for key, spec in vendor.error_contract.catalog.items():
            found = errors.get(f"`{key}`")
            assert found is not None, f"{name}: catalog entry {key} has no fidelity row"
            assert found.behaviour.startswith(f"HTTP {spec.status}")
            assert spec.message in found.behaviour
            if spec.code is not None:
                assert f"code `{spec.code}`" in found.behaviour


def test_every_route_has_a_route_row(vendors: dict[str, Vendor]) -> None:
    for name, vendor in vendors.items():
        routes = {r.item: r for r in rows_for(vendor) if r.area == "route"}
        for route in vendor.routes():
            found = routes.get(f"`{route.method} {route.path}`")
            assert found is not None, f"{name}: route {route.method} {route.path} has no fidelity row"
            assert f"`{route.operation}`" in found.behaviour


def test_source_tables_name_only_existing_catalog_keys_and_routes(vendors: dict[str, Vendor]) -> None:
    for name, vendor in vendors.items():
        notes = notes_of(vendor)
        stale_errors = set(notes.error_sources) - set(vendor.error_contract.catalog)
        assert not stale_errors, f"{name}: ERROR_SOURCES names unknown catalog keys {sorted(stale_errors)}"
        known = {r.operation for r in vendor.routes()} | {f"{r.method} {r.path}" for r in vendor.routes()}
        stale_routes = set(notes.route_sources) - known
        assert not stale_routes, f"{name}: ROUTE_SOURCES names unknown routes {sorted(stale_routes)}"


# ---------------------------------------------------------------- row validity
def test_every_row_has_a_valid_area_status_and_source(vendors: dict[str, Vendor]) -> None:
    for name, r in _all_rows(vendors):
        assert r.area in AREAS, (name, r)
        assert r.status in STATUSES, (name, r)
        assert r.item.strip() and r.behaviour.strip(), (name, r)
        if r.status != "not supported":
            assert r.source.startswith(MARKERS), (name, r)
            assert r.status == status_of(r.source), (name, r)


def test_every_status_is_used(vendors: dict[str, Vendor]) -> None:
    used = {r.status for _, r in _all_rows(vendors)}
    assert used == set(STATUSES)


def test_rows_are_grouped_by_area(vendors: dict[str, Vendor]) -> None:
    for vendor in vendors.values():
        order = [AREAS.index(r.area) for r in rows_for(vendor)]
        assert order == sorted(order)


def test_row_rejects_bad_values() -> None:
    with pytest.raises(ValueError):
        Row("colour", "x", "y", "emulated", "[SEED]")
    with pytest.raises(ValueError):
        Row("field", "x", "y", "partly", "[SEED]")
    with pytest.raises(ValueError):
        Row("field", "x", "y", "emulated", "the docs")
    with pytest.raises(ValueError):
        row("field", "x", "y", "HTTP")
    assert row("field", "x", "y", "[PUB] page").status == "emulated"
    assert row("field", "x", "y", "[INF] why").status == "inferred"
    assert not_supported("route", "x", "y", "documented somewhere").status == "not supported"


# ---------------------------------------------------------------- the JSON map
def test_fidelity_map_is_json_ready_with_consistent_summaries(vendors: dict[str, Vendor]) -> None:
    data: dict[str, Any] = json.loads(json.dumps(fidelity_map(vendors)))
    assert list(data) == list(vendors)
    for name, entry in data.items():
        assert set(entry) == {"title", "rows", "summary"}
        assert entry["title"] == vendors[name].title
        assert set(entry["summary"]) == set(STATUSES)
        assert sum(entry["summary"].values()) == len(entry["rows"])
        for item in entry["rows"]:
            assert set(item) == {"area", "item", "behaviour", "status", "source"}
        assert entry["rows"] == [r.as_dict() for r in rows_for(vendors[name])]


def test_fidelity_map_for_a_single_vendor_server() -> None:
    runtime = Runtime(Config(vendor="sabi"))
    data = fidelity_map(runtime.vendors)
    assert list(data) == ["sabi"]
    assert any(r["item"] == "`POST /api/v1/users/public`" for r in data["sabi"]["rows"])


def test_a_vendor_class_gives_the_table_without_route_rows(vendors: dict[str, Vendor]) -> None:
    for vendor in vendors.values():
        from_class = rows_for(type(vendor))
        assert not any(r.item.startswith("`") and r.behaviour.startswith("operation `") for r in from_class)
        assert len(from_class) == len(rows_for(vendor)) - len(vendor.routes())


def test_admin_serves_the_fidelity_map() -> None:
    from tests.conftest import make_client

    with make_client("sabi", "etelecom") as client:
        served = client.get("/__admin/fidelity").json()
    assert list(served) == ["*", "sabi", "etelecom"]
    assert served["sabi"]["summary"]["inferred"] > 0
    assert {"area", "item", "behaviour", "status", "source"} <= set(served["etelecom"]["rows"][0])
