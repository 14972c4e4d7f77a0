"""Section 1: cold builds against the Waves stand-in, and the vendor's unbounded-gather example."""

from __future__ import annotations

import asyncio
import os
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ivr_prompts.engines.registry import Engines
from ivr_prompts.errors import BuildFailed, IvrPromptsError
from ivr_prompts.flow import build as builder
from ivr_prompts.flow.options import BuildOptions
from ivr_prompts.flow.outcome import BuildReport

from .config import Sizes
from .measure import profile_text
from .model import Section, Table, Target, fmt_pct, fmt_s
from .project import Project, write_project
from .server import API_KEY, ServerStats, waves_server
from .slot_sim import TARGET as UTILISATION_TARGET
from .slot_sim import Attempt as SimAttempt
from .slot_sim import busy_ratio, span_bound

EFFICIENCY_TARGET = 0.95
FAULTS = {"rate_429": 0.10, "rate_500": 0.02}


@dataclass(frozen=True)
class ColdRun:
    pairs: int
    latency: float
    concurrency: int
    faults: bool
    wall_s: float
    cpu_s: float
    loop_cpu_s: float
    lost: int
    failures: tuple[str, ...]
    stats: ServerStats

    @property
    def ideal_s(self) -> float:
        """Every piece's answer time (the server's latency knobs) spread over the slots."""
        return self.stats.nominal_s / self.concurrency

    @property
    def efficiency(self) -> float:
        return self.ideal_s / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def utilisation(self) -> float:
        """Busy slot-time / (C x span): the server's time on our admitted attempts (faulted
        ones included) over every slot's time from the first request's arrival to the last
        answer's end; the same figure as section 1b's (`slot_sim`)."""
        return busy_ratio(self.stats.busy_s, self.stats.span_s, self.concurrency)

    @property
    def bound(self) -> float:
        """The most any scheduler could reach with the same attempts (`slot_sim.span_bound`)."""
        attempts = [SimAttempt(rid, a, b, 0) for rid, a, b in self.stats.attempts]
        return busy_ratio(
            self.stats.busy_s, span_bound(attempts, self.concurrency), self.concurrency
        )

    @property
    def utilisation_wall(self) -> float:
        """Busy slot-time / (C x the build's wall time, start-up and publishing included)."""
        whole = self.wall_s * self.concurrency
        return self.stats.busy_s / whole if whole > 0 else 0.0

    @property
    def attempts_efficiency(self) -> float:
        """Against every attempt the server saw (a faulted one holds a slot as long)."""
        ideal = self.stats.tts_requests * self.latency / self.concurrency
        return ideal / self.wall_s if self.wall_s > 0 else 0.0


