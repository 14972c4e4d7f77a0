"""Float PCM: conversion, resampling, meters (peak, RMS, P.56 level), Butterworth high-pass."""

from __future__ import annotations

import logging
import math

import numpy as np
import numpy.typing as npt
import soxr

from ..errors import AudioError
from .g711 import RATE, Int16Audio

log = logging.getLogger(__name__)

FloatAudio = npt.NDArray[np.float32]

# Returned by the level meters for digital silence: finite, so it survives JSON and arithmetic.
SILENCE_DB = -100.0


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


# The envelope is computed in blocks this long: within one, g**-i stays small (e**(1024/240) at
# 8 kHz, more at higher rates but far from overflow), so no precision is lost.
_BLOCK = 1024
_SMOOTH2: dict[float, tuple[npt.NDArray[np.float64], ...]] = {}


def _smooth2_tables(g: float) -> tuple[npt.NDArray[np.float64], ...]:
    """Per position i in a block: g**-i, i, (1-g)**2 * g**i, i+1, g**(i+1), (1-g)(i+1) g**(i+1)."""
    tables = _SMOOTH2.get(g)
    if tables is None:
        i = np.arange(_BLOCK, dtype=np.float64)
        b = 1.0 - g
        lead = g ** (i + 1.0)
        tables = (g**-i, i, b * b * g**i, i + 1.0, lead, b * (i + 1.0) * lead)
        tables = _SMOOTH2.setdefault(g, tables)
    return tables


