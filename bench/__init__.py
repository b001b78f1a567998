"""`make bench`: round trips, handler overhead, cold start, worker throughput, memory and cost of the loyalty API."""

from pathlib import Path

from local.functions import add_to_sys_path

# The layer's package (`loyalty`), importable the way the local runtime makes it: shared/ on sys.path.
add_to_sys_path(Path(__file__).resolve().parent.parent / "shared")
