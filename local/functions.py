"""Lambda handlers in-process: loaded like Lambda does (layers on sys.path, one module per function), invoked one event at a time."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.template import ACCOUNT_ID, REGION, Function

log = logging.getLogger("local")


@dataclass
class LambdaContext:
    """The attributes and the one method of the Python runtime's context object."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    region: str = REGION
    account_id: str = ACCOUNT_ID
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's Timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def add_to_sys_path(*paths: object) -> None:
    """Put directories (e.g. layer contents) at the front of sys.path once."""
    for path in reversed([str(p) for p in paths]):
        if path not in sys.path:
            sys.path.insert(0, path)


def load_handler(function: Function) -> Callable[[dict[str, Any], Any], Any]:
    """Import the function's module under a unique name (`fn_<LogicalId>`) and return its handler.

    Layers go on sys.path for good, the code directory only while the module executes (every function has an app.py).
    Anything the import prints goes to stderr: stdout belongs to the CLI."""
    add_to_sys_path(*function.layers)
    module_file = function.module_file
    if not module_file.is_file():
        raise FileNotFoundError(f"{function.logical_id}: no handler module {module_file}")
    name = f"fn_{function.logical_id}"
    spec = importlib.util.spec_from_file_location(name, module_file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {module_file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(function.code_uri))
    try:
        with contextlib.redirect_stdout(sys.stderr):
            spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(function.code_uri))
    handler = getattr(module, function.handler_name, None)
    if not callable(handler):
        raise AttributeError(f"{module_file} has no callable {function.handler_name!r}")
    return handler  # type: ignore[no-any-return]


# One handler runs at a time in this process. Lambda gives each invocation a process of its own; here every function
# shares one interpreter, and Powertools keeps the current event in a class attribute (BaseRouter.current_event) that
# all resolvers share, so two handlers running at once could answer each other's requests.
_INVOKE_LOCK = threading.RLock()


class LocalFunction:
    """One function "instance": loaded once, then invoked with one event at a time (like a warm Lambda)."""

    def __init__(self, function: Function, region: str = REGION) -> None:
        self.function = function
        self.region = region
        self._handler: Callable[[dict[str, Any], Any], Any] | None = None
        self._lock = _INVOKE_LOCK

    @property
    def name(self) -> str:
        return self.function.logical_id

    def load(self) -> None:
        """Import the handler now (the cold start)."""
        with self._lock:
            self._load()

    def _load(self) -> Callable[[dict[str, Any], Any], Any]:
        if self._handler is None:
            started = time.perf_counter()
            self._handler = load_handler(self.function)
            log.debug("loaded %s in %.0f ms", self.name, (time.perf_counter() - started) * 1000)
        return self._handler

    def context(self) -> LambdaContext:
        """A fresh context for one invocation."""
        return LambdaContext(self.name, self.function.memory_size, self.function.timeout, region=self.region)

    def invoke(self, event: dict[str, Any]) -> Any:
        """Run the handler on a copy of the event; the result goes through JSON as Lambda's would. Handler errors propagate."""
        payload = json.loads(json.dumps(event))
        with self._lock:
            handler = self._load()
            started = time.perf_counter()
            result = handler(payload, self.context())
            elapsed = time.perf_counter() - started
        if elapsed > self.function.timeout:
            log.warning("%s ran %.1f s, longer than its Timeout (%d s): Lambda would have stopped it", self.name, elapsed, self.function.timeout)
        return json.loads(json.dumps(result))
