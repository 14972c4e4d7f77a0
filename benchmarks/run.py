"""`python -m benchmarks.run [--smoke] [--out BENCHMARKS.md]`: measure, then write the report."""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ivr_prompts.cli import malloc

from . import audio_bench, cold, incremental, local_pool, machine, scale, shards, slot_sim
from .analysis import ANALYSIS
from .config import FULL, SMOKE, Sizes
from .model import Section
from .report import render

SECTION_KEYS = ("cold", "slots", "noop", "change", "audio", "memory", "scale", "pool", "shards")


def measure(sizes: Sizes, work: Path, log: Callable[[str], None] = print) -> list[Section]:
    """Every section, in the issue's order."""
    done: dict[str, Section] = {}

    start = time.perf_counter()
    log("1/7 cold builds against the Waves stand-in ...")
    done["cold"] = cold.run(sizes, work)
    done["cold"].seconds = time.perf_counter() - start

    start = time.perf_counter()
    log("   slot utilisation of the scheduling, in virtual time ...")
    done["slots"] = slot_sim.run(sizes, work)
    done["slots"].seconds = time.perf_counter() - start

    start = time.perf_counter()
    log("2/7 no-op rebuilds, one-prompt change, memory ...")
    noop, change, memory = incremental.run(sizes, work)
    elapsed = time.perf_counter() - start
    for section in (noop, change, memory):
        section.seconds = elapsed
    done.update(noop=noop, change=change, memory=memory)

    start = time.perf_counter()
    log("3/7 audio processing and local engines ...")
    done["audio"] = audio_bench.run(sizes, work)
    done["audio"].seconds = time.perf_counter() - start
    start = time.perf_counter()
    log("4/7 no-op build and check, memory at 10,000-100,000 pairs ...")
    done["scale"] = scale.run(sizes, work)
    done["scale"].seconds = time.perf_counter() - start

    start = time.perf_counter()
    log("5/7 local engines in a process pool ...")
    done["pool"] = local_pool.run(sizes, work)
    done["pool"].seconds = time.perf_counter() - start

    start = time.perf_counter()
    log("6/7 sharded builds: the shards, then the final build ...")
    done["shards"] = shards.run(sizes, work)
    done["shards"].seconds = time.perf_counter() - start
    log("7/7 writing the report")
    return [done[key] for key in SECTION_KEYS]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the harness runs")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="report path (default: BENCHMARKS.md; with --smoke, standard output)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    # The in-process sections (audio, slots) run on the allocator the command line sets up.
    malloc.tune()
    sizes = SMOKE if args.smoke else FULL
    command = "python -m benchmarks.run" + (" --smoke" if args.smoke else "")
    facts = machine.facts()
    work = Path(tempfile.mkdtemp(prefix="ivr-bench-"))
    begin = time.perf_counter()
    try:
        sections = measure(sizes, work, lambda m: print(m, file=sys.stderr, flush=True))
    finally:
        if args.keep:
            print(f"scratch kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    text = render(
        sections, facts, command=command, smoke=args.smoke, total_s=time.perf_counter() - begin
    )
    if not args.smoke:
        text += "\n" + ANALYSIS
    if args.out is None and args.smoke:
        sys.stdout.write(text)  # a smoke run never overwrites the measured report
        return 0
    out = args.out or Path("BENCHMARKS.md")
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
