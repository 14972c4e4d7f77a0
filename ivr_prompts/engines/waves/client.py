"""The Waves HTTP client: one httpx.AsyncClient per build, the in-flight limit and retries."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import httpx

from ... import secrets
from ...config import WavesSettings
from ...errors import EngineError, EngineUnavailable
from ...flow.usage import Usage
from ...kinds import Endpoint
from .attempt import Attempt, backoff_delay, give_up, timeout_error, transport_error
from .decode import check_audio_body, truncated, tts_result
from .errors import status_error, with_id
from .routes import (
    DICTS_PATH,
    LEGACY_LIVE_PATH,
    LEGACY_TTS_PATH,
    LIVE_PATH,
    TTS_PATH,
    VOICES_PATH,
    base_url_from,
)
from .shapes import DictItem, RemoteDict, TtsBody, TtsResult, VoiceJson, remote_dict
from .slots import Slots, retry_floor
from .sse import sse_events, sse_frame

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


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
        early_retries: bool = True,
    ) -> None:
        self.settings = settings
        self.base_url = base_url_from(settings, environ)
        self._key = api_key
        secrets.remember(api_key)
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._rng = rng if rng is not None else random.Random()
        # early_retries False: every retry waits out its full backoff (for comparison).
        self.slots = Slots(settings.concurrency, sleep=sleep, clock=clock, early=early_retries)
        self.usage = Usage()  # synthesis requests, characters billed, retries by status
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
        return f"WavesClient(base_url={self._redact(self.base_url)!r}, api_key=<hidden>)"

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
        cost = len(body["text"])  # the answer's time grows with the text: longest first
        if sse:
            return await self._retrying(label, lambda a: self._sse_once(path, body, a), cost)
        return await self._retrying(label, lambda a: self._sync_once(path, body, a), cost)

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

    async def _sync_once(self, path: str, body: TtsBody, attempt: Attempt) -> TtsResult:
        async with self._http.stream(
            "POST", path, json=body, timeout=httpx.Timeout(attempt.bound)
        ) as response:
            headers = self._safe_headers(response, attempt)
            audio = await response.aread()
            if response.status_code != 200:
                raise self._status_error(response, headers, audio)
        # Content-Length counts bytes on the wire, which differ from the body when it is encoded.
        encoded = "content-encoding" in headers
        received = response.num_bytes_downloaded if encoded else len(audio)
        check_audio_body(headers, audio, received, attempt.request_id)
        external = headers.get("x-external-request-id")
        return tts_result(body, audio, attempt.request_id, external)

    async def _sse_once(self, path: str, body: TtsBody, attempt: Attempt) -> TtsResult:
        timeout = httpx.Timeout(attempt.bound)
        sse_headers = {"Accept": "text/event-stream"}
        async with self._http.stream(
            "POST", path, json=body, headers=sse_headers, timeout=timeout
        ) as response:
            headers = self._safe_headers(response, attempt)
            request_id = attempt.request_id
            if response.status_code != 200:
                raise self._status_error(response, headers, await response.aread())
            ctype = headers.get("content-type", "")
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
        return tts_result(body, audio, request_id, headers.get("x-external-request-id"))

    async def _json_call(self, method: str, path: str, body: object, label: str) -> Any:
        async def once(attempt: Attempt) -> Any:
            async with self._http.stream(
                method, path, json=body, timeout=httpx.Timeout(attempt.bound)
            ) as response:
                headers = self._safe_headers(response, attempt)
                content = await response.aread()
            if response.status_code != 200:
                raise self._status_error(response, headers, content)
            try:
                return json.loads(content)
            except (ValueError, UnicodeDecodeError) as exc:
                rid = attempt.request_id
                raise EngineError(
                    with_id(f"Waves answered {method} {path} with a body that is not JSON", rid),
                    status=200,
                    request_id=rid,
                ) from exc

        return await self._retrying(label, once)

    def _safe_headers(self, response: httpx.Response, attempt: Attempt) -> dict[str, str]:
        """The answer's headers, lower-cased, without any value that carries the key."""
        headers = {
            name.lower(): value
            for name, value in response.headers.items()
            if not secrets.contains_secret(value, (self._key,))
        }
        attempt.request_id = headers.get("x-request-id") or None
        attempt.answered = True
        return headers

    # -- retry loop and the exception boundary ----------------------------------------------------

    async def _retrying(
        self, label: str, once: Callable[[Attempt], Awaitable[T]], cost: float = 0.0
    ) -> T:
        deadline = self._clock() + self.settings.deadline_seconds
        last: EngineError | None = None
        number = 0
        wait: tuple[float, float] | None = None  # the next retry's floor and full backoff
        while True:
            if wait is None:
                await self.slots.acquire(cost)
            else:
                await self.slots.acquire_retry(*wait, cost)
            ok: bool | None = None  # None: out of time before anything was sent
            try:
                left = deadline - self._clock()
                if left <= 0:
                    raise self._out_of_time(last, number)
                number += 1
                ok = False
                bound = min(self.settings.timeout_seconds, left)
                attempt = Attempt(bound, by_deadline=bound < self.settings.timeout_seconds)
                self.usage.requests += cost > 0  # synthesis only: cost is its text's length
                try:
                    result = await self._translated(once, attempt)
                    ok = True
                    self.usage.characters += int(cost)
                    return result
                except EngineError as exc:
                    last = exc
            finally:
                self.slots.release(ok)
            delay = self._retry_delay(last, attempt, number, deadline)
            if cost > 0:
                self.usage.retried(_reason(last, attempt))
            wait = (retry_floor(number, last.retry_after, delay), delay)
            logger.debug(
                "%s: attempt %d failed (%s); retrying in %.2f-%.2f s (sooner on an idle slot)",
                label,
                number,
                last,
                *wait,
            )

    def _retry_delay(
        self, exc: EngineError, attempt: Attempt, number: int, deadline: float
    ) -> float:
        """How long to wait before the next attempt; raises `exc` when there is none."""
        limit = self.settings.deadline_seconds
        if not exc.retryable or number >= self.settings.max_attempts:
            give_up(exc, number, None)
            raise exc
        if attempt.by_deadline and attempt.timed_out:
            give_up(exc, number, None)  # its message names the deadline
            raise exc
        left = deadline - self._clock()
        if exc.retry_after is not None and exc.retry_after > left:
            give_up(
                exc,
                number,
                f"Waves asks to retry after {exc.retry_after:g} s (Retry-After), more than the "
                f"{max(left, 0):.0f} s left of the {limit:g} s deadline (waves.deadline_seconds)",
            )
            raise exc
        delay = backoff_delay(number, exc.retry_after, self._rng)
        if delay >= left:
            give_up(exc, number, f"deadline of {limit:g} s reached")
            raise exc
        return delay

    def _out_of_time(self, last: EngineError | None, number: int) -> EngineError:
        limit = self.settings.deadline_seconds
        if last is not None:
            give_up(last, number, f"deadline of {limit:g} s reached")
            return last
        return EngineUnavailable(
            f"no attempt could start within the deadline of {limit:g} s "
            "(waves.deadline_seconds): raise it, or waves.concurrency if your plan allows"
        )

    async def _translated(self, once: Callable[[Attempt], Awaitable[T]], attempt: Attempt) -> T:
        """One attempt within its wall-clock bound; every failure as our error, key redacted."""
        try:
            try:
                async with asyncio.timeout(attempt.bound):
                    return await once(attempt)
            except TimeoutError as exc:
                attempt.timed_out = True
                raise timeout_error(attempt, *self._where()) from exc
            except (httpx.HTTPError, httpx.StreamError, httpx.InvalidURL) as exc:
                raise transport_error(
                    exc, attempt, self.base_url, self.settings.deadline_seconds
                ) from exc
        except EngineError as exc:
            exc.message = self._redact(exc.message)
            exc.args = (exc.message,)
            raise

    def _where(self) -> tuple[str, float]:
        return self.base_url, self.settings.deadline_seconds

    def _redact(self, text: str) -> str:
        return secrets.redact(text, (self._key,))

    def _status_error(
        self, response: httpx.Response, headers: Mapping[str, str], body: bytes
    ) -> EngineError:
        return status_error(
            response.status_code,
            response.reason_phrase,
            headers,
            (response.request.method, response.request.url.path),
            body,
            base_url=self.base_url,
            key_env=self.key_env,
            redact=self._redact,
            now=self._wall_clock(),
        )


def _reason(exc: EngineError, attempt: Attempt) -> str:
    """Why an attempt failed, for the retry counts: its status, else timeout or network."""
    if exc.status is not None:
        return str(exc.status)
    return "timeout" if attempt.timed_out else "network"
