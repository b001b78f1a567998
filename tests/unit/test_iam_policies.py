"""Tenant isolation by IAM, read off template.yaml and evaluated (tests/iam.py): every table statement is bounded by
`dynamodb:LeadingKeys` (or says why not), no role may Scan, DeleteItem only where functions delete, a tenant role reaches
one project's keys and never its API keys, an execution role reads API keys and nothing else of the table, each function
assumes the tenant role of its class."""

from __future__ import annotations

import pytest

from tests import iam

TEMPLATE = iam.template()
ROLES = iam.roles(TEMPLATE)
EXECUTION_OF = iam.function_roles(TEMPLATE)
TENANT_OF = iam.function_tenant_roles(TEMPLATE)
TENANT_ROLES = {k for k in ROLES if k.startswith("Tenant")}
EXECUTION_ROLES = set(ROLES) - TENANT_ROLES
TABLE, INDEX = iam.TABLE_ARN, f"{iam.TABLE_ARN}/index/*"
INDEXES = [f"{iam.TABLE_ARN}/index/{name}" for name in iam.index_hash_keys() if name]
TABLE_ACTIONS = ("GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem",
                 "BatchWriteItem")

# A table statement without a dynamodb:LeadingKeys condition needs a reason here: (role, Sid) -> why it cannot have one.
UNBOUNDED_TABLE_STATEMENTS: dict[tuple[str, str], str] = {
    ("CardStreamRole", "ReadStream"): "stream reads name a shard, not an item: no leading key; the resource is the stream alone",
    ("CardStreamRole", "ListStreams"): "ListStreams reads no item: it lists the table's streams (SAM's DynamoDBStreamReadPolicy)",
}
# A role that may Scan needs a reason here (a Scan has no leading key, so no condition on LeadingKeys bounds it).
SCANS: dict[tuple[str, str], str] = {}
IDEMPOTENCY_SID = "Idempotency"  # the tenant roles' statement for idempotency records (their own partition, `<project>#IDEM`)
# The functions whose transactions delete items (so their class reaches DeleteItem), and what they delete.
DELETING_FUNCTIONS = {
    "DeleteProgramMemberFunction": "the member's cards, their code claims and its membership claim (members/store.py)",
    "DeleteTierFunction": "the tier (tiers/store.py)",
    "DeleteBenefitFunction": "the benefit's name claim (benefits/store.py)",
    "UpdateBenefitFunction": "the old name claim when a benefit is renamed (benefits/store.py)",
    "DeleteEarningRuleV1Function": "the v1 earning rule (v1/store.py delete_rule)",
    "DeleteCustomerFunction": "the customer and its source-id claim (customers/store.py delete_customer)",
    "PermanentlyDeleteCustomerFunction": "the customer and its source-id claim (customers/store.py erase_customer)",
    "DeleteRewardV1Function": "the v1 reward (v1rewards/store.py)",
    "DeleteWebhookFunction": "the webhook (webhooks/store.py delete_webhook)",
    "DeleteRewardAssignmentV1Function": "both copies of a v1 reward assignment and its reference (v1rewards/store.py)",
    "DeleteRewardAssignment1Function": "both copies of a v1 reward assignment and its reference (v1rewards/store.py)",
    "ProcessJobsFunction": "each processed chunk of a batch enrolment (members/store.py finish_chunk); a pending-points bucket "
                           "that activates or is canceled leaves its list (cards/buckets.py add_bucket_settled)",
    "UpdateLoyaltyCardBalanceV1Function": "an expiring bucket a v1 debit empties (cards/buckets.py add_expiring_debit)",
    "UpdateLoyaltyCardBalanceByCodeV1Function": "an expiring bucket a v1 debit empties (cards/buckets.py add_expiring_debit)",
    "TransferPointsV1Function": "an expiring bucket of a source card that a transfer empties (cards/buckets.py add_expiring_debit)",
    "RedeemReward1Function": "an expiring bucket of the card that a v1 redemption empties (cards/buckets.py add_expiring_debit)",
    "RedeemRewardFunction": "an expiring bucket of the card that a v1 redemption empties (cards/buckets.py add_expiring_debit)",
    "RunDailyJobsFunction": "pending-points buckets that activate or are canceled, expiring buckets that expire: each leaves "
                            "its list for a settled record (cards/buckets.py add_bucket_settled)",
    # a settled bucket leaves its list (cards/buckets.py add_bucket_settled; its final record is kept under XB#)
    "ActivateCardPendingPointsBucketFunction": "the activated pending bucket",
    "CancelCardPendingPointsBucketFunction": "the canceled pending bucket",
    "ExpireCardPointsBucketFunction": "the expired points bucket",
    "ActivateMemberPendingPointsV1Function": "the activated pending bucket (v1 entry)",
    "CancelMemberPendingPointsV1Function": "the canceled pending bucket (v1 entry)",
}


