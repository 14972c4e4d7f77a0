"""The `espeak` engine's door: espeak-ng voices per locale, its identity, and how to make it."""

from __future__ import annotations

from collections.abc import Sequence

from ..config import Config, LocaleConfig, PromptConfig
from . import local
from .base import Engine
from .door import DoorDefaults
from .findings import Finding


class EspeakDoor(DoorDefaults):
    name = "espeak"
    limit_of = "one espeak request"

    def voice(self, config: Config, locale: LocaleConfig, prompt: PromptConfig) -> str:
        return locale.espeak_voice or local.default_voice(locale.code, locale.language)

    def identity(self, config: Config, voice: str, model: str) -> dict[str, str]:
        return local.espeak_identity(voice)

    def language_findings(self, config: Config, codes: Sequence[str]) -> list[Finding]:
        """An error for a voice the bundled espeak-ng lacks, a warning for one that does not
        speak the locale's language or accent (names as `espeak-ng --voices` lists them)."""
        found: list[Finding] = []
        if not local.espeak_voice_table():
            return found  # no espeak-ng data to judge by: the build says what is missing
        for code in codes:
            locale = config.locales[code]
            voice = locale.espeak_voice or local.default_voice(code, locale.language)
            said = local.espeak_voice_problem(code, locale.language, voice)
            if said is not None:
                field = "espeak_voice" if locale.espeak_voice else "language"
                found.append(Finding(said[0], said[1], code, field))
        return found

    def create(self, config: Config) -> Engine:
        from .workers import local_engine  # in this process or pooled, as [synth] workers says

        return local_engine("espeak", config)


DOOR = EspeakDoor()
