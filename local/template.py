"""template.yaml: a tag-aware YAML loader and the functions, routes, queue and stream triggers and schedules it declares."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FUNCTION = "AWS::Serverless::Function"
LAYER = "AWS::Serverless::LayerVersion"
TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"
BUCKET = "AWS::S3::Bucket"
EVENT_BUS = "AWS::Events::EventBus"
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"


class TemplateLoader(yaml.SafeLoader):
    """A SafeLoader that reads CloudFormation short tags (`!Ref X` -> {"Ref": "X"}, `!Sub s` -> {"Fn::Sub": s}, ...)."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


TemplateLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(path: str | Path) -> dict[str, Any]:
    """The template as plain dicts and lists, short tags turned into their long form."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=TemplateLoader)  # noqa: S506 - TemplateLoader is a SafeLoader
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a template")
    return data


class UnresolvedReference(ValueError):
    """An intrinsic function that names something the local runtime does not know."""


def resolve(value: Any, refs: Mapping[str, Any], attrs: Mapping[str, str], conditions: Mapping[str, bool] | None = None) -> Any:
    """Evaluate Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Split, Fn::Select and Fn::If against known values (`refs[X]`,
    `attrs["X.Attr"]`, `conditions[name]`)."""
    if isinstance(value, list):
        return [resolve(v, refs, attrs, conditions) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, arg), = value.items()
        if key == "Fn::If":
            name, when_true, when_false = arg
            if conditions is None or name not in conditions:
                raise UnresolvedReference(f"!If {name}")
            return resolve(when_true if conditions[name] else when_false, refs, attrs, conditions)
        if key == "Fn::Split":
            sep, text = arg
            return str(resolve(text, refs, attrs, conditions)).split(sep)
        if key == "Fn::Select":
            index, items = arg
            return resolve(items, refs, attrs, conditions)[int(resolve(index, refs, attrs, conditions))]
        if key == "Ref":
            if arg not in refs:
                raise UnresolvedReference(f"!Ref {arg}")
            return refs[arg]
        if key == "Fn::GetAtt":
            name = ".".join(arg) if isinstance(arg, list) else str(arg)
            if name not in attrs:
                raise UnresolvedReference(f"!GetAtt {name}")
            return attrs[name]
        if key == "Fn::Sub":
            text, local = (arg[0], resolve(arg[1], refs, attrs, conditions)) if isinstance(arg, list) else (arg, {})

            def sub(m: re.Match[str]) -> str:
                name = m.group(1)
                if name in local:
                    return str(local[name])
                return str(resolve({"Fn::GetAtt": name.split(".", 1)} if "." in name and name not in refs else {"Ref": name}, refs, attrs))

            return re.sub(r"\$\{([^!}][^}]*)\}", sub, text).replace("${!", "${")
        if key == "Fn::Join":
            sep, parts = arg
            return sep.join(str(p) for p in resolve(parts, refs, attrs, conditions))
    return {k: resolve(v, refs, attrs, conditions) for k, v in value.items()}


def resolve_strings(value: Any, refs: Mapping[str, Any], attrs: Mapping[str, str] | None = None,
                    conditions: Mapping[str, bool] | None = None) -> tuple[str, ...]:
    """A list of strings in the template (e.g. CORS origins), each item resolved as far as the local runtime can: an item
    naming something it does not know (a CloudFront domain, say) is left out rather than failing the whole list."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        name, when_true, when_false = value["Fn::If"]
        if conditions is None or name not in conditions:
            return ()
        return resolve_strings(when_true if conditions[name] else when_false, refs, attrs, conditions)
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        try:
            resolved = resolve(item, refs, attrs or {}, conditions)
        except UnresolvedReference:
            continue
        out.extend(str(v) for v in (resolved if isinstance(resolved, list) else [resolved]))
    return tuple(out)


