"""Rules a prompt file must satisfy, and which apply: project settings over a platform profile."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ..kinds import FileCodec, ProfileName
from .profiles import PROFILES

GENERIC_FORMATS: dict[str, tuple[FileCodec, ...]] = {
    ".wav": ("pcm16", "ulaw", "alaw"),
    ".ulaw": ("ulaw",),
    ".ul": ("ulaw",),
    ".pcmu": ("ulaw",),
    ".alaw": ("alaw",),
    ".al": ("alaw",),
    ".pcma": ("alaw",),
    ".sln": ("pcm16",),
    ".raw": ("pcm16",),
}


class LevelSettings(Protocol):
    """The [audio] settings the rules take (config.AudioSettings fits)."""

    @property
    def level_dbov(self) -> float: ...
    @property
    def level_tolerance_db(self) -> float: ...
    @property
    def peak_headroom_db(self) -> float: ...
    @property
    def silence_threshold_dbfs(self) -> float: ...
    @property
    def lead_pad_ms(self) -> int: ...
    @property
    def trail_pad_ms(self) -> int: ...


class DurationSettings(Protocol):
    """The [limits] settings the rules take (config.LimitSettings fits)."""

    @property
    def min_seconds(self) -> float: ...
    @property
    def max_seconds(self) -> float: ...


@dataclass(frozen=True)
class Rules:
    """What a prompt file must satisfy; `formats` maps a lower-case extension to allowed codecs."""

    platform: str = "generic"
    formats: Mapping[str, tuple[FileCodec, ...]] = field(
        default_factory=lambda: dict(GENERIC_FORMATS)
    )
    # Extra text for a codec refused in an extension, keyed "<ext>:<codec>".
    format_notes: Mapping[str, str] = field(default_factory=dict)
    convert_hint: str = "sox IN -r 8000 -c 1 -e u-law OUT.wav"
    sample_rate: int = 8000
    channels: int = 1
    min_seconds: float = 0.2
    max_seconds: float = 60.0
    level_dbov: float | None = -26.0
    level_tolerance_db: float = 2.0
    peak_headroom_db: float = 1.0
    silence_threshold_dbfs: float = -45.0
    max_lead_silence_s: float = 0.5
    max_trail_silence_s: float = 0.75
    max_file_bytes: int | None = None
    name_pattern: str | None = None
    name_rule: str = ""
    max_name_length: int | None = None
    chars_per_second: tuple[float, float] = (4.0, 30.0)

    @classmethod
    def from_settings(cls, audio: LevelSettings, limits: DurationSettings) -> Rules:
        """Generic rules matching a project's [audio] and [limits] settings."""
        return cls(
            min_seconds=limits.min_seconds,
            max_seconds=limits.max_seconds,
            level_dbov=audio.level_dbov,
            level_tolerance_db=audio.level_tolerance_db,
            peak_headroom_db=audio.peak_headroom_db,
            silence_threshold_dbfs=audio.silence_threshold_dbfs,
            max_trail_silence_s=max(0.75, audio.trail_pad_ms / 1000.0 + 0.25),
            max_lead_silence_s=max(0.5, audio.lead_pad_ms / 1000.0 + 0.25),
        )


def profile_rules(name: ProfileName, base: Rules) -> Rules:
    """`base` with the platform's formats, limits and name rules applied."""
    profile = PROFILES.get(name)
    if profile is None:
        raise ValueError(f"unknown profile {name!r}")
    return dataclasses.replace(
        base,
        platform=name,
        formats=dict(profile.formats),
        format_notes=dict(profile.format_notes),
        convert_hint=profile.convert_hint,
        sample_rate=profile.sample_rate if profile.sample_rate is not None else base.sample_rate,
        channels=profile.channels if profile.channels is not None else base.channels,
        max_seconds=(
            min(base.max_seconds, profile.max_seconds)
            if profile.max_seconds is not None
            else base.max_seconds
        ),
        max_file_bytes=(
            profile.max_file_bytes if profile.max_file_bytes is not None else base.max_file_bytes
        ),
        max_name_length=(
            profile.max_name_length if profile.max_name_length is not None else base.max_name_length
        ),
        name_pattern=profile.name_pattern
        if profile.name_pattern is not None
        else base.name_pattern,
        name_rule=profile.name_rule or base.name_rule,
    )
