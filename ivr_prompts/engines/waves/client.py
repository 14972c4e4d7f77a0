"""The Waves HTTP client: one httpx.AsyncClient per build, the in-flight limit and retries."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import httpx

from ...config import WavesSettings
from ...errors import EngineError, EngineUnavailable
from ...kinds import Endpoint
from .decode import check_audio_body, truncated, tts_result
from .errors import one_line, status_error, with_id
from .routes import (
    BASE_URL_ENV,
    DICTS_PATH,
    LEGACY_LIVE_PATH,
    LEGACY_TTS_PATH,
    LIVE_PATH,
    TTS_PATH,
    VOICES_PATH,
    base_url_from,
)
from .shapes import DictItem, RemoteDict, TtsBody, TtsResult, VoiceJson, remote_dict
from .sse import sse_events, sse_frame

logger = logging.getLogger(__name__)

BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


def backoff_delay(attempt: int, retry_after: float | None, rng: random.Random) -> float:
    """Full-jitter exponential backoff (0.5 s doubling to 30 s), never shorter than Retry-After."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
    jittered = rng.uniform(0.0, ceiling)
    return jittered if retry_after is None else max(retry_after, jittered)


class WavesClient:
    """One httpx.AsyncClient per build with a global in-flight limit and the retry policy.

    The base URL is SMALLEST_BASE_URL when that variable is set and non-empty, else
    `settings.base_url`. The key comes from the caller (see api_key_from_env), never from config.
    """

    def __init__(
        self,
        settings: WavesSettings,
        api_key: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        rng: random.Random | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self.settings = settings
        self.base_url = base_url_from(settings, environ)
        self._key = api_key
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._rng = rng if rng is not None else random.Random()
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(settings.timeout_seconds),
            limits=httpx.Limits(
                max_connections=settings.concurrency + 2,
                max_keepalive_connections=settings.concurrency + 2,
            ),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "audio/wav"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"WavesClient(base_url={self.base_url!r}, api_key=<hidden>)"

    @property
    def key_env(self) -> str:
        """The variable the key came from, for messages."""
        return self.settings.api_key_env

    async def aclose(self) -> None:
        """Close the HTTP client and its connections."""
        await self._http.aclose()

    async def __aenter__(self) -> WavesClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- public calls -------------------------------------------------------------------------

    def tts_path(self, endpoint: Endpoint | None = None) -> str:
        """The synthesis route for `endpoint` (default: settings.endpoint)."""
        sse = (endpoint or self.settings.endpoint) == "sse"
        if self.settings.legacy_routes:
            return LEGACY_LIVE_PATH if sse else LEGACY_TTS_PATH
        return LIVE_PATH if sse else TTS_PATH

    async def tts(self, body: TtsBody, *, endpoint: Endpoint | None = None) -> TtsResult:
        """Synthesize one body over the sync or SSE route; raw audio bytes of the asked format."""
        sse = (endpoint or self.settings.endpoint) == "sse"
        path = self.tts_path(endpoint)
        label = body.get("request_id") or "tts"
        if sse:
            return await self._retrying(label, lambda: self._sse_once(path, body))
        return await self._retrying(label, lambda: self._sync_once(path, body))

    async def list_voices(self) -> list[VoiceJson]:
        """The voice catalog as Waves returns it."""
        data = await self._json_call("GET", VOICES_PATH, None, "voices")
        voices = data.get("voices") if isinstance(data, dict) else data
        if not isinstance(voices, list):
            raise EngineError("Waves voice catalog: expected a list of voices")
        return [
            cast(VoiceJson, v)
            for v in voices
            if isinstance(v, dict) and isinstance(v.get("voiceId"), str)
        ]

    async def list_dicts(self) -> list[RemoteDict]:
        """Every pronunciation dictionary of the account."""
        data = await self._json_call("GET", DICTS_PATH, None, "dicts-list")
        if not isinstance(data, list):
            raise EngineError("Waves pronunciation dictionaries: expected a list")
        return [
            remote_dict(d) for d in data if isinstance(d, dict) and isinstance(d.get("id"), str)
        ]

    async def create_dict(self, items: Sequence[DictItem]) -> RemoteDict:
        """Create a dictionary; returns it with its new id."""
        data = await self._json_call("POST", DICTS_PATH, {"items": list(items)}, "dicts-create")
        return remote_dict(data)

    async def update_dict(self, dict_id: str, items: Sequence[DictItem]) -> RemoteDict:
        """Replace a dictionary's items with the full list."""
        body = {"id": dict_id, "items": list(items)}
        return remote_dict(await self._json_call("PUT", DICTS_PATH, body, "dicts-update"))

    async def delete_dict(self, dict_id: str) -> None:
        """Delete a dictionary (the id travels in the JSON body)."""
        await self._json_call("DELETE", DICTS_PATH, {"id": dict_id}, "dicts-delete")

    # -- one attempt ----------------------------------------------------------------------------

    async def _sync_once(self, path: str, body: TtsBody) -> TtsResult:
        response = await self._http.post(path, json=body)
        request_id = response.headers.get("x-request-id")
        if response.status_code != 200:
            raise self._status_error(response, response.content)
        audio = response.content
        # Content-Length counts bytes on the wire, which differ from the body when it is encoded.
        encoded = "content-encoding" in response.headers
        received = response.num_bytes_downloaded if encoded else len(audio)
        check_audio_body(response.headers, audio, received, request_id)
        return tts_result(body, audio, request_id, response.headers.get("x-external-request-id"))

    async def _sse_once(self, path: str, body: TtsBody) -> TtsResult:
        headers = {"Accept": "text/event-stream"}
        async with self._http.stream("POST", path, json=body, headers=headers) as response:
            request_id = response.headers.get("x-request-id")
            if response.status_code != 200:
                raise self._status_error(response, await response.aread())
            ctype = response.headers.get("content-type", "")
            if not ctype.startswith("text/event-stream"):
                raise EngineError(
                    with_id(
                        f"Waves answered the stream request with {ctype!r}, not events", request_id
                    ),
                    status=200,
                    request_id=request_id,
                )
            chunks: list[bytes] = []
            async for event in sse_events(response.aiter_lines()):
                chunk, done = sse_frame(event, request_id)
                if chunk:
                    chunks.append(chunk)
                if done:
                    break
            else:
                raise truncated("Waves audio stream ended without done: true", request_id)
        audio = b"".join(chunks)
        if not audio:
            raise truncated("Waves audio stream carried no audio", request_id)
        external = response.headers.get("x-external-request-id")
        return tts_result(body, audio, request_id, external)

    async def _json_call(self, method: str, path: str, body: object, label: str) -> Any:
        async def once() -> Any:
            response = await self._http.request(method, path, json=body)
            if response.status_code != 200:
                raise self._status_error(response, response.content)
            try:
                return response.json()
            except (ValueError, UnicodeDecodeError) as exc:
                rid = response.headers.get("x-request-id")
                raise EngineError(
                    with_id(f"Waves answered {method} {path} with a body that is not JSON", rid),
                    status=200,
                    request_id=rid,
                ) from exc

        return await self._retrying(label, once)

    # -- retry loop and the exception boundary ----------------------------------------------------

    async def _retrying(self, label: str, once: Callable[[], Awaitable[T]]) -> T:
        deadline = self._clock() + self.settings.deadline_seconds
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self._slots:
                    return await self._translated(once)
            except EngineError as exc:
                if not exc.retryable or attempt >= self.settings.max_attempts:
                    _give_up(exc, attempt, None)
                    raise
                delay = backoff_delay(attempt, exc.retry_after, self._rng)
                if self._clock() + delay > deadline:
                    limit = self.settings.deadline_seconds
                    _give_up(exc, attempt, f"deadline of {limit:g} s reached")
                    raise
                logger.debug(
                    "%s: attempt %d failed (%s); retrying in %.2f s", label, attempt, exc, delay
                )
            await self._sleep(delay)

    async def _translated(self, once: Callable[[], Awaitable[T]]) -> T:
        try:
            return await once()
        except EngineError as exc:
            exc.message = self._redact(exc.message)
            exc.args = (exc.message,)
            raise
        except (httpx.HTTPError, httpx.StreamError, httpx.InvalidURL) as exc:
            raise self._transport_error(exc) from exc

    def _transport_error(self, exc: Exception) -> EngineError:
        """Our error for an httpx exception; every httpx exception class lands somewhere."""
        detail = self._redact(one_line(str(exc) or "no detail"))
        if isinstance(exc, httpx.TimeoutException):
            return EngineError(
                f"Waves did not answer within {self.settings.timeout_seconds:g} s "
                f"({type(exc).__name__} at {self.base_url})",
                retryable=True,
            )
        if isinstance(exc, httpx.ConnectError):
            detail = self._redact(one_line(str(exc) or "connection failed"))
            return EngineUnavailable(
                f"cannot connect to the Waves API at {self.base_url} ({detail}); "
                f"check waves.base_url in prompts.toml or {BASE_URL_ENV}",
                retryable=True,
            )
        if isinstance(
            exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError, httpx.CloseError)
        ):
            return EngineError(
                f"the connection to Waves broke mid-request ({type(exc).__name__}: {detail})",
                retryable=True,
            )
        if isinstance(exc, httpx.DecodingError):
            return EngineError(
                f"Waves sent a body that cannot be decoded ({self._redact(one_line(str(exc)))})",
                retryable=True,
            )
        if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.ProxyError)):
            return EngineUnavailable(
                f"cannot use the Waves base URL {self.base_url!r} "
                f"({self._redact(one_line(str(exc)))}); check waves.base_url or {BASE_URL_ENV}"
            )
        if isinstance(exc, httpx.TooManyRedirects):
            return EngineUnavailable(
                f"Waves at {self.base_url} redirects too often; check waves.base_url"
            )
        # LocalProtocolError, HTTPStatusError and stream misuse: bugs more than weather.
        return EngineError(f"Waves request failed ({type(exc).__name__}: {detail})")

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "<hidden>") if self._key else text

    def _status_error(self, response: httpx.Response, body: bytes) -> EngineError:
        return status_error(
            response.status_code,
            response.reason_phrase,
            response.headers,
            (response.request.method, response.request.url.path),
            body,
            base_url=self.base_url,
            key_env=self.key_env,
            redact=self._redact,
            now=self._wall_clock(),
        )


def _give_up(exc: EngineError, attempt: int, why: str | None) -> None:
    if attempt > 1 or why is not None:
        exc.message = f"{exc.message}; gave up after {attempt} attempt(s)"
        if why:
            exc.message += f": {why}"
        exc.args = (exc.message,)
    exc.retryable = False
