"""Stored v1 rewards and their campaign assignments.

A reward is one item (`data`, a `version` every update moves, and `assignments`, the count of its assignments, which a
delete requires to be 0). An assignment is written as two copies in one transaction, one in its reward's partition
(keyed by campaign, so a reward is assigned to a campaign once) and one in its campaign's partition (keyed by assignment
id, read beside the campaign), plus a reference item keyed by the assignment id alone. Both copies carry the same
`version`; every change conditions both on it, so a redemption that checks the campaign copy's version spends exactly
the points cost it read."""

from __future__ import annotations

from typing import Any

from loyalty.db.keys import GSI1, REWARD_ASSIGNMENT_SK_PREFIX, key_names
from loyalty.db.table import Table

MAX_LIMIT = 100


# ---------------------------------------------------------------------------------------------- rewards
def create_reward(db: Table, reward: dict[str, Any]) -> None:
    """A new v1 reward, in the project's list of v1 rewards."""
    keys = db.keys
    db.put(keys.reward_v1(reward["id"]), {"data": reward, "version": 0, "assignments": 0,
                                          **keys.listed(keys.REWARDS_V1, reward["id"])})


def get_reward(db: Table, reward_id: str) -> dict[str, Any] | None:
    """A v1 reward as stored (`{data, version, assignments}`), or None."""
    return db.get(db.keys.reward_v1(reward_id))


def get_rewards(db: Table, reward_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Rewards by id (those that exist), in one BatchGetItem per 100."""
    items = db.get_many([db.keys.reward_v1(reward_id) for reward_id in reward_ids]) if reward_ids else []
    return {item["data"]["id"]: item["data"] for item in items}


def reward_with_assignments(db: Table, reward_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """A reward as stored and its assignments (the reward-side copies, `{data, version}`), in one Query."""
    items = db.query_all(db.keys.reward_v1(reward_id).pk)
    reward = next((item for item in items if item["SK"] == db.keys.reward_v1(reward_id).sk), None)
    return reward, [item for item in items if item["SK"].startswith(REWARD_ASSIGNMENT_SK_PREFIX)]


def list_rewards(db: Table, *, page: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """One page of the project's v1 rewards in creation order and how many there are: one Query reading up to
    `page` x `limit` entries, plus a counting Query unless that one reached the list's end."""
    assert 1 <= limit <= MAX_LIMIT and page >= 1
    partition = db.keys.collection(db.keys.REWARDS_V1)
    pk, _ = key_names(GSI1)
    kw: dict[str, Any] = {"key_condition": f"{pk} = :pk", "IndexName": GSI1, "ConsistentRead": False}
    want = page * limit
    read: list[dict[str, Any]] = []
    while True:
        kw["Limit"] = want - len(read)
        items, last = db.query(partition, **kw)
        read += [item["data"] for item in items]
        if last is None or len(read) >= want:
            break
        kw["ExclusiveStartKey"] = last
    total = len(read) if last is None else db.count(partition, index=GSI1)
    return read[(page - 1) * limit: page * limit], total


def save_reward(db: Table, reward: dict[str, Any], version: int) -> None:
    """Replace a reward's data, on condition that it still has the version it was read with (ConditionFailed
    otherwise); the version moves on."""
    db.update(db.keys.reward_v1(reward["id"]), "SET #d = :data, version = :next", condition="version = :version",
              names={"#d": "data"}, values={"data": reward, "next": version + 1, "version": version})


def delete_reward(db: Table, reward_id: str) -> None:
    """Delete a reward that has no assignments (ConditionFailed when it is gone or has some)."""
    tx = db.transaction()
    tx.delete("reward", db.keys.reward_v1(reward_id), condition="attribute_exists(PK) AND assignments = :zero",
              values={"zero": 0})
    tx.commit()


# ---------------------------------------------------------------------------------------------- assignments
def create_assignments(db: Table, campaign_id: str, assignments: list[dict[str, Any]]) -> None:
    """New assignments of distinct rewards to one campaign, in one transaction. Labels: `campaign` (the campaign is
    gone), `reward:<i>` (the i-th reward is gone), `claim:<i>` (the i-th reward is already assigned to the campaign)."""
    keys = db.keys
    tx = db.transaction()
    tx.check("campaign", keys.campaign(campaign_id), "attribute_exists(PK)")
    for i, assignment in enumerate(assignments):
        reward_id = assignment["reward_id"]
        tx.update(f"reward:{i}", keys.reward_v1(reward_id), "ADD assignments :one", values={"one": 1})
        stored = {"data": assignment, "version": 0}
        tx.put(f"claim:{i}", keys.reward_v1_assignment(reward_id, campaign_id), stored)
        tx.put(f"assignment:{i}", keys.campaign_reward_assignment(campaign_id, assignment["id"]), stored)
        tx.put(f"ref:{i}", keys.reward_assignment_ref(assignment["id"]), {"reward_id": reward_id, "campaign_id": campaign_id})
    tx.commit()


def campaign_with_assignments(db: Table, campaign_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """A v1 campaign and its reward assignments (`{data, version}`, in creation order), in one Query of its partition."""
    items = db.query_all(db.keys.campaign_partition(campaign_id))
    own = db.keys.campaign(campaign_id).sk
    campaign = next((item["data"] for item in items if item["SK"] == own), None)
    return campaign, [item for item in items if item["SK"].startswith(REWARD_ASSIGNMENT_SK_PREFIX)]


def campaign_assignment(db: Table, campaign_id: str, assignment_id: str) -> dict[str, Any] | None:
    """One assignment of a campaign as stored (`{data, version}`), or None."""
    return db.get(db.keys.campaign_reward_assignment(campaign_id, assignment_id))


def assignment_ref(db: Table, assignment_id: str) -> dict[str, Any] | None:
    """`{reward_id, campaign_id}` of an assignment id, or None."""
    return db.get(db.keys.reward_assignment_ref(assignment_id))


def save_assignment(db: Table, assignment: dict[str, Any], version: int) -> None:
    """Replace both copies of an assignment, on condition that both still have `version` (label `copy` or `claim`
    fails otherwise: it changed or was deleted meanwhile)."""
    keys = db.keys
    campaign_id, reward_id = assignment["related_object_id"], assignment["reward_id"]
    tx = db.transaction()
    for label, key in (("copy", keys.campaign_reward_assignment(campaign_id, assignment["id"])),
                       ("claim", keys.reward_v1_assignment(reward_id, campaign_id))):
        tx.update(label, key, "SET #d = :data, version = :next", condition="version = :version", names={"#d": "data"},
                  values={"data": assignment, "next": version + 1, "version": version})
    tx.commit()


def delete_assignment(db: Table, assignment: dict[str, Any], version: int) -> None:
    """Delete an assignment (both copies and its reference) and count it out of its reward, in one transaction (label
    `copy` fails when it changed or was deleted meanwhile)."""
    keys = db.keys
    campaign_id, reward_id = assignment["related_object_id"], assignment["reward_id"]
    tx = db.transaction()
    tx.delete("copy", keys.campaign_reward_assignment(campaign_id, assignment["id"]), condition="version = :version",
              values={"version": version})
    tx.delete("claim", keys.reward_v1_assignment(reward_id, campaign_id))
    tx.delete("ref", keys.reward_assignment_ref(assignment["id"]))
    tx.update("reward", keys.reward_v1(reward_id), "ADD assignments :minus", values={"minus": -1})
    tx.commit()
