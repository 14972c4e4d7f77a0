"""Local engines on every core: synthesis wall time in-process vs a process pool of 1 and 2 workers.

`benchmarks.run` measures a synthetic set of short prompts (section 7, `run`);
`python -m benchmarks.local_pool` also speaks the sample set (prompts.toml: 19 Piper + 19 espeak-ng
pairs) and 100 short espeak-ng prompts, as a build would: as many requests in flight as the
engine allows, Piper pooled with one onnxruntime thread per worker (what `[synth] workers`
does), espeak-ng in-process. Wall time includes starting the workers and loading the model in
each, as a cold build pays them. Each worker also reports its own phases (start-up, model load,
CPU seconds per prompt): the model for 16 cores is built from those, not from the walls.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ivr_prompts import config
from ivr_prompts.config import Config
from ivr_prompts.engines.base import Engine, Synthesis, SynthesisRequest
from ivr_prompts.engines.espeak import EspeakEngine
from ivr_prompts.engines.piper import PiperEngine
from ivr_prompts.engines.pool import PooledEngine
from ivr_prompts.engines.registry import Engines
from ivr_prompts.flow.options import BuildOptions
from ivr_prompts.flow.plan import make_plan
from ivr_prompts.kinds import ResolvedEngine
from ivr_prompts.text.lexicon import Lexicon

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
MODES = ("in-process", "pool 1", "pool 2")


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


class Timed:
    """A local engine that reports, in each answer, when its process built it (wall clock, so
    comparable across processes), what its first request cost apart (the model load) and the
    wall and CPU seconds of the utterance itself."""

    remote_lexicon = False
    max_concurrency = 1

    def __init__(self, engine: str, pause: int, threads: int | None) -> None:
        self.built_at = time.time()
        self.inner: PiperEngine | EspeakEngine = (
            PiperEngine(pause, threads) if engine == "piper" else EspeakEngine()
        )
        self.name: ResolvedEngine = self.inner.name
        self.loaded = False

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        return self.inner.identity(request_voice, model)

    def _speak(self, request: SynthesisRequest) -> Synthesis:
        meta = {"pid": str(os.getpid()), "built_at": repr(self.built_at), "load_s": "0"}
        if not self.loaded and isinstance(self.inner, PiperEngine):
            wall, cpu = time.perf_counter(), time.process_time()
            self.inner._voice(self.inner.voice_file(request.voice))
            meta["load_s"] = repr(time.perf_counter() - wall)
            meta["load_cpu_s"] = repr(time.process_time() - cpu)
        self.loaded = True
        wall, cpu = time.perf_counter(), time.process_time()
        made = self.inner._speak(request)
        meta["speak_s"] = repr(time.perf_counter() - wall)
        meta["speak_cpu_s"] = repr(time.process_time() - cpu)
        return Synthesis(made.samples, made.sample_rate, meta)

    async def prepare(self, config: Config, lexicons: Mapping[str, Lexicon]) -> dict[str, str]:
        return {}

    async def synthesize(self, request: SynthesisRequest) -> Synthesis:
        return await asyncio.to_thread(self._speak, request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass(frozen=True)
class Run:
    """One set spoken one way: the wall, and what the workers said of their phases."""

    wall: float
    start: float  # mean seconds from the first request to a worker's engine being built
    load: float  # mean model load per worker, wall
    load_cpu: float
    speak: float  # median seconds per utterance, wall
    speak_cpu: float
    processes: int


def make(mode: str, engine: str, pause: int) -> Engine:
    """In-process with onnxruntime's default threads, or a pool with one thread per worker."""
    if mode == "in-process":
        return Timed(engine, pause, None)
    return PooledEngine(functools.partial(Timed, engine, pause, 1), int(mode.split()[1]))


async def _speak(engine: Engine, requests: Sequence[SynthesisRequest]) -> Run:
    gate = asyncio.Semaphore(engine.max_concurrency)
    t0, start = time.time(), time.perf_counter()

    async def one(request: SynthesisRequest) -> dict[str, str]:
        async with gate:
            return (await engine.synthesize(request)).meta

    metas = await asyncio.gather(*(one(r) for r in requests))
    wall = time.perf_counter() - start
    await engine.aclose()
    first = {m["pid"]: m for m in reversed(metas)}  # one answer per process
    loads = [m for m in metas if "load_cpu_s" in m]
    return Run(
        wall,
        statistics.fmean(float(m["built_at"]) - t0 for m in first.values()),
        statistics.fmean(float(m["load_s"]) for m in loads) if loads else 0.0,
        statistics.fmean(float(m["load_cpu_s"]) for m in loads) if loads else 0.0,
        statistics.median(float(m["speak_s"]) for m in metas),
        statistics.median(float(m["speak_cpu_s"]) for m in metas),
        len(first),
    )


def speak(mode: str, engine: str, pause: int, requests: Sequence[SynthesisRequest]) -> Run:
    return asyncio.run(_speak(make(mode, engine, pause), requests))


