"""POST /v1/loyalties/{campaignId}/members: publish the campaign's loyalty card to a customer (add member)."""

from loyalty.api.app import base_url, entry, make_app, table
from loyalty.v1 import service as campaigns
from loyalty.v1.models import MemberAdd

app = make_app()


@app.post("/v1/loyalties/<campaignId>/members")
def add_member(campaignId: str, body: MemberAdd) -> dict:
    return campaigns.add_member(table(app), campaignId, body, base_url(app))


handler = entry(app)
