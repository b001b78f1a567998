"""DELETE /v2/loyalties/benefits/{benefitId}: soft-delete a benefit no earning rule grants."""

from loyalty.api.app import entry, make_app, table
from loyalty.benefits import service as benefits

app = make_app()


@app.delete("/v2/loyalties/benefits/<benefitId>")
def delete_benefit(benefitId: str) -> dict:
    return benefits.delete_benefit(table(app), benefitId)


handler = entry(app)
