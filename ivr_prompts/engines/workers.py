"""The local engines as a build runs them: in this process, or in a pool of worker processes.

`[synth] workers` decides. "auto" gives Piper one worker per usable core (one short utterance
keeps about one core busy, and each worker's onnxruntime is held to one thread), and keeps
espeak-ng in this process: it speaks a short prompt in milliseconds, so a worker's start-up and
the trip of the audio between processes cost more than a pool gains (BENCHMARKS.md, section 7).
"""

from __future__ import annotations

import functools
from typing import Literal

from ..config import Config
from .base import Engine
from .pool import PooledEngine, default_workers

LocalName = Literal["piper", "espeak"]


def workers_for(name: LocalName, setting: int | Literal["auto"], cores: int | None = None) -> int:
    """How many worker processes speak for `name`; 1 means this process, no pool."""
    if setting != "auto":
        return setting
    if name == "espeak":
        return 1
    return cores or default_workers()


def local_engine(name: LocalName, config: Config) -> Engine:
    """Piper or espeak-ng, in this process or pooled, as `[synth] workers` says."""
    # Imported here: a build that speaks no local prompt never loads them.
    from . import espeak, piper

    workers = workers_for(name, config.synth.workers)
    pause = config.audio.sentence_pause_ms
    if workers == 1:
        return piper.PiperEngine(pause) if name == "piper" else espeak.EspeakEngine()
    if name == "piper":
        # One onnxruntime thread per worker: W workers then keep W cores busy, not W x cores
        # threads fighting over them.
        return PooledEngine(functools.partial(piper.PiperEngine, pause, 1), workers)
    return PooledEngine(espeak.EspeakEngine, workers)
