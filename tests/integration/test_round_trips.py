"""Round trips per request on moto: every endpoint and worker job makes no more DynamoDB/SQS calls than its access pattern needs,
and every call it makes is one its shared IAM role in template.yaml allows (moto does not check IAM; AWS would).

The scenario and the budgets live in bench/roundtrips.py (`make bench` runs the same scenario on DynamoDB Local)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bench.calls import CallRecorder
from bench.events import Events
from bench.roundtrips import BUDGETS, CaseResult, run_scenario
from loyalty.db import clients
from tests import iam, support
from tests.integration.conftest import Stack

# Endpoints over budget today. Each entry names the calls; strict xfail turns green into a failure once they are fixed,
# so the marker has to go (and the budget stays). Every other case fails outright when it exceeds its budget.
# Keys: CAMP = {p}#CAMP#<id>/CAMPAIGN, CUST = {p}#CUST#<id>/CUSTOMER, CUSTSRC = {p}#CUSTSRC#<source id>/CUSTSRC,
# MSHIP = {p}#CUST#<customer>/MSHIP#<campaign>, CODE = {p}#CODE#<code>/CODE, card = {p}#MBR#<member>/CARD#<card>.
OVER_BUDGET: dict[str, str] = {}


class MotoDriver:
    """The scenario's view of the moto stack: handlers in-process, counted through the layer's cached clients."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.events = Events()
        self.headers = stack.headers
        self.recorder = CallRecorder().attach(clients.dynamodb(), clients.sqs())

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
    """Run the scenario once for the module: every case below reads its own counts."""
    driver = MotoDriver(module_stack)
    try:
        yield run_scenario(driver)
    finally:
        driver.recorder.detach()


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


def test_no_endpoint_authenticates_more_than_once(results: dict[str, CaseResult]) -> None:
    assert all(r.tally.count("auth") <= 1 for r in results.values())


# The API's shared roles, least privilege first: each HTTP function must have the first one that allows all of its calls.
API_ROLES = ("NoDataRole", "ApiReadRole", "ApiWriteRole", "ApiWriteEnqueueRole")


def test_every_call_is_allowed_by_the_function_role(results: dict[str, CaseResult]) -> None:
    statements = iam.role_statements()
    roles = iam.function_roles()
    refused = []
    for result in results.values():
        role = roles[result.function]
        for call in result.tally.calls:
            for action, resource in iam.required_permissions(call.service, call.operation, call.params):
                if role is None or not iam.allowed(statements[role], action, resource):
                    refused.append(f"{result.name}: {result.function} ({role}) may not {action} on {resource}")
    assert not refused, "AWS would refuse:\n" + "\n".join(sorted(set(refused)))


def test_every_http_function_has_the_least_api_role_its_calls_need(results: dict[str, CaseResult]) -> None:
    statements = iam.role_statements()
    roles = iam.function_roles()
    needs: dict[str, set[tuple[str, str]]] = {}
    for result in results.values():
        if result.status is None:
            continue  # the worker and the sweeper have roles of their own
        needs.setdefault(result.function, set()).update(
            p for call in result.tally.calls for p in iam.required_permissions(call.service, call.operation, call.params))
    for function, permissions in sorted(needs.items()):
        least = next(r for r in API_ROLES if all(iam.allowed(statements[r], a, res) for a, res in permissions))
        assert roles[function] == least, f"{function} makes {sorted(a for a, _ in permissions)}: its role should be {least}"
