"""Tenant clients (db/clients.py): one STS AssumeRole per project per warm container, tagged with the project, renewed
before the credentials expire, a bounded cache; the table goes through them only when the function names a tenant role."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from loyalty.core.settings import get_settings
from loyalty.db import clients
from loyalty.db.table import Table
from tests import support

ROLE_ARN = "arn:aws:iam::123456789012:role/loyalty/tenant-read/loyalty-TenantReadRole-X"


class FakeSts:
    """An STS stand-in that records each AssumeRole and hands out credentials valid for `lifetime` seconds of `clock`."""

    def __init__(self, clock: list[float], lifetime: float = 3600) -> None:
        self.calls: list[dict[str, Any]] = []
        self.clock = clock
        self.lifetime = lifetime

    def assume_role(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        n = len(self.calls)
        return {"Credentials": {"AccessKeyId": f"AK{n}", "SecretAccessKey": "s", "SessionToken": "t",
                                "Expiration": datetime.fromtimestamp(self.clock[0] + self.lifetime, UTC)}}


def _tenants(clock: list[float], sts: FakeSts, **kw: Any) -> clients.TenantClients:
    return clients.TenantClients(ROLE_ARN, sts_client=lambda: sts, make_client=lambda project, creds: (project, creds["AccessKeyId"]),
                                 clock=lambda: clock[0], **kw)


def test_one_assume_role_per_project_tagged_with_the_project() -> None:
    clock = [1_000_000.0]
    sts = FakeSts(clock)
    tenants = _tenants(clock, sts)
    first = tenants.client("acme")
    assert tenants.client("acme") is first and tenants.client("acme") == ("acme", "AK1")
    assert tenants.client("globex") == ("globex", "AK2")
    assert [c["Tags"] for c in sts.calls] == [[{"Key": "project", "Value": "acme"}], [{"Key": "project", "Value": "globex"}]]
    assert {c["RoleArn"] for c in sts.calls} == {ROLE_ARN}
    assert [c["RoleSessionName"] for c in sts.calls] == ["project-acme", "project-globex"]
    assert all(c["DurationSeconds"] == clients.SESSION_SECONDS for c in sts.calls)


def test_credentials_are_renewed_shortly_before_they_expire() -> None:
    clock = [1_000_000.0]
    sts = FakeSts(clock, lifetime=3600)
    tenants = _tenants(clock, sts, renew_before=300)
    assert tenants.client("acme") == ("acme", "AK1")
    clock[0] += 3600 - 301  # still more than 300 s left: kept
    assert tenants.client("acme") == ("acme", "AK1") and len(sts.calls) == 1
    clock[0] += 2  # less than 300 s left: renewed, and the new credentials last another hour
    assert tenants.client("acme") == ("acme", "AK2") and len(sts.calls) == 2
    clock[0] += 3000
    assert tenants.client("acme") == ("acme", "AK2") and len(sts.calls) == 2


def test_the_cache_keeps_the_most_recently_used_projects() -> None:
    clock = [1_000_000.0]
    sts = FakeSts(clock)
    tenants = _tenants(clock, sts, max_projects=2)
    tenants.client("a1")
    tenants.client("a2")
    tenants.client("a1")  # a1 is now the most recently used
    tenants.client("a3")  # evicts a2
    assert tenants.projects == ["a1", "a3"]
    assert len(sts.calls) == 3
    tenants.client("a2")
    assert len(sts.calls) == 4 and tenants.projects == ["a3", "a2"]


@pytest.fixture
def moto_table() -> Iterator[Any]:
    with mock_aws():
        clients.reset()
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        support.create_table(ddb)
        yield ddb
        clients.reset()
        os.environ.pop("TENANT_ROLE_ARN", None)
        get_settings.cache_clear()


def test_with_moto_s_sts_a_tenant_client_reaches_the_table(moto_table: Any) -> None:
    tenants = clients.TenantClients("arn:aws:iam::123456789012:role/loyalty/tenant-write/loyalty-TenantWriteRole-X")
    acme = tenants.client("acme")
    credentials = acme._request_signer._credentials
    assert credentials.access_key != os.environ["AWS_ACCESS_KEY_ID"], "the tenant client signs with the assumed role's keys"
    acme.put_item(TableName=support.TABLE, Item={"PK": {"S": "acme#X"}, "SK": {"S": "X"}})
    assert moto_table.get_item(TableName=support.TABLE, Key={"PK": {"S": "acme#X"}, "SK": {"S": "X"}})["Item"]
    assert tenants.client("acme") is acme and tenants.client("globex") is not acme


def test_the_table_goes_through_the_tenant_client_only_when_the_function_names_a_tenant_role(moto_table: Any) -> None:
    os.environ.pop("TENANT_ROLE_ARN", None)
    get_settings.cache_clear()
    assert Table("acme", support.TABLE, cursor_secret="x" * 32).client is clients.dynamodb()
    os.environ["TENANT_ROLE_ARN"] = ROLE_ARN
    get_settings.cache_clear()
    acme = Table("acme", support.TABLE, cursor_secret="x" * 32).client
    assert acme is not clients.dynamodb() and acme is clients.tenants(ROLE_ARN).client("acme")
    assert Table("globex", support.TABLE, cursor_secret="x" * 32).client is not acme
    given = object()
    assert Table("acme", support.TABLE, cursor_secret="x" * 32, client=given).client is given
    assert clients.tenants(ROLE_ARN).projects == ["acme", "globex"]


def test_expiry_is_read_from_the_sts_answer() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    clock = [now.timestamp()]
    sts = FakeSts(clock, lifetime=int(timedelta(minutes=10).total_seconds()))
    tenants = _tenants(clock, sts, renew_before=300)
    tenants.client("acme")
    clock[0] += 299
    tenants.client("acme")
    assert len(sts.calls) == 1
    clock[0] += 2
    tenants.client("acme")
    assert len(sts.calls) == 2
