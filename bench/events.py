"""Lambda events as API Gateway, SQS and EventBridge build them, routed by template.yaml (function = logical id)."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from local.gateway import build_http_event
from local.poller import build_scheduled_event, build_sqs_event
from local.template import Template, load_template, match_route

ROOT = Path(__file__).resolve().parent.parent


class Events:
    """Event builders for one template: `http()` finds the function serving a request the way API Gateway would."""

    def __init__(self, template: Template | None = None) -> None:
        self.template = template or load_template(ROOT / "template.yaml")
        triggers = self.template.queue_triggers
        if not triggers or not self.template.schedules:
            raise ValueError("the template needs a queue worker and a scheduled function")
        self.worker = triggers[0].function
        self.worker_batch_size = triggers[0].batch_size
        rules = {s.function: s.name for s in self.template.schedules}
        self.sweeper = next((f for f in rules if "Sweep" in f), self.template.schedules[0].function)
        self.sweeper_rule = rules[self.sweeper]
        self.daily = next((f for f in rules if "Daily" in f), None)
        self.daily_rule = rules.get(self.daily or "")
        streams = [t.function for t in self.template.stream_triggers]
        self.card_changes = next((f for f in streams if "CardChanges" in f), streams[0] if streams else None)
        self.card_transactions = next((f for f in streams if "CardTransactions" in f), None)

    @property
    def functions(self) -> list[str]:
        """Every function's logical id."""
        return list(self.template.functions)

    def folder(self, function: str) -> str:
        """The code folder name of a function (`CreateProgramFunction` -> `create_program`)."""
        return self.template.functions[function].code_uri.name

    def http(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
             query: dict[str, str] | None = None) -> tuple[str, dict[str, Any]]:
        """(function, HTTP API v2.0 event) for a request."""
        found = match_route(self.template.routes, method, path)
        if found is None:
            raise KeyError(f"no route serves {method} {path}")
        route, params = found
        hdrs = [("host", "bench.local"), ("user-agent", "bench"), *((k.lower(), v) for k, v in (headers or {}).items())]
        raw = b""
        if body is not None:
            raw = json.dumps(body, separators=(",", ":")).encode()
            hdrs.append(("content-type", "application/json"))
        target = path + (f"?{urlencode(query)}" if query else "")
        return route.function, build_http_event(route, params, method, target, hdrs, raw, req_id=uuid.uuid4().hex[:16])

    def sqs(self, bodies: list[str]) -> dict[str, Any]:
        """The worker's SQS event for message bodies."""
        messages = [{"MessageId": str(uuid.uuid4()), "ReceiptHandle": uuid.uuid4().hex, "Body": body,
                     "MD5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's checksum
                     "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0", "SenderId": "bench",
                                    "ApproximateFirstReceiveTimestamp": "0"}} for body in bodies]
        return build_sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:loyalty-local-JobsQueue")

    def card_change(self, project: str, member_id: str, card_id: str, before: dict[str, int], after: dict[str, int]) -> dict[str, Any]:
        """The stream consumer's event for one MODIFY of a card item whose counters moved from `before` to `after` (the
        keys and the counters only: the consumer reads the card as it is now)."""
        def image(counters: dict[str, int]) -> dict[str, Any]:
            return {"PK": {"S": f"{project}#MBR#{member_id}"}, "SK": {"S": f"CARD#{card_id}"},
                    **{name: {"N": str(value)} for name, value in counters.items()}}
        record = {"eventID": uuid.uuid4().hex, "eventName": "MODIFY", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
                  "awsRegion": "us-east-1", "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/loyalty/stream/bench",
                  "dynamodb": {"Keys": {"PK": {"S": f"{project}#MBR#{member_id}"}, "SK": {"S": f"CARD#{card_id}"}},
                               "OldImage": image(before), "NewImage": image(after), "SequenceNumber": str(uuid.uuid4().int)[:21],
                               "SizeBytes": 200, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
        return {"Records": [record]}

    def card_transaction_approved(self, project: str, ctx: dict[str, Any]) -> dict[str, Any]:
        """The aggregator's event for one MODIFY of a card transaction item from PENDING to APPROVED (`ctx`: the
        transaction as the API shows it, stored as the item's `data`)."""
        return self.card_transaction_changed(project, ctx, "PENDING", "APPROVED")

    def card_transaction_changed(self, project: str, ctx: dict[str, Any], old: str | None, new: str) -> dict[str, Any]:
        """The aggregator's event for one change of a card transaction item: an INSERT with status `new` when `old` is
        None, else a MODIFY from `old` to `new` (settled now: `updated_at`)."""
        from loyalty.db.codec import to_item

        keys = {"PK": {"S": f"{project}#CARD#{ctx['card_id']}"}, "SK": {"S": f"CTX#{ctx['id']}"}}
        data = to_item({"data": ctx})["data"]
        change: dict[str, Any] = {"Keys": keys, "NewImage": {**keys, "status": {"S": new}, "data": data},
                                  "SequenceNumber": str(uuid.uuid4().int)[:21], "SizeBytes": 900,
                                  "StreamViewType": "NEW_AND_OLD_IMAGES"}
        if old is not None:
            change["OldImage"] = {**keys, "status": {"S": old}, "data": data}
            change["NewImage"]["updated_at"] = {"S": str(ctx.get("updated_at") or ctx["created_at"])}
        record = {"eventID": uuid.uuid4().hex, "eventName": "INSERT" if old is None else "MODIFY", "eventVersion": "1.1",
                  "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
                  "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/loyalty/stream/bench", "dynamodb": change}
        return {"Records": [record]}

    def tier_transaction_inserted(self, project: str, ttx: dict[str, Any]) -> dict[str, Any]:
        """The aggregator's event for one INSERT of a tier transaction item (`ttx`: the transaction as the API shows it,
        stored as the item's `data`)."""
        from loyalty.db.codec import to_item

        keys = {"PK": {"S": f"{project}#MBR#{ttx['member_id']}#TTX"}, "SK": {"S": ttx["id"]}}
        data = to_item({"data": ttx})["data"]
        record = {"eventID": uuid.uuid4().hex, "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
                  "awsRegion": "us-east-1", "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/loyalty/stream/bench",
                  "dynamodb": {"Keys": keys, "NewImage": {**keys, "data": data},
                               "SequenceNumber": str(uuid.uuid4().int)[:21], "SizeBytes": 700, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
        return {"Records": [record]}

    def scheduled(self, rule: str | None = None) -> dict[str, Any]:
        """The scheduled event of a rule (default: the sweeper's)."""
        return build_scheduled_event(rule or self.sweeper_rule)
