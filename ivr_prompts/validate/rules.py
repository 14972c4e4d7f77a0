"""Rules a prompt file must satisfy, and which apply: project settings over a platform profile."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ..config.settings import default
from ..kinds import FileCodec, ProfileName, Severity
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
WIDEBAND_RATE = 16000
GENERIC_WIDEBAND: dict[str, tuple[FileCodec, ...]] = {
    ".wav": ("pcm16",),
    ".wav16": ("pcm16",),
    ".sln16": ("pcm16",),
    ".g722": ("pcm16",),
}
# With no level target, a prompt a caller cannot hear is an error: P.56 puts nominal speech at
# -26 dBov, and 20 dB under it (-46 dBov) a prompt sinks toward the channel's own noise (G.712
# allows idle-channel noise near -65 dBm0p, about -68 dBov, before any loss plan attenuates the
# call further). More than 10 dB from nominal either way is unusual: a warning.
LEVEL_FLOOR_DBOV = -46.0
USUAL_LEVEL_DBOV = (-36.0, -16.0)


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
    @property
    def max_lead_silence_s(self) -> float: ...
    @property
    def max_trail_silence_s(self) -> float: ...


# Where a limit comes from when nobody set it: named in messages so the reader knows what to change.
DEFAULT_SOURCE = "the default"


@dataclass(frozen=True)
class Rules:
    """What a prompt file must satisfy; `formats` maps a lower-case extension to allowed codecs.

    Limits named `max_*` are errors beyond them, `warn_*` warnings; `sources` names where each
    limit was set (e.g. "[limits].max_seconds"), for the messages.
    """

    platform: str = "generic"
    formats: Mapping[str, tuple[FileCodec, ...]] = field(
        default_factory=lambda: dict(GENERIC_FORMATS)
    )
    # The formats of the platform's 16 kHz files (see `wideband`); empty: 8 kHz only.
    wide_formats: Mapping[str, tuple[FileCodec, ...]] = field(
        default_factory=lambda: dict(GENERIC_WIDEBAND)
    )
    # Extra text for a codec refused in an extension, keyed "<ext>:<codec>".
    format_notes: Mapping[str, str] = field(default_factory=dict)
    convert_hint: str = "sox IN -r 8000 -c 1 -e u-law OUT.wav"
    sample_rate: int = 8000
    channels: int = 1
    # The project's defaults, from their one declaration.
    min_seconds: float = default("limits", "min_seconds")
    max_seconds: float = default("limits", "max_seconds")
    level_dbov: float | None = default("audio", "level_dbov")
    # Off the target by more than this: a warning; by more than level_error_db: an error.
    level_tolerance_db: float = default("audio", "level_tolerance_db")
    level_error_db: float = 6.0
    # Without a target: below the floor is an error, outside the usual range a warning.
    level_floor_dbov: float = LEVEL_FLOOR_DBOV
    usual_level_dbov: tuple[float, float] = USUAL_LEVEL_DBOV
    peak_headroom_db: float = default("audio", "peak_headroom_db")
    # Sound is what lies within silence_margin_db of the speech level, and above this floor.
    silence_threshold_dbfs: float = default("audio", "silence_threshold_dbfs")
    silence_margin_db: float = 30.0
    warn_lead_silence_s: float = 0.5
    warn_trail_silence_s: float = 0.75
    max_lead_silence_s: float = default("limits", "max_lead_silence_s")
    max_trail_silence_s: float = default("limits", "max_trail_silence_s")
    # The first and last 20 ms must stay under this peak, or the prompt clicks where it joins.
    edge_limit_dbfs: float | None = -50.0
    edge_severity: Severity = "warning"
    max_file_bytes: int | None = None
    name_pattern: str | None = None
    name_rule: str = ""
    max_name_length: int | None = None
    chars_per_second: tuple[float, float] = (4.0, 30.0)
    sources: Mapping[str, str] = field(default_factory=dict)

    def signal_key(self) -> tuple[object, ...]:
        """The rules that judge the sound (not the container): equal keys need one check."""
        return (
            self.min_seconds,
            self.max_seconds,
            self.level_dbov,
            self.level_tolerance_db,
            self.level_error_db,
            self.level_floor_dbov,
            self.usual_level_dbov,
            self.peak_headroom_db,
            self.silence_threshold_dbfs,
            self.silence_margin_db,
            self.warn_lead_silence_s,
            self.warn_trail_silence_s,
            self.max_lead_silence_s,
            self.max_trail_silence_s,
            self.edge_limit_dbfs,
            self.edge_severity,
            self.chars_per_second,
            tuple(sorted(self.sources.items())),
        )

    def source(self, limit: str) -> str:
        """Where the limit named `limit` (a field name) was set."""
        return self.sources.get(limit, DEFAULT_SOURCE)

    @classmethod
    def from_settings(cls, audio: LevelSettings, limits: DurationSettings) -> Rules:
        """The rules of a build: the project's [audio] and [limits]; what the chain promises
        (level within tolerance, quiet edges) is an error when missed."""
        return cls(
            min_seconds=limits.min_seconds,
            max_seconds=limits.max_seconds,
            level_dbov=audio.level_dbov,
            level_tolerance_db=audio.level_tolerance_db,
            level_error_db=audio.level_tolerance_db,
            peak_headroom_db=audio.peak_headroom_db,
            silence_threshold_dbfs=audio.silence_threshold_dbfs,
            warn_lead_silence_s=max(0.5, audio.lead_pad_ms / 1000.0 + 0.25),
            warn_trail_silence_s=max(0.75, audio.trail_pad_ms / 1000.0 + 0.25),
            max_lead_silence_s=limits.max_lead_silence_s,
            max_trail_silence_s=limits.max_trail_silence_s,
            edge_severity="error",
            sources={
                "min_seconds": "[limits].min_seconds",
                "max_seconds": "[limits].max_seconds",
                "level_dbov": "[audio].level_dbov",
                "level_tolerance_db": "[audio].level_tolerance_db",
                "level_error_db": "[audio].level_tolerance_db",
                "peak_headroom_db": "[audio].peak_headroom_db",
                "silence_threshold_dbfs": "[audio].silence_threshold_dbfs",
                "warn_lead_silence_s": "[audio].lead_pad_ms + 0.25 s",
                "warn_trail_silence_s": "[audio].trail_pad_ms + 0.25 s",
                "max_lead_silence_s": "[limits].max_lead_silence_s",
                "max_trail_silence_s": "[limits].max_trail_silence_s",
            },
        )


def prompt_rules(
    base: Rules, index: int, min_seconds: float | None, max_seconds: float | None
) -> Rules:
    """`base` with one prompt's own duration bounds (prompts[index].min_seconds/max_seconds)."""
    sources = dict(base.sources)
    if min_seconds is not None:
        sources["min_seconds"] = f"prompts[{index}].min_seconds"
    if max_seconds is not None:
        sources["max_seconds"] = f"prompts[{index}].max_seconds"
    return dataclasses.replace(
        base,
        min_seconds=min_seconds if min_seconds is not None else base.min_seconds,
        max_seconds=max_seconds if max_seconds is not None else base.max_seconds,
        sources=sources,
    )


