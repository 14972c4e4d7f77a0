"""Waves as the build sees it: connected (key read, client opened) only when it must speak."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ...config import Config
from ...errors import ConfigError, EngineUnavailable, IvrPromptsError, PreflightFailed
from ...flow.usage import Usage
from ...kinds import ResolvedEngine
from ...text.lexicon import Lexicon
from ..base import Synthesis, SynthesisRequest
from . import catalog
from .dicts import attach_dictionaries
from .guard import secret_problems
from .identity import waves_identity

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
        """Check the speaking locales' voices against a freshly listed catalog (which also
        proves the key), then sync their dictionaries."""
        engine = self.engine  # reads the key: nothing below may carry it to the server
        problems = secret_problems(config, lexicons)
        if problems:
            raise ConfigError(problems)
        await self._check_voices(config, sorted(lexicons))
        with_words = {code: lx for code, lx in lexicons.items() if lx.entries}
        if not with_words or not config.waves.dictionaries:
            return {}
        return await attach_dictionaries(engine, with_words, config.lock_path)

    async def _check_voices(self, config: Config, codes: list[str]) -> None:
        """Refuse, before any synthesis, a voice whose catalog entry lacks its locale's language;
        the catalog listed now is cached for plan and check."""
        try:
            raw = await self.engine.client.list_voices()
        except EngineUnavailable:
            raise  # a bad key or no server: one line, exit 2
        except IvrPromptsError as exc:
            cached = catalog.load_cached(config.project.cache, config.waves)
            if cached is None:
                raise PreflightFailed(
                    [
                        f"could not list the Waves voice catalog ({exc.message}), and none is "
                        "cached: the voices cannot be checked against their locales' "
                        "languages, so nothing was sent for synthesis; try again"
                    ]
                ) from exc
            log.warning("could not refresh the Waves voice catalog: %s", exc.message)
            listed = cached
        else:
            listed = catalog.save(config.project.cache, config.waves, raw, time.time())
        found = catalog.voice_findings(config, listed, codes)  # the plan showed its warnings
        errors = [f.message for f in found if f.severity == "error"]
        if errors:
            raise PreflightFailed(errors)

    async def synthesize(self, request: SynthesisRequest) -> Synthesis:
        return await self.engine.synthesize(request)

    @property
    def usage(self) -> Usage | None:
        """The engine's usage once it has spoken (None: never connected, nothing asked)."""
        return self._engine.usage if self._engine is not None else None

    async def aclose(self) -> None:
        if self._engine is not None:
            await self._engine.aclose()
