"""The project's own OpenAPI document, built from its routes and models.

Every API function of template.yaml is loaded as `local` loads it; each one's Powertools resolver describes its one route
(`get_openapi_json_schema()`), and the per-function documents are merged into one: the paths as template.yaml spells them,
the request models as components, the API-key security schemes applied globally, Voucherify's error body for the error
statuses an endpoint answers, and the success status it really uses (Powertools' default 422 becomes our 400).

    python -m local openapi --output openapi.json
"""

from __future__ import annotations

import copy
import json
import re
import sys
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Any

from local.functions import load_handler
from local.template import Route, Template, load_template

ROOT = Path(__file__).resolve().parent.parent
TITLE = "Loyalty API (Voucherify-compatible)"
DESCRIPTION = (
    "A self-hostable, Voucherify-compatible loyalty API: v2 loyalty programs, members, cards and rewards, and the v1 "
    "loyalty and customer endpoints the official Voucherify SDKs use.\n\n"
    "Authenticate with `X-App-Id` + `X-App-Token` (or `Authorization: Bearer <token>`). "
    "Errors use Voucherify's body `{code, key, message, details, request_id}` (+ `resource_id`, `resource_type`)."
)
SCHEMA_REF = "#/components/schemas/"
ERROR_SCHEMA = "Error"
POWERTOOLS_VALIDATION = "422"
BODY_METHODS = ("POST", "PUT", "PATCH")  # whose body the functions read, and refuse (415) when it is declared as not JSON

