"""The pure parts of the points-bucket endpoints: a card's next activation and expiration from its bucket mirrors, how a
card write moves the mirrors, the bucket views (only the spec's fields), the v1 ids, v1 list parameters, and which
orders a bucket list serves from its sort key."""

from __future__ import annotations

import pytest

from loyalty.buckets.views import (
    EXPIRING_FIELDS,
    PENDING_FIELDS,
    bucket_id_of_v1_pending,
    expiring_bucket_view,
    pending_bucket_view,
    v1_bucket_id,
    v1_pending_id,
    v1_pending_view,
)
from loyalty.cards.buckets import CardWrite
from loyalty.core.errors import LoyaltyError
from loyalty.core.listing import ListQuery, Plain, parse_plain
from loyalty.db.keys import expiring_mark, parse_marks, pending_mark
from loyalty.db.lists import Collection
from loyalty.members.store import next_activation, next_expiration

STORED_PENDING = {"id": "lcppb_0123456789abcdef01", "card_id": "lcrd_1", "member_id": "lmbr_1", "program_id": "lprg_1",
                  "card_definition_id": "lcdef_1", "card_type": "INDIVIDUAL", "points": {"total": 30}, "date": "2031-01-05",
                  "type": "PERIOD_BASED", "status": "PENDING", "created_at": "2030-12-29T10:00:00.000Z", "updated_at": None,
                  "object": "card_pending_points_bucket", "customer_id": "cust_1", "points_expiration": None, "source_id": "ord_1",
                  "transaction_id": "lctx_1", "reason": "Club / Order paid", "metadata": {"event_id": "ord_1", "earning_rule_id": "lern_1"}}


@pytest.mark.parametrize(("marks", "activation", "expiration"), [
    ({}, None, None),
    ({pending_mark("2031-01-05", "PERIOD_BASED", "lcppb_a"): 30, pending_mark("2031-01-03", "PERIOD_BASED", "lcppb_b"): 20,
      pending_mark("2031-01-03", "PERIOD_BASED", "lcppb_c"): 5},
     {"points": 25, "type": "PERIOD_BASED", "date": "2031-01-03"}, None),
    ({pending_mark("2031-01-02", "EVENT_BASED", "lcppb_a"): 10, pending_mark("2031-01-03", "FIXED_DATES", "lcppb_b"): 7},
     {"points": 10, "type": "EVENT_BASED", "cancel_date": "2031-01-02"}, None),
    ({expiring_mark("2031-06-30", "ROLLING_EXPIRATION"): 40, expiring_mark("2031-03-31", "ROLLING_EXPIRATION"): 15,
      expiring_mark("2031-03-31", "CALENDAR_EXPIRATION"): 5},
     None, {"points": 20, "date": "2031-03-31"}),
    ({expiring_mark("2031-03-31", "ROLLING_EXPIRATION"): 0, pending_mark("2031-01-02", "PERIOD_BASED", "lcppb_a"): 0,
      "balance": 99, "data": {}}, None, None),
])
def test_the_card_answers_its_next_activation_and_expiration_from_its_mirrors(marks: dict[str, object], activation: object,
                                                                               expiration: object) -> None:
    pending, expiring = parse_marks(marks)
    assert next_activation(pending) == activation
    assert next_expiration(expiring) == expiration


def test_a_card_write_adds_to_a_mirror_or_removes_it_but_not_both() -> None:
    write = CardWrite("lmbr_1", "lcrd_1")
    write.mark("NE#a", 10)
    write.mark("NE#a", -3)
    write.mark("NA#b", None)
    assert write.marks == {"NE#a": 7, "NA#b": None}
    write.mark("NE#a", None)
    assert write.marks["NE#a"] is None
    with pytest.raises(ValueError, match="removed and changed"):
        write.mark("NE#a", 1)


def test_bucket_views_show_only_the_spec_fields() -> None:
    view = pending_bucket_view(STORED_PENDING)
    assert set(view) == set(PENDING_FIELDS) and view["points"] == {"total": 30} and view["object"] == "card_pending_points_bucket"
    stored = {**STORED_PENDING, "id": "lcpeb_1", "expiration_date": "2031-06-30", "expiration_type": "ROLLING_EXPIRATION",
              "status": "ACTIVE"}
    view = expiring_bucket_view(stored)
    assert set(view) == set(EXPIRING_FIELDS) and view["object"] == "card_points_bucket" and view["customer_id"] == "cust_1"


def test_v1_ids_map_to_the_v2_buckets_both_ways() -> None:
    assert v1_pending_id("lcppb_0123456789abcdef01") == "lopp_0123456789abcdef01"
    assert bucket_id_of_v1_pending("lopp_0123456789abcdef01") == "lcppb_0123456789abcdef01"
    assert v1_bucket_id("lcpeb_00ff") == "lopb_00ff"
    for other in ("lcppb_0123", "lopp_XYZ", "lopp_", "nonsense", "lopp_00ff/../x"):
        assert bucket_id_of_v1_pending(other) is None


def test_a_v1_pending_entry_has_the_v1_shape() -> None:
    entry = v1_pending_view(STORED_PENDING, {"voucher_id": "v_1", "campaign_id": "camp_1", "holder_id": "cust_1"})
    assert entry == {
        "id": "lopp_0123456789abcdef01", "voucher_id": "v_1", "campaign_id": "camp_1", "customer_id": "cust_1", "order_id": "ord_1",
        "points": 30, "activates_at": "2031-01-05",
        "details": {"event": {"id": "ord_1", "type": "customer.order.paid", "entity_id": "cust_1", "created_at": "2030-12-29T10:00:00.000Z"},
                    "earning_rule": {"id": "lern_1", "source": {"banner": "Club / Order paid"}},
                    "order": {"id": "ord_1", "source_id": None}},
        "created_at": "2030-12-29T10:00:00.000Z"}


def test_v1_list_parameters() -> None:
    rules = {"limit": Plain(10, 1, 100), "order": Plain("id", values=("id", "-id")), "starting_after_id": Plain()}
    assert parse_plain([], rules) == {"limit": 10, "order": "id", "starting_after_id": None}
    assert parse_plain([("limit", "5"), ("order", "-id"), ("starting_after_id", "lopp_1")], rules) == {
        "limit": 5, "order": "-id", "starting_after_id": "lopp_1"}
    for bad in ([("limit", "0")], [("limit", "x")], [("order", "date")], [("page", "1")], [("limit", "1"), ("limit", "2")]):
        with pytest.raises(LoyaltyError) as refused:
            parse_plain(bad, rules)
        assert (refused.value.status, refused.value.key) == (400, "invalid_query_params")


def test_a_list_whose_keys_follow_a_date_serves_that_order_from_the_key() -> None:
    by_date = Collection("p", sk_prefix="PPB#", key_order="date")
    assert by_date.serves(ListQuery(order=(("date", False),))) and by_date.serves(ListQuery(order=(("date", True),)))
    assert not by_date.serves(ListQuery(order=(("created_at", True),)))
    assert Collection("p").serves(ListQuery()) and not Collection("p", time_ordered=False).serves(ListQuery())
