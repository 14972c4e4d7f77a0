"""Section 8: sharded builds. N `build --shard K/N` jobs share a cold build's syntheses through
the shared cache on S3 (moto on loopback), then a plain `build` publishes with none.

Every build is the real command (`python -m ivr_prompts build --json`) in a child process
(`measure.run_child`: spawn to exit, the child's own peak RSS and CPU time), against the Waves
stand-in in its own process. Each build has a local cache of its own (a machine of its own); the
unsharded build and the sharded run each have a fresh prefix of the bucket.

`python -m benchmarks.shards [PAIRS]` measures the section alone and prints it as Markdown."""

from __future__ import annotations

import concurrent.futures
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.aws import aws_env, new_bucket

from .config import Sizes
from .measure import PYTHON, Child, child_env, run_child
from .model import Section, Table, Target, fmt_s
from .project import Project, write_project
from .server import API_KEY, ServerStats, waves_server

if TYPE_CHECKING:
    from tests.s3_server import S3Server


@dataclass(frozen=True)
class Phase:
    """One or more builds against one stand-in: their children, reports and what it saw."""

    children: tuple[Child, ...]
    reports: tuple[dict[str, Any], ...]
    stats: ServerStats
    wall_s: float  # the first child's spawn to the last one's exit
    s3: dict[str, int]  # requests moto served during the phase, by method

    @property
    def requests_ok(self) -> int:
        return self.stats.statuses.get(200, 0)


@contextmanager
def s3_server() -> Iterator[tuple[S3Server, str]]:
    """moto's S3 server on loopback (tests/s3_server.py) and a new bucket on it (moto keeps its
    buckets in the process: a second run in one process must not find the first one's)."""
    from tests.s3_server import S3Server

    server = S3Server().start()
    try:
        yield server, new_bucket(server.endpoint, "ivr-bench-shards")
    finally:
        server.stop()


def _env(waves_url: str, s3_url: str) -> dict[str, str]:
    """The child's environment: the stand-in, and the S3 server as the only AWS there is."""
    return aws_env(s3_url, child_env(SMALLEST_API_KEY=API_KEY, SMALLEST_BASE_URL=waves_url))


def _cmd(project: Project, *extra: str) -> list[str]:
    return [PYTHON, "-m", "ivr_prompts", "build", "--config", str(project.toml), "--json", *extra]


