"""Bad input on the program management surface: every new endpoint answers malformed JSON, wrong types, unknown fields,
missing or malformed ids and missing credentials with the documented 4xx and the error body, and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_v2_journey import BASE, make_components

P = f"{BASE}/programs"
STOCK = {"type": "LIMITED", "limited": {"quantity": 1}}


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, str]:
    ids = make_components(module_stack)
    status, program = module_stack.call("create_program", "POST", P, {"name": "Draft", "rewards": [{"id": ids["reward"], "stock": 2}]})
    assert status == 200, program
    return {**ids, "program": program["id"]}


# (function, method, path template, a valid body): every body-taking route of the program surface
WRITES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("update_program", "PUT", "{p}", {"name": "x"}),
    ("batch_program_card_definition_assignments", "POST", "{p}/card-definitions/batch", {"assign": [{"id": "{cdef}"}]}),
    ("batch_program_earning_rule_assignments", "POST", "{p}/earning-rules/batch", {"assign": [{"id": "{rule}"}]}),
    ("batch_program_tier_structure_assignments", "POST", "{p}/tier-structures/batch", {"assign": [{"id": "lts_0a"}]}),
    ("batch_program_reward_assignments", "POST", "{p}/rewards/batch", {"unassign": [{"id": "{reward}"}]}),
    ("update_program_reward_assignment", "PUT", "{p}/rewards/{reward}", {"stock": STOCK}),
]
NO_BODY: list[tuple[str, str, str]] = [
    ("list_programs", "GET", P),
    ("delete_program", "DELETE", "{p}"),
    ("activate_program", "POST", "{p}/activate"),
    ("deactivate_program", "POST", "{p}/deactivate"),
    ("list_program_activities", "GET", "{p}/activities"),
    ("list_program_card_definition_assignments", "GET", "{p}/card-definitions"),
    ("list_program_earning_rule_assignments", "GET", "{p}/earning-rules"),
    ("list_program_tier_structure_assignments", "GET", "{p}/tier-structures"),
    ("list_program_reward_assignments", "GET", "{p}/rewards"),
]
LISTS = [n for n, m, _ in NO_BODY if m == "GET"]


def fill(text: str, w: dict[str, str], program: str | None = None) -> str:
    return text.replace("{p}", f"{P}/{program or w['program']}").replace("{cdef}", w["cdef"]).replace("{rule}", w["rule"]) \
        .replace("{reward}", w["reward"])


def body_of(body: dict[str, Any], w: dict[str, str]) -> Any:
    import json

    return json.loads(fill(json.dumps(body), w))


def refused(stack: Stack, status: int, key: str, name: str, method: str, path: str, body: Any = None, **kw: Any) -> None:
    before = stack.items()
    got, data = stack.call(name, method, path, body, **kw)
    assert (got, data["code"], data["key"]) == (status, status, key), data
    assert {"message", "details", "request_id"} <= set(data)
    assert stack.items() == before


@pytest.mark.parametrize(("name", "method", "path", "body"), WRITES, ids=[w[0] for w in WRITES])
@pytest.mark.parametrize("raw", ["{", "[]", "42", '"text"', "null", '{"name": "x",}'])
def test_malformed_or_non_object_bodies_are_400(module_stack: Stack, world: dict[str, str], name: str, method: str, path: str,
                                                body: dict[str, Any], raw: str) -> None:
    refused(module_stack, 400, "invalid_payload", name, method, fill(path, world), raw_body=raw)


@pytest.mark.parametrize(("name", "method", "path", "body"), WRITES, ids=[w[0] for w in WRITES])
def test_unknown_fields_are_400(module_stack: Stack, world: dict[str, str], name: str, method: str, path: str, body: dict[str, Any]) -> None:
    refused(module_stack, 400, "invalid_payload", name, method, fill(path, world), {**body_of(body, world), "surprise": 1})


@pytest.mark.parametrize(("name", "method", "path", "body"), [
    ("update_program", "PUT", "{p}", {"name": 5}),
    ("update_program", "PUT", "{p}", {"metadata": []}),
    ("update_program", "PUT", "{p}", {"start_date": "tomorrow"}),
    ("update_program", "PUT", "{p}", {"validity_hours": {"type": "DAILY"}}),
    ("update_program", "PUT", "{p}", {"name": "x" * 201}),
    ("batch_program_card_definition_assignments", "POST", "{p}/card-definitions/batch", {"assign": [{"id": "lrew_0a"}]}),
    ("batch_program_card_definition_assignments", "POST", "{p}/card-definitions/batch", {"assign": {"id": "{cdef}"}}),
    ("batch_program_earning_rule_assignments", "POST", "{p}/earning-rules/batch", {"unassign": [{"id": "{rule}"}, {"id": "{rule}"}]}),
    ("batch_program_reward_assignments", "POST", "{p}/rewards/batch", {"assign": [{"id": "{reward}"}]}),
    ("batch_program_reward_assignments", "POST", "{p}/rewards/batch", {"assign": [{"id": "{reward}", "stock": 5}]}),
    ("batch_program_reward_assignments", "POST", "{p}/rewards/batch",
     {"assign": [{"id": "{reward}", "stock": {"type": "UNLIMITED", "limited": {"quantity": 1}}}]}),
    ("update_program_reward_assignment", "PUT", "{p}/rewards/{reward}", {}),
    ("update_program_reward_assignment", "PUT", "{p}/rewards/{reward}", {"stock": {"type": "LIMITED", "limited": {"quantity": -1}}}),
])
def test_invalid_bodies_are_400(module_stack: Stack, world: dict[str, str], name: str, method: str, path: str, body: dict[str, Any]) -> None:
    refused(module_stack, 400, "invalid_payload", name, method, fill(path, world), body_of(body, world))


@pytest.mark.parametrize("program", ["lprg_00000000000000000a", "lprg_XYZ", "lmbr_0a", "x" * 80])
@pytest.mark.parametrize(("name", "method", "path", "body"), [(n, m, p, None) for n, m, p in NO_BODY if "{p}" in p] + WRITES,
                         ids=[n for n, _, p in NO_BODY if "{p}" in p] + [w[0] for w in WRITES])
def test_unknown_or_malformed_program_ids_are_404(module_stack: Stack, world: dict[str, str], program: str, name: str, method: str,
                                                  path: str, body: dict[str, Any] | None) -> None:
    refused(module_stack, 404, "not_found", name, method, fill(path, world, program), body_of(body, world) if body else None)


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "x"}, {"order": "sideways"}, {"cursor": "lcrs_zz"},
                                   {"filters[nope][conditions][$is]": "1"}, {"unknown": "1"}])
def test_bad_list_parameters_are_400(module_stack: Stack, world: dict[str, str], name: str, query: dict[str, str]) -> None:
    path = next(fill(p, world) for n, _, p in NO_BODY if n == name)
    got, data = module_stack.call(name, "GET", path, query=query)
    assert got == 400 and data["key"] in ("invalid_query_params", "invalid_or_expired_cursor"), data


@pytest.mark.parametrize(("name", "method", "path"), [(n, m, p) for n, m, p in NO_BODY] + [(n, m, p) for n, m, p, _ in WRITES])
def test_missing_credentials_are_401(module_stack: Stack, world: dict[str, str], name: str, method: str, path: str) -> None:
    refused(module_stack, 401, "unauthorized", name, method, fill(path, world), headers={})
