"""The load test's driver (`make load`: bench/load.py and bench/locustfile.py) works: against the session's `python -m local
serve`, it seeds a small world through the API, runs locust headless for a few seconds from a few clients, and reads back
per request type the counts, throughput and percentiles, with 423s told apart from errors."""

from __future__ import annotations

from pathlib import Path

from bench.load import WRITES, Api, parse_stats, run_locust, seed_world, table, tree_memory, warm, write_run
from local.runtime import ServeProcess

TYPES = {"get member", "list members", "card transactions", "purchase", "points (v2)", "balance (v1)", "order"}


def test_a_short_locust_run_reports_every_request_type(server: ServeProcess, tmp_path: Path) -> None:
    api = Api(server.base_url, server.dev_key.headers)
    world = seed_world(api, members=3, v1_cards=1, threads=3)
    warm(api, world, per_route=2)
    stats = run_locust(server.base_url, world, users=4, seconds=4, max_wait=0.05, workdir=tmp_path)

    assert set(stats) - {"all"} <= TYPES and "get member" in stats, stats
    total = stats["all"]
    assert total["requests"] == sum(s["requests"] for name, s in stats.items() if name != "all") > 10
    assert total["errors"] == 0, {name: s["statuses"] for name, s in stats.items()}
    # the status listener sees every answer, locust's CSV may miss the last second's (written before the clients stop)
    assert total["requests"] <= sum(total["statuses"].values())
    assert set(total["statuses"]) <= {"200", "201", "202", "423"}
    assert total["p50_ms"] is not None and total["p50_ms"] <= total["p99_ms"] <= total["max_ms"] + 100  # locust rounds percentiles
    assert total["per_second"] > 0 and set(WRITES) & set(stats)
    assert "all" in table("t", stats).splitlines()[-1]
    assert server.proc is not None
    memory = tree_memory(server.proc.pid)  # the workers the fork server forked are told apart from serve's side
    assert memory["workers"] >= 1 and 0 < memory["workers_rss_mb"] < memory["rss_mb"] and memory["serve_rss_mb"] > 0, memory


def test_a_refused_purchase_is_counted_apart_from_the_errors(tmp_path: Path) -> None:
    csv_path = tmp_path / "locust_stats.csv"
    header = ("Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,"
              "Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%")
    csv_path.write_text("\n".join([
        header,
        "POST,purchase,10,1,20,25,5,90,300,2.0,0.2,20,22,25,30,40,60,80,90,90,90,90",
        "POST,order,5,0,30,30,10,50,300,1.0,0,30,30,30,40,50,50,50,50,50,50,50",
        ",Aggregated,15,1,20,27,5,90,300,3.0,0.2,20,25,30,30,40,50,80,90,90,90,90",
    ]) + "\n")
    stats = parse_stats(csv_path, {"purchase": {"202": 6, "423": 3, "500": 1}, "order": {"200": 5}})
    assert stats["purchase"]["exhausted_423"] == 3 and stats["purchase"]["errors"] == 1
    assert stats["order"]["exhausted_423"] == 0
    assert stats["all"]["exhausted_423"] == 3 and stats["all"]["errors"] == 1 and stats["all"]["statuses"] == {"200": 5, "202": 6, "423": 3, "500": 1}
    assert stats["all"]["p99_ms"] == 90 and stats["purchase"]["per_second"] == 2.0


def test_the_write_run_makes_the_writes_it_is_asked_for(server: ServeProcess) -> None:
    api = Api(server.base_url, server.dev_key.headers)
    world = seed_world(api, members=2, v1_cards=1, threads=2)
    run = write_run(api, world, writes=24, clients=3)
    assert 24 <= run["writes"] <= 24 + 2, run  # each client stops at the count (two may be in flight)
    assert set(run["by_kind"]) == {"points (v2)", "order", "balance (v1)", "purchase"} and all(run["by_kind"].values()), run
    assert set(run["refused"]) <= {"purchase refused (423)"}, run  # a card out of points answers 423: not a write
    assert run["slowest_ms"] > 0 and run["slowest_request"] in {**run["by_kind"], **run["refused"]}
