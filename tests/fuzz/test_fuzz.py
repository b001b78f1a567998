"""Bad-input fuzzing of every endpoint of the local runtime, driven by openapi.json.

Every answer must be < 500, JSON, and, when it is an error, Voucherify's body with `code` (= the status), `key` and
`message`; schemathesis' checks add that statuses, content types and bodies are the documented ones.

- `test_generated_requests`: schemathesis cases per operation, positive and negative (invalid bodies, path ids, query
  strings), each sent twice for operations with path ids (and AIMED_BODIES): as generated, and aimed at real resources
  (the `world`).
- `test_malformed_json`: broken, truncated, non-object and pathological JSON texts on every operation that takes a body,
  with numbers Python cannot read or represent, lone surrogates and metadata outside the one policy.
- `test_content_types`: any spelling of a JSON media type is read as JSON, any other media type is 415.
- `test_wrong_ids`: ids of other resources' prefixes, wrong lengths and random text in any path parameter: 404 (a v1
  reference may also be a name, source id or code, so there any conforming answer will do).
- `test_query_strings`: random `limit` and `cursor` values, and tampered real cursors, on the list endpoints.
- `test_credentials`: random X-App-Id / X-App-Token / Authorization headers: 401.

Bounded for `make test`: FUZZ_EXAMPLES (default 20) cases per operation and per test, fixed seed (FUZZ_SEED), no example
database, no deadline. `FUZZ_EXAMPLES=200 FUZZ_COVERAGE=1 .venv/bin/python -m pytest tests/fuzz -q` for a long run.
"""

from __future__ import annotations

import json
import os
import string
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from local.openapi import PUBLIC
from local.runtime import ServeProcess
from tests.fuzz.conftest import EXAMPLES, OPENAPI, SEED, Api, describe, known_bug, routed, world_ids

# FUZZ_COVERAGE=1 adds schemathesis' coverage phase (boundary values and every kind of invalid value, per field): thorough, slow.
COVERAGE = os.environ.get("FUZZ_COVERAGE") == "1"
CONFIG = schemathesis.Config.from_dict({
    "seed": SEED,
    "suppress-health-check": ["all"],
    "generation": {"mode": "all", "max-examples": EXAMPLES, "database": "none", "with-security-parameters": False},
    "phases": {"examples": {"enabled": False}, "coverage": {"enabled": COVERAGE}, "stateful": {"enabled": False}},
})
schema = schemathesis.openapi.from_path(OPENAPI, config=CONFIG)
DOCUMENT: dict[str, Any] = json.loads(OPENAPI.read_text())
OPERATIONS = [(method.upper(), path, op) for path, ops in sorted(DOCUMENT["paths"].items()) for method, op in sorted(ops.items())]
SCHEMATHESIS_CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
                       schemathesis.checks.content_type_conformance, schemathesis.checks.response_schema_conformance]
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False, database=None, suppress_health_check=list(HealthCheck),
                print_blob=False)
PREFIXES = ["lprg_", "lmbr_", "lcrd_", "lrew_", "lcdef_", "lern_", "lrtx_", "lctx_", "lotx_", "cust_", "camp_", "v_", "prod_", "ord_", ""]


# ------------------------------------------------------------------------------------------ the one property
KNOWN = object()  # what `assert_answer` returns for an answer a KNOWN_BUGS entry explains
NO_CONTENT = 204
# The public routes (local/openapi.py PUBLIC): no API key, so any credentials (or none) are ignored; a success is an image.
PUBLIC_PATHS = {key.split(" ", 1)[1] for key in PUBLIC}
IMAGE_TYPES = ("image/png", "image/svg+xml")


def public(path: str) -> bool:
    """Whether a concrete path is served by a public route (the card assets: `/v1/assets/{kind}/{assetId}`)."""
    return path.startswith("/v1/assets/") and routed("GET", path)


