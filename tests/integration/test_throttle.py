"""Per-project rate limit: a project over its rate gets 429 with the Voucherify error body and Retry-After, another
project is not affected, and the counter is leased a few requests at a time (not one write per request)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from bench.calls import CallRecorder
from loyalty.api import throttle
from loyalty.core.settings import get_settings
from loyalty.db import clients
from tests import iam
from tests.integration.conftest import Stack

PROGRAMS = "/v2/loyalties/programs"


@pytest.fixture
def limited(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The stack with a limit of 3 requests per second over 10-second windows (30 per window)."""
    monkeypatch.setenv("PROJECT_RATE_LIMIT", "3")
    monkeypatch.setenv("RATE_WINDOW_SECONDS", "10")
    get_settings.cache_clear()
    throttle.clear()
    monkeypatch.setattr(throttle.time, "time", lambda: 1_800_000_003.0)  # 3 s into a window: 7 s until the next
    yield stack
    throttle.clear()
    get_settings.cache_clear()


def test_a_project_over_its_rate_gets_429_and_others_do_not(limited: Stack) -> None:
    recorder = CallRecorder().attach(clients.dynamodb())
    try:
        # When project A makes 35 requests within one window whose limit is 30
        with recorder.record() as tally:
            answers = [limited.call("list_programs", "GET", PROGRAMS) for _ in range(35)]
    finally:
        recorder.detach()

    # Then the first 30 are served and the rest refused with 429, the error body and the seconds until the next window
    assert Counter(status for status, _ in answers) == {200: 30, 429: 5}
    body = answers[-1][1]
    assert body["key"] == "too_many_requests" and body["code"] == 429 and set(body) >= {"message", "details", "request_id"}
    # and the counter was leased ten requests at a time (3 leases + refused attempts), not written once per request
    leases = [c for c in tally.calls if c.operation == "UpdateItem" and c.params["Key"]["PK"]["S"] == "acme#RATE"]
    assert len(leases) <= 3 + 2 * 5
    assert all(c.category == "auth" for c in leases)
    # and each lease is allowed by the function's execution role (which signs it), and only for rate counters
    execution = iam.roles()[iam.function_roles()["ListProgramsFunction"] or ""]
    for lease in leases:
        assert all(execution.allows(r) for r in iam.requests_for("dynamodb", "UpdateItem", lease.params))
    other_item = {**leases[0].params, "Key": {"PK": {"S": "acme#MBR#lmbr_1"}, "SK": {"S": "MEMBER"}}}
    assert not any(execution.allows(r) for r in iam.requests_for("dynamodb", "UpdateItem", other_item))
    # and project B is still served in the same window
    assert limited.call("list_programs", "GET", PROGRAMS, headers=limited.other_headers)[0] == 200


def test_the_429_carries_retry_after(limited: Stack) -> None:
    from tests import support

    handler = support.function("list_programs").handler
    for _ in range(30):
        assert handler(support.http_event("GET", PROGRAMS, None, limited.headers), support.context("list_programs"))["statusCode"] == 200
    result = handler(support.http_event("GET", PROGRAMS, None, limited.headers), support.context("list_programs"))
    assert result["statusCode"] == 429
    assert result["headers"]["Retry-After"] == "7"


def test_the_counter_expires_with_its_window(limited: Stack) -> None:
    limited.call("list_programs", "GET", PROGRAMS)
    [counter] = [i for i in limited.items() if i["PK"]["S"] == "acme#RATE"]
    assert counter["SK"]["S"] == "W#1800000000"
    assert int(counter["expires_at"]["N"]) == 1_800_000_020  # the table's TTL attribute deletes it after the next window
