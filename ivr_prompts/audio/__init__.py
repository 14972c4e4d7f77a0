"""Audio for 8 kHz telephone prompts: G.711 tables, DSP, and WAV/raw file I/O.

The package re-exports its public names so `audio.process(...)` reads as before; new code may
import the submodule that owns a name (g711, dsp, wavfile).
"""

from __future__ import annotations

from .dsp import (
    SILENCE_DB,
    FloatAudio,
    Processed,
    ProcessSettings,
    active_level_dbov,
    high_pass,
    normalize,
    peak_dbfs,
    process,
    resample,
    rms_dbfs,
    speech_bounds,
    to_float,
    to_pcm16,
    trim,
)
from .g711 import (
    RATE,
    Codes,
    Int16Audio,
    alaw_decode,
    alaw_encode,
    decode,
    encode,
    g711_decode,
    g711_encode,
    ulaw_decode,
    ulaw_encode,
)
from .wavfile import (
    AUDIO_EXTENSIONS,
    FFMPEG_EXTENSIONS,
    RAW_EXTENSIONS,
    AudioFile,
    g711_wav_bytes,
    pcm16_wav_bytes,
    raw_bytes,
    read_audio,
)

__all__ = [
    "AUDIO_EXTENSIONS",
    "FFMPEG_EXTENSIONS",
    "RATE",
    "RAW_EXTENSIONS",
    "SILENCE_DB",
    "AudioFile",
    "Codes",
    "FloatAudio",
    "Int16Audio",
    "ProcessSettings",
    "Processed",
    "active_level_dbov",
    "alaw_decode",
    "alaw_encode",
    "decode",
    "encode",
    "g711_decode",
    "g711_encode",
    "g711_wav_bytes",
    "high_pass",
    "normalize",
    "pcm16_wav_bytes",
    "peak_dbfs",
    "process",
    "raw_bytes",
    "read_audio",
    "resample",
    "rms_dbfs",
    "speech_bounds",
    "to_float",
    "to_pcm16",
    "trim",
    "ulaw_decode",
    "ulaw_encode",
]
