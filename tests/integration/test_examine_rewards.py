"""Examine rewards on moto: per membership, which ACTIVE rewards of the member's ACTIVE programs the member could buy now,
on the card and at the cost a purchase would choose (the same chooser: costs in order, their rules on customer and member
metadata, then the first the member can pay), and every unavailability reason (insufficient_balance, no_card_for_cost,
no_matching_cost, out_of_stock, no_target_card); the assignment's costs override the reward's; a member id scopes the
answer to its program; and nothing is ever written (a full table scan before and after every examination)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_v2_journey import BASE

PATH = f"{BASE}/examine/rewards"
NAME = "examine_rewards"
MUG = {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}}
ONCE_A_DAY = {"cooldown": {"type": "FIXED_COOLDOWN", "fixed_cooldown": {"period": {"value": 24, "unit": "HOUR"}}},
              "frequency": {"type": "LIMITED", "limits": [{"type": "TIME_BASED", "period": {"type": "CURRENT_PERIOD",
                                                                                             "current_period": {"unit": "DAY"}},
                                                           "triggers": {"max": 1}}]}}
NO_LIMITS = {"cooldown": {"type": "NO_COOLDOWN"}, "frequency": {"type": "NO_LIMIT", "limits": []}}


def ok(stack: Stack, name: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
    status, got = stack.call(name, method, path, body)
    assert status == 200, got
    return dict(got)


def spend(*prices: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"spending": [{"points": points, "card_definition_id": cdef}]} for cdef, points in prices]


def when(name: str, prop: str, value: Any, cdef: str, points: int) -> dict[str, Any]:
    """A cost guarded by one rule: `name` (customer.metadata / member.metadata / customer.segment) `prop` $is `value`."""
    rule = {"name": name, "property": prop, "conditions": {"$is": [value]}, "error": {"message": f"{prop} must be {value}"}}
    return {"rules": {"logic": "1", "1": rule}, "spending": [{"points": points, "card_definition_id": cdef}]}


def build(stack: Stack, source_id: str = "alice-r") -> dict[str, Any]:
    """Given program Club (wallets Main with 150 points and Bonus with 0) with seven rewards, program Other (wallet Far with
    40 points) with one, and Alice, a member of both."""
    cdef = {name: ok(stack, "create_card_definition", "POST", f"{BASE}/card-definitions",
                     {"name": name, "type": "INDIVIDUAL", "status": "ACTIVE"})["id"] for name in ("Main", "Bonus", "Far", "Nowhere")}

    def reward(name: str, costs: list[dict[str, Any]], **extra: Any) -> str:
        body = {"name": name, "type": "MATERIAL", "material": MUG, "status": "ACTIVE", "costs": costs, **extra}
        return str(ok(stack, "create_reward", "POST", f"{BASE}/rewards", body)["id"])

    rewards = {
        "mug": reward("Mug", spend((cdef["Main"], 100)), metadata={"shelf": "A"}, purchase_limits=ONCE_A_DAY),
        # no cost can be paid: the first on a card the member holds is shown (500 on Main)
        "shirt": reward("Shirt", spend((cdef["Main"], 500), (cdef["Main"], 300), (cdef["Bonus"], 20))),
        "elsewhere": reward("Elsewhere", spend((cdef["Nowhere"], 70), (cdef["Nowhere"], 60))),
        "gone": reward("Gone", spend((cdef["Main"], 10))),
        "points": reward("Points", spend((cdef["Main"], 10)), type="DIGITAL", material=None,
                         digital={"type": "LOYALTY_CARD_POINTS", "loyalty_card_points": {"points": 5, "card_definition_id": cdef["Nowhere"]}}),
        "override": reward("Override", spend((cdef["Main"], 1000))),
        "retired": reward("Retired", spend((cdef["Main"], 1))),
        "far": reward("Far", spend((cdef["Far"], 40))),
        # Bonus (0 points) cannot pay the first cost: the second, on Main, is the one chosen
        "hat": reward("Hat", spend((cdef["Bonus"], 20), (cdef["Main"], 100))),
        # gold customers pay 10, app members 120 (Alice is silver and uses the app), anyone 140
        "vip": reward("Vip", [when("customer.metadata", "tier", "gold", cdef["Main"], 10),
                              when("member.metadata", "channel", "app", cdef["Main"], 120), *spend((cdef["Main"], 140))]),
        # a segment rule never holds (no segments exist yet), nor does the other rule for Alice
        "segment": reward("Segment", [when("customer.segment", "id", "seg_1", cdef["Main"], 5),
                                      when("customer.metadata", "tier", "bronze", cdef["Main"], 6)]),
    }
    def rule(wallet: str) -> dict[str, str]:
        return {"id": ok(stack, "create_earning_rule", "POST", f"{BASE}/earning-rules", {
            "name": f"On {wallet}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
            "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef[wallet]}}]}]})["id"]}

    club = ok(stack, "create_program", "POST", f"{BASE}/programs", {
        "name": "Club", "status": "ACTIVE", "metadata": {"region": "eu"}, "earning_rules": [rule("Main")],
        "card_definitions": [{"id": cdef["Main"]}, {"id": cdef["Bonus"]}],
        "rewards": [{"id": rewards["mug"]}, {"id": rewards["shirt"]}, {"id": rewards["elsewhere"]},
                    {"id": rewards["gone"], "stock": {"type": "LIMITED", "limited": {"quantity": 0}}}, {"id": rewards["points"]},
                    {"id": rewards["override"], "costs": spend((cdef["Main"], 50)), "stock": 5}, {"id": rewards["retired"]},
                    {"id": rewards["hat"]}, {"id": rewards["vip"]}, {"id": rewards["segment"]}]})
    other = ok(stack, "create_program", "POST", f"{BASE}/programs", {"name": "Other", "status": "ACTIVE", "card_definitions": [{"id": cdef["Far"]}],
                                                                    "earning_rules": [rule("Far")],
                                                                    "rewards": [{"id": rewards["far"]}]})
    ok(stack, "deactivate_reward", "POST", f"{BASE}/rewards/{rewards['retired']}/deactivate")
    alice = ok(stack, "create_customer", "POST", "/v1/customers", {"source_id": source_id, "metadata": {"tier": "silver"}})
    members = {"club": ok(stack, "create_program_member", "POST", f"{BASE}/programs/{club['id']}/members",
                          {"customer_id": alice["id"], "metadata": {"channel": "app"}}),
               "other": ok(stack, "create_program_member", "POST", f"{BASE}/programs/{other['id']}/members", {"customer_id": alice["id"]})}
    stack.drain()  # card codes
    cards = {c["card"]["card_definition_id"]: c["card"]["id"] for m in members.values() for c in m["cards"]}
    card = {n: cards[cdef[n]] for n in ("Main", "Bonus", "Far")}
    programs = {"Main": club["id"], "Bonus": club["id"], "Far": other["id"]}
    owners = {"Main": members["club"]["id"], "Bonus": members["club"]["id"], "Far": members["other"]["id"]}
    for name, points in (("Main", 150), ("Far", 40)):
        ok(stack, "adjust_card_points", "POST", f"{BASE}/programs/{programs[name]}/members/{owners[name]}/cards/{card[name]}/points",
           {"points": points})
    stack.drain()
    return {"cdef": cdef, "reward": rewards, "club": club["id"], "other": other["id"], "customer": alice["id"],
            "member": {k: m["id"] for k, m in members.items()}, "card": card}


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    return build(module_stack)


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def examine(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    """Examine, and prove that nothing was written (a full scan of the table before and after)."""
    before = stack.items()
    status, got = stack.call(NAME, "POST", PATH, body)
    assert status == 200, got
    assert stack.items() == before, "Examine must not write anything"
    return dict(got)


def by_customer(w: dict[str, Any]) -> dict[str, Any]:
    return {"customer_identification": {"type": "customer_id", "customer_id": w["customer"]}}


def by_member(w: dict[str, Any], which: str = "club") -> dict[str, Any]:
    return {"customer_identification": {"type": "member_id", "member_id": w["member"][which]}}


def table(result: dict[str, Any]) -> dict[tuple[str, str], tuple[str, int, list[tuple[str, dict[str, Any]]]]]:
    """(card id, reward id) -> (status, cost points, [(reason, details)]), over every membership."""
    out = {}
    for membership in result["memberships"]:
        for card in membership["cards"]:
            for r in card["rewards"]:
                reasons = [(x["reason"], x["details"]) for x in r.get("unavailability_reasons", [])]
                out[card["card"]["id"], r["reward"]["id"]] = (r["status"], r["cost"]["points"], reasons)
    return out


def test_each_card_lists_the_rewards_it_could_buy_with_their_cost_and_reasons(stack: Stack, world: dict[str, Any]) -> None:
    w = world
    got = examine(stack, by_customer(w))
    main, bonus, far, r = w["card"]["Main"], w["card"]["Bonus"], w["card"]["Far"], w["reward"]
    assert table(got) == {
        (main, r["mug"]): ("AVAILABLE", 100, []),
        (main, r["shirt"]): ("UNAVAILABLE", 500, [("insufficient_balance", {"required": 500, "available": 150, "missing": 350})]),
        # priced on no card definition the member holds: every card says so, with the first cost
        (main, r["elsewhere"]): ("UNAVAILABLE", 70, [("no_card_for_cost", {})]),
        (bonus, r["elsewhere"]): ("UNAVAILABLE", 70, [("no_card_for_cost", {})]),
        (main, r["gone"]): ("UNAVAILABLE", 10, [("out_of_stock", {})]),
        (main, r["points"]): ("UNAVAILABLE", 10, [("no_target_card", {"card_definition_id": w["cdef"]["Nowhere"]})]),
        (main, r["override"]): ("AVAILABLE", 50, []),  # the program's cost (50), not the reward's (1000)
        # Retired is INACTIVE: left out
        (far, r["far"]): ("AVAILABLE", 40, []),
        (main, r["hat"]): ("AVAILABLE", 100, []),  # listed on the card that pays, not on Bonus
        (main, r["vip"]): ("AVAILABLE", 120, []),  # the member-metadata cost
        (main, r["segment"]): ("UNAVAILABLE", 5, [("no_matching_cost", {})]),
        (bonus, r["segment"]): ("UNAVAILABLE", 5, [("no_matching_cost", {})]),
    }


def test_the_overrides_change_which_cost_holds(stack: Stack, world: dict[str, Any]) -> None:
    w = world
    main, r = w["card"]["Main"], w["reward"]
    got = table(examine(stack, {**by_member(w), "customer": {"metadata": {"tier": "gold"}}}))
    assert got[main, r["vip"]] == ("AVAILABLE", 10, [])
    got = table(examine(stack, {**by_member(w), "member": {"metadata": {"channel": "web"}}}))
    assert got[main, r["vip"]] == ("AVAILABLE", 140, [])


def test_the_answer_has_the_spec_shape_key_by_key(stack: Stack, world: dict[str, Any]) -> None:
    w = world
    got = examine(stack, by_customer(w))
    assert list(got) == ["customer", "rewards", "memberships", "object"] and got["object"] == "rewards_examine_result"
    assert got["customer"] == {"id": w["customer"], "source_id": "alice-r", "metadata": {"tier": "silver"}, "object": "customer"}
    r = w["reward"]
    assert [x["id"] for x in got["rewards"]] == [r[n] for n in ("mug", "shirt", "elsewhere", "gone", "points", "override", "hat", "vip",
                                                                "segment", "far")]
    assert got["rewards"][0] == {"id": r["mug"], "name": "Mug", "type": "MATERIAL", "metadata": {"shelf": "A"}, "object": "reward",
                                 "purchase_limits": ONCE_A_DAY}
    assert got["rewards"][1]["purchase_limits"] == NO_LIMITS and got["rewards"][4]["type"] == "DIGITAL"
    club, other = got["memberships"]
    assert club == {**club, "object": "member_rewards_opportunity"} and list(club) == ["member", "program", "cards", "object"]
    assert club["member"] == {"id": w["member"]["club"], "customer_id": w["customer"], "program_id": w["club"], "metadata": {"channel": "app"},
                              "object": "member"}
    assert club["program"] == {"id": w["club"], "name": "Club", "metadata": {"region": "eu"}, "object": "program"}
    assert other["program"]["name"] == "Other" and other["member"]["metadata"] == {}
    main = club["cards"][0]
    assert list(main) == ["card", "rewards", "object"] and main["object"] == "card_estimation"
    assert main["card"]["id"] == w["card"]["Main"] and main["card"]["card_definition_id"] == w["cdef"]["Main"]
    assert main["card"]["card_type"] == "INDIVIDUAL" and isinstance(main["card"]["code"], str) and main["card"]["object"] == "card"
    assert main["rewards"][0] == {"reward": {"id": r["mug"], "object": "reward"}, "status": "AVAILABLE",
                                  "cost": {"points": 100, "object": "reward_cost"}, "object": "reward_estimation"}
    assert main["rewards"][1] == {"reward": {"id": r["shirt"], "object": "reward"}, "status": "UNAVAILABLE",
                                  "cost": {"points": 500, "object": "reward_cost"},
                                  "unavailability_reasons": [{"reason": "insufficient_balance", "details": {"required": 500, "available": 150,
                                                                                                            "missing": 350},
                                                              "object": "reward_unavailability_reason"}],
                                  "object": "reward_estimation"}


def test_a_member_id_scopes_the_answer_to_its_program_and_takes_member_overrides(stack: Stack, world: dict[str, Any]) -> None:
    w = world
    got = examine(stack, {**by_member(w, "other"), "member": {"metadata": {"vip": True}}, "customer": {"metadata": {"tier": "gold"}}})
    assert [m["member"]["id"] for m in got["memberships"]] == [w["member"]["other"]]
    assert table(got) == {(w["card"]["Far"], w["reward"]["far"]): ("AVAILABLE", 40, [])}
    assert [x["id"] for x in got["rewards"]] == [w["reward"]["far"]]
    # the overrides are for this examination only: the answer shows the stored metadata
    assert got["customer"]["metadata"] == {"tier": "silver"} and got["memberships"][0]["member"]["metadata"] == {}


def test_a_source_id_names_the_customer_as_a_string(stack: Stack, world: dict[str, Any]) -> None:
    got = examine(stack, {"customer_identification": {"type": "customer_source_id", "customer_source_id": "alice-r"}})
    assert [m["program"]["id"] for m in got["memberships"]] == [world["club"], world["other"]]


def test_inactive_members_and_programs_are_not_examined(stack: Stack) -> None:
    w = build(stack, "carol-r")
    ok(stack, "deactivate_program", "POST", f"{BASE}/programs/{w['other']}/deactivate")
    assert [m["program"]["id"] for m in examine(stack, by_customer(w))["memberships"]] == [w["club"]]
    ok(stack, "deactivate_program_member", "POST", f"{BASE}/programs/{w['club']}/members/{w['member']['club']}/deactivate")
    got = examine(stack, by_member(w))
    assert got["memberships"] == [] and got["rewards"] == []


def test_a_customer_without_memberships_gets_an_empty_answer(stack: Stack, world: dict[str, Any]) -> None:
    bob = ok(stack, "create_customer", "POST", "/v1/customers", {"source_id": "bob-r"})
    got = examine(stack, {"customer_identification": {"type": "customer_id", "customer_id": bob["id"]}})
    assert got == {"customer": {"id": bob["id"], "source_id": "bob-r", "metadata": {}, "object": "customer"}, "rewards": [], "memberships": [],
                   "object": "rewards_examine_result"}


def test_an_available_reward_is_one_the_member_can_then_buy(stack: Stack, world: dict[str, Any]) -> None:
    """What Examine says AVAILABLE, a purchase accepts; what it says is short of points, a purchase refuses."""
    w = world
    purchases = f"{BASE}/programs/{w['club']}/members/{w['member']['club']}/rewards/purchases"
    status, got = stack.call("purchase_member_reward", "POST", purchases, {"reward_id": w["reward"]["mug"], "mode": "DRY_RUN"})
    assert status == 200 and got["transaction"]["details"]["points"]["total"] == 100, got
    status, got = stack.call("purchase_member_reward", "POST", purchases, {"reward_id": w["reward"]["gone"], "mode": "DRY_RUN"})
    assert (status, got["key"]) == (423, "reward_out_of_stock"), got


EXPECTED_KEYS = {"insufficient_balance": "insufficient_card_balance", "no_card_for_cost": "no_card_for_cost",
                 "no_matching_cost": "reward_cost_not_matched", "out_of_stock": "reward_out_of_stock", "no_target_card": "no_target_card"}


def test_examine_and_a_purchase_choose_the_same_card_and_cost_for_every_reward(stack: Stack, world: dict[str, Any]) -> None:
    """One chooser: for every reward of the club, a DRY_RUN purchase charges the card and cost Examine lists as AVAILABLE,
    and refuses with the 423 matching Examine's first reason otherwise."""
    w = world
    purchases = f"{BASE}/programs/{w['club']}/members/{w['member']['club']}/rewards/purchases"
    examined = table(examine(stack, by_member(w)))
    for reward_id in {reward for _, reward in examined}:
        listed = sorted((card, *row) for (card, reward), row in examined.items() if reward == reward_id)
        status, got = stack.call("purchase_member_reward", "POST", purchases, {"reward_id": reward_id, "mode": "DRY_RUN"})
        card, state, points, reasons = listed[0]
        if state == "AVAILABLE":
            assert len(listed) == 1 and status == 200, got
            assert (got["transaction"]["card_id"], got["transaction"]["details"]["points"]["total"]) == (card, points)
        else:
            assert (status, got["key"]) == (423, EXPECTED_KEYS[reasons[0][0]]), (reward_id, reasons, got)


def test_a_purchase_no_cost_rule_of_which_holds_says_the_rules_errors(stack: Stack, world: dict[str, Any]) -> None:
    w = world
    purchases = f"{BASE}/programs/{w['club']}/members/{w['member']['club']}/rewards/purchases"
    status, got = stack.call("purchase_member_reward", "POST", purchases, {"reward_id": w["reward"]["segment"]})
    assert (status, got["key"]) == (423, "reward_cost_not_matched"), got
    assert got["details"] == "id must be seg_1; tier must be bronze"
