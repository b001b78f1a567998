"""Conformance of the e2e suite's recorded responses to the Voucherify OpenAPI reference and to the seed pages.

What `test_conformance.py` checks, for every response a `Client` recorded during the session:

1. **Reference schema.** The operation is looked up by method + template route in the reference document that owns the path
   (`loyalties-v2.json` for /v2, `customers.json` for /v1/customers, `orders.json` for /v1/orders, `events.json` for
   /v1/events, `metadata-schemas.json` for /v1/metadata-schemas, `rewards-v1.json` for /v1/rewards, `loyalties-v1.json` for the
   other /v1 paths), as committed in
   `tests/reference/`: the schema-only extract of Voucherify's OpenAPI documents that `make reference` writes. The schema for
   the status comes from `responses[status]`, else `responses.default`, else (4xx/5xx) the document's error schema (`ErrorResponse`
   in v2, `Error` in v1: Voucherify's `{code, key, message, details, request_id, ...}` body, which every error of ours answers).
   `$ref`s resolve inside the document. OpenAPI 3.1 documents validate as JSON Schema 2020-12; OpenAPI 3.0 documents as draft 4 after
   `nullable: true` is turned into a type union. `date-time` (RFC 3339) and `date` formats are checked. An allow-list entry with
   `instead` validates the part it excuses against another schema (e.g. the purchase 202's `transaction` against CardTransaction).
2. **The contract of DESIGN.md §2 where the reference is looser**: every date-time string carries milliseconds
   (`YYYY-MM-DDTHH:MM:SS.sssZ`); no number is written as an integral float (`123.0`) and counters and points are JSON integers;
   `metadata` is always an object; every error body has all of `{code, key, message, details, request_id}` with `code` = status.
3. **The seed pages** (their response examples, in `tests/reference/seeds.json`): every field the example shows is present in our
   response with the same JSON type (recursively; a `null` or `"<unknown>"` in the example fixes no type; `metadata` is free-form,
   so only its type is compared), timestamps with milliseconds and dates as `YYYY-MM-DD`. A seed field that is `null` or absent in
   our answer for a documented reason is an allow-list entry like any other.

Every finding is a `Violation`. A finding that is a spec-internal inconsistency is dropped by the short `ALLOW_LIST` (each entry names
its spec-map §7 id); a finding that is a product bug is listed in `KNOWN_BUGS` and kept as an xfail(strict) test until it is fixed.
Anything else fails the run.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT4, DRAFT202012

from tests.e2e.conftest import Call, Client
from tests.support import eventually, reference_file

V2 = "/v2/loyalties"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
LOOKS_LIKE_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.I)

# `_at` keys that the reference formats as dates, not timestamps (v1 pending points `activates_at`, points buckets `expires_at`).
DATE_AT_KEYS = frozenset({"activates_at", "expires_at"})
# Keys whose numbers are counters or points (DESIGN.md §2: JSON integers, never 123.0).
COUNTER_KEYS = frozenset({
    "points", "balance", "total", "earned", "added", "purchased", "purchased_reversed", "subtracted", "expired", "spent", "refunded",
    "returned", "locked", "unlocked", "activated", "canceled", "pending_points", "expired_points", "subtracted_points",
    "next_expiration_points", "quantity", "stock", "redeemed", "redeemed_quantity", "redeemed_points", "count", "code",
    "vouchers_count", "hierarchy", "length", "initial_count", "total_count",
})


# ---------------------------------------------------------------------------------------------------------------------------
# Findings, the allow-list, the known product bugs


@dataclass(frozen=True)
class Violation:
    """One way a recorded response departs from the reference, the contract or a seed."""

    operation: str  # `METHOD /template/route`
    status: int
    path: str  # JSON path in the response, e.g. `$.transaction.details`
    kind: str  # schema | timestamp | integer | seed
    keyword: str  # the JSON Schema keyword that failed (schema), or a short tag (missing, type, null)
    message: str
    test: str = ""

    @property
    def pattern_path(self) -> str:
        """The JSON path with list indexes generalised: `$.data[0].id` -> `$.data[*].id`."""
        return re.sub(r"\[\d+\]", "[*]", self.path)

    def __str__(self) -> str:
        return f"{self.operation} -> {self.status} {self.path} [{self.kind}/{self.keyword}] {self.message}  (from {self.test or '?'})"


@dataclass(frozen=True)
class Rule:
    """Matches violations: one of `operations`, the JSON path (a regex over the path with list indexes written `[*]`, matched in
    full), the kind, the keyword (any when empty), the message (a regex, searched) and the status (any when None).

    `instead` = (JSON path, schema): the part of the response at that path is validated against this other schema (a pointer into
    the same reference document, or an inline schema) instead, so an allow-listed part is still checked, in its own shape."""

    id: str
    operations: tuple[str, ...]
    path: str
    reason: str
    kind: str = "schema"
    keyword: str = ""
    message: str = ""
    status: int | None = None
    instead: tuple[str, Any] | None = None

    def matches(self, v: Violation) -> bool:
        return (v.operation in self.operations and re.fullmatch(self.path, v.pattern_path) is not None and v.kind == self.kind
                and self.keyword in ("", v.keyword) and (self.status is None or v.status == self.status)
                and re.search(self.message, v.message) is not None)


CREATE_PROGRAM = f"POST {V2}/programs"
CREATE_MEMBER = f"POST {V2}/programs/{{programId}}/members"
ADJUST = f"POST {V2}/programs/{{programId}}/members/{{memberId}}/cards/{{cardId}}/points"
PURCHASE = f"POST {V2}/programs/{{programId}}/members/{{memberId}}/rewards/purchases"
LIST_PURCHASES = f"GET {V2}/programs/{{programId}}/members/{{memberId}}/rewards/purchases"
REFUND = f"POST {V2}/programs/{{programId}}/rewards/purchases/{{rewardTransactionId}}/refund"
PROGRAM_MEMBERSHIP = f"GET {V2}/programs/{{programId}}/memberships/{{customerId}}"
V1_ADD_MEMBER = "POST /v1/loyalties/{campaignId}/members"
V1_EXPORT_OPS = ("POST /v1/loyalties/{campaignId}/transactions/export", "POST /v1/loyalties/members/{memberId}/transactions/export",
                 "POST /v1/loyalties/{campaignId}/members/{memberId}/transactions/export",
                 "POST /v1/loyalties/{campaignId}/points-expiration/export")
V1_GET_MEMBER = "GET /v1/loyalties/{campaignId}/members/{memberId}"
V1_GET_MEMBER_BY_CODE = "GET /v1/loyalties/members/{memberId}"
V1_VOUCHER_OPS = (V1_ADD_MEMBER, V1_GET_MEMBER, V1_GET_MEMBER_BY_CODE)
V1_CAMPAIGN_OPS = ("POST /v1/loyalties", "GET /v1/loyalties/{campaignId}", "PUT /v1/loyalties/{campaignId}")
V1_LIST_CAMPAIGNS = "GET /v1/loyalties"
V1_LIST_MEMBERS = "GET /v1/loyalties/{campaignId}/members"
V1_TRANSFER = "POST /v1/loyalties/{campaignId}/members/{memberId}/transfers"
V1_REDEEM = ("POST /v1/loyalties/{campaignId}/members/{memberId}/redemption", "POST /v1/loyalties/members/{memberId}/redemption")
V1_ACTIVITY = ("GET /v1/loyalties/{campaignId}/members/{memberId}/activity", "GET /v1/loyalties/members/{memberId}/activity")
V1_CUSTOMER_OPS = ("POST /v1/customers", "GET /v1/customers/{customerId}", "PUT /v1/customers/{customerId}")
LIST_METADATA_SCHEMAS = "GET /v1/metadata-schemas"
CUSTOMER_ACTIVITY = ("GET /v1/customers/{customerId}/activity", "GET /v1/customers/{customerId}/activities")
CUSTOMER_REDEEMABLES = "GET /v1/customers/{customerId}/redeemables"
NULL_TYPE = r"^None is not of type"

# The seed's Create program `rewards[]` (DESIGN.md §2), what `rewards` is validated against instead of ProgramCreateAssignedReward.
SEED_PROGRAM_REWARDS = {
    "type": ["array", "null"],
    "items": {
        "type": "object",
        "required": ["id", "costs", "stock"],
        "properties": {
            "id": {"type": "string", "pattern": "^lrew_[a-f0-9]+$"},
            "costs": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["spending"], "properties": {
                "spending": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["points", "card_definition_id"],
                             "properties": {"points": {"type": "integer", "minimum": 1},
                                            "card_definition_id": {"type": "string", "pattern": "^lcdef_[a-f0-9]+$"}}}}}}},
            "stock": {"type": ["integer", "null"], "minimum": 0},
        },
    },
}

# The REFUND reward transaction a refund answers: RewardPurchaseTransaction with its `details` the Refund branch (A30-refund).
_RPT = "urn:voucherify-openapi:loyalties-v2.json#/components/schemas/RewardPurchaseTransaction/properties/"
REFUND_TRANSACTION = {
    "type": "object",
    "required": ["id", "card_id", "card_transaction_id", "program_id", "member_id", "reward_id", "status", "type", "details",
                 "created_at", "updated_at", "object"],
    "properties": {**{name: {"$ref": _RPT + name} for name in ("id", "card_id", "card_transaction_id", "program_id", "member_id",
                                                                 "reward_id", "created_at", "updated_at", "object")},
                   "status": {"const": "APPROVED"}, "type": {"const": "REFUND"},
                   "details": {"$ref": "urn:voucherify-openapi:loyalties-v2.json#/components/schemas/RewardPurchaseTransactionDetailsRefund"}},
}

# Spec-internal inconsistencies (spec-map §7) and the seed-over-spec decisions of DESIGN.md §2. Everything else must validate.
ALLOW_LIST: tuple[Rule, ...] = (
    # -- reference schema --
    Rule("A1", (CREATE_PROGRAM,), r"\$\.rewards", keyword="oneOf", instead=("$.rewards", SEED_PROGRAM_REWARDS),
         reason="DESIGN §2 + A1: Create program answers the seed's rewards[] = {id, costs, stock: int|null}; the newer "
                "ProgramCreateAssignedReward types `stock` as a {type, limited} object. rewards[] is validated against the seed shape instead."),
    Rule("A3", (PURCHASE,), r"\$\.transaction([.\[].*)?", status=202, instead=("$.transaction", "#/components/schemas/CardTransaction"),
         reason="DESIGN §2 + A3: the purchase 202 answers the seed's {status, message, transaction: <card transaction>} "
                "(POINTS_SPENT_ON_REWARD, lctx_); the newer schema has a reward transaction (lrtx_). `transaction` is validated against "
                "CardTransaction instead."),
    Rule("A13", (ADJUST,), r"\$\.transaction", keyword="type", message=NULL_TYPE, status=200,
         reason="A13: AdjustCardPointsResponse.transaction is required and not nullable, yet the spec's own NO_CHANGE example returns null."),
    Rule("A28", (PURCHASE,), r"\$\.transaction", keyword="required", message=r"^'(id|created_at)' is a required property", status=200,
         reason="A28: the DRY_RUN transaction lists `id` and `created_at` as required, yet its properties, description and example omit both."),
    Rule("A29", (PROGRAM_MEMBERSHIP,), r"\$\.cards\[\*\]", keyword="required", message=r"^'tier_progress' is a required property$",
         status=200, reason="A29: MembershipCard requires tier_progress, yet the spec's own membership example omits it on its second card: "
                            "it is present only on cards whose card definition the program's tier structure tracks."),
    Rule("A30", (LIST_PURCHASES,), r"\$\.data\[\*\]\.details", keyword="oneOf", message="is valid under each of",
         reason="A30: purchase `details` is oneOf [Purchase, Refund] and a purchase body matches both (the Refund fields are all optional); "
                "valid under each branch means valid under the one its `type` selects. A body matching no branch still fails."),
    Rule("A30-refund", (REFUND,), r"\$\.transaction", keyword="oneOf", status=202, instead=("$.transaction", REFUND_TRANSACTION),
         reason="A30: the refund's REFUND transaction has Refund `details`, which also match the Purchase branch (its fields are a "
                "subset), so `details` fails its oneOf and with it the transaction's [RewardPurchaseTransaction, null]. `transaction` is "
                "validated against RewardPurchaseTransaction with `details` the Refund branch (and type REFUND, status APPROVED) instead."),
    Rule("V1-assign-array", ("POST /v1/loyalties/{campaignId}/rewards",), r"\$", keyword="type", status=200,
         instead=("$", {"type": "array", "minItems": 1, "items": {
             "$ref": "urn:voucherify-openapi:loyalties-v1.json#/components/schemas/RewardAssignment"}}),
         reason="LoyaltiesRewardsCreateAssignmentResponseBody types the answer as one RewardAssignment object, yet the request is "
                "an array, the response is described as 'a list of reward assignment objects' and its example is an array: we "
                "answer the array, one RewardAssignment per item (validated as such instead)."),
    Rule("A31-voucher", V1_VOUCHER_OPS, r"\$\.(category|category_id|start_date|expiration_date|validity_timeframe|validity_day_of_week|"
         r"additional_info|loyalty_card\.next_expiration_date|redemption\.quantity)", keyword="type", message=NULL_TYPE,
         reason="A31: v1 answers null for unset fields, as both v1 seed examples do, where the v1 schema types them non-nullable."),
    Rule("A31-campaign", V1_CAMPAIGN_OPS, r"\$\.(category|start_date|expiration_date|updated_at)", keyword="type", message=NULL_TYPE,
         reason="A31: the same v1 nullability for the loyalty campaign (unset category, dates; updated_at before the first update)."),
    Rule("A31-vouchers", (V1_LIST_MEMBERS,), r"\$\.vouchers\[\*\]\.(category|category_id|start_date|expiration_date|validity_timeframe|"
         r"validity_day_of_week|additional_info|loyalty_card\.next_expiration_date|redemption\.quantity)", keyword="type",
         message=NULL_TYPE, reason="A31: the same v1 nullability for each voucher (loyalty card) of the members list."),
    Rule("A31-transfer", (V1_TRANSFER,), r"\$\.(category|category_id|start_date|expiration_date|validity_timeframe|validity_day_of_week|"
         r"additional_info|loyalty_card\.next_expiration_date|redemption\.quantity)", keyword="type", message=NULL_TYPE,
         reason="A31: the transfer answers the target card as the same voucher object as get member, with its v1 nulls."),
    Rule("A31-redemption-voucher", V1_REDEEM, r"\$\.voucher\.(category|category_id|start_date|expiration_date|validity_timeframe|"
         r"validity_day_of_week|additional_info|loyalty_card\.next_expiration_date|redemption\.quantity|discount|gift)", keyword="type",
         message=NULL_TYPE, reason="A31: the redemption answers the card as the same voucher object as get member, with its v1 nulls "
                                   "(a loyalty card has no discount nor gift: null, as the redemption examples show)."),
    Rule("A31-redemption-discount", V1_REDEEM, r"\$\.voucher\.discount", keyword="oneOf",
         reason="A31: a loyalty card's `discount` is null, as every redemption example shows, where the schema wants a discount object."),
    Rule("V1-redemption-reward-nulls", V1_REDEEM, r"\$\.reward\.(updated_at|parameters\.product\.sku_id)", keyword="type",
         message=NULL_TYPE, reason="A31: the redeemed reward as get reward answers it (updated_at null before an update, sku_id null "
                                   "for a product reward), as the redemption examples show."),
    Rule("V1-redemption-product", V1_REDEEM, r"\$\.reward\.product", keyword="anyOf",
         reason="E23: there is no product catalog, so a MATERIAL reward's product is the {id, sku_id} the reward names, not the full "
                "product object (source_id, name, price, ...) of the example."),
    Rule("V1-redemption-reward-required", V1_REDEEM, r"\$\.reward", keyword="required", message=r"^'reward' is a required",
         reason="RedemptionRewardResult requires a `reward` property inside the reward, which none of the redemption examples "
                "has: we answer the examples' shape."),
    Rule("V1-redemption-400-oneOf", ("POST /v1/loyalties/members/{memberId}/redemption",), r"\$", keyword="oneOf", status=400,
         instead=("$", {"$ref": "urn:voucherify-openapi:loyalties-v1.json#/components/schemas/Error"}),
         reason="The 400 of redeem-reward is a oneOf of three error schemas (missing_reward, missing_order, "
                "loyalty_card_points_exceeded) that constrain no key, so every error body matches all three and fails the "
                "oneOf: validated against Error instead."),
    Rule("V1-transfer-active", (V1_TRANSFER,), r"\$\.active", keyword="type", message=r"^True is not of type 'string'$",
         reason="LoyaltiesMembersTransfersCreateResponseBody types the voucher's `active` as a string, while its own example, "
                "every other voucher schema and get member answer a boolean: we answer the boolean."),
    Rule("V1-activity-oneOf", V1_ACTIVITY, r"\$\.data\[\*\]\.data\.data", keyword="oneOf",
         reason="MemberActivityData is a oneOf of event objects whose properties are all optional, so any activity's data matches "
                "several branches and a strict oneOf fails for every one (as A30): it is not validated with oneOf."),
    Rule("C-activity-oneOf", CUSTOMER_ACTIVITY, r"\$\.data\[\*\]\.data\.data", keyword="oneOf",
         reason="CustomerActivityData is, as MemberActivityData (V1-activity-oneOf), a oneOf of event objects whose properties are "
                "all optional, so a customer's card activity matches several branches: it is not validated with oneOf."),
    Rule("A31-redeemables", (CUSTOMER_REDEEMABLES,), r"\$\.data\[\*\]\.redeemable\.voucher\.(category|category_id|start_date|"
         r"expiration_date|validity_timeframe|validity_day_of_week|additional_info|loyalty_card\.next_expiration_date|"
         r"redemption\.quantity|discount|gift)", keyword="type", message=NULL_TYPE,
         reason="A31: a customer redeemable holds the loyalty card as the v1 voucher object get member answers, with its v1 nulls "
                "(the spec's own example has gift: null; a loyalty card has no discount)."),
    Rule("A31-redeemables-discount", (CUSTOMER_REDEEMABLES,), r"\$\.data\[\*\]\.redeemable\.voucher\.discount", keyword="oneOf",
         message=r"^None is not valid", reason="A31: a loyalty card has no discount: null, as in get member (the oneOf of discount "
                                                "types has no null branch)."),
    Rule("A31-campaigns", (V1_LIST_CAMPAIGNS,), r"\$\.campaigns\[\*\]\.(category|start_date|expiration_date|updated_at)", keyword="type",
         message=NULL_TYPE, reason="A31: the same v1 nullability for each loyalty campaign of the list."),
    Rule("A31-customer", V1_CUSTOMER_OPS, r"\$\.(updated_at|address\.(city|state|line_1|line_2|country|postal_code))", keyword="type",
         message=NULL_TYPE, reason="A31: the same v1 nullability for customers (updated_at before the first update, unset address lines; "
                                   "the request schema accepts null to clear them)."),
    Rule("A31-customers", ("GET /v1/customers",), r"\$\.customers\[\*\]\.(updated_at|address\.(city|state|line_1|line_2|country|postal_code))",
         keyword="type", message=NULL_TYPE, reason="A31: list-customers lists the customers get-customer answers, with the same "
                                                   "v1 nullability."),
    Rule("E-ms-data", (LIST_METADATA_SCHEMAS,), r"\$", keyword="required", message=r"^'data' is a required property$", status=200,
         reason="earning-map §0: MetadataSchemasListResponseBody lists `data` as required, yet its properties name the array "
                "`schemas` (data_ref's enum is [schemas], its default `data`) and the spec's own example has no `data`. We answer "
                "`data_ref: schemas` with `schemas`, as the example does."),
    Rule("V1-export-nulls", V1_EXPORT_OPS, r"\$\.(user_id|result)", keyword="type", message=NULL_TYPE,
         reason="A scheduled export answers `result: null, user_id: null`, as every example of the four export operations does "
                "(ExportScheduledBase: result nullable, default null; user_id only for exports started in the dashboard), while "
                "their response schemas type user_id a string and the points-expiration one types result an object."),
    Rule("V1-export-campaign-id", ("POST /v1/loyalties/{campaignId}/transactions/export",),
         r"\$\.parameters\.filters\.campaign_id\.conditions.*", keyword="maxLength",
         reason="TransactionsExportFilterConditionsWithCampaign limits the campaign id in `$in` to maxLength 1, which its own "
                "example (camp_5pgKwSKsAeQtFkRz6mfKpxxD) breaks: the array holds one id (minItems = maxItems = 1), not a one-letter id."),
    # -- seed contract: a seed example shows a value where our answer is (legitimately) null or absent --
    Rule("S-program", (CREATE_PROGRAM,), r"\$\.(start_date|end_date|updated_at|card_definitions|earning_rules|rewards|tier_structures|"
         r"rewards\[\*\]\.stock)", kind="seed", keyword="null",
         reason="The seed page's own field list types start_date/end_date/updated_at `string<date-time> | null` and the four arrays "
                "`object[] | null` (null when not provided, spec-map §2.1); `stock` is null for UNLIMITED (DESIGN §2)."),
    Rule("S-member", (CREATE_MEMBER,), r"\$\.(updated_at|cards\[\*\]\.card\.(code|next_expiration|next_activation))", kind="seed",
         keyword="null", reason="The seed page types updated_at `| null`; spec-map §2.7: a card's `code` is null until the worker "
                                "generates it, next_expiration / next_activation are `|null`."),
    Rule("S-purchase-null", (PURCHASE,), r"\$\.transaction\.(updated_at|details\.rejection)", kind="seed", keyword="null",
         reason="A PENDING card transaction: updated_at is null until processed, details.rejection null unless rejected (spec-map §2.8)."),
    Rule("S-purchase-variant", (PURCHASE,), r"\$\.transaction\.details\.(result|bucket|points\.(expiration_date|expiration_type|date|type))",
         kind="seed", keyword="missing",
         reason="A3 + spec-map §2.8: the seed's transaction example is the union of every card-transaction type (it even shows "
                "`type: ADMIN_CREDIT` with an expiration `bucket` and pending-points `date`/`type`); CardTransactionDetails says variant "
                "fields are not present on all variants and types them non-nullable, so POINTS_SPENT_ON_REWARD carries points{total} only."),
    Rule("S-v1", V1_VOUCHER_OPS, r"\$\.(category|category_id|loyalty_card\.next_expiration_date)", kind="seed", keyword="null",
         reason="A31: unset v1 fields are null, as the seeds show (Get member: category null; Add member omits next_expiration_date when "
                "no points expire). Our campaigns have no category."),
)

# Operations the stored Voucherify reference does not describe, so `make reference` cannot extract them: a success is validated
# against the schema here (written from the object Voucherify documents for it), an error against the document's error schema.
ASYNC_ACTION = {  # draft 4, like the v1 document it sits beside
    "type": "object",
    "required": ["id", "type", "status", "result", "created_at", "updated_at", "progress", "object"],
    "properties": {
        "id": {"type": "string", "pattern": "^aa_[a-f0-9]+$"},
        "type": {"type": "string"},
        "status": {"enum": ["ENQUEUED", "IN_PROGRESS", "DONE", "FAILED"]},
        "operation_status": {"enum": ["SUCCESS", "FAILED"]},
        "result": {"type": ["object", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "request_id": {"type": "string"},
        "processing_time": {"type": "integer", "minimum": 0},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "object": {"enum": ["async_action"]},
    },
}
EXPORT = {  # draft 4: Voucherify's export object (Get Export), as the export endpoints' responses describe its fields
    "type": "object",
    "required": ["id", "object", "created_at", "status", "channel", "exported_object", "parameters", "result", "user_id"],
    "properties": {
        "id": {"type": "string", "pattern": "^exp_[a-f0-9]+$"},
        "object": {"enum": ["export"]},
        "created_at": {"type": "string", "format": "date-time"},
        "status": {"enum": ["SCHEDULED", "IN_PROGRESS", "DONE", "ERROR"]},
        "channel": {"enum": ["API", "WEBSITE"]},
        "exported_object": {"enum": ["voucher_transactions", "points_expiration"]},
        "parameters": {"type": "object"},
        "result": {"type": ["object", "null"], "properties": {"url": {"type": "string", "format": "uri"}}},
        "user_id": {"type": ["string", "null"]},
    },
}
IMAGE = {  # draft 4: a binary answer, recorded by tests/e2e/test_v1_assets_journey.py as its media type and size
    "type": "object",
    "required": ["content_type", "bytes"],
    "properties": {"content_type": {"enum": ["image/png", "image/svg+xml"]}, "bytes": {"type": "integer", "minimum": 1}},
}
WEBHOOK = {  # draft 4: ours (Voucherify has no webhook API), as webhooks/service.py answers it
    "type": "object",
    "required": ["id", "object", "url", "events", "active", "description", "created_at", "updated_at"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^wh_[a-f0-9]+$"},
        "object": {"enum": ["webhook"]},
        "url": {"type": "string", "format": "uri", "maxLength": 2000},
        "events": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "active": {"type": "boolean"},
        "description": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "secret": {"type": "string", "pattern": "^whsec_[a-f0-9]{64}$"},
    },
}
WEBHOOK_WITH_SECRET = {**WEBHOOK, "required": ["id", "object", "url", "events", "active", "description", "created_at", "updated_at", "secret"]}
WEBHOOK_LIST = {
    "type": "object",
    "required": ["object", "data_ref", "webhooks", "total"],
    "additionalProperties": False,
    "properties": {"object": {"enum": ["list"]}, "data_ref": {"enum": ["webhooks"]}, "total": {"type": "integer", "minimum": 0, "maximum": 20},
                   "webhooks": {"type": "array", "maxItems": 20, "items": {**WEBHOOK, "not": {"required": ["secret"]}}}},
}
WEBHOOK_ATTEMPT = {
    "type": "object",
    "required": ["at", "status_code", "duration_ms", "error"],
    "additionalProperties": False,
    "properties": {"at": {"type": "string", "format": "date-time"}, "status_code": {"type": ["integer", "null"]},
                   "duration_ms": {"type": "integer", "minimum": 0}, "error": {"type": ["string", "null"]}},
}
WEBHOOK_DELIVERIES = {
    "type": "object",
    "required": ["object", "data_ref", "deliveries", "has_more"],
    "additionalProperties": False,
    "properties": {
        "object": {"enum": ["list"]}, "data_ref": {"enum": ["deliveries"]}, "has_more": {"type": "boolean"},
        "cursor": {"type": "object", "required": ["next", "expires_at"]},
        "deliveries": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "object", "webhook_id", "event_id", "event_type", "created_at", "status", "attempts"],
            "additionalProperties": False,
            "properties": {"id": {"type": "string", "pattern": "^whd_[a-f0-9]+$"}, "object": {"enum": ["webhook_delivery"]},
                           "webhook_id": {"type": "string", "pattern": "^wh_[a-f0-9]+$"}, "event_id": {"type": "string"},
                           "event_type": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
                           "status": {"enum": ["PENDING", "DELIVERED", "FAILED"]},
                           "attempts": {"type": "array", "maxItems": 10, "items": WEBHOOK_ATTEMPT}}}},
    },
}
NO_CONTENT = {"type": "null"}
_OURS = "Ours: webhooks (Voucherify configures webhooks in its dashboard only, so no spec holds these routes); "
NOT_IN_REFERENCE: dict[str, tuple[str, dict[str, Any]]] = {
    "GET /v1/async-actions/{asyncActionId}": (
        "spec-map §1.3 #20: batch member creation answers an async action id to read with GET /v1/async-actions/{id}, which "
        "none of the stored specs holds; the schema is Voucherify's v1 async action object (AsyncActionGetResponseBody)", ASYNC_ACTION),
    "GET /v1/exports/{exportId}": (
        "The export endpoints answer an export id to read with Voucherify's GET /v1/exports/{exportId}, which none of the stored "
        "specs holds; the schema is Voucherify's export object (id, object, created_at, status, channel, exported_object, "
        "parameters, result {url}, user_id)", EXPORT),
    "GET /v1/assets/{kind}/{assetId}": (
        "Ours: the public URLs of a v1 card's `assets.qr` / `assets.barcode` (Voucherify serves them from its own asset host, "
        "which no spec describes); an image, recorded as its media type and size", IMAGE),
    "POST /v1/webhooks": (_OURS + "a new webhook with its signing secret", WEBHOOK_WITH_SECRET),
    "GET /v1/webhooks": (_OURS + "the project's webhooks, without their secrets", WEBHOOK_LIST),
    "GET /v1/webhooks/{webhookId}": (_OURS + "one webhook with its signing secret", WEBHOOK_WITH_SECRET),
    "PUT /v1/webhooks/{webhookId}": (_OURS + "the changed webhook with its signing secret", WEBHOOK_WITH_SECRET),
    "DELETE /v1/webhooks/{webhookId}": (_OURS + "204, no content", NO_CONTENT),
    "GET /v1/webhooks/{webhookId}/deliveries": (_OURS + "a page of a webhook's deliveries with their attempts", WEBHOOK_DELIVERIES),
}

# Product bugs: the response violates the reference, the seed or the contract in a way no spec inconsistency explains. Each one is
# an xfail(strict=True) test; once the product is fixed it passes, which fails the run: then delete the entry.
KNOWN_BUGS: tuple[Rule, ...] = ()


def triage(violations: Iterable[Violation]) -> tuple[list[Violation], dict[str, list[Violation]], dict[str, list[Violation]]]:
    """(unexplained, allowed by allow-list id, expected by known-bug id)."""
    unexplained: list[Violation] = []
    allowed: dict[str, list[Violation]] = {r.id: [] for r in ALLOW_LIST}
    bugs: dict[str, list[Violation]] = {r.id: [] for r in KNOWN_BUGS}
    for v in violations:
        rule = next((r for r in ALLOW_LIST if r.matches(v)), None)
        if rule:
            allowed[rule.id].append(v)
            continue
        bug = next((r for r in KNOWN_BUGS if r.matches(v)), None)
        if bug:
            bugs[bug.id].append(v)
            continue
        unexplained.append(v)
    return unexplained, allowed, bugs


# ---------------------------------------------------------------------------------------------------------------------------
# The reference documents


def document_for(route: str) -> str:
    """The reference document that owns a route."""
    if route.startswith("/v1/customers"):
        return "customers.json"
    if route.startswith("/v1/orders"):
        return "orders.json"
    if route.startswith("/v1/events"):
        return "events.json"
    if route.startswith("/v1/metadata-schemas"):
        return "metadata-schemas.json"
    if route.startswith("/v1/rewards"):
        return "rewards-v1.json"
    if route.startswith("/v1/"):
        return "loyalties-v1.json"
    return "loyalties-v2.json"


def _nullable_to_union(node: Any) -> Any:
    """OpenAPI 3.0 `nullable: true` -> JSON Schema: `null` added to `type` (and `enum`), or `anyOf [schema, null]` around a
    schema that has no plain type (`$ref`, `allOf`, `oneOf`, `anyOf`)."""
    if isinstance(node, list):
        return [_nullable_to_union(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_to_union(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is not True:
        return out
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    if any(k in out for k in ("$ref", "allOf", "oneOf", "anyOf")) or "type" not in out:
        return {"anyOf": [out, {"type": "null"}]}
    types = out["type"] if isinstance(out["type"], list) else [out["type"]]
    out["type"] = [*types, "null"] if "null" not in types else types
    return out


class Reference:
    """One reference document, prepared for validation."""

    def __init__(self, name: str) -> None:
        raw = reference_file(name)
        self.name = name
        self.uri = f"urn:voucherify-openapi:{name}"
        self.is_31 = str(raw.get("openapi", "")).startswith("3.1")
        self.doc = raw if self.is_31 else _nullable_to_union(copy.deepcopy(raw))
        spec = DRAFT202012 if self.is_31 else DRAFT4
        self.registry: Registry[Any] = Registry().with_resource(self.uri, spec.create_resource(self.doc))
        self.error_schema = "#/components/schemas/ErrorResponse" if "ErrorResponse" in self.doc["components"]["schemas"] \
            else "#/components/schemas/Error"

    def operation(self, method: str, route: str) -> dict[str, Any] | None:
        op = (self.doc["paths"].get(route) or {}).get(method.lower())
        return op if isinstance(op, dict) else None

    def response_pointer(self, method: str, route: str, status: int) -> tuple[str | None, str]:
        """(JSON pointer of the response schema, where it came from) for an operation and status."""
        op = self.operation(method, route)
        if op is None:
            return None, "operation not in the reference extract (a new route? run `make reference`)"
        responses = op.get("responses") or {}
        base = "#/paths/" + route.replace("~", "~0").replace("/", "~1") + "/" + method.lower() + "/responses/"
        for key, source in ((str(status), "declared"), (f"{str(status)[0]}XX", "declared range"), ("default", "default")):
            if key in responses:
                content = (responses[key].get("content") or {}).get("application/json")
                if content is None or "schema" not in content:
                    return None, f"{source} {key} without a JSON schema"
                return base + key + "/content/application~1json/schema", f"{source} {key}"
        if status >= 400:
            return self.error_schema, "error schema (status not declared)"
        return None, f"status {status} not declared"

    def declares_no_content(self, method: str, route: str, status: int) -> bool:
        """Whether the operation documents this status as a response without content (`204: {}`)."""
        op = self.operation(method, route) or {}
        declared = (op.get("responses") or {}).get(str(status))
        return declared is not None and not declared.get("content")

    @functools.cache  # noqa: B019 - one Reference per document, kept for the session
    def validator(self, pointer: str) -> Draft202012Validator | Draft4Validator:
        """A validator for the schema at a JSON pointer of this document."""
        return self.validator_for({"$ref": self.uri + pointer})

    def validator_for(self, schema: dict[str, Any]) -> Draft202012Validator | Draft4Validator:
        """A validator for a schema in this document's dialect (its `$ref`s must name `self.uri`)."""
        cls = Draft202012Validator if self.is_31 else Draft4Validator
        return cls(schema, registry=self.registry, format_checker=FORMATS)


FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time")
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return True


@FORMATS.checks("date")
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return bool(DATE.match(value)) and date.fromisoformat(value) is not None
    except ValueError:
        return False


@functools.cache
def reference(name: str) -> Reference:
    return Reference(name)


def _short(error: ValidationError) -> str:
    """jsonschema's message with the repr of the instance it starts with shortened."""
    instance = repr(error.instance)
    if error.message.startswith(instance) and len(instance) > 120:
        return instance[:117] + "..." + error.message[len(instance):]
    return error.message


def _describe(error: ValidationError) -> str:
    text = _short(error)
    if error.validator in ("oneOf", "anyOf") and error.context and "is valid under each of" not in error.message:
        deepest = best_match(error.context)
        text += f" | best branch: {deepest.json_path}: {_short(deepest)}"
    return text


def _at(body: Any, path: str) -> Any:
    """The value at a simple JSON path (`$.a.b`), or None."""
    for part in path.split(".")[1:]:
        body = body.get(part) if isinstance(body, dict) else None
    return body


def schema_violations(call: Call) -> list[Violation]:
    """The call's response against the reference schema of its operation and status; plus, for an allow-list rule with `instead`,
    the allow-listed part against its substitute schema (kind `instead`, which that rule does not cover)."""
    if call.route is None:
        return []
    ref = reference(document_for(call.route))
    if call.status == 204 and call.body is None and "204" in ((ref.operation(call.method, call.route) or {}).get("responses") or {}):
        return []  # a documented no-content answer has nothing to validate
    if call.operation in NOT_IN_REFERENCE:
        validator = ref.validator(ref.error_schema) if call.status >= 400 else ref.validator_for(NOT_IN_REFERENCE[call.operation][1])
        return [Violation(call.operation, call.status, e.json_path, "schema", str(e.validator), _describe(e), call.test)
                for e in validator.iter_errors(call.body)]
    pointer, source = ref.response_pointer(call.method, call.route, call.status)
    if pointer is None and call.body is None and ref.declares_no_content(call.method, call.route, call.status):
        return []  # a documented response without content (DELETE's 204), answered without a body
    if pointer is None:
        return [Violation(call.operation, call.status, "$", "schema", "status", f"{ref.name}: {source}", call.test)]
    out = [Violation(call.operation, call.status, e.json_path, "schema", str(e.validator), _describe(e), call.test)
           for e in ref.validator(pointer).iter_errors(call.body)]
    for rule in ALLOW_LIST:
        if rule.instead and call.operation in rule.operations and rule.status in (None, call.status):
            where, schema = rule.instead
            validator = ref.validator(schema) if isinstance(schema, str) else ref.validator_for(schema)
            out += [Violation(call.operation, call.status, where + e.json_path[1:], "instead", str(e.validator),
                              f"{rule.id} substitute: {_describe(e)}", call.test)
                    for e in validator.iter_errors(_at(call.body, where))]
    return out


