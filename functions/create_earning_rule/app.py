"""POST /v2/loyalties/earning-rules: create a earning rule."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components
from loyalty.components.models import EarningRuleCreate

app = make_app()


@app.post("/v2/loyalties/earning-rules")
def create_earning_rule(body: EarningRuleCreate) -> dict:
    return components.create_earning_rule(table(app), body)


handler = entry(app)
