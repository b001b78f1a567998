"""Every response the e2e suite recorded, validated against the Voucherify OpenAPI reference, DESIGN.md §2 and the seed pages.

The e2e conftest runs this module last, so it sees every exchange of the session. It also drives any endpoint group that has not
run yet (conformance.DRIVERS), so `pytest tests/e2e/test_conformance.py` alone covers every endpoint too. What is checked, the
allow-list (spec-internal inconsistencies, spec-map §7) and the known product bugs live in conformance.py. The reference and the
seed examples are read from the committed extract in tests/reference/ (`make reference`); when it is missing the checks fail."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

import pytest

from local.runtime import ServeProcess
from local.template import load_template
from tests.e2e import conformance as cf
from tests.e2e.conftest import ROOT, Call, Client, Recorder

OPERATIONS = [f"{r.method} {r.path}" for r in load_template(ROOT / "template.yaml").routes if r.path != "$default"]
TYPICAL_ERRORS = {400, 401, 404, 409, 423}


@dataclass
class Findings:
    calls: list[cf.Call]
    unexplained: list[cf.Violation]
    allowed: dict[str, list[cf.Violation]]
    bugs: dict[str, list[cf.Violation]]


def check_all(calls: Iterable[Call]) -> list[cf.Violation]:
    """Every violation of every call: reference schema, DESIGN.md §2 contract, seeds."""
    calls = list(calls)
    out: list[cf.Violation] = []
    for call in calls:
        out += cf.schema_violations(call)
        out += cf.contract_violations(call)
    for seed in cf.SEEDS:
        for call in cf.seed_calls(seed, calls):
            out += cf.seed_violations(seed, call)
    return out


@pytest.fixture(scope="module")
def findings(server: ServeProcess, recorder: Recorder) -> Findings:
    cf.drive_missing(Client(server.base_url, server.dev_key.headers, recorder))
    calls = [c for c in recorder.calls if c.route is not None]  # no operation's route: the $default route's 404, not an operation
    unexplained, allowed, bugs = cf.triage(check_all(calls))
    return Findings(calls, unexplained, allowed, bugs)


def report(violations: list[cf.Violation], limit: int = 25) -> str:
    """Distinct findings (same operation, path pattern and message counted once), with the test that made one of the calls."""
    seen: Counter[tuple[str, int, str, str, str]] = Counter()
    lines: list[str] = []
    for v in violations:
        key = (v.operation, v.status, v.pattern_path, v.kind, v.message)
        seen[key] += 1
        if seen[key] == 1 and len(lines) < limit:
            lines.append(str(v))
    return f"{len(violations)} finding(s), {len(seen)} distinct:\n  " + "\n  ".join(lines)


def test_every_route_is_exercised(findings: Findings) -> None:
    """Each template route answered at least one success and at least one error; the session saw each typical error status."""
    by_op: dict[str, set[int]] = {}
    for call in findings.calls:
        by_op.setdefault(call.operation, set()).add(call.status)
    missing_success = [op for op in OPERATIONS if not any(200 <= s < 300 for s in by_op.get(op, ()))]
    missing_error = [op for op in OPERATIONS if not any(400 <= s < 500 for s in by_op.get(op, ()))]
    assert not missing_success, f"routes never answered 2xx: {missing_success}"
    assert not missing_error, f"routes never answered 4xx: {missing_error}"
    statuses = {c.status for c in findings.calls}
    assert TYPICAL_ERRORS <= statuses, f"error statuses never recorded: {sorted(TYPICAL_ERRORS - statuses)}"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_reference_schema(findings: Findings, operation: str) -> None:
    """The operation's recorded responses validate against the reference (allow-list and known bugs aside)."""
    assert any(c.operation == operation for c in findings.calls), f"{operation}: nothing recorded"
    bad = [v for v in findings.unexplained if v.operation == operation and v.kind in ("schema", "instead")]
    assert not bad, report(bad)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_design_contract(findings: Findings, operation: str) -> None:
    """Timestamps with milliseconds, counters as ints, metadata objects, complete error bodies (DESIGN.md §2)."""
    bad = [v for v in findings.unexplained if v.operation == operation and v.kind in ("timestamp", "integer", "metadata", "error-body")]
    assert not bad, report(bad)


