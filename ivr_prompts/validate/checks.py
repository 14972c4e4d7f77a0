"""Pure checks on decoded audio and its header -> findings that say what is wrong and the fix."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..audio.dsp import SILENCE_DB, active_level_dbov, to_float
from ..audio.edges import edge_peaks_dbfs, speech_bounds
from ..audio.g711 import g711_decode
from ..audio.wavfile import AudioFile
from ..kinds import FileCodec, Severity
from .rules import Rules

CODEC_NAMES: dict[str, str] = {
    "pcm16": "16-bit PCM",
    "ulaw": "G.711 mu-law",
    "alaw": "G.711 A-law",
    "pcm8": "8-bit PCM",
    "pcm24": "24-bit PCM",
    "pcm32": "32-bit PCM",
    "float": "float PCM",
    "other": "an unsupported codec",
}

# Below this the file carries no sound at all.
_SILENT_DBOV = -70.0
_DC_WARN_DBFS = -40.0
_DC_ERROR_DBFS = -30.0
_EDGE_MS = 20.0
_CLIP_PCM = 32635
_CLIP_RUN = 3
# G.711 decodes to the middle of a quantisation step, up to ~0.2 dB above the encoded peak.
_PEAK_SLACK_DB: dict[str, float] = {"ulaw": 0.25, "alaw": 0.25, "pcm8": 0.1}
_MIN_RATE_CHARS = 12


@dataclass(frozen=True)
class Finding:
    """One problem with one file: check code, severity and a one-line message with the fix."""

    path: str
    check: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.severity}: {self.check}: {self.message}"


def _describe(codecs: Sequence[str]) -> str:
    return " or ".join(CODEC_NAMES.get(c, c) for c in codecs)


def _clip_level(codec: FileCodec) -> int:
    if codec in ("ulaw", "alaw"):
        return int(np.max(np.abs(g711_decode(np.arange(256, dtype=np.uint8), codec))))
    if codec == "pcm8":
        return 127 << 8
    return _CLIP_PCM


def _clipped_runs(samples: npt.NDArray[np.int16], level: int) -> tuple[int, int]:
    """(runs of >= _CLIP_RUN samples at or above `level`, samples in those runs)."""
    hot = np.abs(samples.astype(np.int32)) >= level
    edges = np.diff(np.concatenate(([0], hot.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    lengths = ends - starts
    long = lengths[lengths >= _CLIP_RUN]
    return int(long.size), int(long.sum())


def _db(value: float) -> float:
    return 20.0 * math.log10(value) if value > 0 else SILENCE_DB


def check_audio(
    file: AudioFile, rules: Rules, *, text: str | None = None, signal: bool = True
) -> list[Finding]:
    """Every problem `rules` finds in `file`; a transcript `text` adds the speaking-rate check.

    `signal=False` checks the container only (codec, header, rate, size, name): for the other
    files of one prompt, whose sound was already checked.
    """
    found: list[Finding] = []
    where = str(file.path)

    def add(check: str, severity: Severity, message: str) -> None:
        found.append(Finding(where, check, severity, message))

    for problem in file.header_findings:
        add("header", "error", problem)

    ext = file.path.suffix.lower()
    allowed = rules.formats.get(ext)
    if allowed is None:
        exts = ", ".join(sorted(rules.formats))
        add(
            "codec",
            "error",
            f"{ext or 'no extension'} ({file.detail}) is not a prompt format for {rules.platform}; "
            f"use one of {exts} (e.g. {rules.convert_hint})",
        )
    elif file.codec not in allowed:
        note = rules.format_notes.get(f"{ext}:{file.codec}", "")
        add(
            "codec",
            "error",
            f"{CODEC_NAMES[file.codec]} ({file.detail}) in a {ext} file; {rules.platform} "
            f"wants {_describe(allowed)} in {ext}{'; ' + note if note else ''}; "
            f"convert it (e.g. {rules.convert_hint})",
        )
    if file.sample_rate != rules.sample_rate:
        add(
            "rate",
            "error",
            f"sample rate is {file.sample_rate} Hz; {rules.platform} needs "
            f"{rules.sample_rate} Hz; resample it (sox IN -r {rules.sample_rate} OUT)",
        )
    if file.channels != rules.channels:
        add(
            "channels",
            "error",
            f"{file.channels} channels; {rules.platform} needs {rules.channels} (mono); "
            "mix it down (sox IN -c 1 OUT)",
        )
    if rules.max_file_bytes is not None and file.file_size > rules.max_file_bytes:
        add(
            "size",
            "error",
            f"file is {file.file_size:,} bytes; {rules.platform} accepts at most "
            f"{rules.max_file_bytes:,}; shorten or split the prompt",
        )
    stem = file.path.stem
    if rules.max_name_length is not None and len(stem) > rules.max_name_length:
        add(
            "name",
            "error",
            f"name {stem!r} is {len(stem)} characters; {rules.platform} allows at most "
            f"{rules.max_name_length}; rename the prompt",
        )
    if rules.name_pattern is not None and not re.fullmatch(rules.name_pattern, stem):
        add(
            "name",
            "error",
            f"name {stem!r} breaks {rules.platform}'s naming rule ({rules.name_rule}); rename it",
        )
    if not file.decoded or not signal:
        return found
    found.extend(_check_signal(file, rules, text))
    return found


def _check_signal(file: AudioFile, rules: Rules, text: str | None) -> list[Finding]:
    found: list[Finding] = []
    where = str(file.path)

    def add(check: str, severity: Severity, message: str) -> None:
        found.append(Finding(where, check, severity, message))

    rate = file.sample_rate
    duration = file.duration_s
    if duration < rules.min_seconds:
        add(
            "duration",
            "error",
            f"lasts {duration:.2f} s; shorter than the {rules.min_seconds:g} s minimum "
            f"({rules.source('min_seconds')}); check that the text was spoken",
        )
    elif duration > rules.max_seconds:
        add(
            "duration",
            "error",
            f"lasts {duration:.1f} s; longer than the {rules.max_seconds:g} s maximum "
            f"({rules.source('max_seconds')}); split the prompt",
        )
    if file.samples.size == 0 or rate <= 0:
        add("silent", "error", "holds no samples; regenerate the prompt")
        return found
    x = to_float(file.samples)
    mean = float(np.mean(x, dtype=np.float64))
    ac = (x - np.float32(mean)).astype(np.float32)
    ac_level = active_level_dbov(ac, rate)
    dc_db = _db(abs(mean))
    if ac_level <= _SILENT_DBOV:
        what = (
            f"only a constant DC offset at {dc_db:.1f} dBFS" if dc_db > -60.0 else "digital silence"
        )
        add(
            "silent",
            "error",
            f"no sound: {what} (active level below {_SILENT_DBOV:g} dBov); "
            "regenerate the prompt or check the source",
        )
        return found
    if dc_db > _DC_WARN_DBFS:
        limit = _DC_ERROR_DBFS if dc_db > _DC_ERROR_DBFS else _DC_WARN_DBFS
        add(
            "dc",
            "error" if dc_db > _DC_ERROR_DBFS else "warning",
            f"DC offset of {dc_db:.1f} dBFS (limit {limit:g} dBFS, built in); "
            "high-pass the audio (sox IN OUT highpass 80)",
        )
    # Removing a DC offset below -60 dBFS moves the level by far less than any tolerance.
    level = ac_level if dc_db <= -60.0 else active_level_dbov(x, rate)
    found.extend(_check_level(where, level, rules))
    runs, clipped = _clipped_runs(file.samples, _clip_level(file.codec))
    peak = _db(float(np.max(np.abs(x))))
    ceiling = -rules.peak_headroom_db
    if runs:
        add(
            "clipping",
            "error",
            f"{clipped} samples clipped at full scale in {runs} run(s) of "
            f">= {_CLIP_RUN}; regenerate at a lower level, peak at most {ceiling:g} dBFS "
            f"({rules.source('peak_headroom_db')})",
        )
    elif peak > ceiling + _PEAK_SLACK_DB.get(file.codec, 0.05):
        add(
            "peak",
            "warning",
            f"peak is {peak:.2f} dBFS; keep at least {rules.peak_headroom_db:g} dB headroom "
            f"(peak <= {ceiling:g} dBFS, {rules.source('peak_headroom_db')}); limit the peaks",
        )
    if rules.edge_limit_dbfs is not None:
        found.extend(_check_edges(where, ac if dc_db > -60.0 else x, rate, rules))
    threshold = max(level - rules.silence_margin_db, rules.silence_threshold_dbfs)
    bounds = speech_bounds(ac, rate, threshold)
    if bounds is None:
        add(
            "silent",
            "error",
            f"nothing rises above the {threshold:.0f} dBFS silence threshold; "
            "the prompt is too quiet or empty",
        )
        return found
    start, end = bounds
    found.extend(_check_silence(where, start / rate, (file.samples.size - 1 - end) / rate, rules))
    if text is not None:
        found.extend(_check_rate(where, text, (end - start + 1) / rate, rules))
    return found


def _check_level(where: str, level: float, rules: Rules) -> list[Finding]:
    target = rules.level_dbov
    if target is None:
        return _check_audible(where, level, rules)
    off = abs(level - target)
    if off <= rules.level_tolerance_db:
        return []
    error = off > rules.level_error_db
    allowed = rules.level_error_db if error else rules.level_tolerance_db
    source = rules.source("level_error_db" if error else "level_tolerance_db")
    return [
        Finding(
            where,
            "level",
            "error" if error else "warning",
            f"active speech level (P.56) is {level:.1f} dBov; target is {target:g} dBov "
            f"({rules.source('level_dbov')}) +/- {allowed:g} dB ({source}); "
            f"normalise it to {target:g} dBov",
        )
    ]


def _check_audible(where: str, level: float, rules: Rules) -> list[Finding]:
    """With no level target: an error when a caller cannot hear it, a warning when unusual."""
    low, high = rules.usual_level_dbov
    if level < rules.level_floor_dbov:
        return [
            Finding(
                where,
                "level",
                "error",
                f"active speech level (P.56) is {level:.1f} dBov: a caller cannot hear it "
                f"(floor {rules.level_floor_dbov:g} dBov, 20 dB under the -26 dBov nominal, "
                "built in); raise it to the nominal level, or give --level to check a target",
            )
        ]
    if low <= level <= high:
        return []
    return [
        Finding(
            where,
            "level",
            "warning",
            f"active speech level (P.56) is {level:.1f} dBov, outside the usual "
            f"{low:g} to {high:g} dBov (built in); check it, or give --level",
        )
    ]


def _check_edges(where: str, x: npt.NDArray[np.float32], rate: int, rules: Rules) -> list[Finding]:
    limit = rules.edge_limit_dbfs
    assert limit is not None
    head, tail = edge_peaks_dbfs(x, rate, _EDGE_MS)
    found: list[Finding] = []
    for name, peak in (("starts", head), ("ends", tail)):
        if peak > limit:
            which = "first" if name == "starts" else "last"
            found.append(
                Finding(
                    where,
                    "edge",
                    rules.edge_severity,
                    f"{name} abruptly: peak {peak:.1f} dBFS in its {which} {_EDGE_MS:g} ms"
                    f" (limit {limit:g} dBFS, built in); it clicks where prompts "
                    "join; keep a pad of silence and fade the cut",
                )
            )
    return found


def _check_silence(where: str, lead: float, trail: float, rules: Rules) -> list[Finding]:
    found: list[Finding] = []
    for name, seconds, warn, most in (
        ("lead", lead, "warn_lead_silence_s", "max_lead_silence_s"),
        ("trail", trail, "warn_trail_silence_s", "max_trail_silence_s"),
    ):
        limit_warn, limit_max = getattr(rules, warn), getattr(rules, most)
        if seconds <= min(limit_warn, limit_max):
            continue
        error = seconds > limit_max
        limit, key = (limit_max, most) if error else (limit_warn, warn)
        side = "before the first" if name == "lead" else "after the last"
        found.append(
            Finding(
                where,
                f"{name}-silence",
                "error" if error else "warning",
                f"{seconds:.2f} s of silence {side} sound (max {limit:g} s, "
                f"{rules.source(key)}); trim the {'start' if name == 'lead' else 'end'}",
            )
        )
    return found


def _check_rate(where: str, text: str, span: float, rules: Rules) -> list[Finding]:
    chars = len(" ".join(text.split()))
    low, high = rules.chars_per_second
    if chars < _MIN_RATE_CHARS or span <= 0:
        return []
    cps = chars / span
    if low <= cps <= high:
        return []
    why = "too fast: words may be missing" if cps > high else "too slow"
    return [
        Finding(
            where,
            "speaking-rate",
            "warning",
            f"{chars} characters in {span:.2f} s of sound is {cps:.1f} chars/s "
            f"({why}; plausible {low:g}-{high:g}, built in); listen to it and check the text",
        )
    ]