def _json(child: Child, what: str) -> dict[str, Any]:
    if child.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {child.returncode}): {child.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(child.stdout)
    return data


def _knobs(sizes: Sizes) -> dict[str, Any]:
    """Section 1's stand-in (latency to the first byte plus per character, babble audio), with
    room for every shard's requests at once: N x the project's concurrency."""
    return {
        "concurrency": sizes.setup_concurrency * sizes.shard_count,
        "latency": sizes.latency,
        "latency_per_char": sizes.cold_latency_per_char,
        "audio": "babble",
        "seed": 8,
    }


def _project(root: Path, sizes: Sizes, remote: str) -> Project:
    return write_project(
        root,
        sizes.shard_pairs,
        engine="waves",
        concurrency=sizes.setup_concurrency,
        varied=True,
        remote_cache=remote,
    )


def _phase(sizes: Sizes, s3: S3Server, jobs: list[tuple[list[str], str]]) -> Phase:
    """Run `jobs` (argv, what) at once against a fresh stand-in."""
    seen = len(s3.requests)
    with waves_server(**_knobs(sizes)) as server:
        env = _env(server.url, s3.endpoint)
        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
            children = list(pool.map(lambda job: run_child(job[0], env=env), jobs))
        wall = time.perf_counter() - start
    reports = tuple(_json(c, what) for c, (_, what) in zip(children, jobs, strict=True))
    methods = dict(Counter(method for method, _ in s3.requests[seen:]))
    return Phase(tuple(children), reports, server.stats, wall, methods)


def measure(sizes: Sizes, work: Path) -> tuple[Phase, Phase, Phase]:
    """The unsharded cold build, the N shards at once, then the final plain build."""
    n, pairs = sizes.shard_count, sizes.shard_pairs
    with s3_server() as (s3, bucket):
        whole = _project(work / "unsharded", sizes, f"s3://{bucket}/unsharded")
        single = _phase(sizes, s3, [(_cmd(whole), f"unsharded build of {pairs} pairs")])
        shard_jobs = []
        for k in range(1, n + 1):
            project = _project(work / f"shard-{k}", sizes, f"s3://{bucket}/sharded")
            shard_jobs.append((_cmd(project, "--shard", f"{k}/{n}"), f"build --shard {k}/{n}"))
        shards = _phase(sizes, s3, shard_jobs)
        last = _project(work / "final", sizes, f"s3://{bucket}/sharded")
        final = _phase(sizes, s3, [(_cmd(last), "final build after the shards")])
    return single, shards, final


def run(sizes: Sizes, work: Path) -> Section:
    n, pairs, c = sizes.shard_count, sizes.shard_pairs, sizes.setup_concurrency
    single, shards, final = measure(sizes, work)
    unsharded, last = single.reports[0], final.reports[0]
    if unsharded["synthesized"] != pairs or not unsharded["published"]:
        raise RuntimeError(f"unsharded cold build of {pairs} pairs: unexpected report {unsharded}")
    section = Section(
        "shards",
        f"8. Sharded builds: {n} shards of {pairs:,} pairs, then the final build",
        f"A cold set of {pairs:,} pairs (en-US + es-US, every text distinct, 30-150 characters: "
        f"{pairs:,} syntheses). *Unsharded*: one `build --json` with an empty local cache and a "
        f"fresh S3 prefix. *Shards*: {n} `build --shard K/{n} --json` started at once, each "
        "with an empty local cache of its own, sharing another fresh prefix. *Final*: a plain "
        "`build --json` with yet another empty local cache on the shards' prefix. The Waves "
        f"stand-in answers after {sizes.latency * 1000:.0f} ms plus "
        f"{sizes.cold_latency_per_char * 1000:.0f} ms per character (babble audio), admitting "
        f"{c * n} requests at once ({n} x the project's concurrency of {c}: every shard runs "
        "its full concurrency; one account limit of "
        f"{c} shared by the shards would bound them to the unsharded build's synthesis rate). "
        "The shared cache is moto's S3 server on loopback in the benchmark's process. "
        "*Syntheses*: each build's own count (`--json`), and the TTS requests the stand-in "
        "answered 200 (*distinct*: different texts or voices among them). All of it runs on "
        "one machine: the shards share its cores with each other, the stand-in and moto.",
    )
    synthesized = [int(r["synthesized"]) for r in shards.reports]
    units = {int(r["syntheses"]) for r in shards.reports}
    total = sum(synthesized)
    slowest = max(shards.children, key=lambda child: child.wall_s)
    ratio = slowest.wall_s / single.children[0].wall_s
    rows: list[tuple[str, ...]] = [
        _row("unsharded `build`", single.children[0], unsharded["synthesized"], "-", "-"),
    ]
    for k, (child, report) in enumerate(zip(shards.children, shards.reports, strict=True), 1):
        rows.append(
            _row(
                f"`build --shard {k}/{n}`",
                child,
                report["synthesized"],
                str(report["share"]),
                str(report["already_cached"]),
            )
        )
    rows.append(
        (
            f"{n} shards together (first spawn to last exit)",
            fmt_s(shards.wall_s),
            f"{sum(ch.cpu_s for ch in shards.children):.1f} s",
            "-",
            str(total),
            str(sum(int(r["share"]) for r in shards.reports)),
            str(sum(int(r["already_cached"]) for r in shards.reports)),
        )
    )
    rows.append(_row("final `build` (after the shards)", final.children[0], last["synthesized"]))
    section.tables.append(
        Table(
            ("build", "wall", "CPU (user + sys)", "peak RSS", "synthesized", "share", "cached"),
            tuple(rows),
        )
    )
    section.tables.append(
        Table(
            (
                "phase",
                "TTS requests",
                "answered 200",
                "distinct",
                "statuses",
                "max in flight",
                "S3 requests (moto)",
            ),
            tuple(
                (
                    what,
                    str(p.stats.tts_requests),
                    str(p.requests_ok),
                    str(p.stats.distinct_ok),
                    ", ".join(f"{k}: {v}" for k, v in sorted(p.stats.statuses.items())) or "-",
                    str(p.stats.max_in_flight),
                    ", ".join(f"{k} {v}" for k, v in sorted(p.s3.items())) or "-",
                )
                for what, p in (
                    ("unsharded build", single),
                    (f"{n} shards", shards),
                    ("final build", final),
                )
            ),
            "what the Waves stand-in and the S3 server saw",
        )
    )
    expected = pairs  # every text of the set is distinct: one synthesis per pair
    unit_count = units.pop() if len(units) == 1 else -1
    section.targets += [
        Target(
            f"syntheses over the {n} shards (stand-in: {shards.requests_ok} answered, "
            f"{shards.stats.distinct_ok} distinct)",
            f"{total:,}",
            f"= {expected:,} distinct syntheses",
            total == expected == shards.requests_ok == shards.stats.distinct_ok,
        ),
        Target(
            f"syntheses of the final build (stand-in: {final.stats.tts_requests} TTS requests)",
            str(last["synthesized"]),
            "0",
            last["synthesized"] == 0 and final.stats.tts_requests == 0 and bool(last["published"]),
        ),
        Target(
            f"slowest shard vs the unsharded build (wall, {_cores()} cores shared)",
            f"{fmt_s(slowest.wall_s)} / {fmt_s(single.children[0].wall_s)} = {ratio:.2f}x",
            "reported",
            None,
        ),
        Target(
            f"shares (syntheses per shard, of {unit_count:,})",
            " / ".join(str(s) for s in synthesized),
            f"{expected / n:,.0f} each",
            None,
        ),
    ]
    end_to_end = shards.wall_s + final.children[0].wall_s
    section.notes.append(
        f"Shards, then the final build, end to end: {fmt_s(end_to_end)} against the unsharded "
        f"build's {fmt_s(single.children[0].wall_s)} "
        f"({end_to_end / single.children[0].wall_s:.2f}x). The synthesis-bound floor (every "
        "answer's nominal time spread over the slots): "
        f"{fmt_s(single.stats.nominal_s / c)} unsharded, "
        f"{fmt_s(shards.stats.nominal_s / (c * n))} for the shards."
    )
    heads = shards.s3.get("HEAD", 0)
    section.notes.append(
        f"S3 lookups: the {n} shards sent {heads:,} HEAD requests ({heads / n:,.0f} each) for "
        f"{total:,} syntheses; the unsharded build sent {single.s3.get('HEAD', 0):,} for the "
        f"same {unsharded['synthesized']:,}. Shard CPU is process CPU of the shard only; moto "
        "and the stand-in run in other processes on the same cores."
    )
    final_wall, final_cpu = final.children[0].wall_s, final.children[0].cpu_s
    section.notes.append(
        f"The final build synthesized {last['synthesized']} but took {fmt_s(final_wall)} "
        f"({final_wall / single.children[0].wall_s:.0%} of the unsharded build's wall) and "
        f"{final_cpu:.1f} s of CPU: it fetched {final.s3.get('GET', 0):,} objects, put "
        f"{final.s3.get('PUT', 0):,} (the shards put {shards.s3.get('PUT', 0):,}: one per "
        "synthesis and one per processed audio, the unsharded build "
        f"{single.s3.get('PUT', 0):,}), processed {last['processed']} pairs (the shards "
        f"processed {sum(int(r['processed']) for r in shards.reports):,}) and published every "
        "pair."
    )
    if unit_count != expected:
        section.notes.append(
            f"The shards reported {sorted(r['syntheses'] for r in shards.reports)} syntheses "
            f"for the build; the set has {expected:,} distinct texts."
        )
    return section


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _row(
    what: str, child: Child, synthesized: object, share: str = "-", cached: str = "-"
) -> tuple[str, ...]:
    return (
        what,
        fmt_s(child.wall_s),
        f"{child.cpu_s:.1f} s",
        f"{child.max_rss_mb:.0f} MB",
        str(synthesized),
        share,
        cached,
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.shards [PAIRS]`: the section alone, as Markdown on standard output."""
    import logging
    import shutil
    import tempfile

    from . import machine
    from .config import FULL
    from .report import section_lines

    args = sys.argv[1:] if argv is None else argv
    sizes = FULL
    if args:
        from dataclasses import replace

        sizes = replace(FULL, shard_pairs=int(args[0]))
    logging.basicConfig(level=logging.ERROR)
    facts = dict(machine.facts())
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    work = Path(tempfile.mkdtemp(prefix="ivr-bench-shards-"))
    start = time.perf_counter()
    try:
        section = run(sizes, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    section.seconds = time.perf_counter() - start
    after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    command = "python -m benchmarks.shards" + (f" {args[0]}" if args else "")
    section.title += f" (measured alone: `{command}`)"
    section.intro = (
        f"Measured at {facts['commit']}, {facts['date']}, on the machine above "
        f"({facts['cores available']} cores shared with other work: load average "
        f"{load:.1f} before the run, {after:.1f} after). " + section.intro
    )
    sys.stdout.write("\n".join(section_lines(section)).rstrip() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
