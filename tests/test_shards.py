"""`build --shard K/N`: N real processes share a build's syntheses through the shared cache (a
moto S3 server), against the local server that speaks the Waves contract."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from ivr_prompts import cache, config
from ivr_prompts.engines.registry import Engines
from ivr_prompts.flow import shard as sharding
from ivr_prompts.flow.options import BuildOptions
from ivr_prompts.flow.plan import make_plan

from .conftest import run_cli
from .s3_server import S3Server
from .test_remote_cache_cli import aws_env
from .waves_server import WavesServer

KEY = "sk_test_0123456789abcdef"

SHARD_TOML = """
[project]
name = "shard-set"
output = "dist"
cache = "cache"
{remote}

[synth]
engine = "waves"

[waves]
concurrency = 2
max_attempts = 3

[limits]
min_seconds = 0.2

[locales.en-US]
language = "en"
voice = "magnus"

[[prompts]]
id = "menu/{{{{ n }}}}"
text = "For choice number {{{{ n }}}}, press {{{{ n }}}} now."
matrix = {{ n = [{numbers}] }}

[[prompts]]
id = "main/welcome"
text = 'Please hold. <break time="300ms"/> Welcome to Acme Bank, where every call matters.'

[[prompts]]
id = "main/hold"
text = "Please hold."

[[prompts]]
id = "main/wait"
text = "Please hold."

[[prompts]]
id = "main/goodbye"
text = "Thank you for calling Acme Bank. Goodbye."

