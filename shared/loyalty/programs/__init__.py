"""Programs and their component assignments."""
