"""Domain events out: the loyalty events the API publishes to the stack's EventBridge bus, written once with what they report."""
