"""openapi.json: up to date with the code (so it cannot drift), complete, and a valid OpenAPI 3.1 document."""

from __future__ import annotations

import argparse
import copy
import difflib
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from local.__main__ import cmd_openapi
from local.openapi import ERROR_SCHEMA, EXTRA_ERRORS, PUBLIC, SUCCESS, TITLE, build_document, project_version, render, unify_components
from local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "openapi.json"
TEMPLATE = load_template(ROOT / "template.yaml")
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def generated() -> dict[str, Any]:
    return build_document(ROOT / "template.yaml")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return dict(json.loads(COMMITTED.read_text(encoding="utf-8")))


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, ops in document["paths"].items() for m, op in ops.items() if m in METHODS]


def test_committed_document_is_up_to_date(generated: dict[str, Any]) -> None:
    committed, fresh = COMMITTED.read_text(encoding="utf-8"), render(generated)
    if committed != fresh:
        diff = "".join(list(difflib.unified_diff(committed.splitlines(True), fresh.splitlines(True), "openapi.json", "generated"))[:60])
        pytest.fail(f"openapi.json is out of date: run `make openapi`\n{diff}")


def test_generation_is_deterministic(generated: dict[str, Any]) -> None:
    assert render(build_document(ROOT / "template.yaml")) == render(generated)
    assert render(generated) == json.dumps(json.loads(render(generated)), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_cli_writes_and_checks(tmp_path: Path) -> None:
    out = tmp_path / "openapi.json"
    args = argparse.Namespace(template=str(ROOT / "template.yaml"), output=str(out), check=False)
    assert cmd_openapi(args) == 0 and out.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8")
    assert cmd_openapi(argparse.Namespace(**{**vars(args), "check": True})) == 0
    out.write_text(out.read_text(encoding="utf-8").replace(TITLE, "Another API"), encoding="utf-8")
    assert cmd_openapi(argparse.Namespace(**{**vars(args), "check": True})) == 1


def test_every_template_route_and_nothing_else(doc: dict[str, Any]) -> None:
    routes = {(r.method, r.path) for r in TEMPLATE.routes if r.path != "$default"}  # $default is no operation
    assert {(m, p) for m, p, _ in operations(doc)} == routes
    for method, path, op in operations(doc):
        declared = sorted(p["name"] for p in op.get("parameters", []) if p["in"] == "path")
        assert declared == sorted(re.findall(r"\{([^}]+)\}", path)), (method, path)


def test_info_servers_and_security(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1.")
    assert doc["info"]["title"] == TITLE == "Loyalty API (Voucherify-compatible)"
    assert doc["info"]["version"] == project_version()
    schemes = doc["components"]["securitySchemes"]
    assert {(s["type"], s.get("in"), s.get("name"), s.get("scheme")) for s in schemes.values()} == {
        ("apiKey", "header", "X-App-Id", None), ("apiKey", "header", "X-App-Token", None), ("http", None, None, "bearer")}
    assert all(set(requirement) <= set(schemes) for requirement in doc["security"])
    assert {"AppId", "AppToken"} in [set(r) for r in doc["security"]] and {"BearerToken"} in [set(r) for r in doc["security"]]


def test_statuses(doc: dict[str, Any]) -> None:
    error = doc["components"]["schemas"][ERROR_SCHEMA]
    assert set(error["required"]) == {"code", "key", "message", "details", "request_id"}
    assert {"resource_id", "resource_type"} <= set(error["properties"])
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    operation_ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(set(operation_ids)) == len(operation_ids)
    for method, path, op in operations(doc):
        codes = set(op["responses"])
        success = {c for c in codes if c.startswith("2")}
        assert "422" not in codes, (method, path)
        assert success == set(SUCCESS.get(f"{method} {path}", {"200": ""})), (method, path)
        if f"{method} {path}" in PUBLIC:  # no API key, no table: an image, or 404 for an id it cannot verify
            assert op["security"] == [] and codes == {"200", "404"}, (method, path)
            assert set(op["responses"]["200"]["content"]) <= {"image/png", "image/svg+xml"}, (method, path)
            continue
        assert {"401", "429", "503"} <= codes  # auth and the rate limit run first; the database may be unavailable
        takes_input = "requestBody" in op or any(p["in"] == "query" for p in op.get("parameters", []))
        idempotent = method == "POST"  # a malformed Idempotency-Key (400); the key's request running or reused (409)
        assert ("400" in codes) == (takes_input or idempotent or 400 in EXTRA_ERRORS.get(f"{method} {path}", ())), (method, path)
        assert "409" in codes or not idempotent, (method, path)
        assert any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in op.get("parameters", [])) == idempotent
        assert ("415" in codes) == (method in ("POST", "PUT")), (method, path)  # a body declared as not JSON
        for code in codes - success:
            assert op["responses"][code]["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
    purchase = doc["paths"]["/v2/loyalties/programs/{programId}/members/{memberId}/rewards/purchases"]["post"]["responses"]
    assert {"202", "200", "400", "401", "404", "409", "415", "423", "429", "503"} == set(purchase)
    assert {"409", "423"} <= set(doc["paths"]["/v2/loyalties/programs/{programId}/members"]["post"]["responses"])


def test_override_tables_name_template_routes() -> None:
    keys = {r.route_key for r in TEMPLATE.routes}
    assert set(EXTRA_ERRORS) <= keys and set(SUCCESS) <= keys


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if isinstance(node.get("$ref"), str) else []) + [r for v in node.values() for r in _refs(v)]
    return [r for v in node for r in _refs(v)] if isinstance(node, list) else []


def test_valid_openapi_document(doc: dict[str, Any]) -> None:
    try:
        from openapi_spec_validator import validate  # not a dependency; used when it happens to be installed
    except ImportError:
        validate = None
    if validate is not None:
        validate(doc)
    # The official OpenAPI 3.1 schema (as schemathesis ships it), then JSON Schema 2020-12 meta-validation of every model.
    from schemathesis.specs.openapi.definitions import OPENAPI_31

    errors = sorted(jsonschema.Draft202012Validator(OPENAPI_31).iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5]]
    schemas = doc["components"]["schemas"]
    for name, schema in schemas.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert re.fullmatch(r"[A-Za-z0-9._-]+", name), name
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    reachable = {r.rsplit("/", 1)[1] for r in _refs(doc["paths"])}
    for name in list(reachable):
        reachable |= {r.rsplit("/", 1)[1] for r in _refs(schemas[name])}
    assert reachable <= set(schemas)


