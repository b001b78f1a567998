"""AWS cost per million requests from the measured calls, capacity units and durations, at stated list prices."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

PRICE_DATE = "2026-11-27"
# us-east-1 public list prices, as assumed on PRICE_DATE (the figures of issue 3; free tiers ignored).
PRICES = {
    "lambda_gb_s": 0.0000166667,      # Lambda x86, per GB-second
    "lambda_request": 0.20 / 1e6,     # Lambda, per request
    "http_api_request": 1.00 / 1e6,   # API Gateway HTTP API, per request (first 300 M / month)
    "ddb_wru": 0.625 / 1e6,           # DynamoDB on-demand, per write request unit (since the Nov 2024 cut of 50%)
    "ddb_rru": 0.125 / 1e6,           # DynamoDB on-demand, per read request unit
    "sqs_request": 0.40 / 1e6,        # SQS standard, per request (send, receive, delete each; a batch of 10 is one)
    "eventbridge_event": 1.00 / 1e6,  # EventBridge custom events, per event put (PutEvents entry up to 64 KB)
}
PRICE_NOTES = [
    f"Prices: us-east-1 list prices assumed as of {PRICE_DATE}: Lambda x86 $0.0000166667/GB-s + $0.20/1M requests; "
    "API Gateway HTTP API $1.00/1M; DynamoDB on-demand $0.625/1M WRU, $0.125/1M RRU (the prices since AWS halved on-demand "
    "throughput on 1 Nov 2024); SQS $0.40/1M requests; EventBridge custom "
    "events $1.00/1M. Free tiers ignored.",
    "DynamoDB units: computed from the measured item sizes of the calls made (1 WRU/KB per item, 2x in transactions incl. "
    "ConditionCheck, GSI writes 1x per KB projected; 1 RRU/4 KB strongly consistent).",
    "Lambda duration = the handler's measured median on this machine, I/O part kept and CPU part scaled by 1769 MB/MemorySize "
    "(Lambda gives one vCPU at 1,769 MB, proportionally less below), billed per 1 ms. Warm API-key cache assumed (the auth "
    "GetItem is paid once per container per 60 s). Not included: CloudWatch Logs ingestion, X-Ray, data transfer, storage, "
    "PITR backups, the SQS trigger's empty polls while idle.",
]
FULL_VCPU_MB = 1769


def lambda_duration_ms(wall_ms: float, cpu_ms: float, memory_mb: int) -> float:
    """Billed duration at `memory_mb`: the wait for I/O as measured, the CPU part slowed by the smaller CPU share."""
    io_ms = max(wall_ms - cpu_ms, 0.0)
    scale = max(1.0, FULL_VCPU_MB / memory_mb)
    return float(math.ceil(io_ms + cpu_ms * scale))


@dataclass
class Measured:
    """What one request (or one job) costs in calls: DynamoDB units, SQS requests, and its handler's time."""

    read_units: float
    write_units: float
    wall_ms: float
    cpu_ms: float
    sqs_requests: float = 0.0


@dataclass
class Line:
    """One cost line per million operations."""

    item: str
    usd: float


@dataclass
class Estimate:
    """The cost of a million operations at one MemorySize."""

    what: str
    memory_mb: int
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(line.usd for line in self.lines)


def _lambda_lines(label: str, m: Measured, memory_mb: int, invocations: float) -> list[Line]:
    duration = lambda_duration_ms(m.wall_ms, m.cpu_ms, memory_mb)
    return [Line(f"Lambda {label}: {invocations:,.0f} requests", invocations * PRICES["lambda_request"]),
            Line(f"Lambda {label}: {duration:.0f} ms x {memory_mb} MB", invocations * duration / 1000 * memory_mb / 1024 * PRICES["lambda_gb_s"])]


