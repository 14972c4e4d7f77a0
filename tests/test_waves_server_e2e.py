"""The Waves client and engine end to end against the real local stand-in server."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Coroutine, Iterator
from dataclasses import replace
from typing import Any, TypeVar

import numpy as np
import pytest

from ivr_prompts.config import WavesSettings
from ivr_prompts.engines.base import Synthesis, SynthesisRequest
from ivr_prompts.engines.waves.client import WavesClient
from ivr_prompts.engines.waves.engine import WavesEngine
from ivr_prompts.errors import EngineError, EngineUnavailable
from tests.waves_server import WavesServer

T = TypeVar("T")
SETTINGS = WavesSettings(base_url="https://api.smallest.ai.invalid", timeout_seconds=10.0)


class FastSleep:
    """Records the backoff the client asked for and waits a hundredth of it: fast, and the
    order of waits (exponential growth included) stays the client's."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(seconds / 100)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture
def server() -> Iterator[WavesServer]:
    with WavesServer() as s:
        yield s


def engine_for(
    server: WavesServer,
    settings: WavesSettings = SETTINGS,
    *,
    key: str | None = None,
    sleep: FastSleep | None = None,
) -> WavesEngine:
    client = WavesClient(
        settings,
        server.api_key if key is None else key,
        sleep=sleep or FastSleep(),
        environ={"SMALLEST_BASE_URL": server.url},
    )
    return WavesEngine(client)


def request(
    text: str = "Thank you for calling Acme Bank.",
    *,
    prompt_id: str = "main/welcome",
    voice: str = "magnus",
    key: str = "c0ffee",
) -> SynthesisRequest:
    return SynthesisRequest(
        prompt_id=prompt_id,
        locale="en-US",
        text=text,
        language="en",
        voice=voice,
        speed=1.0,
        model="lightning_v3.1",
        cache_key=key,
    )


async def speak(engine: WavesEngine, *requests: SynthesisRequest) -> list[Synthesis]:
    try:
        return list(await asyncio.gather(*(engine.synthesize(r) for r in requests)))
    finally:
        await engine.aclose()


def speak_one(engine: WavesEngine, req: SynthesisRequest | None = None) -> Synthesis:
    return run(speak(engine, req or request()))[0]


def rms(samples: np.ndarray[Any, Any]) -> float:
    return float(np.sqrt(np.mean(np.square(samples.astype(np.float64)))))


# -- synthesis ------------------------------------------------------------------------------------


def test_engine_sync_returns_real_speech_and_records_request_id(server: WavesServer) -> None:
    result = speak_one(engine_for(server))
    assert result.sample_rate == 8000
    assert 0.8 < len(result.samples) / 8000 < 5.0
    assert rms(result.samples) > 0.02
    assert np.abs(result.samples).max() <= 1.0
    (record,) = server.tts_records()
    assert record.path == "/waves/v1/tts"
    assert result.meta["request_id"] == record.request_id
    assert record.headers["accept"] == "audio/wav"
    assert record.body["request_id"] == "c0ffee.p0"


def test_engine_sse_gives_the_same_audio_as_sync(server: WavesServer) -> None:
    sync = speak_one(engine_for(server))
    live = speak_one(engine_for(server, replace(SETTINGS, endpoint="sse")))
    np.testing.assert_array_equal(sync.samples, live.samples)
    assert server.tts_records()[1].path == "/waves/v1/tts/live"


@pytest.mark.parametrize("riff", [False, True])
@pytest.mark.parametrize("fmt", ["wav", "ulaw", "alaw"])
def test_engine_other_formats_decode_close_to_pcm(fmt: str, riff: bool) -> None:
    with WavesServer(g711_riff=riff) as server:
        pcm = speak_one(engine_for(server))
        other = speak_one(engine_for(server, replace(SETTINGS, output_format=fmt)))  # type: ignore[arg-type]
    assert len(other.samples) == len(pcm.samples)
    error = rms(other.samples - pcm.samples)
    assert error < rms(pcm.samples) / 20  # G.711 quantization noise, far below the speech


def test_engine_long_prompt_is_split_into_requests_under_250_chars(server: WavesServer) -> None:
    sentence = "Your call is important to us and will be answered in the order it was received. "
    text = (sentence * 8).strip()
    result = speak_one(engine_for(server), request(text))
    bodies = [r.body for r in server.tts_records()]
    assert len(bodies) == 3  # three 80-char sentences fit in 250
    assert all(len(b["text"]) <= 250 for b in bodies)
    assert " ".join(b["text"] for b in bodies) == text
    assert [b["request_id"] for b in bodies] == [f"c0ffee.p{i}" for i in range(3)]
    assert result.meta["pieces"] == "3"
    assert len(result.meta["request_id"].split(",")) == 3


