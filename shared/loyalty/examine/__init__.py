"""Examine: what a customer's earning rules would give them, estimated from the stored setup, with nothing written."""
