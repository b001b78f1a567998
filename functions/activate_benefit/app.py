"""POST /v2/loyalties/benefits/{benefitId}/activate: DRAFT -> ACTIVE."""

from loyalty.api.app import entry, make_app, table
from loyalty.benefits import service as benefits

app = make_app()


@app.post("/v2/loyalties/benefits/<benefitId>/activate")
def activate_benefit(benefitId: str) -> dict:
    return benefits.activate_benefit(table(app), benefitId)


handler = entry(app)
