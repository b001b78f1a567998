"""POST /v2/loyalties/card-definitions/{cardDefinitionId}/draft: ACTIVE -> DRAFT (409 otherwise; 423 while a live program uses it)."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components

app = make_app()


@app.post("/v2/loyalties/card-definitions/<cardDefinitionId>/draft")
def draft_card_definition(cardDefinitionId: str) -> dict:
    return components.draft_card_definition(table(app), cardDefinitionId)


handler = entry(app)
