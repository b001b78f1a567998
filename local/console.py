"""The browser console's build (console/dist, `make console`) served at /console/ on the API's own port.

A request is the console's when its method is GET or HEAD and its path is `/console` or starts with `/console/`; any other
request (a POST to /console/, an OPTIONS preflight, /consoles) goes to the API's routes as before. The build is a
hash-routed single-page app, so only index.html, config.json and its files are ever requested: there is no fallback to
index.html, a missing file is a 404. The content types and cache headers are the ones scripts/publish_console.py gives
the deployed copy in S3.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "console" / "dist"
PREFIX = "/console"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
}
NO_CACHE = "no-cache"  # index.html and config.json: revalidated on every load, so a new build or API URL shows at once
IMMUTABLE = "public, max-age=31536000, immutable"  # assets/: Vite puts a content hash in every name
NOT_BUILT = (
    b"<!doctype html><meta charset=utf-8><title>Console not built</title>"
    b"<p>The console is not built. Run <code>make console</code> (it needs Node.js 20 and npm), then reload this page.</p>\n"
)

Response = tuple[int, list[tuple[str, str]], bytes]


def content_type(name: str) -> str:
    """The Content-Type of a build file, by its suffix."""
    return CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")


def cache_control(name: str) -> str:
    """The Cache-Control of a build file by its path in the build (`assets/...` are content-hashed, so immutable)."""
    return IMMUTABLE if name.startswith("assets/") else NO_CACHE


def config_json(api_url: str = "") -> bytes:
    """The console's config.json: the API's base URL, empty for the console's own origin."""
    return json.dumps({"api_url": api_url}).encode()


class ConsoleFiles:
    """The files of one console build directory, answered as the console's requests (`respond`)."""

    def __init__(self, directory: str | Path = DEFAULT_DIR) -> None:
        self.directory = Path(directory).resolve()

    @property
    def built(self) -> bool:
        """Whether the directory holds a build (its index.html)."""
        return (self.directory / "index.html").is_file()

    def ready_line(self, base_url: str) -> str:
        """What `serve` prints about the console once it is up."""
        return f"Console on {base_url}{PREFIX}/" if self.built else "Console not built: run make console"

    def respond(self, method: str, target: str) -> Response | None:
        """The answer to a console request; None when the request is not the console's (it goes to the API's routes)."""
        if method not in ("GET", "HEAD"):
            return None
        parts = urlsplit(target)
        path = parts.path
        if path == PREFIX:
            return 301, [("Location", PREFIX + "/" + (f"?{parts.query}" if parts.query else "")), ("Content-Type", "text/plain")], b""
        if not path.startswith(PREFIX + "/"):
            return None
        name = unquote(path[len(PREFIX) + 1:]) or "index.html"
        file = self._file(name)
        if file is not None:
            return 200, self._headers(name), file.read_bytes()
        if name == "config.json":  # no config.json in the build: the API is this origin
            return 200, self._headers(name), config_json()
        if name == "index.html":
            return 404, [("Content-Type", CONTENT_TYPES[".html"]), ("Cache-Control", NO_CACHE)], NOT_BUILT
        return 404, [("Content-Type", "text/plain; charset=utf-8")], b"Not Found\n"

    def _file(self, name: str) -> Path | None:
        """The regular file `name` (a decoded path relative to the build) names inside the directory, or None: absent, a
        directory, or outside it (`..`, an absolute path, a NUL, a symlink that leads out)."""
        segments = name.split("/")
        if "\x00" in name or name.startswith("/") or any(s in ("", ".", "..") for s in segments):
            return None
        try:
            file = (self.directory / name).resolve()
        except (OSError, RuntimeError):
            return None
        if not file.is_relative_to(self.directory) or not file.is_file():
            return None
        return file

    @staticmethod
    def _headers(name: str) -> list[tuple[str, str]]:
        return [("Content-Type", content_type(name)), ("Cache-Control", cache_control(name)), ("X-Content-Type-Options", "nosniff")]
