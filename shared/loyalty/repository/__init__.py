"""DynamoDB single-table access: keys, item mappers, conditional transactions and cursors."""

from loyalty.repository.store import Repository, TransactionConflict

__all__ = ["Repository", "TransactionConflict"]