# The error statuses every operation can answer follow from its shape (see `error_statuses`); these are the ones
# its service adds. Keys are template routes (`METHOD /path`); tests check that each one still is.
EXTRA_ERRORS: dict[str, tuple[int, ...]] = {
    "POST /v1/customers": (404,),  # an `id` that names no customer
    "POST /v1/events": (404,),  # a `customer.id` that names no customer; an unknown `loyalty.code`
    "POST /v1/orders": (404,),  # an `id` that names no order; a `customer.id` that names no customer
    "POST /v1/loyalties": (409,),  # duplicate_found (campaign name)
    "POST /v2/loyalties/programs": (404, 423),  # unknown components; missing active card definition / earning rule
    "POST /v2/loyalties/card-definitions": (404,),  # unknown custom event schema (pending event_types, sliding activity types)
    "POST /v2/loyalties/earning-rules": (404,),  # unknown card definition, benefit, tier structure or custom event schema
    "POST /v2/loyalties/rewards": (404,),  # unknown card definition
    "POST /v2/loyalties/programs/{programId}/members": (409, 423),  # member_already_exists; non_active_program
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/cards/{cardId}/points": (423,),
    "GET /v2/loyalties/programs/{programId}/reports/points-earnings/summary": (400,),  # bad `filters` (deep object)
    "GET /v2/loyalties/programs/{programId}/reports/spending/summary": (400,),  # bad `filters` (deep object)
    "GET /v2/loyalties/programs/{programId}/reports/earning-rules/summary": (400,),  # bad `filters` (deep object)
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/rewards/purchases": (423,),
    # invalid_state_transition: the purchase is not an APPROVED PURCHASE (or was refunded meanwhile), or its reward is not REFUNDABLE
    "POST /v2/loyalties/programs/{programId}/rewards/purchases/{rewardTransactionId}/refund": (409,),
    "POST /v1/loyalties/{campaignId}/members/{memberId}/balance": (423,),
    "POST /v1/loyalties/members/{memberId}/balance": (423,),
    # reward_out_of_stock, reward_not_supported, no_target_card, campaign_not_active
    "POST /v1/loyalties/{campaignId}/members/{memberId}/redemption": (423,),
    "POST /v1/loyalties/members/{memberId}/redemption": (423,),
    # program management: 409 concurrent_modification when the program changed meanwhile
    "PUT /v2/loyalties/programs/{programId}": (409,),
    "DELETE /v2/loyalties/programs/{programId}": (409,),
    "POST /v2/loyalties/programs/{programId}/activate": (400, 409, 423),  # invalid_state_transition; missing components
    "POST /v2/loyalties/programs/{programId}/deactivate": (400, 409),  # invalid_state_transition
    "POST /v2/loyalties/programs/{programId}/card-definitions/batch": (409, 423),  # duplicate_found; non_draft_program
    "POST /v2/loyalties/programs/{programId}/earning-rules/batch": (409, 423),  # duplicate_found; missing_active_earning_rule
    "POST /v2/loyalties/programs/{programId}/tier-structures/batch": (409, 423),  # duplicate_found; non_draft_program
    "POST /v2/loyalties/programs/{programId}/rewards/batch": (409, 423),  # duplicate_found; resource_locked
    # tier structures and tiers: 404 unknown card definition; 409 invalid_state_transition / concurrent_modification;
    # 400 resource_in_use, non_draft_tier_structure; 423 resource_locked (assigned to a program)
    "POST /v2/loyalties/tier-structures": (404,),
    "PUT /v2/loyalties/tier-structures/{tierStructureId}": (409,),
    "DELETE /v2/loyalties/tier-structures/{tierStructureId}": (400, 409),
    "POST /v2/loyalties/tier-structures/{tierStructureId}/activate": (409,),
    "POST /v2/loyalties/tier-structures/{tierStructureId}/deactivate": (409, 423),
    "POST /v2/loyalties/tier-structures/{tierStructureId}/draft": (409, 423),
    "POST /v2/loyalties/tier-structures/{tierStructureId}/tiers": (409,),
    "PUT /v2/loyalties/tier-structures/{tierStructureId}/tiers/{tierId}": (409,),
    "DELETE /v2/loyalties/tier-structures/{tierStructureId}/tiers/{tierId}": (400, 409),
    # benefits: 409 duplicate_found / concurrent_modification; 423 resource_locked, connected_active_earning_rule;
    # 400 resource_in_use, invalid_state_transition
    "POST /v2/loyalties/benefits": (404, 409, 423),
    "PUT /v2/loyalties/benefits/{benefitId}": (409, 423),
    "DELETE /v2/loyalties/benefits/{benefitId}": (400, 409),
    "POST /v2/loyalties/benefits/{benefitId}/activate": (400, 409, 423),
    "POST /v2/loyalties/benefits/{benefitId}/draft": (400, 409, 423),
    "POST /v2/loyalties/programs/{programId}/members/batch": (423,),  # non_active_program
    "POST /v1/customers/importCSV": (413,),  # a CSV file above the Lambda payload limit
    "POST /v2/loyalties/examine/earning-rules": (404,),  # the customer or member examined does not exist
    "POST /v2/loyalties/examine/rewards": (404,),  # the customer or member examined does not exist
    "PUT /v2/loyalties/programs/{programId}/members/{memberId}": (409,),  # concurrent_modification
    "DELETE /v2/loyalties/programs/{programId}/members/{memberId}": (409, 423),  # concurrent_modification; purchases pending
    # points buckets: 423 invalid_pending_points_bucket_status / invalid_points_bucket_status, program or member not
    # ACTIVE, pending points or expiration not enabled; 409 concurrent_modification; v1: 400 invalid_pending_points_state
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/cards/{cardId}/pending-points/{bucketId}/activate": (423,),
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/cards/{cardId}/pending-points/{bucketId}/cancel": (423,),
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/cards/{cardId}/expiring-points/{bucketId}/expire": (409, 423),
    "POST /v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/activate": (400,),
    "POST /v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/cancel": (400,),
    "POST /v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/balance": (409,),
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/activate": (400, 409),  # invalid_state_transition; concurrent change
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/deactivate": (400, 409),
    # v2 components: 409 invalid_state_transition / concurrent_modification; 423 resource_locked (in use by a live
    # program); 400 resource_in_use on DELETE (which takes no body or query, so 400 is not implied).
    "PUT /v2/loyalties/card-definitions/{cardDefinitionId}": (409, 423),
    "DELETE /v2/loyalties/card-definitions/{cardDefinitionId}": (400, 409),
    "POST /v2/loyalties/card-definitions/{cardDefinitionId}/activate": (409,),
    "POST /v2/loyalties/card-definitions/{cardDefinitionId}/draft": (409, 423),
    "PUT /v2/loyalties/earning-rules/{earningRuleId}": (409,),
    "DELETE /v2/loyalties/earning-rules/{earningRuleId}": (400, 409),
    "POST /v2/loyalties/earning-rules/{earningRuleId}/activate": (409,),
    "POST /v2/loyalties/earning-rules/{earningRuleId}/deactivate": (409,),
    "POST /v2/loyalties/earning-rules/{earningRuleId}/draft": (409,),
    "PUT /v2/loyalties/rewards/{rewardId}": (409,),
    "DELETE /v2/loyalties/rewards/{rewardId}": (400, 409),
    "POST /v2/loyalties/rewards/{rewardId}/activate": (409,),
    "POST /v2/loyalties/rewards/{rewardId}/deactivate": (409,),
    "POST /v2/loyalties/rewards/{rewardId}/draft": (409, 423),
    # v1 campaign earning rules: 409 concurrent_modification when the rule changed meanwhile
    "PUT /v1/loyalties/{campaignId}/earning-rules/{earningRuleId}": (409,),
    "POST /v1/loyalties/{campaignId}/earning-rules/{earningRuleId}/enable": (409,),
    "POST /v1/loyalties/{campaignId}/earning-rules/{earningRuleId}/disable": (409,),
    # v1 rewards: 404 the campaign a points reward credits; 400 resource_in_use (a delete while assigned); 409
    # duplicate_found (the campaign has the reward already) and concurrent_modification
    "POST /v1/rewards": (404,),
    "PUT /v1/rewards/{rewardId}": (409,),
    "DELETE /v1/rewards/{rewardId}": (400,),
    "POST /v1/rewards/{rewardId}/assignments": (409,),
    "PUT /v1/rewards/{rewardId}/assignments/{assignmentId}": (409,),
    "DELETE /v1/rewards/{rewardId}/assignments/{assignmentId}": (409,),
    "POST /v1/loyalties/{campaignId}/rewards": (409,),
    "PUT /v1/loyalties/{campaignId}/rewards/{assignmentId}": (409,),
    "DELETE /v1/loyalties/{campaignId}/rewards/{assignmentId}": (409,),
}

