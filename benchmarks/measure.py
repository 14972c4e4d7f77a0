"""Timing helpers: child processes with their own peak RSS, medians, profiles as text."""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
PYTHON = sys.executable
_LIB_PATH = re.compile(r"\S*(site-packages|lib/python3\.\d+)/")
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Child:
    """One finished child process: wall time, its own peak RSS, exit code and output, and the
    CPU time (user + system) it used."""

    wall_s: float
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str
    cpu_s: float = 0.0


# Starts the command and reports its exit status and peak RSS. A child's ru_maxrss starts from
# the RSS of the process that forked it (Linux keeps the forking mm's high-water mark across
# exec), so the command is started from this small process, not from the benchmark's own, which
# holds hundreds of MB by the later sections.
_LAUNCHER = """
import os, sys
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    cpu = usage.ru_utime + usage.ru_stime
    report.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss} {cpu}")
"""


def run_child(
    argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Child:
    """Run argv to completion; its own peak RSS comes from os.wait4 in a small launcher
    (RUSAGE_CHILDREN would be the maximum over every child so far, and a child forked from this
    process would start from this process's RSS)."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".rss") as report,
    ):
        launcher = [PYTHON, "-S", "-c", _LAUNCHER, report.name, *argv]
        start = time.perf_counter()
        proc = subprocess.run(launcher, stdout=out, stderr=err, env=env, cwd=cwd, check=False)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"the launcher failed (exit {proc.returncode}) for {argv[0]}")
        code, max_rss_kib, cpu = report.read().split()
        out.seek(0)
        err.seek(0)
        return Child(
            wall,
            int(max_rss_kib) / 1024.0,  # Linux reports KiB
            int(code),
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            float(cpu),
        )


def child_env(**extra: str | None) -> dict[str, str]:
    """os.environ plus `extra` (None removes a variable), with the repo importable.

    Bytecode is written and used, as for any installed package (pip compiles on install): with
    PYTHONDONTWRITEBYTECODE set, every child would recompile every module it imports."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def profile_text(run: Callable[[], T], limit: int = 15) -> tuple[T, str]:
    """Run under cProfile; return the result and the top functions by own time."""
    profiler = cProfile.Profile()
    result = profiler.runcall(run)
    return result, stats_text(pstats.Stats(profiler), limit)


def stats_text(stats: pstats.Stats, limit: int = 15) -> str:
    """Top `limit` functions by own time, then by cumulative time, without pstats' preamble."""
    parts: list[str] = []
    for key, title in (("tottime", "by own time"), ("cumulative", "by cumulative time")):
        buffer = io.StringIO()
        stats.stream = buffer  # type: ignore[attr-defined]
        stats.sort_stats(key).print_stats(limit)
        lines = buffer.getvalue().splitlines()
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        body = [line.replace(str(REPO) + "/", "") for line in lines[start:] if line.strip()]
        body = [_short_path(line) for line in body]
        parts.append(f"top {limit} {title}:\n" + "\n".join(body))
    return "\n\n".join(parts)


def _short_path(line: str) -> str:
    return _LIB_PATH.sub("", line)


def profile_child(argv: Sequence[str], *, env: Mapping[str, str], limit: int = 15) -> str:
    """cProfile a `python -m module ...` child; argv starts after the interpreter."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "profile.out"
        child = run_child([PYTHON, "-m", "cProfile", "-o", str(out), *argv], env=env)
        if child.returncode != 0 or not out.exists():
            return f"(profiling failed: exit {child.returncode}: {child.stderr[-500:]})"
        return stats_text(pstats.Stats(str(out)), limit)
