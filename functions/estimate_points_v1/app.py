"""POST /v1/loyalties/{campaignId}/qualifications: how many points an order (stored, inline, or both) would earn on the
customer's card of this v1 campaign under its Order paid earning rules; nothing is written."""

from loyalty.api.app import entry, make_app, table
from loyalty.orders import service as orders
from loyalty.orders.models import PointsEstimateRequest

app = make_app()


@app.post("/v1/loyalties/<campaignId>/qualifications")
def estimate_points(campaignId: str, body: PointsEstimateRequest) -> dict:
    return orders.estimate_points(table(app), campaignId, body)


handler = entry(app)
