"""The orders API on moto: create and upsert by id / source id, update, get by id or source id, list by page; the customer
and referrer upserted; the first entry into PAID stores (and sends) one EvaluateEarning job, the first cancel of a paid order
one RevokeOrderEarning job, and nothing else ever does (earning-map §1.1, §12, E19)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from voucherify import ApiClient, Configuration, OrdersApi
from voucherify.models import (
    Customer,
    OrderItem,
    OrdersCreateRequestBody,
    OrdersCreateResponseBody,
    OrdersGetResponseBody,
    OrdersListResponseBody,
    OrdersUpdateRequestBody,
    OrdersUpdateResponseBody,
)

from loyalty.core import ids
from loyalty.core.settings import get_settings
from loyalty.customers import store as customers_store
from loyalty.db.keys import GSI1
from loyalty.db.transact import TransactionConflict
from loyalty.jobs.models import EvaluateEarning, RevokeOrderEarning, parse_job
from loyalty.orders import store as orders_store
from loyalty.orders.models import OrderCreate
from loyalty.orders.views import order_view
from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_v1_sdk import _Gateway
from tests.unit.test_order_models import CREATE_ORDER_EXAMPLES

PAID = {"source_id": "o-1", "status": "PAID", "amount": 3500, "customer": {"source_id": "c-1", "name": "Alice"},
        "items": [{"product_id": "prod_0a1b", "quantity": 1, "price": 3500}]}


def post(stack: Stack, body: Any, **kw: Any) -> tuple[int, Any]:
    return stack.call("create_order", "POST", "/v1/orders", body, **kw)


def put(stack: Stack, ref: str, body: Any, **kw: Any) -> tuple[int, Any]:
    return stack.call("update_order", "PUT", f"/v1/orders/{quote(ref, safe='')}", body, **kw)


def get(stack: Stack, ref: str, **kw: Any) -> tuple[int, Any]:
    return stack.call("get_order", "GET", f"/v1/orders/{quote(ref, safe='')}", **kw)


def listed(stack: Stack, **query: str) -> tuple[int, Any]:
    return stack.call("list_orders", "GET", "/v1/orders", query=query)


def ok(resp: tuple[int, Any]) -> Any:
    status, body = resp
    assert status == 200, body
    return body


def sent_jobs(stack: Stack) -> list[dict[str, Any]]:
    """The job messages on the queue (received and deleted)."""
    bodies: list[dict[str, Any]] = []
    while True:
        messages = stack.sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        for m in messages:
            bodies.append(json.loads(m["Body"]))
            stack.sqs.delete_message(QueueUrl=stack.queue_url, ReceiptHandle=m["ReceiptHandle"])


def order_item(stack: Stack, order_id: str) -> dict[str, Any]:
    """The order's raw item (its data, version, earning marks and pending-job marker)."""
    db = stack.db()
    item = db.get(db.keys.order(order_id))
    assert item is not None
    return item


def project_items(stack: Stack, project: str = "acme") -> list[dict[str, Any]]:
    return [i for i in stack.items() if i["PK"]["S"].startswith(f"{project}#") and "#APIKEY" not in i["PK"]["S"]
            and "#RATE" not in i["PK"]["S"]]


# ---------------------------------------------------------------------------------------------- create and the first PAID
def test_a_new_paid_order_is_stored_with_its_customer_and_one_earning_job(stack: Stack) -> None:
    # When a PAID order of a new customer is posted
    order = ok(post(stack, PAID))

    # Then it answers ord:OrdersCreateResponseBody with the computed amounts
    assert order["id"].startswith("ord_") and ids.ORDER.matches(order["id"])
    assert (order["object"], order["source_id"], order["status"]) == ("order", "o-1", "PAID")
    assert (order["amount"], order["discount_amount"], order["items_discount_amount"], order["total_discount_amount"],
            order["total_amount"]) == (3500, 0, 0, 0, 3500)
    assert order["items"] == [{"object": "order_item", "product_id": "prod_0a1b", "quantity": 1, "price": 3500, "amount": 3500,
                               "subtotal_amount": 3500}]
    assert order["customer"] == {"id": order["customer_id"], "object": "customer"} and order["customer_id"].startswith("cust_")
    assert order["referrer_id"] is None and "referrer" not in order
    assert order["metadata"] == {} and order["created_at"].endswith("Z") and order["updated_at"] is None
    # And the customer was created from the order's customer object
    customer = customers_store.get_customer(stack.db(), order["customer_id"])
    assert customer is not None and (customer["source_id"], customer["name"]) == ("c-1", "Alice")
    # And the order item holds paid_at and the EvaluateEarning marker; the same job was sent once
    item = order_item(stack, order["id"])
    job = EvaluateEarning(project_id="acme", source="order", source_id=order["id"])
    assert item["paid_at"] == order["created_at"] and "canceled_at" not in item and item["version"] == 1
    assert item["job"] == job.to_json() and item["JOBPK"] == "acme#PENDING"
    assert sent_jobs(stack) == [json.loads(job.to_json())]
    # And get_order (what the earning worker reads) gives the stored record with its marks
    record = orders_store.get_order(stack.db(), order["id"])
    assert record is not None and record["paid_at"] == item["paid_at"] and record["customer_id"] == order["customer_id"]
    assert record["items"] == [{"product_id": "prod_0a1b", "quantity": 1, "price": 3500, "amount": 3500}]


