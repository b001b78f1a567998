"""IAM as template.yaml grants it, evaluated: each function's execution role and tenant role, their statements (Allow and
Deny, with the Conditions the template uses: `dynamodb:LeadingKeys` under ForAllValues/ForAnyValue, policy variables
such as `${aws:PrincipalTag/project}`, Null, the session-tag keys of a trust policy), the role assumption between them,
and the requests (action, resource, leading keys) an AWS call makes.

It follows AWS's evaluation: an explicit Deny wins, else any matching Allow, else denied; a condition on a key the
request lacks fails, except negated operators and ForAllValues (which holds for an empty set - hence the Null checks);
a policy variable that cannot be resolved matches nothing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from local.template import FUNCTION, load_yaml, merge_globals, resolve

ROOT = Path(__file__).resolve().parents[1]
ROLE = "AWS::IAM::Role"
ACCOUNT = "123456789012"
STACK = "loyalty"
# The ARNs a deployment would give the template's resources (any fixed values do: statements are matched against them).
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/loyalty-Table"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:loyalty-JobsQueue"
BASE_ATTRS = {
    "Table.Arn": TABLE_ARN,
    "Table.StreamArn": f"{TABLE_ARN}/stream/2026-01-01T00:00:00.000",
    "CardChangesFailureQueue.Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:loyalty-CardChangesFailureQueue",
    "JobsQueue.Arn": QUEUE_ARN,
    "JobsDeadLetterQueue.Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:loyalty-JobsDeadLetterQueue",
    "WebhookQueue.Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:loyalty-WebhookQueue",
    "WebhookDeadLetterQueue.Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:loyalty-WebhookDeadLetterQueue",
    "FunctionsLogGroup.Arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:loyalty-FunctionsLogGroup:*",
    "ApiAccessLogs.Arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:loyalty-ApiAccessLogs:*",
    "ExportsBucket.Arn": "arn:aws:s3:::loyalty-exportsbucket-0abcdef123",
    "EventBus.Arn": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/loyalty-loyalty-events",
}
REFS = {"AWS::Region": "us-east-1", "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws", "AWS::StackName": STACK}
# TransactWriteItems is authorised per item, as the action the item performs.
TRANSACT_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}
LEADING_KEYS = "dynamodb:LeadingKeys"
TAG = "project"  # the session tag of a tenant role (db/clients.py TAG)
SET_QUALIFIERS = ("ForAllValues", "ForAnyValue")


# ---------------------------------------------------------------------------------------------------- requests
@dataclass(frozen=True)
class Request:
    """What IAM decides on: an action on a resource with its condition keys (multivalued ones as tuples), made by a
    principal (for trust policies) whose session carries tags (for policy variables)."""

    action: str
    resource: str
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    principal: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def leading_keys(self) -> tuple[str, ...]:
        """The partition key values the request touches (empty for a Scan)."""
        return self.context.get(LEADING_KEYS, ())

    def describe(self) -> str:
        keys = f" keys {list(self.leading_keys)}" if LEADING_KEYS in self.context else ""
        return f"{self.action} on {self.resource}{keys}"


def _like(value: str, pattern: str) -> bool:
    """IAM's StringLike: `*` any run of characters, `?` one character, everything else literal, case-sensitive."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _substitute(value: str, request: Request) -> str | None:
    """A policy value with its variables (`${aws:PrincipalTag/x}`, `${aws:PrincipalArn}`) resolved; None if one cannot be."""
    missing = False

    def one(m: re.Match[str]) -> str:
        nonlocal missing
        name = m.group(1)
        if name.startswith("aws:PrincipalTag/") and name.split("/", 1)[1] in request.tags:
            return request.tags[name.split("/", 1)[1]]
        if name == "aws:PrincipalArn" and request.principal:
            return request.principal
        missing = True
        return ""

    out = _VARIABLE.sub(one, value)
    return None if missing else out


_OPERATORS = {
    "StringEquals": (lambda v, p: v == p, False), "StringNotEquals": (lambda v, p: v == p, True),
    "StringLike": (_like, False), "StringNotLike": (_like, True),
    "ArnEquals": (lambda v, p: v == p, False), "ArnLike": (_like, False),
}


