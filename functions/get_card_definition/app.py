"""GET /v2/loyalties/card-definitions/{cardDefinitionId}: one card definition."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components

app = make_app()


@app.get("/v2/loyalties/card-definitions/<cardDefinitionId>")
def get_card_definition(cardDefinitionId: str) -> dict:
    return components.get_card_definition(table(app), cardDefinitionId)


handler = entry(app)
