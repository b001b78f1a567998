"""GET /v2/loyalties/earning-rules: the project's earning rules, filtered, ordered and cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.components import service as components

app = make_app()
LIST_SPEC = components.EARNING_RULES


@app.get("/v2/loyalties/earning-rules")
def list_earning_rules() -> dict:
    return components.list_earning_rules(table(app), query_params(app))


handler = entry(app)
