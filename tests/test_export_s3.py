"""Upload to S3 for Amazon Connect against a real S3 API server (moto) on loopback."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from ivr_prompts import config, export
from ivr_prompts.errors import ConfigError
from ivr_prompts.export.connect import sync_prompts
from ivr_prompts.export.s3 import Destination, S3Client, UploadError, upload_set
from ivr_prompts.publish.manifest import PromptRecord, read_manifest

from .conftest import Project, run_cli
from .engines import CountingEngine, build_with
from .s3_upload_server import ACCESS_KEY, SECRET_KEY, S3Server, s3_server

__all__ = ["s3_server"]

PROJECT = """
[project]
name = "connect-set"
cache = "cache"

[synth]
engine = "espeak"

[limits]
min_seconds = 0.1
max_seconds = 20

[publish]
targets = ["wav"]
upload = "s3://ivr-prompts/acme/prod"

[locales.en-US]
language = "en"

[locales.es-US]
language = "es"

[[prompts]]
id = "main/welcome"
text = "Welcome to Acme."

[[prompts]]
id = "main/goodbye"
text = "Goodbye."
"""

WANTED = {
    "acme/prod/en-US/main/welcome.wav",
    "acme/prod/en-US/main/goodbye.wav",
    "acme/prod/es-US/main/welcome.wav",
    "acme/prod/es-US/main/goodbye.wav",
}


class MemoryDirectory:
    """An in-memory Connect instance's prompt list (moto does not serve Connect prompts)."""

    def __init__(self) -> None:
        self.prompts: dict[str, str] = {}  # name -> s3 uri
        self.calls: list[str] = []

    def list_prompts(self) -> dict[str, str]:
        return {name: f"id-{name}" for name in self.prompts}

    def create_prompt(self, name: str, s3_uri: str, description: str) -> None:
        self.calls.append(f"create {name}")
        self.prompts[name] = s3_uri

    def update_prompt(self, prompt_id: str, s3_uri: str) -> None:
        name = prompt_id.removeprefix("id-")
        self.calls.append(f"update {name}")
        self.prompts[name] = s3_uri


def cli_env(server: S3Server) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {**env, **server.env}


def test_build_upload_every_wav_then_second_build_uploads_nothing(
    make_project: Project, s3_server: S3Server
) -> None:
    s3_server.client().create_bucket(Bucket="ivr-prompts")
    toml = make_project(PROJECT)
    first = run_cli("build", "--config", str(toml), env=cli_env(s3_server))
    assert first.returncode == 0, first.stderr
    assert "uploaded 4 file(s) to s3://ivr-prompts/acme/prod/ (0 unchanged)" in first.stdout
    objects = s3_server.objects("ivr-prompts")
    assert set(objects) == WANTED
    dist = toml.parent / "dist" / "wav"
    for key, body in objects.items():
        assert body == (dist / key.removeprefix("acme/prod/")).read_bytes()
        assert body[:4] == b"RIFF"
        assert body[20:22] == b"\x07\x00"  # WAVE_FORMAT_MULAW
    second = run_cli("build", "--config", str(toml), env=cli_env(s3_server))
    assert second.returncode == 0, second.stderr
    assert "uploaded 0 file(s) to s3://ivr-prompts/acme/prod/ (4 unchanged)" in second.stdout
    for output in (first.stdout, first.stderr, second.stdout, second.stderr):
        assert SECRET_KEY not in output
        assert ACCESS_KEY not in output


def test_upload_changed_remote_object_is_sent_again_alone(
    make_project: Project, s3_server: S3Server, tmp_path: Path
) -> None:
    client = s3_server.client()
    client.create_bucket(Bucket="ivr-prompts")
    cfg = config.load(make_project(PROJECT))
    report = build_with_client(cfg, client)
    assert report.upload is not None
    assert set(report.upload.uploaded) == WANTED
    client.put_object(Bucket="ivr-prompts", Key="acme/prod/es-US/main/goodbye.wav", Body=b"x")
    again = build_with_client(cfg, client)
    assert again.upload is not None
    assert again.upload.uploaded == ["acme/prod/es-US/main/goodbye.wav"]
    assert again.upload.unchanged == 3


def build_with_client(cfg: config.Config, client: S3Client) -> export.ExportReport:
    """Build, then run the exports with the test's client (the build's own uses the env chain)."""
    return export.after_build(cfg, built_records(cfg), s3_client=client)


def built_records(cfg: config.Config) -> list[PromptRecord]:
    """Build without the upload; the manifest's records."""
    quiet = dataclasses.replace(cfg, publish=dataclasses.replace(cfg.publish, upload=None))
    build_with(quiet, CountingEngine())
    manifest = read_manifest(cfg.project.output)  # a no-op build plans (and reads) nothing
    assert manifest is not None
    return manifest["prompts"]


