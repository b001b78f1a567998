"""POST /v2/loyalties/benefits: create a benefit (unique name)."""

from loyalty.api.app import entry, make_app, table
from loyalty.benefits import service as benefits
from loyalty.benefits.models import BenefitCreate

app = make_app()


@app.post("/v2/loyalties/benefits")
def create_benefit(body: BenefitCreate) -> dict:
    return benefits.create_benefit(table(app), body)


handler = entry(app)
