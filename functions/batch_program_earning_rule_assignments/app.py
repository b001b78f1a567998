"""POST /v2/loyalties/programs/{programId}/earning-rules/batch: assign and unassign earning rules."""

from loyalty.api.app import entry, make_app, table
from loyalty.programs import service as programs
from loyalty.programs.models import EarningRuleBatch

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/earning-rules/batch")
def batch_program_earning_rule_assignments(programId: str, body: EarningRuleBatch) -> dict:
    return programs.batch_earning_rules(table(app), programId, body)


handler = entry(app)
