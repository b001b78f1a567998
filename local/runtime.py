"""The local stack as one object (in-process) or one `python -m local serve` child process, for the CLI and the tests."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, NamedTuple

from local.backends import Backend, Resources, existing_from_environment, provision, start_backend
from local.console import ConsoleFiles
from local.functions import LocalFunction, add_to_sys_path
from local.gateway import GatewayServer
from local.poller import QueuePoller, Scheduler, StreamPoller, StreamRetention, parse_rate
from local.pool import DEFAULT_IDLE_SECONDS, DEFAULT_MAX_PROCESSES, Pools
from local.template import Template, UnresolvedReference, load_template, pseudo_parameters, resolve

log = logging.getLogger("local")

ROOT = Path(__file__).resolve().parent.parent
DEV_PROJECT = "dev"
# Caches of the layer that outlive one runtime in a process (settings, boto3 clients bound to an endpoint, the auth cache).
RESET_HOOKS = (("loyalty.core.settings", "get_settings.cache_clear"), ("loyalty.db.clients", "reset"), ("loyalty.api.auth", "clear_cache"))
# Variables that only mean something on AWS: each function's tenant role (template.yaml, TENANT_ROLE_ARN) differs between
# functions, and every function of the local runtime shares one environment; the local backends enforce no IAM, and with
# the aws backend the operator's credentials are no execution role a tenant role trusts. The layer then reaches the table
# with the default credentials.
AWS_ONLY_VARIABLES = frozenset({"TENANT_ROLE_ARN"})


class ApiKey(NamedTuple):
    """An API key pair as clients send it (unpacks as `app_id, token = key`)."""

    app_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-App-Id": self.app_id, "X-App-Token": self.token}

    def lines(self) -> str:
        """The two header lines the CLI prints."""
        return f"X-App-Id: {self.app_id}\nX-App-Token: {self.token}"


# The key the events in events/ carry; `python -m local invoke` inserts it into local backends.
PLACEHOLDER_KEY = ApiKey("dev.000000000000", "dev.000000000000." + "0" * 40)


def _reset_layer_caches() -> None:
    for module_name, attr in RESET_HOOKS:
        module = sys.modules.get(module_name)
        if module is None:
            continue
        target: Any = module
        for part in attr.split("."):
            target = getattr(target, part, None)
        if callable(target):
            target()


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


class LocalRuntime:
    """Backend + table/queues + environment + functions + HTTP gateway + SQS and stream pollers + schedules, in this process.

    >>> with LocalRuntime(port=0) as rt:                      # doctest: +SKIP
    ...     requests.get(rt.base_url + "/v1/customers/x", headers=rt.dev_key.headers)
    ...     rt.run_worker_until_idle()

    It changes os.environ (credentials, endpoints, TABLE_NAME, ...) while it runs and restores it on stop()."""

    def __init__(
        self,
        template: str | Path = ROOT / "template.yaml",
        *,
        backend: str = "embedded",
        host: str = "127.0.0.1",
        port: int = 0,
        state_dir: str | Path = ROOT / ".local",
        http: bool = True,
        pollers: bool = True,
        schedules: bool = True,
        preload: bool = True,
        dev_key: bool = True,
        schedule_seconds: float | None = None,
        env: Mapping[str, str] | None = None,
        concurrency: int = 0,
        max_processes: int = DEFAULT_MAX_PROCESSES,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        dynamodb_in_memory: bool = False,
        console_dir: str | Path | None = None,
        parameter_overrides: Mapping[str, str] | None = None,
    ) -> None:
        self.template_path = Path(template)
        self.parameter_overrides = dict(parameter_overrides or {})  # template parameters' values (e.g. ConsoleExtraOrigins)
        # the console's build, served at /console/ beside the API (local/console.py); None: not served
        self.console = ConsoleFiles(console_dir) if console_dir is not None else None
        self.backend_name = backend
        self.dynamodb_in_memory = dynamodb_in_memory  # DynamoDB Local's tables in its heap, not on disk (make bench)
        self.host, self.port = host, port
        self.state_dir = Path(state_dir).resolve()
        self.options = {"http": http, "pollers": pollers, "schedules": schedules, "preload": preload, "dev_key": dev_key}
        self.schedule_seconds = schedule_seconds
        self.extra_env = dict(env or {})
        # concurrency > 0: each function runs in its own pool of up to that many worker processes (local/pool.py), as
        # `serve` does; 0: every function in this process, one invocation at a time (tests, `invoke`)
        self.concurrency = concurrency
        self.pool_options = {"max_processes": max_processes, "idle_seconds": idle_seconds}
        self.pools: Pools | None = None
        self.template: Template | None = None
        self.backend: Backend | None = None
        self.resources = Resources()
        self.environment: dict[str, str] = {}
        self.functions: dict[str, LocalFunction] = {}
        self.queue_pollers: list[QueuePoller] = []
        self.stream_pollers: list[StreamPoller] = []
        self.schedulers: list[Scheduler] = []
        self.gateway: GatewayServer | None = None
        self._dev_key: ApiKey | None = None
        self._saved_env: dict[str, str | None] = {}

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LocalRuntime:
        """Start everything; on failure, stop what was started and re-raise."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.template = template = load_template(self.template_path)
        unknown = sorted(set(self.parameter_overrides) - set(template.body.get("Parameters") or {}))
        if unknown:
            raise ValueError(f"not parameters of {self.template_path.name}: {', '.join(unknown)}")
        template.overrides = self.parameter_overrides
        self.backend = backend = start_backend(self.backend_name, self.state_dir, dynamodb_in_memory=self.dynamodb_in_memory)
        self._set_env(backend.environment())
        existing = {} if backend.local else existing_from_environment(template)
        self.resources = provision(backend, template, existing)
        self.environment = self._function_environment(template)
        self._set_env({"POWERTOOLS_TRACE_DISABLED": os.environ.get("POWERTOOLS_TRACE_DISABLED", "true"),
                       **self.environment, **self.extra_env})
        _reset_layer_caches()
        self._load_functions(template, backend.region)
        if self.options["dev_key"]:
            self._dev_key = self._ensure_dev_key()
        self._event_sources(template, backend)
        if self.options["http"]:
            self.gateway = GatewayServer((self.host, self.port), template.routes, self.invoke, template.cors, self.console)
            self.gateway.start()
        if self.options["pollers"]:
            for poller in self.queue_pollers:
                poller.start()
            for stream in self.stream_pollers:
                stream.start()
        if self.options["schedules"]:
            for scheduler in self.schedulers:
                scheduler.start()

    def _load_functions(self, template: Template, region: str) -> None:
        for function in template.functions.values():
            add_to_sys_path(*function.layers)
        self.functions = {k: LocalFunction(f, region) for k, f in template.functions.items()}
        if self.concurrency > 0:
            # workers inherit os.environ as it is now (backend endpoints, the functions' variables); they start lazily
            self.pools = Pools(template.functions, region, concurrency=self.concurrency, **self.pool_options)  # type: ignore[arg-type]
            return
        if self.options["preload"]:
            for fn in self.functions.values():
                try:
                    fn.load()
                except Exception as exc:  # noqa: BLE001 - a broken function must not take the others down
                    log.error("%s: cannot load (%s: %s); its requests will answer 500", fn.name, type(exc).__name__, exc)

    def _event_sources(self, template: Template, backend: Backend) -> None:
        sqs = backend.client("sqs")
        for trigger in template.queue_triggers:
            url = self.resources.refs.get(trigger.queue) or sqs.get_queue_url(QueueName=trigger.queue.rsplit(":", 1)[-1])["QueueUrl"]
            arn = self.resources.attrs.get(f"{trigger.queue}.Arn", trigger.queue)
            self.queue_pollers.append(QueuePoller(trigger, url, arn, sqs, self.invoke, backend.region))
        retention: dict[str, StreamRetention] = {}  # stream -> what its pollers have all read (one per stream)
        for stream_trigger in template.stream_triggers:
            stream_arn = self.resources.attrs.get(f"{stream_trigger.table}.StreamArn")
            if not stream_arn:
                log.warning("%s: table %s has no stream here; its stream trigger does not run locally", stream_trigger.function, stream_trigger.table)
                continue
            failure_url = self.resources.refs.get(stream_trigger.on_failure) if stream_trigger.on_failure else None
            if stream_arn not in retention and (forget := backend.stream_retention(stream_arn)) is not None:
                retention[stream_arn] = StreamRetention(forget)
            self.stream_pollers.append(StreamPoller(stream_trigger, stream_arn, backend.client("dynamodbstreams"), self.invoke,
                                                    backend.region, sqs, failure_url, retention=retention.get(stream_arn)))
        for rule in template.schedules:
            interval = self.schedule_seconds or float(os.environ.get("LOCAL_SCHEDULE_SECONDS") or 0)
            try:
                self.schedulers.append(Scheduler(rule, interval or parse_rate(rule.expression), self.invoke, backend.region))
            except ValueError as exc:
                log.warning("%s: not scheduled locally: %s", rule.function, exc)

    def stop(self) -> None:
        """Stop threads, the gateway and the backend; restore os.environ. Safe to call twice."""
        for scheduler in self.schedulers:
            scheduler.stop()
        for poller in self.queue_pollers:
            poller.stop()
        for stream in self.stream_pollers:
            stream.stop()
        self.schedulers, self.queue_pollers, self.stream_pollers = [], [], []
        if self.gateway is not None:
            self.gateway.stop()
            self.gateway = None
        if self.pools is not None:
            self.pools.close()
            self.pools = None
        if self.backend is not None:
            try:
                self.backend.stop()
            finally:
                self.backend = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env = {}
        _reset_layer_caches()

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ environment
    def _set_env(self, values: Mapping[str, str | None]) -> None:
        for key, value in values.items():
            if key not in self._saved_env:
                self._saved_env[key] = os.environ.get(key)
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def _secret_parameter(self, name: str) -> str:
        """A parameter without Default (e.g. CursorSecret): random, persisted as <state-dir>/<kebab-name>."""
        path = self.state_dir / _kebab(name)
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        value = secrets.token_urlsafe(48)
        _write_private(path, value + "\n")
        return value

    def _function_environment(self, template: Template) -> dict[str, str]:
        """The union of the functions' variables, intrinsics resolved.

        A plain value (or a parameter's default) already in os.environ wins (like `sam local --env-vars`); with the aws
        backend, any value does."""
        assert self.backend is not None
        params = {name: self._secret_parameter(name) for name in (template.body.get("Parameters") or {}) if name not in template.parameter_defaults()}
        refs = {**pseudo_parameters(self.backend.region), **template.parameter_defaults(), **params, **self.resources.refs}
        env: dict[str, str] = {}
        for function in template.functions.values():
            for var, raw in function.environment.items():
                if var in AWS_ONLY_VARIABLES:
                    continue
                try:
                    value = str(resolve(raw, refs, self.resources.attrs))
                except UnresolvedReference as exc:
                    log.warning("%s: %s is not set locally (%s)", function.logical_id, var, exc)
                    continue
                defaulted = isinstance(raw, dict) and set(raw) == {"Ref"} and raw["Ref"] in template.parameter_defaults()
                if (not isinstance(raw, dict | list) or defaulted or not self.backend.local) and var in os.environ:
                    value = os.environ[var]
                if env.get(var, value) != value:
                    log.warning("%s differs between functions; every function sees %r locally", var, env[var])
                    continue
                env[var] = value
        return env

    # ------------------------------------------------------------------ use
    @property
    def base_url(self) -> str:
        """http://host:port of the gateway."""
        if self.gateway is None:
            raise RuntimeError("the HTTP gateway is not running")
        return self.gateway.base_url

    @property
    def dev_key(self) -> ApiKey:
        """The `dev` project's key pair (kept in <state-dir>/dev-key.json)."""
        if self._dev_key is None:
            raise RuntimeError("no dev key: start() with dev_key=True")
        return self._dev_key

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Invoke one function with an event, as Lambda would: on a worker process of its pool (one event at a time per
        process), or in this process without pools."""
        if self.pools is not None:
            return self.pools.invoke(logical_id, event)
        return self.functions[logical_id].invoke(event)

    def run_schedule(self, logical_id: str) -> Any:
        """Invoke a scheduled function now with its scheduled event."""
        for scheduler in self.schedulers:
            if scheduler.trigger.function == logical_id:
                return scheduler.run_once()
        raise KeyError(f"{logical_id} has no schedule")

    def run_worker_until_idle(self, timeout: float = 30.0) -> bool:
        """Process queued messages and stream records in this thread until every queue is empty and every stream poller
        has settled every record written so far (True), or give up after `timeout` s (False).

        Messages a worker reported as failed stay invisible for the queue's VisibilityTimeout, so they count as not idle;
        stream records a function failed are retried here until they succeed or exhaust the trigger's retries."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(p.poll_once(wait_seconds=0) for p in self.queue_pollers):
                continue
            if sum(s.poll_once() for s in self.stream_pollers):
                continue
            if (all(not p.busy.is_set() and self._queue_depth(p) == 0 for p in self.queue_pollers)
                    and all(s.idle for s in self.stream_pollers)):
                return True
            time.sleep(0.05)
        return False

    def _queue_depth(self, poller: QueuePoller) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]
        attrs = poller.sqs.get_queue_attributes(QueueUrl=poller.queue_url, AttributeNames=names)["Attributes"]
        return sum(int(attrs.get(n, 0)) for n in names)

    # ------------------------------------------------------------------ API keys
    def _table(self, project: str) -> Any:
        assert self.backend is not None
        from loyalty.db.table import Table

        return Table(project, self.environment.get("TABLE_NAME", ""), cursor_secret=self.environment.get("CURSOR_SECRET", "x" * 32),
                     client=self.backend.client("dynamodb"))

    def put_key(self, project: str, key: ApiKey, name: str = "local key") -> None:
        """Store a key pair for a project."""
        from loyalty.api.auth import hash_token
        from loyalty.apikeys.store import put_api_key

        put_api_key(self._table(project), key.app_id, hash_token(key.token), name)

    def create_key(self, project: str, name: str = "local key") -> ApiKey:
        """A new key pair for a project, stored."""
        from loyalty.api.auth import new_key_pair

        key = ApiKey(*new_key_pair(project))
        self.put_key(project, key, name)
        return key

    def has_key(self, project: str, key: ApiKey) -> bool:
        """Whether the backend holds this exact pair."""
        from loyalty.api.auth import hash_token
        from loyalty.apikeys.store import get_api_key

        record = get_api_key(self._table(project), key.app_id)
        return record is not None and record.get("token_hash") == hash_token(key.token)

    def _ensure_dev_key(self) -> ApiKey:
        path = self.state_dir / "dev-key.json"
        key = None
        with contextlib.suppress(OSError, ValueError, TypeError):
            key = ApiKey(**json.loads(path.read_text()))
        if key is None:
            key = self.create_key(DEV_PROJECT, "dev key")
            _write_private(path, json.dumps(key._asdict(), indent=2) + "\n")
        elif not self.has_key(DEV_PROJECT, key):
            self.put_key(DEV_PROJECT, key, "dev key")
        return key

    def describe(self) -> dict[str, Any]:
        """What another process needs to reach this runtime's backend (written to <state-dir>/endpoints.json by `serve`)."""
        assert self.backend is not None
        return {
            "pid": os.getpid(),
            "backend": self.backend.name,
            "region": self.backend.region,
            "endpoints": self.backend.endpoints,
            "base_url": self.gateway.base_url if self.gateway else None,
            "table_name": self.environment.get("TABLE_NAME"),
            "queue_url": self.environment.get("QUEUE_URL"),
            "resources": self.resources.refs,
        }


