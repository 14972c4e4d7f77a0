"""Engine names -> engines: resolves "local" per language and creates each engine once per build."""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..config import Config, LocaleConfig, PromptConfig
from ..errors import EngineUnavailable
from ..kinds import EngineName, ResolvedEngine
from . import espeak, piper
from .base import Engine
from .waves.deferred import DeferredWaves

log = logging.getLogger(__name__)

EngineFactory = Callable[[ResolvedEngine, Config], Engine]


def resolve(name: EngineName, locale: LocaleConfig) -> ResolvedEngine:
    """'local' is Piper when a Piper voice speaks the locale's language, else espeak-ng."""
    if name != "local":
        return name
    if piper.piper_available() and (
        piper.find_voice(locale.piper_voice, locale.language, locale.code) is not None
    ):
        return "piper"
    return "espeak"


def voice_for(engine: ResolvedEngine, locale: LocaleConfig, prompt: PromptConfig) -> str:
    """The voice a prompt is spoken in by `engine`; voice names are engine-specific."""
    if engine == "waves":
        return prompt.voice or locale.voice
    if engine == "piper":
        found = piper.find_voice(locale.piper_voice, locale.language, locale.code)
        if found is None:
            raise EngineUnavailable(
                f"no Piper voice for locale {locale.code} ({locale.language}); "
                f'{piper.INSTALL_HINT}, set piper_voice, or use engine = "espeak"'
            )
        return locale.piper_voice or found.name
    return locale.espeak_voice or espeak.default_voice(locale.code, locale.language)


def default_factory(name: ResolvedEngine, config: Config) -> Engine:
    """Create the real engine for `name`."""
    if name == "waves":
        return DeferredWaves(config)
    from .workers import local_engine  # like the engines it makes: only when a build needs one

    return local_engine(name, config)


class Engines:
    """One engine instance per name for a build, created on first use."""

    def __init__(self, config: Config, factory: EngineFactory = default_factory) -> None:
        self.config = config
        self.factory = factory
        self._engines: dict[ResolvedEngine, Engine] = {}

    def get(self, name: ResolvedEngine) -> Engine:
        if name not in self._engines:
            self._engines[name] = self.factory(name, self.config)
        return self._engines[name]

    @property
    def started(self) -> dict[ResolvedEngine, Engine]:
        return dict(self._engines)

    async def aclose(self) -> None:
        for engine in self._engines.values():
            await engine.aclose()
