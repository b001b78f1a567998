"""The committed reference extract (tests/reference/, `make reference`): schema only, and complete for what the tests look up."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.template import load_template
from tests.e2e import conformance as cf
from tests.support import REFERENCE_DIR, ROOT, reference_file

OPERATIONS = [(r.method, r.path) for r in load_template(ROOT / "template.yaml").routes
              if r.path != "$default" and f"{r.method} {r.path}" not in cf.NOT_IN_REFERENCE]
DOCUMENTS = sorted({cf.document_for(path) for _, path in OPERATIONS})
PROSE = frozenset({"description", "summary", "title", "externalDocs", "example", "examples", "operationId", "tags", "deprecated"})
# Where a key names a property (a property may be called `description`), not a keyword.
NAME_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
DATA = frozenset({"enum", "const", "default"})  # values, not schemas: their keys are data
# The only examples a test reads (tests/unit/test_component_models.py): request and response examples of these operations.
EXAMPLE_OPERATIONS = {("post", "/v2/loyalties/rewards"), ("get", "/v2/loyalties/rewards/{rewardId}"), ("put", "/v2/loyalties/rewards/{rewardId}")}


def keys(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path of the parent, key) for every key that stands where a keyword can; property names and data are not walked as keys."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from keys(item, (*path, str(i)))
    elif isinstance(node, dict):
        for key, value in node.items():
            if path and path[-1] in NAME_MAPS:
                yield from keys(value, (*path, key))  # `key` is a property name
                continue
            yield path, key
            if key in DATA or (key in ("examples", "example") and len(path) >= 2 and path[-2] == "content"):
                continue
            yield from keys(value, (*path, key))


def test_the_extract_holds_the_documents_the_conformance_suite_reads_and_nothing_else() -> None:
    assert DOCUMENTS == ["customers.json", "events.json", "loyalties-v1.json", "loyalties-v2.json", "metadata-schemas.json",
                         "orders.json", "rewards-v1.json"]
    present = sorted(p.name for p in REFERENCE_DIR.glob("*"))
    assert present == sorted([*DOCUMENTS, "seeds.json"]), f"tests/reference/ holds {present}: run `make reference`"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_extract_carries_no_prose(document: str) -> None:
    """No description, summary, title, x-* extension or other documentation keyword at any depth; examples only where read."""
    found = [(parent, key) for parent, key in keys(reference_file(document)) if key in PROSE or key.startswith("x-")]
    assert not [f for f in found if f[1] != "examples"], found[:20]
    for parent, _ in found:  # examples: those of a media type of an operation whose examples a test reads
        assert parent[0] == "paths" and (parent[2], parent[1]) in EXAMPLE_OPERATIONS and parent[-2] == "content", parent


def test_every_operation_the_conformance_suite_looks_up_is_in_the_extract() -> None:
    missing = [f"{method} {path}" for method, path in OPERATIONS
               if (op := cf.reference(cf.document_for(path)).operation(method, path)) is None or not op.get("responses")]
    assert not missing, f"not in tests/reference/ (run `make reference` after adding a route): {missing}"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_schema_the_checker_names_resolves(document: str) -> None:
    """The document's error schema, the allow-list's substitute schemas, and every `$ref` the extract holds (no component pruned)."""
    ref = cf.reference(document)
    pointers = {ref.error_schema} | {r.instead[1] for r in cf.ALLOW_LIST if r.instead and isinstance(r.instead[1], str)
                                     and any(cf.document_for(op.split(" ", 1)[1]) == document for op in r.operations)}
    pointers |= {value for _, value in refs(ref.doc)}
    unresolved = sorted(p for p in pointers if resolve(ref.doc, p) is None)
    assert not unresolved, unresolved


def test_every_seed_the_suite_compares_with_has_its_response_example() -> None:
    examples = reference_file("seeds.json")
    assert sorted(examples) == sorted(seed.page for seed in cf.SEEDS)
    for seed in cf.SEEDS:
        assert isinstance(examples[seed.page], dict) and examples[seed.page], seed.page
        assert set(seed.operations) <= {f"{m} {p}" for m, p in OPERATIONS}, seed


def refs(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield key, value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(document: dict[str, Any], pointer: str) -> Any:
    """The node at a local JSON pointer (`#/components/schemas/X`), or None."""
    node: Any = document
    for part in pointer.removeprefix("#/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
