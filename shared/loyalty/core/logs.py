"""The one structured logger of the layer (Powertools Logger, JSON lines)."""

from aws_lambda_powertools import Logger

logger = Logger(service="loyalty")
