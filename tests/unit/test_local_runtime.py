"""The pure parts of the local runtime: template loading, routing, v2.0 events, response mapping, SQS batches, schedules."""

from __future__ import annotations

import base64
import http.client
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local.functions import LambdaContext
from local.gateway import MAX_BODY, GatewayServer, build_http_event, is_text, map_response
from local.poller import QueuePoller, build_scheduled_event, build_sqs_event, messages_to_delete, parse_rate
from local.runtime import LocalRuntime
from local.template import (
    Cors,
    QueueTrigger,
    Route,
    UnresolvedReference,
    evaluate_conditions,
    load_template,
    load_yaml,
    match_route,
    merge_globals,
    resolve,
    resolve_strings,
)

ROOT = Path(__file__).resolve().parents[2]

TAGS = """
A: !Ref Table
B: !GetAtt JobsQueue.Arn
C: !GetAtt [JobsQueue, QueueName]
D: !Sub "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${!Literal}"
E: !Join ["-", [a, !Ref Table]]
F: !Sub
  - "${Name}-${Table}"
  - {Name: x}
G: plain
"""

SMALL = """
Globals:
  Function:
    Runtime: python3.11
    Handler: app.handler
    Timeout: 10
    Layers: [!Ref Layer]
    Environment: {Variables: {A: "1", TABLE_NAME: !Ref Table}}
Resources:
  Layer: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: shared/}}
  Table: {Type: AWS::DynamoDB::Table}
  Q: {Type: AWS::SQS::Queue}
  ByCode:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/by_code/
      Environment: {Variables: {B: "2"}}
      Events: {Api: {Type: HttpApi, Properties: {Method: GET, Path: "/v1/loyalties/members/{memberId}"}}}
  Campaign:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/campaign/
      Events: {Api: {Type: HttpApi, Properties: {Method: get, Path: "/v1/loyalties/{campaignId}/members"}}}
  Proxy:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/proxy/
      Events: {Api: {Type: HttpApi, Properties: {Method: ANY, Path: "/files/{proxy+}"}}}
  Default:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/default/
      Events: {Api: {Type: HttpApi}}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/worker/
      Timeout: 30
      Events:
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt Q.Arn, BatchSize: 5, FunctionResponseTypes: [ReportBatchItemFailures]}}
  Sweeper:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/sweeper/
      Events: {Tick: {Type: Schedule, Properties: {Schedule: rate(5 minutes)}}}
"""


@pytest.fixture
def small(tmp_path: Path) -> Any:
    path = tmp_path / "template.yaml"
    path.write_text(SMALL)
    return load_template(path)


# ---------------------------------------------------------------------------------------------------- template


