"""moto's DynamoDB made fit to serve the local runtime (`install()`, idempotent; never deployed).

moto 5.2.5's `DynamoDBBackend.transact_write_items` deep-copies every table a transaction names, once per item, before
applying it, and on a failure puts the copies in place of the tables. A TransactWriteItems therefore costs
O(items x table size) in time and garbage (the embedded backend grew past 10 GB under the test suite), and in the threaded
server a rollback swaps a table object under a concurrent request. `install()` replaces that method and serialises the
backend:

* **The transaction** is moto's own loop, item by item and in order, with the same checks, the same writes (moto's
  `put_item`/`update_item`/`delete_item`) and the same errors: `MultipleTransactionsException` for a second operation on
  one item, a `ConditionalCheckFailed` reason (with the `ALL_OLD` item when asked) for a failed condition, any other error
  as a reason named after its type, `TransactionCanceledException` with the reasons at the end, validation errors
  re-raised at once. Only the rollback differs: before an item is written, that item alone is copied (and the length of
  its table's stream shard noted, since `local/` reads moto's streams); a failure restores exactly those items and drops
  the stream records the transaction appended. A transaction costs O(its items), whatever the table's size.
  One deliberate difference: moto raises `TransactWriteSingleOpException` (an item naming two operations) without undoing
  the items before it; here every error that leaves the transaction undoes it, as DynamoDB does.
* **Queries read their partition, not the table.** moto's `Table.query` finds its candidates by walking `all_items()`,
  which lists and sorts every item of the table, and only then keeps the query's partition (or, on an index, the items
  whose index hash key matches): every Query cost O(table size log table size), about a second on a table of 100,000
  items. `install()` wraps `Table.query` so that, while it runs, `all_items()` of that table returns only the candidates:
  the items of the queried partition (read straight from moto's partition dict), or on an index the items whose hash
  key attributes equal the query's, looked up in a map kept by this module (below). moto's own filtering, sorting and
  paging then run on exactly the items they would have kept, so the answer is the same; a Query costs O(its partition),
  on the table or on an index.
* **An index Query finds its items through a map, not a pass over the table.** Per table and per attribute an index
  Query has named as its hash key (GSI1PK, ...), `_HASH_INDEX` maps each value to the keys of the items holding it. It is
  built by one pass the first time that attribute is queried, then kept as items are written: every stored item goes
  through `Table.put_item` (PutItem, BatchWriteItem, a transaction's Put, PartiQL, an UpdateItem creating its item) and
  is added under its values there; `DynamoDBBackend.update_item` changes an item in place, so the item is added again
  under its new values once it returns (or fails); a rolled-back transaction adds the items it restores. Removals are
  lazy: a Query re-reads each key's current item from moto's partition dict and keeps it only if it still holds the
  value (moto's own test), dropping the keys that no longer do (a deleted item, a changed or removed attribute). So a
  missed removal costs a lookup, never a wrong answer; only a write path that bypasses the three places above could
  hide an item, and the tests compare the answers with moto's own Query across every kind of write. (moto 5.2.5 does
  not expire items by TTL.)
* **One re-entrant lock** (`LOCK`) around every DynamoDB and DynamoDB Streams request moto serves (the request's parsing,
  the backend call and the response's serialisation, in-process `mock_aws` and the threaded server alike) and around the
  backend's item operations when called directly. A transaction is thus atomic with respect to every other read and write:
  nothing sees its items half-applied or rolled back. SQS is not serialised: its long polls wait inside a request.
* **moto's package directory is listed once**, not on every request its server serves (`_listed_once`).
* **Streams keep what is still to be read, not everything.** moto keeps every stream record and every shard iterator it
  ever handed out; `forget_stream_records` drops the records every consumer has read (the runtime calls it) and the
  iterators beyond the latest SHARD_ITERATORS_KEPT are forgotten, so a long `make serve` does not grow with its writes.

moto is pinned in pyproject.toml (`MOTO_VERSION`); `install()` fails loudly if an internal it relies on is missing, and
tests/unit/test_local_moto_patches.py checks the pin and that moto's original method is still the one replaced here.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import inspect
import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("local")

MOTO_VERSION = "5.2.5"
"""The moto release this module was written against (pyproject.toml pins the same)."""

ORIGINAL_TRANSACT_SHA256 = "81db2cb7d94e39c90b3a2077e1f4bb41a449c558ef9b1b1e2910fdaa39978ad4"
"""sha256 of the source of moto's `DynamoDBBackend.transact_write_items` this module replaces (a changed moto warns)."""

