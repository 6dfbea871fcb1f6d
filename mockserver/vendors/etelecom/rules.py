"""eTelecom business rules, ported from eTop's Go sources.

- ``shop_user_role.UserRole``: the role strings and their order.
- ``account_user.hasPermision``: who may give which roles.
- ``validate.NormalizePhone``: Vietnamese phone normalisation.
All pure functions over plain values, so later RPCs (UpdateAccountUser,
DeleteAccountUser) reuse them unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # _sha256 ships no stubs: type it as the hashlib function it mirrors
    from hashlib import sha256 as _sha256
else:
    try:
        # CPython's built-in SHA-256: the same digest as hashlib.sha256 without
        # OpenSSL's per-call EVP set-up, which dominates for a password-sized input.
        from _sha256 import sha256 as _sha256
    except ImportError:  # pragma: no cover - other interpreters / builds
        from hashlib import sha256 as _sha256

# [PUB: eTop shop_user_role/role.go and its generated enum] the role strings and their
# enum numbers (0 = unknown, the zero value).  A lower number is a higher role:
# hasPermision compares these numbers - so m_admin (10) ranks below salesman there.
ROLE_RANK: dict[str, int] = {
    "unknown": 0,
    "owner": 1,
    "staff_management": 2,
    "telecom_customerservice": 3,
    "inventory_management": 4,
    "purchasing_management": 5,
    "accountant": 6,
    "analyst": 7,
    "salesman": 8,
    "telecom_customerservice_management": 9,
    "m_admin": 10,
}
ROLE_NAMES: dict[int, str] = {number: name for name, number in ROLE_RANK.items()}
# The roles one assigns (documented enums): every role but the zero value "unknown",
# which the decoder still takes (an empty string or null reads as it) [PUB].
ASSIGNABLE_ROLES: frozenset[str] = frozenset(r for r in ROLE_RANK if r != "unknown")


def role_rank(role: str) -> int:
    """A role's enum number; a role sent as a number with no name is ``UserRole(n)`` (Go's
    String() of it), whose number is n."""
    rank = ROLE_RANK.get(role)
    if rank is not None:
        return rank
    if role.startswith("UserRole(") and role.endswith(")"):
        return int(role[9:-1])
    return 0

OWNER = "owner"
STAFF_MANAGEMENT = "staff_management"

# [PUB] user_source enum; the seed example answers "unknown".
SOURCES: tuple[str, ...] = (
    "unknown", "psx", "etop", "topship", "ts_app_android", "ts_app_ios", "ts_app_web",
    "partner", "etop_app_ios", "etop_app_android",
)


def has_permission(caller_roles: Iterable[str], target_roles: Iterable[str]) -> bool:
    """account_user.hasPermision: may a caller with these roles assign those?"""
    # Lists (what the handlers pass) are searched as they are, without a copy.
    targets = target_roles if isinstance(target_roles, list) else list(target_roles)
    if OWNER in targets:
        return False  # nobody creates another owner through this RPC
    callers = caller_roles if isinstance(caller_roles, list) else list(caller_roles)
    if OWNER in callers:
        return True
    if STAFF_MANAGEMENT not in callers:
        return False
    ranks = [ROLE_RANK[r] for r in callers if ROLE_RANK.get(r, 0) > 0]
    top = min(ranks)  # staff_management is present, so never empty
    return all(top < role_rank(t) for t in targets)


# ----------------------------------------------------------------- phones
_SKIPPED = frozenset(" \t\r\n\v)-+.")
_DIGITS = frozenset("0123456789")  # Go compares bytes: no Unicode digits
# [INF] a test number ends in "-test", optionally after one "-<tag>" segment
# holding a letter (so "0912-345-678-test" keeps its last digit group).
_TEST_SUFFIX = re.compile(r"(-[^-\s]*[A-Za-z_][^-\s]*)?-test$")


def normalize_phone(raw: str) -> tuple[str, bool]:
    """validate.NormalizePhone: (normalised, ok).

    ``+84``/``84`` become ``0``; separators are skipped, anything else ends the
    number; leading zeros go and come back as one ``0`` for numbers longer than
    8 digits.  ``ok`` only checks the length (10-12): no carrier prefixes, as
    landlines can be 11-12 digits.
    """
    if 10 <= len(raw) <= 12 and raw[0] == "0" and raw[1] != "0" and raw.isdigit() and raw.isascii():
        # Already normalised (the usual input): ASCII digits only, one leading
        # zero.  _normalize would strip and skip nothing and give the zero back.
        return raw, True
    return _normalize(raw)


def _normalize(raw: str) -> tuple[str, bool]:
    """normalize_phone for any input (its fast path aside)."""
    suffix = ""
    if raw.endswith("-test"):
        match = _TEST_SUFFIX.search(raw)
        if match is not None:
            suffix = match.group(0)
            raw = raw[: match.start()]
    text = raw.strip()
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("84"):  # [PUB] applies to any input starting with 84
        text = "0" + text[2:]
    digits: list[str] = []
    for ch in text:
        if ch in _DIGITS:
            digits.append(ch)
        elif ch in _SKIPPED or (ch == "(" and not digits):
            continue
        else:
            break  # e.g. "ext", or a "(" after the number started
    number = "".join(digits).lstrip("0")
    if len(number) < 4:
        return "", False
    if len(number) > 8:
        number = "0" + number
    ok = 10 <= len(number) <= 12
    return (number + suffix if ok else number), ok


def _phone_pattern() -> str:
    """CreateAccountUser's phone rule, ``normalize_phone(raw.strip())`` ok, as one
    regex (ECMA-262 and Python read it alike) for the OpenAPI document.

    After the outer strip: a trailing "-test" goes, with the "-<tag>" segment
    before it when that holds a letter (_TEST_SUFFIX, leftmost match); then
    +84/84 become a 0 digit; separators and, before any digit, "(" are skipped;
    the first other character ends the number, whose digits without leading
    zeros must number 9 to 11.  tests/contract/test_openapi_rules.py checks it
    against normalize_phone.
    """
    from ...core.openapi import WHITESPACE

    space, sep, anything = f"[{WHITESPACE}]", "[ \\t\\r\\n\\x0b)+.\\-]", "[\\d\\D]"
    lead = (
        f"(?:(?:\\+84|84){sep}*"  # the prefix is a 0 digit already: "(" no longer skipped
        f"|(?!\\+84|84)[ \\t\\r\\n\\x0b)+.\\-(]*)"
        f"(?:0{sep}*)*"
    )
    number = f"{lead}[1-9](?:{sep}*[0-9]){{8,10}}"  # 9-11 digits after the leading zeros
    tag = f"-[^\\-{WHITESPACE}]*[A-Za-z_][^\\-{WHITESPACE}]*"
    until_suffix = f"{number}{sep}*(?:[^0-9 \\t\\r\\n\\x0b)+.\\-]{anything}*)?"  # the number ends inside what stays
    end = f"{space}*$"
    return (
        f"^{space}*(?!{space})(?:"
        f"(?!{anything}*-test{end}){number}(?!{sep}*[0-9]){anything}*"
        f"|{until_suffix}{tag}-test{end}"
        f"|(?!{anything}*{tag}-test{end}){until_suffix}-test{end}"
        ")$"
    )


PHONE_PATTERN = _phone_pattern()


def short_name(full_name: str) -> str:
    """[INF] Vietnamese names end with the given name ("Nguyễn Văn An" -> "An")."""
    parts = full_name.split()
    return parts[-1] if parts else ""


def password_hash(password: str) -> str:
    """Only the fact that a password was set (or overwritten) is observable;
    a digest keeps clear text out of the store."""
    return _sha256(password.encode("utf-8", "surrogatepass")).hexdigest()


# ----------------------------------------------------------------- ids
# [PUB: eTop pkg/common/id.go] cm.NewIDWithTime: the time in 10 ms units since a start
# date, shifted left 24 bits, with 24 random bits below; NewIDWithTag then puts an odd
# 8-bit tag in bits 24-31 (identity users: account_tag.TagUser = 17).  So ids run
# ~1.01e18 (2018) to ~1.4e18 (2025) and sort by time, 2.56 s apart.
_MAGIC = (1012345678909 * 10**6 >> 24) + 1
_START_MS = 1518714000000 - _MAGIC * 10  # zeroDate 2018-02-15T17:00:00Z, in ms, minus magic*10 ms
TAG_USER = 17
_TAG_MASK = 0xFF << 24


def etop_id(ms: int, random24: int, tag: int = TAG_USER) -> int:
    """cm.NewIDWithTimeAndTag at ``ms`` (unix milliseconds) with these 24 random bits."""
    units = (ms - _START_MS) // 10
    plain = ((units << 24) | (random24 & 0xFFFFFF)) & ~(1 << 24)
    return (plain & ~_TAG_MASK) | ((tag | 1) << 24)


def next_tagged(after: int, tag: int = TAG_USER) -> int:
    """The smallest id above ``after`` that carries ``tag`` (the random bits wrap into the next slot)."""
    candidate = after + 1
    if (candidate >> 24) & 0xFF != (tag | 1):
        candidate = (((candidate >> 32) + 1) << 32) | ((tag | 1) << 24)
    return candidate
