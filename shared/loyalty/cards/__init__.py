"""The card ledger: card transactions and the counters they move."""
