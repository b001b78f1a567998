"""GET /v2/loyalties/card-definitions/{cardDefinitionId}/activities: a card definition's history, newest first, filtered."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.components import service as components

app = make_app()
LIST_SPEC = components.CARD_DEFINITION_ACTIVITIES


@app.get("/v2/loyalties/card-definitions/<cardDefinitionId>/activities")
def list_card_definition_activities(cardDefinitionId: str) -> dict:
    return components.list_card_definition_activities(table(app), cardDefinitionId, query_params(app))


handler = entry(app)
