"""Real builds in real processes against the local Waves server: two at once on one output, and
a build killed mid-way."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .conftest import Project
from .test_pipeline import snapshot
from .waves_server import WavesServer

KEY = "sk_test_0123456789abcdef"

TOML = """
[project]
name = "race"
output = "dist"
cache = "cache"

[synth]
engine = "waves"

[waves]
concurrency = 1
max_attempts = 20

[limits]
min_seconds = 0.2

[locales.en-US]
language = "en"
voice = "magnus"

[locales.es-US]
language = "es"
voice = "lucia"

[[prompts]]
id = "main/welcome"
text = "Welcome."

[[prompts]]
id = "digits/{{ n }}"
text = "{{ n }}"
matrix = { n = [1, 2, 3, 4] }
"""


@pytest.fixture
def server() -> Iterator[WavesServer]:
    # A build takes about 5 s (10 requests one at a time): long enough for a second one to
    # start while the first is synthesizing.
    with WavesServer(api_key=KEY, concurrency=2, latency=0.5, retry_after="0") as s:
        yield s


def start(project: Path, server: WavesServer, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMALLEST_")}
    env.update(SMALLEST_API_KEY=KEY, SMALLEST_BASE_URL=server.url)
    return subprocess.Popen(
        [sys.executable, "-m", "ivr_prompts", "build", "--config", str(project), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(process: subprocess.Popen[str]) -> str:
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    return stdout


def wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def paid(server: WavesServer) -> list[tuple[str, str, str]]:
    """One entry per synthesis the server delivered (what the account pays for)."""
    return [
        (r.body["text"], r.body["voice_id"], r.body["language"])
        for r in server.tts_records()
        if r.status == 200
    ]


def test_build_two_at_once_on_one_output_pay_once_per_prompt_and_manifest_is_true(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(TOML)
    first = start(path, server)
    wait_for(server.tts_records, "the first build to start synthesizing")
    # `build & build --only 'digits/*'`: the second starts while the first is synthesizing.
    second = start(path, server, "--only", "digits/*")
    finish(first)
    finish(second)
    delivered = paid(server)
    assert len(delivered) == len(set(delivered)) == 10  # 5 prompts x 2 locales, each once
    out = path.parent / "dist"
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["prompts"]) == 10
    for record in manifest["prompts"]:
        expected = "Welcome." if record["id"] == "main/welcome" else record["id"].split("/")[1]
        assert record["text"] == expected
        for f in record["files"]:
            data = (out / f["path"]).read_bytes()
            assert (hashlib.sha256(data).hexdigest(), len(data)) == (f["sha256"], f["bytes"])
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".dist")) == [
        ".dist.lock"
    ]


def test_build_killed_mid_way_staging_removed_by_next_noop_build(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(TOML)
    server.latency = 0.05
    finish(start(path, server))
    server.latency = 0.5
    out = path.parent / "dist"
    before = snapshot(out)
    requests = len(server.tts_records())
    path.write_text(TOML.replace('"Welcome."', '"Welcome back."'))
    killed = start(path, server)
    wait_for(lambda: len(server.tts_records()) > requests, "the second build to synthesize")
    staging = list(path.parent.glob(".dist.staging-*"))
    assert len(staging) == 1
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=60)
    assert staging[0].is_dir()  # what SIGKILL leaves beside the output
    path.write_text(TOML)  # back to what is published: the next build has nothing to do
    requests = len(server.tts_records())
    stdout = finish(start(path, server))
    assert stdout.startswith("up to date: ") or "\nup to date: " in stdout
    assert len(server.tts_records()) == requests
    assert not staging[0].exists()
    assert snapshot(out) == before
