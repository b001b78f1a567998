"""The v1 journey driven by the official Voucherify Python SDK (PyPI `voucherify`) pointed at the local runtime."""

from __future__ import annotations

import uuid

import pytest
import voucherify

from local.runtime import ServeProcess

# The SDK warns that every v1 loyalty operation is deprecated upstream; that is the point of these endpoints.
pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated:DeprecationWarning")


def test_v1_journey_with_the_official_python_sdk(server: ServeProcess) -> None:
    config = voucherify.Configuration(host=server.base_url, api_key={
        "X-App-Id": server.dev_key.app_id, "X-App-Token": server.dev_key.token})
    with voucherify.ApiClient(config) as api:
        customers = voucherify.CustomersApi(api)
        loyalties = voucherify.LoyaltiesApi(api)
        customer = customers.create_customer(voucherify.CustomersCreateRequestBody(
            source_id=f"sdk-{uuid.uuid4().hex[:8]}", name="Sdk User"))
        assert customer.id.startswith("cust_")
        assert customers.get_customer(customer.id).source_id == customer.source_id

        campaign = loyalties.create_loyalty_program(voucherify.LoyaltiesCreateCampaignRequestBody(
            name=f"SDK loyalty {uuid.uuid4().hex[:6]}", type="AUTO_UPDATE",
            voucher=voucherify.CampaignLoyaltyVoucher(
                type="LOYALTY_CARD", loyalty_card=voucherify.CampaignLoyaltyCard(points=0),
                code_config=voucherify.CodeConfig(pattern="SDK-######"))))
        assert campaign.id.startswith("camp_")
        assert loyalties.get_loyalty_program(campaign.id).name == campaign.name

        card = loyalties.add_member(campaign.id, voucherify.LoyaltiesMembersCreateRequestBody(customer=voucherify.Customer(id=customer.id)))
        assert card.code.startswith("SDK-") and card.loyalty_card.balance == 0

        balance = loyalties.update_loyalty_card_balance1(
            campaign.id, card.code, voucherify.LoyaltiesMembersBalanceUpdateRequestBody(points=500))
        assert balance.balance == 500

        member = loyalties.get_member1(campaign.id, card.code)
        assert member.loyalty_card.balance == 500 and member.holder_id == customer.id
        assert loyalties.get_member(card.code).loyalty_card.points == 500
