"""Slot utilisation of the Waves client's scheduling alone, in virtual time.

The real client (`WavesClient`: retries, backoff, slots) speaks to an in-process
`httpx.MockTransport` standing in for the server. An answer takes `first_byte + per_char x
len(text)` seconds of a virtual clock (the sync route sends the whole audio, so the time grows
with the text, as on the real API), with the faults of section 1 drawn from a seeded generator.
Time moves only when every task waits, so the figure is the policy's, whatever the machine's
load.

The figure, the same here and against the stand-in server (section 1): the simulated server
records every synthesis attempt it receives, from its arrival to the end of its answer, faulted
ones included (a 429 or 500 holds its slot until answered). *Slots busy* = the summed time of
those records / (C x the span from the first arrival to the last answer's end). Client-side time
never counts as busy; time before the first request and after the last answer is not the
scheduler's (rendering, processing and publishing are measured in section 1 as build wall).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import math
import random
from collections.abc import Sequence
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
TARGET = 0.98
WORDS = (
    "please", "press", "one", "for", "billing", "account", "number", "your", "call", "is",
    "important", "to", "us", "hold", "the", "line", "thank", "you", "calling", "menu",
)  # fmt: skip


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


def prompt_texts(pairs: int, *, varied: bool, seed: int = 3) -> list[str]:
    """Seeded prompt texts in plan order. Varied: lengths spread like an IVR set's (short
    confirmations to long menus: log-normal around 60 characters, 12 to 240); else all alike."""
    rng = random.Random(seed)
    texts = []
    for i in range(pairs):
        size = min(240, max(12, round(rng.lognormvariate(math.log(60), 0.6)))) if varied else 30
        words = [f"P{i}"]
        while sum(len(w) + 1 for w in words) < size:
            words.append(rng.choice(WORDS))
        texts.append((" ".join(words) + ".")[:size])
    return texts


@dataclass(frozen=True)
class Attempt:
    """One synthesis attempt as the simulated server saw it."""

    request_id: str
    arrived: float
    answered: float
    status: int


@dataclass(frozen=True)
class SimRun:
    concurrency: int
    faults: bool
    attempts: tuple[Attempt, ...]
    max_in_flight: int

    @property
    def requests(self) -> int:
        return len(self.attempts)

    @property
    def busy_s(self) -> float:
        return sum(a.answered - a.arrived for a in self.attempts)

    @property
    def span_s(self) -> float:
        if not self.attempts:
            return 0.0
        return max(a.answered for a in self.attempts) - min(a.arrived for a in self.attempts)

    @property
    def utilisation(self) -> float:
        return busy_ratio(self.busy_s, self.span_s, self.concurrency)

    @property
    def bound(self) -> float:
        """The best any scheduler could do with these very attempts (see `span_bound`)."""
        return busy_ratio(
            self.busy_s, span_bound(self.attempts, self.concurrency), self.concurrency
        )


def busy_ratio(busy: float, span: float, concurrency: int) -> float:
    return busy / (concurrency * span) if span > 0 else 0.0


def span_bound(attempts: Sequence[Attempt], concurrency: int) -> float:
    """A lower bound on the span of any schedule of these attempts on `concurrency` slots that
    sends nothing twice: the largest of
    - the busy time spread evenly over the slots;
    - one prompt's attempts end to end (a retry starts only after the failure is answered);
    - pigeonhole: of the k x C + 1 longest attempts, some slot runs k + 1, so the span is at
      least (k + 1) x the (k x C + 1)-th longest. With equal lengths this is the last-round
      bound: ceil(N / C) rounds."""
    if not attempts:
        return 0.0
    times = sorted((a.answered - a.arrived for a in attempts), reverse=True)
    chains: dict[str, float] = {}
    for a in attempts:
        chains[a.request_id] = chains.get(a.request_id, 0.0) + a.answered - a.arrived
    best = max(sum(times) / concurrency, *chains.values())
    for k in range(0, (len(times) - 1) // concurrency + 1):
        best = max(best, (k + 1) * times[k * concurrency])
    return best


async def _simulate(
    texts: Sequence[str],
    concurrency: int,
    first_byte: float,
    per_char: float,
    *,
    faults: bool,
    seed: int,
) -> SimRun:
    vt = VirtualTime()
    rng = random.Random(seed)
    attempts: list[Attempt] = []
    in_flight = [0, 0]  # now, most
    spoken: set[str] = set()

    async def handler(request: httpx.Request) -> httpx.Response:
        data = json.loads(await request.aread())
        arrived = vt.now
        in_flight[0] += 1
        in_flight[1] = max(in_flight[1], in_flight[0])
        if in_flight[0] > concurrency:
            raise AssertionError(f"{in_flight[0]} requests in flight, limit {concurrency}")
        await vt.sleep(first_byte + per_char * len(data["text"]))
        in_flight[0] -= 1
        roll = rng.random() if faults else 1.0
        status = 429 if roll < 0.10 else 500 if roll < 0.12 else 200
        attempts.append(Attempt(data["request_id"], arrived, vt.now, status))
        if status == 200 and data["request_id"] in spoken:  # billed twice: a client bug
            raise AssertionError(f"{data['request_id']} synthesized twice")
        if status == 200:
            spoken.add(data["request_id"])
        if status == 429:
            return httpx.Response(429, json={"message": "Rate limit exceeded"})
        if status == 500:
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
    )

    def body(i: int, text: str) -> TtsBody:
        return {
            "text": text,
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

    async def one(i: int, text: str) -> None:
        async with window:
            await client.tts(body(i, text))

    main = asyncio.ensure_future(asyncio.gather(*(one(i, t) for i, t in enumerate(texts))))
    await vt.drive(main)
    await main
    await client.aclose()
    return SimRun(concurrency, faults, tuple(attempts), in_flight[1])


def simulate(
    texts: Sequence[str],
    concurrency: int,
    first_byte: float,
    per_char: float,
    *,
    faults: bool,
    seed: int = 5,
) -> SimRun:
    return asyncio.run(
        _simulate(texts, concurrency, first_byte, per_char, faults=faults, seed=seed)
    )


def longest_first(texts: Sequence[str]) -> list[str]:
    """The build's order of synthesis (build._produce): longest text first, stable."""
    return sorted(texts, key=len, reverse=True)


