"""Round trips per request on moto: every endpoint and worker job makes no more DynamoDB/SQS calls than its access pattern needs,
and every call it makes is one IAM as template.yaml grants it would allow (moto does not check IAM; AWS would).

The scenario runs as deployed functions do: with a tenant role (TENANT_ROLE_ARN), so each project's table calls go
through a client whose credentials come from STS AssumeRole with the session tag project=<id> (moto's STS). Each call is
recorded with the client that made it, and judged against the role whose credentials signed it: the execution role
(the API-key lookup, the queue) or the function's tenant role for that project.

The scenario and the budgets live in bench/roundtrips.py (`make bench` runs the same scenario on DynamoDB Local)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from bench.calls import Call, CallRecorder
from bench.events import Events
from bench.roundtrips import BUDGETS, CaseResult, run_scenario
from loyalty.core.settings import get_settings
from loyalty.db import clients
from tests import iam, support
from tests.integration.conftest import Stack

EXECUTION = "execution"
TENANT = "tenant:"  # + the project the client's session is tagged with
SCENARIO_PROJECT = "acme"  # the project of the stack's first key, which the scenario uses throughout
# Any role ARN will do for moto's STS, which checks no trust policy: each call is judged against the tenant role the
# function names in template.yaml. The account is moto's default, so the tenant clients see the same table.
TENANT_ROLE_ARN = f"arn:aws:iam::{iam.ACCOUNT}:role/{iam.STACK}/tenant-round-trips/scenario"

# Endpoints over budget today. Each entry names the calls; strict xfail turns green into a failure once they are fixed,
# so the marker has to go (and the budget stays). Every other case fails outright when it exceeds its budget.
# Keys: CAMP = {p}#CAMP#<id>/CAMPAIGN, CUST = {p}#CUST#<id>/CUSTOMER, CUSTSRC = {p}#CUSTSRC#<source id>/CUSTSRC,
# MSHIP = {p}#CUST#<customer>/MSHIP#<campaign>, CODE = {p}#CODE#<code>/CODE, card = {p}#MBR#<member>/CARD#<card>.
OVER_BUDGET: dict[str, str] = {}


class MotoDriver:
    """The scenario's view of the moto stack: handlers in-process, counted through the layer's cached clients."""

    project = SCENARIO_PROJECT

    def __init__(self, stack: Stack, tenant_role_arn: str | None = None) -> None:
        self.stack = stack
        self.events = Events()
        self.headers = stack.headers
        self.recorder = CallRecorder().attach(clients.dynamodb(), clients.sqs(), clients.s3(), clients.events(),
                                                     principal=EXECUTION)
        if tenant_role_arn:
            tenants = clients.tenants(tenant_role_arn)
            make = tenants.make_client

            def recorded(project: str, credentials: dict[str, Any]) -> Any:
                client = make(project, credentials)
                self.recorder.attach(client, principal=TENANT + project)
                return client

            tenants.make_client = recorded

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        folder = self.events.folder(function)
        return support.function(folder).handler(event, support.context(folder))

    def take_jobs(self) -> list[str]:
        bodies: list[str] = []
        while True:
            resp = self.stack.sqs.receive_message(QueueUrl=self.stack.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30)
            messages = resp.get("Messages", [])
            if not messages:
                return bodies
            for m in messages:
                bodies.append(m["Body"])
                self.stack.sqs.delete_message(QueueUrl=self.stack.queue_url, ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture(scope="module")
def results(module_stack: Stack) -> Iterator[dict[str, CaseResult]]:
    """Run the scenario once for the module, as deployed functions run (with a tenant role): every case below reads its
    own counts."""
    os.environ["TENANT_ROLE_ARN"] = TENANT_ROLE_ARN
    get_settings.cache_clear()
    driver = MotoDriver(module_stack, TENANT_ROLE_ARN)
    try:
        yield run_scenario(driver)
    finally:
        driver.recorder.detach()
        os.environ.pop("TENANT_ROLE_ARN", None)
        get_settings.cache_clear()


def test_every_function_of_the_template_is_counted(results: dict[str, CaseResult]) -> None:
    assert set(Events().functions) <= {r.function for r in results.values()}
    assert set(results) == set(BUDGETS)


@pytest.mark.parametrize("case", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=OVER_BUDGET[name])) if name in OVER_BUDGET else name
    for name in BUDGETS
])
def test_round_trips_within_budget(results: dict[str, CaseResult], case: str) -> None:
    result = results[case]
    assert result.violations == [], f"{case}: {result.tally.describe(include_auth=True)} vs {result.budget.describe()}"


def test_a_fresh_auth_cache_costs_one_get_item_and_a_warm_one_none(results: dict[str, CaseResult]) -> None:
    cold, warm = results["get member (cold auth cache)"], results["get member"]
    assert [c.operation for c in cold.tally.calls] == ["GetItem", "Query"]
    assert cold.tally.count("auth") == 1
    assert [c.operation for c in warm.tally.calls] == ["Query"]
    assert warm.tally.count("auth") == 0


def test_examine_reads_what_earning_reads_and_writes_nothing(results: dict[str, CaseResult]) -> None:
    """Examine loads a customer's earning setup as the worker does (points.load_setup), after finding who a member or a
    source id is: cold, the programs' rules and card definitions are read too; warm, they come from the cache."""
    cold, warm = results["examine earning rules (cold)"], results["examine earning rules (warm)"]
    assert [c.operation for c in cold.tally.calls] == ["GetItem", "Query", "BatchGetItem", "Query", "BatchGetItem"]
    assert [c.operation for c in warm.tally.calls] == ["GetItem", "Query", "BatchGetItem"]


