"""Engine names -> engines: resolves "local" per language and creates each engine once per build."""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..config import Config, LocaleConfig, PromptConfig
from ..errors import EngineUnavailable
from ..kinds import EngineName, ResolvedEngine
from . import local
from .base import Engine
from .waves.identity import waves_identity

log = logging.getLogger(__name__)

EngineFactory = Callable[[ResolvedEngine, Config], Engine]


def resolve(name: EngineName, locale: LocaleConfig) -> ResolvedEngine:
    """'local' is Piper when a Piper voice speaks the locale's language, else espeak-ng."""
    if name != "local":
        return name
    if local.piper_available() and (
        local.find_voice(locale.piper_voice, locale.language, locale.code) is not None
    ):
        return "piper"
    return "espeak"


def voice_for(engine: ResolvedEngine, locale: LocaleConfig, prompt: PromptConfig) -> str:
    """The voice a prompt is spoken in by `engine`; voice names are engine-specific."""
    if engine == "waves":
        return prompt.voice or locale.voice
    if engine == "piper":
        found = local.find_voice(locale.piper_voice, locale.language, locale.code)
        if found is None:
            raise EngineUnavailable(
                f"no Piper voice for locale {locale.code} ({locale.language}); "
                f'{local.INSTALL_HINT}, set piper_voice, or use engine = "espeak"'
            )
        return locale.piper_voice or found.name
    return locale.espeak_voice or local.default_voice(locale.code, locale.language)


def default_factory(name: ResolvedEngine, config: Config) -> Engine:
    """Create the real engine for `name`. Its module is imported here, when an engine is made:
    naming voices and identities (all that plan, check and a no-op ask) stays light."""
    if name in ("piper", "espeak"):
        from .workers import local_engine  # in this process or pooled, as [synth] workers says

        return local_engine(name, config)
    from .waves.deferred import DeferredWaves

    return DeferredWaves(config)


def default_identity(
    name: ResolvedEngine, config: Config, voice: str, model: str
) -> dict[str, str]:
    """What the engine `default_factory` makes for `name` says of itself, without making it."""
    pause = config.audio.sentence_pause_ms
    if name == "piper":
        return local.piper_identity(voice, pause)
    if name == "espeak":
        return local.espeak_identity(voice)
    return waves_identity(config.waves, voice, model, pause)


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

    def identity(self, name: ResolvedEngine, voice: str, model: str) -> dict[str, str]:
        """Everything about `name` speaking `voice` that changes the audio: asked of the engine
        once it exists (or when a factory makes its own), else answered without making it."""
        if name in self._engines or self.factory is not default_factory:
            return self.get(name).identity(voice, model)
        return default_identity(name, self.config, voice, model)

    @property
    def started(self) -> dict[ResolvedEngine, Engine]:
        return dict(self._engines)

    async def aclose(self) -> None:
        for engine in self._engines.values():
            await engine.aclose()
