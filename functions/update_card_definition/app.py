"""PUT /v2/loyalties/card-definitions/{cardDefinitionId}: replace the given fields (in use: only name, metadata, pay_with_points)."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components
from loyalty.components.models import CardDefinitionUpdate

app = make_app()


@app.put("/v2/loyalties/card-definitions/<cardDefinitionId>")
def update_card_definition(cardDefinitionId: str, body: CardDefinitionUpdate) -> dict:
    return components.update_card_definition(table(app), cardDefinitionId, body)


handler = entry(app)
