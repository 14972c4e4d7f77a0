"""One synthesis as every build path makes it: through the pair's engine (within its gate),
checked to be speech, then cached; and the engines made ready for the pairs that will speak."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any

from .. import audio, cache
from ..audio import speech
from ..engines.base import SynthesisRequest
from ..engines.registry import Engines
from ..errors import EngineError
from ..kinds import ResolvedEngine
from .plan import Pair, Plan

# What a build tells the CLI as it goes: ("synthesize" | "done" | "failed", the pair).
Progress = Callable[[str, Pair], None]


def quiet(event: str, pair: Pair) -> None:
    return None


class Speaker:
    """Speaks one request for a pair: synthesized, checked to be speech, cached; counts them."""

    def __init__(
        self,
        engines: Engines,
        store: cache.LayeredCache,
        pool: concurrent.futures.Executor,
        progress: Progress = quiet,
    ) -> None:
        self.engines = engines
        self.store = store
        self.pool = pool
        self.progress = progress
        self.synthesized = 0
        self._gates: dict[ResolvedEngine, asyncio.Semaphore] = {}

    async def __call__(self, pair: Pair, request: SynthesisRequest) -> cache.AudioEntry:
        """One synthesis through the pair's engine (within its gate), checked and cached."""
        loop = asyncio.get_running_loop()
        engine = self.engines.get(pair.engine)
        gate = self._gates.setdefault(pair.engine, asyncio.Semaphore(engine.max_concurrency))
        async with gate:
            self.progress("synthesize", pair)
            made = await engine.synthesize(request)
        self.synthesized += 1
        # Noise, a tone or silence passes every file check: refuse it before the cache.
        verdict = await loop.run_in_executor(
            self.pool, speech.classify, made.samples, made.sample_rate
        )
        if not verdict.is_speech:
            raise EngineError(not_speech(pair, verdict, made.meta))
        synth = cache.AudioEntry(audio.to_pcm16(made.samples), made.sample_rate, dict(made.meta))
        # Off the event loop: a local write, and a wait when uploads are backed up.
        await loop.run_in_executor(self.pool, self.store.put, "synth", request.cache_key, synth)
        return synth


def not_speech(pair: Pair, verdict: speech.SpeechVerdict, meta: Mapping[str, str]) -> str:
    request_id = meta.get("request_id")
    quoted = f" (X-Request-Id {request_id})" if request_id else ""
    return (
        f"{pair.engine} answered with {verdict.kind}, not speech{quoted}: {verdict.detail}; "
        "it was neither cached nor published. Check the voice and the text; if they are right, "
        "the engine is at fault: rebuild, or report the answer to its vendor"
    )


async def together(worker: Callable[[], Coroutine[Any, Any, None]], count: int) -> None:
    """Run `count` workers at once (each takes the next job from a shared iterator); when one
    raises, the others are cancelled and awaited before the error goes on."""
    tasks = [asyncio.create_task(worker()) for _ in range(max(1, count))]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def prepare(
    plan: Plan, engines: Engines, speaking: Iterable[Pair]
) -> dict[tuple[str, str], str]:
    """Let each engine that will speak these pairs get ready (Waves: voices, dictionaries);
    (engine, locale) -> remote dictionary id."""
    locales: dict[ResolvedEngine, set[str]] = {}
    for pair in speaking:
        if not pair.generated:
            locales.setdefault(pair.engine, set()).add(pair.locale.code)
    ids: dict[tuple[str, str], str] = {}
    for name, codes in locales.items():
        lexicons = {c: plan.lexicons[c] for c in sorted(codes)}
        found = await engines.get(name).prepare(plan.config, lexicons)
        ids.update(((name, code), dict_id) for code, dict_id in found.items())
    return ids
