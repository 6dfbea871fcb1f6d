"""eTop's full-text search normalisation, as GetAccountUsers filters use it.

[PUB: eTop ``package validate`` and the account-user sqlstore (o.o)]: when a
staff member joins a shop, ``full_name_norm`` and ``phone_norm`` are built
from the identity user with ``NormalizeSearchCharacter`` (the normalised words
plus every word prefix of up to 10 letters); a filter value goes through
``NormalizeFullTextSearchQueryAnd`` and matches with ``norm @@ query::tsquery``.
So a filter matches when each of its words is a whole word, or a word prefix,
of the stored text: case- and accent-insensitive ("tuan" finds "Lê Minh Tuấn",
"ng v" finds "Nguyễn Văn ..."), never an arbitrary substring ("uấn" finds
nothing), and a phone filter matches the stored number's leading digits.

[INF] the columns are tsvectors built by a plain cast (no stemming, no
dictionary), so a lexeme matches only itself; an empty query matches nothing.
Everything here runs on small strings, once per stored row and per request.
"""

from __future__ import annotations

from functools import lru_cache

# [PUB] validate.vneseMap: precomposed Vietnamese letters -> ASCII base letter.
_VNESE: dict[str, str] = {}
for _chars, _base in (
    ("đĐ", "d"),
    ("àáạảãâầấậẩẫăằắặẳẵÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴ", "a"),
    ("èéẹẻẽêềếệểễÈÉẸẺẼÊỀẾỆỂỄ", "e"),
    ("òóọỏõôồốộổỗơờớợởỡÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠ", "o"),
    ("ùúụủũưừứựửữÙÚỤỦŨƯỪỨỰỬỮ", "u"),
    ("ìíịỉĩÌÍỊỈĨ", "i"),
    ("ỳýỵỷỹỲÝỴỶỸ", "y"),
):
    for _char in _chars:
        _VNESE[_char] = _base

# [PUB] validate.specialChars: kept as their own quoted lexeme ("'@'").
_SPECIAL = frozenset("()[]{}<>/!@#$%^&*-_+=.,:;?|")

_PREFIX_WORDS = 5  # [PUB] prefixes of the first 5 words and of the 5 longest
_PREFIX_MAX = 10  # [PUB] prefixes up to 10 letters; query words cut to 10 bytes


def normalize_search(text: str, space: str = " ") -> str:
    """validate.normalizeSearch(s, space, quote=true, lower=true)."""
    out: list[str] = []
    last_char = ""
    group = 0  # 0 space, 1 digits, 2 letters
    for char in text:
        if "0" <= char <= "9":
            if group == 2:
                out.append(space)
            out.append(char)
            group = 1
        elif "a" <= char <= "z" or "A" <= char <= "Z" or char in _VNESE:
            if group == 1:
                out.append(space)
            out.append(_VNESE.get(char) or char.lower())
            group = 2
        else:
            if group != 0:
                group = 0
                out.append(space)
            if char in _SPECIAL:
                if char == last_char:
                    continue  # "@@@" is one lexeme
                out.append(f"'{char}'")
                out.append(space)
                group = 0
        last_char = char
    if group == 0 and out:
        out.pop()  # the trailing separator
    return "".join(out)


def _normalize_simple(text: str) -> str:
    """validate.normalizeSearchSimple: ASCII letters/digits only, one space between words."""
    out: list[str] = []
    gap = True
    for char in text:
        if "0" <= char <= "9" or "a" <= char <= "z":
            out.append(char)
            gap = False
        elif "A" <= char <= "Z" or char in _VNESE:
            out.append(_VNESE.get(char) or char.lower())
            gap = False
        elif not gap:
            gap = True
            out.append(" ")
    if gap and out:
        out.pop()
    return "".join(out)


@lru_cache(maxsize=8192)
def index_tokens(text: str) -> frozenset[str]:
    """The lexemes of ``NormalizeSearchCharacter(text)``: what a filter can hit.

    Memberships store the text they were indexed from and a filter tokenises
    it here on demand (cached), so creating a member pays nothing for search.
    """
    words = normalize_search(text)
    simple = _normalize_simple(words).split(" ")
    keys = [w for w in simple[:_PREFIX_WORDS] if not w.startswith("'")]
    longest = sorted(simple, key=len, reverse=True)  # [INF] stable order among equal lengths
    extra = 0
    for word in longest:
        if not word or word.startswith("'"):
            continue
        if extra >= _PREFIX_WORDS:
            break
        if word not in keys:
            keys.append(word)
            extra += 1
    tokens = {w for w in words.split(" ") if w}
    for word in keys:
        for size in range(1, min(len(word), _PREFIX_MAX + 1)):
            tokens.add(word[:size])
    return frozenset(tokens)


def query_tokens(query: str) -> tuple[str, ...]:
    """The lexemes of ``NormalizeFullTextSearchQueryAnd(query)`` (all must match)."""
    # Go cuts each space-separated word to 10 *bytes*; a cut inside a letter
    # leaves invalid UTF-8, which Go reads as U+FFFD: a separator here too.
    cut = " ".join(
        w.encode("utf-8")[:_PREFIX_MAX].decode("utf-8", "replace") for w in query.split(" ")
    )
    normalised = normalize_search(cut, " & ")
    return tuple(t for t in normalised.split(" & ") if t) if normalised else ()


def matches(tokens: frozenset[str], query: tuple[str, ...]) -> bool:
    # An empty tsquery matches nothing in PostgreSQL [INF].
    return bool(query) and all(t in tokens for t in query)
