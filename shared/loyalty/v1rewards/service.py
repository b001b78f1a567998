"""v1 rewards (`/v1/rewards`) and their assignments to v1 loyalty campaigns, seen from the reward and from the campaign.

A v1 reward is its own record (`rew_`), not a v2 reward (`lrew_`): a v2 reward requires costs priced on card
definitions and keeps its stock on program assignments, while a v1 reward has no cost (its points cost lives on each
campaign assignment) and carries its own stock. What it delivers is judged by the v2 fulfilment rules
(`loyalty.components.fulfilment`) through `fulfilment_view`: coupon and gift campaign rewards are refused, as in v2."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from loyalty.components.fulfilment import unfulfillable_reason
from loyalty.components.updates import given_fields
from loyalty.core.clock import now_iso
from loyalty.core.errors import LoyaltyError, invalid_payload, not_found
from loyalty.core.ids import new_alnum_id
from loyalty.core.listing import only_parameters
from loyalty.db.table import ConditionFailed, Table
from loyalty.db.transact import TransactionConflict
from loyalty.v1 import service as campaigns
from loyalty.v1 import store as campaign_store
from loyalty.v1rewards import store
from loyalty.v1rewards.models import (
    AssignmentParameters,
    CampaignRewardAssignmentCreate,
    RewardAssignmentCreate,
    RewardAssignmentUpdate,
    RewardParameters,
    RewardV1Create,
    RewardV1Update,
)
from loyalty.v1rewards.redemption import redeem_reward as redeem_reward
from loyalty.v1rewards.views import REWARD_ID

ASSIGNMENT_ID = re.compile(r"rewa_[A-Za-z0-9]{1,59}")
DEFAULT_LIMIT = 10
MAX_ASSIGNMENTS_PER_REQUEST = 24
"""Each assignment writes 4 items, and one transaction holds 100 (one more checks the campaign)."""


# ---------------------------------------------------------------------------------------------- errors
def _reward_not_found(reward_id: str) -> LoyaltyError:
    return not_found("reward", reward_id)


def _assignment_not_found(assignment_id: str) -> LoyaltyError:
    return not_found("reward_assignment", assignment_id)


def _concurrent() -> LoyaltyError:
    return LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                        "The resource was changed by another request meanwhile; read it again and retry")


def _duplicate(assignment_id: str) -> LoyaltyError:
    return LoyaltyError(409, "duplicate_found", "Duplicated resource found",
                        f"Duplicated reward_assignment exists with id {assignment_id}",
                        resource_type="reward_assignment", resource_id=assignment_id)


def check_query(parameters: Iterable[tuple[str, str]], allowed: tuple[str, ...]) -> None:
    """Only the `allowed` query parameters, each at most once: 400 `invalid_query_params` otherwise."""
    only_parameters((name for name, _ in parameters), allowed)


def _page(data: list[Any], limit: int | None, page: int | None, total: int | None = None) -> dict[str, Any]:
    size, number = limit or DEFAULT_LIMIT, page or 1
    return {"object": "list", "data_ref": "data", "data": data[(number - 1) * size: number * size],
            "total": len(data) if total is None else total}


# ---------------------------------------------------------------------------------------------- what a reward delivers
def _deliverable_parameters(db: Table, parameters: RewardParameters) -> dict[str, Any]:
    """The stored `parameters` of a reward this server can deliver; 400 for what it cannot (coupon or gift campaigns,
    pay with points), 404 `campaign` for a loyalty campaign that does not exist."""
    if parameters.coin is not None:
        raise invalid_payload("COIN (pay with points) rewards are not supported by this server: such a reward only turns "
                              "points into a discount on an order being redeemed, and this server has no v1 order "
                              "redemptions; use a MATERIAL reward or a CAMPAIGN reward that credits loyalty points")
    if parameters.product is not None:
        return {"product": {"id": parameters.product.id, "sku_id": parameters.product.sku_id}}
    campaign = parameters.campaign
    assert campaign is not None
    if campaign.type is not None and campaign.type != "LOYALTY_PROGRAM":
        reason = unfulfillable_reason({"type": "DIGITAL", "digital": {"type": campaign.type}})
        raise invalid_payload(f"Property parameters.campaign.type: {reason}")
    found = campaign_store.find_campaign(db, campaign.id)
    if found is None or found.get("campaign_type") != "LOYALTY_PROGRAM":
        raise not_found("campaign", campaign.id)
    if not campaign.balance:
        raise LoyaltyError(400, "invalid_balance", "Property 'parameters.campaign.balance' is invalid",
                           "Property 'parameters.campaign.balance' must be greater than zero for campaign type: LOYALTY_PROGRAM")
    return {"campaign": {"id": found["id"], "balance": campaign.balance, "type": "LOYALTY_PROGRAM"}}


def _attributes(body: RewardV1Create | RewardV1Update) -> dict[str, Any] | None:
    return body.attributes.model_dump() if body.attributes is not None else None


# ---------------------------------------------------------------------------------------------- rewards
def create_reward(db: Table, body: RewardV1Create) -> dict[str, Any]:
    """POST /v1/rewards: a MATERIAL reward, or a CAMPAIGN reward crediting a card of a v1 loyalty campaign."""
    kind = body.parameters.reward_type()
    reward: dict[str, Any] = {
        "id": new_alnum_id("rew_"),
        "name": body.name,
        "stock": body.stock if kind == "MATERIAL" else None,
        "redeemed": 0,
        **({"attributes": _attributes(body) or {}} if kind == "MATERIAL" else {}),
        "metadata": body.metadata or {},
        "type": kind,
        "parameters": _deliverable_parameters(db, body.parameters),
        "created_at": now_iso(),
        "updated_at": None,
        "object": "reward",
    }
    store.create_reward(db, reward)
    return reward


def _reward_id(reward_ref: str) -> str:
    reward_id = unquote(reward_ref)
    if not REWARD_ID.fullmatch(reward_id):
        raise _reward_not_found(reward_id)
    return reward_id


def _stored_reward(db: Table, reward_ref: str) -> dict[str, Any]:
    reward_id = _reward_id(reward_ref)
    stored = store.get_reward(db, reward_id)
    if stored is None:
        raise _reward_not_found(reward_id)
    return stored


def get_reward(db: Table, reward_ref: str) -> dict[str, Any]:
    """GET /v1/rewards/{rewardId}; 404 `reward`."""
    return dict(_stored_reward(db, reward_ref)["data"])


def list_rewards(db: Table, parameters: Iterable[tuple[str, str]], limit: int | None, page: int | None,
                 assignment_id: str | None) -> dict[str, Any]:
    """GET /v1/rewards: a page of the project's rewards in creation order (`total` counts them all), or, with
    `assignment_id`, the one reward of that assignment (none when it does not exist)."""
    check_query(parameters, ("limit", "page", "assignment_id"))
    if assignment_id is not None:
        ref = store.assignment_ref(db, assignment_id) if ASSIGNMENT_ID.fullmatch(assignment_id) else None
        stored = store.get_reward(db, ref["reward_id"]) if ref else None
        return _page([stored["data"]] if stored else [], limit, page)
    rewards, total = store.list_rewards(db, page=page or 1, limit=limit or DEFAULT_LIMIT)
    return {"object": "list", "data_ref": "data", "data": rewards, "total": total}


def update_reward(db: Table, reward_ref: str, body: RewardV1Update) -> dict[str, Any]:
    """PUT /v1/rewards/{rewardId}: the fields given replace the reward's; its type cannot change (400)."""
    stored = _stored_reward(db, reward_ref)
    reward = dict(stored["data"])
    kind = reward["type"]
    if body.type is not None and body.type != kind:
        raise invalid_payload(f"Property type: a {kind} reward cannot become a {body.type} reward")
    if body.parameters is not None and body.parameters.reward_type() != kind:
        raise invalid_payload(f"Property parameters: a {kind} reward's parameters must hold "
                              f"{ {'CAMPAIGN': 'campaign', 'COIN': 'coin', 'MATERIAL': 'product'}[kind]}")
    if kind != "MATERIAL" and (body.stock is not None or body.attributes is not None):
        raise invalid_payload(f"Properties stock and attributes are allowed only for MATERIAL rewards, not {kind}")
    for name in given_fields(body):
        if name == "parameters" and body.parameters is not None:
            reward["parameters"] = _deliverable_parameters(db, body.parameters)
        elif name == "metadata":
            reward["metadata"] = body.metadata or {}
        elif name == "attributes":
            reward["attributes"] = _attributes(body) or {}
        elif name in ("name", "stock"):
            reward[name] = getattr(body, name)
    reward["updated_at"] = now_iso()
    try:
        store.save_reward(db, reward, int(stored.get("version", 0)))
    except ConditionFailed:
        raise _concurrent() from None
    return reward


