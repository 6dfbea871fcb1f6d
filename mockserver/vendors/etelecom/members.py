"""Where eTelecom keeps a shop membership: in the user's own row, or in ``account_users``.

A create that registers a new user makes its first membership with it: that one is kept inside the user's row
(``MEMBER``), so the create writes one row, not two (on Redis one write script instead of two).  Every other
membership - the fixture's, and one a create adds to a user registered already - is a row of ``account_users``
keyed by (shop id, user id), as before; a user joining a second shop is a row of its own, so two shops adding one
user at once never overwrite each other's membership (workers on Redis).

The row kept inside the user's is short: what a create sets and an update may change (its id, shop, roles,
department, instants in microseconds).  The rest of a membership row is what such a membership always has (no
permissions, position or extension: only the fixture sets them) or its user's (the user id, and the search columns
``name_indexed``/``phone_indexed``, which UpdateAccountUser rebuilds from the user's name whenever it changes).
``row`` rebuilds the whole membership row from it, so the listing, the update and the delete read one shape.
"""

from __future__ import annotations

from typing import Any

MEMBER = "member"  # the user row's key of the membership kept inside it (absent: none)


def embedded(member_id: int, shop_id: int, roles: list[str], department_id: int | None, joined_us: int) -> dict[str, Any]:
    """The membership a create keeps inside its new user's row (joined at ``joined_us``, its last update then)."""
    return {"id": member_id, "shop_id": shop_id, "roles": roles, "department_id": department_id, "created_us": joined_us}


def membership(
    member_id: int, shop_id: int, user: dict[str, Any], roles: list[str], created_us: int, updated_us: int, *,
    permissions: list[str] | None = None, position: str = "", department_id: int | None = None,
    extension: str | None = None, at: str | None = None,
) -> dict[str, Any]:
    """An ``account_users`` row: the one shape of a membership, kept as a row (``at``: its instant's text, stored
    with a row of its own) or rebuilt from the one inside a user's row (``row``).  Its search columns are the
    identity user's at this moment, as eTop's CreateAccountUser store builds them [PUB]."""
    member: dict[str, Any] = {
        "id": member_id,
        "shop_id": shop_id,
        "user_id": user["id"],
        "roles": roles,
        "permissions": permissions or [],
        "position": position,
        "department_id": department_id,
        "extension_number": extension,
        # The texts full_name_norm / phone_norm / extension_number_norm are built from (search.index_tokens) [PUB].
        "name_indexed": user["full_name"],
        "phone_indexed": user["phone"],
    }
    if at is not None:
        member["created_at"] = at
    member["created_us"] = created_us
    if at is not None:
        member["updated_at"] = at
    member["updated_us"] = updated_us
    return member


def row(user: dict[str, Any], kept: dict[str, Any]) -> dict[str, Any]:
    """The membership row (an ``account_users`` row's keys) of ``kept``, the membership inside ``user``'s row."""
    created = kept["created_us"]
    return membership(kept["id"], kept["shop_id"], user, kept["roles"], created, kept.get("updated_us", created),
                      department_id=kept["department_id"])


def of_shop(user: dict[str, Any], shop_id: int) -> dict[str, Any] | None:
    """The membership row of ``shop_id`` kept inside ``user``'s row, or None (none there, or another shop's)."""
    kept = user.get(MEMBER)
    return row(user, kept) if kept is not None and kept["shop_id"] == shop_id else None


def changed(user: dict[str, Any], member: dict[str, Any]) -> dict[str, Any]:
    """``user``'s row with its kept membership set to ``member`` (a row from ``row``, changed: roles, department,
    ``updated_us``)."""
    kept = embedded(member["id"], member["shop_id"], member["roles"], member["department_id"], member["created_us"])
    if member["updated_us"] != member["created_us"]:
        kept["updated_us"] = member["updated_us"]
    return {**user, MEMBER: kept}


def without(user: dict[str, Any]) -> dict[str, Any]:
    """``user``'s row without the membership kept inside it (deleted: the user stays, as eTop keeps it)."""
    return {key: value for key, value in user.items() if key != MEMBER}