def test_an_idempotency_key_adds_two_writes_to_a_purchase_and_a_replay_is_one_failed_put(results: dict[str, CaseResult]) -> None:
    """The idempotency utility's cost per write: PutItem of the in-progress record before the purchase, UpdateItem of the
    answer after it; a replay is the conditional PutItem alone, which fails and returns the stored answer."""
    plain = [c.operation for c in results["purchase reward"].tally.calls]
    keyed = [c.operation for c in results["purchase reward (idempotency key)"].tally.calls]
    assert keyed == ["PutItem", *plain, "UpdateItem"]
    replayed = results["purchase reward (replayed)"].tally.calls
    assert [(c.operation, c.failed) for c in replayed] == [("PutItem", True)]
    assert all(c.params["Item"]["PK"]["S"] == f"{SCENARIO_PROJECT}#IDEM" for c in replayed)


def test_no_endpoint_authenticates_more_than_once(results: dict[str, CaseResult]) -> None:
    assert all(r.tally.count("auth") <= 1 for r in results.values())


# The API's execution roles, least privilege first: each HTTP function must have the first one whose access (its own policy
# and the tenant role it may assume) allows all of its calls. ApiWriteDeleteRole and ApiWriteEnqueueRole are incomparable:
# a function that both deleted and enqueued would have none, and fail here until a class for it exists.
API_ROLES = ("NoDataRole", "ApiReadRole", "ApiWriteRole", "ApiWriteDeleteRole", "ApiWriteEnqueueRole")
def _refusals(call: Call, execution: iam.Role | None, tenants: list[iam.Role], project: str | None) -> list[str]:
    """Why AWS would refuse a recorded call made by a function with this execution role and these tenant roles (empty:
    it would allow it): judged against the role whose credentials signed it. `project` None: the function works for
    every project in turn (the daily job), so each tenant session is judged on its own project's keys."""
    requests = iam.requests_for(call.service, call.operation, call.params)
    if execution is None:
        return [f"no role may {r.describe()}" for r in requests]
    if call.principal == EXECUTION:
        return [f"{execution.logical_id} may not {r.describe()}" for r in requests if not execution.allows(r)]
    assert call.principal.startswith(TENANT), call
    session = call.principal.removeprefix(TENANT)
    if project is not None and session != project:
        return [f"a session of project {session!r} served a request of project {project!r}"]
    usable = [t for t in tenants if not iam.assume_refusals(execution, t, iam.session_tags_context(session))]
    if not usable:
        return [f"{execution.logical_id} may assume no tenant role for project {session!r}"]
    return [f"{'/'.join(t.logical_id for t in usable)} (project={session}) may not {r.describe()}"
            for r in requests if not any(t.allows(iam.as_tenant(r, session)) for t in usable)]


