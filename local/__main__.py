"""`python -m local serve | create-key | list-keys | revoke-key | rotate-key | register-projects | create-event-schema |
list-event-schemas | invoke | generate-event | openapi`: the Docker-free twin of `sam local`, the API-key commands and the
custom event schema commands."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from local import heap
from local.backends import BACKENDS, PREFIX, Backend, best_local_backend, make_backend
from local.console import DEFAULT_DIR as CONSOLE_DIR
from local.functions import add_to_sys_path
from local.gateway import build_http_event
from local.poller import build_scheduled_event, build_sqs_event, build_stream_event, stream_record
from local.pool import DEFAULT_CONCURRENCY, DEFAULT_IDLE_SECONDS, DEFAULT_MAX_PROCESSES
from local.runtime import DEV_PROJECT, PLACEHOLDER_KEY, ROOT, ApiKey, LocalRuntime
from local.template import TABLE, Route, load_template

log = logging.getLogger("local")


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False


def _say(*lines: str) -> None:
    for line in lines:
        print(line)
    sys.stdout.flush()


def parameter_overrides(pairs: list[str] | None) -> dict[str, str]:
    """`Name=Value` pairs as a mapping (a value may hold `=` and commas, as a CommaDelimitedList's does)."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"--parameter-overrides takes Name=Value pairs, not {pair!r}")
        out[name] = value
    return out


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the stack until Ctrl-C / SIGTERM."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    runtime = LocalRuntime(args.template, backend=args.backend, host=args.host, port=args.port, state_dir=args.state_dir,
                           concurrency=args.concurrency, max_processes=args.max_processes, idle_seconds=args.idle_seconds,
                           console_dir=args.console_dir or None, parameter_overrides=parameter_overrides(args.parameter_overrides))
    endpoints = runtime.state_dir / "endpoints.json"
    try:
        runtime.start()
        heap.freeze_after_full_collections()  # the embedded table's millions of objects would make each full GC a pause
        endpoints.write_text(json.dumps(runtime.describe(), indent=2) + "\n")
        assert runtime.backend is not None
        console = [] if runtime.console is None else [runtime.console.ready_line(runtime.base_url)]
        _say(runtime.dev_key.lines(), f"Loyalty API on {runtime.base_url} (backend: {runtime.backend.name})", *console, "ready")
        sys.stdout = sys.stderr  # stdout carries only the lines above; anything a handler prints goes with the logs
        while not stop.wait(0.5):
            pass
        log.info("stopping")
    except (OSError, RuntimeError, ValueError, BotoCoreError, ClientError) as exc:
        log.error("cannot start: %s: %s", type(exc).__name__, exc)
        return 1
    finally:
        runtime.stop()
        with contextlib.suppress(OSError):
            if json.loads(endpoints.read_text()).get("pid") == os.getpid():
                endpoints.unlink()
    log.info("stopped")
    return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return pid > 0


def _key_backend(args: argparse.Namespace) -> tuple[Backend, str]:
    """The backend of a running `serve` (from <state-dir>/endpoints.json) or the one named on the command line, and the table."""
    state_dir = Path(args.state_dir).resolve()
    info: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        info = json.loads((state_dir / "endpoints.json").read_text())
    name = args.backend or info.get("backend") or "embedded"
    if name == "auto":  # the backend the running serve chose
        name = info.get("backend") or best_local_backend(state_dir)
    backend = make_backend(name, state_dir)
    if args.endpoint_url:
        backend.local = True
        backend.endpoints = {"dynamodb": args.endpoint_url, "sqs": args.endpoint_url}
    elif backend.local:
        if not info.get("endpoints") or info.get("backend") != name or not _alive(int(info.get("pid") or 0)):
            raise SystemExit(f"no running `python -m local serve --backend {name}` found ({state_dir / 'endpoints.json'}); "
                             "start one or pass --endpoint-url")
        backend.endpoints = info["endpoints"]
    table = args.table_name or info.get("table_name") or os.environ.get("TABLE_NAME") or f"{PREFIX}-Table"
    return backend, table


