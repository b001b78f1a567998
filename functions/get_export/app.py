"""GET /v1/exports/{exportId}: an export (SCHEDULED, DONE or ERROR); once DONE, `result.url` downloads its CSV (a
pre-signed URL, signed for this answer)."""

from loyalty.api.app import entry, make_app, table
from loyalty.exports import service as exports

app = make_app()


@app.get("/v1/exports/<exportId>")
def get_export(exportId: str) -> dict:
    return exports.get_export(table(app), exportId)


handler = entry(app)
