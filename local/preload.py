"""What the pool's fork server imports once, before it forks each worker (local/pool.py): the third-party stack every
function imports (about 0.4 s of a worker's cold start otherwise). Only modules, no clients, threads or settings: each
worker builds its own state after the fork, as a Lambda execution environment does."""

from __future__ import annotations

import contextlib
import importlib

MODULES = ("boto3", "botocore.client", "botocore.session", "pydantic", "aws_lambda_powertools", "aws_lambda_powertools.logging",
           "aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.batch",
           "aws_lambda_powertools.utilities.idempotency", "aws_lambda_powertools.utilities.parser", "local.functions")

for _name in MODULES:
    with contextlib.suppress(ImportError):  # a module this environment lacks is imported by the worker that needs it
        importlib.import_module(_name)