[[prompts]]
id = "main/gap"
kind = "silence"
seconds = 0.5
"""
MENU = 20
# menu/1..20, "Please hold." (main/hold, main/wait and the first part of main/welcome), the
# second part of main/welcome, main/goodbye; the silence is no engine's work.
UNITS = MENU + 3
PAIRS = MENU + 5


def make(root: Path, remote: str | None, menu: int = MENU) -> Path:
    """The set in `root` (its own local cache: one machine), sharing `remote` when given."""
    root.mkdir(parents=True, exist_ok=True)
    line = f'remote_cache = "{remote}"' if remote else ""
    numbers = ", ".join(str(n) for n in range(1, menu + 1))
    toml = SHARD_TOML.format(remote=line, numbers=numbers)
    (root / "prompts.toml").write_text(textwrap.dedent(toml), encoding="utf-8")
    return root / "prompts.toml"


@pytest.fixture
def remote(bucket: str) -> str:
    return f"s3://{bucket}/ci"


def env(s3: S3Server, waves: WavesServer) -> dict[str, str]:
    return {**aws_env(s3.endpoint), "SMALLEST_API_KEY": KEY, "SMALLEST_BASE_URL": waves.url}


def start(project: Path, *args: str, environ: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ivr_prompts", "build", "--config", str(project), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )


def waves() -> WavesServer:
    return WavesServer(api_key=KEY, concurrency=8, latency=0.01, audio="babble")


def ok_tts(server: WavesServer) -> list[str]:
    return [r.body["text"] for r in server.tts_records() if r.status == 200]


def expected_shares(project: Path, count: int) -> list[int]:
    """How many syntheses each shard owns, from the partition of an in-process plan."""
    cfg = config.load(project)
    store = cache.LayeredCache(cache.Cache(project.parent / "plan-cache"))
    plan = make_plan(cfg, BuildOptions(), Engines(cfg), store)
    return [len(sharding.share(plan, sharding.Shard(k, count))) for k in range(1, count + 1)]


def expected_processing(project: Path) -> tuple[int, int]:
    """(whole syntheses the shards process, pairs the final build makes: those spoken in parts,
    which it joins, and the silence it generates)."""
    cfg = config.load(project)
    store = cache.LayeredCache(cache.Cache(project.parent / "plan-cache"))
    plan = make_plan(cfg, BuildOptions(), Engines(cfg), store)
    whole = {p.synth_key for p in plan.pairs if not p.generated and not p.parts}
    return len(whole), sum(1 for p in plan.pairs if p.generated or p.parts)


def test_shards_four_processes_synthesize_each_unit_once_then_build_synthesizes_nothing(
    tmp_path: Path, s3: S3Server, remote: str
) -> None:
    with waves() as server:
        environ = env(s3, server)
        projects = [make(tmp_path / f"shard{k}", remote) for k in range(1, 5)]
        before = len(s3.requests)
        procs = [
            start(p, "--shard", f"{k}/4", "--json", environ=environ)
            for k, p in enumerate(projects, 1)
        ]
        reports = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            reports.append(json.loads(out))
        sent = ok_tts(server)
        # Each shard asks the shared cache about its own share only, not about the whole set.
        heads = [p for m, p in s3.requests[before:] if m == "HEAD" and "/synth/" in p]
        assert len(heads) == UNITS, heads
        assert len(sent) == UNITS  # every unit exactly once, over the four shards
        assert len(set(sent)) == UNITS
        shares = expected_shares(projects[0], 4)
        assert [r["share"] for r in reports] == shares
        assert [r["synthesized"] for r in reports] == shares
        assert all(shares)
        assert sum(shares) == UNITS
        assert {r["syntheses"] for r in reports} == {UNITS}
        assert not any((p.parent / "dist").exists() for p in projects)  # nothing published

        final = make(tmp_path / "final", remote)
        done = run_cli("build", "--config", str(final), "--json", env=environ)
        assert done.returncode == 0, done.stderr
        final_report = json.loads(done.stdout)
        assert final_report["synthesized"] == 0
        # The shards processed every whole pair's audio; the final build only joins the pairs
        # spoken in parts (their parts may lie in different shards) and makes the silence.
        whole, in_parts = expected_processing(projects[0])
        assert sum(r["processed"] for r in reports) == whole
        assert final_report["processed"] == in_parts
        assert len(server.tts_records()) == UNITS  # the final build asked Waves nothing
    manifest = json.loads((final.parent / "dist/manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["prompts"]) == PAIRS
    for record in manifest["prompts"]:
        for file in record["files"]:
            assert (final.parent / "dist" / file["path"]).is_file()


def test_shards_failed_syntheses_exit_1_naming_prompts_and_rerun_makes_only_those(
    tmp_path: Path, s3: S3Server, remote: str
) -> None:
    project = make(tmp_path / "a", remote)
    with waves() as server:
        server.script("400", "400")  # the two longest texts of the share are refused
        environ = env(s3, server)
        first = run_cli("build", "--config", str(project), "--shard", "1/2", env=environ)
        assert first.returncode == 1, first.stderr
        lines = first.stderr.splitlines()
        assert len(lines) == 3
        named = re.compile(
            r"error: (menu/\d+|main/[a-z]+) \[en-US\]: Waves rejected the request \(400\)"
        )
        assert all(named.match(line) for line in lines[:2]), lines
        assert lines[2] == (
            "error: shard 1/2: 2 synthesis(es) failed; the rest of its share is cached; run the "
            "shard again to make only what is missing"
        )
        share = expected_shares(project, 2)[0]
        made = sum(1 for r in server.tts_records() if r.status == 200)
        assert made == share - 2  # the rest of the share was done

        again = run_cli("build", "--config", str(project), "--shard", "1/2", env=environ)
        assert again.returncode == 0, again.stderr
        assert sum(1 for r in server.tts_records() if r.status == 200) == made + 2
        assert again.stdout.strip() == (
            f"shard 1/2: {share} of {UNITS} syntheses are this shard's; 2 synthesized, "
            f"{share - 2} already cached; nothing published"
        )


def test_shards_killed_shard_rerun_synthesizes_only_what_is_missing(
    tmp_path: Path, s3: S3Server, remote: str
) -> None:
    project = make(tmp_path / "a", remote)
    with WavesServer(api_key=KEY, concurrency=2, latency=0.15, audio="babble") as server:
        environ = env(s3, server)
        proc = start(project, "--shard", "1/1", environ=environ)
        while sum(r.status == 200 for r in server.tts_records()) < 4:
            assert proc.poll() is None, proc.communicate()[1]
            time.sleep(0.02)
        proc.kill()
        proc.communicate()
        kept = sum(1 for p in (project.parent / "cache/synth").rglob("*") if p.is_file())
        assert 1 <= kept < UNITS
        before = len(server.tts_records())
        again = run_cli("build", "--config", str(project), "--shard", "1/1", env=environ)
        assert again.returncode == 0, again.stderr
        assert len(server.tts_records()) - before == UNITS - kept
        assert f"{UNITS - kept} synthesized, {kept} already cached" in again.stdout


@pytest.mark.parametrize("spec", ["3", "0/4", "5/4", "a/b", "1/0", ""])
def test_shards_malformed_spec_exit_2_one_line(tmp_path: Path, spec: str) -> None:
    project = make(tmp_path, None)
    done = run_cli("build", "--config", str(project), "--shard", spec)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: --shard {spec!r}: "
        + ("not K/N" if "/" not in spec or spec == "a/b" else "K must be between 1 and N")
        + "; give K/N with 1 <= K <= N, e.g. --shard 2/4"
    ]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("remote_cache", "flag", "message"),
    [
        (
            False,
            None,
            "error: --shard 2/4: no shared cache to put this shard's syntheses in; set "
            '[project] remote_cache = "s3://bucket/prefix" in prompts.toml (every shard and the '
            "final build must use it)",
        ),
        (
            True,
            "--no-remote",
            "error: --shard 2/4: --no-remote leaves nothing to share; drop --no-remote",
        ),
        (
            True,
            "--remote-read-only",
            "error: --shard 2/4: the shared cache is read-only here (--remote-read-only or "
            'remote_cache_mode = "read-only"); give this job write access and drop the '
            "read-only setting",
        ),
    ],
    ids=["unset", "no-remote", "read-only"],
)
def test_shards_without_writable_remote_exit_2_one_line_nothing_synthesized(
    tmp_path: Path,
    s3: S3Server,
    remote: str,
    *,
    remote_cache: bool,
    flag: str | None,
    message: str,
) -> None:
    project = make(tmp_path, remote if remote_cache else None)
    asked = s3.count()
    with waves() as server:
        args = ["--shard", "2/4", *([flag] if flag else [])]
        done = run_cli("build", "--config", str(project), *args, env=env(s3, server))
        assert server.records == []  # no engine started, nothing billed
    assert done.returncode == 2
    assert done.stderr.splitlines() == [message]
    assert s3.count() == asked
    assert not (tmp_path / "dist").exists()


def units(lengths: list[int]) -> list[sharding.Unit]:
    return [sharding.Unit(f"{i:04x}", n) for i, n in enumerate(lengths)]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7])
def test_shards_partition_deterministic_balanced_and_complete(count: int) -> None:
    lengths = [(i * 37) % 91 + 3 for i in range(60)]
    given = units(lengths)
    bins = sharding.partition(given, count)
    assert sharding.partition(list(reversed(given)), count) == bins  # order of input: none
    assert sharding.partition(given + given[:5], count) == bins  # a key twice is one unit
    assert sorted(u for b in bins for u in b) == sorted(given)  # each unit in exactly one bin
    loads = [sum(u.length for u in b) for b in bins]
    assert max(loads) - min(loads) <= max(lengths)


def test_shards_partition_ties_go_to_lowest_bin_in_key_order() -> None:
    bins = sharding.partition(units([5, 5, 5, 5, 9]), 2)
    assert [[u.key for u in b] for b in bins] == [["0004", "0002"], ["0000", "0001", "0003"]]


def test_shards_share_same_whatever_the_cache_holds(tmp_path: Path) -> None:
    project = make(tmp_path, None, menu=12)
    cfg = config.load(project)
    store = cache.LayeredCache(cache.Cache(tmp_path / "cache"))
    before = make_plan(cfg, BuildOptions(), Engines(cfg), store)
    said = sharding.spoken(before)
    assert len(said) == 12 + 3
    entry = cache.AudioEntry(np.zeros(800, np.int16), 8000, {})
    for key in list(said)[::2]:  # some syntheses made since, by other shards
        store.put("synth", key, entry)
    after = make_plan(cfg, BuildOptions(), Engines(cfg), store)
    assert sharding.missing(after) == set(list(said)[1::2])
    assert sharding.missing(before) == set(said)
    for k in range(1, 5):
        shard = sharding.Shard(k, 4)
        assert sharding.share(after, shard) == sharding.share(before, shard)