def test_a_resent_paid_order_is_the_same_order_and_stores_and_sends_no_second_job(stack: Stack) -> None:
    first = ok(post(stack, PAID))
    item = order_item(stack, first["id"])
    sent_jobs(stack)

    # When the same PAID order is sent again (twice)
    again = ok(post(stack, PAID))
    third = ok(post(stack, {**PAID, "metadata": {"resent": True}}))

    # Then it is the same order; the first resend wrote nothing, the second changed metadata only; no job either time
    assert again == first
    assert third["id"] == first["id"] and third["metadata"] == {"resent": True} and third["updated_at"] is not None
    after = order_item(stack, first["id"])
    assert (after["paid_at"], after["job"], after["JOBSK"]) == (item["paid_at"], item["job"], item["JOBSK"])
    assert after["version"] == 2
    assert sent_jobs(stack) == []
    assert len([i for i in project_items(stack) if i["SK"]["S"] == "ORDER"]) == 1


def test_orders_that_are_not_paid_store_no_job(stack: Stack) -> None:
    for status in ("CREATED", "FULFILLED", "CANCELED"):
        order = ok(post(stack, {"source_id": f"o-{status}", "status": status, "amount": 100}))
        item = order_item(stack, order["id"])
        assert "paid_at" not in item and "job" not in item and "canceled_at" not in item
    assert ok(post(stack, {}))["status"] == "CREATED"  # an empty order is a CREATED order without customer
    assert sent_jobs(stack) == []


# ---------------------------------------------------------------------------------------------- status transitions
def test_status_transitions_earn_once_and_revoke_once(stack: Stack) -> None:
    # Given a CREATED order
    order = ok(post(stack, {"source_id": "t-1", "status": "CREATED", "amount": 1000, "customer": {"source_id": "c-t"}}))

    # When it is paid through PUT (by source id): one EvaluateEarning
    ok(put(stack, "t-1", {"status": "PAID"}))
    paid = order_item(stack, order["id"])
    assert paid["job"] == EvaluateEarning(project_id="acme", source="order", source_id=order["id"]).to_json()
    # When it is paid again, and then canceled: one RevokeOrderEarning replaces the marker
    ok(put(stack, order["id"], {"status": "PAID"}))
    ok(put(stack, order["id"], {"status": "CANCELED"}))
    canceled = order_item(stack, order["id"])
    assert canceled["job"] == RevokeOrderEarning(project_id="acme", order_id=order["id"]).to_json()
    assert canceled["paid_at"] == paid["paid_at"] and canceled["canceled_at"] >= paid["paid_at"]
    # When it is paid again after the cancel, canceled again, and upserted PAID by POST: nothing more
    ok(put(stack, order["id"], {"status": "PAID"}))
    ok(put(stack, order["id"], {"status": "CANCELED"}))
    ok(post(stack, {"source_id": "t-1", "status": "PAID"}))
    last = order_item(stack, order["id"])
    assert (last["paid_at"], last["canceled_at"], last["job"]) == (paid["paid_at"], canceled["canceled_at"], canceled["job"])
    # Then exactly two jobs were sent: earn, then revoke
    assert [parse_job(json.dumps(j)).type for j in sent_jobs(stack)] == ["evaluate_earning", "revoke_order_earning"]


