"""Every route of template.yaml is named by the isolation suite and by a bad-input suite (the fuzz and conformance suites
check their own coverage of every route at run time): a new endpoint cannot be added without them."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
FOLDERS = sorted({TEMPLATE.functions[r.function].code_uri.name for r in TEMPLATE.routes if r.path != "$default"})
INTEGRATION = ROOT / "tests" / "integration"
SUITES = {
    "isolation": sorted(INTEGRATION.glob("*isolation*.py")),
    # the v1 modules hold their bad-input tests beside the v1 journeys
    "bad input": sorted([*INTEGRATION.glob("*bad_input*.py"), INTEGRATION / "test_v1_loyalty.py", INTEGRATION / "test_v1_customers.py"]),
}


@pytest.mark.parametrize("suite", SUITES)
def test_every_route_is_in_the_suite(suite: str) -> None:
    text = "".join(path.read_text() for path in SUITES[suite])
    missing = [folder for folder in FOLDERS if f'"{folder}"' not in text]
    assert missing == [], f"routes the {suite} suite never calls: {missing}"
