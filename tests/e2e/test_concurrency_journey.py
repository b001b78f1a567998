"""No dropped requests (issue 12): through `python -m local serve`'s runtime, on the embedded and the DynamoDB Local
backends, 100 concurrent GETs and 50 concurrent purchases of a 100-point reward on a card holding exactly 1,000 points:
every client gets an HTTP answer within 30 s, exactly 10 purchases are accepted (202) and 40 refused (423), and the
balance never goes below zero. Each function is served by its own pool of worker processes (local/pool.py)."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from local.runtime import ServeProcess
from tests.e2e.conftest import AUTH_CACHE_TTL_SECONDS
from tests.support import eventually

ROOT = Path(__file__).resolve().parents[2]
V2 = "/v2/loyalties"
ENV = {"AUTH_CACHE_TTL_SECONDS": str(AUTH_CACHE_TTL_SECONDS), "PROJECT_RATE_LIMIT": "0"}


@pytest.fixture(scope="module", params=["embedded", "dynamodb-local"])
def served(request: pytest.FixtureRequest, server: ServeProcess) -> Iterator[ServeProcess]:
    """The session's embedded server, or one on DynamoDB Local (its jar kept in .local/e2e-dynamodb-local)."""
    if request.param == "embedded":
        yield server
        return
    if shutil.which("java") is None:
        pytest.skip("the dynamodb-local backend needs java")
    state = ROOT / ".local" / "e2e-dynamodb-local"
    with tempfile.TemporaryDirectory(prefix="loyalty-e2e-ddb-") as logs:
        proc = ServeProcess(backend="dynamodb-local", port=0, state_dir=state, env=ENV, log_path=Path(logs) / "serve.log")
        proc.start()
        try:
            yield proc
        finally:
            proc.stop()


def _setup(base: str, headers: dict[str, str]) -> tuple[str, str, str]:
    session = requests.Session()
    session.headers.update(headers)

    def post(path: str, body: Any, expect: int = 200) -> Any:
        resp = session.post(base + path, json=body, timeout=30)
        assert resp.status_code == expect, resp.text
        return resp.json()

    tag = uuid.uuid4().hex[:8]
    cdef = post(f"{V2}/card-definitions", {"name": f"Burst wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    reward = post(f"{V2}/rewards", {"name": f"Burst coffee {tag}", "type": "MATERIAL", "status": "ACTIVE",
                                    "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
                                    "costs": [{"spending": [{"points": 100, "card_definition_id": cdef}]}]})["id"]
    rule = post(f"{V2}/earning-rules", {"name": f"Burst paid {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
                                        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef}}]}]})["id"]
    program = post(f"{V2}/programs", {"name": f"Burst {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef}],
                                      "earning_rules": [{"id": rule}],
                                      "rewards": [{"id": reward, "stock": {"type": "LIMITED", "limited": {"quantity": 100}}}]})["id"]
    customer = post("/v1/customers", {"source_id": f"burst-{tag}"})["id"]
    member = post(f"{V2}/programs/{program}/members", {"customer_identification": {"type": "customer_id", "customer_id": customer}})
    m = f"{V2}/programs/{program}/members/{member['id']}"
    post(f"{m}/cards/{member['cards'][0]['card']['id']}/points", {"points": 1000, "reason": "burst"})
    eventually(lambda: session.get(base + m, timeout=30).json()["cards"][0]["card"]["balance"]["points"] == 1000)
    return m, reward, program


def test_a_burst_of_reads_and_purchases_gets_every_answer(served: ServeProcess) -> None:
    base, headers = served.base_url, {**served.dev_key.headers, "Content-Type": "application/json"}
    m, reward, _ = _setup(base, headers)

    def call(i: int) -> tuple[str, int, Any]:
        if i % 3 == 2 and i < 150:  # 50 purchases interleaved with 100 reads
            resp = requests.post(f"{base}{m}/rewards/purchases", json={"reward_id": reward}, headers=headers, timeout=30)
            return "buy", resp.status_code, resp.json()
        resp = requests.get(base + m, headers=headers, timeout=30)
        return "get", resp.status_code, resp.json()

    with ThreadPoolExecutor(150) as ex:  # requests.Timeout (30 s) would fail the test: every client must be answered
        results = list(ex.map(call, range(150)))
    gets = [r for r in results if r[0] == "get"]
    buys = Counter(status for kind, status, _ in results if kind == "buy")
    assert len(gets) == 100 and {status for _, status, _ in gets} == {200}, [b for _, s, b in gets if s != 200][:3]
    assert buys == {202: 10, 423: 40}, buys
    seen = [body["cards"][0]["card"]["balance"]["points"] for _, _, body in gets]
    assert min(seen) >= 0 and max(seen) <= 1000
    assert all(b["code"] == 423 for kind, s, b in results if kind == "buy" and s == 423)

    def settled() -> Any:
        card = requests.get(base + m, headers=headers, timeout=30).json()["cards"][0]["card"]
        return card if card["balance"]["points"] == 0 and card["lifetime_bucket"]["points"]["spent"] == 1000 else None

    card = eventually(settled, timeout=60)
    assert card["balance"]["points"] == 0
