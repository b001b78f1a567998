"""Pay with points: a member's card pays (part of) an order stored through /v1/orders."""
