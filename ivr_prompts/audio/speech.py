"""Is this synthesis speech? Tell speech from silence, steady tones and noise before it is cached.

An engine can answer with audio that is not speech: a server returning random bytes as PCM (white
noise), a test tone, or silence. Each of those passes every container and level check, so it is
caught here, on three properties of speech that none of them has, measured in the telephone band
(300-3400 Hz) on 32 ms frames:

- its level moves: syllables, pauses and stops make the frame level vary by 6-15 dB (standard
  deviation over the sounding frames); steady noise and tones vary by 1-2 dB;
- it has voiced frames, whose harmonic spectrum is peaky: the flatness (geometric over arithmetic
  mean of the power spectrum) of its most harmonic tenth of frames stays under about 0.12 even in a
  word made mostly of fricatives ("six"); every frame of white noise sits near 0.5 (the expected
  flatness of a chi-square spectrum);
- its energy spreads over many harmonics whose strongest one wanders with pitch and formants; a
  tone (or a DTMF pair) keeps its strongest frequency in one bin in nearly every frame (judged on
  half a second of sound or more), and a tone
  (steady or swept) holds nearly all of a frame's energy within two bins of that frequency.
The thresholds sit between the values measured on real speech (Piper and espeak-ng, English and
Spanish, 0.3-20 s) and those of noise, tones, beeps and random bytes; see tests/test_speech.py.
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
_LEVEL_SPREAD_DB = 3.0  # speech measured 5.8-14.5 dB; noise and tones 0-1.1 dB
# A lone vowel (Asterisk's letters/a, letters/e, letters/o on espeak-ng) is steadier, 1.9-2.9 dB,
# but its frames are harmonic (10th-percentile flatness 0.00-0.01): for such sound the floor is
# lower, still above every steady noise and tone measured.
_VOWEL_SPREAD_DB = 1.5
_VOWEL_FLATNESS = 0.05
# The 10th percentile of frame flatness: speech measured at most 0.12 (Piper and espeak-ng, 246
# prompts, "six" at a slow pace included; its median reached 0.39); white noise 0.50-0.52.
_FLATNESS = 0.3
_SAME_PEAK = 0.9  # speech measured at most 0.7 of frames in its modal bin; tones 1.0
# ...judged only on 0.5 s of sound or more: one short syllable can hold its strongest harmonic.
_SAME_PEAK_FRAMES = 31
_PURE = 0.9  # share of energy within two bins of the peak: speech 0.34-0.66, a sweep 0.999


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
    pure = float(np.median(_near_peak_share(power[sounding], peaks)))
    measured = (
        f"level spread {spread:.1f} dB, flatness of the most harmonic frames {flatness:.2f}, "
        f"{100 * same:.0f}% of frames at one frequency, {100 * pure:.0f}% of energy at the peak"
    )
    if (same >= _SAME_PEAK and count >= _SAME_PEAK_FRAMES) or pure >= _PURE:
        return SpeechVerdict("tone", f"a steady tone ({measured})")
    floor = _VOWEL_SPREAD_DB if flatness < _VOWEL_FLATNESS else _LEVEL_SPREAD_DB
    if flatness >= _FLATNESS or spread < floor:
        return SpeechVerdict("noise", f"noise ({measured})")
    return SpeechVerdict("speech", measured)


def _flatness(power: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    geometric = np.exp(np.mean(np.log(power), axis=1))
    return np.asarray(geometric / np.mean(power, axis=1), dtype=np.float64)


def _modal_share(peaks: npt.NDArray[np.intp]) -> float:
    """The share of frames whose strongest bin is within one bin of the most common one."""
    mode = int(np.bincount(peaks).argmax())
    return float(np.mean(np.abs(peaks - mode) <= 1))


def _near_peak_share(
    power: npt.NDArray[np.float64], peaks: npt.NDArray[np.intp]
) -> npt.NDArray[np.float64]:
    """Per frame, the share of its band energy within two bins of its strongest bin."""
    bins = np.arange(power.shape[1])
    near = np.abs(bins[None, :] - peaks[:, None]) <= 2
    return np.asarray((power * near).sum(axis=1) / power.sum(axis=1), dtype=np.float64)


def _db(value: float) -> str:
    return "silence" if not math.isfinite(value) or value < -200 else f"{value:.0f} dBFS"