def assert_answer(status: int, content_type: str, text: str, method: str, url: str, request_body: Any, where: str) -> Any:
    """< 500, JSON, and an error body with code/key/message. Returns the parsed body (or KNOWN)."""
    if known_bug(method, status, request_body):
        return KNOWN
    if status == 204:  # no content (the v1 operations that answer nothing document it)
        assert text == "", f"a 204 answer has a body\n{where}"
        return None
    assert status < 500, f"server error\n{where}"
    if status == 200 and public(urlsplit(url).path) and content_type.split(";")[0] in IMAGE_TYPES:
        assert text, f"an empty image\n{where}"
        return None  # an image, not JSON
    if status == NO_CONTENT:  # a documented 204 (DELETE of a v1 earning rule): no body, so no JSON
        assert text == "", f"a 204 answer has a body\n{where}"
        return None
    assert content_type.startswith("application/json"), f"not a JSON answer\n{where}"
    try:
        body = json.loads(text)
    except ValueError:
        raise AssertionError(f"the body is not JSON\n{where}") from None
    if status >= 400:
        assert isinstance(body, dict) and {"code", "key", "message"} <= set(body), f"not Voucherify's error body\n{where}"
        assert body["code"] == status and isinstance(body["key"], str) and body["key"], f"bad code/key\n{where}"
    if not routed(method, urlsplit(url).path):
        assert status == 404 and body["key"] == "not_found", f"a request no operation serves must answer 404 not_found\n{where}"
    return body


def assert_http(resp: requests.Response) -> Any:
    req = resp.request
    return assert_answer(resp.status_code, resp.headers.get("Content-Type", ""), resp.text, str(req.method), str(req.url), req.body,
                         describe(resp))


def _case_answer(case: Any, response: Any, headers: dict[str, str]) -> None:
    req = response.request
    body = req.body.decode("utf-8", "replace") if isinstance(req.body, bytes) else req.body
    text = response.content.decode("utf-8", "replace")  # an image (the public asset route) is no UTF-8 text
    where = (f"{req.method} {req.url}\nbody: {body!r}"[:4000] + f"\n-> {response.status_code}: {text[:1000]}")
    ctype = (response.headers.get("content-type") or [""])[0]
    parsed = assert_answer(response.status_code, ctype, text, str(req.method), str(req.url), req.body, where)
    if parsed is KNOWN or not routed(str(req.method), urlsplit(str(req.url)).path):
        # a known bug, or routed to no operation (e.g. a `..` path id the HTTP client normalised away): the $default route's
        # 404, checked above as any error body; the operation's schema does not apply
        return
    case.validate_response(response, checks=SCHEMATHESIS_CHECKS, headers=headers)


# ------------------------------------------------------------------------------------------ schemathesis
AIMED_KEYS = {"reward_id": "rewardId", "customer_id": "customerId", "card_definition_id": "cardDefinitionId", "member_id": "memberId"}
# Operations without path ids whose body names what they read: sent aimed at the world too (they write nothing).
AIMED_BODIES = {("POST", "/v2/loyalties/examine/earning-rules"), ("POST", "/v2/loyalties/examine/rewards")}


def _aim(value: Any, world: dict[str, str]) -> Any:
    """The body with string ids of known kinds replaced by real ones (to reach past the 404s)."""
    if isinstance(value, list):
        return [_aim(v, world) for v in value]
    if isinstance(value, dict):
        return {k: world[AIMED_KEYS[k]] if k in AIMED_KEYS and isinstance(v, str) else _aim(v, world) for k, v in value.items()}
    return value


@schema.parametrize()
def test_generated_requests(case: Any, server: ServeProcess, api: Api, world: dict[str, str]) -> None:
    headers = dict(server.dev_key.headers)
    response = case.call(base_url=server.base_url, headers=headers, session=api.session)
    _case_answer(case, response, headers)
    if case.path_parameters or (case.method.upper(), case.path) in AIMED_BODIES:
        aimed = case.derive()
        if aimed.headers:  # a fresh request: the generated Idempotency-Key would replay (or refuse) it
            aimed.headers = {k: v for k, v in aimed.headers.items() if k.lower() != "idempotency-key"}
        if case.path_parameters:
            aimed.path_parameters = world_ids(world, case.path, list(case.path_parameters), case.method)
        if isinstance(aimed.body, dict | list):
            aimed.body = _aim(aimed.body, world)
        _case_answer(aimed, aimed.call(base_url=server.base_url, headers=headers, session=api.session), headers)


