"""The no-op fast path: a fingerprint of the inputs and of the published tree, and every change
that must take the build off it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ivr_prompts import config
from ivr_prompts.flow import build as builder
from ivr_prompts.flow.options import BuildOptions
from ivr_prompts.flow.outcome import BuildReport

from .conftest import Project
from .engines import CountingEngine, engines_with
from .test_pipeline import snapshot


def build(
    cfg: config.Config, engine: CountingEngine, options: BuildOptions | None = None
) -> BuildReport:
    engines, _ = engines_with(cfg, engine)
    return asyncio.run(builder.build(cfg, options, engines=engines))


def built(make_project: Project) -> tuple[Path, config.Config]:
    path = make_project()
    cfg = config.load(path)
    build(cfg, CountingEngine())
    return path, cfg


class Upgraded(CountingEngine):
    """The same engine after an upgrade: its identity (part of every key) changed."""

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        return {**super().identity(request_voice, model), "engine_version": "99.0"}


def test_build_noop_plans_nothing_and_writes_nothing(make_project: Project) -> None:
    _, cfg = built(make_project)
    before = snapshot(cfg.project.output)
    engine = CountingEngine()
    report = build(cfg, engine)
    assert report.plan is None  # nothing rendered, keyed or read from the manifest
    assert (report.counts.pairs, report.counts.reused, report.counts.kept) == (8, 8, 0)
    assert engine.requests == []
    assert snapshot(cfg.project.output) == before


def test_build_changed_template_leaves_fast_path(make_project: Project) -> None:
    path, _cfg = built(make_project)
    (path.parent / "templates/welcome.j2").write_text("Welcome to {{ company }}!\n")
    engine = CountingEngine()
    report = build(config.load(path), engine)
    assert report.plan is not None
    assert engine.texts == ["Welcome to Ack-mee Bank!"]


def test_build_changed_dictionary_leaves_fast_path(make_project: Project) -> None:
    path, _cfg = built(make_project)
    (path.parent / "pron/en-US.toml").write_text('"Acme" = "Ak-mee"\n')
    engine = CountingEngine()
    build(config.load(path), engine)
    assert engine.texts == ["Welcome to Ak-mee Bank."]


def test_build_upgraded_engine_leaves_fast_path(make_project: Project) -> None:
    _, cfg = built(make_project)
    engine = Upgraded()
    report = build(cfg, engine)
    assert report.plan is not None
    assert len(engine.requests) == 8


def test_build_other_options_leave_fast_path(make_project: Project) -> None:
    _, cfg = built(make_project)
    report = build(cfg, CountingEngine(), BuildOptions(only=("digits/*",)))
    assert report.plan is not None
    assert (report.counts.reused, report.counts.kept) == (4, 4)


def test_build_config_edit_without_effect_checks_once_then_fast_again(
    make_project: Project,
) -> None:
    path, cfg = built(make_project)
    path.write_text(path.read_text() + "\n# a comment changes no prompt\n")
    cfg = config.load(path)
    engine = CountingEngine()
    first = build(cfg, engine)
    assert first.plan is not None
    assert not first.published
    again = build(cfg, engine)
    assert again.plan is None
    assert engine.requests == []


def test_build_published_file_edited_same_size_leaves_fast_path_repaired(
    make_project: Project,
) -> None:
    _, cfg = built(make_project)
    victim = cfg.project.output / "wav/en-US/main/welcome.wav"
    before = victim.read_bytes()
    victim.write_bytes(before[:-200] + b"\x00" * 200)  # same size, new mtime
    engine = CountingEngine()
    report = build(cfg, engine)
    assert report.plan is not None
    assert report.published
    assert engine.requests == []  # repaired from the cache
    assert victim.read_bytes() == before


def test_build_published_file_removed_or_added_leaves_fast_path(make_project: Project) -> None:
    _, cfg = built(make_project)
    out = cfg.project.output
    (out / "asterisk/en/main/hours.alaw").unlink()
    report = build(cfg, CountingEngine())
    assert report.published
    assert (out / "asterisk/en/main/hours.alaw").is_file()
    (out / "asterisk/en/stray.ulaw").write_bytes(b"\xff" * 800)
    report = build(cfg, CountingEngine())
    assert report.plan is not None  # looked, found the set intact: the stray file is not ours
