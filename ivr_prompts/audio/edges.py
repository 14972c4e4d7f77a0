"""Where speech starts and ends, and cutting to it with pads and raised-cosine fades."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .dsp import FloatAudio

# Onset/offset detection: short RMS windows so a fricative onset is seen within a few ms; a short
# hangover keeps the decay after the last window above the threshold.
EDGE_WINDOW_MS = 5.0
EDGE_HANGOVER_MS = 10.0


def edge_threshold_dbfs(level_dbov: float, margin_db: float, floor_dbfs: float) -> float:
    """The onset threshold: `margin_db` under the speech level, never under `floor_dbfs`."""
    return max(level_dbov - margin_db, floor_dbfs)


def speech_bounds(
    x: FloatAudio, rate: int, threshold_dbfs: float, window_ms: float = 10.0
) -> tuple[int, int] | None:
    """First and last sample index of sound above `threshold_dbfs` (RMS over `window_ms`).

    Within the first and last loud window the bound is the first/last sample whose magnitude
    passes the threshold (the window's edge if none does); None if nothing is loud.
    """
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


def find_speech(
    x: FloatAudio, rate: int, threshold_dbfs: float, hangover_ms: float = EDGE_HANGOVER_MS
) -> tuple[int, int] | None:
    """The true onset and offset (inclusive) of speech: 5 ms windows, plus a short hangover."""
    bounds = speech_bounds(x, rate, threshold_dbfs, EDGE_WINDOW_MS)
    if bounds is None:
        return None
    start, end = bounds
    return start, min(int(np.asarray(x).size) - 1, end + round(rate * hangover_ms / 1000.0))


def raised_cosine(length: int) -> FloatAudio:
    """A fade-in ramp of `length` samples from near 0 to near 1 (half a cosine period)."""
    i = np.arange(length, dtype=np.float64)
    ramp: FloatAudio = (0.5 - 0.5 * np.cos(np.pi * (i + 0.5) / length)).astype(np.float32)
    return ramp


def cut(
    x: FloatAudio,
    rate: int,
    bounds: tuple[int, int],
    lead_pad_ms: int,
    trail_pad_ms: int,
    fade_ms: float,
) -> FloatAudio:
    """Keep `bounds` plus exactly the pads (zero-filled where the input has no room), with a
    raised-cosine fade at both cut points so no file starts or ends with a step."""
    data = np.asarray(x, dtype=np.float32)
    start, end = bounds
    lo = start - round(rate * lead_pad_ms / 1000.0)
    hi = end + 1 + round(rate * trail_pad_ms / 1000.0)
    body = data[max(lo, 0) : min(hi, data.size)].copy()
    fade = min(round(rate * fade_ms / 1000.0), body.size // 2)
    if fade > 0:
        ramp = raised_cosine(fade)
        body[:fade] *= ramp
        body[-fade:] *= ramp[::-1]
    before, after = max(0, -lo), max(0, hi - data.size)
    if before or after:
        body = np.concatenate((np.zeros(before, np.float32), body, np.zeros(after, np.float32)))
    return np.ascontiguousarray(body, dtype=np.float32)


def edge_peaks_dbfs(x: FloatAudio, rate: int, span_ms: float = 20.0) -> tuple[float, float]:
    """Peak level (dBFS) of the first and of the last `span_ms`: where a cut would click."""
    data = np.abs(np.asarray(x, dtype=np.float64))
    span = max(1, round(rate * span_ms / 1000.0))

    def db(part: npt.NDArray[np.float64]) -> float:
        peak = float(part.max()) if part.size else 0.0
        return 20.0 * float(np.log10(peak)) if peak > 0 else -100.0

    return db(data[:span]), db(data[-span:])
