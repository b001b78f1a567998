"""The single-table repository: one method per access pattern, every multi-item write one transaction."""

from __future__ import annotations

import json
import random
import time
from typing import Any

from botocore.exceptions import ClientError

from loyalty.clock import now_iso, now_ms
from loyalty.errors import LoyaltyError
from loyalty.repository import clients
from loyalty.repository.codec import from_item, serialize, to_item, values
from loyalty.repository.cursors import decode_cursor, encode_cursor

# Lifetime counters kept on a card item, and the sign each one carries in balance.points (spec §2.7).
BALANCE_SIGNS: dict[str, int] = {
    "total": 1,
    "subtracted": -1,
    "expired": -1,
    "spent": -1,
    "refunded": -1,
    "returned": 1,
    "locked": -1,
    "unlocked": 1,
    "purchased_reversed": -1,
}
COUNTERS = (
    "total",
    "earned",
    "added",
    "purchased",
    "purchased_reversed",
    "subtracted",
    "expired",
    "spent",
    "refunded",
    "returned",
    "locked",
    "unlocked",
    "pending_total",
    "pending_activated",
    "pending_canceled",
)
_PENDING_INDEX = "PendingJobs"
CONTENTION_RETRIES = 6
HEAD_SK = "~HEAD"  # sorts after "CTX#..." and "RTX#...", so a newest-first Query meets it first


class TransactionConflict(Exception):
    """A conditional write was refused; `reasons` holds one cancellation code per transaction item."""

    def __init__(self, reasons: list[str], labels: list[str] | None = None) -> None:
        super().__init__(f"conditional write refused: {reasons}")
        self.reasons = reasons
        self.labels = labels or []

    def failed(self, index: int) -> bool:
        """True when the item at `index` failed its condition."""
        return index < len(self.reasons) and self.reasons[index] == "ConditionalCheckFailed"

    def failed_named(self, label: str) -> bool:
        """True when an item the write labelled `label` failed its condition."""
        return any(name == label and self.failed(i) for i, name in enumerate(self.labels))


def balance_delta(deltas: dict[str, int]) -> int:
    """How much `balance.points` moves when the given counters move."""
    return sum(BALANCE_SIGNS.get(name, 0) * amount for name, amount in deltas.items())


