"""The points lifecycle: what earning rules give (written once per effect and card), pending points and their activation,
expiring points and their expiry, order-cancel revokes, and the daily job."""
