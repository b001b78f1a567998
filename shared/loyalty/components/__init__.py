"""Program components: card definitions, earning rules, rewards (and their wire models, store and service)."""
