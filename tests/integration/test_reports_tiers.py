"""The v2 tier reports on moto: real tier moves (a member joins Bronze, climbs to Silver and Gold, drops to Bronze, is
prolonged, leaves) are counted by the stream consumer into daily and summary tier aggregates, and both reports equal a
brute-force recount of the members' tier transactions; replaying the stream counts nothing more; the summary's `limit`
and `order` (±id) and the filters work (bad input: test_reports_tiers_bad_input.py; isolation: _isolation.py)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from loyalty.core.clock import now_iso
from loyalty.core.settings import get_settings
from loyalty.db.codec import from_item
from loyalty.earning.buckets import local_day
from loyalty.tiering import service as tiering
from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_member_tiers import MONTH, adjust, progress, tier_transactions, tiered_world

BASE = "/v2/loyalties"
DAILY, SUMMARY = "get_program_tiers_daily_report", "get_program_tiers_summary_report"


def get(stack: Stack, name: str, path: str, query: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Any:
    status, body = stack.call(name, "GET", path, query=query, headers=headers)
    assert status == 200, (name, query, body)
    return body


def plain(stack: Stack) -> list[dict[str, Any]]:
    """Every item of the table, decoded."""
    return [from_item(i) for i in stack.items()]


def paths(w: dict[str, Any]) -> tuple[str, str]:
    return f"{BASE}/programs/{w['program']}/reports/tiers/daily", f"{BASE}/programs/{w['program']}/reports/tiers/summary"


def today() -> str:
    return local_day(now_iso(), get_settings().timezone).isoformat()


def window(day: str, resolution: str = "day") -> dict[str, str]:
    return {"start_date": day, "end_date": day, "resolution": resolution}


def recount(transactions: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, int]]:
    """(day, tier structure, tier) -> counters, straight from the tier transactions and the report fields' wording: a
    member who enters a tier (JOINED, UPGRADED, DOWNGRADED) joined it, an upgrade/downgrade is one into the tier entered,
    a member who leaves a tier (UPGRADED, DOWNGRADED, LEFT) left it; PROLONGED prolongs the tier kept."""
    out: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(("joins", "upgrades", "downgrades", "lefts", "prolongs"), 0))
    for t in transactions:
        day = local_day(t["created_at"], get_settings().timezone).isoformat()
        d, kind = t["details"], t["type"]
        to, left = d["tier_to"], d["tier_from"] if kind != "LEFT" else t["tier_id"]
        if kind in ("JOINED", "UPGRADED", "DOWNGRADED"):
            out[(day, t["tier_structure_id"], to)]["joins"] += 1
        if kind == "UPGRADED":
            out[(day, t["tier_structure_id"], to)]["upgrades"] += 1
        if kind == "DOWNGRADED":
            out[(day, t["tier_structure_id"], to)]["downgrades"] += 1
        if kind in ("UPGRADED", "DOWNGRADED", "LEFT"):
            out[(day, t["tier_structure_id"], left)]["lefts"] += 1
        if kind == "PROLONGED":
            out[(day, t["tier_structure_id"], to)]["prolongs"] += 1
    return dict(out)


def moved_world(stack: Stack) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A member who joined Bronze, went up to Silver and Gold, down to Bronze and left (deleted); and its tier transactions."""
    w = tiered_world(stack)
    for points in (120, 500, -580, 200):
        adjust(stack, w, points)
    listed = tier_transactions(stack, w)["data"]
    assert [t["type"] for t in listed] == ["JOINED", "UPGRADED", "UPGRADED", "DOWNGRADED", "UPGRADED"]
    code, _ = stack.call("delete_program_member", "DELETE", f"{BASE}/programs/{w['program']}/members/{w['member']}")
    assert code == 200
    stack.drain()
    txs = [t for t in (i.get("data") for i in plain(stack) if "#TTX" in i["PK"]) if t]
    assert [t["type"] for t in sorted(txs, key=lambda t: t["id"])][-1] == "LEFT" and len(txs) == 6
    return w, txs


def rows(daily: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, int]]:
    return {(r["date"], r["tier_structure_id"], r["tier_id"]): {k: r[k] for k in ("joins", "upgrades", "downgrades", "lefts", "prolongs")}
            for r in daily["data"]}


