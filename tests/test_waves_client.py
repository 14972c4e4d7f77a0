"""Retry, mapping, decoding and splitting logic of the Waves client, through httpx.MockTransport."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import random
import re
import struct
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any, TypeVar

import httpx
import numpy as np
import pytest

from ivr_prompts.config import WavesSettings
from ivr_prompts.engines.base import SynthesisRequest
from ivr_prompts.engines.waves.attempt import backoff_delay
from ivr_prompts.engines.waves.client import WavesClient
from ivr_prompts.engines.waves.decode import decode_audio
from ivr_prompts.engines.waves.engine import WavesEngine
from ivr_prompts.engines.waves.errors import parse_retry_after, vendor_message
from ivr_prompts.engines.waves.routes import api_key_from_env
from ivr_prompts.engines.waves.shapes import TtsBody
from ivr_prompts.engines.waves.text import piece_request_id, split_text
from ivr_prompts.errors import EngineError, EngineUnavailable

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

KEY = "sk_live_SECRET_0123456789abcdef"
BASE = "https://waves.invalid"
SETTINGS = WavesSettings(base_url=BASE, max_attempts=4, deadline_seconds=600.0)
T = TypeVar("T")
Handler = Callable[[httpx.Request], httpx.Response]
PCM = np.arange(-800, 800, 4, dtype="<i2").tobytes()


class Sleeps:
    """An injected sleep that records delays and advances a fake clock instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.now = 1000.0

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def make_client(
    handler: Handler, settings: WavesSettings = SETTINGS, sleeps: Sleeps | None = None
) -> tuple[WavesClient, Sleeps]:
    sleeps = sleeps or Sleeps()
    client = WavesClient(
        settings,
        KEY,
        transport=httpx.MockTransport(handler),
        sleep=sleeps,
        clock=sleeps.clock,
        wall_clock=lambda: 1_800_000_000.0,
        rng=random.Random(7),
        environ={},
    )
    return client, sleeps


def body(text: str = "Hello.", request_id: str = "key.p0") -> TtsBody:
    return {
        "text": text,
        "voice_id": "magnus",
        "model": "lightning_v3.1",
        "sample_rate": 8000,
        "speed": 1.0,
        "language": "en",
        "output_format": "pcm",
        "request_id": request_id,
    }


def audio_response(content: bytes = PCM, rid: str = "rid-ok") -> httpx.Response:
    return httpx.Response(
        200, content=content, headers={"Content-Type": "audio/wav", "X-Request-Id": rid}
    )


def error(status: int, payload: object, rid: str = "rid-1", **headers: str) -> httpx.Response:
    return httpx.Response(status, json=payload, headers={"X-Request-Id": rid, **headers})


