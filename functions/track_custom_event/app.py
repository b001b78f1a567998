"""POST /v1/events: track a custom event of a customer (created or updated); its earning is evaluated by the worker."""

from loyalty.api.app import entry, make_app, table
from loyalty.events import service as events
from loyalty.events.models import EventCreate

app = make_app()


@app.post("/v1/events")
def track_custom_event(body: EventCreate) -> dict:
    return events.track_custom_event(table(app), body)


handler = entry(app)
