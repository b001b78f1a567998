"""The serve process's heap made cheap to collect (`freeze_after_full_collections()`, installed by `python -m local serve`).

The embedded backend keeps every item of the table as Python objects in the serve process: about 36 objects and 9 KB
per item, 3.6 million objects at 100,000 items. CPython's cyclic garbage collector walks every tracked object on each
full (generation 2) collection, which it starts whenever a quarter more objects have survived into the oldest
generation: 1.75 s at 100,000 items, during which no request is served (measured with `gc.collect()` on a filled moto
table). Objects that survive a full collection are long-lived; after each full collection this moves them to the
permanent generation (`gc.freeze()`), so the next full collection walks only what was created since. Reference counting
still frees every acyclic object, frozen or not; a cycle frozen while alive is not collected once it becomes garbage
(about 600 objects over 40 s of 8 threads writing through moto's server, 19 full collections): a negligible leak for an
unbounded pause."""

from __future__ import annotations

import gc
from typing import Any

_installed = False


def _freeze_after_full(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


def freeze_after_full_collections() -> None:
    """From now on, freeze what survives each full collection (idempotent; for the serve process, not for a test run)."""
    global _installed
    if not _installed:
        gc.callbacks.append(_freeze_after_full)
        _installed = True