@dataclass(frozen=True)
class Condition:
    """One `operator: {key: values}` entry of a statement's Condition."""

    operator: str
    key: str
    values: tuple[str, ...]

    def holds(self, request: Request) -> bool:
        """Whether the request satisfies this condition (AWS's rules for missing keys and set qualifiers)."""
        qualifier, _, base = self.operator.rpartition(":")
        present = request.context.get(self.key)
        if base == "Null":
            return (not present) == (self.values[0].lower() == "true")
        if base not in _OPERATORS:
            raise ValueError(f"the evaluator does not know the condition operator {self.operator}")
        if qualifier and qualifier not in SET_QUALIFIERS:
            raise ValueError(f"unknown qualifier in {self.operator}")
        match, negated = _OPERATORS[base]
        patterns = [p for p in (_substitute(v, request) for v in self.values) if p is not None]

        def one(value: str) -> bool:
            hit = any(match(value, p) for p in patterns)
            return not hit if negated else hit

        values = present or ()
        if qualifier == "ForAllValues":
            return all(one(v) for v in values)
        if qualifier == "ForAnyValue":
            return any(one(v) for v in values)
        if not values:
            return negated
        if len(values) > 1:
            raise ValueError(f"{self.key} has several values: a condition on it needs ForAllValues or ForAnyValue")
        return one(values[0])


@dataclass(frozen=True)
class Statement:
    """One statement of a role's inline policies or trust policy, intrinsics resolved to the ARNs above."""

    sid: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...] = ()  # empty in a trust policy (the resource is the role itself)
    conditions: tuple[Condition, ...] = ()
    principals: tuple[str, ...] = ()  # trust policies: the AWS principals (ARNs) and services it names

    def covers(self, action: str, resource: str) -> bool:
        """Whether the statement names `action` (IAM wildcards, case-insensitive) and `resource` (or has no Resource)."""
        return any(_like(action.lower(), a.lower()) for a in self.actions) and (
            not self.resources or any(_like(resource, r) for r in self.resources))

    def allows(self, action: str, resource: str) -> bool:
        """An Allow statement that names the action and resource (conditions aside)."""
        return self.effect == "Allow" and self.covers(action, resource)

    def applies(self, request: Request) -> bool:
        """Whether the statement matches the request: action, resource, principal (trust) and every condition."""
        if not self.covers(request.action, request.resource):
            return False
        if self.principals and "*" not in self.principals and request.principal not in self.principals:
            return False
        return all(c.holds(request) for c in self.conditions)

    def condition_keys(self) -> set[str]:
        """The condition keys the statement tests."""
        return {c.key for c in self.conditions}


def decide(statements: list[Statement] | tuple[Statement, ...], request: Request) -> bool:
    """AWS's decision over one policy set: an explicit Deny wins, else a matching Allow, else an implicit deny."""
    if any(st.effect == "Deny" and st.applies(request) for st in statements):
        return False
    return any(st.effect == "Allow" and st.applies(request) for st in statements)


# ---------------------------------------------------------------------------------------------------- the template
def _as_tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def template() -> dict[str, Any]:
    """template.yaml, short tags in their long form."""
    return load_yaml(ROOT / "template.yaml")


