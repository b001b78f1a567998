"""GET /v2/loyalties/benefits: the project's benefits, filtered, ordered and cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.benefits import service as benefits

app = make_app()
LIST_SPEC = benefits.BENEFITS


@app.get("/v2/loyalties/benefits")
def list_benefits() -> dict:
    return benefits.list_benefits(table(app), query_params(app))


handler = entry(app)
