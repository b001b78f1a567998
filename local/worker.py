"""One worker process of a function's pool (see local/pool.py): load the handler, then serve the events the pool sends.

Forked by the pool's fork server, which has the common third-party stack imported already (local/preload.py), so a
worker's cold start is its function's own imports. The protocol is one JSON document per message on a
`multiprocessing` pipe; a handler's prints go to the runtime's log (stderr)."""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from multiprocessing.connection import Connection
from typing import Any

from local.functions import LocalFunction
from local.template import Function


def _answer(conn: Connection, doc: dict[str, Any]) -> None:
    conn.send_bytes(json.dumps(doc).encode())


def _error(exc: BaseException) -> dict[str, Any]:
    return {"error": {"type": type(exc).__name__, "message": str(exc), "trace": traceback.format_exc()}}


def serve(conn: Connection, function: Function, region: str, environment: dict[str, str]) -> None:
    """Load `function` with the runtime's `environment`, answer `{"ready": pid}` (or the load's error), then answer
    each event until the pool closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C on `make serve` reaches the whole group: the runtime stops us
    os.dup2(2, 1)  # fd 1 (print, Powertools' logger) is the runtime's log
    sys.stdout = sys.stderr
    os.environ.clear()
    os.environ.update(environment)
    local = LocalFunction(function, region)
    try:
        local.load()
    except BaseException as exc:  # noqa: BLE001 - reported to the pool, which answers 500
        traceback.print_exc()
        _answer(conn, _error(exc))
        return
    _answer(conn, {"ready": os.getpid()})
    while True:
        try:
            event = json.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            answer = {"result": local.invoke(event)}
        except Exception as exc:  # noqa: BLE001 - a handler error fails this invocation only, as on Lambda
            traceback.print_exc()
            answer = _error(exc)
        _answer(conn, answer)
