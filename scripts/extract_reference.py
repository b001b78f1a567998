"""Write tests/reference/: the schema-only extract of the Voucherify OpenAPI reference and seed examples that the tests read."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HANDBOOK = ROOT.parent / "shared"
OUT = ROOT / "tests" / "reference"

# The reference documents the conformance suite looks operations up in (tests/e2e/conformance.py: document_for). Of each, the
# extract keeps the operations template.yaml routes (and those named in EXAMPLES): a new route needs `make reference` again.
DOCUMENTS = ("loyalties-v2.json", "loyalties-v1.json", "customers.json", "orders.json", "events.json", "metadata-schemas.json",
             "rewards-v1.json")

# The only request/response examples a test reads (tests/unit/test_component_models.py); every other example is dropped.
# (document, path, method) -> "request" for the requestBody examples, or a response status for that response's examples.
EXAMPLES: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("loyalties-v2.json", "/v2/loyalties/rewards", "post"): ("request", "200"),
    ("loyalties-v2.json", "/v2/loyalties/rewards/{rewardId}", "get"): ("200",),
    ("loyalties-v2.json", "/v2/loyalties/rewards/{rewardId}", "put"): ("200",),
}

# Components the tests name directly (error bodies, the A3 substitute, the component models' request and response schemas).
# They are kept even if no path reached them; everything else survives only when a kept path reaches it.
NAMED: dict[str, tuple[str, ...]] = {
    "loyalties-v2.json": (
        "ErrorResponse", "CardTransaction", "CardDefinitionCreateRequest", "CardDefinition", "EarningRuleCreateRequest",
        "EarningRuleResponse", "RewardCreateRequest", "RewardResponse", "TierStructureCreateRequest", "TierStructure",
    ),
    "loyalties-v1.json": ("Error",),
    "customers.json": ("Error",),
    "orders.json": ("Error",),
    "events.json": ("Error",),
    "metadata-schemas.json": ("Error",),
    "rewards-v1.json": ("Error",),
}

# Documentation keywords, dropped wherever a keyword can stand (never a property called `description`, never inside data).
PROSE = frozenset({"description", "summary", "title", "example", "examples", "externalDocs", "$comment", "deprecated", "xml"})
SCHEMA_VALUED = frozenset({"items", "not", "if", "then", "else", "additionalProperties", "unevaluatedProperties", "unevaluatedItems",
                           "contains", "propertyNames", "additionalItems"})
SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
PARAMETER_KEYS = ("name", "in", "required", "style", "explode", "allowEmptyValue", "allowReserved")
COMPONENT_REF = re.compile(r"^#/components/([^/]+)/([^/]+)$")


def is_prose(key: str) -> bool:
    return key in PROSE or key.startswith("x-")


def schema(node: Any) -> Any:
    """A JSON Schema without its documentation keywords; keys sorted; data (enum, const, default, ...) copied as is."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key in sorted(node):
        value = node[key]
        if is_prose(key):
            continue
        if key in SCHEMA_MAPS:
            out[key] = {name: schema(sub) for name, sub in sorted(value.items())}
        elif key in SCHEMA_LISTS:
            out[key] = [schema(sub) for sub in value]
        elif key in SCHEMA_VALUED:
            out[key] = [schema(sub) for sub in value] if isinstance(value, list) else schema(value)
        else:
            out[key] = value
    return out


def examples(media: dict[str, Any]) -> dict[str, Any]:
    """A media type's examples, values only (their summaries and descriptions are prose)."""
    out: dict[str, Any] = {}
    if "example" in media:
        out["example"] = media["example"]
    if "examples" in media:
        out["examples"] = {name: {"value": ex["value"]} for name, ex in sorted(media["examples"].items())}
    return out


def content(node: dict[str, Any], keep_examples: bool) -> dict[str, Any]:
    """`content` of a request body or response: each media type's schema (and its examples when a test reads them)."""
    out: dict[str, Any] = {}
    for media_type, media in sorted(node.items()):
        out[media_type] = {"schema": schema(media["schema"])} if "schema" in media else {}
        if keep_examples:
            out[media_type].update(examples(media))
    return out


