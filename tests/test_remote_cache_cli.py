"""The remote cache through the real command, configured as users configure it (AWS variables)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from . import aws
from .aws import KEY_ID, SECRET
from .conftest import BASE_TOML, DEFAULT_FILES, run_cli
from .s3_server import S3Server

TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENvalue0123456789"
API_KEY = "sk_live_remote_cache_test_0123456789abcdef"


def aws_env(endpoint: str) -> dict[str, str]:
    """A clean environment: credentials and endpoint only from the standard AWS variables."""
    return aws.aws_env(endpoint, AWS_SESSION_TOKEN=TOKEN, SMALLEST_API_KEY=API_KEY)


def project(root: Path, url: str, extra: str = "") -> Path:
    for name, text in DEFAULT_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    toml = textwrap.dedent(BASE_TOML).replace(
        'cache = "cache"', f'cache = "cache"\nremote_cache = "{url}"\n{extra}'
    )
    (root / "prompts.toml").write_text(toml, encoding="utf-8")
    return root / "prompts.toml"


def cli(config: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_cli(args[0], "--config", str(config), *args[1:], env=env)


def synthesized(done: subprocess.CompletedProcess[str]) -> int:
    assert done.returncode == 0, done.stderr
    return int(json.loads(done.stdout)["synthesized"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cli_remote_cache_second_machine_synthesizes_nothing(
    tmp_path: Path, s3: S3Server, bucket: str
) -> None:
    env = aws_env(s3.endpoint)
    url = f"s3://{bucket}/ci"
    assert synthesized(cli(project(tmp_path / "a", url), "build", "--json", env=env)) == 8
    second = project(tmp_path / "b", url)
    done = cli(second, "plan", env=env)
    assert done.returncode == 0, done.stderr
    assert "plan: 0 to synthesize (0 characters billed by Waves), 8 from cache" in done.stdout
    assert synthesized(cli(second, "build", "--json", env=env)) == 0


def test_cli_remote_cache_secrets_in_no_output_manifest_or_cache(
    tmp_path: Path, s3: S3Server, bucket: str
) -> None:
    env = aws_env(s3.endpoint)
    url = f"s3://{bucket}"
    outputs = []
    for name in ("a", "b"):
        done = run_cli("-vvv", "build", "--config", str(project(tmp_path / name, url)), env=env)
        assert done.returncode == 0, done.stderr
        outputs += [done.stdout, done.stderr]
    # -vvv really shows the S3 traffic (botocore's debug log signs with the session token)...
    assert "botocore" in outputs[1]
    assert "<hidden>" in outputs[1]
    bad = "error: remote cache s3://nope-" + uuid.uuid4().hex[:8]
    missing = project(tmp_path / "c", bad.removeprefix("error: remote cache "))
    done = run_cli("-vvv", "build", "--config", str(missing), env=env)
    outputs += [done.stdout, done.stderr]
    # ...and no secret value shows anywhere: output, errors, published files, caches, bucket.
    blobs = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    client = boto3.client(
        "s3",
        endpoint_url=s3.endpoint,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        blobs.append(client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
    assert len(blobs) > 40
    for secret in (SECRET, TOKEN, KEY_ID, API_KEY):
        assert not any(secret in text for text in outputs), secret
        assert not any(secret.encode() in blob for blob in blobs), secret


def test_cli_no_remote_never_contacts_the_store(tmp_path: Path, s3: S3Server, bucket: str) -> None:
    env = aws_env(s3.endpoint)
    config = project(tmp_path / "a", f"s3://{bucket}")
    before = s3.count()
    assert synthesized(cli(config, "build", "--no-remote", "--json", env=env)) == 8
    (tmp_path / "a" / "templates" / "welcome.j2").write_text("Hello from {{ company }}.\n")
    for args in (("plan", "--no-remote"), ("check", "--no-remote")):
        done = cli(config, *args, env=env)
        assert done.returncode in (0, 1), done.stderr  # check finds the stale prompt: 1
        assert "main/welcome" in done.stdout
    assert s3.count() == before


def test_cli_remote_read_only_writes_nothing(tmp_path: Path, s3: S3Server, bucket: str) -> None:
    env = aws_env(s3.endpoint)
    url = f"s3://{bucket}"
    before = s3.count("PUT")
    flag = cli(project(tmp_path / "a", url), "build", "--remote-read-only", "--json", env=env)
    assert synthesized(flag) == 8
    setting = project(tmp_path / "b", url, 'remote_cache_mode = "read-only"')
    assert synthesized(cli(setting, "build", "--json", env=env)) == 8
    assert s3.count("PUT") == before
    assert s3.count("GET") + s3.count("HEAD") > 0  # it did read


def test_cli_remote_bucket_missing_one_line_with_fix(tmp_path: Path, s3: S3Server) -> None:
    config = project(tmp_path / "a", "s3://no-such-bucket-here/p")
    done = cli(config, "build", env=aws_env(s3.endpoint))
    assert done.returncode == 2
    assert done.stderr == (
        "error: remote cache s3://no-such-bucket-here/p: bucket 'no-such-bucket-here' does not "
        f"exist at {s3.endpoint}; create it or fix project.remote_cache\n"
    )


def test_cli_remote_unreachable_degrades_loudly_or_fails_when_required(tmp_path: Path) -> None:
    # A port held bound but not listening: connections are refused, and no other process on
    # this shared machine can take it while the test runs.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        env = aws_env(f"http://127.0.0.1:{held.getsockname()[1]}")
        config = project(tmp_path / "a", "s3://ivr-cache")
        done = cli(config, "build", "--json", env=env)
        required = project(tmp_path / "b", "s3://ivr-cache", "remote_cache_required = true")
        failed = cli(required, "build", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["synthesized"] == 8
    assert done.stderr.startswith(
        f"warning: remote cache s3://ivr-cache: cannot reach {env['AWS_ENDPOINT_URL']}; "
        "check AWS_ENDPOINT_URL and the network, or build with --no-remote; "
        "GOING ON WITHOUT IT, with the local cache only"
    ), done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert failed.returncode == 2
    assert failed.stderr == (
        f"error: remote cache s3://ivr-cache: cannot reach {env['AWS_ENDPOINT_URL']}; "
        "check AWS_ENDPOINT_URL and the network, or build with --no-remote\n"
    )
    assert not (tmp_path / "b" / "dist").exists()


@pytest.fixture(scope="module")
def strict_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto with authentication on (a separate process: the setting is read at import)."""
    port = free_port()
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"}
    log = tmp_path_factory.mktemp("moto") / "log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