def test_every_operation_is_fuzzed() -> None:
    results = list(schema.get_all_operations())
    assert all(isinstance(r, Ok) for r in results), results
    labels = {r.ok().label for r in results if isinstance(r, Ok)}
    assert labels == {f"{m} {p}" for m, p, _ in OPERATIONS} and len(labels) == len(OPERATIONS) > 0


def test_negative_mode_is_on() -> None:
    assert set(CONFIG.projects.get_default().generation.modes) == {GenerationMode.POSITIVE, GenerationMode.NEGATIVE}


# ------------------------------------------------------------------------------------------ malformed JSON
def _not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


def _nested(levels: int) -> dict[str, Any]:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


lone_surrogates = st.tuples(st.text(max_size=3), st.characters(categories=["Cs"]), st.text(max_size=3)).map("".join)
# Metadata outside the one policy of v1 and v2: too deep, too large, empty or non-text keys, non-text values, integers
# JSON clients cannot read exactly, numbers DynamoDB cannot store
bad_metadata = st.one_of(
    st.integers(17, 40).map(_nested),
    st.sampled_from([{"": 1}, {"a": {"b": [{"": 1}]}}, {"a": 2**53}, {"a": -(2**63)}, {"a": [1e-200]}, {"blob": "x" * 33_000},
                     {f"k{i}": "x" * 100 for i in range(400)}]),
    lone_surrogates.flatmap(lambda s: st.sampled_from([{s: 1}, {"k": s}, {"k": [s]}, {"k": {"l": s}}])),
)
# Number literals Python's json cannot read (over 4,300 digits) or represent (overflow to infinity), and non-JSON constants
bad_numbers = st.one_of(st.integers(4_301, 20_000).map(lambda n: "9" * n), st.integers(1_001, 4_300).map(lambda n: "-" + "1" * n),
                        st.integers(309, 10**6).map(lambda e: f"1e{e}"), st.integers(1_001, 5_000).map(lambda n: "0." + "0" * n + "1"),
                        st.sampled_from(["NaN", "Infinity", "-Infinity", "-1e400"]))
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                           max_leaves=12)
malformed_json = st.one_of(
    st.text(max_size=200).filter(_not_json),                                                   # arbitrary text
    st.tuples(st.dictionaries(st.text(max_size=10), json_values, min_size=1).map(json.dumps),  # truncated objects
              st.integers(min_value=1, max_value=1000)).map(lambda t: t[0][: max(1, len(t[0]) - t[1])]).filter(_not_json),
    st.dictionaries(st.text(max_size=10), json_values, max_size=3).map(json.dumps).map(lambda s: s + "}"),  # trailing junk
    st.sampled_from(['{"points": NaN}', '{"points": Infinity}', '{"points": -Infinity}', '{"points": 1e400}',
                     '{"points": 123456789012345678901234567890}', '{"reward_id": "\\ud800"}', '{"a":1,"a":2}',
                     "\ufeff{}", "{'points': 1}", '{"points": 01}', "{,}", "\x00", "null", "true", "0", "[]", '""', "",
                     '{"metadata": ' * 64 + "{}" + "}" * 64]),
    st.integers(min_value=1_000, max_value=200_000).map(lambda n: "[" * n + "]" * n),           # deep nesting
    st.integers(min_value=1_000, max_value=200_000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    json_values.filter(lambda v: not isinstance(v, dict)).map(json.dumps),                     # JSON, not an object
    # lone UTF-16 surrogates, sent as `\ud800` escapes: JSON any parser reads, into strings that can be neither stored nor answered
    st.dictionaries(st.sampled_from(["name", "source_id", "reward_id", "metadata", "x"]), lone_surrogates, min_size=1).map(json.dumps),
    st.dictionaries(lone_surrogates, st.just("x"), min_size=1).map(lambda d: json.dumps({"name": "x", "metadata": d})),
    st.tuples(st.sampled_from(["name", "points", "metadata", "a"]), bad_numbers).map(         # numbers it cannot take
        lambda t: f'{{"{t[0]}": {t[1]}}}' if t[0] != "metadata" else f'{{"metadata": {{"n": [{t[1]}]}}}}'),
    bad_metadata.map(lambda m: json.dumps({"name": "fuzz", "metadata": m})),                  # metadata outside the policy
    bad_metadata.map(lambda m: json.dumps({"metadata": m})),
)
BODY_OPERATIONS = [(m, p) for m, p, op in OPERATIONS if "requestBody" in op]
# Operations whose body is a JSON array (every other one refuses arrays): a non-empty array is accepted there.
ARRAY_BODIES = {"POST /v2/loyalties/programs/{programId}/members/batch", "POST /v1/loyalties/{campaignId}/earning-rules",
                "POST /v1/loyalties/{campaignId}/rewards",
                "POST /v1/loyalties/{campaignId}/members/{memberId}/transfers", "POST /v1/customers/bulk/async"}
# An array body that names cards: a well-formed one naming unknown cards is 404, one asking too many points 423.
CARD_ARRAYS = {"POST /v1/loyalties/{campaignId}/members/{memberId}/transfers"}
# Operations whose body is optional (the spec: "an empty payload is allowed"): an empty body, or JSON null (which openapi.json
# documents for them), is no body, not malformed JSON
OPTIONAL_BODIES = {"POST /v2/loyalties/programs/{programId}/rewards/purchases/{rewardTransactionId}/refund",
                   # the export endpoints (the spec shows a "No request body" example: every field, no filter)
                   "POST /v1/loyalties/{campaignId}/transactions/export", "POST /v1/loyalties/{campaignId}/points-expiration/export",
                   "POST /v1/loyalties/members/{memberId}/transactions/export",
                   "POST /v1/loyalties/{campaignId}/members/{memberId}/transactions/export"}


def _non_empty_array(text: str) -> bool:
    try:
        return bool(json.loads(text)) and isinstance(json.loads(text), list)
    except (ValueError, RecursionError):
        return False


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS, ids=[f"{m} {p}" for m, p in BODY_OPERATIONS])
def test_malformed_json(api: Api, world: dict[str, str], method: str, path: str) -> None:
    url = path.format(**world_ids(world, path, [s[1:-1] for s in path.split("/") if s.startswith("{")]))

    @FUZZ
    @seed(SEED)
    @given(raw=malformed_json)
    def run(raw: str) -> None:
        _, _, resp = api.call(method, url, data=raw.encode("utf-8", "surrogatepass"))
        body = assert_http(resp)
        if body is not KNOWN and f"{method} {path}" in ARRAY_BODIES and _non_empty_array(raw):
            # batch entries are validated one by one by the worker (202); an array nested too deeply to store is refused
            # at once, as is any array that is not a list of valid earning rules
            assert (resp.status_code == 202 or (resp.status_code, body.get("key")) == (400, "invalid_payload")
                    or (f"{method} {path}" in CARD_ARRAYS and resp.status_code in (404, 423))), describe(resp)
        elif body is not KNOWN and f"{method} {path}" in OPTIONAL_BODIES and raw.strip(" \t\r\n") in ("", "null"):
            assert resp.status_code != 400, describe(resp)
        elif body is not KNOWN:
            assert (resp.status_code, body.get("key")) == (400, "invalid_payload"), describe(resp)

    run()