# ---------------------------------------------------------------------------------------------------------------------------
# DESIGN.md §2 contract checks


def walk(value: Any, path: str = "$") -> Iterator[tuple[str, str | int | None, Any]]:
    """(JSON path, key or index, value) for every node below the root."""
    if isinstance(value, dict):
        for k, v in value.items():
            p = f"{path}.{k}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k) else f"{path}[{json.dumps(k)}]"
            yield p, k, v
            yield from walk(v, p)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            p = f"{path}[{i}]"
            yield p, i, v
            yield from walk(v, p)


ERROR_FIELDS = ("code", "key", "message", "details", "request_id")


def contract_violations(call: Call) -> list[Violation]:
    """Timestamps with milliseconds; counters and points as ints; no integral floats anywhere; error bodies carry all of
    `{code, key, message, details, request_id}` (the reference marks them optional) with `code` = the HTTP status."""
    out = []
    if call.status >= 400 and call.route is not None:
        body = call.body if isinstance(call.body, dict) else {}
        for name in ERROR_FIELDS:
            if not isinstance(body.get(name), int if name == "code" else str):
                out.append(Violation(call.operation, call.status, f"$.{name}", "error-body", "missing",
                                     f"error body lacks {name} (got {json.dumps(call.body)[:120]})", call.test))
        if body.get("code") not in (None, call.status):
            out.append(Violation(call.operation, call.status, "$.code", "error-body", "code",
                                 f"code {body.get('code')!r} differs from the HTTP status {call.status}", call.test))
    for path, key, value in walk(call.body):
        if key in DATE_AT_KEYS and isinstance(value, str) and DATE.match(value):
            continue
        if isinstance(value, str) and (LOOKS_LIKE_DATETIME.match(value) or (isinstance(key, str) and key.endswith("_at"))):
            if not TIMESTAMP.match(value):
                out.append(Violation(call.operation, call.status, path, "timestamp", "format",
                                     f"{value!r} is not YYYY-MM-DDTHH:MM:SS.sssZ", call.test))
        elif key == "metadata" and not isinstance(value, dict):
            out.append(Violation(call.operation, call.status, path, "metadata", "type", f"metadata is {value!r}, not an object", call.test))
        elif isinstance(value, float):
            if value.is_integer():
                out.append(Violation(call.operation, call.status, path, "integer", "float", f"{value!r} is an integral float", call.test))
            elif isinstance(key, str) and key in COUNTER_KEYS:
                out.append(Violation(call.operation, call.status, path, "integer", "float", f"counter {key} = {value!r}", call.test))
    return out


