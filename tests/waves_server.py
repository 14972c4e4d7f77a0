"""A local stand-in for the Waves API: a real HTTP server in a thread, strict, with fault knobs.

    with WavesServer(concurrency=2, latency=0.05) as server:
        client = WavesClient(settings, server.api_key, environ={"SMALLEST_BASE_URL": server.url})

It validates like the contract says, enforces `concurrency` requests in flight with 429,
returns real audio (espeak-ng speech resampled with soxr, or a cheap tone burst), and records
every request.
"""

from __future__ import annotations

import base64
import collections
import json
import random
import re
import select
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt
import soxr

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # independent G.711 encoder; Python 3.11 still ships it

Fault = Literal[
    "400",
    "401",
    "403",
    "408",
    "429",
    "429-retry-after",
    "500",
    "502",
    "503",
    "truncate",
    "json200",
    "json200-audio-type",
    "html200",
    "empty",
    "odd-pcm",
    "reset",
    "slow",
    "sse-no-done",
    "sse-bad-base64",
    "sse-error-frame",
    "click",
    "stall",
    "slow-drip",
    "echo-key",
    "redirect",
]
FAULTS: tuple[Fault, ...] = get_args(Fault)
# speech: real espeak-ng; babble: a cheap speech-like stand-in (harmonics, moving formants,
# syllables) for tests and benchmarks that need many answers fast; tone and noise: answers that are
# audio but not speech, which a build must refuse.
AudioKind = Literal["speech", "babble", "tone", "noise"]

MODELS = ("lightning_v3.1", "lightning_v3.1_pro")
RATES = (8000, 16000, 24000, 44100)
FORMATS = ("pcm", "wav", "mp3", "ulaw", "alaw")
LANGUAGES = ("auto", "en", "hi", "mr", "kn", "ta", "bn", "gu", "te", "ml", "pa", "or", "es")
PRO_LANGUAGES = (*LANGUAGES, "fr", "de", "it", "pt", "nl", "ar")
TTS_KEYS = frozenset(
    {
        "text",
        "voice_id",
        "model",
        "sample_rate",
        "speed",
        "language",
        "output_format",
        "pronunciation_dicts",
        "session_id",
        "request_id",
    }
)
ID_PATTERN = re.compile(r"^[a-zA-Z0-9_\-.]+$")
DICT_ID = re.compile(r"^[0-9a-f]{24}$")
UNAUTHORIZED = {"error": "Unauthorized", "message": "Bearer token is missing or invalid."}
ESPEAK = "/usr/bin/espeak-ng"
ESPEAK_VOICES = {"en": "en", "hi": "hi", "es": "es", "ta": "ta", "mr": "mr", "bn": "bn"}

DEFAULT_VOICES: tuple[dict[str, Any], ...] = (
    {
        "voiceId": "magnus",
        "displayName": "Magnus",
        "tags": {"language": ["english"], "accent": "american", "gender": "male", "age": "middle"},
    },
    {
        "voiceId": "olivia",
        "displayName": "Olivia",
        "tags": {"language": ["english"], "accent": "british", "gender": "female", "age": "young"},
    },
    {
        "voiceId": "arjun",
        "displayName": "Arjun",
        "tags": {"language": ["english", "hindi"], "accent": "indian", "gender": "male"},
    },
    {
        "voiceId": "lucia",
        "displayName": "Lucía",
        "tags": {"language": ["spanish"], "accent": "mexican", "gender": "female"},
    },
    {
        "voiceId": "kavya",
        "displayName": "Kavya",
        "tags": {"language": ["tamil", "english"], "accent": "indian", "gender": "female"},
    },
    {"voiceId": "mystery", "displayName": "Mystery", "tags": {}},
)

Int16 = npt.NDArray[np.int16]