# ------------------------------------------------------------------------------------------ media types
def _any_case(text: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(text, upper, strict=True)))


SUBTYPE = st.from_regex(r"[a-z][a-z0-9.\-]{0,19}", fullmatch=True)
PARAMETERS = st.sampled_from(["", "; charset=utf-8", ";charset=UTF-8", "; boundary=x", "; q=1; charset=iso-8859-1"])
# Read as JSON: any spelling of application/json or text/json, a +json type, none, or curl's -d default
json_media = st.tuples(st.one_of(st.sampled_from(["application/json", "text/json", "application/x-www-form-urlencoded"]),
                                 SUBTYPE.map(lambda sub: f"application/{sub}+json")).flatmap(_any_case), PARAMETERS).map("".join)
# Anything else: 415
other_media = st.tuples(st.sampled_from(["text", "application", "image", "multipart", "audio", "model"]), SUBTYPE).map(
    lambda t: f"{t[0]}/{t[1]}").filter(lambda m: not m.endswith("+json") and m not in (
        "application/json", "text/json", "application/x-www-form-urlencoded")).flatmap(_any_case)
other_media = st.tuples(other_media, PARAMETERS).map("".join)


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS, ids=[f"{m} {p}" for m, p in BODY_OPERATIONS])
def test_content_types(api: Api, world: dict[str, str], method: str, path: str) -> None:
    """A body with an unknown property: read as JSON under any JSON media type (so refused for the property: 400), and
    refused for its media type under any other (415); never a 500."""
    url = path.format(**world_ids(world, path, [s[1:-1] for s in path.split("/") if s.startswith("{")]))

    @FUZZ
    @seed(SEED)
    @given(media=st.one_of(json_media.map(lambda m: (m, True)), other_media.map(lambda m: (m, False))))
    def run(media: tuple[str, bool]) -> None:
        content_type, is_json = media
        _, _, resp = api.call(method, url, data=b'{"unexpected_property": 1}', headers={"Content-Type": content_type})
        body = assert_http(resp)
        if body is not KNOWN:
            expected = (400, "invalid_payload") if is_json else (415, "unsupported_media_type")
            assert (resp.status_code, body.get("key")) == expected, describe(resp)

    run()