def _request(action: str, keys: list[str], resource: str = TABLE, project: str | None = "acme") -> iam.Request:
    return iam.Request(f"dynamodb:{action}", resource, {iam.LEADING_KEYS: tuple(keys)}, tags={"project": project} if project else {})


def _table_statements() -> list[tuple[str, iam.Statement]]:
    return [(role, st) for role, r in ROLES.items() for st in r.statements if any(a.startswith("dynamodb:") for a in st.actions)]


# ---------------------------------------------------------------------------------------------------- the template's statements
def test_every_table_statement_is_bounded_by_leading_keys_or_says_why() -> None:
    unbounded = []
    for role, st in _table_statements():
        if (role, st.sid) in UNBOUNDED_TABLE_STATEMENTS:
            continue
        if iam.LEADING_KEYS not in st.condition_keys():
            unbounded.append(f"{role}/{st.sid or '?'}: no {iam.LEADING_KEYS} condition and no reason in UNBOUNDED_TABLE_STATEMENTS")
        elif st.effect == "Allow" and not any(c.operator == "Null" and c.key == iam.LEADING_KEYS and c.values == ("false",)
                                              for c in st.conditions):
            unbounded.append(f"{role}/{st.sid}: ForAllValues holds for a call without leading keys: add Null false")
    assert not unbounded, "\n".join(unbounded)
    known = {(role, st.sid) for role, st in _table_statements()}
    assert set(UNBOUNDED_TABLE_STATEMENTS) <= known, "a reason names a statement that no longer exists"


def test_no_role_may_scan() -> None:
    scanning = [f"{role}/{st.sid}" for role, st in _table_statements() if st.effect == "Allow" and (role, st.sid) not in SCANS
                and any(st.covers("dynamodb:Scan", r) for r in [TABLE, *INDEXES])]
    assert not scanning, f"these statements grant Scan without a reason in SCANS: {scanning}"
    for role in ROLES.values():  # and even a listed action would not admit a call without leading keys
        assert not role.allows(_request("Scan", [], TABLE)) and not any(role.allows(_request("Scan", [], i)) for i in INDEXES)


def test_delete_item_only_in_the_tenant_role_of_the_classes_whose_functions_delete() -> None:
    deleting = {k for k, r in ROLES.items() if any(st.allows("dynamodb:DeleteItem", TABLE) for st in r.statements
                                                   if st.sid != IDEMPOTENCY_SID)}
    assert deleting == {"TenantWriteDeleteRole"}
    reaching = {k for k in EXECUTION_ROLES
                if not iam.assume_refusals(ROLES[k], ROLES["TenantWriteDeleteRole"], iam.session_tags_context("acme"))}
    assert reaching == {"ApiWriteDeleteRole", "WorkerRole", "DailyJobRole"}
    assert {f for f, r in EXECUTION_OF.items() if r in reaching} == set(DELETING_FUNCTIONS)


