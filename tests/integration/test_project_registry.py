"""The registry of projects (what the sweeper pages through) can be rebuilt from the API keys in the table, for keys
written before the registry existed: `python -m local register-projects`."""

from __future__ import annotations

from loyalty.apikeys.store import register_project
from loyalty.db.keys import PROJECTS_PARTITION
from loyalty.db.table import Table, projects_holding_keys, read_registry
from tests import support
from tests.integration.conftest import Stack


def test_projects_holding_keys_are_registered_again(stack: Stack) -> None:
    # Given two projects whose keys predate the registry (their entries removed)
    for project in ("acme", "globex"):
        stack.ddb.delete_item(TableName=support.TABLE, Key={"PK": {"S": PROJECTS_PARTITION}, "SK": {"S": project}})
    assert read_registry(stack.ddb, support.TABLE)[0] == []

    # When the projects holding keys are found and registered
    projects = projects_holding_keys(stack.ddb, support.TABLE)
    for project in projects:
        register_project(Table(project, support.TABLE, cursor_secret="unused-secret", client=stack.ddb))

    # Then the sweeper's registry lists them again
    assert projects == ["acme", "globex"]
    assert sorted(read_registry(stack.ddb, support.TABLE)[0]) == ["acme", "globex"]