def _smooth2(u: npt.NDArray[np.float64], g: float) -> npt.NDArray[np.float64]:
    """Two cascaded one-pole smoothers from rest: y1[n] = g*y1[n-1] + (1-g)*u[n], and y2 the
    same over y1; returns y2.

    The cascade's impulse response is (1-g)**2 (n+1) g**n, so within a block that starts from
    rest y2[i] = (1-g)**2 g**i ((i+1) A[i] - B[i]), with A and B the running sums of u*g**-k
    and k*u*g**-k: two cumulative sums. What each block inherits (y1 and y2 at the end of the
    one before) is carried in a short loop over the blocks and added as its decaying response.
    """
    n = u.size
    if n == 0:
        return u.copy()
    up, index, gain, i1, lead, cross = _smooth2_tables(g)
    nb = -(-n // _BLOCK)
    blocks = np.zeros((nb, _BLOCK), dtype=np.float64)
    blocks.reshape(-1)[:n] = u
    w = blocks * up
    a = np.cumsum(w, axis=1)
    np.multiply(w, index, out=w)
    b_sums = np.cumsum(w, axis=1, out=w)
    b = 1.0 - g
    y1_ends = (a[:, -1] * (b * g ** (_BLOCK - 1))).tolist()
    a *= i1
    a -= b_sums
    a *= gain
    if nb > 1:
        y2_ends = a[:, -1].tolist()
        g_block = g**_BLOCK
        s1, s2 = np.zeros(nb), np.zeros(nb)
        p1 = p2 = 0.0
        for j in range(nb):
            s1[j], s2[j] = p1, p2
            p1, p2 = g_block * p1 + y1_ends[j], g_block * (p2 + b * _BLOCK * p1) + y2_ends[j]
        a += np.multiply.outer(s2, lead)
        a += np.multiply.outer(s1, cross)
    return a.reshape(-1)[:n]


def _sliding_max(x: npt.NDArray[np.int8], width: int) -> npt.NDArray[np.int8]:
    """max(x[n-width+1 .. n]) for every n, for non-negative x (van Herk / Gil-Werman)."""
    n = x.size
    total = n + width - 1
    nb = -(-total // width)
    padded = np.zeros(nb * width, dtype=x.dtype)
    padded[width - 1 : width - 1 + n] = x
    blocks = padded.reshape(nb, width)
    prefix = np.maximum.accumulate(blocks, axis=1).reshape(-1)
    suffix = np.maximum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    return np.maximum(suffix[:n], prefix[width - 1 : width - 1 + n])


_P56_TIME_CONSTANT = 0.03
_P56_HANGOVER = 0.2
_P56_MARGIN_DB = 15.9
# The thresholds c_j = 2**(j-15), j = 0..15 (-90.3 .. 0 dB). How many of them a value v >= 0
# reaches is its binary exponent: e + 16 for v in [2**e, 2**(e+1)), clipped to 0..16. It is
# read from the float's exponent bits, exactly, with no search.
_P56_STEPS = 16
_P56_C_DB = 20.0 * np.log10(2.0 ** (np.arange(_P56_STEPS, dtype=np.float64) - 15))
_EXPONENT_SHIFT = 52
_EXPONENT_BIAS = 1023


def _thresholds_reached(envelope: npt.NDArray[np.float64]) -> npt.NDArray[np.int8]:
    """Per sample, how many of the P.56 thresholds the envelope is at or over (a value under
    zero by rounding has its sign bit set, a negative exponent here, and reaches none)."""
    exponent = (envelope.view(np.int64) >> _EXPONENT_SHIFT) - (_EXPONENT_BIAS - _P56_STEPS)
    reached: npt.NDArray[np.int8] = np.clip(exponent, 0, _P56_STEPS).astype(np.int8)
    return reached


# The ITU-T G.191 reference meter (sv-p56.c, the `actlevel` and `sv56demo` tools) finds the
# level between two thresholds by bisection, stopping once the margin is met within 0.5 dB
# (widened by 10% a round after 20 rounds). Done the same way, an independent G.191 meter
# confirms our numbers to the rounding (a straight-line interpolation differs by up to 0.08 dB).
_P56_BISECT_TOLERANCE_DB = 0.5


def _interpolate(up_a: float, low_a: float, up_c: float, low_c: float) -> float:
    """The active level between the thresholds `low_c` < `up_c` (dB), where the margin between
    level and threshold crosses 15.9 dB: G.191's bisection (`up_a`/`low_a` are the levels
    measured at each threshold)."""
    tol = _P56_BISECT_TOLERANCE_DB
    if abs(up_a - up_c - _P56_MARGIN_DB) < tol:
        return up_a
    if abs(low_a - low_c - _P56_MARGIN_DB) < tol:
        return low_a
    mid_a, mid_c = (up_a + low_a) / 2.0, (up_c + low_c) / 2.0
    rounds = 1
    while abs(diff := mid_a - mid_c - _P56_MARGIN_DB) > tol:
        rounds += 1
        if rounds > 20:
            tol *= 1.1
        if diff > tol:
            mid_a, mid_c = (up_a + mid_a) / 2.0, (up_c + mid_c) / 2.0
            low_a, low_c = mid_a, mid_c
        elif diff < -tol:
            mid_a, mid_c = (mid_a + low_a) / 2.0, (mid_c + low_c) / 2.0
            up_a, up_c = mid_a, mid_c
    return mid_a


def active_level_dbov(x: FloatAudio, rate: int) -> float:
    """ITU-T P.56 method B active level in dBov (0 dBov = full-scale RMS); SILENCE_DB if silent."""
    data = np.asarray(x, dtype=np.float64)
    if data.size == 0:
        return SILENCE_DB
    sq = float(np.einsum("i,i->", data, data))  # not np.dot: BLAS threads would spin after it
    if sq <= 0.0:
        return SILENCE_DB
    g = math.exp(-1.0 / (rate * _P56_TIME_CONSTANT))
    envelope = _smooth2(np.abs(data), g)
    hangover = round(_P56_HANGOVER * rate)
    # A sample is active for threshold c when the envelope reached c within the hangover.
    reached = _sliding_max(_thresholds_reached(envelope), hangover + 1)
    hist = np.bincount(reached, minlength=_P56_STEPS + 1)
    counts = np.cumsum(hist[::-1])[::-1][1:]  # counts[j] = samples active for c_j
    prev: tuple[float, float] | None = None
    for j in range(_P56_STEPS):
        if counts[j] == 0:
            break
        a_db = 10.0 * math.log10(sq / counts[j])
        delta = a_db - float(_P56_C_DB[j])
        if delta <= _P56_MARGIN_DB:
            if prev is None:
                return a_db
            return _interpolate(a_db, prev[0], float(_P56_C_DB[j]), float(_P56_C_DB[j - 1]))
        prev = (a_db, delta)
    if prev is None:
        return SILENCE_DB
    return prev[0]


def butterworth_high_pass(
    rate: int, cutoff_hz: float, order: int
) -> tuple[float, list[tuple[complex, complex]], tuple[complex, complex] | None]:
    """Parallel form of a digital Butterworth high-pass (bilinear transform, pre-warped).

    H(w) = c0 + sum(r / (1 - p w)) with w = 1/z; returns (c0, [(p, r) per conjugate pair],
    (p, r) of the real pole or None). Unity gain at Nyquist.
    """
    if not 0.0 < cutoff_hz < rate / 2.0:
        raise AudioError(
            f"high-pass cutoff {cutoff_hz:g} Hz must lie between 0 and {rate / 2:g} Hz"
        )
    if order < 1:
        raise AudioError(f"high-pass order {order} must be at least 1")
    fs2 = 2.0 * rate
    wc = fs2 * math.tan(math.pi * cutoff_hz / rate)
    analog = [
        complex(np.exp(1j * math.pi * (2 * k + order + 1) / (2 * order))) for k in range(order)
    ]
    # Low-pass prototype pole s -> high-pass pole wc/s -> bilinear z = (fs2 + s)/(fs2 - s).
    poles = [(fs2 + wc / s) / (fs2 - wc / s) for s in analog]
    gain = complex(np.prod([(1.0 + p) / 2.0 for p in poles])).real
    residues = []
    for k, pk in enumerate(poles):
        others = complex(np.prod([1.0 - pj / pk for j, pj in enumerate(poles) if j != k]))
        residues.append(gain * (1.0 - 1.0 / pk) ** order / others)
    c0 = gain - sum(residues).real
    pairs = [(p, r) for p, r in zip(poles, residues, strict=True) if p.imag > 1e-12]
    real = [(p, r) for p, r in zip(poles, residues, strict=True) if abs(p.imag) <= 1e-12]
    return c0, pairs, (real[0] if real else None)


def _impulse_response(rate: int, cutoff_hz: float, order: int) -> npt.NDArray[np.float64]:
    """The high-pass impulse response, until it has decayed under 1e-10 (-200 dB)."""
    c0, pairs, real = butterworth_high_pass(rate, cutoff_hz, order)
    poles = [p for p, _ in pairs] + ([real[0]] if real is not None else [])
    slowest = max(abs(p) for p in poles)
    length = math.ceil(math.log(1e-10) / math.log(slowest)) + 1
    n = np.arange(length, dtype=np.float64)
    h = np.zeros(length, dtype=np.float64)
    h[0] = c0
    for p, r in pairs:
        h += 2.0 * (r * p**n).real
    if real is not None:
        h += (real[1] * real[0] ** n).real
    return h


_RESPONSES: dict[tuple[int, float, int], npt.NDArray[np.float64]] = {}


def _fft_size(n: int) -> int:
    """The smallest 2**a * 3**b * 5**c >= n: sizes the FFT computes fastest."""
    best = 1 << max(0, (n - 1).bit_length())
    five = 1
    while five < best:
        three = five
        while three < best:
            size = three << max(0, (-(-n // three) - 1).bit_length())
            best = min(best, size)
            three *= 3
        five *= 5
    return best


def high_pass(x: FloatAudio, rate: int, cutoff_hz: float = 250.0, order: int = 4) -> FloatAudio:
    """Butterworth high-pass of `order` at `cutoff_hz` (-3 dB), started in steady state.

    The recursive filter is applied as a convolution with its impulse response (truncated at
    -200 dB) through one FFT: the same output, a few times faster than a recursion in numpy.
    """
    data = np.asarray(x, dtype=np.float64)
    if data.size == 0:
        return np.asarray(x, dtype=np.float32)
    key = (rate, float(cutoff_hz), int(order))
    h = _RESPONSES.get(key)
    if h is None:
        h = _RESPONSES.setdefault(key, _impulse_response(rate, cutoff_hz, order))
    # Starting from the first sample's value: an offset at the very start causes no step.
    u = data - data[0]
    size = _fft_size(u.size + h.size - 1)
    y = np.fft.irfft(np.fft.rfft(u, size) * np.fft.rfft(h, size), size)[: u.size]
    out: FloatAudio = y.astype(np.float32)
    return out


def mono(samples: npt.NDArray[np.floating] | FloatAudio) -> FloatAudio:
    """Mono float32: a 2-D (n, channels) array is averaged over its channels."""
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1, dtype=np.float32)
    if data.ndim != 1:
        raise AudioError(f"samples of shape {data.shape}: expected mono (n,) or (n, channels)")
    return data
