"""What a build says when something after the swap goes wrong, and how long S3 may stall it."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr_prompts import config, s3wait
from ivr_prompts.cache.remote import RemoteCache, RemoteUnreachable
from ivr_prompts.errors import UsageError
from ivr_prompts.export import after_build
from ivr_prompts.export.failure import ExportFailed
from ivr_prompts.export.s3 import default_client
from ivr_prompts.publish.manifest import read_manifest

from .conftest import Project, run_cli
from .engines import CountingEngine, build_with
from .s3_upload_server import ACCESS_KEY, SECRET_KEY, S3Server, s3_server
from .stall_server import stalling_endpoint
from .test_export_s3 import PROJECT, cli_env

__all__ = ["s3_server"]


def test_build_cli_upload_fails_after_swap_says_published_exit_3(
    make_project: Project, s3_server: S3Server
) -> None:
    toml = make_project(PROJECT)  # no bucket on the server: the upload fails

    result = run_cli("build", "--config", str(toml), "--json", env=cli_env(s3_server))

    assert result.returncode == 3
    line = (
        "published; upload failed: publish.upload s3://ivr-prompts/acme/prod/: "
        "NoSuchBucket: The specified bucket does not exist; create the bucket or fix the bucket "
        "name (0 file(s) uploaded before the error); the next build resumes"
    )
    assert result.stderr.strip() == f"error: {line}"
    assert json.loads(result.stdout) == {
        "published": True,
        "export_failed": "upload",
        "error": line,
    }
    assert (toml.parent / "dist" / "manifest.json").is_file()
    assert SECRET_KEY not in result.stdout + result.stderr
    assert ACCESS_KEY not in result.stdout + result.stderr


def test_build_cli_help_documents_exit_codes() -> None:
    result = run_cli("build", "--help")
    text = " ".join(result.stdout.split())
    assert "3 when the set was published but an export after it (archive, upload, Connect) " in text


def test_s3wait_default_deadline_at_most_30_seconds() -> None:
    assert s3wait.deadline(s3wait.timeout({})) <= 30.0


def test_s3wait_timeout_not_a_number_one_line() -> None:
    with pytest.raises(UsageError) as caught:
        s3wait.timeout({"IVR_PROMPTS_S3_TIMEOUT": "soon"})
    assert str(caught.value) == (
        "IVR_PROMPTS_S3_TIMEOUT='soon': not a number of seconds between 0 and 300; "
        "e.g. IVR_PROMPTS_S3_TIMEOUT=10"
    )


@pytest.fixture
def stalled_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with stalling_endpoint() as url:
        for name, value in {
            "AWS_ENDPOINT_URL": url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "IVR_PROMPTS_S3_TIMEOUT": "0.5",
        }.items():
            monkeypatch.setenv(name, value)
        yield url


@pytest.mark.timeout(60)
def test_upload_stalled_endpoint_gives_up_within_deadline(
    make_project: Project, stalled_s3: str
) -> None:
    cfg = config.load(make_project(PROJECT.replace('upload = "s3://ivr-prompts/acme/prod"', "")))
    build_with(cfg, CountingEngine())
    cfg = config.load(make_project(PROJECT))
    manifest = read_manifest(cfg.project.output)
    assert manifest is not None
    client = default_client()  # as after_build makes it; made before the clock starts
    started = time.monotonic()

    with pytest.raises(ExportFailed) as caught:
        after_build(cfg, manifest["prompts"], s3_client=client)

    assert time.monotonic() - started < s3wait.deadline(0.5) + 1.0
    assert caught.value.exit_code == 3
    assert str(caught.value) == (
        "published; upload failed: publish.upload s3://ivr-prompts/acme/prod/: the S3 endpoint "
        "did not answer within 0.5 s (2 attempts); check AWS_ENDPOINT_URL and the network, or "
        "set IVR_PROMPTS_S3_TIMEOUT (0 file(s) uploaded before the error); the next build resumes"
    )


@pytest.mark.timeout(60)
def test_remote_cache_stalled_endpoint_gives_up_within_deadline(stalled_s3: str) -> None:
    cache = RemoteCache("s3://ivr-cache/p")
    assert cache.client is not None  # made before the clock starts
    started = time.monotonic()

    with pytest.raises(RemoteUnreachable):
        cache.probe()

    assert time.monotonic() - started < s3wait.deadline(0.5) + 1.0


def test_after_build_archive_unwritable_says_published(make_project: Project) -> None:
    cfg = config.load(make_project(PROJECT.replace('upload = "s3://ivr-prompts/acme/prod"', "")))
    build_with(cfg, CountingEngine())
    toml = PROJECT.replace('upload = "s3://ivr-prompts/acme/prod"', 'archive = "zip"')
    cfg = config.load(make_project(toml))
    manifest = read_manifest(cfg.project.output)
    assert manifest is not None
    (cfg.root / "dist.zip").mkdir()  # a folder where the archive goes

    with pytest.raises(ExportFailed) as caught:
        after_build(cfg, manifest["prompts"])

    assert str(caught.value).startswith(
        f"published; archive failed: publish.archive: cannot write {cfg.root / 'dist.zip'}"
    )
    assert Path(cfg.project.output / "manifest.json").is_file()


def test_s3wait_client_config_two_attempts_of_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IVR_PROMPTS_S3_TIMEOUT", raising=False)
    found = s3wait.client_config()
    assert (found.connect_timeout, found.read_timeout) == (10.0, 10.0)
    assert found.retries == {"mode": "standard", "total_max_attempts": 2}
