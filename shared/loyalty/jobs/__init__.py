"""Queue messages and the worker's job handlers."""
