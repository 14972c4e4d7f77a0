"""The Smallest AI Waves engine: one async HTTP client per build, retries, decoding, splitting."""

from __future__ import annotations

import asyncio
import base64
import binascii
import email.utils
import hashlib
import json
import logging
import math
import os
import random
import re
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Literal, NotRequired, TypedDict, TypeVar, cast

import httpx
import numpy as np
import numpy.typing as npt

from ..audio.g711 import alaw_decode, ulaw_decode
from ..config import Config, WavesSettings
from ..errors import EngineError, EngineUnavailable
from ..kinds import Endpoint, ResolvedEngine, WavesFormat
from .base import Synthesis, SynthesisRequest

logger = logging.getLogger(__name__)

TTS_PATH = "/waves/v1/tts"
LIVE_PATH = "/waves/v1/tts/live"
LEGACY_TTS_PATH = "/waves/v1/lightning-v3.1/get_speech"
LEGACY_LIVE_PATH = "/waves/v1/lightning-v3.1/stream"
DICTS_PATH = "/waves/v1/pronunciation-dicts"
VOICES_PATH = "/waves/v1/lightning-v3.1/get_voices"
BASE_URL_ENV = "SMALLEST_BASE_URL"

BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REQUEST_ID_PATTERN = re.compile(r"^[a-zA-Z0-9_\-.]+$")
REQUEST_ID_MAX = 128
DEFAULT_PAUSE_MS = 250

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
AudioArray = npt.NDArray[np.float32]


class TtsBody(TypedDict):
    """The JSON body of POST /waves/v1/tts and /waves/v1/tts/live."""

    text: str
    voice_id: str
    model: str
    sample_rate: int
    speed: float
    language: str
    output_format: WavesFormat
    request_id: str
    pronunciation_dicts: NotRequired[list[str]]


class DictItem(TypedDict):
    """One pronunciation dictionary entry as Waves stores it."""

    word: str
    pronunciation: str


class RemoteDict(TypedDict):
    """A pronunciation dictionary as GET/POST/PUT return it."""

    id: str
    items: list[DictItem]
    createdAt: NotRequired[str]


class VoiceTags(TypedDict, total=False):
    """The free-form tags of a catalog voice; any of them may be missing."""

    language: list[str]
    accent: str
    gender: str
    age: str


class VoiceJson(TypedDict):
    """One voice of GET /waves/v1/lightning-v3.1/get_voices."""

    voiceId: str
    displayName: NotRequired[str]
    tags: NotRequired[VoiceTags]


@dataclass(frozen=True)
class TtsResult:
    """One synthesis: the raw body, its decoded samples and the ids the server gave it."""

    audio: bytes
    samples: AudioArray
    sample_rate: int
    request_id: str | None
    external_request_id: str | None


class WavesStatusError(EngineError):
    """Waves answered with an error status; `vendor_message` and `field` come from its body."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        request_id: str | None,
        retryable: bool,
        retry_after: float | None = None,
        vendor_message: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(
            message,
            status=status,
            request_id=request_id,
            retryable=retryable,
            retry_after=retry_after,
        )
        self.vendor_message = vendor_message
        self.field = field


def is_unknown_dictionary(exc: BaseException) -> bool:
    """Whether `exc` is Waves saying a pronunciation dictionary id is unknown."""
    return (
        isinstance(exc, WavesStatusError)
        and exc.status == 400
        and "invalid input data" in (exc.vendor_message or "").lower()
    )


def api_key_from_env(settings: WavesSettings, environ: Mapping[str, str] = os.environ) -> str:
    """The API key from the variable settings.api_key_env names; never from prompts.toml."""
    name = settings.api_key_env
    key = environ.get(name, "").strip()
    if not key:
        raise EngineUnavailable(
            f"{name} is not set: export your Waves API key (export {name}=sk_...), "
            "or build offline with --engine local"
        )
    if not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
        raise EngineUnavailable(
            f"{name} contains spaces or non-ASCII characters: copy the Waves API key again"
        )
    return key


def base_url_from(settings: WavesSettings, environ: Mapping[str, str] = os.environ) -> str:
    """SMALLEST_BASE_URL when set and non-empty, else waves.base_url; no trailing slash."""
    url = environ.get(BASE_URL_ENV, "").strip() or settings.base_url
    return url.rstrip("/")


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or HTTP-date), None if absent."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return None if math.isnan(seconds) else max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def backoff_delay(attempt: int, retry_after: float | None, rng: random.Random) -> float:
    """Full-jitter exponential backoff (0.5 s doubling to 30 s), never shorter than Retry-After."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
    jittered = rng.uniform(0.0, ceiling)
    return jittered if retry_after is None else max(retry_after, jittered)


