"""GET .../members/{memberId}/cards/{cardId}/reports/daily: a card's points moves per day, week, month or quarter."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.reports import service as reports

app = make_app()


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>/cards/<cardId>/reports/daily")
def get_member_card_daily_report(programId: str, memberId: str, cardId: str) -> dict:
    return reports.card_daily_report(table(app), programId, memberId, cardId, query_params(app))


handler = entry(app)
