"""Stored v1 loyalty campaigns: one item per campaign and a claim item per name (unique per project); a campaign's
earning rules are items in its partition, and the project keeps a count of them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from loyalty.core.clock import now_ms
from loyalty.db.codec import serialize
from loyalty.db.keys import CAMPAIGN_EARNING_RULE_SK_PREFIX, CAMPAIGN_TIER_SK_PREFIX, CARD_TRANSACTION_SK_PREFIX, GSI1, PENDING_SK, key_names
from loyalty.db.table import Table
from loyalty.members.records import AsyncAction

CAMPAIGN_ID = re.compile(r"camp_[A-Za-z0-9]+")
MAX_CAMPAIGN_REF = 200


def create_campaign(db: Table, campaign: dict[str, Any]) -> None:
    """A v1 loyalty campaign, claiming its name in the same transaction (label `name` when it is taken)."""
    keys = db.keys
    tx = db.transaction()
    # a name released by a deleted campaign may be taken again
    tx.put("name", keys.campaign_name(campaign["name"]), {"campaign_id": campaign["id"]},
           condition="attribute_not_exists(PK) OR released = :t", values={"t": True})
    tx.put("campaign", keys.campaign(campaign["id"]), {"data": campaign, **keys.listed(keys.CAMPAIGNS, campaign["id"])})
    tx.commit()


def _live(item: dict[str, Any] | None) -> dict[str, Any] | None:
    """A campaign item unless its campaign is deleted (or being deleted)."""
    return None if item is None or item.get("deleted") else item


def get_campaign(db: Table, campaign_id: str) -> dict[str, Any] | None:
    """One v1 campaign (None once deleted)."""
    item = _live(db.get(db.keys.campaign(campaign_id)))
    return item["data"] if item else None


def get_campaign_item(db: Table, campaign_id: str) -> dict[str, Any] | None:
    """One v1 campaign as stored (`{data, version}`; None once deleted)."""
    return _live(db.get(db.keys.campaign(campaign_id)))


def get_campaign_id_by_name(db: Table, name: str) -> str | None:
    """The id of the v1 campaign holding `name` (the path's campaignId may be a name); a released name holds none."""
    item = db.get(db.keys.campaign_name(name))
    return item["campaign_id"] if item and not item.get("released") else None


MAX_SORTED = 10_000
"""How many campaigns a list ordered by updated_at reads and sorts in memory at most."""


def list_campaigns(db: Table, *, page: int, limit: int, field: str, descending: bool) -> tuple[list[dict[str, Any]], int]:
    """One page of the project's live v1 campaigns and how many there are. By created_at (the list's order: ids are
    time-ordered): one Query reading up to `page` x `limit` entries, plus a counting Query unless it reached the end. By
    updated_at: the whole list is read and sorted (at most MAX_SORTED campaigns)."""
    partition = db.keys.collection(db.keys.CAMPAIGNS)
    pk, _ = key_names(GSI1)
    kw: dict[str, Any] = {"key_condition": f"{pk} = :pk", "IndexName": GSI1, "ConsistentRead": False,
                          "ScanIndexForward": not descending}
    want = page * limit if field == "created_at" else None
    read: list[dict[str, Any]] = []
    while True:
        if want is not None:
            kw["Limit"] = want - len(read)
        items, last = db.query(partition, **kw)
        read += [item["data"] for item in items]
        if last is None or (want is not None and len(read) >= want) or len(read) > MAX_SORTED:
            break
        kw["ExclusiveStartKey"] = last
    if want is None:
        read.sort(key=lambda c: c.get("updated_at") or c["created_at"], reverse=descending)
        return read[(page - 1) * limit: page * limit], len(read)
    total = len(read) if last is None else db.count(partition, index=GSI1)
    return read[(page - 1) * limit: page * limit], total


def save_campaign(db: Table, campaign: dict[str, Any], version: int) -> None:
    """Replace a campaign's record, on condition that it is live and still at the version it was read with
    (ConditionFailed otherwise); the version moves on."""
    db.update(db.keys.campaign(campaign["id"]), "SET #d = :data, version = :next",
              condition="attribute_exists(PK) AND attribute_not_exists(deleted) AND (attribute_not_exists(version) OR version = :version)",
              names={"#d": "data"}, values={"data": campaign, "next": version + 1, "version": version})


def start_campaign_delete(db: Table, campaign: dict[str, Any], version: int, action: AsyncAction, force: bool,
                          job_json: str) -> None:
    """One transaction: the campaign marked deleted and out of the list (label `campaign`: refused when it changed or was
    deleted since it was read), its name released for a new campaign, and the async action of the deletion carrying its
    pending job (the worker then removes the campaign's cards; the sweeper re-sends a lost job)."""
    keys = db.keys
    tx = db.transaction()
    tx.update("campaign", keys.campaign(campaign["id"]),
              f"SET deleted = :action, version = :next {keys.LISTED_REMOVE}",
              condition="attribute_exists(PK) AND attribute_not_exists(deleted) AND (attribute_not_exists(version) OR version = :version)",
              values={"action": action["id"], "next": version + 1, "version": version})
    tx.update("name", keys.campaign_name(campaign["name"]), "SET released = :t", condition="campaign_id = :c",
              values={"t": True, "c": campaign["id"]})
    tx.put("async_action", keys.async_action(action["id"]),
           {"data": action, "campaign_id": campaign["id"], "campaign_name": campaign["name"], "force": force,
            "cards_deleted": 0, **keys.pending_job(action["id"], now_ms(), job_json)})
    tx.commit()


def campaign_delete_step(db: Table, async_action_id: str) -> dict[str, Any] | None:
    """The async action item of a campaign deletion (its campaign, `force`, the count of cards deleted so far)."""
    return db.get(db.keys.async_action(async_action_id))


def campaign_member_page(db: Table, campaign_id: str, limit: int,
                         start: dict[str, Any] | None) -> tuple[list[str], dict[str, Any] | None]:
    """A page of up to `limit` ids of the members in a campaign's members list (deleted ones have left it), from `start`;
    and where the next page starts (None at the list's end)."""
    pk, _ = key_names(GSI1)
    kw: dict[str, Any] = {"key_condition": f"{pk} = :pk", "IndexName": GSI1, "ConsistentRead": False, "Limit": limit}
    if start:
        kw["ExclusiveStartKey"] = start
    items, last = db.query(db.keys.collection(db.keys.members_list(campaign_id)), **kw)
    return [item["data"]["id"] for item in items], last


def record_delete_progress(db: Table, async_action_id: str, count: int, job_json: str | None) -> None:
    """Add to a campaign deletion's count of deleted cards; with `job_json` (a step that stops before the end), the
    pending-job marker is renewed with it, so that the sweeper sends the next step (with all its attempts) later."""
    if job_json is None:
        db.update(db.keys.async_action(async_action_id), "ADD cards_deleted :n", values={"n": count})
        return
    marker = db.keys.pending_job(async_action_id, now_ms(), job_json)
    db.update(db.keys.async_action(async_action_id), "SET #jsk = :sk, job = :job ADD cards_deleted :n",
              condition="attribute_exists(#jsk)", names={"#jsk": PENDING_SK},
              values={"n": count, "sk": marker[PENDING_SK], "job": job_json})


def finish_campaign_delete(db: Table, action_item: dict[str, Any], ended: AsyncAction) -> None:
    """The last step of a campaign deletion, in one transaction: the async action DONE and out of the pending-job index
    (label `action`: refused once it is done), the released name claim deleted (unless a new campaign took it), and,
    with `force`, the campaign record and its earning rules deleted for good (the rules counted out of the project's).
    Without `force` the campaign record stays, marked deleted (Voucherify's bin)."""
    keys = db.keys
    campaign_id, name = action_item["campaign_id"], action_item["campaign_name"]
    tx = db.transaction()
    tx.update("action", keys.async_action(ended["id"]), "SET #d = :data REMOVE JOBPK, JOBSK, job",
              condition="attribute_exists(JOBPK)", names={"#d": "data"}, values={"data": ended})
    tx.delete("name", keys.campaign_name(name), condition="attribute_not_exists(PK) OR (campaign_id = :c AND released = :t)",
              values={"c": campaign_id, "t": True})
    if action_item.get("force"):
        rules = campaign_rules_any(db, campaign_id)[:MAX_RULES_IN_FINAL_STEP]
        tx.delete("campaign", keys.campaign(campaign_id))
        for rule in rules:
            tx.delete("rule", keys.campaign_earning_rule(campaign_id, rule["data"]["id"]))
        if rules:
            tx.update("count", keys.campaign_earning_rules_count(), "ADD #n :minus", condition=None, names={"#n": "rules"},
                      values={"minus": -len(rules)})
    tx.commit()


MAX_RULES_IN_FINAL_STEP = 90
"""Earning rules deleted with a force-deleted campaign in its deletion's last transaction (a v1 campaign holds fewer)."""


def campaign_rules_any(db: Table, campaign_id: str) -> list[dict[str, Any]]:
    """A campaign's earning rules as stored, whether or not the campaign is deleted."""
    return db.query_all(db.keys.campaign_partition(campaign_id), CAMPAIGN_EARNING_RULE_SK_PREFIX)


def find_campaign_item(db: Table, campaign_ref: str) -> dict[str, Any] | None:
    """A live campaign as stored (`{data, version}`) by id, else by name (`campaign_ref` URL-encoded, as the path gives it)."""
    ref = unquote(campaign_ref)
    if not ref or len(ref) > MAX_CAMPAIGN_REF:
        return None
    if CAMPAIGN_ID.fullmatch(ref):
        found = get_campaign_item(db, ref)
        if found is not None:
            return found
    campaign_id = get_campaign_id_by_name(db, ref)
    return get_campaign_item(db, campaign_id) if campaign_id else None


def find_campaign(db: Table, campaign_ref: str) -> dict[str, Any] | None:
    """A campaign by id, else by name (the v1 path accepts either; `campaign_ref` as the path gives it, URL-encoded)."""
    ref = unquote(campaign_ref)
    if not ref or len(ref) > MAX_CAMPAIGN_REF:
        return None
    if CAMPAIGN_ID.fullmatch(ref):
        found = get_campaign(db, ref)
        if found is not None:
            return found
    campaign_id = get_campaign_id_by_name(db, ref)
    return get_campaign(db, campaign_id) if campaign_id else None


# ---------------------------------------------------------------------------------------------- tiers
def _in_creation_order(tiers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tiers in creation order: by creation time, then (one bulk request gives ascending ranges) by points."""
    return sorted(tiers, key=lambda t: (t["created_at"], t["points"]["from"]))


def campaign_with_tiers(db: Table, campaign_id: str) -> tuple[dict[str, Any] | None, int, list[dict[str, Any]]]:
    """A live campaign as stored, its count of tiers (`tiers`) and its tiers (creation order), in one Query of its
    partition; (None, 0, []) when the campaign is absent or deleted."""
    items = db.query_all(db.keys.campaign_partition(campaign_id))
    own = db.keys.campaign(campaign_id).sk
    campaign = next((item for item in items if item["SK"] == own and not item.get("deleted")), None)
    if campaign is None:
        return None, 0, []
    tiers = [i["data"] for i in items if i["SK"].startswith(CAMPAIGN_TIER_SK_PREFIX)]
    return campaign["data"], int(campaign.get("tiers", 0)), _in_creation_order(tiers)


def campaign_tiers(db: Table, campaign_id: str) -> list[dict[str, Any]]:
    """A campaign's tiers (creation order), in one Query."""
    return _in_creation_order([item["data"] for item in db.query_all(db.keys.campaign_partition(campaign_id), CAMPAIGN_TIER_SK_PREFIX)])


def create_tiers(db: Table, campaign_id: str, tiers: list[dict[str, Any]], count: int) -> None:
    """New tiers of a campaign and its tier count, in one transaction. Label `campaign`: the campaign was deleted or its
    tiers changed since they were read (`count`); label `tier`: an id is taken."""
    tx = db.transaction()
    tx.update("campaign", db.keys.campaign(campaign_id), "SET tiers = :n",
              condition="attribute_exists(PK) AND attribute_not_exists(deleted) AND "
              + ("(attribute_not_exists(tiers) OR tiers = :old)" if count == 0 else "tiers = :old"),
              values={"n": count + len(tiers), "old": count})
    for tier in tiers:
        tx.put("tier", db.keys.campaign_tier(campaign_id, tier["id"]), {"data": tier})
    tx.commit()


# ---------------------------------------------------------------------------------------------- earning rules
def campaign_with_rules(db: Table, campaign_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """A campaign and its earning rules as stored (`{data, version}`, in creation order), in one Query of its partition."""
    items = db.query_all(db.keys.campaign_partition(campaign_id))
    own = db.keys.campaign(campaign_id).sk
    campaign = next((item["data"] for item in items if item["SK"] == own and not item.get("deleted")), None)
    if campaign is None:
        return None, []
    return campaign, [item for item in items if item["SK"].startswith(CAMPAIGN_EARNING_RULE_SK_PREFIX)]


def campaign_rules(db: Table, campaign_id: str) -> list[dict[str, Any]]:
    """A campaign's earning rules as stored (`{data, version}`), in creation order (one Query)."""
    return db.query_all(db.keys.campaign_partition(campaign_id), CAMPAIGN_EARNING_RULE_SK_PREFIX)


def campaign_and_rule(db: Table, campaign_id: str, rule_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """A campaign and one of its earning rules as stored (`{data, version}`), in one BatchGetItem; None for what is absent."""
    campaign_key, rule_key = db.keys.campaign(campaign_id), db.keys.campaign_earning_rule(campaign_id, rule_id)
    by_sk = {item["SK"]: item for item in db.get_many([campaign_key, rule_key])}
    campaign = _live(by_sk.get(campaign_key.sk))
    return (campaign["data"] if campaign else None), by_sk.get(rule_key.sk)


def campaign_rule(db: Table, campaign_id: str, rule_id: str) -> dict[str, Any] | None:
    """One earning rule of a campaign as stored (`{data, version}`), or None."""
    return db.get(db.keys.campaign_earning_rule(campaign_id, rule_id))


def create_rules(db: Table, campaign_id: str, rules: list[dict[str, Any]], limit: int) -> None:
    """A campaign's new earning rules and the project's count of rules, in one transaction. Label `count` fails when
    the project would hold more than `limit` rules."""
    keys = db.keys
    tx = db.transaction()
    tx.update("count", keys.campaign_earning_rules_count(), "ADD #n :n", condition="attribute_not_exists(#n) OR #n <= :room",
              names={"#n": "rules"}, values={"n": len(rules), "room": limit - len(rules)})
    for rule in rules:
        tx.put("rule", keys.campaign_earning_rule(campaign_id, rule["id"]), {"data": rule, "version": 0})
    tx.commit()


def save_rule(db: Table, campaign_id: str, rule: dict[str, Any], version: int) -> None:
    """Replace an earning rule, on condition that it still has the version it was read with (ConditionFailed otherwise:
    it changed or was deleted since); the version moves on."""
    db.update(db.keys.campaign_earning_rule(campaign_id, rule["id"]), "SET #d = :data, version = :next",
              condition="version = :version", names={"#d": "data"}, values={"data": rule, "next": version + 1, "version": version})


def delete_rule(db: Table, campaign_id: str, rule_id: str) -> None:
    """Delete an earning rule and count it out of the project's rules, in one transaction (label `rule` fails when it
    does not exist)."""
    keys = db.keys
    tx = db.transaction()
    tx.delete("rule", keys.campaign_earning_rule(campaign_id, rule_id), condition="attribute_exists(PK)")
    tx.update("count", keys.campaign_earning_rules_count(), "ADD #n :minus", condition=None, names={"#n": "rules"},
              values={"minus": -1})
    tx.commit()


def retire_campaign_delete(db: Table, async_action_id: str, ended: AsyncAction, job_json: str) -> None:
    """End a campaign deletion out of attempts: its async action FAILED and out of the pending-job index, on condition that
    the marker still holds this retire send (label `action`)."""
    db.transaction().update("action", db.keys.async_action(async_action_id), "SET #d = :data REMOVE JOBPK, JOBSK, job",
                            condition="job = :job", names={"#d": "data"}, values={"data": ended, "job": job_json}).commit()


def list_campaign_items(db: Table, collection: str, *, want: int | None, descending: bool,
                        limit: int = MAX_SORTED) -> tuple[list[dict[str, Any]], bool]:
    """Items of one of a campaign's GSI1 lists (`db.keys.campaign_cards_list` / `campaign_transactions_list`), in id (=
    creation) order: the first `want` of them (all when None, at most `limit`); and whether the list holds more."""
    partition = db.keys.collection(collection)
    pk, _ = key_names(GSI1)
    kw: dict[str, Any] = {"key_condition": f"{pk} = :pk", "IndexName": GSI1, "ConsistentRead": False,
                          "ScanIndexForward": not descending}
    cap = limit if want is None else min(want, limit)
    read: list[dict[str, Any]] = []
    while True:
        kw["Limit"] = cap - len(read) + (1 if want is None else 0)
        items, last = db.query(partition, **kw)
        read += items
        if last is None or len(read) >= cap:
            return read[:cap], last is not None or len(read) > cap
        kw["ExclusiveStartKey"] = last


def count_campaign_items(db: Table, collection: str) -> int:
    """How many items one of a campaign's GSI1 lists holds (Queries with Select=COUNT)."""
    return db.count(db.keys.collection(collection), index=GSI1)


def _transactions(db: Table, partition: str, index: str | None, sk_prefix: str, after: str | None, descending: bool,
                  keep: Callable[[dict[str, Any]], bool], want: int) -> tuple[list[dict[str, Any]], bool]:
    """Up to `want` transaction items of a list sorted by `sk_prefix` + transaction id that `keep` accepts, after the id
    `after` in the order asked, page by page; and whether more follow."""
    pk, sk = key_names(index)
    prefix = sk_prefix or "lctx_"
    lo, hi = prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)
    start = sk_prefix + after if after is not None else None
    if start is not None:
        lo, hi = (lo, start) if descending else (start, hi)
    kw: dict[str, Any] = {"key_condition": f"{pk} = :pk AND {sk} BETWEEN :lo AND :hi",
                          "extra_values": {":lo": serialize(lo), ":hi": serialize(hi)}, "ScanIndexForward": not descending}
    if index:
        kw.update(IndexName=index, ConsistentRead=False)
    out: list[dict[str, Any]] = []
    while True:
        kw["Limit"] = max(want + 1 - len(out), 10)
        items, last = db.query(partition, **{**kw, "extra_values": dict(kw["extra_values"])})
        for item in items:
            if item[sk] != start and keep(item):
                out.append(item)
        if len(out) > want:
            return out[:want], True
        if last is None:
            return out, False
        kw["ExclusiveStartKey"] = last


def card_transactions(db: Table, card_id: str, after: str | None, descending: bool, keep: Callable[[dict[str, Any]], bool],
                      want: int) -> tuple[list[dict[str, Any]], bool]:
    """A page of one card's transaction items (its partition, by id), after the id `after`; and whether more follow."""
    return _transactions(db, db.keys.card_transactions(card_id), None, CARD_TRANSACTION_SK_PREFIX, after, descending, keep, want)


def campaign_transactions(db: Table, campaign_id: str, after: str | None, descending: bool,
                          keep: Callable[[dict[str, Any]], bool], want: int) -> tuple[list[dict[str, Any]], bool]:
    """A page of the transaction items of a v1 campaign's cards (its GSI1 list, by id), after the id `after`; and whether
    more follow."""
    collection = db.keys.collection(db.keys.campaign_transactions_list(campaign_id))
    return _transactions(db, collection, GSI1, "", after, descending, keep, want)
