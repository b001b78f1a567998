"""End-to-end fixtures: `python -m local serve` as a child process, driven over real HTTP.

Every request a `Client` makes is recorded (method, template route, status, response JSON) in the session-level
`RECORDER`; `test_conformance.py` validates what was recorded against the Voucherify OpenAPI reference."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from local.runtime import ServeProcess
from local.template import Route, load_template, match_route

ROOT = Path(__file__).resolve().parents[2]
AUTH_CACHE_TTL_SECONDS = 2  # short, so the key revocation test sees a revoked key refused quickly


@dataclass(frozen=True)
class Call:
    """One recorded HTTP exchange."""

    method: str
    route: str | None  # the template.yaml path that served it (`/v2/loyalties/programs/{programId}`), None for no operation's route
    # (the $default route's 404, or the gateway's own)
    path: str  # the concrete path, query string excluded
    status: int
    body: Any  # the response JSON
    request: Any = None  # the request JSON (None when the call sent none)
    test: str = ""  # the pytest node id of the test that made the call

    @property
    def operation(self) -> str:
        """`METHOD /template/route` (or the concrete path when no route matched)."""
        return f"{self.method} {self.route or self.path}"


@dataclass
class Recorder:
    """Session-level log of every request/response the e2e `Client`s exchange."""

    calls: list[Call] = field(default_factory=list)
    _routes: list[Route] | None = None

    @property
    def routes(self) -> list[Route]:
        """template.yaml's HttpApi routes, most specific first (as the gateway matches them)."""
        if self._routes is None:
            self._routes = load_template(ROOT / "template.yaml").routes
        return self._routes

    def route_of(self, method: str, path: str) -> str | None:
        """The operation route that serves a request; None when only the $default route (404 not_found) or nothing does."""
        found = match_route(self.routes, method, path)
        return found[0].path if found and found[0].path != "$default" else None

    def record(self, method: str, url_path: str, status: int, body: Any, request: Any = None) -> Call:
        path = urlsplit(url_path).path or "/"
        test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
        call = Call(method.upper(), self.route_of(method, path), path, status, body, request, test)
        self.calls.append(call)
        return call


RECORDER = Recorder()
SERVED: dict[str, Path] = {}
"""`state_dir` of the session's `python -m local serve` (its endpoints.json names the table a driver may seed)."""


class Client:
    """A requests session bound to the local runtime's base URL and one API key; every exchange is recorded."""

    def __init__(self, base_url: str, headers: dict[str, str], recorder: Recorder | None = None) -> None:
        self.base_url = base_url
        self.recorder = recorder if recorder is not None else RECORDER
        self.session = requests.Session()
        self.session.headers.update({**headers, "Content-Type": "application/json"})

    def request(self, method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        resp = self.session.request(method, self.base_url + path, json=body, timeout=30, **kw)
        if resp.status_code == 204:  # no content: no body to read
            assert resp.content == b"", resp.text
            self.recorder.record(method, path, resp.status_code, None, body if body is not None else kw.get("data"))
            return resp.status_code, None
        assert resp.headers["Content-Type"].startswith("application/json"), resp.text
        data = resp.json()
        self.recorder.record(method, path, resp.status_code, data, body if body is not None else kw.get("data"))
        return resp.status_code, data

    def post(self, path: str, body: Any = None, expect: int = 200) -> Any:
        status, data = self.request("POST", path, body)
        assert status == expect, data
        return data

    def get(self, path: str, expect: int = 200, **kw: Any) -> Any:
        status, data = self.request("GET", path, **kw)
        assert status == expect, data
        return data


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Conformance checks run last, so they see every exchange the other e2e tests recorded."""
    last = [item for item in items if item.path.name == "test_conformance.py"]
    if last:
        items[:] = [item for item in items if item.path.name != "test_conformance.py"] + last


@pytest.fixture(scope="session")
def recorder() -> Recorder:
    return RECORDER


@pytest.fixture(scope="session")
def server() -> Iterator[ServeProcess]:
    """The whole stack (embedded backend) on a free port, for the whole e2e session."""
    with tempfile.TemporaryDirectory(prefix="loyalty-e2e-") as state:
        proc = ServeProcess(port=0, state_dir=state, env={"LOCAL_SCHEDULE_SECONDS": "5", "SWEEP_AFTER_SECONDS": "3",
                                                            "AUTH_CACHE_TTL_SECONDS": str(AUTH_CACHE_TTL_SECONDS),
                                                            "PROJECT_RATE_LIMIT": "0"})  # the suite outpaces 50/s; tests/integration/test_throttle.py
        proc.start()
        SERVED["state_dir"] = proc.state_dir
        try:
            yield proc
        finally:
            proc.stop()


@pytest.fixture
def client(server: ServeProcess) -> Client:
    return Client(server.base_url, server.dev_key.headers)
