"""GET /v2/loyalties/benefits/{benefitId}/activities: a benefit's activities, newest first."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.benefits import service as benefits

app = make_app()
LIST_SPEC = benefits.ACTIVITIES


@app.get("/v2/loyalties/benefits/<benefitId>/activities")
def list_benefit_activities(benefitId: str) -> dict:
    return benefits.list_benefit_activities(table(app), benefitId, query_params(app))


handler = entry(app)
