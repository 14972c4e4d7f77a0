"""`build --shard K/N`: one of N jobs synthesizes and caches its share of a build's syntheses.

Every shard partitions every spoken synthesis of the plan, whatever the cache holds, so shards
started at different times agree on who does what; each then makes only the missing ones of its
share and puts them in the shared cache, where the final plain `build` finds them all.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .. import cache
from ..config import Config
from ..engines.registry import Engines
from ..errors import (
    EngineUnavailable,
    IvrPromptsError,
    PublishError,
    ShardFailed,
    UsageError,
)
from ..text import render
from . import build_parts, speak
from .options import BuildOptions
from .plan import Pair, Plan, make_plan
from .secret_guard import refuse_secrets
from .selection import RenderAll
from .speak import Progress, Speaker
from .spoken_parts import SpokenPart, speech_parts, synth_keys

_SPEC = re.compile(r"(\d+)/(\d+)")


@dataclass(frozen=True)
class Shard:
    """Share `index` (1-based) of `count`."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`K/N` with 1 <= K <= N; UsageError naming the value and the fix otherwise."""
        match = _SPEC.fullmatch(text.strip())
        fix = "give K/N with 1 <= K <= N, e.g. --shard 2/4"
        if match is None:
            raise UsageError(f"--shard {text!r}: not K/N; {fix}")
        index, count = int(match[1]), int(match[2])
        if count < 1 or not 1 <= index <= count:
            raise UsageError(f"--shard {text!r}: K must be between 1 and N; {fix}")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True, order=True)
class Unit:
    """One synthesis of a plan: its cache key and the length of the text it speaks."""

    key: str
    length: int


@dataclass(frozen=True)
class Said:
    """Who says a unit: the first pair that does, and which of its parts (None: all of it)."""

    pair: Pair
    part: SpokenPart | None


def spoken(plan: Plan) -> dict[str, Said]:
    """Every spoken synthesis of the pairs this build is asked for, once per key (two prompts
    saying the same text in the same voice are one), whatever the cache holds."""
    found: dict[str, Said] = {}
    for pair in plan.pairs:
        if not pair.selected or pair.generated:
            continue
        if not pair.parts:
            found.setdefault(pair.synth_key, Said(pair, None))
        for part in speech_parts(pair.parts):
            found.setdefault(part.synth_key, Said(pair, part))
    return found


def text_of(said: Said) -> str:
    return said.part.spoken if said.part else said.pair.spoken


def partition(units: Sequence[Unit], count: int) -> list[list[Unit]]:
    """`units` in `count` bins, balanced by text length: longest first (then by key), each to
    the least loaded bin (the lowest on a tie). The same units give the same bins anywhere."""
    bins: list[list[Unit]] = [[] for _ in range(count)]
    loads = [0] * count
    for unit in sorted(set(units), key=lambda u: (-u.length, u.key)):
        lightest = min(range(count), key=lambda i: (loads[i], i))
        bins[lightest].append(unit)
        loads[lightest] += unit.length
    return bins


def share(plan: Plan, shard: Shard) -> list[str]:
    """The keys of `shard`'s share of the plan's syntheses, longest text first."""
    return share_of(spoken(plan), shard)


def share_of(said: Mapping[str, Said], shard: Shard) -> list[str]:
    """The keys of `shard`'s share of these syntheses (`spoken`'s answer), longest text first."""
    units = [Unit(key, len(text_of(s))) for key, s in said.items()]
    return [u.key for u in partition(units, shard.count)[shard.index - 1]]


def missing(plan: Plan) -> set[str]:
    """The syntheses this build would make: those of the pairs it must synthesize that the
    cache it was planned with did not hold (a pair published or cached as audio needs none)."""
    keys = {k for p in plan.pairs if p.action == "synthesize" for k in synth_keys(p)}
    return keys - plan.cached_parts


def require_writable(config: Config, store: cache.LayeredCache, shard: Shard) -> None:
    """A shard's work reaches the final build only through the shared cache: refuse (before
    anything is planned or billed) when it cannot write there."""
    if config.project.remote_cache is None:
        raise UsageError(
            f"--shard {shard}: no shared cache to put this shard's syntheses in; set "
            '[project] remote_cache = "s3://bucket/prefix" in prompts.toml '
            "(every shard and the final build must use it)"
        )
    if store.remote is None:
        raise UsageError(f"--shard {shard}: --no-remote leaves nothing to share; drop --no-remote")
    if store.read_only:
        raise UsageError(
            f"--shard {shard}: the shared cache is read-only here (--remote-read-only or "
            'remote_cache_mode = "read-only"); give this job write access and drop the read-only '
            "setting"
        )