# ---------------------------------------------------------------------------------------------------- tenant roles
@pytest.mark.parametrize("tenant", sorted(TENANT_ROLES))
def test_a_tenant_role_reaches_only_its_project_s_keys(tenant: str) -> None:
    role = ROLES[tenant]
    granted = [a.removeprefix("dynamodb:") for st in role.statements if st.effect == "Allow" and st.sid != IDEMPOTENCY_SID
               for a in st.actions]
    assert granted, tenant
    for action in granted:
        resource = INDEXES[0] if action == "Query" else TABLE
        assert role.allows(_request(action, ["acme#MBR#m1"], resource)), action
        assert role.allows(_request(action, ["acme#CUSTSRC#x#APIKEY"], resource)), f"{action}: a customer is no API key"
        refused = {
            "another project's key": _request(action, ["globex#MBR#m1"], resource),
            "a project whose id extends this one's": _request(action, ["acme-2#MBR#m1"], resource),
            "one foreign key among its own": _request(action, ["acme#MBR#m1", "globex#MBR#m1"], resource),
            "the project's API keys": _request(action, ["acme#APIKEY"], resource),
            "the registry of projects": _request(action, ["PROJECTS"], resource),
            "no leading key": _request(action, [], resource),
            "a session without the project tag": _request(action, ["acme#MBR#m1"], resource, project=None),
        }
        for why, request in refused.items():
            assert not role.allows(request), f"{tenant} allows {action} with {why}"
    for action in TABLE_ACTIONS:  # API keys are denied whatever the action, on the table and its indexes
        assert not role.allows(_request(action, ["acme#APIKEY"])) and not role.allows(_request(action, ["acme#APIKEY"], INDEX))


@pytest.mark.parametrize("tenant", sorted(TENANT_ROLES))
def test_a_tenant_role_keeps_idempotency_records_in_its_project_s_idem_partition_only(tenant: str) -> None:
    """Every POST with an Idempotency-Key puts, reads, updates and may delete its record in `<project>#IDEM`
    (db/idempotency.py): each tenant role allows that, and statement Idempotency reaches nothing else."""
    role = ROLES[tenant]
    for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem"):
        assert role.allows(_request(action, ["acme#IDEM"])), f"{tenant} refuses {action} of an idempotency record"
        for why, keys in {"another project's": ["globex#IDEM"], "a project's other items": ["acme#MBR#m1"],
                          "a partition that only starts like it": ["acme#IDEMX"], "no leading key": []}.items():
            only_idempotency = [st for st in role.statements if st.sid in (IDEMPOTENCY_SID, "NoApiKeys")]
            assert not iam.decide(only_idempotency, _request(action, keys)), f"{tenant}/Idempotency allows {action} of {why}"
    assert not role.allows(_request("DeleteItem", ["globex#IDEM"]))


def test_each_tenant_role_trusts_exactly_the_execution_roles_that_name_it_and_only_with_the_project_tag() -> None:
    for tenant in TENANT_ROLES:
        named_by = {EXECUTION_OF[f] for f, t in TENANT_OF.items() if t == tenant}
        trusting = {k for k in EXECUTION_ROLES if not iam.assume_refusals(ROLES[k], ROLES[tenant], iam.session_tags_context("acme"))}
        assert trusting == named_by, tenant
        for caller in named_by:
            assert caller is not None
            assert iam.assume_refusals(ROLES[caller], ROLES[tenant], {}), f"{caller} may assume {tenant} untagged"
            assert iam.assume_refusals(ROLES[caller], ROLES[tenant], {"aws:RequestTag/project": ("",), "aws:TagKeys": ("project",)})
            assert iam.assume_refusals(ROLES[caller], ROLES[tenant], {"aws:RequestTag/project": ("acme",),
                                                                    "aws:TagKeys": ("project", "other")}), "only the project tag"


@pytest.mark.parametrize("function", sorted(EXECUTION_OF))
def test_each_function_names_the_one_tenant_role_its_execution_role_may_assume(function: str) -> None:
    execution, tenant = EXECUTION_OF[function], TENANT_OF[function]
    assert execution is not None
    assumable = {t for t in TENANT_ROLES if not iam.assume_refusals(ROLES[execution], ROLES[t], iam.session_tags_context("acme"))}
    assert assumable == ({tenant} if tenant else set()), f"{function} ({execution}) names {tenant}, may assume {assumable}"
    assert (tenant is None) == (execution == "NoDataRole"), "every function that reaches the table does so as a tenant"