def _faults(faults: bool) -> str:
    return "10% 429 + 2% 500" if faults else "none"


def _verdict(ratio: float) -> str:
    return "met" if ratio >= TARGET else "**missed**"


def run(sizes: Sizes, work: Path) -> Section:
    """Section 1b: every C, with and without faults, at each size."""
    del work
    section = Section(
        "slots",
        "1b. Slot utilisation of the client's scheduling (virtual time)",
        "The real `WavesClient` (retries, backoff, slots) against an in-process "
        "`httpx.MockTransport` whose answers take "
        f"{sizes.latency * 1000:.0f} ms + {sizes.latency_per_char * 1000:.0f} ms per character "
        "of a virtual clock (the sync route sends the whole audio: 15 characters of speech a "
        "second, made at 3x real time), with section 1's faults (10% 429, 2% 500, seeded, "
        "answered after the same time); up to 8 x C prompts wait on the client, as in a build. "
        "Time moves only when every task waits, so these figures are the scheduling policy's "
        "alone, independent of the machine's load. *Slots busy* = the time the simulated "
        "server spent on every attempt, faulted ones included / (C x the span from the first "
        "request's arrival to the last answer's end): the same figure as section 1's. *Bound* "
        "= what no scheduler can pass with the same attempts without sending any twice (not "
        "always reachable: `slot_sim.span_bound`). Texts: seeded, 12-240 characters "
        "(log-normal around 60); *plan order* = started in the plan's order, *longest first* = "
        "the build's order.",
    )
    rows, equal_rows = [], []
    for pairs in sizes.sim_pairs:
        plan = prompt_texts(pairs, varied=True)
        alike = prompt_texts(pairs, varied=False)
        for faults in (False, True):
            for concurrency in sizes.concurrencies:
                args = (concurrency, sizes.latency, sizes.latency_per_char)
                old = simulate(plan, *args, faults=faults)
                new = simulate(longest_first(plan), *args, faults=faults)
                flat = simulate(alike, concurrency, sizes.latency, 0.0, faults=faults)
                rows.append(
                    (
                        f"{pairs:,}",
                        str(concurrency),
                        _faults(faults),
                        str(new.requests),
                        fmt_pct(old.utilisation),
                        fmt_pct(new.utilisation),
                        fmt_pct(new.bound),
                        str(new.max_in_flight),
                        fmt_s(new.span_s),
                        _verdict(new.utilisation),
                    )
                )
                rounds = -(-flat.requests // concurrency)
                last_round = flat.requests / (concurrency * rounds)
                bound = fmt_pct(flat.bound)
                if abs(flat.bound - last_round) < 1e-9:
                    bound += f" = {flat.requests} / ({concurrency} x {rounds})"
                equal_rows.append(
                    (
                        f"{pairs:,}",
                        str(concurrency),
                        _faults(faults),
                        str(flat.requests),
                        fmt_pct(flat.utilisation),
                        bound,
                        _verdict(flat.utilisation),
                    )
                )
                where = f"{pairs:,} pairs, C={concurrency}, " + (
                    "with faults" if faults else "no faults"
                )
                section.targets.append(
                    Target(
                        f"slots busy (policy, virtual time), {where}",
                        fmt_pct(new.utilisation),
                        f">= 98% of C x span (bound {fmt_pct(new.bound)})",
                        new.utilisation >= TARGET,
                    )
                )
                section.targets.append(
                    Target(
                        f"slots busy, every answer {sizes.latency * 1000:.0f} ms, {where}",
                        fmt_pct(flat.utilisation),
                        f">= 98% of C x span (bound {fmt_pct(flat.bound)})",
                        flat.utilisation >= TARGET,
                    )
                )
    section.tables.append(
        Table(
            (
                "pairs",
                "C",
                "faults",
                "requests",
                "slots busy, plan order",
                "slots busy, longest first",
                "bound",
                "most in flight",
                "span",
                "98%",
            ),
            tuple(rows),
            "texts of many lengths, answer time growing with the text",
        )
    )
    section.tables.append(
        Table(
            ("pairs", "C", "faults", "requests", "slots busy", "bound", "98%"),
            tuple(equal_rows),
            f"every text alike, every answer {sizes.latency * 1000:.0f} ms (the worst case for "
            "the last round)",
        )
    )
    section.notes.append(
        "What no scheduler can fill: with N attempts of equal length the last round runs "
        "N - C x (ceil(N / C) - 1) of C slots, so slots busy is at most N / (C x ceil(N / C)): "
        "500 / (16 x 32) = 97.7%, and with faults 578 / (16 x 37) = 97.6%. Below that bound, "
        "a retry of a failure answered in the last round cannot start before the failure is "
        "known, nor before its floor (50 ms, or Retry-After). Only speculative duplicate "
        "requests would fill those slots, and they are billed twice; the client sends none. "
        "With texts of many lengths, longest first leaves the short ones to fill the last round."
    )
    return section


def main() -> None:
    """`python -m benchmarks.slot_sim`: the figure per C, with and without faults."""
    from .config import FULL

    section = run(FULL, Path("."))
    for table in section.tables:
        print(" | ".join(table.headers))
        for row in table.rows:
            print(" | ".join(row))
    for target in section.targets:
        verdict = "met" if target.met else "MISSED"
        print(f"{target.figure}: {target.value} ({target.target}): {verdict}")


if __name__ == "__main__":
    main()
