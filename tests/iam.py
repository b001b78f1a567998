"""IAM as template.yaml grants it: each function's shared role, the roles' statements, and the actions an AWS call needs."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.template import FUNCTION, load_yaml, merge_globals, resolve

ROOT = Path(__file__).resolve().parents[1]
ROLE = "AWS::IAM::Role"
# The ARNs a deployment would give the template's resources (any fixed values do: statements are matched against them).
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/loyalty-Table"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:loyalty-JobsQueue"
ATTRS = {
    "Table.Arn": TABLE_ARN,
    "JobsQueue.Arn": QUEUE_ARN,
    "JobsDeadLetterQueue.Arn": "arn:aws:sqs:us-east-1:123456789012:loyalty-JobsDeadLetterQueue",
    "FunctionsLogGroup.Arn": "arn:aws:logs:us-east-1:123456789012:log-group:loyalty-FunctionsLogGroup:*",
    "ApiAccessLogs.Arn": "arn:aws:logs:us-east-1:123456789012:log-group:loyalty-ApiAccessLogs:*",
}
REFS = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
# TransactWriteItems is authorised per item, as the action the item performs.
TRANSACT_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


@dataclass(frozen=True)
class Statement:
    """One Allow statement of a role's inline policies, intrinsics resolved to the ARNs above."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]

    def allows(self, action: str, resource: str) -> bool:
        """Whether this statement grants `action` on `resource` (IAM wildcards, case-insensitive actions)."""
        return any(fnmatch.fnmatch(action.lower(), a.lower()) for a in self.actions) and any(
            fnmatch.fnmatchcase(resource, r) for r in self.resources)


def _as_tuple(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else (value,)


def template() -> dict[str, Any]:
    """template.yaml, short tags in their long form."""
    return load_yaml(ROOT / "template.yaml")


def role_statements(body: dict[str, Any] | None = None) -> dict[str, list[Statement]]:
    """Every AWS::IAM::Role of the template -> the Allow statements of its inline policies."""
    body = body or template()
    out: dict[str, list[Statement]] = {}
    for logical_id, resource in body["Resources"].items():
        if resource["Type"] != ROLE:
            continue
        statements = []
        for policy in (resource.get("Properties") or {}).get("Policies") or []:
            for st in policy["PolicyDocument"]["Statement"]:
                if st.get("Effect") != "Allow" or "NotAction" in st or "NotResource" in st:
                    raise ValueError(f"{logical_id}: only plain Allow statements are expected, got {st}")
                resources = resolve(st["Resource"], REFS, ATTRS)
                statements.append(Statement(st.get("Sid", ""), _as_tuple(st["Action"]), _as_tuple(resources)))
        out[logical_id] = statements
    return out


def function_roles(body: dict[str, Any] | None = None) -> dict[str, str | None]:
    """Every function's logical id -> the logical id of the role its `Role: !GetAtt <Role>.Arn` names (None without one)."""
    body = body or template()
    global_props = (body.get("Globals") or {}).get("Function") or {}
    out: dict[str, str | None] = {}
    for logical_id, resource in body["Resources"].items():
        if resource["Type"] != FUNCTION:
            continue
        role = merge_globals(global_props, resource.get("Properties") or {}).get("Role")
        out[logical_id] = role["Fn::GetAtt"][0] if isinstance(role, dict) and "Fn::GetAtt" in role and role["Fn::GetAtt"][1] == "Arn" else None
    return out


def _table_arn(index: str | None = None) -> str:
    """The stack's one table (whatever a test named it), or one of its indexes."""
    return TABLE_ARN + (f"/index/{index}" if index else "")


def required_permissions(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) pairs one DynamoDB or SQS call needs."""
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            return [(f"dynamodb:{TRANSACT_ITEM_ACTIONS[kind]}", _table_arn()) for item in params["TransactItems"] for kind in item]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{operation}", _table_arn()) for _ in params["RequestItems"]]
        return [(f"dynamodb:{operation}", _table_arn(params.get("IndexName")))]
    if service == "sqs":
        return [(f"sqs:{operation}", QUEUE_ARN)]
    raise ValueError(f"no IAM mapping for {service}:{operation}")


def allowed(statements: list[Statement], action: str, resource: str) -> bool:
    """Whether any of the statements grants `action` on `resource`."""
    return any(st.allows(action, resource) for st in statements)
