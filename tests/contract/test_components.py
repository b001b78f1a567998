"""The component endpoints against DynamoDB Local: every update, transition and delete expression as DynamoDB checks it,
the deleted item leaving its list with its last state in the history, and concurrent changes of one component settled by
its status-and-version condition (one wins, the others answer 409, never 500)."""

from __future__ import annotations

from loyalty.components import store as components
from tests.contract.harness import BASE, Contract, call, concurrently, handler_instance

CDEFS, RULES, REWARDS = f"{BASE}/card-definitions", f"{BASE}/earning-rules", f"{BASE}/rewards"


def make(contract: Contract) -> dict[str, str]:
    """A DRAFT card definition, earning rule and reward."""
    cdef = contract.ok("create_card_definition", "POST", CDEFS, {"name": "Wallet", "type": "INDIVIDUAL"})["id"]
    rule = contract.ok("create_earning_rule", "POST", RULES, {
        "name": "Order paid", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}]}]})["id"]
    reward = contract.ok("create_reward", "POST", REWARDS, {
        "name": "Coffee", "type": "MATERIAL", "material": {"type": "PRODUCT", "product": {"id": "prod_0a"}},
        "costs": [{"spending": [{"points": 100, "card_definition_id": cdef}]}]})["id"]
    return {"cdef": cdef, "rule": rule, "reward": reward}


def history(contract: Contract, item_id: str) -> list[str]:
    """A component's activity types, newest first (its activity partition read raw)."""
    items = sorted(contract.items(f"ACT#{item_id}"), key=lambda i: i["SK"], reverse=True)
    return [i["data"]["type"] for i in items]


def test_every_component_write_is_accepted_by_dynamodb(contract: Contract) -> None:
    ids = make(contract)
    cdef, rule, reward = ids["cdef"], ids["rule"], ids["reward"]
    # Updates, transitions and lists of each kind
    contract.ok("update_card_definition", "PUT", f"{CDEFS}/{cdef}", {"name": "Renamed", "metadata": {"k": "v"},
                                                                     "code_config": {"prefix": "R-", "length": 6}})
    contract.ok("activate_card_definition", "POST", f"{CDEFS}/{cdef}/activate")
    earning_id = contract.ok("get_earning_rule", "GET", f"{RULES}/{rule}")["earnings"][0]["id"]
    updated = contract.ok("update_earning_rule", "PUT", f"{RULES}/{rule}", {"earnings": [
        {"id": earning_id, "effects": [{"type": "POINTS", "points": {"value": 20, "card_definition_id": cdef}}]}]})
    assert updated["earnings"][0]["id"] == earning_id
    for action in ("activate", "deactivate", "activate", "draft"):
        contract.ok(f"{action}_earning_rule", "POST", f"{RULES}/{rule}/{action}")
    contract.ok("update_reward", "PUT", f"{REWARDS}/{reward}", {"purchase_limits": None, "costs": [
        {"spending": [{"points": 5, "card_definition_id": cdef}]}]})
    for action in ("activate", "deactivate", "activate", "draft"):
        contract.ok(f"{action}_reward", "POST", f"{REWARDS}/{reward}/{action}")
    for op, path in (("list_card_definitions", CDEFS), ("list_earning_rules", RULES), ("list_rewards", REWARDS)):
        page = contract.ok(op, "GET", path)
        assert len(page["data"]) == 1 and page["cursor"] is None
    # Then every item says what the answers said, and each change has its activity
    assert contract.item(f"CDEF#{cdef}", "CDEF")["status"] == "ACTIVE"  # type: ignore[index]
    assert contract.item(f"ERULE#{rule}", "ERULE")["status"] == "DRAFT"  # type: ignore[index]
    assert history(contract, cdef) == ["vl.card_definition.activated", "vl.card_definition.updated", "vl.card_definition.created"]
    assert history(contract, reward) == ["vl.reward.drafted", "vl.reward.activated", "vl.reward.deactivated", "vl.reward.activated",
                                         "vl.reward.updated", "vl.reward.created"]


