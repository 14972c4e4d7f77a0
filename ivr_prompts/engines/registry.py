"""Engine names -> engines: resolves "local" per language and creates each engine once per build."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ..config import Config, LocaleConfig, PromptConfig
from ..errors import EngineUnavailable, IvrPromptsError
from ..kinds import EngineName, ResolvedEngine
from ..lexicon import Lexicon
from . import espeak, piper
from .base import Engine, Synthesis, SynthesisRequest
from .waves.dicts import attach_dictionaries
from .waves.identity import waves_identity
from .waves.voices import list_voices, voice_language_warnings

if TYPE_CHECKING:
    from .waves.engine import WavesEngine

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
    if name == "piper":
        return piper.PiperEngine(config.audio.sentence_pause_ms)
    if name == "espeak":
        return espeak.EspeakEngine()
    return DeferredWaves(config)


class DeferredWaves:
    """Waves, connected (key read, client opened) only when it must speak: plan, check and
    cached builds need its identity alone, and work with no key set."""

    name: ResolvedEngine = "waves"
    remote_lexicon = True

    def __init__(self, config: Config, make: Callable[[Config], WavesEngine] | None = None) -> None:
        self.config = config
        # The client bounds requests in flight per attempt; letting more prompts wait on it
        # means a prompt sleeping in retry backoff does not hold a request slot idle.
        self.max_concurrency = 8 * config.waves.concurrency
        self._make = make
        self._engine: WavesEngine | None = None

    @property
    def engine(self) -> WavesEngine:
        if self._engine is None:
            from .waves.engine import make_waves_engine  # httpx loads only when Waves will speak

            self._engine = (self._make or make_waves_engine)(self.config)
        return self._engine

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        pause = self.config.audio.sentence_pause_ms
        return waves_identity(self.config.waves, request_voice, model, pause)

    async def prepare(self, config: Config, lexicons: Mapping[str, Lexicon]) -> dict[str, str]:
        """Check the locales' voices against the catalog, then sync their dictionaries."""
        engine = self.engine
        try:
            for warning in voice_language_warnings(config, await list_voices(engine.client)):
                log.warning("%s", warning)
        except EngineUnavailable:
            raise
        except IvrPromptsError as exc:  # the catalog is advice; the build does not need it
            log.info("could not list Waves voices to check them: %s", exc.message)
        with_words = {code: lx for code, lx in lexicons.items() if lx.entries}
        if not with_words or not config.waves.dictionaries:
            return {}
        return await attach_dictionaries(engine, with_words, config.lock_path)

    async def synthesize(self, request: SynthesisRequest) -> Synthesis:
        return await self.engine.synthesize(request)

    async def aclose(self) -> None:
        if self._engine is not None:
            await self._engine.aclose()


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