ORIGINAL_SHA256 = {
    "DynamoDBBackend.transact_write_items": ORIGINAL_TRANSACT_SHA256,
    "DynamoDBBackend.update_item": "218984588dd689a5de81678ce11e6a40d05c91e7b6c21b44c4ed4122fe74aa9f",
    "Table.put_item": "de23933013ef842639046c19bcf7e418bce0474d810f6719368be4cedce11d47",
    "Table.delete_item": "1594f7b07616c8cb8cdf0fbf58d6f54eeac83f25d7ac7b14e832a08e10efd8f9",
    "Table.query": "002b4d00be6df07cf37f6cbe0132e5eb89455ae12a8e79b23db3fb492450f21e",
    "Table.all_items": "c80d2ee3c896acd0cab6ca35aaeae3ab3fb65858933f8a3403d4e027c240f31d",
    "backends.list_of_moto_modules": "4f741a10b06500e840c3aaa1b4f02706e6f2bfbababc0e8a2a7b9c9d0e8957dc",
}
"""sha256 of the source of each moto method this module replaces or relies on the behaviour of (a changed one warns): the
index map assumes items are stored only by `Table.put_item`, changed in place only by `update_item`, and that `query`
finds an index's candidates in `all_items()` by its hash key attributes."""

LOCK = threading.RLock()
"""Serialises moto's DynamoDB (and DynamoDB Streams) requests and item operations."""

ITEM_OPERATIONS = ("put_item", "update_item", "delete_item", "get_item", "query", "scan", "batch_get_item", "batch_write_item",
                   "transact_get_items", "transact_write_items", "execute_statement", "execute_transaction",
                   "batch_execute_statement")
"""The `DynamoDBBackend` methods run under `LOCK` (several are stubs: their logic lives in moto's DynamoHandler)."""

_MARK = "_loyalty_local_patch"
_installing = threading.Lock()
original_transact_write_items: Callable[..., None] | None = None
"""moto's own method, kept for the tests that compare both."""
original_query: Callable[..., Any] | None = None
original_all_items: Callable[..., Any] | None = None
original_put_item: Callable[..., Any] | None = None
original_update_item: Callable[..., Any] | None = None
original_list_of_moto_modules: Callable[..., Any] | None = None
"""moto's own `Table.query`, `Table.all_items`, `Table.put_item`, `DynamoDBBackend.update_item` and
`backends.list_of_moto_modules`, kept for the tests."""


def install() -> None:
    """Replace moto's TransactWriteItems, narrow its Table.query to its candidates and serialise its DynamoDB backend (idempotent,
    thread-safe)."""
    global original_transact_write_items, original_query, original_all_items, original_put_item, original_update_item, \
        original_list_of_moto_modules
    internals = _internals()
    backend_cls = internals["DynamoDBBackend"]
    with _installing:
        if getattr(backend_cls, _MARK, False):
            return
        original = backend_cls.transact_write_items
        table_cls = internals["Table"]
        _check_version({"DynamoDBBackend.transact_write_items": original, "DynamoDBBackend.update_item": backend_cls.update_item,
                        "Table.put_item": table_cls.put_item, "Table.delete_item": table_cls.delete_item,
                        "Table.query": table_cls.query, "Table.all_items": table_cls.all_items,
                        "backends.list_of_moto_modules": internals["backends"].list_of_moto_modules})
        original_transact_write_items = original
        backend_cls.transact_write_items = _transact_write_items
        original_update_item = backend_cls.update_item
        backend_cls.update_item = _reindexing_update_item(backend_cls.update_item)
        for name in ITEM_OPERATIONS:
            setattr(backend_cls, name, _locked(getattr(backend_cls, name)))
        for handler in (internals["DynamoHandler"], internals["DynamoDBStreamsHandler"]):
            handler.call_action = _locked(handler.call_action)
        original_query, original_all_items, original_put_item = table_cls.query, table_cls.all_items, table_cls.put_item
        table_cls.query = _narrowed_query(table_cls.query)
        table_cls.all_items = _narrowable_all_items(table_cls.all_items)
        table_cls.put_item = _indexing_put_item(table_cls.put_item)
        moto_backends = internals["backends"]
        original_list_of_moto_modules = moto_backends.list_of_moto_modules
        moto_backends.list_of_moto_modules = _listed_once(original_list_of_moto_modules)
        streams = internals["DynamoDBStreamsBackend"]
        streams.get_records = _bounded_iterators(streams.get_records)
        streams.get_shard_iterator = _bounded_iterators(streams.get_shard_iterator)
        setattr(backend_cls, _MARK, True)


