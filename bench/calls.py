"""Recording the AWS calls a handler makes, through botocore event hooks on the layer's cached clients."""

from __future__ import annotations

import copy
import uuid
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import Any

READ_OPS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
WRITE_OPS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"})
TRANSACTION_OPS = frozenset({"TransactWriteItems"})
SEND_OPS = frozenset({"SendMessage", "SendMessageBatch", "PutEvents"})  # a message out: a job to SQS, an event to the bus
STORAGE_OPS = frozenset({"PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"})  # export CSVs to S3
CATEGORIES = ("auth", "reads", "writes", "transactions", "sends", "storage", "other")


@dataclass
class Call:
    """One API call: service, operation, its parameters as the caller gave them, the parsed response, and the label of
    the client that made it (whose credentials signed it: `CallRecorder.attach(..., principal=...)`)."""

    service: str
    operation: str
    params: dict[str, Any]
    response: dict[str, Any] | None = None
    failed: bool = False
    principal: str = ""

    @property
    def category(self) -> str:
        """auth (the API-key GetItem and the rate-limit lease), reads, writes, transactions, sends, storage or other."""
        op = self.operation
        key = self.params.get("Key")
        pk = str(key.get("PK", {}).get("S", "")) if isinstance(key, dict) else ""  # an S3 call's Key is the object key
        if (op == "GetItem" and pk.endswith("#APIKEY")) or (op == "UpdateItem" and pk.endswith("#RATE")):
            return "auth"  # the key lookup and the rate-limit lease, both before routing
        for name, ops in (("reads", READ_OPS), ("writes", WRITE_OPS), ("transactions", TRANSACTION_OPS), ("sends", SEND_OPS),
                          ("storage", STORAGE_OPS)):
            if op in ops:
                return name
        return "other"


@dataclass
class Tally:
    """The calls of one handler invocation, counted by category."""

    calls: list[Call] = field(default_factory=list)

    def count(self, category: str) -> int:
        """How many calls fell in a category."""
        return sum(1 for c in self.calls if c.category == category)

    @property
    def counts(self) -> dict[str, int]:
        """Calls per category (every category present)."""
        return {name: self.count(name) for name in CATEGORIES}

    def describe(self, include_auth: bool = False) -> str:
        """`Query x2 + PutItem + SendMessage`, in call order."""
        ops = Counter(c.operation + ("(auth)" if c.category == "auth" else "") for c in self.calls
                      if include_auth or c.category != "auth")
        return " + ".join(f"{op} x{n}" if n > 1 else op for op, n in ops.items()) or "—"


class CallRecorder:
    """Captures every call made through the given boto3 clients (parameters and parsed responses), without changing them.

    Use `with recorder.record() as tally:` around one invocation."""

    def __init__(self) -> None:
        self._clients: list[Any] = []
        self._id = f"bench-{uuid.uuid4().hex[:8]}"
        self._current: Tally | None = None

    def attach(self, *clients: Any, principal: str = "") -> CallRecorder:
        """Hook the clients' event systems (the same client objects the handlers use); their calls carry `principal`."""
        for client in clients:
            events = client.meta.events
            events.register_first("before-parameter-build", partial(self._before_build, principal=principal),
                                  unique_id=f"{self._id}-build")
            events.register_last("after-call", self._after_call, unique_id=f"{self._id}-after")
            events.register_last("after-call-error", self._after_error, unique_id=f"{self._id}-error")
            self._clients.append(client)
        return self

    def detach(self) -> None:
        """Remove the hooks (so timed runs carry no recording cost)."""
        for client in self._clients:
            events = client.meta.events
            events.unregister("before-parameter-build", unique_id=f"{self._id}-build")
            events.unregister("after-call", unique_id=f"{self._id}-after")
            events.unregister("after-call-error", unique_id=f"{self._id}-error")
        self._clients = []

    def record(self) -> _Recording:
        """A context manager collecting the calls made inside it into a Tally."""
        return _Recording(self)

    # ------------------------------------------------------------------ hooks
    def _before_build(self, params: dict[str, Any], model: Any, context: dict[str, Any], principal: str = "", **_: Any) -> None:
        if self._current is None or context.get("is_presign_request"):  # a pre-signed URL is signed locally: no call
            return
        kept = {k: v for k, v in params.items() if k != "Body"}  # an S3 upload's body is a file object, not a parameter to count
        call = Call(model.service_model.service_id.hyphenize(), model.name, copy.deepcopy(kept), principal=principal)
        self._current.calls.append(call)
        context["bench_call"] = call

    def _after_call(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        call = context.get("bench_call")
        if call is None:
            return
        call.response = parsed
        call.failed = "Error" in parsed

    def _after_error(self, context: dict[str, Any], **_: Any) -> None:
        call = context.get("bench_call")
        if call is not None:
            call.failed = True


class _Recording:
    """`with recorder.record() as tally:`."""

    def __init__(self, recorder: CallRecorder) -> None:
        self.recorder = recorder
        self.tally = Tally()

    def __enter__(self) -> Tally:
        self.recorder._current = self.tally
        return self.tally

    def __exit__(self, *exc: object) -> None:
        self.recorder._current = None
