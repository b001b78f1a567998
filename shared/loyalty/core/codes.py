"""Card codes: the one rule of what a `code_config` may hold (v1 campaigns, v2 card definitions and the generator all use
it), and the generator itself.

A code is `prefix + pattern + postfix`, each `#` of the pattern replaced by a random charset character. A code is a part
of a DynamoDB key (its uniqueness claim) and of URL paths (`/v1/loyalties/members/{code}`), so every character of it must
be printable and URL-path safe, and the whole code must fit in MAX_CODE_LENGTH characters. The number of distinct codes
(`distinct charset characters ** placeholders`) must be at least MIN_CODE_SPACE, so that random draws keep finding a free
code: a draw collides with probability `issued / space`, and a code is given up after a few colliding draws."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StrictInt, StrictStr

from loyalty.core.fields import invalid_at

DEFAULT_CHARSET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
DEFAULT_LENGTH = 10  # placeholders of a stored config that names neither a pattern nor a length
MAX_CODE_LENGTH = 100  # characters of a whole code: prefix + pattern + postfix
MAX_CHARSET_LENGTH = 1000
MIN_CODE_SPACE = 1_000_000
"""The fewest distinct codes a config may give. The generators draw a few times (5) before giving up on a code, so an
enrolment fails only when every draw hits a taken code: with 10% of a 1,000,000-code space issued, one in 100,000."""

PLACEHOLDER = "#"
_UNSAFE = re.compile(r"[\s/?#%\\]")
UNSAFE_DESCRIPTION = "whitespace, control characters or any of / ? # % \\"

# Field types of both wire models (v1 `CodeConfig`, v2 `CardDefinitionCodeConfigInput`), so their limits cannot drift.
Charset = Annotated[StrictStr, Field(min_length=1, max_length=MAX_CHARSET_LENGTH)]
Affix = Annotated[StrictStr, Field(max_length=MAX_CODE_LENGTH)]
Pattern = Annotated[StrictStr, Field(min_length=1, max_length=MAX_CODE_LENGTH)]
Length = Annotated[StrictInt, Field(ge=1, le=MAX_CODE_LENGTH)]


class UnusableCodeConfig(ValueError):
    """A code_config that can never give a usable code: `field` names the property at fault ("" for the whole config)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"code_config{'.' + field if field else ''} {message}")
        self.field = field
        self.message = message


def unsafe_in_code(text: str) -> bool:
    """True when `text` holds a character a code may not hold (whitespace, control, / ? # % \\)."""
    return bool(_UNSAFE.search(text)) or not text.isprintable()


@dataclass(frozen=True)
class CodeShape:
    """A code_config with its defaults applied: what every generated code looks like."""

    charset: str
    prefix: str
    pattern: str
    postfix: str

    @classmethod
    def of(cls, *, length: float | Decimal | None = None, charset: str | None = None, prefix: str | None = None,
           postfix: str | None = None, pattern: str | None = None, default_length: int = DEFAULT_LENGTH) -> CodeShape:
        """The shape a config gives: `pattern` wins over `length` (default `default_length` placeholders)."""
        placeholders = int(length) if length else default_length
        return cls(charset or DEFAULT_CHARSET, prefix or "", pattern or PLACEHOLDER * min(placeholders, MAX_CODE_LENGTH + 1),
                   postfix or "")

    @property
    def placeholders(self) -> int:
        """How many random characters a code has."""
        return self.pattern.count(PLACEHOLDER)

    @property
    def space(self) -> int:
        """How many distinct codes the shape can give."""
        return len(set(self.charset)) ** self.placeholders

    @property
    def code_length(self) -> int:
        """Characters of every code."""
        return len(self.prefix) + len(self.pattern) + len(self.postfix)

    def check(self, min_space: int = MIN_CODE_SPACE) -> CodeShape:
        """This shape, or UnusableCodeConfig naming the first rule it breaks."""
        if self.placeholders == 0:
            raise UnusableCodeConfig("pattern", f"must contain at least one '{PLACEHOLDER}' placeholder")
        if len(set(self.charset)) < 2:
            raise UnusableCodeConfig("charset", "must have at least 2 distinct characters")
        for name in ("charset", "prefix", "postfix", "pattern"):
            value: str = getattr(self, name)
            if unsafe_in_code(value.replace(PLACEHOLDER, "") if name == "pattern" else value):
                raise UnusableCodeConfig(name, f"must not contain {UNSAFE_DESCRIPTION} ('#' only as a pattern placeholder)")
        if self.code_length > MAX_CODE_LENGTH:
            raise UnusableCodeConfig("", f"gives codes of {self.code_length} characters (prefix + pattern + postfix): "
                                         f"at most {MAX_CODE_LENGTH} are allowed")
        if self.space < min_space:
            raise UnusableCodeConfig("", f"can give only {self.space:,} distinct codes ({len(set(self.charset))} distinct "
                                         f"charset characters ** {self.placeholders} placeholders): at least {min_space:,} "
                                         "are required; use a longer pattern or length, or a larger charset")
        return self

    def draw(self) -> str:
        """One random code of this shape."""
        body = "".join(secrets.choice(self.charset) if ch == PLACEHOLDER else ch for ch in self.pattern)
        return f"{self.prefix}{body}{self.postfix}"


def stored_shape(config: Mapping[str, Any]) -> CodeShape:
    """The shape of a stored code_config (a card's, a card definition's, a v1 campaign's), checked like a request except
    for the size of its code space (configs stored before that rule keep working while they have free codes);
    UnusableCodeConfig when it can never give a usable code."""
    values: dict[str, str | None] = {name: config.get(name) for name in ("charset", "prefix", "postfix", "pattern")}
    for name, value in values.items():
        if value is not None and not isinstance(value, str):
            raise UnusableCodeConfig(name, "must be a string")
    length = config.get("length")
    if length is not None and not (_whole(length) and 1 <= length <= MAX_CODE_LENGTH):
        raise UnusableCodeConfig("length", f"must be a whole number from 1 to {MAX_CODE_LENGTH}")
    return CodeShape.of(length=length, charset=values["charset"], prefix=values["prefix"], postfix=values["postfix"],
                        pattern=values["pattern"]).check(min_space=1)


def _whole(value: Any) -> bool:
    """True for a whole number (an int, a float or a Decimal as DynamoDB gives it back), never for a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value()


def generate_code(config: Mapping[str, Any]) -> str:
    """One random code of a stored code_config; UnusableCodeConfig when the config can never give a usable code."""
    return stored_shape(config).draw()


def checked_request(shape: CodeShape) -> CodeShape:
    """A request's shape checked by every rule, the code space included; a pydantic validation error at the property at
    fault otherwise (raised from a wire model's validator, it reads `Property 'code_config.<field>' ...`)."""
    try:
        return shape.check()
    except UnusableCodeConfig as unusable:
        raise invalid_at(unusable.field or (), unusable.message, getattr(shape, unusable.field) if unusable.field else None) from None
