"""Stored v1 loyalty campaigns: one item per campaign and a claim item per name (unique per project)."""

from __future__ import annotations

from typing import Any

from loyalty.db.table import Table


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
