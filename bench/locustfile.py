"""The load test's client (`python -m bench.load` runs it with locust, headless): loyalty clients on the world bench/load.py seeded.

Each simulated client picks a member at random and does what a shop's backend does, by weight: reads the member, lists
the program's members, lists a card's transactions, buys a reward (v2 purchase), adjusts points (v2 card points, v1
balance) and sends paid orders (`POST /v1/orders`, which earn through the program's earning rule).

The world comes from the JSON file named by LOAD_WORLD (written by bench/load.py). Every answer's status is counted per
request type into the JSON file named by LOAD_STATUSES when locust quits, so that a purchase refused with 423 (the card has
run out of points: expected under load) is told apart from an error (a 5xx, no answer, or any other 4xx), which locust
records as a failure."""

from __future__ import annotations

import json
import os
import random
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

V2 = "/v2/loyalties"
WORLD: dict[str, Any] = json.loads(Path(os.environ["LOAD_WORLD"]).read_text()) if os.environ.get("LOAD_WORLD") else {}
# request type -> HTTP status ("0": no answer) -> count
STATUSES: dict[str, Counter[str]] = {}
# the statuses that are no error, per request type (a purchase may be refused for want of points: 423)
EXPECTED = {"purchase": {202, 423}}
OK = {200, 201, 202}


@events.request.add_listener
def _count(name: str, response: Any = None, exception: BaseException | None = None, **_: Any) -> None:
    """Count every answer's status under its request type."""
    status = getattr(response, "status_code", 0) or 0
    STATUSES.setdefault(name, Counter())[str(status)] += 1


@events.quitting.add_listener
def _write_statuses(**_: Any) -> None:
    """Write the status counts where bench/load.py reads them."""
    path = os.environ.get("LOAD_STATUSES")
    if path:
        Path(path).write_text(json.dumps({name: dict(counts) for name, counts in STATUSES.items()}, indent=2) + "\n")


class LoyaltyClient(HttpUser):
    """One shop backend calling the loyalty API with the dev project's key."""

    wait_time = between(0.0, float(os.environ.get("LOAD_MAX_WAIT", "0.2")))

    def on_start(self) -> None:
        """Every request carries the dev key."""
        self.client.headers.update({**WORLD["headers"], "Content-Type": "application/json"})

    def _call(self, method: str, name: str, path: str, body: Any = None) -> None:
        expected = EXPECTED.get(name, OK)
        with self.client.request(method, path, json=body, name=name, catch_response=True, timeout=30) as resp:
            if resp.status_code in expected:
                resp.success()
            else:
                resp.failure(f"{resp.status_code} {resp.text[:200]}")

    def _member(self) -> dict[str, str]:
        """A member of the world, at random."""
        return random.choice(WORLD["members"])

    @task(30)
    def get_member(self) -> None:
        """GET a member (with its cards and balances)."""
        self._call("GET", "get member", self._member()["path"])

    @task(8)
    def list_members(self) -> None:
        """GET the program's members, first page."""
        self._call("GET", "list members", f"{V2}/programs/{WORLD['program']}/members?limit=20")

    @task(12)
    def card_transactions(self) -> None:
        """GET a card's transactions, first page."""
        member = self._member()
        self._call("GET", "card transactions", f"{member['path']}/cards/{member['card']}/transactions?limit=20")

    @task(20)
    def purchase(self) -> None:
        """POST a reward purchase (202, or 423 once the card has spent its points)."""
        self._call("POST", "purchase", f"{self._member()['path']}/rewards/purchases", {"reward_id": WORLD["reward"]})

    @task(10)
    def add_points(self) -> None:
        """POST points to a card (v2)."""
        member = self._member()
        self._call("POST", "points (v2)", f"{member['path']}/cards/{member['card']}/points", {"points": 50, "reason": "load"})

    @task(5)
    def v1_balance(self) -> None:
        """POST points to a v1 loyalty card (v1 balance)."""
        code = random.choice(WORLD["v1_codes"])
        self._call("POST", "balance (v1)", f"/v1/loyalties/{WORLD['campaign']}/members/{code}/balance", {"points": 20, "reason": "load"})

    @task(15)
    def order(self) -> None:
        """POST a paid order for a member's customer (earns through the program's rule)."""
        member = self._member()
        self._call("POST", "order", "/v1/orders", {
            "source_id": f"load-{uuid.uuid4().hex}", "status": "PAID", "amount": 4200, "customer": {"id": member["customer"]},
            "items": [{"product_id": "prod_0a1b", "quantity": 2, "price": 2100}]})
