"""A look-ahead peak limiter, and level normalisation that uses it instead of lowering the gain."""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt

from .dsp import SILENCE_DB, FloatAudio, active_level_dbov, peak_dbfs

log = logging.getLogger(__name__)

# Attack = release = look-ahead: the gain falls smoothly over 5 ms before a peak and recovers
# over 5 ms after it, so a click is flattened without touching the speech around it.
LOOKAHEAD_MS = 5.0
# Normalise-then-limit rounds: limiting lowers the level a little, the next round makes it up.
_ROUNDS = 8
# Well inside the +-0.05 dB an independent P.56 meter (G.191 actlevel) is asked to confirm.
_PRECISION_DB = 0.01


def _sliding_min(x: npt.NDArray[np.float64], radius: int) -> npt.NDArray[np.float64]:
    """min(x[n-radius .. n+radius]) for every n (edges padded with 1.0, the neutral gain)."""
    n = x.size
    width = 2 * radius + 1
    padded = np.concatenate((np.ones(radius), x, np.ones(radius)))
    total = padded.size
    nb = -(-total // width)
    full = np.ones(nb * width, dtype=np.float64)
    full[:total] = padded
    blocks = full.reshape(nb, width)
    prefix = np.minimum.accumulate(blocks, axis=1).reshape(-1)
    suffix = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    # Window [i, i+width-1] of `full` holds n's neighbourhood for i = n.
    idx = np.arange(n)
    return np.minimum(suffix[idx], prefix[idx + width - 1])


def _box(x: npt.NDArray[np.float64], radius: int) -> npt.NDArray[np.float64]:
    """Centred moving average of width 2*radius+1 (edges padded with 1.0)."""
    if radius <= 0:
        return x
    padded = np.concatenate((np.ones(radius + 1), x, np.ones(radius)))
    cs = np.cumsum(padded)
    width = 2 * radius + 1
    out: npt.NDArray[np.float64] = (cs[width:] - cs[:-width]) / width
    return out


def limit(x: FloatAudio, rate: int, ceiling_dbfs: float) -> FloatAudio:
    """Every sample at or under `ceiling_dbfs`, by a smooth gain that dips only around peaks.

    The gain needed at each sample is spread by a sliding minimum over +-L (the look-ahead) and
    smoothed by two moving averages of radius L/2: a smoothed value only averages minima whose
    window holds the peak, so the peak is always brought under the ceiling.
    """
    data = np.asarray(x, dtype=np.float64)
    ceiling = 10.0 ** (ceiling_dbfs / 20.0)
    mag = np.abs(data)
    if data.size == 0 or float(mag.max()) <= ceiling:
        return np.asarray(x, dtype=np.float32)
    need = np.minimum(1.0, ceiling / np.maximum(mag, 1e-30))
    radius = max(2, round(rate * LOOKAHEAD_MS / 1000.0))
    gain = _box(_box(_sliding_min(need, radius), radius // 2), radius // 2)
    # Float rounding can leave a peak a hair above the ceiling: clamp what is left.
    y = np.clip(data * gain, -ceiling, ceiling)
    return y.astype(np.float32)


def level_to_target(
    x: FloatAudio, rate: int, target_dbov: float, ceiling_dbfs: float
) -> FloatAudio:
    """Gain to `target_dbov` (P.56) with peaks limited to `ceiling_dbfs`; when the limiter
    acts, re-measured and iterated until the limited result is at the target. Silence is
    returned unchanged."""
    data = np.asarray(x, dtype=np.float32)
    level = active_level_dbov(data, rate)
    if level <= SILENCE_DB:
        return data
    gain_db = target_dbov - level
    y = data
    for _ in range(_ROUNDS):
        y = (data * np.float32(10.0 ** (gain_db / 20.0))).astype(np.float32)
        if peak_dbfs(y) > ceiling_dbfs:
            y = limit(y, rate, ceiling_dbfs)
        # Re-measured even after a plain gain: P.56 is not scale-invariant (its activity
        # thresholds are fixed steps of full scale), so a gain of g dB can move the level by
        # g +- 0.15 dB (measured on 16 kHz digits); the last gain is always checked.
        error = target_dbov - active_level_dbov(y, rate)
        if abs(error) <= _PRECISION_DB:
            break
        gain_db += error
        log.debug("%.3f dB short of the target, gain now %.2f dB", error, gain_db)
    return y