def _judge(results: dict[str, CaseResult], *, sweeper: bool) -> list[str]:
    roles = iam.roles()
    execution_of = iam.function_roles()
    tenant_of = iam.function_tenant_roles()
    refused = []
    for result in results.values():
        if (result.function == Events().sweeper) != sweeper:
            continue
        execution = roles.get(execution_of[result.function] or "")
        tenant = tenant_of[result.function]
        project = None if result.function == Events().daily else SCENARIO_PROJECT
        for call in result.tally.calls:
            for reason in _refusals(call, execution, [roles[tenant]] if tenant else [], project):
                refused.append(f"{result.name}: {result.function}: {reason}")
    return sorted(set(refused))


def test_table_calls_go_through_the_project_s_tenant_session_and_only_the_key_lookup_does_not(
        results: dict[str, CaseResult]) -> None:
    every_project = (Events().sweeper, Events().daily)  # the scheduled functions work for each project in turn
    calls = [(r, c) for r in results.values() if r.function not in every_project for c in r.tally.calls]
    assert {c.principal for _, c in calls if c.service == "dynamodb" and c.category != "auth"} == {TENANT + SCENARIO_PROJECT}
    assert {c.principal for _, c in calls if c.category == "auth"} == {EXECUTION}
    assert {c.principal for _, c in calls if c.service == "sqs"} == {EXECUTION}
    assert sum(1 for _, c in calls if c.category == "auth") >= 1


def test_every_call_is_allowed_by_the_role_that_signed_it(results: dict[str, CaseResult]) -> None:
    refused = _judge(results, sweeper=False)
    assert not refused, "AWS would refuse:\n" + "\n".join(refused)


def test_every_sweeper_call_is_allowed_by_the_role_that_signed_it(results: dict[str, CaseResult]) -> None:
    refused = _judge(results, sweeper=True)
    assert not refused, "AWS would refuse:\n" + "\n".join(refused)


def test_every_http_function_has_the_least_api_role_its_calls_need(results: dict[str, CaseResult]) -> None:
    roles = iam.roles()
    assigned = iam.function_roles()
    tenant_roles = [r for k, r in roles.items() if k.startswith("Tenant")]
    calls: dict[str, list[Call]] = {}
    for result in results.values():
        if result.status is None:
            continue  # the worker and the sweeper have roles of their own
        calls.setdefault(result.function, []).extend(result.tally.calls)
    for function, made in sorted(calls.items()):
        least = next((r for r in API_ROLES
                      if not any(_refusals(c, roles[r], tenant_roles, SCENARIO_PROJECT) for c in made)), None)
        assert assigned[function] == least, (
            f"{function} makes {sorted({c.operation for c in made})}: its role should be {least}, not {assigned[function]}")


def _get(pk: str, principal: str) -> Call:
    return Call("dynamodb", "GetItem", {"TableName": support.TABLE, "Key": {"PK": {"S": pk}, "SK": {"S": "X"}}}, principal=principal)


@pytest.mark.parametrize(("call", "why"), [
    (_get("globex#MBR#m1", TENANT + SCENARIO_PROJECT), "the session's project does not own the key"),
    (_get("globex#MBR#m1", TENANT + "globex"), "a session of another project than the request's"),
    (_get("acme#APIKEY", TENANT + SCENARIO_PROJECT), "tenant roles are denied API keys"),
    (_get("PROJECTS", TENANT + SCENARIO_PROJECT), "the registry of projects is no project's"),
    (_get("acme#MBR#m1", EXECUTION), "the execution role reads API keys only"),
    (_get("acme#CUSTSRC#x#APIKEY", EXECUTION), "a project-owned key that merely ends like an API key's partition"),
    (Call("dynamodb", "Scan", {"TableName": support.TABLE}, principal=TENANT + SCENARIO_PROJECT), "no role may Scan"),
])
def test_the_judge_refuses_what_aws_would(call: Call, why: str) -> None:
    roles = iam.roles()
    assert _refusals(call, roles["ApiWriteRole"], [roles["TenantWriteRole"]], SCENARIO_PROJECT), why
    assert not _refusals(_get("acme#MBR#m1", TENANT + SCENARIO_PROJECT), roles["ApiWriteRole"], [roles["TenantWriteRole"]],
                         SCENARIO_PROJECT)
    assert not _refusals(_get("acme#APIKEY", EXECUTION), roles["ApiWriteRole"], [roles["TenantWriteRole"]], SCENARIO_PROJECT)
