"""HD (wideband) prompts for G.722 and 16 kHz calls: made from the synthesis, not the 8 kHz file.

With `[publish] hd = true`: Asterisk gets `.sln16` (raw 16-bit 16 kHz), `.wav16` (16-bit PCM WAV
at 16 kHz) and `.g722` (G.722 at 64 kbit/s, through the `G722` package, libg722) beside the G.711
files, and FreeSWITCH gets the `16000/` rate folder beside `8000/`. The 16 kHz audio is processed
like the 8 kHz one (high-pass, P.56 level, trim), with a wideband high-pass corner (50 Hz, see
HD_HIGHPASS_HZ), and cached under its own key.
"""

from __future__ import annotations

import dataclasses
import io
import wave
from pathlib import Path
from typing import Any

import numpy as np

from .. import audio, cache
from ..config import AudioSettings
from ..errors import AudioError
from ..kinds import FileFormat
from ..validate import Rules

HD_RATE = 16000
HD_FORMATS: frozenset[FileFormat] = frozenset({"sln16", "pcm16-wav16", "g722"})
# Bump when process_hd changes what it makes from the same synthesis.
HD_VERSION = 3  # 3: its own 50 Hz high-pass (was the telephone band's [audio].highpass_hz)
# The HD render's high-pass corner. [audio].highpass_hz (250 Hz by default) is a telephone-band
# choice: a narrowband call (G.712, 300-3400 Hz) drops everything under 300 Hz anyway, so cutting
# there first lets the level be measured on what a caller hears. A wideband call carries
# 50-7000 Hz (ITU-T G.722 codes "audio signals with a bandwidth of 50 to 7000 Hz"; the P.341
# send mask of a wideband terminal starts at 100 Hz), and a wideband voice keeps about 12% of its
# energy at 150-250 Hz, which a 250 Hz corner cuts by 8-18 dB. So the HD render removes only what
# no wideband channel carries: under 50 Hz (DC offset, rumble). A lower project corner wins.
HD_HIGHPASS_HZ = 50.0
_G722_BITRATE = 64000

ASTERISK_HD: tuple[tuple[str, FileFormat], ...] = (
    ("sln16", "sln16"),
    ("wav16", "pcm16-wav16"),
    ("g722", "g722"),
)
# Published beside the HD files: the 8 kHz render as raw 16-bit (`.sln`). Asterisk picks, per
# channel, the file with the cheapest translation path; with only G.711 and 16 kHz files an 8 kHz
# linear channel gets the 16 kHz file resampled by Asterisk (its cost table ranks a resample
# under a G.711 decode), 23-53 dB SNR from the 8 kHz render. A `.sln` costs nothing to play on
# it, so it wins there; G.711 and 16 kHz channels keep their own files (measured on Asterisk 22,
# see docs/hd.md and tests/test_pbx_asterisk.py).
ASTERISK_HD_NARROW: tuple[tuple[str, FileFormat], ...] = (("sln", "sln"),)


def asterisk_hd_files(base: str) -> list[tuple[str, FileFormat]]:
    """The files `publish.hd` adds beside an Asterisk prompt `base` (path without extension)."""
    return [(f"{base}.{ext}", fmt) for ext, fmt in (*ASTERISK_HD_NARROW, *ASTERISK_HD)]


def hd_key(audio_key: str) -> str:
    """The cache key of a pair's 16 kHz audio, derived from its 8 kHz audio key."""
    return cache.make_key({"hd_of": audio_key, "rate": HD_RATE, "hd": HD_VERSION})


def process_hd(synth: cache.AudioEntry, settings: AudioSettings) -> cache.AudioEntry:
    """The synthesis as a 16 kHz prompt, processed as the 8 kHz one is."""
    if synth.sample_rate < HD_RATE:  # upsampling would only pretend to be wideband
        raise AudioError(
            f"publish.hd needs a synthesis at {HD_RATE} Hz or more, the engine gave "
            f"{synth.sample_rate} Hz (Waves: set waves.sample_rate = 24000)"
        )
    wide = dataclasses.replace(settings, highpass_hz=min(settings.highpass_hz, HD_HIGHPASS_HZ))
    done = audio.process(audio.to_float(synth.samples), synth.sample_rate, wide, HD_RATE)
    return cache.AudioEntry(done.pcm, HD_RATE, {"rate": HD_RATE})


def g722_encode(pcm: audio.Int16Audio) -> bytes:
    """G.722 at 64 kbit/s (one byte per two 16 kHz samples)."""
    import G722

    data = np.ascontiguousarray(pcm, dtype=np.int16)
    if data.size % 2:  # G.722 codes sample pairs: pad with silence rather than drop the last
        data = np.concatenate([data, np.zeros(1, np.int16)])
    encoder = G722.G722(HD_RATE, _G722_BITRATE)
    return bytes(encoder.encode(data))


def g722_decode(data: bytes) -> audio.Int16Audio:
    import G722

    decoded = G722.G722(HD_RATE, _G722_BITRATE).decode(data)
    return np.asarray(decoded, dtype=np.int16)


def encode(pcm: audio.Int16Audio, fmt: FileFormat) -> bytes:
    """The bytes of one HD file from 16 kHz samples (`sln`: from 8 kHz samples)."""
    if fmt in ("sln16", "sln"):
        return np.ascontiguousarray(pcm, dtype="<i2").tobytes()
    if fmt == "pcm16-wav16":
        return audio.pcm16_wav_bytes(pcm, HD_RATE)
    if fmt == "g722":
        return g722_encode(pcm)
    raise ValueError(f"not an HD format: {fmt}")


def read_file(path: Path, fmt: FileFormat) -> audio.AudioFile:
    """Decode one published HD file for validation."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AudioError(f"{path}: unreadable ({exc.strerror})") from exc
    common: dict[str, Any] = {"path": path, "channels": 1, "bits": 16, "file_size": len(data)}
    if fmt == "sln16":
        findings = [] if len(data) % 2 == 0 else ["odd byte count for 16-bit samples"]
        samples = np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.int16)
        return audio.AudioFile(
            container="raw",
            codec="pcm16",
            sample_rate=HD_RATE,
            samples=samples,
            header_findings=findings,
            detail="raw pcm16 16000 Hz mono",
            **common,
        )
    if fmt == "g722":
        return audio.AudioFile(
            container="raw",
            codec="pcm16",
            sample_rate=HD_RATE,
            samples=g722_decode(data),
            detail="G.722 64 kbit/s, decoded to 16000 Hz",
            **common,
        )
    try:
        with wave.open(io.BytesIO(data)) as wav:
            rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise AudioError(f"{path}: not a PCM WAV file ({exc})") from exc
    pcm = np.frombuffer(frames, dtype="<i2")[::channels] if width == 2 else np.zeros(0, "<i2")
    common.update(channels=channels, bits=width * 8)
    return audio.AudioFile(
        container="wav",
        codec="pcm16" if width == 2 else "other",
        sample_rate=rate,
        samples=pcm.astype(np.int16),
        format_tag=1,
        detail=f"PCM WAV {rate} Hz {channels} ch",
        **common,
    )


def hd_rules(rules: Rules) -> Rules:
    """A target's rules for its HD files: 16-bit PCM (or G.722) at 16 kHz."""
    return dataclasses.replace(
        rules,
        platform=f"{rules.platform} (HD)",
        formats={ext: ("pcm16",) for ext in (".sln16", ".wav16", ".g722", ".wav")},
        format_notes={},
        convert_hint="sox IN -r 16000 -c 1 -e signed -b 16 OUT.wav",
        sample_rate=HD_RATE,
    )
