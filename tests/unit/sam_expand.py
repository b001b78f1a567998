"""Expand a SAM template with AWS's SAM translator and print the CloudFormation template as JSON (run by .venv-lint's python).

Usage: .venv-lint/bin/python tests/unit/sam_expand.py template.yaml

aws-sam-translator pins an older pydantic than the app, so it lives in .venv-lint and tests/unit/test_template.py runs
this script in a subprocess. Local CodeUri / ContentUri folders become S3 URIs first, as `sam validate` does, and the
template's parameters without a default get a placeholder value.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

PLACEHOLDER_BUCKET = "s3://sam-expand-placeholder/"
LOCAL_URIS = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}


class NoManagedPolicies:
    """The translator's managed-policy loader, for a template that names no AWS managed policy (no IAM call is made)."""

    def load(self) -> dict[str, str]:
        return {}


def with_s3_uris(template: dict[str, Any]) -> dict[str, Any]:
    """Local code folders replaced by S3 URIs (the translator accepts nothing else)."""
    resources = template.get("Resources") or {}
    for logical_id, resource in resources.items():
        key = LOCAL_URIS.get(resource.get("Type", ""))
        props = resource.get("Properties") or {}
        if key and isinstance(props.get(key), str) and not props[key].startswith("s3://"):
            props[key] = PLACEHOLDER_BUCKET + logical_id
    function_globals = (template.get("Globals") or {}).get("Function") or {}
    if isinstance(function_globals.get("CodeUri"), str):
        function_globals["CodeUri"] = PLACEHOLDER_BUCKET + "globals"
    return template


def expand(path: str) -> dict[str, Any]:
    """The CloudFormation template the SAM transform makes of `path`."""
    with open(path, encoding="utf-8") as fh:
        template = with_s3_uris(yaml_parse(fh.read()))
    parameters = {
        name: "x" * max(32, int(spec.get("MinLength", 0)))
        for name, spec in (template.get("Parameters") or {}).items()
        if "Default" not in spec
    }
    return transform(template, parameters, NoManagedPolicies())  # type: ignore[arg-type]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    json.dump(expand(argv[1]), sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
