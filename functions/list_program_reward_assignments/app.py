"""GET /v2/loyalties/programs/{programId}/rewards: the rewards assigned to a program, with stock and times redeemed."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.programs import service as programs

app = make_app()
LIST_SPEC = programs.ASSIGNMENTS[programs.REWARD]


@app.get("/v2/loyalties/programs/<programId>/rewards")
def list_program_reward_assignments(programId: str) -> dict:
    return programs.list_assignments(table(app), programId, programs.REWARD, query_params(app))


handler = entry(app)
