"""Activities: the history of every resource, written in the same transaction as each change, listed newest first."""
