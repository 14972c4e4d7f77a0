"""Engines for pipeline tests: the real espeak-ng engine, wrapped to count, delay or fail on cue."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from ivr_prompts.config import Config
from ivr_prompts.engines.base import Engine, Synthesis, SynthesisRequest
from ivr_prompts.engines.espeak import EspeakEngine
from ivr_prompts.engines.registry import Engines
from ivr_prompts.errors import EngineError
from ivr_prompts.flow.build import build
from ivr_prompts.flow.options import BuildOptions
from ivr_prompts.flow.outcome import BuildReport
from ivr_prompts.kinds import ResolvedEngine
from ivr_prompts.text.lexicon import Lexicon


@dataclass
class CountingEngine:
    """Speaks through real espeak-ng; records every request; fails texts containing `fail_on`."""

    name: ResolvedEngine = "espeak"
    remote_lexicon: bool = False
    max_concurrency: int = 2
    delay: float = 0.0
    fail_on: str | None = None
    requests: list[SynthesisRequest] = field(default_factory=list)
    prepared: list[list[str]] = field(default_factory=list)
    inner: EspeakEngine = field(default_factory=EspeakEngine)

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        return self.inner.identity(request_voice, model)

    async def prepare(self, config: Config, lexicons: Mapping[str, Lexicon]) -> dict[str, str]:
        self.prepared.append(sorted(lexicons))
        return {}

    async def synthesize(self, request: SynthesisRequest) -> Synthesis:
        self.requests.append(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_on is not None and self.fail_on in request.text:
            raise EngineError(f"scripted failure for {request.text!r}")
        return await self.inner.synthesize(request)

    async def aclose(self) -> None:
        return None

    @property
    def texts(self) -> list[str]:
        return sorted(r.text for r in self.requests)


def build_with(
    config: Config, engine: CountingEngine, options: BuildOptions | None = None
) -> BuildReport:
    """Build `config` with every engine served by `engine`."""
    engines, _ = engines_with(config, engine)
    return asyncio.run(build(config, options, engines=engines))


def engines_with(config: Config, engine: CountingEngine) -> tuple[Engines, list[str]]:
    """An Engines set whose every engine name is served by `engine`; lists the names created."""
    created: list[str] = []

    def factory(name: ResolvedEngine, cfg: Config) -> Engine:
        created.append(name)
        return engine

    return Engines(config, factory), created


class WrappedEspeak:
    """espeak-ng under another class, for engines built in pool workers (picklable by name):
    subclasses change `_speak`."""

    name: ResolvedEngine = "espeak"

    def __init__(self) -> None:
        self.inner = EspeakEngine()

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        return self.inner.identity(request_voice, model)

    def _speak(self, request: SynthesisRequest) -> Synthesis:
        return self.inner._speak(request)
