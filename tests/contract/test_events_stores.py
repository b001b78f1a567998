"""Custom events and event schemas on DynamoDB Local: a schema and its name claim in one transaction (a taken name refused),
the list through GSI1, the existence check a component's write carries, the event with its customer creation or update
and its job marker, and the marker's conditional removal."""

from __future__ import annotations

import pytest

from loyalty.components import store as components_store
from loyalty.customers import service as customers
from loyalty.customers.models import MemberCustomer
from loyalty.db.keys import CARD_DEFINITION
from loyalty.db.transact import TransactionConflict
from loyalty.events import store
from loyalty.events.records import CustomEvent
from loyalty.jobs.models import EvaluateEarning
from loyalty.schemas import store as schemas_store
from loyalty.schemas.service import create_event_schema, event_schema_id, list_metadata_schemas
from tests.contract.harness import Contract


def test_a_schema_is_claimed_by_name_listed_and_resolved(contract: Contract) -> None:
    db = contract.db
    first = create_event_schema(db, "review_written", {"rating": "number"})
    second = create_event_schema(db, "survey_done")

    with pytest.raises(TransactionConflict) as taken:
        schemas_store.create_schema(db, {**second, "id": "ms_0ffff"})  # another id, the same name
    assert taken.value.failed_labels == ["name"]

    assert event_schema_id(db, "review_written") == first["id"] and event_schema_id(db, "nothing") is None
    assert schemas_store.get_schema(db, second["id"]) == second
    listed = list_metadata_schemas(db)
    assert [s["id"] for s in listed["schemas"]] == [first["id"], second["id"]] and listed["total"] == 2


def test_a_component_write_is_refused_when_a_schema_it_names_is_missing(contract: Contract) -> None:
    db = contract.db
    schema = create_event_schema(db, "review_written")
    cdef = {"id": "lcdef_0a1", "status": "DRAFT", "name": "W"}

    with pytest.raises(TransactionConflict) as refused:
        components_store.create_component(db, CARD_DEFINITION, cdef, [schema["id"], "ms_0missing"])
    assert refused.value.failed_labels == [schemas_store.schema_label("ms_0missing")]
    assert components_store.get_component(db, CARD_DEFINITION, cdef["id"]) is None

    components_store.create_component(db, CARD_DEFINITION, cdef, [schema["id"]])
    assert components_store.get_component(db, CARD_DEFINITION, cdef["id"]) == cdef


def _event(event_id: str, customer_id: str) -> CustomEvent:
    return {"id": event_id, "type": "review_written", "customer_id": customer_id, "schema_id": None, "metadata": {},
            "loyalty": None, "referral": None, "created_at": "2026-01-01T00:00:00.000Z"}


def test_an_event_is_written_with_its_new_customer_and_its_job_marker(contract: Contract) -> None:
    db = contract.db
    ref = MemberCustomer(source_id="alice-1", name="Alice")
    key = customers.lookup_key(db, ref)
    assert key is not None
    found = store.read_items(db, [key, schemas_store.name_key(db, "review_written")])
    assert found == {}
    customer, change = customers.planned_upsert(customers.found_customer(db, ref, None), "alice-1", ref.patch())
    assert change == "create"
    job = EvaluateEarning(project_id=contract.project, source="event", source_id="evcus_0a1")

    store.create_event(db, _event("evcus_0a1", customer["id"]), job, customer, change)

    assert customers.get_customer(db, "alice-1")["id"] == customer["id"]
    assert store.get_event(db, "evcus_0a1") == _event("evcus_0a1", customer["id"])
    (pending,), _ = db.query(db.keys.pending_partition(), IndexName="PendingJobs", key_condition="JOBPK = :pk",
                             ConsistentRead=False)
    assert pending["job"] == job.to_json() and pending["PK"] == db.keys.event("evcus_0a1").pk

    # A second creation of the same source id is refused on its claim, and writes no event
    other, change = customers.planned_upsert(None, "alice-1", {})
    with pytest.raises(TransactionConflict) as raced:
        store.create_event(db, _event("evcus_0a2", other["id"]), job, other, change)
    assert "source_id" in raced.value.failed_labels
    assert store.get_event(db, "evcus_0a2") is None

    # An update of the customer goes with the event; the marker is removed only for the job send it holds
    by_source = store.read_items(db, [key])
    known = customers.found_customer(db, ref, by_source.get(key))
    updated, change = customers.planned_upsert(known, "alice-1", {"name": "Alice B."})
    assert change == "update"
    store.create_event(db, _event("evcus_0a3", updated["id"]), job, updated, change)
    assert customers.get_customer(db, updated["id"])["name"] == "Alice B."

    stale = db.transaction()
    store.finish_event_job(stale, db, "evcus_0a1", job.resent(2, retire=False).to_json())
    with pytest.raises(TransactionConflict) as refused:
        stale.commit()
    assert refused.value.failed_labels == ["job"]
    done = db.transaction()
    store.finish_event_job(done, db, "evcus_0a1", job.to_json())
    done.commit()
    assert "job" not in (db.get(db.keys.event("evcus_0a1")) or {"job": 1})
