"""v1 loyalty tiers: a v1 campaign's tiers mapped onto the tier model, and the tiers its members are in."""
