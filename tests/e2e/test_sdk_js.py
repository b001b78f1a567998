"""The official Voucherify JS SDK (npm `@voucherify/sdk`, pinned in package.json) driven against the local runtime: each
tests/sdk_js/<journey>.mjs runs under `node --test` with the server's URL and key in its environment, and any failed
assertion fails here. coverage.mjs fails when a method of the SDK's loyalties/customers/rewards is neither exercised nor documented."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from local.runtime import ServeProcess

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "tests" / "sdk_js"
JOURNEYS = ["program", "earning_rules", "rewards", "customers", "redemption", "tiers", "exports", "customers_more"]


def node_test(script: str, env: dict[str, str] | None = None) -> None:
    """`node --test` one script; its report is the assertion message when it fails."""
    node = shutil.which("node")
    assert node, "the JS SDK suite needs Node.js 20 (and `npm ci`, which `make test` runs)"
    assert (ROOT / "node_modules" / "@voucherify" / "sdk").is_dir(), "run `npm ci` (make test does) to install the pinned JS SDK"
    done = subprocess.run([node, "--test", "--test-reporter=spec", str(JS / script)], cwd=ROOT, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_js_sdk_method_is_covered() -> None:
    node_test("coverage.mjs")


@pytest.mark.parametrize("journey", JOURNEYS)
def test_js_sdk_journey(server: ServeProcess, journey: str) -> None:
    node_test(f"{journey}.mjs", {"LOYALTY_API_URL": server.base_url, "LOYALTY_APP_ID": server.dev_key.app_id,
                                 "LOYALTY_APP_TOKEN": server.dev_key.token})
