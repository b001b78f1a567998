"""Business logic: each service function takes the repository as its first parameter."""
