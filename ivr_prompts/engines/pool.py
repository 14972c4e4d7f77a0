"""A process pool for the local engines: many small prompts spoken on every core at once.

Piper and espeak-ng speak one utterance at a time per process. Each worker process builds its
own engine once (Piper loads its model on the first request and keeps it), so a set of N
prompts costs one model load per worker, not per prompt.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import logging
import multiprocessing
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Protocol, TextIO

from ..errors import EngineError
from ..kinds import ResolvedEngine
from .base import Synthesis, SynthesisRequest

if TYPE_CHECKING:
    from ..config import Config
    from ..text.lexicon import Lexicon

log = logging.getLogger(__name__)


class LocalEngine(Protocol):
    """What a local engine offers the pool: its identity and a blocking `_speak`."""

    name: ResolvedEngine

    def identity(self, request_voice: str, model: str) -> dict[str, str]: ...

    def _speak(self, request: SynthesisRequest) -> Synthesis: ...


# A picklable way to build the engine in a worker (a class, or functools.partial of one).
LocalFactory = Callable[[], LocalEngine]

_worker: LocalEngine | None = None
_ATTEMPTS = 2  # per request: a pool broken under it is replaced once


def _start_worker(factory: LocalFactory, build_pid: int) -> None:
    global _worker
    # Ctrl-C in a terminal reaches the whole process group: the build answers it and shuts the
    # pool down, so a worker must not die of it mid-utterance (and print a traceback). It was
    # started with SIGINT blocked (see `_sigint_blocked`): one that came while it was starting
    # waits, pending, and is dropped here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    build = _Build(build_pid)
    sys.stderr = _WhileAlive(sys.stderr, build)
    threading.Thread(target=build.end_with, daemon=True).start()
    _worker = factory()


class _Build:
    """The build process a worker serves, watched through a pidfd (Linux 5.3+; else by its
    pid, once a second). A pidfd is readable once the process has ended, zombie or not."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        try:
            self.handle: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self.handle = None

    def ended(self) -> bool:
        if self.handle is None:
            return not _alive(self.pid)
        return bool(select.select([self.handle], [], [], 0)[0])

    def end_with(self) -> None:
        """End this worker when the build's process ends, however it ends.

        A build killed outright (SIGKILL, the OOM killer) never shuts its pool down, and an
        idle worker waits for work forever, holding its model (and keeping the forkserver
        alive)."""
        if self.handle is None:
            while _alive(self.pid):
                time.sleep(1.0)
        else:
            select.select([self.handle], [], [])
        os._exit(1)


class _WhileAlive(io.TextIOBase):
    """A worker's stderr that goes quiet once its build has ended. A build killed outright
    closes the pipe a waiting worker reads its work from: the worker's loop raises EOFError and
    multiprocessing prints its traceback into the terminal, racing `end_with`'s exit. Nothing a
    worker could say then is for anyone; while the build lives, everything passes."""

    def __init__(self, stream: TextIO, build: _Build) -> None:
        self.stream, self.build = stream, build

    def write(self, text: str) -> int:
        return len(text) if self.build.ended() else self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT held back in this thread while it starts worker processes: they (and the
    forkserver that forks them) inherit the mask, so a Ctrl-C that lands while a worker is still
    importing, before its initializer ignores SIGINT, cannot interrupt it there. The build
    itself gets a SIGINT that came meanwhile as soon as the mask is restored."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _speak_in_worker(request: SynthesisRequest) -> Synthesis:
    assert _worker is not None, "pool worker used before its initializer ran"
    return _worker._speak(request)


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class PooledEngine:
    """Engine Protocol over `workers` processes, each holding one engine from `factory`."""

    remote_lexicon = False

    def __init__(self, factory: LocalFactory, workers: int | None = None) -> None:
        self.factory = factory
        self.local = factory()  # identity only: it never loads a model in this process
        self.name: ResolvedEngine = self.local.name
        self.max_concurrency = workers or default_workers()
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        # Same engine, same voice, same bytes: pooled or not, the cache keys do not change.
        return self.local.identity(request_voice, model)

    async def prepare(self, config: Config, lexicons: Mapping[str, Lexicon]) -> dict[str, str]:
        return {}  # dictionaries are applied to the text before it gets here

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: the build has threads running, and fork() with threads is unsafe.
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context(
                "forkserver" if "forkserver" in methods else "spawn"
            )
            if isinstance(context, multiprocessing.context.ForkServerContext):
                # The forkserver imports the engine's module once and every worker is forked
                # with it loaded: each worker's own imports cost about a second on a busy
                # machine. Only the first pool of a process can set this (one forkserver).
                module = getattr(self.factory, "func", self.factory).__module__
                context.set_forkserver_preload(["__main__", module])
            log.debug("starting %d %s worker processes", self.max_concurrency, self.name)
            self._pool = concurrent.futures.ProcessPoolExecutor(
                self.max_concurrency,
                mp_context=context,
                initializer=_start_worker,
                initargs=(self.factory, os.getpid()),
            )
        return self._pool

    async def synthesize(self, request: SynthesisRequest) -> Synthesis:
        loop = asyncio.get_running_loop()
        for attempt in range(1, _ATTEMPTS + 1):
            pool = self._executor()
            try:
                with _sigint_blocked():  # submitting may start the forkserver and workers
                    speaking = loop.run_in_executor(pool, _speak_in_worker, request)
                return await speaking
            except BrokenProcessPool as exc:
                # A dead worker breaks the whole pool: every request in it lands here. The first
                # to arrive starts a fresh pool; each is spoken again once, so only a prompt
                # that kills its worker twice (or is caught up twice) fails.
                if self._pool is pool:
                    self._pool = None
                if attempt == _ATTEMPTS:
                    raise EngineError(
                        f"a worker process of {self.name} died twice while speaking it (killed, "
                        "or out of memory: each worker holds its own model); run the build "
                        "again, or lower [synth] workers"
                    ) from exc
                log.warning(
                    "a worker process of %s died; speaking %s again in a fresh pool",
                    self.name,
                    request.prompt_id,
                )
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