def evaluate_conditions(conditions: Mapping[str, Any], refs: Mapping[str, Any], attrs: Mapping[str, str] | None = None) -> dict[str, bool]:
    """The template's Conditions the local runtime can evaluate (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition over
    known values), by name; one it cannot is left out."""
    known: dict[str, bool] = {}

    def scalar(value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else str(value)

    def holds(expr: Any, stack: tuple[str, ...]) -> bool:
        if isinstance(expr, dict) and len(expr) == 1:
            (key, arg), = expr.items()
            if key == "Condition":
                return named(str(arg), stack)
            if key == "Fn::Not":
                return not holds(arg[0], stack)
            if key == "Fn::And":
                return all(holds(a, stack) for a in arg)
            if key == "Fn::Or":
                return any(holds(a, stack) for a in arg)
            if key == "Fn::Equals":
                left, right = (scalar(resolve(a, refs, attrs or {}, known)) for a in arg)
                return bool(left == right)
        raise UnresolvedReference(f"condition {expr!r}")

    def named(name: str, stack: tuple[str, ...]) -> bool:
        if name not in known:
            if name in stack or name not in conditions:
                raise UnresolvedReference(f"Condition {name}")
            known[name] = holds(conditions[name], (*stack, name))
        return known[name]

    for name in conditions:
        with contextlib.suppress(UnresolvedReference, ValueError, TypeError, IndexError):
            named(name, ())
    return known


def pseudo_parameters(region: str = REGION, account_id: str = ACCOUNT_ID) -> dict[str, str]:
    """The AWS:: pseudo parameters as a local deployment sees them."""
    return {
        "AWS::Region": region,
        "AWS::AccountId": account_id,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::StackName": "local",
        "AWS::NoValue": "",
    }


def merge_globals(global_props: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rule: maps merge (the resource wins), lists concatenate (globals first), scalars are overridden."""
    merged: dict[str, Any] = dict(global_props)
    for key, value in props.items():
        base = merged.get(key)
        if isinstance(base, dict) and isinstance(value, dict):
            merged[key] = merge_globals(base, value)
        elif isinstance(base, list) and isinstance(value, list):
            merged[key] = [*base, *value]
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class Function:
    """One AWS::Serverless::Function, Globals merged in."""

    logical_id: str
    code_uri: Path
    handler: str
    runtime: str
    timeout: int
    memory_size: int
    environment: dict[str, Any]
    layers: tuple[Path, ...]
    properties: dict[str, Any] = field(repr=False, compare=False)

    @property
    def module_file(self) -> Path:
        """The file that holds the handler (`app.handler` -> CodeUri/app.py)."""
        return self.code_uri / (self.handler.rsplit(".", 1)[0].replace(".", "/") + ".py")

    @property
    def handler_name(self) -> str:
        """The handler's attribute name in its module."""
        return self.handler.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Route:
    """One HttpApi route: `GET /v2/loyalties/programs/{programId}` -> a function."""

    method: str
    path: str
    function: str

    @property
    def route_key(self) -> str:
        """The routeKey API Gateway puts in the event."""
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"

    @property
    def segments(self) -> list[str]:
        return self.path[1:].split("/") if self.path not in ("/", "$default") else []

    @property
    def rank(self) -> tuple[Any, ...]:
        """Sort key, most specific first: literal segments beat `{param}`, which beats `{proxy+}`; a method beats ANY."""
        kinds = tuple(2 if s.endswith("+}") else 1 if s.startswith("{") else 0 for s in self.segments)
        return (self.path == "$default", kinds, self.method == "ANY", self.path)

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when this route serves `method path`, else None."""
        if self.method not in ("ANY", method.upper()):
            return None
        if self.path == "$default":
            return {}
        parts = path[1:].split("/") if path != "/" else []  # a trailing slash is an empty segment: no match
        params: dict[str, str] = {}
        for i, seg in enumerate(self.segments):
            if seg.startswith("{") and seg.endswith("+}"):
                rest = parts[i:]
                if not rest or not all(rest):
                    return None
                params[seg[1:-2]] = "/".join(rest)
                return params
            if i >= len(parts) or not parts[i]:
                return None
            if seg.startswith("{") and seg.endswith("}"):
                params[seg[1:-1]] = parts[i]
            elif seg != parts[i]:
                return None
        return params if len(parts) == len(self.segments) else None


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The most specific route for a request (routes must be sorted by `Route.rank`) and its path parameters."""
    for route in routes:
        params = route.match(method, path)
        if params is not None:
            return route, params
    return None


@dataclass(frozen=True)
class QueueTrigger:
    """An SQS event source mapping: queue -> function."""

    function: str
    queue: str
    batch_size: int
    report_batch_item_failures: bool


@dataclass(frozen=True)
class StreamTrigger:
    """A DynamoDB stream event source mapping: a table's stream -> function (FilterCriteria patterns kept as parsed JSON)."""

    function: str
    table: str
    batch_size: int = 100
    starting_position: str = "TRIM_HORIZON"
    report_batch_item_failures: bool = False
    bisect_on_error: bool = False
    max_retries: int = -1
    filters: tuple[Any, ...] = ()
    on_failure: str | None = None


@dataclass(frozen=True)
class ScheduleTrigger:
    """An EventBridge schedule rule -> function."""

    function: str
    name: str
    expression: str
    input: Any = None


@dataclass(frozen=True)
class Cors:
    """An HttpApi's CorsConfiguration (`true` allows every origin, method and header)."""

    allow_origins: tuple[str, ...] = ("*",)
    allow_methods: tuple[str, ...] = ("*",)
    allow_headers: tuple[str, ...] = ("*",)
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def parse(cls, config: Any, refs: Mapping[str, Any] | None = None, conditions: Mapping[str, bool] | None = None,
              attrs: Mapping[str, str] | None = None) -> Cors | None:
        """From the template value (None when CORS is not configured). Intrinsic functions are resolved with `refs`,
        `attrs` and `conditions` where they can be; a list item that cannot is left out."""
        refs = refs or {}
        attrs = attrs or {}
        if isinstance(config, dict) and set(config) == {"Fn::If"}:  # a whole configuration per condition
            name, when_true, when_false = config["Fn::If"]
            if conditions is None or name not in conditions:
                return None
            return cls.parse(when_true if conditions[name] else when_false, refs, conditions, attrs)
        if config is True:
            return cls()
        if not isinstance(config, dict):
            return None

        def names(key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
            return resolve_strings(config.get(key, list(default)), refs, attrs, conditions)

        def scalar(key: str) -> Any:
            try:
                return resolve(config.get(key), refs, attrs, conditions)
            except UnresolvedReference:
                return None

        max_age = scalar("MaxAge")
        return cls(names("AllowOrigins"), names("AllowMethods"), names("AllowHeaders"), names("ExposeHeaders"),
                   int(max_age) if max_age is not None else None, str(scalar("AllowCredentials")).lower() == "true")

    def allowed_origin(self, origin: str) -> str | None:
        """The Access-Control-Allow-Origin value for a request Origin, or None when it is not allowed."""
        if origin in self.allow_origins:
            return origin
        if "*" in self.allow_origins:
            return origin if self.allow_credentials else "*"
        return None

    def headers(self, origin: str, preflight: bool = False) -> list[tuple[str, str]]:
        """CORS response headers for an allowed origin (with the preflight ones when asked)."""
        allowed = self.allowed_origin(origin)
        if allowed is None:
            return []
        out = [("Access-Control-Allow-Origin", allowed)]
        if self.allow_credentials:
            out.append(("Access-Control-Allow-Credentials", "true"))
        if preflight:
            out += [("Access-Control-Allow-Methods", ",".join(self.allow_methods)), ("Access-Control-Allow-Headers", ",".join(self.allow_headers))]
            if self.max_age is not None:
                out.append(("Access-Control-Max-Age", str(self.max_age)))
        elif self.expose_headers:
            out.append(("Access-Control-Expose-Headers", ",".join(self.expose_headers)))
        return out


@dataclass
class Template:
    """What the local runtime needs from template.yaml."""

    path: Path
    body: dict[str, Any]
    functions: dict[str, Function]
    routes: list[Route]
    queue_triggers: list[QueueTrigger]
    schedules: list[ScheduleTrigger]
    stream_triggers: list[StreamTrigger] = field(default_factory=list)
    # parameter values given at start (`serve --parameter-overrides`, like `sam deploy --parameter-overrides`): they
    # replace the template's defaults wherever a parameter is read
    overrides: dict[str, str] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.body.get("Resources") or {}

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        """Properties of every resource of one type, by logical id."""
        return {k: r.get("Properties") or {} for k, r in self.resources.items() if r.get("Type") == kind}

    @property
    def cors(self) -> Cors | None:
        """The CORS configuration of the (first) HttpApi, if any: its CorsConfiguration merged over the
        x-amazon-apigateway-cors of its DefinitionBody, as SAM merges them, with the parameters' defaults."""
        for props in self.of_type("AWS::Serverless::HttpApi").values():
            body = props.get("DefinitionBody")
            in_body = body.get("x-amazon-apigateway-cors") if isinstance(body, dict) else None
            config = props.get("CorsConfiguration")
            if not config and not isinstance(in_body, dict):
                continue
            if isinstance(in_body, dict) and (config is None or (isinstance(config, dict) and "Fn::If" not in config)):
                config = {**{k[:1].upper() + k[1:]: v for k, v in in_body.items()}, **(config or {})}
            refs = {**pseudo_parameters(), **self.parameter_values()}
            # a CloudFront distribution has no local twin: its domain resolves to a name no browser origin can have
            # (`<id>.cloudfront.invalid`, RFC 2606), so the origins listed beside it (ConsoleExtraOrigins) still apply
            attrs = {f"{lid}.DomainName": f"{lid.lower()}.cloudfront.invalid" for lid in self.of_type("AWS::CloudFront::Distribution")}
            return Cors.parse(config, refs, evaluate_conditions(self.body.get("Conditions") or {}, refs), attrs)
        return None

    def function_references(self) -> set[str]:
        """The logical ids the functions' environment variables name (Ref, Fn::GetAtt, `${X}` / `${X.Attr}` in Fn::Sub)."""
        found: set[str] = set()

        def walk(value: Any) -> None:
            if isinstance(value, list):
                for v in value:
                    walk(v)
            elif isinstance(value, dict):
                for key, arg in value.items():
                    if key == "Ref" and isinstance(arg, str):
                        found.add(arg)
                    elif key == "Fn::GetAtt":
                        found.add(str(arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]))
                    elif key == "Fn::Sub":
                        text = arg[0] if isinstance(arg, list) else arg
                        found.update(m.split(".", 1)[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", str(text)))
                    walk(arg)

        for function in self.functions.values():
            walk(function.environment)
        return found

    def parameter_defaults(self) -> dict[str, str]:
        """Parameters that carry a Default, or a value given at start (`overrides`)."""
        params = self.body.get("Parameters") or {}
        found = {k: str(p["Default"]) for k, p in params.items() if isinstance(p, dict) and "Default" in p}
        return {**found, **{k: v for k, v in self.overrides.items() if k in params}}

    def parameter_values(self) -> dict[str, Any]:
        """The parameters' defaults as a Ref sees them: a list type's (CommaDelimitedList, List<...>) as a list of strings."""
        params = self.body.get("Parameters") or {}
        values: dict[str, Any] = {}
        for name, default in self.parameter_defaults().items():
            kind = str(params[name].get("Type", "String"))
            listed = kind == "CommaDelimitedList" or kind.startswith("List<")
            values[name] = [v.strip() for v in default.split(",")] if listed else default
        return values


def _function(logical_id: str, props: dict[str, Any], root: Path, resources: Mapping[str, Any]) -> Function:
    layers: list[Path] = []
    for layer in props.get("Layers") or []:
        target = resources.get(layer.get("Ref", "")) if isinstance(layer, dict) else None
        if target and target.get("Type") == LAYER:
            content = (target.get("Properties") or {}).get("ContentUri")
            if isinstance(content, str):
                layers.append((root / content).resolve())
    return Function(
        logical_id=logical_id,
        code_uri=(root / str(props.get("CodeUri", "."))).resolve(),
        handler=str(props.get("Handler", "app.handler")),
        runtime=str(props.get("Runtime", "")),
        timeout=int(props.get("Timeout", 3)),
        memory_size=int(props.get("MemorySize", 128)),
        environment=dict((props.get("Environment") or {}).get("Variables") or {}),
        layers=tuple(layers),
        properties=props,
    )


def _queue_name(queue: Any) -> str:
    """`!GetAtt JobsQueue.Arn` -> "JobsQueue"; a literal ARN stays as it is."""
    if isinstance(queue, dict) and "Fn::GetAtt" in queue:
        return str(queue["Fn::GetAtt"][0])
    return str(queue)


def _stream_table(stream: Any) -> str:
    """`!GetAtt Table.StreamArn` -> "Table"; anything else is refused (the local runtime streams only its own tables)."""
    if isinstance(stream, dict) and "Fn::GetAtt" in stream and list(stream["Fn::GetAtt"])[1:] == ["StreamArn"]:
        return str(stream["Fn::GetAtt"][0])
    raise ValueError(f"unsupported DynamoDB event Stream {stream!r}: only !GetAtt <Table>.StreamArn")


def stream_trigger(function: str, props: Mapping[str, Any]) -> StreamTrigger:
    """A `Type: DynamoDB` event's Properties as a StreamTrigger."""
    filters = tuple(json.loads(f["Pattern"]) if isinstance(f.get("Pattern"), str) else f.get("Pattern")
                    for f in ((props.get("FilterCriteria") or {}).get("Filters") or []))
    destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    return StreamTrigger(
        function=function,
        table=_stream_table(props.get("Stream")),
        batch_size=int(props.get("BatchSize", 100)),
        starting_position=str(props.get("StartingPosition", "TRIM_HORIZON")),
        report_batch_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        bisect_on_error=bool(props.get("BisectBatchOnFunctionError", False)),
        max_retries=int(props.get("MaximumRetryAttempts", -1)),
        filters=filters,
        on_failure=_queue_name(destination) if destination else None,
    )


def load_template(path: str | Path = "template.yaml") -> Template:
    """Read a SAM template: merge Globals into functions, collect routes (sorted), queue and stream triggers and schedules."""
    tpl_path = Path(path).resolve()
    body = load_yaml(tpl_path)
    resources = body.get("Resources") or {}
    global_props = ((body.get("Globals") or {}).get("Function")) or {}
    functions: dict[str, Function] = {}
    routes: list[Route] = []
    queues: list[QueueTrigger] = []
    schedules: list[ScheduleTrigger] = []
    streams: list[StreamTrigger] = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != FUNCTION:
            continue
        props = merge_globals(global_props, resource.get("Properties") or {})
        functions[logical_id] = _function(logical_id, props, tpl_path.parent, resources)
        for name, event in (props.get("Events") or {}).items():
            kind, ep = event.get("Type"), event.get("Properties") or {}
            if kind == "HttpApi":
                routes.append(Route(str(ep.get("Method", "ANY")).upper().replace("X-AMAZON-APIGATEWAY-ANY-METHOD", "ANY"),
                                    str(ep.get("Path", "$default")), logical_id))
            elif kind == "SQS" and ep.get("Enabled", True):
                queues.append(QueueTrigger(
                    function=logical_id,
                    queue=_queue_name(ep.get("Queue")),
                    batch_size=int(ep.get("BatchSize", 10)),
                    report_batch_item_failures="ReportBatchItemFailures" in (ep.get("FunctionResponseTypes") or []),
                ))
            elif kind == "DynamoDB" and ep.get("Enabled", True):
                streams.append(stream_trigger(logical_id, ep))
            elif kind in ("Schedule", "ScheduleV2") and ep.get("Enabled", True) and ep.get("State", "ENABLED") == "ENABLED":
                expression = ep.get("Schedule") or ep.get("ScheduleExpression")
                schedules.append(ScheduleTrigger(logical_id, str(ep.get("Name") or f"{logical_id}{name}"), str(expression), ep.get("Input")))
    routes.sort(key=lambda r: r.rank)
    return Template(tpl_path, body, functions, routes, queues, schedules, streams)