CUSTOMERS_ACCEPTED = "Accepted: `{async_action_id}`; read its progress and per-source-id result with GET /v1/async-actions/{asyncActionId}"

# Success statuses other than Powertools' 200, by template route.
SUCCESS: dict[str, dict[str, str]] = {
    "POST /v2/loyalties/programs/{programId}/members/{memberId}/rewards/purchases": {
        "202": "Purchase accepted: `{status: TRANSACTION_CREATED, message, transaction}` with a PENDING card transaction",
        "200": "`mode: DRY_RUN`: what the purchase would do; nothing is stored",
    },
    "POST /v2/loyalties/programs/{programId}/rewards/purchases/{rewardTransactionId}/refund": {
        "202": "Refund accepted: `{transaction, status: APPROVED, message}` with the APPROVED REFUND reward transaction; the purchase "
               "is REFUNDED and the worker returns its points (and its stock, unless `policies.stock` is WRITE_OFF)",
    },
    "POST /v2/loyalties/programs/{programId}/members/batch": {
        "202": "Batch accepted: `{async_action_id}`; read its progress and result with GET /v1/async-actions/{asyncActionId}",
    },
    "POST /v1/customers/bulk/async": {"202": CUSTOMERS_ACCEPTED},
    "POST /v1/customers/metadata/async": {"202": CUSTOMERS_ACCEPTED},
    "POST /v1/customers/importCSV": {"202": CUSTOMERS_ACCEPTED},
    "DELETE /v1/loyalties/{campaignId}/earning-rules/{earningRuleId}": {"204": "The earning rule is deleted; no content"},
    "DELETE /v1/customers/{customerId}": {"204": "The customer is deleted (its loyalty records stay); no content"},
    "POST /v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/cancel": {
        "204": "The pending points are canceled (no content)",
    },
    "DELETE /v1/rewards/{rewardId}": {"204": "The reward is deleted; no content"},
    "DELETE /v1/rewards/{rewardId}/assignments/{assignmentId}": {"204": "The assignment is deleted; no content"},
    "DELETE /v1/loyalties/{campaignId}/rewards/{assignmentId}": {"204": "The assignment is deleted; no content"},
}
NO_CONTENT = "204"

