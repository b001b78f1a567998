"""Customers updated asynchronously on moto: bulk upserts by source id, metadata merged into many customers and the CSV
import answer 202 `{async_action_id}`, the worker applies them, the async action reports each source id; bad input is
refused whole (nothing stored, nothing enqueued) and a redelivered job applies nothing twice."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from loyalty.jobs.models import UpdateCustomersBatch
from loyalty.jobs.worker import run_job
from loyalty.v1 import customer_batch
from tests import support
from tests.integration.conftest import Stack, error_of
from tests.integration.test_v2_members_batch import action_of, take_jobs

BOUNDARY = "----LoyaltyTestBoundary"
MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


def customer(stack: Stack, ref: str, headers: dict[str, str] | None = None) -> Any:
    status, body = stack.call("get_customer", "GET", f"/v1/customers/{ref}", headers=headers)
    return body if status == 200 else None


def accepted(status: int, body: Any) -> str:
    assert status == 202 and set(body) == {"async_action_id"} and body["async_action_id"].startswith("aa_"), body
    return str(body["async_action_id"])


def bulk(stack: Stack, entries: Any, **kw: Any) -> tuple[int, Any]:
    return stack.call("update_customers_in_bulk", "POST", "/v1/customers/bulk/async", entries, **kw)


def metadata(stack: Stack, body: Any, **kw: Any) -> tuple[int, Any]:
    return stack.call("update_customers_metadata_in_bulk", "POST", "/v1/customers/metadata/async", body, **kw)


def form(csv_text: str, name: str = "file") -> str:
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="customers.csv"\r\n'
            f'Content-Type: text/csv\r\n\r\n{csv_text}\r\n--{BOUNDARY}--\r\n')


def import_csv(stack: Stack, csv_text: str, *, name: str = "file", headers: dict[str, str] | None = None) -> tuple[int, Any]:
    return stack.call("import_customers_using_csv", "POST", "/v1/customers/importCSV",
                      headers={**(headers or stack.headers), **MULTIPART}, raw_body=form(csv_text, name))


def test_bulk_upserts_by_source_id_and_the_action_reports_each(stack: Stack) -> None:
    stack.call("create_customer", "POST", "/v1/customers", {"source_id": "alice", "name": "Alice", "phone": "1"})
    action_id = accepted(*bulk(stack, [
        {"source_id": "alice", "name": "Alice B.", "address": {"city": "Paris"}, "metadata": {"lang": "fr"}},
        {"source_id": "bob", "email": "bob@example.com", "birthdate": "2000-02-02"}]))
    assert action_of(stack, action_id)["status"] == "ENQUEUED" and customer(stack, "bob") is None
    stack.drain()
    action = action_of(stack, action_id)
    assert (action["type"], action["status"], action["progress"]) == ("CUSTOMERS_BULK_UPDATE", "DONE", 100)
    assert action["result"]["results"] == [
        {"source_id": "alice", "status": "UPDATED", "found": True, "updated": True},
        {"source_id": "bob", "status": "CREATED", "found": True, "updated": True}]
    alice, bob = customer(stack, "alice"), customer(stack, "bob")
    assert (alice["name"], alice["phone"], alice["address"]["city"], alice["metadata"]) == ("Alice B.", "1", "Paris", {"lang": "fr"})
    assert (bob["email"], bob["birthdate"], bob["source_id"]) == ("bob@example.com", "2000-02-02", "bob")


def test_metadata_merges_into_existing_customers_and_reports_the_unknown(stack: Stack) -> None:
    stack.call("create_customer", "POST", "/v1/customers", {"source_id": "alice", "metadata": {"lang": "en", "vip": True}})
    action_id = accepted(*metadata(stack, {"source_ids": ["alice", "nobody"], "metadata": {"lang": "fr", "n": 1}}))
    stack.drain()
    result = action_of(stack, action_id)["result"]
    assert (result["done_count"], result["failed_count"]) == (1, 1)
    assert result["results"][1] == {"source_id": "nobody", "status": "NOT_FOUND", "found": False, "updated": False}
    assert customer(stack, "alice")["metadata"] == {"lang": "fr", "vip": True, "n": 1}
    assert customer(stack, "nobody") is None


def test_a_redelivered_job_applies_once(stack: Stack) -> None:
    stack.call("create_customer", "POST", "/v1/customers", {"source_id": "alice", "metadata": {"a": 1}})
    action_id = accepted(*metadata(stack, {"source_ids": ["alice"], "metadata": {"b": 2}}))
    [job] = take_jobs(stack)
    # a first delivery that applied the chunk but died before recording it
    db = stack.db()
    assert customer_batch.apply_entry(db, {"source_id": "alice", "merge_metadata": {"b": 2}}, create=False) == "UPDATED"
    changed = customer(stack, "alice")
    assert run_job(job) == "DONE"
    assert customer(stack, "alice") == changed  # applied once: no second write (updated_at kept)
    assert action_of(stack, action_id)["result"]["results"][0]["status"] == "UNCHANGED"
    assert run_job(job) == "ALREADY_DONE"
    # a bulk creation delivered twice creates one customer
    action_id = accepted(*bulk(stack, [{"source_id": "dave", "name": "Dave"}]))
    [job] = take_jobs(stack)
    assert run_job(job) == "DONE" and run_job(job) == "ALREADY_DONE"
    _, listed = stack.call("list_customers", "GET", "/v1/customers", query={"limit": "100"})
    assert [c["source_id"] for c in listed["customers"]].count("dave") == 1


def test_a_large_bulk_goes_chunk_by_chunk(stack: Stack) -> None:
    entries = [{"source_id": f"c-{i}", "name": f"C {i}"} for i in range(customer_batch.CHUNK + 5)]
    action_id = accepted(*bulk(stack, entries))
    stack.drain()
    action = action_of(stack, action_id)
    assert action["status"] == "DONE" and action["result"]["done_count"] == len(entries)
    assert customer(stack, f"c-{customer_batch.CHUNK + 4}")["name"] == f"C {customer_batch.CHUNK + 4}"


def test_csv_import_upserts_the_rows(stack: Stack) -> None:
    stack.call("create_customer", "POST", "/v1/customers", {"source_id": "alice", "metadata": {"keep": "yes"}})
    csv_text = ("source_id,name,email,address_city,metadata.lang\r\n"
                "alice,Alice,alice@example.com,Paris,fr\r\n"
                '"bob","Bob, Jr.",,Berlin,\r\n')
    action_id = accepted(*import_csv(stack, csv_text))
    stack.drain()
    action = action_of(stack, action_id)
    assert (action["type"], action["status"], action["result"]["done_count"]) == ("CUSTOMERS_IMPORT_CSV", "DONE", 2)
    alice, bob = customer(stack, "alice"), customer(stack, "bob")
    assert (alice["email"], alice["address"]["city"], alice["metadata"]) == ("alice@example.com", "Paris", {"keep": "yes", "lang": "fr"})
    assert (bob["name"], bob.get("email"), bob["address"]["city"]) == ("Bob, Jr.", None, "Berlin")


def test_csv_import_reads_a_base64_body_as_api_gateway_sends_it(stack: Stack) -> None:
    event = support.http_event("POST", "/v1/customers/importCSV", headers={**stack.headers, **MULTIPART},
                               raw_body=base64.b64encode(form("source_id,name\nzoe,Zoë\n").encode()).decode())
    event["isBase64Encoded"] = True
    result = support.invoke("import_customers_using_csv", event)
    assert result["statusCode"] == 202, result
    stack.drain()
    assert customer(stack, "zoe")["name"] == "Zoë"


@pytest.mark.parametrize("entries", [
    [], {"source_id": "x"}, [{"name": "no source id"}], [{"source_id": ""}], [{"source_id": "a", "email": 5}],
    [{"source_id": "a"}, {"source_id": "b", "nickname": "x"}], [{"source_id": "a", "birthdate": "2020-13-01"}],
    [{"source_id": "a", "metadata": "no"}], ["text"],
])
def test_bulk_refuses_bad_input_and_stores_nothing(stack: Stack, entries: Any) -> None:
    error_of(stack, 400, "invalid_payload", "update_customers_in_bulk", "POST", "/v1/customers/bulk/async", entries)
    assert take_jobs(stack) == []


@pytest.mark.parametrize("body", [
    {}, {"source_ids": [], "metadata": {}}, {"source_ids": ["a"]}, {"metadata": {"a": 1}},
    {"source_ids": ["a", "a"], "metadata": {"x": 1}}, {"source_ids": ["a"], "metadata": "x"},
    {"source_ids": "a", "metadata": {}}, {"source_ids": ["a"], "metadata": {}, "extra": 1}, [], {"source_ids": ["a"], "metadata": None},
])
def test_metadata_refuses_bad_input_and_stores_nothing(stack: Stack, body: Any) -> None:
    error_of(stack, 400, "invalid_payload", "update_customers_metadata_in_bulk", "POST", "/v1/customers/metadata/async", body)
    assert take_jobs(stack) == []


@pytest.mark.parametrize("csv_text", [
    "", "name,email\nAlice,a@example.com\n", "source_id,nickname\na,b\n", "source_id,name,name\na,b,c\n",
    "source_id,,name\na,b,c\n", "source_id,name\na,b,c\n", "source_id,email\n,a@example.com\n",
    "source_id,birthdate\na,someday\n", "source_id\n" + "x" * 300 + "\n",
])
def test_csv_import_refuses_a_bad_file_and_stores_nothing(stack: Stack, csv_text: str) -> None:
    error_of(stack, 400, "invalid_payload", "import_customers_using_csv", "POST", "/v1/customers/importCSV",
             headers={**stack.headers, **MULTIPART}, raw_body=form(csv_text))
    assert take_jobs(stack) == []


def test_csv_import_refuses_what_is_not_a_form_with_a_file(stack: Stack) -> None:
    error_of(stack, 400, "invalid_payload", "import_customers_using_csv", "POST", "/v1/customers/importCSV",
             headers={**stack.headers, **MULTIPART}, raw_body=form("source_id\na\n", name="upload"))
    error_of(stack, 415, "unsupported_media_type", "import_customers_using_csv", "POST", "/v1/customers/importCSV",
             {"source_id": "a"})
    too_big = "source_id\n" + "a\n" * (customer_batch.MAX_CSV_BYTES // 2)
    error_of(stack, 413, "request_entity_too_large", "import_customers_using_csv", "POST", "/v1/customers/importCSV",
             headers={**stack.headers, **MULTIPART}, raw_body=form(too_big))


def test_a_job_for_a_missing_action_is_dropped(stack: Stack) -> None:
    assert run_job(UpdateCustomersBatch(project_id="acme", async_action_id="aa_00000000000000000a").to_json()) == "MISSING"


def test_a_job_out_of_attempts_ends_the_action_failed_with_what_was_done(stack: Stack) -> None:
    action_id = accepted(*bulk(stack, [{"source_id": "x-1"}]))
    [job] = take_jobs(stack)
    retiring = UpdateCustomersBatch.model_validate_json(job).resent(6, retire=True).to_json()
    db = stack.db()  # the sweeper's last send: the pending marker holds the retire send
    db.update(db.keys.async_action(action_id), "SET #job = :job", names={"#job": "job"}, values={"job": retiring})
    assert run_job(retiring) == "RETIRED" and run_job(retiring) == "ALREADY_DONE"
    action = action_of(stack, action_id)
    assert (action["status"], action["operation_status"], action["result"]["not_processed_count"]) == ("FAILED", "FAILED", 1)
    assert run_job(job) == "ALREADY_DONE" and customer(stack, "x-1") is None