def sequence(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def tts_then_close(client: WavesClient, b: TtsBody | None = None) -> bytes:
    try:
        return (await client.tts(b or body())).audio
    finally:
        await client.aclose()


# -- Retry-After and backoff ----------------------------------------------------------------------


def test_parse_retry_after_delta_seconds_returns_them() -> None:
    assert parse_retry_after("7", now=0.0) == 7.0
    assert parse_retry_after(" 1.5 ", now=0.0) == 1.5


def test_parse_retry_after_http_date_returns_seconds_from_now() -> None:
    now = 1_800_000_000.0  # 2027-01-15T08:00:00Z
    assert parse_retry_after("Fri, 15 Jan 2027 08:00:30 GMT", now=now) == 30.0


def test_parse_retry_after_past_date_or_negative_returns_zero() -> None:
    assert parse_retry_after("Thu, 01 Jan 2015 00:00:00 GMT", now=1_800_000_000.0) == 0.0
    assert parse_retry_after("-3", now=0.0) == 0.0


def test_parse_retry_after_garbage_or_missing_returns_none() -> None:
    assert parse_retry_after("soon", now=0.0) is None
    assert parse_retry_after("", now=0.0) is None
    assert parse_retry_after(None, now=0.0) is None
    assert parse_retry_after("nan", now=0.0) is None


def test_backoff_delay_full_jitter_stays_under_doubling_cap() -> None:
    rng = random.Random(1)
    for attempt in range(1, 12):
        cap = min(30.0, 0.5 * 2 ** (attempt - 1))
        delays = [backoff_delay(attempt, None, rng) for _ in range(200)]
        assert all(0.0 <= d <= cap for d in delays)
        assert max(delays) > cap * 0.8  # jitter spreads over the whole window


def test_backoff_delay_retry_after_is_a_floor() -> None:
    assert backoff_delay(1, 9.0, random.Random(0)) == 9.0


# -- retry policy ---------------------------------------------------------------------------------


def test_client_429_without_retry_after_retries_with_backoff() -> None:
    handler, seen = sequence(
        error(429, {"error": "Too Many Requests"}), error(429, {}), audio_response()
    )
    client, sleeps = make_client(handler)
    assert run(tts_then_close(client)) == PCM
    assert len(seen) == 3
    assert len(sleeps.delays) == 2
    assert sleeps.delays[0] <= 0.5
    assert sleeps.delays[1] <= 1.0


def test_client_429_with_retry_after_seconds_waits_that_long() -> None:
    handler, _ = sequence(error(429, {}, **{"Retry-After": "7"}), audio_response())
    client, sleeps = make_client(handler)
    assert run(tts_then_close(client)) == PCM
    assert sleeps.delays == [7.0]


def test_client_429_with_retry_after_http_date_waits_until_then() -> None:
    date = "Fri, 15 Jan 2027 08:00:12 GMT"  # wall clock is 08:00:00
    handler, _ = sequence(error(429, {}, **{"Retry-After": date}), audio_response())
    client, sleeps = make_client(handler)
    run(tts_then_close(client))
    assert sleeps.delays == [12.0]


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_client_transient_status_is_retried_then_succeeds(status: int) -> None:
    handler, seen = sequence(error(status, {"message": "try later"}), audio_response())
    client, _ = make_client(handler)
    assert run(tts_then_close(client)) == PCM
    assert len(seen) == 2


def test_client_5xx_every_time_gives_up_after_max_attempts() -> None:
    handler, seen = sequence(error(500, {"error": "Internal", "message": "Synthesis failed"}))
    client, sleeps = make_client(handler)
    with pytest.raises(EngineError) as info:
        run(tts_then_close(client))
    assert len(seen) == 4
    assert len(sleeps.delays) == 3
    assert info.value.message == (
        "Waves answered 500 Internal Server Error: Synthesis failed (request id rid-1); "
        "gave up after 4 attempt(s)"
    )
    assert info.value.status == 500
    assert info.value.request_id == "rid-1"
    assert info.value.retryable is False


def test_client_retry_after_beyond_deadline_gives_up_at_once() -> None:
    settings = replace(SETTINGS, deadline_seconds=10.0)
    handler, seen = sequence(error(429, {"message": "slow down"}, **{"Retry-After": "60"}))
    client, sleeps = make_client(handler, settings)
    with pytest.raises(EngineError) as info:
        run(tts_then_close(client))
    assert len(seen) == 1
    assert sleeps.delays == []
    assert info.value.message == (
        "Waves is busy (429 Too Many Requests: slow down) (request id rid-1); "
        "gave up after 1 attempt(s): Waves asks to retry after 60 s (Retry-After), more than "
        "the 10 s left of the 10 s deadline (waves.deadline_seconds)"
    )


def test_client_deadline_counts_time_spent_in_backoff() -> None:
    settings = replace(SETTINGS, deadline_seconds=20.0, max_attempts=20)
    handler, seen = sequence(error(503, {}, **{"Retry-After": "6"}))
    client, sleeps = make_client(handler, settings)
    with pytest.raises(EngineError) as info:
        run(tts_then_close(client))
    assert info.value.message.endswith(
        "gave up after 4 attempt(s): Waves asks to retry after 6 s (Retry-After), more than "
        "the 2 s left of the 20 s deadline (waves.deadline_seconds)"
    )
    assert sleeps.delays == [6.0, 6.0, 6.0]
    assert len(seen) == 4


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_client_client_errors_are_never_retried(status: int) -> None:
    handler, seen = sequence(error(status, {"message": "no"}))
    client, sleeps = make_client(handler)
    with pytest.raises(EngineError):
        run(tts_then_close(client))
    assert len(seen) == 1
    assert sleeps.delays == []


def test_client_connect_error_is_retried_then_succeeds() -> None:
    handler, seen = sequence(httpx.ConnectError("refused"), audio_response())
    client, _ = make_client(handler)
    assert run(tts_then_close(client)) == PCM
    assert len(seen) == 2


# -- one-line messages ----------------------------------------------------------------------------


def test_client_400_validation_names_field_and_vendor_message() -> None:
    payload = {"error": [{"path": ["voice_id"], "message": "Voice 'nobody' not found"}]}
    handler, _ = sequence(error(400, payload, rid="req-400"))
    client, _ = make_client(handler)
    with pytest.raises(EngineError) as info:
        run(tts_then_close(client))
    assert str(info.value) == (
        "Waves rejected the request (400): voice_id: Voice 'nobody' not found (request id req-400)"
    )
    assert info.value.request_id == "req-400"
    assert not isinstance(info.value, EngineUnavailable)


def test_client_401_says_the_key_is_invalid() -> None:
    payload = {"error": "Unauthorized", "message": "Bearer token is missing or invalid."}
    handler, _ = sequence(error(401, payload, rid="req-401"))
    client, _ = make_client(handler)
    with pytest.raises(EngineUnavailable) as info:
        run(tts_then_close(client))
    assert str(info.value) == (
        "Waves rejected the API key in SMALLEST_API_KEY (401 Unauthorized): set a valid key "
        "from the Smallest AI console (request id req-401)"
    )


def test_client_403_says_plan_or_usage_limit() -> None:
    payload = {"error": "Forbidden", "message": "Monthly character quota exhausted"}
    handler, _ = sequence(error(403, payload, rid="req-403"))
    client, _ = make_client(handler)
    with pytest.raises(EngineUnavailable) as info:
        run(tts_then_close(client))
    assert str(info.value) == (
        "Waves refused the request (403 Forbidden: Monthly character quota exhausted): your plan "
        "does not include it or its usage limit is reached (request id req-403)"
    )


def test_client_connect_error_names_the_base_url() -> None:
    handler, _ = sequence(httpx.ConnectError("[Errno 111] Connection refused"))
    client, _ = make_client(handler, replace(SETTINGS, max_attempts=2))
    with pytest.raises(EngineUnavailable) as info:
        run(tts_then_close(client))
    assert str(info.value) == (
        "cannot connect to the Waves API at https://waves.invalid ([Errno 111] Connection "
        "refused); check waves.base_url in prompts.toml or SMALLEST_BASE_URL; "
        "gave up after 2 attempt(s)"
    )
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_vendor_message_reads_every_documented_shape() -> None:
    shapes: list[tuple[object, tuple[str | None, str | None]]] = [
        ({"error": "Unauthorized", "message": "Bearer token"}, ("Bearer token", None)),
        ({"error": [{"path": ["speed"], "message": "too fast"}]}, ("too fast", "speed")),
        ({"error": "Bad voice", "details": ["x"]}, ("Bad voice", None)),
        (
            {"status": "error", "error_code": "x", "message": "Invalid input data"},
            ("Invalid input data", None),
        ),
        ({"errors": [{"path": ["a", 0], "message": "m"}]}, ("m", "a.0")),
    ]
    for payload, expected in shapes:
        assert vendor_message(json.dumps(payload).encode()) == expected
    assert vendor_message(b"<html>oops</html>") == (None, None)
    assert vendor_message(b"plain\ntext") == ("plain text", None)


# -- the exception boundary -----------------------------------------------------------------------


def _all_subclasses(root: type[Exception]) -> set[type[Exception]]:
    out = {root}
    for sub in root.__subclasses__():
        out |= _all_subclasses(sub)
    return out


def _httpx_exceptions() -> list[type[Exception]]:
    public = {
        getattr(httpx, name)
        for name in httpx.__all__
        if isinstance(getattr(httpx, name), type) and issubclass(getattr(httpx, name), Exception)
    }
    found = set()
    for root in public:
        found |= {c for c in _all_subclasses(root) if c.__module__.startswith("httpx")}
    # CookieConflict comes from cookie jar lookups, never from sending a request.
    found.discard(httpx.CookieConflict)
    return sorted(found, key=lambda c: c.__name__)


def _instance(kind: type[Exception]) -> Exception:
    request = httpx.Request("POST", f"{BASE}/waves/v1/tts")
    if issubclass(kind, httpx.HTTPStatusError):
        return kind("boom", request=request, response=httpx.Response(500, request=request))
    if issubclass(kind, httpx.RequestError):
        return kind("boom", request=request)
    try:
        return kind("boom")
    except TypeError:  # the stream-misuse errors take no message
        return kind()


def test_httpx_exception_list_covers_the_known_tree() -> None:
    names = {c.__name__ for c in _httpx_exceptions()}
    assert {"ConnectError", "ReadTimeout", "RemoteProtocolError", "InvalidURL"} <= names
    assert {"StreamConsumed", "HTTPStatusError", "DecodingError", "ProxyError"} <= names


@pytest.mark.parametrize("kind", _httpx_exceptions(), ids=lambda c: c.__name__)
def test_client_every_httpx_exception_maps_to_engine_error(kind: type[Exception]) -> None:
    handler, _ = sequence(_instance(kind))
    client, _ = make_client(handler, replace(SETTINGS, max_attempts=2))
    with pytest.raises(EngineError) as info:
        run(tts_then_close(client))
    assert isinstance(info.value.__cause__, kind)
    assert "\n" not in str(info.value)
    assert KEY not in str(info.value)


@pytest.mark.parametrize(
    ("kind", "retried"),
    [
        (httpx.ConnectTimeout, True),
        (httpx.ReadTimeout, True),
        (httpx.PoolTimeout, True),
        (httpx.ReadError, True),
        (httpx.RemoteProtocolError, True),
        (httpx.LocalProtocolError, False),
        (httpx.UnsupportedProtocol, False),
    ],
)
def test_client_transport_errors_retry_only_the_transient(
    kind: type[httpx.RequestError], retried: bool
) -> None:
    handler, seen = sequence(_instance(kind))
    client, _ = make_client(handler, replace(SETTINGS, max_attempts=3))
    with pytest.raises(EngineError):
        run(tts_then_close(client))
    assert len(seen) == (3 if retried else 1)


def test_client_read_timeout_message_names_timeout_and_url() -> None:
    handler, _ = sequence(_instance(httpx.ReadTimeout))
    client, _ = make_client(handler, replace(SETTINGS, max_attempts=1, timeout_seconds=2.5))
    with pytest.raises(EngineError) as info:
        run(tts_then_close(client))
    assert str(info.value) == "Waves did not answer within 2.5 s (at https://waves.invalid)"


# -- not-audio answers ----------------------------------------------------------------------------


def test_client_json_with_audio_content_type_is_rejected_unretried() -> None:
    json_body = b'{"status":"error","message":"Quota check failed"}'
    handler, seen = sequence(audio_response(json_body, rid="r-json"))
    client, _ = make_client(handler)
    with pytest.raises(EngineError) as info:
        run(tts_then_close(client))
    assert str(info.value) == (
        "Waves answered 200 with JSON instead of audio: Quota check failed (request id r-json)"
    )
    assert len(seen) == 1


def test_client_html_200_is_rejected() -> None:
    page = httpx.Response(
        200, content=b"<!DOCTYPE html><p>login</p>", headers={"X-Request-Id": "h"}
    )
    handler, _ = sequence(page)
    client, _ = make_client(handler)
    with pytest.raises(EngineError, match=r"^Waves answered 200 with HTML instead of audio"):
        run(tts_then_close(client))


def test_client_empty_body_is_retried_then_rejected() -> None:
    handler, seen = sequence(audio_response(b"", rid="r-empty"))
    client, _ = make_client(handler, replace(SETTINGS, max_attempts=2))
    with pytest.raises(EngineError) as info:
        run(tts_then_close(client))
    assert str(info.value) == (
        "Waves answered 200 with an empty body (request id r-empty); gave up after 2 attempt(s)"
    )
    assert len(seen) == 2


def test_client_body_shorter_than_content_length_is_rejected() -> None:
    short = httpx.Response(
        200, content=PCM[:100], headers={"Content-Length": str(len(PCM)), "X-Request-Id": "r-cut"}
    )
    handler, _ = sequence(short)
    client, _ = make_client(handler, replace(SETTINGS, max_attempts=1))
    with pytest.raises(EngineError) as info:
        run(tts_then_close(client))
    assert str(info.value) == (
        f"Waves body was cut short: 100 of {len(PCM)} bytes (request id r-cut)"
    )
    assert info.value.retryable is False  # spent: it was the only attempt


def sse(*frames: str, rid: str = "r-sse") -> httpx.Response:
    text = "".join(frames)
    return httpx.Response(
        200,
        content=text.encode(),
        headers={"Content-Type": "text/event-stream", "X-Request-Id": rid},
    )


def audio_frame(data: bytes, *, done: bool = False) -> str:
    frame = {"audio": base64.b64encode(data).decode(), "done": done, "status": "206"}
    return f"event: audio\ndata: {json.dumps(frame)}\n\n"


SSE_SETTINGS = replace(SETTINGS, endpoint="sse")


def test_client_sse_joins_chunks_until_done() -> None:
    handler, seen = sequence(
        sse(
            audio_frame(PCM[:100]),
            audio_frame(PCM[100:]),
            'data: {"status": "200", "done": true}\n\n',
        )
    )
    client, _ = make_client(handler, SSE_SETTINGS)
    assert run(tts_then_close(client)) == PCM
    assert seen[0].url.path == "/waves/v1/tts/live"


def test_client_sse_old_frame_shape_is_accepted() -> None:
    chunk = base64.b64encode(PCM).decode()
    handler, _ = sequence(sse(f'data: {{"audio": "{chunk}"}}\n\n', 'data: {"done": true}\n\n'))
    client, _ = make_client(handler, SSE_SETTINGS)
    assert run(tts_then_close(client)) == PCM


def test_client_sse_without_done_is_retried_then_rejected() -> None:
    handler, seen = sequence(sse(audio_frame(PCM)))
    client, _ = make_client(handler, replace(SSE_SETTINGS, max_attempts=2))
    with pytest.raises(EngineError) as info:
        run(tts_then_close(client))
    assert str(info.value) == (
        "Waves audio stream ended without done: true (request id r-sse); gave up after 2 attempt(s)"
    )
    assert len(seen) == 2


def test_client_sse_done_false_on_last_frame_is_not_done() -> None:
    handler, _ = sequence(sse(audio_frame(PCM), 'data: {"status": "200", "done": false}\n\n'))
    client, _ = make_client(handler, replace(SSE_SETTINGS, max_attempts=1))
    with pytest.raises(EngineError, match="ended without done: true"):
        run(tts_then_close(client))


def test_client_sse_bad_base64_is_rejected() -> None:
    bad = 'event: audio\ndata: {"audio": "%%%not-base64", "done": false}\n\n'
    handler, seen = sequence(sse(bad, 'data: {"done": true}\n\n'))
    client, _ = make_client(handler, SSE_SETTINGS)
    with pytest.raises(EngineError) as info:
        run(tts_then_close(client))
    assert str(info.value) == "Waves sent audio that is not valid base64 (request id r-sse)"
    assert len(seen) == 1


def test_client_sse_error_status_is_mapped_before_streaming() -> None:
    handler, _ = sequence(error(400, {"error": [{"path": ["speed"], "message": "too fast"}]}))
    client, _ = make_client(handler, SSE_SETTINGS)
    with pytest.raises(EngineError, match=r"^Waves rejected the request \(400\): speed: too fast"):
        run(tts_then_close(client))


# -- configuration: key, base URL, routes ---------------------------------------------------------


def test_api_key_from_env_missing_says_which_variable_and_offline_option() -> None:
    with pytest.raises(EngineUnavailable) as info:
        api_key_from_env(WavesSettings(), {})
    assert str(info.value) == (
        "SMALLEST_API_KEY is not set: export your Waves API key "
        "(export SMALLEST_API_KEY=sk_...), or build offline with --engine local"
    )


def test_api_key_from_env_custom_variable_is_named() -> None:
    settings = WavesSettings(api_key_env="ACME_WAVES_KEY")
    with pytest.raises(EngineUnavailable, match=r"^ACME_WAVES_KEY is not set: .*ACME_WAVES_KEY="):
        api_key_from_env(settings, {"SMALLEST_API_KEY": KEY})
    assert api_key_from_env(settings, {"ACME_WAVES_KEY": f" {KEY}\n"}) == KEY


def test_api_key_from_env_with_inner_space_is_refused_without_echoing_it() -> None:
    with pytest.raises(EngineUnavailable) as info:
        api_key_from_env(WavesSettings(), {"SMALLEST_API_KEY": "sk_abc def"})
    assert "sk_abc" not in str(info.value)


def test_client_base_url_env_overrides_config() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return audio_response()

    client = WavesClient(
        SETTINGS,
        KEY,
        transport=httpx.MockTransport(handler),
        environ={"SMALLEST_BASE_URL": "http://127.0.0.1:9/"},
    )
    run(tts_then_close(client))
    assert str(seen[0].url) == "http://127.0.0.1:9/waves/v1/tts"
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"
    assert seen[0].headers["accept"] == "audio/wav"
    assert seen[0].headers["content-type"] == "application/json"


def test_client_legacy_routes_only_when_configured() -> None:
    handler, seen = sequence(audio_response())
    client, _ = make_client(handler, replace(SETTINGS, legacy_routes=True))
    run(tts_then_close(client))
    assert seen[0].url.path == "/waves/v1/lightning-v3.1/get_speech"


def test_client_repr_hides_the_key() -> None:
    client, _ = make_client(sequence(audio_response())[0])
    assert KEY not in repr(client)
    assert KEY not in repr(WavesEngine(client))
    assert "<hidden>" in repr(client)
    run(client.aclose())


# -- engine: body, ids, splitting, decoding -------------------------------------------------------


def request(text: str, cache_key: str = "ab" * 32, dicts: tuple[str, ...] = ()) -> SynthesisRequest:
    return SynthesisRequest(
        prompt_id="main/welcome",
        locale="en-US",
        text=text,
        language="en",
        voice="magnus",
        speed=1.1,
        model="lightning_v3.1",
        cache_key=cache_key,
        pronunciation_dicts=dicts,
    )


def test_engine_sends_every_contract_field() -> None:
    handler, seen = sequence(audio_response(rid="srv-1"))
    client, _ = make_client(handler)
    engine = WavesEngine(client)

    async def go() -> None:
        try:
            result = await engine.synthesize(request("Welcome.", dicts=("a" * 24,)))
        finally:
            await engine.aclose()
        assert result.meta["request_id"] == "srv-1"
        assert result.sample_rate == 8000
        np.testing.assert_array_equal(result.samples * 32768, np.frombuffer(PCM, "<i2"))

    run(go())
    sent = json.loads(seen[0].content)
    assert sent == {
        "text": "Welcome.",
        "voice_id": "magnus",
        "model": "lightning_v3.1",
        "sample_rate": 8000,
        "speed": 1.1,
        "language": "en",
        "output_format": "pcm",
        "request_id": "ab" * 32 + ".p0",
        "pronunciation_dicts": ["a" * 24],
    }


def test_engine_long_text_is_split_and_joined_with_a_pause() -> None:
    handler, seen = sequence(audio_response(rid="r"))
    settings = replace(SETTINGS, max_chars=40)
    client, _ = make_client(handler, settings)
    engine = WavesEngine(client, pause_ms=250)
    text = "Thank you for calling. Your call matters to us. Please hold the line."
    result = run(engine.synthesize(request(text)))
    run(engine.aclose())
    texts = [json.loads(r.content)["text"] for r in seen]
    assert texts == ["Thank you for calling.", "Your call matters to us.", "Please hold the line."]
    ids = [json.loads(r.content)["request_id"] for r in seen]
    assert ids == ["ab" * 32 + ".p0", "ab" * 32 + ".p1", "ab" * 32 + ".p2"]
    piece = len(PCM) // 2
    assert len(result.samples) == 3 * piece + 2 * 2000
    assert not result.samples[piece : piece + 2000].any()
    assert result.meta["request_id"] == "r,r,r"
    assert result.meta["pieces"] == "3"


def test_engine_prompt_error_leaves_naming_the_prompt_to_the_build() -> None:
    handler, _ = sequence(error(400, {"message": "Invalid enum value 'xx'"}, rid="q"))
    client, _ = make_client(handler)
    engine = WavesEngine(client)
    with pytest.raises(EngineError) as info:
        run(engine.synthesize(request("Hi.")))
    run(engine.aclose())
    assert (
        str(info.value)
        == "Waves rejected the request (400): Invalid enum value 'xx' (request id q)"
    )


def test_engine_unavailable_names_the_prompt_and_locale_once() -> None:
    handler, _ = sequence(error(401, {"message": "no"}, rid="q"))
    client, _ = make_client(handler)
    engine = WavesEngine(client)
    with pytest.raises(EngineUnavailable) as info:
        run(engine.synthesize(request("Hi.")))
    run(engine.aclose())
    assert str(info.value) == (
        "main/welcome [en-US]: Waves rejected the API key in SMALLEST_API_KEY (401 Unauthorized): "
        "set a valid key from the Smallest AI console (request id q)"
    )


def test_engine_identity_holds_audio_fields_only() -> None:
    client, _ = make_client(sequence(audio_response())[0])
    identity = WavesEngine(client).identity("magnus", "lightning_v3.1")
    run(client.aclose())
    assert identity == {
        "engine": "waves",
        "voice": "magnus",
        "model": "lightning_v3.1",
        "route": "v1-tts",
        "sample_rate": "8000",
        "output_format": "pcm",
        "max_chars": "250",
        "pause_ms": "250",
    }
    assert KEY not in json.dumps(identity)
    assert BASE not in json.dumps(identity)


def test_split_text_short_text_is_one_piece() -> None:
    assert split_text("  Hello   there.  ", 250) == ["Hello there."]


def test_split_text_packs_sentences_under_the_limit() -> None:
    sentences = [f"Sentence number {i} is here." for i in range(30)]
    text = " ".join(sentences)
    pieces = split_text(text, 100)
    assert all(len(p) <= 100 for p in pieces)
    assert " ".join(pieces) == text
    assert all(p.endswith(".") for p in pieces)


def test_split_text_overlong_sentence_splits_at_clauses_then_words() -> None:
    clause = "press one for billing, " * 12 + "or stay on the line"
    pieces = split_text(clause, 60)
    assert all(len(p) <= 60 for p in pieces)
    assert " ".join(pieces) == clause.strip()
    assert pieces[0].endswith(",")
    words = "word " * 100
    assert all(len(p) <= 30 for p in split_text(words, 30))
    assert split_text("x" * 70, 30) == ["x" * 30, "x" * 30, "x" * 10]


def test_split_text_handles_danda_and_question_marks() -> None:
    text = "नमस्ते। आप कैसे हैं? " * 10
    pieces = split_text(text, 50)
    assert all(len(p) <= 50 for p in pieces)
    assert pieces[0].endswith(("।", "?"))


def test_piece_request_id_matches_the_contract_pattern() -> None:
    for key in ("ab" * 32, "main/welcome:en-US", "x" * 500, "é"):
        rid = piece_request_id(key, 12)
        assert re.fullmatch(r"[a-zA-Z0-9_\-.]+", rid)
        assert len(rid) <= 128
    assert piece_request_id("x" * 500, 0) != piece_request_id("x" * 499 + "y", 0)


def _riff(payload: bytes, tag: int, width: int, rate: int = 8000) -> bytes:
    fmt = struct.pack("<HHIIHH", tag, 1, rate, rate * width, width, 8 * width)
    chunks = b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(payload))
    return b"RIFF" + struct.pack("<I", 4 + len(chunks) - 4 + len(payload)) + chunks + payload