# ---------------------------------------------------------------------------------------------------------------------------
# The seed pages


@dataclass(frozen=True)
class Seed:
    """A seed page: the operation it documents (its key in seeds.json), which of our answers it governs, and its status."""

    page: str
    title: str
    operations: tuple[str, ...]
    status: int


SEEDS: tuple[Seed, ...] = (
    Seed(CREATE_PROGRAM, "v2 Create program", (CREATE_PROGRAM,), 200),
    Seed(CREATE_MEMBER, "v2 Create member", (CREATE_MEMBER,), 200),
    Seed(PURCHASE, "v2 Purchase reward", (PURCHASE,), 202),  # DESIGN.md §2: 202 answers the seed's body
    Seed(V1_ADD_MEMBER, "v1 Add member", (V1_ADD_MEMBER,), 200),
    # The campaign-less twin answers the same LoyaltiesMembersGetResponseBody, so the Get member seed governs it too.
    Seed(V1_GET_MEMBER, "v1 Get member", (V1_GET_MEMBER, V1_GET_MEMBER_BY_CODE), 200),
)


@functools.cache
def seed_examples() -> dict[str, Any]:
    """`METHOD /path` -> the response example of that operation's seed page (extracted from the pages by `make reference`)."""
    examples: dict[str, Any] = reference_file("seeds.json")
    return examples


