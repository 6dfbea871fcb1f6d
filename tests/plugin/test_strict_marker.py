"""``@pytest.mark.mockserver(strict=True)``: the contract lint's strict mode for one test of a client's suite."""

from __future__ import annotations

import httpx
import pytest

from mockserver.pytest_plugin import MockServerHandle
from tests.core.samples import CREATE_BODIES

MISSPELT = {**CREATE_BODIES["sabi"], "middlename": "Chi"}


def create(mockserver: MockServerHandle) -> httpx.Response:
    info = mockserver.credentials("sabi")
    return httpx.post(info["create_user"].split(" ", 1)[1], json=MISSPELT, headers=info["headers"])


@pytest.mark.mockserver(strict=True)
def test_the_marker_makes_the_test_strict(mockserver: MockServerHandle) -> None:
    response = create(mockserver)
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "message": ["property middlename should not exist"], "error": "Bad Request"}


def test_without_the_marker_the_server_only_warns(mockserver: MockServerHandle) -> None:
    # In either order: the marked test switches strictness back off when it ends.
    response = create(mockserver)
    assert response.status_code == 201
    assert response.headers["x-mock-warnings"] == "middlename: unknown field, ignored by the vendor (did you mean middleName?)"


def test_the_handle_switches_strictness(mockserver: MockServerHandle) -> None:
    mockserver.strict()
    try:
        assert create(mockserver).status_code == 400
    finally:
        mockserver.strict(False)
    assert create(mockserver).status_code == 201