def _layer_on_path(args: argparse.Namespace) -> None:
    """Make the functions' layer (the `loyalty` package) importable, as the key commands use its stores."""
    for function in load_template(args.template).functions.values():
        add_to_sys_path(*function.layers)


def _key_table(args: argparse.Namespace, project: str) -> Any:
    """The project-scoped table of the key commands, on the backend they address (see `_key_backend`)."""
    _layer_on_path(args)
    from loyalty.db.table import Table

    backend, table = _key_backend(args)
    return Table(project, table, cursor_secret="-" * 32, client=backend.client("dynamodb"))


def _project_of(app_id: str) -> str:
    """The project an app id belongs to (app ids are `<project>.<random>`)."""
    project = app_id.split(".", 1)[0]
    if "." not in app_id or not project:
        raise SystemExit(f"{app_id!r} is not an app id (expected <project>.<hex>)")
    return project


def cmd_create_key(args: argparse.Namespace) -> int:
    """Create and print a key pair for a project in a running local stack (or in AWS)."""
    db = _key_table(args, args.project)
    from loyalty.api.auth import hash_token, new_key_pair
    from loyalty.apikeys.store import put_api_key

    try:
        key = ApiKey(*new_key_pair(args.project))
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    put_api_key(db, key.app_id, hash_token(key.token), args.name)
    _say(key.lines())
    return 0


def cmd_list_keys(args: argparse.Namespace) -> int:
    """Print a project's keys: app id, status, created and revoked times, name (never a token)."""
    db = _key_table(args, args.project)
    from loyalty.apikeys.store import list_api_keys

    keys = list_api_keys(db)
    if args.json:
        _say(json.dumps(keys, indent=2))
        return 0
    _say(*(f"{k['app_id']}  {k['status']:<7}  created {k['created_at']}"
           + (f"  revoked {k['revoked_at']}" if k.get("revoked_at") else "") + f"  {k['name']}" for k in keys))
    return 0


def cmd_revoke_key(args: argparse.Namespace) -> int:
    """Revoke one key: it stops working once the functions' auth caches let it go (AUTH_CACHE_TTL_SECONDS, at most 60 s)."""
    db = _key_table(args, _project_of(args.app_id))
    from loyalty.apikeys.store import revoke_api_key

    if not revoke_api_key(db, args.app_id):
        raise SystemExit(f"no ACTIVE key {args.app_id}")
    _say(f"revoked {args.app_id}")
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    """Create a new key pair for the project of an ACTIVE key and revoke that key, in one transaction."""
    project = _project_of(args.app_id)
    db = _key_table(args, project)
    from loyalty.api.auth import hash_token, new_key_pair
    from loyalty.apikeys.store import get_api_key, put_api_key

    old = get_api_key(db, args.app_id)
    if old is None or old.get("status", "ACTIVE") != "ACTIVE":
        raise SystemExit(f"no ACTIVE key {args.app_id}")
    key = ApiKey(*new_key_pair(project))
    put_api_key(db, key.app_id, hash_token(key.token), args.name or str(old.get("name") or "rotated key"), revoke=args.app_id)
    _say(key.lines(), f"revoked {args.app_id}")
    return 0


def cmd_register_projects(args: argparse.Namespace) -> int:
    """Backfill the registry of projects from the API keys in the table (keys created before the registry existed), so
    the sweeper reaches their projects. Scans the table once; safe to run again."""
    _layer_on_path(args)
    from loyalty.apikeys.store import register_project
    from loyalty.db.table import Table, projects_holding_keys

    backend, table = _key_backend(args)
    client = backend.client("dynamodb")
    projects = projects_holding_keys(client, table)
    for project in projects:
        register_project(Table(project, table, cursor_secret="-" * 32, client=client))
    _say(f"registered {len(projects)} project(s): {', '.join(projects) or '-'}")
    return 0


