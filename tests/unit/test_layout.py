"""The code's shape rules that import-linter cannot state: what a function's entry point imports, and that every table
key is spelled in db/keys.py only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "shared" / "loyalty"
FUNCTIONS = sorted((ROOT / "functions").glob("*/app.py"))
# What an entry point may import from the layer: the API (resolver, auth), a domain's service or wire models, the worker,
# the sweeper, the daily job and the stream consumer (the non-HTTP event sources' entries), and the logger.
ALLOWED = re.compile(r"loyalty\.(api\.app|[a-z0-9]+\.(service|models)|jobs\.(worker|sweeper|daily)|(tiering|reports)\.changes|core\.logs)$"
                     r"|loyalty\.[a-z0-9]+$")
# Fragments of stored keys: "PRG#", "CTX#", "A#", "~HEAD", and the key attribute names of the indexes.
KEY_FRAGMENT = re.compile(r"^(?:[A-Z]+#.*|.*#[A-Z]+#?.*|~HEAD|GSI1PK|GSI1SK|JOBPK|JOBSK)$")


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    tree = ast.parse(path.read_text())
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
    return found


@pytest.mark.parametrize("path", FUNCTIONS, ids=[p.parent.name for p in FUNCTIONS])
def test_an_entry_point_imports_only_the_api_and_a_domains_service_or_models(path: Path) -> None:
    for module, names in _imports(path):
        if not module.startswith("loyalty"):
            assert module.startswith(("aws_lambda_powertools", "typing")), f"{path.parent.name} imports {module}"
            continue
        targets = [module] if module != "loyalty" and not module.count(".") == 1 else [f"{module}.{n}" for n in names]
        for target in targets:
            assert ALLOWED.match(target), f"{path.parent.name} imports {target}: entry points call the API layer and services only"


def test_keys_are_spelled_only_in_db_keys() -> None:
    offenders = []
    for path in sorted(LAYER.rglob("*.py")):
        if path == LAYER / "db" / "keys.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY_FRAGMENT.match(node.value):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert offenders == [], "table keys spelled outside db/keys.py:\n" + "\n".join(offenders)


def test_every_layer_module_says_what_it_is_for() -> None:
    missing = [str(p.relative_to(ROOT)) for p in sorted(LAYER.rglob("*.py")) if not ast.get_docstring(ast.parse(p.read_text()))]
    assert missing == []


def test_the_key_detector_knows_a_key_when_it_sees_one() -> None:
    for spelled in ("PRG#", "A#CDEF#", "CTX#", "~HEAD", "GSI1PK", "x#MBR#y", "JOBSK"):
        assert KEY_FRAGMENT.match(spelled), spelled
    for prose in ("Points spent on reward", "ACTIVE", "lcrsctx_", "#", "Cannot find card with id"):
        assert not KEY_FRAGMENT.match(prose), prose
