"""The official Python SDK (voucherify 6.1.1), unchanged, driving the v1 handlers routed by template.yaml."""

from __future__ import annotations

import json
import re
from datetime import date
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from voucherify import ApiClient, Configuration, CustomersApi, EventsApi, LoyaltiesApi, MetadataSchemasApi, rest
from voucherify.exceptions import ApiException, BadRequestException, NotFoundException
from voucherify.models import (
    CampaignLoyaltyCard,
    CampaignLoyaltyVoucher,
    CodeConfig,
    Customer,
    CustomersCreateRequestBody,
    EventsCreateRequestBody,
    LoyaltiesCreateCampaignRequestBody,
    LoyaltiesMembersBalanceUpdateRequestBody,
    LoyaltiesMembersCreateRequestBody,
)

from loyalty.schemas.service import create_event_schema
from tests import support
from tests.integration.conftest import Stack

# The SDK warns that every v1 loyalty operation is deprecated upstream; that is the point of these endpoints.
pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated:DeprecationWarning")


def _routes() -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path regex, function folder) for every HttpApi route of template.yaml, static routes first."""
    routes = []
    for resource in support.template()["Resources"].values():
        props = resource.get("Properties") or {}
        for event in (props.get("Events") or {}).values():
            if event.get("Type") != "HttpApi":
                continue
            path = event["Properties"]["Path"]
            regex = re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$")
            routes.append((path.count("{"), event["Properties"]["Method"].upper(), regex, props["CodeUri"].strip("/").split("/")[-1]))
    return [(method, regex, name) for _, method, regex, name in sorted(routes, key=lambda r: r[0])]


class _Gateway:
    """Stands in for the SDK's urllib3 client: each request becomes an HTTP API event for the routed handler."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.routes = _routes()
        self.calls: list[tuple[str, str, str]] = []

    def request(self, method: str, url: str, headers: dict[str, str] | None = None, body: Any = None,
                post_params: Any = None, _request_timeout: Any = None) -> rest.RESTResponse:
        path = urlsplit(url).path
        name = next(n for m, regex, n in self.routes if m == method and regex.match(path))
        self.calls.append((method, path, name))
        status, payload = self.stack.call(name, method, path, headers=dict(headers or {}),
                                          raw_body=json.dumps(body) if body is not None else None)
        raw = SimpleNamespace(status=status, reason="", data=json.dumps(payload).encode(),
                              headers={"content-type": "application/json"})
        return rest.RESTResponse(raw)


def sdk(stack: Stack, headers: dict[str, str] | None = None) -> tuple[LoyaltiesApi, CustomersApi, _Gateway]:
    keys = headers or stack.headers
    client = ApiClient(Configuration(host="https://api.example.test",
                                     api_key={"X-App-Id": keys["X-App-Id"], "X-App-Token": keys["X-App-Token"]}))
    gateway = _Gateway(stack)
    client.rest_client = gateway  # type: ignore[assignment]
    return LoyaltiesApi(client), CustomersApi(client), gateway


def test_the_sdk_runs_the_v1_journey_unchanged(stack: Stack) -> None:
    loyalties, customers, gateway = sdk(stack)

    # Given a customer and a campaign created through the SDK
    customer = customers.create_customer(CustomersCreateRequestBody(source_id="alice-1", name="Alice", birthdate=date(1990, 4, 1)))
    assert customer.id is not None and customer.object == "customer" and str(customer.birthdate) == "1990-04-01"
    campaign = loyalties.create_loyalty_program(LoyaltiesCreateCampaignRequestBody(
        name="SDK Loyalty", type="AUTO_UPDATE", join_once=True,
        voucher=CampaignLoyaltyVoucher(loyalty_card=CampaignLoyaltyCard(points=25), code_config=CodeConfig(prefix="SDK-", length=6))))
    assert campaign.id is not None and campaign.creation_status == "DONE" and campaign.campaign_type == "LOYALTY_PROGRAM"

    # When the SDK adds the member, credits points and reads the card every documented way
    card = loyalties.add_member(campaign.id, LoyaltiesMembersCreateRequestBody(customer=Customer(source_id="alice-1")))
    assert card.code is not None and card.code.startswith("SDK-") and len(card.code) == 10
    assert card.holder_id == customer.id and card.loyalty_card is not None and card.loyalty_card.balance == 25
    added = loyalties.update_loyalty_card_balance1(campaign.id, card.code, LoyaltiesMembersBalanceUpdateRequestBody(points=75))
    removed = loyalties.update_loyalty_card_balance(card.code, LoyaltiesMembersBalanceUpdateRequestBody(points=-20, reason="fix"))
    by_campaign = loyalties.get_member1(campaign.id, card.code)
    by_code = loyalties.get_member(card.code)
    by_name = loyalties.get_loyalty_program("SDK Loyalty")
    again = customers.get_customer("alice-1")

    # Then every answer parses into the SDK's models with the expected values
    assert (added.points, added.total, added.balance, added.object, added.type) == (75, 100, 100, "balance", "loyalty_card")
    assert added.related_object is not None and added.related_object.id == card.id
    assert (removed.points, removed.total, removed.balance) == (-20, 100, 80)
    assert by_campaign.loyalty_card is not None
    assert (by_campaign.loyalty_card.points, by_campaign.loyalty_card.balance, by_campaign.loyalty_card.subtracted_points) == (100, 80, 20)
    assert by_code.to_dict() == by_campaign.to_dict()
    assert by_name.id == campaign.id and again.id == customer.id
    # And each SDK call reached the function template.yaml routes it to
    assert [name for _, _, name in gateway.calls] == [
        "create_customer", "create_loyalty_program_v1", "add_member_v1", "update_loyalty_card_balance_v1",
        "update_loyalty_card_balance_by_code_v1", "get_member_v1", "get_member_by_code_v1", "get_loyalty_program_v1",
        "get_customer"]
    assert ("GET", "/v1/loyalties/SDK%20Loyalty", "get_loyalty_program_v1") in gateway.calls