def test_an_order_canceled_before_it_was_ever_paid_earns_when_first_paid(stack: Stack) -> None:
    order = ok(post(stack, {"source_id": "c-first", "status": "CANCELED"}))
    assert "canceled_at" not in order_item(stack, order["id"])  # nothing had been earned: nothing to revoke
    ok(put(stack, "c-first", {"status": "PAID"}))
    assert [j["type"] for j in sent_jobs(stack)] == ["evaluate_earning"]


def test_a_failed_send_leaves_the_job_to_the_sweeper(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a queue that cannot be reached
    monkeypatch.setenv("QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/000000000000/no-such-queue")
    get_settings.cache_clear()
    # When a PAID order is posted, it is still stored and answered, its job waiting in the PendingJobs index
    order = ok(post(stack, PAID))
    get_settings.cache_clear()
    pending = support.scan_pending_jobs(stack.ddb, support.TABLE, 2**42)
    assert pending == [{"type": "evaluate_earning", "project_id": "acme", "source": "order", "source_id": order["id"]}]


# ---------------------------------------------------------------------------------------------- upsert and update
def test_upsert_by_source_id_or_id_changes_only_what_is_sent(stack: Stack) -> None:
    order = ok(post(stack, {**PAID, "status": "CREATED", "metadata": {"a": 1}, "discount_amount": 500}))

    by_source = ok(post(stack, {"source_id": "o-1", "metadata": {"b": 2}}))
    by_id = ok(post(stack, {"id": order["id"], "initial_amount": 4000}))

    assert by_source["id"] == by_id["id"] == order["id"]
    assert by_id["metadata"] == {"b": 2} and by_id["initial_amount"] == 4000 and by_id["discount_amount"] == 500
    assert by_id["items"] == order["items"] and by_id["customer_id"] == order["customer_id"] and by_id["status"] == "CREATED"
    assert by_id["total_amount"] == 3000 and by_id["created_at"] == order["created_at"] and by_id["updated_at"] >= order["created_at"]
    assert ok(get(stack, order["id"])) == by_id


def test_post_with_an_unknown_id_is_404_and_a_source_id_cannot_change(stack: Stack) -> None:
    order = ok(post(stack, PAID))
    status, body = post(stack, {"id": "ord_0000000000000000000000", "amount": 1})
    assert (status, body["key"], body["resource_type"], body["resource_id"]) == (404, "not_found", "order", "ord_0000000000000000000000")
    status, body = post(stack, {"id": order["id"], "source_id": "other"})
    assert (status, body["key"]) == (400, "invalid_payload") and "source_id cannot be changed" in body["details"]
    status, body = put(stack, order["id"], {"source_id": "other"})
    assert (status, body["key"]) == (400, "invalid_payload")
    assert ok(put(stack, order["id"], {"source_id": "o-1", "amount": 10}))["amount"] == 10  # the same source id is fine


def test_put_by_id_or_source_id_leaves_the_rest_unchanged(stack: Stack) -> None:
    order = ok(post(stack, {**PAID, "metadata": {"k": "v"}}))
    updated = ok(put(stack, "o-1", {"items": [{"sku_id": "sku_01", "quantity": 2, "price": 700, "discount_amount": 100}]}))
    assert updated["items"] == [{"object": "order_item", "sku_id": "sku_01", "quantity": 2, "price": 700, "amount": 1400,
                                 "discount_amount": 100, "subtotal_amount": 1300}]
    assert (updated["amount"], updated["items_discount_amount"], updated["total_amount"]) == (3500, 100, 3400)
    assert updated["metadata"] == {"k": "v"} and updated["status"] == "PAID" and updated["customer_id"] == order["customer_id"]
    status, body = put(stack, "no-such-order", {"status": "PAID"})
    assert (status, body["key"], body["resource_type"], body["resource_id"]) == (404, "not_found", "order", "no-such-order")


def test_amounts_are_computed_as_voucherify_does_for_the_spec_example() -> None:
    """`ord:POST /v1/orders` Example 2: prices from the SKU, else the product; amount = Σ items; total = amount - discounts."""
    body = OrderCreate.model_validate(CREATE_ORDER_EXAMPLES[1])
    view = order_view({"id": "ord_01", "status": "FULFILLED", "created_at": "2022-09-09T09:20:01.660Z", "customer_id": "cust_01",
                       **body.changes()})  # type: ignore[typeddict-item]
    assert (view["amount"], view["total_amount"]) == (121700, 121700)
    assert [(i["price"], i["amount"], i["subtotal_amount"]) for i in view["items"]] == [(60000, 120000, 120000), (1700, 1700, 1700)]


# ---------------------------------------------------------------------------------------------- customers and referrers
def test_the_order_customer_is_upserted_as_voucherify_does(stack: Stack) -> None:
    # Given an existing customer
    existing = ok(stack.call("create_customer", "POST", "/v1/customers", {"source_id": "known", "name": "Old"}))
    # When orders name it by source id with new fields, by id, and name a new one
    first = ok(post(stack, {"source_id": "u-1", "customer": {"source_id": "known", "name": "New", "metadata": {"vip": True}}}))
    second = ok(post(stack, {"source_id": "u-2", "customer": {"id": existing["id"]}}))
    # Then the known customer is updated in place, and an unknown id is 404 with nothing stored
    assert first["customer_id"] == second["customer_id"] == existing["id"]
    stored = customers_store.get_customer(stack.db(), existing["id"])
    assert stored is not None and (stored["name"], stored["metadata"]) == ("New", {"vip": True}) and stored["updated_at"]
    before = project_items(stack)
    for ref in ({"id": "cust_doesnotexist00"}, {"id": "not-a-customer-id"}):
        status, body = post(stack, {"source_id": "u-3", "status": "PAID", "customer": ref})
        assert (status, body["key"], body["resource_type"]) == (404, "not_found", "customer"), body
    assert project_items(stack) == before
    # An id beside another source id names the customer by its id; the source id is ignored (the spec's Customer)
    third = ok(post(stack, {"source_id": "u-3", "customer": {"id": existing["id"], "source_id": "someone-else"}}))
    assert third["customer_id"] == existing["id"]
    assert customers_store.get_customer_id_by_source_id(stack.db(), "someone-else") is None


def test_an_order_without_customer_is_stored_with_none(stack: Stack) -> None:
    order = ok(post(stack, {"source_id": "anon", "status": "PAID", "amount": 10}))
    assert order["customer_id"] is None and "customer" not in order
    assert orders_store.get_order(stack.db(), order["id"])["customer_id"] is None  # type: ignore[index]


def test_referrer_by_id_or_object_and_the_customer_as_its_own_referrer(stack: Stack) -> None:
    ref = ok(stack.call("create_customer", "POST", "/v1/customers", {"source_id": "ref-1"}))
    by_id = ok(post(stack, {"source_id": "r-1", "customer": {"source_id": "buyer"}, "referrer_id": ref["id"]}))
    by_object = ok(post(stack, {"source_id": "r-2", "customer": {"source_id": "buyer"}, "referrer": {"source_id": "ref-2", "name": "R"}}))
    same = ok(post(stack, {"source_id": "r-3", "customer": {"source_id": "self", "name": "S"},
                           "referrer": {"source_id": "self", "email": "s@example.com"}}))
    assert by_id["referrer"] == {"id": ref["id"], "object": "customer"} and by_id["referrer_id"] == ref["id"]
    new_referrer = customers_store.get_customer(stack.db(), by_object["referrer_id"])
    assert new_referrer is not None and (new_referrer["source_id"], new_referrer["name"]) == ("ref-2", "R")
    assert same["customer_id"] == same["referrer_id"]
    myself = customers_store.get_customer(stack.db(), same["customer_id"])
    assert myself is not None and (myself["name"], myself["email"], myself["updated_at"]) == ("S", "s@example.com", None)
    status, body = post(stack, {"referrer_id": "cust_doesnotexist00"})
    assert (status, body["resource_type"]) == (404, "customer")
    status, body = post(stack, {"referrer_id": ref["id"], "referrer": {"id": by_id["customer_id"]}})
    assert (status, body["key"]) == (400, "invalid_payload")


# ---------------------------------------------------------------------------------------------- reads
def test_get_by_id_or_source_id_and_404(stack: Stack) -> None:
    order = ok(post(stack, {**PAID, "source_id": "weird id/ü"}))
    assert ok(get(stack, order["id"])) == order
    assert ok(get(stack, "weird id/ü")) == order
    for ref in ("ord_0000000000000000000000", "nothing-here", "x" * 300):
        status, body = get(stack, ref)
        assert (status, body["key"], body["resource_type"]) == (404, "not_found", "order"), body
        assert body["details"].startswith("Cannot find order with id")


def test_list_pages_orders_and_totals(stack: Stack) -> None:
    made = [ok(post(stack, {"source_id": f"l-{i}", "amount": i, "created_at": f"2026-01-0{i}T00:00:00Z"})) for i in range(1, 6)]
    ok(put(stack, "l-2", {"amount": 20}))  # the most recently updated

    first = ok(listed(stack, limit="2"))
    assert (first["object"], first["data_ref"], first["total"]) == ("list", "orders", 5)
    assert [o["source_id"] for o in first["orders"]] == ["l-5", "l-4"]  # newest first by default
    assert [o["source_id"] for o in ok(listed(stack, limit="2", page="3"))["orders"]] == ["l-1"]
    assert [o["source_id"] for o in ok(listed(stack, order="created_at"))["orders"]] == [f"l-{i}" for i in range(1, 6)]
    assert ok(listed(stack, order="-updated_at", limit="1"))["orders"][0]["source_id"] == "l-2"
    assert ok(listed(stack, page="4", limit="2")) == {"object": "list", "data_ref": "orders", "orders": [], "total": 5}
    assert ok(listed(stack))["orders"][0] == ok(get(stack, made[-1]["id"]))
    for bad in ({"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"page": "0"}, {"page": "101"}, {"order": "amount"}):
        status, body = listed(stack, **bad)
        assert (status, body["key"]) == (400, "invalid_query_params"), (bad, body)


def test_a_list_page_past_the_first_counts_with_one_query(stack: Stack) -> None:
    for i in range(3):
        ok(post(stack, {"source_id": f"n-{i}"}))
    db = stack.db()
    page, total = orders_store.list_orders(db, page=1, limit=1, field="created_at", descending=True)
    assert len(page) == 1 and total == 3 == db.count(db.keys.collection(db.keys.ORDERS), index=GSI1)


def test_the_job_marker_is_removed_only_with_the_job_it_holds(stack: Stack) -> None:
    order = ok(post(stack, PAID))
    db = stack.db()
    job = EvaluateEarning(project_id="acme", source="order", source_id=order["id"]).to_json()
    tx = db.transaction()
    orders_store.add_order_job_done(tx, db, order["id"], RevokeOrderEarning(project_id="acme", order_id=order["id"]).to_json())
    with pytest.raises(TransactionConflict) as refused:
        tx.commit()
    assert refused.value.failed("job")
    tx = db.transaction()
    orders_store.add_order_job_done(tx, db, order["id"], job)
    tx.commit()
    item = order_item(stack, order["id"])
    assert "job" not in item and "JOBPK" not in item and item["paid_at"]


# ---------------------------------------------------------------------------------------------- the official SDK
def test_the_official_sdk_creates_reads_updates_and_lists_orders(stack: Stack) -> None:
    keys = stack.headers
    client = ApiClient(Configuration(host="https://api.example.test",
                                     api_key={"X-App-Id": keys["X-App-Id"], "X-App-Token": keys["X-App-Token"]}))
    gateway = _Gateway(stack)
    client.rest_client = gateway  # type: ignore[assignment]
    api = OrdersApi(client)

    created = api.create_order(OrdersCreateRequestBody(
        source_id="sdk-1", status="PAID", amount=20000, customer=Customer(source_id="sdk-customer"),
        items=[OrderItem(quantity=1, price=20000, source_id="sample product1", related_object="product")]))
    assert isinstance(created, OrdersCreateResponseBody) and created.id is not None and created.total_amount == 20000
    got = api.get_order("sdk-1")
    assert isinstance(got, OrdersGetResponseBody) and got.id == created.id
    updated = api.update_order(created.id, OrdersUpdateRequestBody(status="CANCELED"))
    assert isinstance(updated, OrdersUpdateResponseBody) and updated.status == "CANCELED"
    page = api.list_orders(limit=10, page=1, order="-created_at")
    assert isinstance(page, OrdersListResponseBody) and page.total == 1 and page.orders[0].id == created.id
    assert [name for _, _, name in gateway.calls] == ["create_order", "get_order", "update_order", "list_orders"]
