"""Audio for 8 kHz telephone prompts: G.711 tables, DSP, and WAV/raw file I/O.

The package re-exports its public names so `audio.process(...)` reads as before; new code may
import the submodule that owns a name (g711, dsp, edges, limiter, chain, wavfile).
"""

from __future__ import annotations

from ..versions import PROCESSING_VERSION
from .chain import Processed, ProcessSettings, process, settings_key
from .dsp import (
    SILENCE_DB,
    FloatAudio,
    active_level_dbov,
    high_pass,
    mono,
    peak_dbfs,
    resample,
    rms_dbfs,
    to_float,
    to_pcm16,
)
from .edges import cut, edge_peaks_dbfs, find_speech, speech_bounds
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
from .limiter import level_to_target, limit
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
    "PROCESSING_VERSION",
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
    "cut",
    "decode",
    "edge_peaks_dbfs",
    "encode",
    "find_speech",
    "g711_decode",
    "g711_encode",
    "g711_wav_bytes",
    "high_pass",
    "level_to_target",
    "limit",
    "mono",
    "pcm16_wav_bytes",
    "peak_dbfs",
    "process",
    "raw_bytes",
    "read_audio",
    "resample",
    "rms_dbfs",
    "settings_key",
    "speech_bounds",
    "to_float",
    "to_pcm16",
    "ulaw_decode",
    "ulaw_encode",
]
