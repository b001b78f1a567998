"""Members in tiers: a member's tier kept current from its card's changes (DynamoDB stream) and by the daily job."""
