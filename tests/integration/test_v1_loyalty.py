"""The v1 loyalty journey on moto: campaign -> add member (publish a card) -> balance -> get member, plus bad input."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from voucherify import ApiClient
from voucherify.models import (
    CampaignLoyaltyCard,
    CampaignLoyaltyVoucher,
    CodeConfig,
    Customer,
    LoyaltiesCreateCampaignRequestBody,
    LoyaltiesCreateCampaignResponseBody,
    LoyaltiesGetCampaignResponseBody,
    LoyaltiesMembersBalanceUpdateRequestBody,
    LoyaltiesMembersBalanceUpdateResponseBody,
    LoyaltiesMembersCreateRequestBody,
    LoyaltiesMembersCreateResponseBody,
    LoyaltiesMembersGetResponseBody,
    PointsExpirationTypes,
)

from loyalty.cards.store import transaction_from_row
from loyalty.customers import store as customers_store
from loyalty.db.codec import from_item
from loyalty.members import store as members_store
from loyalty.v1 import service as campaigns_service
from loyalty.v1 import store as campaigns_store
from loyalty.v1.models import MemberAdd
from tests.integration.conftest import Stack

ERROR_FIELDS = {"code", "key", "message", "details", "request_id"}
# Every field the seed pages show on a LoyaltyMember voucher.
SEED_VOUCHER_FIELDS = {
    "id", "code", "campaign", "campaign_id", "category", "category_id", "categories", "type", "discount", "gift",
    "loyalty_card", "start_date", "expiration_date", "validity_timeframe", "validity_day_of_week", "active",
    "additional_info", "metadata", "assets", "is_referral_code", "created_at", "updated_at", "holder_id", "redemption",
    "publish", "object",
}


def sdk_body(model: Any) -> Any:
    """A request body exactly as the official SDK serializes it."""
    return ApiClient().sanitize_for_serialization(model)


def assert_error(status: int, body: Any, code: int, key: str) -> None:
    assert status == code, body
    assert ERROR_FIELDS <= set(body), body
    assert body["code"] == code and body["key"] == key, body
    assert body["request_id"].startswith("v-")


def make_customer(stack: Stack, source_id: str = "alice-1", **fields: Any) -> dict[str, Any]:
    status, customer = stack.call("create_customer", "POST", "/v1/customers", {"source_id": source_id, **fields})
    assert status == 200, customer
    return dict(customer)


def make_campaign(stack: Stack, name: str = "Loyalty", points: int = 0, pattern: str = "L-########",
                  **extra: Any) -> dict[str, Any]:
    body = {"name": name, "type": "AUTO_UPDATE",
            "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": points}, "code_config": {"pattern": pattern}},
            **extra}
    status, campaign = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", body)
    assert status == 200, campaign
    return dict(campaign)


def add_member(stack: Stack, campaign_id: str, body: dict[str, Any], **kw: Any) -> tuple[int, Any]:
    return stack.call("add_member_v1", "POST", f"/v1/loyalties/{campaign_id}/members", body, **kw)


def balance(stack: Stack, campaign_id: str, code: str, body: Any, **kw: Any) -> tuple[int, Any]:
    return stack.call("update_loyalty_card_balance_v1", "POST", f"/v1/loyalties/{campaign_id}/members/{code}/balance", body, **kw)


def get_member(stack: Stack, campaign_id: str, code: str, **kw: Any) -> tuple[int, Any]:
    return stack.call("get_member_v1", "GET", f"/v1/loyalties/{campaign_id}/members/{code}", **kw)


def stored_card(stack: Stack, code: str, project: str = "acme") -> dict[str, Any]:
    db = stack.db(project)
    claim = members_store.get_card_by_code(db, code)
    assert claim is not None
    card = members_store.get_card(db, claim["member_id"], claim["card_id"])
    assert card is not None
    return card


def transactions_of(stack: Stack, card_id: str) -> list[dict[str, Any]]:
    db = stack.db()
    items = db.client.query(TableName=db.name, KeyConditionExpression="PK = :pk AND begins_with(SK, :ctx)",
                              ExpressionAttributeValues={":pk": {"S": f"acme#CARD#{card_id}"}, ":ctx": {"S": "CTX#"}},
                              ScanIndexForward=False)["Items"]
    return [transaction_from_row(from_item(i)) for i in items]


# ---------------------------------------------------------------------------------------------- the journey
def test_full_v1_journey(stack: Stack) -> None:
    # Given a customer and an AUTO_UPDATE campaign created with the SDK's request body
    customer = make_customer(stack, name="Alice")
    status, campaign = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", sdk_body(
        LoyaltiesCreateCampaignRequestBody(
            name="Loyalty", type="AUTO_UPDATE",
            voucher=CampaignLoyaltyVoucher(type="LOYALTY_CARD", loyalty_card=CampaignLoyaltyCard(points=0),
                                           code_config=CodeConfig(pattern="L-########")))))
    assert status == 200, campaign
    created = LoyaltiesCreateCampaignResponseBody.from_dict(campaign)
    assert created is not None and created.creation_status == "DONE"
    assert re.fullmatch(r"camp_[A-Za-z0-9]+", campaign["id"])
    assert campaign["campaign_type"] == "LOYALTY_PROGRAM" and campaign["type"] == "AUTO_UPDATE"
    assert campaign["join_once"] is True and campaign["active"] is True and campaign["vouchers_count"] == 0
    assert campaign["voucher"]["code_config"] == {"length": 8, "pattern": "L-########",
                                                  "charset": campaign["voucher"]["code_config"]["charset"]}
    assert campaigns_store.get_campaign(stack.db(), campaign["id"]) == campaign

    # When the customer is added as a member (SDK body, customer named by id)
    status, card = add_member(stack, campaign["id"], sdk_body(LoyaltiesMembersCreateRequestBody(
        customer=Customer(id=customer["id"]), metadata={"year": 2022}, channel="postman")))

    # Then a loyalty card voucher in the seed's shape is published to them
    assert status == 200, card
    assert SEED_VOUCHER_FIELDS <= set(card)
    assert LoyaltiesMembersCreateResponseBody.from_dict(card) is not None
    assert re.fullmatch(r"L-[0-9a-zA-Z]{8}", card["code"]) and card["id"].startswith("v_")
    assert (card["campaign"], card["campaign_id"], card["holder_id"]) == ("Loyalty", campaign["id"], customer["id"])
    assert card["type"] == "LOYALTY_CARD" and card["object"] == "voucher" and card["is_referral_code"] is False
    assert card["loyalty_card"]["points"] == 0 and card["loyalty_card"]["balance"] == 0
    assert card["metadata"] == {} and card["categories"] == [] and card["discount"] is None
    assert card["redemption"] == {"quantity": None, "redeemed_quantity": 0, "redeemed_points": 0, "object": "list",
                                  "url": f"/v1/vouchers/{card['code']}/redemptions?page=1&limit=10"}
    assert card["publish"] == {"object": "list", "count": 1, "url": f"/v1/vouchers/{card['code']}/publications?page=1&limit=10"}
    assert card["assets"]["qr"]["url"].startswith("https://localhost/")
    # And the member, card, code claim and membership are stored
    stored = stored_card(stack, card["code"])
    assert stored["voucher_id"] == card["id"] and stored["program_id"] == campaign["id"] and stored["balance"] == 0
    membership = members_store.get_membership(stack.db(), campaign["id"], customer["id"])
    assert membership is not None and membership["card_ids"] == [stored["id"]]
    found = members_store.get_member_with_cards(stack.db(), membership["member_id"])
    assert found is not None and found[0]["status"] == "ACTIVE" and found[0]["customer_id"] == customer["id"]
    assert found[0]["publication"] == {"metadata": {"year": 2022}, "channel": "postman", "source_id": None}

    # When 500 points are added (SDK body)
    status, added = balance(stack, campaign["id"], card["code"], sdk_body(LoyaltiesMembersBalanceUpdateRequestBody(points=500)))

    # Then the answer carries the new balance at once (v1 is synchronous)
    assert status == 200, added
    assert LoyaltiesMembersBalanceUpdateResponseBody.from_dict(added) is not None
    assert added == {"points": 500, "total": 500, "balance": 500, "type": "loyalty_card", "object": "balance",
                     "related_object": {"type": "voucher", "id": card["id"]}, "operation_type": "MANUAL"}
    # And an APPROVED ADMIN_CREDIT transaction explains the counters
    [credit] = transactions_of(stack, stored["id"])
    assert (credit["type"], credit["status"], credit["details"]["points"]["total"]) == ("ADMIN_CREDIT", "APPROVED", 500)
    stored = stored_card(stack, card["code"])
    assert (stored["added"], stored["total"], stored["balance"]) == (500, 500, 500)

    # When 100 points are removed through the campaign-less route
    status, removed = stack.call("update_loyalty_card_balance_by_code_v1", "POST",
                                 f"/v1/loyalties/members/{card['code']}/balance", {"points": -100, "reason": "correction"})
    assert status == 200, removed
    assert (removed["points"], removed["total"], removed["balance"]) == (-100, 500, 400)

    # Then get member shows the points and the balance, in the seed's shape
    status, got = get_member(stack, campaign["id"], card["code"])
    assert status == 200, got
    assert LoyaltiesMembersGetResponseBody.from_dict(got) is not None
    assert got["loyalty_card"] == {"points": 500, "balance": 400, "next_expiration_date": None, "next_expiration_points": 0,
                                   "pending_points": 0, "expired_points": 0, "subtracted_points": 100}
    assert got["id"] == card["id"] and got["created_at"] == card["created_at"] and got["updated_at"] >= card["updated_at"]
    # And the campaign-less get answers the same card
    status, same = stack.call("get_member_by_code_v1", "GET", f"/v1/loyalties/members/{card['code']}")
    assert status == 200 and same == got
    debit = transactions_of(stack, stored["id"])[0]
    assert (debit["type"], debit["status"], debit["details"]["reason"]) == ("ADMIN_DEBIT", "APPROVED", "correction")


def test_campaign_initial_points_are_credited_with_the_card(stack: Stack) -> None:
    # Given a campaign whose cards start with 100 points
    campaign = make_campaign(stack, points=100)

    # When a member is added by source id (unknown: the customer is created)
    status, card = add_member(stack, campaign["id"], {"customer": "newcomer-1"})

    # Then the card already holds the points, explained by an APPROVED "Initial points" credit
    assert status == 200, card
    assert card["loyalty_card"]["points"] == 100 and card["loyalty_card"]["balance"] == 100
    stored = stored_card(stack, card["code"])
    assert (stored["added"], stored["total"], stored["balance"]) == (100, 100, 100)
    [initial] = transactions_of(stack, stored["id"])
    assert (initial["type"], initial["status"], initial["details"]["reason"]) == ("ADMIN_CREDIT", "APPROVED", "Initial points")
    customer_id = customers_store.get_customer_id_by_source_id(stack.db(), "newcomer-1")
    assert customer_id == card["holder_id"]


def test_get_campaign_by_id_or_name(stack: Stack) -> None:
    # Given a campaign whose name needs URL escaping
    campaign = make_campaign(stack, name="Summer Loyalty", metadata={"region": "EU"})

    # When it is read by id and by escaped name
    by_id = stack.call("get_loyalty_program_v1", "GET", f"/v1/loyalties/{campaign['id']}")
    by_name = stack.call("get_loyalty_program_v1", "GET", "/v1/loyalties/Summer%20Loyalty")

    # Then both answer the stored campaign, parseable by the SDK
    assert by_id == (200, campaign) and by_name == (200, campaign)
    parsed = LoyaltiesGetCampaignResponseBody.from_dict(by_id[1])
    assert parsed is not None and parsed.metadata == {"region": "EU"}
    # And members can be added through the name as well
    status, card = add_member(stack, "Summer%20Loyalty", {"customer": "alice-1"})
    assert status == 200 and card["campaign_id"] == campaign["id"]


def test_unknown_campaign_is_404(stack: Stack) -> None:
    for ref in ("camp_unknown0001", "No%20such%20campaign", "x" * 300):
        status, body = stack.call("get_loyalty_program_v1", "GET", f"/v1/loyalties/{ref}")
        assert_error(status, body, 404, "not_found")
        assert body["resource_type"] == "campaign"


def test_full_campaign_body_of_the_spec_example_is_accepted(stack: Stack) -> None:
    # Given the spec's create-campaign example, as AUTO_UPDATE
    body = {
        "name": "Loyalty Program 4", "description": "This is a campaign description.", "auto_join": True, "join_once": False,
        "use_voucher_metadata_schema": True, "start_date": "2016-10-26T00:00:00Z", "expiration_date": "2099-10-26T00:00:00Z",
        "validity_timeframe": {"duration": "PT1H", "interval": "P1D"}, "validity_day_of_week": [0, 1, 2, 3, 4, 5],
        "validity_hours": {"daily": [{"start_time": "12:00", "days_of_week": [1, 2], "expiration_time": "14:00"}]},
        "activity_duration_after_publishing": "P24D", "category_id": "cat_0b6152ce12414820dc", "vouchers_count": 2,
        "voucher": {"type": "LOYALTY_CARD",
                    "loyalty_card": {"points": 0, "expiration_rules": {"period_type": "MONTH", "period_value": 3,
                                                                       "rounding_type": "END_OF_QUARTER"}},
                    "redemption": {"quantity": 2}, "code_config": {"pattern": "L-CARD-#######"}},
        "metadata": {"test": True}, "type": "AUTO_UPDATE", "campaign_type": "LOYALTY_PROGRAM",
        "loyalty_tiers_expiration": {"qualification_type": "BALANCE", "start_date": {"type": "IMMEDIATE"},
                                     "expiration_date": {"type": "CUSTOM", "extend": "P3M",
                                                         "rounding": {"type": "MONTH", "strategy": "END"}}},
    }

    # When it is posted
    status, campaign = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", body)

    # Then it is stored with the documented settings (join_once forced true, dates normalised)
    assert status == 200, campaign
    assert LoyaltiesCreateCampaignResponseBody.from_dict(campaign) is not None
    assert campaign["join_once"] is True and campaign["start_date"] == "2016-10-26T00:00:00.000Z"
    assert campaign["voucher"]["code_config"]["length"] == 7
    assert campaign["voucher"]["redemption"] == {"quantity": 2}
    assert campaign["voucher"]["validity_timeframe"] == {"interval": "P1D", "duration": "PT1H"}
    assert campaign["voucher"]["loyalty_card"]["expiration_rules"]["rounding_type"] == "END_OF_QUARTER"
    assert campaign["loyalty_tiers_expiration"]["expiration_date"]["extend"] == "P3M"

    # And a published card inherits the validity and expires 24 days after publishing
    status, card = add_member(stack, campaign["id"], {"customer": {"source_id": "bob-1", "name": "Bob"}})
    assert status == 200, card
    assert LoyaltiesMembersCreateResponseBody.from_dict(card) is not None
    assert card["validity_hours"] == {"daily": [{"start_time": "12:00", "days_of_week": [1, 2], "expiration_time": "14:00"}]}
    assert card["code"].startswith("L-CARD-") and len(card["code"]) == 14
    assert card["validity_day_of_week"] == [0, 1, 2, 3, 4, 5] and card["redemption"]["quantity"] == 2
    assert card["start_date"] == "2016-10-26T00:00:00.000Z" and card["expiration_date"] > card["created_at"]
    assert card["expiration_date"][:10] > card["created_at"][:10]


def test_static_campaigns_are_refused_with_the_reason(stack: Stack) -> None:
    before = stack.items()
    status, body = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "Static", "type": "STATIC", "vouchers_count": 10,
        "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    assert_error(status, body, 400, "invalid_payload")
    assert "STATIC" in body["details"] and "AUTO_UPDATE" in body["details"]
    assert stack.items() == before


def test_duplicate_campaign_name_is_409(stack: Stack) -> None:
    # Given a campaign named Loyalty
    make_campaign(stack, name="Loyalty")
    before = stack.items()

    # When another campaign takes the same name
    status, body = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "Loyalty", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 5}}})

    # Then it is refused and nothing is written
    assert_error(status, body, 409, "duplicate_found")
    assert (body["resource_type"], body["resource_id"]) == ("campaign", "Loyalty")
    assert stack.items() == before
    # And another project may use the name
    status, _ = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "Loyalty", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 5}}}, headers=stack.other_headers)
    assert status == 200


# ---------------------------------------------------------------------------------------------- add member
def test_repeat_add_member_returns_the_same_card(stack: Stack) -> None:
    # Given a member of a campaign
    campaign = make_campaign(stack, points=10)
    customer = make_customer(stack)
    status, first = add_member(stack, campaign["id"], {"customer": customer["id"]})
    assert status == 200
    before = stack.items()

    # When the same customer is added again, by id, source id and object
    for ref in (customer["id"], "alice-1", {"source_id": "alice-1"}, {"id": customer["id"]}):
        status, again = add_member(stack, campaign["id"], {"customer": ref})
        # Then the same card comes back and nothing new is written
        assert status == 200, again
        assert again == first
    assert stack.items() == before


def test_customer_named_in_every_documented_way(stack: Stack) -> None:
    campaign = make_campaign(stack)
    by_id = make_customer(stack, "by-id")
    make_customer(stack, "by-source")

    # A cust_ string is an id
    status, card = add_member(stack, campaign["id"], {"customer": by_id["id"]})
    assert status == 200 and card["holder_id"] == by_id["id"]
    # Any other string is a source id (known)
    status, card = add_member(stack, campaign["id"], {"customer": "by-source"})
    assert status == 200 and card["holder_id"] == customers_store.get_customer_id_by_source_id(stack.db(), "by-source")
    # An object with an unknown source id creates the customer with its fields (upsert)
    status, card = add_member(stack, campaign["id"], sdk_body(LoyaltiesMembersCreateRequestBody(
        customer=Customer(source_id="fresh-1", name="Fresh", email="fresh@example.com"))))
    assert status == 200, card
    stored = customers_store.get_customer(stack.db(), card["holder_id"])
    assert stored is not None and (stored["source_id"], stored["name"], stored["email"]) == ("fresh-1", "Fresh", "fresh@example.com")
    # An object with a known source id updates that customer's fields
    status, again = add_member(stack, campaign["id"], {"customer": {"source_id": "fresh-1", "name": "Fresh Smith"}})
    assert status == 200 and again["id"] == card["id"]
    stored = customers_store.get_customer(stack.db(), card["holder_id"])
    assert stored is not None and stored["name"] == "Fresh Smith" and stored["email"] == "fresh@example.com"


def test_unknown_customer_id_is_404_and_writes_nothing(stack: Stack) -> None:
    campaign = make_campaign(stack)
    before = stack.items()
    for customer in ("cust_doesnotexist1", {"id": "cust_doesnotexist1"}, {"id": "not-an-id"}):
        status, body = add_member(stack, campaign["id"], {"customer": customer})
        assert_error(status, body, 404, "not_found")
        assert body["resource_type"] == "customer"
    assert stack.items() == before


def test_an_explicit_voucher_code_must_name_a_card_of_the_campaign(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a campaign (its cards exist only once published: there are no unassigned codes to pick from)
    campaign = make_campaign(stack)
    make_customer(stack, "source_customer_1")
    before = stack.items()

    # When a member is added with the seed's explicit code, which names no card: 404 voucher, nothing written
    status, body = add_member(stack, campaign["id"], {"customer": "source_customer_1", "metadata": {"year": 2022},
                                                      "channel": "postman", "voucher": "KpzbHUY5"})
    assert_error(status, body, 404, "not_found")
    assert (body["resource_type"], body["resource_id"]) == ("voucher", "KpzbHUY5")
    assert stack.items() == before

    # And once the customer holds a card, asking for its code answers that card
    monkeypatch.setattr(campaigns_service, "generate_code", lambda config: "KpzbHUY5")
    status, card = add_member(stack, campaign["id"], {"customer": "source_customer_1"})
    assert status == 200 and card["code"] == "KpzbHUY5"
    assert stored_card(stack, "KpzbHUY5")["voucher_id"] == card["id"]
    status, again = add_member(stack, campaign["id"], {"customer": "source_customer_1", "voucher": "KpzbHUY5"})
    assert status == 200 and again == card

    # And another customer asking for that code is refused, writing nothing (not even the customer)
    before = stack.items()
    status, body = add_member(stack, campaign["id"], {"customer": "someone-else", "voucher": "KpzbHUY5"})
    assert_error(status, body, 400, "voucher_already_published")
    assert card["id"] in body["details"]
    assert stack.items() == before


def test_a_customer_id_beside_another_source_id_wins(stack: Stack) -> None:
    # Given a customer with a source id
    campaign = make_campaign(stack)
    customer = make_customer(stack, "alice-1")
    # When it is named by its id and a different source id, the source id is ignored (the spec's Customer object)
    status, card = add_member(stack, campaign["id"], {"customer": {"id": customer["id"], "source_id": "someone-else"}})
    assert status == 200, card
    assert card["holder_id"] == customer["id"]
    status, got = stack.call("get_customer", "GET", f"/v1/customers/{customer['id']}")
    assert status == 200 and got["source_id"] == "alice-1"
    assert stack.call("get_customer", "GET", "/v1/customers/someone-else")[0] == 404


def test_a_code_collision_is_retried_with_a_new_code(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a card holding code TAKEN
    campaign = make_campaign(stack)
    draws = iter(["TAKEN", "TAKEN", "FRESH"])
    monkeypatch.setattr(campaigns_service, "generate_code", lambda config: next(draws))
    status, _ = add_member(stack, campaign["id"], {"customer": "first"})
    assert status == 200
    # And a code generator whose next draw collides (then FRESH)

    # When another customer is added
    status, card = add_member(stack, campaign["id"], {"customer": "second"})

    # Then the card gets the second draw
    assert status == 200, card
    assert card["code"] == "FRESH"
    assert stored_card(stack, "FRESH")["holder_id"] == card["holder_id"]


def test_an_exhausted_code_space_is_400_no_voucher_suitable(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a campaign stored before code spaces were checked, with only two possible codes, both published
    campaign = make_campaign(stack, name="Tiny")
    db = stack.db()
    db.update(db.keys.campaign(campaign["id"]), "SET #d.#v.#c = :c", names={"#d": "data", "#v": "voucher", "#c": "code_config"},
              values={"c": {"pattern": "#", "charset": "ab", "length": 1}})
    draws = iter(["a", "b"])
    monkeypatch.setattr(campaigns_service, "generate_code", lambda config: next(draws))
    assert add_member(stack, campaign["id"], {"customer": "one"})[0] == 200
    assert add_member(stack, campaign["id"], {"customer": "two"})[0] == 200
    monkeypatch.setattr(campaigns_service, "generate_code", lambda config: "a")
    make_customer(stack, "three")
    before = stack.items()

    # When a third customer joins
    status, body = add_member(stack, campaign["id"], {"customer": "three"})

    # Then no code can be found and nothing is written
    assert_error(status, body, 400, "no_voucher_suitable_for_publication")
    assert stack.items() == before


def test_campaign_outside_its_dates_does_not_publish(stack: Stack) -> None:
    campaign = make_campaign(stack, name="Future", start_date="2099-01-01T00:00:00Z")
    make_customer(stack)
    before = stack.items()
    status, body = add_member(stack, campaign["id"], {"customer": "alice-1"})
    assert_error(status, body, 400, "campaign_not_active")
    assert stack.items() == before


# ---------------------------------------------------------------------------------------------- balance
def test_removing_more_points_than_the_balance_is_refused_and_changes_nothing(stack: Stack) -> None:
    # Given a card with 50 points
    campaign = make_campaign(stack, points=50)
    _, card = add_member(stack, campaign["id"], {"customer": "alice-1"})
    before = stack.items()

    # When 51 points are removed
    status, body = balance(stack, campaign["id"], card["code"], {"points": -51})

    # Then it is refused like v2 (423 insufficient_card_balance) and nothing is written
    assert_error(status, body, 423, "insufficient_card_balance")
    assert stack.items() == before
    assert stored_card(stack, card["code"])["balance"] == 50

    # And removing exactly the balance works, reaching zero
    status, body = balance(stack, campaign["id"], card["code"], {"points": -50})
    assert status == 200 and body["balance"] == 0 and body["total"] == 50


def test_credit_with_custom_expiration_is_recorded(stack: Stack) -> None:
    campaign = make_campaign(stack)
    _, card = add_member(stack, campaign["id"], {"customer": "alice-1"})

    # When points are added with the SDK's CUSTOM_DATE body (it sends a date-time)
    status, body = balance(stack, campaign["id"], card["code"], sdk_body(LoyaltiesMembersBalanceUpdateRequestBody(
        points=100, expiration_type=PointsExpirationTypes.CUSTOM_DATE, expiration_date=datetime(2099, 5, 30, tzinfo=UTC),
        reason="promo", source_id="ext-1")))

    # Then the credit carries the expiration date
    assert status == 200, body
    [credit] = transactions_of(stack, stored_card(stack, card["code"])["id"])
    assert credit["details"]["points"] == {"total": 100, "expiration_date": "2099-05-30", "expiration_type": "CUSTOM_DATE"}
    assert credit["details"]["source_id"] == "ext-1" and credit["details"]["reason"] == "promo"

    # And a date in the past is refused with the documented key
    status, body = balance(stack, campaign["id"], card["code"], {"points": 1, "expiration_type": "CUSTOM_DATE",
                                                                 "expiration_date": "2020-01-01"})
    assert_error(status, body, 400, "invalid_expiration_date")


def test_a_card_of_another_campaign_is_404(stack: Stack) -> None:
    # Given cards in two campaigns
    first = make_campaign(stack, name="First")
    second = make_campaign(stack, name="Second")
    _, card = add_member(stack, first["id"], {"customer": "alice-1"})
    before = stack.items()

    # When the card is read or credited through the other campaign (by id or name)
    for ref in (second["id"], "Second", "camp_unknown1"):
        status, body = get_member(stack, ref, card["code"])
        assert_error(status, body, 404, "not_found")
        assert body["resource_type"] == "voucher"
        status, body = balance(stack, ref, card["code"], {"points": 5})
        assert_error(status, body, 404, "not_found")

    # Then nothing is written, and its own campaign's name works
    assert stack.items() == before
    assert get_member(stack, "First", card["code"])[0] == 200


def test_unknown_card_code_is_404_voucher(stack: Stack) -> None:
    campaign = make_campaign(stack)
    for code in ("NOPE1234", "x" * 150, "a%2Fb"):
        answers = (
            get_member(stack, campaign["id"], code),
            stack.call("get_member_by_code_v1", "GET", f"/v1/loyalties/members/{code}"),
            balance(stack, campaign["id"], code, {"points": 5}),
            stack.call("update_loyalty_card_balance_by_code_v1", "POST", f"/v1/loyalties/members/{code}/balance", {"points": 5}),
        )
        for status, body in answers:
            assert_error(status, body, 404, "not_found")
            assert body["resource_type"] == "voucher"


def test_a_v2_card_code_is_not_a_v1_voucher(stack: Stack) -> None:
    # Given a code claimed by a (v2-style) card without a v1 voucher
    db = stack.db()
    member = {"id": "lmbr_0000000000000000a1", "customer_id": "cust_x", "program_id": "lprg_00000000000000000a",
              "status": "ACTIVE", "created_at": "2026-01-01T00:00:00.000Z"}
    card = {"id": "lcrd_0000000000000000a1", "member_id": member["id"], "program_id": member["program_id"],
            "card_definition_id": "lcdef_000000000000000001", "code": "V2CODE", "created_at": member["created_at"]}
    tx = db.transaction()
    members_store.add_member(tx, db, member, [card], scope_id=member["program_id"], codes=["V2CODE"])
    tx.commit()

    # When v1 reads it
    status, body = stack.call("get_member_by_code_v1", "GET", "/v1/loyalties/members/V2CODE")

    # Then it is not found
    assert_error(status, body, 404, "not_found")


# ---------------------------------------------------------------------------------------------- isolation
def test_another_project_sees_nothing(stack: Stack) -> None:
    # Given a campaign, a card and a customer of project acme
    campaign = make_campaign(stack)
    customer = make_customer(stack)
    _, card = add_member(stack, campaign["id"], {"customer": customer["id"]})
    before = stack.items()
    other = stack.other_headers

    # When project globex addresses them
    answers = [
        stack.call("get_loyalty_program_v1", "GET", f"/v1/loyalties/{campaign['id']}", headers=other),
        stack.call("get_loyalty_program_v1", "GET", "/v1/loyalties/Loyalty", headers=other),
        add_member(stack, campaign["id"], {"customer": "bob-1"}, headers=other),
        get_member(stack, campaign["id"], card["code"], headers=other),
        stack.call("get_member_by_code_v1", "GET", f"/v1/loyalties/members/{card['code']}", headers=other),
        balance(stack, campaign["id"], card["code"], {"points": 5}, headers=other),
        stack.call("update_loyalty_card_balance_by_code_v1", "POST", f"/v1/loyalties/members/{card['code']}/balance",
                   {"points": 5}, headers=other),
        stack.call("get_customer", "GET", f"/v1/customers/{customer['id']}", headers=other),
    ]

    # Then every one is 404 and nothing is written
    for status, body in answers:
        assert_error(status, body, 404, "not_found")
    assert stack.items() == before


# ---------------------------------------------------------------------------------------------- bad input
CAMPAIGN_VOUCHER = {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}
BAD_INPUT: list[tuple[str, str, str, str, Any]] = [
    # (case, function, method, path, body) -- "{campaign}" and "{code}" are filled in
    ("campaign: missing name", "create_loyalty_program_v1", "POST", "/v1/loyalties", {"voucher": CAMPAIGN_VOUCHER}),
    ("campaign: missing voucher", "create_loyalty_program_v1", "POST", "/v1/loyalties", {"name": "N"}),
    ("campaign: missing points", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {}}}),
    ("campaign: negative points", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": -1}}}),
    ("campaign: points as string", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": "10"}}}),
    ("campaign: unknown field", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": CAMPAIGN_VOUCHER, "program": "x"}),
    ("campaign: unknown voucher field", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": {**CAMPAIGN_VOUCHER, "gift": {}}}),
    ("campaign: wrong voucher type", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": {**CAMPAIGN_VOUCHER, "type": "GIFT_VOUCHER"}}),
    ("campaign: wrong campaign type", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": CAMPAIGN_VOUCHER, "campaign_type": "DISCOUNT_COUPONS"}),
    ("campaign: bad date", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": CAMPAIGN_VOUCHER, "start_date": "yesterday"}),
    ("campaign: dates reversed", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": CAMPAIGN_VOUCHER, "start_date": "2030-01-01T00:00:00Z", "expiration_date": "2029-01-01T00:00:00Z"}),
    ("campaign: pattern without #", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": {**CAMPAIGN_VOUCHER, "code_config": {"pattern": "FIXED"}}}),
    ("campaign: code with slash", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": {**CAMPAIGN_VOUCHER, "code_config": {"prefix": "A/"}}}),
    ("campaign: bad duration", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": CAMPAIGN_VOUCHER, "activity_duration_after_publishing": "24 days"}),
    ("campaign: day of week 7", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": CAMPAIGN_VOUCHER, "validity_day_of_week": [7]}),
    ("campaign: timeframe without start", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": CAMPAIGN_VOUCHER, "validity_timeframe": {"interval": "P1D", "duration": "PT1H"}}),
    ("campaign: areas", "create_loyalty_program_v1", "POST", "/v1/loyalties",
     {"name": "N", "voucher": CAMPAIGN_VOUCHER, "access_settings": {"assign": {"areas_ids": ["ar_1"]}}}),
    ("campaign: name too long", "create_loyalty_program_v1", "POST", "/v1/loyalties", {"name": "N" * 201, "voucher": CAMPAIGN_VOUCHER}),
    ("member: missing customer", "add_member_v1", "POST", "/v1/loyalties/{campaign}/members", {"voucher": "ABC"}),
    ("member: customer wrong type", "add_member_v1", "POST", "/v1/loyalties/{campaign}/members", {"customer": 5}),
    ("member: empty customer", "add_member_v1", "POST", "/v1/loyalties/{campaign}/members", {"customer": ""}),
    ("member: customer object unnamed", "add_member_v1", "POST", "/v1/loyalties/{campaign}/members",
     {"customer": {"name": "Nobody"}}),
    ("member: customer unknown field", "add_member_v1", "POST", "/v1/loyalties/{campaign}/members",
     {"customer": {"source_id": "s", "age": 3}}),
    ("member: unknown field", "add_member_v1", "POST", "/v1/loyalties/{campaign}/members", {"customer": "s", "gift": 1}),
    ("member: voucher wrong type", "add_member_v1", "POST", "/v1/loyalties/{campaign}/members", {"customer": "s", "voucher": 12}),
    ("member: voucher with space", "add_member_v1", "POST", "/v1/loyalties/{campaign}/members", {"customer": "s", "voucher": "A B"}),
    ("member: metadata not object", "add_member_v1", "POST", "/v1/loyalties/{campaign}/members", {"customer": "s", "metadata": "x"}),
    ("balance: missing points", "update_loyalty_card_balance_v1", "POST", "/v1/loyalties/{campaign}/members/{code}/balance",
     {"reason": "x"}),
    ("balance: zero", "update_loyalty_card_balance_v1", "POST", "/v1/loyalties/{campaign}/members/{code}/balance", {"points": 0}),
    ("balance: float", "update_loyalty_card_balance_v1", "POST", "/v1/loyalties/{campaign}/members/{code}/balance",
     {"points": 1.5}),
    ("balance: string", "update_loyalty_card_balance_v1", "POST", "/v1/loyalties/{campaign}/members/{code}/balance",
     {"points": "10"}),
    ("balance: too large", "update_loyalty_card_balance_v1", "POST", "/v1/loyalties/{campaign}/members/{code}/balance",
     {"points": 2**60}),
    ("balance: unknown field", "update_loyalty_card_balance_v1", "POST", "/v1/loyalties/{campaign}/members/{code}/balance",
     {"points": 1, "note": "x"}),
    ("balance: bad expiration type", "update_loyalty_card_balance_v1", "POST",
     "/v1/loyalties/{campaign}/members/{code}/balance", {"points": 1, "expiration_type": "NEVER"}),
    ("balance: custom date missing", "update_loyalty_card_balance_v1", "POST",
     "/v1/loyalties/{campaign}/members/{code}/balance", {"points": 1, "expiration_type": "CUSTOM_DATE"}),
    ("balance: bad date", "update_loyalty_card_balance_by_code_v1", "POST", "/v1/loyalties/members/{code}/balance",
     {"points": 1, "expiration_type": "CUSTOM_DATE", "expiration_date": "30/05/2099"}),
    ("balance: expiration on a debit", "update_loyalty_card_balance_by_code_v1", "POST", "/v1/loyalties/members/{code}/balance",
     {"points": -1, "expiration_type": "NON_EXPIRING"}),
    ("balance: body is a list", "update_loyalty_card_balance_by_code_v1", "POST", "/v1/loyalties/members/{code}/balance", [1]),
]


def test_bad_input_is_400_with_the_error_body_and_writes_nothing(stack: Stack) -> None:
    # Given a campaign with a member
    campaign = make_campaign(stack, name="Existing", points=5)
    _, card = add_member(stack, campaign["id"], {"customer": "alice-1"})
    before = stack.items()

    for case, function, method, path, body in BAD_INPUT:
        # When a request has a missing, unknown, mistyped or out-of-range field
        status, error = stack.call(function, method, path.format(campaign=campaign["id"], code=card["code"]), body)

        # Then it is refused with the Voucherify error body and nothing is written
        assert status == 400, (case, error)
        assert ERROR_FIELDS <= set(error) and error["key"] == "invalid_payload", (case, error)
        assert error["message"] == "Invalid payload" and error["details"], (case, error)
        assert stack.items() == before, case


V1_POSTS = [
    ("create_loyalty_program_v1", "/v1/loyalties"),
    ("add_member_v1", "/v1/loyalties/{campaign}/members"),
    ("update_loyalty_card_balance_v1", "/v1/loyalties/{campaign}/members/{code}/balance"),
    ("update_loyalty_card_balance_by_code_v1", "/v1/loyalties/members/{code}/balance"),
]


def test_malformed_or_empty_bodies_are_400(stack: Stack) -> None:
    campaign = make_campaign(stack, points=5)
    _, card = add_member(stack, campaign["id"], {"customer": "alice-1"})
    before = stack.items()
    for function, path in V1_POSTS:
        for raw in ("{bad", "", "null", "[]"):
            status, error = stack.call(function, "POST", path.format(campaign=campaign["id"], code=card["code"]), raw_body=raw)
            assert status == 400 and error["key"] == "invalid_payload", (function, raw, error)
            assert ERROR_FIELDS <= set(error), (function, raw, error)
            if raw == "{bad":
                assert error["details"] == "Payload must be valid JSON"
    assert stack.items() == before


def test_unknown_campaign_for_add_member_is_404_and_creates_no_customer(stack: Stack) -> None:
    before = stack.items()
    status, body = add_member(stack, "camp_nothere1", {"customer": "new-person"})
    assert_error(status, body, 404, "not_found")
    assert body["resource_type"] == "campaign"
    assert stack.items() == before


# ---------------------------------------------------------------------------------------------- races
def _stale_reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Make the next membership and source-id lookups miss, as when a concurrent request wins the write; returns the
    lookups still to miss."""
    stale = {"membership": 1, "source": 1}
    get_membership, get_source = members_store.get_membership, customers_store.get_customer_id_by_source_id

    def membership(db: Any, scope_id: str, customer_id: str) -> dict[str, Any] | None:
        if stale["membership"]:
            stale["membership"] -= 1
            return None
        return get_membership(db, scope_id, customer_id)

    def source(db: Any, source_id: str) -> str | None:
        if stale["source"]:
            stale["source"] -= 1
            return None
        return get_source(db, source_id)

    monkeypatch.setattr(members_store, "get_membership", membership)
    monkeypatch.setattr(customers_store, "get_customer_id_by_source_id", source)
    return stale


def test_losing_a_race_answers_the_winners_customer_and_card(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a member whose enrolment this request does not see yet (a concurrent request just wrote it)
    campaign = make_campaign(stack, points=10)
    status, card = add_member(stack, campaign["id"], {"customer": "alice-1"})
    assert status == 200
    before = stack.items()
    stale = _stale_reads(monkeypatch)

    # When the same customer is added with those stale reads
    again = campaigns_service.add_member(stack.db(), campaign["id"], MemberAdd.model_validate({"customer": "alice-1"}), "https://x")

    # Then both conditional writes lose (source-id claim, membership claim) and the winner's card is answered
    assert stale == {"membership": 0, "source": 0}
    assert again["id"] == card["id"] and again["code"] == card["code"]
    assert stack.items() == before
