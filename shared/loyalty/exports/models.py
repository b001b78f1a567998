"""The request bodies of the v1 export endpoints: `parameters` {order, fields, filters}, each enum as the spec lists it;
unknown fields, filters and filter operators are refused (400)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

CAMPAIGN_TRANSACTION_FIELDS = ("id", "type", "source_id", "reason", "balance", "amount", "created_at", "voucher_id", "source",
                               "details", "related_transaction_id")
"""CampaignsTransactionsExportParameters.fields, in the spec's order (the default columns)."""
CARD_TRANSACTION_FIELDS = ("id", "campaign_id", "voucher_id", "type", "source_id", "reason", "source", "balance", "amount",
                           "related_transaction_id", "created_at", "details")
"""ExportVoucherTransactionsFields, in the spec's order (the default columns)."""
POINTS_EXPIRATION_FIELDS = ("id", "campaign_id", "voucher_id", "points", "status", "expires_at")
"""LoyaltiesPointsExpirationExportCreateRequestBodyParameters.fields, in the spec's order (the default columns)."""

CampaignTransactionField = Literal["id", "type", "source_id", "reason", "balance", "amount", "created_at", "voucher_id",
                                   "source", "details", "related_transaction_id"]
CardTransactionField = Literal["id", "campaign_id", "voucher_id", "type", "source_id", "reason", "source", "balance", "amount",
                               "related_transaction_id", "created_at", "details"]
PointsExpirationField = Literal["id", "campaign_id", "voucher_id", "points", "status", "expires_at"]
Junction = Literal["and", "or", "AND", "OR"]
MAX_VALUES = 100  # values one `$in` / `$not_in` condition may list


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)  # built on first use


class IdConditions(_Strict):
    """Conditions on an id field: `$in`, `$not_in`, `$is`, `$is_not`."""

    in_: list[StrictStr] | None = Field(default=None, alias="$in", max_length=MAX_VALUES)
    not_in: list[StrictStr] | None = Field(default=None, alias="$not_in", max_length=MAX_VALUES)
    is_: StrictStr | None = Field(default=None, alias="$is")
    is_not: StrictStr | None = Field(default=None, alias="$is_not")


class DateConditions(_Strict):
    """Conditions on `created_at`: `$after`, `$before` (ISO 8601)."""

    after: StrictStr | None = Field(default=None, alias="$after", max_length=40)
    before: StrictStr | None = Field(default=None, alias="$before", max_length=40)


class IdFilter(_Strict):
    """`{conditions: {...}}` on an id field."""

    conditions: IdConditions


class DateFilter(_Strict):
    """`{conditions: {...}}` on `created_at`."""

    conditions: DateConditions


class CampaignTransactionsFilters(_Strict):
    """ExportCampaignTransactionsFilters: `created_at`, `voucher_id`."""

    junction: Junction | None = None
    created_at: DateFilter | None = None
    voucher_id: IdFilter | None = None


class CardTransactionsFilters(CampaignTransactionsFilters):
    """ExportVoucherTransactionsFilters: `created_at`, `voucher_id`, `campaign_id`."""

    campaign_id: IdFilter | None = None


class PointsExpirationFilters(_Strict):
    """LoyaltiesPointsExpirationExportCreateRequestBodyParametersFilters: `voucher_id`, `campaign_id`."""

    junction: Junction | None = None
    voucher_id: IdFilter | None = None
    campaign_id: IdFilter | None = None


class CampaignTransactionsParameters(_Strict):
    """CampaignsTransactionsExportParameters + filters."""

    order: Literal["created_at", "-created_at"] | None = None
    fields: list[CampaignTransactionField] | None = Field(default=None, max_length=len(CAMPAIGN_TRANSACTION_FIELDS))
    filters: CampaignTransactionsFilters | None = None


class CardTransactionsParameters(_Strict):
    """The parameters of LoyaltiesMembersTransactionsExportCreateRequestBody."""

    order: Literal["created_at", "-created_at"] | None = None
    fields: list[CardTransactionField] | None = Field(default=None, max_length=len(CARD_TRANSACTION_FIELDS))
    filters: CardTransactionsFilters | None = None


class PointsExpirationParameters(_Strict):
    """LoyaltiesPointsExpirationExportCreateRequestBodyParameters."""

    order: Literal["-expires_at", "expires_at"] | None = None
    fields: list[PointsExpirationField] | None = Field(default=None, max_length=len(POINTS_EXPIRATION_FIELDS))
    filters: PointsExpirationFilters | None = None


class CampaignTransactionsExport(_Strict):
    """POST /v1/loyalties/{campaignId}/transactions/export (the spec's example also puts `order` beside `parameters`)."""

    parameters: CampaignTransactionsParameters | None = None
    order: Literal["created_at", "-created_at"] | None = None


class CardTransactionsExport(_Strict):
    """POST /v1/loyalties[/{campaignId}]/members/{memberId}/transactions/export."""

    parameters: CardTransactionsParameters | None = None


class PointsExpirationExport(_Strict):
    """POST /v1/loyalties/{campaignId}/points-expiration/export."""

    parameters: PointsExpirationParameters | None = None