def test_upload_file_edited_after_build_refused_before_any_upload(
    make_project: Project, s3_server: S3Server
) -> None:
    client = s3_server.client()
    client.create_bucket(Bucket="ivr-prompts")
    cfg = config.load(make_project(PROJECT))
    records = built_records(cfg)
    edited = cfg.project.output / "wav" / "en-US" / "main" / "goodbye.wav"
    edited.write_bytes(edited.read_bytes()[:-10])
    with pytest.raises(UploadError) as info:
        upload_set(cfg, records, client)
    assert info.value.message == (
        "main/goodbye [en-US]: wav/en-US/main/goodbye.wav: differs from the manifest; rebuild; "
        "nothing was uploaded"
    )
    assert s3_server.objects("ivr-prompts") == {}


def test_upload_missing_bucket_one_line_without_secrets(
    make_project: Project, s3_server: S3Server
) -> None:
    toml = make_project(PROJECT)
    result = run_cli("build", "--config", str(toml), env=cli_env(s3_server))
    assert result.returncode == 3  # published, the upload after it failed
    assert result.stderr.strip() == (
        "error: published; upload failed: publish.upload s3://ivr-prompts/acme/prod/: "
        "NoSuchBucket: The specified bucket "
        "does not exist; create the bucket or fix the bucket name (0 file(s) uploaded before "
        "the error); the next build resumes"
    )
    assert SECRET_KEY not in result.stdout + result.stderr
    assert (toml.parent / "dist" / "manifest.json").is_file()  # the set itself was published


def test_upload_without_credentials_says_which_variables(
    make_project: Project, s3_server: S3Server, tmp_path: Path
) -> None:
    toml = make_project(PROJECT)
    env = {
        k: v
        for k, v in cli_env(s3_server).items()
        if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    }
    env |= {
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    result = run_cli("build", "--config", str(toml), env=env)
    assert result.returncode == 3  # published, the upload after it failed
    assert result.stderr.strip() == (
        "error: published; upload failed: publish.upload s3://ivr-prompts/acme/prod/: no AWS "
        "credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
    )


def test_connect_prompts_created_once_then_updated_when_audio_changes(
    make_project: Project, s3_server: S3Server
) -> None:
    client = s3_server.client()
    client.create_bucket(Bucket="ivr-prompts")
    cfg = config.load(make_project(PROJECT))
    records = built_records(cfg)
    dest = Destination.parse("s3://ivr-prompts/acme/prod")
    directory = MemoryDirectory()
    first = upload_set(cfg, records, client)
    made = sync_prompts(directory, dest, records, set(first.uploaded))
    assert sorted(made.created) == [
        "main_goodbye_en_us",
        "main_goodbye_es_us",
        "main_welcome_en_us",
        "main_welcome_es_us",
    ]
    assert directory.prompts["main_welcome_es_us"] == (
        "s3://ivr-prompts/acme/prod/es-US/main/welcome.wav"
    )
    second = upload_set(cfg, records, client)
    again = sync_prompts(directory, dest, records, set(second.uploaded))
    assert (again.created, again.updated) == ([], [])
    client.delete_object(Bucket="ivr-prompts", Key="acme/prod/en-US/main/welcome.wav")
    third = upload_set(cfg, records, client)
    changed = sync_prompts(directory, dest, records, set(third.uploaded))
    assert (changed.created, changed.updated) == ([], ["main_welcome_en_us"])


@pytest.mark.parametrize(
    ("publish", "problem"),
    [
        (
            'targets = ["asterisk"]\nupload = "s3://b-1/p"',
            'prompts.toml: publish.upload: uploads the mu-law WAV set: add "wav" to '
            'publish.targets and put "ulaw" first in audio.codecs',
        ),
        (
            'upload = "https://bucket/p"',
            "prompts.toml: publish.upload: expected s3://bucket or s3://bucket/prefix "
            "(bucket: 3-63 of a-z 0-9 . -)",
        ),
        (
            'connect_instance = "abc"',
            'prompts.toml: publish.connect_instance: needs publish.upload = "s3://bucket/prefix"',
        ),
    ],
)
def test_config_upload_settings_checked(make_project: Project, publish: str, problem: str) -> None:
    toml = PROJECT.replace('targets = ["wav"]\nupload = "s3://ivr-prompts/acme/prod"', publish)
    with pytest.raises(ConfigError) as info:
        config.load(make_project(toml))
    assert info.value.problems == [problem]
