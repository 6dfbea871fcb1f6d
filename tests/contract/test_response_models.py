"""Every success body of the documented flows is exactly what its route's response model says.

The response models (``Route.responses``) are the declaration of each body: the OpenAPI
document is generated from them.  The bodies themselves are written by hand-kept dict
builders, the fastest way to write a body in its wire order, so here every 2xx answer of
every registered vendor's documented flow (the golden snapshots' calls) is held to its
model exactly: valid in strict mode, and every object holding the model's keys in the
model's order - no key the model lacks, none out of place.  schemathesis checks the
bodies against the document too, but lets extra keys and any key order through.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from mockserver import snapshots
from mockserver.app import build_app
from mockserver.config import Config
from mockserver.vendors import NAMES


@pytest.fixture(scope="module")
def collected() -> dict[str, list[dict[str, Any]]]:
    return snapshots.collect()


def _same(expected: Any, got: Any, where: str) -> list[str]:
    """Where ``got`` differs from ``expected``: keys, their order, values (True is not 1)."""
    if isinstance(expected, dict):
        if not isinstance(got, dict) or list(expected) != list(got):
            return [f"{where}: keys {list(got) if isinstance(got, dict) else got!r}, the model's {list(expected)}"]
        return [problem for key in expected for problem in _same(expected[key], got[key], f"{where}.{key}")]
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return [f"{where}: {got!r}, the model's {expected!r}"]
        return [problem for i, (e, g) in enumerate(zip(expected, got, strict=True)) for problem in _same(e, g, f"{where}[{i}]")]
    if expected != got or isinstance(expected, bool) != isinstance(got, bool):
        return [f"{where}: {got!r}, the model's {expected!r}"]
    return []


@pytest.mark.parametrize("vendor", NAMES)
def test_success_bodies_are_their_models_exactly(collected: dict[str, list[dict[str, Any]]], vendor: str) -> None:
    routes = {route.operation: route for route in build_app(Config(vendors=(vendor,))).runtime.vendors[vendor].routes()}
    checked = 0
    for exchange in collected[vendor]:
        status, body = exchange["response"]["status"], exchange["response"]["body"]
        route = routes.get(exchange["operation"])
        if "error" in exchange or not 200 <= status < 300 or route is None:
            continue
        model = route.responses.get(status)
        assert isinstance(model, type) and issubclass(model, BaseModel), f"{vendor} {exchange['name']}: {status} has no response model"
        # strict: a JSON string stays a string; the dump keeps what the body sent (its keys)
        parsed = model.model_validate_json(json.dumps(body), strict=True)
        expected = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
        assert _same(expected, body, exchange["name"]) == []
        checked += 1
    assert checked > 0
