"""Generated test signals and real speech from espeak-ng, shared by the audio and validate tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile

FloatAudio = npt.NDArray[np.float32]

SPEECH_TEXT = "Thank you for calling. Please listen carefully, as our menu options have changed."


def tone(
    freq: float, seconds: float, rate: int = 8000, dbov: float = -20.0, phase: float = 0.0
) -> FloatAudio:
    """A sine whose RMS is `dbov` dB re full scale."""
    t = np.arange(round(seconds * rate), dtype=np.float64) / rate
    amp = np.sqrt(2.0) * 10.0 ** (dbov / 20.0)
    wave: npt.NDArray[np.float64] = amp * np.sin(2.0 * np.pi * freq * t + phase)
    return wave.astype(np.float32)


def silence(seconds: float, rate: int = 8000) -> FloatAudio:
    """Digital silence."""
    return np.zeros(round(seconds * rate), dtype=np.float32)


def noise(seconds: float, rate: int = 8000, dbfs: float = -30.0, seed: int = 1) -> FloatAudio:
    """Gaussian white noise at an RMS of `dbfs`."""
    rng = np.random.default_rng(seed)
    x: npt.NDArray[np.float64] = rng.standard_normal(round(seconds * rate)) * 10.0 ** (dbfs / 20.0)
    return x.astype(np.float32)


def db_of(x: npt.NDArray[np.floating]) -> float:
    """RMS in dB re full scale."""
    return float(10.0 * np.log10(np.mean(np.square(x, dtype=np.float64))))


def espeak_speech(folder: Path, text: str = SPEECH_TEXT) -> tuple[FloatAudio, int]:
    """Real speech: espeak-ng's rendering of `text` as float32 samples and their rate."""
    out = folder / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(out), text], check=True)
    data, rate = soundfile.read(str(out), dtype="float32")
    return np.ascontiguousarray(data, dtype=np.float32), int(rate)


def faded(x: FloatAudio, rate: int = 8000, ms: float = 30.0) -> FloatAudio:
    """`x` with linear fades and 50 ms of silence at both ends, so its edges do not click."""
    n = min(round(rate * ms / 1000.0), x.size // 2)
    ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
    y = x.copy()
    y[:n] *= ramp
    y[x.size - n :] *= ramp[::-1]
    pad = np.zeros(round(rate * 0.05), dtype=np.float32)
    return np.concatenate((pad, y, pad))


def espeak_word(folder: Path, text: str, voice: str = "en-us") -> tuple[FloatAudio, int]:
    """espeak-ng's rendering of `text` in `voice` (for words starting with /s/ or /f/)."""
    out = folder / f"{abs(hash((text, voice)))}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(out), text], check=True)
    data, rate = soundfile.read(str(out), dtype="float32")
    return np.ascontiguousarray(data, dtype=np.float32), int(rate)