ERROR_DESCRIPTIONS = {
    400: "Invalid request: `invalid_payload`, `invalid_query_params`, `invalid_or_expired_cursor`, `invalid_state_transition`, "
         "`resource_in_use`, ...",
    401: "Missing or invalid API key: `unauthorized`",
    404: "Not found: `not_found` (with `resource_type` and `resource_id`)",
    409: "Conflict: `member_already_exists`, `duplicate_found`, `invalid_state_transition`, `concurrent_modification`, "
         "`idempotency_request_in_progress` (a request with the same `Idempotency-Key` is still running; Retry-After), "
         "`idempotency_key_reused` (the key was sent with another request)",
    413: "The body is larger than the route takes: `request_entity_too_large`",
    415: "The body is declared as something other than JSON: `unsupported_media_type` (JSON is read under any spelling of "
         "`application/json` or `text/json`, a `+json` type, no Content-Type, or curl's default form-urlencoded)",
    423: "The resource's state forbids the operation: `insufficient_card_balance`, `non_active_program`, ...",
    429: "The project's request rate limit is reached: `too_many_requests`, with `Retry-After` (seconds to the next window)",
    503: "The database did not answer in time or throttled the request: `service_unavailable`, with `Retry-After`",
}

IDEMPOTENT_METHODS = ("POST",)
IDEMPOTENCY_KEY_PARAMETER: dict[str, Any] = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7E]+$"},
    "description": "Send the request at most once: a repeat with the same key and the same request (method, path, body) "
                   "within 24 hours gets the first answer again (header `Idempotent-Replayed: true`) without running; "
                   "the key with another request answers 409 `idempotency_key_reused`, and while the first still runs 409 "
                   "`idempotency_request_in_progress`. Keys are per project; "
                   "answers 5xx and 429 are not kept.",
}