def delete_reward(db: Table, reward_ref: str) -> None:
    """DELETE /v1/rewards/{rewardId}: 204; 400 `resource_in_use` while campaigns have it assigned; 404 `reward`."""
    reward_id = _reward_id(reward_ref)
    try:
        store.delete_reward(db, reward_id)
        return
    except TransactionConflict:
        pass
    stored, assignments = store.reward_with_assignments(db, reward_id)
    if stored is None:
        raise _reward_not_found(reward_id)
    ids = sorted(item["data"]["id"] for item in assignments)
    raise LoyaltyError(400, "resource_in_use", "Resource in use",
                       f"Resource reward with id {reward_id} is in use by reward_assignments with ids [{', '.join(ids)}]",
                       related_object_ids=ids, related_object_type="reward_assignment")


# ---------------------------------------------------------------------------------------------- assignments
def _loyalty(parameters: AssignmentParameters) -> dict[str, Any]:
    loyalty = parameters.loyalty
    if loyalty.auto_redeem:
        raise invalid_payload("Property parameters.loyalty.auto_redeem: automatic redemption is not supported by this "
                              "server; redeem the reward with a redemption request")
    return {"points": loyalty.points, **({"auto_redeem": loyalty.auto_redeem} if loyalty.auto_redeem is not None else {})}


