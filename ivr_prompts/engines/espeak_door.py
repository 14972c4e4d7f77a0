"""The `espeak` engine's door: espeak-ng voices per locale, its identity, and how to make it."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from ..config import Config, LocaleConfig, PromptConfig
from . import local
from .base import Engine
from .door import DoorDefaults


@functools.cache
def espeak_voices() -> frozenset[str]:
    """The voice names espeak-ng's bundled data holds (its lang/ tree, one file per voice)."""
    try:
        import espeakng_loader

        root = Path(espeakng_loader.get_data_path()) / "lang"
    except ImportError:
        return frozenset()
    return frozenset(name.lower() for _, _, files in os.walk(root) for name in files)


class EspeakDoor(DoorDefaults):
    name = "espeak"
    limit_of = "one espeak request"

    def voice(self, config: Config, locale: LocaleConfig, prompt: PromptConfig) -> str:
        return locale.espeak_voice or local.default_voice(locale.code, locale.language)

    def identity(self, config: Config, voice: str, model: str) -> dict[str, str]:
        return local.espeak_identity(voice)

    def language_problem(self, config: Config, locale: LocaleConfig) -> tuple[str, str] | None:
        voice = locale.espeak_voice or local.default_voice(locale.code, locale.language)
        if not espeak_voices() or voice.lower() in espeak_voices():
            return None
        return "espeak_voice" if locale.espeak_voice else "language", (
            f"locale {locale.code}: espeak-ng has no voice {voice!r} (language "
            f"{locale.language!r}); set espeak_voice to one that "
            "`espeak-ng --voices` lists, or use another engine"
        )

    def create(self, config: Config) -> Engine:
        from .workers import local_engine  # in this process or pooled, as [synth] workers says

        return local_engine("espeak", config)


DOOR = EspeakDoor()