def test_cli_remote_access_denied_one_line_with_fix(tmp_path: Path, strict_s3: str) -> None:
    config = project(tmp_path / "a", "s3://ivr-cache")
    done = cli(config, "build", env=aws_env(strict_s3))
    assert done.returncode == 2
    assert done.stderr == (
        "error: remote cache s3://ivr-cache: access denied (403) on open; check the credentials "
        "(AWS_ACCESS_KEY_ID, AWS_PROFILE) and that they grant s3:ListBucket and s3:GetObject\n"
    )


def test_cli_build_without_remote_cache_never_imports_boto3(tmp_path: Path) -> None:
    config = project(tmp_path / "a", "s3://unused")
    text = config.read_text().replace('remote_cache = "s3://unused"\n', "")
    config.write_text(text)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ivr_prompts", "build", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "ivr_prompts.cache.remote" in done.stderr  # the import log is there...
    assert "botocore" not in done.stderr  # ...without the client
    assert "boto3" not in done.stderr


def test_cli_remote_cache_bad_settings_named(tmp_path: Path) -> None:
    config = project(
        tmp_path / "a",
        "s3://KEY:SECRET@bucket/p",
        'remote_cache_mode = "readonly"\nremote_cache_required = "yes"',
    )
    done = run_cli("build", "--config", str(config))
    assert done.returncode == 2
    assert sorted(done.stderr.splitlines()) == [
        "error: prompts.toml: project.remote_cache: credentials never go in the URL; they come "
        "from the AWS credential chain",
        "error: prompts.toml: project.remote_cache_mode: must be one of read-write, read-only "
        "(did you mean 'read-only'?), got 'readonly'",
        "error: prompts.toml: project.remote_cache_required: expected bool, got 'yes'",
    ]
    assert "SECRET" not in done.stderr


def test_cli_noop_build_never_contacts_the_remote(
    tmp_path: Path, s3: S3Server, bucket: str
) -> None:
    env = aws_env(s3.endpoint)
    config = project(tmp_path / "a", f"s3://{bucket}")
    assert synthesized(cli(config, "build", "--json", env=env)) == 8
    before = s3.count()
    assert synthesized(cli(config, "build", "--json", env=env)) == 0
    done = cli(config, "plan", "--detailed-exitcode", env=env)
    assert done.returncode == 0, done.stdout + done.stderr  # 0: nothing to do
    assert s3.count() == before