def _campaign_id(db: Table, campaign_ref: str) -> str:
    """A campaign's id from the path or body reference (an id is taken as it is: the reads or writes that follow find
    out whether it exists; a name is looked up); 404 `campaign` for a name that names none."""
    ref = unquote(campaign_ref)
    if campaign_store.CAMPAIGN_ID.fullmatch(ref) and len(ref) <= campaign_store.MAX_CAMPAIGN_REF:
        return ref
    found = campaign_store.find_campaign(db, campaign_ref)
    if found is None or found.get("campaign_type") != "LOYALTY_PROGRAM":
        raise not_found("campaign", ref)
    return str(found["id"])


def _create(db: Table, campaign_id: str, wanted: list[tuple[str, AssignmentParameters]]) -> list[dict[str, Any]]:
    now = now_iso()
    assignments = [{
        "id": new_alnum_id("rewa_"),
        "reward_id": reward_id,
        "related_object_id": campaign_id,
        "related_object_type": "campaign",
        "parameters": {"loyalty": _loyalty(parameters)},
        "created_at": now,
        "updated_at": None,
        "object": "reward_assignment",
    } for reward_id, parameters in wanted]
    try:
        store.create_assignments(db, campaign_id, assignments)
    except TransactionConflict as conflict:
        if conflict.failed("campaign"):
            raise not_found("campaign", campaign_id) from None
        for i, (reward_id, _) in enumerate(wanted):
            if conflict.failed(f"reward:{i}"):
                raise _reward_not_found(reward_id) from None
        for i, (reward_id, _) in enumerate(wanted):
            if conflict.failed(f"claim:{i}"):
                _, existing = store.reward_with_assignments(db, reward_id)
                same = next((item["data"]["id"] for item in existing if item["data"]["related_object_id"] == campaign_id), "")
                raise _duplicate(same) from None
        raise
    return assignments


def create_reward_assignment(db: Table, reward_ref: str, body: RewardAssignmentCreate) -> dict[str, Any]:
    """POST /v1/rewards/{rewardId}/assignments: assign the reward to a loyalty campaign at a points cost; 404 `reward` /
    `campaign`, 409 `duplicate_found` when the campaign has it already."""
    reward_id = _reward_id(reward_ref)
    return _create(db, _campaign_id(db, body.campaign), [(reward_id, body.parameters)])[0]


