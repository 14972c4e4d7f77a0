"""Target platform profiles: what each platform demands of a prompt file, as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..kinds import FileCodec, ProfileName

_MB = 1_000_000
_ULAW_WAV = "sox IN -r 8000 -c 1 -e u-law OUT.wav"
_G711_WAV = "sox IN -r 8000 -c 1 -e u-law OUT.wav (or -e a-law)"


@dataclass(frozen=True)
class Profile:
    """One platform's demands; None keeps the project's own rule."""

    formats: Mapping[str, tuple[FileCodec, ...]]
    convert_hint: str
    format_notes: Mapping[str, str] = field(default_factory=dict)
    # The 16 kHz (wideband) files the platform plays; none: it plays 8 kHz only.
    wideband: Mapping[str, tuple[FileCodec, ...]] = field(default_factory=dict)
    sample_rate: int | None = None
    channels: int | None = None
    # A cap: the stricter of this and the project's [limits].max_seconds applies.
    max_seconds: float | None = None
    max_file_bytes: int | None = None
    max_name_length: int | None = None
    name_pattern: str | None = None
    name_rule: str = ""


PROFILES: Mapping[ProfileName, Profile] = {
    "asterisk": Profile(
        formats={
            ".ulaw": ("ulaw",),
            ".ul": ("ulaw",),
            ".alaw": ("alaw",),
            ".al": ("alaw",),
            ".sln": ("pcm16",),
            ".wav": ("pcm16",),
        },
        format_notes={
            f".wav:{codec}": "Asterisk refuses it: "
            f'"Not a supported wav file format ({tag})"; ship raw .{ext} instead'
            for codec, tag, ext in (("ulaw", 7, "ulaw"), ("alaw", 6, "alaw"))
        },
        # format_sln and format_wav: .sln16 raw, .wav16 PCM WAV; codec_g722: .g722.
        wideband={".sln16": ("pcm16",), ".wav16": ("pcm16",), ".g722": ("pcm16",)},
        convert_hint="sox IN -r 8000 -c 1 -t ul OUT.ulaw, or -e signed -b 16 OUT.wav",
        sample_rate=8000,
        channels=1,
        # Playback() splits its argument on '&' and ','; spaces break dialplan quoting.
        name_pattern=r"[^\s&,|;]+",
        name_rule="no spaces, '&', ',', '|' or ';'",
    ),
    "freeswitch": Profile(
        formats={
            ".wav": ("pcm16", "ulaw", "alaw"),
            ".ulaw": ("ulaw",),
            ".pcmu": ("ulaw",),
            ".alaw": ("alaw",),
            ".pcma": ("alaw",),
        },
        # mod_sndfile reads <category>/16000/<name>.wav on a 16 kHz call.
        wideband={".wav": ("pcm16",)},
        convert_hint="sox IN -r 8000 -c 1 -e signed -b 16 OUT.wav",
        sample_rate=8000,
        channels=1,
    ),
    "amazon-connect": Profile(
        formats={".wav": ("ulaw",)},
        convert_hint=_ULAW_WAV,
        sample_rate=8000,
        channels=1,
        max_seconds=300.0,
        max_file_bytes=50 * _MB,
    ),
    "genesys": Profile(
        formats={".wav": ("pcm16", "ulaw", "alaw")},
        convert_hint=_ULAW_WAV,
        max_file_bytes=25 * _MB,
        max_name_length=200,
        name_pattern=r"[A-Za-z][A-Za-z0-9_]*",
        name_rule="letters, digits and '_', starting with a letter",
    ),
    "cisco-uccx": Profile(
        formats={".wav": ("ulaw", "alaw")},
        convert_hint=_G711_WAV,
        sample_rate=8000,
        channels=1,
    ),
    "avaya": Profile(
        formats={".wav": ("ulaw", "alaw")},
        convert_hint=_G711_WAV,
        sample_rate=8000,
        channels=1,
        max_file_bytes=10 * _MB,
        max_name_length=27,
    ),
}