def test_the_tier_reports_equal_a_recount_of_the_tier_transactions_and_a_replayed_stream_counts_nothing(stack: Stack) -> None:
    w, txs = moved_world(stack)
    daily_path, summary_path = paths(w)
    expected = recount(txs)
    tiers = w["tiers"]
    day = today()
    assert expected == {
        (day, w["ts"], tiers["Bronze"]): {"joins": 2, "upgrades": 0, "downgrades": 1, "lefts": 2, "prolongs": 0},
        (day, w["ts"], tiers["Silver"]): {"joins": 2, "upgrades": 2, "downgrades": 0, "lefts": 2, "prolongs": 0},
        (day, w["ts"], tiers["Gold"]): {"joins": 1, "upgrades": 1, "downgrades": 0, "lefts": 1, "prolongs": 0},
    }
    daily = get(stack, DAILY, daily_path, window(day))
    assert daily["object"] == "report" and all(r["object"] == "program_tiers_daily_report" for r in daily["data"])
    assert rows(daily) == expected
    summary = get(stack, SUMMARY, summary_path)
    assert summary["object"] == "report"
    assert {(r["tier_structure_id"], r["tier_id"]): {k: r[k] for k in ("joins", "upgrades", "downgrades", "lefts", "prolongs")}
            for r in summary["data"]} == {k[1:]: v for k, v in expected.items()}
    ids = [r["id"] for r in summary["data"]]
    assert all(i.startswith("lptrs_") and r["object"] == "program_tiers_summary_report" for i, r in zip(ids, summary["data"], strict=True))
    assert ids == sorted(ids, reverse=True)  # default order -id
    for resolution in ("week", "month", "quarter"):
        folded = get(stack, DAILY, daily_path, window(day, resolution))
        assert rows(folded) == expected
    # Given every stream record delivered again (a fresh position at the stream's start), When drained, Then nothing changes
    replay = support.stream_poller(function=support.CARD_TRANSACTIONS)
    assert support.drain_stream(replay) > 0
    assert get(stack, DAILY, daily_path, window(day)) == daily and get(stack, SUMMARY, summary_path) == summary
    # And each tier transaction left one marker
    markers = [i for i in plain(stack) if i["SK"] == "AGG" and "member_id" in i]
    assert len(markers) == len(txs) and all("expires_at" in i for i in markers)


def test_a_prolongation_is_counted_for_the_tier_kept(stack: Stack) -> None:
    w = tiered_world(stack, expiration=MONTH)
    adjust(stack, w, 150)
    expiry = progress(stack, w)["current"]["expires_at"][:10]
    assert tiering.run_daily(stack.db(), expiry)["tier_changes"] == 1
    stack.drain()
    assert tier_transactions(stack, w)["data"][-1]["type"] == "PROLONGED"
    daily_path, summary_path = paths(w)
    day = today()
    silver = [r for r in get(stack, DAILY, daily_path, window(day))["data"] if r["tier_id"] == w["tiers"]["Silver"]]
    assert [(r["joins"], r["upgrades"], r["prolongs"]) for r in silver] == [(1, 1, 1)]
    summary = get(stack, SUMMARY, summary_path, {"filters[tier_id][conditions][$is]": w["tiers"]["Silver"]})["data"]
    assert [(r["tier_id"], r["prolongs"]) for r in summary] == [(w["tiers"]["Silver"], 1)]


def test_summary_limit_order_and_filters(stack: Stack) -> None:
    w, _ = moved_world(stack)
    daily_path, summary_path = paths(w)
    every = [r["id"] for r in get(stack, SUMMARY, summary_path)["data"]]
    assert len(every) == 3
    assert [r["id"] for r in get(stack, SUMMARY, summary_path, {"order": "id"})["data"]] == every[::-1]
    assert [r["id"] for r in get(stack, SUMMARY, summary_path, {"order[]": "-id"})["data"]] == every
    assert [r["id"] for r in get(stack, SUMMARY, summary_path, {"limit": "2", "order": "id"})["data"]] == every[::-1][:2]
    gold = w["tiers"]["Gold"]
    assert [r["tier_id"] for r in get(stack, SUMMARY, summary_path, {"filters[tier_id][conditions][$is]": gold})["data"]] == [gold]
    assert get(stack, SUMMARY, summary_path, {"filters[tier_structure_id][conditions][$is]": "lts_0123456789abcdef01"})["data"] == []
    got = get(stack, DAILY, daily_path, {**window(today()), "filters[tier_id][conditions][$not_in]": gold})["data"]
    assert len(got) == 2 and gold not in {r["tier_id"] for r in got}
    assert get(stack, DAILY, daily_path, {"start_date": "2020-01-01", "end_date": "2020-03-01", "resolution": "day"})["data"] == []
