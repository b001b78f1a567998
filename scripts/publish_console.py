"""Publish the console's build (console/dist, `make console`) to a deployed stack; `make deploy` runs it after `sam deploy`.

It reads the stack's outputs (ConsoleBucketName, ConsoleDistributionId, ApiUrl), uploads every file of the build to the
console's private bucket with its Content-Type and Cache-Control (index.html revalidated on every load, assets/ immutable
for a year: Vite puts a content hash in their names) - the hashed files first and index.html last, so a visitor never gets
an index.html whose files are not there yet - writes config.json = {"api_url": <ApiUrl>}, deletes the objects the build no
longer has, and invalidates index.html and config.json in CloudFront.

    python scripts/publish_console.py [--stack-name NAME] [--region REGION] [--profile PROFILE] [--dist console/dist]

The stack name (and region, profile) default to samconfig.toml's, which `sam deploy --guided` writes.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python scripts/publish_console.py`: local.console gives the headers `serve` gives
    sys.path.insert(0, str(ROOT))

from local.console import NO_CACHE, cache_control, config_json, content_type  # noqa: E402

DIST = ROOT / "console" / "dist"
SAMCONFIG = ROOT / "samconfig.toml"
OUTPUTS = ("ConsoleBucketName", "ConsoleDistributionId", "ApiUrl")
CONFIG = "config.json"
INVALIDATED = ("/", "/index.html", f"/{CONFIG}")  # "/" too: the distribution's default root object is index.html


@dataclass
class Published:
    """What one publish did."""

    uploaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    invalidation_id: str = ""


def build_files(dist: Path) -> dict[str, Path]:
    """The build's files by object key (`assets/index-1a2b.js`), regular files inside `dist` only; the build's own
    config.json is left out (publish writes the stack's)."""
    if not (dist / "index.html").is_file():
        raise SystemExit(f"{dist} has no index.html: build the console first (make console; it needs Node.js 20 and npm)")
    root = dist.resolve()
    files: dict[str, Path] = {}
    for path in sorted(dist.rglob("*")):
        if path.is_file() and path.resolve().is_relative_to(root):
            key = path.relative_to(dist).as_posix()
            if key != CONFIG:
                files[key] = path
    return files


def upload_order(keys: list[str]) -> list[str]:
    """assets/ first, then the other files, index.html last."""
    return sorted(keys, key=lambda k: (0 if k.startswith("assets/") else 2 if k == "index.html" else 1, k))


def _existing(s3: Any, bucket: str) -> dict[str, str]:
    """The bucket's objects: key -> ETag (quotes stripped)."""
    found: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents") or []:
            found[obj["Key"]] = str(obj.get("ETag", "")).strip('"')
    return found


def publish(s3: Any, cloudfront: Any, outputs: Mapping[str, str], dist: Path = DIST, *, log: Any = print) -> Published:
    """Sync `dist` to the console's bucket, write config.json, prune, invalidate (boto3 clients for S3 and CloudFront)."""
    missing = [name for name in OUTPUTS if not outputs.get(name)]
    if missing:
        raise SystemExit(f"the stack has no {', '.join(missing)} output: deploy the current template.yaml first (make deploy)")
    bucket, distribution = outputs["ConsoleBucketName"], outputs["ConsoleDistributionId"]
    files = build_files(dist)
    existing = _existing(s3, bucket)
    done = Published()
    config = config_json(outputs["ApiUrl"].rstrip("/"))
    for key in upload_order([*files, CONFIG]):
        body = config if key == CONFIG else files[key].read_bytes()
        # a content-hashed asset already there with the same bytes is left alone (its name changes with its content)
        if key.startswith("assets/") and existing.get(key) == hashlib.md5(body, usedforsecurity=False).hexdigest():
            done.unchanged.append(key)
            continue
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type(key),
                      CacheControl=NO_CACHE if key == CONFIG else cache_control(key))
        done.uploaded.append(key)
    stale = sorted(set(existing) - set(files) - {CONFIG})
    for start in range(0, len(stale), 1000):  # DeleteObjects takes 1,000 keys at most
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in stale[start:start + 1000]], "Quiet": True})
    done.deleted = stale
    batch = {"Paths": {"Quantity": len(INVALIDATED), "Items": list(INVALIDATED)}, "CallerReference": f"publish-console-{time.time_ns()}"}
    done.invalidation_id = cloudfront.create_invalidation(DistributionId=distribution, InvalidationBatch=batch)["Invalidation"]["Id"]
    log(f"console: {len(done.uploaded)} uploaded, {len(done.unchanged)} unchanged, {len(done.deleted)} deleted in s3://{bucket}; "
        f"config.json -> {outputs['ApiUrl']}; invalidation {done.invalidation_id} on {distribution}")
    return done


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    """The stack's outputs by key."""
    [stack] = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def samconfig(path: Path = SAMCONFIG, env: str = "default") -> dict[str, str]:
    """stack_name, region and profile from samconfig.toml (its deploy parameters over its global ones), if there."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    section = data.get(env) or {}
    merged = {**((section.get("global") or {}).get("parameters") or {}), **((section.get("deploy") or {}).get("parameters") or {})}
    return {k: str(merged[k]) for k in ("stack_name", "region", "profile") if merged.get(k)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="publish_console.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stack-name", help="default: samconfig.toml's stack_name")
    p.add_argument("--region", help="default: samconfig.toml's region, else the AWS environment's")
    p.add_argument("--profile", help="default: samconfig.toml's profile, else the AWS environment's")
    p.add_argument("--dist", type=Path, default=DIST, help="the console's build (default console/dist)")
    p.add_argument("--config-env", default="default", help="samconfig.toml's environment (default: default)")
    args = p.parse_args(argv)
    saved = samconfig(SAMCONFIG, args.config_env)
    stack_name = args.stack_name or saved.get("stack_name")
    if not stack_name:
        raise SystemExit("no stack name: pass --stack-name (samconfig.toml, which `sam deploy --guided` can save, has none)")
    import boto3

    session = boto3.Session(profile_name=args.profile or saved.get("profile"), region_name=args.region or saved.get("region"))
    outputs = stack_outputs(session.client("cloudformation"), stack_name)
    publish(session.client("s3"), session.client("cloudfront"), outputs, args.dist)
    print(f"console: {outputs.get('ConsoleUrl', '(no ConsoleUrl output)')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
