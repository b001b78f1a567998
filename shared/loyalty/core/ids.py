"""The one registry of ids: each kind's prefix, its resource type in errors, how new ids are made and checked."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from loyalty.core.clock import now_ms
from loyalty.core.errors import not_found

MAX_ID_LENGTH = 64
NEW_DIGITS = 18
"""The hex digits after the prefix of an id new() makes."""


@dataclass(frozen=True)
class IdKind:
    """A v2 id kind: `prefix` + lowercase hex, time-ordered (11 hex digits of epoch ms + 7 random)."""

    prefix: str
    resource_type: str
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pattern", re.compile(re.escape(self.prefix) + r"[a-f0-9]+"))

    def new(self) -> str:
        """A fresh id of this kind."""
        return f"{self.prefix}{now_ms():011x}{secrets.token_hex(4)[:7]}"

    def new_within(self, parent: str, kind: IdKind) -> str:
        """A fresh id of this kind followed by the hex of `parent` (an id of `kind` as new() makes them), so that this
        id alone leads to its parent's partition (parent_in); a plain new() id when `parent` has another shape."""
        digits = parent[len(kind.prefix):]
        return self.new() + digits if kind.matches(parent) and len(digits) == NEW_DIGITS else self.new()

    def parent_in(self, value: str, kind: IdKind) -> str | None:
        """The id of `kind` that new_within() put in `value`, or None (an id made by new())."""
        digits = value[len(self.prefix):]
        return f"{kind.prefix}{digits[NEW_DIGITS:]}" if self.matches(value) and len(digits) == 2 * NEW_DIGITS else None

    def matches(self, value: str) -> bool:
        """True when `value` has this kind's shape."""
        return len(value) <= MAX_ID_LENGTH and self._pattern.fullmatch(value) is not None

    def check(self, value: str) -> str:
        """`value` when it has this kind's shape, else 404 for the resource (spec-map A11: a malformed id is not found)."""
        if not self.matches(value):
            raise not_found(self.resource_type, value)
        return value

    @property
    def constraint(self) -> Any:
        """The pydantic constraint of this kind (use as `Annotated[StrictStr, KIND.constraint]`)."""
        return Field(pattern=f"^{self.prefix}[a-f0-9]+$", max_length=MAX_ID_LENGTH)


PROGRAM = IdKind("lprg_", "program")
CARD_DEFINITION = IdKind("lcdef_", "card_definition")
EARNING_RULE = IdKind("lern_", "earning_rule")
EARNING = IdKind("lernei_", "earning")
REWARD = IdKind("lrew_", "reward")
REWARD_COST = IdKind("lrcst_", "reward_cost")
COST_SPENDING = IdKind("lrspn_", "reward_cost_spending")
TIER_STRUCTURE = IdKind("lts_", "tier_structure")
TIER = IdKind("lt_", "tier")
LOYALTY_TIER = IdKind("ltr_", "loyalty_tier")
"""A v1 loyalty tier (`ltr_`, spec-map D-L1T): a tier of a v1 campaign."""
BENEFIT = IdKind("lben_", "benefit")
MEMBER = IdKind("lmbr_", "member")
CARD = IdKind("lcrd_", "card")
CARD_TRANSACTION = IdKind("lctx_", "card_transaction")
REWARD_TRANSACTION = IdKind("lrtx_", "reward_transaction")
BENEFIT_TRANSACTION = IdKind("lbtx_", "benefit_transaction")
ORDER_TRANSACTION = IdKind("lotx_", "order_transaction")
ORDER_PAYMENT = IdKind("ordpay_", "order_payment")
TIER_TRANSACTION = IdKind("lttx_", "tier_transaction")
ASYNC_ACTION = IdKind("aa_", "async_action")
EXPORT = IdKind("exp_", "export")
PENDING_POINTS_BUCKET = IdKind("lcppb_", "card_pending_points_bucket")
POINTS_BUCKET = IdKind("lcpeb_", "card_points_bucket")
ORDER = IdKind("ord_", "order")
METADATA_SCHEMA = IdKind("ms_", "metadata schema")
"""Custom event schemas (metadata schemas whose related object is the event name); the resource type is spelled as
Voucherify's 404 example for GET /v1/metadata-schemas/{resource} spells it."""
EVENT = IdKind("evcus_", "event")
WEBHOOK = IdKind("wh_", "webhook")
"""A webhook (ours, not Voucherify's): a project's URL and the event types sent to it."""
WEBHOOK_DELIVERY = IdKind("whd_", "webhook_delivery")

# Activities, one kind per resource that has them (spec-map §2.11).
PROGRAM_ACTIVITY = IdKind("laprg_", "activity")
MEMBER_ACTIVITY = IdKind("lambr_", "activity")
CARD_ACTIVITY = IdKind("lacrd_", "activity")
CARD_DEFINITION_ACTIVITY = IdKind("lacd_", "activity")
EARNING_RULE_ACTIVITY = IdKind("laer_", "activity")
TIER_STRUCTURE_ACTIVITY = IdKind("lats_", "activity")
BENEFIT_ACTIVITY = IdKind("laben_", "activity")
REWARD_ACTIVITY = IdKind("larew_", "activity")


def new_alnum_id(prefix: str) -> str:
    """A time-ordered id for Voucherify's shared objects (cust_, camp_, v_): 24 characters."""
    return f"{prefix}{now_ms():011x}{secrets.token_hex(7)[:13]}"
