"""POST /v2/loyalties/examine/rewards: which rewards of a customer's programs each of their cards could buy now, at what
cost, and why not when it cannot; nothing is written."""

from loyalty.api.app import entry, make_app, table
from loyalty.examine import service as examine
from loyalty.examine.models import ExamineRewardsRequest

app = make_app()


@app.post("/v2/loyalties/examine/rewards")
def examine_rewards(body: ExamineRewardsRequest) -> dict:
    return examine.examine_rewards(table(app), body)


handler = entry(app)