# ------------------------------------------------------------------------------------------ wrong path ids
ID_TEXT = string.ascii_letters + string.digits + "_-.~!$&'()*+,;=:@%"
wrong_ids = st.one_of(
    st.tuples(st.sampled_from(PREFIXES), st.text("0123456789abcdef", min_size=0, max_size=40)).map("".join),
    st.tuples(st.sampled_from(PREFIXES), st.text(ID_TEXT, min_size=1, max_size=60)).map("".join),
    st.text(min_size=1, max_size=80),                        # any unicode, percent-encoded on the wire
    st.text("0123456789abcdef", min_size=1000, max_size=3000),  # long ids
).filter(lambda s: s.strip(".") != "")                           # `.` / `..` would be normalised away by the client
# A valid body per POST and PUT operation, so that the id is what the answer is about.
VALID_BODIES: dict[str, Any] = {
    "POST /v1/loyalties/members/{memberId}/balance": {"points": 1},
    "POST /v1/loyalties/{campaignId}/members": {"customer": "<customerId>"},
    "POST /v1/loyalties/{campaignId}/members/{memberId}/balance": {"points": 1},
    "POST /v2/loyalties/programs/{programId}/members": {"customer_id": "<customerId>"},
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/cards/{cardId}/points": {"points": 1},
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/rewards/purchases": {"reward_id": "<rewardId>", "mode": "DRY_RUN"},
    "POST /v2/loyalties/programs/{programId}/rewards/purchases/{rewardTransactionId}/refund": {"policies": {"stock": "WRITE_OFF"}},
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/orders/payments": {"card_id": "<cardId>", "order": {"id": "<orderId>"},
                                                                                   "mode": "DRY_RUN"},
    "PUT /v2/loyalties/programs/{programId}": {"name": "fuzzed"},
    "POST /v2/loyalties/programs/{programId}/card-definitions/batch": {"unassign": [{"id": "lcdef_0123456789abcdef01"}]},
    "POST /v2/loyalties/programs/{programId}/earning-rules/batch": {"unassign": [{"id": "lern_0123456789abcdef01"}]},
    "POST /v2/loyalties/programs/{programId}/tier-structures/batch": {"unassign": [{"id": "lts_0123456789abcdef01"}]},
    "POST /v2/loyalties/programs/{programId}/rewards/batch": {"unassign": [{"id": "lrew_0123456789abcdef01"}]},
    "PUT /v2/loyalties/programs/{programId}/rewards/{rewardId}": {"stock": {"type": "UNLIMITED"}},
    "POST /v2/loyalties/programs/{programId}/activate": None,
    "POST /v2/loyalties/programs/{programId}/deactivate": None,
    "POST /v2/loyalties/tier-structures/{tierStructureId}/activate": None,
    "POST /v2/loyalties/tier-structures/{tierStructureId}/deactivate": None,
    "POST /v2/loyalties/tier-structures/{tierStructureId}/draft": None,
    "POST /v2/loyalties/tier-structures/{tierStructureId}/tiers": {"name": "Fuzz", "qualification_rules": {
        "type": "POINTS", "points": {"min_value": 0}}},
    "POST /v2/loyalties/benefits/{benefitId}/activate": None,
    "POST /v2/loyalties/benefits/{benefitId}/draft": None,
    "PUT /v2/loyalties/tier-structures/{tierStructureId}": {"name": "Fuzz levels"},
    "PUT /v2/loyalties/tier-structures/{tierStructureId}/tiers/{tierId}": {"name": "Fuzz tier"},
    "PUT /v2/loyalties/benefits/{benefitId}": {"name": "Fuzz perk"},
    "POST /v2/loyalties/programs/{programId}/members/batch": [{"customer_id": "<customerId>"}],
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/activate": None,
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/deactivate": None,
    "PUT /v2/loyalties/programs/{programId}/members/{memberId}": {"metadata": {"fuzz": True}},
    # v2 components: lifecycle transitions take no body; updates take any valid one
    "PUT /v2/loyalties/card-definitions/{cardDefinitionId}": {"name": "fuzz"},
    "POST /v2/loyalties/card-definitions/{cardDefinitionId}/activate": None,
    "POST /v2/loyalties/card-definitions/{cardDefinitionId}/draft": None,
    "PUT /v2/loyalties/earning-rules/{earningRuleId}": {"name": "fuzz"},
    "POST /v2/loyalties/earning-rules/{earningRuleId}/activate": None,
    "POST /v2/loyalties/earning-rules/{earningRuleId}/deactivate": None,
    "POST /v2/loyalties/earning-rules/{earningRuleId}/draft": None,
    "PUT /v2/loyalties/rewards/{rewardId}": {"name": "fuzz"},
    "POST /v2/loyalties/rewards/{rewardId}/activate": None,
    "POST /v2/loyalties/rewards/{rewardId}/deactivate": None,
    "POST /v2/loyalties/rewards/{rewardId}/draft": None,
    # v1 campaigns and their earning rules
    "PUT /v1/loyalties/{campaignId}": {"metadata": {"fuzz": True}},
    "POST /v1/loyalties/{campaignId}/transactions/export": {"parameters": {"fields": ["id"]}},
    "POST /v1/loyalties/members/{memberId}/transactions/export": {"parameters": {"fields": ["id"]}},
    "POST /v1/loyalties/{campaignId}/members/{memberId}/transactions/export": {"parameters": {"fields": ["id"]}},
    "POST /v1/loyalties/{campaignId}/points-expiration/export": {"parameters": {"fields": ["id"]}},
    "POST /v1/loyalties/{campaignId}/members/{memberId}/transfers": [{"code": "<v1SourceCode>", "points": 1}],
    # the v1 points estimate of the world's order for the world's customer (a member of the world's campaign); writes nothing
    "POST /v1/loyalties/{campaignId}/qualifications": {"customer": {"id": "<customerId>"}, "order": {"id": "<orderId>"}},
    # a v1 redemption of a reward assigned to the world's campaign (the world's v1 card holds points; 423 when spent out)
    "POST /v1/loyalties/{campaignId}/members/{memberId}/redemption": {"reward": {"id": "<v1RewardId>"}},
    "POST /v1/loyalties/members/{memberId}/redemption": {"reward": {"id": "<v1RewardId>"}},
    "POST /v1/loyalties/{campaignId}/earning-rules": [{"event": "order.paid", "loyalty": {"type": "FIXED", "points": 1}}],
    "PUT /v1/loyalties/{campaignId}/earning-rules/{earningRuleId}": {"metadata": {"fuzz": True}},
    "POST /v1/loyalties/{campaignId}/earning-rules/{earningRuleId}/enable": None,
    "POST /v1/loyalties/{campaignId}/earning-rules/{earningRuleId}/disable": None,
    "PUT /v1/orders/{orderId}": {"metadata": {"fuzz": True}},
    "PUT /v1/customers/{customerId}": {"name": "fuzz"},
    "PUT /v1/webhooks/{webhookId}": {"description": "fuzz"},
    "POST /v1/customers/{customerId}/permanent-deletion": None,
    # v1 rewards and their assignments (an unknown reward: a real campaign then answers 404 reward, never a duplicate)
    "PUT /v1/rewards/{rewardId}": {"name": "fuzz"},
    "POST /v1/rewards/{rewardId}/assignments": {"campaign": "camp_0f0f0f0f0f0f0f0f0f0f0f", "parameters": {"loyalty": {"points": 1}}},
    "PUT /v1/rewards/{rewardId}/assignments/{assignmentId}": {"parameters": {"loyalty": {"points": 2}}},
    "POST /v1/loyalties/{campaignId}/rewards": [{"reward": "rew_0f0f0f0f0f0f0f0f0f0f0f", "parameters": {"loyalty": {"points": 1}}}],
    "PUT /v1/loyalties/{campaignId}/rewards/{assignmentId}": {"parameters": {"loyalty": {"points": 2}}},
    # v1 tiers: a range above the world's tiers (a repeat overlaps it: 400)
    "POST /v1/loyalties/{campaignId}/tiers": [{"name": "Fuzz tier", "points": {"from": 1000000}}],
    # points buckets: manual settlements take no body; a v1 pending entry's balance takes points
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/cards/{cardId}/pending-points/{bucketId}/activate": None,
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/cards/{cardId}/pending-points/{bucketId}/cancel": None,
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/cards/{cardId}/expiring-points/{bucketId}/expire": None,
    "POST /v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/activate": None,
    "POST /v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/cancel": None,
    "POST /v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/balance": {"points": 1},
}
ID_OPERATIONS = [(m, p) for m, p, _ in OPERATIONS if "{" in p]


