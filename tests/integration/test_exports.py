"""v1 exports on moto: each export endpoint answers a SCHEDULED export, the worker writes its CSV to the exports bucket,
GET /v1/exports/{id} then answers DONE with a pre-signed URL whose object holds the rows the API's lists show."""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any
from urllib.parse import unquote, urlparse

import boto3

from loyalty.jobs.models import RunExport
from loyalty.jobs.worker import run_job
from tests.integration.conftest import Stack
from tests.integration.test_v1_campaigns import publish
from tests.integration.test_v1_loyalty import balance, make_campaign


def get_export(stack: Stack, export_id: str, **kw: Any) -> tuple[int, Any]:
    return stack.call("get_export", "GET", f"/v1/exports/{export_id}", **kw)


def csv_of(url: str) -> list[list[str]]:
    """The rows of the object a pre-signed URL names (path-style: /<bucket>/<key>), read from moto's S3."""
    path = unquote(urlparse(url).path).lstrip("/")
    bucket, key = path.split("/", 1)
    assert bucket == os.environ["EXPORTS_BUCKET"]
    body = boto3.client("s3", region_name="us-east-1").get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    return list(csv.reader(io.StringIO(body)))


def done(stack: Stack, export: dict[str, Any]) -> dict[str, Any]:
    """Drain the worker, then the export as GET answers it (DONE)."""
    assert export["status"] == "SCHEDULED" and export["result"] is None
    stack.drain()
    status, read = get_export(stack, export["id"])
    assert status == 200, read
    assert read["status"] == "DONE", read
    assert read["result"]["url"].startswith(("http://", "https://")) and "X-Amz-Signature=" in read["result"]["url"]
    return dict(read)


