"""A card's points buckets through the API (v2 pending and expiring points, v1 pending points and points expiration)."""
