"""POST /v2/loyalties/benefits/{benefitId}/draft: ACTIVE -> DRAFT."""

from loyalty.api.app import entry, make_app, table
from loyalty.benefits import service as benefits

app = make_app()


@app.post("/v2/loyalties/benefits/<benefitId>/draft")
def draft_benefit(benefitId: str) -> dict:
    return benefits.draft_benefit(table(app), benefitId)


handler = entry(app)