def modelled_wall(s: float, load: float, t1: float, n: int, workers: int) -> float:
    """A model, not a measurement: the pool's wall on `workers` idle cores, from the phases the
    workers measured: start-up s, model load L and one utterance t1 on one thread (CPU seconds
    are the wall on an idle core): w(W) = s + L + ceil(n / W) x t1."""
    return s + load + -(-n // workers) * t1


def run(sizes: Sizes, work_dir: Path) -> Section:
    """Section 7: the same set spoken in-process and through pools of 1 and 2 workers."""
    del work_dir
    cfg = config.load(ROOT / "prompts.toml")
    pause = cfg.audio.sentence_pause_ms
    engine, voice = ("piper", "en_US-joe-medium") if sizes.piper else ("espeak", "en-us")
    requests = synthetic_requests(sizes.pool_prompts, voice)
    load = os.getloadavg()[0]
    runs = {m: speak(m, engine, pause, requests) for m in MODES}
    load = max(load, os.getloadavg()[0])
    n = len(requests)
    one = runs["pool 1"]
    s, model_load, t1 = one.start, one.load_cpu, one.speak_cpu
    one_core = model_load + n * t1
    section = Section(
        "pool",
        "7. Local engines in a process pool",
        f"{n} short IVR prompts spoken by {engine}, synthesis only, as many requests in flight "
        f"as the engine allows; in-process with onnxruntime's default threads, each pool worker "
        f"with one. Worker start-up and one model load per worker included. Cores available: "
        f"{len(os.sched_getaffinity(0))}; load average up to {load:.1f} during the run. The "
        f"16-worker figure is a model, not a measurement: w(W) = s + L + ceil(N/W) x t1 with s "
        f"the 1-worker pool's start-up, L its model load and t1 its CPU seconds per prompt (one "
        f"thread: the wall on an idle core); it assumes 16 idle cores and a main process that "
        f"keeps up.",
    )
    section.tables.append(
        Table(
            ("mode", "wall", "processes", "start-up", "model load (CPU)", "per prompt (CPU)"),
            tuple(
                (
                    mode,
                    fmt_s(r.wall),
                    str(r.processes) if mode != "in-process" else "-",
                    fmt_s(r.start) if mode != "in-process" else "-",
                    f"{fmt_s(r.load)} ({fmt_s(r.load_cpu)})",
                    f"{fmt_s(r.speak)} ({fmt_s(r.speak_cpu)})",
                )
                for mode, r in runs.items()
            ),
            "measured",
        )
    )
    rows = []
    for w in (1, 2, 4, 8, 16):
        wall = modelled_wall(s, model_load, t1, n, w)
        rows.append((str(w), fmt_s(wall), f"{one_core / wall:.1f}x"))
    section.tables.append(Table(("workers", "model wall", "vs one core"), tuple(rows), "model"))
    speedup = runs["in-process"].wall / runs["pool 2"].wall
    section.targets.append(
        Target(
            "local-engine speed-up, 2 workers vs in-process",
            f"{speedup:.2f}x (load {load:.1f})",
            "stated and measured (no threshold)",
            None,
        )
    )
    sixteen = one_core / modelled_wall(s, model_load, t1, n, 16)
    section.targets.append(
        Target(
            "local-engine speed-up, 16 workers vs one core (model)",
            f"{sixteen:.1f}x",
            "stated (model)",
            None,
        )
    )
    return section


def _row(label: str, runs: dict[str, Run]) -> str:
    cells = " | ".join(f"{r.wall:.2f}" for r in runs.values())
    phases = runs["pool 2"]
    alone = runs["in-process"]
    return (
        f"| {label} | {cells} | {alone.wall / phases.wall:.2f}x | "
        f"{runs['pool 1'].start:.2f} | {phases.load_cpu:.2f} | {phases.speak_cpu:.3f} | "
        f"{alone.speak_cpu:.3f} |"
    )


def build_wall(workers: str, work: Path) -> float:
    """A cold `ivr-prompts build` of the sample set (own folder, empty cache) at `workers`."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in ("templates", "pronunciations"):
        shutil.copytree(ROOT / name, work / name)
    text = (ROOT / "prompts.toml").read_text(encoding="utf-8")
    (work / "prompts.toml").write_text(
        text.replace("[synth]\n", f"[synth]\nworkers = {workers}\n", 1), encoding="utf-8"
    )
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ivr_prompts", "build", "--config", str(work / "prompts.toml")],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    cfg = config.load(ROOT / "prompts.toml")
    pause = cfg.audio.sentence_pause_ms
    sample = sample_requests()
    piper = [r for r in sample if r.voice.endswith("medium")]
    sets = {
        f"sample set, Piper part ({len(piper)} pairs)": ("piper", piper),
        "100 short Piper prompts": ("piper", synthetic_requests(100, "en_US-joe-medium")),
        "100 short espeak-ng prompts": ("espeak", synthetic_requests(100, "en-us")),
    }
    print(f"cores available: {len(os.sched_getaffinity(0))}; load {os.getloadavg()}")
    print(
        "| set | "
        + " | ".join(f"{m} s" for m in MODES)
        + " | 2 vs in-process | start-up s | load CPU s | per prompt CPU s, 1 thread |"
        + " per prompt CPU s, in-process |"
    )
    print("|---|" + "---:|" * (len(MODES) + 5))
    for label, (engine, requests) in sets.items():
        runs = {m: speak(m, engine, pause, requests) for m in MODES}
        print(_row(label, runs), f"(load {os.getloadavg()[0]:.1f})", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for workers in ("1", "2", '"auto"'):
            wall = build_wall(workers, Path(tmp) / "sample")
            print(
                f"cold build of the sample set, workers = {workers}: {wall:.2f} s "
                f"(load {os.getloadavg()[0]:.1f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