def test_every_post_with_ids_has_a_valid_body() -> None:
    assert {f"{m} {p}" for m, p in ID_OPERATIONS if m in ("POST", "PUT")} == set(VALID_BODIES)


@pytest.mark.parametrize(("method", "path"), ID_OPERATIONS, ids=[f"{m} {p}" for m, p in ID_OPERATIONS])
def test_wrong_ids(api: Api, world: dict[str, str], method: str, path: str) -> None:
    names = [s[1:-1] for s in path.split("/") if s.startswith("{")]
    real = world_ids(world, path, names)
    body = json.loads(json.dumps(VALID_BODIES.get(f"{method} {path}")).replace('"<customerId>"', json.dumps(world["customerId"]))
                      .replace('"<rewardId>"', json.dumps(world["rewardId"])).replace('"<cardId>"', json.dumps(world["cardId"]))
                      .replace('"<orderId>"', json.dumps(world["orderId"]))
                      .replace('"<v1SourceCode>"', json.dumps(world["v1SourceCode"]))
                      .replace('"<v1RewardId>"', json.dumps(world["v1/rewardId"])))

    @FUZZ
    @seed(SEED)
    @given(wrong=st.fixed_dictionaries({}, optional={n: wrong_ids for n in names}).filter(bool))
    def run(wrong: dict[str, str]) -> None:
        url = path.format(**{n: quote(wrong.get(n, real[n]), safe="") for n in names})
        _, data, resp = api.call(method, url, body)
        assert_http(resp)
        if resp.status_code != 404 and not path.startswith("/v2/"):
            # A v1 reference is also a name, source id or card code, and the fuzzers create resources with random ones.
            assert resp.status_code in (200, 204, 400), describe(resp)
        else:
            assert (resp.status_code, data.get("key")) == (404, "not_found"), describe(resp)

    run()


