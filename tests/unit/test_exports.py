"""Exports, the pure parts: request validation (the spec's field, order and filter enums), filter conditions, and the CSV
rows and header written for a v1 transaction and a points bucket."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from pydantic import ValidationError

from loyalty.exports.models import (
    CAMPAIGN_TRANSACTION_FIELDS,
    CARD_TRANSACTION_FIELDS,
    POINTS_EXPIRATION_FIELDS,
    CampaignTransactionsExport,
    CardTransactionsExport,
    PointsExpirationExport,
)
from loyalty.exports.service import write_csv
from loyalty.exports.views import bucket_row, conditions_of, passes, transaction_row
from tests.support import reference_file

TRANSACTION = {
    "id": "lctx_1", "source_id": "s-1", "voucher_id": "v_1", "campaign_id": "camp_1", "source": "API", "reason": "Sorry, \"really\"",
    "type": "POINTS_ADDITION", "related_transaction_id": None, "created_at": "2026-01-02T03:04:05.000Z",
    "details": {"balance": {"type": "loyalty_card", "total": 120, "object": "balance", "points": -30, "balance": 90,
                            "operation_type": "MANUAL", "related_object": {"id": "v_1", "type": "voucher"}}},
}


def _enum(schema: str, *path: str) -> list[str]:
    node: Any = reference_file("loyalties-v1.json")["components"]["schemas"][schema]
    for step in path:
        node = node[step]
    return list(node)


def test_the_field_lists_are_the_spec_s_enums() -> None:
    assert list(CAMPAIGN_TRANSACTION_FIELDS) == _enum("CampaignsTransactionsExportParameters", "properties", "fields", "items", "enum")
    assert list(CARD_TRANSACTION_FIELDS) == _enum("ExportVoucherTransactionsFields", "enum")
    assert list(POINTS_EXPIRATION_FIELDS) == _enum("LoyaltiesPointsExpirationExportCreateRequestBodyParameters", "properties",
                                                   "fields", "items", "enum")


@pytest.mark.parametrize(("model", "body"), [
    (CampaignTransactionsExport, {"parameters": {"fields": ["campaign_id"]}}),
    (CampaignTransactionsExport, {"parameters": {"filters": {"campaign_id": {"conditions": {"$in": ["c"]}}}}}),
    (CampaignTransactionsExport, {"order": "expires_at"}),
    (CardTransactionsExport, {"parameters": {"fields": ["points"]}}),
    (CardTransactionsExport, {"parameters": {"filters": {"voucher_id": {"conditions": {"$contains": "x"}}}}}),
    (PointsExpirationExport, {"parameters": {"fields": ["amount"]}}),
    (PointsExpirationExport, {"parameters": {"order": "created_at"}}),
    (PointsExpirationExport, {"parameters": {"filters": {"created_at": {"conditions": {"$after": "2026-01-01"}}}}}),
    (PointsExpirationExport, {"parameters": {"fields": ["id"]}, "order": "expires_at"}),
])
def test_unknown_fields_filters_and_orders_are_refused(model: Any, body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(body)


def test_a_valid_request_dumps_as_given() -> None:
    body = {"parameters": {"order": "-expires_at", "fields": ["id", "points"],
                           "filters": {"junction": "and", "voucher_id": {"conditions": {"$in": ["v_1", "v_2"]}}}}}
    parsed = PointsExpirationExport.model_validate(body)
    assert parsed.parameters is not None
    assert parsed.parameters.model_dump(by_alias=True, exclude_none=True) == body["parameters"]


def test_conditions_and_junctions() -> None:
    junction, conditions = conditions_of({"junction": "AND", "voucher_id": {"conditions": {"$in": ["v_1", "CODE-1"]}},
                                          "created_at": {"conditions": {"$after": "2026-01-01T00:00:00.000Z"}}})
    assert junction == "and"
    assert passes(junction, conditions, {"voucher_id": ["v_1"], "created_at": "2026-01-02T00:00:00.000Z"})
    assert passes(junction, conditions, {"voucher_id": ["v_9", "CODE-1"], "created_at": "2026-01-02T00:00:00.000Z"})
    assert not passes(junction, conditions, {"voucher_id": ["v_1"], "created_at": "2025-12-31T00:00:00.000Z"})
    assert passes("or", conditions, {"voucher_id": ["v_1"], "created_at": "2025-12-31T00:00:00.000Z"})
    _, negative = conditions_of({"campaign_id": {"conditions": {"$is_not": "camp_1"}}})
    assert not passes("and", negative, {"campaign_id": "camp_1"}) and passes("and", negative, {"campaign_id": "camp_2"})
    assert passes("and", [], {})


def test_a_transaction_row_maps_amount_balance_and_details() -> None:
    fields = ["id", "type", "amount", "balance", "reason", "related_transaction_id", "details", "campaign_id", "created_at"]
    row = transaction_row(TRANSACTION, fields)
    assert row[:6] == ["lctx_1", "POINTS_ADDITION", "-30", "90", "Sorry, \"really\"", ""]
    assert json.loads(row[6]) == TRANSACTION["details"] and row[7:] == ["camp_1", "2026-01-02T03:04:05.000Z"]
    # a transaction written before balances were recorded has an empty balance column
    assert transaction_row({**TRANSACTION, "details": {"balance": {"points": 5}}}, ["amount", "balance"]) == ["5", ""]


def test_a_bucket_row() -> None:
    bucket = {"id": "lopb_1", "voucher_id": "v_1", "campaign_id": "camp_1", "bucket": {"total_points": 40}, "status": "ACTIVE",
              "expires_at": "2099-01-31"}
    assert bucket_row(bucket, list(POINTS_EXPIRATION_FIELDS)) == ["lopb_1", "camp_1", "v_1", "40", "ACTIVE", "2099-01-31"]


def test_the_csv_has_a_header_quotes_what_needs_it_and_stops_at_the_limit() -> None:
    rows = iter([transaction_row(TRANSACTION, ["id", "reason"])] * 3)
    body, count, truncated = write_csv(["id", "reason"], rows, limit=2)
    with body:
        text = body.read().decode()
    assert (count, truncated) == (2, True)
    assert text.splitlines()[0] == "id,reason" and text.splitlines()[1] == 'lctx_1,"Sorry, ""really"""'
    assert list(csv.reader(io.StringIO(text)))[1:] == [["lctx_1", "Sorry, \"really\""]] * 2
    body, count, truncated = write_csv(["id"], iter([]))
    with body:
        assert (body.read(), count, truncated) == (b"id\r\n", 0, False)
