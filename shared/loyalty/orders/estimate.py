"""v1 points estimation (`POST /v1/loyalties/{campaignId}/qualifications`, estimate-points, earning-map §10.3): the points an
order would earn on the customer's card of a v1 campaign once PAID. It reads what order earning reads (points.load_setup)
and runs the same engine over the order (the stored one, the inline one, or the stored one with the inline fields laid
over it), with the customer as POST /v1/orders would leave it; it writes nothing.

As the spec says, only Order paid rules are estimated. What the estimate ignores, as Examine does: the trigger limits
and earning caps that depend on what was earned before, and chained effects (a tier reached by these points)."""

from __future__ import annotations

from typing import Any, cast

from loyalty.core.errors import LoyaltyError, not_found
from loyalty.customers import service as customers
from loyalty.db.table import Table
from loyalty.earning.records import ORDER_PAID
from loyalty.members import store as members
from loyalty.orders import store
from loyalty.orders.models import EstimateOrder, PointsEstimateRequest
from loyalty.orders.records import OrderData, engine_order
from loyalty.points import service as points
from loyalty.v1.lookup import require_campaign
from loyalty.v1.service import require_active_campaign

ESTIMATED_ORDER_ID = "ord_estimate"
"""The id the engine reads for an inline order that names no stored order (nothing keys on it: nothing is written)."""


def _no_auto_join(campaign: dict[str, Any]) -> LoyaltyError:
    return LoyaltyError(400, "campaign_not_allow_auto_join",
                        f"Loyalty campaign '{campaign['id']}' does not allow auto-join for non-members",
                        "Given campaign does not allow auto-join", resource_type="campaign", resource_id=campaign["id"])


def _card_not_active(code: str) -> LoyaltyError:
    return LoyaltyError(400, "loyalty_card_not_active", f"Customer's loyalty card '{code}' is not active",
                        "Given customer's loyalty card is not active", resource_type="voucher", resource_id=code)


def _order(db: Table, given: EstimateOrder) -> OrderData:
    """The order to estimate: the stored one the `id` / `source_id` names with the inline fields over it, else the inline
    fields alone; 404 `order` when a named order does not exist and nothing is given inline."""
    inline = given.inline()
    stored = None
    if given.id is not None or given.source_id is not None:
        item = store.read_items(db, [store.order_lookup(db, given.id, given.source_id)])[0]
        stored = store.order_from_item(item) if item else None
        if stored is None and not inline:
            raise not_found("order", str(given.id or given.source_id))
    base: dict[str, Any] = dict(stored) if stored is not None else {"id": given.id or ESTIMATED_ORDER_ID}
    return cast(OrderData, {**base, **inline})


def estimate_points(db: Table, campaign_ref: str, body: PointsEstimateRequest) -> dict[str, Any]:
    """The points the order would earn on the customer's card of this campaign; nothing is written.

    Errors: 404 `campaign` / `customer` (unknown id or source id) / `order` (named, unknown, nothing inline); 400
    `campaign_not_active`; a customer holding no card of the campaign: 400 `campaign_not_allow_auto_join` when the
    campaign's auto-join is off, else an estimate of 0 (this server enrols nobody on an order, so the order earns nothing);
    400 `loyalty_card_not_active` when the customer's membership is not ACTIVE.

    Reads: the campaign (by id, or by name), the customer (a GetItem, one more by source id), the membership claim, the order
    (a BatchGetItem, one more by source id), then those of points.load_setup (the customer's partition, its members and
    cards, and a Query per v1 campaign of its rules) and a Query of the member with its cards."""
    campaign = require_campaign(db, campaign_ref)
    require_active_campaign(campaign)
    customer = customers.find(db, body.customer)
    if customer is None:
        raise not_found("customer", str(body.customer.source_id or body.customer.id))
    order = _order(db, body.order)
    view = {"campaign": {"id": campaign["id"], "name": campaign["name"], "object": "campaign"}, "points_estimation": 0}
    membership = members.get_membership(db, campaign["id"], customer["id"])
    if membership is None:
        if not campaign.get("auto_join", True):
            raise _no_auto_join(campaign)
        return view
    found = members.get_member_with_cards(db, membership["member_id"])
    if found is not None and found[0].get("status", "ACTIVE") != "ACTIVE":
        raise _card_not_active(str(found[1][0]["code"] if found[1] else membership["member_id"]))
    setup = points.load_setup(db, customer["id"], v1=True)
    updated = customers.patched(customer, body.customer.patch()) or customer
    result = points.evaluate(setup, ORDER_PAID, customer["id"], order=engine_order(order),
                             metadata=dict(updated.get("metadata") or {}))
    view["points_estimation"] = sum(e.points for e in result.earnings if e.program_id == campaign["id"])
    return view
