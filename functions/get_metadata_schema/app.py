"""GET /v1/metadata-schemas/{resource}: the metadata schema of a resource type (a custom event's name)."""

from loyalty.api.app import entry, make_app, table
from loyalty.schemas import service as schemas

app = make_app()


@app.get("/v1/metadata-schemas/<resource>")
def get_metadata_schema(resource: str) -> dict:
    return dict(schemas.get_metadata_schema(table(app), resource))


handler = entry(app)
