"""Unit tests for the v1 wire models and the pure parts of the v1 campaign service."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from loyalty.api.app import base_url
from loyalty.customers.models import CustomerCreate
from loyalty.db.table import Table
from loyalty.v1.models import BalanceUpdate, CodeConfig, LoyaltyCampaignCreate, MemberAdd, duration_parts
from loyalty.v1.service import _plus_duration, voucher_view

DB = Table("acme", "table", cursor_secret="s" * 32)  # names the project the asset ids carry; never called


def test_a_customer_string_is_an_id_when_it_starts_with_cust_and_a_source_id_otherwise() -> None:
    assert MemberAdd.model_validate({"customer": "cust_abc"}).customer.id == "cust_abc"
    named = MemberAdd.model_validate({"customer": "source_customer_1"}).customer
    assert (named.id, named.source_id) == (None, "source_customer_1")
    with pytest.raises(ValidationError):
        MemberAdd.model_validate({"customer": {"email": "x@example.com"}})


def test_customer_patch_holds_only_the_named_fields_and_null_clears() -> None:
    body = CustomerCreate.model_validate({"source_id": "s", "name": "N", "email": None, "metadata": None})
    assert body.patch() == {"name": "N", "email": None, "metadata": {}}


def test_code_config_is_normalised_with_length_from_the_pattern() -> None:
    assert CodeConfig.model_validate({"pattern": "L-CARD-#######"}).normalized()["length"] == 7
    assert CodeConfig.model_validate({"length": 6, "prefix": "P-"}).normalized() == {
        "length": 6, "charset": CodeConfig().normalized()["charset"], "pattern": "######", "prefix": "P-"}
    assert CodeConfig.model_validate({"length": 6.0}).normalized()["pattern"] == "######"
    for bad in ({"length": 6.5}, {"pattern": "NOHASH"}, {"charset": "aaaa"}, {"prefix": "a b"}, {"length": 101}):
        with pytest.raises(ValidationError):
            CodeConfig.model_validate(bad)


@pytest.mark.parametrize(("metadata", "ok"), [
    ({"a": 1, "b": [1, {"c": "d"}]}, True),
    ({"big": "x" * 40_000}, False),
    ({"n": 2**60}, False),
    ({"tiny": 1.5e-300}, False),
    ({"huge": 1e200}, False),
    ({"ok": [0.0, -2.5e-100, 1e100]}, True),
    ({"": 1}, False),
])
def test_metadata_must_fit_in_one_item(metadata: dict[str, Any], ok: bool) -> None:
    body = {"name": "N", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}, "metadata": metadata}
    if ok:
        LoyaltyCampaignCreate.model_validate(body)
    else:
        with pytest.raises(ValidationError):
            LoyaltyCampaignCreate.model_validate(body)


def test_balance_update_dates_accept_a_date_or_the_sdks_date_time() -> None:
    assert BalanceUpdate.model_validate({"points": 5, "expiration_date": "2030-05-30"}).expiration_date == "2030-05-30"
    sdk = BalanceUpdate.model_validate({"points": 5, "expiration_type": "CUSTOM_DATE", "expiration_date": "2030-05-30T23:30:00-02:00"})
    assert sdk.expiration_date == "2030-05-31"
    for bad in ({"points": 0}, {"points": -5, "expiration_type": "NON_EXPIRING"}, {"points": 5, "expiration_type": "CUSTOM_DATE"},
                {"points": 5, "expiration_type": "NON_EXPIRING", "expiration_date": "2030-01-01"}, {"points": True}):
        with pytest.raises(ValidationError):
            BalanceUpdate.model_validate(bad)


def test_durations_and_adding_them_to_a_timestamp() -> None:
    assert duration_parts("P1Y2M3W4DT5H6M7S") == (1, 2, timedelta(weeks=3, days=4, hours=5, minutes=6, seconds=7))
    assert _plus_duration("2024-01-31T10:00:00.000Z", "P1M") == "2024-02-29T10:00:00.000Z"
    assert _plus_duration("2024-12-15T00:00:00.500Z", "P24D") == "2025-01-08T00:00:00.500Z"
    with pytest.raises(ValueError, match="ISO 8601 duration"):
        duration_parts("P")


def test_base_url_follows_the_event() -> None:
    def url(event: dict[str, Any]) -> str:
        return base_url(SimpleNamespace(current_event=SimpleNamespace(raw_event=event)))  # type: ignore[arg-type]

    event = {"requestContext": {"domainName": "abc.execute-api.eu-west-1.amazonaws.com", "stage": "prod"},
             "headers": {"X-Forwarded-Proto": "https"}}
    assert url(event) == "https://abc.execute-api.eu-west-1.amazonaws.com/prod"
    assert url({"requestContext": {"domainName": "127.0.0.1:3000", "stage": "$default"},
                "headers": {"x-forwarded-proto": "http"}}) == "http://127.0.0.1:3000"


def test_voucher_view_reports_lifetime_points_and_balance() -> None:
    card = {"voucher_id": "v_1", "code": "A B", "campaign": "C", "campaign_id": "camp_1", "holder_id": "cust_1",
            "created_at": "2024-01-01T00:00:00.000Z", "total": 500, "subtracted": 100, "spent": 50, "balance": 350}
    view = voucher_view(card, "https://x", DB)
    assert view["loyalty_card"]["points"] == 500 and view["loyalty_card"]["balance"] == 350
    assert view["loyalty_card"]["subtracted_points"] == 100 and view["redemption"]["redeemed_points"] == 50
    assert view["publish"]["url"] == "/v1/vouchers/A%20B/publications?page=1&limit=10"
    assert voucher_view(card, "https://x", DB)["assets"] == view["assets"]  # deterministic