def test_engine_legacy_route_is_refused_by_a_current_server(server: WavesServer) -> None:
    engine = engine_for(server, replace(SETTINGS, legacy_routes=True))
    with pytest.raises(EngineUnavailable) as info:
        speak_one(engine)
    rid = server.records[-1].request_id
    assert str(info.value) == (
        "main/welcome [en-US]: Waves has no route POST /waves/v1/lightning-v3.1/get_speech (410): "
        f"the route is retired or waves.base_url ({server.url}) is wrong (request id {rid})"
    )


def test_engine_legacy_route_works_when_both_sides_enable_it() -> None:
    with WavesServer(legacy_routes=True) as server:
        speak_one(engine_for(server, replace(SETTINGS, legacy_routes=True, endpoint="sse")))
        assert server.records[-1].path == "/waves/v1/lightning-v3.1/stream"


# -- concurrency ----------------------------------------------------------------------------------


def test_engine_load_never_exceeds_the_concurrency_limit() -> None:
    with WavesServer(concurrency=3, latency=0.03, audio="babble") as server:
        engine = engine_for(server, replace(SETTINGS, concurrency=3))
        requests = [request(f"Prompt {i}.", prompt_id=f"p/{i}", key=f"k{i}") for i in range(24)]
        results = run(speak(engine, *requests))
        records = server.tts_records()
    assert len(results) == 24
    assert server.max_in_flight == 3  # reached, never exceeded
    assert server.over_limit == 0
    assert sorted(r.body["request_id"] for r in records) == sorted(f"k{i}.p0" for i in range(24))


def test_engine_429s_from_a_tighter_server_are_absorbed() -> None:
    sleep = FastSleep()
    with WavesServer(concurrency=2, latency=0.02, audio="babble") as server:
        engine = engine_for(server, replace(SETTINGS, concurrency=4, max_attempts=20), sleep=sleep)
        requests = [request(f"Prompt {i}.", prompt_id=f"p/{i}", key=f"k{i}") for i in range(16)]
        results = run(speak(engine, *requests))
        records = server.tts_records()
    assert len(results) == 16
    assert server.over_limit > 0
    assert sleep.delays
    done = [r.body["request_id"] for r in records if r.status == 200]
    assert sorted(done) == sorted(f"k{i}.p0" for i in range(16))  # none lost, none twice


def test_engine_429_with_retry_after_waits_as_told() -> None:
    sleep = FastSleep()
    with WavesServer(retry_after="3") as server:
        server.script("429-retry-after")
        speak_one(engine_for(server, sleep=sleep))
        assert [r.status for r in server.tts_records()] == [429, 200]
    assert sleep.delays == [3.0]


def test_engine_injected_5xx_are_absorbed(server: WavesServer) -> None:
    server.script("500", "502", "503", "408")
    result = speak_one(engine_for(server))
    assert [r.status for r in server.tts_records()] == [500, 502, 503, 408, 200]
    assert result.meta["request_id"] == server.tts_records()[-1].request_id


def test_engine_random_faults_are_absorbed_without_loss_or_duplicates() -> None:
    with WavesServer(concurrency=2, rate_429=0.2, rate_500=0.2, seed=3, audio="babble") as server:
        engine = engine_for(server, replace(SETTINGS, concurrency=2, max_attempts=20))
        requests = [request(f"Prompt {i}.", prompt_id=f"p/{i}", key=f"k{i}") for i in range(20)]
        run(speak(engine, *requests))
        records = server.tts_records()
    assert {r.status for r in records} == {200, 429, 500}
    done = [r.body["request_id"] for r in records if r.status == 200]
    assert sorted(done) == sorted(f"k{i}.p0" for i in range(20))
    assert server.max_in_flight <= 2


# -- faults that must not be retried --------------------------------------------------------------


def test_engine_unknown_voice_is_one_line_and_not_retried(server: WavesServer) -> None:
    with pytest.raises(EngineError) as info:
        speak_one(engine_for(server), request(voice="nobody"))
    (record,) = server.tts_records()
    assert str(info.value) == (
        "Waves rejected the request (400): voice_id: Voice 'nobody' not "
        f"found (request id {record.request_id})"
    )


def test_engine_wrong_key_is_one_line_and_not_retried(server: WavesServer) -> None:
    with pytest.raises(EngineUnavailable) as info:
        speak_one(engine_for(server, key="sk_wrong"))
    (record,) = server.tts_records()
    assert record.headers["authorization"] == "<invalid>"
    assert str(info.value) == (
        "main/welcome [en-US]: Waves rejected the API key in SMALLEST_API_KEY (401 Unauthorized): "
        f"set a valid key from the Smallest AI console (request id {record.request_id})"
    )


