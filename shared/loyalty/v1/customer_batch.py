"""Customers updated asynchronously: bulk upserts by source id, metadata merged into many customers, and a CSV import.
The request is validated whole (400 and nothing stored on any bad entry), stored as an ENQUEUED async action with its
entries in chunks (the members batch's records: members.store.create_batch), and the worker applies one chunk per step.
A redelivered step changes nothing twice: each entry is a set of field values (applying it again to a customer that
already has them writes nothing), each customer write is conditioned on the `updated_at` it was read with, and the
step's end is conditioned on the action's `next_chunk` (a second delivery of a finished step does nothing)."""

from __future__ import annotations

import csv
import io
import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, cast

from pydantic import ValidationError

from loyalty.core.errors import LoyaltyError, invalid_payload
from loyalty.customers import service as customers
from loyalty.customers import store as customers_store
from loyalty.customers.models import CustomerBulkEntry, CustomersMetadataBulk
from loyalty.customers.records import Customer
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.jobs.models import UpdateCustomersBatch
from loyalty.jobs.queue import enqueue
from loyalty.members import store as batches
from loyalty.members.batch import end_chunk_step, open_chunk_step, retire_chunked_action
from loyalty.members.records import AsyncAction
from loyalty.members.service import enqueued_async_action

BULK_TYPE = "CUSTOMERS_BULK_UPDATE"
METADATA_TYPE = "CUSTOMERS_METADATA_UPDATE"
IMPORT_TYPE = "CUSTOMERS_IMPORT_CSV"
CHUNK = 100  # entries per stored chunk and per worker step
MAX_ENTRIES = 5000  # 50 chunks: the request is stored in one transaction (at most 100 items and 4 MB)
MAX_CSV_BYTES = 6 * 1024 * 1024  # a Lambda request payload holds at most 6 MB (API Gateway's own limit is 10 MB)
MAX_LISTED = 1000  # per-customer results the async action lists one by one (all are counted)
WRITE_ATTEMPTS = 3


def _describe(error: ValidationError, where: str) -> str:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ()))
    if first.get("type") == "missing":
        return f"{where} must have required property '{field}'"
    return f"{where}: property '{field}' {first.get('msg', 'is invalid')}".replace("Value error, ", "")


def _store(db: Table, kind: str, entries: list[dict[str, Any]], request_id: str) -> tuple[dict[str, Any], int]:
    """Store an async action of `kind` with its entries and send its job: 202 `{async_action_id}`."""
    if not entries:
        raise invalid_payload("Payload must name at least one customer")
    if len(entries) > MAX_ENTRIES:
        raise invalid_payload(f"Payload must name at most {MAX_ENTRIES} customers; split larger updates")
    texts = [json.dumps(entry, separators=(",", ":"), ensure_ascii=False) for entry in entries]
    chunks = [texts[i:i + CHUNK] for i in range(0, len(texts), CHUNK)]
    action = enqueued_async_action(kind, request_id)
    job = UpdateCustomersBatch(project_id=db.project_id, async_action_id=action["id"])
    batches.create_batch(db, action, "", chunks, job)
    enqueue(job)
    return {"async_action_id": action["id"]}, 202


