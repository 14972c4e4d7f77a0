"""The `piper` engine's door: Piper voices per locale, its identity, and how to make it."""

from __future__ import annotations

from ..config import Config, LocaleConfig, PromptConfig
from ..errors import EngineUnavailable
from . import local
from .base import Engine
from .door import DoorDefaults


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

    def language_problem(self, config: Config, locale: LocaleConfig) -> tuple[str, str] | None:
        if local.find_voice(locale.piper_voice, locale.language, locale.code) is not None:
            return None
        have = sorted({v.language for v in local.installed_voices()}) or ["none"]
        return "language", (
            f"locale {locale.code}: no installed Piper voice speaks language "
            f"{locale.language!r} (installed: {', '.join(have)}); set piper_voice to "
            'an .onnx voice for it, or use engine = "espeak"'
        )

    def create(self, config: Config) -> Engine:
        from .workers import local_engine  # in this process or pooled, as [synth] workers says

        return local_engine("piper", config)


DOOR = PiperDoor()
