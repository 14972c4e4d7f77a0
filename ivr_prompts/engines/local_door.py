"""The `local` door: not an engine of its own, it names the best installed offline engine per
language (Piper where a voice speaks it, else espeak-ng) and answers as that engine."""

from __future__ import annotations

from ..config import Config, LocaleConfig, PromptConfig
from .base import Engine
from .door import DoorDefaults, EngineDoor
from .espeak_door import DOOR as ESPEAK
from .piper_door import DOOR as PIPER


class LocalDoor(DoorDefaults):
    name = "local"

    def resolve(self, locale: LocaleConfig) -> str:
        return self._door(locale).name

    def _door(self, locale: LocaleConfig) -> EngineDoor:
        return PIPER if PIPER.speaks(locale) else ESPEAK

    def voice(self, config: Config, locale: LocaleConfig, prompt: PromptConfig) -> str:
        return self._door(locale).voice(config, locale, prompt)

    def identity(self, config: Config, voice: str, model: str) -> dict[str, str]:
        raise NotImplementedError("resolve 'local' per locale first")

    def create(self, config: Config) -> Engine:
        raise NotImplementedError("resolve 'local' per locale first")


DOOR = LocalDoor()
