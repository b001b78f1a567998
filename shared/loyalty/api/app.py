"""Resolver factory: one APIGatewayHttpResolver per function with auth, validation and the one error mapper."""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType, RequestValidationError

from loyalty.api import auth, throttle
from loyalty.apikeys.store import get_api_key, lease_rate_tokens
from loyalty.core.errors import LoyaltyError, invalid_payload
from loyalty.core.fields import error_sentence, lone_surrogate_at
from loyalty.core.logs import logger
from loyalty.core.settings import get_settings
from loyalty.db import clients
from loyalty.db.errors import unavailable
from loyalty.db.table import Table


def _event_request_id(event: dict[str, Any]) -> str:
    return f"v-{(event.get('requestContext') or {}).get('requestId', 'unknown')}"


def _request_id(app: APIGatewayHttpResolver) -> str:
    return _event_request_id(app.current_event.raw_event)


def _authenticate(event: dict[str, Any]) -> tuple[str, str]:
    """The project and app id of the request's API key (before routing and validation, so bad keys never see a 400)."""
    settings = get_settings()
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}

    def lookup(project_id: str, app_id: str) -> dict[str, Any] | None:
        # The execution role's client: only it may read API-key items (the tenant roles are denied them).
        return get_api_key(_table(project_id, client=clients.dynamodb()), app_id)

    project_id = auth.authenticate(headers, lookup, settings.auth_cache_ttl_seconds)
    creds = auth.credentials(headers)
    assert creds is not None  # authenticate() accepted them

    def lease(window_start: int, amount: int, limit: int, expires_at: int) -> bool:
        # The execution role's client too: the rate counters belong to the auth path (statement RateLimit).
        return lease_rate_tokens(_table(project_id, client=clients.dynamodb()), window_start, amount, limit, expires_at)

    throttle.admit(project_id, settings.project_rate_limit, settings.rate_window_seconds, lease)
    return project_id, creds[0]


def error_response(app: APIGatewayHttpResolver, error: LoyaltyError) -> Response:
    """The Voucherify error body for a domain error."""
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(error.body(_request_id(app))),
        headers=error.headers() or None,
    )


def _describe(err: dict[str, Any]) -> str:
    """One validation error as a sentence in the style of Voucherify's `details`."""
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query")]
    kind = err.get("type", "")
    where = ".".join(loc)
    if kind == "json_invalid":
        return "Payload must be valid JSON"
    if kind == "missing":
        parent, name = (".".join(loc[:-1]), loc[-1]) if loc else ("", "body")
        return f"Payload{'.' + parent if parent else ''} must have required property '{name}'"
    if kind == "extra_forbidden":
        return f"Payload must NOT have additional property '{where}'"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"Property '{where or 'body'}' must be object"
    return f"Property '{where or 'body'}' {error_sentence(err.get('msg'))}"


MAX_NUMBER_DIGITS = 1000
"""The longest number literal a body may hold (Python refuses to read integers of more than 4,300 digits, and nothing
the API stores has more than 38)."""
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}|[\ud800-\udfff]")


def _number_literal(text: str) -> str:
    if len(text) > MAX_NUMBER_DIGITS:
        raise invalid_payload(f"Payload must not contain numbers of more than {MAX_NUMBER_DIGITS} digits")
    return text


def _int(text: str) -> int:
    return int(_number_literal(text))


def _float(text: str) -> float:
    value = float(_number_literal(text))
    if not math.isfinite(value):
        raise invalid_payload("Payload must not contain numbers too large to represent (at most 9.99e125 in magnitude)")
    return value


def _constant(name: str) -> Any:
    raise invalid_payload(f"Payload must be valid JSON: {name} is not a JSON number")


def read_json(text: str) -> Any:
    """A request body as JSON, refusing (400 `invalid_payload`) what Python's json reads but the API cannot take: NaN and
    Infinity, numbers too long to read or too large to represent, and strings or keys holding a lone UTF-16 surrogate
    (a `\\ud800` escape: not Unicode text, so it can be neither stored nor answered)."""
    value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    if _SURROGATE.search(text):  # a cheap filter: most bodies have no surrogate escape at all, and pairs are fine
        found = lone_surrogate_at(value)
        if found is not None:
            place = ".".join(str(p).encode("utf-8", "backslashreplace").decode() for p in found[0])
            subject = f"Property '{place}'" if place else "Payload"
            raise invalid_payload(f"{subject} {found[1]}")
    return value


def _query_error(errors: list[dict[str, Any]]) -> bool:
    return any(e.get("loc", ("",))[0] == "query" for e in errors)


