"""eTelecom's ported search normaliser and cursor decoding, without HTTP."""

from __future__ import annotations

import pytest

from mockserver.vendors.etelecom.paging import go_base64url_decode
from mockserver.vendors.etelecom.search import index_tokens, matches, normalize_search, query_tokens


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Nguyễn Văn Hùng", "nguyen van hung"),
        ("ĐỖ MINH KHANG", "do minh khang"),
        ("hello@world", "hello '@' world"),
        ("hello #@@@ world", "hello '#' '@' world"),  # a repeated special is one lexeme
        ("hello(1)", "hello '(' 1 ')'"),
        ("abc123def", "abc 123 def"),  # letters and digits split
        ("  Lan  ", "lan"),
        ("Ñandú", "andu"),  # only Vietnamese letters are folded (ú is one); others separate words
        ("", ""),
    ],
)
def test_normalize_search(text: str, normalised: str) -> None:
    assert normalize_search(text) == normalised


def test_index_tokens_hold_words_and_prefixes() -> None:
    assert index_tokens("Lê Minh Tuấn") == frozenset(
        {"le", "minh", "tuan", "l", "m", "mi", "min", "t", "tu", "tua"},
    )
    long = index_tokens("Nguyenvanabcdefgh")
    assert "nguyenvanabcdefgh" in long and "nguyenvana" in long and "nguyenvanab" not in long  # prefixes stop at 10


def test_query_tokens_cut_words_to_ten_bytes() -> None:
    assert query_tokens("Nguyenvanabcdefgh") == ("nguyenvana",)
    assert query_tokens("Trần  Lan") == ("tran", "lan")
    assert query_tokens("ờờờờ") == ("ooo",)  # 10 bytes cut inside the 4th letter
    assert query_tokens(" ") == ()


def test_matches_needs_every_query_word() -> None:
    tokens = index_tokens("Trần Thị Lan")
    assert matches(tokens, query_tokens("lan tr"))
    assert not matches(tokens, query_tokens("lan hoa"))
    assert not matches(tokens, ())


@pytest.mark.parametrize(
    ("text", "decoded"),
    [("", b""), ("QQ==", b"A"), ("QUI=", b"AB"), ("QUJD", b"ABC"), ("QUJD\nRA==", b"ABCD"), ("-_-_", b"\xfb\xff\xbf")],
)
def test_base64url_decode(text: str, decoded: bytes) -> None:
    assert go_base64url_decode(text) == decoded


@pytest.mark.parametrize(
    ("text", "byte"),
    [("Q", 0), ("QQ", 0), ("QQ=", 3), ("Q===", 1), ("QQ=x", 2), ("QUJDRA==x", 8), ("QU+D", 2), ("QQ==QQ==", 4)],
)
def test_base64url_errors_name_gos_offset(text: str, byte: int) -> None:
    with pytest.raises(ValueError) as err:
        go_base64url_decode(text)
    assert str(err.value) == f"illegal base64 data at input byte {byte}"
