"""One declaration per prompts.toml key (type, default, range or choices, doc).

The reader, the frozen settings dataclasses' defaults and the README's key table all come from
`KEYS`; `tests/test_config.py` fails when the README table drifts from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .kinds import (
    ARCHIVE_FORMATS,
    CODECS,
    DEFAULT_TARGETS,
    ENDPOINTS,
    PROFILE_NAMES,
    REMOTE_CACHE_MODES,
    WAVES_FORMATS,
    WAVES_MODELS,
    ArchiveFormat,
    Codec,
    Endpoint,
    EngineName,
    Target,
    WavesFormat,
    WavesModel,
)
from .names import safe_segment, voice
from .plugins import ENGINE_NAMES, TARGET_NAMES

Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class Key:
    """One key: `kind` is str, int, float (ints accepted), bool, list (of `choices`) or dict."""

    section: str
    name: str
    kind: type | tuple[type, ...]
    default: Any
    doc: str
    # A tuple, or the names registered in an entry-point group (read when first asked).
    choices: Sequence[Any] = ()
    low: float | None = None
    high: float | None = None
    check: Check | None = None

    def rule(self) -> str:
        """The allowed values, as the README table shows them."""
        if self.choices:
            return " \\| ".join(str(c) for c in self.choices)
        if self.low is not None and self.high is not None:
            return f"{self.low:g} .. {self.high:g}"
        if self.low is not None:
            return "> 0"
        return ""


def _url(value: Any) -> str | None:
    ok = value.startswith(("http://", "https://"))
    return None if ok else "must start with http:// or https://"


MAX_WORKERS = 256


def _workers(value: Any) -> str | None:
    ok = value == "auto" if isinstance(value, str) else 1 <= value <= MAX_WORKERS
    return None if ok else f'must be "auto" or a whole number from 1 to {MAX_WORKERS}'


_POSITIVE = 0.0  # `low` without `high`: strictly greater than 0

KEYS: tuple[Key, ...] = (
    Key("project", "name", str, "", "set name (default: the folder's name)"),
    Key("project", "output", str, "dist", "the published set, replaced as a whole per build"),
    Key("project", "cache", str, ".ivr-cache", "synthesis cache, safe to share between builds"),
    # Checked in config.parse, which never echoes it (a URL may hold credentials).
    Key(
        "project", "remote_cache", str, None, "shared cache under the local one: s3://bucket/prefix"
    ),
    Key(
        "project",
        "remote_cache_mode",
        str,
        "read-write",
        "read-only: use the remote cache, never write to it",
        REMOTE_CACHE_MODES,
    ),
    Key(
        "project", "remote_cache_required", bool, False, "fail when the remote cache is unreachable"
    ),
    Key("synth", "engine", str, "local", "engine for every locale and prompt", ENGINE_NAMES),
    Key("synth", "voice", str, "magnus", "the Waves voice id", check=voice),
    Key("synth", "model", str, "lightning_v3.1", "the Waves model", WAVES_MODELS),
    Key("synth", "speed", float, 1.0, "speaking rate", low=0.5, high=2.0),
    Key("synth", "piper_voice", str, None, "a Piper voice name or a path to an .onnx voice"),
    Key(
        "synth",
        "espeak_voice",
        str,
        None,
        "an espeak-ng voice (default: from the locale)",
        check=voice,
    ),
    Key(
        "synth",
        "workers",
        (str, int),
        "auto",
        "processes speaking Piper/espeak-ng: auto (Piper: one per core), 1 (in this process), N",
        low=1,
        high=MAX_WORKERS,
        check=_workers,
    ),
    Key("waves", "base_url", str, "https://api.smallest.ai", "API root", check=_url),
    Key("waves", "api_key_env", str, "SMALLEST_API_KEY", "variable holding the key"),
    Key(
        "waves", "endpoint", str, "sync", "sync (POST /waves/v1/tts) or sse (/tts/live)", ENDPOINTS
    ),
    Key(
        "waves", "sample_rate", int, 8000, "rate requested from Waves", (8000, 16000, 24000, 44100)
    ),
    Key("waves", "output_format", str, "pcm", "pcm serves both G.711 laws", WAVES_FORMATS),
    Key("waves", "concurrency", int, 1, "requests in flight per build", low=1, high=64),
    Key("waves", "timeout_seconds", float, 30.0, "per attempt", low=_POSITIVE),
    Key("waves", "max_attempts", int, 6, "per request (429, 408, 5xx retried)", low=1, high=20),
    Key("waves", "deadline_seconds", float, 900.0, "per request, retries included", low=_POSITIVE),
    Key("waves", "max_chars", int, 250, "longer text is split at sentences", low=20, high=8000),
    Key("waves", "legacy_routes", bool, False, "the retired /lightning-v3.1/get_speech routes"),
    Key("waves", "dictionaries", bool, True, "sync pronunciation dictionaries"),
    Key("audio", "codecs", list, ("ulaw", "alaw"), "G.711 laws; the first is the WAV's", CODECS),
    Key("audio", "level_dbov", float, -26.0, "active speech level (P.56)", low=-40, high=-10),
    Key("audio", "level_tolerance_db", float, 2.0, "tolerance around level_dbov", low=0.1, high=10),
    Key("audio", "peak_headroom_db", float, 1.0, "peaks this far below full scale", low=0, high=12),
    Key("audio", "lead_pad_ms", int, 50, "silence kept before the first word", low=0, high=2000),
    Key("audio", "trail_pad_ms", int, 200, "silence kept after the last word", low=0, high=2000),
    Key(
        "audio",
        "silence_threshold_dbfs",
        float,
        -60.0,
        "floor of the onset/offset threshold",
        low=-90,
        high=-20,
    ),
    Key("audio", "sentence_pause_ms", int, 300, "pause between sentences", low=0, high=3000),
    Key("audio", "edge_margin_db", float, 35.0, "onset threshold under speech", low=10, high=60),
    Key("audio", "fade_ms", float, 5.0, "raised-cosine fade at each cut", low=0, high=50),
    Key("audio", "highpass_hz", float, 250.0, "telephone-band high-pass corner", low=20, high=400),
    Key("audio", "highpass_order", int, 4, "Butterworth order of the high-pass", low=1, high=8),
    Key("limits", "min_seconds", float, 0.2, "shortest prompt", low=0, high=600),
    Key("limits", "max_seconds", float, 60.0, "longest prompt", low=0.1, high=3600),
    Key("limits", "max_lead_silence_s", float, 1.0, "error above it", low=0.05, high=60),
    Key("limits", "max_trail_silence_s", float, 2.0, "error above it", low=0.05, high=60),
    Key("limits", "min_words_per_minute", float, 130.0, "check warns under it", low=30, high=400),
    Key("limits", "max_words_per_minute", float, 190.0, "check warns over it", low=30, high=400),
    Key("publish", "targets", list, DEFAULT_TARGETS, "output layouts", TARGET_NAMES),
    Key("publish", "asterisk_wav", bool, False, "also 16-bit PCM .wav for Asterisk"),
    Key(
        "publish",
        "freeswitch_voice",
        str,
        "ivr",
        "the <voice> folder of the FreeSWITCH layout",
        check=safe_segment,
    ),
    Key("publish", "profiles", list, (), "platform rules every file must pass", PROFILE_NAMES),
    Key(
        "publish",
        "wav_name",
        str,
        "",
        "each WAV's name: a Jinja expression over `id` (default: the id as a path)",
    ),
    Key("publish", "hd", bool, False, "also 16 kHz: .sln16/.wav16/.g722, FreeSWITCH 16000/"),
    Key(
        "publish",
        "asterisk_plain",
        dict,
        None,
        "language -> locale also published as plain asterisk/<language>/ (default: the first)",
    ),
    Key(
        "publish",
        "archive",
        str,
        None,
        "also write <output>.tar.gz or .zip beside it",
        ARCHIVE_FORMATS,
    ),
    Key(
        "publish",
        "upload",
        str,
        None,
        # Checked in config.parse (s3url.py), which never echoes it, as project.remote_cache.
        "s3://bucket/prefix for the mu-law WAV set (Amazon Connect)",
    ),
    Key("publish", "connect_instance", str, None, "Connect instance: create/update its prompts"),
)

_BY_KEY = {(k.section, k.name): k for k in KEYS}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(k.section for k in KEYS))


def default(section: str, name: str) -> Any:
    """The declared default of `section.name` (the dataclasses take theirs from here)."""
    return _BY_KEY[section, name].default


@dataclass(frozen=True)
class SynthSettings:
    engine: EngineName = default("synth", "engine")
    voice: str = default("synth", "voice")
    model: WavesModel = default("synth", "model")
    speed: float = default("synth", "speed")
    piper_voice: str | None = default("synth", "piper_voice")
    espeak_voice: str | None = default("synth", "espeak_voice")
    workers: int | Literal["auto"] = default("synth", "workers")


@dataclass(frozen=True)
class WavesSettings:
    base_url: str = default("waves", "base_url")
    api_key_env: str = default("waves", "api_key_env")
    endpoint: Endpoint = default("waves", "endpoint")
    sample_rate: int = default("waves", "sample_rate")
    output_format: WavesFormat = default("waves", "output_format")
    concurrency: int = default("waves", "concurrency")
    timeout_seconds: float = default("waves", "timeout_seconds")
    max_attempts: int = default("waves", "max_attempts")
    deadline_seconds: float = default("waves", "deadline_seconds")
    max_chars: int = default("waves", "max_chars")
    legacy_routes: bool = default("waves", "legacy_routes")
    dictionaries: bool = default("waves", "dictionaries")


@dataclass(frozen=True)
class AudioSettings:
    codecs: tuple[Codec, ...] = default("audio", "codecs")
    level_dbov: float = default("audio", "level_dbov")
    level_tolerance_db: float = default("audio", "level_tolerance_db")
    peak_headroom_db: float = default("audio", "peak_headroom_db")
    lead_pad_ms: int = default("audio", "lead_pad_ms")
    trail_pad_ms: int = default("audio", "trail_pad_ms")
    silence_threshold_dbfs: float = default("audio", "silence_threshold_dbfs")
    sentence_pause_ms: int = default("audio", "sentence_pause_ms")
    edge_margin_db: float = default("audio", "edge_margin_db")
    fade_ms: float = default("audio", "fade_ms")
    highpass_hz: float = default("audio", "highpass_hz")
    highpass_order: int = default("audio", "highpass_order")


@dataclass(frozen=True)
class LimitSettings:
    min_seconds: float = default("limits", "min_seconds")
    max_seconds: float = default("limits", "max_seconds")
    max_lead_silence_s: float = default("limits", "max_lead_silence_s")
    max_trail_silence_s: float = default("limits", "max_trail_silence_s")
    min_words_per_minute: float = default("limits", "min_words_per_minute")
    max_words_per_minute: float = default("limits", "max_words_per_minute")


@dataclass(frozen=True)
class PublishSettings:
    targets: tuple[Target, ...] = default("publish", "targets")
    asterisk_wav: bool = default("publish", "asterisk_wav")
    freeswitch_voice: str = default("publish", "freeswitch_voice")
    profiles: tuple[str, ...] = default("publish", "profiles")
    wav_name: str = default("publish", "wav_name")
    hd: bool = default("publish", "hd")
    asterisk_plain: Mapping[str, str] | None = default("publish", "asterisk_plain")
    archive: ArchiveFormat | None = default("publish", "archive")
    upload: str | None = default("publish", "upload")
    connect_instance: str | None = default("publish", "connect_instance")

    @property
    def exports(self) -> bool:
        """Whether [publish] asks for anything beyond the published folder."""
        return self.archive is not None or self.upload is not None


def _kind_name(key: Key) -> str:
    if isinstance(key.kind, tuple):
        return " or ".join(_kind_name(Key(key.section, key.name, k, None, "")) for k in key.kind)
    if key.kind is list:
        return "list"
    return {str: "string", int: "integer", float: "number", bool: "boolean", dict: "table"}[
        key.kind
    ]


def _default_text(key: Key) -> str:
    if key.default is None or key.default == "":
        return ""
    if isinstance(key.default, tuple):
        return "[" + ", ".join(f'"{v}"' for v in key.default) + "]"
    if isinstance(key.default, bool):
        return str(key.default).lower()
    if isinstance(key.default, str):
        return f'"{key.default}"'
    return f"{key.default:g}" if isinstance(key.default, float) else str(key.default)


def markdown_table() -> str:
    """The README's table of every settings key, generated from `KEYS`."""
    rows = ["| key | type | default | allowed | what |", "|---|---|---|---|---|"]
    for key in KEYS:
        default_text = _default_text(key)
        rows.append(
            f"| `{key.section}.{key.name}` | {_kind_name(key)} | "
            f"{f'`{default_text}`' if default_text else ''} | {key.rule()} | {key.doc} |"
        )
    return "\n".join(rows)
