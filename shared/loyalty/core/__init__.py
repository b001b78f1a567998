"""Foundations every layer may use: clock, errors, ids, settings, logging, strict wire-model fields."""
