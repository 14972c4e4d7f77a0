"""Section 6: the issue-13 targets at scale, side by side: no-op `build` and `check` at 10,000
and 100,000 pairs, and the peak RSS of a cold build of the largest set.

Every command is the real CLI in a child process (`measure.run_child`: spawn to exit, the child's
own peak RSS). The cold build runs against the Waves stand-in (babble audio, zero latency,
concurrency `SCALE_CONCURRENCY`), so no engine model is in the figure. A size that does not fit
`budget_s` is not built: the memory figure is then extrapolated linearly from the sizes measured,
and the report says so."""

from __future__ import annotations

import itertools
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Sizes
from .measure import PYTHON, Child, child_env, median, run_child
from .model import Section, Table, Target, fmt_s
from .project import Project, set_version, write_project
from .server import API_KEY, waves_server

SCALE_CONCURRENCY = 64
RSS_TARGET_MB = 300.0
NOOP_TARGETS_S = {10_000: 0.3, 100_000: 1.0}
DEAD_URL = "http://127.0.0.1:9"  # a no-op that reached for the network would fail


@dataclass
class ScaleRun:
    pairs: int
    cold: Child
    noop_build: list[Child]
    noop_check: list[Child]
    # One prompt's text changed (its 2 pairs), then built: what an everyday edit costs.
    warm: Child

    @property
    def build_s(self) -> float:
        return median([c.wall_s for c in self.noop_build])

    @property
    def check_s(self) -> float:
        return median([c.wall_s for c in self.noop_check])


def _cmd(project: Project, command: str) -> list[str]:
    extra = ["--json"] if command == "build" else ["--no-remote"]
    return [PYTHON, "-m", "ivr_prompts", command, "--config", str(project.toml), *extra]


def _ok(child: Child, what: str) -> Child:
    if child.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {child.returncode}): {child.stderr[-2000:]}")
    return child


def measure_set(work: Path, pairs: int, repeats: int) -> ScaleRun:
    project = write_project(
        work / f"scale-{pairs}", pairs, engine="waves", concurrency=SCALE_CONCURRENCY
    )
    knobs = {"concurrency": SCALE_CONCURRENCY, "latency": 0.0, "audio": "babble"}
    with waves_server(**knobs) as server:
        env = child_env(SMALLEST_API_KEY=API_KEY, SMALLEST_BASE_URL=server.url)
        cold = _ok(run_child(_cmd(project, "build"), env=env), f"cold build of {pairs} pairs")
        warm = _warm(project, env)
    quiet = child_env(SMALLEST_API_KEY=None, SMALLEST_BASE_URL=DEAD_URL)
    run_child(_cmd(project, "build"), env=quiet)  # warm the page cache and bytecode
    builds = [
        _ok(run_child(_cmd(project, "build"), env=quiet), f"no-op build of {pairs}")
        for _ in range(repeats)
    ]
    checks = [
        _ok(run_child(_cmd(project, "check"), env=quiet), f"check of {pairs}")
        for _ in range(repeats)
    ]
    return ScaleRun(pairs, cold, builds, checks, warm)


def _warm(project: Project, env: dict[str, str]) -> Child:
    """Edit one prompt, build (2 pairs synthesized, the rest reused), then undo the edit and
    build again from the cache, leaving the set as the cold build made it."""
    set_version(project, 2)
    warm = _ok(run_child(_cmd(project, "build"), env=env), "rebuild after one edit")
    set_version(project, 1)
    _ok(run_child(_cmd(project, "build"), env=env), "rebuild undoing the edit")
    return warm


def _slope_kb(a: ScaleRun, b: ScaleRun) -> float:
    """Growth of the cold build's peak RSS per pair between two sizes, in kB."""
    return (b.cold.max_rss_mb - a.cold.max_rss_mb) * 1024.0 / (b.pairs - a.pairs)


def _extrapolate(runs: list[ScaleRun], pairs: int) -> float | None:
    """Peak RSS at `pairs`, linear through the two largest sizes measured."""
    if len(runs) < 2:
        return None
    a, b = runs[-2], runs[-1]
    return b.cold.max_rss_mb + _slope_kb(a, b) / 1024.0 * (pairs - b.pairs)


