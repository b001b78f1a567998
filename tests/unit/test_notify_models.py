"""The domain events' builders (notify/models.py): which event a card or tier transaction stands for, its deterministic
id, and what its data carries."""

from __future__ import annotations

import re
from typing import Any

from loyalty.notify.models import card_transaction_event, event_id, has_event, tier_transaction_events
from loyalty.v1.cards import ACTIVITY_TYPES

AT = "2026-05-01T10:00:00.000Z"


def _ctx(type_: str, program: str = "lprg_1") -> dict[str, Any]:
    return {"id": "lctx_1", "card_id": "lcrd_1", "member_id": "lmbr_1", "program_id": program, "card_definition_id": "lcdf_1",
            "type": type_, "details": {"points": {"total": 10}}, "status": "APPROVED", "created_at": AT, "updated_at": None,
            "object": "card_transaction"}


def _ttx(change: str, tier_from: str | None, tier_to: str | None) -> dict[str, Any]:
    return {"id": "lttx_1", "card_id": "lcrd_1", "program_id": "lprg_1", "member_id": "lmbr_1", "tier_structure_id": "lts_1",
            "tier_id": tier_from if change == "LEFT" else tier_to, "type": change,
            "details": {"tier_from": tier_from, "tier_to": tier_to}, "status": "APPROVED", "created_at": AT}


def test_an_event_id_is_deterministic_per_source_and_type() -> None:
    first = event_id("lctx_1", "customer.voucher.loyalty_card.points_added")
    assert first == event_id("lctx_1", "customer.voucher.loyalty_card.points_added")
    assert re.fullmatch(r"evt_[0-9a-f]{32}", first)
    assert first != event_id("lctx_2", "customer.voucher.loyalty_card.points_added")
    assert first != event_id("lctx_1", "customer.voucher.loyalty_card.points_expired")


def test_each_activity_type_s_transaction_is_its_customer_event() -> None:
    for type_, activity in ACTIVITY_TYPES.items():
        event = card_transaction_event("acme", _ctx(type_), "cust_1", "CODE-1", AT)
        assert event is not None and event["type"] == activity and has_event(_ctx(type_))
        assert event["id"] == event_id("lctx_1", activity) and event["object"] == "event" and event["project_id"] == "acme"
        assert event["created_at"] == AT
        assert event["data"] == {"customer_id": "cust_1", "member_id": "lmbr_1", "program_id": "lprg_1", "card_id": "lcrd_1",
                                 "code": "CODE-1", "transaction": _ctx(type_)}


def test_a_transaction_that_stands_for_no_activity_has_no_event() -> None:
    assert card_transaction_event("acme", _ctx("POINTS_PURCHASED"), None, None, AT) is None
    assert not has_event(_ctx("POINTS_PURCHASE_REVERSED"))


def test_a_v1_campaign_s_card_names_its_campaign() -> None:
    event = card_transaction_event("acme", _ctx("POINTS_EARNED", "camp_1"), None, None, AT)
    assert event is not None and event["data"]["campaign_id"] == "camp_1" and "program_id" not in event["data"]


def test_a_tier_change_fires_the_v1_tier_events() -> None:
    up = tier_transaction_events("acme", _ttx("UPGRADED", "ltr_bronze", "ltr_silver"), "cust_1", None, AT)
    assert [(e["type"], e["data"]["tier_id"]) for e in up] == [
        ("customer.loyalty.tier.joined", "ltr_silver"), ("customer.loyalty.tier.left", "ltr_bronze"),
        ("customer.loyalty.tier.upgraded", "ltr_silver")]
    assert len({e["id"] for e in up}) == 3 and all(e["id"] == event_id("lttx_1", e["type"]) for e in up)
    assert up[0]["data"]["tier_transaction"]["type"] == "UPGRADED" and up[0]["data"]["tier_structure_id"] == "lts_1"
    assert [e["type"] for e in tier_transaction_events("acme", _ttx("JOINED", None, "ltr_b"), None, None, AT)] == [
        "customer.loyalty.tier.joined"]
    assert [(e["type"], e["data"]["tier_id"]) for e in tier_transaction_events("acme", _ttx("LEFT", "ltr_b", None), None, None, AT)
            ] == [("customer.loyalty.tier.left", "ltr_b")]
    assert [e["type"] for e in tier_transaction_events("acme", _ttx("DOWNGRADED", "ltr_s", "ltr_b"), None, None, AT)] == [
        "customer.loyalty.tier.joined", "customer.loyalty.tier.left", "customer.loyalty.tier.downgraded"]
    assert [e["type"] for e in tier_transaction_events("acme", _ttx("PROLONGED", None, "ltr_b"), None, None, AT)] == [
        "customer.loyalty.tier.prolonged"]
