"""GET /v1/metadata-schemas: the project's metadata schemas (its custom event schemas)."""

from loyalty.api.app import entry, make_app, table
from loyalty.schemas import service as schemas

app = make_app()


@app.get("/v1/metadata-schemas")
def list_metadata_schemas() -> dict:
    return schemas.list_metadata_schemas(table(app))


handler = entry(app)
