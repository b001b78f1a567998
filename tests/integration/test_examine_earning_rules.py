"""Examine earning rules on moto: which rules would apply and how many points per card, for each trigger and for all of
them, with the customer's memberships or one member's; that the estimate is what a real order earns; and that nothing is
ever written (a full table scan before and after every examination)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.earning.records import CustomEvent
from loyalty.examine.models import ExamineEarningRulesRequest
from loyalty.points import service as points
from loyalty.schemas.service import create_event_schema
from tests.integration.conftest import Stack
from tests.integration.test_isolation import _as_b
from tests.integration.test_v2_journey import BASE

PATH = f"{BASE}/examine/earning-rules"
PENDING_7D = {"type": "PERIOD_BASED", "period_based": {"period": {"unit": "DAY", "value": 7}}}
MAX_100_PER_EARN = {"global": {"type": "NO_LIMIT", "limits": []},
                    "transactions": {"type": "LIMITED", "limits": [{"type": "POINTS", "max": 100}]}}
BALANCE_CAP_10 = {"global": {"type": "LIMITED", "limits": [{"type": "BALANCE_BASED", "max": 10}]},
                  "transactions": {"type": "NO_LIMIT", "limits": []}}
ONCE_A_DAY = {"cooldown": {"type": "FIXED_COOLDOWN", "fixed_cooldown": {"period": {"value": 24, "unit": "HOUR"}}},
              "frequency": {"type": "LIMITED", "limits": [{"type": "TIME_BASED", "period": {"type": "CURRENT_PERIOD",
                                                                                             "current_period": {"unit": "DAY"}},
                                                           "triggers": {"max": 1}}]}}


def ok(stack: Stack, name: str, path: str, body: Any) -> dict[str, Any]:
    status, got = stack.call(name, "POST", path, body)
    assert status == 200, got
    return dict(got)


def fixed(cdef: str, value: int) -> dict[str, Any]:
    return {"type": "POINTS", "points": {"value": value, "card_definition_id": cdef}}


def rule(stack: Stack, name: str, trigger: dict[str, Any], earnings: list[dict[str, Any]], **extra: Any) -> str:
    body = {"name": name, "status": "ACTIVE", "trigger": trigger, "earnings": earnings, **extra}
    return str(ok(stack, "create_earning_rule", f"{BASE}/earning-rules", body)["id"])


def build(stack: Stack) -> dict[str, Any]:
    """Given program Club (wallets Main, Pending with 7-day pending points, Capped at 100 points per earn and a balance cap
    of 10) with eight rules over the three triggers, program Other with one order rule, and Alice, a member of both."""
    project = str(stack.headers["X-App-Id"]).split(".", 1)[0]
    schema = {name: create_event_schema(stack.db(project), name, exist_ok=True)["id"] for name in ("review", "stars")}
    cdef = {name: ok(stack, "create_card_definition", f"{BASE}/card-definitions",
                     {"name": name, "type": "INDIVIDUAL", "status": "ACTIVE", **extra})["id"]
            for name, extra in (("Main", {}), ("Pending", {"pending_points": PENDING_7D}), ("Capped", {"earning_limits": MAX_100_PER_EARN}),
                                ("Small", {"earning_limits": BALANCE_CAP_10}), ("Other", {}))}
    mug = ok(stack, "create_benefit", f"{BASE}/benefits", {"name": "Mug", "type": "MATERIAL", "status": "ACTIVE",
                                                            "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}}})
    paid = {"event": "customer.order.paid"}
    rules = {
        # 1 point per 1.00 after discounts, on Main
        "per_euro": rule(stack, "Per euro", paid, [{"effects": [{"type": "POINTS_PROPORTIONAL", "points_proportional": {
            "calculation_type": "POST_DISCOUNT_ORDER_AMOUNT", "card_definition_id": cdef["Main"],
            "order": {"total_amount": {"every": 100, "value": 1}}}}]}], metadata={"team": "growth"}),
        # the first matching earning wins: 25 for a POS order, else 5; on Pending
        "pos": rule(stack, "POS bonus", paid, [
            {"rules": {"logic": "1", "1": {"name": "order.metadata", "property": "source", "conditions": {"$is": ["pos"]}}},
             "effects": [fixed(cdef["Pending"], 25)]},
            {"effects": [fixed(cdef["Pending"], 5)]}]),
        # 2 points per 1.00 before discounts on Capped: an earn of more than 100 is refused in full
        "capped": rule(stack, "Capped", paid, [{"effects": [{"type": "POINTS_PROPORTIONAL", "points_proportional": {
            "calculation_type": "PRE_DISCOUNT_ORDER_AMOUNT", "card_definition_id": cdef["Capped"],
            "order": {"amount": {"every": 100, "value": 2}}}}]}]),
        # 40 points on Small, whose balance cap (10) Examine ignores; once a day, which Examine ignores too
        "small": rule(stack, "Small", paid, [{"effects": [fixed(cdef["Small"], 40)]}], trigger_limits=ONCE_A_DAY),
        # gold customers only
        "gold": rule(stack, "Gold", paid, [{"rules": {"logic": "1", "1": {"name": "customer.metadata", "property": "tier",
                                                                        "conditions": {"$is": ["gold"]}}},
                                            "effects": [fixed(cdef["Main"], 7)]}]),
        "review": rule(stack, "Review", {"event": "customer.custom_event", "custom_event": {"schema_id": schema["review"]}},
                       [{"effects": [fixed(cdef["Main"], 50), {"type": "BENEFIT", "benefit": {"id": mug["id"]}}]}]),
        "stars": rule(stack, "Stars", {"event": "customer.custom_event", "custom_event": {"schema_id": schema["stars"]}},
                      [{"effects": [{"type": "POINTS_PROPORTIONAL", "points_proportional": {
                          "calculation_type": "CUSTOM_EVENT_METADATA_VALUE", "card_definition_id": cdef["Main"],
                          "custom_event": {"metadata": {"every": 1, "value": 10, "property": "stars"}}}}]}]),
        "vip": rule(stack, "VIP segment", {"event": "customer.segment.entered", "segment": {"id": "seg_0vip"}},
                    [{"rules": {"logic": "1", "1": {"name": "customer.metadata", "property": "vip", "conditions": {"$is": [True]}}},
                      "effects": [fixed(cdef["Main"], 150)]}]),
    }
    club = ok(stack, "create_program", f"{BASE}/programs", {
        "name": "Club", "status": "ACTIVE", "metadata": {"region": "eu"},
        "card_definitions": [{"id": cdef[n]} for n in ("Main", "Pending", "Capped", "Small")],
        "earning_rules": [{"id": r} for r in rules.values()]})
    rules["other"] = rule(stack, "Other", paid, [{"effects": [fixed(cdef["Other"], 3)]}])
    other = ok(stack, "create_program", f"{BASE}/programs", {"name": "Other", "status": "ACTIVE", "card_definitions": [{"id": cdef["Other"]}],
                                                            "earning_rules": [{"id": rules["other"]}]})
    alice = ok(stack, "create_customer", "/v1/customers", {"source_id": "alice-1", "name": "Alice", "metadata": {"tier": "silver", "vip": False}})
    members = {"club": ok(stack, "create_program_member", f"{BASE}/programs/{club['id']}/members",
                          {"customer_id": alice["id"], "metadata": {"channel": "app"}}),
               "other": ok(stack, "create_program_member", f"{BASE}/programs/{other['id']}/members", {"customer_id": alice["id"]})}
    stack.drain()  # card codes
    points.SETUPS.clear()
    cards = {c["card"]["card_definition_id"]: c["card"]["id"] for m in members.values() for c in m["cards"]}
    return {"cdef": cdef, "rules": rules, "schema": schema, "mug": mug["id"], "club": club["id"], "other": other["id"], "customer": alice["id"],
            "source_id": "alice-1", "member": {k: m["id"] for k, m in members.items()}, "card": {n: cards[cdef[n]] for n in cdef}}


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    return build(module_stack)


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def examine(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    """Examine, and prove that nothing was written (a full scan of the table before and after)."""
    before = stack.items()
    status, got = stack.call("examine_earning_rules", "POST", PATH, body)
    assert status == 200, got
    assert stack.items() == before, "Examine must not write anything"
    return dict(got)


def order_paid(who: dict[str, Any], order: dict[str, Any] | None = None, **context: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"trigger": {"type": "SPECIFIC", "specific": {"event": "customer.order.paid"}}, "customer_identification": who,
                            "customer_order_paid": {**({"order": order} if order is not None else {}), **context}}
    return body


def by_customer(w: dict[str, Any]) -> dict[str, Any]:
    return {"type": "customer_id", "customer_id": w["customer"]}


def by_member(w: dict[str, Any], which: str = "club") -> dict[str, Any]:
    return {"type": "member_id", "member_id": w["member"][which]}


def estimates(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """card id -> {rule id: points, "total": points}, over every membership."""
    out: dict[str, dict[str, Any]] = {}
    for membership in result["memberships"]:
        for card in membership["cards"]:
            out[card["card"]["id"]] = {**{r["earning_rule"]["id"]: r["points_estimation"] for r in card["earning_rules"]},
                                       "total": card["points_estimation"]}
    return out


# ---------------------------------------------------------------------------------------------- order paid
def test_an_order_paid_estimate_has_the_spec_shape_and_the_points_of_each_card(stack: Stack, world: dict[str, Any]) -> None:
    w = world
    # A 120.00 order with a 10.00 discount and an item discount of 5.00, from the POS
    got = examine(stack, order_paid(by_customer(w), {"amount": 12000, "discount_amount": 1000, "metadata": {"source": "pos"},
                                                     "items": [{"quantity": 1, "price": 12000, "amount": 12000, "discount_amount": "500",
                                                                "product": {"id": "prod_0ba86913fb8b47f7cb"}}]}))
    assert got["event"] == "customer.order.paid" and got["object"] == "earnings_examine_result"
    assert got["customer"] == {"id": w["customer"], "source_id": "alice-1", "metadata": {"tier": "silver", "vip": False}, "object": "customer"}
    card = w["card"]
    assert estimates(got) == {
        card["Main"]: {w["rules"]["per_euro"]: 105, "total": 105},  # (12000 - 1000 - 500) / 100
        card["Pending"]: {w["rules"]["pos"]: 25, "total": 25},  # the first earning matches (pending points count too)
        # Capped: 240 points is over its 100 per earn: refused in full, so the card is left out
        card["Small"]: {w["rules"]["small"]: 40, "total": 40},  # the balance cap and the trigger limits are ignored
        card["Other"]: {w["rules"]["other"]: 3, "total": 3},
    }
    club, other = got["memberships"]
    assert club["member"] == {"id": w["member"]["club"], "customer_id": w["customer"], "program_id": w["club"], "metadata": {"channel": "app"},
                              "object": "member"}
    assert club["program"] == {"id": w["club"], "name": "Club", "metadata": {"region": "eu"}, "object": "program"}
    assert club["benefits"] == [] and club["object"] == "member_earnings_opportunity"
    main = next(c for c in club["cards"] if c["card"]["id"] == card["Main"])
    assert main["card"]["card_definition_id"] == w["cdef"]["Main"] and main["card"]["card_type"] == "INDIVIDUAL"
    assert isinstance(main["card"]["code"], str) and main["card"]["object"] == "card"
    assert main["earning_rules"] == [{"earning_rule": {"id": w["rules"]["per_euro"], "object": "earning_rule"}, "points_estimation": 105,
                                      "object": "earning_rule_estimation"}]
    assert main["object"] == "card_estimation"
    assert other["program"]["name"] == "Other" and other["member"]["metadata"] == {}
    # Each rule that gives something, once, with its name and metadata
    assert got["earning_rules"] == [
        {"id": w["rules"][r], "name": name, "metadata": meta, "object": "earning_rule"}
        for r, name, meta in (("per_euro", "Per euro", {"team": "growth"}), ("pos", "POS bonus", {}), ("small", "Small", {}),
                              ("other", "Other", {}))]


def test_the_post_discount_base_is_amount_less_every_discount_and_amounts_may_be_strings(stack: Stack, world: dict[str, Any]) -> None:
    got = examine(stack, order_paid(by_member(world), {"amount": "5000", "discount_amount": 250,
                                                       "items": [{"discount_amount": 150}, {"discount_amount": "99"}]}))
    assert estimates(got)[world["card"]["Main"]][world["rules"]["per_euro"]] == 45  # floor(4501 / 100)
    assert estimates(got)[world["card"]["Capped"]][world["rules"]["capped"]] == 100  # 2 per 1.00 of the pre-discount 50.00


def test_customer_metadata_overrides_are_merged_over_the_stored_ones(stack: Stack, world: dict[str, Any]) -> None:
    plain = examine(stack, order_paid(by_customer(world), {"amount": 100}))
    gold = examine(stack, order_paid(by_customer(world), {"amount": 100}, customer={"metadata": {"tier": "gold"}}))
    assert world["rules"]["gold"] not in estimates(plain)[world["card"]["Main"]]
    assert estimates(gold)[world["card"]["Main"]] == {world["rules"]["per_euro"]: 1, world["rules"]["gold"]: 7, "total": 8}
    # the answer shows the stored metadata; the override was for this examination only
    assert gold["customer"]["metadata"] == {"tier": "silver", "vip": False}
    assert examine(stack, order_paid(by_customer(world), {"amount": 100})) == plain


def test_an_order_paid_without_an_order_estimates_the_fixed_points(stack: Stack, world: dict[str, Any]) -> None:
    got = examine(stack, order_paid(by_customer(world)))
    card = world["card"]
    assert estimates(got) == {card["Pending"]: {world["rules"]["pos"]: 5, "total": 5}, card["Small"]: {world["rules"]["small"]: 40, "total": 40},
                              card["Other"]: {world["rules"]["other"]: 3, "total": 3}}


# ---------------------------------------------------------------------------------------------- who is examined
def test_a_member_id_scopes_the_answer_to_that_program(stack: Stack, world: dict[str, Any]) -> None:
    got = examine(stack, order_paid(by_member(world, "other"), {"amount": 10000}))
    assert [m["member"]["id"] for m in got["memberships"]] == [world["member"]["other"]]
    assert estimates(got) == {world["card"]["Other"]: {world["rules"]["other"]: 3, "total": 3}}
    assert [r["id"] for r in got["earning_rules"]] == [world["rules"]["other"]]
    club = examine(stack, order_paid(by_member(world), {"amount": 10000}, member={"metadata": {"channel": "pos"}}))
    assert [m["member"]["id"] for m in club["memberships"]] == [world["member"]["club"]]
    assert club["memberships"][0]["member"]["metadata"] == {"channel": "app"}


def test_a_source_id_names_the_customer_as_a_string_or_a_number(stack: Stack, world: dict[str, Any]) -> None:
    by_id = examine(stack, order_paid(by_customer(world), {"amount": 10000}))
    by_source = examine(stack, order_paid({"type": "customer_source_id", "customer_source_id": "alice-1"}, {"amount": 10000}))
    assert by_source == by_id
    status, customer = stack.call("create_customer", "POST", "/v1/customers", {"source_id": "4242"})
    assert status == 200, customer
    got = examine(stack, order_paid({"type": "customer_source_id", "customer_source_id": 4242}, {"amount": 10000}))
    assert got["customer"]["id"] == customer["id"] and got["memberships"] == [] and got["earning_rules"] == []


def test_inactive_members_are_not_examined(stack: Stack, world: dict[str, Any]) -> None:
    m = f"{BASE}/programs/{world['other']}/members/{world['member']['other']}"
    assert stack.call("deactivate_program_member", "POST", f"{m}/deactivate")[0] == 200
    try:
        got = examine(stack, order_paid(by_customer(world), {"amount": 100}))
        assert [x["member"]["id"] for x in got["memberships"]] == [world["member"]["club"]]
        assert examine(stack, order_paid(by_member(world, "other"), {"amount": 100}))["memberships"] == []
    finally:
        assert stack.call("activate_program_member", "POST", f"{m}/activate")[0] == 200


# ---------------------------------------------------------------------------------------------- custom events, segments, all
def custom_event(who: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    return {"trigger": {"type": "SPECIFIC", "specific": {"event": "customer.custom_event"}}, "customer_identification": who,
            "customer_custom_event": context}


def test_a_specific_custom_event_estimates_the_rules_of_its_schema_and_their_benefits(stack: Stack, world: dict[str, Any]) -> None:
    got = examine(stack, custom_event(by_member(world), {"type": "SPECIFIC", "specific": {"custom_event": {"schema_id": world["schema"]["review"]}}}))
    assert got["event"] == "customer.custom_event"
    assert estimates(got) == {world["card"]["Main"]: {world["rules"]["review"]: 50, "total": 50}}
    assert got["memberships"][0]["benefits"] == [{
        "benefit": {"id": world["mug"], "name": "Mug", "type": "MATERIAL", "object": "benefit"},
        "earning_rules": [{"earning_rule": {"id": world["rules"]["review"], "object": "earning_rule"}, "object": "earning_rule_estimation"}],
        "object": "benefit_estimation"}]
    assert [r["id"] for r in got["earning_rules"]] == [world["rules"]["review"]]
    stars = examine(stack, custom_event(by_member(world), {"type": "SPECIFIC", "specific": {
        "custom_event": {"schema_id": world["schema"]["stars"], "metadata": {"stars": 4}}}}))
    assert estimates(stars) == {world["card"]["Main"]: {world["rules"]["stars"]: 40, "total": 40}}
    unknown = examine(stack, custom_event(by_member(world), {"type": "SPECIFIC", "specific": {"custom_event": {"schema_id": "ms_0other"}}}))
    assert unknown["memberships"][0]["cards"] == [] and unknown["earning_rules"] == []


def test_all_custom_events_estimate_every_schema_the_rules_name(stack: Stack, world: dict[str, Any]) -> None:
    got = examine(stack, custom_event(by_member(world), {"type": "ALL", "all": {"custom_event": {"metadata": {"stars": 2}}}}))
    assert estimates(got) == {world["card"]["Main"]: {world["rules"]["review"]: 50, world["rules"]["stars"]: 20, "total": 70}}


def test_a_segment_entry_evaluates_the_rule_s_metadata_conditions_only(stack: Stack, world: dict[str, Any]) -> None:
    body = {"trigger": {"type": "SPECIFIC", "specific": {"event": "customer.segment.entered"}}, "customer_identification": by_member(world),
            "customer_segment_entered": {}}
    assert examine(stack, body)["memberships"][0]["cards"] == []  # Alice is not a VIP
    body["customer_segment_entered"] = {"customer": {"metadata": {"vip": True}}}
    got = examine(stack, body)
    assert got["event"] == "customer.segment.entered"
    assert estimates(got) == {world["card"]["Main"]: {world["rules"]["vip"]: 150, "total": 150}}


def test_all_triggers_merge_every_trigger_s_estimate(stack: Stack, world: dict[str, Any]) -> None:
    bare = examine(stack, {"trigger": {"type": "ALL"}, "customer_identification": by_member(world)})
    assert bare["event"] is None
    card, rules = world["card"], world["rules"]
    assert estimates(bare) == {card["Main"]: {rules["review"]: 50, "total": 50}, card["Pending"]: {rules["pos"]: 5, "total": 5},
                               card["Small"]: {rules["small"]: 40, "total": 40}}
    full = examine(stack, {
        "trigger": {"type": "ALL", "specific": None}, "customer_identification": by_member(world),
        "customer_order_paid": {"order": {"amount": 10000, "metadata": {"source": "pos"}}},
        "customer_segment_entered": {"customer": {"metadata": {"vip": True}}},
        "customer_custom_event": {"type": "ALL", "all": {"custom_event": {"metadata": {"stars": 1}}}}})
    assert estimates(full) == {
        card["Main"]: {rules["per_euro"]: 100, rules["vip"]: 150, rules["review"]: 50, rules["stars"]: 10, "total": 310},
        card["Pending"]: {rules["pos"]: 25, "total": 25}, card["Small"]: {rules["small"]: 40, "total": 40}}  # Capped: 200 > 100
    assert len(full["memberships"][0]["benefits"]) == 1
    assert [r["id"] for r in full["earning_rules"]] == [rules[r] for r in ("per_euro", "vip", "review", "stars", "pos", "small")]


# ---------------------------------------------------------------------------------------------- the estimate is what earning gives
def test_the_estimate_is_what_a_real_order_and_event_earn(stack: Stack) -> None:
    # Given the same world in the second project (this test earns, so the first project's world stays as it is), when
    # the order examined is then paid for real, and the event tracked
    stack = _as_b(stack)
    w = build(stack)
    order = {"amount": 12000, "discount_amount": 1000, "metadata": {"source": "pos"},
             "items": [{"quantity": 2, "price": 6000, "discount_amount": 500, "product_id": "prod_0a"}]}
    estimate = examine(stack, order_paid(by_customer(w), order))
    event = examine(stack, custom_event(by_customer(w), {"type": "SPECIFIC", "specific": {"custom_event": {"schema_id": w["schema"]["stars"],
                                                                                                           "metadata": {"stars": 3}}}}))
    db = stack.db("globex")
    body = ExamineEarningRulesRequest.model_validate(order_paid(by_customer(w), order))
    assert body.customer_order_paid is not None and body.customer_order_paid.order is not None
    points.earn(db, w["customer"], "ord_0001", order=body.customer_order_paid.order.record())
    points.earn(db, w["customer"], "evcus_01", event=CustomEvent(id="evcus_01", name="stars", schema_id=w["schema"]["stars"], metadata={"stars": 3}))
    # Then each card holds what the two estimates add up to (points or pending points), except what the caps cut
    earned: dict[str, int] = {}
    for program, member in ((w["club"], w["member"]["club"]), (w["other"], w["member"]["other"])):
        status, got = stack.call("get_program_member", "GET", f"{BASE}/programs/{program}/members/{member}")
        assert status == 200, got
        for c in got["cards"]:
            balance = c["card"]["balance"]
            earned[c["card"]["id"]] = balance["points"] + balance["pending_points"]
    expected = {card_id: 0 for card_id in earned}
    for result in (estimate, event):
        for card_id, estimated in estimates(result).items():
            expected[card_id] += estimated["total"]
    assert expected[w["card"]["Main"]] == 105 + 30 and expected[w["card"]["Pending"]] == 25
    small = w["card"]["Small"]  # its balance cap (10) is the writer's to apply; Examine estimates the rule's 40
    assert expected.pop(small) == 40 and earned.pop(small) <= 40
    assert earned == expected


# ---------------------------------------------------------------------------------------------- any valid order
amounts = st.integers(min_value=0, max_value=10**9)
either = st.one_of(amounts, amounts.map(str))  # the spec's `string | number`
items = st.lists(st.fixed_dictionaries({}, optional={"quantity": st.integers(1, 50), "price": either, "amount": either,
                                                     "discount_amount": either, "product_id": st.sampled_from(["prod_0a", 7])}),
                 max_size=4)
orders = st.fixed_dictionaries({}, optional={"amount": either, "initial_amount": either, "discount_amount": either, "items": items,
                                             "metadata": st.sampled_from([{}, {"source": "pos"}, {"source": "web"}])})


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(order=orders, all_triggers=st.booleans())
def test_any_valid_order_is_estimated_as_the_engine_computes_it(stack: Stack, world: dict[str, Any], order: dict[str, Any],
                                                                 all_triggers: bool) -> None:
    body = order_paid(by_member(world), order)
    if all_triggers:
        body["trigger"] = {"type": "ALL"}
    got = estimates(examine(stack, body))
    pre = int(order["amount"]) if "amount" in order else sum(
        int(i["amount"]) if "amount" in i else int(i["price"]) * i["quantity"] if "price" in i and "quantity" in i else 0
        for i in order.get("items", []))
    post = pre - int(order.get("discount_amount", 0)) - sum(int(i.get("discount_amount", 0)) for i in order.get("items", []))
    main = got.get(world["card"]["Main"], {})
    assert main.get(world["rules"]["per_euro"], 0) == max(post, 0) // 100
    assert got[world["card"]["Pending"]][world["rules"]["pos"]] == (25 if order.get("metadata") == {"source": "pos"} else 5)
    assert got.get(world["card"]["Capped"], {}).get(world["rules"]["capped"], 0) == (pre // 100 * 2 if pre // 100 * 2 <= 100 else 0)