# ------------------------------------------------------------------------------------------ query strings
SINGLE_ENTRY_LISTS = {"/v2/loyalties/programs/{programId}/tier-structures"}  # a program has at most one tier structure
LIST_OPERATIONS = [(m, p) for m, p, op in OPERATIONS if any(q.get("in") == "query" and q.get("name") == "cursor" for q in op.get("parameters") or [])]


def _tampered(cursor: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(0, max(0, len(cursor) - 1)).map(lambda i: cursor[:i]),
        st.tuples(st.integers(0, len(cursor) - 1), st.sampled_from(string.ascii_letters + string.digits + "-_=+/.")).map(
            lambda t: cursor[: t[0]] + t[1] + cursor[t[0] + 1:]),
        st.text(min_size=1, max_size=20).map(lambda s: cursor + s),
    )


@pytest.mark.parametrize(("method", "path"), LIST_OPERATIONS, ids=[f"{m} {p}" for m, p in LIST_OPERATIONS])
def test_query_strings(api: Api, world: dict[str, str], method: str, path: str) -> None:
    url = path.format(**world_ids(world, path, [s[1:-1] for s in path.split("/") if s.startswith("{")]))
    first = api.ok(method, f"{url}?limit=1")
    cursor = str((first.get("cursor") or {}).get("next") or first.get("next_cursor") or "")
    if path in SINGLE_ENTRY_LISTS:
        cursor = cursor or "lcrs_00"  # a list that never has a second page: tamper with a made-up cursor
    assert cursor, f"the world gives {url} a second page: {first}"
    text = st.text(max_size=60)
    limits = st.one_of(st.integers(-10**20, 10**20).map(str), text, st.sampled_from(["1.5", "1e2", " 5", "0x10", "", "NaN"]))
    cursors = st.one_of(text, st.text(string.ascii_letters + string.digits + "-_=", max_size=300), _tampered(cursor),
                        st.text("A", min_size=4097, max_size=5000))

    @FUZZ
    @seed(SEED)
    @given(params=st.lists(st.tuples(st.sampled_from(["limit", "cursor", "starting_after", "page"]), limits | cursors), max_size=4))
    def run(params: list[tuple[str, str]]) -> None:
        _, _, resp = api.call(method, url, params=params)
        assert_http(resp)
        assert resp.status_code in (200, 400), describe(resp)

    run()


