"""A set of any size in bounded memory: a fixed number of workers, records spooled beside the
output and the manifest and stat index written one record at a time (the same bytes as whole)."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
from dataclasses import dataclass
from pathlib import Path

from ivr_prompts import config
from ivr_prompts.engines.base import Synthesis, SynthesisRequest
from ivr_prompts.flow import build as builder
from ivr_prompts.flow.options import BuildOptions
from ivr_prompts.flow.plan import make_plan
from ivr_prompts.publish.manifest import (
    INDEX,
    MANIFEST,
    manifest_bytes,
    new_manifest,
    read_manifest,
    stat_index_bytes,
    write_stat_index,
)
from ivr_prompts.publish.stage import Stager, sync_tree

from .conftest import BASE_TOML, Project
from .engines import CountingEngine, engines_with

SPOKEN = "Your account number is 12, please hold."


@dataclass
class TaskCountingEngine(CountingEngine):
    """Answers every request with one real espeak-ng sentence; notes the most asyncio tasks
    alive while it is asked."""

    most_tasks: int = 0
    speech: Synthesis | None = None

    async def synthesize(self, request: SynthesisRequest) -> Synthesis:
        self.requests.append(request)
        self.most_tasks = max(self.most_tasks, len(asyncio.all_tasks()))
        if self.speech is None:
            said = dataclasses.replace(request, text=SPOKEN)
            self.speech = await self.inner.synthesize(said)
        await asyncio.sleep(0)  # let every other worker reach its engine call
        return self.speech


def _many(make_project: Project, prompts: int) -> config.Config:
    numbers = ", ".join(str(10 + i) for i in range(prompts))
    toml = BASE_TOML.replace("de nueve a cinco", "de nueve a cinco, señor").replace(
        'text = "{{ n }}"', 'text = "Your account number is {{ n }}, please hold."'
    )
    return config.load(make_project(toml.replace("n = [1, 2]", f"n = [{numbers}]")))


def test_build_more_pairs_than_window_tasks_stay_within_window(make_project: Project) -> None:
    engine = TaskCountingEngine(max_concurrency=2)
    cfg = _many(make_project, 1)
    engines, _ = engines_with(cfg, engine)
    window = builder.window(make_plan(cfg, BuildOptions(), engines), engines)
    assert window == 2 + 4 * (os.cpu_count() or 1)
    cfg = _many(make_project, window + 5)  # two locales: more than twice the window in pairs
    engines, _ = engines_with(cfg, engine)
    report = asyncio.run(builder.build(cfg, engines=engines))
    pairs = 2 * (window + 5) + 4
    assert report.published
    assert report.synthesized == len(engine.requests) == pairs
    # The workers and the build itself; one task per pair would make `pairs` of them.
    assert engine.most_tasks <= window + 1 < pairs


def test_stager_streamed_manifest_and_index_same_bytes_as_whole(make_project: Project) -> None:
    cfg = _many(make_project, 6)
    engines, _ = engines_with(cfg, TaskCountingEngine())
    report = asyncio.run(builder.build(cfg, engines=engines))
    out = cfg.project.output
    manifest = read_manifest(out)
    assert report.published
    assert manifest is not None
    assert report.manifest == manifest  # read from the output only when asked
    assert "de nueve a cinco, señor" in (out / MANIFEST).read_text(encoding="utf-8")  # not ASCII
    whole = new_manifest(cfg, list(reversed(manifest["prompts"])))  # sorted again by the writer
    assert (out / MANIFEST).read_bytes() == manifest_bytes(whole)
    assert (out / INDEX).read_bytes() == stat_index_bytes(out, whole)


def test_stager_nothing_admitted_writes_empty_manifest(make_project: Project) -> None:
    cfg = config.load(make_project())
    with Stager(cfg) as stager:
        assert len(stager) == 0
        stager.finish()
    out = cfg.project.output
    assert (out / MANIFEST).read_bytes() == manifest_bytes(new_manifest(cfg, []))
    assert (out / INDEX).read_bytes() == b"{}"


def test_stager_records_read_back_in_manifest_order(make_project: Project) -> None:
    cfg = _many(make_project, 3)
    engines, _ = engines_with(cfg, TaskCountingEngine())
    asyncio.run(builder.build(cfg, engines=engines))
    published = read_manifest(cfg.project.output)
    assert published is not None
    cfg.project.output.rename(cfg.root / "old")
    with Stager(cfg) as stager:
        for record in reversed(published["prompts"]):
            stager.admit(record)
        assert len(stager) == len(published["prompts"])
        assert list(stager.records()) == published["prompts"]


def test_sync_tree_with_syncfs_one_call_for_the_tree(tmp_path: Path) -> None:
    for name in ("a.wav", "b/c.wav"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    seen: list[int] = []

    def syncfs(fd: int) -> int:
        seen.append(os.fstat(fd).st_ino)
        return 0

    sync_tree(tmp_path, syncfs=syncfs)
    assert seen == [tmp_path.stat().st_ino]


def test_stat_index_written_by_entry_equals_json_for_any_digest_text(tmp_path: Path) -> None:
    # A hand-edited manifest may hold any text where a digest belongs: escaped as JSON would.
    (tmp_path / "a b").mkdir()
    odd = ["0123abcdef", 'QUOTE"\\', "ümlaut\u2028", ""]
    files = []
    for n, sha in enumerate(odd):
        name = f"a b/f{n}.ulaw"
        (tmp_path / name).write_bytes(b"x" * n)
        files.append(
            {"path": name, "target": "asterisk", "format": "ulaw", "bytes": n, "sha256": sha}
        )
    whole = {"prompts": [{"files": files}]}
    written = io.BytesIO()
    write_stat_index(written, tmp_path, files)  # type: ignore[arg-type]
    assert written.getvalue() == stat_index_bytes(tmp_path, whole)  # type: ignore[arg-type]
