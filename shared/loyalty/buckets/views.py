"""Response shapes of a card's points buckets: the v2 pending and expiring bucket objects, and the v1 pending-points entries
and points-expiration buckets. A stored bucket carries more than the API shows (its source, transaction, expiration
override, reason, metadata), so each view names the fields it answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loyalty.core import ids

PENDING_FIELDS = ("id", "card_id", "card_definition_id", "program_id", "card_type", "member_id", "points", "date", "type", "status",
                  "created_at", "updated_at", "object")
EXPIRING_FIELDS = ("id", "card_id", "customer_id", "card_definition_id", "program_id", "card_type", "member_id", "points",
                   "expiration_date", "expiration_type", "status", "created_at", "updated_at", "object")

# v1 ids of the same buckets: the v2 id's hex part behind the v1 prefix (a bijection, so nothing more is stored).
V1_PENDING_PREFIX = "lopp_"
V1_BUCKET_PREFIX = "lopb_"


def pending_bucket_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """A PENDING bucket as `v2:CardPendingPointsBucket`."""
    out = {name: record.get(name) for name in PENDING_FIELDS}
    out.update({"points": {"total": int(record["points"]["total"])}, "card_type": record.get("card_type") or "INDIVIDUAL",
                "status": record.get("status") or "PENDING", "object": "card_pending_points_bucket"})
    return out


def expiring_bucket_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """An ACTIVE expiring bucket as `v2:CardPointsBucket`."""
    out = {name: record.get(name) for name in EXPIRING_FIELDS}
    out.update({"points": {"total": int(record["points"]["total"])}, "card_type": record.get("card_type") or "INDIVIDUAL",
                "status": record.get("status") or "ACTIVE", "object": "card_points_bucket"})
    return out


def v1_pending_id(bucket_id: str) -> str:
    """The v1 id (`lopp_…`) of a pending bucket."""
    return V1_PENDING_PREFIX + bucket_id.removeprefix(ids.PENDING_POINTS_BUCKET.prefix)


def bucket_id_of_v1_pending(pending_id: str) -> str | None:
    """The pending bucket a v1 id names (None when it is no `lopp_` id)."""
    if not pending_id.startswith(V1_PENDING_PREFIX):
        return None
    bucket_id = ids.PENDING_POINTS_BUCKET.prefix + pending_id.removeprefix(V1_PENDING_PREFIX)
    return bucket_id if ids.PENDING_POINTS_BUCKET.matches(bucket_id) else None


def v1_bucket_id(bucket_id: str) -> str:
    """The v1 id (`lopb_…`) of an expiring bucket."""
    return V1_BUCKET_PREFIX + bucket_id.removeprefix(ids.POINTS_BUCKET.prefix)


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def v1_pending_view(record: Mapping[str, Any], card: Mapping[str, Any]) -> dict[str, Any]:
    """A PENDING bucket of a v1 card as `v1:LoyaltyPendingPoints` (v1 pending points come from orders only: the bucket's
    source is the order; `metadata.order_source_id`, when the earning recorded it, is the order's source id)."""
    metadata = record.get("metadata") or {}
    order_id = record.get("order_id") or record.get("source_id")
    customer_id = record.get("customer_id") or card.get("holder_id")
    event = _without_none({"id": metadata.get("event_id") or record.get("source_id"), "type": "customer.order.paid",
                           "entity_id": customer_id, "created_at": record.get("created_at")})
    return _without_none({
        "id": v1_pending_id(str(record["id"])),
        "voucher_id": card.get("voucher_id"),
        "campaign_id": card.get("campaign_id") or record.get("program_id"),
        "customer_id": customer_id,
        "order_id": order_id,
        "points": int(record["points"]["total"]),
        "activates_at": record["date"],
        "details": {
            "event": event,
            "earning_rule": {"id": metadata.get("earning_rule_id") or "", "source": {"banner": record.get("reason") or ""}},
            "order": {"id": order_id, "source_id": metadata.get("order_source_id")},
        },
        "created_at": record.get("created_at"),
        "updated_at": record.get("updated_at"),
    })


def v1_points_bucket_view(record: Mapping[str, Any], card: Mapping[str, Any]) -> dict[str, Any]:
    """An ACTIVE expiring bucket of a v1 card as `v1:LoyaltyPointsBucket`."""
    return _without_none({
        "id": v1_bucket_id(str(record["id"])),
        "voucher_id": card.get("voucher_id"),
        "campaign_id": card.get("campaign_id") or record.get("program_id"),
        "bucket": {"total_points": int(record["points"]["total"])},
        "status": "ACTIVE",
        "expires_at": record.get("expiration_date"),
        "created_at": record.get("created_at"),
        "updated_at": record.get("updated_at"),
        "object": "loyalty_points_bucket",
    })