def per_million_purchases(purchase: Measured, worker_batch: Measured, batch_size: int, memory_mb: int) -> Estimate:
    """1M reward purchases: API Gateway + the purchase function + DynamoDB + SQS + the worker completing them in batches."""
    n = 1e6
    est = Estimate("1M reward purchases", memory_mb)
    est.lines.append(Line("API Gateway HTTP API", n * PRICES["http_api_request"]))
    est.lines += _lambda_lines("purchase", purchase, memory_mb, n)
    est.lines += _lambda_lines(f"worker (batches of {batch_size})", worker_batch, memory_mb, n / batch_size)
    rru = purchase.read_units + worker_batch.read_units / batch_size
    wru = purchase.write_units + worker_batch.write_units / batch_size
    est.lines.append(Line(f"DynamoDB {rru:g} RRU", n * rru * PRICES["ddb_rru"]))
    est.lines.append(Line(f"DynamoDB {wru:g} WRU", n * wru * PRICES["ddb_wru"]))
    sqs = purchase.sqs_requests + worker_batch.sqs_requests / batch_size
    est.lines.append(Line(f"SQS {sqs:g} requests (send + batched receive/delete)", n * sqs * PRICES["sqs_request"]))
    return est


def per_million_reads(read: Measured, memory_mb: int) -> Estimate:
    """1M member reads (GET member with cards)."""
    n = 1e6
    est = Estimate("1M member reads", memory_mb)
    est.lines.append(Line("API Gateway HTTP API", n * PRICES["http_api_request"]))
    est.lines += _lambda_lines("get member", read, memory_mb, n)
    est.lines.append(Line(f"DynamoDB {read.read_units:g} RRU", n * read.read_units * PRICES["ddb_rru"]))
    return est


def per_million_aggregated(write_units: float, batch: Measured, batch_size: int, memory_mb: int,
                           what: str = "1M approved card transactions aggregated", read_units: float = 0.0,
                           sqs_requests: float = 0.0) -> Estimate:
    """What the report aggregator adds to 1M approved card transactions: its TransactWriteItems (`write_units` each), the
    event holders' reads (`read_units` each), the publish jobs it sends (`sqs_requests` each) and its invocations on full
    stream batches of `batch_size` (`batch`: one batch's time). Stream reads by a Lambda trigger are free."""
    n = 1e6
    est = Estimate(what, memory_mb)
    est.lines += _lambda_lines(f"aggregator (stream batches of {batch_size})", batch, memory_mb, n / batch_size)
    est.lines.append(Line(f"DynamoDB {write_units:g} WRU", n * write_units * PRICES["ddb_wru"]))
    if read_units:
        est.lines.append(Line(f"DynamoDB {read_units:g} RRU", n * read_units * PRICES["ddb_rru"]))
    if sqs_requests:
        est.lines.append(Line(f"SQS {sqs_requests:g} SendMessage (publish jobs)", n * sqs_requests * PRICES["sqs_request"]))
    return est


def per_million_published(job: Measured, worker_batch: Measured, batch_size: int, memory_mb: int, events: float = 1.0,
                          what: str = "1M events published") -> Estimate:
    """1M publish jobs (`events` per job put on the bus): the worker in batches of `batch_size` (`worker_batch`: one
    batch's time, its receive + delete), each job's DynamoDB units (`job`) and its PutEvents entries."""
    n = 1e6
    est = Estimate(what, memory_mb)
    est.lines += _lambda_lines(f"worker (batches of {batch_size})", worker_batch, memory_mb, n / batch_size)
    est.lines.append(Line(f"DynamoDB {job.read_units:g} RRU", n * job.read_units * PRICES["ddb_rru"]))
    est.lines.append(Line(f"DynamoDB {job.write_units:g} WRU", n * job.write_units * PRICES["ddb_wru"]))
    est.lines.append(Line(f"EventBridge {events:g} custom event(s)", n * events * PRICES["eventbridge_event"]))
    sqs = worker_batch.sqs_requests / batch_size
    est.lines.append(Line(f"SQS {sqs:g} requests (batched receive/delete)", n * sqs * PRICES["sqs_request"]))
    return est


def scaled(est: Estimate, factor: float, what: str) -> Estimate:
    """`est` for `factor` times as many operations (renamed `what`)."""
    return Estimate(what, est.memory_mb, [Line(line.item, line.usd * factor) for line in est.lines])
