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
  key attributes equal the query's (one pass, no sort of the rest). moto's own filtering, sorting and paging then run
  on exactly the items they would have kept, so the answer is the same; a base-table Query costs O(its partition).
* **One re-entrant lock** (`LOCK`) around every DynamoDB and DynamoDB Streams request moto serves (the request's parsing,
  the backend call and the response's serialisation, in-process `mock_aws` and the threaded server alike) and around the
  backend's item operations when called directly. A transaction is thus atomic with respect to every other read and write:
  nothing sees its items half-applied or rolled back. SQS is not serialised: its long polls wait inside a request.

moto is pinned in pyproject.toml (`MOTO_VERSION`); `install()` fails loudly if an internal it relies on is missing, and
tests/unit/test_local_moto_patches.py checks the pin and that moto's original method is still the one replaced here.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("local")

MOTO_VERSION = "5.2.5"
"""The moto release this module was written against (pyproject.toml pins the same)."""

ORIGINAL_TRANSACT_SHA256 = "81db2cb7d94e39c90b3a2077e1f4bb41a449c558ef9b1b1e2910fdaa39978ad4"
"""sha256 of the source of moto's `DynamoDBBackend.transact_write_items` this module replaces (a changed moto warns)."""

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
"""moto's own `Table.query` and `Table.all_items`, kept for the tests that compare both."""


def install() -> None:
    """Replace moto's TransactWriteItems, narrow its Table.query to its candidates and serialise its DynamoDB backend (idempotent,
    thread-safe)."""
    global original_transact_write_items, original_query, original_all_items
    internals = _internals()
    backend_cls = internals["DynamoDBBackend"]
    with _installing:
        if getattr(backend_cls, _MARK, False):
            return
        original = backend_cls.transact_write_items
        _check_version(original)
        original_transact_write_items = original
        backend_cls.transact_write_items = _transact_write_items
        for name in ITEM_OPERATIONS:
            setattr(backend_cls, name, _locked(getattr(backend_cls, name)))
        for handler in (internals["DynamoHandler"], internals["DynamoDBStreamsHandler"]):
            handler.call_action = _locked(handler.call_action)
        table_cls = internals["Table"]
        original_query, original_all_items = table_cls.query, table_cls.all_items
        table_cls.query = _narrowed_query(table_cls.query)
        table_cls.all_items = _narrowable_all_items(table_cls.all_items)
        streams = internals["DynamoDBStreamsBackend"]
        streams.get_records = _locked(streams.get_records)
        setattr(backend_cls, _MARK, True)


def _internals() -> dict[str, Any]:
    """The moto names this module relies on, or a RuntimeError that says which is missing."""
    try:
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
    found = {"DynamoDBBackend": DynamoDBBackend, "Table": Table, "DynamoHandler": DynamoHandler, "DynamoDBStreamsHandler": DynamoDBStreamsHandler,
             "DynamoDBStreamsBackend": DynamoDBStreamsBackend, "used by the transaction": (
                 get_filter_expression, ConditionalCheckFailed, MockValidationException, MultipleTransactionsException,
                 TooManyTransactionsException, TransactionCanceledException, TransactWriteSingleOpException)}
    needed = {DynamoDBBackend: ("transact_write_items", "get_table", "get_keys_value", *ITEM_OPERATIONS),
              Table: ("get_item", "put_item", "delete_item", "query", "all_items"), StreamShard: ("add",), DynamoHandler: ("call_action",),
              DynamoDBStreamsHandler: ("call_action",), DynamoDBStreamsBackend: ("get_records",)}
    missing = [f"{cls.__name__}.{name}" for cls, names in needed.items() for name in names if not hasattr(cls, name)]
    if missing:
        raise RuntimeError(f"local/moto_patches.py was written for moto {MOTO_VERSION}; this moto lacks {', '.join(missing)}: "
                           "install the moto pinned in pyproject.toml (make install) or update local/moto_patches.py")
    return found


def fingerprint(method: Callable[..., Any]) -> str:
    """sha256 of a function's source."""
    return hashlib.sha256(inspect.getsource(method).encode()).hexdigest()


def _check_version(original: Callable[..., Any]) -> None:
    """Warn when moto is not the release (or its transaction not the code) this module replaces."""
    import moto

    if moto.__version__ != MOTO_VERSION or fingerprint(original) != ORIGINAL_TRANSACT_SHA256:
        log.warning("local/moto_patches.py replaces TransactWriteItems as moto %s wrote it; this moto is %s and its method "
                    "%s: run tests/unit/test_local_moto_patches.py", MOTO_VERSION, moto.__version__,
                    "is unchanged" if fingerprint(original) == ORIGINAL_TRANSACT_SHA256 else "has changed")


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
            every = (item for partition in self.items.values() for item in (partition.values() if ranged else (partition,)))
            items = [item for item in every if all(_equal(item.attrs.get(name), value) for name, value in wanted)]
        return sorted(items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)

    return narrowable


def _equal(found: Any, wanted: Any) -> bool:
    """moto's test of an index hash key attribute: present and equal as a DynamoType (a string or binary compared as is,
    without DynamoType's cast: the common case, and the cost of a pass over the table)."""
    if found is None or found.type != wanted.type:
        return False
    return bool(found.value == wanted.value) if wanted.type in ("S", "B") else bool(found == wanted)


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
