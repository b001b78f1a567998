"""Earning: the pure engine that turns an order or a custom event and the earning rules into points and benefits."""
