"""Stored v1 loyalty campaigns: one item per campaign and a claim item per name (unique per project); a campaign's
earning rules are items in its partition, and the project keeps a count of them."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from loyalty.db.keys import CAMPAIGN_EARNING_RULE_SK_PREFIX
from loyalty.db.table import Table

CAMPAIGN_ID = re.compile(r"camp_[A-Za-z0-9]+")
MAX_CAMPAIGN_REF = 200


def create_campaign(db: Table, campaign: dict[str, Any]) -> None:
    """A v1 loyalty campaign, claiming its name in the same transaction (label `name` when it is taken)."""
    keys = db.keys
    tx = db.transaction()
    tx.put("name", keys.campaign_name(campaign["name"]), {"campaign_id": campaign["id"]})
    tx.put("campaign", keys.campaign(campaign["id"]), {"data": campaign, **keys.listed(keys.CAMPAIGNS, campaign["id"])})
    tx.commit()


def get_campaign(db: Table, campaign_id: str) -> dict[str, Any] | None:
    """One v1 campaign."""
    item = db.get(db.keys.campaign(campaign_id))
    return item["data"] if item else None


def get_campaign_id_by_name(db: Table, name: str) -> str | None:
    """The id of the v1 campaign holding `name` (the path's campaignId may be a name)."""
    item = db.get(db.keys.campaign_name(name))
    return item["campaign_id"] if item else None


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


# ---------------------------------------------------------------------------------------------- earning rules
def campaign_with_rules(db: Table, campaign_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """A campaign and its earning rules as stored (`{data, version}`, in creation order), in one Query of its partition."""
    items = db.query_all(db.keys.campaign_partition(campaign_id))
    own = db.keys.campaign(campaign_id).sk
    campaign = next((item["data"] for item in items if item["SK"] == own), None)
    return campaign, [item for item in items if item["SK"].startswith(CAMPAIGN_EARNING_RULE_SK_PREFIX)]


def campaign_rules(db: Table, campaign_id: str) -> list[dict[str, Any]]:
    """A campaign's earning rules as stored (`{data, version}`), in creation order (one Query)."""
    return db.query_all(db.keys.campaign_partition(campaign_id), CAMPAIGN_EARNING_RULE_SK_PREFIX)


def campaign_and_rule(db: Table, campaign_id: str, rule_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """A campaign and one of its earning rules as stored (`{data, version}`), in one BatchGetItem; None for what is absent."""
    campaign_key, rule_key = db.keys.campaign(campaign_id), db.keys.campaign_earning_rule(campaign_id, rule_id)
    by_sk = {item["SK"]: item for item in db.get_many([campaign_key, rule_key])}
    campaign = by_sk.get(campaign_key.sk)
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
