"""List pages: entries read from one partition (or one GSI1 collection), filtered and ordered as a ListQuery asks,
with an authenticated cursor. Creation order (or the one field a list's sort keys follow) is served by the sort key one
Query per page; another order reads the whole list and sorts it (bounded); filters are evaluated on the records read, narrowing the key range
when a `created_at` condition allows it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loyalty.core.listing import ListQuery, ListSpec, created_bounds, invalid_query, matches, sort_key
from loyalty.db.codec import serialize
from loyalty.db.cursors import decode_cursor, encode_cursor
from loyalty.db.keys import key_names, start_key_names
from loyalty.db.table import Item, Table

MAX_READS = 10  # Queries one page may make while filters discard entries (each reads up to 1 MB)
MAX_SORTED = 10_000  # entries a non-creation order may sort in memory
TIME_MARGIN_MS = 60_000  # ids and created_at are taken a moment apart: key ranges are widened by this much

Record = dict[str, Any]
Page = tuple[list[Record], dict[str, str] | None]


@dataclass(frozen=True)
class Collection:
    """Where a list's entries live: a base-table partition (entries' sort keys `sk_prefix` + time-ordered id) or a GSI1
    collection (GSI1SK = the entry's time-ordered id), and what a record must carry to belong to the list's owner."""

    partition: str
    index: str | None = None
    sk_prefix: str = ""
    owner: Mapping[str, str] = field(default_factory=dict)
    id_prefix: str = ""  # the entries' id prefix (the time part of a sort key follows it)
    time_ordered: bool = True  # False: the sort key follows no order the list offers, so every order sorts the (small) list in memory
    key_order: str = "created_at"  # the field whose order the sort keys follow (ties in it broken by the rest of the key)

    def serves(self, query: ListQuery) -> bool:
        """Whether the sort key serves the query's order (one Query per page, in either direction)."""
        return self.time_ordered and len(query.order) == 1 and query.order[0][0] == self.key_order

    def key_of(self, item: Item) -> dict[str, Any]:
        """The ExclusiveStartKey that resumes a Query right after `item`."""
        return {n: serialize(item[n]) for n in start_key_names(self.index)}

    def scope(self, table: Table) -> str:
        return "|".join((table.name, self.index or "", self.partition, self.sk_prefix,
                         *(f"{k}={v}" for k, v in sorted(self.owner.items()))))

    def range(self, lower_ms: int | None, upper_ms: int | None) -> tuple[str, str]:
        """Sort-key bounds of the entries created between two instants (widened by the margin)."""
        start = self.sk_prefix + self.id_prefix + (f"{max(0, lower_ms - TIME_MARGIN_MS):011x}" if lower_ms else "")
        end = self.sk_prefix + (self.id_prefix + f"{upper_ms + TIME_MARGIN_MS:011x}" + "~" if upper_ms else "~")
        return start, end


def page(table: Table, collection: Collection, query: ListQuery, spec: ListSpec, to_record: Callable[[Item], Record | None],
         exists: Callable[[], bool] | None = None) -> Page | None:
    """One page of a list; None when the list's owner does not exist (or the entries read belong to another owner).

    `to_record(item)` may answer None for an item of the partition that is not an entry of the list (it is skipped).
    `exists()` is asked only when a first page read no entry at all (an empty list or a missing owner look alike)."""
    scope = collection.scope(table)
    state: dict[str, Any] = {}
    if query.cursor:
        payload = decode_cursor(spec.cursor_prefix, scope, query.cursor, table.secret)
        query = query.with_shape(payload["q"])
        state = payload
    if collection.serves(query):
        found = _by_key(table, collection, query, spec, to_record, state.get("k"))
    else:
        found = _sorted(table, collection, query, spec, to_record, state.get("s"))
    if found is None:
        return None
    records, seen, resume = found
    if not query.cursor:
        if seen and any(r.get(k) != v for r in seen for k, v in collection.owner.items()):
            return None
        if not seen and exists is not None and not exists():
            return None
    cursor = None
    if resume is not None:
        cursor = encode_cursor(spec.cursor_prefix, scope, {**resume, "q": query.shape()}, table.secret, table.cursor_ttl)
    return records, cursor


def _query_kwargs(collection: Collection, query: ListQuery) -> dict[str, Any]:
    pk, sk = key_names(collection.index)
    kw: dict[str, Any] = {"ScanIndexForward": not query.descending}
    lower, upper = created_bounds(query) if collection.id_prefix else (None, None)
    if lower is not None or upper is not None:
        start, end = collection.range(lower, upper)
        kw["key_condition"] = f"{pk} = :pk AND {sk} BETWEEN :lo AND :hi"
        kw["extra_values"] = {":lo": serialize(start), ":hi": serialize(end)}
    elif collection.sk_prefix:
        kw["key_condition"] = f"{pk} = :pk AND begins_with({sk}, :sp)"
        kw["extra_values"] = {":sp": serialize(collection.sk_prefix)}
    else:
        kw["key_condition"] = f"{pk} = :pk"
    if collection.index:
        kw["IndexName"] = collection.index
        kw["ConsistentRead"] = False
    return kw


def _by_key(table: Table, collection: Collection, query: ListQuery, spec: ListSpec, to_record: Callable[[Item], Record | None],
                 start: dict[str, Any] | None) -> tuple[list[Record], list[Record], dict[str, Any] | None] | None:
    """Entries in sort-key order (creation order, or the field the list's keys follow): one Query when nothing is
    filtered out; up to MAX_READS while filters discard entries."""
    kw = _query_kwargs(collection, query)
    taken: list[tuple[Item, Record]] = []
    seen: list[Record] = []
    for _ in range(MAX_READS):
        if start:
            kw["ExclusiveStartKey"] = start
        if not query.conditions:
            kw["Limit"] = query.limit + 1 - len(taken)
        items, last = table.query(collection.partition, **dict(kw))
        for item in items:
            record = to_record(item)
            if record is None:
                continue
            seen.append(record)
            if matches(record, query, spec):
                taken.append((item, record))
                if len(taken) > query.limit:
                    return [r for _, r in taken[:query.limit]], seen, {"k": collection.key_of(taken[query.limit - 1][0])}
        if last is None:
            return [r for _, r in taken], seen, None
        start = last
    # The read budget ran out while filters were discarding entries: the next page resumes where this one stopped.
    return [r for _, r in taken], seen, {"k": start}


def _sorted(table: Table, collection: Collection, query: ListQuery, spec: ListSpec, to_record: Callable[[Item], Record | None],
            after: list[Any] | None) -> tuple[list[Record], list[Record], dict[str, Any] | None] | None:
    """Entries in another order: the whole list is read (Queries of up to 1 MB), filtered and sorted in memory."""
    kw = _query_kwargs(collection, query)
    kw["ScanIndexForward"] = True
    seen: list[Record] = []
    start: dict[str, Any] | None = None
    while True:
        if start:
            kw["ExclusiveStartKey"] = start
        items, start = table.query(collection.partition, **dict(kw))
        seen += [r for r in map(to_record, items) if r is not None]
        if len(seen) > MAX_SORTED:
            names = ", ".join(name for name, _ in query.order)
            raise invalid_query(f"Ordering by {names} sorts the whole list in memory, and this list holds more than "
                                f"{MAX_SORTED:,} entries; order by created_at instead")
        if start is None:
            break
    matching = [r for r in seen if matches(r, query, spec)]
    # Sort by each ordered field in its own direction (stable sorts, last key first), the id breaking ties.
    keyed = [(sort_key(r, query, spec), r) for r in matching]
    fields = [*query.order, ("id", query.order[0][1])]
    for index in reversed(range(len(fields))):
        keyed.sort(key=lambda pair, i=index: pair[0][i], reverse=fields[index][1])  # type: ignore[misc]
    if after is not None:
        position = next((i for i, (key, _) in enumerate(keyed) if key == after), None)
        keyed = keyed[position + 1:] if position is not None else [p for p in keyed if _beyond(p[0], after, fields)]
    records = [r for _, r in keyed[:query.limit]]
    resume = {"s": keyed[query.limit - 1][0]} if len(keyed) > query.limit else None
    return records, seen, resume


def _beyond(key: list[Any], after: list[Any], fields: list[tuple[str, bool]]) -> bool:
    """Whether `key` sorts after `after` in the order (the entry `after` named was deleted in the meantime)."""
    for mine, theirs, (_, descending) in zip(key, after, fields, strict=False):
        if mine != theirs:
            return (mine < theirs) if descending else (mine > theirs)
    return False


def member_page(table: Table, partition: str, sk_prefix: str, id_prefix: str, program_id: str, member_id: str, query: ListQuery,
                spec: ListSpec, to_record: Callable[[Item], Record | None]) -> Page | None:
    """One page of one of a program member's ledgers (reward purchases, order payments, benefit or tier transactions):
    entries whose records name the program and the member, in the member's `partition`; None when the member is not a
    live member of the program (so an empty list and a wrong member are told apart only when nothing was read)."""
    collection = Collection(partition, sk_prefix=sk_prefix, id_prefix=id_prefix, owner={"program_id": program_id, "member_id": member_id})

    def exists() -> bool:
        member = table.get(table.keys.member(member_id))
        return member is not None and member["data"].get("program_id") == program_id and member.get("status") != "DELETED"

    return page(table, collection, query, spec, to_record, exists)
