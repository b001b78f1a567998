"""GET .../members/{memberId}/cards/{cardId}/activities: a card's history, newest first, filtered and cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.members import service as members

app = make_app()
LIST_SPEC = members.CARD_ACTIVITIES


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>/cards/<cardId>/activities")
def list_card_activities(programId: str, memberId: str, cardId: str) -> dict:
    return members.list_card_activities(table(app), programId, memberId, cardId, query_params(app))


handler = entry(app)
