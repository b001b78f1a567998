"""GET /v2/loyalties/programs: the project's programs, filtered, ordered and cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.programs import service as programs

app = make_app()
LIST_SPEC = programs.PROGRAMS


@app.get("/v2/loyalties/programs")
def list_programs() -> dict:
    return programs.list_programs(table(app), query_params(app))


handler = entry(app)
