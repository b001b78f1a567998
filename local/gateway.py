"""API Gateway HTTP API emulation: HTTP requests to payload v2.0 events, handler results back to HTTP responses."""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from local.console import ConsoleFiles
from local.template import ACCOUNT_ID, Cors, Route, match_route

log = logging.getLogger("local")

# Lambda's limit for a synchronous invocation payload (6 MB; API Gateway itself takes 10 MB): a bigger request could
# never reach a function, so the gateway refuses it with 413 before reading it (and refuses an event that outgrows it).
MAX_BODY = 6 * 1024 * 1024
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded")
Invoke = Callable[[str, dict[str, Any]], Any]


def _json(status: int, body: dict[str, Any]) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")], json.dumps(body).encode())


@dataclass
class HttpResponse:
    """What goes back on the wire."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


NOT_FOUND = _json(404, {"message": "Not Found"})  # API Gateway's own answer when the API has no $default route
SERVER_ERROR = _json(500, {"message": "Internal Server Error"})


def too_large(req_id: str, details: str) -> HttpResponse:
    """413 with the Voucherify error body (`request_id` as the functions spell it: `v-` + the API Gateway request id)."""
    return _json(413, {"code": 413, "key": "request_entity_too_large", "message": "Request Entity Too Large", "details": details,
                       "request_id": f"v-{req_id}"})


def is_text(content_type: str | None) -> bool:
    """Whether API Gateway passes a body of this type as text (else base64)."""
    ct = (content_type or "").split(";")[0].strip().lower()
    return ct.startswith(TEXT_TYPES) or ct.endswith(("+json", "+xml"))


def request_id() -> str:
    """An API Gateway style request id (e.g. `JKJaXmPLvHcESHA=`)."""
    return base64.b64encode(secrets.token_bytes(10)).decode()


def _clf_time(now: datetime) -> str:
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    return f"{now:%d}/{months[now.month - 1]}/{now:%Y:%H:%M:%S} +0000"


def build_http_event(
    route: Route,
    path_params: dict[str, str],
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes = b"",
    *,
    source_ip: str = "127.0.0.1",
    protocol: str = "HTTP/1.1",
    api_id: str = "local",
    now: datetime | None = None,
    req_id: str | None = None,
) -> dict[str, Any]:
    """An HTTP API payload format 2.0 event, as API Gateway builds it for `method target`."""
    now = now or datetime.now(UTC)
    parts = urlsplit(target)
    raw_path, raw_query = parts.path or "/", parts.query
    hdrs: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        hdrs[key] = f"{hdrs[key]},{value}" if key in hdrs else value
    hdrs.setdefault("x-forwarded-for", source_ip)
    hdrs.setdefault("x-forwarded-proto", "http")
    host = hdrs.get("host", "localhost")
    if ":" in host:
        hdrs.setdefault("x-forwarded-port", host.rsplit(":", 1)[1])
    req_id = req_id or request_id()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = hdrs
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": host.split(".")[0].split(":")[0],
        "http": {
            "method": method.upper(),
            "path": raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": hdrs.get("user-agent", ""),
        },
        "requestId": req_id,
        "routeKey": route.route_key,
        "stage": "$default",
        "time": _clf_time(now),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if path_params:
        event["pathParameters"] = {k: unquote(v) for k, v in path_params.items()}
    if body:
        text = is_text(hdrs.get("content-type"))
        if not text and "content-type" not in hdrs:
            try:
                body.decode("utf-8")
                text = True
            except UnicodeDecodeError:
                text = False
        event["body"] = body.decode("utf-8", errors="replace") if text else base64.b64encode(body).decode()
        event["isBase64Encoded"] = not text
    else:
        event["isBase64Encoded"] = False
    return event


def map_response(result: Any) -> HttpResponse:
    """The HTTP response API Gateway makes of a handler result (v2.0: a dict without statusCode is a 200 JSON body).

    Raises ValueError for a malformed result, which API Gateway answers with a 500."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return HttpResponse(200, [("Content-Type", "application/json")], json.dumps(result).encode())
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int | str) or not 100 <= int(status) <= 599:
        raise ValueError(f"invalid statusCode {status!r}")
    multi = result.get("multiValueHeaders") or {}
    overridden = {k.lower() for k in multi}
    headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items() if k.lower() not in overridden]
    headers += [(str(k), str(v)) for k, values in multi.items() for v in values]
    headers += [("Set-Cookie", str(c)) for c in result.get("cookies") or []]
    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        raise ValueError(f"body must be a string, not {type(body).__name__}")
    elif result.get("isBase64Encoded"):
        data = base64.b64decode(body)
    else:
        data = body.encode()
    return HttpResponse(int(status), headers, data)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else every keep-alive response waits for the 40 ms delayed ACK
    server: GatewayServer

    def _body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            size = 0
            while (n := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                size += n
                if size > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(n))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        started = time.perf_counter()
        req_id = request_id()
        body = self._body()
        if body is None:
            self.close_connection = True
            response = too_large(req_id, f"The request body is larger than {MAX_BODY} bytes, the Lambda invocation payload limit")
        else:
            response = self.server.dispatch(self.command, self.path, list(self.headers.items()), body, self.client_address[0],
                                            self.request_version, req_id)
        self.send_response(response.status)
        skip = {"content-length", "transfer-encoding", "connection", "date", "server"}
        for name, value in response.headers:
            if name.lower() not in skip:
                self.send_header(name, value)
        self.send_header("apigw-requestid", req_id)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        log.info("%s %s %d %.1f ms", self.command, self.path, response.status, (time.perf_counter() - started) * 1000)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def __getattr__(self, name: str) -> Any:
        # any other method (TRACE, PROPFIND, ...) goes through the router too: only an ANY or the $default route
        # serves it, else it is a JSON 404 as API Gateway answers, not http.server's HTML 501
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default access log: _handle logs one line per request."""


class GatewayServer(ThreadingHTTPServer):
    """A threading HTTP server that routes requests to functions through `invoke(logical_id, event)`.

    With `console`, GET and HEAD requests for /console and /console/... are answered from the console's build first
    (local/console.py): they reach no function, not even the $default route."""

    daemon_threads = True
    request_queue_size = 1024  # the listen backlog: a burst of clients waits to be accepted instead of being refused

    def __init__(self, address: tuple[str, int], routes: list[Route], invoke: Invoke, cors: Cors | None = None,
                 console: ConsoleFiles | None = None) -> None:
        super().__init__(address, _Handler)
        self.routes = routes
        self.invoke = invoke
        self.cors = cors
        self.console = console
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def dispatch(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str,
                 protocol: str = "HTTP/1.1", req_id: str | None = None) -> HttpResponse:
        """Route one request, invoke its function, map the result (404 without a $default route, 500, as API Gateway answers them).

        With a CORS configuration, preflight requests are answered here and responses get the CORS headers, as API Gateway does.
        A console request is answered from the console's build before any of that."""
        if self.console is not None and (static := self.console.respond(method, target)) is not None:
            return HttpResponse(*static)
        origin = next((v for k, v in headers if k.lower() == "origin"), None)
        if self.cors is None or origin is None:
            return self._dispatch(method, target, headers, body, source_ip, protocol, req_id)
        if method == "OPTIONS" and any(k.lower() == "access-control-request-method" for k, _ in headers):
            return HttpResponse(204, self.cors.headers(origin, preflight=True))
        response = self._dispatch(method, target, headers, body, source_ip, protocol, req_id)
        cors_names = {"access-control-allow-origin", "access-control-allow-credentials", "access-control-expose-headers"}
        kept = [(k, v) for k, v in response.headers if k.lower() not in cors_names]
        return HttpResponse(response.status, kept + self.cors.headers(origin), response.body)

    def _dispatch(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str,
                  protocol: str, req_id: str | None) -> HttpResponse:
        found = match_route(self.routes, method, urlsplit(target).path or "/")
        if found is None:
            return NOT_FOUND
        route, params = found
        req_id = req_id or request_id()
        event = build_http_event(route, params, method, target, headers, body, source_ip=source_ip, protocol=protocol, req_id=req_id)
        if len(body) > MAX_BODY // 2 and len(json.dumps(event)) > MAX_BODY:  # base64 grows a binary body by a third
            return too_large(req_id, f"The request event is larger than {MAX_BODY} bytes, the Lambda invocation payload limit")
        try:
            return map_response(self.invoke(route.function, event))
        except Exception:
            log.exception("%s failed on %s %s", route.function, method, target)
            return SERVER_ERROR

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server_close()