# ---------------------------------------------------------------------------------------------------- execution roles
@pytest.mark.parametrize("execution", sorted(EXECUTION_ROLES))
def test_an_execution_role_reads_api_keys_and_nothing_else_a_project_owns(execution: str) -> None:
    role = ROLES[execution]
    authenticates = execution.startswith("Api")
    assert role.allows(_request("GetItem", ["acme#APIKEY"], project=None)) == authenticates
    for why, request in {
        "a project's item": _request("GetItem", ["acme#MBR#m1"], project=None),
        "a key that only ends like an API key's partition": _request("GetItem", ["acme#CUSTSRC#x#APIKEY"], project=None),
        "a Query of the API keys": _request("Query", ["acme#APIKEY"], project=None),
        "a write of an API key": _request("PutItem", ["acme#APIKEY"], project=None),
        "an update of an API key": _request("UpdateItem", ["acme#APIKEY"], project=None),
        "two keys at once": _request("BatchGetItem", ["acme#APIKEY", "globex#APIKEY"], project=None),
    }.items():
        assert not role.allows(request), f"{execution} allows {why}"
    sweeps = execution == "SweeperRole"
    pending = f"{iam.TABLE_ARN}/index/PendingJobs"
    assert role.allows(_request("Query", ["PROJECTS"], project=None)) == (execution in ("SweeperRole", "DailyJobRole"))
    assert role.allows(_request("Query", ["acme#PENDING"], pending, project=None)) == sweeps
    assert not role.allows(_request("Query", ["acme#MBR#m1"], pending, project=None))
    assert not role.allows(_request("Query", ["acme#CUSTSRC#x#PENDING"], pending, project=None))
    assert not role.allows(_request("Query", ["acme#PENDING"], f"{iam.TABLE_ARN}/index/GSI1", project=None))
    assert not role.allows(_request("GetItem", ["PROJECTS"], project=None))


# ---------------------------------------------------------------------------------------------------- the evaluator itself
def test_the_evaluator_follows_aws_rules_for_sets_missing_keys_variables_and_deny() -> None:
    allow = iam.Statement("A", "Allow", ("dynamodb:GetItem",), (TABLE,), (
        iam.Condition("ForAllValues:StringLike", iam.LEADING_KEYS, ("${aws:PrincipalTag/project}#*",)),))
    assert iam.decide([allow], _request("GetItem", [])), "ForAllValues holds for an empty set (what the Null checks guard)"
    assert not iam.decide([allow], _request("GetItem", ["acme#X"], project=None)), "an unresolved variable matches nothing"
    deny = iam.Statement("D", "Deny", ("dynamodb:*",), (TABLE,), (iam.Condition("ForAnyValue:StringEquals", iam.LEADING_KEYS,
                                                                                 ("${aws:PrincipalTag/project}#APIKEY",)),))
    assert iam.decide([allow, deny], _request("GetItem", ["acme#X"]))
    assert not iam.decide([allow, deny], _request("GetItem", ["acme#X", "acme#APIKEY"])), "an explicit Deny wins"
    assert not iam.decide([allow], iam.Request("dynamodb:PutItem", TABLE)), "nothing allowed is denied"
    assert iam.Condition("StringNotLike", "k", ("a*",)).holds(iam.Request("x", "y")), "negated operators hold on a missing key"
    assert not iam.Condition("StringLike", "k", ("a*",)).holds(iam.Request("x", "y"))
    assert iam._like("a[b]#c", "a[b]#*") and not iam._like("ab#c", "a[b]#*"), "only * and ? are wildcards"


def test_queries_are_judged_by_the_partition_they_read() -> None:
    [req] = iam.requests_for("dynamodb", "Query", {"TableName": "t", "IndexName": "GSI1", "KeyConditionExpression": "#p = :v AND GSI1SK > :s",
                                                   "ExpressionAttributeNames": {"#p": "GSI1PK"},
                                                   "ExpressionAttributeValues": {":v": {"S": "acme#PROGRAMS"}, ":s": {"S": "x"}}})
    assert req.leading_keys == ("acme#PROGRAMS",) and req.resource.endswith("/index/GSI1")
    reqs = iam.requests_for("dynamodb", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "t", "Item": {"PK": {"S": "acme#A"}, "SK": {"S": "1"}}}},
        {"Delete": {"TableName": "t", "Key": {"PK": {"S": "acme#B"}, "SK": {"S": "1"}}}}]})
    assert [(r.action, r.leading_keys) for r in reqs] == [("dynamodb:PutItem", ("acme#A",)), ("dynamodb:DeleteItem", ("acme#B",))]
