"""Voucherify-compatible loyalty core shared by every Lambda function (the layer)."""
