"""GET /v1/loyalties/members/{memberId}: a loyalty card by its code, whatever its campaign."""

from loyalty.api.app import entry, make_app, repository
from loyalty.services import campaigns

app = make_app()


@app.get("/v1/loyalties/members/<memberId>")
def get_member(memberId: str) -> dict:
    return campaigns.get_member(repository(app), None, memberId, campaigns.base_url(app.current_event.raw_event))


handler = entry(app)