def create_campaign_reward_assignments(db: Table, campaign_ref: str,
                                       body: list[CampaignRewardAssignmentCreate]) -> list[dict[str, Any]]:
    """POST /v1/loyalties/{campaignId}/rewards: assign rewards (distinct, 1-24) to the campaign, all or none."""
    if not body or len(body) > MAX_ASSIGNMENTS_PER_REQUEST:
        raise invalid_payload(f"The request must hold between 1 and {MAX_ASSIGNMENTS_PER_REQUEST} reward assignments")
    rewards = [item.reward for item in body]
    if len(set(rewards)) != len(rewards):
        raise invalid_payload("A reward can be assigned to a campaign once: the request names a reward twice")
    return _create(db, _campaign_id(db, campaign_ref), [(item.reward, item.parameters) for item in body])


def _reward_side(db: Table, reward_ref: str, assignment_ref: str) -> dict[str, Any]:
    """An assignment as stored in its reward's partition (`{data, version}`); 404 `reward` / `reward_assignment`."""
    reward_id, assignment_id = _reward_id(reward_ref), unquote(assignment_ref)
    stored, assignments = store.reward_with_assignments(db, reward_id)
    if stored is None:
        raise _reward_not_found(reward_id)
    found = next((item for item in assignments if item["data"]["id"] == assignment_id), None)
    if found is None:
        raise _assignment_not_found(assignment_id)
    return found


def _campaign_side(db: Table, campaign_ref: str, assignment_ref: str) -> dict[str, Any]:
    """An assignment as stored in its campaign's partition (`{data, version}`); 404 `campaign` / `reward_assignment`."""
    campaign_id, assignment_id = _campaign_id(db, campaign_ref), unquote(assignment_ref)
    stored = store.campaign_assignment(db, campaign_id, assignment_id) if ASSIGNMENT_ID.fullmatch(assignment_id) else None
    if stored is not None:
        return stored
    if campaign_store.get_campaign(db, campaign_id) is None:
        raise not_found("campaign", campaign_id)
    raise _assignment_not_found(assignment_id)


def _campaign_assignments(db: Table, campaign_ref: str) -> list[dict[str, Any]]:
    campaign_id = _campaign_id(db, campaign_ref)
    campaign, assignments = store.campaign_with_assignments(db, campaign_id)
    if campaign is None:
        raise not_found("campaign", campaign_id)
    return [item["data"] for item in assignments]


def list_reward_assignments(db: Table, reward_ref: str, parameters: Iterable[tuple[str, str]], limit: int | None,
                            page: int | None) -> dict[str, Any]:
    """GET /v1/rewards/{rewardId}/assignments: the reward's assignments in creation order; 404 `reward`."""
    check_query(parameters, ("limit", "page"))
    reward_id = _reward_id(reward_ref)
    stored, assignments = store.reward_with_assignments(db, reward_id)
    if stored is None:
        raise _reward_not_found(reward_id)
    return _page(sorted((item["data"] for item in assignments), key=lambda a: str(a["id"])), limit, page)


def get_reward_assignment(db: Table, reward_ref: str, assignment_ref: str) -> dict[str, Any]:
    """GET /v1/rewards/{rewardId}/assignments/{assignmentId}."""
    return dict(_reward_side(db, reward_ref, assignment_ref)["data"])


def _update(db: Table, stored: dict[str, Any], body: RewardAssignmentUpdate) -> dict[str, Any]:
    assignment = dict(stored["data"])
    loyalty = dict(assignment["parameters"]["loyalty"])
    given = body.parameters.loyalty
    if given.auto_redeem:
        raise invalid_payload("Property parameters.loyalty.auto_redeem: automatic redemption is not supported by this "
                              "server; redeem the reward with a redemption request")
    if given.points is not None:
        loyalty["points"] = given.points
    if "auto_redeem" in given.model_fields_set:
        loyalty["auto_redeem"] = given.auto_redeem
    assignment.update({"parameters": {"loyalty": loyalty}, "updated_at": now_iso()})
    try:
        store.save_assignment(db, assignment, int(stored.get("version", 0)))
    except TransactionConflict:
        raise _concurrent() from None
    return assignment