def parse_property(spec: str) -> tuple[str, dict[str, Any]]:
    """`--property` of create-event-schema: `name:type`, `[]` after the type for an array, `!` at the end for a required
    property (`rating:number`, `tags:string[]`, `order_id:string!`)."""
    name, sep, kind = spec.rpartition(":")
    if not sep or not name or not kind:
        raise SystemExit(f"--property {spec!r}: expected name:type (e.g. rating:number, tags:string[], order_id:string!)")
    required = kind.endswith("!")
    kind = kind.removesuffix("!")
    array = kind.endswith("[]")
    return name, {"type": kind.removesuffix("[]"), "array": array, "optional": not required}


def cmd_create_event_schema(args: argparse.Namespace) -> int:
    """Create a custom event schema in a project (the public API only reads them) and print its `ms_` id."""
    properties = dict(parse_property(p) for p in args.property or [])
    db = _key_table(args, args.project)
    from loyalty.core.errors import LoyaltyError
    from loyalty.schemas.service import create_event_schema

    try:
        schema = create_event_schema(db, args.name, properties, exist_ok=args.exist_ok)
    except LoyaltyError as exc:
        raise SystemExit(f"{exc.key}: {exc.details}") from None
    _say(json.dumps(schema, indent=2) if args.json else schema["id"])
    return 0


def cmd_list_event_schemas(args: argparse.Namespace) -> int:
    """Print a project's custom event schemas: id and event name, or the schemas as JSON."""
    db = _key_table(args, args.project)
    from loyalty.schemas.service import list_metadata_schemas

    schemas = list_metadata_schemas(db)["schemas"]
    if args.json:
        _say(json.dumps(schemas, indent=2))
    else:
        _say(*(f"{s['id']}  {s['related_object']}  ({', '.join(s['properties']) or 'no properties'})" for s in schemas))
    return 0


def cmd_invoke(args: argparse.Namespace) -> int:
    """Invoke one function once with an event file, like `sam local invoke -e`."""
    event = json.loads(sys.stdin.read() if args.event == "-" else Path(args.event).read_text(encoding="utf-8"))
    out = sys.stdout
    sys.stdout = sys.stderr  # handler output and logs go to stderr, the result alone to stdout
    runtime = LocalRuntime(args.template, backend=args.backend, state_dir=args.state_dir,
                           http=False, pollers=False, schedules=False, preload=False, dev_key=False)
    try:
        runtime.start()
        if args.function not in runtime.functions:
            raise SystemExit(f"{args.function} is not a function of {args.template}: {', '.join(sorted(runtime.functions))}")
        if runtime.backend is not None and runtime.backend.local:
            runtime.put_key(DEV_PROJECT, PLACEHOLDER_KEY, "placeholder key of events/")
        try:
            result = runtime.invoke(args.function, event)
            code = 0
        except Exception as exc:  # noqa: BLE001 - reported as Lambda reports it
            result = {"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": traceback.format_tb(exc.__traceback__)}
            code = 1
    finally:
        runtime.stop()
        sys.stdout = out
    _say(json.dumps(result, indent=2))
    return code


