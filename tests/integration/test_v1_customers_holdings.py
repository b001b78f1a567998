"""A customer's activity, activities and redeemables on moto: the activities of all its loyalty cards merged newest
first and paged, the filters the spec lists (or a 400 for those the project cannot apply), and its cards as redeemables."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack, error_of
from tests.integration.test_v1_campaigns import publish, transfer
from tests.integration.test_v1_loyalty import balance, make_campaign

POINTS_ADDED = "customer.voucher.loyalty_card.points_added"


def holder(stack: Stack) -> dict[str, Any]:
    """A customer ("alice") with a card in two campaigns, 3 transactions between them, and another customer's card."""
    one, two = make_campaign(stack, name="One", points=5), make_campaign(stack, name="Two", points=0)
    [card_one] = publish(stack, one["id"], ["alice"])
    [card_two] = publish(stack, two["id"], ["alice"])
    [other] = publish(stack, one["id"], ["bob"])
    assert balance(stack, two["id"], card_two["code"], {"points": 30})[0] == 200
    assert transfer(stack, one["id"], card_one["code"], [{"code": card_two["code"], "points": 10}])[0] == 200
    assert balance(stack, one["id"], other["code"], {"points": 7})[0] == 200
    return {"one": one, "two": two, "card_one": card_one, "card_two": card_two, "customer": card_one["holder_id"]}


def activity(stack: Stack, ref: str, name: str = "list_customer_activity", path: str = "activity", **query: str) -> Any:
    status, page = stack.call(name, "GET", f"/v1/customers/{ref}/{path}", query=query or None)
    assert status == 200, page
    return page


def test_activity_merges_the_customer_s_cards_newest_first_and_pages(stack: Stack) -> None:
    world = holder(stack)
    page = activity(stack, world["customer"])
    assert (page["object"], page["data_ref"], page["has_more"]) == ("list", "data", False)
    # card one: initial 5 points, transfer in; card two: initial 0 (no transaction), 30 added, transfer out
    codes = [a["data"]["data"]["voucher"]["code"] for a in page["data"]]
    assert len(page["data"]) == 4 and set(codes) == {world["card_one"]["code"], world["card_two"]["code"]}
    assert [a["created_at"] for a in page["data"]] == sorted((a["created_at"] for a in page["data"]), reverse=True)
    assert page["data"][0]["id"] > page["data"][-1]["id"]
    assert all(a["data"]["data"]["customer"]["id"] == world["customer"] for a in page["data"])
    by_source = activity(stack, "alice")
    assert by_source["data"] == page["data"]
    first = activity(stack, "alice", limit="3")
    assert first["has_more"] is True and first["data"] == page["data"][:3]
    rest = activity(stack, "alice", limit="3", starting_after_id=first["more_starting_after"])
    assert rest["data"] == page["data"][3:] and rest["has_more"] is False
    oldest = activity(stack, "alice", order="created_at")
    assert oldest["data"] == page["data"][::-1]


def test_activity_filters(stack: Stack) -> None:
    world = holder(stack)
    everything = activity(stack, "alice")["data"]
    only_two = activity(stack, "alice", campaign_id=world["two"]["id"])["data"]
    assert only_two and {a["data"]["data"]["voucher"]["campaign_id"] for a in only_two} == {world["two"]["id"]}
    assert activity(stack, "alice", campaign_type="LOYALTY_PROGRAM")["data"] == everything
    assert activity(stack, "alice", campaign_type="PROMOTION")["data"] == []
    added = activity(stack, "alice", type=POINTS_ADDED)["data"]
    assert added and {a["type"] for a in added} == {POINTS_ADDED}
    newest = everything[0]["created_at"]
    since = activity(stack, "alice", start_date=newest)["data"]
    assert since == [a for a in everything if a["created_at"] >= newest] and since[0] == everything[0]
    assert activity(stack, "alice", end_date="2000-01-01")["data"] == []


def test_deprecated_activities_pages_by_date_or_id(stack: Stack) -> None:
    holder(stack)
    everything = activity(stack, "alice")["data"]
    page = activity(stack, "alice", "list_customer_activities", "activities")
    assert (page["object"], page["data_ref"], page["total"]) == ("list", "data", 4) and page["data"] == everything
    older = activity(stack, "alice", "list_customer_activities", "activities", limit="2",
                     starting_after_id=everything[1]["id"])
    assert older["data"] == everything[2:4]
    oldest_first = activity(stack, "alice", "list_customer_activities", "activities", order="created_at")
    assert oldest_first["data"] == everything[::-1]
    assert activity(stack, "alice", "list_customer_activities", "activities",
                    starting_after="2999-01-01T00:00:00Z")["data"] == everything


