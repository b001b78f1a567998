"""scripts/publish_console.py (run by `make deploy`): the console's build synced to its bucket, config.json, the
CloudFront invalidation - against moto's S3 and CloudFront, with a temporary build; no network."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.console import IMMUTABLE, NO_CACHE
from scripts import publish_console
from scripts.publish_console import INVALIDATED, build_files, publish, samconfig, stack_outputs, upload_order

API_URL = "https://abc123.execute-api.eu-west-1.amazonaws.com"
BUCKET = "loyalty-consolebucket-1a2b3c"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    files = {"index.html": "<!doctype html><script type=module src=./assets/index-abc123.js></script>",
             "assets/index-abc123.js": "console.log(1)", "assets/index-abc123.css": "body{}", "assets/logo-1f2e.svg": "<svg/>",
             "favicon.svg": "<svg/>", "config.json": '{"api_url": "http://127.0.0.1:3000"}'}
    for name, text in files.items():
        (root / name).write_text(text)
    return root


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any, dict[str, str]]]:
    """moto's S3 and CloudFront, the console's bucket (with what an older build left there) and a distribution."""
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        cloudfront = boto3.client("cloudfront", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="assets/index-old999.js", Body=b"old")
        s3.put_object(Bucket=BUCKET, Key="index.html", Body=b"old index")
        config = {"CallerReference": "test", "Comment": "", "Enabled": True, "DefaultRootObject": "index.html",
                  "Origins": {"Quantity": 1, "Items": [{"Id": "ConsoleBucket", "DomainName": f"{BUCKET}.s3.us-east-1.amazonaws.com",
                                                        "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
                  "DefaultCacheBehavior": {"TargetOriginId": "ConsoleBucket", "ViewerProtocolPolicy": "redirect-to-https",
                                           "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}}
        distribution = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
        yield s3, cloudfront, {"ConsoleBucketName": BUCKET, "ConsoleDistributionId": distribution, "ApiUrl": API_URL,
                               "ConsoleUrl": "https://d1234.cloudfront.net/"}


def objects(s3: Any) -> dict[str, dict[str, Any]]:
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    return {k: s3.head_object(Bucket=BUCKET, Key=k) | {"Body": s3.get_object(Bucket=BUCKET, Key=k)["Body"].read()} for k in keys}


def test_publish_syncs_the_build_writes_config_json_prunes_and_invalidates(aws: tuple[Any, Any, dict[str, str]], dist: Path) -> None:
    s3, cloudfront, outputs = aws
    done = publish(s3, cloudfront, outputs, dist, log=lambda *_: None)
    stored = objects(s3)
    assert set(stored) == {"index.html", "favicon.svg", "config.json", "assets/index-abc123.js", "assets/index-abc123.css",
                           "assets/logo-1f2e.svg"}, "the old build's files are gone"
    assert done.deleted == ["assets/index-old999.js"]
    for key, kind, cache in (("index.html", "text/html; charset=utf-8", NO_CACHE), ("config.json", "application/json", NO_CACHE),
                             ("favicon.svg", "image/svg+xml", NO_CACHE),
                             ("assets/index-abc123.js", "text/javascript; charset=utf-8", IMMUTABLE),
                             ("assets/index-abc123.css", "text/css; charset=utf-8", IMMUTABLE), ("assets/logo-1f2e.svg", "image/svg+xml", IMMUTABLE)):
        assert (stored[key]["ContentType"], stored[key]["CacheControl"]) == (kind, cache), key
    assert stored["index.html"]["Body"] == (dist / "index.html").read_bytes()
    assert json.loads(stored["config.json"]["Body"]) == {"api_url": API_URL}, "the stack's API, not the build's own config.json"
    [invalidation] = cloudfront.list_invalidations(DistributionId=outputs["ConsoleDistributionId"])["InvalidationList"]["Items"]
    assert invalidation["Id"] == done.invalidation_id
    batch = cloudfront.get_invalidation(DistributionId=outputs["ConsoleDistributionId"], Id=done.invalidation_id)["Invalidation"]
    assert set(batch["InvalidationBatch"]["Paths"]["Items"]) == set(INVALIDATED) >= {"/index.html", "/config.json"}


def test_publishing_again_leaves_the_hashed_assets_alone(aws: tuple[Any, Any, dict[str, str]], dist: Path) -> None:
    s3, cloudfront, outputs = aws
    publish(s3, cloudfront, outputs, dist, log=lambda *_: None)
    (dist / "assets" / "index-abc123.js").unlink()
    (dist / "assets" / "index-def456.js").write_text("console.log(2)")
    done = publish(s3, cloudfront, outputs, dist, log=lambda *_: None)
    assert done.unchanged == ["assets/index-abc123.css", "assets/logo-1f2e.svg"]
    assert done.uploaded == ["assets/index-def456.js", "config.json", "favicon.svg", "index.html"]
    assert done.deleted == ["assets/index-abc123.js"]
    assert len(cloudfront.list_invalidations(DistributionId=outputs["ConsoleDistributionId"])["InvalidationList"]["Items"]) == 2
    etag = objects(s3)["assets/index-def456.js"]["ETag"].strip('"')
    assert etag == hashlib.md5(b"console.log(2)", usedforsecurity=False).hexdigest()


def test_index_html_goes_last_and_the_hashed_files_first() -> None:
    assert upload_order(["index.html", "config.json", "favicon.svg", "assets/b.js", "assets/a.css"]) == [
        "assets/a.css", "assets/b.js", "config.json", "favicon.svg", "index.html"]


def test_an_unbuilt_console_or_an_old_stack_is_refused(aws: tuple[Any, Any, dict[str, str]], tmp_path: Path, dist: Path) -> None:
    s3, cloudfront, outputs = aws
    with pytest.raises(SystemExit, match="make console"):
        publish(s3, cloudfront, outputs, tmp_path / "empty", log=lambda *_: None)
    with pytest.raises(SystemExit, match="ConsoleBucketName, ConsoleDistributionId output"):
        publish(s3, cloudfront, {"ApiUrl": API_URL}, dist, log=lambda *_: None)
    assert set(objects(s3)) == {"assets/index-old999.js", "index.html"}, "nothing touched"


def test_build_files_keeps_to_the_build(dist: Path) -> None:
    (dist / "assets" / "leak.js").symlink_to(dist.parent / "outside.txt")
    (dist.parent / "outside.txt").write_text("secret")
    assert sorted(build_files(dist)) == ["assets/index-abc123.css", "assets/index-abc123.js", "assets/logo-1f2e.svg", "favicon.svg",
                                         "index.html"], "no config.json (the stack's is written), nothing outside dist"


class FakeCloudFormation:
    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs
        self.asked: list[str] = []

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        self.asked.append(StackName)
        return {"Stacks": [{"StackName": StackName, "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in self.outputs.items()]}]}


def test_stack_outputs_and_samconfig(tmp_path: Path) -> None:
    fake = FakeCloudFormation({"ApiUrl": API_URL, "ConsoleBucketName": BUCKET})
    assert stack_outputs(fake, "loyalty") == {"ApiUrl": API_URL, "ConsoleBucketName": BUCKET} and fake.asked == ["loyalty"]
    path = tmp_path / "samconfig.toml"
    path.write_text('version = 0.1\n[default.global.parameters]\nstack_name = "from-global"\nprofile = "dev"\n'
                    '[default.deploy.parameters]\nstack_name = "loyalty"\nregion = "eu-west-1"\ncapabilities = "CAPABILITY_IAM"\n')
    assert samconfig(path) == {"stack_name": "loyalty", "region": "eu-west-1", "profile": "dev"}
    assert samconfig(path, "prod") == {} and samconfig(tmp_path / "missing.toml") == {}
    path.write_text("not = [toml")
    assert samconfig(path) == {}


def test_main_reads_the_stack_and_publishes(aws: tuple[Any, Any, dict[str, str]], dist: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The command line: the stack name from samconfig.toml, its outputs from CloudFormation, then publish."""
    s3, _, outputs = aws
    (tmp_path / "samconfig.toml").write_text('[default.deploy.parameters]\nstack_name = "loyalty"\nregion = "us-east-1"\n')
    monkeypatch.setattr(publish_console, "SAMCONFIG", tmp_path / "samconfig.toml")
    fake = FakeCloudFormation(outputs)
    real_session = boto3.Session

    class Session:
        def __init__(self, profile_name: str | None = None, region_name: str | None = None) -> None:
            assert (profile_name, region_name) == (None, "us-east-1")
            self.session: Any = real_session(region_name=region_name)

        def client(self, name: str) -> Any:
            return fake if name == "cloudformation" else self.session.client(name)

    monkeypatch.setattr(boto3, "Session", Session)
    assert publish_console.main(["--dist", str(dist)]) == 0
    assert fake.asked == ["loyalty"] and json.loads(objects(s3)["config.json"]["Body"]) == {"api_url": API_URL}
    assert "console: https://d1234.cloudfront.net/" in capsys.readouterr().out
    monkeypatch.setattr(publish_console, "SAMCONFIG", tmp_path / "none.toml")
    with pytest.raises(SystemExit, match="--stack-name"):
        publish_console.main(["--dist", str(dist)])