def test_loader_reads_short_tags(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(TAGS)
    data = load_yaml(path)
    assert data["A"] == {"Ref": "Table"}
    assert data["B"] == {"Fn::GetAtt": ["JobsQueue", "Arn"]}
    assert data["C"] == {"Fn::GetAtt": ["JobsQueue", "QueueName"]}
    assert data["D"] == {"Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${!Literal}"}
    assert data["E"] == {"Fn::Join": ["-", ["a", {"Ref": "Table"}]]}
    assert data["F"] == {"Fn::Sub": ["${Name}-${Table}", {"Name": "x"}]}
    refs = {"Table": "t1", "HttpApi": "api1", "AWS::Region": "us-east-1", "AWS::URLSuffix": "amazonaws.com"}
    attrs = {"JobsQueue.Arn": "arn:q", "JobsQueue.QueueName": "q"}
    resolved = resolve(data, refs, attrs)
    assert resolved == {
        "A": "t1", "B": "arn:q", "C": "q", "D": "https://api1.execute-api.us-east-1.amazonaws.com/${Literal}",
        "E": "a-t1", "F": "x-t1", "G": "plain",
    }
    with pytest.raises(UnresolvedReference):
        resolve({"Ref": "Nope"}, refs, attrs)


def test_real_template_loads() -> None:
    tpl = load_template(ROOT / "template.yaml")
    assert "!Ref" not in json.dumps(tpl.body)
    assert tpl.routes and all(r.function in tpl.functions for r in tpl.routes)
    assert [(t.function, t.queue) for t in tpl.queue_triggers] == [("ProcessJobsFunction", "JobsQueue"),
                                                                    ("DeliverWebhooksFunction", "WebhookQueue")]
    assert all(t.report_batch_item_failures for t in tpl.queue_triggers)
    assert sorted((s.function, s.expression) for s in tpl.schedules) == [("RunDailyJobsFunction", "rate(1 hour)"),
                                                                          ("SweepPendingJobsFunction", "rate(2 minutes)")]
    fn = tpl.functions["GetProgramFunction"]
    assert fn.runtime == "python3.11" and fn.handler_name == "handler"
    assert fn.module_file == ROOT / "functions" / "get_program" / "app.py"
    assert fn.layers == (ROOT / "shared",)
    assert fn.environment["TABLE_NAME"] == {"Ref": "Table"}


def test_globals_merge() -> None:
    merged = merge_globals({"Timeout": 10, "Layers": ["a"], "Environment": {"Variables": {"A": "1", "B": "1"}}},
                           {"Timeout": 30, "Layers": ["b"], "Environment": {"Variables": {"B": "2"}}})
    assert merged == {"Timeout": 30, "Layers": ["a", "b"], "Environment": {"Variables": {"A": "1", "B": "2"}}}


def test_small_template(small: Any) -> None:
    assert small.functions["ByCode"].environment == {"A": "1", "TABLE_NAME": {"Ref": "Table"}, "B": "2"}
    assert small.functions["Worker"].timeout == 30 and small.functions["ByCode"].timeout == 10
    assert small.functions["ByCode"].layers == (small.root / "shared",)
    assert small.queue_triggers == [QueueTrigger("Worker", "Q", 5, True)]
    assert small.schedules[0].expression == "rate(5 minutes)" and small.schedules[0].name == "SweeperTick"
    assert [r.route_key for r in small.routes] == [
        "GET /v1/loyalties/members/{memberId}", "GET /v1/loyalties/{campaignId}/members", "ANY /files/{proxy+}", "$default",
    ]


# ---------------------------------------------------------------------------------------------------- routing


def test_literal_segments_beat_parameters(small: Any) -> None:
    found = match_route(small.routes, "GET", "/v1/loyalties/members/members")
    assert found is not None and found[0].function == "ByCode" and found[1] == {"memberId": "members"}
    found = match_route(small.routes, "GET", "/v1/loyalties/camp_1/members")
    assert found is not None and found[0].function == "Campaign" and found[1] == {"campaignId": "camp_1"}


def test_greedy_any_and_default(small: Any) -> None:
    found = match_route(small.routes, "DELETE", "/files/a/b/c.txt")
    assert found is not None and found[0].function == "Proxy" and found[1] == {"proxy": "a/b/c.txt"}
    found = match_route(small.routes, "POST", "/v1/loyalties/members/x")  # GET route only: falls to $default
    assert found is not None and found[0].function == "Default" and found[0].route_key == "$default"


def test_real_routes() -> None:
    routes = load_template(ROOT / "template.yaml").routes

    def fn(method: str, path: str) -> str | None:
        found = match_route(routes, method, path)
        return found[0].function if found else None

    assert fn("GET", "/v1/loyalties/members/L-1") == "GetMemberByCodeV1Function"
    assert fn("GET", "/v1/loyalties/camp_1") == "GetLoyaltyProgramV1Function"
    assert fn("POST", "/v1/loyalties/members/L-1/balance") == "UpdateLoyaltyCardBalanceByCodeV1Function"
    assert fn("POST", "/v1/loyalties/camp_1/members/L-1/balance") == "UpdateLoyaltyCardBalanceV1Function"
    assert fn("GET", "/v1/loyalties/camp_1/members/L-1") == "GetMemberV1Function"
    assert fn("POST", "/v2/loyalties/programs/p/members/m/rewards/purchases") == "PurchaseMemberRewardFunction"
    assert fn("GET", "/v2/loyalties/programs/p/members/m/rewards/purchases") == "ListMemberRewardPurchasesFunction"
    # anything else goes to the $default route, as API Gateway sends it there: unknown paths and known paths with another method
    assert fn("GET", "/v2/loyalties/programs/p/") == "RouteNotFoundFunction"
    assert fn("DELETE", "/v2/loyalties/programs/p") == "DeleteProgramFunction"
    assert fn("PATCH", "/v2/loyalties/programs/p") == "RouteNotFoundFunction"
    assert fn("PUT", "/v2/loyalties/programs") == "RouteNotFoundFunction"
    assert fn("GET", "/v2/nothing") == "RouteNotFoundFunction"
    assert fn("TRACE", "/") == "RouteNotFoundFunction"
    assert [r.route_key for r in routes if r.function == "RouteNotFoundFunction"] == ["$default"] and routes[-1].path == "$default"


# ---------------------------------------------------------------------------------------------------- v2.0 events


def test_http_event_v2() -> None:
    route = Route("GET", "/v1/customers/{customerId}", "GetCustomerFunction")
    now = datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC)
    headers = [("Host", "localhost:3000"), ("User-Agent", "curl/8"), ("X-Multi", "a"), ("x-multi", "b"), ("Cookie", "s=1; t=2")]
    event = build_http_event(route, {"customerId": "cust%20a"}, "get", "/v1/customers/cust%20a?limit=10&tag=a&tag=b&empty=",
                             headers, b"", source_ip="10.0.0.1", now=now, req_id="abc=")
    assert event["version"] == "2.0"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "GET /v1/customers/{customerId}"
    assert event["rawPath"] == "/v1/customers/cust%20a"
    assert event["rawQueryString"] == "limit=10&tag=a&tag=b&empty="
    assert event["queryStringParameters"] == {"limit": "10", "tag": "a,b", "empty": ""}
    assert event["pathParameters"] == {"customerId": "cust a"}
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["headers"]["x-multi"] == "a,b" and event["headers"]["user-agent"] == "curl/8"
    assert "cookie" not in event["headers"] and all(k == k.lower() for k in event["headers"])
    assert event["isBase64Encoded"] is False and "body" not in event
    ctx = event["requestContext"]
    assert ctx["http"] == {"method": "GET", "path": "/v1/customers/cust%20a", "protocol": "HTTP/1.1", "sourceIp": "10.0.0.1", "userAgent": "curl/8"}
    assert ctx["stage"] == "$default" and ctx["requestId"] == "abc=" and ctx["domainName"] == "localhost:3000"
    assert ctx["time"] == "01/Mar/2026:12:30:05 +0000" and ctx["timeEpoch"] == 1772368205000
    assert {"accountId", "apiId"} <= ctx.keys()