def test_a_deleted_component_leaves_its_list_and_keeps_its_history(contract: Contract) -> None:
    ids = make(contract)
    # When an earning rule and a card definition are deleted
    last = contract.ok("get_earning_rule", "GET", f"{RULES}/{ids['rule']}")
    assert contract.ok("delete_earning_rule", "DELETE", f"{RULES}/{ids['rule']}") == last
    assert contract.ok("delete_card_definition", "DELETE", f"{CDEFS}/{ids['cdef']}")["status"] == "DELETED"
    # Then their items are DELETED and out of the GSI1 list; the rule's history shows its last state
    for pk, sk in ((f"ERULE#{ids['rule']}", "ERULE"), (f"CDEF#{ids['cdef']}", "CDEF")):
        item = contract.item(pk, sk)
        assert item is not None and item["status"] == "DELETED" and item["data"]["status"] == "DELETED" and "GSI1PK" not in item
    assert contract.ok("list_earning_rules", "GET", RULES)["data"] == []
    assert contract.ok("list_card_definitions", "GET", CDEFS)["data"] == []
    deleted = [i for i in contract.items(f"ACT#{ids['rule']}") if i["data"]["type"] == "vl.earning_rule.deleted"]
    assert [i["data"]["data"]["earning_rule"] for i in deleted] == [last]
    stored = components.get_stored(contract.db, "ERULE", ids["rule"])
    assert stored is not None and stored.status == "DELETED"
    page = contract.ok("list_earning_rule_activities", "GET", f"{RULES}/{ids['rule']}/activities")
    assert [a["type"] for a in page["data"]] == ["vl.earning_rule.deleted", "vl.earning_rule.created"]


def test_concurrent_transitions_of_one_component_have_one_winner(contract: Contract) -> None:
    # Given a DRAFT reward, activated by several requests at the same moment
    reward = make(contract)["reward"]
    headers = contract.headers
    handlers = [handler_instance("activate_reward") for _ in range(4)]
    results = concurrently([lambda h=h: call(h, "POST", f"{REWARDS}/{reward}/activate", headers) for h in handlers])
    # Then exactly one activates it; the others answer 409 (the transition no longer applies, or the write lost the race)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409, 409, 409], results
    assert {body["key"] for status, body in results if status == 409} <= {"invalid_state_transition", "concurrent_modification"}
    assert history(contract, reward) == ["vl.reward.activated", "vl.reward.created"]


def test_concurrent_updates_of_one_component_lose_no_write(contract: Contract) -> None:
    # Given a card definition renamed by several requests at the same moment
    cdef = make(contract)["cdef"]
    headers = contract.headers
    handlers = [handler_instance("update_card_definition") for _ in range(4)]
    results = concurrently([lambda h=h, n=n: call(h, "PUT", f"{CDEFS}/{cdef}", headers, {"name": f"n{n}"})
                            for n, h in enumerate(handlers)])
    # Then each answer is a 200 or a 409 concurrent_modification (its read was overtaken), and every 200 was applied on
    # top of the previous one: one `updated` activity and one version step each, the item holding the last answer
    assert all(status == 200 or (status, body["key"]) == (409, "concurrent_modification") for status, body in results), results
    won = [body for status, body in results if status == 200]
    assert won and len(history(contract, cdef)) == 1 + len(won)
    item = contract.item(f"CDEF#{cdef}", "CDEF")
    assert item is not None and item["version"] == len(won)
    newest = max(contract.items(f"ACT#{cdef}"), key=lambda i: i["SK"])
    assert item["data"] == newest["data"]["data"]["card_definition"] and item["data"] in won
    # And a delete after them still finds the last state
    assert contract.ok("delete_card_definition", "DELETE", f"{CDEFS}/{cdef}")["name"] == item["data"]["name"]
