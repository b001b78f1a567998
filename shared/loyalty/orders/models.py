"""Request bodies of `POST /v1/orders` and `PUT /v1/orders/{orderId}`, and their engine records (events: loyalty.events.models)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictFloat, StrictInt, StrictStr

from loyalty.core.fields import MAX_SAFE_INT, Bool, DateTime, Metadata, NonNegativeInt, Strict
from loyalty.customers.models import MemberCustomer, Short, SourceId
from loyalty.earning import records

MAX_ITEMS = 500
OrderStatus = Literal["CREATED", "PAID", "CANCELED", "FULFILLED"]
OrderId = Annotated[StrictStr, Field(pattern=r"^ord_[A-Za-z0-9]+$", max_length=64)]
"""An order id on input: any `ord_` + alphanumerics (earning-map E25: v1 examples are alphanumeric, ours are hex)."""
Amount = NonNegativeInt
"""An amount in the smallest currency unit: a non-negative integer (earning-map §1.2)."""
CatalogPrice = (Annotated[StrictInt, Field(ge=0, le=MAX_SAFE_INT)]
                | Annotated[StrictFloat, Field(ge=0, le=MAX_SAFE_INT, allow_inf_nan=False)])
"""`product.price` / `sku.price`: the spec types them `number`, in the smallest currency unit, never negative."""
ListOrder = Literal["created_at", "-created_at", "updated_at", "-updated_at"]
"""`order` of GET /v1/orders (`ord:ParameterOrderListOrders`)."""
DEFAULT_LIST_ORDER: ListOrder = "-created_at"
"""The spec's prose says oldest first by default, but its example (real output) lists the newest first, as the v2 lists do."""


# ---------------------------------------------------------------------------------------------- orders
class ItemProduct(Strict):
    """`items[].product`: the related product, by Voucherify id or merchant source id, with catalog details."""

    id: Short | None = None
    source_id: SourceId | None = None
    override: Bool | None = None
    name: Short | None = None
    price: CatalogPrice | None = None
    metadata: Metadata | None = None


class ItemSku(Strict):
    """`items[].sku`: the related SKU, by Voucherify id or merchant source id, with catalog details."""

    id: Short | None = None
    source_id: SourceId | None = None
    override: Bool | None = None
    sku: Short | None = None
    price: CatalogPrice | None = None
    metadata: Metadata | None = None


class OrderItem(Strict):
    """`ord:OrderItem` on input; `object` is not required (earning-map E32), amounts and quantities are non-negative integers."""

    sku_id: Short | None = None
    product_id: Short | None = None
    related_object: Literal["product", "sku"] | None = None
    source_id: SourceId | None = None
    quantity: NonNegativeInt | None = None
    discount_quantity: NonNegativeInt | None = None
    initial_quantity: NonNegativeInt | None = None
    amount: Amount | None = None
    discount_amount: Amount | None = None
    initial_amount: Amount | None = None
    price: Amount | None = None
    product: ItemProduct | None = None
    sku: ItemSku | None = None
    metadata: Metadata | None = None
    object: Literal["order_item"] | None = None

    def stored(self) -> dict[str, Any]:
        """The item as an order stores it: the fields sent (nulls left out), `price` taken from the SKU's or else the product's
        catalog price when the item has none (and that price is a whole number), and `amount` = `price` x `quantity` when
        the item has none (as Voucherify fills them in, `ord:POST /v1/orders` response example)."""
        out = self.model_dump(exclude_none=True, exclude={"object"})
        if self.price is None:
            for catalog in (self.sku, self.product):
                price = catalog.price if catalog is not None else None
                if price is not None and float(price).is_integer():
                    out["price"] = int(price)
                    break
        if self.amount is None and out.get("price") is not None and self.quantity is not None:
            out["amount"] = out["price"] * self.quantity
        return out

    def record(self) -> records.Item:
        """The item as the engine reads it: product and SKU matched by Voucherify id only (earning-map E23)."""
        return records.Item(
            quantity=self.quantity, price=self.price, amount=self.amount, discount_amount=self.discount_amount,
            product_id=self.product_id or (self.product.id if self.product else None),
            sku_id=self.sku_id or (self.sku.id if self.sku else None),
            metadata=dict(self.metadata or {}),
        )


class OrderFields(Strict):
    """`ord:OrderBase` plus what create and update add: created_at, the customer and the referrer (by object or id)."""

    source_id: SourceId | None = None
    status: OrderStatus | None = None
    amount: Amount | None = None
    initial_amount: Amount | None = None
    discount_amount: Amount | None = None
    items: Annotated[list[OrderItem], Field(max_length=MAX_ITEMS)] | None = None
    metadata: Metadata | None = None
    created_at: DateTime | None = None
    customer: MemberCustomer | None = None
    referrer_id: Short | None = None
    referrer: MemberCustomer | None = None

    def changes(self) -> dict[str, Any]:
        """The order fields the request sets, as stored (`items` replace the stored list as a whole); a field sent as null is
        left unchanged, like one not sent. The customer and the referrer are resolved by the service."""
        out: dict[str, Any] = {}
        for name in ORDER_FIELDS:
            value = getattr(self, name)
            if name not in self.model_fields_set or value is None:
                continue
            out[name] = [item.stored() for item in value] if name == "items" else value
        return out

    def record(self, order_id: str) -> records.Order:
        """The order as the engine reads it, under the id the service settled on (`total_amount` is the engine's E5 rule)."""
        return records.Order(
            id=order_id, amount=self.amount, initial_amount=self.initial_amount, discount_amount=self.discount_amount,
            items=tuple(item.record() for item in self.items or ()), metadata=dict(self.metadata or {}),
        )


ORDER_FIELDS = ("source_id", "status", "amount", "initial_amount", "discount_amount", "items", "metadata", "created_at")
"""The fields of OrderFields an order stores as sent (`changes`)."""


class OrderCreate(OrderFields):
    """POST /v1/orders: create, or update the order that already has this `id` / `source_id`."""

    id: OrderId | None = None


class OrderUpdate(OrderFields):
    """PUT /v1/orders/{orderId}: the fields to change; what is not named is left unchanged."""



# ---------------------------------------------------------------------------------------------- points estimation (v1)
ESTIMATE_ORDER_FIELDS = ("status", "amount", "initial_amount", "discount_amount", "items", "metadata")
"""The inline order fields an estimate lays over a stored order (`v1:LoyaltiesQualificationsCheckEligibilityRequestBody`)."""


class EstimateOrder(OrderFields):
    """`order` of POST /v1/loyalties/{campaignId}/qualifications: an existing order by `id` / `source_id`, an inline order, or
    both (the inline fields then take precedence over the stored ones); the order's own customer and referrer are ignored."""

    id: OrderId | None = None
    customer_id: Short | None = None

    def inline(self) -> dict[str, Any]:
        """The order fields given inline, as an order stores them (null or absent: not given)."""
        return {k: v for k, v in self.changes().items() if k in ESTIMATE_ORDER_FIELDS}


class PointsEstimateRequest(Strict):
    """POST /v1/loyalties/{campaignId}/qualifications: the customer (by id or source id, its fields as a POST /v1/orders
    would set them) and the order whose points to estimate."""

    customer: MemberCustomer
    order: EstimateOrder