@contextmanager
def _waves_env(url: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("SMALLEST_API_KEY", "SMALLEST_BASE_URL")}
    os.environ["SMALLEST_API_KEY"] = API_KEY
    os.environ["SMALLEST_BASE_URL"] = url
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _is_wav(path: Path) -> bool:
    """A RIFF/WAVE file with a fmt chunk and a non-empty data chunk whose size fits the file."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return False
    pos, seen_fmt = 12, False
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if chunk == b"fmt ":
            seen_fmt = True
        if chunk == b"data":
            return seen_fmt and 0 < size <= len(data) - pos - 8
        pos += 8 + size + (size & 1)
    return False


def _lost(project: Project, report: BuildReport | None, failed: int) -> int:
    """Pairs without a complete published set of files (a failed build publishes nothing, but
    only its failed pairs count as lost: the rest are cached)."""
    if report is None or report.manifest is None:
        return failed or project.pairs
    good = 0
    for record in report.manifest["prompts"]:
        files = [project.output / f["path"] for f in record["files"]]
        wavs = [f for f in files if f.suffix == ".wav"]
        if files and all(f.is_file() for f in files) and all(_is_wav(f) for f in wavs):
            good += 1
    return project.pairs - good


def _build(project: Project) -> tuple[BuildReport | None, tuple[str, ...], int]:
    """The report (None when the build failed), failure lines, and how many pairs failed."""
    cfg = project.load()
    try:
        report = asyncio.run(builder.build(cfg, BuildOptions(), engines=Engines(cfg)))
    except BuildFailed as exc:
        return None, tuple(exc.lines()), exc.prompts
    except IvrPromptsError as exc:
        return None, (exc.message,), project.pairs
    return report, tuple(report.failures), len(report.failures)


def cold_run(root: Path, sizes: Sizes, concurrency: int, faults: bool) -> ColdRun:
    knobs: dict[str, Any] = {
        "concurrency": concurrency,
        "latency": sizes.latency,
        "latency_per_char": sizes.cold_latency_per_char,
        "audio": "babble",
        "seed": 5,
    }
    if faults:
        knobs.update(FAULTS)
    project = write_project(
        root, sizes.cold_pairs, engine="waves", concurrency=concurrency, varied=True
    )
    with waves_server(**knobs) as server, _waves_env(server.url):
        cpu, loop = time.process_time(), time.thread_time()
        start = time.perf_counter()
        report, failures, failed = _build(project)
        wall = time.perf_counter() - start
        cpu, loop = time.process_time() - cpu, time.thread_time() - loop
    return ColdRun(
        sizes.cold_pairs,
        sizes.latency,
        concurrency,
        faults,
        wall,
        cpu,
        loop,
        _lost(project, report, failed),
        failures,
        server.stats,
    )


# -- the vendor's example ---------------------------------------------------------------------


@dataclass(frozen=True)
class BaselineRun:
    label: str
    faults: bool
    wall_s: float
    good: int
    wrong: int
    missing: int
    aborted: str
    stats: ServerStats


async def _vendor_gather(url: str, texts: list[str], out: Path, max_connections: int | None) -> str:
    """The seeds' approach: one task per file, all at once, no limit, no status check; a failed
    request raises out of gather (as in the example) and the run ends there."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=None)
    # aiohttp's default total timeout is 5 minutes.
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(300.0)) as session:

        async def synthesize(text: str, filename: Path) -> None:
            response = await session.post(
                f"{url}/waves/v1/tts",  # the seeds' /lightning-v3.1/get_speech is retired
                headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
                json={
                    "text": text,
                    "voice_id": "magnus",
                    "sample_rate": 24000,
                    "output_format": "wav",
                },
            )
            audio = response.content
            filename.write_bytes(audio)

        try:
            await asyncio.gather(
                *(synthesize(t, out / f"async_{i}.wav") for i, t in enumerate(texts))
            )
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"[:160]
    return ""


def baseline_run(
    root: Path, sizes: Sizes, faults: bool, max_connections: int | None, label: str
) -> BaselineRun:
    concurrency = max(sizes.concurrencies)
    knobs = {"concurrency": concurrency, "latency": sizes.latency, "audio": "babble", "seed": 7}
    if faults:
        knobs.update(FAULTS)
    texts = [f"Account number {1000 + i // 2}, please hold." for i in range(sizes.cold_pairs)]
    root.mkdir(parents=True, exist_ok=True)
    with waves_server(**knobs) as server:
        start = time.perf_counter()
        aborted = asyncio.run(_vendor_gather(server.url, texts, root, max_connections))
        wall = time.perf_counter() - start
    files = [root / f"async_{i}.wav" for i in range(len(texts))]
    good = sum(1 for f in files if _is_wav(f))
    missing = sum(1 for f in files if not f.exists())
    return BaselineRun(
        label, faults, wall, good, len(files) - good - missing, missing, aborted, server.stats
    )


# -- the section ------------------------------------------------------------------------------


def _statuses(stats: ServerStats) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(stats.statuses.items())) or "-"


