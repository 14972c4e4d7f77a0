"""A no-op build with [publish] upload and archive stays a no-op: the exports' record answers it,
with no request to S3 and without boto3; `--verify-upload` asks the bucket again. Against a
real S3 API server (moto) on loopback that counts the requests it serves."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import boto3

from . import aws
from .conftest import BASE_TOML, Project, run_cli
from .s3_server import S3Server

KEY_ID = "AKIANOOPEXPORTS00001"
SECRET = "noop-exports-secret-value-never-printed"

# Runs the CLI in this process, then prints its exit code and whether boto3 was ever imported.
PROBE = """
import json, sys
from ivr_prompts.cli import main
code = 0
try:
    main(sys.argv[1:], prog_name="ivr-prompts")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "boto3": "boto3" in sys.modules}), file=sys.stderr)
"""


def aws_env(endpoint: str) -> dict[str, str]:
    return aws.aws_env(endpoint, key_id=KEY_ID, secret=SECRET)


def probe(env: dict[str, str], *args: str) -> tuple[int, bool, str]:
    """Exit code, whether boto3 was imported, and stdout of one `ivr-prompts` command."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, check=False
    )
    last = json.loads(result.stderr.splitlines()[-1])
    return int(last["code"]), bool(last["boto3"]), result.stdout


def uploading(make_project: Project, s3: S3Server) -> tuple[Path, str, dict[str, str]]:
    """A project that uploads to a fresh bucket and archives, built once; (config, bucket, env)."""
    bucket = f"noop-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3.endpoint,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
    toml = textwrap.dedent(BASE_TOML).replace(
        '[synth]\nengine = "espeak"\n',
        f'[synth]\nengine = "espeak"\n\n[publish]\ntargets = ["wav"]\n'
        f'upload = "s3://{bucket}/ivr"\narchive = "zip"\n',
    )
    path = make_project(toml)
    env = aws_env(s3.endpoint)
    first = run_cli("build", "--config", str(path), env=env)
    assert first.returncode == 0, first.stderr
    assert f"uploaded 8 file(s) to s3://{bucket}/ivr/ (0 unchanged)" in first.stdout
    return path, bucket, env


def test_noop_build_with_upload_makes_no_request_and_skips_boto3(
    make_project: Project, s3: S3Server
) -> None:
    path, bucket, env = uploading(make_project, s3)
    before = s3.count()
    code, boto3_loaded, out = probe(env, "build", "--config", str(path))
    assert (code, boto3_loaded, s3.count() - before) == (0, False, 0)
    assert f"uploaded 0 file(s) to s3://{bucket}/ivr/ (8 unchanged)" in out
    assert "unchanged: " in out  # the archive, recognised from its record too
    assert SECRET not in out


def test_noop_build_verify_upload_asks_the_bucket_and_restores_a_deleted_object(
    make_project: Project, s3: S3Server
) -> None:
    path, bucket, env = uploading(make_project, s3)
    client = boto3.client(
        "s3",
        endpoint_url=s3.endpoint,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    client.delete_object(Bucket=bucket, Key="ivr/en-US/main/hours.wav")
    before = s3.count()
    code, _, out = probe(env, "build", "--config", str(path))  # the record cannot see it
    assert (code, s3.count() - before) == (0, 0)
    gets, puts = s3.count("GET"), s3.count("PUT")
    code, boto3_loaded, out = probe(env, "build", "--config", str(path), "--verify-upload")
    assert (code, boto3_loaded) == (0, True)
    assert f"uploaded 1 file(s) to s3://{bucket}/ivr/ (7 unchanged)" in out
    assert s3.count("GET") > gets  # the listing
    assert s3.count("PUT") == puts + 1  # the deleted object, alone


def test_noop_build_other_endpoint_is_not_answered_from_the_record(
    make_project: Project, s3: S3Server
) -> None:
    path, bucket, env = uploading(make_project, s3)
    # The same bucket name behind another address is another store: the build asks it.
    other = {**env, "AWS_ENDPOINT_URL": s3.endpoint.replace("127.0.0.1", "localhost")}
    before = s3.count()
    code, boto3_loaded, out = probe(other, "build", "--config", str(path))
    assert (code, boto3_loaded) == (0, True)
    assert s3.count() > before
    assert f"uploaded 0 file(s) to s3://{bucket}/ivr/ (8 unchanged)" in out


def test_noop_build_archive_replaced_by_hand_is_written_again(
    make_project: Project, s3: S3Server
) -> None:
    path, _, env = uploading(make_project, s3)
    archive = path.parent / "dist.zip"
    good = archive.read_bytes()
    archive.write_bytes(b"not the archive")
    result = run_cli("build", "--config", str(path), env=env)
    assert result.returncode == 0, result.stderr
    assert f"wrote {archive}" in result.stdout
    assert archive.read_bytes() == good


def test_failed_upload_forgets_the_record_so_the_next_build_retries(
    make_project: Project, s3: S3Server
) -> None:
    path, bucket, env = uploading(make_project, s3)
    broken = {**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_MAX_ATTEMPTS": "1"}
    (path.parent / "templates/welcome.j2").write_text("Welcome to {{ company }}, again.\n")
    failed = run_cli("build", "--config", str(path), env=broken)
    assert failed.returncode != 0
    assert not (path.parent / "cache/exports.json").exists()
    before = s3.count()
    again = run_cli("build", "--config", str(path), env=env)
    assert again.returncode == 0, again.stderr
    assert s3.count() > before
    assert f"uploaded 1 file(s) to s3://{bucket}/ivr/ (7 unchanged)" in again.stdout