def test_decode_audio_pcm_wav_and_g711_agree() -> None:
    ints = (np.sin(np.arange(800) / 5.0) * 12000).astype("<i2")
    pcm = ints.tobytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ulaw = audioop.lin2ulaw(pcm, 2)
        alaw = audioop.lin2alaw(pcm, 2)
        ulaw_back = np.frombuffer(audioop.ulaw2lin(ulaw, 2), "<i2")
        alaw_back = np.frombuffer(audioop.alaw2lin(alaw, 2), "<i2")
    reference = ints.astype(np.float32) / 32768
    for data, fmt in ((pcm, "pcm"), (_riff(pcm, 1, 2), "wav"), (_riff(pcm, 1, 2), "pcm")):
        samples, rate = decode_audio(data, fmt, 8000)  # type: ignore[arg-type]
        np.testing.assert_array_equal(samples, reference)
        assert rate == 8000
    for data, fmt, back in (
        (ulaw, "ulaw", ulaw_back),
        (_riff(ulaw, 7, 1), "ulaw", ulaw_back),
        (alaw, "alaw", alaw_back),
        (_riff(alaw, 6, 1), "alaw", alaw_back),
    ):
        samples, _ = decode_audio(data, fmt, 8000)  # type: ignore[arg-type]
        np.testing.assert_array_equal(samples, back.astype(np.float32) / 32768)