@dataclass
class RequestRecord:
    """One request as the server saw it (the Authorization value is never kept)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    started: float
    in_flight: int = 0
    status: int = 0
    finished: float = 0.0
    fault: str | None = None
    request_id: str = ""


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    active: int = 0
    max_active: int = 0
    max_attempted: int = 0
    over_limit: int = 0
    records: list[RequestRecord] = field(default_factory=list)
    script: collections.deque[Fault] = field(default_factory=collections.deque)
    dicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    audio_cache: dict[tuple[str, str, int, float], Int16] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that was killed or timed out mid-answer is part of the tests, not a bug.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class WavesServer:
    """The stand-in server; use as a context manager, read `url`, `records`, `max_in_flight`."""

    def __init__(
        self,
        *,
        api_key: str = "sk_test_0123456789abcdef",
        concurrency: int = 1,
        retry_after: str | None = None,
        latency: float = 0.0,
        latency_per_char: float = 0.0,
        rate_429: float = 0.0,
        rate_500: float = 0.0,
        seed: int = 0,
        audio: AudioKind = "speech",
        legacy_routes: bool = False,
        g711_riff: bool = False,
        slow_seconds: float = 5.0,
        sse_chunk_bytes: int = 4000,
        drip_bytes_per_second: int = 64,
        missing_dict_status: int = 400,
        voices: Sequence[Mapping[str, Any]] = DEFAULT_VOICES,
        clock: Callable[[], float] = time.monotonic,
        chars_per_second: float | None = None,
    ) -> None:
        self.api_key = api_key
        self.concurrency = concurrency
        self.retry_after = retry_after
        self.latency = latency
        # Added per character of the text: the real API's answer time grows with the text.
        self.latency_per_char = latency_per_char
        self.rate_429 = rate_429
        self.rate_500 = rate_500
        self.audio = audio
        self.legacy_routes = legacy_routes
        self.g711_riff = g711_riff
        self.slow_seconds = slow_seconds
        self.sse_chunk_bytes = sse_chunk_bytes
        self.drip_bytes_per_second = drip_bytes_per_second
        # What PUT and DELETE of an unknown dictionary get: 400 "Invalid input data", or 404.
        self.missing_dict_status = missing_dict_status
        self.voices = [dict(v) for v in voices]
        # A voice pace like a real TTS voice's (speed 1.0); None: espeak-ng's own 175 wpm.
        self.chars_per_second = chars_per_second
        self.clock = clock
        self._rng = random.Random(seed)
        self._ids = random.Random(seed + 1)
        self._state = _State()
        self._stop = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> WavesServer:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.owner = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, name="waves-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake sleeping handlers, stop serving and close the socket."""
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> WavesServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>"""
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- knobs and observations -------------------------------------------------------------------

    def script(self, *faults: Fault) -> None:
        """Apply these faults, in order, to the next TTS requests."""
        with self._state.lock:
            self._state.script.extend(faults)

    @property
    def records(self) -> list[RequestRecord]:
        """Every request so far."""
        with self._state.lock:
            return list(self._state.records)

    def tts_records(self) -> list[RequestRecord]:
        """The synthesis requests so far."""
        return [r for r in self.records if r.path in _TTS_ROUTES or r.path in _LEGACY_ROUTES]

    @property
    def max_in_flight(self) -> int:
        """The most TTS requests that were ever in the server at once (including refused ones)."""
        with self._state.lock:
            return self._state.max_attempted

    @property
    def over_limit(self) -> int:
        """How many TTS requests arrived while `concurrency` were already in flight."""
        with self._state.lock:
            return self._state.over_limit

    @property
    def dictionaries(self) -> dict[str, list[dict[str, str]]]:
        """Stored dictionaries: id -> items."""
        with self._state.lock:
            return {k: list(v["items"]) for k, v in self._state.dicts.items()}

    def forget_dictionary(self, dict_id: str) -> None:
        """Drop a dictionary as if the account lost it."""
        with self._state.lock:
            self._state.dicts.pop(dict_id, None)

    # -- used by the handler ----------------------------------------------------------------------

    def _admit(self) -> tuple[bool, int]:
        with self._state.lock:
            attempted = self._state.active + 1
            self._state.max_attempted = max(self._state.max_attempted, attempted)
            if self._state.active >= self.concurrency:
                self._state.over_limit += 1
                return False, attempted
            self._state.active += 1
            self._state.max_active = max(self._state.max_active, self._state.active)
            return True, attempted

    def _release(self) -> None:
        with self._state.lock:
            self._state.active -= 1

    def _next_fault(self) -> Fault | None:
        with self._state.lock:
            if self._state.script:
                return self._state.script.popleft()
            roll = self._rng.random()
        if roll < self.rate_429:
            return "429"
        if roll < self.rate_429 + self.rate_500:
            return "500"
        return None

    def _new_dict_id(self) -> str:
        with self._state.lock:
            return f"{self._ids.getrandbits(96):024x}"

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._stop.wait(seconds)

    def speech(self, text: str, language: str, rate: int, speed: float) -> Int16:
        """Audio for `text` at `rate` of this server's kind (cached)."""
        key = (self.audio + ":" + text, language, rate, speed)
        with self._state.lock:
            cached = self._state.audio_cache.get(key)
        if cached is not None:
            return cached
        if self.audio != "speech":
            samples = _SYNTHETIC[self.audio](text, rate)
        elif self.chars_per_second is None:
            samples = _espeak(text, language, rate, speed)
        else:
            samples = _paced(text, language, rate, speed, self.chars_per_second)
        with self._state.lock:
            self._state.audio_cache[key] = samples
        return samples


