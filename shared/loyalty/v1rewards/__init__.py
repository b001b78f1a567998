"""v1 rewards (`/v1/rewards`) and their assignments to v1 loyalty campaigns: what v1 campaigns redeem."""
