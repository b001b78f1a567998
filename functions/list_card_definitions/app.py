"""GET /v2/loyalties/card-definitions: the project's card definitions, filtered, ordered and cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.components import service as components

app = make_app()
LIST_SPEC = components.CARD_DEFINITIONS


@app.get("/v2/loyalties/card-definitions")
def list_card_definitions() -> dict:
    return components.list_card_definitions(table(app), query_params(app))


handler = entry(app)
