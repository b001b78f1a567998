"""GET /v1/loyalties/{campaignId}: a v1 loyalty campaign by id or name."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1 import service as campaigns

app = make_app()


@app.get("/v1/loyalties/<campaignId>")
def get_loyalty_program(campaignId: str) -> dict:
    return campaigns.get_campaign(table(app), campaignId)


handler = entry(app)
