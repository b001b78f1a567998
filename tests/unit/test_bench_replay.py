"""The bench's replay of a probe's calls for another slot (bench/replay.py): every id is swapped, and an id made within
its member's (a reward transaction's `lrtx_` + own digits + the member's) follows its member."""

from __future__ import annotations

from bench.calls import Call
from bench.replay import Replay

MEMBER, CARD, RTX = "lmbr_1a21bd49a10206c83e", "lcrd_1a21bd49a10206c83f", "lrtx_1a21bd4ff80ee2c7a51a21bd49a10206c83e"


def test_a_replay_swaps_every_id_and_keeps_a_purchase_id_with_its_member() -> None:
    put = Call("dynamodb", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "t", "Item": {"PK": {"S": f"acme#MBR#{MEMBER}#RTX"}, "SK": {"S": f"RTX#{RTX}"},
                                            "card": {"S": CARD}}}}]})
    replay = Replay([put], {"member": MEMBER})
    other = "lmbr_00000000000000000a"
    plan = replay.plan({"member": other})
    item = plan.calls[0].params["TransactItems"][0]["Put"]["Item"]
    new_rtx = plan.mapping[RTX]
    assert item["PK"]["S"] == f"acme#MBR#{other}#RTX" and item["SK"]["S"] == f"RTX#{new_rtx}"
    assert new_rtx.startswith("lrtx_") and len(new_rtx) == len(RTX) and new_rtx[5:23] != RTX[5:23]
    assert new_rtx.endswith(other[5:])  # the new purchase id names the new member
    assert item["card"]["S"] == plan.mapping[CARD] != CARD