def test_decode_audio_g711_tables_match_the_reference_decoder() -> None:
    every = bytes(range(256))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ulaw = np.frombuffer(audioop.ulaw2lin(every, 2), "<i2")
        alaw = np.frombuffer(audioop.alaw2lin(every, 2), "<i2")
    u, _ = decode_audio(every, "ulaw", 8000)
    a, _ = decode_audio(every, "alaw", 8000)
    np.testing.assert_array_equal((u * 32768).astype(np.int16), ulaw)
    np.testing.assert_array_equal((a * 32768).astype(np.int16), alaw)


def test_decode_audio_odd_pcm_is_a_retryable_error() -> None:
    with pytest.raises(EngineError) as info:
        decode_audio(PCM[:-1], "pcm", 8000, "r9")
    assert (
        str(info.value)
        == f"Waves PCM body has an odd length ({len(PCM) - 1} bytes) (request id r9)"
    )
    assert info.value.retryable


def test_decode_audio_truncated_wav_is_rejected() -> None:
    wav = _riff(PCM, 1, 2)
    with pytest.raises(EngineError, match=r"^Waves WAV body was cut short: 300 of 800 data bytes"):
        decode_audio(wav[: 44 + 300], "wav", 8000)


def test_decode_audio_stereo_wav_is_rejected() -> None:
    wav = bytearray(_riff(PCM, 1, 2))
    struct.pack_into("<H", wav, 22, 2)
    with pytest.raises(EngineError, match=r"expected mono 16-bit PCM or 8-bit G\.711"):
        decode_audio(bytes(wav), "wav", 8000)


# -- the key never leaks --------------------------------------------------------------------------


def test_client_fault_matrix_never_leaks_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    answers: list[httpx.Response | Exception] = [
        error(400, {"message": f"echo Bearer {KEY}"}),
        error(401, {"error": "Unauthorized"}),
        error(403, {"message": "quota"}),
        error(429, {}, **{"Retry-After": "1"}),
        error(500, {"message": KEY}),
        audio_response(b'{"message": "no"}'),
        audio_response(b""),
        httpx.ConnectError(f"refused {KEY}"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed"),
    ]
    texts: list[str] = []
    for answer in answers:
        client, _ = make_client(sequence(answer)[0], replace(SETTINGS, max_attempts=2))
        with pytest.raises(EngineError) as info:
            run(tts_then_close(client))
        texts += [str(info.value), repr(info.value), info.value.message, repr(client)]
    texts += [record.getMessage() for record in caplog.records]
    texts.append(caplog.text)
    assert len(caplog.records) > 0
    assert not [t for t in texts if KEY in t]
