"""Customers (the v1 customers API members depend on)."""
