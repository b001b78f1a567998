"""GET /v1/loyalties/members/{memberId}: a loyalty card by its code, whatever its campaign."""

from loyalty.api.app import base_url, entry, make_app, table
from loyalty.v1 import service as campaigns

app = make_app()


@app.get("/v1/loyalties/members/<memberId>")
def get_member(memberId: str) -> dict:
    return campaigns.get_member(table(app), None, memberId, base_url(app))


handler = entry(app)