def _bulk_entries(entries: list[Any], where: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        try:
            model = CustomerBulkEntry.model_validate(entry)
        except ValidationError as error:
            raise invalid_payload(_describe(error, f"{where} {index}")) from None
        out.append({"source_id": model.source_id, "patch": model.patch()})
    return out


def update_customers_in_bulk(db: Table, entries: list[Any], request_id: str) -> tuple[dict[str, Any], int]:
    """POST /v1/customers/bulk/async: each entry updates the customer with its `source_id` (created when there is none)
    with the fields it names; all entries validated first (400, nothing stored)."""
    return _store(db, BULK_TYPE, _bulk_entries(entries, "Entry"), request_id)


def update_customers_metadata_in_bulk(db: Table, body: CustomersMetadataBulk, request_id: str) -> tuple[dict[str, Any], int]:
    """POST /v1/customers/metadata/async: `metadata` merged into the metadata of each customer of `source_ids` (an
    unknown source id is reported as not found: no upsert, as Voucherify)."""
    if len(set(body.source_ids)) != len(body.source_ids):
        raise invalid_payload("Property 'source_ids' must not repeat a source id")
    return _store(db, METADATA_TYPE, [{"source_id": s, "merge_metadata": body.metadata or {}} for s in body.source_ids], request_id)


# ---------------------------------------------------------------------------------------------- CSV import
CSV_FIELDS = {"source_id": "source_id", "name": "name", "email": "email", "phone": "phone", "birthdate": "birthdate",
              "birthday": "birthday", "description": "description"}
CSV_ADDRESS = {"address_line_1": "line_1", "address_line_2": "line_2", "address_city": "city", "address_state": "state",
               "address_postal_code": "postal_code", "address_country": "country"}
METADATA_PREFIX = "metadata."


def _csv_file(body: bytes, content_type: str) -> bytes:
    """The `file` part of a multipart/form-data body; 400 when there is none."""
    if len(body) > MAX_CSV_BYTES:
        raise LoyaltyError(413, "request_entity_too_large", "Request Entity Too Large",
                           f"Payload content length greater than maximum allowed: {MAX_CSV_BYTES}")
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    if not message.is_multipart():
        raise invalid_payload("Payload must be multipart/form-data with a 'file' part")
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                return data
    raise invalid_payload("Payload must have a 'file' part holding the CSV file")


def _csv_entries(data: bytes) -> list[dict[str, Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid_payload("The CSV file must be UTF-8 text") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise invalid_payload(f"The CSV file cannot be read: {error}") from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise invalid_payload("The CSV file is empty: it must start with a header row")
    header = [name.strip() for name in rows[0]]
    if "source_id" not in header:
        raise invalid_payload("The CSV header must have a 'source_id' column")
    for name in header:
        if not name:
            raise invalid_payload("The CSV header must not have an empty column name")
        if header.count(name) > 1:
            raise invalid_payload(f"The CSV header names column '{name}' more than once")
        if name not in CSV_FIELDS and name not in CSV_ADDRESS and not (name.startswith(METADATA_PREFIX) and len(name) > 9):
            raise invalid_payload(f"The CSV header has an unknown column '{name}' (columns: {', '.join([*CSV_FIELDS, *CSV_ADDRESS])}, "
                                  f"and '{METADATA_PREFIX}<key>' for metadata)")
    entries: list[Any] = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise invalid_payload(f"CSV line {number} has {len(row)} values; the header has {len(header)} columns")
        entry: dict[str, Any] = {}
        for name, cell in zip(header, row, strict=True):
            value = cell.strip()
            if not value:
                continue
            if name in CSV_FIELDS:
                entry[CSV_FIELDS[name]] = value
            elif name in CSV_ADDRESS:
                entry.setdefault("address", {})[CSV_ADDRESS[name]] = value
            else:
                entry.setdefault("metadata", {})[name[len(METADATA_PREFIX):]] = value
        entries.append(entry)
    checked = _bulk_entries(entries, "CSV row")
    for entry in checked:  # a row sets its metadata keys, keeping the customer's others (as a bulk metadata update)
        metadata = entry["patch"].pop("metadata", None)
        if metadata:
            entry["merge_metadata"] = metadata
    return checked


def import_customers_csv(db: Table, body: bytes, content_type: str, request_id: str) -> tuple[dict[str, Any], int]:
    """POST /v1/customers/importCSV: the rows of the multipart `file` part (a CSV with a header row: source_id, name,
    email, phone, birthdate, birthday, description, address_* and metadata.<key>) upsert customers by source id; the
    whole file validated first (400, nothing stored), then applied by the worker like a bulk update."""
    return _store(db, IMPORT_TYPE, _csv_entries(_csv_file(body, content_type)), request_id)


# ---------------------------------------------------------------------------------------------- worker
def apply_entry(db: Table, entry: dict[str, Any], *, create: bool) -> str:
    """Apply one entry to the customer with its source id: CREATED, UPDATED, UNCHANGED or NOT_FOUND (nothing written
    for the last two). Each update is conditioned on the `updated_at` it read (re-read and re-applied on a conflict)."""
    source_id = entry["source_id"]
    for _ in range(WRITE_ATTEMPTS):
        found_id = customers_store.get_customer_id_by_source_id(db, source_id)
        existing = customers_store.get_customer(db, found_id) if found_id else None
        patch = dict(entry.get("patch") or {})
        if "merge_metadata" in entry:
            patch["metadata"] = {**((existing or {}).get("metadata") or {}), **entry["merge_metadata"]}
        if existing is None:
            if not create:
                return "NOT_FOUND"
            try:
                customers_store.create_customer(db, customers.new_customer(source_id, patch))
            except TransactionConflict as conflict:
                if conflict.failed("source_id"):
                    continue  # created meanwhile (by another delivery of this step): update it instead
                raise
            return "CREATED"
        updated = customers.patched(existing, patch)
        if updated is None:
            return "UNCHANGED"
        try:
            customers_store.update_customer(db, cast(Customer, updated), existing.get("updated_at"))
        except TransactionConflict:
            continue
        return "UPDATED"
    raise RuntimeError(f"customer '{source_id}' kept changing; the step is retried")


def _summary(before: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any]:
    listed = list(before.get("results") or [])
    listed += results[:max(0, MAX_LISTED - len(listed))]
    failed = sum(1 for r in results if r["status"] == "NOT_FOUND")
    return {"done_count": int(before.get("done_count", 0)) + len(results) - failed,
            "failed_count": int(before.get("failed_count", 0)) + failed, "results": listed}


def _result(summary: dict[str, Any]) -> dict[str, Any]:
    done, failed = summary["done_count"], summary["failed_count"]
    return {"message": f"{done} customer(s) processed, {failed} failed", "done_count": done, "failed_count": failed,
            "results": summary["results"], "results_listed": len(summary["results"])}


def update_customers_step(db: Table, job: UpdateCustomersBatch) -> str:
    """Worker: apply the next chunk of a customers async action; send the job again while chunks remain."""
    opened = open_chunk_step(db, job)
    if isinstance(opened, str):
        return opened
    action, chunk = opened
    data: AsyncAction = action["data"]
    create = data["type"] != METADATA_TYPE
    results = []
    for text in chunk["entries"]:
        entry = json.loads(text)
        status = apply_entry(db, entry, create=create)
        results.append({"source_id": entry["source_id"], "status": status, "found": status != "NOT_FOUND",
                        "updated": status in ("CREATED", "UPDATED")})
    return end_chunk_step(db, job, action, chunk, _summary(action["summary"], results), _result)


def retire_customers_step(db: Table, job: UpdateCustomersBatch) -> str:
    """Worker, for a customers job out of attempts: the async action ends FAILED with what was done."""
    def result(summary: dict[str, Any], left: int, failure: dict[str, Any]) -> dict[str, Any]:
        done, failed = summary["done_count"], summary["failed_count"]
        return {**_result(summary), "not_processed_count": left, "failure": failure,
                "message": f"Stopped: {failure['details']['message']}. {done} customer(s) processed, {failed} failed, "
                           f"{left} not processed"}

    return retire_chunked_action(db, job, lambda before: _summary(before, []), result)
