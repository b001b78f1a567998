"""POST /v2/loyalties/earning-rules: create a earning rule."""

from loyalty.api.app import entry, make_app, repository
from loyalty.models.components import EarningRuleCreate
from loyalty.services import components

app = make_app()


@app.post("/v2/loyalties/earning-rules")
def create_earning_rule(body: EarningRuleCreate) -> dict:
    return components.create_earning_rule(repository(app), body)


handler = entry(app)