LocalStack = LocalRuntime  # the name the design notes use


class ServeProcess:
    """`python -m local serve` as a child process: start() waits for `ready` and reads the base URL and the dev key.

    The child's stderr (request and handler logs) goes to `log_path` (default <state-dir>/serve.log)."""

    def __init__(
        self,
        *,
        backend: str = "embedded",
        port: int = 0,
        state_dir: str | Path = ROOT / ".local",
        template: str | Path = ROOT / "template.yaml",
        env: Mapping[str, str] | None = None,
        log_path: str | Path | None = None,
        startup_timeout: float = 120.0,
        extra_args: list[str] | None = None,
    ) -> None:
        self.state_dir = Path(state_dir).resolve()
        self.args = [sys.executable, "-m", "local", "serve", "--backend", backend, "--port", str(port),
                     "--state-dir", str(self.state_dir), "--template", str(Path(template).resolve()), *(extra_args or [])]
        self.env = {**os.environ, **(env or {})}
        self.log_path = Path(log_path) if log_path else self.state_dir / "serve.log"
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""
        self.dev_key = ApiKey("", "")
        self.output: list[str] = []

    def start(self) -> ServeProcess:
        """Spawn and wait for `ready` (raises RuntimeError with the log tail if it exits or times out)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=log_file, text=True, bufsize=1)
        log_file.close()
        ready = threading.Event()
        threading.Thread(target=self._read, args=(self.proc.stdout, ready), daemon=True).start()
        if not ready.wait(self.startup_timeout) or self.proc.poll() is not None:
            self.stop()
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"`python -m local serve` did not become ready; stdout={self.output}\n{tail}")
        return self

    def _read(self, stream: IO[str] | None, ready: threading.Event) -> None:
        assert stream is not None
        app_id = token = ""
        for line in stream:  # keeps draining after `ready`, so the child never blocks on a full pipe
            line = line.rstrip("\n")
            self.output.append(line)
            if line.startswith("X-App-Id: "):
                app_id = line.split(": ", 1)[1]
            elif line.startswith("X-App-Token: "):
                token = line.split(": ", 1)[1]
            elif line.startswith("Loyalty API on "):  # "Loyalty API on http://... (backend: name)" (not "Console on ...")
                self.base_url = line.split(" on ", 1)[1].split()[0]
            elif line == "ready":
                self.dev_key = ApiKey(app_id, token)
                ready.set()

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout` s. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return self.proc.returncode

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
