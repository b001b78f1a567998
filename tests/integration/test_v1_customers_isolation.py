"""Project isolation of the v1 customers routes beyond create/get: nothing of another project is listed, read or changed."""

from __future__ import annotations

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
