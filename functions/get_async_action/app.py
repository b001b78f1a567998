"""GET /v1/async-actions/{asyncActionId}: an async action (e.g. a batch enrolment): its status, progress and result."""

from loyalty.api.app import entry, make_app, table
from loyalty.members import service as members

app = make_app()


@app.get("/v1/async-actions/<asyncActionId>")
def get_async_action(asyncActionId: str) -> dict:
    return members.get_async_action(table(app), asyncActionId)


handler = entry(app)
