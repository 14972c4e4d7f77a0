"""The processing chain of a prompt: resample, high-pass, level + limit, trim, fade, verify."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import AudioError
from ..versions import PROCESSING_VERSION
from .dsp import (
    SILENCE_DB,
    FloatAudio,
    active_level_dbov,
    high_pass,
    mono,
    peak_dbfs,
    resample,
    to_float,
    to_pcm16,
)
from .edges import cut, edge_peaks_dbfs, edge_threshold_dbfs, find_speech
from .g711 import RATE, Int16Audio
from .limiter import level_to_target

if TYPE_CHECKING:
    from ..config.settings import AudioSettings

# G.711 decodes to the middle of a quantisation step: up to half a top-segment step (512 of
# 32768) above the encoded sample. Limiting this much under the ceiling keeps decoded peaks
# under it too.
G711_MARGIN_DB = 0.25
# How close to the target the chain must land, else the prompt fails.
LEVEL_PRECISION_DB = 0.5
# Nothing louder than this in the first and last 20 ms: a cut there clicks when prompts join.
EDGE_LIMIT_DBFS = -50.0


class ProcessSettings(Protocol):
    """What `process` needs from a project's [audio] settings (config.AudioSettings fits)."""

    @property
    def level_dbov(self) -> float: ...
    @property
    def peak_headroom_db(self) -> float: ...
    @property
    def lead_pad_ms(self) -> int: ...
    @property
    def trail_pad_ms(self) -> int: ...
    @property
    def silence_threshold_dbfs(self) -> float: ...
    @property
    def edge_margin_db(self) -> float: ...
    @property
    def fade_ms(self) -> float: ...
    @property
    def highpass_hz(self) -> float: ...
    @property
    def highpass_order(self) -> int: ...


# The [audio] settings that do not change what `process` makes: the laws it is encoded in (each
# a published file of its own), the validation tolerance, and the pause between sentences (an
# engine setting: part of the synthesis key). Every other field of AudioSettings is in the
# processed audio's key; tests/test_audio_chain.py fails when a field is neither read by
# `process` (ProcessSettings) nor listed here.
NOT_PROCESSING = frozenset({"codecs", "level_tolerance_db", "sentence_pause_ms"})


def settings_key(settings: AudioSettings) -> dict[str, Any]:
    """Every setting that changes what `process` makes, for cache keys: every [audio] field
    but those in NOT_PROCESSING."""
    fields = {
        f.name: getattr(settings, f.name)
        for f in dataclasses.fields(settings)
        if f.name not in NOT_PROCESSING
    }
    return {"rate": RATE, **fields, "processing": PROCESSING_VERSION}


@dataclass(frozen=True)
class Processed:
    """A prompt ready to encode: 8 kHz mono int16 and its measured facts."""

    pcm: Int16Audio
    level_dbov: float
    peak_dbfs: float
    duration_s: float
    # From the true onset to the true offset: the time spent speaking, for the pace.
    speech_s: float = 0.0


def process(
    samples: FloatAudio, rate: int, settings: ProcessSettings, rate_out: int = RATE
) -> Processed:
    """Mono prompt at `rate_out` (8 kHz unless asked) at the target level: resample, high-pass,
    level + limit, cut to the speech with pads and fades, level + limit again; AudioError if the
    result misses a rule."""
    target = settings.level_dbov
    ceiling = -settings.peak_headroom_db - G711_MARGIN_DB
    x = resample(mono(samples), rate, rate_out)
    x = high_pass(x, rate_out, settings.highpass_hz, settings.highpass_order)
    # At a known level, the onset threshold is a known distance under the speech.
    x = level_to_target(x, rate_out, target, ceiling)
    threshold = edge_threshold_dbfs(
        target, settings.edge_margin_db, settings.silence_threshold_dbfs
    )
    bounds = find_speech(x, rate_out, threshold)
    if bounds is None:
        empty = to_pcm16(x[:0])
        return Processed(pcm=empty, level_dbov=SILENCE_DB, peak_dbfs=SILENCE_DB, duration_s=0.0)
    x = cut(x, rate_out, bounds, settings.lead_pad_ms, settings.trail_pad_ms, settings.fade_ms)
    # P.56 counts the pads inside its hangover: trimming moves the level a little.
    x = level_to_target(x, rate_out, target, ceiling)
    pcm = to_pcm16(x)
    final = to_float(pcm)
    done = Processed(
        pcm=pcm,
        level_dbov=active_level_dbov(final, rate_out),
        peak_dbfs=peak_dbfs(final),
        duration_s=pcm.size / rate_out,
        speech_s=(bounds[1] - bounds[0] + 1) / rate_out,
    )
    verify(done, final, settings, rate_out)
    return done


def verify(done: Processed, final: FloatAudio, settings: ProcessSettings, rate: int = RATE) -> None:
    """The chain's own promise, checked: level, headroom and quiet edges."""
    target = settings.level_dbov
    problems: list[str] = []
    if abs(done.level_dbov - target) > LEVEL_PRECISION_DB:
        problems.append(
            f"level {done.level_dbov:.1f} dBov misses the {target:g} dBov target "
            f"([audio].level_dbov) by more than {LEVEL_PRECISION_DB:g} dB"
        )
    if done.peak_dbfs > -settings.peak_headroom_db:
        problems.append(
            f"peak {done.peak_dbfs:.2f} dBFS is over the {-settings.peak_headroom_db:g} dBFS "
            "ceiling ([audio].peak_headroom_db)"
        )
    head, tail = edge_peaks_dbfs(final, rate)
    if max(head, tail) > EDGE_LIMIT_DBFS:
        problems.append(
            f"first/last 20 ms peak at {head:.1f}/{tail:.1f} dBFS (limit {EDGE_LIMIT_DBFS:g}): "
            "the prompt would click where it joins another"
        )
    if problems:
        raise AudioError(
            "processing cannot meet the rules: "
            + "; ".join(problems)
            + "; the synthesis is likely damaged (clicks, noise): re-synthesize or check the voice"
        )