def update_reward_assignment(db: Table, reward_ref: str, assignment_ref: str, body: RewardAssignmentUpdate) -> dict[str, Any]:
    """PUT /v1/rewards/{rewardId}/assignments/{assignmentId}: a new points cost; 409 when it changed meanwhile."""
    return _update(db, _reward_side(db, reward_ref, assignment_ref), body)


def _delete(db: Table, stored: dict[str, Any]) -> None:
    try:
        store.delete_assignment(db, stored["data"], int(stored.get("version", 0)))
    except TransactionConflict:
        raise _concurrent() from None


def delete_reward_assignment(db: Table, reward_ref: str, assignment_ref: str) -> None:
    """DELETE /v1/rewards/{rewardId}/assignments/{assignmentId}: 204."""
    _delete(db, _reward_side(db, reward_ref, assignment_ref))


# ---------------------------------------------------------------------------------------------- the campaign's side
def list_campaign_reward_assignments(db: Table, campaign_ref: str, parameters: Iterable[tuple[str, str]], limit: int | None,
                                     page: int | None, assignment_id: str | None, *, filter_name: str) -> dict[str, Any]:
    """GET /v1/loyalties/{campaignId}/rewards and .../reward-assignments: the campaign's assignments in creation order
    (only `assignment_id`'s when given; its query name is `filter_name`); 404 `campaign`."""
    check_query(parameters, ("limit", "page", filter_name))
    data = _campaign_assignments(db, campaign_ref)
    if assignment_id is not None:
        data = [assignment for assignment in data if assignment["id"] == assignment_id]
    return _page(data, limit, page)


def get_campaign_reward_assignment(db: Table, campaign_ref: str, assignment_ref: str) -> dict[str, Any]:
    """GET /v1/loyalties/{campaignId}/rewards/{assignmentId} (and .../reward-assignments/{assignmentId})."""
    return dict(_campaign_side(db, campaign_ref, assignment_ref)["data"])


def update_campaign_reward_assignment(db: Table, campaign_ref: str, assignment_ref: str,
                                      body: RewardAssignmentUpdate) -> dict[str, Any]:
    """PUT /v1/loyalties/{campaignId}/rewards/{assignmentId}: a new points cost."""
    return _update(db, _campaign_side(db, campaign_ref, assignment_ref), body)


def delete_campaign_reward_assignment(db: Table, campaign_ref: str, assignment_ref: str) -> None:
    """DELETE /v1/loyalties/{campaignId}/rewards/{assignmentId}: 204."""
    _delete(db, _campaign_side(db, campaign_ref, assignment_ref))


def get_assignment_reward(db: Table, campaign_ref: str, assignment_ref: str) -> dict[str, Any]:
    """GET /v1/loyalties/{campaignId}/reward-assignments/{assignmentId}/reward: the assigned reward."""
    assignment = _campaign_side(db, campaign_ref, assignment_ref)["data"]
    stored = store.get_reward(db, assignment["reward_id"])
    if stored is None:  # a reward with assignments cannot be deleted; kept for safety
        raise _reward_not_found(assignment["reward_id"])
    return dict(stored["data"])


def list_member_rewards(db: Table, member_ref: str, parameters: Iterable[tuple[str, str]],
                        affordable_only: bool | None) -> dict[str, Any]:
    """GET /v1/loyalties/members/{memberId}/rewards: the rewards the card's campaign offers, each with its assignment;
    with `affordable_only=true`, only those whose points cost the card's balance covers; 404 `voucher`."""
    check_query(parameters, ("affordable_only",))
    card = campaigns.card_by_code(db, None, member_ref)
    _, stored = store.campaign_with_assignments(db, card["campaign_id"])
    assignments = [item["data"] for item in stored]
    if affordable_only:
        balance = int(card.get("balance", 0))
        assignments = [a for a in assignments if int(a["parameters"]["loyalty"]["points"]) <= balance]
    rewards = store.get_rewards(db, sorted({a["reward_id"] for a in assignments}))
    data = [{"reward": rewards[a["reward_id"]], "assignment": a, "object": "loyalty_reward"}
            for a in assignments if a["reward_id"] in rewards]
    return {"object": "list", "data_ref": "data", "data": data, "total": len(data)}