def test_the_sdk_sees_errors_as_api_exceptions(stack: Stack) -> None:
    loyalties, customers, _ = sdk(stack)
    campaign = loyalties.create_loyalty_program(LoyaltiesCreateCampaignRequestBody(
        name="Errors", voucher=CampaignLoyaltyVoucher(loyalty_card=CampaignLoyaltyCard(points=0))))
    assert campaign.id is not None
    card = loyalties.add_member(campaign.id, LoyaltiesMembersCreateRequestBody(customer=Customer(source_id="bob-1")))
    assert card.code is not None

    with pytest.raises(NotFoundException) as missing:
        loyalties.get_member1(campaign.id, "NO-SUCH-CARD")
    assert json.loads(missing.value.body or "")["resource_type"] == "voucher"
    with pytest.raises(NotFoundException):
        customers.get_customer("nobody")
    with pytest.raises(BadRequestException) as bad:
        loyalties.add_member(campaign.id, LoyaltiesMembersCreateRequestBody(customer=Customer(name="No identifier")))
    assert json.loads(bad.value.body or "")["key"] == "invalid_payload"
    with pytest.raises(ApiException) as refused:
        loyalties.update_loyalty_card_balance(card.code, LoyaltiesMembersBalanceUpdateRequestBody(points=-1))
    assert refused.value.status == 423
    with pytest.raises(ApiException) as duplicate:
        loyalties.create_loyalty_program(LoyaltiesCreateCampaignRequestBody(
            name="Errors", voucher=CampaignLoyaltyVoucher(loyalty_card=CampaignLoyaltyCard(points=0))))
    assert duplicate.value.status == 409


def test_the_sdk_with_another_projects_keys_sees_nothing(stack: Stack) -> None:
    loyalties, _, _ = sdk(stack)
    campaign = loyalties.create_loyalty_program(LoyaltiesCreateCampaignRequestBody(
        name="Mine", voucher=CampaignLoyaltyVoucher(loyalty_card=CampaignLoyaltyCard(points=0))))
    assert campaign.id is not None
    theirs, _, _ = sdk(stack, stack.other_headers)
    with pytest.raises(NotFoundException):
        theirs.get_loyalty_program(campaign.id)


def test_the_sdk_tracks_custom_events_and_reads_their_schemas(stack: Stack) -> None:
    # Given a custom event schema made by the operator, and the SDK's events and metadata-schema clients
    schema = create_event_schema(stack.db(), "cart_abandoned", {"number": "number", "flag": "boolean"})
    client = ApiClient(Configuration(host="https://api.example.test",
                                     api_key={"X-App-Id": stack.headers["X-App-Id"], "X-App-Token": stack.headers["X-App-Token"]}))
    gateway = _Gateway(stack)
    client.rest_client = gateway  # type: ignore[assignment]
    events, schemas = EventsApi(client), MetadataSchemasApi(client)

    # When the spec's "Earning rule triggered by custom event" example (without its card) is tracked
    tracked = events.track_custom_event(EventsCreateRequestBody(
        event="cart_abandoned", customer=Customer(source_id="source_customer_event", name="John Doe"),
        metadata={"date": "2022-12-01", "flag": True, "number": 1}))

    # Then the SDK reads the answer, and the schemas through its own calls
    assert (tracked.object, tracked.type, tracked.customer.source_id, tracked.customer.name) == (
        "event", "cart_abandoned", "source_customer_event", "John Doe")
    assert tracked.metadata == {"date": "2022-12-01", "flag": True, "number": 1}
    listed = schemas.list_metadata_schemas()
    assert (listed.data_ref, listed.total, [s.id for s in listed.schemas or []]) == ("schemas", 1, [schema["id"]])
    got = schemas.get_metadata_schema("cart_abandoned")
    assert (got.id, got.related_object, sorted(got.properties or {})) == (schema["id"], "cart_abandoned", ["flag", "number"])
    with pytest.raises(NotFoundException):
        schemas.get_metadata_schema("earning_rule")
    assert [name for _, _, name in gateway.calls] == ["track_custom_event", "list_metadata_schemas", "get_metadata_schema",
                                                      "get_metadata_schema"]
