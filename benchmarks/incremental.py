"""Sections 2, 3 and 5: no-op rebuilds, a one-prompt change, and memory as the set grows.

Every build here is the real command (`python -m ivr_prompts build --json`) in a child process,
timed from spawn to exit, with that child's own peak RSS."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Sizes
from .measure import PYTHON, Child, child_env, median, profile_child, run_child
from .model import Section, Table, Target, fmt_s
from .project import Project, set_version, write_project
from .server import API_KEY, waves_server

NOOP_TARGET_S = 1.0
RSS_TARGET_MB = 300.0
# Nothing listens on the discard port: a no-op build that reached for the network would fail.
DEAD_URL = "http://127.0.0.1:9"

FLOOR_SCRIPT = """
import hashlib, json, os, sys, time
start = time.perf_counter()
root = sys.argv[1]
digest = hashlib.sha256()
for folder, dirs, files in os.walk(root):
    dirs[:] = sorted(d for d in dirs if d not in ("dist", ".ivr-cache"))
    for name in sorted(files):
        with open(os.path.join(folder, name), "rb") as handle:
            digest.update(handle.read())
out = os.path.join(root, "dist")
with open(os.path.join(out, "manifest.json"), "rb") as handle:
    blob = handle.read()
digest.update(blob)
same = 0
for record in json.loads(blob)["prompts"]:
    for f in record["files"]:
        same += os.stat(os.path.join(out, f["path"])).st_size == f["bytes"]
