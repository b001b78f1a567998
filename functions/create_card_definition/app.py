"""POST /v2/loyalties/card-definitions: create a card definition."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components
from loyalty.components.models import CardDefinitionCreate

app = make_app()


@app.post("/v2/loyalties/card-definitions")
def create_card_definition(body: CardDefinitionCreate) -> dict:
    return components.create_card_definition(table(app), body)


handler = entry(app)
