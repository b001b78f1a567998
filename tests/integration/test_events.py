"""Custom events and their schemas on moto: POST /v1/events stores the event with its earning job (the customer created or
updated as Voucherify does, the name resolved to its `ms_` schema), GET /v1/metadata-schemas(/{resource}) reads the
schemas the operator created, and earning rules and card definitions that name an unknown schema are refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from voucherify import ApiClient
from voucherify.models import EventsCreateRequestBody, EventsCreateResponseBody, MetadataSchemasListResponseBody

from loyalty.core.errors import LoyaltyError
from loyalty.db.transact import TransactionConflict
from loyalty.events import store as events_store
from loyalty.jobs.models import EvaluateEarning, parse_job
from loyalty.jobs.sweeper import sweep_pending_jobs
from loyalty.members import store as members_store
from loyalty.schemas.service import create_event_schema
from tests.integration.conftest import Stack

V2 = "/v2/loyalties"
ERROR_FIELDS = {"code", "key", "message", "details", "request_id"}


def track(stack: Stack, body: Any, **kw: Any) -> tuple[int, Any]:
    return stack.call("track_custom_event", "POST", "/v1/events", body, **kw)


def customer(stack: Stack, **fields: Any) -> dict[str, Any]:
    status, body = stack.call("create_customer", "POST", "/v1/customers", fields)
    assert status == 200, body
    return body


def messages(stack: Stack) -> list[str]:
    """Every message on the jobs queue (taken off it)."""
    out: list[str] = []
    while True:
        got = stack.sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for m in got:
            out.append(m["Body"])
            stack.sqs.delete_message(QueueUrl=stack.queue_url, ReceiptHandle=m["ReceiptHandle"])


def event_items(stack: Stack) -> list[dict[str, Any]]:
    return [i for i in stack.items() if i["SK"]["S"] == "EVENT"]


def assert_error(status: int, body: Any, code: int, key: str) -> None:
    assert status == code, body
    assert ERROR_FIELDS <= set(body) and body["code"] == code and body["key"] == key, body


# ---------------------------------------------------------------------------------------------- POST /v1/events
def test_an_event_of_a_known_customer_is_stored_with_its_schema_and_its_earning_job(stack: Stack) -> None:
    # Given a schema for `review_written` and a customer
    schema = create_event_schema(stack.db(), "review_written", {"rating": "number"})
    alice = customer(stack, source_id="alice-1", name="Alice", email="alice@example.com", metadata={"plan": "gold"})

    # When an event is tracked for the customer by id, through the body the official SDK sends
    body = ApiClient().sanitize_for_serialization(EventsCreateRequestBody(
        event="review_written", customer={"id": alice["id"]}, metadata={"rating": 5}))
    status, answer = track(stack, body)

    # Then it answers the spec's EventsCreateResponseBody, which the SDK parses
    assert status == 200, answer
    assert answer == {"object": "event", "type": "review_written", "referral": None, "loyalty": None, "metadata": {"rating": 5},
                      "customer": {"id": alice["id"], "source_id": "alice-1", "name": "Alice", "email": "alice@example.com",
                                   "metadata": {"plan": "gold"}, "object": "customer"}}
    assert EventsCreateResponseBody.from_dict(answer) is not None
    # And the event is stored with the schema its name resolves to, in the PendingJobs index with its job
    (item,) = event_items(stack)
    event_id = item["PK"]["S"].rsplit("#", 1)[1]
    assert event_id.startswith("evcus_")
    stored = events_store.get_event(stack.db(), event_id)
    assert stored is not None
    assert {k: v for k, v in stored.items() if k != "created_at"} == {
        "id": event_id, "type": "review_written", "customer_id": alice["id"], "schema_id": schema["id"],
        "metadata": {"rating": 5}, "loyalty": None, "referral": None}
    job = EvaluateEarning(project_id="acme", source="event", source_id=event_id)
    assert item["job"]["S"] == job.to_json() and item["JOBPK"]["S"] == "acme#PENDING"
    # And the job is sent once
    assert [parse_job(m) for m in messages(stack)] == [job]


def test_an_event_whose_name_has_no_schema_is_stored_and_names_none(stack: Stack) -> None:
    alice = customer(stack, source_id="alice-1")
    status, answer = track(stack, {"event": "app_opened", "customer": {"source_id": "alice-1"}})
    assert status == 200, answer
    assert answer["type"] == "app_opened" and answer["metadata"] == {} and answer["customer"]["id"] == alice["id"]
    (item,) = event_items(stack)
    stored = events_store.get_event(stack.db(), item["PK"]["S"].rsplit("#", 1)[1])
    assert stored is not None and stored["schema_id"] is None  # E18: stored, earns nothing
    assert len(messages(stack)) == 1


def test_an_unknown_customer_id_is_404_and_nothing_is_stored(stack: Stack) -> None:
    for ref in ("cust_0000000000000000000000", "registered_10055"):
        status, answer = track(stack, {"event": "review_written", "customer": {"id": ref}})
        assert_error(status, answer, 404, "not_found")
        assert answer["resource_type"] == "customer" and answer["resource_id"] == ref
        assert answer["details"] == f"Cannot find customer with id {ref}"
    assert event_items(stack) == [] and messages(stack) == []


def test_an_unknown_source_id_creates_the_customer_in_the_same_write_as_the_event(stack: Stack) -> None:
    # When an event names a customer by a source id nobody holds, with customer fields
    status, answer = track(stack, {"event": "signed_up", "customer": {"source_id": "bob-1", "name": "Bob", "metadata": {"a": 1}}})

    # Then the customer is created with those fields and the event names it
    assert status == 200, answer
    assert answer["customer"]["id"].startswith("cust_") and answer["customer"]["source_id"] == "bob-1"
    assert "email" not in answer["customer"]  # unset fields are left out (the spec types them string, not null)
    status, bob = stack.call("get_customer", "GET", "/v1/customers/bob-1")
    assert status == 200 and bob["id"] == answer["customer"]["id"] and bob["name"] == "Bob" and bob["metadata"] == {"a": 1}
    (item,) = event_items(stack)
    assert json.loads(item["job"]["S"])["source_id"] == item["PK"]["S"].rsplit("#", 1)[1]


def test_customer_fields_given_with_a_known_customer_update_it(stack: Stack) -> None:
    alice = customer(stack, source_id="alice-1", name="Alice")
    status, answer = track(stack, {"event": "moved", "customer": {"source_id": "alice-1", "name": "Alice B.", "email": "a@b.c"}})
    assert status == 200, answer
    assert answer["customer"]["id"] == alice["id"] and answer["customer"]["name"] == "Alice B."
    _, stored = stack.call("get_customer", "GET", f"/v1/customers/{alice['id']}")
    assert stored["name"] == "Alice B." and stored["email"] == "a@b.c" and stored["updated_at"] is not None


def test_a_customer_id_beside_another_source_id_names_the_customer_by_id(stack: Stack) -> None:
    alice = customer(stack, source_id="alice-1")
    status, answer = track(stack, {"event": "moved", "customer": {"id": alice["id"], "source_id": "someone-else"}})
    assert status == 200, answer
    assert answer["customer"]["id"] == alice["id"] and answer["customer"]["source_id"] == "alice-1"


def test_a_loyalty_code_must_name_a_card_and_the_event_records_the_card(stack: Stack) -> None:
    # Given a customer holding a v1 loyalty card
    alice = customer(stack, source_id="alice-1")
    status, campaign = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "Club", "type": "AUTO_UPDATE", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    assert status == 200, campaign
    status, card = stack.call("add_member_v1", "POST", f"/v1/loyalties/{campaign['id']}/members", {"customer": alice["id"]})
    assert status == 200, card
    messages(stack)

    # When an event names an unknown code, it is 404 and nothing is stored (not even a new customer)
    status, answer = track(stack, {"event": "cart_abandoned", "customer": {"source_id": "nobody-yet"}, "loyalty": {"code": "NOPE"}})
    assert_error(status, answer, 404, "not_found")
    assert (answer["resource_type"], answer["resource_id"]) == ("voucher", "NOPE")
    assert event_items(stack) == [] and messages(stack) == []
    assert stack.call("get_customer", "GET", "/v1/customers/nobody-yet")[0] == 404

    # When it names the card's code, the event records the code and the card it names (for v1 attribution)
    status, answer = track(stack, {"event": "cart_abandoned", "customer": {"id": alice["id"]}, "loyalty": {"code": card["code"]},
                                   "referral": {"code": "REF-1"}})
    assert status == 200, answer
    assert answer["loyalty"] is None and answer["referral"] is None  # the spec answers null for both
    (item,) = event_items(stack)
    stored = events_store.get_event(stack.db(), item["PK"]["S"].rsplit("#", 1)[1])
    assert stored is not None and stored["referral"] == {"code": "REF-1", "referrer_id": None}
    claim = members_store.get_card_by_code(stack.db(), card["code"])
    assert claim is not None
    assert stored["loyalty"] == {"code": card["code"], "member_id": claim["member_id"], "card_id": claim["card_id"]}


def test_a_source_id_claimed_between_the_read_and_the_write_updates_that_customer(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the read finds nothing, as if the customer of the source id were created by another request right after it
    winner = customer(stack, source_id="race-1", name="First")
    real = events_store.read_items
    monkeypatch.setattr(events_store, "read_items", lambda db, keys: {k: v for k, v in real(db, keys).items() if "CUSTSRC" not in k.pk})

    # When the event is tracked, the write that would create the customer is refused on its source-id claim
    status, answer = track(stack, {"event": "raced", "customer": {"source_id": "race-1", "name": "Second"}})

    # Then the event names the customer that won, updated, and no second customer exists
    assert status == 200, answer
    assert answer["customer"]["id"] == winner["id"] and answer["customer"]["name"] == "Second"
    assert len([i for i in stack.items() if i["SK"]["S"] == "CUSTOMER"]) == 1
    (item,) = event_items(stack)
    stored = events_store.get_event(stack.db(), item["PK"]["S"].rsplit("#", 1)[1])
    assert stored is not None and stored["customer_id"] == winner["id"]


def test_a_lost_send_is_sent_again_by_the_sweeper(stack: Stack) -> None:
    track(stack, {"event": "review_written", "customer": {"source_id": "alice-1"}})
    (first,) = messages(stack)  # the send happened, then the message was lost

    found = sweep_pending_jobs(older_than_seconds=0)

    assert (found["found"], found["sent"]) == (1, 1)
    (again,) = messages(stack)
    assert parse_job(again) == parse_job(first).resent(2, retire=False)


def test_finish_event_job_removes_the_marker_only_for_the_job_it_holds(stack: Stack) -> None:
    track(stack, {"event": "review_written", "customer": {"source_id": "alice-1"}})
    (item,) = event_items(stack)
    event_id, job = item["PK"]["S"].rsplit("#", 1)[1], item["job"]["S"]
    db = stack.db()

    stale = db.transaction()
    events_store.finish_event_job(stale, db, event_id, parse_job(job).resent(2, retire=False).to_json())
    with pytest.raises(TransactionConflict) as refused:
        stale.commit()
    assert refused.value.failed("job")

    tx = db.transaction()
    events_store.finish_event_job(tx, db, event_id, job)
    tx.commit()
    (item,) = event_items(stack)
    assert not {"JOBPK", "JOBSK", "job"} & set(item)
    assert events_store.get_event(db, event_id) is not None
    assert sweep_pending_jobs(older_than_seconds=0)["found"] == 0


# ---------------------------------------------------------------------------------------------- metadata schemas
def test_the_schemas_are_listed_and_read_by_their_event_name(stack: Stack) -> None:
    # Given two schemas made by the operator
    review = create_event_schema(stack.db(), "review_written", {"rating": "number", "tags": {"type": "string", "array": True},
                                                                "order_id": {"type": "string", "optional": False, "minLength": 3}})
    placed = create_event_schema(stack.db(), "order placed")

    # When they are listed, both come back in creation order, in the spec's list shape (parsed by the SDK)
    status, listed = stack.call("list_metadata_schemas", "GET", "/v1/metadata-schemas")
    assert status == 200, listed
    assert listed == {"object": "list", "data_ref": "schemas", "schemas": [review, placed], "total": 2}
    assert MetadataSchemasListResponseBody.from_dict(listed) is not None
    assert review["id"].startswith("ms_") and review["related_object"] == "review_written"
    assert review["properties"] == {
        "rating": {"type": "number", "array": False, "optional": True, "objectType": None},
        "tags": {"type": "string", "array": True, "optional": True, "objectType": None},
        "order_id": {"type": "string", "array": False, "optional": False, "objectType": None, "minLength": 3},
    }
    assert (review["allow_defined_only"], review["updated_at"], review["object"]) == (False, None, "metadata_schema")

    # And each is read by its name (the resource), URL-encoded or not
    assert stack.call("get_metadata_schema", "GET", "/v1/metadata-schemas/review_written") == (200, review)
    assert stack.call("get_metadata_schema", "GET", "/v1/metadata-schemas/order%20placed") == (200, placed)


def test_an_unknown_resource_is_404_as_the_spec_words_it(stack: Stack) -> None:
    create_event_schema(stack.db(), "review_written")
    for resource in ("earning_rules", "customer", "REVIEW_WRITTEN", "x" * 400):
        status, answer = stack.call("get_metadata_schema", "GET", f"/v1/metadata-schemas/{resource}")
        assert_error(status, answer, 404, "not_found")
        assert (answer["resource_type"], answer["resource_id"]) == ("metadata schema", resource)
        assert answer["details"] == f"Cannot find metadata schema with id {resource}"
    assert stack.call("list_metadata_schemas", "GET", "/v1/metadata-schemas", headers=stack.other_headers) == (
        200, {"object": "list", "data_ref": "schemas", "schemas": [], "total": 0})


def test_create_event_schema_refuses_a_taken_or_standard_name_and_bad_properties(stack: Stack) -> None:
    db = stack.db()
    first = create_event_schema(db, "review_written")
    with pytest.raises(LoyaltyError) as taken:
        create_event_schema(db, "review_written")
    assert (taken.value.status, taken.value.key, taken.value.resource_id) == (409, "duplicate_found", first["id"])
    assert create_event_schema(db, "review_written", {"other": "string"}, exist_ok=True) == first
    for name, properties in (("customer", None), ("", None), ("x" * 301, None), ("ok", {"p": "money"}), ("ok", {"p": {"type": "string", "x": 1}}),
                             ("ok", {"": "string"})):
        with pytest.raises(LoyaltyError) as refused:
            create_event_schema(db, name, properties)
        assert (refused.value.status, refused.value.key) == (400, "invalid_payload"), name
    assert len([i for i in stack.items() if i["SK"]["S"] == "SCHEMA"]) == 1


# ---------------------------------------------------------------------------------------------- components that name schemas
def _cdef(stack: Stack, **fields: Any) -> tuple[int, Any]:
    return stack.call("create_card_definition", "POST", f"{V2}/card-definitions", {"name": "Wallet", "type": "INDIVIDUAL", **fields})


def _rule(stack: Stack, cdef: str, schema_id: str) -> tuple[int, Any]:
    return stack.call("create_earning_rule", "POST", f"{V2}/earning-rules", {
        "name": "Review", "trigger": {"event": "customer.custom_event", "custom_event": {"schema_id": schema_id}},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 50, "card_definition_id": cdef}}]}]})


def _components(stack: Stack) -> int:
    return len([i for i in stack.items() if i["SK"]["S"] in ("CDEF", "ERULE")])


def test_an_earning_rule_must_name_an_existing_event_schema(stack: Stack) -> None:
    status, cdef = _cdef(stack)
    assert status == 200, cdef
    review = create_event_schema(stack.db(), "review_written")
    other_project = create_event_schema(stack.db("globex"), "survey_done")

    for unknown in ("ms_0000000000000000", "ms_REVIEW", other_project["id"]):
        status, answer = _rule(stack, cdef["id"], unknown)
        assert_error(status, answer, 404, "not_found")
        assert (answer["resource_type"], answer["resource_id"]) == ("metadata schema", unknown)
    assert _components(stack) == 1

    status, rule = _rule(stack, cdef["id"], review["id"])
    assert status == 200, rule
    assert rule["trigger"]["custom_event"] == {"schema_id": review["id"]}


def test_a_card_definition_must_name_existing_event_schemas(stack: Stack) -> None:
    review = create_event_schema(stack.db(), "review_written")
    pending = {"type": "EVENT_BASED", "event_based": {"event_types": [review["id"], "ms_0bad"], "cancel_period": {"unit": "DAY", "value": 30}}}

    status, answer = _cdef(stack, pending_points=pending)
    assert_error(status, answer, 404, "not_found")
    assert (answer["resource_type"], answer["resource_id"]) == ("metadata schema", "ms_0bad")
    assert _components(stack) == 0

    pending["event_based"]["event_types"] = [review["id"]]
    status, cdef = _cdef(stack, pending_points=pending)
    assert status == 200, cdef

    # An update that names an unknown schema is refused; the stored card definition is unchanged
    changed = {"type": "EVENT_BASED", "event_based": {"event_types": ["ms_0new"], "cancel_period": {"unit": "DAY", "value": 30}}}
    status, answer = stack.call("update_card_definition", "PUT", f"{V2}/card-definitions/{cdef['id']}", {"pending_points": changed})
    assert_error(status, answer, 404, "not_found")
    assert stack.call("get_card_definition", "GET", f"{V2}/card-definitions/{cdef['id']}")[1] == cdef


def test_sliding_expiration_is_refused_rather_than_stored_and_ignored(stack: Stack) -> None:
    survey = create_event_schema(stack.db(), "survey_done")
    sliding = {"type": "SLIDING_EXPIRATION", "sliding_expiration": {
        "custom_activity": True, "custom_activity_types": [survey["id"]], "period": {"unit": "MONTH", "value": 6}}}
    status, answer = _cdef(stack, points_expiration=sliding)
    assert_error(status, answer, 400, "invalid_payload")
    assert "SLIDING_EXPIRATION is not supported" in answer["details"]
    status, cdef = _cdef(stack)
    assert status == 200, cdef
    status, answer = stack.call("update_card_definition", "PUT", f"{V2}/card-definitions/{cdef['id']}", {"points_expiration": sliding})
    assert_error(status, answer, 400, "invalid_payload")
    status, answer = stack.call("create_earning_rule", "POST", f"{V2}/earning-rules", {
        "name": "Sliding", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef["id"],
                                                                "points_expiration": sliding}}]}]})
    assert_error(status, answer, 400, "invalid_payload")
    assert "earnings[0].effects[0].points.points_expiration" in answer["details"]
    assert _components(stack) == 1


def test_a_component_stored_with_an_unknown_schema_can_still_be_renamed(stack: Stack) -> None:
    # Given a card definition that names a schema which does not exist (stored before schemas were checked)
    review = create_event_schema(stack.db(), "review_written")
    pending = {"type": "EVENT_BASED", "event_based": {"event_types": [review["id"]], "cancel_period": {"unit": "DAY", "value": 30}}}
    status, cdef = _cdef(stack, pending_points=pending)
    assert status == 200, cdef
    stack.ddb.update_item(TableName="loyalty-test", Key={"PK": {"S": f"acme#CDEF#{cdef['id']}"}, "SK": {"S": "CDEF"}},
                          UpdateExpression="SET #d.pending_points.event_based.event_types = :t",
                          ExpressionAttributeNames={"#d": "data"}, ExpressionAttributeValues={":t": {"L": [{"S": "ms_legacy"}]}})

    # Then a rename (which names no new schema) is not refused for it
    status, renamed = stack.call("update_card_definition", "PUT", f"{V2}/card-definitions/{cdef['id']}", {"name": "Renamed"})
    assert status == 200, renamed
    assert renamed["name"] == "Renamed" and renamed["pending_points"]["event_based"]["event_types"] == ["ms_legacy"]
