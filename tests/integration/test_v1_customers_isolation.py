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
