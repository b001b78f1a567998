"""A LOYALTY_CARD_POINTS purchase approved on DynamoDB Local: the spend and the POINTS_PURCHASED credit in one
TransactWriteItems, also when the reward credits the card it spends from (one update of the card, one of the bucket)."""

from __future__ import annotations

from loyalty.cards import buckets
from loyalty.cards import service as card_service
from loyalty.cards import store as cards
from loyalty.cards.ledger import card_transaction
from loyalty.db.keys import expiring_mark
from loyalty.jobs.models import CompleteRewardPurchase
from loyalty.purchases import service as purchase_service
from loyalty.purchases import store as purchases
from tests.contract.harness import Contract, assert_ledger
from tests.contract.test_stores import COST, card_of, job_for, make_member, make_program, purchase

ROLLING_3M = {"type": "ROLLING_EXPIRATION", "rolling_expiration": {"period": {"value": 3, "unit": "MONTH"}}}


def test_a_points_reward_crediting_its_own_card_spends_and_credits_in_one_write(contract: Contract) -> None:
    # Given a card whose points expire after 3 months, holding 300 points in today's bucket
    db = contract.db
    w = make_program(db, stock=2)
    db.update(db.keys.component("CDEF", w["cdef"]), "SET #d.points_expiration = :p", names={"#d": "data"}, values={"p": ROLLING_3M})
    w = make_member(db, w, job=False)
    opening = card_transaction(w["card"], "ADMIN_CREDIT", 300, "opening", "PENDING")
    cards.create_pending_card_transaction(db, opening, job_for(db, opening))
    assert card_service.apply_card_transaction(db, job_for(db, opening)) == "APPROVED"
    [bucket] = buckets.get_expiring_buckets(db, w["card"]["id"])
    day = bucket["data"]["expiration_date"]

    # And an accepted purchase of a reward (100 points) that credits 40 points to that same card
    rtx, ctx = purchase(db, w)
    target = {"points": 40, "card_definition_id": w["cdef"], "card_id": w["card"]["id"]}
    result = {"reward": {"id": w["reward"], "type": "DIGITAL"}, "quantity": 1, "material": None,
              "digital": {"type": "LOYALTY_CARD_POINTS", "loyalty_card_points": target}}
    job = CompleteRewardPurchase(project_id=db.project_id, member_id=ctx["member_id"], card_id=ctx["card_id"], transaction_id=ctx["id"],
                                 cost=COST, limited_stock=True, result=result, purchased_transaction_id="lctx_0000000000000000000001")
    purchases.accept_reward_purchase(db, rtx, ctx, COST, True, job)

    # When the worker approves it, twice (a redelivery)
    assert purchase_service.complete_reward_purchase(db, job) == "APPROVED"
    assert purchase_service.complete_reward_purchase(db, job) == "APPROVED"  # already settled: its status is reported, nothing moves

    # Then 100 were spent and 40 purchased, once, and today's bucket holds 300 - 100 + 40, as the card's mirror says
    card = card_of(db, w)
    assert (card["balance"], card["spent"], card["purchased"], card["total"]) == (240, COST, 40, 340)
    [bucket] = buckets.get_expiring_buckets(db, w["card"]["id"])
    assert int(bucket["points"]) == 240 and bucket["data"]["expiration_date"] == day
    raw = contract.items(f"MBR#{w['member']['id']}")
    [card_item] = [i for i in raw if i["SK"].endswith(w["card"]["id"]) and "balance" in i]
    assert card_item[expiring_mark(day, "ROLLING_EXPIRATION")] == 240
    bought = cards.get_card_transaction(db, w["card"]["id"], "lctx_0000000000000000000001")
    assert bought is not None and bought["type"] == "POINTS_PURCHASED" and bought["status"] == "APPROVED"
    assert bought["details"]["points"] == {"total": 40, "expiration_date": day, "expiration_type": "ROLLING_EXPIRATION"}
    assert bought["details"]["card_transaction"] == {"id": ctx["id"]}
    assert_ledger(card, contract.card_transactions({"program": w["program"]["id"], "member": w["member"]["id"], "card": w["card"]["id"]}))
