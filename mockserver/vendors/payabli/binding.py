"""Create-user (POST /User) binding with a native fast path.

Nearly every create body is valid JSON in our own key casing.  For those,
``models.CreateUser`` costs more than the rest of the request: orjson builds a
dict tree, normalise() checks the casing, the Python validators run and four
model instances are built that the record builder only reads.  The fast
validator is CreateUser itself, derived at start-up (core.fastmodel): it
checks the decoded body natively in pydantic-core, with the models' rules as
their declared native equivalents (models.py, beside each validator), and
yields plain dicts.  It accepts a *subset* of what the full path (orjson + CreateUser)
accepts, with the same values; whatever it refuses goes the full path, which
alone decides and phrases errors, so errors are unchanged by construction.

What the derivation is given for this vendor:

- ``extra="forbid"``: every object refuses unknown keys, so every key is
  already ours and normalise() would change nothing;
- the organizations (the validation context): _known_org's native rule makes
  their ids native literals, so the binding is derived per configuration;
- every key present, in declaration order (``defaults=True``): exactly the
  shape ``CreateUser.model_dump()`` gives, which the record builder indexes.

(It validates orjson's reading of the body, which the full path reads too: a
validator of the raw text accepted ``{"access":NaN,"access":[...]}``, whose
``NaN`` orjson refuses; see core.fastmodel.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...core import fastmodel
from ...core.validation import parse_object, validate_or_none
from .models import CreateUser, bind_user


class CreateBinding:
    """POST /User's binding for one configuration's organizations (built at start-up)."""

    __slots__ = ("check", "fast", "orgs")

    def __init__(self, orgs: Mapping[tuple[int, int], Any]) -> None:
        self.orgs = orgs
        # CreateUser derived for these organizations (their ids are native literals).
        self.fast = fastmodel.derive(CreateUser, extra="forbid", context={"orgs": orgs, "partial": False})
        self.check = self.fast.check

    def bind(self, body: bytes) -> dict[str, Any]:
        """Decode and bind a create body (as ``models.parse_user`` does), as plain dicts."""
        data = parse_object(body)
        user = validate_or_none(self.check, data)
        return user if user is not None else self.full_user(data)

    def full_user(self, data: dict[str, Any]) -> dict[str, Any]:
        """The decoded body through CreateUser (every failing field named), as the plain
        dicts the fast validator gives: every key, in declaration order."""
        return bind_user(data, self.orgs).model_dump()
