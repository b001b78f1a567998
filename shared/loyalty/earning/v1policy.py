"""The v2 card-definition settings a v1 campaign's or earning rule's `pending_points` and `expiration_rules` stand for
(earning-map §11.1): pure, shared by v1 earning and v1 point transfers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

V1_ROUNDING = {"END_OF_MONTH": "END_OF_MONTH", "END_OF_QUARTER": "END_OF_QUARTER", "END_OF_HALF_YEAR": "END_OF_HALF_YEAR",
               "END_OF_YEAR": "END_OF_YEAR", "PARTICULAR_MONTH": "END_OF_PARTICULAR_MONTH"}


def v1_card_definition(v1: Mapping[str, Any]) -> dict[str, Any]:
    """A v1 rule's `pending_points` {period_type DAY, period_value} and `expiration_rules` (MONTH with rounding, or
    FIXED_DAY_OF_YEAR) as the v2 card-definition settings the writer applies (earning-map §11.1)."""
    cdef: dict[str, Any] = {}
    pending = v1.get("pending_points") or {}
    if pending.get("period_value"):
        cdef["pending_points"] = {"type": "PERIOD_BASED",
                                  "period_based": {"period": {"unit": "DAY", "value": int(pending["period_value"])}}}
    rules = v1.get("expiration_rules") or {}
    if rules.get("period_type") == "MONTH" and rules.get("period_value"):
        rolling: dict[str, Any] = {"period": {"unit": "MONTH", "value": int(rules["period_value"])}}
        if rules.get("rounding_type") in V1_ROUNDING:
            rolling["rounding"] = {"type": V1_ROUNDING[rules["rounding_type"]]}
            if rules["rounding_type"] == "PARTICULAR_MONTH":
                rolling["rounding"]["value"] = rules.get("rounding_value")
        cdef["points_expiration"] = {"type": "ROLLING_EXPIRATION", "rolling_expiration": rolling}
    elif rules.get("period_type") == "FIXED_DAY_OF_YEAR":
        cdef["points_expiration"] = {"type": "CALENDAR_EXPIRATION", "calendar_expiration": {
            "expiration_dates": [{"day": rules.get("fixed_day"), "month": rules.get("fixed_month")}]}}
    return cdef
