"""One worker process of a function's pool (see local/pool.py): load the handler, then serve events read from stdin.

Run by the pool as `python -m local.worker`; stdout carries only the protocol's lines (a handler's prints go to stderr)."""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from typing import Any

from local.functions import LocalFunction
from local.pool import function_of


def _answer(out: Any, doc: dict[str, Any]) -> None:
    out.write(json.dumps(doc).encode() + b"\n")
    out.flush()


def _error(exc: BaseException) -> dict[str, Any]:
    return {"error": {"type": type(exc).__name__, "message": str(exc), "trace": traceback.format_exc()}}


def main() -> int:
    """Serve until stdin closes (the pool stops this worker, or the runtime exited)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C on `make serve` reaches the whole group: the runtime stops us
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # from here on, fd 1 (print, Powertools' logger) is the runtime's log
    sys.stdout = sys.stderr
    source = sys.stdin.buffer
    spec = json.loads(source.readline() or "null")
    if spec is None:
        return 0
    function = LocalFunction(function_of(spec), spec["region"])
    try:
        function.load()
    except BaseException as exc:  # noqa: BLE001 - reported to the pool, which answers 500
        traceback.print_exc()
        _answer(out, _error(exc))
        return 1
    _answer(out, {"ready": os.getpid()})
    for line in source:
        try:
            answer = {"result": function.invoke(json.loads(line))}
        except Exception as exc:  # noqa: BLE001 - a handler error fails this invocation only, as on Lambda
            traceback.print_exc()
            answer = _error(exc)
        _answer(out, answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
