"""POST /v2/loyalties/programs/{programId}/rewards/batch: assign (with stock) and unassign rewards."""

from loyalty.api.app import entry, make_app, table
from loyalty.programs import service as programs
from loyalty.programs.models import RewardBatch

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/rewards/batch")
def batch_program_reward_assignments(programId: str, body: RewardBatch) -> dict:
    return programs.batch_rewards(table(app), programId, body)


handler = entry(app)
