"""The Waves client's slot scheduling: fresh work first, a retry takes an idle slot after its
floor, Retry-After always honoured, never more than C in flight. Deterministic: time is a
manual clock that only moves when the test says so."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import random
import re
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest

from ivr_prompts.config import WavesSettings
from ivr_prompts.engines.waves.client import WavesClient
from ivr_prompts.engines.waves.shapes import TtsBody
from ivr_prompts.engines.waves.slots import EARLY_FLOOR, Slots, retry_floor
from tests.test_waves_client import body
from tests.waves_server import WavesServer

T = TypeVar("T")
KEY = "sk_live_SLOTS_0123456789abcdef"


class ManualTime:
    """A clock and a sleep: sleepers wake only when `advance` passes their time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.asked: list[float] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), fut))
        await fut

    async def settle(self) -> None:
        for _ in range(20):
            await asyncio.sleep(0)

    async def advance(self, until: float) -> None:
        """Wake every sleeper due by `until`, in time order, letting each run before the next."""
        await self.settle()
        while self._sleepers and self._sleepers[0][0] <= until:
            due, _, fut = heapq.heappop(self._sleepers)
            self.now = max(self.now, due)
            if not fut.done():
                fut.set_result(None)
            await self.settle()
        self.now = max(self.now, until)
        await self.settle()


