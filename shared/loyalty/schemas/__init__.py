"""Custom event schemas: metadata schemas (`ms_`) whose related object is a custom event's name, created by the operator
and only read through the public API."""