def _role_arn(logical_id: str, path: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role{path}{STACK}-{logical_id}-0ABCDEF123"


def attrs(body: dict[str, Any] | None = None) -> dict[str, str]:
    """`X.Arn` of every resource the template's policies name (roles under their Path)."""
    body = body or template()
    out = dict(BASE_ATTRS)
    for logical_id, resource in body["Resources"].items():
        if resource["Type"] == ROLE:
            path = resolve((resource.get("Properties") or {}).get("Path", "/"), REFS, BASE_ATTRS)
            out[f"{logical_id}.Arn"] = _role_arn(logical_id, str(path))
    return out


def _statement(raw: dict[str, Any], where: str, arns: dict[str, str]) -> Statement:
    if "NotAction" in raw or "NotResource" in raw or "NotPrincipal" in raw:
        raise ValueError(f"{where}: NotAction/NotResource/NotPrincipal are not expected: {raw}")
    if raw.get("Effect") not in ("Allow", "Deny"):
        raise ValueError(f"{where}: Effect must be Allow or Deny: {raw}")
    conditions = tuple(Condition(op, key, _as_tuple(resolve(values, REFS, arns)))
                       for op, keys in (raw.get("Condition") or {}).items() for key, values in keys.items())
    principal = raw.get("Principal") or {}
    principals = ("*",) if principal == "*" else tuple(
        p for kind in ("AWS", "Service") if kind in principal for p in _as_tuple(resolve(principal[kind], REFS, arns)))
    resources = _as_tuple(resolve(raw["Resource"], REFS, arns)) if "Resource" in raw else ()
    return Statement(str(raw.get("Sid", "")), raw["Effect"], _as_tuple(raw["Action"]), resources, conditions, principals)


@dataclass(frozen=True)
class Role:
    """One AWS::IAM::Role: its ARN, its inline policies' statements, its trust policy's statements."""

    logical_id: str
    arn: str
    statements: tuple[Statement, ...]
    trust: tuple[Statement, ...]

    def allows(self, request: Request) -> bool:
        """The role's identity policies decide the request."""
        return decide(self.statements, request)


def roles(body: dict[str, Any] | None = None) -> dict[str, Role]:
    """Every AWS::IAM::Role of the template."""
    body = body or template()
    arns = attrs(body)
    out: dict[str, Role] = {}
    for logical_id, resource in body["Resources"].items():
        if resource["Type"] != ROLE:
            continue
        props = resource.get("Properties") or {}
        statements = tuple(_statement(st, logical_id, arns) for policy in props.get("Policies") or []
                           for st in policy["PolicyDocument"]["Statement"])
        trust = tuple(_statement(st, f"{logical_id} trust", arns) for st in props["AssumeRolePolicyDocument"]["Statement"])
        out[logical_id] = Role(logical_id, arns[f"{logical_id}.Arn"], statements, trust)
    return out


def role_statements(body: dict[str, Any] | None = None) -> dict[str, list[Statement]]:
    """Every role of the template -> the statements of its inline policies."""
    return {k: list(r.statements) for k, r in roles(body).items()}


def _functions(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    global_props = (body.get("Globals") or {}).get("Function") or {}
    return {k: merge_globals(global_props, r.get("Properties") or {}) for k, r in body["Resources"].items() if r["Type"] == FUNCTION}


def _get_att_arn(value: Any) -> str | None:
    if isinstance(value, dict) and "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "Arn":
        return str(value["Fn::GetAtt"][0])
    return None


def function_roles(body: dict[str, Any] | None = None) -> dict[str, str | None]:
    """Every function's logical id -> the logical id of the role its `Role: !GetAtt <Role>.Arn` names (None without one)."""
    return {k: _get_att_arn(p.get("Role")) for k, p in _functions(body or template()).items()}


def function_tenant_roles(body: dict[str, Any] | None = None) -> dict[str, str | None]:
    """Every function's logical id -> the tenant role its TENANT_ROLE_ARN names (None without one)."""
    return {k: _get_att_arn(((p.get("Environment") or {}).get("Variables") or {}).get("TENANT_ROLE_ARN"))
            for k, p in _functions(body or template()).items()}


@cache
def index_hash_keys() -> dict[str | None, str]:
    """The partition key attribute of the table (None) and of each of its indexes, as template.yaml defines them."""
    props = template()["Resources"]["Table"]["Properties"]

    def hash_of(schema: list[dict[str, str]]) -> str:
        return next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")

    return {None: hash_of(props["KeySchema"]), **{i["IndexName"]: hash_of(i["KeySchema"]) for i in props["GlobalSecondaryIndexes"]}}


# ---------------------------------------------------------------------------------------------------- assuming a role
def session_tags_context(project: str) -> dict[str, tuple[str, ...]]:
    """The condition keys of an AssumeRole call that tags the session `project=<project>`."""
    return {f"aws:RequestTag/{TAG}": (project,), "aws:TagKeys": (TAG,)}


def assume_refusals(caller: Role, target: Role, context: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Why `caller` could not assume `target` with these request tags (empty: it can). Both sides must allow
    sts:AssumeRole and sts:TagSession: the caller's identity policy and the target's trust policy."""
    out = []
    for action in ("sts:AssumeRole", "sts:TagSession"):
        if not caller.allows(Request(action, target.arn, context)):
            out.append(f"{caller.logical_id}'s policy does not allow {action} on {target.logical_id}")
        if not decide(target.trust, Request(action, target.arn, context, principal=caller.arn)):
            out.append(f"{target.logical_id}'s trust policy does not allow {action} by {caller.logical_id}")
    return out


# ---------------------------------------------------------------------------------------------------- calls -> requests
def _table_arn(index: str | None = None) -> str:
    """The stack's one table (whatever a test named it), or one of its indexes."""
    return TABLE_ARN + (f"/index/{index}" if index else "")


def _pk(item_or_key: dict[str, Any]) -> str:
    return str(item_or_key[index_hash_keys()[None]]["S"])


def _query_partition(params: dict[str, Any]) -> str:
    """The partition a Query reads: the value its key condition gives the table's or the index's partition key."""
    hash_key = index_hash_keys()[params.get("IndexName")]
    names = params.get("ExpressionAttributeNames") or {}
    for name, placeholder in re.findall(r"(#?\w+)\s*=\s*(:\w+)", params["KeyConditionExpression"]):
        if names.get(name, name) == hash_key:
            return str(params["ExpressionAttributeValues"][placeholder]["S"])
    raise ValueError(f"no equality on {hash_key} in {params['KeyConditionExpression']!r}")


def requests_for(service: str, operation: str, params: dict[str, Any]) -> list[Request]:
    """The IAM requests one DynamoDB, SQS or S3 call makes (a transaction: one per item), with their leading keys."""
    if service == "dynamodb":
        def table(action: str, keys: list[str], index: str | None = None) -> Request:
            return Request(f"dynamodb:{action}", _table_arn(index), {LEADING_KEYS: tuple(keys)})

        if operation == "TransactWriteItems":
            return [table(TRANSACT_ITEM_ACTIONS[kind], [_pk(spec.get("Key") or spec["Item"])])
                    for item in params["TransactItems"] for kind, spec in item.items()]
        if operation == "BatchGetItem":
            return [table(operation, [_pk(k) for k in spec["Keys"]]) for spec in params["RequestItems"].values()]
        if operation == "BatchWriteItem":
            return [table(operation, [_pk(w.get("PutRequest", {}).get("Item") or w["DeleteRequest"]["Key"]) for w in writes])
                    for writes in params["RequestItems"].values()]
        if operation in ("GetItem", "UpdateItem", "DeleteItem"):
            return [table(operation, [_pk(params["Key"])])]
        if operation == "PutItem":
            return [table(operation, [_pk(params["Item"])])]
        if operation == "Query":
            return [table(operation, [_query_partition(params)], params.get("IndexName"))]
        if operation == "Scan":
            return [table(operation, [], params.get("IndexName"))]
        raise ValueError(f"no IAM mapping for dynamodb:{operation}")
    if service == "sqs":
        return [Request(f"sqs:{operation}", QUEUE_ARN)]
    if service == "s3" and operation in ("PutObject", "GetObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"):
        action = "GetObject" if operation == "GetObject" else "PutObject"  # a multipart upload's parts are authorised as PutObject
        return [Request(f"s3:{action}", f"{BASE_ATTRS['ExportsBucket.Arn']}/{params['Key']}")]
    if service in ("events", "eventbridge") and operation == "PutEvents":
        return [Request("events:PutEvents", BASE_ATTRS["EventBus.Arn"])]
    raise ValueError(f"no IAM mapping for {service}:{operation}")


def as_tenant(request: Request, project: str) -> Request:
    """The request made by a session tagged `project=<project>`."""
    return Request(request.action, request.resource, request.context, request.principal, {TAG: project})