def seed_example(seed: Seed) -> dict[str, Any]:
    example = seed_examples().get(seed.page)
    assert isinstance(example, dict), f"tests/reference/seeds.json has no response example for {seed.page}: run `make reference`"
    return example


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def seed_violations(seed: Seed, call: Call) -> list[Violation]:
    """Every field of the seed example is present in the response with the same JSON type."""
    out: list[Violation] = []

    def add(path: str, keyword: str, message: str) -> None:
        out.append(Violation(call.operation, call.status, path, "seed", keyword, f"{seed.title}: {message}", call.test))

    def compare(example: Any, ours: Any, path: str) -> None:
        if example is None or example == "<unknown>":
            return
        want, got = _json_type(example), _json_type(ours)
        if got == "null":
            add(path, "null", f"seed shows {want} {json.dumps(example)[:60]}, got null")
            return
        if want == "number" and got == "integer":
            return
        if want != got:
            add(path, "type", f"seed shows {want} {json.dumps(example)[:60]}, got {got} {json.dumps(ours)[:60]}")
            return
        if want == "string" and LOOKS_LIKE_DATETIME.match(example) and not TIMESTAMP.match(ours):
            add(path, "timestamp", f"{ours!r} is not a timestamp with milliseconds")
        elif want == "string" and DATE.match(example) and not DATE.match(ours):
            add(path, "date", f"{ours!r} is not YYYY-MM-DD")
        elif want == "object" and path.rsplit(".", 1)[-1] != "metadata":  # metadata: free-form, the example's keys are data
            for key, sub in example.items():
                sub_path = f"{path}.{key}"
                if key not in ours:
                    add(sub_path, "missing", f"seed shows {key!r}, absent from the response")
                else:
                    compare(sub, ours[key], sub_path)
        elif want == "array" and example:
            for i, item in enumerate(ours):
                compare(example[0], item, f"{path}[{i}]")

    compare(seed_example(seed), call.body, "$")
    return out


