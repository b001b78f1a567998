"""POST /v2/loyalties/card-definitions: create a card definition."""

from loyalty.api.app import entry, make_app, repository
from loyalty.models.components import CardDefinitionCreate
from loyalty.services import components

app = make_app()


@app.post("/v2/loyalties/card-definitions")
def create_card_definition(body: CardDefinitionCreate) -> dict:
    return components.create_card_definition(repository(app), body)


handler = entry(app)