_TTS_ROUTES = ("/waves/v1/tts", "/waves/v1/tts/live")
_LEGACY_ROUTES = ("/waves/v1/lightning-v3.1/get_speech", "/waves/v1/lightning-v3.1/stream")
_DICTS = "/waves/v1/pronunciation-dicts"
_VOICES = "/waves/v1/lightning-v3.1/get_voices"


def _espeak(text: str, language: str, rate: int, speed: float) -> Int16:
    voice = ESPEAK_VOICES.get(language, "en")
    wpm = str(round(175 * speed))
    out = subprocess.run(
        [ESPEAK, "-v", voice, "-s", wpm, "--stdout", text],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout
    source_rate, payload = _wav_payload(out)
    speech = np.frombuffer(payload[: len(payload) // 2 * 2], dtype="<i2").astype(np.float32)
    resampled = soxr.resample(speech / 32768.0, source_rate, rate)
    return np.asarray(np.clip(resampled * 32767.0, -32768, 32767), dtype=np.int16)


def _paced(text: str, language: str, rate: int, speed: float, cps: float) -> Int16:
    """espeak-ng speech at `cps` characters per second of speech (times `speed`): one try at
    espeak's rate, then one at the rate that hits the pace."""
    first = _espeak(text, language, rate, 1.0)
    spoken = _speech_seconds(first, rate)
    wanted = len(" ".join(text.split())) / (cps * speed)
    if spoken <= 0 or wanted <= 0:
        return first
    factor = min(max(spoken / wanted, 80 / 175), 450 / 175)
    return _espeak(text, language, rate, factor)


def _speech_seconds(samples: Int16, rate: int) -> float:
    """From the first to the last sample above -50 dBFS."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 104)
    return (int(loud[-1]) - int(loud[0]) + 1) / rate if loud.size else 0.0


def with_click(samples: Int16) -> Int16:
    """The speech 30 dB under one near-full-scale click (a mouth click or a plosive spike)."""
    speech = samples.astype(np.float64)
    peak = float(np.max(np.abs(speech))) or 1.0
    click = 0.97 * 32767.0
    out = speech * (click * 10 ** (-30 / 20) / peak)
    out[out.size // 3] = click
    return np.asarray(np.round(out), dtype=np.int16)


def _wav_payload(data: bytes) -> tuple[int, bytes]:
    """espeak-ng writes streaming WAVs with placeholder sizes: take everything after 'data'."""
    (rate,) = struct.unpack_from("<I", data, 24)
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if chunk == b"data":
            return rate, data[pos + 8 :]
        pos += 8 + size
    raise ValueError("espeak-ng output has no data chunk")


def _seconds(text: str, rate: int) -> npt.NDArray[np.float64]:
    seconds = max(0.3, 0.06 * len(text))
    return np.arange(int(seconds * rate), dtype=np.float64) / rate


def _tone(text: str, rate: int) -> Int16:
    t = _seconds(text, rate)
    bursts = (np.floor(t / 0.25) % 2 == 0).astype(np.float64)
    signal = 0.25 * np.sin(2 * np.pi * 440.0 * t) * bursts
    return np.asarray(np.round(signal * 32767), dtype=np.int16)


def _noise(text: str, rate: int) -> Int16:
    """Random bytes read as PCM: what a broken server answering 200 sounds like."""
    rng = np.random.default_rng(len(text))
    return rng.integers(-32768, 32767, _seconds(text, rate).size, dtype=np.int16)


_FORMANTS = np.array([(700, 1200), (300, 2300), (500, 900), (400, 1900), (600, 1700)], float)


def _babble(text: str, rate: int) -> Int16:
    """Voiced syllables: harmonics of a gliding pitch shaped by a formant pair per syllable."""
    t = _seconds(text, rate)
    pitch = 140 + 25 * np.sin(2 * np.pi * 1.3 * t) + 15 * np.sin(2 * np.pi * 3.1 * t + 1)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    syllable = np.floor(t / 0.22).astype(np.int64)
    order = np.random.default_rng(len(text)).integers(0, len(_FORMANTS), syllable[-1] + 1)
    f1, f2 = _FORMANTS[order][syllable].T
    signal = np.zeros_like(t)
    for h in range(1, 25):
        fh = h * pitch
        gain = np.exp(-(((fh - f1) / 120) ** 2)) + 0.6 * np.exp(-(((fh - f2) / 180) ** 2)) + 0.03
        signal += np.where(fh < 0.45 * rate, gain, 0.0) * np.sin(h * phase)
    signal *= np.sin(np.pi * ((t / 0.22) % 1)) ** 0.8
    signal *= 0.3 / max(float(np.max(np.abs(signal))), 1e-9)
    return np.asarray(np.round(signal * 32767), dtype=np.int16)


_SYNTHETIC = {"babble": _babble, "tone": _tone, "noise": _noise}


def riff(payload: bytes, rate: int, tag: int = 1, width: int = 2) -> bytes:
    """A mono RIFF/WAVE file around payload (tag 1 PCM, 6 A-law, 7 mu-law)."""
    fmt = struct.pack("<HHIIHH", tag, 1, rate, rate * width, width, 8 * width)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def encode(samples: Int16, output_format: str, rate: int, g711_riff: bool) -> bytes:
    """The body bytes of `samples` in an output format of the contract (mp3 excepted)."""
    pcm = samples.astype("<i2").tobytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if output_format == "ulaw":
            law = audioop.lin2ulaw(pcm, 2)
            return riff(law, rate, 7, 1) if g711_riff else law
        if output_format == "alaw":
            law = audioop.lin2alaw(pcm, 2)
            return riff(law, rate, 6, 1) if g711_riff else law
    return riff(pcm, rate) if output_format == "wav" else pcm


def _issue(path: str, message: str) -> dict[str, Any]:
    return {"error": [{"path": [path], "message": message}]}


class _Reply(Exception):
    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "waves-stand-in/1"

    @property
    def owner(self) -> WavesServer:
        return self.server.owner  # type: ignore[attr-defined,no-any-return]

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes: without this, Nagle plus delayed ACKs add
        # ~40 ms to every keep-alive request and the timings stop meaning anything.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `records` instead."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    # -- plumbing ---------------------------------------------------------------------------------

    def _handle(self) -> None:
        owner = self.owner
        path = self.path.split("?")[0]
        headers = {k.lower(): v for k, v in self.headers.items()}
        auth = headers.pop("authorization", None)
        headers["authorization"] = (
            "<missing>"
            if auth is None
            else "<valid>"
            if auth == f"Bearer {owner.api_key}"
            else "<invalid>"
        )
        length = int(headers.get("content-length", "0") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        record = RequestRecord(self.command, path, headers, None, owner.clock())
        with owner._state.lock:
            owner._state.records.append(record)
        self._record = record
        self._request_id = str(uuid.uuid4())
        record.request_id = self._request_id
        self._external = ""
        self._slot = False
        try:
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise _Reply(
                        400, {"error": "Bad Request", "message": "Invalid JSON body"}
                    ) from None
            record.body = body
            self._route(path, body, headers["authorization"])
        except _Reply as reply:
            self._send_json(reply.status, reply.body, reply.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            self._free()
            record.finished = owner.clock()

    def _free(self) -> None:
        if self._slot:
            self._slot = False
            self.owner._release()

    def _base_headers(self, content_type: str, length: int | None) -> None:
        self.send_header("Content-Type", content_type)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("X-Request-Id", self._request_id)
        self.send_header("X-Session-Id", str(uuid.uuid5(uuid.NAMESPACE_URL, self._request_id)))
        self.send_header("X-External-Request-Id", self._external)
        self.send_header("X-External-Session-Id", "")

    def _send_json(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self._record.status = status
        self.send_response(status)
        self._base_headers("application/json", len(data))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self._free()  # the request is done before its last byte leaves
        self.wfile.write(data)
        self.wfile.flush()

    def _send_audio(self, data: bytes, content_type: str = "audio/wav", declared: int = -1) -> None:
        self._record.status = 200
        self.send_response(200)
        self._base_headers(content_type, len(data) if declared < 0 else declared)
        self.end_headers()
        self._free()
        self.wfile.write(data)
        self.wfile.flush()

    # -- routes -----------------------------------------------------------------------------------

    def _route(self, path: str, body: Any, auth: str) -> None:
        owner = self.owner
        legacy = path in _LEGACY_ROUTES
        if legacy and not owner.legacy_routes:
            raise _Reply(
                410,
                {
                    "error": "Gone",
                    "message": "This route was retired on 2026-07-14; use /waves/v1/tts",
                },
            )
        routes = {_DICTS: ("GET", "POST", "PUT", "DELETE"), _VOICES: ("GET",)}
        routes.update({p: ("POST",) for p in (*_TTS_ROUTES, *_LEGACY_ROUTES)})
        if path not in routes:
            raise _Reply(404, {"error": "Not Found", "message": f"Cannot {self.command} {path}"})
        if self.command not in routes[path]:
            raise _Reply(
                405, {"error": "Method Not Allowed", "message": f"Cannot {self.command} {path}"}
            )
        if auth != "<valid>":
            raise _Reply(401, UNAUTHORIZED)
        if path == _VOICES:
            raise _Reply(200, {"voices": owner.voices})
        if path == _DICTS:
            self._dicts(body)
            return
        self._tts(body, sse=path.endswith(("/live", "/stream")))

    def _dicts(self, body: Any) -> None:
        owner = self.owner
        state = owner._state
        invalid = {
            "status": "error",
            "error_code": "invalid_input",
            "message": "Invalid input data",
            "request_id": self._request_id,
        }
        if self.command == "GET":
            with state.lock:
                listing = [dict(d) for d in state.dicts.values()]
            raise _Reply(200, listing)
        if not isinstance(body, dict):
            raise _Reply(400, {"error": "Bad Request", "message": "Expected a JSON object body"})
        if self.command in ("POST", "PUT"):
            items = body.get("items")
            if not isinstance(items, list) or not items:
                raise _Reply(400, _issue("items", "At least one item is required"))
            for i, item in enumerate(items):
                ok = (
                    isinstance(item, dict)
                    and set(item) == {"word", "pronunciation"}
                    and all(isinstance(v, str) and v.strip() for v in item.values())
                )
                if not ok:
                    raise _Reply(400, _issue(f"items.{i}", "Expected {word, pronunciation}"))
        dict_id = body.get("id")
        if self.command == "POST":
            new = {
                "id": owner._new_dict_id(),
                "items": body["items"],
                "createdAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            with state.lock:
                state.dicts[new["id"]] = new
            raise _Reply(200, new)
        if not isinstance(dict_id, str) or not DICT_ID.match(dict_id):
            raise _Reply(400, invalid)
        with state.lock:
            known = dict_id in state.dicts
            if known and self.command == "PUT":
                state.dicts[dict_id] = {**state.dicts[dict_id], "items": body["items"]}
                answer: Any = {"id": dict_id, "items": body["items"]}
            elif known:
                del state.dicts[dict_id]
                answer = {"id": dict_id, "deleted": True}
        if not known and owner.missing_dict_status == 404:
            raise _Reply(404, {"error": "Not Found", "message": "Dictionary not found"})
        if not known:
            raise _Reply(400, invalid)
        raise _Reply(200, answer)

    def _validate_tts(self, body: Any) -> dict[str, Any]:
        owner = self.owner
        if not isinstance(body, dict):
            raise _Reply(400, {"error": "Bad Request", "message": "Expected a JSON object body"})
        unknown = sorted(set(body) - TTS_KEYS)
        if unknown:
            raise _Reply(400, _issue(unknown[0], f"Unrecognized key(s) in object: {unknown[0]!r}"))
        text = body.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= 8000:
            raise _Reply(400, _issue("text", "Text must be between 1 and 8000 characters"))
        voice = body.get("voice_id")
        known_voice = any(v["voiceId"] == voice for v in owner.voices)
        if not isinstance(voice, str) or not (known_voice or voice.startswith("voice_")):
            raise _Reply(400, _issue("voice_id", f"Voice {voice!r} not found"))
        model = body.get("model", "lightning_v3.1")
        if model not in MODELS:
            raise _Reply(400, _issue("model", f"Invalid enum value. Expected {' | '.join(MODELS)}"))
        rate = body.get("sample_rate", 44100)
        if rate not in RATES or isinstance(rate, bool):
            raise _Reply(400, _issue("sample_rate", f"Expected one of {RATES}"))
        speed = body.get("speed", 1.0)
        if isinstance(speed, bool) or not isinstance(speed, int | float) or not 0.5 <= speed <= 2:
            raise _Reply(400, _issue("speed", "Number must be between 0.5 and 2"))
        language = body.get("language", "auto")
        allowed = PRO_LANGUAGES if model.endswith("_pro") else LANGUAGES
        if language not in allowed:
            raise _Reply(400, _issue("language", f"Invalid enum value {language!r}"))
        fmt = body.get("output_format", "pcm")
        if fmt not in FORMATS:
            raise _Reply(400, _issue("output_format", f"Invalid enum value {fmt!r}"))
        if fmt == "mp3":
            raise _Reply(400, _issue("output_format", "the stand-in server does not make mp3"))
        for key in ("request_id", "session_id"):
            value = body.get(key)
            if value is not None and (
                not isinstance(value, str) or len(value) > 128 or not ID_PATTERN.match(value)
            ):
                raise _Reply(400, _issue(key, "Invalid id: 1-128 of [a-zA-Z0-9_-.]"))
        dicts = body.get("pronunciation_dicts", [])
        if not isinstance(dicts, list) or not all(isinstance(d, str) for d in dicts):
            raise _Reply(400, _issue("pronunciation_dicts", "Expected a list of ids"))
        with owner._state.lock:
            items: list[dict[str, str]] | None = []
            for dict_id in dicts:
                stored = owner._state.dicts.get(dict_id)
                if not DICT_ID.match(dict_id) or stored is None:
                    items = None
                    break
                assert items is not None
                items.extend(stored["items"])
        if items is None:
            raise _Reply(
                400,
                {
                    "status": "error",
                    "error_code": "invalid_input",
                    "message": "Invalid input data",
                    "request_id": self._request_id,
                },
            )
        for item in items:  # the server applies dictionaries: whole words, case-sensitive
            text = re.sub(rf"(?<!\w){re.escape(item['word'])}(?!\w)", item["pronunciation"], text)
        return {
            "text": text,
            "language": language,
            "rate": rate,
            "speed": float(speed),
            "format": fmt,
        }

    def _tts(self, body: Any, *, sse: bool) -> None:
        owner = self.owner
        if isinstance(body, dict) and isinstance(body.get("request_id"), str):
            self._external = body["request_id"]
        admitted, attempted = owner._admit()
        self._record.in_flight = attempted
        if not admitted:
            headers = {"Retry-After": owner.retry_after} if owner.retry_after else {}
            raise _Reply(
                429,
                {"error": "Too Many Requests", "message": "Concurrency limit reached"},
                headers,
            )
        self._slot = True
        job = self._validate_tts(body)
        fault = owner._next_fault()
        self._record.fault = fault
        if fault == "slow":
            self._free()  # the stand-in stops counting a request its client gave up on
            owner._wait(owner.slow_seconds)
        else:
            owner._wait(owner.latency + owner.latency_per_char * len(job["text"]))
        if fault is not None and fault != "slow":
            self._fault(fault, job, sse)
            return
        samples = owner.speech(job["text"], job["language"], job["rate"], job["speed"])
        data = encode(samples, job["format"], job["rate"], owner.g711_riff)
        if sse:
            self._stream(data)
        else:
            self._send_audio(data)

    def _fault(self, fault: Fault, job: Mapping[str, Any], sse: bool) -> None:
        owner = self.owner
        status_faults: dict[str, tuple[int, Any, dict[str, str]]] = {
            "400": (400, _issue("text", "Simulated validation failure"), {}),
            "401": (401, UNAUTHORIZED, {}),
            "403": (
                403,
                {"error": "Forbidden", "message": "Monthly character quota exhausted"},
                {},
            ),
            "408": (408, {"error": "Request Timeout", "message": "Request timed out"}, {}),
            "429": (429, {"error": "Too Many Requests", "message": "Rate limit exceeded"}, {}),
            "429-retry-after": (
                429,
                {"error": "Too Many Requests", "message": "Rate limit exceeded"},
                {"Retry-After": owner.retry_after or "1"},
            ),
            "500": (500, {"error": "Internal Server Error", "message": "Synthesis failed"}, {}),
            "502": (502, "<html><body>502 Bad Gateway</body></html>", {}),
            "503": (503, {"error": "Service Unavailable", "message": "Overloaded"}, {}),
        }
        if fault in status_faults:
            status, body, headers = status_faults[fault]
            if isinstance(body, str):
                self._record.status = status
                data = body.encode()
                self.send_response(status)
                self._base_headers("text/html", len(data))
                self.end_headers()
                self._free()
                self.wfile.write(data)
                return
            raise _Reply(status, body, headers)
        samples = owner.speech(job["text"], job["language"], job["rate"], job["speed"])
        if fault == "click":
            samples = with_click(samples)
        data = encode(samples, job["format"], job["rate"], owner.g711_riff)
        if fault == "echo-key":
            self._request_id = owner.api_key  # a careless server echoing the bearer token
            if sse:
                self._stream(data)
            else:
                self._send_audio(data)
        elif fault == "redirect":
            self._record.status = 302
            self.send_response(302)
            self.send_header("Location", "https://elsewhere.invalid/waves/v1/tts")
            self._base_headers("text/plain", 0)
            self.end_headers()
        elif fault == "stall":
            self._stall(data, sse)
        elif fault == "slow-drip":
            self._drip(data, sse)
        elif fault == "truncate":
            self._send_audio(data[: len(data) // 2], declared=len(data))
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_WR)
        elif fault == "json200":
            self._send_audio(
                b'{"status":"error","message":"Quota check failed"}', "application/json"
            )
        elif fault == "json200-audio-type":
            self._send_audio(b'{"status":"error","message":"Quota check failed"}')
        elif fault == "html200":
            self._send_audio(b"<!DOCTYPE html><html><body>Login</body></html>", "text/html")
        elif fault == "empty":
            self._send_audio(b"")
        elif fault == "odd-pcm":
            self._send_audio(data[:-1] if len(data) % 2 == 0 else data)
        elif fault == "reset":
            self._record.status = -1
            self._free()
            self.close_connection = True
        elif sse:
            self._stream(data, fault)
        else:
            self._send_audio(data)

    def _stream(self, data: bytes, fault: str | None = None) -> None:
        owner = self.owner
        self._record.status = 200
        self.send_response(200)
        self._base_headers("text/event-stream", None)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        step = max(2, owner.sse_chunk_bytes // 2 * 2)
        for start in range(0, len(data), step):
            audio = base64.b64encode(data[start : start + step]).decode()
            if fault == "sse-bad-base64" and start == 0:
                audio = "%%%" + audio[3:]
            frame = {"audio": audio, "done": False, "status": "206"}
            self._chunk(f"event: audio\ndata: {json.dumps(frame)}\n\n".encode())
        if fault == "sse-error-frame":
            error = {"status": "500", "done": False, "error": "synthesis failed"}
            self._free()
            self._chunk(f"data: {json.dumps(error)}\n\n".encode())
        elif fault != "sse-no-done":
            self._free()
            self._chunk(b'data: {"status": "200", "done": true}\n\n')
        self._free()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _stall(self, data: bytes, sse: bool) -> None:
        """Start an answer, then never finish it: keep-alive comments (SSE) or silence (sync)."""
        owner = self.owner
        self._free()
        self.close_connection = True
        if sse:
            self._record.status = 200
            self.send_response(200)
            self._base_headers("text/event-stream", None)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            while not owner._stop.wait(0.1):
                self._chunk(b": keep-alive\n\n")  # raises once the client hangs up
            return
        self._record.status = 200
        self.send_response(200)
        self._base_headers("audio/wav", len(data))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        while not owner._stop.wait(0.1) and not self._client_gone():
            pass

    def _drip(self, data: bytes, sse: bool) -> None:
        """A whole, valid answer sent `drip_bytes_per_second` bytes at a time, once a second."""
        owner = self.owner
        self._free()
        self.close_connection = True
        step = owner.drip_bytes_per_second
        self._record.status = 200
        self.send_response(200)
        if sse:
            frame = {"audio": base64.b64encode(data).decode(), "done": False, "status": "206"}
            payload = f"event: audio\ndata: {json.dumps(frame)}\n\n".encode()
            payload += b'data: {"status": "200", "done": true}\n\n'
            self._base_headers("text/event-stream", None)
            self.send_header("Transfer-Encoding", "chunked")
        else:
            payload = data
            self._base_headers("audio/wav", len(data))
        self.end_headers()
        for start in range(0, len(payload), step):
            piece = payload[start : start + step]
            if sse:
                self._chunk(piece)
            else:
                self.wfile.write(piece)
                self.wfile.flush()
            if owner._stop.wait(1.0):
                return
        if sse:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def _client_gone(self) -> bool:
        readable, _, _ = select.select([self.connection], [], [], 0)
        try:
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _chunk(self, payload: bytes) -> None:
        self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        self.wfile.flush()


def serve(**knobs: Any) -> Iterator[WavesServer]:
    """Generator for pytest fixtures: `yield from serve(concurrency=2)`."""
    with WavesServer(**knobs) as server:
        yield server
