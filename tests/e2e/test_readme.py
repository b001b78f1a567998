"""The README's curl walk-through, run exactly as written against the local runtime."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from local.runtime import ServeProcess

README = Path(__file__).resolve().parents[2] / "README.md"


def block(name: str) -> str:
    """The bash block that follows `<!-- walkthrough:<name> -->` in the README."""
    match = re.search(rf"<!-- walkthrough:{name} -->\s*```bash\n(.*?)```", README.read_text(), re.S)
    assert match, f"README has no walkthrough:{name} block"
    return match.group(1)


def run(server: ServeProcess, name: str, after: str | None = None) -> list[str]:
    script = "set -euo pipefail\n" + block("setup") + (block(after) if after else "") + block(name)
    env = {**os.environ, "APP_ID": server.dev_key.app_id, "APP_TOKEN": server.dev_key.token, "BASE_URL": server.base_url}
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line.strip()]


@pytest.mark.skipif(subprocess.run(["which", "jq"], capture_output=True, check=False).returncode != 0, reason="jq not installed")
def test_readme_v2_walkthrough(server: ServeProcess) -> None:
    out = run(server, "v2")
    assert out[-1] == "400"  # the balance after the purchase
    assert out[-2] == '"APPROVED"'
    assert "202" in out


@pytest.mark.skipif(subprocess.run(["which", "jq"], capture_output=True, check=False).returncode != 0, reason="jq not installed")
def test_readme_v1_walkthrough(server: ServeProcess) -> None:
    out = "\n".join(run(server, "v1"))
    assert re.search(r'"balance": 500', out)


@pytest.mark.skipif(subprocess.run(["which", "jq"], capture_output=True, check=False).returncode != 0, reason="jq not installed")
def test_readme_v1_spend_walkthrough(server: ServeProcess) -> None:
    out = run(server, "v1spend", after="v1")
    assert out[-7:] == ["SUCCESS", "Silver", "POINTS_REDEMPTION", "POINTS_ADDITION",  # redeemed; tier; the card's transactions
                        "type,amount", "POINTS_REDEMPTION,-200", "POINTS_ADDITION,500"], out  # the CSV, downloaded


@pytest.mark.skipif(subprocess.run(["which", "jq"], capture_output=True, check=False).returncode != 0, reason="jq not installed")
def test_readme_program_walkthrough(server: ServeProcess) -> None:
    out = run(server, "program")
    assert out == ["missing_active_card_definition", "program_card_definition", "program_earning_rule", "ACTIVE", "ACTIVE",
                   '["vl.program.activated","vl.program.earning_rule.assigned","vl.program.card_definition.assigned","vl.program.created"]',
                   "INACTIVE", "DELETED", "not_found"]


@pytest.mark.skipif(subprocess.run(["which", "jq"], capture_output=True, check=False).returncode != 0, reason="jq not installed")
def test_readme_earning_walkthrough(server: ServeProcess) -> None:
    out = run(server, "earning")
    assert out == ["PAID", '{"points":0,"pending_points":120}', "PENDING_POINTS_ACTIVATED",
                   '{"points":{"total":120},"expiration_type":"ROLLING_EXPIRATION"}', "500"]


@pytest.mark.skipif(subprocess.run(["which", "jq"], capture_output=True, check=False).returncode != 0, reason="jq not installed")
def test_readme_spend_walkthrough(server: ServeProcess) -> None:
    out = run(server, "spend")
    assert out[:5] == ["Gold", "TRANSACTION_CREATED", "reward_purchase_limit_reached", "REFUND",
                       '{"amount":1000,"points_spent":500,"exchange_ratio":2}']
    # JOINED Bronze then UPGRADED, or JOINED Gold at once when the card's creation is evaluated after the credit landed
    assert out[5] in ('["DOWNGRADED","UPGRADED","JOINED"]', '["DOWNGRADED","JOINED"]')


@pytest.mark.skipif(subprocess.run(["which", "jq"], capture_output=True, check=False).returncode != 0, reason="jq not installed")
def test_readme_reports_and_webhooks_walkthrough(server: ServeProcess) -> None:
    out = run(server, "reports", after="v2")
    assert json.loads(out[-5]) == {"points_added": 500, "points_spent": 100, "points_locked": 100, "points_unlocked": 100}
    assert json.loads(out[-4]) == {"points_on_rewards": 100, "success": 1}
    assert out[-3] == "true"
    delivery = json.loads(out[-2])
    assert delivery["event_type"] == "customer.voucher.loyalty_card.points_added" and delivery["attempts"] >= 1
    assert out[-1] == "204"
