"""Idempotency keys over HTTP against the local runtime: a customer created twice with one `Idempotency-Key` is one
customer (the second answer is the first, with `Idempotent-Replayed: true`); the key with another body answers 409
`idempotency_key_reused`; a malformed key answers 400; without the header each POST runs."""

from __future__ import annotations

import uuid

import requests

from local.runtime import ServeProcess


def post(server: ServeProcess, path: str, body: dict[str, str], key: str | None) -> requests.Response:
    headers = {**server.dev_key.headers, "Content-Type": "application/json", **({"Idempotency-Key": key} if key is not None else {})}
    return requests.post(f"{server.base_url}{path}", json=body, headers=headers, timeout=30)


def test_a_post_with_an_idempotency_key_runs_once_over_http(server: ServeProcess) -> None:
    key, source = f"e2e-{uuid.uuid4().hex}", f"idem-{uuid.uuid4().hex[:8]}"
    first = post(server, "/v1/customers", {"source_id": source, "name": "Ida"}, key)
    again = post(server, "/v1/customers", {"source_id": source, "name": "Ida"}, key)
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers

    other = post(server, "/v1/customers", {"source_id": source, "name": "Someone else"}, key)
    assert (other.status_code, other.json()["key"]) == (409, "idempotency_key_reused")
    customer = requests.get(f"{server.base_url}/v1/customers/{first.json()['id']}", headers=server.dev_key.headers, timeout=30)
    assert customer.json()["name"] == "Ida"

    bad = post(server, "/v1/customers", {"source_id": source}, "x" * 256)
    assert (bad.status_code, bad.json()["key"]) == (400, "invalid_idempotency_key")
    assert post(server, "/v1/customers", {"source_id": source, "name": "Ida B."}, None).json()["name"] == "Ida B."
