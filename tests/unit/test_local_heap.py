"""local/heap.py: after a full collection the survivors are frozen, so the next full collection does not walk them, and
garbage cycles made since are still collected. Run in a fresh interpreter: it changes the process's collector."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json, time
from local import heap

class Node:
    def __init__(self):
        self.me = self  # a cycle: only the cyclic collector frees it

def full_collection_seconds():
    started = time.perf_counter()
    gc.collect()
    return time.perf_counter() - started

live = [Node() for _ in range(400_000)]  # a big heap of long-lived objects, like the embedded table
before = full_collection_seconds()
heap.freeze_after_full_collections()
heap.freeze_after_full_collections()
gc.collect()
frozen = gc.get_freeze_count()
after = full_collection_seconds()
garbage = [Node() for _ in range(1000)]
del garbage
collected = gc.collect()
print(json.dumps({"before": before, "after": after, "frozen": frozen, "collected": collected, "callbacks": len(gc.callbacks)}))
"""


def test_survivors_of_a_full_collection_are_frozen_and_new_cycles_still_collected() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    probe = json.loads(out.stdout)
    assert probe["callbacks"] == 1, "installing twice installs once"
    assert probe["frozen"] >= 400_000, "the live heap is frozen after the full collection"
    assert probe["after"] < probe["before"] / 5, probe  # the next full collection no longer walks it
    assert probe["collected"] >= 1000, "a cycle made after the freeze is garbage collected"
