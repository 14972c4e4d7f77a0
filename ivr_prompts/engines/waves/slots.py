"""The client's request slots: at most `capacity` attempts in flight, fresh work first, and a
retry that may take a slot nobody else wants before its full backoff is out.

The policy, for a retryable failure (429 without Retry-After, 5xx, a broken connection):
- the retry first waits its floor: the server's Retry-After whenever it sent one (always
  honoured in full), and never less than a small delay doubling per attempt (`EARLY_FLOOR`);
- then, until its full-jitter exponential backoff is out, it takes a slot only when the slot
  is idle: fewer than `capacity` of our attempts are in flight and no fresh request is waiting
  for it. Fresh work always goes first, so a retry never displaces it;
- early slots are granted only while the server is healthy: fewer than half of the last
  `2 x capacity` attempts (at least 8) failed. A server failing most requests gets the full
  backoff from everyone;
- once its backoff is out, the retry waits for a slot in turn with fresh work.
Among the waiters in turn, and among early retries, the longest text goes first: an answer's
time grows with its text, so the last attempts of a build are short and no slot idles long
while one long answer finishes (the build also starts its prompts longest first). At equal
length a retry goes before fresh work (its failure may call for yet another attempt, better
started now than alone at the end), then the first come.
A 429 from a server at its concurrency limit is not made worse by this: our own in-flight count
never exceeds `capacity` (the account's limit), and an early retry only fills a slot of ours
that would otherwise stay idle.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

EARLY_FLOOR = 0.05  # seconds before the first retry may take an idle slot; doubles per attempt
HEALTH_WINDOW_MIN = 8
PATIENCE = 2  # x capacity: how often a later, longer waiter may go first before it waits no more


def retry_floor(attempt: int, retry_after: float | None, backoff: float) -> float:
    """The least wait before retry number `attempt` (1-based, the attempt that failed):
    Retry-After when the server sent one, else a small doubling delay, never over the backoff."""
    small = min(backoff, EARLY_FLOOR * 2.0 ** (attempt - 1))
    return small if retry_after is None else max(retry_after, small)


@dataclass(eq=False)
class _Waiter:
    """One attempt waiting for a slot."""

    future: asyncio.Future[None]
    cost: float  # the attempt's expected length (its text's): the longest goes first
    order: int
    retry: bool
    early: bool  # a retry whose backoff is not out: served only while the server is healthy
    granted_early: bool = False
    passed: int = 0  # times a longer waiter in turn that came later went first


class Slots:
    """At most `capacity` attempts in flight; see the module's docstring for the order."""

    def __init__(self, capacity: int, *, sleep: Sleep, clock: Clock, early: bool = True) -> None:
        """`early` False: every retry waits out its full backoff (the previous policy, kept for
        comparison)."""
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.in_flight = 0
        self.max_in_flight = 0
        self.early_grants = 0
        self._sleep = sleep
        self._clock = clock
        self._early_allowed = early
        self._waiters: list[_Waiter] = []
        self._order = itertools.count()
        self._outcomes: deque[bool] = deque(maxlen=max(HEALTH_WINDOW_MIN, 2 * capacity))

    # -- state --------------------------------------------------------------------------------

    def healthy(self) -> bool:
        """Early slots may be granted: fewer than half of the recent attempts failed (true
        before any attempt)."""
        if not self._early_allowed:
            return False
        failures = sum(1 for ok in self._outcomes if not ok)
        return 2 * failures < len(self._outcomes) or not self._outcomes

    def _take(self) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self.in_flight > self.capacity:  # a bug here would overrun the account's limit
            raise AssertionError(f"{self.in_flight} attempts in flight, limit {self.capacity}")

    def _next(self) -> _Waiter | None:
        """The waiter the next free slot goes to: in turn (fresh, or a retry whose backoff is
        out) before early retries; the longest first among each; then retries (whose failure
        may call for yet another attempt), then the first come. A waiter in turn passed over
        `PATIENCE x capacity` times by later ones goes before them all, in order of arrival:
        whatever comes later, nobody waits forever."""
        self._waiters = [w for w in self._waiters if not w.future.done()]
        healthy = self.healthy()
        ready = [w for w in self._waiters if healthy or not w.early]
        if not ready:
            return None
        return max(ready, key=self._rank)

    def _rank(self, w: _Waiter) -> tuple[bool, bool, float, bool, int]:
        starved = not w.early and w.passed >= PATIENCE * self.capacity
        return (not w.early, starved, -w.order if starved else w.cost, w.retry, -w.order)

    def _hand_on(self) -> None:
        """Fill free slots: waiters in turn first, then (while healthy) retries in backoff."""
        while self.in_flight < self.capacity:
            waiter = self._next()
            if waiter is None:
                return
            self._waiters.remove(waiter)
            self._take()
            if waiter.early:
                self.early_grants += 1
                waiter.granted_early = True
            else:
                for other in self._waiters:
                    if not other.early and other.order < waiter.order:
                        other.passed += 1
            waiter.future.set_result(None)

    def _wait_in_line(self, cost: float, *, retry: bool, early: bool) -> _Waiter:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(future, cost, next(self._order), retry, early)
        self._waiters.append(waiter)
        return waiter

    # -- acquire and release --------------------------------------------------------------------

    async def acquire(self, cost: float = 0.0, *, retry: bool = False) -> None:
        """Wait for a slot in turn; `cost`: the attempt's expected length (longest first)."""
        if self.in_flight < self.capacity and self._next() is None:
            self._take()
            return
        waiter = self._wait_in_line(cost, retry=retry, early=False)
        try:
            await waiter.future
        except asyncio.CancelledError:
            self._forfeit(waiter)
            raise

    async def acquire_retry(self, floor: float, backoff: float, cost: float = 0.0) -> bool:
        """Wait at least `floor`, then take an idle slot as soon as there is one, or a slot in
        turn once `backoff` is out. True when the slot came early."""
        rest = backoff - floor
        if rest <= 0 or not self.healthy():
            await self._sleep(max(floor, backoff))
            await self.acquire(cost, retry=True)
            return False
        await self._sleep(floor)
        if self.in_flight < self.capacity and self._next() is None and self.healthy():
            self._take()
            self.early_grants += 1
            return True
        waiter = self._wait_in_line(cost, retry=True, early=True)
        timer = asyncio.ensure_future(self._sleep(rest))
        try:
            await asyncio.wait({waiter.future, timer}, return_when=asyncio.FIRST_COMPLETED)
            if not waiter.future.done():
                waiter.early = False  # backoff out: in turn with fresh work now
                self._hand_on()
            await waiter.future
        except asyncio.CancelledError:
            self._forfeit(waiter)
            raise
        finally:
            timer.cancel()
        return waiter.granted_early

    def _forfeit(self, waiter: _Waiter) -> None:
        """A waiter was cancelled: give back the slot it may have been handed."""
        if waiter.future.done() and not waiter.future.cancelled():
            self.in_flight -= 1
            self._hand_on()
            return
        waiter.future.cancel()
        if waiter in self._waiters:
            self._waiters.remove(waiter)

    def release(self, ok: bool | None) -> None:
        """An attempt ended (`ok`: it succeeded; None: nothing was sent, which says nothing of
        the server's health); its slot goes to the next one."""
        if ok is not None:
            self._outcomes.append(ok)
        self.in_flight -= 1
        self._hand_on()
