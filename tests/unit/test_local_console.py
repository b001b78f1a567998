"""`python -m local serve` serving the console's build at /console/ (local/console.py), beside the API on the same port."""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from local.console import IMMUTABLE, NO_CACHE, ConsoleFiles, cache_control, content_type
from local.gateway import GatewayServer
from local.runtime import ServeProcess
from local.template import Route

INDEX = b"<!doctype html><script type=module crossorigin src=./assets/index-abc123.js></script>"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A console build as Vite writes it (relative asset URLs), and a secret beside it that must never be served."""
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX)
    files = {"assets/index-abc123.js": b"console.log(1)", "assets/index-abc123.css": b"body{}", "assets/logo-1f2e.svg": b"<svg/>",
             "assets/icon-9a8b.png": b"\x89PNG", "assets/inter-77aa.woff2": b"wOF2", "assets/index-abc123.js.map": b"{}",
             "favicon.svg": b"<svg/>"}
    for name, data in files.items():
        (root / name).write_bytes(data)
    (tmp_path / "secret.txt").write_text("do not serve")
    return root


def served(console: ConsoleFiles, method: str, target: str) -> tuple[int, dict[str, str], bytes]:
    answer = console.respond(method, target)
    assert answer is not None, f"{method} {target} was not the console's"
    status, headers, body = answer
    return status, dict(headers), body


@pytest.mark.parametrize(("target", "kind", "cache"), [
    ("/console/", "text/html; charset=utf-8", NO_CACHE),
    ("/console/index.html", "text/html; charset=utf-8", NO_CACHE),
    ("/console/assets/index-abc123.js", "text/javascript; charset=utf-8", IMMUTABLE),
    ("/console/assets/index-abc123.css", "text/css; charset=utf-8", IMMUTABLE),
    ("/console/assets/logo-1f2e.svg", "image/svg+xml", IMMUTABLE),
    ("/console/assets/icon-9a8b.png", "image/png", IMMUTABLE),
    ("/console/assets/inter-77aa.woff2", "font/woff2", IMMUTABLE),
    ("/console/assets/index-abc123.js.map", "application/json", IMMUTABLE),
    ("/console/favicon.svg?v=2", "image/svg+xml", NO_CACHE),  # not content-hashed: revalidated
])
def test_files_with_their_type_and_caching(dist: Path, target: str, kind: str, cache: str) -> None:
    status, headers, body = served(ConsoleFiles(dist), "GET", target)
    name = target.split("?")[0].removeprefix("/console/") or "index.html"
    assert (status, body) == (200, (dist / name).read_bytes())
    assert headers["Content-Type"] == kind and headers["Cache-Control"] == cache and headers["X-Content-Type-Options"] == "nosniff"


def test_the_helpers_the_publisher_shares() -> None:
    """scripts/publish_console.py gives the S3 objects the same headers."""
    assert content_type("index.html") == "text/html; charset=utf-8" and content_type("a/b.JSON") == "application/json"
    assert content_type("LICENSE") == "application/octet-stream"
    assert cache_control("assets/x-1.js") == IMMUTABLE and cache_control("index.html") == cache_control("config.json") == NO_CACHE


def test_console_without_a_slash_redirects(dist: Path) -> None:
    console = ConsoleFiles(dist)
    assert served(console, "GET", "/console")[:2] == (301, {"Location": "/console/", "Content-Type": "text/plain"})
    assert served(console, "HEAD", "/console?x=1")[1]["Location"] == "/console/?x=1"


@pytest.mark.parametrize("target", [
    "/console/../secret.txt",
    "/console/assets/../../secret.txt",
    "/console/%2e%2e/secret.txt",
    "/console/%2E%2E%2Fsecret.txt",
    "/console/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/console//etc/passwd",
    "/console/%2Fetc%2Fpasswd",
    "/console/./index.html",
    "/console/index.html%00.png",
    "/console/assets",  # a directory: no listing
    "/console/assets/",
    "/console/missing.js",
    "/console/assets/index-abc123.js/x",
])
def test_nothing_outside_the_build_nor_missing_is_served(dist: Path, target: str) -> None:
    status, headers, body = served(ConsoleFiles(dist), "GET", target)
    assert status == 404 and b"do not serve" not in body and b"root:" not in body
    assert headers["Content-Type"].startswith("text/plain")


def test_a_symlink_leading_out_of_the_build_is_not_followed(dist: Path) -> None:
    (dist / "assets" / "leak.js").symlink_to(dist.parent / "secret.txt")
    (dist / "up").symlink_to(dist.parent, target_is_directory=True)
    (dist / "assets" / "inside.js").symlink_to(dist / "assets" / "index-abc123.js")  # a link within the build is fine
    console = ConsoleFiles(dist)
    assert served(console, "GET", "/console/assets/leak.js")[0] == 404
    assert served(console, "GET", "/console/up/secret.txt")[0] == 404
    assert served(console, "GET", "/console/assets/inside.js")[2] == b"console.log(1)"


def test_config_json_is_generated_unless_the_build_has_one(dist: Path) -> None:
    console = ConsoleFiles(dist)
    status, headers, body = served(console, "GET", "/console/config.json")
    assert (status, json.loads(body)) == (200, {"api_url": ""})  # the API is this origin
    assert headers["Content-Type"] == "application/json" and headers["Cache-Control"] == NO_CACHE
    (dist / "config.json").write_text('{"api_url": "https://api.example"}')
    assert json.loads(served(console, "GET", "/console/config.json")[2]) == {"api_url": "https://api.example"}


def test_a_missing_build_says_how_to_build_it(tmp_path: Path) -> None:
    console = ConsoleFiles(tmp_path / "no-such-dist")
    assert not console.built
    status, headers, body = served(console, "GET", "/console/")
    assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"not built" in body and b"make console" in body and b"Node.js 20" in body
    assert served(console, "GET", "/console/index.html")[0] == 404
    assert json.loads(served(console, "GET", "/console/config.json")[2]) == {"api_url": ""}
    assert served(console, "GET", "/console/assets/index-abc123.js")[:2] == (404, {"Content-Type": "text/plain; charset=utf-8"})


@pytest.mark.parametrize(("method", "target"), [
    ("POST", "/console/"), ("PUT", "/console/index.html"), ("DELETE", "/console"), ("OPTIONS", "/console/"),
    ("GET", "/consoles"), ("GET", "/"), ("GET", "/v1/console/x"), ("get", "/console/"),
])
def test_other_requests_are_not_the_console_s(dist: Path, method: str, target: str) -> None:
    assert ConsoleFiles(dist).respond(method, target) is None


def gateway(dist: Path, calls: list[tuple[str, str]]) -> GatewayServer:
    def invoke(function: str, event: dict[str, Any]) -> Any:
        calls.append((function, event["rawPath"]))
        return {"statusCode": 404, "headers": {"Content-Type": "application/json"}, "body": '{"code": 404, "key": "not_found"}'}

    return GatewayServer(("127.0.0.1", 0), [Route("GET", "/v1/x", "Get"), Route("ANY", "$default", "NotFound")], invoke,
                         console=ConsoleFiles(dist))


def test_the_gateway_answers_console_requests_before_routing(dist: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Over HTTP on the API's port: console files never reach a function (not even $default); POST /console/ and
    anything else go to the routes; every request gets the same access log line."""
    calls: list[tuple[str, str]] = []
    server = gateway(dist, calls)
    server.start()
    answers: list[tuple[Any, ...]] = []
    try:
        with caplog.at_level(logging.INFO, logger="local"):
            conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
            for method, target in (("GET", "/console"), ("GET", "/console/"), ("HEAD", "/console/assets/index-abc123.js"),
                                   ("GET", "/console/%2e%2e/secret.txt"), ("GET", "/console/config.json"), ("POST", "/console/"),
                                   ("GET", "/nope")):
                conn.request(method, target, body=b"{}" if method == "POST" else None)
                resp = conn.getresponse()
                answers.append((method, target, resp.status, resp.getheader("Content-Type"), resp.getheader("Content-Length"),
                                resp.getheader("Cache-Control"), resp.read()))
            conn.close()
            deadline = time.monotonic() + 5  # a request's line is logged just after its response is written
            while len([r for r in caplog.records if r.name == "local"]) < len(answers) and time.monotonic() < deadline:
                time.sleep(0.01)
    finally:
        server.stop()
    by_target = {(m, t): a for m, t, *a in answers}
    assert by_target[("GET", "/console")][0] == 301
    assert by_target[("GET", "/console/")] == [200, "text/html; charset=utf-8", str(len(INDEX)), NO_CACHE, INDEX]
    # HEAD: the headers of a GET (its length), no body
    assert by_target[("HEAD", "/console/assets/index-abc123.js")] == [200, "text/javascript; charset=utf-8", "14", IMMUTABLE, b""]
    assert by_target[("GET", "/console/%2e%2e/secret.txt")][0] == 404
    assert json.loads(by_target[("GET", "/console/config.json")][4]) == {"api_url": ""}
    assert by_target[("POST", "/console/")][0] == 404 and by_target[("GET", "/nope")][0] == 404
    assert calls == [("NotFound", "/console/"), ("NotFound", "/nope")], "only the POST and the unknown route reach a function"
    logged = [r.getMessage() for r in caplog.records if r.name == "local"]
    assert [line.rsplit(" ", 2)[0] for line in logged] == [f"{m} {t} {a[0]}" for m, t, *a in answers]


