"""The tier report arithmetic: what each tier transaction (as tiers/standing.py writes it) counts for the tier entered and
the tier left, as the report fields describe them; the row ids; which stream records the aggregator takes as tier
transactions."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.db.codec import to_item
from loyalty.reports.changes import new_tier_transaction, newly_approved
from loyalty.reports.engine import TIER_COUNTERS, tier_moves, tier_summary_id
from loyalty.tiers.engine import Decision, TierState
from loyalty.tiers.standing import Outcome, Standing, tier_transaction
from loyalty.v1.models import TIER_CHANGE_EVENTS


def ttx(change: str, tier_from: str | None, tier_to: str | None) -> dict[str, Any]:
    """A tier transaction built by the tiering code itself (so the test follows what it really holds)."""
    standing: Standing = {"member_id": "lmbr_1", "program_id": "lprg_1", "card_id": "lcrd_1", "card_definition_id": "lcdef_1",
                          "tier_structure_id": "lts_1", "tier_id": tier_to, "start_at": "2026-03-01",
                          "expires_at": None, "grace_until": None, "period_start": None, "earned_base": 0,
                          "updated_at": "2026-03-01T10:00:00.000Z"}
    decision = Decision(change, TierState(tier_to), tier_from)  # type: ignore[arg-type]
    return tier_transaction("lttx_1", Outcome(standing, decision, 100), "card_operations", "2026-03-01T10:00:00.000Z")


@pytest.mark.parametrize(("change", "tier_from", "tier_to", "rows"), [
    ("JOINED", None, "lt_b", [("lt_b", {"joins": 1})]),
    ("UPGRADED", "lt_a", "lt_b", [("lt_a", {"lefts": 1}), ("lt_b", {"joins": 1, "upgrades": 1})]),
    ("DOWNGRADED", "lt_b", "lt_a", [("lt_a", {"joins": 1, "downgrades": 1}), ("lt_b", {"lefts": 1})]),
    ("LEFT", "lt_a", None, [("lt_a", {"lefts": 1})]),
    ("PROLONGED", "lt_a", "lt_a", [("lt_a", {"prolongs": 1})]),
])
def test_each_change_counts_for_the_tier_entered_and_the_tier_left(change: str, tier_from: str | None, tier_to: str | None,
                                                                   rows: list[tuple[str, dict[str, int]]]) -> None:
    got = tier_moves(ttx(change, tier_from, tier_to))
    assert got == [("lts_1", tier, counts) for tier, counts in rows]
    assert all(set(counts) <= set(TIER_COUNTERS) for _, _, counts in got)


def test_the_counts_read_like_the_v1_tier_events_a_change_fires() -> None:
    """joined(to) -> joins, left(from) -> lefts, upgraded/downgraded/prolonged(to) -> upgrades/downgrades/prolongs."""
    names = {"joined": "joins", "left": "lefts", "upgraded": "upgrades", "downgraded": "downgrades", "prolonged": "prolongs"}
    for change, events in TIER_CHANGE_EVENTS.items():
        tiers = {"from": "lt_a", "to": "lt_b"}
        t = ttx(change, None if change in ("JOINED",) else "lt_a", None if change == "LEFT" else ("lt_a" if change == "PROLONGED" else "lt_b"))
        if change == "PROLONGED":
            tiers = {"from": "lt_a", "to": "lt_a"}
        expected: dict[str, dict[str, int]] = {}
        for name, side in events:
            expected.setdefault(tiers[side], {})[names[name]] = 1
        assert {tier: counts for _, tier, counts in tier_moves(t)} == expected, change


def test_an_unknown_change_or_a_missing_tier_counts_nothing() -> None:
    assert tier_moves({**ttx("JOINED", None, "lt_b"), "type": "REJECTED"}) == []
    assert tier_moves({**ttx("JOINED", None, "lt_b"), "tier_structure_id": None}) == []


def test_summary_ids_are_lptrs_hex_stable_and_distinct() -> None:
    one = tier_summary_id("lprg_1", "lts_1", "lt_a")
    assert one == tier_summary_id("lprg_1", "lts_1", "lt_a") and one.startswith("lptrs_") and len(one) == 24
    assert int(one[6:], 16) >= 0
    assert len({one, tier_summary_id("lprg_1", "lts_1", "lt_b"), tier_summary_id("lprg_2", "lts_1", "lt_a")}) == 3


def record(name: str, pk: str, sk: str, data: dict[str, Any] | None) -> dict[str, Any]:
    keys = {"PK": {"S": pk}, "SK": {"S": sk}}
    new = {**keys, **to_item({"data": data})} if data is not None else None
    return {"eventName": name, "dynamodb": {"Keys": keys, **({"NewImage": new} if new else {}), "SequenceNumber": "1"}}


def test_only_an_inserted_tier_transaction_item_is_taken() -> None:
    t = ttx("JOINED", None, "lt_b")
    assert new_tier_transaction(record("INSERT", "acme#MBR#lmbr_1#TTX", "lttx_1", t)) == ("acme", t)
    assert new_tier_transaction(record("MODIFY", "acme#MBR#lmbr_1#TTX", "lttx_1", t)) is None
    assert new_tier_transaction(record("REMOVE", "acme#MBR#lmbr_1#TTX", "lttx_1", None)) is None
    assert new_tier_transaction(record("INSERT", "acme#MBR#lmbr_1", "lttx_1", t)) is None
    assert new_tier_transaction(record("INSERT", "acme#CARD#lcrd_1", "CTX#lctx_1", t)) is None
    assert newly_approved(record("INSERT", "acme#MBR#lmbr_1#TTX", "lttx_1", t)) is None
