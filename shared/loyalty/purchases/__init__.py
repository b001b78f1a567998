"""Reward purchases: accepted atomically, completed by the worker."""
