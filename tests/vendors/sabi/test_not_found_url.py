"""Nest's 404 names the URL as requested, query string included."""

from __future__ import annotations

from typing import Any

from tests.conftest import vendor_client_fixture

client, _reset = vendor_client_fixture("sabi")


def test_not_found_message_keeps_the_query_string(client: Any) -> None:
    response = client.get("/sabi/api/v1/nope?x=1&y=two")
    assert response.status_code == 404
    assert response.json() == {"statusCode": 404, "message": "Cannot GET /api/v1/nope?x=1&y=two", "error": "Not Found"}