@pytest.mark.parametrize("seed", cf.SEEDS, ids=[s.title for s in cf.SEEDS])
def test_seed_contract(findings: Findings, seed: cf.Seed) -> None:
    """Every field of the seed page's response example is in our answer, with the same JSON type."""
    assert cf.seed_calls(seed, findings.calls), f"no {seed.status} answer of {seed.operations} recorded"
    bad = [v for v in findings.unexplained if v.kind == "seed" and v.operation in seed.operations
           and v.message.startswith(seed.title + ":")]
    assert not bad, report(bad)


@pytest.mark.parametrize("rule", cf.ALLOW_LIST, ids=[r.id for r in cf.ALLOW_LIST])
def test_allow_list_entry_is_still_needed(findings: Findings, rule: cf.Rule) -> None:
    """An entry nothing matches any more is stale: delete it (keep the allow-list as short as possible)."""
    assert findings.allowed[rule.id], f"{rule.id} matched nothing: {rule.reason}"


if cf.KNOWN_BUGS:  # defined only when there is a known bug: an empty parametrisation would just report a skip every run

    @pytest.mark.parametrize("bug", [pytest.param(b, id=b.id, marks=pytest.mark.xfail(strict=True, reason=b.reason)) for b in cf.KNOWN_BUGS])
    def test_known_product_bug(findings: Findings, bug: cf.Rule) -> None:
        """A product bug found by the checks above; passes (and so fails the run, strict xfail) once the product is fixed."""
        assert any(c.operation in bug.operations for c in findings.calls), f"{bug.id}: operation not recorded"
        assert not findings.bugs[bug.id], report(findings.bugs[bug.id])


def _one(findings: Findings, operation: str, status: int) -> Call:
    call = next((c for c in findings.calls if c.operation == operation and c.status == status), None)
    assert call is not None, f"no {status} answer of {operation} recorded"
    return call


def _kinds(call: Call, seed: cf.Seed | None = None) -> set[tuple[str, str, str]]:
    found = cf.schema_violations(call) + cf.contract_violations(call) + (cf.seed_violations(seed, call) if seed else [])
    return {(v.kind, v.keyword, v.pattern_path) for v in found}


def test_the_checker_catches_what_it_should(findings: Findings) -> None:
    """Guard against a vacuous checker: broken copies of real answers produce the expected findings."""
    member = _one(findings, cf.CREATE_MEMBER, 200)
    body = copy.deepcopy(member.body)
    body["status"] = "BOGUS"
    body["created_at"] = "2023-11-07T05:31:56Z"
    body["cards"][0]["card"]["lifetime_bucket"]["points"]["added"] = 5.0
    del body["cards"][0]["card"]["balance"]
    got = _kinds(replace(member, body=body), cf.SEEDS[1])
    assert {("schema", "enum", "$.status"), ("timestamp", "format", "$.created_at"),
            ("integer", "float", "$.cards[*].card.lifetime_bucket.points.added"), ("schema", "oneOf", "$.cards[*].card"),
            ("seed", "missing", "$.cards[*].card.balance")} <= got, got

    purchase = _one(findings, cf.PURCHASE, 202)  # A3's substitute schema still bites
    body = copy.deepcopy(purchase.body)
    body["transaction"]["type"] = "PURCHASE"
    assert ("instead", "enum", "$.transaction.type") in _kinds(replace(purchase, body=body))

    v1 = _one(findings, cf.V1_GET_MEMBER, 200)  # OpenAPI 3.0: `nullable` fields take null, the others keep their type
    body = copy.deepcopy(v1.body)
    body["discount"], body["loyalty_card"]["points"] = None, "13435"
    got = _kinds(replace(v1, body=body), cf.SEEDS[4])
    assert ("schema", "type", "$.loyalty_card.points") in got and not any(p == "$.discount" for _, _, p in got), got

    error = _one(findings, f"GET {cf.V2}/programs/{{programId}}", 404)
    body = {**error.body, "code": "404"}
    del body["request_id"]
    assert {("schema", "type", "$.code"), ("error-body", "missing", "$.request_id")} <= _kinds(replace(error, body=body))