def test_http_event_bodies() -> None:
    route = Route("POST", "/x", "F")
    event = build_http_event(route, {}, "POST", "/x", [("Content-Type", "application/json")], b'{"a":1}')
    assert event["body"] == '{"a":1}' and event["isBase64Encoded"] is False
    assert "queryStringParameters" not in event and "pathParameters" not in event
    binary = bytes(range(256))
    event = build_http_event(route, {}, "POST", "/x", [("Content-Type", "application/octet-stream")], binary)
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == binary
    assert is_text("application/problem+json; charset=utf-8") and is_text("text/csv") and not is_text("image/png")


# ---------------------------------------------------------------------------------------------------- responses


def test_response_mapping() -> None:
    resp = map_response({"statusCode": 201, "headers": {"Content-Type": "application/json", "X-A": "1"},
                         "cookies": ["a=1", "b=2"], "body": '{"ok":true}', "isBase64Encoded": False})
    assert resp.status == 201 and resp.body == b'{"ok":true}'
    assert resp.headers == [("Content-Type", "application/json"), ("X-A", "1"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
    resp = map_response({"statusCode": 200, "headers": {"x-a": "0"}, "multiValueHeaders": {"X-A": ["1", "2"]},
                         "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True})
    assert resp.headers == [("X-A", "1"), ("X-A", "2")] and resp.body == b"\x00\x01"
    assert map_response({"statusCode": 204}).body == b""


def test_inferred_response() -> None:
    for result in ({"a": 1}, [1, 2], "hi", None):
        resp = map_response(result)
        assert resp.status == 200 and resp.headers == [("Content-Type", "application/json")]
        assert json.loads(resp.body) == result


@pytest.mark.parametrize("bad", [{"statusCode": "abc"}, {"statusCode": 99}, {"statusCode": True}, {"statusCode": 200, "body": {"a": 1}}])
def test_malformed_response(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        map_response(bad)


def test_gateway_over_http_with_keep_alive() -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def invoke(function: str, event: dict[str, Any]) -> Any:
        calls.append((function, event))
        if event["rawPath"] == "/boom":
            raise RuntimeError("boom")
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event["pathParameters"])}

    routes = sorted([Route("GET", "/items/{id}", "Get"), Route("POST", "/{id}", "Boom")], key=lambda r: r.rank)
    server = GatewayServer(("127.0.0.1", 0), routes, invoke)
    server.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
        conn.request("GET", "/items/42?x=1")
        resp = conn.getresponse()
        assert resp.status == 200 and json.loads(resp.read()) == {"id": "42"} and resp.getheader("apigw-requestid")
        conn.request("GET", "/missing/route")  # same connection: keep-alive works
        resp = conn.getresponse()
        assert resp.status == 404 and json.loads(resp.read()) == {"message": "Not Found"}  # no $default route: API Gateway's answer
        conn.request("POST", "/boom", body=b"{}", headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        assert resp.status == 500 and json.loads(resp.read()) == {"message": "Internal Server Error"}
        conn.close()
    finally:
        server.stop()
    assert [c[0] for c in calls] == ["Get", "Boom"] and calls[1][1]["body"] == "{}"
    assert calls[0][1]["queryStringParameters"] == {"x": "1"} and calls[0][1]["headers"]["host"].startswith("127.0.0.1:")


def test_gateway_sends_unmatched_requests_to_the_default_route() -> None:
    """With a $default route, unknown paths and other methods on known paths invoke it; its answer goes back as it is."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def invoke(function: str, event: dict[str, Any]) -> Any:
        calls.append((function, event))
        return {"statusCode": 404 if function == "NotFound" else 200, "headers": {"content-type": "application/json"},
                "body": json.dumps({"fn": function})}

    routes = sorted([Route("GET", "/items/{id}", "Get"), Route("ANY", "$default", "NotFound")], key=lambda r: r.rank)
    server = GatewayServer(("127.0.0.1", 0), routes, invoke)
    server.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
        answers = []
        for method, path in (("GET", "/items/1"), ("GET", "/nope"), ("DELETE", "/items/1"), ("PROPFIND", "/items/1")):
            conn.request(method, path)
            resp = conn.getresponse()
            answers.append((resp.status, json.loads(resp.read())["fn"]))
        conn.close()
    finally:
        server.stop()
    assert answers == [(200, "Get"), (404, "NotFound"), (404, "NotFound"), (404, "NotFound")]
    default_events = [e for f, e in calls if f == "NotFound"]
    assert [(e["routeKey"], e["requestContext"]["routeKey"]) for e in default_events] == [("$default", "$default")] * 3
    assert [(e["requestContext"]["http"]["method"], e["rawPath"]) for e in default_events] == [
        ("GET", "/nope"), ("DELETE", "/items/1"), ("PROPFIND", "/items/1")]
    assert all("pathParameters" not in e for e in default_events)


def test_gateway_refuses_bodies_over_the_lambda_payload_limit() -> None:
    """413 with a Voucherify-style error body, before the body is read (and without invoking anything)."""
    calls: list[str] = []

    def invoke(function: str, event: dict[str, Any]) -> Any:
        calls.append(function)
        return {"statusCode": 200, "body": "{}"}

    server = GatewayServer(("127.0.0.1", 0), [Route("POST", "/upload", "Upload")], invoke)
    server.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
        conn.putrequest("POST", "/upload")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(MAX_BODY + 1))
        conn.endheaders()  # the body is never sent: the gateway answers from the header
        resp = conn.getresponse()
        body = json.loads(resp.read())
        req_id = resp.getheader("apigw-requestid")
        conn.close()
        # a body under the limit whose event outgrows it (a binary body travels base64-encoded): refused too
        binary = b"\xff" * (MAX_BODY - 1024)
        big = server.dispatch("POST", "/upload", [("Content-Type", "application/octet-stream")], binary, "127.0.0.1", req_id="big=")
        small = server.dispatch("POST", "/upload", [("Content-Type", "application/octet-stream")], b"\xff" * 1024, "127.0.0.1")
    finally:
        server.stop()
    assert MAX_BODY == 6 * 1024 * 1024
    assert resp.status == 413 and resp.getheader("Content-Type") == "application/json"
    assert body == {"code": 413, "key": "request_entity_too_large", "message": "Request Entity Too Large",
                    "details": f"The request body is larger than {MAX_BODY} bytes, the Lambda invocation payload limit",
                    "request_id": f"v-{req_id}"}
    assert big.status == 413 and json.loads(big.body)["request_id"] == "v-big=" and json.loads(big.body)["key"] == "request_entity_too_large"
    assert small.status == 200 and calls == ["Upload"]


def test_cors_only_when_configured() -> None:
    def invoke(function: str, event: dict[str, Any]) -> Any:
        return {"statusCode": 200, "headers": {"access-control-allow-origin": "*"}, "body": "{}"}

    routes = [Route("GET", "/x", "F")]
    plain = GatewayServer(("127.0.0.1", 0), routes, invoke)
    cors = Cors.parse({"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["x-app-id"],
                       "ExposeHeaders": ["x-request-id"], "MaxAge": 600})
    assert cors is not None and Cors.parse(True) == Cors() and Cors.parse(None) is None
    configured = GatewayServer(("127.0.0.1", 0), routes, invoke, cors)
    try:
        preflight = [("Origin", "https://app.example"), ("Access-Control-Request-Method", "GET")]
        assert plain.dispatch("OPTIONS", "/x", preflight, b"", "127.0.0.1").status == 404
        resp = configured.dispatch("OPTIONS", "/x", preflight, b"", "127.0.0.1")
        assert resp.status == 204 and ("Access-Control-Allow-Methods", "GET,POST") in resp.headers
        assert ("Access-Control-Max-Age", "600") in resp.headers
        resp = configured.dispatch("GET", "/x", [("Origin", "https://app.example")], b"", "127.0.0.1")
        assert resp.headers == [("Access-Control-Allow-Origin", "https://app.example"), ("Access-Control-Expose-Headers", "x-request-id")]
        resp = configured.dispatch("GET", "/x", [("Origin", "https://evil.example")], b"", "127.0.0.1")
        assert resp.status == 200 and resp.headers == []
    finally:
        plain.server_close()
        configured.server_close()


# ---------------------------------------------------------------------------------------------------- SQS and schedules


CORS_TEMPLATE = """
Parameters:
  Extra: {Type: CommaDelimitedList, Default: "%s"}
Conditions:
  HasExtra: !Not [!Equals [!Join ["", !Ref Extra], ""]]
Resources:
  Dist: {Type: AWS::CloudFront::Distribution}
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: {AllowHeaders: [x-app-id], AllowMethods: [GET], MaxAge: 600, AllowCredentials: false}
      DefinitionBody:
        openapi: "3.0.1"
        x-amazon-apigateway-cors:
          allowOrigins: !If
            - HasExtra
            - !Split [",", !Sub ["https://${Domain},${More}", {Domain: !GetAtt Dist.DomainName, More: !Join [",", !Ref Extra]}]]
            - [!Sub "https://${Dist.DomainName}", "https://fixed.example"]
"""


@pytest.mark.parametrize(("extra", "origins"), [
    # the CloudFront domain has no local twin: a name no browser origin can have, so the origins beside it still apply
    ("", ("https://dist.cloudfront.invalid", "https://fixed.example")),
    ("http://127.0.0.1:3000, http://localhost:5173", ("https://dist.cloudfront.invalid", "http://127.0.0.1:3000", "http://localhost:5173")),
])
def test_template_cors_merges_the_body_s_origins_and_resolves_what_it_can(tmp_path: Path, extra: str, origins: tuple[str, ...]) -> None:
    """As SAM does: CorsConfiguration merged over the DefinitionBody's x-amazon-apigateway-cors; parameters at their
    defaults (a CommaDelimitedList as a list), Conditions evaluated."""
    path = tmp_path / "template.yaml"
    path.write_text(CORS_TEMPLATE % extra)
    cors = load_template(path).cors
    assert cors == Cors(origins, ("GET",), ("x-app-id",), (), 600, False)


def test_the_real_template_s_cors_locally() -> None:
    """The console's origins are the CloudFront domain (no local twin) and ConsoleExtraOrigins (empty by default):
    `serve` allows no browser origin but its own (the console it serves is same-origin), unless the parameter is given
    (`serve --parameter-overrides ConsoleExtraOrigins=...`)."""
    template = load_template(ROOT / "template.yaml")
    cors = template.cors
    assert cors is not None and cors.allow_origins == ("https://consoledistribution.cloudfront.invalid",)
    template.overrides = {"ConsoleExtraOrigins": "http://localhost:5173,http://127.0.0.1:8080"}
    assert template.cors is not None and template.cors.allow_origins == (
        "https://consoledistribution.cloudfront.invalid", "http://localhost:5173", "http://127.0.0.1:8080")
    assert set(cors.allow_headers) >= {"x-app-id", "x-app-token", "idempotency-key", "content-type", "authorization"}
    assert cors.expose_headers == ("idempotent-replayed", "retry-after") and cors.max_age == 600 and not cors.allow_credentials


def test_cors_parse_copes_with_intrinsics() -> None:
    refs = {"Extra": ["http://a.example", "http://b.example"], "Host": "c.example"}
    conditions = {"Yes": True, "No": False}
    config = {"AllowOrigins": [{"Fn::Sub": "https://${Host}"}, {"Fn::GetAtt": ["Dist", "DomainName"]}, "https://d.example"],
              "AllowMethods": {"Fn::If": ["No", ["*"], ["GET", "PUT"]]}, "MaxAge": {"Ref": "Age"}, "AllowCredentials": "true"}
    assert Cors.parse(config, refs, conditions) == Cors(("https://c.example", "https://d.example"), ("GET", "PUT"), (), (), None, True)
    whole = {"Fn::If": ["Yes", {"AllowOrigins": {"Ref": "Extra"}}, {"AllowOrigins": ["https://other.example"]}]}
    assert Cors.parse(whole, refs, conditions) == Cors(("http://a.example", "http://b.example"), (), (), ())
    assert Cors.parse(whole, refs, {}) is None  # a condition it cannot evaluate
    assert resolve_strings({"Fn::If": ["Unknown", ["a"], ["b"]]}, refs, {}, conditions) == ()


def test_conditions_and_list_functions() -> None:
    refs = {"Extra": [""], "Env": "prod"}
    conditions = {
        "Empty": {"Fn::Equals": [{"Fn::Join": ["", {"Ref": "Extra"}]}, ""]},
        "NotEmpty": {"Fn::Not": [{"Condition": "Empty"}]},
        "Prod": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "Both": {"Fn::And": [{"Condition": "Prod"}, {"Condition": "Empty"}]},
        "Either": {"Fn::Or": [{"Condition": "NotEmpty"}, {"Condition": "Prod"}]},
        "Unknown": {"Fn::Equals": [{"Ref": "Nope"}, "x"]},
        "Loop": {"Fn::Not": [{"Condition": "Loop"}]},
    }
    assert evaluate_conditions(conditions, refs) == {"Empty": True, "NotEmpty": False, "Prod": True, "Both": True, "Either": True}
    known = {"Prod": True}
    assert resolve({"Fn::If": ["Prod", {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}, "x"]}, refs, {}, known) == "b"
    with pytest.raises(UnresolvedReference):
        resolve({"Fn::If": ["Other", "a", "b"]}, refs, {}, known)


def test_only_the_buckets_the_functions_use_are_provisioned() -> None:
    """ConsoleBucket is CloudFront's origin in AWS (`serve` answers /console/ itself): the local runtime creates none."""
    used = load_template(ROOT / "template.yaml").function_references()
    assert "ExportsBucket" in used and "ConsoleBucket" not in used and {"Table", "JobsQueue", "EventBus"} <= used


def test_sqs_event() -> None:
    msg = {"MessageId": "m1", "ReceiptHandle": "r1", "Body": "{}", "MD5OfBody": "x",
           "Attributes": {"ApproximateReceiveCount": "2"},
           "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}}
    record = build_sqs_event([msg], "arn:aws:sqs:us-east-1:1:q")["Records"][0]
    assert record["messageId"] == "m1" and record["receiptHandle"] == "r1" and record["body"] == "{}"
    assert record["attributes"]["ApproximateReceiveCount"] == "2" and record["md5OfBody"] == "x"
    assert record["messageAttributes"]["k"]["stringValue"] == "v" and record["messageAttributes"]["k"]["dataType"] == "String"
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == ("aws:sqs", "arn:aws:sqs:us-east-1:1:q", "us-east-1")


def test_partial_batch_response() -> None:
    ids = ["a", "b", "c"]
    assert messages_to_delete({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids, True) == ["a", "c"]
    assert messages_to_delete({"batchItemFailures": []}, ids, True) == ids
    assert messages_to_delete(None, ids, True) == ids
    assert messages_to_delete({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, ids, True) == []
    assert messages_to_delete({"batchItemFailures": [{"itemIdentifier": ""}]}, ids, True) == []
    assert messages_to_delete({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids, False) == ids


class FakeSqs:
    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.messages = messages
        self.deleted: list[str] = []

    def receive_message(self, **kw: Any) -> dict[str, Any]:
        batch, self.messages = self.messages[: kw["MaxNumberOfMessages"]], self.messages[kw["MaxNumberOfMessages"]:]
        return {"Messages": batch}

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> None:
        self.deleted += [e["ReceiptHandle"] for e in Entries]


def _messages(n: int) -> list[dict[str, Any]]:
    return [{"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": str(i)} for i in range(n)]


def test_poller_deletes_only_completed_messages() -> None:
    sqs = FakeSqs(_messages(3))

    def worker(function: str, event: dict[str, Any]) -> Any:
        assert function == "W" and len(event["Records"]) == 3
        return {"batchItemFailures": [{"itemIdentifier": "m1"}]}

    poller = QueuePoller(QueueTrigger("W", "Q", 10, True), "url", "arn", sqs, worker)
    assert poller.poll_once() == 3 and sqs.deleted == ["r0", "r2"]
    assert poller.poll_once() == 0


def test_poller_deletes_nothing_when_the_worker_raises() -> None:
    sqs = FakeSqs(_messages(2))

    def worker(function: str, event: dict[str, Any]) -> Any:
        raise RuntimeError("crash")

    assert QueuePoller(QueueTrigger("W", "Q", 1, True), "url", "arn", sqs, worker).poll_once() == 1
    assert sqs.deleted == []


@pytest.mark.parametrize(("expression", "seconds"), [
    ("rate(1 minute)", 60), ("rate(2 minutes)", 120), ("rate(3 hours)", 10800), ("rate(1 day)", 86400), ("rate(5 seconds)", 5),
    ("rate( 10 Minutes )", 600),
])
def test_parse_rate(expression: str, seconds: float) -> None:
    assert parse_rate(expression) == seconds


@pytest.mark.parametrize("expression", ["rate(0 minutes)", "cron(0 12 * * ? *)", "rate(1 fortnight)", "every 2 minutes"])
def test_parse_rate_rejects(expression: str) -> None:
    with pytest.raises(ValueError):
        parse_rate(expression)


def test_scheduled_event() -> None:
    event = build_scheduled_event("Sweep", "us-east-1", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["time"] == "2026-01-02T03:04:05Z" and event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/Sweep"]
    assert event["detail"] == {} and event["id"]


def test_lambda_context() -> None:
    ctx = LambdaContext("GetProgramFunction", 256, 10)
    assert 9000 < ctx.get_remaining_time_in_millis() <= 10000
    assert ctx.invoked_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:GetProgramFunction"
    assert ctx.function_version == "$LATEST" and ctx.memory_limit_in_mb == 256 and ctx.aws_request_id
    assert ctx.log_group_name == "/aws/lambda/GetProgramFunction" and "[$LATEST]" in ctx.log_stream_name


# ---------------------------------------------------------------------------------------------------- the runtime, wired up

STACK = """
Parameters:
  Secret: {Type: String, NoEcho: true}
Globals:
  Function:
    Runtime: python3.11
    Handler: app.handler
    Timeout: 5
    Environment: {Variables: {QUEUE_URL: !Ref Q, TABLE_NAME: !Ref T, GREETING: hello, SECRET: !Ref Secret}}
Resources:
  T:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: PK, AttributeType: S}]
      KeySchema: [{AttributeName: PK, KeyType: HASH}]
  Dlq: {Type: AWS::SQS::Queue}
  Q: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 1, RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 2}}}
  Api:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fn/api/, Events: {Post: {Type: HttpApi, Properties: {Method: POST, Path: "/jobs/{id}"}}}}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/worker/
      Events: {Jobs: {Type: SQS, Properties: {Queue: !GetAtt Q.Arn, BatchSize: 10, FunctionResponseTypes: [ReportBatchItemFailures]}}}
  Tick:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fn/tick/, Events: {Every: {Type: Schedule, Properties: {Schedule: rate(1 minute)}}}}
"""

HANDLERS = {
    "api": """
import json, os, boto3
def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=event["body"])
    return {"statusCode": 202, "body": json.dumps({"id": event["pathParameters"]["id"], "greeting": os.environ["GREETING"],
                                                   "secret": len(os.environ["SECRET"]), "ms": context.get_remaining_time_in_millis()})}
""",
    "worker": """
import os, boto3
def handler(event, context):
    failures = []
    for record in event["Records"]:
        if record["body"] == "bad":
            failures.append({"itemIdentifier": record["messageId"]})
        else:
            boto3.client("dynamodb").put_item(TableName=os.environ["TABLE_NAME"], Item={"PK": {"S": record["body"]}})
    return {"batchItemFailures": failures}
""",
    "tick": """
def handler(event, context):
    return {"ok": event["detail-type"], "function": context.function_name}
""",
}


def test_runtime_end_to_end(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(STACK)
    for name, code in HANDLERS.items():
        (tmp_path / "fn" / name).mkdir(parents=True)
        (tmp_path / "fn" / name / "app.py").write_text(code)
    before = dict(os.environ)
    with LocalRuntime(tmp_path / "template.yaml", state_dir=tmp_path / "state", pollers=False, schedules=False, dev_key=False) as rt:
        host, port = rt.base_url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        for job_id, body in (("1", "good"), ("2", "bad")):
            conn.request("POST", f"/jobs/{job_id}", body=body.encode(), headers={"Content-Type": "text/plain"})
            resp = conn.getresponse()
            answer = json.loads(resp.read())
            assert resp.status == 202 and answer["id"] == job_id and answer["greeting"] == "hello" and 0 < answer["ms"] <= 5000
        conn.close()
        assert answer["secret"] > 32 and (tmp_path / "state" / "secret").is_file()
        assert rt.run_worker_until_idle(timeout=20)  # "bad" fails twice, then moto moves it to the dead-letter queue
        dynamodb, sqs = rt.backend.client("dynamodb"), rt.backend.client("sqs")  # type: ignore[union-attr]
        assert [i["PK"]["S"] for i in dynamodb.scan(TableName=rt.environment["TABLE_NAME"])["Items"]] == ["good"]
        dead = sqs.receive_message(QueueUrl=rt.resources.refs["Dlq"], MaxNumberOfMessages=10).get("Messages", [])
        assert [m["Body"] for m in dead] == ["bad"]
        assert rt.run_schedule("Tick") == {"ok": "Scheduled Event", "function": "Tick"}
    assert dict(os.environ) == before


@pytest.mark.parametrize(("spec", "expected"), [
    ("rating:number", ("rating", {"type": "number", "array": False, "optional": True})),
    ("tags:string[]", ("tags", {"type": "string", "array": True, "optional": True})),
    ("order_id:string!", ("order_id", {"type": "string", "array": False, "optional": False})),
    ("a:b:datetime[]!", ("a:b", {"type": "datetime", "array": True, "optional": False})),
])
def test_create_event_schema_reads_its_properties(spec: str, expected: tuple[str, dict[str, Any]]) -> None:
    from local.__main__ import parse_property

    assert parse_property(spec) == expected


@pytest.mark.parametrize("spec", ["rating", ":number", "rating:", ""])
def test_create_event_schema_refuses_a_property_without_name_and_type(spec: str) -> None:
    from local.__main__ import parse_property

    with pytest.raises(SystemExit, match="expected name:type"):
        parse_property(spec)


def test_serve_parameter_overrides_are_name_value_pairs() -> None:
    from local.__main__ import parameter_overrides

    assert parameter_overrides(["ConsoleExtraOrigins=http://a:1,http://b:2", "StageName=x=y"]) == {
        "ConsoleExtraOrigins": "http://a:1,http://b:2", "StageName": "x=y"}
    assert parameter_overrides(None) == {}
    with pytest.raises(SystemExit, match="Name=Value"):
        parameter_overrides(["ConsoleExtraOrigins"])


def test_an_override_of_no_parameter_is_refused(tmp_path: Path) -> None:
    from local.runtime import LocalRuntime

    runtime = LocalRuntime(ROOT / "template.yaml", state_dir=tmp_path, http=False, pollers=False, schedules=False,
                           parameter_overrides={"NoSuchParameter": "1"})
    with pytest.raises(ValueError, match="NoSuchParameter"):
        runtime.start()
