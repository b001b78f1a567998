"""API key pairs: how a request's credentials name its project."""
