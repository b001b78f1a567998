"""POST /v2/loyalties/examine/earning-rules: which earning rules would apply to a customer and how many points each card
would get, for one trigger or all of them; nothing is written."""

from loyalty.api.app import entry, make_app, table
from loyalty.examine import service as examine
from loyalty.examine.models import ExamineEarningRulesRequest

app = make_app()


@app.post("/v2/loyalties/examine/earning-rules")
def examine_earning_rules(body: ExamineEarningRulesRequest) -> dict:
    return examine.examine_earning_rules(table(app), body)


handler = entry(app)
