"""eTelecom response bodies: etopapi.User in the seed's key order.

Records keep timestamps already rendered (RFC 3339, ms, Z) so a response is
a plain dict copy; Go's zero time is rendered as null.
"""

from __future__ import annotations

from typing import Any


def user(record: dict[str, Any], total_shop: int) -> dict[str, Any]:
    return {
        "block_reason": record["block_reason"],
        "blocked_at": record["blocked_at"],
        "created_at": record["created_at"],
        "email": record["email"],
        "email_verification_sent_at": record["email_verification_sent_at"],
        "email_verified_at": record["email_verified_at"],
        "full_name": record["full_name"],
        "id": str(record["id"]),  # int64 as a JSON string, as Go's `json:",string"` does
        "is_blocked": record["is_blocked"],
        "phone": record["phone"],
        "phone_verification_sent_at": record["phone_verification_sent_at"],
        "phone_verified_at": record["phone_verified_at"],
        "ref_aff": record["ref_aff"],
        "ref_sale": record["ref_sale"],
        "short_name": record["short_name"],
        "source": record["source"],
        "total_shop": total_shop,
        "updated_at": record["updated_at"],
    }
