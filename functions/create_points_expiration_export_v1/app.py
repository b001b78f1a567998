"""POST /v1/loyalties/{campaignId}/points-expiration/export: schedule a CSV export of the ACTIVE points buckets of a v1
campaign's cards; answers the SCHEDULED export."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.api.app import entry, make_app, table
from loyalty.exports import service as exports
from loyalty.exports.models import PointsExpirationExport

app = make_app()


@app.post("/v1/loyalties/<campaignId>/points-expiration/export")
def create_points_expiration_export(campaignId: str, body: Annotated[PointsExpirationExport | None, Body()] = None) -> dict:
    return exports.export_points_expiration(table(app), campaignId, body)


handler = entry(app)