# ------------------------------------------------------------------------------------------ credentials
header_text = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=120)


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in OPERATIONS], ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_credentials(api: Api, world: dict[str, str], method: str, path: str) -> None:
    url = path.format(**world_ids(world, path, [s[1:-1] for s in path.split("/") if s.startswith("{")]))
    dev_id = api.headers["X-App-Id"]

    @settings(FUZZ, max_examples=max(3, EXAMPLES // 4))
    @seed(SEED)
    @given(headers=st.fixed_dictionaries({}, optional={
        "X-App-Id": st.one_of(header_text, st.just(dev_id)),
        "X-App-Token": st.one_of(header_text, header_text.map(lambda s: f"{dev_id}.{s}")),
        "Authorization": st.one_of(header_text.map(lambda s: f"Bearer {s}"), header_text.map(lambda s: f"Bearer {dev_id}.{s}"))}))
    def run(headers: dict[str, str]) -> None:
        _, data, resp = api.call(method, url, {} if method == "POST" else None, headers=headers, auth=False)
        assert_http(resp)
        if path in PUBLIC_PATHS:  # no API key needed, whatever is sent: the world's asset id answers its image
            assert resp.status_code == 200, describe(resp)
            return
        assert (resp.status_code, data.get("key")) == (401, "unauthorized"), describe(resp)

    run()
