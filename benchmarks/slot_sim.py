"""Slot utilisation of the Waves client's scheduling alone, in virtual time.

The real client (`WavesClient`, retries, backoff, slots) speaks to an in-process
`httpx.MockTransport` whose answers take `latency` seconds of a virtual clock, with the same
faults as section 1 drawn from a seeded generator. Time moves only when every task waits, so
the figure is the policy's, whatever the machine's load: busy slot-time / (C x span), where the
span runs from the first request to the last answer. Run with early retries (the current
policy) and without (every retry waits out its full backoff: the previous policy)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ivr_prompts.config import WavesSettings
from ivr_prompts.engines.waves.client import WavesClient
from ivr_prompts.engines.waves.shapes import TtsBody

from .config import Sizes
from .model import Section, Table, Target, fmt_pct, fmt_s

KEY = "sk_sim_0123456789abcdef"
PCM = b"\x00\x01" * 800


class VirtualTime:
    """A clock and a sleep; `drive` advances to the next sleeper whenever every task waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), fut))
        try:
            await fut
        finally:
            if not fut.done():
                fut.cancel()

    async def drive(self, main: asyncio.Future[Any]) -> None:
        while not main.done():
            for _ in range(60):  # let every ready task run before time moves
                await asyncio.sleep(0)
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)
            if main.done() or not self._sleepers:
                continue
            due, _, fut = heapq.heappop(self._sleepers)
            self.now = max(self.now, due)
            fut.set_result(None)


@dataclass(frozen=True)
class SimRun:
    concurrency: int
    faults: bool
    early: bool
    requests: int
    busy_s: float
    span_s: float

    @property
    def utilisation(self) -> float:
        return self.busy_s / (self.concurrency * self.span_s) if self.span_s > 0 else 0.0


async def _simulate(
    pairs: int, concurrency: int, latency: float, *, faults: bool, early: bool, seed: int
) -> SimRun:
    vt = VirtualTime()
    rng = random.Random(seed)
    first: list[float] = []
    last = [0.0]
    requests = [0]

    async def handler(request: httpx.Request) -> httpx.Response:
        requests[0] += 1
        if not first:
            first.append(vt.now)
        await vt.sleep(latency)
        last[0] = vt.now
        roll = rng.random() if faults else 1.0
        if roll < 0.10:
            return httpx.Response(429, json={"message": "Rate limit exceeded"})
        if roll < 0.12:
            return httpx.Response(500, json={"message": "Synthesis failed"})
        return httpx.Response(200, content=PCM, headers={"Content-Type": "audio/wav"})

    settings = WavesSettings(
        base_url="https://waves.invalid", concurrency=concurrency, endpoint="sync", max_attempts=8
    )
    client = WavesClient(
        settings,
        KEY,
        transport=httpx.MockTransport(handler),
        sleep=vt.sleep,
        clock=vt.clock,
        rng=random.Random(seed + 1),
        environ={},
        early_retries=early,
    )

    def body(i: int) -> TtsBody:
        return {
            "text": f"Prompt {i}.",
            "voice_id": "magnus",
            "model": "lightning_v3.1",
            "sample_rate": 8000,
            "speed": 1.0,
            "language": "en",
            "output_format": "pcm",
            "request_id": f"p{i}",
        }

    # As the build: up to 8 x C prompts wait on the client at once, the next starts as one ends.
    window = asyncio.Semaphore(8 * concurrency)

    async def one(i: int) -> None:
        async with window:
            await client.tts(body(i))

    main = asyncio.ensure_future(asyncio.gather(*(one(i) for i in range(pairs))))
    await vt.drive(main)
    await main
    await client.aclose()
    span = last[0] - (first[0] if first else 0.0)
    return SimRun(concurrency, faults, early, requests[0], client.slots.busy_seconds, span)


def simulate(
    pairs: int, concurrency: int, latency: float, *, faults: bool, early: bool, seed: int = 5
) -> SimRun:
    return asyncio.run(
        _simulate(pairs, concurrency, latency, faults=faults, early=early, seed=seed)
    )


def run(sizes: Sizes, work: Path) -> Section:
    """Section 1b: every combination of C, faults and policy, at each size."""
    del work
    section = Section(
        "slots",
        "1b. Slot utilisation of the client's scheduling (virtual time)",
        "The real `WavesClient` (retries, backoff, slots) against an in-process "
        "`httpx.MockTransport` answering after "
        f"{sizes.latency * 1000:.0f} ms of a virtual clock, with section 1's faults (10% 429, "
        "2% 500, seeded); up to 8 x C prompts wait on the client, as in a build. Time moves only "
        "when every task waits, so these figures are the scheduling policy's alone, independent "
        "of the machine's load. *Slots busy* = busy slot-time / (C x span from the first "
        "request to the last answer). *Early retries*: the current policy (a retry takes an idle "
        "slot after its floor, fresh work first, Retry-After honoured); *full backoff*: every "
        "retry waits out its backoff (the previous policy).",
    )
    rows = []
    for pairs in sizes.sim_pairs:
        for faults in (False, True):
            for concurrency in sizes.concurrencies:
                old = simulate(pairs, concurrency, sizes.latency, faults=faults, early=False)
                new = simulate(pairs, concurrency, sizes.latency, faults=faults, early=True)
                rows.append(
                    (
                        f"{pairs:,}",
                        str(concurrency),
                        "10% 429 + 2% 500" if faults else "none",
                        str(new.requests),
                        fmt_pct(old.utilisation),
                        fmt_pct(new.utilisation),
                        fmt_s(old.span_s),
                        fmt_s(new.span_s),
                    )
                )
                section.targets.append(
                    Target(
                        f"slots busy (policy, virtual time), {pairs:,} pairs, C={concurrency}, "
                        + ("with faults" if faults else "no faults"),
                        fmt_pct(new.utilisation),
                        ">= 98% of C x span",
                        new.utilisation >= 0.98,
                    )
                )
    section.tables.append(
        Table(
            (
                "pairs",
                "concurrency",
                "faults",
                "requests",
                "slots busy, full backoff",
                "slots busy, early retries",
                "span, full backoff",
                "span, early retries",
            ),
            tuple(rows),
        )
    )
    section.notes.append(
        "What no scheduler can fill: the last wave (when the pairs are not a multiple of C, "
        "the final round runs with idle slots) and the retry of a failure in that wave, which "
        "cannot start before the failure is known. Only speculative duplicate requests would "
        "fill those, and they are billed twice; the client sends none."
    )
    return section