@dataclass
class ShardReport:
    """What one shard did."""

    shard: Shard
    units: int = 0  # spoken syntheses of the whole build
    share: int = 0  # of them, this shard's
    synthesized: int = 0  # made and cached by this shard
    processed: int = 0  # telephony audio made from them and cached, for the final build
    failures: list[str] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)

    @property
    def already(self) -> int:
        """This shard's syntheses that were cached (or not needed) before it ran."""
        return self.share - self.synthesized - len(self.failed)


async def run_shard(
    config: Config,
    shard: Shard,
    options: BuildOptions | None = None,
    *,
    store: cache.LayeredCache,
    engines: Engines | None = None,
    progress: Progress = speak.quiet,
    render_all: RenderAll = render.render_all,
) -> ShardReport:
    """Synthesize and cache the missing syntheses of `shard`'s share; publish nothing.

    Raises ShardFailed after the rest of the share is done when some synthesis failed.
    """
    options = options or BuildOptions()
    require_writable(config, store, shard)
    engines = engines or Engines(config)
    report = ShardReport(shard)
    try:
        # Planned against the local cache only: the shared one is asked about this shard's
        # share alone (N shards asking about the whole set would be N times the lookups).
        plan = make_plan(config, options, engines, cache.LayeredCache(store.local), render_all)
        refuse_secrets(config, plan.lexicons)  # before anything is spoken
        said = spoken(plan)
        mine = share_of(said, shard)
        report.units, report.share = len(said), len(mine)
        needed = missing(plan)
        candidates = [k for k in mine if k in needed]
        shared = await asyncio.to_thread(store.present, "synth", candidates)
        todo = [said[k] for k in candidates if k not in shared]
        await _synthesize(plan, engines, store, todo, report=report, progress=progress)
        await asyncio.to_thread(store.flush)  # the share is in the shared cache, or this fails
    finally:
        await engines.aclose()
        await asyncio.to_thread(store.close)
    if report.failures:
        raise ShardFailed(str(shard), sorted(report.failures), len(report.failed))
    return report


async def _synthesize(
    plan: Plan,
    engines: Engines,
    store: cache.LayeredCache,
    todo: Sequence[Said],
    *,
    report: ShardReport,
    progress: Progress,
) -> None:
    """Speak each unit of `todo` as the build would; failures go to the report."""
    pool = concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="ivr-sh")
    speaker = Speaker(engines, store, pool, progress)
    parts = build_parts.Parts(store, speaker)
    remote_ids = await speak.prepare(plan, engines, (s.pair for s in todo))
    units = iter(todo)  # one shared iterator: each unit goes to exactly one worker
    loop = asyncio.get_running_loop()
    # A whole pair's synthesis is also processed here, so the final build only reads, checks
    # and stages it: the processing is shared by the shards too. (A pair spoken in parts is
    # joined by the final build, whose shard may not hold every part.)
    processes = {p.synth_key: p for p in plan.pairs if p.action == "synthesize" and not p.parts}

    async def worker() -> None:
        for said in units:
            try:
                request = build_parts.request(said.pair, remote_ids, said.part)
                synth = await parts.once(said.pair, request)
                report.synthesized += 1
                # A part keyed as a whole prompt of its text is that prompt's synthesis too.
                pair = processes.get(request.cache_key)
                if pair is not None:
                    entry = await loop.run_in_executor(
                        pool, build_parts.processed, plan.config, synth
                    )
                    await loop.run_in_executor(pool, store.put, "audio", pair.audio_key, entry)
                    report.processed += 1
                progress("done", said.pair)
            except (EngineUnavailable, UsageError, PublishError):
                raise  # the shard cannot go on (no key, unwritable cache...)
            except IvrPromptsError as exc:
                report.failures.append(f"{said.pair.name}: {exc.message}")
                report.failed.add(said.part.synth_key if said.part else said.pair.synth_key)
                progress("failed", said.pair)

    used = {s.pair.engine for s in todo}
    slots = sum(engines.get(e).max_concurrency for e in used)
    try:
        await speak.together(worker, slots)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
