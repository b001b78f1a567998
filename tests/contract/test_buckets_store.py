"""A card's points buckets on DynamoDB Local: the card item's bucket mirrors move in the same transaction as the buckets
(ADD and REMOVE in the card's one update expression), so a card read alone answers its next activation and next
expiration; and the bucket lists page in their sort keys' date order, both ways, one Query per page."""

from __future__ import annotations

from typing import Any

from bench.buckets import card_ref, seed_expiring, seed_pending
from loyalty.buckets import store
from loyalty.buckets.service import EXPIRING_LIST, PENDING_LIST
from loyalty.cards import buckets as bucket_store
from loyalty.cards.buckets import CardWrite
from loyalty.core.listing import ListQuery, ListSpec
from loyalty.db.keys import parse_marks
from loyalty.points import service as points
from tests.contract.harness import Contract


def _pages(contract: Contract, world: dict[str, str], lister: Any, spec: ListSpec, field: str, descending: bool) -> list[str]:
    found: list[str] = []
    cursor = None
    while True:
        query = ListQuery(limit=1, order=((field, descending),), cursor=cursor, explicit=frozenset({"order"}))
        page = lister(contract.db, world["program"], world["member"], world["card"], query, spec)
        assert page is not None and len(page[0]) <= 1
        found += [str(r[field]) for r in page[0]]
        if page[1] is None:
            return found
        cursor = page[1]["next"]


def test_bucket_mirrors_answer_the_card_s_next_activation_and_expiration(contract: Contract) -> None:
    world = contract.build_member(contract.build_program())
    db = contract.db
    ref = card_ref(world["card"], world["member"], world["program"], world["cdef"], "cust_contract")
    seed_pending(db, ref, 30, "2031-01-05")
    seed_pending(db, ref, 20, "2031-01-03")
    seed_pending(db, ref, 5, "2031-01-03")
    event_based = seed_pending(db, ref, 10, "2031-01-02", "EVENT_BASED")
    seed_expiring(db, ref, 40, "2031-06-30")
    seed_expiring(db, ref, 15, "2031-03-31")
    card = contract.card(world)
    assert card["next_activation"] == {"points": 10, "type": "EVENT_BASED", "cancel_date": "2031-01-02"}
    assert card["next_expiration"] == {"points": 15, "date": "2031-03-31"}

    # Canceling the EVENT_BASED bucket removes its mirror: the next activation sums the two buckets of the next date
    item = points.find_pending_bucket(db, world["card"], event_based["id"])
    assert item is not None and points.settle_pending(db, item, {}, activate=False, reason="contract") is not None
    assert contract.card(world)["next_activation"] == {"points": 25, "type": "PERIOD_BASED", "date": "2031-01-03"}

    # A debit of 20 empties the soonest expiring bucket (REMOVE its mirror) and takes 5 from the next (ADD -5), in one write
    write = CardWrite(world["member"], world["card"])
    write.move(subtracted=20)
    bucket_store.add_consumption(write, db, world["card"], 20)
    write.commit(db)
    card = contract.card(world)
    assert card["next_expiration"] == {"points": 35, "date": "2031-06-30"}
    assert [int(i["points"]) for i in bucket_store.get_expiring_buckets(db, world["card"])] == [35]
    pending, expiring = parse_marks(db.get(db.keys.card(world["member"], world["card"])) or {})
    assert (len(pending), expiring) == (3, [("2031-06-30", "ROLLING_EXPIRATION", 35)])  # one mirror per live bucket


def test_bucket_lists_page_in_date_order_both_ways(contract: Contract) -> None:
    world = contract.build_member(contract.build_program())
    db = contract.db
    ref = card_ref(world["card"], world["member"], world["program"], world["cdef"], "cust_contract")
    for day, last in (("2031-02-01", "2031-02-28"), ("2031-01-01", "2031-01-31"), ("2031-03-01", "2031-03-31")):
        seed_pending(db, ref, 10, day)
        seed_expiring(db, ref, 10, last)
    dates = sorted(b["date"] for b in (bucket_store.pending_bucket_from_item(i) for i in bucket_store.get_pending_buckets(db, world["card"])))
    assert _pages(contract, world, store.list_pending_buckets, PENDING_LIST, "date", False) == dates
    assert _pages(contract, world, store.list_pending_buckets, PENDING_LIST, "date", True) == dates[::-1]
    expiring = [bucket_store.expiring_bucket_from_item(i)["expiration_date"] for i in bucket_store.get_expiring_buckets(db, world["card"])]
    assert expiring == sorted(expiring) and len(expiring) == 3
    assert _pages(contract, world, store.list_expiring_buckets, EXPIRING_LIST, "expiration_date", False) == expiring
    assert _pages(contract, world, store.list_expiring_buckets, EXPIRING_LIST, "expiration_date", True) == expiring[::-1]
