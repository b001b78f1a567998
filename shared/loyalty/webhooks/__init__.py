"""Webhooks (ours, not Voucherify's): per-project URLs that receive the loyalty events, signed, through SQS."""
