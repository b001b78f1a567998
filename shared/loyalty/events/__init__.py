"""Custom events: `POST /v1/events` stores the event (the customer upserted) and a job that evaluates its earning."""