def parameter(node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return {"$ref": node["$ref"]}
    out = {key: node[key] for key in PARAMETER_KEYS if key in node}
    if "schema" in node:
        out["schema"] = schema(node["schema"])
    if "content" in node:
        out["content"] = content(node["content"], keep_examples=False)
    return dict(sorted(out.items()))


def body_or_response(node: dict[str, Any], keep_examples: bool) -> dict[str, Any]:
    """A request body or a response: `required` and `content` (an empty object when it has no content, e.g. a 204)."""
    if "$ref" in node:
        return {"$ref": node["$ref"]}
    out: dict[str, Any] = {}
    if "content" in node:
        out["content"] = content(node["content"], keep_examples)
    if "required" in node:
        out["required"] = node["required"]
    return out


def operation(document: str, path: str, method: str, node: dict[str, Any]) -> dict[str, Any]:
    """Parameters, request body and responses of an operation; operationId, tags, security and prose dropped."""
    keep = EXAMPLES.get((document, path, method), ())
    out: dict[str, Any] = {}
    if "parameters" in node:
        out["parameters"] = [parameter(p) for p in node["parameters"]]
    if "requestBody" in node:
        out["requestBody"] = body_or_response(node["requestBody"], "request" in keep)
    out["responses"] = {status: body_or_response(resp, status in keep) for status, resp in sorted(node.get("responses", {}).items())}
    return out


def refs(node: Any) -> Iterable[tuple[str, str]]:
    """(component kind, name) of every `#/components/...` reference below `node` (`$ref`s and discriminator mappings)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and (m := COMPONENT_REF.match(value)):
                yield m.group(1), m.group(2).replace("~1", "/").replace("~0", "~")
            elif key == "mapping" and isinstance(value, dict):
                for target in value.values():
                    if isinstance(target, str) and (m := COMPONENT_REF.match(target)):
                        yield m.group(1), m.group(2).replace("~1", "/").replace("~0", "~")
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def component(kind: str, node: dict[str, Any]) -> dict[str, Any]:
    if kind == "schemas":
        return schema(node)
    if kind == "parameters":
        return parameter(node)
    if kind in ("responses", "requestBodies"):
        return body_or_response(node, keep_examples=False)
    raise SystemExit(f"extract_reference: components/{kind} is referenced but not handled; teach the script about it")


def served_operations() -> set[tuple[str, str]]:
    """(method, path) of every route template.yaml declares (method `any` for an ANY route), plus those EXAMPLES name."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from local.template import load_template

    routes = {(r.method.lower(), r.path) for r in load_template(ROOT / "template.yaml").routes if r.path != "$default"}
    return routes | {(method, path) for _, path, method in EXAMPLES}


def extract(document: str, raw: dict[str, Any], served: set[tuple[str, str]]) -> dict[str, Any]:
    """The schema-only extract of one OpenAPI document: the served operations, the components they reach, no prose."""
    paths: dict[str, Any] = {}
    for path, item in sorted(raw["paths"].items()):
        methods = [m for m in METHODS if m in item and ((m, path) in served or ("any", path) in served)]
        if not methods:
            continue
        out: dict[str, Any] = {}
        if "parameters" in item:
            out["parameters"] = [parameter(p) for p in item["parameters"]]
        for method in methods:
            out[method] = operation(document, path, method, item[method])
        paths[path] = out
    wanted = {("schemas", name) for name in NAMED.get(document, ())} | set(refs(paths))
    components: dict[str, dict[str, Any]] = {}
    todo = sorted(wanted)
    while todo:
        kind, name = todo.pop()
        if name in components.get(kind, {}):
            continue
        source = raw["components"].get(kind, {}).get(name)
        if source is None:
            raise SystemExit(f"extract_reference: {document} references #/components/{kind}/{name}, which it does not define")
        components.setdefault(kind, {})[name] = node = component(kind, source)
        todo += sorted(set(refs(node)))
    return {
        "openapi": raw["openapi"],
        "info": {"version": raw.get("info", {}).get("version")},
        "paths": paths,
        "components": {kind: dict(sorted(named.items())) for kind, named in sorted(components.items())},
    }


def seed_page(text: str) -> tuple[str, dict[str, Any]]:
    """(`METHOD /path`, response example) of a seed page. The method is the page's second line, the path comes from the curl
    `--url`, and the response example is the last JSON object that starts a line (a request example comes first, in the curl)."""
    lines = text.splitlines()
    method = lines[1].strip()
    url = re.search(r"--url\s+https?://[^/\s]+(/\S*)", text)
    if method not in {m.upper() for m in METHODS} or url is None:
        raise SystemExit("extract_reference: a seed page without its method line or curl --url")
    decoder = json.JSONDecoder()
    found: list[Any] = []
    pos = 0
    while (start := text.find("\n{", pos)) >= 0:
        try:
            obj, end = decoder.raw_decode(text, start + 1)
        except json.JSONDecodeError:
            pos = start + 1
            continue
        found.append(obj)
        pos = end
    if not found or not isinstance(found[-1], dict):
        raise SystemExit("extract_reference: a seed page without a JSON response example")
    return f"{method} {url.group(1)}", found[-1]


def render(value: Any, depth: int = 0) -> str:
    """Stable text: the document, its paths and components, each path and each kind of component one entry a line; every
    operation and every component compact on its own line, so a diff names what changed. Key order as built (schema keys sorted,
    examples in their documented order)."""
    if isinstance(value, dict) and value and depth < 3:
        pad = " " * (depth + 1)
        inner = ",\n".join(f"{pad}{json.dumps(key)}: {render(sub, depth + 1)}" for key, sub in value.items())
        return "{\n" + inner + "\n" + " " * depth + "}" + ("\n" if depth == 0 else "")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def build(handbook: Path) -> dict[str, str]:
    """File name -> content of every file of the extract."""
    spec_dir, seed_dir = handbook / "reference" / "voucherify-openapi", handbook / "seeds"
    missing = [str(p) for p in (*(spec_dir / d for d in DOCUMENTS), seed_dir) if not p.exists()]
    if missing:
        raise SystemExit(f"extract_reference: the handbook folder is incomplete ({', '.join(missing)} missing); "
                         "the committed tests/reference/ is what the tests read")
    served = served_operations()
    files = {name: render(extract(name, json.loads((spec_dir / name).read_text(encoding="utf-8")), served)) for name in DOCUMENTS}
    seeds: dict[str, Any] = {}
    for page in sorted(seed_dir.glob("*.txt")):
        op, example = seed_page(page.read_text(encoding="utf-8"))
        if op in seeds:
            raise SystemExit(f"extract_reference: two seed pages document {op}")
        seeds[op] = example
    files["seeds.json"] = json.dumps(dict(sorted(seeds.items())), indent=1, ensure_ascii=False) + "\n"  # small: fully indented
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--handbook", type=Path, default=HANDBOOK, help="the handbook folder (default: ../shared beside the repository)")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the extract (default: tests/reference)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when the committed extract is out of date")
    args = parser.parse_args(argv)
    files = build(args.handbook)
    stale = sorted(name for name, text in files.items()
                   if not (args.out / name).is_file() or (args.out / name).read_text(encoding="utf-8") != text)
    extra = sorted(p.name for p in args.out.glob("*.json") if p.name not in files) if args.out.is_dir() else []
    if args.check:
        for name in (*stale, *extra):
            print(f"out of date: {args.out / name}", file=sys.stderr)
        return 1 if stale or extra else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name in extra:
        (args.out / name).unlink()
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"{args.out / name}: {len(text.encode()):,} bytes{' (changed)' if name in stale else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
