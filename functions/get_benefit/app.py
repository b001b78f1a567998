"""GET /v2/loyalties/benefits/{benefitId}: one benefit."""

from loyalty.api.app import entry, make_app, table
from loyalty.benefits import service as benefits

app = make_app()


@app.get("/v2/loyalties/benefits/<benefitId>")
def get_benefit(benefitId: str) -> dict:
    return benefits.get_benefit(table(app), benefitId)


handler = entry(app)
