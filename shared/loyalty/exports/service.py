"""Exports (v1): the three export endpoints store a SCHEDULED export and send its job; the worker pages through the
ledger (a campaign's transactions list, a card's transactions partition, or the points buckets of a campaign's cards),
writes the CSV to the exports bucket and marks the export DONE; GET /v1/exports/{id} answers it with a freshly signed
download URL."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import IO, Any

from loyalty.buckets.views import v1_points_bucket_view
from loyalty.cards.buckets import expiring_bucket_from_item, get_expiring_buckets
from loyalty.cards.store import transaction_from_row
from loyalty.core import ids
from loyalty.core.clock import normalize_iso, now_iso
from loyalty.core.errors import invalid_payload, not_found
from loyalty.db import storage
from loyalty.db.table import Table
from loyalty.exports import store
from loyalty.exports.models import (
    CAMPAIGN_TRANSACTION_FIELDS,
    CARD_TRANSACTION_FIELDS,
    POINTS_EXPIRATION_FIELDS,
    CampaignTransactionsExport,
    CampaignTransactionsParameters,
    CardTransactionsExport,
    PointsExpirationExport,
)
from loyalty.exports.views import Condition, bucket_row, conditions_of, passes, transaction_row
from loyalty.jobs.models import RunExport
from loyalty.jobs.queue import enqueue
from loyalty.jobs.settle import RETIRED, retirement
from loyalty.members import store as members_store
from loyalty.v1 import store as v1_store
from loyalty.v1.cards import V1_TYPES, transaction_view
from loyalty.v1.lookup import card_by_code, require_campaign

MAX_ROWS = 50_000
"""The most rows one export's CSV holds; a larger export stops there and says so (`result.truncated: true`)."""
PAGE = 500  # transactions read per Query page
CARDS_PAGE = 100  # cards of a campaign read per Query page (a points export then reads each card's buckets)
SPOOL_BYTES = 8 * 1024 * 1024  # the CSV is kept in memory up to this size, then in a temporary file
TRANSACTIONS = "voucher_transactions"
POINTS_EXPIRATION = "points_expiration"


