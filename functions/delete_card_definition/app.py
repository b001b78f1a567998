"""DELETE /v2/loyalties/card-definitions/{cardDefinitionId}: soft-delete a card definition no live program uses (400 resource_in_use otherwise)."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components

app = make_app()


@app.delete("/v2/loyalties/card-definitions/<cardDefinitionId>")
def delete_card_definition(cardDefinitionId: str) -> dict:
    return components.delete_card_definition(table(app), cardDefinitionId)


handler = entry(app)
