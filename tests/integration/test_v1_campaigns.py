"""v1 loyalty campaigns beyond create/get: list (GET /v1/loyalties), update (PUT) and delete (DELETE, an async action that
deletes the campaign's cards in the worker)."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.core.clock import now_ms
from loyalty.jobs import sweeper
from loyalty.jobs.sweeper import sweep_pending_jobs
from loyalty.v1 import deletion
from tests.integration.conftest import Stack
from tests.integration.test_points_buckets import v1_world  # noqa: F401 (a fixture)
from tests.integration.test_v1_loyalty import add_member, assert_error, balance, get_member, make_campaign, make_customer


def list_campaigns(stack: Stack, **query: str) -> tuple[int, Any]:
    return stack.call("list_loyalty_programs_v1", "GET", "/v1/loyalties", query=query or None)


def update(stack: Stack, ref: str, body: Any, **kw: Any) -> tuple[int, Any]:
    return stack.call("update_loyalty_program_v1", "PUT", f"/v1/loyalties/{ref}", body, **kw)


def delete(stack: Stack, ref: str, **kw: Any) -> tuple[int, Any]:
    return stack.call("delete_loyalty_program_v1", "DELETE", f"/v1/loyalties/{ref}", **kw)


# ---------------------------------------------------------------------------------------------- list
def test_list_is_newest_first_paged_with_the_total(stack: Stack) -> None:
    made = [make_campaign(stack, name=f"Loyalty {i}")["id"] for i in range(3)]
    status, page = list_campaigns(stack)
    assert status == 200, page
    assert (page["object"], page["data_ref"], page["total"]) == ("list", "campaigns", 3)
    assert [c["id"] for c in page["campaigns"]] == made[::-1]
    assert page["campaigns"][0]["campaign_type"] == "LOYALTY_PROGRAM" and page["campaigns"][0]["object"] == "campaign"
    status, second = list_campaigns(stack, limit="2", page="2")
    assert status == 200 and [c["id"] for c in second["campaigns"]] == [made[0]] and second["total"] == 3
    status, oldest = list_campaigns(stack, order="created_at", limit="2")
    assert [c["id"] for c in oldest["campaigns"]] == made[:2]


def test_list_by_updated_at_puts_the_last_updated_first(stack: Stack) -> None:
    made = [make_campaign(stack, name=f"Loyalty {i}")["id"] for i in range(3)]
    assert update(stack, made[0], {"description": "touched"})[0] == 200
    status, page = list_campaigns(stack, order="-updated_at")
    assert status == 200 and page["campaigns"][0]["id"] == made[0]


def test_an_empty_project_lists_nothing(stack: Stack) -> None:
    status, page = list_campaigns(stack)
    assert status == 200 and (page["campaigns"], page["total"]) == ([], 0)


# ---------------------------------------------------------------------------------------------- update
def test_update_replaces_the_given_fields_and_keeps_the_rest(stack: Stack) -> None:
    campaign = make_campaign(stack, name="Loyalty", metadata={"keep": 1, "drop": 2}, description="first")
    status, updated = update(stack, "Loyalty", {
        "description": "This is a campaign description. Updated", "auto_join": False, "join_once": False,
        "start_date": "2013-10-26T00:00:00Z", "expiration_date": "2099-10-26T00:00:00Z",
        "validity_timeframe": {"duration": "PT2H", "interval": "P2D"}, "validity_day_of_week": [0, 1, 2, 3, 4, 5, 6],
        "activity_duration_after_publishing": "P25D", "category_id": "cat_0b6152ce12414820dd",
        "loyalty_card": {"points": 7, "expiration_rules": {"period_type": "MONTH", "period_value": 4, "rounding_type": "END_OF_YEAR"}},
        "metadata": {"test": False}, "unset_metadata_fields": ["drop"], "type": "AUTO_UPDATE",
        "loyalty_tiers_expiration": {"qualification_type": "BALANCE", "start_date": {"type": "IMMEDIATE"},
                                     "expiration_date": {"type": "CUSTOM", "extend": "P4M",
                                                         "rounding": {"type": "CUSTOM", "unit": "MONTH", "value": 1}}}})
    assert status == 200, updated
    assert updated["id"] == campaign["id"] and updated["name"] == "Loyalty"
    assert updated["description"] == "This is a campaign description. Updated"
    assert updated["auto_join"] is False and updated["join_once"] is True  # join_once stays true for loyalty campaigns
    assert updated["metadata"] == {"keep": 1, "test": False}
    assert updated["voucher"]["loyalty_card"] == {"points": 7, "expiration_rules": {
        "period_type": "MONTH", "period_value": 4, "rounding_type": "END_OF_YEAR"}}
    assert updated["voucher"]["validity_timeframe"] == {"duration": "PT2H", "interval": "P2D"}
    assert updated["start_date"].startswith("2013-10-26T00:00:00") and updated["updated_at"] is not None
    status, read = stack.call("get_loyalty_program_v1", "GET", f"/v1/loyalties/{campaign['id']}")
    assert status == 200 and read == updated
    # a card published from now on starts with the new points
    customer = make_customer(stack)
    status, voucher = add_member(stack, campaign["id"], {"customer": customer["id"]})
    assert status == 200 and voucher["loyalty_card"]["balance"] == 7


def test_update_with_null_clears_an_optional_field(stack: Stack) -> None:
    make_campaign(stack, description="first", category="Gold")
    status, updated = update(stack, "Loyalty", {"description": None, "category": None})
    assert status == 200 and updated.get("description") is None and updated["category"] is None


def test_update_refuses_dates_out_of_order_and_static_type(stack: Stack) -> None:
    make_campaign(stack, start_date="2030-01-01T00:00:00Z")
    status, body = update(stack, "Loyalty", {"expiration_date": "2029-01-01T00:00:00Z"})
    assert_error(status, body, 400, "invalid_payload")
    status, body = update(stack, "Loyalty", {"type": "STATIC"})
    assert_error(status, body, 400, "invalid_payload")


def test_update_of_an_unknown_campaign_is_404(stack: Stack) -> None:
    status, body = update(stack, "camp_0000000000000000000000", {"description": "x"})
    assert_error(status, body, 404, "not_found")
    assert body["resource_type"] == "campaign"


# ---------------------------------------------------------------------------------------------- delete
def test_delete_answers_an_async_action_and_the_worker_deletes_the_cards(stack: Stack) -> None:
    campaign = make_campaign(stack, name="Loyalty")
    codes = []
    for source in ("alice-1", "bob-1", "carol-1"):
        customer = make_customer(stack, source)
        status, voucher = add_member(stack, campaign["id"], {"customer": customer["id"]})
        assert status == 200
        codes.append(voucher["code"])
    assert balance(stack, campaign["id"], codes[0], {"points": 100})[0] == 200
    status, answer = delete(stack, campaign["id"])
    assert status == 200 and set(answer) == {"async_action_id"} and answer["async_action_id"].startswith("aa_")
    # at once: the campaign is gone from reads and lists, and its name is free
    status, body = stack.call("get_loyalty_program_v1", "GET", f"/v1/loyalties/{campaign['id']}")
    assert_error(status, body, 404, "not_found")
    assert list_campaigns(stack)[1]["total"] == 0
    # then the worker deletes every card (and its code claim) and ends the action DONE
    stack.drain()
    status, action = stack.call("get_async_action", "GET", f"/v1/async-actions/{answer['async_action_id']}")
    assert status == 200 and action["status"] == "DONE", action
    assert action["type"] == "CAMPAIGN.DELETE" and action["result"]["deleted_cards_count"] == 3
    for code in codes:
        assert get_member(stack, campaign["id"], code)[0] == 404
        status, body = stack.call("get_member_by_code_v1", "GET", f"/v1/loyalties/members/{code}")
        assert status == 404
    db = stack.db()
    assert all(db.get(db.keys.card_code(code)) is None for code in codes)
    # the card transactions stay as history; the customers may join a new campaign of the same name
    assert any(i["SK"]["S"].startswith("CTX#") for i in stack.items())
    again = make_campaign(stack, name="Loyalty")
    status, voucher = add_member(stack, again["id"], {"customer": {"source_id": "alice-1"}})
    assert status == 200 and voucher["campaign_id"] == again["id"]
    # without force the record stays in the bin; nothing is left pending
    assert db.get(db.keys.campaign(campaign["id"])) is not None
    assert not [i for i in stack.items() if "JOBPK" in i]


def test_a_large_campaign_is_deleted_over_several_steps_that_the_sweeper_sends(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a campaign of three cards, and steps that take one member each (the worker sends no messages)
    monkeypatch.setattr(deletion, "PAGES_PER_STEP", 1)
    monkeypatch.setattr(deletion, "MEMBERS_PER_PAGE", 1)
    campaign = make_campaign(stack)
    codes = [c["code"] for c in publish(stack, campaign["id"], ["big-1", "big-2", "big-3"])]
    status, answer = delete(stack, campaign["id"])
    assert status == 200
    # When the worker runs the first step, then the sweeper sends the job again (each time it is due) until it is done
    stack.drain()
    action = f"/v1/async-actions/{answer['async_action_id']}"
    assert stack.call("get_async_action", "GET", action)[1]["status"] == "ENQUEUED"
    assert sum(get_member(stack, campaign["id"], code)[0] == 404 for code in codes) == 1
    clock = [now_ms()]
    monkeypatch.setattr(sweeper, "now_ms", lambda: clock[0])
    for _ in range(5):
        clock[0] += 2 * 3_600_000
        sweep_pending_jobs()
        stack.drain()
    # Then every card is gone and the action is DONE with all three counted
    status, done = stack.call("get_async_action", "GET", action)
    assert done["status"] == "DONE" and done["result"]["deleted_cards_count"] == 3, done
    assert all(get_member(stack, campaign["id"], code)[0] == 404 for code in codes)


def test_force_delete_removes_the_campaign_record_and_its_rules(stack: Stack) -> None:
    campaign = make_campaign(stack)
    status, _ = stack.call("create_earning_rule_v1", "POST", f"/v1/loyalties/{campaign['id']}/earning-rules",
                           [{"event": "order.paid", "loyalty": {"type": "FIXED", "points": 5}}])
    assert status == 200
    status, answer = stack.call("delete_loyalty_program_v1", "DELETE", f"/v1/loyalties/{campaign['id']}", query={"force": "true"})
    assert status == 200, answer
    stack.drain()
    db = stack.db()
    assert db.get(db.keys.campaign(campaign["id"])) is None
    assert [i for i in stack.items() if i["PK"]["S"] == db.keys.campaign_partition(campaign["id"])] == []
    assert int(db.get(db.keys.campaign_earning_rules_count())["rules"]) == 0  # type: ignore[index]
    status, action = stack.call("get_async_action", "GET", f"/v1/async-actions/{answer['async_action_id']}")
    assert action["status"] == "DONE" and action["result"]["force"] is True


def test_delete_by_name_and_twice(stack: Stack) -> None:
    make_campaign(stack, name="Summer Loyalty Perks")
    status, _ = delete(stack, "Summer%20Loyalty%20Perks")
    assert status == 200
    status, body = delete(stack, "Summer%20Loyalty%20Perks")
    assert_error(status, body, 404, "not_found")
    assert body["resource_type"] == "campaign" and body["resource_id"] == "Summer Loyalty Perks"


def test_a_deleted_campaign_cannot_be_updated_or_joined(stack: Stack) -> None:
    campaign = make_campaign(stack)
    customer = make_customer(stack)
    assert delete(stack, campaign["id"])[0] == 200
    assert update(stack, campaign["id"], {"description": "x"})[0] == 404
    assert add_member(stack, campaign["id"], {"customer": customer["id"]})[0] == 404
    assert stack.call("list_earning_rules_v1", "GET", f"/v1/loyalties/{campaign['id']}/earning-rules")[0] == 404


# ---------------------------------------------------------------------------------------------- members list
def list_members(stack: Stack, ref: str, **query: str) -> tuple[int, Any]:
    return stack.call("list_members_v1", "GET", f"/v1/loyalties/{ref}/members", query=query or None)


def publish(stack: Stack, campaign_id: str, sources: list[str]) -> list[dict[str, Any]]:
    out = []
    for source in sources:
        status, voucher = add_member(stack, campaign_id, {"customer": {"source_id": source}})
        assert status == 200, voucher
        out.append(voucher)
    return out


def test_members_are_the_campaign_s_cards_as_vouchers_newest_first(stack: Stack) -> None:
    campaign = make_campaign(stack, points=5)
    other = make_campaign(stack, name="Other")
    cards = publish(stack, campaign["id"], ["m-1", "m-2", "m-3"])
    publish(stack, other["id"], ["m-1"])
    status, page = list_members(stack, campaign["id"])
    assert status == 200, page
    assert (page["object"], page["data_ref"], page["total"]) == ("list", "vouchers", 3)
    assert [v["code"] for v in page["vouchers"]] == [c["code"] for c in cards[::-1]]
    status, one = get_member(stack, campaign["id"], cards[2]["code"])
    assert page["vouchers"][0] == one  # the same voucher object as get member
    status, second = list_members(stack, "Loyalty", limit="2", page="2")
    assert [v["code"] for v in second["vouchers"]] == [cards[0]["code"]] and second["total"] == 3
    status, oldest = list_members(stack, campaign["id"], order="created_at", limit="1")
    assert [v["code"] for v in oldest["vouchers"]] == [cards[0]["code"]] and oldest["total"] == 3


def test_members_filters(stack: Stack) -> None:
    campaign = make_campaign(stack)
    cards = publish(stack, campaign["id"], ["f-1", "f-2", "f-3"])
    assert balance(stack, campaign["id"], cards[0]["code"], {"points": 10})[0] == 200  # updated last
    status, page = list_members(stack, campaign["id"], customer="f-2")
    assert status == 200 and [v["code"] for v in page["vouchers"]] == [cards[1]["code"]] and page["total"] == 1
    status, page = list_members(stack, campaign["id"], customer=cards[2]["holder_id"])
    assert [v["code"] for v in page["vouchers"]] == [cards[2]["code"]]
    assert list_members(stack, campaign["id"], customer="nobody")[1]["total"] == 0
    assert [v["code"] for v in list_members(stack, campaign["id"], code=cards[1]["code"])[1]["vouchers"]] == [cards[1]["code"]]
    status, page = stack.call("list_members_v1", "GET", f"/v1/loyalties/{campaign['id']}/members",
                              query={"ids": cards[0]["id"]})
    assert [v["id"] for v in page["vouchers"]] == [cards[0]["id"]]
    after = cards[1]["created_at"]
    status, page = list_members(stack, campaign["id"], **{"created_at[after]": after, "order": "created_at"})
    assert [v["code"] for v in page["vouchers"]] == [cards[2]["code"]]
    status, page = list_members(stack, campaign["id"], **{"created_at[before]": after})
    assert [v["code"] for v in page["vouchers"]] == [cards[0]["code"]]
    status, page = list_members(stack, campaign["id"], order="-updated_at", limit="1")
    assert page["vouchers"][0]["code"] == cards[0]["code"] and page["total"] == 3
    status, page = list_members(stack, campaign["id"], order="code")
    assert [v["code"] for v in page["vouchers"]] == sorted(c["code"] for c in cards)


def test_members_of_an_unknown_or_deleted_campaign_are_404(stack: Stack) -> None:
    campaign = make_campaign(stack)
    publish(stack, campaign["id"], ["d-1"])
    assert list_members(stack, "camp_0000000000000000000000")[0] == 404
    assert delete(stack, campaign["id"])[0] == 200
    assert list_members(stack, campaign["id"])[0] == 404
    stack.drain()
    assert store_count(stack, campaign["id"]) == 0


def store_count(stack: Stack, campaign_id: str) -> int:
    db = stack.db()
    return db.count(db.keys.collection(db.keys.campaign_cards_list(campaign_id)), index="GSI1")


# ---------------------------------------------------------------------------------------------- transactions
def card_transactions(stack: Stack, code: str, campaign: str | None = None, **query: str) -> tuple[int, Any]:
    if campaign is None:
        return stack.call("list_loyalty_card_transactions_by_code_v1", "GET", f"/v1/loyalties/members/{code}/transactions",
                          query=query or None)
    return stack.call("list_loyalty_card_transactions_v1", "GET", f"/v1/loyalties/{campaign}/members/{code}/transactions",
                      query=query or None)


def test_a_card_s_transactions_in_the_v1_shape_newest_first(stack: Stack) -> None:
    campaign = make_campaign(stack, points=20)
    card = publish(stack, campaign["id"], ["t-1"])[0]
    assert balance(stack, campaign["id"], card["code"], {"points": 100, "reason": "Welcome", "source_id": "add-1"})[0] == 200
    assert balance(stack, campaign["id"], card["code"], {"points": -30, "reason": "Fix"})[0] == 200
    status, page = card_transactions(stack, card["code"], campaign["id"])
    assert status == 200, page
    assert (page["object"], page["data_ref"], page["has_more"]) == ("list", "data", False) and "more_starting_after" not in page
    assert [t["type"] for t in page["data"]] == ["POINTS_REMOVAL", "POINTS_ADDITION", "POINTS_ADDITION"]
    removal, addition = page["data"][0], page["data"][1]
    assert removal["details"]["balance"] == {"type": "loyalty_card", "total": 120, "object": "balance", "points": -30,
                                             "balance": 90, "operation_type": "MANUAL",
                                             "related_object": {"id": card["id"], "type": "voucher"}}
    assert (addition["source_id"], addition["reason"], addition["voucher_id"], addition["campaign_id"]) == (
        "add-1", "Welcome", card["id"], campaign["id"])
    assert addition["details"]["balance"]["balance"] == 120 and addition["related_transaction_id"] is None
    # paging: has_more and more_starting_after lead on; by code alone the same list
    status, first = card_transactions(stack, card["code"], None, limit="2")
    assert first["has_more"] is True and first["more_starting_after"] == first["data"][-1]["id"]
    status, rest = card_transactions(stack, card["code"], None, limit="2", starting_after_id=first["more_starting_after"])
    assert [t["id"] for t in first["data"] + rest["data"]] == [t["id"] for t in page["data"]] and rest["has_more"] is False
    status, oldest = card_transactions(stack, card["code"], None, order="id")
    assert [t["id"] for t in oldest["data"]] == [t["id"] for t in page["data"]][::-1]
    status, one = card_transactions(stack, card["code"], None, **{"filters[id][conditions][$in]": removal["id"]})
    assert [t["id"] for t in one["data"]] == [removal["id"]]


def test_a_card_of_another_campaign_or_unknown_code_is_404(stack: Stack) -> None:
    campaign, other = make_campaign(stack), make_campaign(stack, name="Other")
    card = publish(stack, campaign["id"], ["t-2"])[0]
    status, body = card_transactions(stack, card["code"], other["id"])
    assert_error(status, body, 404, "not_found")
    assert body["resource_type"] == "voucher"
    assert card_transactions(stack, "NO-SUCH-CODE")[0] == 404


def test_the_campaign_s_transactions_span_its_cards(stack: Stack) -> None:
    campaign, other = make_campaign(stack), make_campaign(stack, name="Other")
    cards = publish(stack, campaign["id"], ["c-1", "c-2"])
    foreign = publish(stack, other["id"], ["c-1"])[0]
    for card, points in ((cards[0], 10), (cards[1], 20), (foreign, 30), (cards[0], 40)):
        assert balance(stack, card["campaign_id"], card["code"], {"points": points})[0] == 200
    status, page = stack.call("list_loyalty_campaign_transactions_v1", "GET", f"/v1/loyalties/{campaign['id']}/transactions")
    assert status == 200, page
    assert [(t["voucher_id"], t["details"]["balance"]["points"]) for t in page["data"]] == [
        (cards[0]["id"], 40), (cards[1]["id"], 20), (cards[0]["id"], 10)]
    status, page = stack.call("list_loyalty_campaign_transactions_v1", "GET", "/v1/loyalties/Loyalty/transactions",
                              query={"filters[voucher_id][conditions][$is]": cards[1]["id"]})
    assert [t["voucher_id"] for t in page["data"]] == [cards[1]["id"]]
    status, first = stack.call("list_loyalty_campaign_transactions_v1", "GET", f"/v1/loyalties/{campaign['id']}/transactions",
                               query={"limit": "2", "order": "id"})
    assert [t["details"]["balance"]["points"] for t in first["data"]] == [10, 20] and first["has_more"] is True
    status, body = stack.call("list_loyalty_campaign_transactions_v1", "GET", "/v1/loyalties/camp_0000000000000000000000/transactions")
    assert_error(status, body, 404, "not_found")


# ---------------------------------------------------------------------------------------------- transfers
def transfer(stack: Stack, campaign: str, code: str, body: Any, **kw: Any) -> tuple[int, Any]:
    return stack.call("transfer_points_v1", "POST", f"/v1/loyalties/{campaign}/members/{code}/transfers", body, **kw)


def test_transfer_moves_points_from_each_source_in_one_transaction(stack: Stack) -> None:
    campaign, other = make_campaign(stack), make_campaign(stack, name="Other")
    target, mine = publish(stack, campaign["id"], ["x-1", "x-2"])
    elsewhere = publish(stack, other["id"], ["x-1"])[0]
    assert balance(stack, campaign["id"], mine["code"], {"points": 100})[0] == 200
    assert balance(stack, other["id"], elsewhere["code"], {"points": 50})[0] == 200
    status, voucher = transfer(stack, campaign["id"], target["code"], [
        {"code": mine["code"], "points": 30, "reason": "Merge", "source_id": "tr-1"}, {"code": elsewhere["code"], "points": 50}])
    assert status == 200, voucher
    assert voucher["code"] == target["code"] and voucher["object"] == "voucher"
    assert (voucher["loyalty_card"]["points"], voucher["loyalty_card"]["balance"]) == (80, 80)
    assert get_member(stack, campaign["id"], mine["code"])[1]["loyalty_card"]["balance"] == 70
    assert get_member(stack, other["id"], elsewhere["code"])[1]["loyalty_card"]["balance"] == 0
    # both sides recorded, pointing at each other
    status, out = card_transactions(stack, mine["code"])
    status, into = card_transactions(stack, target["code"])
    sent = out["data"][0]
    assert sent["type"] == "POINTS_TRANSFER_OUT" and sent["details"]["balance"]["points"] == -30
    assert (sent["source_id"], sent["reason"]) == ("tr-1", "Merge") and sent["details"]["balance"]["balance"] == 70
    assert sent["details"]["destination_voucher"]["code"] == target["code"]
    received = {t["related_transaction_id"]: t for t in into["data"]}
    assert received[sent["id"]]["type"] == "POINTS_TRANSFER_IN" and received[sent["id"]]["details"]["balance"]["points"] == 30
    assert sent["related_transaction_id"] == received[sent["id"]]["id"]
    assert received[sent["id"]]["details"]["source_voucher"]["code"] == mine["code"]


def test_transfer_takes_the_soonest_expiring_points_first(stack: Stack) -> None:
    campaign = make_campaign(stack)
    target, source = publish(stack, campaign["id"], ["e-1", "e-2"])
    for points, day in ((10, "2099-06-30"), (20, "2099-01-31"), (5, None)):
        body = {"points": points, **({"expiration_date": day} if day else {})}
        assert balance(stack, campaign["id"], source["code"], body)[0] == 200
    assert transfer(stack, campaign["id"], target["code"], [{"code": source["code"], "points": 25}])[0] == 200
    status, page = stack.call("list_points_expiration_v1", "GET", f"/v1/loyalties/{campaign['id']}/members/{source['code']}/points-expiration")
    assert status == 200, page
    assert [(b["expires_at"], b["bucket"]["total_points"]) for b in page["data"]] == [("2099-06-30", 5)]
    voucher = get_member(stack, campaign["id"], source["code"])[1]
    assert voucher["loyalty_card"]["balance"] == 10 and voucher["loyalty_card"]["next_expiration_points"] == 5


def test_transferred_points_expire_as_the_target_campaign_says(stack: Stack) -> None:
    campaign = make_campaign(stack, voucher={"type": "LOYALTY_CARD", "loyalty_card": {
        "points": 0, "expiration_rules": {"period_type": "MONTH", "period_value": 3, "rounding_type": "END_OF_MONTH"}}})
    target, source = publish(stack, campaign["id"], ["r-1", "r-2"])
    assert balance(stack, campaign["id"], source["code"], {"points": 40})[0] == 200
    status, voucher = transfer(stack, campaign["id"], target["code"], [{"code": source["code"], "points": 40}])
    assert status == 200, voucher
    assert voucher["loyalty_card"]["next_expiration_points"] == 40 and voucher["loyalty_card"]["next_expiration_date"] is not None


def test_transfer_refusals_write_nothing(stack: Stack) -> None:
    campaign, other = make_campaign(stack), make_campaign(stack, name="Other")
    target, source = publish(stack, campaign["id"], ["n-1", "n-2"])
    assert balance(stack, campaign["id"], source["code"], {"points": 10})[0] == 200
    before = stack.items()
    status, body = transfer(stack, campaign["id"], target["code"], [{"code": source["code"], "points": 11}])
    assert_error(status, body, 423, "insufficient_card_balance")
    assert_error(*transfer(stack, campaign["id"], target["code"], [{"code": target["code"], "points": 1}]), 400, "invalid_payload")
    assert_error(*transfer(stack, campaign["id"], target["code"], [{"code": source["code"], "points": 1}] * 2), 400, "invalid_payload")
    assert_error(*transfer(stack, campaign["id"], target["code"], []), 400, "invalid_payload")
    status, body = transfer(stack, campaign["id"], target["code"], [{"code": "NO-SUCH", "points": 1}])
    assert_error(status, body, 404, "not_found")
    assert body["resource_type"] == "voucher" and body["resource_id"] == "NO-SUCH"
    status, body = transfer(stack, other["id"], target["code"], [{"code": source["code"], "points": 1}])
    assert_error(status, body, 404, "not_found")
    assert stack.items() == before


# ---------------------------------------------------------------------------------------------- activity and pending points
def test_member_activity_is_the_card_s_transactions_as_activities(stack: Stack) -> None:
    campaign = make_campaign(stack, points=5)
    target, source = publish(stack, campaign["id"], ["a-1", "a-2"])
    assert balance(stack, campaign["id"], source["code"], {"points": 50})[0] == 200
    assert transfer(stack, campaign["id"], target["code"], [{"code": source["code"], "points": 20}])[0] == 200
    status, page = stack.call("list_member_activity_v1", "GET", f"/v1/loyalties/{campaign['id']}/members/{source['code']}/activity")
    assert status == 200, page
    assert (page["object"], page["data_ref"], page["has_more"]) == ("list", "data", False)
    assert [a["type"] for a in page["data"]] == ["customer.voucher.loyalty_card.points_transferred",
                                                 "customer.voucher.loyalty_card.points_added",
                                                 "customer.voucher.loyalty_card.points_added"]
    newest = page["data"][0]
    assert newest["data"]["data"]["voucher"]["code"] == source["code"] and newest["data"]["data"]["points"] == -20
    assert newest["data"]["data"]["transaction"]["type"] == "POINTS_TRANSFER_OUT"
    status, first = stack.call("list_member_activity_by_code_v1", "GET", f"/v1/loyalties/members/{source['code']}/activity",
                               query={"limit": "1", "order": "created_at"})
    assert first["has_more"] is True and first["data"][0]["id"] == page["data"][-1]["id"]
    status, rest = stack.call("list_member_activity_by_code_v1", "GET", f"/v1/loyalties/members/{source['code']}/activity",
                              query={"order": "created_at", "starting_after_id": first["more_starting_after"]})
    assert [a["id"] for a in rest["data"]] == [a["id"] for a in page["data"][:2]][::-1]
    assert stack.call("list_member_activity_by_code_v1", "GET", "/v1/loyalties/members/NO-SUCH/activity")[0] == 404


def test_campaign_pending_points_span_its_cards(stack: Stack, request: pytest.FixtureRequest) -> None:
    world = request.getfixturevalue("v1_world")  # a card with three pending entries (test_points_buckets)
    other = make_campaign(stack, name="Other")
    publish(stack, other["id"], ["p-1"])
    path = f"/v1/loyalties/{world['campaign']['id']}/pending-points"
    status, page = stack.call("list_campaign_pending_points_v1", "GET", path)
    assert status == 200, page
    expected = sorted("lopp_" + e["id"].removeprefix("lcppb_") for e in world["entries"])
    assert [e["id"] for e in page["data"]] == expected and page["has_more"] is False
    assert {e["voucher_id"] for e in page["data"]} == {world["voucher"]["id"]}
    status, first = stack.call("list_campaign_pending_points_v1", "GET", path, query={"limit": "2", "order": "-id"})
    assert [e["id"] for e in first["data"]] == expected[::-1][:2] and first["more_starting_after"] == expected[1]
    status, rest = stack.call("list_campaign_pending_points_v1", "GET", path,
                              query={"order": "-id", "starting_after_id": first["more_starting_after"]})
    assert [e["id"] for e in rest["data"]] == [expected[0]]
    status, empty = stack.call("list_campaign_pending_points_v1", "GET", f"/v1/loyalties/{other['id']}/pending-points")
    assert status == 200 and empty["data"] == []
    assert stack.call("list_campaign_pending_points_v1", "GET", "/v1/loyalties/camp_0000000000000000000000/pending-points")[0] == 404
