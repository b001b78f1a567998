"""The v2 reports: daily aggregates kept current from the table's stream, and the report endpoints that read them."""
