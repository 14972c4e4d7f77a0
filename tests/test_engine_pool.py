"""The local-engine process pool: same audio as in-process, separate workers, crashes named."""

from __future__ import annotations

import asyncio
import os

import numpy as np
import pytest

from ivr_prompts.engines.base import Synthesis, SynthesisRequest
from ivr_prompts.engines.espeak import EspeakEngine
from ivr_prompts.engines.pool import PooledEngine
from ivr_prompts.errors import EngineError

from .engines import WrappedEspeak

TEXTS = ["Welcome to Acme Bank.", "Press one for sales.", "Goodbye.", "Please hold.", "Press two."]


def request(text: str, i: int = 0) -> SynthesisRequest:
    return SynthesisRequest(f"p/{i}", "en-US", text, "en", "en-us", 1.0, "", f"k{i}")


class PidEngine(WrappedEspeak):
    """espeak-ng that also says which process spoke (a test engine, built in each worker)."""

    def _speak(self, request: SynthesisRequest) -> Synthesis:
        if "crash" in request.text:
            os._exit(3)  # a worker dying as the kernel's OOM killer would make it
        made = self.inner._speak(request)
        return Synthesis(made.samples, made.sample_rate, {"pid": str(os.getpid())})


async def speak_all(engine: PooledEngine, texts: list[str]) -> list[Synthesis]:
    gate = asyncio.Semaphore(engine.max_concurrency)

    async def one(i: int, text: str) -> Synthesis:
        async with gate:
            return await engine.synthesize(request(text, i))

    try:
        return await asyncio.gather(*(one(i, t) for i, t in enumerate(texts)))
    finally:
        await engine.aclose()


def rms_db(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))))


def test_pool_espeak_same_audio_as_in_process() -> None:
    alone = EspeakEngine()
    expected = [alone._speak(request(t, i)) for i, t in enumerate(TEXTS)]
    pooled = asyncio.run(speak_all(PooledEngine(EspeakEngine, 2), TEXTS))
    # espeak-ng carries a little state from one utterance to the next (a few samples of
    # difference), so the same text is compared by length and loudness, not bit for bit.
    for want, got in zip(expected, pooled, strict=True):
        assert got.sample_rate == want.sample_rate
        assert abs(got.samples.size - want.samples.size) <= 0.01 * want.samples.size
        assert abs(rms_db(got.samples) - rms_db(want.samples)) < 0.5


def test_pool_speaks_in_worker_processes_not_this_one() -> None:
    made = asyncio.run(speak_all(PooledEngine(PidEngine, 2), TEXTS * 4))
    pids = {m.meta["pid"] for m in made}
    assert str(os.getpid()) not in pids
    assert 1 <= len(pids) <= 2  # never more processes than workers


def test_pool_identity_is_the_engine_identity() -> None:
    pooled = PooledEngine(EspeakEngine, 2)
    assert pooled.identity("en-us", "") == EspeakEngine().identity("en-us", "")
    assert (pooled.name, pooled.max_concurrency, pooled.remote_lexicon) == ("espeak", 2, False)


def test_pool_worker_death_is_an_engine_error_and_pool_recovers() -> None:
    engine = PooledEngine(PidEngine, 1)

    async def run() -> Synthesis:
        with pytest.raises(EngineError) as info:
            await engine.synthesize(request("crash now"))
        assert info.value.message == (
            "a worker process of espeak died twice while speaking it (killed, or out of memory: "
            "each worker holds its own model); run the build again, or lower [synth] workers"
        )
        try:
            return await engine.synthesize(request("Still here."))
        finally:
            await engine.aclose()

    assert asyncio.run(run()).samples.size > 0