SECURITY_SCHEMES: dict[str, Any] = {
    "AppId": {"type": "apiKey", "in": "header", "name": "X-App-Id", "description": "The key pair's application id."},
    "AppToken": {"type": "apiKey", "in": "header", "name": "X-App-Token", "description": "The key pair's secret token."},
    "BearerToken": {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <X-App-Token>`, instead of the two headers."},
}
SECURITY: list[dict[str, list[str]]] = [{"AppId": [], "AppToken": []}, {"BearerToken": []}]

# Public routes: no API key (`security: []`), no table, so neither 401, 429 nor 503; they answer images, not JSON. Ours,
# not Voucherify's specified API: the URLs the v1 voucher object's `assets` give (v1/assets.py).
PUBLIC: dict[str, dict[str, Any]] = {
    "GET /v1/assets/{kind}/{assetId}": {
        "200": {"description": "The card's QR Code (`qr`: PNG) or Code 128 barcode (`barcode`: SVG); cacheable for ever",
                "headers": {"Cache-Control": {"schema": {"type": "string"}, "description": "`public, max-age=31536000, immutable`"}},
                "content": {"image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}},
                            "image/svg+xml": {"schema": {"type": "string", "contentMediaType": "image/svg+xml"}}}},
        "404": "Not found: `not_found` - an asset id that is forged, altered or made for another kind, or a kind other than qr or barcode",
    },
}

ERROR_BODY: dict[str, Any] = {
    "type": "object",
    "title": "Error",
    "description": "Voucherify's error body.",
    "required": ["code", "key", "message", "details", "request_id"],
    "properties": {
        "code": {"type": "integer", "description": "The HTTP status."},
        "key": {"type": "string", "description": "A stable error key, e.g. `invalid_payload`, `not_found`."},
        "message": {"type": "string"},
        "details": {"type": "string"},
        "request_id": {"type": "string"},
        "resource_id": {"type": "string"},
        "resource_type": {"type": "string"},
    },
    "example": {
        "code": 404,
        "key": "not_found",
        "message": "Resource not found",
        "details": "Cannot find program with id lprg_0123456789abcdef",
        "request_id": "v-LocalReqId0000=",
        "resource_id": "lprg_0123456789abcdef",
        "resource_type": "program",
    },
}


def project_version(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """`[project] version` of pyproject.toml."""
    with open(pyproject, "rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def operation_id(logical_id: str) -> str:
    """`PurchaseMemberRewardFunction` -> `purchaseMemberReward`."""
    name = logical_id.removesuffix("Function")
    return name[:1].lower() + name[1:]


def api_version(path: str) -> str:
    """`/v2/loyalties/...` -> `V2` (empty when the path has no version segment)."""
    match = re.match(r"^/(v\d+)/", path)
    return match.group(1).upper() if match else ""


def _resolver(module: Any) -> Any:
    """The module's Powertools resolver (the object with `get_openapi_json_schema`)."""
    if hasattr(getattr(module, "app", None), "get_openapi_json_schema"):
        return module.app
    for name in sorted(vars(module)):
        value = getattr(module, name)
        if not isinstance(value, type) and callable(getattr(value, "get_openapi_json_schema", None)):
            return value
    raise LookupError(f"{module.__name__}: no Powertools resolver")


def function_document(template: Template, logical_id: str) -> tuple[dict[str, Any], str, Any]:
    """The function's own OpenAPI document (from its resolver), its module docstring, and the ListSpec of a list
    endpoint (the module's `LIST_SPEC`), if it is one."""
    function = template.functions[logical_id]
    load_handler(function)
    module = sys.modules[f"fn_{logical_id}"]
    document = json.loads(_resolver(module).get_openapi_json_schema())
    return document, (module.__doc__ or "").strip(), getattr(module, "LIST_SPEC", None)


def list_parameters(spec: Any) -> list[dict[str, Any]]:
    """The query parameters of a list endpoint, from its ListSpec: limit, order, cursor and the `filters` deep object."""
    from loyalty.core.listing import OPERATORS  # the layer is on sys.path once a function is loaded

    orders = [o for name in spec.orders for o in (name, f"-{name}")]
    conditions: dict[str, Any] = {}
    for name, definition in spec.filters.items():
        value: dict[str, Any] = {"type": "string"}
        if definition.kind == "enum":
            value["enum"] = list(definition.values)
        elif definition.kind == "id" and definition.pattern:
            value["pattern"] = f"^{definition.pattern}$"
        ops = {op: {"anyOf": [value, {"type": "array", "items": value, "minItems": 1, "maxItems": count}]}
               for op, count in OPERATORS[definition.kind].items()}
        conditions[name] = {"type": "object", "required": ["conditions"], "additionalProperties": False,
                            "properties": {"conditions": {"type": "object", "minProperties": 1, "additionalProperties": False,
                                                          "properties": ops}}}
    params: list[dict[str, Any]] = [
        {"name": "limit", "in": "query", "required": False, "description": "Page size (1-100).",
         "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
        {"name": "order", "in": "query", "required": False, "description": f"Sort order; default `{spec.default_order}`.",
         "schema": {"type": "string", "enum": orders}},
        {"name": "cursor", "in": "query", "required": False, "description": "`cursor.next` of the previous page.",
         "schema": {"type": "string", "pattern": f"^{spec.cursor_prefix}[a-f0-9]+$", "maxLength": 4096}},
    ]
    if conditions:
        params.append({"name": "filters", "in": "query", "required": False, "style": "deepObject", "explode": True,
                       "description": "`filters[<field>][conditions][<operator>]=value`, `filters[junction]=AND|OR`.",
                       "schema": {"type": "object", "additionalProperties": False,
                                  "properties": {"junction": {"type": "string", "enum": ["AND", "OR"]}, **conditions}}})
    return params


def _walk_refs(node: Any, rename: dict[str, str]) -> Any:
    """A copy of `node` with `$ref`s to renamed component schemas rewritten."""
    if isinstance(node, list):
        return [_walk_refs(v, rename) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str) and value.startswith(SCHEMA_REF) and value[len(SCHEMA_REF):] in rename:
            out[key] = SCHEMA_REF + rename[value[len(SCHEMA_REF):]]
        else:
            out[key] = _walk_refs(value, rename)
    return out


def _refs(node: Any) -> set[str]:
    """Names of the component schemas `node` refers to."""
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {node["$ref"][len(SCHEMA_REF):]} if isinstance(node.get("$ref"), str) and node["$ref"].startswith(SCHEMA_REF) else set()
    for value in node.values():
        found |= _refs(value)
    return found


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def unify_components(documents: list[tuple[str, dict[str, Any]]]) -> None:
    """Give same-named but different component schemas of different functions distinct names, in place.

    Two models may share a class name (`v1.CodeConfig`, `components.CodeConfig`): each variant is renamed after the API
    version of the paths that use it (`V1CodeConfig`), else after its first function. Renaming changes the `$ref`s of
    the schemas that use it, which may make those differ too, so this repeats until every name means one schema."""
    for _ in range(20):
        variants: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for index, (_, doc) in enumerate(documents):
            for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
                variants[name][_canonical(schema)].append(index)
        clashes = {name: groups for name, groups in variants.items() if len(groups) > 1}
        if not clashes:
            return
        taken = set(variants)
        for name, groups in sorted(clashes.items()):
            ordered = sorted(groups.values(), key=min)
            qualifiers: list[str] = []
            for indexes in ordered:
                versions = {api_version(path) for i in indexes for path in documents[i][1].get("paths", {})}
                qualifiers.append(versions.pop() if len(versions) == 1 else "")
            for indexes, qualifier in zip(ordered, qualifiers, strict=True):
                new = f"{qualifier}{name}"
                if not qualifier or qualifiers.count(qualifier) > 1 or new in taken:
                    new = f"{name}{documents[min(indexes)][0].removesuffix('Function')}"
                taken.add(new)
                for i in indexes:
                    label, doc = documents[i]
                    schemas = doc["components"]["schemas"]
                    schemas[new] = schemas.pop(name)
                    documents[i] = (label, _walk_refs(doc, {name: new}))
    raise RuntimeError("component schema names do not converge")


def error_statuses(route: Route, operation: dict[str, Any]) -> list[int]:
    """The error statuses an operation answers: 401, 429 and 503 always (auth and the rate limit run first; any call to
    the database may find it unavailable), 400 when it takes a body or a query,
    404 when it names resources in its path, 415 for a POST or PUT body that is not JSON, and the ones its service adds
    (EXTRA_ERRORS)."""
    params = operation.get("parameters") or []
    statuses = {401, 429, 503, *EXTRA_ERRORS.get(route.route_key, ())}
    if route.method in BODY_METHODS:
        statuses.add(415)
    if route.method in IDEMPOTENT_METHODS:
        statuses |= {400, 409}  # a malformed key; the key's request still running, or the key reused with another request
    if "requestBody" in operation or any(p.get("in") == "query" for p in params):
        statuses.add(400)
    if any(p.get("in") == "path" for p in params):
        statuses.add(404)
    return sorted(statuses)


def _error_response(status: int) -> dict[str, Any]:
    return {"description": ERROR_DESCRIPTIONS[status], "content": {"application/json": {"schema": {"$ref": SCHEMA_REF + ERROR_SCHEMA}}}}


def _operation(route: Route, operation: dict[str, Any], docstring: str) -> dict[str, Any]:
    """Powertools' operation with our id, description, tags, path parameter constraints and responses."""
    op = copy.deepcopy(operation)
    op["operationId"] = operation_id(route.function)
    op["summary"] = f"{route.method} {route.path}"
    if docstring:
        op["description"] = docstring
    version = api_version(route.path)
    if version:
        op["tags"] = [version.lower()]
    if route.method in IDEMPOTENT_METHODS:
        op["parameters"] = [*(op.get("parameters") or []), copy.deepcopy(IDEMPOTENCY_KEY_PARAMETER)]
    for param in op.get("parameters") or []:
        if param.get("in") == "path":
            param.setdefault("schema", {}).setdefault("minLength", 1)  # API Gateway never routes an empty segment
    responses: dict[str, Any] = op.get("responses") or {}
    responses.pop(POWERTOOLS_VALIDATION, None)
    public = PUBLIC.get(route.route_key)
    if public is not None:
        op["security"] = []
        op["responses"] = {"200": copy.deepcopy(public["200"]),
                           "404": {**_error_response(404), "description": public["404"]}}
        return op
    ok = responses.pop("200", None) or {"description": "Successful Response", "content": {"application/json": {"schema": {"type": "object"}}}}
    for code, description in (SUCCESS.get(route.route_key) or {"200": "Successful Response"}).items():
        responses[code] = {"description": description} if code == NO_CONTENT else {**copy.deepcopy(ok), "description": description}
    for status in error_statuses(route, op):
        responses[str(status)] = _error_response(status)
    op["responses"] = responses
    return op


def _reachable(paths: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = _refs(paths)
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo |= _refs(schemas[name]) - seen
    return seen


def build_document(template_path: str | Path = ROOT / "template.yaml", pyproject: str | Path = ROOT / "pyproject.toml") -> dict[str, Any]:
    """The whole API's OpenAPI document (a dict; `render` makes the committed text of it)."""
    template = load_template(template_path)
    api_functions = sorted({route.function for route in template.routes if route.path != "$default"})
    documents: list[tuple[str, dict[str, Any]]] = []
    docstrings: dict[str, str] = {}
    list_specs: dict[str, Any] = {}
    for logical_id in api_functions:
        doc, docstring, spec = function_document(template, logical_id)
        documents.append((logical_id, doc))
        docstrings[logical_id] = docstring
        if spec is not None:
            list_specs[logical_id] = spec
    unify_components(documents)
    by_function = dict(documents)

    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    for route in sorted(template.routes, key=lambda r: (r.path, r.method)):
        if route.path == "$default":
            continue
        doc = by_function[route.function]
        operation = (doc.get("paths", {}).get(route.path) or {}).get(route.method.lower())
        if operation is None:
            served = sorted(f"{m.upper()} {p}" for p, ops in doc.get("paths", {}).items() for m in ops)
            raise ValueError(f"{route.function}: template.yaml routes {route.route_key} to it, but its resolver serves {served}")
        if route.function in list_specs:
            operation = {**operation, "parameters": [*(operation.get("parameters") or []), *list_parameters(list_specs[route.function])]}
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, operation, docstrings[route.function])
        for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
            if schemas.setdefault(name, schema) != schema:  # unify_components makes this impossible
                raise ValueError(f"component schema {name!r} differs between functions")
    schemas[ERROR_SCHEMA] = ERROR_BODY
    keep = _reachable(paths, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": project_version(Path(pyproject)), "description": DESCRIPTION},
        "servers": [{"url": "http://127.0.0.1:3000", "description": "`make serve`"}],
        "tags": [{"name": "v1", "description": "Voucherify v1: loyalty campaigns, members, balances; customers"},
                 {"name": "v2", "description": "Voucherify v2 loyalties: programs, components, members, cards, rewards"}],
        "security": SECURITY,
        "paths": paths,
        "components": {"schemas": {name: schemas[name] for name in sorted(keep)}, "securitySchemes": SECURITY_SCHEMES},
    }


def render(document: dict[str, Any]) -> str:
    """The document as committed: sorted keys, two-space indent, a final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