def vendor_message(body: bytes) -> tuple[str | None, str | None]:
    """(message, field) from any of Waves' error body shapes; both None when unreadable."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        text = body.decode("utf-8", "replace").strip()
        if not text or text.lstrip().startswith("<"):
            return None, None
        return _one_line(text), None
    if not isinstance(data, dict):
        return None, None
    message: str | None = None
    field: str | None = None
    for key in ("error", "errors"):
        issues = data.get(key)
        if isinstance(issues, list):
            for issue in issues:
                if isinstance(issue, dict):
                    path = issue.get("path")
                    if field is None and isinstance(path, list) and path:
                        field = ".".join(str(p) for p in path)
                    if message is None and isinstance(issue.get("message"), str):
                        message = issue["message"]
    top = data.get("message")
    if isinstance(top, str) and top.strip():
        message = top
    elif message is None and isinstance(data.get("error"), str):
        message = data["error"]
    return (_one_line(message) if message else None), field


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _with_id(message: str, request_id: str | None) -> str:
    return f"{message} (request id {request_id})" if request_id else message


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
            _remote_dict(d) for d in data if isinstance(d, dict) and isinstance(d.get("id"), str)
        ]

    async def create_dict(self, items: Sequence[DictItem]) -> RemoteDict:
        """Create a dictionary; returns it with its new id."""
        data = await self._json_call("POST", DICTS_PATH, {"items": list(items)}, "dicts-create")
        return _remote_dict(data)

    async def update_dict(self, dict_id: str, items: Sequence[DictItem]) -> RemoteDict:
        """Replace a dictionary's items with the full list."""
        body = {"id": dict_id, "items": list(items)}
        return _remote_dict(await self._json_call("PUT", DICTS_PATH, body, "dicts-update"))

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
        _check_audio_body(response, audio, request_id)
        return _result(body, audio, request_id, response.headers.get("x-external-request-id"))

    async def _sse_once(self, path: str, body: TtsBody) -> TtsResult:
        headers = {"Accept": "text/event-stream"}
        async with self._http.stream("POST", path, json=body, headers=headers) as response:
            request_id = response.headers.get("x-request-id")
            if response.status_code != 200:
                raise self._status_error(response, await response.aread())
            ctype = response.headers.get("content-type", "")
            if not ctype.startswith("text/event-stream"):
                raise EngineError(
                    _with_id(
                        f"Waves answered the stream request with {ctype!r}, not events", request_id
                    ),
                    status=200,
                    request_id=request_id,
                )
            chunks: list[bytes] = []
            async for event in _sse_events(response.aiter_lines()):
                chunk, done = _sse_frame(event, request_id)
                if chunk:
                    chunks.append(chunk)
                if done:
                    break
            else:
                raise EngineError(
                    _with_id("Waves audio stream ended without done: true", request_id),
                    status=200,
                    request_id=request_id,
                    retryable=True,
                )
        audio = b"".join(chunks)
        if not audio:
            raise EngineError(
                _with_id("Waves audio stream carried no audio", request_id),
                status=200,
                request_id=request_id,
                retryable=True,
            )
        return _result(body, audio, request_id, response.headers.get("x-external-request-id"))

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
                    _with_id(f"Waves answered {method} {path} with a body that is not JSON", rid),
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
                    self._give_up(exc, attempt, None)
                    raise
                delay = backoff_delay(attempt, exc.retry_after, self._rng)
                if self._clock() + delay > deadline:
                    limit = self.settings.deadline_seconds
                    self._give_up(exc, attempt, f"deadline of {limit:g} s reached")
                    raise
                logger.debug(
                    "%s: attempt %d failed (%s); retrying in %.2f s", label, attempt, exc, delay
                )
            await self._sleep(delay)

    @staticmethod
    def _give_up(exc: EngineError, attempt: int, why: str | None) -> None:
        if attempt > 1 or why is not None:
            exc.message = f"{exc.message}; gave up after {attempt} attempt(s)"
            if why:
                exc.message += f": {why}"
            exc.args = (exc.message,)
        exc.retryable = False

    async def _translated(self, once: Callable[[], Awaitable[T]]) -> T:
        try:
            return await once()
        except EngineError as exc:
            exc.message = self._redact(exc.message)
            exc.args = (exc.message,)
            raise
        except httpx.TimeoutException as exc:
            raise EngineError(
                f"Waves did not answer within {self.settings.timeout_seconds:g} s "
                f"({type(exc).__name__} at {self.base_url})",
                retryable=True,
            ) from exc
        except httpx.ConnectError as exc:
            raise EngineUnavailable(
                f"cannot connect to the Waves API at {self.base_url} "
                f"({self._redact(_one_line(str(exc) or 'connection failed'))}); "
                f"check waves.base_url in prompts.toml or {BASE_URL_ENV}",
                retryable=True,
            ) from exc
        except (
            httpx.ReadError,
            httpx.WriteError,
            httpx.RemoteProtocolError,
            httpx.CloseError,
        ) as exc:
            raise EngineError(
                f"the connection to Waves broke mid-request ({type(exc).__name__}: "
                f"{self._redact(_one_line(str(exc) or 'no detail'))})",
                retryable=True,
            ) from exc
        except httpx.DecodingError as exc:
            raise EngineError(
                f"Waves sent a body that cannot be decoded ({self._redact(_one_line(str(exc)))})",
                retryable=True,
            ) from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.ProxyError) as exc:
            raise EngineUnavailable(
                f"cannot use the Waves base URL {self.base_url!r} "
                f"({self._redact(_one_line(str(exc)))}); check waves.base_url or {BASE_URL_ENV}"
            ) from exc
        except httpx.TooManyRedirects as exc:
            raise EngineUnavailable(
                f"Waves at {self.base_url} redirects too often; check waves.base_url"
            ) from exc
        except (httpx.HTTPError, httpx.StreamError) as exc:
            # LocalProtocolError, HTTPStatusError and stream misuse: bugs more than weather.
            raise EngineError(
                f"Waves request failed ({type(exc).__name__}: "
                f"{self._redact(_one_line(str(exc) or 'no detail'))})"
            ) from exc

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "<hidden>") if self._key else text

    def _status_error(self, response: httpx.Response, body: bytes) -> EngineError:
        status = response.status_code
        rid = response.headers.get("x-request-id")
        message, field = vendor_message(body)
        message = self._redact(message) if message else None
        where = f"{field}: " if field else ""
        said = f"{where}{message}" if message else (response.reason_phrase or "no detail")
        if status == 401:
            return EngineUnavailable(
                _with_id(
                    f"Waves rejected the API key in {self.key_env} (401 Unauthorized): "
                    "set a valid key from the Smallest AI console",
                    rid,
                ),
                status=status,
                request_id=rid,
            )
        if status == 403:
            return EngineUnavailable(
                _with_id(
                    f"Waves refused the request (403 Forbidden: {said}): your plan does not "
                    "include it or its usage limit is reached",
                    rid,
                ),
                status=status,
                request_id=rid,
            )
        if status in (404, 410):
            return EngineUnavailable(
                _with_id(
                    f"Waves has no route {response.request.method} "
                    f"{response.request.url.path} ({status}): the route is retired or "
                    f"waves.base_url ({self.base_url}) is wrong",
                    rid,
                ),
                status=status,
                request_id=rid,
            )
        retryable = status in RETRYABLE_STATUSES or status >= 500
        retry_after = parse_retry_after(response.headers.get("retry-after"), self._wall_clock())
        if status == 400:
            text = f"Waves rejected the request (400): {said}"
        elif status == 429:
            text = f"Waves is busy (429 Too Many Requests: {said})"
        else:
            text = f"Waves answered {status} {response.reason_phrase}".rstrip()
            text += f": {said}" if message else ""
        return WavesStatusError(
            _with_id(text, rid),
            status=status,
            request_id=rid,
            retryable=retryable,
            retry_after=retry_after,
            vendor_message=message,
            field=field,
        )


