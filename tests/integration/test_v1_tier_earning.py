"""v1 tier-event earning rules on moto: a member's tier change (written by the stream consumer) credits the points of the
active `customer.loyalty.tier.*` rules it fires, in the same transaction as the tier transaction, once."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.db.codec import from_item
from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_v1_loyalty import add_member, balance, get_member, make_campaign, make_customer
from tests.integration.test_v1_tiers import create_tiers

TIERS = [{"name": "Silver", "points": {"from": 0, "to": 499}}, {"name": "Gold", "points": {"from": 500}}]


@pytest.fixture
def delivered(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The stream events handed to functions/process_card_changes/ (the function still runs)."""
    events: list[dict[str, Any]] = []
    real = support.invoke

    def spy(name: str, event: dict[str, Any]) -> dict[str, Any]:
        if name == "process_card_changes":
            events.append(event)
        return real(name, event)

    monkeypatch.setattr(support, "invoke", spy)
    return events


def _rule(event: str, tier: str, points: int, **extra: Any) -> dict[str, Any]:
    return {"event": f"customer.loyalty.tier.{event}", "loyalty_tier": {"id": tier}, "loyalty": {"type": "FIXED", "points": points},
            **extra}


def _accruals(stack: Stack, code: str) -> list[dict[str, Any]]:
    status, page = stack.call("list_loyalty_card_transactions_by_code_v1", "GET", f"/v1/loyalties/members/{code}/transactions",
                              query={"limit": "100"})
    assert status == 200, page
    return [t for t in page["data"] if t["type"] == "POINTS_ACCRUAL"]


def _points(stack: Stack, campaign_id: str, code: str) -> int:
    status, card = get_member(stack, campaign_id, code)
    assert status == 200, card
    return int(card["loyalty_card"]["balance"])


def test_a_tier_change_credits_the_rules_it_fires_once(stack: Stack, delivered: list[dict[str, Any]]) -> None:
    # Given tiers Silver 0-499 / Gold 500+ and tier rules: joined Gold +100, left Silver +7, any upgrade +1, and an
    # inactive one (joined any tier +1000), a downgrade rule (+50) and a rule valid only from next year (+2000)
    campaign = make_campaign(stack)
    _, (silver, gold) = create_tiers(stack, campaign["id"], TIERS)
    status, rules = stack.call("create_earning_rule_v1", "POST", f"/v1/loyalties/{campaign['id']}/earning-rules", [
        _rule("joined", gold["id"], 100, source={"banner": "Welcome to Gold"}), _rule("left", silver["id"], 7),
        _rule("upgraded", "__ANY__", 1), _rule("joined", "__ANY__", 1000, active=False), _rule("downgraded", "__ANY__", 50),
        _rule("joined", "__ANY__", 2000, start_date="2999-01-01T00:00:00Z")])
    assert status == 200, rules
    status, card = add_member(stack, campaign["id"], {"customer": make_customer(stack)["id"]})
    assert status == 200, card
    stack.drain()  # JOINED Silver: no rule for it
    assert _points(stack, campaign["id"], card["code"]) == 0
    delivered.clear()

    # When 600 points lift the card from Silver to Gold
    assert balance(stack, campaign["id"], card["code"], {"points": 600})[0] == 200
    stack.drain()

    # Then the three matching active rules credited their points, each as one POINTS_ACCRUAL
    assert _points(stack, campaign["id"], card["code"]) == 600 + 100 + 7 + 1
    accruals = _accruals(stack, card["code"])
    assert sorted(t["details"]["balance"]["points"] for t in accruals) == [1, 7, 100]
    by_rule = {t["details"]["earning_rule"]["id"]: t for t in accruals}
    assert set(by_rule) == {rules[0]["id"], rules[1]["id"], rules[2]["id"]}
    joined = by_rule[rules[0]["id"]]
    assert joined["details"]["loyalty_tier"] == {"id": gold["id"], "name": "Gold"} and joined["reason"] == "Welcome to Gold"
    assert by_rule[rules[1]["id"]]["details"]["loyalty_tier"]["id"] == silver["id"]
    assert by_rule[rules[2]["id"]]["details"]["loyalty_tier"]["id"] == gold["id"]
    [ttx] = [from_item(i)["data"] for i in stack.items() if from_item(i)["SK"].startswith("lttx_")
             and from_item(i)["data"]["type"] == "UPGRADED"]
    assert {t["details"]["event"]["id"] for t in accruals} == {ttx["id"]}
    assert joined["details"]["event"]["type"] == "customer.loyalty.tier.joined"

    # And replaying every stream record of the change credits nothing more
    replayed = [dict(e) for e in delivered]
    assert replayed
    for event in replayed:
        assert support.invoke("process_card_changes", event) == {"batchItemFailures": []}
    stack.drain()
    assert _points(stack, campaign["id"], card["code"]) == 708 and len(_accruals(stack, card["code"])) == 3

    # And falling back to Silver fires the downgrade rule and nothing else (no joined-Silver rule, no left-Gold rule)
    assert balance(stack, campaign["id"], card["code"], {"points": -300})[0] == 200
    stack.drain()
    assert _points(stack, campaign["id"], card["code"]) == 408 + 50
    assert sorted(t["details"]["balance"]["points"] for t in _accruals(stack, card["code"])) == [1, 7, 50, 100]


