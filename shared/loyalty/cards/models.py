"""Card ledger request bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

from loyalty.core.fields import MAX_SAFE_INT, Str, Strict


class AdjustPoints(Strict):
    """POST .../cards/{cardId}/points."""

    points: Annotated[StrictInt, Field(ge=-MAX_SAFE_INT, le=MAX_SAFE_INT)]
    reason: Annotated[Str, Field(max_length=255)] | None = None
