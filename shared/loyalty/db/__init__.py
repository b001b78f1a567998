"""The single DynamoDB table: clients, codec, keys (the only place a key is spelled), project-scoped access, labelled transactions, cursors."""
