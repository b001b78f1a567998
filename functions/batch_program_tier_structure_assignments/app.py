"""POST /v2/loyalties/programs/{programId}/tier-structures/batch: assign or unassign the tier structure (DRAFT programs only)."""

from loyalty.api.app import entry, make_app, table
from loyalty.programs import service as programs
from loyalty.programs.models import TierStructureBatch

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/tier-structures/batch")
def batch_program_tier_structure_assignments(programId: str, body: TierStructureBatch) -> dict:
    return programs.batch_tier_structures(table(app), programId, body)


handler = entry(app)
