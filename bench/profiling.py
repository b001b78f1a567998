"""Where a handler's CPU goes: cProfile on thread CPU time, own time summed by layer (stdlib charged to its callers)."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from typing import Any

PROFILE_GROUPS = ("botocore + HTTP", "repository + codec", "Powertools", "pydantic", "loyalty (api, services)", "json",
                  "other")

Key = tuple[str, int, str]


def _layers(stats: dict[Key, tuple[Any, ...]]) -> Callable[[Key], dict[str, float]]:
    """key -> how its own time splits over layers: its own layer, or for the standard library its callers', pro rata."""
    memo: dict[Key, dict[str, float]] = {}
    visiting: set[Key] = set()

    def split(key: Key) -> dict[str, float]:
        if key in memo:
            return memo[key]
        group = _profile_group(key[0], key[2])
        callers: dict[Key, tuple[Any, ...]] = stats[key][4] if key in stats else {}
        if group != "other" or not callers or key in visiting:
            return {group: 1.0}
        visiting.add(key)
        spent = sum(c[2] for c in callers.values()) or 1.0
        out: dict[str, float] = {}
        for caller, figures in callers.items():
            for name, share in split(caller).items():
                out[name] = out.get(name, 0.0) + share * figures[2] / spent
        visiting.discard(key)
        memo[key] = out
        return out

    return split


def _profile_group(filename: str, function: str) -> str:
    """Which layer a profiled function belongs to (C built-ins by their name)."""
    if filename == "~":
        if "pydantic_core" in function:
            return "pydantic"
        if any(word in function for word in ("socket", "select", "ssl", "poll")):
            return "botocore + HTTP"
        return "json" if "json" in function else "other"
    path = filename.replace("\\", "/")
    for group, parts in (("botocore + HTTP", ("/botocore/", "/urllib3/", "/http/client.py", "/socket.py", "/email/", "/ssl.py")),
                         ("repository + codec", ("/loyalty/db/", "/store.py", "/boto3/dynamodb/types.py")),
                         ("Powertools", ("/aws_lambda_powertools/", "/jmespath/")),
                         ("pydantic", ("/pydantic/", "/pydantic_core/")),
                         ("loyalty (api, services)", ("/shared/loyalty/", "/functions/")),
                         ("json", ("/json/",))):
        if any(part in path for part in parts):
            return group
    return "other"


def cpu_by_layer(profile: cProfile.Profile, runs: int) -> dict[str, float]:
    """CPU ms per run by layer."""
    stats: dict[Key, tuple[Any, ...]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    totals = dict.fromkeys(PROFILE_GROUPS, 0.0)
    split = _layers(stats)
    for key, (_, _, own, *_) in stats.items():
        for group, share in split(key).items():
            totals[group] += share * own * 1000 / runs
    return totals
