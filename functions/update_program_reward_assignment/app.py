"""PUT /v2/loyalties/programs/{programId}/rewards/{rewardId}: replace a reward's stock in a program."""

from loyalty.api.app import entry, make_app, table
from loyalty.programs import service as programs
from loyalty.programs.models import RewardAssignmentUpdate

app = make_app()


@app.put("/v2/loyalties/programs/<programId>/rewards/<rewardId>")
def update_program_reward_assignment(programId: str, rewardId: str, body: RewardAssignmentUpdate) -> dict:
    return programs.update_reward_assignment(table(app), programId, rewardId, body)


handler = entry(app)