def _result(body: TtsBody, audio: bytes, request_id: str | None, external: str | None) -> TtsResult:
    # Decoding inside the attempt makes a truncated or odd-sized body a retryable failure.
    samples, rate = decode_audio(audio, body["output_format"], body["sample_rate"], request_id)
    return TtsResult(audio, samples, rate, request_id, external)


def _remote_dict(data: Any) -> RemoteDict:
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise EngineError("Waves pronunciation dictionary answer has no id")
    items = data.get("items")
    out: RemoteDict = {"id": data["id"], "items": items if isinstance(items, list) else []}
    if isinstance(data.get("createdAt"), str):
        out["createdAt"] = data["createdAt"]
    return out


# -- response checks and SSE ----------------------------------------------------------------------


def _check_audio_body(response: httpx.Response, audio: bytes, request_id: str | None) -> None:
    """Reject answers that are not audio: Waves labels every body audio/wav, so sniff it too."""
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if not audio:
        raise EngineError(
            _with_id("Waves answered 200 with an empty body", request_id),
            status=200,
            request_id=request_id,
            retryable=True,
        )
    declared = response.headers.get("content-length")
    # Content-Length counts bytes on the wire, which differ from the body when it is encoded.
    received = (
        response.num_bytes_downloaded if "content-encoding" in response.headers else len(audio)
    )
    if declared is not None and declared.isdigit() and received < int(declared):
        raise EngineError(
            _with_id(
                f"Waves body was cut short: {received} of {declared} bytes",
                request_id,
            ),
            status=200,
            request_id=request_id,
            retryable=True,
        )
    head = audio[:64].lstrip().lower()
    looks_json = head[:1] in (b"{", b"[") and _parses_as_json(audio)
    looks_html = head.startswith((b"<!doctype", b"<html", b"<?xml"))
    if ctype.startswith(("application/json", "text/")) or looks_json or looks_html:
        message, _ = vendor_message(audio)
        detail = f": {message}" if message else ""
        kind = "HTML" if looks_html or ctype == "text/html" else "JSON" if looks_json else ctype
        raise EngineError(
            _with_id(f"Waves answered 200 with {kind} instead of audio{detail}", request_id),
            status=200,
            request_id=request_id,
        )