def test_inactive_and_other_tier_rules_credit_nothing(stack: Stack) -> None:
    # Given only an inactive joined-Gold rule and a joined-Silver rule
    campaign = make_campaign(stack)
    _, (silver, gold) = create_tiers(stack, campaign["id"], TIERS)
    status, rules = stack.call("create_earning_rule_v1", "POST", f"/v1/loyalties/{campaign['id']}/earning-rules", [
        _rule("joined", gold["id"], 100, active=False), _rule("prolonged", "__ANY__", 5)])
    assert status == 200, rules
    status, card = add_member(stack, campaign["id"], {"customer": make_customer(stack)["id"]})
    stack.drain()
    # When the card moves up to Gold
    assert balance(stack, campaign["id"], card["code"], {"points": 600})[0] == 200
    stack.drain()
    # Then nothing is credited
    assert _points(stack, campaign["id"], card["code"]) == 600 and _accruals(stack, card["code"]) == []
    assert silver["id"] != gold["id"]


def test_points_expire_as_the_rule_says(stack: Stack) -> None:
    campaign = make_campaign(stack)
    _, (_, gold) = create_tiers(stack, campaign["id"], TIERS)
    status, _rules = stack.call("create_earning_rule_v1", "POST", f"/v1/loyalties/{campaign['id']}/earning-rules", [
        _rule("joined", gold["id"], 100, expiration_rules={"period_type": "MONTH", "period_value": 6, "rounding_type": "END_OF_MONTH"})])
    assert status == 200
    _, card = add_member(stack, campaign["id"], {"customer": make_customer(stack)["id"]})
    stack.drain()
    assert balance(stack, campaign["id"], card["code"], {"points": 600})[0] == 200
    stack.drain()
    [accrual] = _accruals(stack, card["code"])
    stored = [from_item(i)["data"] for i in stack.items() if from_item(i).get("data", {}).get("id") == accrual["id"]]
    assert stored and stored[0]["details"]["points"]["expiration_type"] == "ROLLING_EXPIRATION" and stored[0]["details"]["points"]["expiration_date"]


def test_tier_rules_are_bounded_per_campaign(stack: Stack) -> None:
    # Given a campaign with 24 tier-event rules (their credits ride in one tier change's transaction: 100 items at most)
    campaign = make_campaign(stack)
    path = f"/v1/loyalties/{campaign['id']}/earning-rules"
    status, rules = stack.call("create_earning_rule_v1", "POST", path, [_rule("joined", "__ANY__", 1)] * 24)
    assert status == 200 and len(rules) == 24, rules
    before = stack.items()
    # When two more are asked for, then 400 and nothing is written
    status, body = stack.call("create_earning_rule_v1", "POST", path, [_rule("left", "__ANY__", 1)] * 2)
    assert status == 400 and body["key"] == "invalid_payload" and "at most 25" in body["details"], body
    assert stack.items() == before
    # And the 25th alone is accepted (an update cannot change a rule's event)
    assert stack.call("create_earning_rule_v1", "POST", path, [_rule("left", "__ANY__", 1)])[0] == 200
