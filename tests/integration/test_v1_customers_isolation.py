"""Project isolation of the v1 customers routes beyond create/get: nothing of another project is listed, read or changed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_v1_customers_list import LIST, create, ids


def test_list_shows_only_the_projects_customers(stack: Stack) -> None:
    # Given the same source id and email in both projects
    mine = create(stack, {"source_id": "shared-src", "email": "same@example.com"})
    theirs = create(stack, {"source_id": "shared-src", "email": "same@example.com"}, headers=stack.other_headers)
    # When each project lists (filtered or not), it sees only its own customer
    for headers, query, expected in ((stack.headers, {"email": "same@example.com"}, mine),
                                     (stack.other_headers, {}, theirs), (stack.other_headers, {"order": "source_id"}, theirs)):
        status, body = stack.call("list_customers", "GET", LIST, headers=headers, query=query)
        assert status == 200 and ids(body) == [expected["id"]] and body["total"] == 1


def test_another_project_cannot_update_or_delete_a_customer(stack: Stack) -> None:
    mine = create(stack, {"source_id": "only-mine", "name": "Mine"})
    for ref in (mine["id"], "only-mine"):
        status, body = stack.call("update_customer", "PUT", f"/v1/customers/{ref}", {"name": "stolen"}, headers=stack.other_headers)
        assert status == 404 and body["key"] == "not_found"
        status, body = stack.call("delete_customer", "DELETE", f"/v1/customers/{ref}", headers=stack.other_headers)
        assert status == 404 and body["key"] == "not_found"
    assert stack.call("get_customer", "GET", f"/v1/customers/{mine['id']}") == (200, mine)


def test_another_project_cannot_erase_a_customer(stack: Stack) -> None:
    mine = create(stack, {"source_id": "keep-me", "name": "Mine"})
    for ref in (mine["id"], "keep-me"):
        status, body = stack.call("permanently_delete_customer", "POST", f"/v1/customers/{ref}/permanent-deletion",
                                  headers=stack.other_headers)
        assert status == 404 and body["key"] == "not_found"
    assert stack.call("get_customer", "GET", f"/v1/customers/{mine['id']}") == (200, mine)


def test_segments_of_another_projects_customer_are_not_found(stack: Stack) -> None:
    mine = create(stack, {"source_id": "segs"})
    for ref in (mine["id"], "segs"):
        status, body = stack.call("list_customer_segments", "GET", f"/v1/customers/{ref}/segments", headers=stack.other_headers)
        assert status == 404 and body["key"] == "not_found"


@pytest.mark.parametrize("name", ["list_customer_activity", "list_customer_activities", "list_customer_redeemables"])
def test_another_project_cannot_list_a_customer_s_activity_or_redeemables(stack: Stack, name: str) -> None:
    mine = create(stack, {"source_id": "holder"})
    for ref in (mine["id"], "holder"):
        status, body = stack.call(name, "GET", f"/v1/customers/{ref}/{name.removeprefix('list_customer_')}",
                                  headers=stack.other_headers)
        assert status == 404 and body["key"] == "not_found" and body["resource_type"] == "customer", body


@pytest.mark.parametrize(("name", "path", "body"), [
    ("update_customers_in_bulk", "/v1/customers/bulk/async", [{"source_id": "shared", "name": "Theirs"}]),
    ("update_customers_metadata_in_bulk", "/v1/customers/metadata/async", {"source_ids": ["shared"], "metadata": {"x": 1}}),
])
def test_async_updates_touch_only_the_project_s_customers(stack: Stack, name: str, path: str, body: Any) -> None:
    mine = create(stack, {"source_id": "shared", "name": "Mine"})
    status, accepted = stack.call(name, "POST", path, body, headers=stack.other_headers)
    assert status == 202, accepted
    stack.drain()
    assert stack.call("get_customer", "GET", f"/v1/customers/{mine['id']}") == (200, mine)
    status, action = stack.call("get_async_action", "GET", f"/v1/async-actions/{accepted['async_action_id']}")
    assert status == 404 and action["key"] == "not_found", action
    status, action = stack.call("get_async_action", "GET", f"/v1/async-actions/{accepted['async_action_id']}",
                                headers=stack.other_headers)
    assert status == 200 and action["status"] == "DONE", action


def test_a_csv_import_touches_only_the_project_s_customers(stack: Stack) -> None:
    mine = create(stack, {"source_id": "shared", "name": "Mine"})
    boundary = "b0undary"
    form = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n\r\n'
            f"source_id,name\r\nshared,Theirs\r\n\r\n--{boundary}--\r\n")
    status, accepted = stack.call("import_customers_using_csv", "POST", "/v1/customers/importCSV", raw_body=form,
                                  headers={**stack.other_headers, "content-type": f"multipart/form-data; boundary={boundary}"})
    assert status == 202, accepted
    stack.drain()
    assert stack.call("get_customer", "GET", f"/v1/customers/{mine['id']}") == (200, mine)
    assert stack.call("get_customer", "GET", "/v1/customers/shared", headers=stack.other_headers)[1]["name"] == "Theirs"
    assert stack.call("get_async_action", "GET", f"/v1/async-actions/{accepted['async_action_id']}")[0] == 404
