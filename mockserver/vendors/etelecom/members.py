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


def row(user: dict[str, Any], kept: dict[str, Any]) -> dict[str, Any]:
    """The membership row (an ``account_users`` row's keys) of ``kept``, the membership inside ``user``'s row."""
    created = kept["created_us"]
    return {
        "id": kept["id"],
        "shop_id": kept["shop_id"],
        "user_id": user["id"],
        "roles": kept["roles"],
        "permissions": [],
        "position": "",
        "department_id": kept["department_id"],
        "extension_number": None,
        "name_indexed": user["full_name"],
        "phone_indexed": user["phone"],
        "created_us": created,
        "updated_us": kept.get("updated_us", created),
    }


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
