"""Cold-start cuts that must not regress: a function imports only what its route needs, and builds no request model
before its first request (bench/ measures the time; this checks the mechanism)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import app  # noqa: F401
from pydantic import BaseModel
def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)
built = sorted({f"{c.__module__}.{c.__qualname__}" for c in subclasses(BaseModel)
                if c.__module__.startswith("loyalty.") and c.__pydantic_complete__})
print(json.dumps({"modules": sorted(m for m in sys.modules if m.startswith("loyalty.")), "built": built}))
"""


def _imported(function: str) -> dict[str, list[str]]:
    """The project modules a fresh interpreter loads, and the project models it builds, importing one function."""
    env = {"AWS_DEFAULT_REGION": "us-east-1", "TABLE_NAME": "t", "QUEUE_URL": "q", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-P", "-c", PROBE, str(ROOT / "functions" / function), str(ROOT / "shared")], env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    result: dict[str, list[str]] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("function", ["get_program", "purchase_member_reward", "get_member_v1", "list_customers"])
def test_a_route_without_component_bodies_does_not_load_the_component_schemas(function: str) -> None:
    assert "loyalty.components.models" not in _imported(function)["modules"]


@pytest.mark.parametrize("function", ["get_program", "create_reward", "purchase_member_reward", "process_jobs"])
def test_importing_a_function_builds_no_request_model(function: str) -> None:
    """Request models (core.fields.Strict) and jobs are built on first use, not at import; only the settings model is."""
    assert _imported(function)["built"] == ["loyalty.core.settings.Settings"]
