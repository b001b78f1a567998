"""Product bugs the fuzzers found, one focused request each.

Each test states the correct behaviour. An open bug's test is a strict xfail named after its KNOWN_BUGS entry in
conftest.py (which lets the fuzzers pass over the bug meanwhile); once the product is fixed the test passes, the strict
xfail turns that into a failure, and the fix deletes the `xfail` mark here and the KNOWN_BUGS entry."""

from __future__ import annotations

import pytest

from tests.fuzz.conftest import KNOWN_BUGS, Api, describe


def test_every_known_bug_has_a_regression_test() -> None:
    names = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert {key.replace("-", "_") for key in KNOWN_BUGS} <= names


# Fixed (kept as plain regression tests) ---------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["[" * 5000 + "]" * 5000, '{"metadata":' + '{"a":' * 5000 + "1" + "}" * 5001])
def test_deep_json_is_400(api: Api, raw: str) -> None:
    """Was: JSON nested ~970+ levels deep made json.loads (Powertools' json_body) raise RecursionError -> 500 internal_error."""
    status, body, resp = api.call("POST", "/v1/customers", data=raw)
    assert (status, (body or {}).get("key")) == (400, "invalid_payload"), describe(resp)


# Fixed ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "raw"), [("/v1/customers", "[{}]"),
                                           ("/v2/loyalties/card-definitions", '[{"name": "W", "type": "INDIVIDUAL"}, {"junk": 1}]')])
def test_array_bodies_are_400(api: Api, path: str, raw: str) -> None:
    status, body, resp = api.call("POST", path, data=raw)
    assert (status, (body or {}).get("key")) == (400, "invalid_payload"), describe(resp)


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND"])
def test_other_http_methods_get_a_json_answer(api: Api, method: str) -> None:
    status, body, resp = api.call(method, "/v1/customers")
    assert status < 500 and resp.headers.get("Content-Type", "").startswith("application/json") and body is not None, describe(resp)


@pytest.mark.parametrize("path", ["/v2/loyalties/card-definitions", "/v2/loyalties/programs"])
def test_bodies_over_lambdas_limit_are_413(api: Api, path: str) -> None:
    """Was: a 7 MB body reached the handler and DynamoDB refused the item (> 400 KB): 500 internal_error. A body over Lambda's
    6 MB invocation limit is refused by the runtime as the deployed stack refuses it; one that fits but makes an item too
    large is a 400 (tests/integration/test_size_limits.py)."""
    raw = '{"name": "W", "type": "INDIVIDUAL", "metadata": {"blob": "' + "x" * 7_000_000 + '"}}'
    status, body, resp = api.call("POST", path, data=raw)
    assert (status, (body or {}).get("key"), (body or {}).get("code")) == (413, "request_entity_too_large", 413), describe(resp)


@pytest.mark.parametrize("path", ["/v2/loyalties/card-definitions", "/v2/loyalties/programs"])
def test_bodies_that_make_an_item_too_large_are_400(api: Api, path: str) -> None:
    raw = '{"name": "W", "type": "INDIVIDUAL", "metadata": {"blob": "' + "x" * 1_000_000 + '"}}'
    raw = raw if path.endswith("card-definitions") else raw.replace('"type": "INDIVIDUAL", ', "")
    status, body, resp = api.call("POST", path, data=raw)
    assert (status, (body or {}).get("key")) == (400, "invalid_payload"), describe(resp)
