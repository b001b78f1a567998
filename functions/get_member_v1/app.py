"""GET /v1/loyalties/{campaignId}/members/{memberId}: a campaign's loyalty card by its code."""

from loyalty.api.app import base_url, entry, make_app, table
from loyalty.v1 import service as campaigns

app = make_app()


@app.get("/v1/loyalties/<campaignId>/members/<memberId>")
def get_member(campaignId: str, memberId: str) -> dict:
    return campaigns.get_member(table(app), campaignId, memberId, base_url(app))


handler = entry(app)
