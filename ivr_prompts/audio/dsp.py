"""Float PCM processing: conversion, resampling, P.56 level, high-pass, edge trim, normalise."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import soxr

from ..errors import AudioError
from .g711 import RATE, Int16Audio

log = logging.getLogger(__name__)

FloatAudio = npt.NDArray[np.float32]

# Returned by the level meters for digital silence: finite, so it survives JSON and arithmetic.
SILENCE_DB = -100.0


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


def to_pcm16(x: FloatAudio) -> Int16Audio:
    """Float samples (full scale 1.0) to int16, rounded and clipped."""
    scaled = np.rint(np.asarray(x, dtype=np.float32) * np.float32(32768.0))
    clipped: npt.NDArray[np.float32] = np.clip(scaled, -32768, 32767)
    return clipped.astype(np.int16)


def to_float(pcm: Int16Audio) -> FloatAudio:
    """Int16 samples to float32 with full scale 1.0."""
    return np.asarray(pcm, dtype=np.float32) * np.float32(1.0 / 32768.0)


def resample(x: FloatAudio, rate_in: int, rate_out: int = RATE) -> FloatAudio:
    """Band-limited resampling through libsoxr (HQ); a no-op when the rates match."""
    data = np.ascontiguousarray(x, dtype=np.float32)
    if rate_in == rate_out or data.size == 0:
        return data
    if rate_in <= 0 or rate_out <= 0:
        raise AudioError(f"sample rate {rate_in} -> {rate_out}: must be positive")
    out: FloatAudio = np.asarray(soxr.resample(data, rate_in, rate_out, quality="HQ"), np.float32)
    return out


def peak_dbfs(x: FloatAudio) -> float:
    """Sample peak in dB re full scale 1.0; SILENCE_DB for digital silence."""
    if x.size == 0:
        return SILENCE_DB
    peak = float(np.max(np.abs(x)))
    return 20.0 * math.log10(peak) if peak > 0 else SILENCE_DB


def rms_dbfs(x: FloatAudio) -> float:
    """Plain RMS in dB re full scale 1.0 (pauses included); SILENCE_DB for silence."""
    if x.size == 0:
        return SILENCE_DB
    ms = float(np.mean(np.square(x, dtype=np.float64)))
    return 10.0 * math.log10(ms) if ms > 0 else SILENCE_DB


def _one_pole(u: npt.NDArray[np.float64], g: float) -> npt.NDArray[np.float64]:
    """y[n] = g*y[n-1] + (1-g)*u[n] from rest, vectorised in blocks.

    Within a block the recursion is g**i times a cumulative sum of u*g**-k; blocks are kept
    short enough that g**-k cannot overflow, and the state is carried between them.
    """
    n = u.size
    if n == 0:
        return u.copy()
    tc = 1.0 / max(-math.log(g), 1e-12)
    block = int(max(64, min(n, 40.0 * tc)))
    nb = -(-n // block)
    padded = np.zeros(nb * block, dtype=np.float64)
    padded[:n] = u
    blocks = padded.reshape(nb, block)
    k = np.arange(block, dtype=np.float64)
    up = g**-k
    down = g**k
    local = np.cumsum(blocks * ((1.0 - g) * up), axis=1) * down
    # The response of each block to the state it inherits: carry * g**(i+1).
    decay = down * g
    g_block = g**block
    ends = local[:, -1]
    carry = np.empty(nb, dtype=np.float64)
    state = 0.0
    for b in range(nb):
        carry[b] = state
        state = state * g_block + ends[b]
    out = local + carry[:, None] * decay[None, :]
    return out.reshape(-1)[:n]


def _sliding_max(x: npt.NDArray[np.float64], width: int) -> npt.NDArray[np.float64]:
    """max(x[n-width+1 .. n]) for every n, for non-negative x (van Herk / Gil-Werman)."""
    n = x.size
    total = n + width - 1
    nb = -(-total // width)
    padded = np.zeros(nb * width, dtype=np.float64)
    padded[width - 1 : width - 1 + n] = x
    blocks = padded.reshape(nb, width)
    prefix = np.maximum.accumulate(blocks, axis=1).reshape(-1)
    suffix = np.maximum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    return np.maximum(suffix[:n], prefix[width - 1 : width - 1 + n])


_P56_TIME_CONSTANT = 0.03
_P56_HANGOVER = 0.2
_P56_MARGIN_DB = 15.9
_P56_THRESHOLDS = 2.0 ** -np.arange(16, dtype=np.float64)[::-1]  # 2**-15 .. 1, ascending


def active_level_dbov(x: FloatAudio, rate: int) -> float:
    """ITU-T P.56 method B active level in dBov (0 dBov = full-scale RMS); SILENCE_DB if silent."""
    data = np.asarray(x, dtype=np.float64)
    if data.size == 0:
        return SILENCE_DB
    sq = float(np.einsum("i,i->", data, data))  # not np.dot: BLAS threads would spin after it
    if sq <= 0.0:
        return SILENCE_DB
    g = math.exp(-1.0 / (rate * _P56_TIME_CONSTANT))
    envelope = _one_pole(_one_pole(np.abs(data), g), g)
    hangover = round(_P56_HANGOVER * rate)
    # A sample is active for threshold c when the envelope reached c within the hangover.
    recent = _sliding_max(envelope, hangover + 1)
    above = np.searchsorted(_P56_THRESHOLDS, recent, side="right")
    hist = np.bincount(above, minlength=_P56_THRESHOLDS.size + 1)
    counts = np.cumsum(hist[::-1])[::-1][1:]  # counts[j] = samples with recent >= c_j
    c_db = 20.0 * np.log10(_P56_THRESHOLDS)
    prev: tuple[float, float] | None = None
    for j in range(_P56_THRESHOLDS.size):
        if counts[j] == 0:
            break
        a_db = 10.0 * math.log10(sq / counts[j])
        delta = a_db - float(c_db[j])
        if delta <= _P56_MARGIN_DB:
            if prev is None:
                return a_db
            prev_a, prev_delta = prev
            t = (prev_delta - _P56_MARGIN_DB) / (prev_delta - delta)
            return prev_a + t * (a_db - prev_a)
        prev = (a_db, delta)
    if prev is None:
        return SILENCE_DB
    return prev[0]


def high_pass(x: FloatAudio, rate: int, cutoff_hz: float = 80.0) -> FloatAudio:
    """First-order DC-blocking high-pass at `cutoff_hz`, unity gain at Nyquist."""
    data = np.asarray(x, dtype=np.float64)
    if data.size == 0:
        return np.asarray(x, dtype=np.float32)
    g = math.exp(-2.0 * math.pi * cutoff_hz / rate)
    # Start from the first sample so an offset at the very start causes no step.
    diff = np.diff(data, prepend=data[0])
    y = _one_pole(diff * ((1.0 + g) / (2.0 * (1.0 - g))), g)
    return y.astype(np.float32)


def speech_bounds(
    x: FloatAudio, rate: int, threshold_dbfs: float, window_ms: float = 10.0
) -> tuple[int, int] | None:
    """First and last sample index of sound above `threshold_dbfs` (10 ms RMS); None if none."""
    data = np.asarray(x, dtype=np.float64)
    n = data.size
    if n == 0:
        return None
    w = max(1, min(n, round(rate * window_ms / 1000.0)))
    level = 10.0 ** (threshold_dbfs / 20.0)
    cs = np.concatenate(([0.0], np.cumsum(data * data)))
    loud = np.flatnonzero((cs[w:] - cs[:-w]) > w * level * level)
    if loud.size == 0:
        return None
    first, last = int(loud[0]), int(loud[-1])
    head = np.flatnonzero(np.abs(data[first : first + w]) > level)
    tail = np.flatnonzero(np.abs(data[last : last + w]) > level)
    start = first + (int(head[0]) if head.size else 0)
    end = last + (int(tail[-1]) if tail.size else w - 1)
    return start, end


def trim(
    x: FloatAudio, rate: int, threshold_dbfs: float, lead_pad_ms: int, trail_pad_ms: int
) -> FloatAudio:
    """Cut edge silence keeping exactly the pads (zero-filled if short); silence -> empty array."""
    data = np.asarray(x, dtype=np.float32)
    bounds = speech_bounds(data, rate, threshold_dbfs)
    if bounds is None:
        return np.zeros(0, dtype=np.float32)
    start, end = bounds
    lead = round(rate * lead_pad_ms / 1000.0)
    trail = round(rate * trail_pad_ms / 1000.0)
    lo, hi = start - lead, end + 1 + trail
    body = data[max(lo, 0) : min(hi, data.size)]
    before, after = max(0, -lo), max(0, hi - data.size)
    if before or after:
        body = np.concatenate((np.zeros(before, np.float32), body, np.zeros(after, np.float32)))
    return np.ascontiguousarray(body, dtype=np.float32)


def normalize(x: FloatAudio, rate: int, target_dbov: float, headroom_db: float) -> FloatAudio:
    """Gain to `target_dbov` active level, lowered if the peak would pass -headroom_db dBFS."""
    data = np.asarray(x, dtype=np.float32)
    level = active_level_dbov(data, rate)
    if level <= SILENCE_DB:
        return data
    gain_db = target_dbov - level
    peak = peak_dbfs(data)
    ceiling = -headroom_db
    if peak + gain_db > ceiling:
        log.debug(
            "peak ceiling %.1f dBFS limits gain to %.2f dB (level target needs %.2f dB)",
            ceiling,
            ceiling - peak,
            gain_db,
        )
        gain_db = ceiling - peak
    return (data * np.float32(10.0 ** (gain_db / 20.0))).astype(np.float32)


@dataclass(frozen=True)
class Processed:
    """A prompt ready to encode: 8 kHz mono int16 and its measured facts."""

    pcm: Int16Audio
    level_dbov: float
    peak_dbfs: float
    duration_s: float


def _mono(samples: npt.NDArray[np.floating] | FloatAudio) -> FloatAudio:
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1, dtype=np.float32)
    if data.ndim != 1:
        raise AudioError(f"samples of shape {data.shape}: expected mono (n,) or (n, channels)")
    return data


def process(samples: FloatAudio, rate: int, settings: ProcessSettings) -> Processed:
    """Mono 8 kHz prompt: resample, high-pass, normalise (P.56), trim edges, to int16."""
    x = resample(_mono(samples), rate, RATE)
    x = high_pass(x, RATE)
    # Normalising first makes the silence threshold relative to a known speech level,
    # whatever the engine produced; normalising again corrects the shift trimming causes
    # (P.56 counts a trailing pad inside its hangover as active).
    x = normalize(x, RATE, settings.level_dbov, settings.peak_headroom_db)
    x = trim(x, RATE, settings.silence_threshold_dbfs, settings.lead_pad_ms, settings.trail_pad_ms)
    x = normalize(x, RATE, settings.level_dbov, settings.peak_headroom_db)
    pcm = to_pcm16(x)
    final = to_float(pcm)
    return Processed(
        pcm=pcm,
        level_dbov=active_level_dbov(final, RATE),
        peak_dbfs=peak_dbfs(final),
        duration_s=pcm.size / RATE,
    )
