"""Rules groups of earnings: the `logic` expression (`1 and (2 or 3)`) and the condition operators, evaluated purely."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

MISSING: Any = object()
"""What a reader returns for a value the payload does not hold (a metadata key that is absent, no order, ...)."""

Report = Callable[[str, str], None]
"""`report(feature, detail)`: records something stored that the engine cannot evaluate."""


class NotEvaluable(Exception):
    """A rule the engine cannot evaluate (an unknown rule name, a rule that needs data it does not have)."""

    def __init__(self, feature: str, detail: str) -> None:
        super().__init__(detail)
        self.feature = feature
        self.detail = detail


Reader = Callable[[Mapping[str, Any]], Any]
"""Returns the value a rule definition reads (or MISSING), or raises NotEvaluable."""


class LogicError(ValueError):
    """A `logic` expression that does not parse."""


_TOKEN = re.compile(r"\s*(?:(\d+)|(\()|(\))|(and|or)\b)", re.IGNORECASE)

Tree = str | tuple[str, list["Tree"]]


def parse_logic(text: str) -> Tree:
    """Parse `logic` into a tree: a rule key, or `("and"|"or", [subtrees])`; `and` binds tighter than `or`."""
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise LogicError(f"unexpected text at {pos}: {text[pos:pos + 20]!r}")
        tokens.append(next(group for group in match.groups() if group is not None).lower())
        pos = match.end()
    if not tokens:
        raise LogicError("empty logic")
    tree, rest = _parse_or(tokens)
    if rest:
        raise LogicError(f"unexpected {rest[0]!r}")
    return tree


def _parse_chain(tokens: list[str], operator: str, operand: Callable[[list[str]], tuple[Tree, list[str]]]) -> tuple[Tree, list[str]]:
    """`operand (operator operand)*` as one node (or the lone operand)."""
    left, tokens = operand(tokens)
    terms = [left]
    while tokens and tokens[0] == operator:
        right, tokens = operand(tokens[1:])
        terms.append(right)
    return (terms[0] if len(terms) == 1 else (operator, terms)), tokens


def _parse_or(tokens: list[str]) -> tuple[Tree, list[str]]:
    return _parse_chain(tokens, "or", _parse_and)


def _parse_and(tokens: list[str]) -> tuple[Tree, list[str]]:
    return _parse_chain(tokens, "and", _parse_atom)


def _parse_atom(tokens: list[str]) -> tuple[Tree, list[str]]:
    if not tokens:
        raise LogicError("expression ends early")
    head, rest = tokens[0], tokens[1:]
    if head.isdigit():
        return head, rest
    if head == "(":
        tree, rest = _parse_or(rest)
        if not rest or rest[0] != ")":
            raise LogicError("missing ')'")
        return tree, rest[1:]
    raise LogicError(f"unexpected {head!r}")


def _leaves(tree: Tree) -> list[str]:
    if isinstance(tree, str):
        return [tree]
    return [leaf for sub in tree[1] for leaf in _leaves(sub)]


def _combine(tree: Tree, values: Mapping[str, bool]) -> bool:
    if isinstance(tree, str):
        return values[tree]
    results = [_combine(sub, values) for sub in tree[1]]
    return all(results) if tree[0] == "and" else any(results)


def group_holds(group: Mapping[str, Any] | None, read: Reader, day: int, report: Report) -> bool:
    """True when the rules group holds (`None` holds). Every referenced rule is evaluated (no short cut), so every
    rule the engine cannot evaluate is reported; such a rule counts as false (earning-map §2.2 and E23)."""
    if not group:
        return True
    try:
        tree = parse_logic(str(group.get("logic", "")))
    except LogicError as error:
        report("rules.logic", f"logic {group.get('logic')!r} does not parse: {error}")
        return False
    values: dict[str, bool] = {}
    for key in _leaves(tree):
        rule = group.get(key)
        if not isinstance(rule, Mapping):
            report("rules.logic", f"logic names rule {key}, which the group does not hold")
            values[key] = False
        elif key not in values:
            values[key] = rule_holds(rule, read, day, report)
    return _combine(tree, values)


def rule_holds(rule: Mapping[str, Any], read: Reader, day: int, report: Report) -> bool:
    """True when every operator of the rule's conditions holds for the value the rule reads."""
    if rule.get("rules"):
        report("rules.nested", f"rule {rule.get('name')!r} has a nested rules group")
        return False
    try:
        value = read(rule)
    except NotEvaluable as error:
        report(error.feature, error.detail)
        return False
    conditions = rule.get("conditions") or {}
    results = [condition_holds(operator, values, value, day, report) for operator, values in conditions.items()]
    return all(results)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _equal(left: Any, right: Any) -> bool:
    """JSON equality: numbers by value, booleans only with booleans, strings exactly."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    return isinstance(left, str) and isinstance(right, str) and left == right


_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "$less_than": lambda a, b: a < b,
    "$less_than_or_equal": lambda a, b: a <= b,
    "$more_than": lambda a, b: a > b,
    "$more_than_or_equal": lambda a, b: a >= b,
}


def condition_holds(operator: str, values: Sequence[Any], value: Any, day: int, report: Report) -> bool:
    """One operator: `$is`/`$in` (equals one of the values), `$is_not`/`$not_in` (equals none), the four orderings (a number,
    compared with every value), `$dow` (the day of the week `day`, 0 = Sunday, is listed). A missing value satisfies only
    `$is_not`/`$not_in`; `$from` and object values are not evaluable (false, reported)."""
    if operator == "$dow":
        return day in values
    if operator == "$from":
        report("conditions.$from", "the $from operator has no documented semantics")
        return False
    if any(isinstance(item, Mapping) for item in values):
        report("conditions.object", f"{operator} compares with object references (segments, products, ...)")
        return False
    if operator in ("$is", "$in", "$is_not", "$not_in"):
        found = value is not MISSING and any(_equal(value, item) for item in values)
        return found if operator in ("$is", "$in") else not found
    compare = _ORDERING.get(operator)
    if compare is None:
        report("conditions.operator", f"unknown operator {operator}")
        return False
    if not _is_number(value):
        return False
    return all(_is_number(item) and compare(value, item) for item in values)