def _internals() -> dict[str, Any]:
    """The moto names this module relies on, or a RuntimeError that says which is missing."""
    try:
        from moto import backends
        from moto.dynamodb.comparisons import get_filter_expression
        from moto.dynamodb.exceptions import (
            ConditionalCheckFailed,
            MockValidationException,
            MultipleTransactionsException,
            TooManyTransactionsException,
            TransactionCanceledException,
            TransactWriteSingleOpException,
        )
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.table import StreamShard, Table
        from moto.dynamodb.responses import DynamoHandler
        from moto.dynamodbstreams.models import DynamoDBStreamsBackend
        from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
    except ImportError as e:
        raise RuntimeError(f"local/moto_patches.py was written for moto {MOTO_VERSION} and cannot find {e.name or e}: "
                           "install the moto pinned in pyproject.toml (make install) or update local/moto_patches.py") from e
    found = {"backends": backends, "DynamoDBBackend": DynamoDBBackend, "Table": Table, "DynamoHandler": DynamoHandler,
             "DynamoDBStreamsHandler": DynamoDBStreamsHandler, "DynamoDBStreamsBackend": DynamoDBStreamsBackend, "used by the transaction": (
                 get_filter_expression, ConditionalCheckFailed, MockValidationException, MultipleTransactionsException,
                 TooManyTransactionsException, TransactionCanceledException, TransactWriteSingleOpException)}
    needed = {DynamoDBBackend: ("transact_write_items", "get_table", "get_keys_value", *ITEM_OPERATIONS),
              Table: ("get_item", "put_item", "delete_item", "query", "all_items"), StreamShard: ("add",), DynamoHandler: ("call_action",),
              DynamoDBStreamsHandler: ("call_action",), DynamoDBStreamsBackend: ("get_records", "get_shard_iterator")}
    missing = [f"{cls.__name__}.{name}" for cls, names in needed.items() for name in names if not hasattr(cls, name)]
    missing += [] if hasattr(backends, "list_of_moto_modules") else ["moto.backends.list_of_moto_modules"]
    if missing:
        raise RuntimeError(f"local/moto_patches.py was written for moto {MOTO_VERSION}; this moto lacks {', '.join(missing)}: "
                           "install the moto pinned in pyproject.toml (make install) or update local/moto_patches.py")
    return found


def fingerprint(method: Callable[..., Any]) -> str:
    """sha256 of a function's source."""
    return hashlib.sha256(inspect.getsource(method).encode()).hexdigest()


def changed_methods(methods: dict[str, Callable[..., Any]]) -> list[str]:
    """The names among `methods` whose source differs from the moto release this module was written against."""
    return [name for name, method in methods.items() if fingerprint(method) != ORIGINAL_SHA256[name]]


def _check_version(methods: dict[str, Callable[..., Any]]) -> None:
    """Warn when moto is not the release (or the methods replaced or relied on not the code) this module was written for."""
    import moto

    changed = changed_methods(methods)
    if moto.__version__ != MOTO_VERSION or changed:
        log.warning("local/moto_patches.py patches moto %s; this moto is %s and %s: run tests/unit/test_local_moto_patches.py",
                    MOTO_VERSION, moto.__version__, f"these methods changed: {', '.join(changed)}" if changed else
                    "the methods it patches are unchanged")


