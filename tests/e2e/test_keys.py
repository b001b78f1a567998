"""API keys through the CLI against a running `serve`: create, list, revoke and rotate; a revoked key stops working
within the auth cache TTL, and a rotated key's successor works at once."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

from local.runtime import ServeProcess
from tests.e2e.conftest import AUTH_CACHE_TTL_SECONDS, ROOT, Client

PROGRAMS = "/v2/loyalties/programs"


def cli(server: ServeProcess, *args: str) -> str:
    """Run `python -m local <args>` against the e2e server's state dir; its stdout."""
    done = subprocess.run([sys.executable, "-m", "local", *args, "--state-dir", str(Path(server.state_dir))],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def key_headers(output: str) -> dict[str, str]:
    """The X-App-Id / X-App-Token pair the CLI printed."""
    return dict(re.findall(r"^(X-App-Id|X-App-Token): (\S+)$", output, re.M))


def refused_within(client: Client, seconds: float) -> float:
    """Seconds until the client's key is refused (401), polling; fails after `seconds`."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        status, body = client.request("GET", PROGRAMS)
        if status == 401:
            assert body["key"] == "unauthorized"
            return time.monotonic() - start
        assert status == 200, body
        time.sleep(0.2)
    raise AssertionError(f"still accepted after {seconds} s")


def test_a_revoked_key_stops_working_within_the_cache_ttl(server: ServeProcess) -> None:
    # Given a new key of a new project, used once (so a warm function caches it)
    first = key_headers(cli(server, "create-key", "--project", "keys-e2e", "--name", "ci"))
    client = Client(server.base_url, first)
    assert client.request("GET", PROGRAMS)[0] == 200

    # When it is revoked
    assert cli(server, "revoke-key", first["X-App-Id"]).strip() == f"revoked {first['X-App-Id']}"

    # Then it is refused with 401 within the auth cache TTL (plus a little slack), and the list says REVOKED
    assert refused_within(client, AUTH_CACHE_TTL_SECONDS + 3) <= AUTH_CACHE_TTL_SECONDS + 3
    listed = json.loads(cli(server, "list-keys", "--project", "keys-e2e", "--json"))
    assert [(k["app_id"], k["status"], k["name"]) for k in listed] == [(first["X-App-Id"], "REVOKED", "ci")]
    assert all("token" not in field for k in listed for field in k)
    # and revoking it again is refused
    again = subprocess.run([sys.executable, "-m", "local", "revoke-key", first["X-App-Id"], "--state-dir", str(server.state_dir)],
                           cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode != 0 and "no ACTIVE key" in again.stderr


def test_a_rotated_key_is_replaced_at_once(server: ServeProcess) -> None:
    # Given a key that has made a call
    old = key_headers(cli(server, "create-key", "--project", "keys-rotate", "--name", "backend"))
    old_client = Client(server.base_url, old)
    assert old_client.request("GET", PROGRAMS)[0] == 200

    # When it is rotated
    new = key_headers(cli(server, "rotate-key", old["X-App-Id"]))

    # Then the new pair works at once on the same project's data, the old one is refused within the TTL
    assert new["X-App-Id"] != old["X-App-Id"] and new["X-App-Id"].startswith("keys-rotate.")
    assert Client(server.base_url, new).request("GET", PROGRAMS)[0] == 200
    refused_within(old_client, AUTH_CACHE_TTL_SECONDS + 3)
    statuses = {k["app_id"]: k["status"] for k in json.loads(cli(server, "list-keys", "--project", "keys-rotate", "--json"))}
    assert statuses == {old["X-App-Id"]: "REVOKED", new["X-App-Id"]: "ACTIVE"}


def test_register_projects_backfills_the_registry_from_the_keys(server: ServeProcess) -> None:
    # Given a project with a key (the registry entry is written with it, as register-projects would write it again)
    cli(server, "create-key", "--project", "keys-backfill")
    # When the operator backfills the registry, Then every project holding a key is (re)registered, idempotently
    first = cli(server, "register-projects")
    assert first.startswith("registered ") and "keys-backfill" in first and "dev" in first
    assert cli(server, "register-projects") == first
