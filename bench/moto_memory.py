"""Memory and time of the embedded (moto) backend under writes: `python -m bench.moto_memory [--writes N] [--unpatched]`.

Starts the local runtime's embedded backend in this process (as `make serve` does), creates the template's resources, and
sends N DynamoDB writes from one client, 9 in 10 a TransactWriteItems shaped like a reward purchase (the card's balance
checked and locked, the stock decremented, the reward and card transactions put, ~1 KB of job JSON), 1 in 10 a PutItem.
Prints the process's RSS (VmRSS, and its peak VmHWM, from /proc/self/status) and the time per write every 1,000 writes.
`--unpatched` leaves moto's own TransactWriteItems in place (it copies the table per item: the 'before' figure);
`--seconds` stops early."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any


def rss_mb() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB, read from /proc (Linux)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writes", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=600.0, help="stop after this long")
    parser.add_argument("--unpatched", action="store_true", help="keep moto's own TransactWriteItems")
    args = parser.parse_args()

    from local import moto_patches
    from local.backends import EmbeddedBackend, provision
    from local.template import load_template

    if args.unpatched:
        moto_patches.install = lambda: None  # type: ignore[assignment]
    backend = EmbeddedBackend(Path(tempfile.mkdtemp()))
    backend.start()
    try:
        resources = provision(backend, load_template())
        table = next(iter(v for k, v in resources.refs.items() if k == "Table"))
        ddb = backend.client("dynamodb")
        print(f"start: RSS {rss_mb()[0]:.0f} MB ({'unpatched' if args.unpatched else 'patched'} moto)")
        ddb.put_item(TableName=table, Item={"PK": {"S": "p#CARD#c"}, "SK": {"S": "CARD"}, "balance": {"N": "1000000000"},
                                            "locked": {"N": "0"}})
        ddb.put_item(TableName=table, Item={"PK": {"S": "p#REWARD#r"}, "SK": {"S": "STOCK"}, "quantity": {"N": "1000000000"}})
        job = {"job": "approve_purchase", "payload": "x" * 900}
        started = last = time.perf_counter()
        for i in range(1, args.writes + 1):
            if i % 10 == 0:
                ddb.put_item(TableName=table, Item={"PK": {"S": f"p#MBR#{i}"}, "SK": {"S": "MEMBER"}, "n": {"N": str(i)}})
            else:
                _purchase(ddb, table, i, job)
            if i % 1000 == 0:
                now = time.perf_counter()
                rss, peak = rss_mb()
                print(f"{i:6d} writes: RSS {rss:.0f} MB (peak {peak:.0f} MB), {(now - last):.1f} ms per write (last 1,000)")
                last = now
            if time.perf_counter() - started > args.seconds:
                rss, peak = rss_mb()
                print(f"stopped after {args.seconds:.0f} s at {i} writes: RSS {rss:.0f} MB (peak {peak:.0f} MB), "
                      f"{(time.perf_counter() - last) * 1000 / (i % 1000 or 1000):.0f} ms per write (last)")
                break
        rss, peak = rss_mb()
        print(f"end: RSS {rss:.0f} MB (peak {peak:.0f} MB) in {time.perf_counter() - started:.0f} s")
    finally:
        backend.stop()


def _purchase(ddb: Any, table: str, i: int, job: dict[str, Any]) -> None:
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": table, "Key": {"PK": {"S": "p#CARD#c"}, "SK": {"S": "CARD"}},
                    "UpdateExpression": "SET locked = locked + :cost, balance = balance - :cost",
                    "ConditionExpression": "balance >= :cost", "ExpressionAttributeValues": {":cost": {"N": "1"}}}},
        {"Update": {"TableName": table, "Key": {"PK": {"S": "p#REWARD#r"}, "SK": {"S": "STOCK"}},
                    "UpdateExpression": "SET quantity = quantity - :one", "ConditionExpression": "quantity > :zero",
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":zero": {"N": "0"}}}},
        {"Put": {"TableName": table, "Item": {"PK": {"S": "p#REWARD#r"}, "SK": {"S": f"TXN#{i:08d}"}, "status": {"S": "PENDING"}},
                 "ConditionExpression": "attribute_not_exists(PK)"}},
        {"Put": {"TableName": table, "Item": {"PK": {"S": "p#CARD#c"}, "SK": {"S": f"TXN#{i:08d}"}, "status": {"S": "PENDING"},
                                              "job": {"S": json.dumps(job)}},
                 "ConditionExpression": "attribute_not_exists(PK)"}},
    ])


if __name__ == "__main__":
    main()