print(json.dumps({"seconds": time.perf_counter() - start, "files": same}))
"""


@dataclass
class SetRun:
    project: Project
    setup: Child
    noop: list[Child]
    floor: list[Child]
    floor_inner_s: list[float]

    @property
    def noop_s(self) -> float:
        return median([c.wall_s for c in self.noop])

    @property
    def noop_rss(self) -> float:
        return max(c.max_rss_mb for c in self.noop)


def _build_cmd(project: Project) -> list[str]:
    return [PYTHON, "-m", "ivr_prompts", "build", "--config", str(project.toml), "--json"]


def _json(child: Child, what: str) -> dict[str, Any]:
    if child.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {child.returncode}): {child.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(child.stdout)
    return data


def _noop_env() -> dict[str, str]:
    return child_env(SMALLEST_API_KEY=None, SMALLEST_BASE_URL=DEAD_URL)


def build_set(work: Path, pairs: int, sizes: Sizes) -> SetRun:
    """Build a set cold through the CLI (Waves stand-in, zero latency), then time no-ops."""
    project = write_project(
        work / f"set-{pairs}", pairs, engine="waves", concurrency=sizes.setup_concurrency
    )
    knobs = {"concurrency": sizes.setup_concurrency, "latency": 0.0, "audio": "babble"}
    with waves_server(**knobs) as server:
        env = child_env(SMALLEST_API_KEY=API_KEY, SMALLEST_BASE_URL=server.url)
        setup = run_child(_build_cmd(project), env=env)
    data = _json(setup, f"cold build of {pairs} pairs")
    if data["synthesized"] != pairs or not data["published"]:
        raise RuntimeError(f"cold build of {pairs} pairs: unexpected report {data}")
    run_child(_build_cmd(project), env=_noop_env())  # warm the page cache and bytecode
    noops: list[Child] = []
    for _ in range(sizes.repeats):
        child = run_child(_build_cmd(project), env=_noop_env())
        data = _json(child, f"no-op build of {pairs} pairs")
        if data["synthesized"] or data["published"] or data["reused"] != pairs:
            raise RuntimeError(f"no-op build of {pairs} pairs did work: {data}")
        noops.append(child)
    floors: list[Child] = []
    inner: list[float] = []
    for _ in range(sizes.repeats):
        child = run_child([PYTHON, "-c", FLOOR_SCRIPT, str(project.root)])
        inner.append(float(_json(child, "floor script")["seconds"]))
        floors.append(child)
    return SetRun(project, setup, noops, floors, inner)


def _interpreter(sizes: Sizes) -> tuple[list[Child], list[Child]]:
    run_child([PYTHON, "-c", "import ivr_prompts.cli"], env=child_env())  # warm-up
    bare = [run_child([PYTHON, "-c", "pass"]) for _ in range(sizes.repeats)]
    imported = [
        run_child([PYTHON, "-c", "import ivr_prompts.cli"], env=child_env())
        for _ in range(sizes.repeats)
    ]
    return bare, imported


def run(sizes: Sizes, work: Path) -> tuple[Section, Section, Section]:
    bare, imported = _interpreter(sizes)
    bare_s = median([c.wall_s for c in bare])
    import_s = median([c.wall_s for c in imported])
    sets = {pairs: build_set(work, pairs, sizes) for pairs in sizes.noop_pairs}
    return (
        _noop_section(sizes, sets, bare_s, import_s, imported),
        _change_section(sizes, work, sets),
        _memory_section(sizes, sets, imported),
    )


def _noop_section(
    sizes: Sizes, sets: dict[int, SetRun], bare_s: float, import_s: float, imported: list[Child]
) -> Section:
    section = Section(
        "noop",
        "2. No-op rebuild, everything cached",
        "`python -m ivr_prompts build --json` on a set whose published output and cache are "
        "complete (built cold beforehand through the same command against the Waves stand-in "
        "at zero latency). The no-op runs with no API key and the base URL pointing at a closed "
        f"port. Median of {sizes.repeats}. *Floor* = a child that reads and SHA-256s the "
        "sources, reads the manifest and stats every published file (what any correct no-op "
        "must at least do with this design).",
    )
    rows = [
        ("`python -c pass`", "-", fmt_s(bare_s), "-", "-", "-"),
        ("`python -c 'import ivr_prompts.cli'`", "-", fmt_s(import_s), "-", "-", "-"),
    ]
    for pairs, s in sets.items():
        floor_wall = median([c.wall_s for c in s.floor])
        rows.append(
            (
                f"no-op build, {pairs:,} pairs",
                fmt_s(s.setup.wall_s),
                fmt_s(s.noop_s),
                fmt_s(s.noop_s - bare_s),
                f"{(s.noop_s - import_s) / pairs * 1e6:.0f} µs",
                f"{fmt_s(median(s.floor_inner_s))} ({fmt_s(floor_wall)} with start)",
            )
        )
    section.tables.append(
        Table(
            (
                "what",
                "cold setup (wall)",
                "wall",
                "beyond interpreter start",
                "per pair beyond import",
                "floor: read + hash inputs",
            ),
            tuple(rows),
        )
    )
    largest = max(sets)
    beyond = sets[largest].noop_s - bare_s
    section.targets.append(
        Target(
            f"no-op of {largest:,} pairs beyond `python -c pass`",
            fmt_s(beyond),
            "< 1 s",
            beyond < NOOP_TARGET_S,
        )
    )
    section.notes.append(
        f"Importing `ivr_prompts.cli` alone costs {fmt_s(import_s - bare_s)} beyond a bare "
        "interpreter, and is inside every figure above."
    )
    if sizes.profile and beyond >= NOOP_TARGET_S * 0.5:
        text = profile_child(
            ["-m", "ivr_prompts", "build", "--config", str(sets[largest].project.toml), "--json"],
            env=_noop_env(),
        )
        section.profiles.append((f"cProfile of the no-op build of {largest:,} pairs", text))
    return section


def _change_section(sizes: Sizes, work: Path, sets: dict[int, SetRun]) -> Section:
    pairs = sizes.change_pairs
    base = sets.get(pairs) or build_set(work, pairs, sizes)
    section = Section(
        "change",
        "3. One prompt changed in a set",
        f"The text of one prompt (both its locales: 2 pairs) changes in a {pairs:,}-pair set; "
        f"`build --json` synthesizes those 2 against the stand-in ({sizes.latency * 1000:.0f} ms "
        f"latency, concurrency {sizes.setup_concurrency}), processes, validates and publishes "
        f"the whole set again. Median of {min(3, sizes.repeats)} edits.",
    )
    knobs = {"concurrency": sizes.setup_concurrency, "latency": sizes.latency, "audio": "babble"}
    runs: list[Child] = []
    with waves_server(**knobs) as server:
        env = child_env(SMALLEST_API_KEY=API_KEY, SMALLEST_BASE_URL=server.url)
        for version in range(2, 2 + min(3, sizes.repeats)):
            set_version(base.project, version)
            child = run_child(_build_cmd(base.project), env=env)
            data = _json(child, "one-prompt rebuild")
            if data["synthesized"] != 2 or not data["published"]:
                raise RuntimeError(f"one-prompt rebuild: unexpected report {data}")
            runs.append(child)
    wall = median([c.wall_s for c in runs])
    section.tables.append(
        Table(
            ("set", "rebuild + publish (wall)", "no-op of the same set", "difference", "peak RSS"),
            (
                (
                    f"{pairs:,} pairs, 2 changed",
                    fmt_s(wall),
                    fmt_s(base.noop_s),
                    fmt_s(wall - base.noop_s),
                    f"{max(c.max_rss_mb for c in runs):.0f} MB",
                ),
            ),
        )
    )
    section.notes.append(
        "No target was set for this figure. The difference includes one round of synthesis "
        "latency, the voice-catalog call Waves builds make first, and re-publishing the whole "
        "set (staging directory, hard links for unchanged files, validation of the new files, "
        "fsync, swap)."
    )
    return section


def _memory_section(sizes: Sizes, sets: dict[int, SetRun], imported: list[Child]) -> Section:
    section = Section(
        "memory",
        "5. Memory as the set grows",
        "Peak RSS (`ru_maxrss` of each child from `os.wait4`) of the cold build and of the "
        "no-op build through the CLI. The Waves engine holds no model, so nothing is excluded.",
    )
    rows = [
        (
            "`import ivr_prompts.cli`",
            "-",
            f"{max(c.max_rss_mb for c in imported):.0f} MB",
        )
    ]
    for pairs, s in sets.items():
        rows.append((f"{pairs:,} pairs", f"{s.setup.max_rss_mb:.0f} MB", f"{s.noop_rss:.0f} MB"))
    section.tables.append(Table(("set", "cold build", "no-op build"), tuple(rows)))
    largest = max(sets)
    s = sets[largest]
    for what, mb in (("cold build", s.setup.max_rss_mb), ("no-op build", s.noop_rss)):
        section.targets.append(
            Target(
                f"peak RSS, {what} of {largest:,} pairs",
                f"{mb:.0f} MB",
                "< 300 MB",
                mb < RSS_TARGET_MB,
            )
        )
    if len(sets) > 1:
        small, big = min(sets), largest
        slope = (sets[big].setup.max_rss_mb - sets[small].setup.max_rss_mb) / (big - small)
        section.notes.append(
            f"Cold build growth: {slope * 1024:.1f} KB of peak RSS per added pair "
            f"({small:,} -> {big:,})."
        )
    return section
