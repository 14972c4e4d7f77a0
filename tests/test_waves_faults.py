"""Answers that never end: every attempt is bounded by the request's deadline, end to end."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from ivr_prompts.config import WavesSettings
from ivr_prompts.errors import EngineUnavailable
from tests.test_waves_server_e2e import SETTINGS, engine_for, speak_one
from tests.waves_server import Fault, WavesServer

# Generous: the deadline is 2 s; anything near this bound means an unbounded read.
ENDED_WITHIN = 15.0


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
