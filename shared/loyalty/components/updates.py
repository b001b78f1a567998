"""Updates of components (spec-map A18): a PUT body merged into the stored object and validated like a create request."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from loyalty.core.clock import now_iso
from loyalty.core.errors import invalid_payload
from loyalty.core.fields import error_sentence

if TYPE_CHECKING:  # the component schemas are loaded by the updates below only (v1 modules use the generic helpers)
    from loyalty.components.models import CardDefinitionUpdate, EarningRuleUpdate, RewardUpdate

M = TypeVar("M", bound=BaseModel)
Obj = dict[str, Any]

# What an update never changes: the identity, the status (lifecycle endpoints do) and the creation time.
_KEPT = ("id", "status", "created_at", "object")


def given_fields(body: BaseModel) -> list[str]:
    """The top-level fields a request named (explicit nulls included), in the model's order."""
    return [name for name in type(body).model_fields if name in body.model_fields_set]


def changed_fields(body: BaseModel, before: Obj, after: Obj, also: Iterable[str] = ()) -> list[str]:
    """The fields a request named whose value really changes (a field sent back unchanged changes nothing)."""
    names = [*given_fields(body), *also]
    return [name for name in dict.fromkeys(names) if after.get(name) != before.get(name)]


def describe(error: dict[str, Any]) -> str:
    """One pydantic error of a merged object, in the words of the API's payload errors."""
    loc = [str(part) for part in error.get("loc", ())]
    kind = error.get("type", "")
    if kind == "missing":
        parent = ".".join(loc[:-1])
        return f"Payload{'.' + parent if parent else ''} must have required property '{loc[-1] if loc else 'body'}'"
    if kind == "extra_forbidden":
        return f"Payload must NOT have additional property '{'.'.join(loc)}'"
    return f"Property '{'.'.join(loc) or 'body'}' {error_sentence(error.get('msg'))}"


def validate(model: type[M], data: Obj) -> M:
    """`data` validated as `model`; 400 `invalid_payload` naming the first problem (cross-field rules included)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        raise invalid_payload(describe(dict(errors[0])) if errors else "Invalid payload") from None


def _wire(value: Any) -> Any:
    """A validated request value as plain data (unset sub-fields left out, so the create defaults apply)."""
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, exclude_none=True)
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value


def _request_of(current: Obj, model: type[BaseModel]) -> Obj:
    """The create request that would build `current` again (its stored fields that the create model accepts)."""
    names = {field.alias or name for name, field in model.model_fields.items()} - {"status"}
    return {name: current[name] for name in names if name in current}


def _merge(current: Obj, body: BaseModel, model: type[BaseModel], keep_on_null: tuple[str, ...] = ("name",)) -> Obj:
    """The stored object's request with the body's fields replacing its own; a given `null` restores the create default
    (the field is left out), except for the fields in `keep_on_null`, which keep their value."""
    merged = _request_of(current, model)
    for name in given_fields(body):
        value = getattr(body, name)
        if value is None:
            if name not in keep_on_null:
                merged.pop(name, None)
        else:
            merged[name] = _wire(value)
    return merged


def _updated(current: Obj, rebuilt: Obj) -> Obj:
    """The rebuilt object with the stored identity, status and creation time, stamped `updated_at` now."""
    return {**rebuilt, **{k: current[k] for k in _KEPT if k in current}, "updated_at": now_iso()}


def _ids_of(items: list[Any], existing: list[Obj], field: str, resource: str) -> list[str | None]:
    """The id each given item keeps: the existing one it names (400 when it names none), None for a new item."""
    known = {item["id"] for item in existing}
    for index, item in enumerate(items):
        if item.id is not None and item.id not in known:
            raise invalid_payload(f"Property '{field}.{index}.id' is not the id of one of this {resource}'s {field}: {item.id}")
    return [item.id for item in items]


def _without_ids(items: list[Obj]) -> list[Obj]:
    return [{k: v for k, v in item.items() if k != "id"} for item in items]


# ---------------------------------------------------------------------------------------------------------------------
# Card definitions


def updated_card_definition(current: Obj, body: CardDefinitionUpdate) -> Obj:
    """The card definition after the update (its `type` is kept; the result passes every create rule). A stored
    code_config the body does not name is kept as stored, unchecked: a definition stored before the code rules
    (loyalty.core.codes) can still be renamed, and its config replaced by naming a new one."""
    from loyalty.components.models import CardDefinitionCreate, card_definition_object

    merged = _merge(current, body, CardDefinitionCreate)
    kept = None if "code_config" in given_fields(body) else merged.pop("code_config", None)
    obj = card_definition_object(validate(CardDefinitionCreate, merged))
    if kept is not None:
        obj["code_config"] = kept
    return _updated(current, obj)


# ---------------------------------------------------------------------------------------------------------------------
# Earning rules


def updated_earning_rule(current: Obj, body: EarningRuleUpdate) -> Obj:
    """The earning rule after the update: `earnings` items with an `id` replace that earning (keeping its id), items
    without one are new; earnings left out of a given list are removed."""
    from loyalty.components.models import EarningRuleCreate, earning_object, earning_rule_object

    merged = _merge(current, body, EarningRuleCreate)
    kept: list[str | None]
    if body.earnings is not None:
        kept = _ids_of(body.earnings, current.get("earnings") or [], "earnings", "earning rule")
    else:
        kept = [e["id"] for e in current.get("earnings") or []]
    merged["earnings"] = _without_ids(merged.get("earnings") or [])
    request = validate(EarningRuleCreate, merged)
    rule = earning_rule_object(request)
    rule["earnings"] = [earning_object(earning, kept[i]) for i, earning in enumerate(request.earnings)]
    return _updated(current, rule)


# ---------------------------------------------------------------------------------------------------------------------
# Rewards


def updated_reward(current: Obj, body: RewardUpdate) -> Obj:
    """The reward after the update: a given `type` takes its `material`/`digital` from the body only; `costs` items
    with an `id` replace that cost (keeping its id), items without one are new; costs left out of a given list are
    removed; `purchase_limits: null` resets the limits."""
    from loyalty.components.models import RewardCreate, cost_object, reward_object

    merged = _merge(current, body, RewardCreate)
    if body.type is not None and body.type != current.get("type"):
        for variant in ("material", "digital"):
            if variant not in body.model_fields_set:
                merged.pop(variant, None)
    kept: list[str | None]
    if body.costs is not None:
        kept = _ids_of(body.costs, current.get("costs") or [], "costs", "reward")
    else:
        kept = [c["id"] for c in current.get("costs") or []]
    merged["costs"] = _without_ids(merged.get("costs") or [])
    request = validate(RewardCreate, merged)
    reward = reward_object(request)
    reward["costs"] = [cost_object(cost, kept[i]) for i, cost in enumerate(request.costs)]
    return _updated(current, reward)
