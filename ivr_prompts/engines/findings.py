"""What an engine says about speaking a project's locales, before anything is synthesized."""

from __future__ import annotations

from dataclasses import dataclass

from ..kinds import Severity


@dataclass(frozen=True)
class Finding:
    """One finding about a locale's voice or language; `locale` is empty for one about the
    engine's own data (the Waves voice catalog's age)."""

    severity: Severity
    message: str
    locale: str = ""
    field: str = "voice"  # the locale's key it is about