def make_app() -> APIGatewayHttpResolver:
    """A resolver with request validation, API-key auth and Voucherify error bodies."""
    app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=read_json)

    @app.exception_handler(LoyaltyError)
    def _domain(error: LoyaltyError) -> Response:
        return error_response(app, error)

    @app.exception_handler(RequestValidationError)
    def _validation(error: RequestValidationError) -> Response:
        errors = list(error.errors())
        if _query_error(errors):
            return error_response(
                app,
                LoyaltyError(400, "invalid_query_params", "Invalid query params", _describe(errors[0]).replace("Property", "Query parameter")),
            )
        return error_response(app, invalid_payload(_describe(errors[0]) if errors else "Invalid payload"))

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported(_: RequestUnsupportedContentType) -> Response:  # `entry` normalises the header; a safety net
        return error_response(app, unsupported_media_type(""))

    @app.exception_handler(RecursionError)
    def _too_deep(_: RecursionError) -> Response:
        return error_response(app, invalid_payload("Payload is nested too deeply"))

    @app.not_found
    def _no_route(_: NotFoundError) -> Response:
        return error_response(app, LoyaltyError(404, "not_found", "Resource not found", "No such route"))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        return error_response(app, _unexpected_error(error))

    return app


def _unexpected_error(error: Exception) -> LoyaltyError:
    """The answer to an exception no handler expected: 503 `service_unavailable` (with Retry-After) when an AWS call
    timed out or was throttled after the SDK's retries (`db.errors`), 500 `internal_error` otherwise."""
    busy = unavailable(error)
    if busy is not None:
        logger.warning("backing service unavailable", extra={"error": repr(error)})
        return busy
    logger.exception("unhandled error")
    return LoyaltyError(500, "internal_error", "Internal Server Error", "Unexpected error")


def _table(project_id: str, source: dict[str, Any] | None = None, client: Any = None) -> Table:
    settings = get_settings()
    return Table(
        project_id,
        settings.table_name,
        cursor_secret=settings.cursor_secret,
        cursor_ttl_seconds=settings.cursor_ttl_seconds,
        source=source,
        client=client,
    )


def base_url(app: APIGatewayHttpResolver) -> str:
    """The public base URL of the API for the current request (v1 asset URLs are built under it)."""
    event = app.current_event.raw_event
    context = event.get("requestContext") or {}
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    host = context.get("domainName") or headers.get("host") or "localhost"
    proto = headers.get("x-forwarded-proto") or "https"
    stage = context.get("stage") or "$default"
    return f"{proto}://{host}" + ("" if stage == "$default" else f"/{stage}")


def raw_body(app: APIGatewayHttpResolver) -> tuple[bytes, str]:
    """The request's body as bytes (API Gateway base64-encodes a binary one) and its Content-Type header."""
    event = app.current_event.raw_event
    body = event.get("body") or ""
    try:
        data = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode("utf-8")
    except ValueError:
        raise invalid_payload("Payload is not valid base64") from None
    headers = event.get("headers") or {}
    return data, next((str(v) for k, v in headers.items() if str(k).lower() == "content-type"), "")


def query_params(app: APIGatewayHttpResolver) -> list[tuple[str, str]]:
    """The request's query string as (name, value) pairs, in order and with repeated names kept (list endpoints read
    `filters[...]` deep objects and repeated `order` from it)."""
    return parse_qsl(app.current_event.raw_event.get("rawQueryString") or "", keep_blank_values=True)


def table(app: APIGatewayHttpResolver) -> Table:
    """The table, scoped to the authenticated project of the current request (what every service takes first); the
    activities it writes name the request's API key as their source."""
    return _table(app.context["project_id"], {"channel": "API", "api_key": {"app_id": app.context["app_id"]}})


def no_content() -> Response[None]:
    """An empty 204 answer (the v1 endpoints that answer nothing)."""
    return Response(status_code=204, body=None)


def request_id(app: APIGatewayHttpResolver) -> str:
    """The current request's id as error bodies and async actions carry it (`v-...`)."""
    return _request_id(app)


BODY_METHODS = ("POST", "PUT", "PATCH")
"""The methods whose body is read (and refused with 415 when it is declared as something other than JSON); another
method's body is ignored."""
JSON_MEDIA_TYPES = ("application/json", "text/json")
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


def media_type(headers: dict[str, Any]) -> str:
    """The request's media type, lower-case and without parameters (`''` when there is none), whatever the case of the
    header's name."""
    value = next((str(v) for k, v in headers.items() if str(k).lower() == "content-type"), "")
    return value.split(";")[0].strip().lower()


def reads_as_json(media: str) -> bool:
    """Whether a body sent with this media type is read as JSON: any spelling of `application/json` or `text/json`, a
    `+json` suffix (`application/vnd.api+json`), none at all, or curl's `-d` default (form-urlencoded)."""
    return media in ("", FORM_MEDIA_TYPE, *JSON_MEDIA_TYPES) or media.endswith("+json")


