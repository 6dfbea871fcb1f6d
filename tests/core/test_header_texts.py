"""core.framing.header_texts: a request's header pairs as texts, exactly as decoding each pair gives them."""

from __future__ import annotations

from mockserver.core import framing
from mockserver.core.framing import header_texts


def _decoded(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in raw}


def test_texts_are_the_latin_1_decoding_and_a_repeated_name_keeps_its_last_value() -> None:
    raw = [(b"host", b"127.0.0.1:8080"), (b"x-note", b"caf\xe9 \xff"), (b"accept", b"*/*"), (b"x-note", b"second"),
           (b"x-long", b"v" * 500)]
    assert header_texts(raw) == _decoded(raw) == {"host": "127.0.0.1:8080", "x-note": "second", "accept": "*/*", "x-long": "v" * 500}
    assert list(header_texts(raw)) == ["host", "x-note", "accept", "x-long"]
    assert header_texts(raw) == _decoded(raw)  # the second time from the cache: the same texts


def test_the_cache_stays_bounded_and_long_texts_are_not_kept() -> None:
    for n in range(3 * framing._CACHED_TEXTS):
        raw = [(b"x-request-id", str(n).encode()), (b"x-token", b"t" * 200 + str(n).encode())]
        assert header_texts(raw) == _decoded(raw)
        assert len(framing._TEXTS) <= framing._CACHED_TEXTS
    assert all(len(key) <= framing._CACHED_LENGTH for key in framing._TEXTS)