def run(factory: Callable[[ManualTime], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(factory(ManualTime()))


# -- the floor ------------------------------------------------------------------------------------


def test_retry_floor_retry_after_sent_is_honoured_in_full() -> None:
    assert retry_floor(1, 7.0, 7.0) == 7.0
    assert retry_floor(3, 2.5, 4.0) == 2.5


def test_retry_floor_no_retry_after_doubles_and_never_exceeds_backoff() -> None:
    assert retry_floor(1, None, 10.0) == EARLY_FLOOR
    assert retry_floor(3, None, 10.0) == EARLY_FLOOR * 4
    assert retry_floor(2, None, 0.01) == 0.01


# -- the scheduler ------------------------------------------------------------------------------


def test_slots_idle_slot_retry_takes_it_after_the_floor() -> None:
    async def scenario(t: ManualTime) -> tuple[bool, float]:
        slots = Slots(2, sleep=t.sleep, clock=t.clock)
        got: list[tuple[bool, float]] = []

        async def retry() -> None:
            early = await slots.acquire_retry(0.05, 3.0)
            got.append((early, t.now))

        task = asyncio.create_task(retry())
        await t.advance(0.05)
        await task
        return got[0]

    assert run(scenario) == (True, 0.05)


def test_slots_fresh_work_waiting_goes_before_a_retry_in_backoff() -> None:
    async def scenario(t: ManualTime) -> list[str]:
        slots = Slots(1, sleep=t.sleep, clock=t.clock)
        order: list[str] = []
        await slots.acquire()  # the one slot is busy

        async def fresh(name: str) -> None:
            await slots.acquire()
            order.append(name)

        async def retry() -> None:
            await slots.acquire_retry(0.05, 3.0)
            order.append(f"retry@{t.now:g}")

        tasks = [asyncio.create_task(fresh("fresh-1")), asyncio.create_task(retry())]
        await t.advance(0.05)  # the retry's floor is out; the slot is busy
        tasks.append(asyncio.create_task(fresh("fresh-2")))
        await t.settle()
        slots.release(True)  # fresh-1 was waiting: it goes first
        await t.settle()
        slots.release(True)  # fresh-2 waits in turn: it goes before the retry
        await t.settle()
        await t.advance(1.0)
        slots.release(True)  # nobody fresh is left: the idle slot goes to the retry, early
        await asyncio.gather(*tasks)
        return order

    assert run(scenario) == ["fresh-1", "fresh-2", "retry@1"]


def test_slots_retry_after_is_waited_even_with_idle_slots() -> None:
    async def scenario(t: ManualTime) -> float:
        slots = Slots(4, sleep=t.sleep, clock=t.clock)
        task = asyncio.create_task(slots.acquire_retry(retry_floor(1, 7.0, 7.0), 7.0))
        await t.advance(6.99)
        assert not task.done()
        await t.advance(7.0)
        await task
        return t.now

    assert run(scenario) == 7.0


def test_slots_unhealthy_server_gets_the_full_backoff() -> None:
    async def scenario(t: ManualTime) -> tuple[bool, list[float]]:
        slots = Slots(2, sleep=t.sleep, clock=t.clock)
        for _ in range(4):  # most recent attempts failed
            await slots.acquire()
            slots.release(False)
        task = asyncio.create_task(slots.acquire_retry(0.05, 2.0))
        await t.advance(1.0)
        assert not task.done()
        await t.advance(2.0)
        return await task, t.asked

    assert run(scenario) == (False, [2.0])


def test_slots_release_of_an_attempt_never_sent_leaves_health_alone() -> None:
    """A retry that ran out of its deadline before sending counts as neither success nor
    failure of the server."""

    async def scenario(t: ManualTime) -> tuple[bool, bool]:
        unsent = Slots(2, sleep=t.sleep, clock=t.clock)
        failed = Slots(2, sleep=t.sleep, clock=t.clock)
        for _ in range(8):
            await unsent.acquire()
            unsent.release(None)
            await failed.acquire()
            failed.release(False)
        return unsent.healthy(), failed.healthy()

    assert run(scenario) == (True, False)


def test_slots_backoff_out_retry_queues_in_turn() -> None:
    async def scenario(t: ManualTime) -> bool:
        slots = Slots(1, sleep=t.sleep, clock=t.clock)
        await slots.acquire()
        task = asyncio.create_task(slots.acquire_retry(0.05, 1.0))
        await t.advance(1.0)  # backoff out while the slot is still busy
        assert not task.done()
        slots.release(True)
        return await task

    assert run(scenario) is False


def test_slots_cancelled_retry_frees_its_place() -> None:
    async def scenario(t: ManualTime) -> tuple[int, int]:
        slots = Slots(1, sleep=t.sleep, clock=t.clock)
        await slots.acquire()
        task = asyncio.create_task(slots.acquire_retry(0.05, 5.0))
        await t.advance(0.05)
        task.cancel()
        await t.settle()
        slots.release(True)
        return slots.in_flight, slots.early_grants

    assert run(scenario) == (0, 0)


def test_slots_random_load_never_exceeds_capacity() -> None:
    async def scenario(t: ManualTime) -> tuple[int, int]:
        slots = Slots(3, sleep=t.sleep, clock=t.clock)
        rng = random.Random(11)
        done = 0

        async def job() -> None:
            nonlocal done
            wait: tuple[float, float] | None = None
            for attempt in range(1, 6):
                if wait is None:
                    await slots.acquire()
                else:
                    await slots.acquire_retry(*wait)
                assert slots.in_flight <= slots.capacity
                await t.sleep(0.2)
                ok = rng.random() > 0.3 or attempt == 5
                slots.release(ok)
                if ok:
                    done += 1
                    return
                backoff = rng.uniform(0.0, 0.5 * 2 ** (attempt - 1))
                wait = (retry_floor(attempt, None, backoff), backoff)

        tasks = [asyncio.create_task(job()) for _ in range(40)]
        step = 0.0
        while not all(task.done() for task in tasks):
            step += 0.01
            await t.advance(step)
        await asyncio.gather(*tasks)
        return slots.max_in_flight, done

    assert run(scenario) == (3, 40)


# -- longest first --------------------------------------------------------------------------------


def _waiter(
    slots: Slots, order: list[str], name: str, cost: float, retry: tuple[float, float] | None = None
) -> asyncio.Task[None]:
    async def wait() -> None:
        if retry is None:
            await slots.acquire(cost)
        else:
            early = await slots.acquire_retry(*retry, cost)
            name_ = f"{name}{'-early' if early else ''}"
            order.append(name_)
            return
        order.append(name)

    return asyncio.create_task(wait())


async def _drain(t: ManualTime, slots: Slots, times: int) -> None:
    for _ in range(times):
        slots.release(True)
        await t.settle()


def test_slots_waiters_in_turn_go_longest_first() -> None:
    async def scenario(t: ManualTime) -> list[str]:
        slots = Slots(1, sleep=t.sleep, clock=t.clock)
        order: list[str] = []
        await slots.acquire()
        tasks = [_waiter(slots, order, n, c) for n, c in (("a5", 5), ("b30", 30), ("c12", 12))]
        await t.settle()
        await _drain(t, slots, 3)
        await asyncio.gather(*tasks)
        return order

    assert run(scenario) == ["b30", "c12", "a5"]


def test_slots_equal_lengths_keep_the_order_of_arrival() -> None:
    async def scenario(t: ManualTime) -> list[str]:
        slots = Slots(1, sleep=t.sleep, clock=t.clock)
        order: list[str] = []
        await slots.acquire()
        tasks = [_waiter(slots, order, n, 7) for n in ("first", "second", "third")]
        await t.settle()
        await _drain(t, slots, 3)
        await asyncio.gather(*tasks)
        return order

    assert run(scenario) == ["first", "second", "third"]


def test_slots_short_waiter_passed_over_twice_capacity_goes_next() -> None:
    """Longer work arriving without end cannot starve a short prompt (nor its deadline)."""

    async def scenario(t: ManualTime) -> list[str]:
        slots = Slots(1, sleep=t.sleep, clock=t.clock)
        order: list[str] = []
        await slots.acquire()
        tasks = [_waiter(slots, order, "short", 1)]
        for n in range(1, 4):
            tasks.append(_waiter(slots, order, f"long{n}", 10 * n))
            await t.settle()
            await _drain(t, slots, 1)
        await _drain(t, slots, 2)
        await asyncio.gather(*tasks)
        return order

    assert run(scenario) == ["long1", "long2", "short", "long3"]


def test_slots_early_retry_never_displaces_shorter_fresh_work() -> None:
    async def scenario(t: ManualTime) -> list[str]:
        slots = Slots(1, sleep=t.sleep, clock=t.clock)
        order: list[str] = []
        await slots.acquire()
        tasks = [_waiter(slots, order, "retry100", 100, (0.05, 3.0))]
        await t.advance(0.05)  # floor out, backoff not: the retry may only take an idle slot
        tasks.append(_waiter(slots, order, "fresh1", 1))
        await t.settle()
        await _drain(t, slots, 2)
        await asyncio.gather(*tasks)
        return order

    assert run(scenario) == ["fresh1", "retry100-early"]


def test_slots_early_retries_go_longest_first() -> None:
    async def scenario(t: ManualTime) -> list[str]:
        slots = Slots(1, sleep=t.sleep, clock=t.clock)
        order: list[str] = []
        await slots.acquire()
        tasks = [
            _waiter(slots, order, "r10", 10, (0.05, 3.0)),
            _waiter(slots, order, "r40", 40, (0.05, 3.0)),
        ]
        await t.advance(0.05)
        await _drain(t, slots, 2)
        await asyncio.gather(*tasks)
        return order

    assert run(scenario) == ["r40-early", "r10-early"]


def test_slots_retry_with_backoff_out_goes_before_shorter_fresh_work() -> None:
    async def scenario(t: ManualTime) -> list[str]:
        slots = Slots(1, sleep=t.sleep, clock=t.clock)
        order: list[str] = []
        await slots.acquire()
        tasks = [
            _waiter(slots, order, "fresh10", 10),
            _waiter(slots, order, "retry50", 50, (0.05, 1.0)),
        ]
        await t.advance(1.0)  # backoff out while the slot is busy: the retry waits in turn
        await _drain(t, slots, 2)
        await asyncio.gather(*tasks)
        return order

    assert run(scenario) == ["retry50", "fresh10"]


def test_slots_equal_lengths_retry_in_turn_goes_before_fresh_work() -> None:
    """A retry's failure may call for yet another attempt: at equal length it starts first,
    so that attempt is not left alone at the end."""

    async def scenario(t: ManualTime) -> list[str]:
        slots = Slots(1, sleep=t.sleep, clock=t.clock)
        order: list[str] = []
        await slots.acquire()
        tasks = [_waiter(slots, order, "fresh20", 20)]
        await t.settle()
        tasks.append(_waiter(slots, order, "retry20", 20, (0.05, 1.0)))
        await t.advance(1.0)
        await _drain(t, slots, 2)
        await asyncio.gather(*tasks)
        return order

    assert run(scenario) == ["retry20", "fresh20"]


def test_slots_server_turns_unhealthy_early_retry_waits_out_its_backoff() -> None:
    async def scenario(t: ManualTime) -> tuple[bool, float, int]:
        slots = Slots(2, sleep=t.sleep, clock=t.clock)
        await slots.acquire()
        await slots.acquire()
        task = asyncio.create_task(slots.acquire_retry(0.05, 2.0, 9))
        await t.advance(0.05)  # waiting for an idle slot, early
        slots.release(False)  # a slot frees, but now most recent attempts failed
        await t.advance(1.99)
        assert not task.done()
        free_before = slots.in_flight
        await t.advance(2.05)  # backoff out: in turn, and the idle slot is its own
        return await task, t.now, free_before

    assert run(scenario) == (False, 2.05, 1)


# -- through the client ---------------------------------------------------------------------------


def _body(text: str) -> TtsBody:
    return body(text, request_id=re.sub(r"[^A-Za-z0-9]", "_", text))


def test_client_tail_retry_takes_idle_slot_before_its_backoff() -> None:
    """Eight good answers, then one prompt's 500: alone at the end, it retries after the floor,
    not after its jittered backoff."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        text = request.read().decode()
        calls.append(text)
        if "last" in text and calls.count(text) == 1:
            return httpx.Response(500, json={"message": "try later"})
        headers = {"Content-Type": "audio/wav", "X-Request-Id": "r"}
        return httpx.Response(200, content=b"\x00\x01" * 400, headers=headers)

    async def scenario(t: ManualTime) -> tuple[int, list[float], int]:
        settings = WavesSettings(base_url="https://waves.invalid", concurrency=4, endpoint="sync")
        client = WavesClient(
            settings,
            KEY,
            transport=httpx.MockTransport(handler),
            sleep=t.sleep,
            clock=t.clock,
            rng=random.Random(3),
            environ={},
            early_retries=True,
        )
        try:
            for i in range(8):
                await client.tts(_body(f"good {i}"))
            task = asyncio.create_task(client.tts(_body("last")))
            await t.advance(EARLY_FLOOR)
            await task
        finally:
            await client.aclose()
        return len(calls), t.asked, client.slots.early_grants

    requests, asked, early = run(scenario)
    assert (requests, asked, early) == (10, [EARLY_FLOOR], 1)


@pytest.mark.parametrize("concurrency", [1, 3])
def test_client_faults_against_server_never_exceed_concurrency(concurrency: int) -> None:
    """Many prompts of many lengths against the contract server refusing over-limit requests
    with 429, plus injected 429s and 500s: every prompt succeeds, none is sent twice once it
    succeeded, and the server never saw more than C."""
    with WavesServer(
        api_key=KEY,
        concurrency=concurrency,
        latency=0.002,
        latency_per_char=0.0001,
        rate_429=0.2,
        rate_500=0.05,
        seed=4,
    ) as server:

        async def scaled(seconds: float) -> None:  # backoff shortened 100x, order unchanged
            await asyncio.sleep(seconds / 100)

        async def main() -> tuple[int, int]:
            settings = WavesSettings(
                base_url=server.url, concurrency=concurrency, max_attempts=12, endpoint="sync"
            )
            client = WavesClient(settings, KEY, sleep=scaled, environ={}, early_retries=True)
            try:
                results = await asyncio.gather(
                    *(client.tts(_body(f"Prompt {i}." + " More." * (i % 7))) for i in range(30))
                )
            finally:
                await client.aclose()
            return len(results), client.slots.max_in_flight

        done, ours = asyncio.run(main())
        assert done == 30
        assert ours <= concurrency
        assert server.max_in_flight <= concurrency
        assert server.over_limit == 0
        records = server.tts_records()
        assert any(r.status == 429 for r in records)
        good = [r.body["text"] for r in records if r.status == 200]
        assert len(good) == len(set(good)) == 30


def test_client_queued_prompts_go_longest_text_first() -> None:
    """With the one slot busy, waiting prompts are sent in order of their text's length."""
    sent: list[str] = []
    gate = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(await request.aread())["text"])
        if len(sent) == 1:
            await gate.wait()
        headers = {"Content-Type": "audio/wav", "X-Request-Id": "r"}
        return httpx.Response(200, content=b"\x00\x01" * 400, headers=headers)

    async def scenario(t: ManualTime) -> list[str]:
        settings = WavesSettings(base_url="https://waves.invalid", concurrency=1, endpoint="sync")
        client = WavesClient(
            settings,
            KEY,
            transport=httpx.MockTransport(handler),
            sleep=t.sleep,
            clock=t.clock,
            rng=random.Random(3),
            environ={},
        )
        try:
            first = asyncio.create_task(client.tts(_body("busy")))
            await t.settle()
            texts = ("Press one.", "For billing, press two, or hold.", "Goodbye and thank you.")
            rest = [asyncio.create_task(client.tts(_body(text))) for text in texts]
            await t.settle()
            gate.set()
            await asyncio.gather(first, *rest)
        finally:
            await client.aclose()
        return sent

    assert run(scenario) == [
        "busy",
        "For billing, press two, or hold.",
        "Goodbye and thank you.",
        "Press one.",
    ]