def _locked(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method` run under LOCK (a method already wrapped is returned as is)."""
    if getattr(method, _MARK, False):
        return method

    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with LOCK:
            return method(*args, **kwargs)

    setattr(locked, _MARK, True)
    return locked


_QUERYING = threading.local()
"""The table a Query runs on in this thread and its candidates' filter (see `_narrowed_query`)."""


def _narrowed_query(query: Callable[..., Any]) -> Callable[..., Any]:
    """moto's `Table.query`, run with `all_items()` narrowed to the query's candidates (see the module's docstring)."""
    signature = inspect.signature(query)

    @functools.wraps(query)
    def narrowed(self: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs).arguments
        if bound.get("index_name"):
            conditions = list(bound.get("hash_key_conditions") or ())
            candidates = ("index", conditions) if conditions else None
        else:
            candidates = ("partition", bound["hash_key"]) if bound.get("hash_key") is not None else None
        before = getattr(_QUERYING, "scope", None)
        _QUERYING.scope = (self, candidates) if candidates else None
        try:
            return query(self, *args, **kwargs)
        finally:
            _QUERYING.scope = before

    return narrowed


def _narrowable_all_items(all_items: Callable[..., Any]) -> Callable[..., Any]:
    """moto's `Table.all_items`, or only a running Query's candidates (in the same order) when one runs on this table."""

    @functools.wraps(all_items)
    def narrowable(self: Any) -> Any:
        scope = getattr(_QUERYING, "scope", None)
        if scope is None or scope[0] is not self:
            return all_items(self)
        kind, wanted = scope[1]
        ranged = self.range_key_attr is not None
        if kind == "partition":
            partition = self.items.get(wanted)  # .get: moto's defaultdict must not grow an empty partition
            items = [] if partition is None else list(partition.values()) if ranged else [partition]
        else:
            found = _index_candidates(self, wanted)
            if found is None:  # a value that cannot be a dict key (never a key attribute's): moto's pass over the table
                found = [item for item in _every_item(self) if all(_equal(item.attrs.get(name), value) for name, value in wanted)]
            items = found
        return sorted(items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)

    return narrowable


def _equal(found: Any, wanted: Any) -> bool:
    """moto's test of an index hash key attribute: present and equal as a DynamoType (a string or binary compared as is,
    without DynamoType's cast: the common case, and the cost of a pass over the table)."""
    if found is None or found.type != wanted.type:
        return False
    return bool(found.value == wanted.value) if wanted.type in ("S", "B") else bool(found == wanted)


_HASH_INDEX = "_loyalty_hash_index"
"""The `Table` attribute holding its map {attribute name: {value: {(hash key, range key), ...}}} (see the module's docstring)."""


def _every_item(table: Any) -> Any:
    """Every item of a moto table, unsorted."""
    if table.range_key_attr is None:
        return iter(table.items.values())
    return (item for partition in table.items.values() for item in partition.values())


def _stored(table: Any, hash_key: Any, range_key: Any) -> Any:
    """The item stored under these keys, or None (never growing moto's defaultdict)."""
    if table.range_key_attr is None:
        return table.items.get(hash_key)
    partition = table.items.get(hash_key)
    return None if partition is None else partition.get(range_key)


def _add(by_value: dict[Any, set[tuple[Any, Any]]], name: str, item: Any) -> None:
    """Note `item`'s key under its value of attribute `name` (a value that cannot be a dict key, a list or map, is skipped:
    no key condition can equal it)."""
    value = item.attrs.get(name)
    if value is not None:
        try:
            by_value.setdefault(value, set()).add((item.hash_key, item.range_key))
        except TypeError:
            pass


def _index_item(table: Any, item: Any) -> None:
    """Note a stored (or just changed) item in its table's maps, if the table has any."""
    maps = table.__dict__.get(_HASH_INDEX)
    if maps and item is not None:
        for name, by_value in maps.items():
            _add(by_value, name, item)


def _hash_index(table: Any, name: str) -> dict[Any, set[tuple[Any, Any]]]:
    """The table's map of attribute `name`, built by one pass over the table the first time it is asked for."""
    maps = table.__dict__.setdefault(_HASH_INDEX, {})
    by_value = maps.get(name)
    if by_value is None:
        by_value = {}
        for item in _every_item(table):
            _add(by_value, name, item)
        maps[name] = by_value
    return by_value


def _holds(item: Any, name: str, value: Any) -> bool:
    """moto's test of an index hash key condition on an item."""
    found = item.attrs.get(name)
    return bool(found) and not found != value


def _index_candidates(table: Any, conditions: list[tuple[str, Any]]) -> list[Any] | None:
    """The items meeting every hash key condition of an index Query, found through the first condition's map (stale keys
    dropped on the way), or None when its value cannot be looked up."""
    name, value = conditions[0]
    try:
        hash(value)
    except TypeError:
        return None
    by_value = _hash_index(table, name)
    keys = by_value.get(value)
    if not keys:
        return []
    found, stale = [], []
    for hash_key, range_key in keys:
        item = _stored(table, hash_key, range_key)
        if item is None or not _holds(item, name, value):
            stale.append((hash_key, range_key))
        elif all(_holds(item, n, v) for n, v in conditions[1:]):
            found.append(item)
    keys.difference_update(stale)
    if not keys:
        del by_value[value]
    return found


def _indexing_put_item(put_item: Callable[..., Any]) -> Callable[..., Any]:
    """moto's `Table.put_item`, noting the stored item in the table's maps."""

    @functools.wraps(put_item)
    def indexing(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = put_item(self, *args, **kwargs)
        _index_item(self, item)
        return item

    return indexing


def _reindexing_update_item(update_item: Callable[..., Any]) -> Callable[..., Any]:
    """moto's `DynamoDBBackend.update_item`, noting the item it changed in place in its table's maps (also when it fails:
    moto may have changed part of the item before the error)."""

    @functools.wraps(update_item)
    def reindexing(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return update_item(self, table_name, key, *args, **kwargs)
        finally:
            with contextlib.suppress(Exception):  # no such table or key: nothing was stored
                table = self.get_table(table_name)
                if table.__dict__.get(_HASH_INDEX):
                    _index_item(table, _stored(table, *self.get_keys_value(table, key)))

    return reindexing


class _Undo:
    """The items a transaction is about to write, as they were, and its tables' stream lengths: enough to undo it."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.items: dict[tuple[int, Any, Any], tuple[Any, Any, Any, Any]] = {}
        self.shards: dict[int, tuple[Any, list[Any], int]] = {}

    def remember(self, table_name: str, key: dict[str, Any]) -> None:
        """Copy the item `key` names (or note its absence) and its table's stream length, once per transaction."""
        table = self.backend.get_table(table_name)
        hash_key, range_key = self.backend.get_keys_value(table, key)
        ident = (id(table), hash_key, range_key)
        if ident not in self.items:
            self.items[ident] = (table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key)))
        shard = table.stream_shard
        if shard is not None and id(table) not in self.shards:
            self.shards[id(table)] = (shard, shard.items, len(shard.items))

    def rollback(self) -> None:
        """Put every remembered item back as it was and drop the stream records appended since."""
        for table, hash_key, range_key, item in reversed(self.items.values()):
            if item is not None:
                if table.range_key_attr is not None:
                    table.items[hash_key][range_key] = item
                else:
                    table.items[hash_key] = item
                _index_item(table, item)  # already noted under these values (removals are lazy): kept for safety
            elif table.range_key_attr is not None:
                table.items.get(hash_key, {}).pop(range_key, None)
            else:
                table.items.pop(hash_key, None)
        for shard, records, length in self.shards.values():
            if shard.items is records:  # moto empties a shard by replacing its list once Lambda mappings consumed it
                del records[length:]


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto 5.2.5's `DynamoDBBackend.transact_write_items`, statement for statement, with `_Undo` in place of the table
    copies (see the module's docstring). Runs under LOCK."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    with LOCK:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        undo = _Undo(self)
        target_items: set[tuple[str, str]] = set()

        def check_unicity(table_name: str, key: dict[str, Any]) -> None:
            item = (str(table_name), str(dict(sorted(key.items()))))
            if item in target_items:
                raise MultipleTransactionsException()
            target_items.add(item)

        errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []  # [(Code, Message, Item), ..]
        try:
            for item in transact_items:
                original_item: dict[str, Any] | None = None
                if len(list(item.keys())) > 1:
                    raise TransactWriteSingleOpException
                try:
                    op_type, op = next(iter(item.items()))
                    if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                        raise ValueError("Unsupported transaction operation")

                    table_name = op["TableName"]
                    condition_expression = op.get("ConditionExpression")
                    expression_attribute_names = op.get("ExpressionAttributeNames")
                    expression_attribute_values = op.get("ExpressionAttributeValues")
                    return_values_on_condition_check_failure = op.get("ReturnValuesOnConditionCheckFailure")

                    if op_type == "Put":
                        attrs = op["Item"]
                        table = self.get_table(table_name)
                        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                        if table.range_key_attr is not None:
                            key[table.range_key_attr] = attrs[table.range_key_attr]
                    else:
                        key = op["Key"]

                    check_unicity(table_name, key)

                    current = self.get_item(table_name, key)
                    if condition_expression is not None:
                        condition_op = get_filter_expression(
                            condition_expression, expression_attribute_names, expression_attribute_values)
                        if not condition_op.expr(current):
                            if return_values_on_condition_check_failure == "ALL_OLD" and current:
                                original_item = current.to_json()["Attributes"]
                            raise ConditionalCheckFailed(item=original_item)

                    if op_type != "ConditionCheck":
                        undo.remember(table_name, key)
                    if op_type == "Put":
                        self.put_item(table_name, op["Item"], condition_expression=condition_expression,
                                      expression_attribute_names=expression_attribute_names,
                                      expression_attribute_values=expression_attribute_values)
                    elif op_type == "Delete":
                        self.delete_item(table_name, key, condition_expression=condition_expression,
                                         expression_attribute_names=expression_attribute_names,
                                         expression_attribute_values=expression_attribute_values)
                    elif op_type == "Update":
                        self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                         condition_expression=condition_expression,
                                         expression_attribute_names=expression_attribute_names,
                                         expression_attribute_values=expression_attribute_values)
                    errors.append((None, None, None))
                except (MultipleTransactionsException, MockValidationException):
                    raise
                except ConditionalCheckFailed as e:
                    errors.append(("ConditionalCheckFailed", str(e.message), original_item))
                except Exception as e:  # noqa: BLE001 - moto reports any other error as the item's reason
                    errors.append((type(e).__name__, str(e), original_item))
            if any(code is not None for code, _, _ in errors):
                raise TransactionCanceledException(errors)
        except BaseException:
            undo.rollback()
            raise


# ------------------------------------------------------------------------------------------------ stream retention
SHARD_ITERATORS_KEPT = 1_000
"""How many of the latest shard iterators moto's DynamoDB Streams backend keeps (see `_bounded_iterators`)."""


def forget_stream_records(stream_arn: str, shard_id: str, through: int) -> int:
    """Drop the records of the stream `stream_arn` up to sequence number `through` (inclusive) from moto's shard, as
    DynamoDB Streams trims records after 24 hours; returns how many were dropped.

    moto 5.2.5 keeps every record a table's stream was ever given (both images) in `StreamShard.items`, numbered
    `starting_sequence_number + position`, so the list grew with every write of a long `serve`. (Dropping 5,000 records
    freed little measurable memory under `tracemalloc`: the items themselves, not their records, are what a table costs.)
    The local runtime calls this with the last record every poller of the stream has
    read (local/poller.py `StreamRetention`). The dropped prefix is added to `starting_sequence_number`, so every other
    record keeps its number, the next record gets the number it would have had, and TRIM_HORIZON starts after the drop."""
    from moto.dynamodb.models import dynamodb_backends

    _, _, _, region, account, resource = stream_arn.split(":", 5)
    table_name = resource.split("/")[1]
    with LOCK:
        shard = dynamodb_backends[account][region].get_table(table_name).stream_shard
        if shard is None or shard.id != shard_id:
            return 0
        count = min(through - shard.starting_sequence_number + 1, len(shard.items))
        if count <= 0:
            return 0
        del shard.items[:count]
        shard.starting_sequence_number += count
        return count


def _bounded_iterators(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method` (GetShardIterator or GetRecords) then forgetting all but the latest SHARD_ITERATORS_KEPT iterators: moto
    stores every iterator it hands out for ever, one more per poll (four a second per stream consumer, ~1 KB each)."""
    if getattr(method, _MARK, False):
        return method

    @functools.wraps(method)
    def bounded(self: Any, *args: Any, **kwargs: Any) -> Any:
        with LOCK:
            result = method(self, *args, **kwargs)
            iterators = self.shard_iterators
            for arn in list(itertools.islice(iterators, max(0, len(iterators) - SHARD_ITERATORS_KEPT))):
                del iterators[arn]
            return result

    setattr(bounded, _MARK, True)
    return bounded


def _listed_once(list_of_moto_modules: Callable[[], Any]) -> Callable[[], Any]:
    """moto's `list_of_moto_modules` read once: moto's server calls it for every request (to tell whether the Host header
    names a service), listing moto's package directory and stat-ing each of its ~250 entries under the server's lock,
    about an eighth of the serve process's CPU while the worker and the stream consumers were busy. The list only changes
    when moto is reinstalled."""
    if getattr(list_of_moto_modules, _MARK, False):
        return list_of_moto_modules
    modules = tuple(list_of_moto_modules())

    def listed() -> tuple[str, ...]:
        return modules

    setattr(listed, _MARK, True)
    return listed
