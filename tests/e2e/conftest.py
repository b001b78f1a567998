"""End-to-end fixtures: `python -m local serve` as a child process, driven over real HTTP."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from local.runtime import ServeProcess


class Client:
    """A requests session bound to the local runtime's base URL and one API key."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update({**headers, "Content-Type": "application/json"})

    def request(self, method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        resp = self.session.request(method, self.base_url + path, json=body, timeout=30, **kw)
        assert resp.headers["Content-Type"].startswith("application/json"), resp.text
        return resp.status_code, resp.json()

    def post(self, path: str, body: Any = None, expect: int = 200) -> Any:
        status, data = self.request("POST", path, body)
        assert status == expect, data
        return data

    def get(self, path: str, expect: int = 200, **kw: Any) -> Any:
        status, data = self.request("GET", path, **kw)
        assert status == expect, data
        return data


def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll until `check()` returns a truthy value (the worker runs asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, "condition not reached in time"
            return value
        time.sleep(0.2)


@pytest.fixture(scope="session")
def server() -> Iterator[ServeProcess]:
    """The whole stack (embedded backend) on a free port, for the whole e2e session."""
    with tempfile.TemporaryDirectory(prefix="loyalty-e2e-") as state:
        proc = ServeProcess(port=0, state_dir=state, env={"LOCAL_SCHEDULE_SECONDS": "5", "SWEEP_AFTER_SECONDS": "3"})
        proc.start()
        try:
            yield proc
        finally:
            proc.stop()


@pytest.fixture
def client(server: ServeProcess) -> Client:
    return Client(server.base_url, server.dev_key.headers)
