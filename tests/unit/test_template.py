"""template.yaml checks that cfn-lint and `sam validate --lint` do not make (Runtime, Timeout, batch settings, routes, the
stack's size after the SAM transform, the shared roles and log group)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from local.template import FUNCTION, QUEUE, TABLE, evaluate_conditions, load_yaml, merge_globals, resolve
from loyalty.core.settings import Settings
from loyalty.db import clients
from tests.iam import function_roles, role_statements

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_yaml(ROOT / "template.yaml")
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
GLOBALS: dict[str, Any] = (TEMPLATE.get("Globals") or {}).get("Function") or {}
FUNCTIONS = {k: merge_globals(GLOBALS, r.get("Properties") or {}) for k, r in RESOURCES.items() if r["Type"] == FUNCTION}
API_GATEWAY_TIMEOUT = 29


def events_of(props: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e.get("Properties") or {} for e in (props.get("Events") or {}).values() if e["Type"] == kind]


def code_dir(props: dict[str, Any]) -> str:
    """`functions/<x>/` -> `x`."""
    uri = props["CodeUri"]
    assert uri.startswith("functions/") and uri.endswith("/") and uri.count("/") == 2, uri
    return str(uri.split("/")[1])


WORKERS = {k: p for k, p in FUNCTIONS.items() if events_of(p, "SQS")}
API_FUNCTIONS = {k: p for k, p in FUNCTIONS.items() if events_of(p, "HttpApi")}


def test_every_function_folder_has_one_function_resource_and_an_event() -> None:
    folders = sorted(p.name for p in (ROOT / "functions").iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    by_dir: dict[str, list[str]] = {}
    for logical_id, props in FUNCTIONS.items():
        by_dir.setdefault(code_dir(props), []).append(logical_id)
    for folder in folders:
        assert len(by_dir.get(folder, [])) == 1, f"functions/{folder}/ is the CodeUri of {by_dir.get(folder, [])}"
        assert (ROOT / "events" / f"{folder}.json").is_file(), f"events/{folder}.json is missing"


def test_every_function_resource_has_its_code() -> None:
    missing = [f"{k}: {p['CodeUri']}app.py" for k, p in FUNCTIONS.items() if not (ROOT / p["CodeUri"] / "app.py").is_file()]
    assert not missing, f"function resources without code: {missing}"


def test_every_event_file_belongs_to_a_function_and_is_its_kind_of_event() -> None:
    by_dir = {code_dir(p): p for p in FUNCTIONS.values()}
    for path in sorted((ROOT / "events").glob("*.json")):
        assert path.stem in by_dir, f"{path.name} matches no function folder"
        event = json.loads(path.read_text())
        props = by_dir[path.stem]
        if events_of(props, "HttpApi"):
            api = events_of(props, "HttpApi")[0]
            route_key = "$default" if api["Path"] == "$default" else f"{api['Method']} {api['Path']}"
            assert event["version"] == "2.0" and event["routeKey"] == route_key, path.name
        elif events_of(props, "SQS"):
            assert event["Records"] and event["Records"][0]["eventSource"] == "aws:sqs", path.name
        elif events_of(props, "DynamoDB"):
            assert event["Records"] and event["Records"][0]["eventSource"] == "aws:dynamodb", path.name
        else:
            assert event["detail-type"] == "Scheduled Event", path.name


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_runtime_and_timeout(logical_id: str) -> None:
    props = FUNCTIONS[logical_id]
    assert props.get("Runtime") == "python3.11"
    timeout = props.get("Timeout", 3)
    # the daily points job works through every project's due buckets in one run when it can (it resumes on the next)
    assert isinstance(timeout, int) and 3 <= timeout <= (300 if logical_id == "RunDailyJobsFunction" else 60)
    if logical_id in API_FUNCTIONS:
        assert timeout <= API_GATEWAY_TIMEOUT, "API Gateway gives up after 29 s"


@pytest.mark.parametrize("logical_id", sorted(API_FUNCTIONS))
def test_a_stalled_call_gives_up_well_inside_the_api_function_timeout(logical_id: str) -> None:
    """The SDK's retries and timeouts (db/clients.py) end a call to a stalled DynamoDB in time for the function to answer
    503 `service_unavailable` (tests/integration/test_unavailable.py) rather than be cut off by its own timeout."""
    timeout = FUNCTIONS[logical_id]["Timeout"]
    attempts = clients.MAX_ATTEMPTS * (clients.CONNECT_TIMEOUT + clients.READ_TIMEOUT)
    assert attempts < timeout, f"{clients.MAX_ATTEMPTS} attempts x (connect + read timeout) = {attempts} s >= {timeout} s"
    # With the longest backoff before each retry (and the most an `x-amz-retry-after` answer adds), 2 s are left to answer.
    assert clients.worst_case_seconds() + 2 <= timeout, f"worst case {clients.worst_case_seconds()} s in a {timeout} s function"


def test_worker_batching() -> None:
    assert WORKERS, "no SQS-triggered function"
    for logical_id, props in WORKERS.items():
        for sqs in events_of(props, "SQS"):
            # a webhook delivery may take its whole POST timeout (5 s): 4 of them fit the function's 30 s
            assert sqs.get("BatchSize") == (4 if logical_id == "DeliverWebhooksFunction" else 10)
            assert sqs.get("FunctionResponseTypes") == ["ReportBatchItemFailures"]


STREAM_CONSUMERS = {k: p for k, p in FUNCTIONS.items() if events_of(p, "DynamoDB")}


def test_stream_triggers_report_failures_retry_a_bounded_number_of_times_and_keep_what_fails() -> None:
    """A DynamoDB stream trigger reads the table's stream from the start, resumes a failed batch from the first record
    the function reports (halving the batch on errors), gives up after bounded retries and then sends the failed batch's
    descriptor to a queue; the tier evaluator sees only card items (keys.py CARD_SK_PREFIX), the aggregator only approved
    card transactions (CARD_TRANSACTION_SK_PREFIX), the spends that lock points (reports/engine.py LOCKING_TYPES) inserted
    PENDING or moved from PENDING to REJECTED, and inserted tier transactions (their `lttx_` ids)."""
    from loyalty.core.ids import TIER_TRANSACTION
    from loyalty.db.keys import CARD_SK_PREFIX, CARD_TRANSACTION_SK_PREFIX
    from loyalty.reports.engine import LOCKING_TYPES

    ctx = {"Keys": {"SK": {"S": [{"prefix": CARD_TRANSACTION_SK_PREFIX}]}}}
    spends = ["POINTS_SPENT_ON_REWARD", "POINTS_SPENT_ON_ORDER"]
    assert set(spends) == LOCKING_TYPES
    expected = {
        "ProcessCardChangesFunction": [{"dynamodb": {"Keys": {"SK": {"S": [{"prefix": CARD_SK_PREFIX}]}}}}],
        "AggregateCardTransactionsFunction": [{"dynamodb": {**ctx, "NewImage": {"status": {"S": ["APPROVED"]}}}},
                                              {"eventName": ["INSERT"], "dynamodb": {**ctx, "NewImage": {
                                                  "status": {"S": ["PENDING"]}, "data": {"M": {"type": {"S": spends}}}}}},
                                              {"eventName": ["MODIFY"], "dynamodb": {**ctx, "OldImage": {"status": {"S": ["PENDING"]}},
                                                  "NewImage": {"status": {"S": ["REJECTED"]}, "data": {"M": {"type": {"S": spends}}}}}},
                                              {"eventName": ["INSERT"], "dynamodb": {"Keys": {"SK": {"S": [{"prefix": TIER_TRANSACTION.prefix}]}}}}],
    }

    assert STREAM_CONSUMERS, "no stream-triggered function"
    queues = {k for k, r in RESOURCES.items() if r["Type"] == QUEUE}
    assert RESOURCES["Table"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    for logical_id, props in STREAM_CONSUMERS.items():
        for stream in events_of(props, "DynamoDB"):
            assert stream["Stream"] == {"Fn::GetAtt": ["Table", "StreamArn"]}, logical_id
            assert stream["StartingPosition"] == "TRIM_HORIZON"
            assert stream.get("FunctionResponseTypes") == ["ReportBatchItemFailures"]
            assert stream.get("BisectBatchOnFunctionError") is True
            assert 1 <= int(stream.get("MaximumRetryAttempts", -1)) <= 20, "the default (-1) retries a poison record for 24 h"
            destination = stream["DestinationConfig"]["OnFailure"]
            assert destination["Type"] == "SQS" and destination["Destination"]["Fn::GetAtt"][0] in queues
            patterns = [json.loads(f["Pattern"]) for f in stream["FilterCriteria"]["Filters"]]
            assert patterns == expected[logical_id], logical_id


def test_queue_redrive_and_visibility_timeout() -> None:
    queues = {k: r.get("Properties") or {} for k, r in RESOURCES.items() if r["Type"] == QUEUE}
    for props in WORKERS.values():
        for sqs in events_of(props, "SQS"):
            queue_id = sqs["Queue"]["Fn::GetAtt"][0]
            queue = queues[queue_id]
            redrive = queue.get("RedrivePolicy") or {}
            dlq = redrive.get("deadLetterTargetArn") or {}
            assert dlq.get("Fn::GetAtt", [None])[0] in queues and dlq["Fn::GetAtt"][0] != queue_id, "the queue needs a DLQ"
            assert 3 <= int(redrive.get("maxReceiveCount", 0)) <= 10
            # AWS: set the queue's visibility timeout to at least six times the function timeout.
            assert int(queue.get("VisibilityTimeout", 30)) >= 6 * int(props.get("Timeout", 3)), (
                f"{queue_id} VisibilityTimeout {queue.get('VisibilityTimeout', 30)} < 6 x worker Timeout {props.get('Timeout', 3)}"
            )


def test_the_sweeper_waits_longer_than_the_queue_hides_a_message() -> None:
    # A job is sent again only once it has waited SWEEP_AFTER_SECONDS: were that shorter than the visibility timeout of
    # the queue, the sweeper would copy jobs whose message SQS is still holding for a retry, and copies would pile up.
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    sweep_after = int(env["SWEEP_AFTER_SECONDS"])
    queues = {k: r.get("Properties") or {} for k, r in RESOURCES.items() if r["Type"] == QUEUE}
    for props in WORKERS.values():
        for sqs in events_of(props, "SQS"):
            visibility = int(queues[sqs["Queue"]["Fn::GetAtt"][0]].get("VisibilityTimeout", 30))
            assert sweep_after > visibility, f"SWEEP_AFTER_SECONDS {sweep_after} <= VisibilityTimeout {visibility}"
    # the settings' defaults are the template's values, so a process without the variables behaves as deployed
    sweeper = next(p for p in FUNCTIONS.values() if events_of(p, "Schedule"))
    fields = Settings.model_fields
    assert fields["sweep_after_seconds"].default == sweep_after
    own = sweeper["Environment"]["Variables"]
    assert fields["job_max_attempts"].default == int(own["JOB_MAX_ATTEMPTS"]) >= 2
    assert fields["sweep_jobs_per_project"].default == int(own["SWEEP_JOBS_PER_PROJECT"])


def test_http_api_events_use_the_api_and_routes_are_unique() -> None:
    seen: dict[tuple[str, str], str] = {}
    for logical_id, props in API_FUNCTIONS.items():
        for api in events_of(props, "HttpApi"):
            assert api.get("ApiId") == {"Ref": "HttpApi"}, logical_id
            key = (str(api["Method"]).upper(), str(api["Path"]))
            assert key not in seen, f"{key} is served by {seen.get(key)} and {logical_id}"
            seen[key] = logical_id
    assert RESOURCES["HttpApi"]["Type"] == "AWS::Serverless::HttpApi"


def test_table_indexes() -> None:
    tables = [r.get("Properties") or {} for r in RESOURCES.values() if r["Type"] == TABLE]
    assert len(tables) == 1, "one table"
    indexes = {i["IndexName"] for i in tables[0].get("GlobalSecondaryIndexes") or []}
    assert {"GSI1", "PendingJobs"} <= indexes


# ------------------------------------------------------------------------------------------ the stack after the SAM transform
# CloudFormation refuses a stack of more than 500 resources; the margin leaves room for what the API still lacks.
MAX_RESOURCES = 450
MAX_ROUTES = 280
LINT_PYTHON = ROOT / ".venv-lint" / "bin" / "python"
EXPAND = Path(__file__).with_name("sam_expand.py")
SHARED_ROLES = {"ApiReadRole", "ApiWriteRole", "ApiWriteDeleteRole", "ApiWriteEnqueueRole", "WorkerRole", "SweeperRole", "DailyJobRole",
                "CardStreamRole", "NoDataRole", "WebhookDeliveryRole"}
STREAM_ACTIONS = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}
TENANT_ROLES = {"TenantReadRole", "TenantWriteRole", "TenantWriteDeleteRole"}  # tests/unit/test_iam_policies.py
READ_ACTIONS = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
WRITE_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"}
QUEUE_CONSUMER_ACTIONS = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"}
ROUTE_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"}


@pytest.fixture(scope="module")
def expanded() -> dict[str, Any]:
    """template.yaml as CloudFormation deploys it: expanded by AWS's SAM translator, which lives in .venv-lint."""
    if not LINT_PYTHON.exists():
        pytest.fail(f"{LINT_PYTHON} is missing: `make lint` (run by `make test`) creates it with cfn-lint and aws-sam-translator")
    done = subprocess.run([str(LINT_PYTHON), str(EXPAND), str(ROOT / "template.yaml")], capture_output=True, text=True,
                          timeout=120, check=False)
    if "No module named 'samtranslator'" in done.stderr:
        pytest.fail(f"aws-sam-translator is not installed in {LINT_PYTHON.parent.parent}: run `make lint`")
    assert done.returncode == 0, f"the SAM translator refused template.yaml:\n{done.stderr[-4000:]}"
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def generated_by(expanded: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Each resource of template.yaml -> the resources the transform made of it (logical id -> type).

    A generated resource belongs to the template resource whose logical id is the longest prefix of its own."""
    out: dict[str, dict[str, str]] = {k: {} for k in RESOURCES}
    for logical_id, resource in expanded["Resources"].items():
        owner = max((k for k in RESOURCES if logical_id.startswith(k)), key=len, default=None)
        assert owner is not None, f"{logical_id} comes from no resource of template.yaml"
        out[owner][logical_id] = resource["Type"]
    return out


def expanded_routes(expanded: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path) of every route of the HttpApi's OpenAPI body (`$default` for the default route)."""
    apis = [r for r in expanded["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    assert len(apis) == 1, "one HTTP API"
    paths = apis[0]["Properties"]["Body"]["paths"]
    return [(method, path) for path, ops in paths.items() for method in ops if method in ROUTE_METHODS]


def test_the_stack_stays_under_the_resource_and_route_limits(expanded: dict[str, Any]) -> None:
    total = len(expanded["Resources"])
    assert total <= MAX_RESOURCES, f"{total} resources after the SAM transform > {MAX_RESOURCES} (CloudFormation's limit is 500)"
    routes = expanded_routes(expanded)
    assert len(routes) <= MAX_ROUTES, f"{len(routes)} routes > {MAX_ROUTES}"


def test_every_http_function_costs_two_resources(expanded: dict[str, Any]) -> None:
    made = generated_by(expanded)
    for logical_id in API_FUNCTIONS:
        types = sorted(made[logical_id].values())
        assert types == ["AWS::Lambda::Function", "AWS::Lambda::Permission"], (
            f"{logical_id} expands to {made[logical_id]}: an HTTP function may cost only itself and its invoke permission")


def test_expanded_routes_are_the_template_routes_and_default(expanded: dict[str, Any]) -> None:
    declared = {(str(e["Method"]).upper(), str(e["Path"])) for p in API_FUNCTIONS.values() for e in events_of(p, "HttpApi")}
    assert ("ANY", "$default") in declared, "unknown routes need the $default route (RouteNotFoundFunction)"
    made = {("ANY" if m == "x-amazon-apigateway-any-method" else m.upper(), p) for m, p in expanded_routes(expanded)}
    assert made == declared
    body = next(r for r in expanded["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api")["Properties"]["Body"]
    assert body["paths"]["$default"]["x-amazon-apigateway-any-method"].get("isDefaultRoute") is True


def test_no_role_or_log_group_per_function(expanded: dict[str, Any]) -> None:
    kinds = {r["Type"] for r in RESOURCES.values()}
    roles = {k for k, r in expanded["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
    assert roles == SHARED_ROLES | TENANT_ROLES, (
        "only the shared roles of template.yaml (a function with Policies gets a role of its own)")
    log_groups = {k for k, r in RESOURCES.items() if r["Type"] == "AWS::Logs::LogGroup"}
    assert log_groups == {"ApiAccessLogs", "FunctionsLogGroup"} and "AWS::Logs::LogGroup" in kinds
    assert int(RESOURCES["FunctionsLogGroup"]["Properties"]["RetentionInDays"]) > 0
    for logical_id, props in FUNCTIONS.items():
        assert props.get("LoggingConfig", {}).get("LogGroup") == {"Ref": "FunctionsLogGroup"}, logical_id


# Routes served without an API key, reading nothing (so they run with NoDataRole): why each may.
PUBLIC_FUNCTIONS = {
    "GetCardAssetV1Function": "a card's QR/barcode image, named by an HMAC-signed id that carries the code (v1/assets.py)",
}


def test_every_function_uses_a_shared_role() -> None:
    roles = function_roles(TEMPLATE)
    for logical_id, props in FUNCTIONS.items():
        assert "Policies" not in props, f"{logical_id}: Policies would give it a role of its own; use a shared Role"
        assert roles[logical_id] in SHARED_ROLES, f"{logical_id}: Role must be !GetAtt <one of {sorted(SHARED_ROLES)}>.Arn"
    for logical_id, props in API_FUNCTIONS.items():
        methods = {str(e["Method"]).upper() for e in events_of(props, "HttpApi")}
        if logical_id in PUBLIC_FUNCTIONS:
            assert roles[logical_id] == "NoDataRole", f"{logical_id} is public ({PUBLIC_FUNCTIONS[logical_id]}): no table, no queue"
        elif methods == {"GET"}:
            assert roles[logical_id] == "ApiReadRole", f"{logical_id} serves GET: read-only"
        if any(e["Path"] == "$default" for e in events_of(props, "HttpApi")):
            assert roles[logical_id] == "NoDataRole", f"{logical_id} answers unknown routes: no table, no queue"
    assert {k: roles[k] for k in WORKERS} == {"ProcessJobsFunction": "WorkerRole", "DeliverWebhooksFunction": "WebhookDeliveryRole"}
    assert {roles[k] for k in STREAM_CONSUMERS} == {"CardStreamRole"}
    assert {k: roles[k] for k, p in FUNCTIONS.items() if events_of(p, "Schedule")} == {
        "SweepPendingJobsFunction": "SweeperRole", "RunDailyJobsFunction": "DailyJobRole"}


def test_read_only_roles_have_no_write_action() -> None:
    statements = role_statements(TEMPLATE)
    assert {a for st in statements["TenantReadRole"] if st.effect == "Allow" and st.sid != IDEMPOTENCY_SID
            for a in st.actions} == READ_ACTIONS, "besides its idempotency records (see below)"
    assert {a for st in statements["ApiReadRole"] if st.effect == "Allow" and st.sid != RATE_LIMIT_SID for a in st.actions
            if a.startswith("dynamodb:")} == {"dynamodb:GetItem"}, "the execution role reads API keys (and leases its rate counter)"


RATE_LIMIT_SID = "RateLimit"
IDEMPOTENCY_SID = "Idempotency"


def test_the_idempotency_statement_reaches_only_the_project_s_idempotency_records() -> None:
    """A POST with an Idempotency-Key writes its record in `<project>#IDEM` (db/idempotency.py) whatever its class: each
    tenant role may do there what its other statements do not allow (the read role: put, update, delete; the write role:
    delete), and nothing else with that statement."""
    found = {}
    for logical_id, resource in TEMPLATE["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"]["Policies"]:
            for st in policy["PolicyDocument"]["Statement"]:
                if st.get("Sid") == IDEMPOTENCY_SID:
                    found[logical_id] = st["Action"]
                    assert st["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:PrincipalTag/project}#IDEM"]},
                                               "Null": {"dynamodb:LeadingKeys": "false"}}
    assert found == {"TenantReadRole": ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                     "TenantWriteRole": "dynamodb:DeleteItem"}


def test_the_rate_limit_statement_reaches_only_the_rate_counters() -> None:
    """Every API role may lease from its project's rate counter (the auth path), and nothing else with that statement."""
    found = []
    for logical_id, resource in TEMPLATE["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"]["Policies"]:
            for st in policy["PolicyDocument"]["Statement"]:
                if st.get("Sid") == RATE_LIMIT_SID:
                    found.append(logical_id)
                    assert st["Action"] == "dynamodb:UpdateItem"
                    assert st["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["*#RATE"]},
                                               "ForAllValues:StringNotLike": {"dynamodb:LeadingKeys": ["*#*#RATE"]},
                                               "Null": {"dynamodb:LeadingKeys": "false"}}
    assert sorted(found) == ["ApiReadRole", "ApiWriteDeleteRole", "ApiWriteEnqueueRole", "ApiWriteRole"]


EXPORTS_BUCKET_ARN = "arn:aws:s3:::loyalty-exportsbucket-0abcdef123"  # tests/iam.py BASE_ATTRS


def test_the_exports_bucket_is_private_encrypted_tls_only_and_expires_its_files() -> None:
    """The bucket of the export CSVs: public access blocked, encrypted at rest, TLS-only, files deleted after 7 days."""
    bucket = TEMPLATE["Resources"]["ExportsBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
                                                        "RestrictPublicBuckets": True}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    [rule] = bucket["LifecycleConfiguration"]["Rules"]
    assert (rule["Status"], rule["ExpirationInDays"]) == ("Enabled", 7)
    [deny] = TEMPLATE["Resources"]["ExportsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})
    assert TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["EXPORTS_BUCKET"] == {"Ref": "ExportsBucket"}


EVENT_BUS_ARN = "arn:aws:events:us-east-1:123456789012:event-bus/loyalty-loyalty-events"  # tests/iam.py BASE_ATTRS


def test_the_event_bus_is_the_stack_s_own_named_in_every_function_and_output() -> None:
    """One bus named after the stack, its name in every function's environment (EVENT_BUS_NAME) and both its name and ARN
    as outputs, for subscribers' rules."""
    buses = {k: r for k, r in TEMPLATE["Resources"].items() if r["Type"] == "AWS::Events::EventBus"}
    assert list(buses) == ["EventBus"]
    assert buses["EventBus"]["Properties"]["Name"] == {"Fn::Sub": "${AWS::StackName}-loyalty-events"}
    assert TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["EVENT_BUS_NAME"] == {"Ref": "EventBus"}
    assert TEMPLATE["Outputs"]["EventBusName"]["Value"] == {"Ref": "EventBus"}
    assert TEMPLATE["Outputs"]["EventBusArn"]["Value"] == {"Fn::GetAtt": ["EventBus", "Arn"]}


def test_roles_are_least_privilege() -> None:
    """Named actions only (a Deny may name `dynamodb:*`); DynamoDB on the table and its indexes, SQS on JobsQueue, logs on
    the shared log group, sts on the tenant roles' paths; `*` only for X-Ray, which has no resource-level permissions.
    Table writes only in tenant roles, DeleteItem only in the one the deleting classes assume (the table's statements
    themselves: tests/unit/test_iam_policies.py)."""
    log_group = "arn:aws:logs:us-east-1:123456789012:log-group:loyalty-FunctionsLogGroup:*"
    for role, all_statements in role_statements(TEMPLATE).items():
        statements = [st for st in all_statements if st.sid not in (RATE_LIMIT_SID, IDEMPOTENCY_SID)]  # see the tests above
        actions = {a for st in statements if st.effect == "Allow" for a in st.actions}
        assert not any("*" in a for a in actions), f"{role}: wildcard action"
        if role in SHARED_ROLES:
            assert {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"} <= actions, role
        else:
            assert {a.split(":")[0] for a in actions} == {"dynamodb"}, f"{role}: a tenant role reaches the table only"
        for st in statements:
            for action in st.actions:
                service = action.split(":")[0]
                for resource in st.resources:
                    if service == "dynamodb":
                        assert resource.startswith("arn:aws:dynamodb:") and ":table/loyalty-Table" in resource, (role, st)
                        # the stream only through the four read actions, and those on the stream only
                        assert (action in STREAM_ACTIONS) == ("/stream/" in resource), (role, st)
                    elif service == "sqs":
                        # the stream consumers send failed batches' descriptors (FailedBatches) and publish jobs (SendJobs)
                        failures = role == "CardStreamRole" and st.sid == "FailedBatches"
                        # webhook deliveries: their consumer receives them; the worker (the event publisher) and the
                        # sweeper send them
                        webhooks = role == "WebhookDeliveryRole" or (role in ("WorkerRole", "SweeperRole") and action == "sqs:SendMessage")
                        allowed = ((":loyalty-CardChangesFailureQueue",) if failures else
                                   (":loyalty-JobsQueue", ":loyalty-WebhookQueue") if webhooks and role != "WebhookDeliveryRole" else
                                   (":loyalty-WebhookQueue",) if webhooks else (":loyalty-JobsQueue",))
                        assert resource.endswith(allowed), (role, st)
                    elif service == "logs":
                        assert resource == log_group, (role, st)
                    elif service == "sts":
                        assert resource.startswith("arn:aws:iam::123456789012:role/loyalty/tenant-") and resource.endswith("/*"), (role, st)
                    elif service == "s3":  # the export CSVs: the worker writes them, the read class signs their download URLs
                        assert (role, action) in (("WorkerRole", "s3:PutObject"), ("ApiReadRole", "s3:GetObject")), (role, st)
                        assert resource == f"{EXPORTS_BUCKET_ARN}/*/exports/*", (role, st)
                    elif service == "events":  # the domain events: only the worker puts them on the stack's bus
                        assert (role, action, resource) == ("WorkerRole", "events:PutEvents", EVENT_BUS_ARN), (role, st)
                    else:
                        assert service == "xray" and resource == "*", (role, st)
        writes = actions & WRITE_ACTIONS
        expected = {"TenantWriteRole": WRITE_ACTIONS - {"dynamodb:DeleteItem"}, "TenantWriteDeleteRole": WRITE_ACTIONS,
                    "SweeperRole": {"dynamodb:PutItem"}}  # the sweeper's resume point in the registry (its job markers: TenantWriteRole)
        assert writes == expected.get(role, set()), f"{role} writes {sorted(writes)}"
        sends = "sqs:SendMessage" in actions
        # the stream consumers and the daily job send the publish jobs of the events they write (tier changes, approvals);
        # the worker sends the webhook deliveries of the events it publishes
        assert sends == (role in ("ApiWriteEnqueueRole", "SweeperRole", "CardStreamRole", "DailyJobRole", "WorkerRole")), (
            f"{role}: sqs:SendMessage only where a function enqueues (or, for the stream trigger, sends a failed batch)")
        assert (actions & STREAM_ACTIONS == STREAM_ACTIONS) == (role == "CardStreamRole"), role
        assert (actions & QUEUE_CONSUMER_ACTIONS == QUEUE_CONSUMER_ACTIONS) == (role in ("WorkerRole", "WebhookDeliveryRole")), role
    sweeper = role_statements(TEMPLATE)["SweeperRole"]
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/loyalty-Table"
    assert any(st.allows("dynamodb:Query", f"{table}/index/PendingJobs") for st in sweeper)
    assert any(st.allows("dynamodb:Query", table) for st in sweeper)  # the registry of projects
    assert not any(st.allows("dynamodb:Scan", resource) for st in sweeper for resource in (table, f"{table}/index/PendingJobs")), (
        "the sweeper pages per project with Query; a Scan of the whole index would not fit one run as the table grows")


# ------------------------------------------------------------------------------------------ the console (S3 + CloudFront)
PRIVATE = {"BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
DISTRIBUTION_ARN = {"Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${ConsoleDistribution}"}
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS's managed cache policy
CONSOLE_HEADERS = ["content-type", "x-app-id", "x-app-token", "authorization", "idempotency-key"]


def references(value: Any) -> set[str]:
    """The logical ids (or parameters) a template value names: Ref, Fn::GetAtt, `${X}` / `${X.Attr}` in Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(str(arg[0] if isinstance(arg, list) else str(arg).split(".")[0]))
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^!}][^}]*)\}", str(text))}
            found |= references(arg)
    return found


def test_the_console_bucket_is_private_encrypted_and_read_by_its_distribution_only() -> None:
    bucket = RESOURCES["ConsoleBucket"]
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == PRIVATE
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert "WebsiteConfiguration" not in props and "BucketName" not in props
    # only the build, which `make deploy` uploads again: deleted with the stack (the template's comment says why)
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Delete", "Delete")
    policy = RESOURCES["ConsoleBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "ConsoleBucket"}
    read, tls = policy["PolicyDocument"]["Statement"]
    assert (read["Effect"], read["Principal"], read["Action"]) == ("Allow", {"Service": "cloudfront.amazonaws.com"}, "s3:GetObject")
    assert read["Resource"] == {"Fn::Sub": "${ConsoleBucket.Arn}/*"}
    assert read["Condition"] == {"StringEquals": {"AWS:SourceArn": DISTRIBUTION_ARN}}, "this distribution only, not any CloudFront's"
    assert (tls["Effect"], tls["Principal"], tls["Action"]) == ("Deny", "*", "s3:*")
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    allows = [st for st in policy["PolicyDocument"]["Statement"] if st["Effect"] == "Allow"]
    assert allows == [read], "no other reader, no writer (make deploy writes with the deployer's own credentials)"


def test_the_console_distribution_serves_the_bucket_over_https_through_its_origin_access_control() -> None:
    oac = RESOURCES["ConsoleOriginAccessControl"]
    assert oac["Type"] == "AWS::CloudFront::OriginAccessControl"
    config = oac["Properties"]["OriginAccessControlConfig"]
    assert (config["OriginAccessControlOriginType"], config["SigningBehavior"], config["SigningProtocol"]) == ("s3", "always", "sigv4")
    dist = RESOURCES["ConsoleDistribution"]
    assert dist["Type"] == "AWS::CloudFront::Distribution"
    cfg = dist["Properties"]["DistributionConfig"]
    [origin] = cfg["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["ConsoleBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["ConsoleOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}, "the OAC signs; no legacy origin access identity"
    behavior = cfg["DefaultCacheBehavior"]
    assert behavior["TargetOriginId"] == origin["Id"] and behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["CachePolicyId"] == CACHING_OPTIMIZED and behavior["Compress"] is True
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    assert (cfg["Enabled"], cfg["DefaultRootObject"], cfg["HttpVersion"], cfg["PriceClass"]) == (True, "index.html", "http2and3", "PriceClass_100")
    assert not cfg.get("CacheBehaviors") and not cfg.get("CustomErrorResponses"), "a hash-routed app: no path needs index.html's fallback"
    # the distribution must not reference the API (the API's CORS references the distribution)
    assert references(dist) == {"ConsoleBucket", "ConsoleOriginAccessControl"}


def test_the_api_allows_the_console_s_origin_and_the_extra_ones() -> None:
    """CORS for the console: its CloudFront domain plus ConsoleExtraOrigins (none by default, and never an empty one)."""
    param = TEMPLATE["Parameters"]["ConsoleExtraOrigins"]
    assert (param["Type"], param["Default"]) == ("CommaDelimitedList", "")
    props = RESOURCES["HttpApi"]["Properties"]
    cors = props["CorsConfiguration"]
    assert cors["AllowHeaders"] == CONSOLE_HEADERS and cors["AllowMethods"] == ["GET", "POST", "PUT", "DELETE", "OPTIONS"]
    assert cors["ExposeHeaders"] == ["idempotent-replayed", "retry-after"] and cors["MaxAge"] == 600
    assert cors.get("AllowCredentials", False) is False
    assert "AllowOrigins" not in cors, "in CorsConfiguration SAM would resolve the parameter itself (see template.yaml)"
    origins = props["DefinitionBody"]["x-amazon-apigateway-cors"]["allowOrigins"]
    domain = "d1234abcd.cloudfront.net"
    for extra, expected in (([""], [f"https://{domain}"]),
                            (["http://127.0.0.1:3000"], [f"https://{domain}", "http://127.0.0.1:3000"]),
                            (["https://a.example", "https://b.example"], [f"https://{domain}", "https://a.example", "https://b.example"])):
        refs = {"ConsoleExtraOrigins": extra, "AWS::Region": "us-east-1"}
        conditions = evaluate_conditions(TEMPLATE["Conditions"], refs)
        assert conditions["HasConsoleExtraOrigins"] is (extra != [""])
        assert resolve(origins, refs, {"ConsoleDistribution.DomainName": domain}, conditions) == expected


def test_the_expanded_api_carries_the_whole_cors_configuration(expanded: dict[str, Any]) -> None:
    """SAM merges CorsConfiguration into the body's x-amazon-apigateway-cors, keeping the origins CloudFormation evaluates."""
    body = next(r for r in expanded["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api")["Properties"]["Body"]
    cors = body["x-amazon-apigateway-cors"]
    assert cors["allowOrigins"] == RESOURCES["HttpApi"]["Properties"]["DefinitionBody"]["x-amazon-apigateway-cors"]["allowOrigins"]
    assert (cors["allowHeaders"], cors["exposeHeaders"], cors["maxAge"]) == (CONSOLE_HEADERS, ["idempotent-replayed", "retry-after"], 600)
    assert cors["allowMethods"] == ["GET", "POST", "PUT", "DELETE", "OPTIONS"] and not cors.get("allowCredentials")
    assert body["info"] == {"version": "1.0", "title": {"Ref": "AWS::StackName"}}, "SAM's own skeleton"


def test_the_expanded_stack_has_no_circular_dependency(expanded: dict[str, Any]) -> None:
    resources = expanded["Resources"]
    edges = {k: (references(r.get("Properties")) | set(r.get("DependsOn") or [])) & set(resources) for k, r in resources.items()}
    state: dict[str, int] = {}

    def visit(node: str, path: tuple[str, ...]) -> None:
        if state.get(node) == 2:
            return
        assert state.get(node) != 1, f"circular dependency: {' -> '.join((*path, node))}"
        state[node] = 1
        for target in sorted(edges[node]):
            visit(target, (*path, node))
        state[node] = 2

    for name in sorted(resources):
        visit(name, ())
    assert "ConsoleDistribution" in edges[next(k for k, r in resources.items() if r["Type"] == "AWS::ApiGatewayV2::Api")]


def test_the_console_outputs() -> None:
    outputs = TEMPLATE["Outputs"]
    assert outputs["ConsoleUrl"]["Value"] == {"Fn::Sub": "https://${ConsoleDistribution.DomainName}/"}
    assert outputs["ConsoleBucketName"]["Value"] == {"Ref": "ConsoleBucket"}
    assert outputs["ConsoleDistributionId"]["Value"] == {"Ref": "ConsoleDistribution"}
    assert outputs["ApiUrl"]["Value"] == {"Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