def ledger(stack: Stack) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A campaign with two cards and a few point movements (one with an expiry date), and a card of another campaign."""
    campaign, other = make_campaign(stack, points=5), make_campaign(stack, name="Other")
    cards = publish(stack, campaign["id"], ["x-1", "x-2"])
    foreign = publish(stack, other["id"], ["x-1"])[0]
    for card, body in ((cards[0], {"points": 10, "reason": "Welcome, \"friend\"", "source_id": "s-1"}),
                       (cards[1], {"points": 20, "expiration_date": "2099-03-31"}), (foreign, {"points": 30}),
                       (cards[0], {"points": -4}), (cards[1], {"points": 7, "expiration_date": "2099-01-31"})):
        assert balance(stack, card["campaign_id"], card["code"], body)[0] == 200
    return campaign, cards


def test_campaign_transactions_export_holds_the_campaign_list_s_rows(stack: Stack) -> None:
    campaign, _ = ledger(stack)
    status, export = stack.call("export_loyalty_campaign_transactions_v1", "POST", f"/v1/loyalties/{campaign['id']}/transactions/export",
                                {"parameters": {"fields": ["id", "voucher_id", "amount", "balance", "reason", "source_id", "type",
                                                           "details", "created_at"]}})
    assert status == 200, export
    assert export["id"].startswith("exp_") and (export["object"], export["channel"], export["exported_object"]) == (
        "export", "API", "voucher_transactions")
    assert export["parameters"]["filters"]["campaign_id"] == {"conditions": {"$in": [campaign["id"]]}}
    assert export["user_id"] is None
    read = done(stack, export)
    rows = csv_of(read["result"]["url"])
    listed = stack.call("list_loyalty_campaign_transactions_v1", "GET", f"/v1/loyalties/{campaign['id']}/transactions",
                        query={"limit": "100"})[1]["data"]
    assert rows[0] == ["id", "voucher_id", "amount", "balance", "reason", "source_id", "type", "details", "created_at"]
    assert [r[0] for r in rows[1:]] == [t["id"] for t in listed] and len(listed) == 6  # 2 initial + 4 movements, newest first
    by_id = {t["id"]: t for t in listed}
    for row in rows[1:]:
        t = by_id[row[0]]
        assert row[1:3] == [t["voucher_id"], str(t["details"]["balance"]["points"])]
        assert row[3] == str(t["details"]["balance"].get("balance", ""))
        assert row[4:7] == [t["reason"] or "", t["source_id"] or "", t["type"]] and row[8] == t["created_at"]
        assert json.loads(row[7]) == t["details"]
    assert read["result"]["rows"] == 6
    # a redelivered job changes nothing: the export stays DONE, the object the same
    assert run_job(RunExport(project_id="acme", export_id=export["id"]).to_json()) == "ALREADY_DONE"
    assert csv_of(get_export(stack, export["id"])[1]["result"]["url"]) == rows


def test_default_fields_order_and_filters(stack: Stack) -> None:
    campaign, cards = ledger(stack)
    status, export = stack.call("export_loyalty_campaign_transactions_v1", "POST", f"/v1/loyalties/{campaign['id']}/transactions/export",
                                {"order": "created_at", "parameters": {"filters": {
                                    "junction": "and", "voucher_id": {"conditions": {"$in": [cards[1]["code"]]}}}}})
    assert status == 200, export
    assert export["parameters"]["order"] == "created_at"
    rows = csv_of(done(stack, export)["result"]["url"])
    assert rows[0] == ["id", "type", "source_id", "reason", "balance", "amount", "created_at", "voucher_id", "source", "details",
                       "related_transaction_id"]
    assert [(r[7], r[5]) for r in rows[1:]] == [(cards[1]["id"], "5"), (cards[1]["id"], "20"), (cards[1]["id"], "7")]  # oldest first
    # no body at all: every field, newest first
    status, export = stack.call("export_loyalty_campaign_transactions_v1", "POST", f"/v1/loyalties/{campaign['id']}/transactions/export")
    assert status == 200, export
    assert len(csv_of(done(stack, export)["result"]["url"])) == 1 + 6


def test_card_transactions_export_by_code_and_within_the_campaign(stack: Stack) -> None:
    campaign, cards = ledger(stack)
    code = cards[0]["code"]
    listed = stack.call("list_loyalty_card_transactions_by_code_v1", "GET", f"/v1/loyalties/members/{code}/transactions")[1]["data"]
    for name, path in (("export_loyalty_card_transactions_by_code_v1", f"/v1/loyalties/members/{code}/transactions/export"),
                       ("export_loyalty_card_transactions_v1", f"/v1/loyalties/{campaign['id']}/members/{code}/transactions/export")):
        status, export = stack.call(name, "POST", path, {"parameters": {"order": "-created_at", "fields": ["id", "campaign_id", "amount"]}})
        assert status == 200, export
        assert export["parameters"]["filters"] == {"voucher_id": {"conditions": {"$in": [code]}}}
        rows = csv_of(done(stack, export)["result"]["url"])
        assert rows == [["id", "campaign_id", "amount"], *[[t["id"], campaign["id"], str(t["details"]["balance"]["points"])] for t in listed]]


def test_points_expiration_export_lists_the_campaign_s_active_buckets(stack: Stack) -> None:
    campaign, cards = ledger(stack)
    status, export = stack.call("create_points_expiration_export_v1", "POST", f"/v1/loyalties/{campaign['id']}/points-expiration/export",
                                {"parameters": {"fields": ["voucher_id", "points", "status", "expires_at", "campaign_id", "id"],
                                                "order": "-expires_at"}})
    assert status == 200, export
    assert export["exported_object"] == "points_expiration"
    rows = csv_of(done(stack, export)["result"]["url"])
    listed = stack.call("list_points_expiration_v1", "GET",
                        f"/v1/loyalties/{campaign['id']}/members/{cards[1]['code']}/points-expiration")[1]["data"]
    assert rows[0] == ["voucher_id", "points", "status", "expires_at", "campaign_id", "id"]
    assert rows[1:] == [[b["voucher_id"], str(b["bucket"]["total_points"]), "ACTIVE", b["expires_at"], campaign["id"], b["id"]]
                        for b in listed[::-1]]
    assert [r[3] for r in rows[1:]] == ["2099-03-31", "2099-01-31"]


def test_an_export_out_of_attempts_ends_in_error(stack: Stack) -> None:
    campaign, _ = ledger(stack)
    status, export = stack.call("create_points_expiration_export_v1", "POST", f"/v1/loyalties/{campaign['id']}/points-expiration/export", {})
    assert status == 200, export
    retire = RunExport(project_id="acme", export_id=export["id"], attempt=6, retire=True)
    db = stack.db()
    db.update(db.keys.export(export["id"]), "SET job = :job", values={"job": retire.to_json()})
    assert run_job(retire.to_json()) == "RETIRED"
    status, read = get_export(stack, export["id"])
    assert read["status"] == "ERROR" and read["result"]["error"]["reason"] == "processing_failed"
    assert run_job(RunExport(project_id="acme", export_id=export["id"]).to_json()) == "ALREADY_DONE"
