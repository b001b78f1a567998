"""The plain-boto3 baseline: the calls a handler made, replayed for other data with a bare client.

A probe invocation is recorded; its calls become templates in which the ids of the probe's data (its *slot*) are swapped
for another slot's and every id the handler generated (new member, card, transaction, code...) for a fresh one of the same
shape, so each replay writes new items of the same sizes under the same conditions. Reads the handler repeated with
identical parameters, and its API-key lookup, are dropped: the baseline makes only the minimal calls."""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from botocore import xform_name

from bench.calls import READ_OPS, Call

# Every id the API mints (v2 hex ids: resources, activities, async actions; Voucherify-style ids) and the bench campaign's card codes.
TOKEN = re.compile(r"(?<![0-9A-Za-z])(?:(?:l[a-z]{1,7}|aa)_[0-9a-f]{18}(?:[0-9a-f]{18})?|(?:cust|camp|v)_[0-9a-f]{24}"
                   r"|BC-[0-9A-Za-z]{8})(?![0-9A-Za-z])")
_ALNUM = string.ascii_letters + string.digits
_RANDOM = random.Random(20261122)


def fresh_token(token: str) -> str:
    """A new random token with the same prefix, length and alphabet."""
    if token.startswith("BC-"):
        return "BC-" + "".join(_RANDOM.choice(_ALNUM) for _ in range(8))
    prefix, _, body = token.partition("_")
    return f"{prefix}_" + "".join(_RANDOM.choice("0123456789abcdef") for _ in body)


def minimal(calls: list[Call]) -> list[Call]:
    """The calls without the API-key lookup and without reads repeating an earlier identical read."""
    seen: set[str] = set()
    out = []
    for call in calls:
        if call.category == "auth":
            continue
        if call.operation in READ_OPS:
            key = call.operation + json.dumps(call.params, sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
        out.append(call)
    return out


@dataclass(frozen=True)
class PlannedCall:
    """One call ready to run: client method name and parameters."""

    service: str
    method: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """The calls of one replay and how the probe's tokens were mapped (generated ones included)."""

    calls: list[PlannedCall]
    mapping: dict[str, str]

    def run(self, clients: Mapping[str, Any]) -> list[Any]:
        """Make the calls with the given clients (service -> client); their responses."""
        return [getattr(clients[c.service], c.method)(**c.params) for c in self.calls]


class Replay:
    """Templates of a probe's minimal calls; `plan(slot)` instantiates them for another slot."""

    def __init__(self, calls: list[Call], probe_slot: Mapping[str, str], operations: set[str] | None = None) -> None:
        kept = [c for c in minimal(calls) if operations is None or c.operation in operations]
        self.operations = [c.operation for c in kept]
        self._templates = [(c.service, xform_name(c.operation), json.dumps(c.params)) for c in kept]
        self._probe = dict(probe_slot)

    def describe(self) -> str:
        """`Query + GetItem + TransactWriteItems`."""
        return " + ".join(self.operations)

    def plan(self, slot: Mapping[str, str]) -> Plan:
        """The calls for `slot` (same keys as the probe's), every other token replaced by a fresh one."""
        mapping = {self._probe[k]: slot[k] for k in self._probe}

        def swap(match: re.Match[str]) -> str:
            token = match.group(0)
            if token not in mapping:
                prefix, _, body = token.partition("_")
                if len(body) == 36:  # an id made within its member's (ids.IdKind.new_within): own digits + the member's
                    member = swap(cast(re.Match[str], TOKEN.fullmatch(f"lmbr_{body[18:]}")))
                    mapping[token] = fresh_token(f"{prefix}_{body[:18]}") + member.partition("_")[2]
                else:
                    mapping[token] = fresh_token(token)
            return mapping[token]

        calls = [PlannedCall(service, method, json.loads(TOKEN.sub(swap, text))) for service, method, text in self._templates]
        return Plan(calls, mapping)
