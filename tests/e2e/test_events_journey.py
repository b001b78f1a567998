"""Custom events and their schemas over HTTP against the local runtime: a schema made with the CLI is read back through the
API; events are tracked for customers by id and by source id; the routes' typical errors (recorded for test_conformance.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from local.runtime import DEV_PROJECT, ServeProcess
from tests.e2e import conformance
from tests.e2e.conftest import ROOT, Client, event_schema
from tests.e2e.test_keys import cli

pytestmark = pytest.mark.e2e
V2 = "/v2/loyalties"
SCHEMAS = "/v1/metadata-schemas"


def error(client: Client, method: str, path: str, status: int, key: str, body: Any = None) -> dict[str, Any]:
    got, data = client.request(method, path, body)
    assert (got, data.get("key")) == (status, key), data
    return data


def test_a_schema_made_with_the_cli_is_read_through_the_api(server: ServeProcess, client: Client) -> None:
    # Given a schema created with the CLI in the dev project of the running stack
    name = f"review_{uuid.uuid4().hex[:8]}"
    schema_id = cli(server, "create-event-schema", "--project", DEV_PROJECT, "--name", name,
                    "--property", "rating:number", "--property", "tags:string[]", "--property", "order_id:string!").strip()
    assert schema_id.startswith("ms_"), schema_id

    # Then the API reads it by its event name, and lists it
    schema = client.get(f"{SCHEMAS}/{name}")
    assert (schema["id"], schema["related_object"], schema["object"]) == (schema_id, name, "metadata_schema")
    assert schema["properties"] == {
        "rating": {"type": "number", "array": False, "optional": True, "objectType": None},
        "tags": {"type": "string", "array": True, "optional": True, "objectType": None},
        "order_id": {"type": "string", "array": False, "optional": False, "objectType": None},
    }
    listed = client.get(SCHEMAS)
    assert schema in listed["schemas"] and listed["total"] == len(listed["schemas"])

    # And the CLI finds it again with --exist-ok, refuses a second one of the same name, and lists it
    assert cli(server, "create-event-schema", "--project", DEV_PROJECT, "--name", name, "--exist-ok").strip() == schema_id
    assert schema_id in cli(server, "list-event-schemas", "--project", DEV_PROJECT)
    assert json.loads(cli(server, "list-event-schemas", "--project", DEV_PROJECT, "--json"))[-1]["id"] == schema_id


def test_the_cli_refuses_a_taken_name(server: ServeProcess) -> None:
    name = f"dup_{uuid.uuid4().hex[:8]}"
    cli(server, "create-event-schema", "--project", DEV_PROJECT, "--name", name)
    done = subprocess.run([sys.executable, "-m", "local", "create-event-schema", "--project", DEV_PROJECT, "--name", name,
                           "--state-dir", str(Path(server.state_dir))], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0 and "duplicate_found" in done.stderr


def test_events_are_tracked_for_known_and_new_customers(client: Client) -> None:
    drive_events(client)


def drive_events(client: Client) -> None:
    """POST /v1/events and the metadata-schema reads with a success and their typical errors; an earning rule that names an
    event schema (test_conformance.py runs it when this module did not)."""
    conformance.DRIVEN.add("events")
    tag = uuid.uuid4().hex[:8]
    name = f"review_written_{tag}"
    schema_id = event_schema(client, name, {"rating": "number"})

    # Schemas: read, listed (not without a key); an unknown resource is 404 as the spec words it
    assert client.get(f"{SCHEMAS}/{name}")["id"] == schema_id
    assert any(s["id"] == schema_id for s in client.get(SCHEMAS)["schemas"])
    error(Client(client.base_url, {}, client.recorder), "GET", SCHEMAS, 401, "unauthorized")
    unknown = error(client, "GET", f"{SCHEMAS}/earning_rules", 404, "not_found")
    assert (unknown["resource_type"], unknown["details"]) == ("metadata schema", "Cannot find metadata schema with id earning_rules")

    # An earning rule names the schema by id; an unknown schema id is 404
    cdef = client.post(f"{V2}/card-definitions", {"name": f"Events wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})
    effect = {"type": "POINTS", "points": {"value": 50, "card_definition_id": cdef["id"]}}
    rule = client.post(f"{V2}/earning-rules", {"name": f"Review {tag}", "trigger": {
        "event": "customer.custom_event", "custom_event": {"schema_id": schema_id}}, "earnings": [{"effects": [effect]}]})
    assert rule["trigger"]["custom_event"]["schema_id"] == schema_id
    missing = error(client, "POST", f"{V2}/earning-rules", 404, "not_found", {"name": "x", "trigger": {
        "event": "customer.custom_event", "custom_event": {"schema_id": "ms_0000000000"}}, "earnings": [{"effects": [effect]}]})
    assert missing["resource_type"] == "metadata schema"

    # Events: a known customer by id; a new customer by source id (created); the same one again, updated
    alice = client.post("/v1/customers", {"source_id": f"ev-alice-{tag}", "name": "Alice", "email": "alice@example.com"})
    tracked = client.post("/v1/events", {"event": name, "customer": {"id": alice["id"]}, "metadata": {"rating": 5}})
    assert tracked == {"object": "event", "type": name, "referral": None, "loyalty": None, "metadata": {"rating": 5},
                       "customer": {"id": alice["id"], "source_id": alice["source_id"], "name": "Alice", "email": "alice@example.com",
                                    "metadata": {}, "object": "customer"}}
    new = client.post("/v1/events", {"event": "app_opened", "customer": {"source_id": f"ev-bob-{tag}"}})
    bob = client.get(f"/v1/customers/ev-bob-{tag}")
    assert new["customer"] == {"id": bob["id"], "source_id": f"ev-bob-{tag}", "metadata": {}, "object": "customer"}
    again = client.post("/v1/events", {"event": name, "customer": {"source_id": f"ev-bob-{tag}", "name": "Bob"}})
    assert again["customer"]["id"] == bob["id"] and client.get(f"/v1/customers/{bob['id']}")["name"] == "Bob"

    # Errors: an invalid body, an unknown customer id, an unknown card code
    error(client, "POST", "/v1/events", 400, "invalid_payload", {"event": "", "customer": {"id": alice["id"]}})
    error(client, "POST", "/v1/events", 400, "invalid_payload", {"event": name})
    gone = error(client, "POST", "/v1/events", 404, "not_found", {"event": name, "customer": {"id": "registered_10055"}})
    assert (gone["resource_type"], gone["resource_id"]) == ("customer", "registered_10055")
    error(client, "POST", "/v1/events", 404, "not_found", {"event": name, "customer": {"id": alice["id"]}, "loyalty": {"code": "NO-SUCH"}})
