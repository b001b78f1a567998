"""Orders and custom events: the request bodies of /v1/orders and /v1/events and what the earning engine reads of them."""
