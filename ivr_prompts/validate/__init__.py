"""Validation of prompt files: pure checks, platform profiles, and the rules that apply.

The package re-exports its public names so `validate.check_audio(...)` reads as before.
"""

from __future__ import annotations

from .checks import CODEC_NAMES, Finding, check_audio
from .paths import Layout, Outcome, audio_files, require_audio, validate_all, validate_paths
from .profiles import PROFILES, Profile
from .rules import GENERIC_FORMATS, Rules, profile_rules

__all__ = [
    "CODEC_NAMES",
    "GENERIC_FORMATS",
    "PROFILES",
    "Finding",
    "Layout",
    "Outcome",
    "Profile",
    "Rules",
    "audio_files",
    "check_audio",
    "profile_rules",
    "require_audio",
    "validate_all",
    "validate_paths",
]
