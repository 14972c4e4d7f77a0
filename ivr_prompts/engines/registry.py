"""Engine names -> doors and engines: the one place that decides which engine, voice and model
speak a pair, and that creates each engine once per build.

The doors come from the `ivr_prompts.engines` entry-point group (plugins.py): ours are
registered there by our own pyproject.toml, a third party's by its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from .. import plugins
from ..config import Config, LocaleConfig, PromptConfig
from .base import Engine
from .door import EngineDoor

log = logging.getLogger(__name__)

EngineFactory = Callable[[str, Config], Engine]


def door(name: str) -> EngineDoor:
    """The door registered as `name`; ConfigError naming the known engines if none is."""
    found: EngineDoor = plugins.load(plugins.ENGINES, name)
    return found


def resolve(name: str, locale: LocaleConfig) -> str:
    """The engine `name` stands for in `locale` ("local": Piper or espeak-ng per language)."""
    return door(name).resolve(locale)


def engine_for(locale: LocaleConfig, prompt: PromptConfig, override: str | None = None) -> str:
    """The engine that speaks `prompt` in `locale`: --engine, else the prompt's, else the
    locale's, as its door resolves it."""
    return resolve(override or prompt.engine or locale.engine, locale)


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who speaks a pair: the engine's name, its voice and its model ("" when none)."""

    engine: str
    voice: str
    model: str


def speaker(
    config: Config, locale: LocaleConfig, prompt: PromptConfig, override: str | None = None
) -> Speaker:
    """The engine, voice and model of a pair: the one rule for plan, fingerprint and check."""
    name = engine_for(locale, prompt, override)
    speaking = door(name)
    return Speaker(name, speaking.voice(config, locale, prompt), speaking.model(config))


def default_factory(name: str, config: Config) -> Engine:
    """Create the real engine for `name`. Its module is imported here, when an engine is made:
    naming voices and identities (all that plan, check and a no-op ask) stays light."""
    return door(name).create(config)


def default_identity(name: str, config: Config, voice: str, model: str) -> dict[str, str]:
    """What the engine `default_factory` makes for `name` says of itself, without making it."""
    return door(name).identity(config, voice, model)


class Engines:
    """One engine instance per name for a build, created on first use."""

    def __init__(self, config: Config, factory: EngineFactory = default_factory) -> None:
        self.config = config
        self.factory = factory
        self._engines: dict[str, Engine] = {}

    def get(self, name: str) -> Engine:
        if name not in self._engines:
            self._engines[name] = self.factory(name, self.config)
        return self._engines[name]

    def identity(self, name: str, voice: str, model: str) -> dict[str, str]:
        """Everything about `name` speaking `voice` that changes the audio: asked of the engine
        once it exists (or when a factory makes its own), else answered without making it."""
        if name in self._engines or self.factory is not default_factory:
            return self.get(name).identity(voice, model)
        return default_identity(name, self.config, voice, model)

    @property
    def started(self) -> dict[str, Engine]:
        return dict(self._engines)

    async def aclose(self) -> None:
        for engine in self._engines.values():
            await engine.aclose()
