"""Exports (v1): a CSV of a campaign's or a card's transactions, or of a campaign's points buckets, written by the worker."""
