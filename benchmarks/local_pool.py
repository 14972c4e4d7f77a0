"""Local engines on every core: synthesis wall time in-process vs a process pool of 1 and 2 workers.

`benchmarks.run` measures the synthetic set (section 7, `run`);
`python -m benchmarks.local_pool` also speaks the sample set (prompts.toml: 17 Piper + 17 espeak-ng
pairs) and a synthetic set of 100 short Piper prompts, as a build would (as many requests in
flight as the engine allows). Wall time includes starting the workers and loading the model in
each, as a cold build pays them. The figures went into BENCHMARKS.md.
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import Sequence
from pathlib import Path

from ivr_prompts import config
from ivr_prompts.engines.base import Engine, SynthesisRequest
from ivr_prompts.engines.espeak import EspeakEngine
from ivr_prompts.engines.piper import PiperEngine
from ivr_prompts.engines.pool import PooledEngine
from ivr_prompts.engines.registry import Engines
from ivr_prompts.options import BuildOptions
from ivr_prompts.plan import make_plan

from .config import Sizes
from .model import Section, Table, Target, fmt_s

ROOT = Path(__file__).resolve().parent.parent
_WORDS = [
    "balance",
    "card",
    "agent",
    "payment",
    "account",
    "branch",
    "hours",
    "holiday",
    "transfer",
    "option",
]


def sample_requests() -> list[SynthesisRequest]:
    cfg = config.load(ROOT / "prompts.toml")
    plan = make_plan(cfg, BuildOptions(engine="local"), Engines(cfg))
    return [
        SynthesisRequest(
            prompt_id=p.rendered.id,
            locale=p.locale.code,
            text=p.spoken,
            language=p.locale.language,
            voice=p.voice,
            speed=p.speed,
            model=p.model,
            cache_key=p.synth_key,
        )
        for p in plan.pairs
    ]


def synthetic_requests(n: int, voice: str) -> list[SynthesisRequest]:
    """Short IVR-like prompts: 'For your <word>, press <n>.' and the like, 4-12 words each."""
    out = []
    for i in range(n):
        word = _WORDS[i % len(_WORDS)]
        text = f"For your {word}, press {i % 10}." + (" Thank you." if i % 3 == 0 else "")
        if i % 4 == 0:
            text += f" To hear the {word} options again, press star."
        out.append(SynthesisRequest(f"syn/{i}", "en-US", text, "en", voice, 1.0, "", f"k{i}"))
    return out


async def _speak_all(engines: dict[str, Engine], requests: Sequence[SynthesisRequest]) -> float:
    start = time.perf_counter()
    gates = {name: asyncio.Semaphore(e.max_concurrency) for name, e in engines.items()}

    async def one(request: SynthesisRequest) -> None:
        name = "piper" if request.voice.endswith("medium") else "espeak"
        async with gates[name]:
            await engines[name].synthesize(request)

    await asyncio.gather(*(one(r) for r in requests))
    wall = time.perf_counter() - start
    for engine in engines.values():
        await engine.aclose()
    return wall


def make(mode: str, pause: int) -> dict[str, Engine]:
    if mode == "in-process":
        return {"piper": PiperEngine(pause), "espeak": EspeakEngine()}
    workers = int(mode.split()[1])
    return {
        "piper": PooledEngine(functools.partial(PiperEngine, pause), workers),
        "espeak": PooledEngine(EspeakEngine, workers),
    }


def model_for(walls: dict[str, float], workers: int) -> tuple[float, float, float] | None:
    """From the 1- and 2-worker walls: per-worker start-up s and the work N x t1, assuming
    w(W) = s + N x t1 / W (the work splits evenly, start-ups overlap); then w(workers). None
    when the walls fit no such line (2 workers not faster than 1, or start-up below zero)."""
    work = 2 * (walls["pool 1"] - walls["pool 2"])
    start = walls["pool 1"] - work
    if work <= 0 or start < 0:
        return None
    return start, work, start + work / workers


def run(sizes: Sizes, work_dir: Path) -> Section:
    """Section 7: the same set spoken in-process and through pools of 1 and 2 workers."""
    del work_dir
    cfg = config.load(ROOT / "prompts.toml")
    pause = cfg.audio.sentence_pause_ms
    if sizes.piper:
        voice = next(r.voice for r in sample_requests() if r.voice.endswith("medium"))
        engine = "Piper"
    else:
        voice, engine = "en-us", "espeak-ng"
    requests = synthetic_requests(sizes.pool_prompts, voice)
    modes = ("in-process", "pool 1", "pool 2")
    walls = {m: asyncio.run(_speak_all(make(m, pause), requests)) for m in modes}
    model = model_for(walls, 16)
    section = Section(
        "pool",
        "7. Local engines in a process pool",
        f"{len(requests)} short IVR prompts spoken by {engine}, synthesis only, as many requests "
        f"in flight as the engine allows; worker start-up and one model load per worker "
        f"included. Cores available: {len(os.sched_getaffinity(0))}. The model for 16 workers "
        f"fits w(W) = s + N x t1 / W through the 1- and 2-worker walls (s = start-up and load, "
        f"N x t1 = the work on one core): it assumes 16 idle cores and one intra-op thread per "
        f"worker, and is not a measurement.",
    )
    section.tables.append(
        Table(
            (
                "in-process",
                "pool, 1 worker",
                "pool, 2 workers",
                "2 workers vs in-process",
                "model: s",
                "model: N x t1",
                "model: 16 workers",
                "model: 16 vs in-process",
            ),
            (
                (
                    fmt_s(walls["in-process"]),
                    fmt_s(walls["pool 1"]),
                    fmt_s(walls["pool 2"]),
                    f"{walls['in-process'] / walls['pool 2']:.2f}x",
                    *(
                        (fmt_s(model[0]), fmt_s(model[1]), fmt_s(model[2]))
                        if model
                        else ("-", "-", "-")
                    ),
                    f"{walls['in-process'] / model[2]:.1f}x" if model else "no fit",
                ),
            ),
        )
    )
    if model is None:
        section.notes.append(
            "No model: the walls fit no w(W) = s + N x t1 / W (2 workers were not faster than 1 "
            "on this machine), so nothing can be said for 16 from this run."
        )
    speedup = walls["in-process"] / walls["pool 2"]
    section.targets.append(
        Target(
            "local-engine speed-up, 2 workers vs in-process",
            f"{speedup:.2f}x",
            "stated and measured (no threshold)",
            None,
        )
    )
    return section


def main() -> None:
    cfg = config.load(ROOT / "prompts.toml")
    pause = cfg.audio.sentence_pause_ms
    sample = sample_requests()
    piper_voice = next(r.voice for r in sample if r.voice.endswith("medium"))
    sets = {
        f"sample set ({len(sample)} pairs)": sample,
        "synthetic (100 Piper prompts)": synthetic_requests(100, piper_voice),
    }
    modes = ("in-process", "pool 1", "pool 2")
    print(f"cores available: {len(os.sched_getaffinity(0))}")
    print("| set | " + " | ".join(f"{m} s" for m in modes) + " | speed-up 2 vs in-process |")
    print("|---|" + "---:|" * (len(modes) + 1))
    for label, requests in sets.items():
        walls = [asyncio.run(_speak_all(make(m, pause), requests)) for m in modes]
        cells = " | ".join(f"{w:.2f}" for w in walls)
        print(f"| {label} | {cells} | {walls[0] / walls[2]:.2f}x |")


if __name__ == "__main__":
    main()
