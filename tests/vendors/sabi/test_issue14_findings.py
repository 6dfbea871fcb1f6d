"""Issue 14's Sabi finding: every body-parser error carries the ``error`` key.

The 400 (syntax error) and 413 (too large) bodies name the status phrase under
``error``; the 415 (a JSON body in a non-UTF charset) did not, so a client reading
Sabi's errors by that key failed on it alone.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import vendor_client_fixture
from tests.vendors.sabi.helpers import AUTH, URL

client, _reset = vendor_client_fixture("sabi")

INVITE = "/sabi/api/v1/users/public/invite?invitedByName=A&invitedByEmail=a@x.ng&platformLink=https://x.ng&invitation=SABI"


@pytest.mark.parametrize("url", [URL, INVITE])
@pytest.mark.parametrize("charset", ["latin1", "ISO-8859-1", "utf16le"])
def test_415_body_has_the_error_key_like_400_and_413(client: Any, url: str, charset: str) -> None:
    response = client.post(url, content=b"{}", headers={**AUTH, "Content-Type": f"application/json; charset={charset}"})
    assert (response.status_code, response.json()) == (
        415, {"statusCode": 415, "message": f'unsupported charset "{charset.upper()}"', "error": "Unsupported Media Type"},
    )


def test_every_body_parser_error_has_the_same_keys(client: Any) -> None:
    syntax = client.post(URL, content=b"{", headers={**AUTH, "Content-Type": "application/json"})
    large = client.post(URL, content=b'{"x": "' + b"a" * (2 << 20) + b'"}', headers={**AUTH, "Content-Type": "application/json"})
    charset = client.post(URL, content=b"{}", headers={**AUTH, "Content-Type": "application/json; charset=latin1"})
    assert [r.status_code for r in (syntax, large, charset)] == [400, 413, 415]
    assert {tuple(r.json()) for r in (syntax, large, charset)} == {("statusCode", "message", "error")}
