from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import pytest

from ivr_prompts import cache, config
from ivr_prompts.engines.piper import PiperEngine
from ivr_prompts.errors import BuildFailed, ConfigError, UsageError
from ivr_prompts.flow import build as builder
from ivr_prompts.flow.options import BuildOptions
from ivr_prompts.flow.outcome import BuildReport
from ivr_prompts.flow.plan import make_plan
from ivr_prompts.publish.manifest import FINGERPRINT, INDEX, read_manifest

from .conftest import BASE_TOML, Project
from .engines import CountingEngine, build_with, engines_with


def snapshot(root: Path) -> dict[str, str]:
    """Every file under root with its sha256: 'byte-identical' made checkable."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def built(make_project: Project) -> tuple[Path, config.Config, dict[str, str]]:
    """A project built once: its prompts.toml, its config and a snapshot of its published set."""
    path = make_project()
    cfg = config.load(path)
    run(cfg, CountingEngine())
    return path, cfg, snapshot(cfg.project.output)


def run(cfg: config.Config, engine: CountingEngine, **options: object) -> BuildReport:
    return build_with(cfg, engine, BuildOptions(**options))  # type: ignore[arg-type]


def test_build_publishes_every_target_with_manifest(make_project: Project) -> None:
    cfg = config.load(make_project())
    engine = CountingEngine()
    report = run(cfg, engine)
    assert report.published
    assert len(engine.requests) == 8
    out = cfg.project.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert [(p["id"], p["locale"]) for p in manifest["prompts"]][:3] == [
        ("digits/1", "en-US"),
        ("digits/1", "es-US"),
        ("digits/2", "en-US"),
    ]
    files = {f["path"] for p in manifest["prompts"] for f in p["files"]}
    assert {
        "asterisk/en/main/welcome.ulaw",
        "asterisk/en/main/welcome.alaw",
        "asterisk/es/main/welcome.ulaw",
        "freeswitch/en/us/ivr/main/8000/welcome.wav",
        "freeswitch/es/us/ivr/digits/8000/1.wav",
        "wav/en-US/main/welcome.wav",
        "wav/es-US/digits/2.wav",
    } <= files
    for record in manifest["prompts"]:
        for f in record["files"]:
            data = (out / f["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == f["sha256"]
            assert len(data) == f["bytes"]
        assert abs(record["level_dbov"] - cfg.audio.level_dbov) < cfg.audio.level_tolerance_db
    assert (out / "asterisk/en/core-sounds-en.txt").read_text().splitlines()[1:3] == [
        "digits/1: 1",
        "digits/2: 2",
    ]
    assert (
        'phrase="Welcome to Acme Bank."' in (out / "freeswitch/en/us/ivr/phrase_en.xml").read_text()
    )
    assert (
        "main/welcome.wav\tmain/welcome\tBienvenido a Banco Acme."
        in (out / "wav/es-US/index.tsv").read_text()
    )


def test_build_dictionary_applied_before_local_engine(make_project: Project) -> None:
    cfg = config.load(make_project())
    engine = CountingEngine()
    run(cfg, engine)
    assert "Welcome to Ack-mee Bank." in engine.texts
    assert "Bienvenido a Banco Acme." in engine.texts  # es-US has no dictionary


def test_build_second_run_makes_zero_engine_calls_and_prepares_no_engine(
    make_project: Project,
) -> None:
    # The engine is created (its identity is part of every cache key), but never made ready
    # (no voice catalog, no dictionary sync) nor asked to speak.
    cfg = config.load(make_project())
    run(cfg, CountingEngine())
    before = snapshot(cfg.project.output)
    engine = CountingEngine()
    engines, _ = engines_with(cfg, engine)
    report = asyncio.run(builder.build(cfg, engines=engines))
    assert engine.requests == []
    assert engine.prepared == []
    assert not report.published
    assert report.counts.reused == 8
    assert snapshot(cfg.project.output) == before


def test_build_changed_variable_resynthesizes_only_its_prompts(make_project: Project) -> None:
    path = make_project()
    run(config.load(path), CountingEngine())
    path.write_text(path.read_text().replace('hours = "nine to five"', 'hours = "ten to six"'))
    engine = CountingEngine()
    report = run(config.load(path), engine)
    assert engine.texts == ["ten to six"]
    assert report.published
    assert report.counts.reused == 7


def test_build_dictionary_word_change_resynthesizes_only_prompts_using_it(
    make_project: Project,
) -> None:
    path = make_project(files={"pron/en-US.toml": '"Acme" = "Ack-mee"\n"nine" = "nyne"\n'})
    run(config.load(path), CountingEngine())
    (path.parent / "pron/en-US.toml").write_text('"Acme" = "Ak-mee"\n"nine" = "nyne"\n')
    engine = CountingEngine()
    run(config.load(path), engine)
    assert engine.texts == ["Welcome to Ak-mee Bank."]


def test_build_removed_prompt_disappears_from_published_set(make_project: Project) -> None:
    path = make_project()
    cfg = config.load(path)
    run(cfg, CountingEngine())
    assert (cfg.project.output / "asterisk/en/main/hours.ulaw").is_file()
    toml = BASE_TOML.replace('[[prompts]]\nid = "main/hours"\ntext = "{{ hours }}"\n', "")
    path.write_text(toml)
    report = run(config.load(path), CountingEngine())
    assert report.counts.removed == (("main/hours", "en-US"), ("main/hours", "es-US"))
    assert not (cfg.project.output / "asterisk/en/main/hours.ulaw").exists()
    manifest = json.loads((cfg.project.output / "manifest.json").read_text())
    assert "main/hours" not in {p["id"] for p in manifest["prompts"]}


def test_build_failed_prompt_fails_alone_caches_others_publishes_nothing(
    make_project: Project,
) -> None:
    path, cfg, before = built(make_project)
    path.write_text(
        path.read_text()
        .replace('hours = "nine to five"', 'hours = "BROKEN"')
        .replace('company = "Acme Bank"', 'company = "Acme Trust"')
    )
    cfg = config.load(path)
    engine = CountingEngine(fail_on="BROKEN")
    with pytest.raises(BuildFailed) as info:
        run(cfg, engine)
    assert info.value.lines() == [
        "main/hours [en-US]: scripted failure for 'BROKEN'",
        "1 prompt(s) failed; nothing was published",
    ]
    assert snapshot(cfg.project.output) == before
    # The prompt that succeeded is cached: fixing the other one synthesizes only it.
    path.write_text(path.read_text().replace('hours = "BROKEN"', 'hours = "ten to six"'))
    engine = CountingEngine()
    run(config.load(path), engine)
    assert engine.texts == ["ten to six"]


def test_build_interrupted_leaves_previous_set_and_keeps_finished_work(
    make_project: Project,
) -> None:
    path, cfg, before = built(make_project)
    path.write_text(
        path.read_text().replace("matrix = { n = [1, 2] }", "matrix = { n = [3, 4, 5, 6] }")
    )
    cfg = config.load(path)
    slow = CountingEngine(delay=0.05, max_concurrency=1)
    engines, _ = engines_with(cfg, slow)

    async def interrupt() -> None:
        task = asyncio.create_task(builder.build(cfg, engines=engines))
        while len(slow.requests) < 3:
            await asyncio.sleep(0.01)
        task.cancel()  # what Ctrl-C does to asyncio.run's main task
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(interrupt())
    assert snapshot(cfg.project.output) == before
    assert not list(cfg.project.output.parent.glob(".dist.staging-*"))
    # What finished before the interrupt is in the cache (how much did depends on timing: the
    # one cancelled mid-synthesis is not); the next build asks for exactly the rest.
    store = cache.Cache(cfg.project.cache)
    plan = make_plan(cfg, BuildOptions(), engines_with(cfg, CountingEngine())[0])
    missing = sorted(p.name for p in plan.pairs if not store.has("synth", p.synth_key))
    assert 0 < len(missing) < 8
    engine = CountingEngine()
    run(cfg, engine)
    assert sorted(f"{r.prompt_id} [{r.locale}]" for r in engine.requests) == missing


def test_build_corrupt_cache_entry_resynthesized_never_published(make_project: Project) -> None:
    path = make_project()
    cfg = config.load(path)
    first = run(cfg, CountingEngine())
    assert first.plan is not None
    pair = next(p for p in first.plan.pairs if p.rendered.id == "main/welcome")
    store = cache.Cache(cfg.project.cache)
    for kind, key in (("synth", pair.synth_key), ("audio", pair.audio_key)):
        entry = store.path(kind, key)  # type: ignore[arg-type]
        blob = bytearray(entry.read_bytes())
        blob[len(blob) // 2] ^= 0x55  # one flipped byte in the samples
        entry.write_bytes(bytes(blob))
    (cfg.project.output / "manifest.json").unlink()
    for p in sorted(cfg.project.output.rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()
    engine = CountingEngine()
    run(cfg, engine)
    assert engine.texts == ["Welcome to Ack-mee Bank."]


def test_build_only_pattern_rebuilds_subset_and_keeps_the_rest(make_project: Project) -> None:
    path = make_project()
    cfg = config.load(path)
    run(cfg, CountingEngine())
    path.write_text(
        path.read_text()
        .replace('hours = "nine to five"', 'hours = "ten to six"')
        .replace('company = "Acme Bank"', 'company = "Acme Trust"')
    )
    cfg = config.load(path)
    engine = CountingEngine()
    report = run(cfg, engine, only=("main/hours",), locales=("en-US",))
    assert engine.texts == ["ten to six"]
    manifest = json.loads((cfg.project.output / "manifest.json").read_text())
    texts = {(p["id"], p["locale"]): p["text"] for p in manifest["prompts"]}
    assert texts[("main/hours", "en-US")] == "ten to six"
    assert texts[("main/welcome", "en-US")] == "Welcome to Acme Bank."  # kept as published
    assert report.counts.kept == 7


def test_build_refuses_output_folder_it_did_not_make(make_project: Project) -> None:
    cfg = config.load(make_project())
    cfg.project.output.mkdir()
    (cfg.project.output / "precious.txt").write_text("mine")
    with pytest.raises(UsageError) as info:
        run(cfg, CountingEngine())
    assert info.value.message == (
        f"prompts.toml: project.output: {cfg.project.output} exists and was not made by "
        "ivr-prompts (no valid manifest.json); remove it or choose another folder"
    )
    assert (cfg.project.output / "precious.txt").read_text() == "mine"


def test_build_validation_failure_publishes_nothing(make_project: Project) -> None:
    toml = BASE_TOML.replace('text = "{{ hours }}"', 'text = "{{ hours }}"\nmax_seconds = 0.3')
    cfg = config.load(make_project(toml))
    with pytest.raises(BuildFailed) as info:
        run(cfg, CountingEngine())
    lines = info.value.lines()
    assert lines[-1] == "2 prompt(s) failed; nothing was published"
    assert lines[0].startswith("main/hours [en-US]: duration: lasts ")
    assert not cfg.project.output.exists()


def test_manifest_lists_exactly_the_published_files(make_project: Project) -> None:
    cfg = config.load(make_project())
    run(cfg, CountingEngine())
    manifest = read_manifest(cfg.project.output)
    assert manifest is not None
    listed = {f["path"] for p in manifest["prompts"] for f in p["files"]}
    on_disk = {
        str(p.relative_to(cfg.project.output))
        for p in cfg.project.output.rglob("*")
        if p.is_file() and p.suffix in (".ulaw", ".alaw", ".wav")
    }
    assert listed == on_disk


def test_build_repairs_published_file_edited_by_hand(make_project: Project) -> None:
    _, cfg, before = built(make_project)
    victim = cfg.project.output / "asterisk/en/main/welcome.ulaw"
    data = bytearray(victim.read_bytes())
    # Same size, so only the content says it changed (0x00 is full scale; 0xff is mu-law silence).
    data[2000:2100] = b"\x00" * 100
    victim.write_bytes(bytes(data))
    engine = CountingEngine()
    report = run(cfg, engine)
    assert engine.requests == []  # repaired from the cache
    assert report.published
    after = snapshot(cfg.project.output)
    for volatile in (INDEX, FINGERPRINT):  # file mtimes: not content
        del after[volatile], before[volatile]
    assert after == before


def test_build_only_rebuilds_unselected_pair_whose_files_vanished(make_project: Project) -> None:
    path = make_project()
    cfg = config.load(path)
    run(cfg, CountingEngine())
    (cfg.project.output / "asterisk/en/main/welcome.ulaw").unlink()
    report = run(cfg, CountingEngine(), only=("digits/*",))
    assert report.published
    assert (cfg.project.output / "asterisk/en/main/welcome.ulaw").is_file()


def test_build_output_or_cache_misplaced_refused_before_synthesis(make_project: Project) -> None:
    for setting, message in (
        ('output = "README.md"', "exists and was not made by ivr-prompts"),
        ('cache = "README.md"', "is a file; name a folder"),
        ('output = "d3"\ncache = "d3/c"', "is inside project.output, which every build replaces"),
    ):
        toml = BASE_TOML.replace('output = "dist"\ncache = "cache"', setting)
        path = make_project(toml, {"README.md": "mine"})
        engine = CountingEngine()
        with pytest.raises(UsageError) as info:
            run(config.load(path), engine)
        assert message in info.value.message
        assert engine.requests == []
        assert (path.parent / "README.md").read_text() == "mine"


def test_build_changed_validation_rules_recheck_published_files(make_project: Project) -> None:
    path = make_project()
    run(config.load(path), CountingEngine())
    path.write_text(path.read_text().replace("max_seconds = 20", "max_seconds = 0.4"))
    cfg = config.load(path)
    plan = make_plan(cfg, BuildOptions(), engines_with(cfg, CountingEngine())[0])
    assert plan.count("reuse") == 0
    assert plan.count("cached") == 8
    with pytest.raises(BuildFailed) as info:
        run(cfg, CountingEngine())
    welcome = [line for line in info.value.lines() if line.startswith("main/welcome [en-US]")]
    assert len(welcome) == 1  # said once for the prompt, not once per file and profile
    assert welcome[0].startswith("main/welcome [en-US]: duration: lasts ")


def test_build_locales_sharing_a_freeswitch_folder_refused(make_project: Project) -> None:
    toml = BASE_TOML.replace("[locales.es-US]", "[locales.es]") + (
        '\n[locales.es-ES]\nlanguage = "es"\nvars = { company = "B", hours = "h" }\n'
    )
    toml = toml.replace("templates/es-US", "templates/es")
    path = make_project(toml, {"templates/es/welcome.j2": "Hola."})
    engine = CountingEngine()
    with pytest.raises(ConfigError) as info:
        run(config.load(path), engine)
    assert info.value.problems[0] == (
        "prompts.toml: locales es and es-ES both publish freeswitch/es/es/ivr/digits/8000/1.wav; "
        "give them different languages or regions"
    )
    assert engine.requests == []


def test_plan_piper_sentence_pause_is_part_of_the_key() -> None:
    short, long = PiperEngine(300), PiperEngine(2000)
    voice = "en_US-joe-medium"
    assert short.identity(voice, "") != long.identity(voice, "")


def test_build_report_repr_stays_small(make_project: Project) -> None:
    # asyncio.run (3.11) repr()s the finished main task, result included, when it restores
    # the SIGINT handler: a report that printed every pair made large no-op builds slow.
    report = run(config.load(make_project()), CountingEngine())
    assert repr(report) == (
        "BuildReport(Plan(8 pairs, 0 removed), synthesized=8, published=True, failures=0)"
    )
