"""POST /v2/loyalties/programs/{programId}/card-definitions/batch: assign and unassign card definitions (DRAFT programs only)."""

from loyalty.api.app import entry, make_app, table
from loyalty.programs import service as programs
from loyalty.programs.models import CardDefinitionBatch

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/card-definitions/batch")
def batch_program_card_definition_assignments(programId: str, body: CardDefinitionBatch) -> dict:
    return programs.batch_card_definitions(table(app), programId, body)


handler = entry(app)