def seed_calls(seed: Seed, calls: Iterable[Call]) -> list[Call]:
    return [c for c in calls if c.operation in seed.operations and c.status == seed.status]


# ---------------------------------------------------------------------------------------------------------------------------
# Drivers: every endpoint at least once with a success and with its typical errors (400, 401, 404, 409, 423)

NO_SUCH = {
    "program": "lprg_000000000000000000", "member": "lmbr_000000000000000000", "card": "lcrd_000000000000000000",
    "cdef": "lcdef_000000000000000000", "rule": "lern_000000000000000000", "reward": "lrew_000000000000000000",
}
DRIVEN: set[str] = set()  # the drivers that already ran in this session


def expect(client: Client, method: str, path: str, body: Any, status: int, key: str | None = None, **kw: Any) -> Any:
    got, data = client.request(method, path, body, **kw)
    assert got == status, (method, path, got, data)
    if key is not None:
        assert data["key"] == key, (method, path, data)
    return data


def drive_v2(client: Client) -> dict[str, Any]:
    """The v2 surface: components, programs, members, points, purchases, and their errors."""
    DRIVEN.add("v2")
    post, get = client.post, client.get
    cdef = post(f"{V2}/card-definitions", {"name": "Conformance wallet", "type": "INDIVIDUAL", "status": "ACTIVE",
                                            "code_config": {"prefix": "CF-", "length": 8}, "metadata": {"k": "v"}})
    draft_cdef = post(f"{V2}/card-definitions", {"name": "Draft wallet", "type": "INDIVIDUAL"})
    get(f"{V2}/card-definitions/{cdef['id']}")
    expect(client, "POST", f"{V2}/card-definitions", {"name": "x"}, 400, "invalid_payload")
    expect(client, "GET", f"{V2}/card-definitions/{NO_SUCH['cdef']}", None, 404, "not_found")

    rule = post(f"{V2}/earning-rules", {
        "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef["id"]}}]}]})
    get(f"{V2}/earning-rules/{rule['id']}")
    expect(client, "POST", f"{V2}/earning-rules", {"name": "no trigger"}, 400, "invalid_payload")
    expect(client, "GET", f"{V2}/earning-rules/{NO_SUCH['rule']}", None, 404, "not_found")

    reward = post(f"{V2}/rewards", {
        "name": "Coffee", "type": "MATERIAL", "status": "ACTIVE",
        "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
        "costs": [{"spending": [{"points": 100, "card_definition_id": cdef["id"]}]}]})
    scarce = post(f"{V2}/rewards", {
        "name": "Mug", "type": "MATERIAL", "status": "ACTIVE",
        "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a81"}},
        "costs": [{"spending": [{"points": 10, "card_definition_id": cdef["id"]}]}]})
    get(f"{V2}/rewards/{reward['id']}")
    expect(client, "POST", f"{V2}/rewards", {"name": "no type"}, 400, "invalid_payload")
    expect(client, "GET", f"{V2}/rewards/{NO_SUCH['reward']}", None, 404, "not_found")

    # Both rewards[] forms of Create program: the seed's integer stock with costs, and the newer stock object.
    program = post(f"{V2}/programs", {
        "name": "Conformance VIP", "status": "ACTIVE", "metadata": {"tier": "gold"},
        "card_definitions": [{"id": cdef["id"]}], "earning_rules": [{"id": rule["id"]}],
        "rewards": [{"id": reward["id"], "costs": [{"spending": [{"points": 100, "card_definition_id": cdef["id"]}]}], "stock": 10},
                    {"id": scarce["id"], "stock": {"type": "LIMITED", "limited": {"quantity": 0}}}]})
    draft = post(f"{V2}/programs", {"name": "Conformance draft"})
    post(f"{V2}/programs", {"name": "Unlimited", "rewards": [{"id": reward["id"], "stock": {"type": "UNLIMITED"}}]})
    get(f"{V2}/programs/{program['id']}")
    get(f"{V2}/programs/{draft['id']}")
    expect(client, "POST", f"{V2}/programs", {"name": ""}, 400, "invalid_payload")
    expect(client, "POST", f"{V2}/programs", {"name": "x", "card_definitions": [{"id": NO_SUCH["cdef"]}]}, 404, "not_found")
    expect(client, "POST", f"{V2}/programs", {"name": "x", "status": "ACTIVE"}, 423, "missing_active_card_definition")
    expect(client, "POST", f"{V2}/programs", {"name": "x", "status": "ACTIVE", "card_definitions": [{"id": draft_cdef["id"]}]}, 423)
    expect(client, "GET", f"{V2}/programs/{NO_SUCH['program']}", None, 404, "not_found")

    customer = post("/v1/customers", {"source_id": f"conf-{uuid.uuid4().hex[:8]}", "name": "Conformance", "email": "c@example.com"})
    other = post("/v1/customers", {"source_id": f"conf-{uuid.uuid4().hex[:8]}"})
    members = f"{V2}/programs/{program['id']}/members"
    member = post(members, {"customer_id": customer["id"], "metadata": {"source": "seed form"}})
    post(members, {"customer_identification": {"type": "customer_source_id", "customer_source_id": other["source_id"]}})
    expect(client, "POST", members, {"customer_id": customer["id"]}, 409, "member_already_exists")
    expect(client, "POST", members, {}, 400, "invalid_payload")
    expect(client, "POST", members, {"customer_id": "cust_doesnotexist0"}, 404, "not_found")
    expect(client, "POST", f"{V2}/programs/{draft['id']}/members", {"customer_id": customer["id"]}, 423, "non_active_program")
    expect(client, "POST", f"{V2}/programs/{NO_SUCH['program']}/members", {"customer_id": customer["id"]}, 404, "not_found")

    m = f"{members}/{member['id']}"
    card_id = member["cards"][0]["card"]["id"]
    card = f"{m}/cards/{card_id}"
    expect(client, "GET", f"{members}/{NO_SUCH['member']}", None, 404, "not_found")

    # Purchases before there are points: 423 insufficient balance; out of stock; unknown reward.
    expect(client, "POST", f"{m}/rewards/purchases", {"reward_id": reward["id"]}, 423, "insufficient_card_balance")
    expect(client, "POST", f"{m}/rewards/purchases", {"reward_id": scarce["id"]}, 423, "reward_out_of_stock")
    expect(client, "POST", f"{m}/rewards/purchases", {"reward_id": NO_SUCH["reward"]}, 404, "not_found")
    expect(client, "POST", f"{m}/rewards/purchases", {"reward": "x"}, 400, "invalid_payload")
    expect(client, "POST", f"{members}/{NO_SUCH['member']}/rewards/purchases", {"reward_id": reward["id"]}, 404, "not_found")

    added = post(f"{card}/points", {"points": 500, "reason": "Welcome bonus"})
    assert added["status"] == "TRANSACTION_CREATED"
    assert post(f"{card}/points", {"points": 0})["status"] == "NO_CHANGE"
    expect(client, "POST", f"{card}/points", {"points": "many"}, 400, "invalid_payload")
    expect(client, "POST", f"{m}/cards/{NO_SUCH['card']}/points", {"points": 1}, 404, "not_found")
    eventually(lambda: get(m)["cards"][0]["card"]["balance"]["points"] == 500)
    expect(client, "POST", f"{card}/points", {"points": -10_000}, 423, "insufficient_card_balance")
    post(f"{card}/points", {"points": -50, "reason": "Correction"})

    dry = post(f"{m}/rewards/purchases", {"reward_id": reward["id"], "mode": "DRY_RUN"})
    assert dry["status"] == "DRY_RUN"
    purchase = post(f"{m}/rewards/purchases", {"reward_id": reward["id"]}, expect=202)
    eventually(lambda: get(f"{m}/rewards/purchases")["data"][0]["status"] == "APPROVED")
    eventually(lambda: all(t["status"] == "APPROVED" for t in get(f"{card}/transactions")["data"]))

    page = get(f"{card}/transactions", params={"limit": 1})
    if page.get("cursor"):
        get(f"{card}/transactions", params={"limit": 1, "cursor": page["cursor"]["next"]})
    expect(client, "GET", f"{card}/transactions", None, 400, params={"cursor": "lcrsctx_00ff"})
    expect(client, "GET", f"{card}/transactions", None, 400, params={"limit": 1000})
    expect(client, "GET", f"{m}/cards/{NO_SUCH['card']}/transactions", None, 404, "not_found")
    get(f"{m}/rewards/purchases", params={"limit": 1})
    expect(client, "GET", f"{m}/rewards/purchases", None, 400, params={"limit": 0})
    expect(client, "GET", f"{members}/{NO_SUCH['member']}/rewards/purchases", None, 404, "not_found")
    get(m)
    return {"program": program, "member": member, "card_id": card_id, "purchase": purchase}


