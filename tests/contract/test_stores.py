"""The domain stores' access patterns against DynamoDB Local: real expressions, conditions, labelled transactions and cancellation reasons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from loyalty.apikeys import store as apikeys
from loyalty.cards import store as cards
from loyalty.cards.ledger import card_transaction
from loyalty.cards.service import TRANSACTIONS
from loyalty.components import store as components
from loyalty.core import ids
from loyalty.core.clock import now_iso, now_ms
from loyalty.core.errors import LoyaltyError
from loyalty.core.ids import new_alnum_id
from loyalty.customers import store as customers
from loyalty.db.table import ConditionFailed, PendingJobs, Table
from loyalty.db.transact import TransactionConflict
from loyalty.jobs.models import ApplyCardTransaction, CompleteRewardPurchase, GenerateCardCodes
from loyalty.members import store as members
from loyalty.members.service import new_card
from loyalty.members.store import MEMBER_INACTIVE
from loyalty.programs import store as programs
from loyalty.purchases import store as purchases
from loyalty.purchases.service import PURCHASES
from loyalty.v1 import store as campaigns
from tests.contract.harness import CURSOR_SECRET, Contract, assert_ledger, lq

COST = 100


# ---------------------------------------------------------------------- records the services would build
def component(prefix: str, **extra: Any) -> dict[str, Any]:
    return {"id": ids.IdKind(prefix, "component").new(), "status": "ACTIVE", "name": f"component {prefix}", "created_at": now_iso(), **extra}


def make_program(db: Table, *, stock: int | None = 3, status: str = "ACTIVE") -> dict[str, Any]:
    """Given a card definition, an earning rule and a reward (cost 100), and a program assigning them (reward stock `stock`)."""
    cdef, rule, reward = component("lcdef_"), component("lern_"), component("lrew_", type="MATERIAL")
    components.create_component(db, "CDEF", cdef)
    components.create_component(db, "ERULE", rule)
    components.create_component(db, "REWARD", reward)
    program = {"id": ids.PROGRAM.new(), "name": "VIP", "status": status, "metadata": {}, "created_at": now_iso(), "object": "program"}
    costs = [{"spending": [{"points": COST, "card_definition_id": cdef["id"]}]}]
    assignments = [
        {"kind": "CDEF", "id": cdef["id"], "data": {"card_definition_id": cdef["id"], "allow_negative": False,
                                                  "object": "program_card_definition"}},
        {"kind": "ERULE", "id": rule["id"], "data": {"earning_rule_id": rule["id"], "object": "program_earning_rule"}},
        {"kind": "REWARD", "id": reward["id"], "data": {"reward_id": reward["id"], "costs": costs, "object": "program_reward"},
         **({"stock_quantity": stock} if stock is not None else {})},
    ]
    refs = [("CDEF", cdef["id"]), ("ERULE", rule["id"]), ("REWARD", reward["id"])]
    found = {("CDEF", cdef["id"]): cdef, ("ERULE", rule["id"]): rule, ("REWARD", reward["id"]): reward}
    programs.create_program(db, program, assignments, found, program)
    return {"program": program, "assignments": assignments, "refs": refs, "cdef": cdef["id"], "reward": reward["id"],
            "found": found, "components": {"cdef": cdef, "rule": rule, "reward": reward}}


def make_member(db: Table, world: dict[str, Any], customer_id: str = "cust_alice", *, points: int = 0,
                job: bool = True) -> dict[str, Any]:
    """Given a member of the world's program with one card (holding `points`, applied through a settled credit)."""
    program_id = world["program"]["id"]
    member = {"id": ids.MEMBER.new(), "customer_id": customer_id, "program_id": program_id, "status": "ACTIVE",
              "metadata": {}, "created_at": now_iso(), "updated_at": None, "object": "member"}
    card = new_card(member["id"], program_id, world["cdef"], now_iso())
    code_job = GenerateCardCodes(project_id=db.project_id, member_id=member["id"]) if job else None
    create_member(db, member, [card], scope_id=program_id, job=code_job)
    if points:
        credit = card_transaction(card, "ADMIN_CREDIT", points, "opening", "PENDING")
        cards.create_pending_card_transaction(db, credit, job_for(db, credit))
        cards.apply_card_transaction(db, credit, {"added": points, "total": points}, None)
    return {**world, "member": member, "card": card}


def create_member(db: Table, member: dict[str, Any], cards_: list[dict[str, Any]], *, scope_id: str,
                  job: GenerateCardCodes | None = None, codes: list[str] = (), transactions: list[dict[str, Any]] = ()) -> None:  # type: ignore[assignment]
    """A member with its cards (and any settled transactions) in one transaction, as the services compose it."""
    tx = db.transaction()
    members.add_member(tx, db, member, cards_, scope_id=scope_id, job=job, codes=codes)
    for ctx in transactions:
        cards.add_transaction(tx, db, ctx)
    tx.commit()


def assign_codes(db: Table, member_id: str, codes: dict[str, str]) -> None:
    """Card codes assigned in one transaction, as the code job writes them."""
    tx = db.transaction()
    members.add_card_codes(tx, db, member_id, codes)
    tx.commit()


