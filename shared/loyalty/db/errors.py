"""AWS calls that failed for want of capacity or an answer in time, told apart from every other failure: they become
one API error, 503 `service_unavailable` with a `Retry-After` hint, instead of a 500 or an API Gateway timeout."""

from __future__ import annotations

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from loyalty.core.errors import LoyaltyError, service_unavailable

RETRY_AFTER_SECONDS = 1
# Error codes that mean "not now" rather than "not this request", once the SDK's own retries are spent (DynamoDB's and
# STS's spellings of throttling and of a failure on their side).
UNAVAILABLE_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "RequestLimitExceeded",
    "InternalServerError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException",
})
# What a TransactWriteItems cancellation gives as an item's reason when the item was throttled.
THROTTLED_CANCELLATION_CODES = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})


def unavailable(error: BaseException) -> LoyaltyError | None:
    """The 503 for an AWS call that timed out, could not connect, was throttled or failed on AWS's side (after the SDK's
    retries); None for any other error (those stay what they are)."""
    if isinstance(error, ConnectionError | HTTPClientError):  # connect/read timeouts, refused or closed connections
        return service_unavailable(f"The database did not answer in time ({type(error).__name__}); retry the request",
                                   RETRY_AFTER_SECONDS)
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in UNAVAILABLE_CODES or status >= 500:
            return service_unavailable(f"The database is busy ({code or status}); retry the request", RETRY_AFTER_SECONDS)
    return None


def throttled_transaction(codes: list[str]) -> LoyaltyError | None:
    """The 503 for a TransactWriteItems cancelled because an item was throttled (None when no item was)."""
    if THROTTLED_CANCELLATION_CODES.intersection(codes):
        return service_unavailable("The database is busy (a transaction was throttled); retry the request", RETRY_AFTER_SECONDS)
    return None
