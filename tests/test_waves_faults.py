"""Answers that never end: every attempt is bounded by the request's deadline, end to end."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from ivr_prompts.config import WavesSettings
from ivr_prompts.errors import EngineError, EngineUnavailable
from tests.conftest import Project
from tests.test_waves_build import FILES, KEY, WAVES_TOML, cli
from tests.test_waves_server_e2e import SETTINGS, engine_for, speak_one
from tests.waves_server import Fault, WavesServer

# Generous: the deadline is 2 s; anything near this bound means an unbounded read.
ENDED_WITHIN = 15.0


@pytest.fixture
def server() -> Iterator[WavesServer]:
    with WavesServer() as s:
        yield s


def stalled_outcome(
    fault: Fault, endpoint: str, settings: WavesSettings
) -> tuple[str, float, WavesServer]:
    with WavesServer(drip_bytes_per_second=64) as server:
        server.script(*[fault] * 10)
        engine = engine_for(server, replace(settings, endpoint=endpoint))  # type: ignore[arg-type]
        started = time.monotonic()
        with pytest.raises(EngineUnavailable) as info:
            speak_one(engine)
        return str(info.value), time.monotonic() - started, server


@pytest.mark.parametrize("endpoint", ["sync", "sse"])
@pytest.mark.parametrize("fault", ["stall", "slow-drip"])
def test_engine_endless_answer_ends_at_the_request_deadline(fault: Fault, endpoint: str) -> None:
    settings = replace(SETTINGS, deadline_seconds=2.0, timeout_seconds=30.0, max_attempts=5)
    message, elapsed, server = stalled_outcome(fault, endpoint, settings)
    records = server.tts_records()
    assert len(records) == 1  # the first attempt used the whole deadline; no second one
    assert message == (
        "main/welcome [en-US]: Waves did not finish its answer before the request's deadline "
        f"of 2 s (waves.deadline_seconds) (at {server.url}) (request id {records[0].request_id})"
    )
    assert elapsed < ENDED_WITHIN


@pytest.mark.parametrize("endpoint", ["sync", "sse"])
def test_engine_stall_per_attempt_timeout_retries_until_the_deadline(endpoint: str) -> None:
    settings = replace(SETTINGS, deadline_seconds=2.5, timeout_seconds=0.6, max_attempts=20)
    message, elapsed, server = stalled_outcome("stall", endpoint, settings)
    records = server.tts_records()
    assert len(records) >= 2  # each attempt ended after 0.6 s and was tried again
    assert message.startswith("main/welcome [en-US]: Waves did not finish its answer ")
    assert f"(request id {records[-1].request_id})" in message
    assert elapsed < ENDED_WITHIN


def test_engine_truncated_answer_failure_quotes_the_request_id(server: WavesServer) -> None:
    server.script("truncate")
    with pytest.raises(EngineError) as info:
        speak_one(engine_for(server, replace(SETTINGS, max_attempts=1)))
    rid = server.tts_records()[0].request_id
    assert str(info.value).startswith("the connection to Waves broke mid-request (")
    assert str(info.value).endswith(f"(request id {rid})")


def test_engine_retry_after_beyond_deadline_fails_at_once_naming_it() -> None:
    with WavesServer(retry_after="3600") as server:
        server.script("429-retry-after")
        engine = engine_for(server, replace(SETTINGS, deadline_seconds=900.0, max_attempts=8))
        with pytest.raises(EngineError) as info:
            speak_one(engine)
        rid = server.tts_records()[0].request_id
        assert len(server.tts_records()) == 1
    assert str(info.value) == (
        "Waves is busy (429 Too Many Requests: Rate limit exceeded) "
        f"(request id {rid}); gave up after 1 attempt(s): Waves asks to retry after 3600 s "
        "(Retry-After), more than the 900 s left of the 900 s deadline (waves.deadline_seconds)"
    )


def test_engine_redirect_hints_at_base_url(server: WavesServer) -> None:
    server.script("redirect")
    with pytest.raises(EngineUnavailable) as info:
        speak_one(engine_for(server))
    rid = server.tts_records()[0].request_id
    assert str(info.value) == (
        f"main/welcome [en-US]: Waves at {server.url} redirected POST /waves/v1/tts to "
        "https://elsewhere.invalid/waves/v1/tts (302): set waves.base_url in prompts.toml (or "
        "SMALLEST_BASE_URL) to the API's own address, https://api.smallest.ai unless you use a "
        f"stand-in (request id {rid})"
    )
    assert len(server.tts_records()) == 1


def test_waves_build_stalled_and_unreachable_server_fail_alike(make_project: Project) -> None:
    toml = WAVES_TOML.replace("max_attempts = 8", "max_attempts = 8\ndeadline_seconds = 2")
    path = make_project(toml, FILES)
    with WavesServer(api_key=KEY, concurrency=2) as server:
        stall: Fault = "stall"
        server.script(*[stall] * 40)
        started = time.monotonic()
        stalled = cli(path, "build", url=server.url)
        elapsed = time.monotonic() - started
        url = server.url
    unreachable = cli(path, "build", url=url)  # nothing listens there any more
    assert stalled.returncode == unreachable.returncode == 2
    assert len(stalled.stderr.splitlines()) == 1
    assert stalled.stderr.startswith("error: ")
    assert "Waves did not finish its answer before the request's deadline of 2 s" in stalled.stderr
    assert "check waves.base_url" in unreachable.stderr
    assert elapsed < ENDED_WITHIN + 10  # the CLI's start-up and espeak-free shutdown included
    assert not (path.parent / "dist").exists()