def job_for(db: Table, ctx: dict[str, Any]) -> ApplyCardTransaction:
    return ApplyCardTransaction(project_id=db.project_id, member_id=ctx["member_id"], card_id=ctx["card_id"], transaction_id=ctx["id"])


def purchase(db: Table, w: dict[str, Any], *, limited: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """The reward and card transactions of one purchase of the world's reward (not yet written)."""
    card = w["card"]
    rtx = {"id": ids.REWARD_TRANSACTION.new(), "card_id": card["id"], "program_id": w["program"]["id"], "member_id": w["member"]["id"],
           "reward_id": w["reward"], "status": "PENDING", "type": "PURCHASE", "details": {"points": {"total": COST}},
           "created_at": now_iso(), "object": "reward_transaction"}
    ctx = card_transaction(card, "POINTS_SPENT_ON_REWARD", -COST, "Points spent on reward", "PENDING", reward_id=w["reward"],
                           reward={"id": w["reward"]}, reward_transaction={"id": rtx["id"]})
    rtx["card_transaction_id"] = ctx["id"]
    return rtx, ctx


def purchase_job(db: Table, ctx: dict[str, Any], limited: bool) -> CompleteRewardPurchase:
    return CompleteRewardPurchase(project_id=db.project_id, member_id=ctx["member_id"], card_id=ctx["card_id"],
                                  transaction_id=ctx["id"], cost=COST, limited_stock=limited, result={}, counted=True,
                                  reward_id=ctx["details"]["reward"]["id"])


def card_of(db: Table, w: dict[str, Any]) -> dict[str, Any]:
    card = members.get_card(db, w["member"]["id"], w["card"]["id"])
    assert card is not None
    return card


def stock_of(c: Contract, w: dict[str, Any]) -> tuple[int | None, int]:
    item = c.item(f"PRG#{w['program']['id']}", f"A#REWARD#{w['reward']}")
    assert item is not None
    return item.get("stock_quantity"), item["redeemed"]


def refused(exc: pytest.ExceptionInfo[TransactionConflict]) -> list[str]:
    """The labels of the transaction items whose condition failed, in transaction order."""
    return exc.value.failed_labels


# ---------------------------------------------------------------------- components
def test_components_are_stored_and_read_back_in_batches(contract: Contract) -> None:
    db = contract.db
    # Given one card definition and earning rule, and more rewards than one BatchGetItem may ask for (100 keys)
    cdef, rule = component("lcdef_"), component("lern_")
    components.create_component(db, "CDEF", cdef)
    components.create_component(db, "ERULE", rule)
    rewards = [component("lrew_", type="MATERIAL") for _ in range(105)]
    for reward in rewards:
        components.create_component(db, "REWARD", reward)

    # When they are read one by one and all at once (with a duplicate and a missing reference)
    refs = [("CDEF", cdef["id"]), ("ERULE", rule["id"]), ("CDEF", cdef["id"]), ("REWARD", "lrew_000000000000000000")]
    found = components.get_components(db, refs + [("REWARD", r["id"]) for r in rewards])

    # Then every stored component comes back exactly as written, and the missing one is simply absent
    assert components.get_component(db, "CDEF", cdef["id"]) == cdef and components.get_component(db, "ERULE", rule["id"]) == rule
    assert components.get_component(db, "REWARD", rewards[0]["id"]) == rewards[0]
    assert components.get_component(db, "REWARD", "lrew_000000000000000000") is None
    assert len(found) == 2 + 105 and found[("CDEF", cdef["id"])] == cdef and found[("REWARD", rewards[-1]["id"])] == rewards[-1]
    # And another project sees none of them
    other = Table("other-project", contract.table, cursor_secret=CURSOR_SECRET, client=contract.ddb)
    assert components.get_component(other, "CDEF", cdef["id"]) is None and components.get_components(other, refs) == {}


def test_a_component_id_is_written_once(contract: Contract) -> None:
    # Given a stored reward
    reward = component("lrew_", type="MATERIAL")
    components.create_component(contract.db, "REWARD", reward)
    # When another reward with the same id is stored, the put's condition refuses it and the first one stays
    with pytest.raises(TransactionConflict) as exc:
        components.create_component(contract.db, "REWARD", {**reward, "name": "impostor"})
    assert refused(exc) == ["component"]
    assert components.get_component(contract.db, "REWARD", reward["id"]) == reward
    # And its history holds the one `created` activity, written with it
    activities = contract.items(f"ACT#{reward['id']}")
    assert [a["data"]["type"] for a in activities] == ["vl.reward.created"]


# ---------------------------------------------------------------------- programs
def test_a_program_is_written_with_its_assignments_and_read_in_one_query(contract: Contract) -> None:
    # When a program assigning a card definition, an earning rule and a reward with stock 3 is created
    world = make_program(contract.db, stock=3)
    # Then it reads back with every assignment, the reward's stock and a zero redeemed counter
    found = programs.get_program_with_assignments(contract.db, world["program"]["id"])
    assert found is not None
    program, assignments = found
    assert program == world["program"]
    assert sorted((a["kind"], a["id"], a["stock_quantity"], a["redeemed"]) for a in assignments) == sorted([
        ("CDEF", world["cdef"], None, 0), ("ERULE", world["refs"][1][1], None, 0), ("REWARD", world["reward"], 3, 0)])
    assert programs.get_program_with_assignments(contract.db, ids.PROGRAM.new()) is None


def test_a_program_is_refused_when_a_component_vanished_before_the_write(contract: Contract) -> None:
    # Given a program about to be written, whose reward is deleted after it was read
    world = make_program(contract.db)
    reward = component("lrew_", type="MATERIAL")
    components.create_component(contract.db, "REWARD", reward)
    program = {**world["program"], "id": ids.PROGRAM.new()}
    assignments = [*world["assignments"][:2], {"kind": "REWARD", "id": reward["id"], "data": {"costs": [], "object": "program_reward"}}]
    found = {**world["found"], ("REWARD", reward["id"]): reward}
    contract.delete(f"REWARD#{reward['id']}", "REWARD")

    # When it is written, the update recording the vanished reward's use cancels the whole transaction
    with pytest.raises(TransactionConflict) as exc:
        programs.create_program(contract.db, program, assignments, found, program)

    # Then only that update failed, and nothing of the program was written
    assert refused(exc) == [programs.component_label("REWARD", reward["id"])]
    assert programs.get_program_with_assignments(contract.db, program["id"]) is None
    assert contract.items(f"PRG#{program['id']}") == []


def test_a_program_id_is_written_once(contract: Contract) -> None:
    world = make_program(contract.db)
    # When the same program is written again, the program item's condition refuses it
    with pytest.raises(TransactionConflict) as exc:
        programs.create_program(contract.db, {**world["program"], "name": "again"}, [], {}, world["program"])
    assert refused(exc) == ["program"]
    found = programs.get_program_with_assignments(contract.db, world["program"]["id"])
    assert found is not None and found[0]["name"] == "VIP"


# ---------------------------------------------------------------------- members and cards
def test_a_member_is_written_with_its_cards_claim_and_code_job(contract: Contract) -> None:
    # When a customer is enrolled
    w = make_member(contract.db, make_program(contract.db))
    member_id, card_id = w["member"]["id"], w["card"]["id"]

    # Then the member reads back with its card, every counter zero, no code yet
    found = members.get_member_with_cards(contract.db, member_id)
    assert found is not None
    member, cards = found
    assert member == w["member"]
    assert [c["id"] for c in cards] == [card_id]
    assert cards[0]["balance"] == 0 and cards[0]["code"] is None
    assert all(cards[0][name] == 0 for name in ("total", "added", "subtracted", "spent", "locked", "unlocked"))
    assert members.get_card(contract.db, member_id, card_id) == cards[0]
    # And the customer's claim on the program names the member and its card, and the code job is pending
    assert members.get_membership(contract.db, w["program"]["id"], "cust_alice") == {
        "PK": f"{contract.project}#CUST#cust_alice", "SK": f"MSHIP#{w['program']['id']}", "member_id": member_id, "card_ids": [card_id]}
    assert contract.pending_jobs() == [{"type": "generate_card_codes", "project_id": contract.project, "member_id": member_id}]
    assert members.get_member_with_cards(contract.db, ids.MEMBER.new()) is None


def test_a_second_membership_of_a_customer_is_refused_by_the_claim(contract: Contract) -> None:
    # Given a customer already enrolled in the program
    world = make_program(contract.db)
    make_member(contract.db, world, "cust_bob")
    # When the customer is enrolled again (as a new member)
    with pytest.raises(TransactionConflict) as exc:
        make_member(contract.db, world, "cust_bob", job=False)
    # Then the membership claim is what failed, and no second member or card was written
    assert exc.value.failed("membership")
    assert not exc.value.failed("member") and not exc.value.failed("card")
    assert len([i for i in contract.items("MBR#") if i["SK"] == "MEMBER"]) == 1
    assert len([i for i in contract.items("MBR#") if i["SK"].startswith("CARD#")]) == 1


def test_card_codes_are_assigned_once_and_claimed_uniquely(contract: Contract) -> None:
    world = make_program(contract.db)
    w1, w2 = make_member(contract.db, world, "cust_one"), make_member(contract.db, world, "cust_two")
    m1, c1 = w1["member"]["id"], w1["card"]["id"]

    # When the first member's card gets its code
    assign_codes(contract.db, m1, {c1: "CODE-ONE"})

    # Then the card holds it, the code is claimed for that card, and the member's code job is no longer pending
    assert card_of(contract.db, w1)["code"] == "CODE-ONE"
    claim = members.get_card_by_code(contract.db, "CODE-ONE")
    assert claim is not None and (claim["member_id"], claim["card_id"]) == (m1, c1)
    assert [j["member_id"] for j in contract.pending_jobs()] == [w2["member"]["id"]]

    # When the job runs again with another code: the card already has one and the job is done, so nothing changes
    with pytest.raises(TransactionConflict) as again:
        assign_codes(contract.db, m1, {c1: "CODE-TWO"})
    assert refused(again) == ["code", "job"]
    assert members.get_card_by_code(contract.db, "CODE-TWO") is None and card_of(contract.db, w1)["code"] == "CODE-ONE"

    # When another member's card draws a code already claimed, the claim refuses it
    with pytest.raises(TransactionConflict) as taken:
        assign_codes(contract.db, w2["member"]["id"], {w2["card"]["id"]: "CODE-ONE"})
    assert refused(taken) == ["code"]
    assert card_of(contract.db, w2)["code"] is None and len(contract.pending_jobs()) == 1

    # And clearing a member's job marker is idempotent
    members.clear_member_job(contract.db, w2["member"]["id"])
    members.clear_member_job(contract.db, w2["member"]["id"])
    assert contract.pending_jobs() == []


# ---------------------------------------------------------------------- card transactions
def test_a_pending_transaction_is_applied_exactly_once(contract: Contract) -> None:
    # Given a PENDING credit of 100
    w = make_member(contract.db, make_program(contract.db), job=False)
    credit = card_transaction(w["card"], "ADMIN_CREDIT", 100, "test", "PENDING")
    cards.create_pending_card_transaction(contract.db, credit, job_for(contract.db, credit))
    assert cards.get_card_transaction(contract.db, w["card"]["id"], credit["id"])["status"] == "PENDING"  # type: ignore[index]
    assert [j["transaction_id"] for j in contract.pending_jobs()] == [credit["id"]]

    # When it is applied
    cards.apply_card_transaction(contract.db, credit, {"added": 100, "total": 100}, None)

    # Then it is APPROVED, the counters and the balance moved together, and it left the pending index
    stored = cards.get_card_transaction(contract.db, w["card"]["id"], credit["id"])
    assert stored is not None and stored["status"] == "APPROVED" and stored["updated_at"]
    card = card_of(contract.db, w)
    assert (card["added"], card["total"], card["balance"]) == (100, 100, 100)
    assert contract.pending_jobs() == []

    # When it is applied a second time, the settle step's condition refuses it and nothing moves
    with pytest.raises(TransactionConflict) as exc:
        cards.apply_card_transaction(contract.db, credit, {"added": 100, "total": 100}, None)
    assert refused(exc) == ["transaction"]
    assert card_of(contract.db, w)["balance"] == 100


def test_a_debit_beyond_the_balance_fails_its_condition_and_is_rejected(contract: Contract) -> None:
    # Given a card holding 100 and a PENDING debit of 150
    w = make_member(contract.db, make_program(contract.db), points=100, job=False)
    debit = card_transaction(w["card"], "ADMIN_DEBIT", -150, "test", "PENDING")
    cards.create_pending_card_transaction(contract.db, debit, job_for(contract.db, debit))

    # When it is applied with the balance condition, only that condition fails; the transaction stays PENDING
    with pytest.raises(TransactionConflict) as exc:
        cards.apply_card_transaction(contract.db, debit, {"subtracted": 150}, 150)
    assert refused(exc) == ["card"]
    assert cards.get_card_transaction(contract.db, w["card"]["id"], debit["id"])["status"] == "PENDING"  # type: ignore[index]
    assert card_of(contract.db, w)["subtracted"] == 0

    # When it is rejected, it is REJECTED with the reason, once; applying it afterwards is refused
    rejection = {"reason": "insufficient_card_balance", "details": "Operation exceeds the available card balance"}
    cards.reject_card_transaction(contract.db, debit, rejection)
    stored = cards.get_card_transaction(contract.db, w["card"]["id"], debit["id"])
    assert stored is not None and stored["status"] == "REJECTED" and stored["details"]["rejection"] == rejection
    with pytest.raises(TransactionConflict) as again:
        cards.reject_card_transaction(contract.db, debit, rejection)
    assert refused(again) == ["transaction"]
    with pytest.raises(TransactionConflict) as late:
        cards.apply_card_transaction(contract.db, debit, {"subtracted": 150}, 150)
    assert refused(late) == ["transaction", "card"]  # DynamoDB reports every failed condition of the cancelled transaction
    card = card_of(contract.db, w)
    assert (card["balance"], card["subtracted"]) == (100, 0)
    assert contract.pending_jobs() == []
    assert_ledger(card, contract.card_transactions({"program": w["program"]["id"], "member": w["member"]["id"], "card": w["card"]["id"]}))


def test_settled_transactions_move_counters_synchronously(contract: Contract) -> None:
    # Given a card holding 100 (v1 balance updates settle synchronously)
    w = make_member(contract.db, make_program(contract.db), points=100, job=False)
    # When a settled debit of 30 is recorded with the balance condition, and another of 20 after it
    debit = card_transaction(w["card"], "ADMIN_DEBIT", -30, "v1", "APPROVED")
    cards.record_settled_balance_change(contract.db, debit, {"subtracted": 30}, 30, {"balance": 100})
    change = card_transaction(w["card"], "ADMIN_DEBIT", -20, "v1", "APPROVED")
    cards.record_settled_balance_change(contract.db, change, {"subtracted": 20}, 20, {"balance": 70})
    # Then both count and the card carries the last change's time
    card = card_of(contract.db, w)
    assert (card["balance"], card["subtracted"], card["updated_at"]) == (50, 50, change["created_at"])
    # When a change exceeds the balance, its card update fails and its transaction is not written either
    too_much = card_transaction(w["card"], "ADMIN_DEBIT", -60, "v1", "APPROVED")
    with pytest.raises(TransactionConflict) as exc:
        cards.record_settled_balance_change(contract.db, too_much, {"subtracted": 60}, 60, {"balance": 50})
    assert refused(exc) == ["card"]
    assert cards.get_card_transaction(contract.db, w["card"]["id"], too_much["id"]) is None
    assert card_of(contract.db, w)["balance"] == 50
    # When a change was computed from a balance the card no longer holds (another write landed in between), it is refused
    stale = card_transaction(w["card"], "ADMIN_DEBIT", -10, "v1", "APPROVED")
    with pytest.raises(TransactionConflict) as exc:
        cards.record_settled_balance_change(contract.db, stale, {"subtracted": 10}, 10, {"balance": 70})
    assert refused(exc) == ["card"] and card_of(contract.db, w)["balance"] == 50


# ---------------------------------------------------------------------- reward purchases
def test_an_accepted_purchase_locks_points_and_takes_stock_atomically(contract: Contract) -> None:
    # Given a card holding 300 and a reward with stock 2
    w = make_member(contract.db, make_program(contract.db, stock=2), points=300, job=False)
    rtx, ctx = purchase(contract.db, w)
    # When the purchase is accepted
    purchases.accept_reward_purchase(contract.db, rtx, ctx, COST, True, purchase_job(contract.db, ctx, True))
    # Then the cost is locked, one unit of stock is taken and counted in `redeemed` (a rejection takes it back), and both
    # transactions are PENDING (the card one awaits the worker)
    card = card_of(contract.db, w)
    assert (card["balance"], card["locked"]) == (200, COST)
    assert stock_of(contract, w) == (1, 1)
    assert cards.get_card_transaction(contract.db, w["card"]["id"], ctx["id"])["status"] == "PENDING"  # type: ignore[index]
    page = purchases.list_member_reward_purchases(contract.db, w["program"]["id"], w["member"]["id"], lq(10, None), PURCHASES)
    assert page is not None and [(p["id"], p["status"]) for p in page[0]] == [(rtx["id"], "PENDING")]
    assert [j["transaction_id"] for j in contract.pending_jobs()] == [ctx["id"]]


@pytest.mark.parametrize(("case", "label"), [("balance", "card"), ("stock", "stock"), ("member", "card"), ("assignment", "stock")])
def test_a_purchase_is_refused_by_the_condition_that_no_longer_holds(contract: Contract, case: str, label: str) -> None:
    # Given a card and a reward where exactly one of the purchase's conditions fails
    limited = case != "assignment"
    w = make_member(contract.db, make_program(contract.db, stock=0 if case == "stock" else (1 if limited else None)),
                    points=50 if case == "balance" else 300, job=False)
    if case == "member":  # a member made INACTIVE marks its cards (members.store.MEMBER_INACTIVE), which the spend checks
        contract.ddb.update_item(TableName=contract.table, Key=contract.db.keys.card(w["member"]["id"], w["card"]["id"]).ddb(),
                                 UpdateExpression=f"SET {MEMBER_INACTIVE} = :t", ExpressionAttributeValues={":t": {"BOOL": True}})
    if case == "assignment":
        contract.delete(f"PRG#{w['program']['id']}", f"A#REWARD#{w['reward']}")
    before = card_of(contract.db, w)
    rtx, ctx = purchase(contract.db, w)

    # When the purchase is written
    with pytest.raises(TransactionConflict) as exc:
        purchases.accept_reward_purchase(contract.db, rtx, ctx, COST, limited, purchase_job(contract.db, ctx, limited))

    # Then exactly that condition is reported, and nothing changed
    assert refused(exc) == [label]
    assert card_of(contract.db, w) == before
    assert cards.get_card_transaction(contract.db, w["card"]["id"], ctx["id"]) is None
    assert contract.items(f"MBR#{w['member']['id']}#RTX") == []
    if case != "assignment":
        assert stock_of(contract, w) == ((0 if case == "stock" else 1), 0)  # neither taken nor counted


def test_an_approved_purchase_spends_once_and_counts_the_redemption(contract: Contract) -> None:
    # Given an accepted purchase
    w = make_member(contract.db, make_program(contract.db, stock=2), points=300, job=False)
    rtx, ctx = purchase(contract.db, w)
    purchases.accept_reward_purchase(contract.db, rtx, ctx, COST, True, purchase_job(contract.db, ctx, True))
    result = {"reward": {"id": w["reward"], "type": "MATERIAL"}, "quantity": 1}

    # When the worker approves it
    purchases.approve_reward_purchase(contract.db, ctx, COST, result)

    # Then the locked points are spent, the redemption stays counted once, and both transactions APPROVED with the result
    card = card_of(contract.db, w)
    assert (card["balance"], card["locked"], card["unlocked"], card["spent"]) == (200, COST, COST, COST)
    assert stock_of(contract, w) == (1, 1)
    page = purchases.list_member_reward_purchases(contract.db, w["program"]["id"], w["member"]["id"], lq(10, None), PURCHASES)
    assert page is not None and page[0][0]["status"] == "APPROVED" and page[0][0]["details"]["result"] == result
    assert contract.pending_jobs() == []

    # When it is approved again (a redelivered job), the settle condition refuses it and nothing is counted twice
    with pytest.raises(TransactionConflict) as exc:
        purchases.approve_reward_purchase(contract.db, ctx, COST, result)
    assert refused(exc) == ["transaction", "reward_transaction"]
    assert card_of(contract.db, w) == card and stock_of(contract, w) == (1, 1)
    assert_ledger(card, contract.card_transactions({"program": w["program"]["id"], "member": w["member"]["id"], "card": w["card"]["id"]}))


def test_a_purchase_of_a_withdrawn_reward_is_rejected_and_released(contract: Contract) -> None:
    # Given an accepted purchase whose reward is no longer ACTIVE when the worker runs
    w = make_member(contract.db, make_program(contract.db, stock=1), points=300, job=False)
    rtx, ctx = purchase(contract.db, w)
    purchases.accept_reward_purchase(contract.db, rtx, ctx, COST, True, purchase_job(contract.db, ctx, True))
    contract.set_status(f"REWARD#{w['reward']}", "REWARD", "INACTIVE")

    # When the worker reads the purchase to settle, it finds the transaction PENDING and the reward INACTIVE
    job = purchase_job(contract.db, ctx, True)
    found, reward_status = purchases.get_purchase_to_settle(contract.db, job)
    assert found is not None and found["status"] == "PENDING" and reward_status == "INACTIVE"

    # So it rejects it: points unlocked, stock back and taken out of `redeemed`, both transactions REJECTED with the reason
    rejection = {"reason": "Reward is not available", "details": {"message": "The reward is no longer ACTIVE"}}
    purchases.reject_reward_purchase(contract.db, ctx, COST, True, rejection, uncount=True)
    card = card_of(contract.db, w)
    assert (card["balance"], card["locked"], card["unlocked"], card["spent"]) == (300, COST, COST, 0)
    assert stock_of(contract, w) == (1, 0)
    page = purchases.list_member_reward_purchases(contract.db, w["program"]["id"], w["member"]["id"], lq(10, None), PURCHASES)
    assert page is not None and page[0][0]["status"] == "REJECTED" and page[0][0]["details"]["rejection"] == rejection
    # And rejecting it again changes nothing
    with pytest.raises(TransactionConflict) as again:
        purchases.reject_reward_purchase(contract.db, ctx, COST, True, rejection, uncount=True)
    assert refused(again) == ["transaction", "reward_transaction"]
    assert stock_of(contract, w) == (1, 0) and card_of(contract.db, w) == card


# ---------------------------------------------------------------------- lists and cursors
def _credits(db: Table, w: dict[str, Any], n: int) -> list[str]:
    written = []
    for _ in range(n):
        ctx = card_transaction(w["card"], "ADMIN_CREDIT", 1, "paging", "PENDING")
        cards.create_pending_card_transaction(db, ctx, job_for(db, ctx))
        written.append(ctx["id"])
    return written


def _page_through(fetch: Any, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = fetch(limit, cursor)
        assert page is not None
        pages.append([item["id"] for item in page[0]])
        if page[1] is None:
            return pages
        assert page[1]["next"].startswith(("lcrsctx_", "lcrstrx_")) and page[1]["expires_at"].endswith("Z")
        cursor = page[1]["next"]


def test_card_transactions_page_newest_first_through_cursors(contract: Contract) -> None:
    # Given a card with 25 transactions
    w = make_member(contract.db, make_program(contract.db), job=False)
    written = _credits(contract.db, w, 25)
    # When they are listed 10 at a time, following each page's cursor
    pages = _page_through(lambda limit, cursor: cards.list_card_transactions(contract.db,
        w["program"]["id"], w["member"]["id"], w["card"]["id"], lq(limit, cursor), TRANSACTIONS), 10)
    # Then the pages hold 10, 10 and 5, newest first, each transaction once, and the last page has no cursor
    assert [len(p) for p in pages] == [10, 10, 5]
    assert [i for page in pages for i in page] == sorted(written, reverse=True)


def test_reward_purchases_page_through_cursors(contract: Contract) -> None:
    # Given a member with 7 purchases of an unlimited reward
    w = make_member(contract.db, make_program(contract.db, stock=None), points=1000, job=False)
    written = []
    for _ in range(7):
        rtx, ctx = purchase(contract.db, w)
        purchases.accept_reward_purchase(contract.db, rtx, ctx, COST, False, purchase_job(contract.db, ctx, False))
        written.append(rtx["id"])
    # When they are listed 3 at a time
    pages = _page_through(lambda limit, cursor: purchases.list_member_reward_purchases(contract.db,
        w["program"]["id"], w["member"]["id"], lq(limit, cursor), PURCHASES), 3)
    # Then 3, 3 and 1, newest first
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for page in pages for i in page] == sorted(written, reverse=True)


def test_a_list_is_only_served_to_its_owner(contract: Contract) -> None:
    # Given two members of one program, and a program without members
    world = make_program(contract.db)
    w1, w2 = make_member(contract.db, world, "cust_one", job=False), make_member(contract.db, world, "cust_two", job=False)
    _credits(contract.db, w1, 2)
    p, m1, c1 = world["program"]["id"], w1["member"]["id"], w1["card"]["id"]
    # Then a card's list is refused under another member or program, and a member's purchases under another program
    assert cards.list_card_transactions(contract.db, p, w2["member"]["id"], c1, lq(10, None), TRANSACTIONS) is None
    assert cards.list_card_transactions(contract.db, ids.PROGRAM.new(), m1, c1, lq(10, None), TRANSACTIONS) is None
    assert cards.list_card_transactions(contract.db, p, m1, ids.CARD.new(), lq(10, None), TRANSACTIONS) is None
    assert purchases.list_member_reward_purchases(contract.db, ids.PROGRAM.new(), m1, lq(10, None), PURCHASES) is None
    listed = cards.list_card_transactions(contract.db, p, m1, c1, lq(10, None), TRANSACTIONS)
    assert listed is not None and len(listed[0]) == 2


def test_forged_expired_or_foreign_cursors_are_refused(contract: Contract) -> None:
    # Given a cursor into the first member's card transactions
    world = make_program(contract.db)
    w1, w2 = make_member(contract.db, world, "cust_one", job=False), make_member(contract.db, world, "cust_two", job=False)
    _credits(contract.db, w1, 3)
    _credits(contract.db, w2, 3)
    p, m1, c1, m2, c2 = world["program"]["id"], w1["member"]["id"], w1["card"]["id"], w2["member"]["id"], w2["card"]["id"]
    first = cards.list_card_transactions(contract.db, p, m1, c1, lq(1, None), TRANSACTIONS)
    assert first is not None and first[1] is not None
    cursor = first[1]["next"]
    flipped = cursor[:-1] + ("0" if cursor[-1] != "0" else "1")
    other_project = Table("other-project", contract.table, cursor_secret=CURSOR_SECRET, client=contract.ddb)
    other_secret = Table(contract.project, contract.table, cursor_secret="another-secret-0123456789", client=contract.ddb)
    expired = Table(contract.project, contract.table, cursor_secret=CURSOR_SECRET, cursor_ttl_seconds=-1, client=contract.ddb)
    stale = cards.list_card_transactions(expired, p, m1, c1, lq(1, None), TRANSACTIONS)
    assert stale is not None and stale[1] is not None

    attempts = {
        "forged": lambda: cards.list_card_transactions(contract.db, p, m1, c1, lq(1, flipped), TRANSACTIONS),
        "not hex": lambda: cards.list_card_transactions(contract.db, p, m1, c1, lq(1, "lcrsctx_zz"), TRANSACTIONS),
        "another card": lambda: cards.list_card_transactions(contract.db, p, m2, c2, lq(1, cursor), TRANSACTIONS),
        "another owner": lambda: cards.list_card_transactions(contract.db, ids.PROGRAM.new(), m1, c1, lq(1, cursor), TRANSACTIONS),
        "another list": lambda: purchases.list_member_reward_purchases(contract.db, p, m1, lq(1, cursor), PURCHASES),
        "another project": lambda: cards.list_card_transactions(other_project, p, m1, c1, lq(1, cursor), TRANSACTIONS),
        "another secret": lambda: cards.list_card_transactions(other_secret, p, m1, c1, lq(1, cursor), TRANSACTIONS),
        "expired": lambda: cards.list_card_transactions(contract.db, p, m1, c1, lq(1, stale[1]["next"]), TRANSACTIONS),
    }
    # When each is used, it is refused with 400 invalid_or_expired_cursor before any read
    for name, attempt in attempts.items():
        with pytest.raises(LoyaltyError) as exc:
            attempt()
        assert (exc.value.status, exc.value.key) == (400, "invalid_or_expired_cursor"), name
    # And the genuine cursor still reads the next page of its own list
    second = cards.list_card_transactions(contract.db, p, m1, c1, lq(1, cursor), TRANSACTIONS)
    assert second is not None and len(second[0]) == 1 and second[0][0]["id"] < first[0][0]["id"]


# ---------------------------------------------------------------------- the sweeper's index
def test_the_pending_index_is_queried_per_project_and_a_job_moves_once(contract: Contract) -> None:
    # Given a pending credit in this project and one in another project
    w = make_member(contract.db, make_program(contract.db), job=False)
    other = Table(f"{contract.project}-b", contract.table, cursor_secret=CURSOR_SECRET, client=contract.ddb)
    w_other = make_member(other, make_program(other), job=False)
    mine = card_transaction(w["card"], "ADMIN_CREDIT", 5, "sweep", "PENDING")
    theirs = card_transaction(w_other["card"], "ADMIN_CREDIT", 5, "sweep", "PENDING")
    cards.create_pending_card_transaction(contract.db, mine, job_for(contract.db, mine))
    cards.create_pending_card_transaction(other, theirs, job_for(other, theirs))
    index = PendingJobs(contract.project, contract.table, contract.ddb)

    def found(before_ms: int) -> list[str]:
        return [json.loads(job.body)["transaction_id"] for job in index.due(before_ms, 10)[0]]

    # Then the project's Query sees its own job once it is due, never the other project's
    assert found(now_ms() + 1) == [mine["id"]]
    assert found(now_ms() - 60_000) == []
    assert [json.loads(j.body)["transaction_id"] for j in PendingJobs(other.project_id, contract.table, contract.ddb).due(now_ms() + 1, 10)[0]] \
        == [theirs["id"]]
    # When the sweeper moves the job (a re-send), a second move from the same reading is refused
    due = index.due(now_ms() + 1, 10)[0][0]
    moved = index.move(due, now_ms() + 60_000, '{"resent":1}')
    assert moved is not None and index.move(due, now_ms(), "{}") is None and index.drop(due) is False
    assert found(now_ms() + 1) == []  # its wait restarted in the future
    assert index.put_back(moved, due) and found(now_ms() + 1) == [mine["id"]]
    # And a settled job leaves the index
    cards.apply_card_transaction(contract.db, mine, {"added": 5, "total": 5}, None)
    assert found(now_ms() + 1) == []


# ---------------------------------------------------------------------- v1, customers, keys
def test_a_campaign_name_is_claimed_once(contract: Contract) -> None:
    campaign = {"id": new_alnum_id("camp_"), "name": "Loyalty 2026", "object": "campaign"}
    campaigns.create_campaign(contract.db, campaign)
    assert campaigns.get_campaign(contract.db, campaign["id"]) == campaign
    assert campaigns.get_campaign_id_by_name(contract.db, "Loyalty 2026") == campaign["id"]
    # When another campaign takes the same name, the name claim refuses it and the second campaign is not written
    second = {**campaign, "id": new_alnum_id("camp_")}
    with pytest.raises(TransactionConflict) as exc:
        campaigns.create_campaign(contract.db, second)
    assert refused(exc) == ["name"]
    assert campaigns.get_campaign(contract.db, second["id"]) is None
    assert campaigns.get_campaign_id_by_name(contract.db, "Loyalty 2026") == campaign["id"]


def test_a_v1_card_code_is_claimed_with_its_member(contract: Contract) -> None:
    # Given a v1 campaign card published with a chosen code and its initial points settled in the same transaction
    campaign_id = new_alnum_id("camp_")
    member = {"id": ids.MEMBER.new(), "customer_id": "cust_v1", "program_id": campaign_id, "status": "ACTIVE", "metadata": {},
              "created_at": now_iso(), "object": "member"}
    card = {**new_card(member["id"], campaign_id, campaign_id, now_iso(), code="LOYAL-1"), "added": 20, "total": 20, "balance": 20}
    initial = card_transaction(card, "ADMIN_CREDIT", 20, "Initial points", "APPROVED")
    create_member(contract.db, member, [card], scope_id=campaign_id, codes=["LOYAL-1"], transactions=[initial])
    claim = members.get_card_by_code(contract.db, "LOYAL-1")
    assert claim is not None and (claim["member_id"], claim["card_id"]) == (member["id"], card["id"])
    stored = members.get_card(contract.db, member["id"], card["id"])
    assert stored is not None and (stored["code"], stored["balance"]) == ("LOYAL-1", 20)
    assert cards.get_card_transaction(contract.db, card["id"], initial["id"])["status"] == "APPROVED"  # type: ignore[index]

    # When another customer's card is published with the same code, the code claim refuses it
    other = {**member, "id": ids.MEMBER.new(), "customer_id": "cust_v1b"}
    other_card = new_card(other["id"], campaign_id, campaign_id, now_iso(), code="LOYAL-1")
    with pytest.raises(TransactionConflict) as exc:
        create_member(contract.db, other, [other_card], scope_id=campaign_id, codes=["LOYAL-1"])
    assert exc.value.failed("code") and not exc.value.failed("membership")
    assert members.get_member_with_cards(contract.db, other["id"]) is None
    assert members.get_card_by_code(contract.db, "LOYAL-1") == claim


def test_a_customer_source_id_is_claimed_once(contract: Contract) -> None:
    customer = {"id": new_alnum_id("cust_"), "source_id": "src-1", "name": "Alice", "object": "customer"}
    customers.create_customer(contract.db, customer)
    assert customers.get_customer(contract.db, customer["id"]) == customer
    assert customers.get_customer_id_by_source_id(contract.db, "src-1") == customer["id"]
    # When another customer claims the same source id, the claim refuses it
    second = {**customer, "id": new_alnum_id("cust_")}
    with pytest.raises(TransactionConflict) as exc:
        customers.create_customer(contract.db, second)
    assert refused(exc) == ["source_id"]
    assert customers.get_customer(contract.db, second["id"]) is None
    # And an upsert replaces an existing customer only
    customers.replace_customer(contract.db, {**customer, "name": "Alice B."})
    assert customers.get_customer(contract.db, customer["id"])["name"] == "Alice B."  # type: ignore[index]
    with pytest.raises(ConditionFailed):
        customers.replace_customer(contract.db, second)


def test_api_keys_are_scoped_to_their_project(contract: Contract) -> None:
    apikeys.put_api_key(contract.db, "app-1", "hash-1", "test")
    key = apikeys.get_api_key(contract.db, "app-1")
    assert key is not None and (key["project_id"], key["token_hash"]) == (contract.project, "hash-1")
    other = Table("other-project", contract.table, cursor_secret=CURSOR_SECRET, client=contract.ddb)
    assert apikeys.get_api_key(other, "app-1") is None
