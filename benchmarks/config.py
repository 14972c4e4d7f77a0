"""Run sizes: the full benchmark of issue #5, and a CI smoke run that only keeps it working."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    cold_pairs: int = 500
    latency: float = 0.2  # to the first byte
    latency_per_char: float = 1 / 45  # 15 characters of speech a second, made 3x real time
    cold_latency_per_char: float = 0.001  # the stand-in, in real time: kept short
    concurrencies: tuple[int, ...] = (1, 4, 8, 16)
    noop_pairs: tuple[int, ...] = (1000, 10000)
    setup_concurrency: int = 8
    change_pairs: int = 1000
    repeats: int = 5
    audio_utterances: int = 24
    piper: bool = True
    profile: bool = True
    scale_pairs: tuple[int, ...] = (10_000, 30_000, 100_000)
    scale_budget_s: float = 600.0
    pool_prompts: int = 100
    sim_pairs: tuple[int, ...] = (500, 2000)
    shard_pairs: int = 2000
    shard_count: int = 4


FULL = Sizes()
SMOKE = Sizes(
    cold_pairs=8,
    latency=0.01,
    cold_latency_per_char=0.0001,
    concurrencies=(2,),
    noop_pairs=(8,),
    setup_concurrency=4,
    change_pairs=8,
    repeats=1,
    audio_utterances=2,
    piper=False,
    profile=False,
    scale_pairs=(8,),
    scale_budget_s=60.0,
    pool_prompts=4,
    sim_pairs=(8,),
    shard_pairs=8,
)