class Repository:
    """Project-scoped access to the table: every key this object builds starts with the project id."""

    def __init__(
        self,
        project_id: str,
        table_name: str,
        *,
        cursor_secret: str,
        cursor_ttl_seconds: int = 3600,
        client: Any = None,
    ) -> None:
        self.project_id = project_id
        self.table = table_name
        self._client = client
        self._secret = cursor_secret
        self._cursor_ttl = cursor_ttl_seconds

    # ------------------------------------------------------------------ plumbing
    @property
    def client(self) -> Any:
        return self._client or clients.dynamodb()

    def _pk(self, *parts: str) -> str:
        return "#".join((self.project_id, *parts))

    def _key(self, pk: str, sk: str) -> dict[str, Any]:
        return {"PK": {"S": pk}, "SK": {"S": sk}}

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        resp = self.client.get_item(TableName=self.table, Key=self._key(pk, sk), ConsistentRead=True)
        item = resp.get("Item")
        return from_item(item) if item else None

    def _query(self, pk: str, **kw: Any) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        resp = self.client.query(
            TableName=self.table,
            KeyConditionExpression=kw.pop("key_condition", "PK = :pk"),
            ExpressionAttributeValues={**values(pk=pk), **kw.pop("extra_values", {})},
            **kw,
        )
        return [from_item(i) for i in resp.get("Items", [])], resp.get("LastEvaluatedKey")

    def _transact(self, items: list[dict[str, Any]], labels: list[str] | None = None) -> None:
        """One TransactWriteItems. A failed condition raises TransactionConflict; a transaction cancelled only
        because another one held an item at the same moment wrote nothing, so it is retried (with jittered backoff)."""
        for attempt in range(CONTENTION_RETRIES + 1):
            try:
                self.client.transact_write_items(TransactItems=items)
                return
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" in reasons or "TransactionConflict" not in reasons:
                raise TransactionConflict(reasons, labels)
            if attempt < CONTENTION_RETRIES:
                time.sleep(random.uniform(0.005, 0.02) * (2**attempt))
        raise LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                           "The resource is being modified by another request; retry the request")

    def _put(self, item: dict[str, Any], condition: str | None = "attribute_not_exists(PK)") -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self.table, "Item": to_item(item)}
        if condition:
            put["ConditionExpression"] = condition
        return {"Put": put}

    def _list_attrs(self, collection: str, item_id: str) -> dict[str, str]:
        return {"GSI1PK": self._pk(collection), "GSI1SK": item_id}

    def _pending_attrs(self, job: dict[str, Any], item_id: str) -> dict[str, Any]:
        return {"JOBPK": self._pk("PENDING"), "JOBSK": f"{now_ms():013d}#{item_id}", "job": json.dumps(job)}

    def _head(self, pk: str, owner: dict[str, str]) -> dict[str, Any]:
        """The head item of a list partition: it names the partition's owner and sorts after every entry."""
        return self._put({"PK": pk, "SK": HEAD_SK, **owner})

    def _owned_page(
        self, pk: str, prefix: str, owner: dict[str, str], limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], dict[str, str] | None] | None:
        """A newest-first page of a list partition, in one Query; None when the partition is not `owner`'s.

        The first page reads the head item along with the entries and checks it; a cursor is bound by its MAC
        to this partition and owner, so later pages need no check."""
        scope = "|".join((self.table, pk, *(f"{k}={v}" for k, v in sorted(owner.items()))))
        kw: dict[str, Any] = {"ScanIndexForward": False, "ConsistentRead": True, "Limit": limit}
        if cursor:
            kw["ExclusiveStartKey"] = decode_cursor(prefix, scope, cursor, self._secret)
        else:
            kw["Limit"] = limit + 1
        items, last = self._query(pk, **kw)
        if not cursor:
            head = items[0] if items and items[0]["SK"] == HEAD_SK else None
            if head is None or any(head.get(k) != v for k, v in owner.items()):
                return None
            items = items[1:]
        next_cursor = encode_cursor(prefix, scope, last, self._secret, self._cursor_ttl) if last else None
        return items, next_cursor

    # ------------------------------------------------------------------ API keys (auth)
    def put_api_key(self, app_id: str, token_hash: str, name: str) -> None:
        """Store one API key pair (the token only as its hash)."""
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "PK": self._pk("APIKEY"),
                    "SK": app_id,
                    "project_id": self.project_id,
                    "token_hash": token_hash,
                    "name": name,
                    "created_at": now_iso(),
                }
            ),
        )

    def get_api_key(self, app_id: str) -> dict[str, Any] | None:
        """The key record for an app id of this project."""
        return self._get(self._pk("APIKEY"), app_id)

    # ------------------------------------------------------------------ components
    def _create_component(self, kind: str, obj: dict[str, Any], collection: str) -> None:
        item = {"PK": self._pk(kind, obj["id"]), "SK": kind, "status": obj["status"], "data": obj}
        self.client.put_item(**self._put({**item, **self._list_attrs(collection, obj["id"])})["Put"])

    def create_card_definition(self, obj: dict[str, Any]) -> None:
        """Store a new card definition."""
        self._create_component("CDEF", obj, "CDEFS")

    def create_earning_rule(self, obj: dict[str, Any]) -> None:
        """Store a new earning rule."""
        self._create_component("ERULE", obj, "ERULES")

    def create_reward(self, obj: dict[str, Any]) -> None:
        """Store a new reward."""
        self._create_component("REWARD", obj, "REWARDS")

    def _get_component(self, kind: str, item_id: str) -> dict[str, Any] | None:
        item = self._get(self._pk(kind, item_id), kind)
        return item["data"] if item else None

    def get_card_definition(self, item_id: str) -> dict[str, Any] | None:
        """One card definition."""
        return self._get_component("CDEF", item_id)

    def get_earning_rule(self, item_id: str) -> dict[str, Any] | None:
        """One earning rule."""
        return self._get_component("ERULE", item_id)

    def get_reward(self, item_id: str) -> dict[str, Any] | None:
        """One reward."""
        return self._get_component("REWARD", item_id)

    def get_components(self, refs: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """Many components in one BatchGetItem; refs are (kind, id) with kind CDEF|ERULE|REWARD|TS."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        keys = [self._key(self._pk(kind, item_id), kind) for kind, item_id in dict.fromkeys(refs)]
        while keys:
            request = {self.table: {"Keys": keys[:100], "ConsistentRead": True}}
            keys = keys[100:]
            while request:
                resp = self.client.batch_get_item(RequestItems=request)
                for raw in resp.get("Responses", {}).get(self.table, []):
                    item = from_item(raw)
                    found[(item["SK"], item["data"]["id"])] = item["data"]
                request = resp.get("UnprocessedKeys") or {}
        return found

    # ------------------------------------------------------------------ programs
    def create_program(self, program: dict[str, Any], assignments: list[dict[str, Any]], checks: list[tuple[str, str]]) -> None:
        """Program and its component assignments in one transaction; `checks` must still exist and keep their status."""
        pk = self._pk("PRG", program["id"])
        items = [self._put({"PK": pk, "SK": "PROGRAM", "status": program["status"], "data": program,
                            **self._list_attrs("PROGRAMS", program["id"])})]
        for a in assignments:
            row = {"PK": pk, "SK": f"A#{a['kind']}#{a['id']}", "data": a["data"]}
            if "stock_quantity" in a:
                row["stock_quantity"] = a["stock_quantity"]
            row["redeemed"] = 0
            items.append(self._put(row))
        for kind, item_id in checks:
            items.append(
                {
                    "ConditionCheck": {
                        "TableName": self.table,
                        "Key": self._key(self._pk(kind, item_id), kind),
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                }
            )
        self._transact(items)

    def get_program_with_assignments(self, program_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """The program and its assignments (one Query); None when it does not exist."""
        items, _ = self._query(self._pk("PRG", program_id), ConsistentRead=True)
        program = next((i for i in items if i["SK"] == "PROGRAM"), None)
        if program is None:
            return None
        assignments = [
            {"kind": i["SK"].split("#")[1], "id": i["SK"].split("#", 2)[2], "data": i["data"],
             "stock_quantity": i.get("stock_quantity"), "redeemed": i.get("redeemed", 0)}
            for i in items
            if i["SK"].startswith("A#")
        ]
        return program["data"], assignments

    # ------------------------------------------------------------------ customers
    def get_customer(self, customer_id: str) -> dict[str, Any] | None:
        """One customer by id."""
        item = self._get(self._pk("CUST", customer_id), "CUSTOMER")
        return item["data"] if item else None

    def get_customer_id_by_source_id(self, source_id: str) -> str | None:
        """The id of the customer holding `source_id`."""
        item = self._get(self._pk("CUSTSRC", source_id), "CUSTSRC")
        return item["customer_id"] if item else None

    def create_customer(self, customer: dict[str, Any]) -> None:
        """A new customer, claiming its source id in the same transaction."""
        items = [self._put({"PK": self._pk("CUST", customer["id"]), "SK": "CUSTOMER", "data": customer,
                            **self._list_attrs("CUSTOMERS", customer["id"])})]
        if customer.get("source_id"):
            items.append(self._put({"PK": self._pk("CUSTSRC", customer["source_id"]), "SK": "CUSTSRC",
                                    "customer_id": customer["id"]}))
        self._transact(items)

    def replace_customer(self, customer: dict[str, Any]) -> None:
        """Overwrite an existing customer's data (upsert by source id)."""
        self.client.update_item(
            TableName=self.table,
            Key=self._key(self._pk("CUST", customer["id"]), "CUSTOMER"),
            UpdateExpression="SET #d = :d",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames={"#d": "data"},
            ExpressionAttributeValues=values(d=customer),
        )

    # ------------------------------------------------------------------ members and cards
    def get_membership(self, scope_id: str, customer_id: str) -> dict[str, Any] | None:
        """The member (and card) a customer holds in a program or v1 campaign."""
        return self._get(self._pk("MSHIP", scope_id, customer_id), "MSHIP")

    def create_member(
        self,
        member: dict[str, Any],
        cards: list[dict[str, Any]],
        *,
        scope_id: str,
        job: dict[str, Any] | None = None,
        codes: list[str] = (),  # type: ignore[assignment]
        transactions: list[dict[str, Any]] = (),  # type: ignore[assignment]
    ) -> None:
        """Member, its cards, their list heads and the one-per-customer claim in one transaction.

        A refusal is a TransactionConflict whose `failed_named("membership")` or `failed_named("code")` says why."""
        pk = self._pk("MBR", member["id"])
        member_row: dict[str, Any] = {"PK": pk, "SK": "MEMBER", "status": member["status"], "data": member,
                                      **self._list_attrs(f"PRG#{scope_id}#MEMBERS", member["id"])}
        if job:
            member_row.update(self._pending_attrs(job, member["id"]))
        owner = {"program_id": member["program_id"], "member_id": member["id"]}
        items: list[tuple[str, dict[str, Any]]] = [
            ("membership", self._put({"PK": self._pk("MSHIP", scope_id, member["customer_id"]), "SK": "MSHIP",
                                      "member_id": member["id"], "card_ids": [c["id"] for c in cards]})),
            ("member", self._put(member_row)),
            ("head", self._head(self._pk("MBR", member["id"], "RTX"), owner)),
        ]
        for card in cards:
            items.append(("card", self._put(self._card_row(member["id"], card))))
            items.append(("head", self._head(self._pk("CARD", card["id"]), owner)))
        for code in codes:
            items.append(("code", self._put({"PK": self._pk("CODE", code), "SK": "CODE", "member_id": member["id"],
                                             "card_id": cards[0]["id"]})))
        for ctx in transactions:
            items.append(("transaction", self._put(self._ctx_row(ctx))))
        self._transact([item for _, item in items], [label for label, _ in items])

    def _card_row(self, member_id: str, card: dict[str, Any]) -> dict[str, Any]:
        counters = {name: card.get(name, 0) for name in COUNTERS}
        static = {k: v for k, v in card.items() if k not in COUNTERS and k not in ("balance", "code")}
        return {"PK": self._pk("MBR", member_id), "SK": f"CARD#{card['id']}", **counters,
                "balance": card.get("balance", 0), "code": card.get("code"), "data": static}

    @staticmethod
    def _card_from_row(item: dict[str, Any]) -> dict[str, Any]:
        card = dict(item["data"])
        card.update({name: item.get(name, 0) for name in COUNTERS})
        card["balance"] = item.get("balance", 0)
        card["code"] = item.get("code")
        return card

    def get_member_with_cards(self, member_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """The member and its cards with their counters (one Query); None when absent."""
        items, _ = self._query(self._pk("MBR", member_id), ConsistentRead=True)
        member = next((i for i in items if i["SK"] == "MEMBER"), None)
        if member is None:
            return None
        data = dict(member["data"])
        data["status"] = member["status"]
        cards = [self._card_from_row(i) for i in items if i["SK"].startswith("CARD#")]
        return data, cards

    def get_card_by_code(self, code: str) -> dict[str, Any] | None:
        """The code claim `{member_id, card_id}` of a card code."""
        return self._get(self._pk("CODE", code), "CODE")

    def get_card(self, member_id: str, card_id: str) -> dict[str, Any] | None:
        """One card with its counters."""
        item = self._get(self._pk("MBR", member_id), f"CARD#{card_id}")
        return self._card_from_row(item) if item else None

    def assign_card_codes(self, member_id: str, codes: dict[str, str]) -> None:
        """Give cards their generated codes (claimed unique) and clear the member's pending code job."""
        pk = self._pk("MBR", member_id)
        items: list[dict[str, Any]] = []
        for card_id, code in codes.items():
            items.append(self._put({"PK": self._pk("CODE", code), "SK": "CODE", "member_id": member_id, "card_id": card_id}))
            items.append({"Update": {
                "TableName": self.table, "Key": self._key(pk, f"CARD#{card_id}"),
                "UpdateExpression": "SET #code = :c",
                "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(#code)",
                "ExpressionAttributeNames": {"#code": "code"}, "ExpressionAttributeValues": values(c=code)}})
        items.append({"Update": {
            "TableName": self.table, "Key": self._key(pk, "MEMBER"),
            "UpdateExpression": "REMOVE JOBPK, JOBSK, job", "ConditionExpression": "attribute_exists(JOBPK)"}})
        self._transact(items)

    def clear_member_job(self, member_id: str) -> None:
        """Drop the pending-code-job marker of a member whose cards already have codes."""
        self.client.update_item(TableName=self.table, Key=self._key(self._pk("MBR", member_id), "MEMBER"),
                                UpdateExpression="REMOVE JOBPK, JOBSK, job")

    # ------------------------------------------------------------------ card transactions
    def _ctx_row(self, ctx: dict[str, Any], job: dict[str, Any] | None = None) -> dict[str, Any]:
        row = {"PK": self._pk("CARD", ctx["card_id"]), "SK": f"CTX#{ctx['id']}", "status": ctx["status"],
               "data": ctx}
        if job:
            row.update(self._pending_attrs(job, ctx["id"]))
        return row

    @staticmethod
    def _ctx_from_row(item: dict[str, Any]) -> dict[str, Any]:
        ctx = dict(item["data"])
        ctx["status"] = item["status"]
        ctx["updated_at"] = item.get("updated_at")
        if "rejection" in item:
            ctx["details"] = {**ctx["details"], "rejection": item["rejection"]}
        return ctx

    def create_pending_card_transaction(self, ctx: dict[str, Any], job: dict[str, Any]) -> None:
        """A PENDING card transaction, visible to the sweeper until the worker applies it."""
        self.client.put_item(**self._put(self._ctx_row(ctx, job))["Put"])

    def get_card_transaction(self, card_id: str, ctx_id: str) -> dict[str, Any] | None:
        """One card transaction (with its internal `job` fields stripped)."""
        item = self._get(self._pk("CARD", card_id), f"CTX#{ctx_id}")
        return self._ctx_from_row(item) if item else None

    def _card_update(self, member_id: str, card_id: str, deltas: dict[str, int], min_balance: int | None) -> dict[str, Any]:
        names: dict[str, str] = {}
        vals: dict[str, Any] = {}
        sets = []
        for i, (name, amount) in enumerate(sorted(deltas.items())):
            names[f"#c{i}"] = name
            vals[f":c{i}"] = serialize(amount)
            sets.append(f"#c{i} = #c{i} + :c{i}")
        names["#b"] = "balance"
        vals[":bd"] = serialize(balance_delta(deltas))
        sets.append("#b = #b + :bd")
        condition = "attribute_exists(PK)"
        if min_balance is not None:
            condition += " AND #b >= :need"
            vals[":need"] = serialize(min_balance)
        return {"Update": {"TableName": self.table, "Key": self._key(self._pk("MBR", member_id), f"CARD#{card_id}"),
                           "UpdateExpression": "SET " + ", ".join(sets), "ConditionExpression": condition,
                           "ExpressionAttributeNames": names, "ExpressionAttributeValues": vals}}

    def _ctx_settle(self, ctx: dict[str, Any], status: str, rejection: dict[str, Any] | None = None) -> dict[str, Any]:
        expr = "SET #s = :s, updated_at = :u REMOVE JOBPK, JOBSK, job"
        vals = values(s=status, u=now_iso(), p="PENDING")
        if rejection is not None:
            expr = "SET #s = :s, updated_at = :u, #rej = :r REMOVE JOBPK, JOBSK, job"
            vals.update(values(r=rejection))
        return {"Update": {"TableName": self.table, "Key": self._key(self._pk("CARD", ctx["card_id"]), f"CTX#{ctx['id']}"),
                           "UpdateExpression": expr, "ConditionExpression": "#s = :p",
                           "ExpressionAttributeNames": {"#s": "status", **({"#rej": "rejection"} if rejection is not None else {})},
                           "ExpressionAttributeValues": vals}}

    def apply_card_transaction(self, ctx: dict[str, Any], deltas: dict[str, int], min_balance: int | None) -> None:
        """Move a PENDING transaction to APPROVED and its card's counters, in one transaction.

        Raises TransactionConflict: index 0 = no longer PENDING, index 1 = balance condition failed."""
        self._transact([self._ctx_settle(ctx, "APPROVED"), self._card_update(ctx["member_id"], ctx["card_id"], deltas, min_balance)])

    def reject_card_transaction(self, ctx: dict[str, Any], rejection: dict[str, Any], deltas: dict[str, int] | None = None) -> None:
        """Move a PENDING transaction to REJECTED (and release what it held, if anything)."""
        items = [self._ctx_settle(ctx, "REJECTED", rejection)]
        if deltas:
            items.append(self._card_update(ctx["member_id"], ctx["card_id"], deltas, None))
        self._transact(items)

    def list_card_transactions(
        self, program_id: str, member_id: str, card_id: str, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], dict[str, str] | None] | None:
        """A page of a card's transactions, newest first (one Query); None unless the card is this member's."""
        page = self._owned_page(self._pk("CARD", card_id), "lcrsctx_", {"program_id": program_id, "member_id": member_id},
                                limit, cursor)
        return None if page is None else ([self._ctx_from_row(i) for i in page[0]], page[1])

    # ------------------------------------------------------------------ reward purchases
    def _rtx_key(self, member_id: str, rtx_id: str) -> dict[str, Any]:
        return self._key(self._pk("MBR", member_id, "RTX"), f"RTX#{rtx_id}")

    @staticmethod
    def _rtx_from_row(item: dict[str, Any]) -> dict[str, Any]:
        rtx = dict(item["data"])
        rtx["status"] = item["status"]
        rtx["updated_at"] = item.get("updated_at")
        details = dict(rtx.get("details") or {})
        if "result" in item:
            details["result"] = item["result"]
        if "rejection" in item:
            details["rejection"] = item["rejection"]
        rtx["details"] = details
        return rtx

    def _prw_key(self, program_id: str, reward_id: str) -> dict[str, Any]:
        return self._key(self._pk("PRG", program_id), f"A#REWARD#{reward_id}")

    def accept_reward_purchase(
        self, rtx: dict[str, Any], ctx: dict[str, Any], cost: int, limited_stock: bool, job: dict[str, Any]
    ) -> None:
        """Lock the cost on the card, take one from stock and write both transactions PENDING, atomically.

        TransactionConflict indexes: 0 card balance, 1 stock, 2 member no longer ACTIVE."""
        items = [self._card_update(ctx["member_id"], ctx["card_id"], {"locked": cost}, cost)]
        prw = {"TableName": self.table, "Key": self._prw_key(rtx["program_id"], rtx["reward_id"])}
        if limited_stock:
            items.append({"Update": {**prw, "UpdateExpression": "SET stock_quantity = stock_quantity - :one",
                                     "ConditionExpression": "stock_quantity > :zero",
                                     "ExpressionAttributeValues": values(one=1, zero=0)}})
        else:
            items.append({"ConditionCheck": {**prw, "ConditionExpression": "attribute_exists(PK)"}})
        items.append({"ConditionCheck": {"TableName": self.table, "Key": self._key(self._pk("MBR", ctx["member_id"]), "MEMBER"),
                                         "ConditionExpression": "#s = :a", "ExpressionAttributeNames": {"#s": "status"},
                                         "ExpressionAttributeValues": values(a="ACTIVE")}})
        items.append(self._put({"PK": self._pk("MBR", rtx["member_id"], "RTX"), "SK": f"RTX#{rtx['id']}",
                                "status": rtx["status"], "data": rtx}))
        items.append(self._put(self._ctx_row(ctx, job)))
        self._transact(items)

    def _rtx_settle(self, rtx_member: str, rtx_id: str, status: str, field: str, value: Any) -> dict[str, Any]:
        return {"Update": {"TableName": self.table, "Key": self._rtx_key(rtx_member, rtx_id),
                           "UpdateExpression": "SET #s = :s, updated_at = :u, #f = :v",
                           "ConditionExpression": "#s = :p", "ExpressionAttributeNames": {"#s": "status", "#f": field},
                           "ExpressionAttributeValues": values(s=status, u=now_iso(), v=value, p="PENDING")}}

    def approve_reward_purchase(self, ctx: dict[str, Any], cost: int, result: dict[str, Any]) -> None:
        """Spend the locked points, count the redemption and write the result, if the reward is still ACTIVE.

        TransactionConflict indexes: 0 not PENDING any more, 4 reward no longer ACTIVE."""
        d = ctx["details"]
        self._transact([
            self._ctx_settle(ctx, "APPROVED"),
            self._card_update(ctx["member_id"], ctx["card_id"], {"unlocked": cost, "spent": cost}, None),
            self._rtx_settle(ctx["member_id"], d["reward_transaction"]["id"], "APPROVED", "result", result),
            {"Update": {"TableName": self.table, "Key": self._prw_key(ctx["program_id"], d["reward"]["id"]),
                        "UpdateExpression": "SET redeemed = if_not_exists(redeemed, :zero) + :one",
                        "ExpressionAttributeValues": values(one=1, zero=0)}},
            {"ConditionCheck": {"TableName": self.table, "Key": self._key(self._pk("REWARD", d["reward"]["id"]), "REWARD"),
                                "ConditionExpression": "#s = :a", "ExpressionAttributeNames": {"#s": "status"},
                                "ExpressionAttributeValues": values(a="ACTIVE")}},
        ])

    def reject_reward_purchase(self, ctx: dict[str, Any], cost: int, limited_stock: bool, rejection: dict[str, Any]) -> None:
        """Unlock the points, give the stock back and mark both transactions REJECTED."""
        d = ctx["details"]
        items = [
            self._ctx_settle(ctx, "REJECTED", rejection),
            self._card_update(ctx["member_id"], ctx["card_id"], {"unlocked": cost}, None),
            self._rtx_settle(ctx["member_id"], d["reward_transaction"]["id"], "REJECTED", "rejection", rejection),
        ]
        if limited_stock:
            items.append({"Update": {"TableName": self.table, "Key": self._prw_key(ctx["program_id"], d["reward"]["id"]),
                                     "UpdateExpression": "SET stock_quantity = stock_quantity + :one",
                                     "ConditionExpression": "attribute_exists(stock_quantity)",
                                     "ExpressionAttributeValues": values(one=1)}})
        self._transact(items)

    def list_member_reward_purchases(
        self, program_id: str, member_id: str, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], dict[str, str] | None] | None:
        """A page of a member's reward purchases, newest first (one Query); None unless the member is the program's."""
        page = self._owned_page(self._pk("MBR", member_id, "RTX"), "lcrstrx_", {"program_id": program_id, "member_id": member_id},
                                limit, cursor)
        return None if page is None else ([self._rtx_from_row(i) for i in page[0]], page[1])

    # ------------------------------------------------------------------ v1 campaigns
    def create_campaign(self, campaign: dict[str, Any]) -> None:
        """A v1 loyalty campaign, claiming its name (unique per project) in the same transaction."""
        self._transact([
            self._put({"PK": self._pk("CAMPNAME", campaign["name"]), "SK": "CAMPNAME", "campaign_id": campaign["id"]}),
            self._put({"PK": self._pk("CAMP", campaign["id"]), "SK": "CAMPAIGN", "data": campaign,
                       **self._list_attrs("CAMPAIGNS", campaign["id"])}),
        ])

    def get_campaign(self, campaign_id: str) -> dict[str, Any] | None:
        """One v1 campaign."""
        item = self._get(self._pk("CAMP", campaign_id), "CAMPAIGN")
        return item["data"] if item else None

    # ------------------------------------------------------------------ sweeper (all projects)
    @staticmethod
    def scan_pending_jobs(client: Any, table: str, older_than_ms: int) -> list[dict[str, Any]]:
        """Jobs still pending that were written before `older_than_ms` (Scan of the sparse PendingJobs index)."""
        jobs: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": table,
            "IndexName": _PENDING_INDEX,
            "FilterExpression": "JOBSK < :t",
            "ExpressionAttributeValues": {":t": {"S": f"{older_than_ms:013d}"}},
        }
        while True:
            resp = client.scan(**kwargs)
            for raw in resp.get("Items", []):
                jobs.append(json.loads(raw["job"]["S"]))
            if "LastEvaluatedKey" not in resp:
                return jobs
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    # ---- v1 (campaign cards)
    def get_campaign_id_by_name(self, name: str) -> str | None:
        """The id of the v1 campaign holding `name` (the path's campaignId may be a name)."""
        item = self._get(self._pk("CAMPNAME", name), "CAMPNAME")
        return item["campaign_id"] if item else None

    def record_settled_card_balance_change(self, ctx: dict[str, Any], deltas: dict[str, int], min_balance: int | None) -> None:
        """Write an already-APPROVED transaction and move the card's counters (and its `updated_at`, which a v1 voucher
        shows) in one transaction: v1 balance changes are synchronous.

        Raises TransactionConflict: index 1 = the card is gone or its balance is below `min_balance`."""
        update = self._card_update(ctx["member_id"], ctx["card_id"], deltas, min_balance)
        spec = update["Update"]
        spec["UpdateExpression"] += ", #d.#ua = :ua"
        spec["ExpressionAttributeNames"].update({"#d": "data", "#ua": "updated_at"})
        spec["ExpressionAttributeValues"][":ua"] = serialize(ctx["created_at"])
        self._transact([self._put(self._ctx_row(ctx)), update])
