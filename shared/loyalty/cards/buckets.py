"""A card's points buckets as stored (pending points waiting for their date, active points grouped by expiration date and
type) and the one-card transaction that moves points between them and the card's counters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from loyalty.cards.store import ItemBuilder, add_counter_move, add_transaction
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.logs import logger
from loyalty.core.settings import get_settings
from loyalty.db.keys import EXPIRING_BUCKET_SK_PREFIX, PENDING_BUCKET_SK_PREFIX, Key, expiring_mark, pending_mark
from loyalty.db.table import Item, Table
from loyalty.db.transact import Transaction, TransactionConflict
from loyalty.earning.buckets import UnsupportedRule, consume, expiration_date, expiration_type

PENDING = "PENDING"
EXPIRING = "EXPIRING"


# ---------------------------------------------------------------------------------------------- bucket records
def bucket_ref(card: dict[str, Any]) -> dict[str, Any]:
    """The card fields every bucket of the card repeats (the spec's bucket objects carry them)."""
    return {"card_id": card["id"], "member_id": card["member_id"], "program_id": card["program_id"],
            "card_definition_id": card["card_definition_id"], "card_type": card.get("card_type", "INDIVIDUAL")}


def pending_bucket_from_item(item: Item) -> dict[str, Any]:
    """A pending bucket's stored record (the API view adds nothing it does not hold)."""
    return dict(item["data"])


def expiring_bucket_from_item(item: Item) -> dict[str, Any]:
    """An ACTIVE expiring bucket as `v2:CardPointsBucket` (points live at the top of the item, where credits add to them)."""
    data = dict(item["data"])
    created, credited = item.get("created_at"), item.get("credited_at")
    data.update({"id": item["id"], "points": {"total": int(item.get("points", 0))}, "status": "ACTIVE", "created_at": created,
                 "updated_at": credited if credited != created else None, "object": "card_points_bucket"})
    return data


# ---------------------------------------------------------------------------------------------- expiry
def points_expiry(cdef: Mapping[str, Any], override: Mapping[str, Any] | None = None,
                  at: str | datetime | None = None) -> tuple[str | None, str]:
    """The last valid day (project time zone) and the expiration type of points that become active at `at` (default now)
    on a card of this card definition (earning-map §4): an effect's `override` wins over the card definition's
    `points_expiration`. A policy that cannot be computed (it needs the card's activity history) is logged and the points
    do not expire."""
    policy = cdef.get("points_expiration")
    try:
        day = expiration_date(policy, override, at or now_iso(), get_settings().timezone)
    except UnsupportedRule as exc:
        logger.error("points expiration cannot be computed; the points do not expire", extra={"detail": str(exc)})
        return None, "NO_EXPIRATION"
    return (day.isoformat() if day else None), expiration_type(policy, override)


# ---------------------------------------------------------------------------------------------- reads
def get_card_buckets(db: Table, card_id: str, prefix: str) -> list[Item]:
    """Every item of one kind of bucket a card holds (one Query of its ledger partition, in sort-key order: activation
    date for pending buckets, expiration date for expiring ones)."""
    return db.query_all(db.keys.card_transactions(card_id), prefix)


def get_pending_buckets(db: Table, card_id: str) -> list[Item]:
    """A card's PENDING pending-points buckets, by activation date."""
    return get_card_buckets(db, card_id, PENDING_BUCKET_SK_PREFIX)


def get_expiring_buckets(db: Table, card_id: str) -> list[Item]:
    """A card's ACTIVE expiring-points buckets, soonest-expiring first."""
    return get_card_buckets(db, card_id, EXPIRING_BUCKET_SK_PREFIX)


def due_buckets(db: Table, kind: str, before_day: str, limit: int = 1000,
                start: dict[str, Any] | None = None) -> tuple[list[Item], dict[str, Any] | None]:
    """A page of the project's buckets of `kind` (PENDING or EXPIRING) whose date is before `before_day` (GSI1 Query)."""
    return db.query_list_below(db.keys.buckets_due(kind), before_day, limit, start)


def get_daily_run(db: Table, day: str) -> Item | None:
    """The record of the daily job's run for `day` (None until it completed)."""
    return db.get(db.keys.daily_run(day))


def record_daily_run(db: Table, day: str, summary: dict[str, Any]) -> None:
    """Record that the daily job completed its work for `day` (overwrites a record of an earlier partial run)."""
    db.put(db.keys.daily_run(day), {"summary": summary, "completed_at": now_iso()}, condition=None)


# ---------------------------------------------------------------------------------------------- transaction items
def add_expiring_credit(tx: Transaction, db: Table, card: dict[str, Any], expiration_date: str, expiration_type: str,
                        points: int, bucket_id: str, *, label: str) -> None:
    """Add `points` to the card's ACTIVE bucket for (expiration_date, expiration_type), creating it (with `bucket_id`)
    when it does not exist yet; the bucket joins the daily job's expiry list."""
    now = now_iso()
    due = db.keys.bucket_due(EXPIRING, expiration_date, card["id"], expiration_type)
    data = {**bucket_ref(card), "customer_id": card.get("customer_id"), "expiration_date": expiration_date,
            "expiration_type": expiration_type}
    tx.update(label, db.keys.expiring_bucket(card["id"], expiration_date, expiration_type),
              "SET #id = if_not_exists(#id, :id), created_at = if_not_exists(created_at, :now), credited_at = :now, #d = :d, "
              f"{db.keys.LISTED_SET} ADD points :n",
              condition=None, names={"#id": "id", "#d": "data"},
              values={"id": bucket_id, "now": now, "d": data, "n": points, **db.keys.listed_values(due)})


def add_expiring_debit(tx: Transaction, db: Table, card_id: str, bucket: Item, taken: int, *, label: str) -> None:
    """Take `taken` points from an ACTIVE expiring bucket read with its current points (refused if it moved since); a
    bucket left empty is deleted."""
    key = Key(bucket["PK"], bucket["SK"])
    held = int(bucket.get("points", 0))
    if taken >= held:
        tx.delete(label, key, condition="points = :held", values={"held": held})
    else:
        tx.update(label, key, "SET points = points - :t", condition="points = :held", values={"t": taken, "held": held})


def add_expiring_exchange(tx: Transaction, db: Table, bucket: Item, taken: int, credited: int, *, label: str) -> None:
    """Take `taken` points from an ACTIVE expiring bucket read with its current points and credit `credited` to it, in
    one update (refused if it moved since): a purchase that spends and credits points of the same expiration on one card."""
    held = int(bucket.get("points", 0))
    tx.update(label, Key(bucket["PK"], bucket["SK"]), "SET points = points + :n, credited_at = :now", condition="points = :held",
              values={"n": credited - taken, "now": now_iso(), "held": held})


def add_bucket_settled(tx: Transaction, db: Table, bucket: Item, record: dict[str, Any], *, label: str) -> None:
    """Move a bucket out of its list (delete it, on condition that it still holds what was read) and keep its final
    record: an activated or canceled pending bucket, an expired points bucket."""
    card_id = str(record["card_id"])
    names: dict[str, str] | None = None
    if "points" in bucket and not isinstance(bucket["points"], dict):
        condition, values = "points = :held", {"held": int(bucket["points"])}
    else:  # a pending bucket keeps its points in its record (v1 may adjust them while it is PENDING)
        condition, values = "#d.#p.#t = :held", {"held": int(bucket["data"]["points"]["total"])}
        names = {"#d": "data", "#p": "points", "#t": "total"}
    tx.delete(label, Key(bucket["PK"], bucket["SK"]), condition=condition, names=names, values=values)
    tx.put(f"{label}:record", db.keys.settled_bucket(card_id, str(record["id"])), {"data": record})


def add_pending_bucket(tx: Transaction, db: Table, bucket: dict[str, Any], *, label: str) -> None:
    """A new PENDING bucket, on the daily job's list for its date."""
    tx.put(label, db.keys.pending_bucket(bucket["card_id"], bucket["date"], bucket["id"]),
           {"data": bucket, **db.keys.bucket_due(PENDING, bucket["date"], bucket["card_id"], bucket["id"])})


def add_pending_points_change(tx: Transaction, db: Table, bucket: Item, points: int, *, label: str) -> None:
    """Add `points` (negative: take them) to a PENDING bucket read with its current points (refused if it moved since)."""
    held = int(bucket["data"]["points"]["total"])
    tx.update(label, Key(bucket["PK"], bucket["SK"]), "SET #d.#p.#t = :now, #d.#u = :at",
              condition="#d.#p.#t = :held", names={"#d": "data", "#p": "points", "#t": "total", "#u": "updated_at"},
              values={"now": held + points, "held": held, "at": now_iso()})


@dataclass
class CardWrite:
    """Everything one TransactWriteItems does to one card: the card transactions it records, the counters it moves
    (`min_balance` guards a debit), and the other items (claims, buckets) as (label, builder) pairs.

    Bucket items are added through the methods below (`add_pending`, `credit_expiring`, `debit_expiring`,
    `change_pending`, `settle_bucket`): each also moves the card's mirror of the bucket (`marks`), so that the card item
    alone answers its next activation and next expiration, in the same transaction."""

    member_id: str
    card_id: str
    transactions: list[dict[str, Any]] = field(default_factory=list)
    deltas: dict[str, int] = field(default_factory=dict)
    min_balance: int | None = None
    items: list[ItemBuilder] = field(default_factory=list)
    marks: dict[str, int | None] = field(default_factory=dict)
    expect: dict[str, int] | None = None  # counters the card must still hold as read (the move is refused otherwise)

    def move(self, **deltas: int) -> None:
        """Add counter moves."""
        for name, amount in deltas.items():
            self.deltas[name] = self.deltas.get(name, 0) + amount

    def mark(self, name: str, amount: int | None) -> None:
        """Move a bucket mirror on the card: add `amount`, or remove it (None)."""
        if amount is None or name not in self.marks:
            self.marks[name] = amount
        elif self.marks[name] is None:
            raise ValueError(f"bucket mirror {name} is removed and changed in one write")
        else:
            self.marks[name] = int(self.marks[name] or 0) + amount

    def add_pending(self, db: Table, bucket: dict[str, Any], *, label: str) -> None:
        """A new PENDING bucket (see add_pending_bucket)."""
        self.items.append((label, lambda tx, lb: add_pending_bucket(tx, db, bucket, label=lb)))
        self.mark(pending_mark(bucket["date"], bucket["type"], bucket["id"]), int(bucket["points"]["total"]))

    def change_pending(self, db: Table, bucket: Item, points: int, *, label: str) -> None:
        """More (or fewer) points in a PENDING bucket (see add_pending_points_change)."""
        data = bucket["data"]
        self.items.append((label, lambda tx, lb: add_pending_points_change(tx, db, bucket, points, label=lb)))
        self.mark(pending_mark(data["date"], data["type"], data["id"]), points)

    def credit_expiring(self, db: Table, card: dict[str, Any], expiration_date: str, expiration_type: str, points: int,
                        bucket_id: str, *, label: str) -> None:
        """Points joining the ACTIVE bucket of their expiration date and type (see add_expiring_credit)."""
        self.items.append((label, lambda tx, lb: add_expiring_credit(tx, db, card, expiration_date, expiration_type, points, bucket_id,
                                                                    label=lb)))
        self.mark(expiring_mark(expiration_date, expiration_type), points)

    def debit_expiring(self, db: Table, bucket: Item, taken: int, *, label: str) -> None:
        """Points taken from an ACTIVE expiring bucket (see add_expiring_debit)."""
        data = bucket["data"]
        self.items.append((label, lambda tx, lb: add_expiring_debit(tx, db, self.card_id, bucket, taken, label=lb)))
        held = int(bucket.get("points", 0))
        self.mark(expiring_mark(data["expiration_date"], data["expiration_type"]), None if taken >= held else -taken)

    def settle_bucket(self, db: Table, bucket: Item, record: dict[str, Any], *, label: str) -> None:
        """A bucket leaving its list (see add_bucket_settled)."""
        data = bucket["data"]
        self.items.append((label, lambda tx, lb: add_bucket_settled(tx, db, bucket, record, label=lb)))
        if str(bucket["SK"]).startswith(PENDING_BUCKET_SK_PREFIX):
            self.mark(pending_mark(data["date"], data["type"], data["id"]), None)
        else:
            self.mark(expiring_mark(data["expiration_date"], data["expiration_type"]), None)

    def commit(self, db: Table) -> None:
        """Write it all in one transaction (labels: `card` for the counter move, `ctx:<i>` for transactions, and the
        labels the builders chose). Raises TransactionConflict."""
        tx = db.transaction()
        self.add_to(tx, db)
        tx.commit()

    def add_to(self, tx: Transaction, db: Table) -> None:
        """Add it all to a transaction another write commits (labels as `commit` gives them)."""
        for label, build in self.items:
            build(tx, label)
        for i, ctx in enumerate(self.transactions):
            add_transaction(tx, db, cast(Any, ctx), label=f"ctx:{i}")
        moves = {k: v for k, v in self.deltas.items() if v}
        if moves or self.marks:
            add_counter_move(tx, db, self.member_id, self.card_id, moves, self.min_balance, marks=self.marks, expect=self.expect)


def drop_from_due_list(db: Table, bucket: Item) -> None:
    """Take an orphaned bucket (its card was deleted with its member) off the daily job's lists, so no later run tries it again."""
    db.update(Key(bucket["PK"], bucket["SK"]), db.keys.LISTED_REMOVE)


def failed_labels(conflict: TransactionConflict, prefix: str) -> list[str]:
    """The failed labels that start with `prefix`."""
    return [label for label in conflict.failed_labels if label.startswith(prefix)]


def get_settled_bucket(db: Table, card_id: str, bucket_id: str) -> dict[str, Any] | None:
    """The final record of a bucket that left its list (ACTIVATED, CANCELED or EXPIRED), or None."""
    item = db.get(db.keys.settled_bucket(card_id, bucket_id))
    return dict(item["data"]) if item else None


def settled_records(db: Table, card_id: str, bucket_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The final records of buckets that left their lists."""
    return [item["data"] for item in db.get_many([db.keys.settled_bucket(card_id, b) for b in bucket_ids])]


def plan_consumption(db: Table, card_id: str, amount: int) -> list[tuple[Item, int]]:
    """Which ACTIVE expiring buckets a debit of `amount` takes from, as (bucket item, points taken): soonest-expiring
    first; what the buckets do not hold comes from the card's never-expiring points (earning-map §4, §14 E8)."""
    items = get_expiring_buckets(db, card_id)
    records = [{"id": item["SK"], "points": int(item.get("points", 0)), "expiration_date": item["data"]["expiration_date"],
                "status": "ACTIVE", "created_at": item.get("created_at")} for item in items]
    available = sum(r["points"] for r in records)
    by_key = {item["SK"]: item for item in items}
    return [(by_key[sk], taken) for sk, taken in consume(records, min(amount, available))]


def add_consumption(write: CardWrite, db: Table, card_id: str, amount: int) -> None:
    """Add to a card write the debits of its expiring buckets that a debit of `amount` points consumes."""
    for i, (bucket, taken) in enumerate(plan_consumption(db, card_id, amount)):
        write.debit_expiring(db, bucket, taken, label=f"consume:{i}")


@dataclass(frozen=True)
class BucketMoves:
    """Bucket items a card write outside `CardWrite` adds (an admin credit or debit, a purchase, a v1 balance change),
    with the mirrors they move on the card (passed to that write's counter move as `marks`)."""

    items: list[ItemBuilder]
    marks: dict[str, int | None]


def consumption_moves(db: Table, card_id: str, member_id: str, amount: int) -> BucketMoves:
    """The bucket debits (labels `consume:<n>`) a debit of `amount` points makes, as read now: each is conditioned on its
    bucket still holding what was read, so a refused one means "read again and retry" (`write_with_buckets`)."""
    write = CardWrite(member_id, card_id)
    add_consumption(write, db, card_id, amount)
    return BucketMoves(write.items, write.marks)


def credit_moves(db: Table, card: dict[str, Any], expiration_date: str | None, expiration_type: str, points: int) -> BucketMoves:
    """The bucket credit (label `credit`) of points that expire on `expiration_date` (nothing when they never expire)."""
    write = CardWrite(str(card["member_id"]), str(card["id"]))
    if expiration_date is not None and points > 0:
        write.credit_expiring(db, card, expiration_date, expiration_type, points, ids.POINTS_BUCKET.new(), label="credit")
    return BucketMoves(write.items, write.marks)


def _exchange(db: Table, bucket: Item, taken: int, credited: int) -> Callable[[Transaction, str], None]:
    """The builder of one bucket's net debit and credit (see add_expiring_exchange)."""
    return lambda tx, label: add_expiring_exchange(tx, db, bucket, taken, credited, label=label)


def exchange_moves(db: Table, card: dict[str, Any], amount: int, expiration_date: str | None, expiration_type: str,
                   points: int) -> BucketMoves:
    """One card's bucket moves when it both spends `amount` points (labels `consume:<n>`, as `consumption_moves`) and is
    credited `points` that expire on `expiration_date` (label `credit`, as `credit_moves`): when the credit's bucket is
    one the debit takes from, that bucket gets one update with the net change (a transaction writes an item once)."""
    write = CardWrite(str(card["member_id"]), str(card["id"]))
    credited = expiration_date is None or points <= 0
    for i, (bucket, taken) in enumerate(plan_consumption(db, write.card_id, amount)):
        data = bucket["data"]
        if not credited and (data["expiration_date"], data["expiration_type"]) == (expiration_date, expiration_type):
            write.items.append((f"consume:{i}", _exchange(db, bucket, taken, points)))
            write.mark(expiring_mark(str(expiration_date), expiration_type), points - taken)
            credited = True
        else:
            write.debit_expiring(db, bucket, taken, label=f"consume:{i}")
    if not credited:
        write.credit_expiring(db, card, str(expiration_date), expiration_type, points, ids.POINTS_BUCKET.new(), label="credit")
    return BucketMoves(write.items, write.marks)


BUCKET_RETRIES = 5


def write_with_buckets(write: Callable[[BucketMoves], None], plan: Callable[[], BucketMoves]) -> None:
    """Run a card write with the bucket moves `plan` reads now; when a bucket moved before the write (another debit or
    an expiry took from it), read again and retry. Other refusals are raised as they are."""
    for attempt in range(BUCKET_RETRIES):
        try:
            write(plan())
            return
        except TransactionConflict as conflict:
            if not failed_labels(conflict, "consume:") or attempt == BUCKET_RETRIES - 1:
                raise