def drive_v1(client: Client) -> dict[str, Any]:
    """The v1 surface: customers, loyalty campaigns, add/get member, balance, and their errors."""
    DRIVEN.add("v1")
    post, get = client.post, client.get
    customer = post("/v1/customers", {"source_id": f"v1conf-{uuid.uuid4().hex[:8]}", "name": "V1 Conformance",
                                      "metadata": {"vip": True}, "address": {"city": "Warsaw"}})
    post("/v1/customers", {"source_id": customer["source_id"], "name": "V1 Conformance (renamed)"})  # upsert
    get(f"/v1/customers/{customer['id']}")
    get(f"/v1/customers/{customer['source_id']}")
    expect(client, "POST", "/v1/customers", {"email": 5}, 400, "invalid_payload")
    expect(client, "GET", "/v1/customers/cust_doesnotexist0", None, 404, "not_found")
    get("/v1/customers?limit=2&page=1&order=-created_at")
    get("/v1/customers?city=Warsaw&created_at%5Bafter%5D=2020-01-01T00:00:00Z&order=source_id")
    expect(client, "GET", "/v1/customers?limit=0", None, 400, "invalid_query_params")
    expect(client, "GET", "/v1/customers?nickname=x", None, 400, "invalid_query_params")
    expect(client, "PUT", f"/v1/customers/{customer['id']}", {"description": "updated", "metadata": {"vip": False}}, 200, None)
    expect(client, "PUT", f"/v1/customers/{customer['source_id']}", {"phone": "+48 1", "address": {"city": "Warsaw"}}, 200, None)
    expect(client, "PUT", f"/v1/customers/{customer['id']}", {"source_id": "other"}, 400, "invalid_payload")
    expect(client, "PUT", "/v1/customers/cust_doesnotexist0", {"name": "x"}, 404, "not_found")
    gone = post("/v1/customers", {"source_id": f"v1conf-gone-{uuid.uuid4().hex[:8]}"})
    expect(client, "DELETE", f"/v1/customers/{gone['id']}", None, 204, None)
    expect(client, "DELETE", f"/v1/customers/{gone['source_id']}", None, 404, "not_found")
    erased = post("/v1/customers", {"source_id": f"v1conf-erased-{uuid.uuid4().hex[:8]}", "email": "e@example.com"})
    post(f"/v1/customers/{erased['source_id']}/permanent-deletion")
    expect(client, "POST", f"/v1/customers/{erased['id']}/permanent-deletion", None, 404, "not_found")
    get(f"/v1/customers/{customer['id']}/segments")
    expect(client, "GET", f"/v1/customers/{customer['id']}/segments?limit=1", None, 400, "invalid_query_params")
    expect(client, "GET", "/v1/customers/cust_doesnotexist0/segments", None, 404, "not_found")

    name = f"V1 conformance {uuid.uuid4().hex[:6]}"
    campaign = post("/v1/loyalties", {"name": name, "type": "AUTO_UPDATE", "voucher": {
        "type": "LOYALTY_CARD", "loyalty_card": {"points": 0}, "code_config": {"pattern": "CF-########"}}})
    expect(client, "POST", "/v1/loyalties", {"name": name, "type": "AUTO_UPDATE", "voucher": {
        "type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}}, 409, "duplicate_found")
    expect(client, "POST", "/v1/loyalties", {"type": "AUTO_UPDATE"}, 400, "invalid_payload")
    get(f"/v1/loyalties/{campaign['id']}")
    expect(client, "GET", "/v1/loyalties/camp_doesnotexist0", None, 404, "not_found")

    members = f"/v1/loyalties/{campaign['id']}/members"
    card = post(members, {"customer": customer["id"], "metadata": {"year": 2022}, "channel": "conformance"})
    post(members, {"customer": customer["source_id"]})  # a repeat returns the same card
    post(members, {"customer": {"source_id": f"v1conf-new-{uuid.uuid4().hex[:6]}", "name": "Upserted"}})
    expect(client, "POST", members, {}, 400, "invalid_payload")
    expect(client, "POST", members, {"customer": "cust_doesnotexist0"}, 404, "not_found")
    expect(client, "POST", "/v1/loyalties/camp_doesnotexist0/members", {"customer": customer["id"]}, 404, "not_found")

    code = card["code"]
    post(f"{members}/{code}/balance", {"points": 500, "reason": "welcome"})
    post(f"/v1/loyalties/members/{code}/balance", {"points": -100})
    expect(client, "POST", f"{members}/{code}/balance", {"points": "x"}, 400, "invalid_payload")
    expect(client, "POST", f"/v1/loyalties/members/{code}/balance", {}, 400, "invalid_payload")
    expect(client, "POST", f"{members}/NOSUCHCODE/balance", {"points": 1}, 404, "not_found")
    expect(client, "POST", "/v1/loyalties/members/NOSUCHCODE/balance", {"points": 1}, 404, "not_found")
    get(f"{members}/{code}")
    get(f"/v1/loyalties/members/{code}")
    expect(client, "GET", f"{members}/NOSUCHCODE", None, 404, "not_found")
    expect(client, "GET", "/v1/loyalties/members/NOSUCHCODE", None, 404, "not_found")
    return {"campaign": campaign, "card": card}


def drive_orders(client: Client) -> dict[str, Any]:
    """The orders routes: create (new, resent, upsert), get by id and source id, update, list by page, and their errors."""
    DRIVEN.add("orders")
    post, get = client.post, client.get
    tag = uuid.uuid4().hex[:8]
    body = {"source_id": f"conf-order-{tag}", "status": "PAID", "amount": 20000, "discount_amount": 500,
            "customer": {"source_id": f"conf-buyer-{tag}", "name": "Buyer"}, "referrer": {"source_id": f"conf-referrer-{tag}"},
            "metadata": {"channel": "conformance"},
            "items": [{"quantity": 2, "price": 7000, "discount_amount": 1000, "source_id": "sku-1", "related_object": "sku",
                       "sku": {"sku": "S1", "price": 7000, "metadata": {"colour": "red"}}},
                      {"product_id": "prod_0a1b", "quantity": 1, "amount": 6000, "product": {"name": "P", "price": 6000}}]}
    order = post("/v1/orders", body)
    post("/v1/orders", body)  # resent: the same order, nothing earned again
    post("/v1/orders", {"id": order["id"], "status": "FULFILLED"})
    post("/v1/orders", {"source_id": f"conf-plain-{tag}"})  # no customer, no amount
    get(f"/v1/orders/{order['id']}")
    get(f"/v1/orders/{body['source_id']}")
    expect(client, "PUT", f"/v1/orders/{body['source_id']}", {"status": "CANCELED", "metadata": {"reason": "returned"}}, 200)
    get("/v1/orders", params={"limit": "1", "page": "2", "order": "created_at"})
    get("/v1/orders")
    expect(client, "POST", "/v1/orders", {"amount": -1}, 400, "invalid_payload")
    expect(client, "POST", "/v1/orders", {"customer": {"id": "cust_doesnotexist0"}}, 404, "not_found")
    expect(client, "GET", "/v1/orders/ord_doesnotexist0", None, 404, "not_found")
    expect(client, "PUT", "/v1/orders/ord_doesnotexist0", {"status": "PAID"}, 404, "not_found")
    expect(client, "PUT", f"/v1/orders/{order['id']}", {"amount": "x"}, 400, "invalid_payload")
    expect(client, "GET", "/v1/orders", None, 400, "invalid_query_params", params={"limit": "0"})
    return {"order": order}


def drive_benefits(client: Client) -> None:
    """Benefits granted by an earning rule: a PAID order grants a points benefit and a product with one unit of stock (a
    second order finds none left), and the member's benefit transactions list, page by page, with their errors."""
    DRIVEN.add("benefits")
    post, get = client.post, client.get
    tag = uuid.uuid4().hex[:8]
    cdef = post(f"{V2}/card-definitions", {"name": f"Perks wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})
    granted = [post(f"{V2}/benefits", {"name": f"Perk points {tag}", "type": "POINTS", "status": "ACTIVE",
                                       "points": {"value": 25, "card_definition_id": cdef["id"]}}),
               post(f"{V2}/benefits", {"name": f"Perk bag {tag}", "type": "MATERIAL", "status": "ACTIVE",
                                       "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
                                       "stock": {"type": "LIMITED", "limited": {"quantity": 1}}})]
    rule = post(f"{V2}/earning-rules", {"name": f"Perks {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
                                        "earnings": [{"effects": [{"type": "BENEFIT", "benefit": {"id": b["id"]}} for b in granted]}]})
    program = post(f"{V2}/programs", {"name": f"Perks {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef["id"]}],
                                      "earning_rules": [{"id": rule["id"]}]})
    customer = post("/v1/customers", {"source_id": f"conf-perks-{tag}"})
    member = post(f"{V2}/programs/{program['id']}/members", {"customer_id": customer["id"]})
    for n in range(2):
        post("/v1/orders", {"source_id": f"conf-perks-{tag}-{n}", "status": "PAID", "amount": 1000, "customer": {"id": customer["id"]}})
    path = f"{V2}/programs/{program['id']}/members/{member['id']}/benefits/transactions"
    eventually(lambda: len(get(path)["data"]) == 4, timeout=30)
    first = get(path, params={"limit": "1", "order": "created_at"})
    get(path, params={"limit": "1", "order": "created_at", "cursor": first["cursor"]["next"]})
    get(path, params={"filters[benefit_id][conditions][$is]": granted[1]["id"]})
    expect(client, "GET", f"{V2}/programs/{program['id']}/members/{NO_SUCH['member']}/benefits/transactions", None, 404, "not_found")
    expect(client, "GET", path, None, 400, "invalid_query_params", params={"limit": "0"})


def drive_auth(client: Client) -> None:
    """401 on v2 and v1 routes: no credentials, a wrong token, a bearer token that names no key; a valid bearer token passes."""
    DRIVEN.add("auth")
    anonymous = Client(client.base_url, {}, client.recorder)
    for method, path in (("GET", f"{V2}/programs/{NO_SUCH['program']}"), ("POST", f"{V2}/programs"),
                         ("GET", "/v1/loyalties/members/NOSUCHCODE"), ("POST", "/v1/customers")):
        expect(anonymous, method, path, {"name": "x"} if method == "POST" else None, 401, "unauthorized")
    wrong = Client(client.base_url, {"X-App-Id": "nobody.000000000000", "X-App-Token": "nobody.000000000000.ffff"}, client.recorder)
    expect(wrong, "POST", f"{V2}/card-definitions", {"name": "x", "type": "INDIVIDUAL"}, 401, "unauthorized")
    bearer = Client(client.base_url, {"Authorization": "Bearer not-a-token"}, client.recorder)
    expect(bearer, "GET", "/v1/customers/cust_x", None, 401, "unauthorized")
    token = client.session.headers["X-App-Token"]
    assert isinstance(token, str)
    valid = Client(client.base_url, {"Authorization": f"Bearer {token}"}, client.recorder)
    expect(valid, "GET", f"{V2}/programs/{NO_SUCH['program']}", None, 404, "not_found")


def drive_members(client: Client) -> None:
    """The v2 members surface (list, batch, update, delete, lifecycle, memberships, activities) and async actions: the journey
    of tests/e2e/test_members_journey.py."""
    from tests.e2e.test_members_journey import drive_members as drive

    drive(client)


def drive_components(client: Client) -> None:
    """The card definition, earning rule and reward management routes (their journey module drives them)."""
    from tests.e2e.test_components_journey import drive_components as drive  # that module imports this one

    drive(client)


def drive_programs(client: Client) -> None:
    """The program management routes: the life of a program (tests/e2e/test_programs_journey.py)."""
    from tests.e2e.test_programs_journey import drive_programs as drive

    drive(client)


def drive_v1_earning_rules(client: Client) -> None:
    """The v1 campaign earning-rule routes (tests/e2e/test_v1_earning_rules_journey.py)."""
    from tests.e2e.test_v1_earning_rules_journey import drive_v1_earning_rules as drive

    drive(client)


def drive_v1_rewards(client: Client) -> None:
    """The v1 reward and reward-assignment routes (tests/e2e/test_v1_rewards_journey.py)."""
    from tests.e2e.test_v1_rewards_journey import drive_v1_rewards as drive

    drive(client)


def drive_v1_campaigns(client: Client) -> None:
    """The v1 campaign list/update/delete, member list, transactions, transfers and activity routes
    (tests/e2e/test_v1_campaigns_journey.py)."""
    from tests.e2e.test_v1_campaigns_journey import drive_v1_campaigns as drive

    drive(client)


def drive_v1_customers(client: Client) -> None:
    """The customers activity, redeemables, bulk, metadata and CSV import routes (tests/e2e/test_v1_customers_journey.py)."""
    from tests.e2e.test_v1_customers_journey import drive_v1_customers as drive

    drive(client)


def drive_v1_assets(client: Client) -> None:
    """The public card asset route (tests/e2e/test_v1_assets_journey.py)."""
    from tests.e2e.test_v1_assets_journey import drive_v1_assets as drive

    drive(client)


def drive_v1_redemption(client: Client) -> None:
    """The v1 reward redemption routes (tests/e2e/test_v1_redemption_journey.py)."""
    from tests.e2e.test_v1_redemption_journey import drive_v1_redemption as drive

    drive(client)


def drive_buckets(client: Client) -> None:
    """The points-bucket routes: v2 pending and expiring points, v1 pending points and points expiration
    (tests/e2e/test_buckets_journey.py)."""
    from tests.e2e.test_buckets_journey import drive_buckets as drive

    drive(client)


def drive_tiers(client: Client) -> None:
    """The tier structure, tier and benefit routes (tests/e2e/test_tiers_journey.py)."""
    from tests.e2e.test_tiers_journey import drive_tiers as drive

    drive(client)


def drive_events(client: Client) -> None:
    """Custom events and their schemas (tests/e2e/test_events_journey.py)."""
    from tests.e2e.test_events_journey import drive_events as drive

    drive(client)


def drive_examine(client: Client) -> None:
    """Examine earning rules and rewards (tests/e2e/test_examine_journey.py)."""
    from tests.e2e.test_examine_journey import drive_examine as drive

    drive(client)


def drive_refunds(client: Client) -> None:
    """Reward purchase refunds (tests/e2e/test_refunds_journey.py)."""
    from tests.e2e.test_refunds_journey import drive_refunds as drive

    drive(client)


def drive_payments(client: Client) -> None:
    """Pay with points on orders (tests/e2e/test_payments_journey.py)."""
    from tests.e2e.test_payments_journey import drive_payments as drive

    drive(client)


def drive_member_tiers(client: Client) -> None:
    """Spend and tiers: buy, refund, tier up and down (tests/e2e/test_spend_journey.py)."""
    from tests.e2e.test_spend_journey import drive_member_tiers as drive

    drive(client)


def drive_exports(client: Client) -> None:
    """The v1 export routes and GET /v1/exports/{id} (tests/e2e/test_exports_journey.py)."""
    from tests.e2e.test_exports_journey import drive_exports as drive

    drive(client)


def drive_v1_tiers(client: Client) -> None:
    """The v1 tier routes (tests/e2e/test_v1_tiers_journey.py)."""
    from tests.e2e.test_v1_tiers_journey import drive_v1_tiers as drive

    drive(client)


def drive_v1_estimate(client: Client) -> None:
    """The v1 points estimation route (tests/e2e/test_v1_estimate_journey.py)."""
    from tests.e2e.test_v1_estimate_journey import drive_v1_estimate as drive

    drive(client)


def drive_webhooks(client: Client) -> None:
    """The webhook routes (ours) and a delivery to a local receiver (tests/e2e/test_webhooks_journey.py)."""
    from tests.e2e.test_webhooks_journey import drive_webhooks as drive

    drive(client)


def drive_reports(client: Client) -> None:
    """The v2 report routes (tests/e2e/test_reports_journey.py)."""
    from tests.e2e.test_reports_journey import drive_reports as drive

    drive(client)


DRIVERS = {"v2": drive_v2, "v1": drive_v1, "orders": drive_orders, "auth": drive_auth, "members": drive_members,
           "components": drive_components, "programs": drive_programs, "tiers": drive_tiers, "v1_earning_rules": drive_v1_earning_rules,
           "events": drive_events, "buckets": drive_buckets, "examine": drive_examine, "refunds": drive_refunds,
           "benefits": drive_benefits, "payments": drive_payments, "member_tiers": drive_member_tiers,
           "v1_rewards": drive_v1_rewards, "v1_campaigns": drive_v1_campaigns,
           "exports": drive_exports, "v1_customers": drive_v1_customers, "v1_tiers": drive_v1_tiers,
           "v1_redemption": drive_v1_redemption, "v1_estimate": drive_v1_estimate, "v1_assets": drive_v1_assets,
           "reports": drive_reports, "webhooks": drive_webhooks}


def drive_missing(client: Client) -> None:
    """Run the drivers that have not run in this session (so test_conformance.py is self-sufficient)."""
    for name, driver in DRIVERS.items():
        if name not in DRIVEN:
            driver(client)
