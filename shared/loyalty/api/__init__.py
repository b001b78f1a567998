"""HTTP layer: resolver factory, authentication, error mapping and request context."""