def unsupported_media_type(media: str) -> LoyaltyError:
    """415 `unsupported_media_type`: the body is declared as something other than JSON."""
    shown = media[:100] or "this content type"
    return LoyaltyError(415, "unsupported_media_type", "Unsupported Media Type",
                        f"Content-Type {shown} is not supported: send the body as JSON (Content-Type: application/json)")


MULTIPART_MEDIA_TYPE = "multipart/form-data"


def _as_json(event: dict[str, Any], *, array_body: bool = False, form_body: bool = False) -> dict[str, Any]:
    """The event as the resolver reads it: a body declared as JSON (see `reads_as_json`) is read as JSON whatever the
    case of the header's name and value; a POST or PUT body declared as anything else is refused (415); a JSON array is
    refused (400), because the resolver would take its first element for an object body, unless the route's body is an
    array (`array_body`: the route declares it as a list)."""
    headers = event.get("headers") or {}
    media = media_type(headers)
    body = event.get("body")
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method") or "").upper()
    if form_body:  # the route reads its multipart body itself (`raw_body`), as API Gateway delivers it
        if body and method in BODY_METHODS and media != MULTIPART_MEDIA_TYPE:
            raise unsupported_media_type(media)
        return event
    if body and method in BODY_METHODS and not reads_as_json(media):
        raise unsupported_media_type(media)
    headers = {**{k: v for k, v in headers.items() if str(k).lower() != "content-type"}, "content-type": "application/json"}
    event = {**event, "headers": headers}
    if body is not None:
        text = body
        if event.get("isBase64Encoded"):
            try:
                text = base64.b64decode(body, validate=True).decode("utf-8")
            except UnicodeDecodeError:
                raise invalid_payload("Payload must be UTF-8 text") from None
            except ValueError:
                raise invalid_payload("Payload must be valid JSON") from None
            event = {**event, "body": text, "isBase64Encoded": False}
        if text.lstrip().startswith("[") and not array_body:
            raise invalid_payload("Payload must be an object")
    return event


def entry(app: APIGatewayHttpResolver, *, array_body: bool = False, form_body: bool = False
          ) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda entry point for a resolver. Bodies that are JSON arrays are refused (400) unless `array_body` says
    that this function's one route takes an array; `form_body` routes take multipart/form-data only (415 otherwise)."""

    @logger.inject_lambda_context(correlation_id_path="requestContext.requestId", clear_state=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            project_id, app_id = _authenticate(event)
            event = _as_json(event, array_body=array_body, form_body=form_body)
        except LoyaltyError as error:
            return _error_result(event, error)
        except Exception as error:  # noqa: BLE001 - the key lookup timed out or was throttled (else 500, as in the resolver)
            return _error_result(event, _unexpected_error(error))
        app.append_context(project_id=project_id, app_id=app_id)
        try:
            key = idempotency_key(event)
        except LoyaltyError as error:
            return _error_result(event, error)
        if key is None:
            return app.resolve(event, context)
        return _resolve_once(app, event, context, project_id, key)

    return handler


def public_entry(app: APIGatewayHttpResolver) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda entry point of a public route (no API key: the card asset URLs end up in <img> tags). It authenticates
    nothing and reads no table: what such a route serves is authenticated by its path alone (a signed id)."""

    @logger.inject_lambda_context(correlation_id_path="requestContext.requestId", clear_state=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        result: dict[str, Any] = app.resolve(event, context)
        return result

    return handler


# ---------------------------------------------------------------------------------------------------- idempotency keys
IDEMPOTENCY_HEADER = "idempotency-key"
IDEMPOTENCY_METHODS = ("POST",)
MAX_IDEMPOTENCY_KEY = 255
_PRINTABLE = re.compile(r"[\x20-\x7e]+")
IN_PROGRESS_FALLBACK_MILLIS = 30_000  # how long a key stays locked when the context tells no remaining time


def idempotency_key(event: dict[str, Any]) -> str | None:
    """The request's `Idempotency-Key` (any case of the header's name) when it is a POST that sends one; None otherwise. A
    key that is empty, longer than 255 characters or not printable ASCII is refused (400 `invalid_idempotency_key`)."""
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method") or "").upper()
    if method not in IDEMPOTENCY_METHODS:
        return None
    value = next((v for k, v in (event.get("headers") or {}).items() if str(k).lower() == IDEMPOTENCY_HEADER), None)
    if value is None:
        return None
    key = str(value)
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY or not _PRINTABLE.fullmatch(key):
        raise LoyaltyError(400, "invalid_idempotency_key", "Invalid Idempotency-Key",
                           f"Header Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters")
    return key


def stored(result: dict[str, Any]) -> bool:
    """Whether an answer is kept for replay: every answer but those telling the client to try again (5xx, 429, or any
    answer carrying Retry-After), so that a retry with the same key runs the request again."""
    status = int(result.get("statusCode") or 500)
    headers = {str(k).lower() for k in (result.get("headers") or {})}
    return status < 500 and status != 429 and "retry-after" not in headers


def _fingerprint(event: dict[str, Any]) -> dict[str, Any]:
    """What must be the same for a key to be replayed: method, path, query string and body (as JSON when it is JSON, so
    that key order and spacing do not matter)."""
    body: Any = event.get("body")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except (ValueError, RecursionError):
            pass  # compared as text (the resolver then refuses it: 400)
    http = (event.get("requestContext") or {}).get("http") or {}
    return {"method": str(http.get("method") or "").upper(), "path": event.get("rawPath") or http.get("path") or "",
            "query": event.get("rawQueryString") or "", "body": body}


def idempotency_error(error: Exception) -> LoyaltyError:
    """The Voucherify error for one of Powertools' idempotency errors: 409 in both cases, told apart by the key and by
    Retry-After - `idempotency_request_in_progress` (retry later: Retry-After 1) while the first request runs, and
    `idempotency_key_reused` (do not retry: use a new key) for a key sent with another request. 409, not the IETF
    draft's 422: Voucherify answers no 422 (openapi.json promises none), and the request conflicts with the state the
    key's first request left, as `duplicate_found` does."""
    from aws_lambda_powertools.utilities.idempotency import exceptions as idem  # here: keyless calls never load it

    if isinstance(error, idem.IdempotencyValidationError):
        return LoyaltyError(409, "idempotency_key_reused", "Idempotency key reused",
                            "This Idempotency-Key was used with another request (method, path or body): use a new key")
    if isinstance(error, idem.IdempotencyAlreadyInProgressError | idem.IdempotencyInconsistentStateError):
        return LoyaltyError(409, "idempotency_request_in_progress", "Request in progress",
                            "A request with this Idempotency-Key is still in progress: retry later", retry_after=1)
    if isinstance(error, idem.IdempotencyPersistenceLayerError) and isinstance(error.__cause__, Exception):
        return _unexpected_error(error.__cause__)
    return _unexpected_error(error)


