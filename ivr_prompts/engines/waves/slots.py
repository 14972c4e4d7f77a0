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
A 429 from a server at its concurrency limit is not made worse by this: our own in-flight count
never exceeds `capacity` (the account's limit), and an early retry only fills a slot of ours
that would otherwise stay idle.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

EARLY_FLOOR = 0.05  # seconds before the first retry may take an idle slot; doubles per attempt
HEALTH_WINDOW_MIN = 8


def retry_floor(attempt: int, retry_after: float | None, backoff: float) -> float:
    """The least wait before retry number `attempt` (1-based, the attempt that failed):
    Retry-After when the server sent one, else a small doubling delay, never over the backoff."""
    small = min(backoff, EARLY_FLOOR * 2.0 ** (attempt - 1))
    return small if retry_after is None else max(retry_after, small)


class Slots:
    """At most `capacity` attempts in flight; see the module's docstring for the order."""

    def __init__(self, capacity: int, *, sleep: Sleep, clock: Clock, early: bool = True) -> None:
        """`early` False: every retry waits out its full backoff (the previous policy, kept for
        comparison in the benchmarks)."""
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.in_flight = 0
        self.max_in_flight = 0
        self.early_grants = 0
        self.busy_seconds = 0.0  # slot-time held by attempts, for benchmarks
        self._sleep = sleep
        self._clock = clock
        self._early_allowed = early
        self._queue: deque[asyncio.Future[None]] = deque()
        self._early: list[asyncio.Future[None]] = []
        self._outcomes: deque[bool] = deque(maxlen=max(HEALTH_WINDOW_MIN, 2 * capacity))

    # -- state --------------------------------------------------------------------------------

    def healthy(self) -> bool:
        """Early slots may be granted: fewer than half of the recent attempts failed (true
        before any attempt)."""
        if not self._early_allowed:
            return False
        failures = sum(1 for ok in self._outcomes if not ok)
        return 2 * failures < len(self._outcomes) or not self._outcomes

    def _idle(self) -> bool:
        return self.in_flight < self.capacity and not any(not f.done() for f in self._queue)

    def _take(self) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self.in_flight > self.capacity:  # a bug here would overrun the account's limit
            raise AssertionError(f"{self.in_flight} attempts in flight, limit {self.capacity}")

    def _hand_on(self) -> None:
        """Fill free slots: waiters in turn first, then (while healthy) retries in backoff."""
        while self.in_flight < self.capacity:
            while self._queue and self._queue[0].done():
                self._queue.popleft()
            if self._queue:
                self._take()
                self._queue.popleft().set_result(None)
                continue
            pending = [f for f in self._early if not f.done()]
            if not pending or not self.healthy():
                return
            self._take()
            self.early_grants += 1
            self._early.remove(pending[0])
            pending[0].set_result(None)

    # -- acquire and release --------------------------------------------------------------------

    async def acquire(self) -> None:
        """Wait for a slot in turn."""
        if self._idle():
            self._take()
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            self._forfeit(waiter)
            raise

    async def acquire_retry(self, floor: float, backoff: float) -> bool:
        """Wait at least `floor`, then take an idle slot as soon as there is one, or a slot in
        turn once `backoff` is out. True when the slot came early."""
        rest = backoff - floor
        if rest <= 0 or not self.healthy():
            await self._sleep(max(floor, backoff))
            await self.acquire()
            return False
        await self._sleep(floor)
        if self._idle() and self.healthy():
            self._take()
            self.early_grants += 1
            return True
        offer: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._early.append(offer)
        timer = asyncio.ensure_future(self._sleep(rest))
        try:
            await asyncio.wait({offer, timer}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            self._forfeit(offer)
            raise
        finally:
            timer.cancel()
        if offer.done() and not offer.cancelled():
            return True
        self._early.remove(offer)
        offer.cancel()
        await self.acquire()
        return False

    def _forfeit(self, waiter: asyncio.Future[None]) -> None:
        """A waiter was cancelled: give back the slot it may have been handed."""
        if waiter.done() and not waiter.cancelled():
            self.in_flight -= 1
            self._hand_on()
            return
        waiter.cancel()
        if waiter in self._early:
            self._early.remove(waiter)

    def release(self, ok: bool, held: float = 0.0) -> None:
        """An attempt ended (`ok`: it succeeded, `held`: seconds it held the slot); its slot
        goes to the next one."""
        self._outcomes.append(ok)
        self.busy_seconds += held
        self.in_flight -= 1
        self._hand_on()