@pytest.mark.parametrize(("name", "path", "query"), [
    ("list_customer_activity", "activity", {"category": "ACTION"}),
    ("list_customer_activity", "activity", {"campaign_type": "NOPE"}),
    ("list_customer_activity", "activity", {"limit": "0"}),
    ("list_customer_activity", "activity", {"order": "type"}),
    ("list_customer_activity", "activity", {"starting_after_id": "x"}),
    ("list_customer_activity", "activity", {"start_date": "yesterday"}),
    ("list_customer_activity", "activity", {"product_id": "p"}),
    ("list_customer_activities", "activities", {"product_id": "prod_1"}),
    ("list_customer_activities", "activities", {"order": "-code"}),
    ("list_customer_activities", "activities", {"starting_after": "soon"}),
    ("list_customer_activities", "activities", {"category": "EFFECT"}),
    ("list_customer_redeemables", "redeemables", {"order": "created_at"}),
    ("list_customer_redeemables", "redeemables", {"filters[junction]": "or"}),
    ("list_customer_redeemables", "redeemables", {"filters[voucher_type][conditions][$has_value]": ""}),
    ("list_customer_redeemables", "redeemables", {"filters[metadata][conditions][$is]": "x"}),
    ("list_customer_redeemables", "redeemables", {"page": "2"}),
])
def test_bad_queries_are_400(stack: Stack, name: str, path: str, query: dict[str, str]) -> None:
    status, _ = stack.call("create_customer", "POST", "/v1/customers", {"source_id": "alice"})
    assert status == 200
    error_of(stack, 400, "invalid_query_params", name, "GET", f"/v1/customers/alice/{path}", query=query)


@pytest.mark.parametrize("name", ["list_customer_activity", "list_customer_activities", "list_customer_redeemables"])
@pytest.mark.parametrize("ref", ["cust_unknown123", "nobody"])
def test_an_unknown_customer_is_404(stack: Stack, name: str, ref: str) -> None:
    path = name.removeprefix("list_customer_")
    body = error_of(stack, 404, "not_found", name, "GET", f"/v1/customers/{ref}/{path}")
    assert body["resource_type"] == "customer"


def test_a_customer_without_cards_has_empty_lists(stack: Stack) -> None:
    stack.call("create_customer", "POST", "/v1/customers", {"source_id": "carol"})
    assert activity(stack, "carol")["data"] == []
    page = activity(stack, "carol", "list_customer_redeemables", "redeemables")
    assert (page["data"], page["total"], page["has_more"]) == ([], 0, False)


def test_redeemables_are_the_customer_s_cards_as_vouchers(stack: Stack) -> None:
    world = holder(stack)
    page = activity(stack, "alice", "list_customer_redeemables", "redeemables")
    assert (page["object"], page["data_ref"], page["total"], page["has_more"]) == ("list", "data", 2, False)
    newest, oldest = page["data"]
    assert newest["redeemable_id"] == world["card_two"]["id"] and oldest["redeemable_id"] == world["card_one"]["id"]
    assert newest["id"].startswith("rh_") and newest["id"] > oldest["id"]
    assert (newest["redeemable_object"], newest["holder_role"], newest["campaign_type"], newest["voucher_type"]) == (
        "voucher", "OWNER", "LOYALTY_PROGRAM", "LOYALTY_CARD")
    assert newest["customer_id"] == world["customer"] and newest["campaign_id"] == world["two"]["id"]
    voucher = newest["redeemable"]["voucher"]
    assert newest["redeemable"]["type"] == "voucher" and voucher["code"] == world["card_two"]["code"]
    assert voucher["loyalty_card"]["balance"] == 20 and voucher["object"] == "voucher"
    first = activity(stack, "alice", "list_customer_redeemables", "redeemables", limit="1")
    assert first["has_more"] is True and first["more_starting_after"] == newest["id"] and first["total"] == 2
    rest = activity(stack, "alice", "list_customer_redeemables", "redeemables", limit="1",
                    starting_after_id=first["more_starting_after"])
    assert rest["data"] == [oldest] and rest["has_more"] is False
    assert activity(stack, "alice", "list_customer_redeemables", "redeemables", order="id")["data"] == [oldest, newest]
    only = activity(stack, "alice", "list_customer_redeemables", "redeemables",
                    **{"filters[campaign_id][conditions][$is]": world["one"]["id"]})
    assert only["data"] == [oldest] and only["total"] == 1
    none = activity(stack, "alice", "list_customer_redeemables", "redeemables",
                    **{"filters[created_at][conditions][$after]": "2999-01-01T00:00:00Z"})
    assert none["data"] == [] and none["total"] == 0
