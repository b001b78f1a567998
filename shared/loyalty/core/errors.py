"""Domain errors: raised deep in services and repositories, mapped once to Voucherify's error body."""

from __future__ import annotations


class LoyaltyError(Exception):
    """An error the API answers with `{code, key, message, details, request_id, ...}`."""

    def __init__(
        self,
        status: int,
        key: str,
        message: str,
        details: str = "",
        *,
        resource_type: str | None = None,
        resource_id: str | None = None,
        related_object_ids: list[str] | None = None,
        related_object_type: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(f"{status} {key}: {details or message}")
        self.status = status
        self.key = key
        self.message = message
        self.details = details or message
        self.resource_type = resource_type
        self.resource_id = resource_id
        self.related_object_ids = related_object_ids
        self.related_object_type = related_object_type
        self.retry_after = retry_after  # seconds a client should wait before retrying (the Retry-After header)

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides Content-Type (`Retry-After` when the error says when to retry)."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}

    def body(self, request_id: str) -> dict[str, object]:
        """The Voucherify error body for this error."""
        out: dict[str, object] = {
            "code": self.status,
            "key": self.key,
            "message": self.message,
            "details": self.details,
            "request_id": request_id,
        }
        if self.resource_id is not None:
            out["resource_id"] = self.resource_id
        if self.resource_type is not None:
            out["resource_type"] = self.resource_type
        if self.related_object_ids is not None:
            out["related_object_ids"] = self.related_object_ids
            out["related_object_type"] = self.related_object_type
        return out


def not_found(resource_type: str, resource_id: str) -> LoyaltyError:
    """404 `not_found` for a resource that does not exist (or is not visible to this project)."""
    return LoyaltyError(
        404,
        "not_found",
        "Resource not found",
        f"Cannot find {resource_type} with id {resource_id}",
        resource_type=resource_type,
        resource_id=resource_id,
    )


def invalid_payload(details: str) -> LoyaltyError:
    """400 `invalid_payload`."""
    return LoyaltyError(400, "invalid_payload", "Invalid payload", details)


def locked(key: str, message: str, details: str, **kw: str) -> LoyaltyError:
    """423: the resource is in a state that forbids the operation."""
    return LoyaltyError(423, key, message, details, **kw)  # type: ignore[arg-type]


def unauthorized() -> LoyaltyError:
    """401 `unauthorized`."""
    return LoyaltyError(401, "unauthorized", "Unauthorized", "Missing or invalid X-App-Id / X-App-Token credentials")


def conflict(key: str, message: str, details: str) -> LoyaltyError:
    """409 with a key."""
    return LoyaltyError(409, key, message, details)


def invalid_state_transition(status: int, resource_type: str, resource_id: str, current: str, action: str) -> LoyaltyError:
    """400 or 409 `invalid_state_transition` (spec-map A6: programs, members, benefits answer 400; card definitions,
    earning rules, rewards, tier structures 409)."""
    return LoyaltyError(status, "invalid_state_transition", "Invalid state transition",
                        f"Cannot {action} {resource_type} {resource_id} in status {current}",
                        resource_type=resource_type, resource_id=resource_id)


def resource_in_use(resource_type: str, resource_id: str, related_type: str, related_ids: list[str], action: str) -> LoyaltyError:
    """400 `resource_in_use`: the resource is used by others (named in `related_object_ids`)."""
    return LoyaltyError(400, "resource_in_use", "Resource in use",
                        f"Cannot {action} {resource_type} {resource_id}: it is used by {related_type} {', '.join(related_ids)}",
                        resource_type=resource_type, resource_id=resource_id, related_object_ids=related_ids,
                        related_object_type=related_type)


def service_unavailable(details: str, retry_after: int = 1) -> LoyaltyError:
    """503 `service_unavailable`: a backing service did not answer in time or refused the load; the request may be
    retried after `retry_after` seconds."""
    return LoyaltyError(503, "service_unavailable", "Service unavailable", details, retry_after=retry_after)


def resource_locked(resource_type: str, resource_id: str, details: str) -> LoyaltyError:
    """423 `resource_locked`: the resource's state or use forbids the change."""
    return LoyaltyError(423, "resource_locked", "Resource locked", details, resource_type=resource_type, resource_id=resource_id)
