"""The v2 list envelope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def list_view(items: Sequence[Mapping[str, Any]], cursor: dict[str, str] | None) -> dict[str, Any]:
    """The v2 list envelope."""
    return {"object": "list", "data": items, "cursor": cursor}