def run(sizes: Sizes, work: Path) -> Section:
    section = Section(
        "cold",
        "1. Cold build against the Waves stand-in",
        f"{sizes.cold_pairs} prompt x locale pairs, empty cache and output, built in-process with "
        f"`build.build` against `tests/waves_server.py` (run in its own process, babble audio, "
        f"answers after {sizes.latency * 1000:.0f} ms + "
        f"{sizes.cold_latency_per_char * 1000:g} ms per character, texts of 30-150 characters, "
        f"server concurrency limit = the build's `[waves] concurrency`). Ideal = every "
        f"answer's latency / concurrency. With faults the server "
        f"answers 10% of admitted requests 429 and 2% 500 (after the latency, so a faulted "
        f"attempt holds a slot as long as a good one); *attempt-ideal* counts every attempt the "
        f"server saw. *Slots busy* = the time the server spent on our admitted requests "
        f"(faulted ones included) / (C x the time from the first request's arrival to the last "
        f"answer's end; or x the build's wall time): the issue's utilisation seen from the "
        f"server, so client-side work never counts as busy; the verdict uses the first, the "
        f"same figure as section 1b's. *Bound*: the most any scheduler could reach with the "
        f"same attempts without sending any twice. *Event-loop CPU* = CPU time of the thread "
        f"running the build's event loop "
        f"(audio processing, validation and publishing run there); *process CPU* adds every "
        f"other thread of the build process (the server's is not included).",
    )
    runs: list[ColdRun] = []
    for faults in (False, True):
        for concurrency in sizes.concurrencies:
            runs.append(
                cold_run(work / f"cold-c{concurrency}-f{int(faults)}", sizes, concurrency, faults)
            )
    rows = []
    for r in runs:
        rows.append(
            (
                str(r.concurrency),
                "10% 429 + 2% 500" if r.faults else "none",
                fmt_s(r.wall_s),
                fmt_s(r.ideal_s),
                fmt_pct(r.efficiency),
                fmt_pct(r.attempts_efficiency),
                fmt_pct(r.utilisation),
                fmt_pct(r.bound),
                fmt_pct(r.utilisation_wall),
                f"{r.loop_cpu_s / sizes.cold_pairs * 1000:.1f} ms",
                f"{r.cpu_s / sizes.cold_pairs * 1000:.1f} ms",
                str(r.stats.tts_requests),
                _statuses(r.stats),
                f"{r.stats.max_in_flight} / {r.stats.over_limit}",
                str(r.lost),
            )
        )
    section.tables.append(
        Table(
            (
                "concurrency",
                "faults",
                "wall",
                "ideal",
                "of ideal",
                "of attempt-ideal",
                "slots busy (synthesis span)",
                "bound",
                "slots busy (build wall)",
                "event-loop CPU per pair",
                "process CPU per pair",
                "requests",
                "statuses",
                "max in flight / over limit",
                "lost",
            ),
            tuple(rows),
            "build.build",
        )
    )
    for r in runs:
        which = f"at concurrency {r.concurrency}, " + ("with faults" if r.faults else "no faults")
        bound = f"(bound {fmt_pct(r.bound)})"
        util, eff = r.utilisation, r.efficiency
        section.targets += [
            Target(
                f"slots busy {which}",
                fmt_pct(util),
                f">= 98% of C x span {bound}",
                util >= UTILISATION_TARGET,
            ),
            Target(
                f"throughput {which}", fmt_pct(eff), ">= 95% of ideal", eff >= EFFICIENCY_TARGET
            ),
        ]
        if r.faults:
            section.targets.append(Target(f"lost prompts {which}", str(r.lost), "0", r.lost == 0))
        for failure in r.failures[:3]:
            section.notes.append(f"c={r.concurrency} faults={r.faults}: {failure}")

    base: list[BaselineRun] = []
    for faults in (False, True):
        for max_conn, label in ((None, "unbounded"), (100, "100 connections (aiohttp default)")):
            name = f"vendor-{'f' if faults else 'n'}-{max_conn or 'all'}"
            base.append(baseline_run(work / name, sizes, faults, max_conn, label))
    section.tables.append(
        Table(
            (
                "client",
                "faults",
                "wall",
                "good .wav",
                "wrong (error body saved as .wav)",
                "missing",
                "requests",
                "statuses",
                "run aborted by",
            ),
            tuple(
                (
                    b.label,
                    "10% 429 + 2% 500" if b.faults else "none",
                    fmt_s(b.wall_s),
                    str(b.good),
                    str(b.wrong),
                    str(b.missing),
                    str(b.stats.tts_requests),
                    _statuses(b.stats),
                    b.aborted or "-",
                )
                for b in base
            ),
            f"vendor example (seeds 003/004): asyncio.gather of {sizes.cold_pairs} requests at "
            f"once, server concurrency {max(sizes.concurrencies)}",
        )
    )
    section.notes.append(
        "The vendor example is reimplemented with httpx.AsyncClient (the seeds use aiohttp) on "
        "the current route `POST /waves/v1/tts`; the seeds' `/waves/v1/lightning-v3.1/get_speech` "
        "was retired on 2026-07-14 and now answers 410. It writes whatever body comes back, so "
        "every 429/500 becomes a JSON file named .wav; it has no retry."
    )
    missed = [r for r in runs if not r.faults and r.efficiency < EFFICIENCY_TARGET]
    if missed and sizes.profile:
        worst = max(missed, key=lambda r: r.concurrency)
        knobs = {"concurrency": worst.concurrency, "latency": sizes.latency, "audio": "babble"}
        project = write_project(
            work / "cold-profile", sizes.cold_pairs, engine="waves", concurrency=worst.concurrency
        )
        with waves_server(**knobs) as server, _waves_env(server.url):
            _, text = profile_text(lambda: _build(project))
        section.profiles.append(
            (f"cProfile of the cold build at concurrency {worst.concurrency}, no faults", text)
        )
    return section
