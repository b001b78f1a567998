"""Tier structures and their tiers."""
