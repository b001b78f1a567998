"""A stalled or throttled DynamoDB answers 503 `service_unavailable` with the Voucherify error body and a Retry-After hint,
well inside the function timeout (never a Lambda timeout, which API Gateway would answer with its own bare 5xx).

The handlers run in-process against endpoints on 127.0.0.1 (AWS_ENDPOINT_URL_DYNAMODB): a TCP socket that accepts
connections and never answers, and a scripted DynamoDB that answers each operation as a test tells it (an API key, a
throttle, a cancelled transaction, or nothing at all). The SDK settings are the layer's own (db/clients.py)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from loyalty.api import auth
from loyalty.api.auth import hash_token, new_key_pair
from loyalty.core.settings import get_settings
from loyalty.db import clients
from tests import iam, support

TIMEOUT = float((iam.template().get("Globals") or {})["Function"]["Timeout"])  # the API functions' (Globals)
PROGRAM = "lprg_000000000000000000"
Answer = Callable[[dict[str, Any]], tuple[int, dict[str, Any]] | None]  # request body -> (status, body), None: never answer


class Blackhole:
    """A TCP listener that accepts every connection and never reads or answers (a stalled backend)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        for conn in self.accepted:
            conn.close()
        self.sock.close()


class ScriptedDynamoDB:
    """An HTTP endpoint that answers DynamoDB operations from `answers` (operation -> Answer); it counts the requests."""

    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = answers
        self.requests: Counter[str] = Counter()
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                operation = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                outer.requests[operation] += 1
                answer = outer.answers.get(operation, lambda _: (500, {"__type": "InternalFailure"}))(body)
                if answer is None:
                    outer.release.wait(60)  # stalled: hold the connection, never answer
                    return
                status, payload = answer
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _error(code: str, status: int = 400, **extra: Any) -> Answer:
    return lambda _: (status, {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": code, **extra})


def _never(_: dict[str, Any]) -> None:
    return None


@pytest.fixture
def key() -> tuple[dict[str, str], Answer]:
    """Headers of a fresh key pair and the GetItem answer that finds it."""
    app_id, token = new_key_pair("acme")
    item = {"PK": {"S": "acme#APIKEY"}, "SK": {"S": app_id}, "project_id": {"S": "acme"}, "token_hash": {"S": hash_token(token)},
            "status": {"S": "ACTIVE"}, "name": {"S": "test"}}
    return {"X-App-Id": app_id, "X-App-Token": token}, (lambda _: (200, {"Item": item}))


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Point the layer's DynamoDB client at a URL."""

    def use(url: str) -> None:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", url)
        monkeypatch.delenv("TENANT_ROLE_ARN", raising=False)
        clients.reset()
        get_settings.cache_clear()
        auth.clear_cache()

    yield use
    clients.reset()
    auth.clear_cache()
    get_settings.cache_clear()


Script = Callable[[dict[str, "Answer"]], "ScriptedDynamoDB"]


@pytest.fixture
def scripted(endpoint: Callable[[str], None]) -> Iterator[Script]:
    """Start a scripted DynamoDB with the given answers and point the layer at it (closed after the test)."""
    started: list[ScriptedDynamoDB] = []

    def start(answers: dict[str, Answer]) -> ScriptedDynamoDB:
        db = ScriptedDynamoDB(answers)
        started.append(db)
        endpoint(db.url)
        return db

    yield start
    for db in started:
        db.close()


def _get_program(headers: dict[str, str]) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    result = support.invoke("get_program", support.http_event("GET", f"/v2/loyalties/programs/{PROGRAM}", None, headers))
    return result, time.monotonic() - started


def _assert_unavailable(result: dict[str, Any]) -> dict[str, Any]:
    assert result["statusCode"] == 503, result
    assert result["headers"]["Content-Type"] == "application/json"
    assert int(result["headers"]["Retry-After"]) >= 1
    body: dict[str, Any] = json.loads(result["body"])
    assert body["code"] == 503 and body["key"] == "service_unavailable" and body["message"] == "Service unavailable"
    assert body["request_id"].startswith("v-") and "retry" in body["details"]
    return body


def test_a_backend_that_never_answers_gives_503_before_the_function_times_out(endpoint: Callable[[str], None],
                                                                               key: tuple[dict[str, str], Answer]) -> None:
    """The API-key lookup (before the resolver) meets a socket that accepts and never answers."""
    hole = Blackhole()
    try:
        endpoint(hole.url)
        result, elapsed = _get_program(key[0])
    finally:
        hole.close()
    body = _assert_unavailable(result)
    assert "ReadTimeoutError" in body["details"]
    assert len(hole.accepted) == clients.MAX_ATTEMPTS, "one connection per attempt"
    assert clients.MAX_ATTEMPTS * clients.READ_TIMEOUT <= elapsed < clients.worst_case_seconds() < TIMEOUT - 2


def test_a_query_that_never_answers_gives_503_from_the_resolver(scripted: Script,
                                                                key: tuple[dict[str, str], Answer]) -> None:
    """The key is found; the service's Query then stalls."""
    db = scripted({"GetItem": key[1], "Query": _never})
    result, elapsed = _get_program(key[0])
    _assert_unavailable(result)
    assert db.requests == {"GetItem": 1, "Query": clients.MAX_ATTEMPTS}
    assert elapsed < clients.worst_case_seconds() < TIMEOUT - 2


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"])
def test_a_throttled_query_gives_503_after_the_sdk_s_retries(scripted: Script, key: tuple[dict[str, str], Answer],
                                                             code: str) -> None:
    db = scripted({"GetItem": key[1], "Query": _error(code)})
    result, elapsed = _get_program(key[0])
    assert code in _assert_unavailable(result)["details"]
    assert db.requests["Query"] == clients.MAX_ATTEMPTS
    assert elapsed < clients.worst_case_seconds()


def test_a_throttled_key_lookup_gives_503(scripted: Script, key: tuple[dict[str, str], Answer]) -> None:
    db = scripted({"GetItem": _error("InternalServerError", 500)})
    result, _ = _get_program(key[0])
    _assert_unavailable(result)
    assert db.requests == {"GetItem": clients.MAX_ATTEMPTS}


def test_a_transaction_cancelled_by_throttling_gives_503(scripted: Script, key: tuple[dict[str, str], Answer]) -> None:
    db = scripted({"GetItem": key[1], "TransactWriteItems": _error(
        "TransactionCanceledException", CancellationReasons=[{"Code": "ThrottlingError"}, {"Code": "None"}])})
    result = support.invoke("create_card_definition", support.http_event(
        "POST", "/v2/loyalties/card-definitions", {"name": "Wallet", "type": "INDIVIDUAL"}, key[0]))
    _assert_unavailable(result)
    assert db.requests["TransactWriteItems"] == 1


def test_other_errors_stay_500(scripted: Script, key: tuple[dict[str, str], Answer]) -> None:
    scripted({"GetItem": key[1], "Query": _error("ValidationException")})
    result, _ = _get_program(key[0])
    assert result["statusCode"] == 500 and "Retry-After" not in result["headers"]
    assert json.loads(result["body"])["key"] == "internal_error"