def profile_rules(name: ProfileName, base: Rules) -> Rules:
    """`base` with the platform's formats, limits and name rules applied."""
    profile = PROFILES.get(name)
    if profile is None:
        raise ValueError(f"unknown profile {name!r}")
    sources = dict(base.sources)
    max_seconds = base.max_seconds
    if profile.max_seconds is not None and profile.max_seconds < base.max_seconds:
        max_seconds = profile.max_seconds
        sources["max_seconds"] = f"the {name} profile"
    return dataclasses.replace(
        base,
        platform=name,
        formats=dict(profile.formats),
        format_notes=dict(profile.format_notes),
        wide_formats=dict(profile.wideband),
        convert_hint=profile.convert_hint,
        sample_rate=profile.sample_rate if profile.sample_rate is not None else base.sample_rate,
        channels=profile.channels if profile.channels is not None else base.channels,
        max_seconds=max_seconds,
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
        sources=sources,
    )


def at_rate(rules: Rules, rate: int) -> Rules:
    """`rules` for a file that must be at `rate` (a 16 kHz file, a FreeSWITCH rate folder).

    At the wideband rate a platform that plays 16 kHz files gets its 16 kHz formats; one that
    does not keeps its own, so its format and rate checks say what it plays instead.
    """
    if rate == rules.sample_rate or not rules.wide_formats:
        return rules
    if rate != WIDEBAND_RATE:
        platform = f"{rules.platform} ({rate} Hz)"
        return dataclasses.replace(rules, sample_rate=rate, platform=platform)
    return dataclasses.replace(
        rules,
        platform=f"{rules.platform} (16 kHz)",
        formats=dict(rules.wide_formats),
        format_notes={},
        convert_hint=f"sox IN -r {WIDEBAND_RATE} -c 1 -e signed -b 16 OUT.wav",
        sample_rate=WIDEBAND_RATE,
    )
