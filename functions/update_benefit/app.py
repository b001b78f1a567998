"""PUT /v2/loyalties/benefits/{benefitId}: update a benefit (values merged; only name and stock while ACTIVE)."""

from loyalty.api.app import entry, make_app, table
from loyalty.benefits import service as benefits
from loyalty.benefits.models import BenefitUpdate

app = make_app()


@app.put("/v2/loyalties/benefits/<benefitId>")
def update_benefit(benefitId: str, body: BenefitUpdate) -> dict:
    return benefits.update_benefit(table(app), benefitId, body)


handler = entry(app)