def cmd_generate_event(args: argparse.Namespace) -> int:
    """Print an event for a function: HTTP API v2.0 for an API route, SQS for a queue worker, a DynamoDB stream record (MODIFY
    of the item --body gives, in DynamoDB JSON) for a stream consumer, Scheduled Event for a schedule."""
    template = load_template(args.template)
    if args.function not in template.functions:
        raise SystemExit(f"{args.function} is not a function of {args.template}")
    body = args.body if args.body is not None else ""
    event: dict[str, Any]
    routes = [r for r in template.routes if r.function == args.function]
    if routes:
        route: Route = routes[0]
        path = args.path or (route.path if route.path != "$default" else "/no-such-route")
        method = route.method if route.method != "ANY" else "GET"  # the request's method: an ANY route sees a real one
        found = route.match(method, path.split("?")[0])
        if found is None:
            raise SystemExit(f"{path} does not match {route.route_key}")
        headers = [("host", "localhost:3000"), ("user-agent", "curl/8.5.0"), ("accept", "*/*"),
                   ("x-app-id", PLACEHOLDER_KEY.app_id), ("x-app-token", PLACEHOLDER_KEY.token)]
        if body:
            headers += [("content-type", "application/json"), ("content-length", str(len(body.encode())))]
        event = build_http_event(route, found, method, path, headers, body.encode(), req_id="LocalReqId0000=")
    elif any(q.function == args.function for q in template.queue_triggers):
        message = {"MessageId": "059f36b4-87a3-44ab-83d2-661975830a7d", "ReceiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
                   "Body": body or "{}", "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795312800000",
                                                         "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": "1795312800001"}}
        queue = next(q.queue for q in template.queue_triggers if q.function == args.function)
        event = build_sqs_event([message], f"arn:aws:sqs:us-east-1:123456789012:{PREFIX}-{queue}")
    elif any(s.function == args.function for s in template.stream_triggers):
        table = next(s.table for s in template.stream_triggers if s.function == args.function)
        key_names = [k["AttributeName"] for k in template.of_type(TABLE)[table]["KeySchema"]]
        item = json.loads(body) if body else {"PK": {"S": f"{DEV_PROJECT}#MBR#lmbr_0123456789abcdef01"},
                                              "SK": {"S": "CARD#lcrd_0123456789abcdef01"}}
        change = {"ApproximateCreationDateTime": 1795312800, "Keys": {k: item[k] for k in key_names if k in item},
                  "NewImage": item, "OldImage": item, "SequenceNumber": "111100000000000000000001",
                  "SizeBytes": len(json.dumps(item)), "StreamViewType": "NEW_AND_OLD_IMAGES"}
        raw = {"eventID": "c4ca4238a0b923820dcc509a6f75849b", "eventName": "MODIFY", "eventVersion": "1.1", "dynamodb": change}
        event = build_stream_event([stream_record(raw, f"arn:aws:dynamodb:us-east-1:123456789012:table/{PREFIX}-{table}/stream/"
                                                       "2026-11-26T00:00:00.000")])
    else:
        rule = next((s.name for s in template.schedules if s.function == args.function), args.function)
        event = build_scheduled_event(rule)
    _say(json.dumps(event, indent=2))
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    """Write the API's OpenAPI document (from the functions' resolvers and models) to --output, or check it is current."""
    from local.openapi import build_document, render

    out = sys.stdout
    sys.stdout = sys.stderr  # whatever the handler modules print on import stays out of the document
    try:
        text = render(build_document(args.template))
    finally:
        sys.stdout = out
    if args.check:
        current = Path(args.output).read_text(encoding="utf-8") if args.output != "-" and Path(args.output).exists() else ""
        if current != text:
            log.error("%s is out of date: run `make openapi`", args.output)
            return 1
        return 0
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        log.info("wrote %s (%d paths)", args.output, len(json.loads(text)["paths"]))
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser, backend_default: str | None = "auto") -> None:
        sp.add_argument("--template", default=str(ROOT / "template.yaml"))
        sp.add_argument("--backend", choices=BACKENDS, default=backend_default)
        sp.add_argument("--state-dir", default=str(ROOT / ".local"), help="keys, secrets, DynamoDB Local (default .local)")

    s = sub.add_parser("serve", help="serve the API on HTTP, poll the queue, run the schedules")
    common(s)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=3000, help="0 picks a free port")
    s.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY,
                   help=f"worker processes per function, started on demand (default {DEFAULT_CONCURRENCY}; 0: all in this process, "
                        "one request at a time)")
    s.add_argument("--max-processes", type=int, default=DEFAULT_MAX_PROCESSES,
                   help=f"worker processes across all functions; past it the longest idle one stops (default {DEFAULT_MAX_PROCESSES})")
    s.add_argument("--idle-seconds", type=float, default=DEFAULT_IDLE_SECONDS,
                   help=f"stop a worker process idle this long (default {DEFAULT_IDLE_SECONDS:.0f})")
    s.add_argument("--console-dir", default=str(CONSOLE_DIR),
                   help="the console's build, served at /console/ (default console/dist, written by `make console`; '' serves none)")
    s.add_argument("--parameter-overrides", nargs="+", metavar="NAME=VALUE",
                   help="template parameter values, as sam deploy takes them (e.g. ConsoleExtraOrigins=http://localhost:5173 to let "
                        "a console served from there call this API)")
    s.set_defaults(run=cmd_serve)

    def key_command(name: str, help_text: str, run: Any) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_text)
        common(sp, backend_default=None)
        sp.add_argument("--endpoint-url", help="DynamoDB endpoint (default: the running serve's, from <state-dir>/endpoints.json)")
        sp.add_argument("--table-name", help="the stack's table (with --backend aws: the TableName output)")
        sp.set_defaults(run=run)
        return sp

    k = key_command("create-key", "create an API key pair for a project (in a running `serve`, or --backend aws)", cmd_create_key)
    k.add_argument("--project", required=True)
    k.add_argument("--name", default="local key")
    ls_ = key_command("list-keys", "list a project's API keys (app ids, status, dates; never tokens)", cmd_list_keys)
    ls_.add_argument("--project", required=True)
    ls_.add_argument("--json", action="store_true", help="print JSON")
    rv = key_command("revoke-key", "revoke an API key (it stops working within the auth cache TTL)", cmd_revoke_key)
    rv.add_argument("app_id")
    rt = key_command("rotate-key", "issue a new key pair for the key's project and revoke the key, at once", cmd_rotate_key)
    rt.add_argument("app_id")
    rt.add_argument("--name", help="the new key's name (default: the old key's)")

    key_command("register-projects", "record every project holding a key in the sweeper's registry (after an upgrade)",
                cmd_register_projects)

    es = key_command("create-event-schema", "create a custom event schema (`ms_` id) in a project (the API only reads them)",
                     cmd_create_event_schema)
    es.add_argument("--project", required=True)
    es.add_argument("--name", required=True, help="the event name POST /v1/events sends (`event`)")
    es.add_argument("--property", action="append", metavar="NAME:TYPE",
                    help="a metadata property: name:type, type[] for an array, a trailing ! for required; repeatable")
    es.add_argument("--exist-ok", action="store_true", help="print the existing schema's id when the name has one")
    es.add_argument("--json", action="store_true", help="print the whole schema as JSON")
    les = key_command("list-event-schemas", "list a project's custom event schemas", cmd_list_event_schemas)
    les.add_argument("--project", required=True)
    les.add_argument("--json", action="store_true", help="print JSON")

    i = sub.add_parser("invoke", help="invoke a function once with an event (like `sam local invoke`)")
    common(i, backend_default="embedded")  # one event on a fresh table: the backend that starts fastest
    i.add_argument("function", help="logical id, e.g. GetProgramFunction")
    i.add_argument("-e", "--event", required=True, help="event JSON file, or - for stdin")
    i.set_defaults(run=cmd_invoke)

    g = sub.add_parser("generate-event", help="print a sample event for a function")
    g.add_argument("--template", default=str(ROOT / "template.yaml"))
    g.add_argument("function")
    g.add_argument("--path", help="concrete request path (default: the route's path)")
    g.add_argument("--body", help="request / message body")
    g.set_defaults(run=cmd_generate_event)

    o = sub.add_parser("openapi", help="write the API's OpenAPI document from its routes and models")
    o.add_argument("--template", default=str(ROOT / "template.yaml"))
    o.add_argument("--output", default="-", help="file to write (default - : stdout)")
    o.add_argument("--check", action="store_true", help="write nothing; exit 1 if --output is not up to date")
    o.set_defaults(run=cmd_openapi)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _setup_logging(args.verbose)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
