"""Waves as the build sees it: connected (key read, client opened) only when it must speak."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ...config import Config
from ...errors import ConfigError, EngineUnavailable, IvrPromptsError
from ...kinds import ResolvedEngine
from ...lexicon import Lexicon
from ...usage import Usage
from ..base import Synthesis, SynthesisRequest
from .dicts import attach_dictionaries
from .guard import secret_problems
from .identity import waves_identity
from .voices import list_voices, voice_language_warnings

if TYPE_CHECKING:  # the engine brings httpx, which plan, check and cached builds never load
    from .engine import WavesEngine

log = logging.getLogger(__name__)


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
            from .engine import make_waves_engine  # httpx loads only when Waves will speak

            self._engine = (self._make or make_waves_engine)(self.config)
        return self._engine

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        pause = self.config.audio.sentence_pause_ms
        return waves_identity(self.config.waves, request_voice, model, pause)

    async def prepare(self, config: Config, lexicons: Mapping[str, Lexicon]) -> dict[str, str]:
        """Check the locales' voices against the catalog, then sync their dictionaries."""
        engine = self.engine  # reads the key: nothing below may carry it to the server
        problems = secret_problems(config, lexicons)
        if problems:
            raise ConfigError(problems)
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

    @property
    def usage(self) -> Usage | None:
        """The engine's usage once it has spoken (None: never connected, nothing asked)."""
        return self._engine.usage if self._engine is not None else None

    async def aclose(self) -> None:
        if self._engine is not None:
            await self._engine.aclose()
