"""Idempotency keys under concurrency on DynamoDB Local: the same purchase sent ten times at once with one
`Idempotency-Key` is charged once (the first to put the key's record runs; the others replay its 202 or answer 409
`idempotency_request_in_progress` while it runs), and sent twice in a row it is charged once, the second a replay."""

from __future__ import annotations

from typing import Any

from tests.contract.harness import Contract, assert_ledger, call, concurrently, handler_instance, paths
from tests.contract.test_concurrency import statuses


def keyed_purchase(world: dict[str, str], contract: Contract, key: str) -> Any:
    handler = handler_instance("purchase_member_reward")
    headers = {**contract.headers, "Idempotency-Key": key}
    return lambda: call(handler, "POST", paths(world)["purchase"], headers, {"reward_id": world["reward"]})


def purchases(contract: Contract, world: dict[str, str]) -> list[dict[str, Any]]:
    return [i for i in contract.items(f"MBR#{world['member']}") if str(i["SK"]).startswith("RTX#")]


def test_the_same_purchase_sent_ten_times_at_once_with_one_key_is_charged_once(contract: Contract) -> None:
    # Given a member with points for ten purchases
    price, attempts = 10, 10
    world = contract.build_member(contract.build_program(cost=price), points=attempts * price)

    # When the same purchase arrives ten times at the same moment with one key
    results = concurrently([keyed_purchase(world, contract, "order-42") for _ in range(attempts)])

    # Then one purchase ran: every 202 is the same answer (the first, or its replay), the others were told it is in progress
    got = statuses(results)
    assert set(got) <= {(202, None), (409, "idempotency_request_in_progress")} and got[(202, None)] >= 1, got
    assert len({str(body) for status, body in results if status == 202}) == 1
    assert len(purchases(contract, world)) == 1
    contract.drain()
    card = contract.card(world)
    assert (card["balance"], card["spent"]) == (attempts * price - price, price)
    assert_ledger(card, contract.card_transactions(world))

    # And a retry once it has finished replays the 202
    status, body = keyed_purchase(world, contract, "order-42")()
    assert status == 202 and str(body) == next(str(b) for s, b in results if s == 202)


def test_the_same_purchase_sent_twice_in_a_row_with_one_key_is_charged_once(contract: Contract) -> None:
    price = 10
    world = contract.build_member(contract.build_program(cost=price), points=100)
    first = keyed_purchase(world, contract, "twice")()
    again = keyed_purchase(world, contract, "twice")()
    assert first[0] == 202 and again == first
    assert len(purchases(contract, world)) == 1
    contract.drain()
    assert contract.card(world)["balance"] == 100 - price