def _parses_as_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    return True


async def _sse_events(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The data of each Server-Sent Event (multi-line data joined with newlines)."""
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        yield "\n".join(data)


def _sse_frame(data: str, request_id: str | None) -> tuple[bytes, bool]:
    """(audio bytes, done) of one SSE frame; raises on frames that report errors."""
    try:
        frame = json.loads(data)
    except ValueError as exc:
        raise EngineError(
            _with_id("Waves sent an audio event that is not JSON", request_id),
            status=200,
            request_id=request_id,
        ) from exc
    if not isinstance(frame, dict):
        raise EngineError(
            _with_id("Waves sent an audio event that is not a JSON object", request_id),
            status=200,
            request_id=request_id,
        )
    status = str(frame.get("status", "200"))
    if frame.get("error") or (status.isdigit() and int(status) >= 400):
        message, _ = vendor_message(data.encode())
        code = int(status) if status.isdigit() else None
        raise EngineError(
            _with_id(f"Waves reported an error mid-stream ({status}): {message}", request_id),
            status=code,
            request_id=request_id,
            retryable=code is not None and (code in RETRYABLE_STATUSES or code >= 500),
        )
    chunk = b""
    encoded = frame.get("audio")
    if encoded is not None:
        if not isinstance(encoded, str):
            raise EngineError(
                _with_id("Waves sent an audio event whose audio is not a string", request_id),
                status=200,
                request_id=request_id,
            )
        try:
            chunk = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise EngineError(
                _with_id("Waves sent audio that is not valid base64", request_id),
                status=200,
                request_id=request_id,
            ) from exc
    return chunk, frame.get("done") is True


# -- audio decoding -------------------------------------------------------------------------------


Encoding = Literal["pcm", "ulaw", "alaw"]
_WAV_TAGS: dict[int, Encoding] = {1: "pcm", 6: "alaw", 7: "ulaw"}


def _truncated(message: str, request_id: str | None) -> EngineError:
    return EngineError(
        _with_id(message, request_id), status=200, request_id=request_id, retryable=True
    )


def parse_riff(data: bytes, request_id: str | None = None) -> tuple[Encoding, int, bytes]:
    """(encoding, sample rate, payload) of a mono RIFF/WAVE body; raises EngineError otherwise."""
    if len(data) < 12 or data[8:12] != b"WAVE":
        raise _truncated("Waves WAV body has no complete RIFF/WAVE header", request_id)
    pos = 12
    fmt: tuple[int, int, int, int] | None = None
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        start = pos + 8
        if chunk_id == b"fmt " and start + 16 <= len(data):
            tag, channels, rate = struct.unpack_from("<HHI", data, start)
            (bits,) = struct.unpack_from("<H", data, start + 14)
            if tag == 0xFFFE and size >= 40 and start + 26 <= len(data):  # WAVE_FORMAT_EXTENSIBLE
                (tag,) = struct.unpack_from("<H", data, start + 24)
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            if fmt is None:
                break
            tag, channels, rate, bits = fmt
            encoding = _WAV_TAGS.get(tag)
            width = 2 if encoding == "pcm" else 1
            if encoding is None or channels != 1 or bits != 8 * width:
                raise EngineError(
                    _with_id(
                        f"Waves WAV body is format {tag}, {channels} channel(s), {bits} bit; "
                        "expected mono 16-bit PCM or 8-bit G.711",
                        request_id,
                    ),
                    status=200,
                    request_id=request_id,
                )
            payload = data[start : start + size]
            # 0 and 0xFFFFFFFF are the streaming placeholders for "until the end".
            if size not in (0, 0xFFFFFFFF) and len(payload) < size:
                raise _truncated(
                    f"Waves WAV body was cut short: {len(payload)} of {size} data bytes",
                    request_id,
                )
            if size in (0, 0xFFFFFFFF):
                payload = data[start:]
            return encoding, rate, payload
        pos = start + size + (size & 1)
    raise _truncated("Waves WAV body has no fmt and data chunks", request_id)


def decode_audio(
    data: bytes, output_format: WavesFormat, sample_rate: int, request_id: str | None = None
) -> tuple[AudioArray, int]:
    """Samples in [-1, 1] and their rate from a body of the asked format; RIFF honoured."""
    encoding: Encoding = "pcm" if output_format in ("pcm", "wav") else output_format  # type: ignore[assignment]
    rate = sample_rate
    if data[:4] == b"RIFF":
        encoding, rate, data = parse_riff(data, request_id)
    if not data:
        raise _truncated("Waves answered with no audio samples", request_id)
    if encoding == "pcm":
        if len(data) % 2:
            raise _truncated(f"Waves PCM body has an odd length ({len(data)} bytes)", request_id)
        ints = np.frombuffer(data, dtype="<i2")
    else:
        raw = np.frombuffer(data, dtype=np.uint8)
        ints = ulaw_decode(raw) if encoding == "ulaw" else alaw_decode(raw)
    return (ints.astype(np.float32) / 32768.0), rate


# -- text splitting -------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?…。！？।॥])[\"'”’)\]]*\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:—–、，；])\s+")


def split_text(text: str, max_chars: int) -> list[str]:
    """Pieces of at most max_chars: whole sentences packed together, then clauses, then words."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return [text] if text else []
    pieces: list[str] = []
    for sentence in _split_keep(text, _SENTENCE_END):
        if len(sentence) <= max_chars:
            pieces.append(sentence)
            continue
        for clause in _split_keep(sentence, _CLAUSE_END):
            if len(clause) <= max_chars:
                pieces.append(clause)
            else:
                pieces.extend(_split_words(clause, max_chars))
    return _pack(pieces, max_chars)


def _split_keep(text: str, pattern: re.Pattern[str]) -> list[str]:
    return [part for part in (p.strip() for p in pattern.split(text)) if part]


def _split_words(text: str, max_chars: int) -> list[str]:
    out: list[str] = []
    for word in text.split(" "):
        # One "word" longer than a request is cut where it must be.
        out.extend(word[i : i + max_chars] for i in range(0, len(word), max_chars))
    return _pack(out, max_chars)


def _pack(parts: list[str], max_chars: int) -> list[str]:
    packed: list[str] = []
    for part in parts:
        if packed and len(packed[-1]) + 1 + len(part) <= max_chars:
            packed[-1] = f"{packed[-1]} {part}"
        else:
            packed.append(part)
    return packed


def piece_request_id(cache_key: str, index: int) -> str:
    """A request id for piece `index` of a prompt: safe characters, at most 128 long."""
    safe = re.sub(r"[^a-zA-Z0-9_\-.]", "_", cache_key) or "prompt"
    if len(safe) > 100:
        safe = hashlib.sha256(cache_key.encode()).hexdigest()[:64]
    return f"{safe}.p{index}"


# -- the engine -----------------------------------------------------------------------------------

DictionaryRefresher = Callable[[str], Awaitable[str | None]]


class WavesEngine:
    """The Engine for Waves: splits long text, synthesizes each piece, joins them with a pause."""

    name: ResolvedEngine = "waves"
    remote_lexicon: bool = True

    def __init__(
        self,
        client: WavesClient,
        *,
        pause_ms: int = DEFAULT_PAUSE_MS,
        dictionary_refresher: DictionaryRefresher | None = None,
    ) -> None:
        self.client = client
        self.settings = client.settings
        self.max_concurrency = client.settings.concurrency
        self.pause_ms = pause_ms
        # Set by dicts.attach_dictionaries: re-creates a dictionary the server forgot.
        self.dictionary_refresher = dictionary_refresher
        self._replaced: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"WavesEngine({self.client!r})"

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        """Fields that change the audio; never the key or the base URL."""
        return waves_identity(self.settings, request_voice, model, self.pause_ms)

    async def synthesize(self, request: SynthesisRequest) -> Synthesis:
        """Speak one request piece by piece; raise EngineError naming the prompt on failure."""
        pieces = split_text(request.text, self.settings.max_chars)
        if not pieces:
            raise EngineError(f"{request.prompt_id} [{request.locale}]: nothing to say")
        audio: list[AudioArray] = []
        ids: list[str] = []
        rate = self.settings.sample_rate
        for index, piece in enumerate(pieces):
            try:
                samples, rate_i, rid = await self._piece(request, piece, index)
            except EngineError as exc:
                exc.message = f"{request.prompt_id} [{request.locale}]: {exc.message}"
                exc.args = (exc.message,)
                raise
            if index and rate_i != rate:
                raise EngineError(
                    f"{request.prompt_id} [{request.locale}]: Waves answered pieces at "
                    f"{rate} and {rate_i} Hz",
                    request_id=rid,
                )
            rate = rate_i
            if index:
                audio.append(np.zeros(rate * self.pause_ms // 1000, dtype=np.float32))
            audio.append(samples)
            if rid:
                ids.append(rid)
        samples_all = np.concatenate(audio) if len(audio) > 1 else audio[0]
        meta = {
            "engine": "waves",
            "request_id": ",".join(ids),
            "model": request.model,
            "voice": request.voice,
            "pieces": str(len(pieces)),
        }
        return Synthesis(
            samples=samples_all.astype(np.float32, copy=False), sample_rate=rate, meta=meta
        )

    async def _piece(
        self, request: SynthesisRequest, text: str, index: int
    ) -> tuple[AudioArray, int, str | None]:
        body: TtsBody = {
            "text": text,
            "voice_id": request.voice,
            "model": request.model,
            "sample_rate": self.settings.sample_rate,
            "speed": request.speed,
            "language": request.language,
            "output_format": self.settings.output_format,
            "request_id": piece_request_id(request.cache_key, index),
        }
        dict_ids = [self._replaced.get(d, d) for d in request.pronunciation_dicts]
        if dict_ids:
            body["pronunciation_dicts"] = dict_ids
        try:
            result = await self.client.tts(body)
        except EngineError as exc:
            if not (dict_ids and is_unknown_dictionary(exc)):
                raise
            fresh = await self._refresh(dict_ids)
            if fresh is None:
                raise EngineError(
                    f"Waves does not know pronunciation dictionary {', '.join(dict_ids)} "
                    f"({exc.message}); run `ivr-prompts dicts sync`",
                    status=exc.status,
                    request_id=exc.request_id,
                ) from exc
            body["pronunciation_dicts"] = fresh
            result = await self.client.tts(body)
        return result.samples, result.sample_rate, result.request_id

    async def _refresh(self, dict_ids: list[str]) -> list[str] | None:
        if self.dictionary_refresher is None:
            return None
        fresh: list[str] = []
        for old in dict_ids:
            new = await self.dictionary_refresher(old)
            if new is None:
                return None
            self._replaced[old] = new
            fresh.append(new)
        return fresh

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()


def waves_identity(
    settings: WavesSettings, voice: str, model: str, pause_ms: int
) -> dict[str, str]:
    """What about a Waves synthesis changes its audio; needs no key, so plan and check work."""
    return {
        "engine": "waves",
        "voice": voice,
        "model": model,
        "route": "legacy-lightning-v3.1" if settings.legacy_routes else "v1-tts",
        "sample_rate": str(settings.sample_rate),
        "output_format": settings.output_format,
        "max_chars": str(settings.max_chars),
        "pause_ms": str(pause_ms),
    }


def make_waves_engine(
    config: Config,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep = asyncio.sleep,
    environ: Mapping[str, str] = os.environ,
    rng: random.Random | None = None,
) -> WavesEngine:
    """A WavesEngine for a build; key from the environment, pauses from audio.sentence_pause_ms."""
    settings = config.waves
    client = WavesClient(
        settings,
        api_key_from_env(settings, environ),
        transport=transport,
        sleep=sleep,
        rng=rng,
        environ=environ,
    )
    return WavesEngine(client, pause_ms=config.audio.sentence_pause_ms)
