"""POST /v2/loyalties/card-definitions/{cardDefinitionId}/activate: DRAFT -> ACTIVE (409 invalid_state_transition from any other status)."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components

app = make_app()


@app.post("/v2/loyalties/card-definitions/<cardDefinitionId>/activate")
def activate_card_definition(cardDefinitionId: str) -> dict:
    return components.activate_card_definition(table(app), cardDefinitionId)


handler = entry(app)