class _NotStored(Exception):  # a signal, not an error
    """Raised around an answer that must not be kept (`stored`), so the utility releases the key."""


def _resolve_once(app: APIGatewayHttpResolver, event: dict[str, Any], context: Any, project_id: str, key: str) -> dict[str, Any]:
    """Resolve a POST sent with an `Idempotency-Key`: once per project and key (db.idempotency), replaying the stored
    answer to a repeat; the utility's refusals answered with the error body."""
    from aws_lambda_powertools.utilities.idempotency import exceptions as idem  # here: keyless calls never load it

    from loyalty.db import idempotency  # here: keyless calls never load it

    answer: dict[str, Any] = {}

    def run() -> dict[str, Any]:
        result: dict[str, Any] = app.resolve(event, context)
        answer["result"] = result
        if not stored(result):
            raise _NotStored()
        return result

    def remaining() -> int:
        clock = getattr(context, "get_remaining_time_in_millis", None)
        return int(clock()) if callable(clock) else IN_PROGRESS_FALLBACK_MILLIS

    try:
        return idempotency.once(_table(project_id), key, _fingerprint(event), run, remaining)
    except _NotStored:
        return answer["result"]
    except (idem.IdempotencyValidationError, idem.IdempotencyAlreadyInProgressError, idem.IdempotencyInconsistentStateError,
            idem.IdempotencyPersistenceLayerError) as error:
        if "result" in answer:  # the request ran: its answer stands even if the record could not be saved or released
            logger.warning("idempotency record not updated", extra={"error": repr(error)})
            return answer["result"]
        return _error_result(event, idempotency_error(error))


def route_not_found(event: dict[str, Any]) -> dict[str, Any]:
    """The answer to a request no route serves (the HttpApi's `$default` route): 404 `not_found` with the Voucherify
    error body. It neither authenticates nor reads anything, so an unknown path costs no table call."""
    http = (event.get("requestContext") or {}).get("http") or {}
    method = str(http.get("method") or "?")
    path = str(event.get("rawPath") or http.get("path") or "/")
    return _error_result(event, LoyaltyError(404, "not_found", "Resource not found", f"No route for {method} {path}"))


def _error_result(event: dict[str, Any], error: LoyaltyError) -> dict[str, Any]:
    """A Lambda result carrying the error body, for answers made before (or without) the resolver."""
    return {"statusCode": error.status, "headers": {"Content-Type": content_types.APPLICATION_JSON, **error.headers()},
            "body": json.dumps(error.body(_event_request_id(event))), "isBase64Encoded": False}
