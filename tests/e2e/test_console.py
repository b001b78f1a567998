"""The console in a real browser: console/tests/*.spec.js run by Playwright, driving Debian's Chromium against the e2e
server (`python -m local serve`, which serves the built console at /console/). Any failed step fails here, with
Playwright's report as the message. `make test` builds the console (npm) and installs Chromium (apt) first.

cross-origin.spec.js also needs a second server whose API allows one other origin, as a deployed stack allows its
CloudFront domain (`--parameter-overrides ConsoleExtraOrigins=http://localhost:<port>`): a console loaded from
http://localhost:<port> calls the API at http://127.0.0.1:<port>, another origin, through CORS."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from local.runtime import ServeProcess

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "console"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_console_in_chromium(server: ServeProcess, tmp_path: Path) -> None:
    playwright = CONSOLE / "node_modules" / ".bin" / "playwright"
    assert (CONSOLE / "dist" / "index.html").is_file(), "the console is not built: run `make console` (make test does)"
    assert playwright.exists(), "run `make console` (make test does) to install the console's packages"
    assert shutil.which(CHROMIUM) or Path(CHROMIUM).is_file(), f"no Chromium at {CHROMIUM}: `make chromium` installs Debian's"
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="loyalty-cors-") as state:
        cross = ServeProcess(port=port, state_dir=state, extra_args=["--parameter-overrides", f"ConsoleExtraOrigins=http://localhost:{port}"])
        cross.start()
        try:
            env = {**os.environ, "CONSOLE_URL": f"{server.base_url}/console/", "LOYALTY_API_URL": server.base_url,
                   "LOYALTY_APP_ID": server.dev_key.app_id, "LOYALTY_APP_TOKEN": server.dev_key.token, "CHROMIUM": CHROMIUM,
                   "CROSS_CONSOLE_URL": f"http://localhost:{port}/console/", "CROSS_API_URL": cross.base_url,
                   "CROSS_APP_ID": cross.dev_key.app_id, "CROSS_APP_TOKEN": cross.dev_key.token,
                   "PLAYWRIGHT_OUTPUT_DIR": str(tmp_path / "results"), "CI": "1"}
            done = subprocess.run([str(playwright), "test"], cwd=CONSOLE, env=env, capture_output=True, text=True, timeout=900)
        finally:
            cross.stop()
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