def test_without_a_console_the_routes_get_everything(dist: Path) -> None:
    calls: list[tuple[str, str]] = []

    def invoke(function: str, event: dict[str, Any]) -> Any:
        calls.append((function, event["rawPath"]))
        return {}

    server = GatewayServer(("127.0.0.1", 0), [Route("ANY", "$default", "NotFound")], invoke)
    try:
        assert server.dispatch("GET", "/console/", [], b"", "127.0.0.1").status == 200
    finally:
        server.server_close()
    assert calls == [("NotFound", "/console/")]


def test_serve_process_reads_the_api_url_not_the_console_s(tmp_path: Path) -> None:
    """The ready lines: the key, the API, then the console (its URL ends in /console/): ServeProcess keeps the API's."""
    proc = ServeProcess(state_dir=tmp_path)
    lines = ["X-App-Id: dev.app", "X-App-Token: tok", "Loyalty API on http://127.0.0.1:3999 (backend: embedded)",
             "Console on http://127.0.0.1:3999/console/", "ready"]
    ready = threading.Event()
    proc._read(iter(line + "\n" for line in lines), ready)  # type: ignore[arg-type]
    assert ready.is_set() and proc.base_url == "http://127.0.0.1:3999" and proc.dev_key.app_id == "dev.app"


def test_the_ready_line(dist: Path, tmp_path: Path) -> None:
    assert ConsoleFiles(dist).ready_line("http://127.0.0.1:3000") == "Console on http://127.0.0.1:3000/console/"
    assert ConsoleFiles(tmp_path / "empty").ready_line("http://127.0.0.1:3000") == "Console not built: run make console"


def test_serve_serves_the_console_dir_it_is_given(tmp_path: Path, dist: Path) -> None:
    """`python -m local serve --console-dir`: the console's line after the API's, its files on the API's port."""
    with ServeProcess(state_dir=tmp_path / "state", env={"LOCAL_SCHEDULE_SECONDS": "3600"}, extra_args=["--console-dir", str(dist)]) as proc:
        assert proc.output[-3:] == [proc.output[-3], f"Console on {proc.base_url}/console/", "ready"]
        assert proc.output[-3].startswith(f"Loyalty API on {proc.base_url} ")
        conn = http.client.HTTPConnection(proc.base_url.removeprefix("http://"), timeout=10)
        conn.request("GET", "/console/")
        resp = conn.getresponse()
        assert (resp.status, resp.read()) == (200, INDEX)
        conn.request("GET", "/console/config.json")
        resp = conn.getresponse()
        assert (resp.status, json.loads(resp.read())) == (200, {"api_url": ""})
        conn.close()