def test_engine_403_is_one_line_and_not_retried(server: WavesServer) -> None:
    server.script("403")
    with pytest.raises(EngineUnavailable) as info:
        speak_one(engine_for(server))
    assert len(server.tts_records()) == 1
    assert "(403 Forbidden: Monthly character quota exhausted): your plan" in str(info.value)


def test_engine_server_down_names_the_base_url() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = WavesClient(
        replace(SETTINGS, max_attempts=2),
        "sk_x",
        sleep=FastSleep(),
        environ={"SMALLEST_BASE_URL": f"http://127.0.0.1:{port}"},
    )
    with pytest.raises(EngineUnavailable) as info:
        speak_one(WavesEngine(client))
    assert str(info.value) == (
        f"main/welcome [en-US]: cannot connect to the Waves API at http://127.0.0.1:{port} "
        "(All connection attempts failed); check waves.base_url in prompts.toml or "
        "SMALLEST_BASE_URL; gave up after 2 attempt(s)"
    )


def test_engine_slow_server_times_out() -> None:
    with WavesServer(slow_seconds=2.0) as server:
        server.script("slow")
        engine = engine_for(server, replace(SETTINGS, timeout_seconds=0.2, max_attempts=1))
        with pytest.raises(EngineError) as info:
            speak_one(engine)
        assert str(info.value) == (
            f"main/welcome [en-US]: Waves did not answer within 0.2 s (at {server.url})"
        )


def test_engine_truncated_body_once_is_retried(server: WavesServer) -> None:
    server.script("truncate")
    speak_one(engine_for(server))
    assert [r.status for r in server.tts_records()] == [200, 200]


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("truncate", "the connection to Waves broke mid-request (RemoteProtocolError: "),
        ("empty", "Waves answered 200 with an empty body"),
        ("odd-pcm", "Waves PCM body has an odd length"),
    ],
)
def test_engine_truncation_faults_fail_after_retries(
    server: WavesServer, fault: Any, message: str
) -> None:
    server.script(*[fault] * 3)
    with pytest.raises(EngineError) as info:
        speak_one(engine_for(server, replace(SETTINGS, max_attempts=3)))
    assert str(info.value).startswith(message)
    assert str(info.value).endswith("gave up after 3 attempt(s)")
    assert len(server.tts_records()) == 3


@pytest.mark.parametrize(
    ("fault", "endpoint", "message"),
    [
        ("json200", "sync", "Waves answered 200 with JSON instead of audio: Quota check failed"),
        (
            "json200-audio-type",
            "sync",
            "Waves answered 200 with JSON instead of audio: Quota check failed",
        ),
        ("html200", "sync", "Waves answered 200 with HTML instead of audio"),
        ("sse-bad-base64", "sse", "Waves sent audio that is not valid base64"),
        ("sse-error-frame", "sse", "Waves reported an error mid-stream (500): synthesis failed"),
    ],
)
def test_engine_not_audio_answers_are_rejected(
    server: WavesServer, fault: Any, endpoint: Any, message: str
) -> None:
    server.script(fault)
    settings = replace(SETTINGS, endpoint=endpoint, max_attempts=1)
    with pytest.raises(EngineError) as info:
        speak_one(engine_for(server, settings))
    rid = server.tts_records()[0].request_id
    assert str(info.value) == f"{message} (request id {rid})"


def test_engine_sse_without_done_is_retried_then_succeeds(server: WavesServer) -> None:
    server.script("sse-no-done")
    speak_one(engine_for(server, replace(SETTINGS, endpoint="sse")))
    assert len(server.tts_records()) == 2


def test_engine_fault_matrix_never_leaks_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    key = "sk_live_TOPSECRET_777"
    faults: list[Any] = ["500", "429", "truncate", "json200", "empty", "403", "400", "reset"]
    with WavesServer(api_key=key, retry_after="1") as server:
        for endpoint in ("sync", "sse"):
            for fault in [*faults, "sse-no-done", "sse-bad-base64"]:
                server.script(fault, fault)
                engine = engine_for(server, replace(SETTINGS, endpoint=endpoint, max_attempts=2))
                texts.append(repr(engine))
                try:
                    result = speak_one(engine)
                    texts.append(json.dumps(result.meta))
                except EngineError as exc:
                    texts += [str(exc), repr(exc), str(exc.__cause__)]
        with pytest.raises(EngineUnavailable) as info:
            speak_one(engine_for(server, key="sk_live_WRONG_999"))
        texts.append(str(info.value))
        bodies = json.dumps([r.body for r in server.records])
    texts.append(caplog.text)
    assert len(caplog.records) > 10
    assert not [t for t in texts if key in t or "sk_live_WRONG_999" in t]
    assert key not in bodies