def run(sizes: Sizes, work: Path) -> Section:
    section = Section(
        "scale",
        "6. At scale: no-op `build` and `check`, and the cold build's memory",
        f"Each size: `build --json` cold against the Waves stand-in (babble audio, zero latency, "
        f"concurrency {SCALE_CONCURRENCY}; no engine model in the process), then the no-op "
        f"`build --json` and `check --no-remote` (no API key, base URL on a closed port), median "
        f"of {sizes.repeats} after one warm-up. *Beyond start* subtracts `python -c pass`. "
        "*One prompt edited*: one prompt's text changed (2 pairs synthesized, the rest "
        "reused and re-published), built against the stand-in. A size is built only while the "
        f"section's {sizes.scale_budget_s:.0f} s can hold its cold build (predicted from the "
        "size before); `python -m benchmarks.scale "
        "PAIRS` measures one size by itself.",
    )
    bare = median([run_child([PYTHON, "-c", "pass"]).wall_s for _ in range(sizes.repeats)])
    runs: list[ScaleRun] = []
    start = time.perf_counter()
    skipped: list[int] = []
    for pairs in sizes.scale_pairs:
        spent = time.perf_counter() - start
        # The next size's cold build, predicted from the last one's time per pair.
        ahead = runs[-1].cold.wall_s / runs[-1].pairs * pairs if runs else 0.0
        if runs and spent + ahead > sizes.scale_budget_s:
            skipped.append(pairs)
            continue
        runs.append(measure_set(work / str(pairs), pairs, sizes.repeats))
        shutil.rmtree(work / str(pairs), ignore_errors=True)  # 100,000 pairs hold 19 GB
    section.tables.append(
        Table(
            (
                "pairs",
                "cold build (wall)",
                "cold build peak RSS",
                "no-op build",
                "beyond start",
                "no-op check",
                "beyond start",
                "no-op peak RSS",
                "one prompt edited: rebuild",
                "its peak RSS",
            ),
            tuple(
                (
                    f"{r.pairs:,}",
                    f"{fmt_s(r.cold.wall_s)} ({r.cold.wall_s / r.pairs * 1000:.1f} ms/pair)",
                    f"{r.cold.max_rss_mb:.0f} MB",
                    fmt_s(r.build_s),
                    fmt_s(r.build_s - bare),
                    fmt_s(r.check_s),
                    fmt_s(r.check_s - bare),
                    f"{max(c.max_rss_mb for c in r.noop_build + r.noop_check):.0f} MB",
                    fmt_s(r.warm.wall_s),
                    f"{r.warm.max_rss_mb:.0f} MB",
                )
                for r in runs
            ),
            f"`python -c pass`: {fmt_s(bare)}",
        )
    )
    for r in runs:
        limit = NOOP_TARGETS_S.get(r.pairs)
        if limit is None:
            continue
        for what, seconds in (("build", r.build_s), ("check", r.check_s)):
            section.targets.append(
                Target(
                    f"no-op `{what}` of {r.pairs:,} pairs beyond interpreter start",
                    fmt_s(seconds - bare),
                    f"< {fmt_s(limit)}",
                    seconds - bare < limit,
                )
            )
    biggest = max(NOOP_TARGETS_S)
    measured = {r.pairs: r for r in runs}
    if biggest in measured:
        rss = measured[biggest].cold.max_rss_mb
        section.targets.append(
            Target(
                f"peak RSS, cold build of {biggest:,} pairs",
                f"{rss:.0f} MB",
                f"< {RSS_TARGET_MB:.0f} MB",
                rss < RSS_TARGET_MB,
            )
        )
    else:
        guess = _extrapolate(runs, biggest)
        value = "not measured" if guess is None else f"{guess:.0f} MB (extrapolated)"
        section.targets.append(
            Target(
                f"peak RSS, cold build of {biggest:,} pairs",
                value,
                f"< {RSS_TARGET_MB:.0f} MB",
                None,
            )
        )
    if len(runs) >= 2:
        slopes = ", ".join(
            f"{a.pairs:,} -> {b.pairs:,}: {_slope_kb(a, b):.2f} kB per pair"
            for a, b in itertools.pairwise(runs)
        )
        section.notes.append(f"Cold build peak RSS growth (measured sizes): {slopes}.")
    if skipped:
        section.notes.append(
            "Not built within the section's time budget: "
            + ", ".join(f"{p:,}" for p in skipped)
            + " pairs; their figures are not measured (an extrapolation is labelled as such)."
        )
    return section


def main() -> None:
    """`python -m benchmarks.scale PAIRS [REPEATS]`: one size, as the section measures it, as
    JSON (for a size beyond the full run's time budget)."""
    import json
    import sys
    import tempfile

    pairs = int(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    work = Path(tempfile.mkdtemp(prefix="ivr-scale-"))
    try:
        bare = median([run_child([PYTHON, "-c", "pass"]).wall_s for _ in range(repeats)])
        run = measure_set(work, pairs, repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    shown = {
        "pairs": pairs,
        "python -c pass": bare,
        "cold build": [run.cold.wall_s, run.cold.max_rss_mb],
        "no-op build": [c.wall_s for c in run.noop_build],
        "no-op check": [c.wall_s for c in run.noop_check],
        "no-op peak RSS": max(c.max_rss_mb for c in run.noop_build + run.noop_check),
        "one prompt edited": [run.warm.wall_s, run.warm.max_rss_mb],
    }
    print(json.dumps(shown, indent=2))


if __name__ == "__main__":
    main()
