"""GET /v1/assets/{kind}/{assetId}: a v1 loyalty card's QR code (PNG) or barcode (SVG), public (no API key)."""

from aws_lambda_powertools.event_handler import Response

from loyalty.api.app import make_app, public_entry
from loyalty.v1 import service as campaigns

app = make_app()


# No return annotation: the resolver's response validation would read the image bytes as UTF-8 text; unannotated, a
# non-JSON Response passes through and Powertools base64-encodes its bytes (isBase64Encoded: true).
@app.get("/v1/assets/<kind>/<assetId>")
def get_card_asset(kind: str, assetId: str):  # type: ignore[no-untyped-def]
    data, media_type = campaigns.card_asset(kind, assetId)
    return Response(status_code=200, content_type=media_type, body=data, headers={"Cache-Control": campaigns.ASSET_CACHE_CONTROL})


handler = public_entry(app)