def _dates(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters with `created_at` conditions in the API's timestamp format; 400 for one that is not ISO 8601."""
    conditions = (filters.get("created_at") or {}).get("conditions") or {}
    for op, value in conditions.items():
        try:
            conditions[op] = normalize_iso(datetime.fromisoformat(value))
        except ValueError:
            raise invalid_payload(f"parameters.filters.created_at.conditions.{op} must be an ISO 8601 date-time") from None
    return filters


def _schedule(db: Table, exported_object: str, parameters: Any, scope: dict[str, Any], default_fields: tuple[str, ...],
              default_order: str, request: dict[str, Any]) -> dict[str, Any]:
    """Store a SCHEDULED export (its `parameters` as given, the filter that scopes it added) and send its job."""
    given = parameters.model_dump(by_alias=True, exclude_none=True) if parameters is not None else {}
    filters = _dates(given.get("filters") or {})
    if "junction" in filters:
        filters["junction"] = filters["junction"].lower()  # the spec's Junction enum is lower case
    junction, conditions = conditions_of(filters)
    shown = {**given, "filters": {**filters, **{k: v for k, v in scope.items() if k not in filters}}}
    export_id = ids.EXPORT.new()
    export = {"id": export_id, "object": "export", "created_at": now_iso(), "status": "SCHEDULED", "channel": "API",
              "exported_object": exported_object, "parameters": shown, "result": None, "user_id": None}
    request = {**request, "fields": list(given.get("fields") or default_fields), "order": given.get("order") or default_order,
               "junction": junction, "conditions": [list(c) for c in conditions]}
    job = RunExport(project_id=db.project_id, export_id=export_id)
    store.create_export(db, export, request, job)
    enqueue(job)
    return export


def _in(value: str) -> dict[str, Any]:
    return {"conditions": {"$in": [value]}}


def export_campaign_transactions(db: Table, campaign_ref: str, body: CampaignTransactionsExport | None) -> dict[str, Any]:
    """POST /v1/loyalties/{campaignId}/transactions/export: schedule a CSV of the transactions of the campaign's cards;
    404 `campaign`."""
    campaign = require_campaign(db, campaign_ref)
    parameters = body.parameters if body else None
    if body is not None and body.order and (parameters is None or parameters.order is None):  # the spec example's spot
        parameters = (parameters or CampaignTransactionsParameters()).model_copy(update={"order": body.order})
    return _schedule(db, TRANSACTIONS, parameters, {"junction": "and", "campaign_id": _in(campaign["id"])},
                     CAMPAIGN_TRANSACTION_FIELDS, "-created_at", {"kind": "campaign_transactions", "campaign_id": campaign["id"]})


def export_card_transactions(db: Table, campaign_ref: str | None, member_ref: str, body: CardTransactionsExport | None) -> dict[str, Any]:
    """POST /v1/loyalties[/{campaignId}]/members/{memberId}/transactions/export: schedule a CSV of one loyalty card's
    transactions; 404 `voucher` for an unknown code (or one of another campaign)."""
    card = card_by_code(db, campaign_ref, member_ref)
    return _schedule(db, TRANSACTIONS, body.parameters if body else None, {"voucher_id": _in(str(card.get("code")))},
                     CARD_TRANSACTION_FIELDS, "-created_at",
                     {"kind": "card_transactions", "card_id": card["id"], "member_id": card["member_id"],
                      "voucher_id": card.get("voucher_id"), "code": card.get("code")})


def export_points_expiration(db: Table, campaign_ref: str, body: PointsExpirationExport | None) -> dict[str, Any]:
    """POST /v1/loyalties/{campaignId}/points-expiration/export: schedule a CSV of the ACTIVE points buckets of the
    campaign's cards; 404 `campaign`."""
    campaign = require_campaign(db, campaign_ref)
    return _schedule(db, POINTS_EXPIRATION, body.parameters if body else None, {"campaign_id": _in(campaign["id"])},
                     POINTS_EXPIRATION_FIELDS, "expires_at", {"kind": "points_expiration", "campaign_id": campaign["id"]})


def get_export(db: Table, export_id: str) -> dict[str, Any]:
    """GET /v1/exports/{exportId}: the export; once DONE, `result.url` is a pre-signed download URL of its CSV, signed
    for this answer (valid storage.URL_SECONDS). 404 `export`."""
    ids.EXPORT.check(export_id)
    item = store.get_export(db, export_id)
    if item is None:
        raise not_found("export", export_id)
    export = dict(item["data"])
    if export["status"] == "DONE" and item.get("object_key"):
        export["result"] = {"url": storage.signed_url(str(item["object_key"])), **(export.get("result") or {})}
    return export


# ---------------------------------------------------------------------------------------------- the worker's side
def _listable(item: Mapping[str, Any]) -> bool:
    """An APPROVED transaction of a type v1 shows (what GET .../transactions lists)."""
    return item.get("status") == "APPROVED" and item["data"]["type"] in V1_TYPES


def _rows_of_transactions(db: Table, request: Mapping[str, Any],
                          page: Callable[[str | None], tuple[list[dict[str, Any]], bool]]) -> Iterator[list[str]]:
    """CSV rows of a transactions list read a page at a time (`page(after)`), the filters applied to each."""
    fields, junction = request["fields"], request["junction"]
    conditions: list[Condition] = [(c[0], c[1], list(c[2])) for c in request["conditions"]]
    cards: dict[str, tuple[str | None, str | None]] = {}
    if request["kind"] == "card_transactions":
        cards[request["card_id"]] = (request.get("voucher_id"), request.get("code"))
    after: str | None = None
    while True:
        items, more = page(after)
        missing = sorted({(i["data"]["member_id"], i["data"]["card_id"]) for i in items if i["data"]["card_id"] not in cards})
        for card in members_store.get_cards(db, missing):
            cards[card["id"]] = (card.get("voucher_id"), card.get("code"))
        for item in items:
            voucher_id, code = cards.get(item["data"]["card_id"], (None, None))
            view = transaction_view(transaction_from_row(item), voucher_id)
            values = {"created_at": view["created_at"], "voucher_id": [v for v in (voucher_id, code) if v],
                      "campaign_id": view["campaign_id"]}
            if passes(junction, conditions, values):
                yield transaction_row(view, fields)
        if not more or not items:
            return
        after = items[-1]["data"]["id"]


def _campaign_transaction_rows(db: Table, request: Mapping[str, Any]) -> Iterator[list[str]]:
    descending = request["order"].startswith("-")
    return _rows_of_transactions(db, request, lambda after: v1_store.campaign_transactions(
        db, request["campaign_id"], after, descending, _listable, PAGE))


def _card_transaction_rows(db: Table, request: Mapping[str, Any]) -> Iterator[list[str]]:
    descending = request["order"].startswith("-")
    return _rows_of_transactions(db, request, lambda after: v1_store.card_transactions(
        db, request["card_id"], after, descending, _listable, PAGE))


def _points_rows(db: Table, request: Mapping[str, Any]) -> Iterator[list[str]]:
    """CSV rows of the ACTIVE points buckets of a campaign's cards (one Query per card), sorted by expiry date; at most
    MAX_ROWS + 1 buckets are kept for the sort."""
    fields, junction = request["fields"], request["junction"]
    conditions: list[Condition] = [(c[0], c[1], list(c[2])) for c in request["conditions"]]
    kept: list[tuple[str, str, list[str]]] = []
    start: dict[str, Any] | None = None
    while len(kept) <= MAX_ROWS:
        cards, start = store.campaign_cards_page(db, request["campaign_id"], CARDS_PAGE, start)
        for card in cards:
            values = {"voucher_id": [v for v in (card.get("voucher_id"), card.get("code")) if v],
                      "campaign_id": card.get("campaign_id") or request["campaign_id"]}
            if not passes(junction, conditions, values):
                continue
            for item in get_expiring_buckets(db, card["id"]):
                view = v1_points_bucket_view(expiring_bucket_from_item(item), card)
                kept.append((str(view.get("expires_at") or ""), str(view["id"]), bucket_row(view, fields)))
        if start is None:
            break
    kept.sort(key=lambda row: (row[0], row[1]), reverse=request["order"].startswith("-"))
    return (row for _, _, row in kept)


ROWS: dict[str, Callable[[Table, Mapping[str, Any]], Iterator[list[str]]]] = {
    "campaign_transactions": _campaign_transaction_rows,
    "card_transactions": _card_transaction_rows,
    "points_expiration": _points_rows,
}


def write_csv(fields: list[str], rows: Iterator[list[str]], limit: int = MAX_ROWS) -> tuple[IO[bytes], int, bool]:
    """The CSV (UTF-8, a header row of the field names, then at most `limit` rows) in a file object positioned at its
    start, held in memory up to SPOOL_BYTES; the rows written; whether rows were left out."""
    buffer = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b")
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(fields)
    count, truncated = 0, False
    for row in rows:
        if count >= limit:
            truncated = True
            break
        writer.writerow(row)
        count += 1
    text.flush()
    text.detach()
    buffer.seek(0)
    return buffer, count, truncated


def _scheduled(db: Table, job: RunExport) -> dict[str, Any] | str:
    """The export item a job works on, or MISSING / ALREADY_DONE when it is gone or no longer SCHEDULED."""
    item = store.get_export(db, job.export_id)
    if item is None:
        return "MISSING"
    return item if item["data"]["status"] == "SCHEDULED" else "ALREADY_DONE"


def run_export(db: Table, job: RunExport) -> str:
    """Worker: write a SCHEDULED export's CSV to `<project>/exports/<id>.csv` and mark it DONE (on condition that it is
    still pending). A redelivery of a DONE export does nothing; one racing the first overwrites the same object with
    the same rows."""
    item = _scheduled(db, job)
    if isinstance(item, str):
        return item
    export, request = item["data"], item["request"]
    key = storage.export_object_key(db.project_id, export["id"])
    body, count, truncated = write_csv(list(request["fields"]), ROWS[request["kind"]](db, request))
    with body:
        storage.put_export(key, body)
    done = {**export, "status": "DONE", "result": {"rows": count, **({"truncated": True} if truncated else {})}}
    return "DONE" if store.finish_export(db, done, key) else "ALREADY_DONE"


def retire_export(db: Table, job: RunExport) -> str:
    """Worker, for an export out of attempts: it ends ERROR (result: why). Returns RETIRED or why not."""
    item = _scheduled(db, job)
    if isinstance(item, str):
        return item
    export = item["data"]
    failed = {**export, "status": "ERROR", "result": {"error": retirement(job)}}
    return RETIRED if store.retire_export(db, failed, job.to_json()) else "ALREADY_SETTLED"
