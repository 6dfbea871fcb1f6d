"""``@pytest.mark.mockserver(strict=True)``: the contract lint's strict mode for one test of a client's suite."""

from __future__ import annotations

import httpx
import pytest

from mockserver.pytest_plugin import MockServerHandle
from tests.core.samples import CREATE_BODIES

MISSPELT = {**CREATE_BODIES["sabi"], "middlename": "Chi"}


def create(mock_vendors: MockServerHandle) -> httpx.Response:
    info = mock_vendors.credentials("sabi")
    return httpx.post(info["create_user"].split(" ", 1)[1], json=MISSPELT, headers=info["headers"])


@pytest.mark.mockserver(strict=True)
def test_the_marker_makes_the_test_strict(mock_vendors: MockServerHandle) -> None:
    response = create(mock_vendors)
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "message": ["property middlename should not exist"], "error": "Bad Request"}


def test_without_the_marker_the_server_only_warns(mock_vendors: MockServerHandle) -> None:
    # In either order: the marked test switches strictness back off when it ends.
    response = create(mock_vendors)
    assert response.status_code == 201
    assert response.headers["x-mock-warnings"] == "middlename: unknown field, ignored by the vendor (did you mean middleName?)"


def test_the_handle_switches_strictness(mock_vendors: MockServerHandle) -> None:
    mock_vendors.strict()
    try:
        assert create(mock_vendors).status_code == 400
    finally:
        mock_vendors.strict(False)
    assert create(mock_vendors).status_code == 201
