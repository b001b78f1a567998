"""The console in a real browser: console/tests/*.spec.js run by Playwright, driving Debian's Chromium against the e2e
server (`python -m local serve`, which serves the built console at /console/). Any failed step fails here, with
Playwright's report as the message. `make test` builds the console (npm) and installs Chromium (apt) first."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from local.runtime import ServeProcess

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "console"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def test_console_in_chromium(server: ServeProcess, tmp_path: Path) -> None:
    playwright = CONSOLE / "node_modules" / ".bin" / "playwright"
    assert (CONSOLE / "dist" / "index.html").is_file(), "the console is not built: run `make console` (make test does)"
    assert playwright.exists(), "run `make console` (make test does) to install the console's packages"
    assert shutil.which(CHROMIUM) or Path(CHROMIUM).is_file(), f"no Chromium at {CHROMIUM}: `make chromium` installs Debian's"
    env = {**os.environ, "CONSOLE_URL": f"{server.base_url}/console/", "LOYALTY_API_URL": server.base_url,
           "LOYALTY_APP_ID": server.dev_key.app_id, "LOYALTY_APP_TOKEN": server.dev_key.token, "CHROMIUM": CHROMIUM,
           "PLAYWRIGHT_OUTPUT_DIR": str(tmp_path / "results"), "CI": "1"}
    done = subprocess.run([str(playwright), "test"], cwd=CONSOLE, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
