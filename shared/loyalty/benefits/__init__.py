"""Benefits: what earning rules and tiers can grant besides points."""
