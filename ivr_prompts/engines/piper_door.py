"""The `piper` engine's door: Piper voices per locale, its identity, and how to make it."""

from __future__ import annotations

from collections.abc import Sequence

from ..config import Config, LocaleConfig, PromptConfig
from ..errors import EngineUnavailable
from . import local
from .base import Engine
from .door import DoorDefaults
from .findings import Finding


class PiperDoor(DoorDefaults):
    name = "piper"
    limit_of = "one piper request"

    def voice(self, config: Config, locale: LocaleConfig, prompt: PromptConfig) -> str:
        found = local.find_voice(locale.piper_voice, locale.language, locale.code)
        if found is None:
            raise EngineUnavailable(
                f"no Piper voice for locale {locale.code} ({locale.language}); "
                f'{local.INSTALL_HINT}, set piper_voice, or use engine = "espeak"'
            )
        return locale.piper_voice or found.name

    def identity(self, config: Config, voice: str, model: str) -> dict[str, str]:
        return local.piper_identity(voice, config.audio.sentence_pause_ms)

    def speaks(self, locale: LocaleConfig) -> bool:
        """Whether an installed (or named) Piper voice speaks the locale."""
        return local.piper_available() and (
            local.find_voice(locale.piper_voice, locale.language, locale.code) is not None
        )

    def language_findings(self, config: Config, codes: Sequence[str]) -> list[Finding]:
        """An error where no installed voice speaks the language, a warning where the voice
        misses the locale's accent (en-GB on an en_US voice)."""
        found: list[Finding] = []
        for code in codes:
            locale = config.locales[code]
            piper = local.find_voice(locale.piper_voice, locale.language, code)
            if piper is None:
                have = sorted({v.language for v in local.installed_voices()}) or ["none"]
                message = (
                    f"locale {code}: no installed Piper voice speaks language "
                    f"{locale.language!r} (installed: {', '.join(have)}); set piper_voice to "
                    'an .onnx voice for it, or use engine = "espeak"'
                )
                found.append(Finding("error", message, code, "language"))
            elif (warning := local.piper_voice_warning(code, piper)) is not None:
                found.append(Finding("warning", warning, code, "language"))
        return found

    def create(self, config: Config) -> Engine:
        from .workers import local_engine  # in this process or pooled, as [synth] workers says

        return local_engine("piper", config)


DOOR = PiperDoor()