def test_schemathesis_loads_it(doc: dict[str, Any]) -> None:
    import schemathesis
    from schemathesis.core.result import Ok

    schema = schemathesis.openapi.from_dict(copy.deepcopy(doc), config=schemathesis.Config())
    schema.validate()
    results = list(schema.get_all_operations())
    assert len(results) == len(operations(doc)) and all(isinstance(r, Ok) for r in results), results


def test_unify_components_renames_clashes_and_what_uses_them() -> None:
    def document(path: str, code: dict[str, Any]) -> dict[str, Any]:
        return {"paths": {path: {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Outer"}}}}}}},
                "components": {"schemas": {"Code": code, "Outer": {"properties": {"c": {"$ref": "#/components/schemas/Code"}}},
                                           "Same": {"type": "string"}}}}

    docs = [("AFunction", document("/v1/a", {"type": "string"})), ("BFunction", document("/v2/b", {"type": "integer"})),
            ("CFunction", document("/v2/c", {"type": "integer"}))]
    unify_components(docs)
    schemas = [d["components"]["schemas"] for _, d in docs]
    assert set(schemas[0]) == {"V1Code", "V1Outer", "Same"} and set(schemas[1]) == set(schemas[2]) == {"V2Code", "V2Outer", "Same"}
    assert schemas[0]["V1Outer"]["properties"]["c"] == {"$ref": "#/components/schemas/V1Code"}
    assert docs[1][1]["paths"]["/v2/b"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/V2Outer"}
    same_version = [("AFunction", document("/v2/a", {"type": "string"})), ("BFunction", document("/v2/b", {"type": "integer"}))]
    unify_components(same_version)
    assert set(same_version[0][1]["components"]["schemas"]) == {"CodeA", "OuterA", "Same"}
    assert set(same_version[1][1]["components"]["schemas"]) == {"CodeB", "OuterB", "Same"}
