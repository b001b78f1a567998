"""The legacy v1 loyalty API: campaigns, add member, get member, balance."""
