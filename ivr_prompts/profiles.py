"""Target platform profiles: the rules each platform puts on a prompt file."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from .kinds import ProfileName

if TYPE_CHECKING:
    # Rules lives in validate, which imports this module for the names.
    from .validate import Rules


_MB = 1_000_000
_ULAW_WAV = "sox IN -r 8000 -c 1 -e u-law OUT.wav"
_G711_WAV = "sox IN -r 8000 -c 1 -e u-law OUT.wav (or -e a-law)"


def profile_rules(name: ProfileName, base: Rules) -> Rules:
    """`base` with the platform's formats, limits and name rules applied."""
    if name == "asterisk":
        return dataclasses.replace(
            base,
            platform="asterisk",
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
            convert_hint="sox IN -r 8000 -c 1 -t ul OUT.ulaw, or -e signed -b 16 OUT.wav",
            sample_rate=8000,
            channels=1,
            # Playback() splits its argument on '&' and ','; spaces break dialplan quoting.
            name_pattern=r"[^\s&,|;]+",
            name_rule="no spaces, '&', ',', '|' or ';'",
        )
    if name == "freeswitch":
        return dataclasses.replace(
            base,
            platform="freeswitch",
            formats={
                ".wav": ("pcm16", "ulaw", "alaw"),
                ".ulaw": ("ulaw",),
                ".pcmu": ("ulaw",),
                ".alaw": ("alaw",),
                ".pcma": ("alaw",),
            },
            convert_hint="sox IN -r 8000 -c 1 -e signed -b 16 OUT.wav",
            sample_rate=8000,
            channels=1,
        )
    if name == "amazon-connect":
        return dataclasses.replace(
            base,
            platform="amazon-connect",
            formats={".wav": ("ulaw",)},
            convert_hint=_ULAW_WAV,
            sample_rate=8000,
            channels=1,
            max_seconds=min(base.max_seconds, 300.0),
            max_file_bytes=50 * _MB,
        )
    if name == "genesys":
        return dataclasses.replace(
            base,
            platform="genesys",
            formats={".wav": ("pcm16", "ulaw", "alaw")},
            convert_hint=_ULAW_WAV,
            max_file_bytes=25 * _MB,
            max_name_length=200,
            name_pattern=r"[A-Za-z][A-Za-z0-9_]*",
            name_rule="letters, digits and '_', starting with a letter",
        )
    if name == "cisco-uccx":
        return dataclasses.replace(
            base,
            platform="cisco-uccx",
            formats={".wav": ("ulaw", "alaw")},
            convert_hint=_G711_WAV,
            sample_rate=8000,
            channels=1,
        )
    if name == "avaya":
        return dataclasses.replace(
            base,
            platform="avaya",
            formats={".wav": ("ulaw", "alaw")},
            convert_hint=_G711_WAV,
            sample_rate=8000,
            channels=1,
            max_file_bytes=10 * _MB,
            max_name_length=27,
        )
    raise ValueError(f"unknown profile {name!r}")
