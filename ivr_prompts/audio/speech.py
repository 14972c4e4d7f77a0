"""Is this synthesis speech? Tell speech from silence, steady tones and noise before it is cached.

An engine can answer with audio that is not speech: a server returning random bytes as PCM (white
noise), a test tone, or silence. Each of those passes every container and level check, so it is
caught here, on three properties of speech that none of them has, measured in the telephone band
(300-3400 Hz) on 32 ms frames:

- it has voiced frames, whose harmonic spectrum is peaky: the flatness (geometric over arithmetic
  mean of the power spectrum) of its most harmonic tenth of frames stays under about 0.09 even in a
  word made mostly of fricatives ("six"); every frame of white noise sits near 0.5 (the expected
  flatness of a chi-square spectrum);
- its energy spreads over many harmonics: even a vowel whose one harmonic dominates keeps more
  than 1.1% of a frame's energy away from its two strongest peaks, where a tone, a sweep or a DTMF
  pair keeps under 0.03% (what the analysis window leaks);
- it is not steady: its level moves, and over a second or more of sound its strongest frequency
  wanders with pitch and formants. A steady buzz or hum holds its level within 0.03 dB; one
  syllable of speech (French "un", 0.12 s) still moves by 1.2 dB or more. A gated harmonic beep
  keeps its strongest frequency in one bin in nearly every frame, which speech does for at most
  three quarters of a second of sound (a level tone in Hakka or Burmese).
The thresholds sit between the values measured on real speech (every voice and language of the
bundled espeak-ng, digits and short words at 0.75-1.5x, Piper at 0.5-2.0x, the Waves test server's
speech: 0 refused, see tests/test_speech_corpus.py and BENCHMARKS.md) and those of noise, tones,
sweeps, DTMF, beeps, buzz, clicks and random bytes (tests/test_speech.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from .dsp import FloatAudio, resample

SpeechKind = Literal["speech", "silence", "tone", "noise"]

RATE = 8000
_FRAME = 256  # 32 ms at 8 kHz
_HOP = 128
_BAND = (300.0, 3400.0)
# A frame sounds when it is within this range of the loudest frame, and above the floor.
_RANGE_DB = 40.0
_SILENCE_DBFS = -60.0
_MIN_FRAMES = 4  # 80 ms of sound
# Speech measured 1.24-15.7 dB (a one-syllable word is the least); a steady buzz 0.02 dB.
_LEVEL_SPREAD_DB = 0.5
# The 10th percentile of frame flatness: speech measured at most 0.085 (8,600 espeak-ng
# utterances in 130 voices; "six" at a slow pace; Russian "five" at 1.5x); white noise 0.49-0.52.
_FLATNESS = 0.3
# The median share of a frame's band energy away from its two strongest peaks (two bins either
# side): speech measured at least 0.0113; tones, sweeps and DTMF (also through mu-law) at most
# 0.00026.
_OFF_PEAKS = 0.002
_SAME_PEAK = 0.9  # at 1 s of sound or more: speech measured at most 0.73 of frames; beeps 0.99
# ...judged only on a second of sound or more: a slow level-toned syllable (Hakka "two", 0.6 s)
# holds its strongest harmonic in one bin in every frame.
_SAME_PEAK_FRAMES = 63


@dataclass(frozen=True)
class SpeechVerdict:
    """What a synthesis sounds like, with the measurements behind the verdict."""

    kind: SpeechKind
    detail: str

    @property
    def is_speech(self) -> bool:
        return self.kind == "speech"


def classify(samples: FloatAudio, rate: int) -> SpeechVerdict:
    """Speech, silence, a steady tone, or noise: the verdict on mono float samples in [-1, 1]."""
    x = samples if rate == RATE else resample(samples, rate, RATE)
    x64 = np.asarray(x, dtype=np.float64)
    if x64.size < _FRAME:
        return SpeechVerdict("silence", f"only {1000 * x64.size / RATE:.0f} ms of audio")
    window = np.hanning(_FRAME)
    frames = np.lib.stride_tricks.sliding_window_view(x64, _FRAME)[::_HOP] * window
    freqs = np.fft.rfftfreq(_FRAME, 1 / RATE)
    band = (freqs >= _BAND[0]) & (freqs <= _BAND[1])
    power = np.abs(np.fft.rfft(frames, axis=1))[:, band] ** 2 + 1e-30
    # Mean square of the band-limited frame (Parseval, one-sided spectrum, window power removed),
    # doubled so that a full-scale sine reads 0 dBFS.
    mean_square = 4.0 * power.sum(axis=1) / (_FRAME * float(np.sum(window**2)))
    level = 10.0 * np.log10(mean_square)
    top = float(level.max())
    if top < _SILENCE_DBFS:
        return SpeechVerdict("silence", f"loudest moment {_db(top)} in the telephone band")
    sounding = level > max(top - _RANGE_DB, _SILENCE_DBFS)
    count = int(sounding.sum())
    if count < _MIN_FRAMES:
        return SpeechVerdict("silence", f"only {count * _HOP * 1000 // RATE} ms of sound")
    spread = float(np.std(level[sounding]))
    flatness = float(np.percentile(_flatness(power[sounding]), 10))
    peaks = np.argmax(power[sounding], axis=1)
    same = _modal_share(peaks)
    off = float(np.median(_off_peaks_share(power[sounding], peaks)))
    measured = (
        f"level spread {spread:.1f} dB, flatness of the most harmonic frames {flatness:.2f}, "
        f"{100 * same:.0f}% of frames at one frequency, {100 * off:.2f}% of energy off the two "
        "strongest peaks"
    )
    if off < _OFF_PEAKS or (same >= _SAME_PEAK and count >= _SAME_PEAK_FRAMES):
        return SpeechVerdict("tone", f"a steady tone ({measured})")
    if flatness >= _FLATNESS or spread < _LEVEL_SPREAD_DB:
        return SpeechVerdict("noise", f"noise ({measured})")
    return SpeechVerdict("speech", measured)


def _flatness(power: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    geometric = np.exp(np.mean(np.log(power), axis=1))
    return np.asarray(geometric / np.mean(power, axis=1), dtype=np.float64)


def _modal_share(peaks: npt.NDArray[np.intp]) -> float:
    """The share of frames whose strongest bin is within one bin of the most common one."""
    mode = int(np.bincount(peaks).argmax())
    return float(np.mean(np.abs(peaks - mode) <= 1))


def _off_peaks_share(
    power: npt.NDArray[np.float64], peaks: npt.NDArray[np.intp]
) -> npt.NDArray[np.float64]:
    """Per frame, the share of its band energy more than two bins from its two strongest peaks."""
    bins = np.arange(power.shape[1])
    near = np.abs(bins[None, :] - peaks[:, None]) <= 2
    second = np.argmax(np.where(near, 0.0, power), axis=1)
    near |= np.abs(bins[None, :] - second[:, None]) <= 2
    return np.asarray((power * ~near).sum(axis=1) / power.sum(axis=1), dtype=np.float64)


def _db(value: float) -> str:
    return "silence" if not math.isfinite(value) or value < -200 else f"{value:.0f} dBFS"
