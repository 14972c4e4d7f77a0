from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from ivr_prompts import cache, config, versions
from ivr_prompts.errors import UsageError
from ivr_prompts.publish.manifest import read_manifest

from .conftest import BASE_TOML, Project
from .engines import CountingEngine, build_with


def entry() -> cache.AudioEntry:
    samples = (np.sin(np.arange(800) / 5.0) * 8000).astype(np.int16)
    return cache.AudioEntry(samples, 8000, {"request_id": "abc"})


def test_make_key_order_independent_and_sensitive_to_every_field() -> None:
    a = cache.make_key({"voice": "magnus", "text": "hi", "speed": 1.0})
    assert a == cache.make_key({"speed": 1.0, "text": "hi", "voice": "magnus"})
    assert a != cache.make_key({"voice": "magnus", "text": "hi", "speed": 1.1})
    assert a != cache.make_key({"voice": "olivia", "text": "hi", "speed": 1.0})


def test_put_get_roundtrip_sharded(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path)
    key = cache.make_key({"x": 1})
    store.put("synth", key, entry())
    assert (tmp_path / "synth" / key[:2] / key[2:]).is_file()
    got = store.get("synth", key)
    assert got is not None
    assert np.array_equal(got.samples, entry().samples)
    assert (got.sample_rate, got.meta) == (8000, {"request_id": "abc"})
    assert list(tmp_path.rglob("*.tmp")) == []


def test_get_corrupt_entry_discarded_not_returned(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path)
    key = cache.make_key({"x": 2})
    store.put("audio", key, entry())
    path = store.path("audio", key)
    blob = bytearray(path.read_bytes())
    blob[-10] ^= 0xFF
    path.write_bytes(bytes(blob))
    assert store.get("audio", key) is None
    assert not path.exists()


def test_get_truncated_entry_discarded(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path)
    key = cache.make_key({"x": 3})
    store.put("audio", key, entry())
    path = store.path("audio", key)
    path.write_bytes(path.read_bytes()[:100])
    assert store.get("audio", key) is None


def test_get_missing_is_none(tmp_path: Path) -> None:
    assert cache.Cache(tmp_path).get("synth", "ab" * 32) is None


def test_get_header_tampering_detected(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path)
    key = cache.make_key({"x": 4})
    store.put("synth", key, entry())
    path = store.path("synth", key)
    path.write_bytes(path.read_bytes().replace(b'"sample_rate":8000', b'"sample_rate":9000'))
    assert store.get("synth", key) is None


def test_get_entry_copied_over_another_key_is_a_miss_and_removed(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path)
    mine, theirs = cache.make_key({"x": "mine"}), cache.make_key({"x": "theirs"})
    store.put("audio", theirs, entry())
    store.path("audio", mine).parent.mkdir(parents=True, exist_ok=True)
    store.path("audio", mine).write_bytes(store.path("audio", theirs).read_bytes())
    assert store.get("audio", mine) is None
    assert not store.path("audio", mine).exists()
    assert store.get("audio", theirs) is not None


def test_get_entry_of_other_kind_under_same_key_is_a_miss(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path)
    key = cache.make_key({"x": 5})
    store.put("synth", key, entry())
    store.path("audio", key).parent.mkdir(parents=True, exist_ok=True)
    store.path("audio", key).write_bytes(store.path("synth", key).read_bytes())
    assert store.get("audio", key) is None


def test_decode_names_the_key_the_entry_is_bound_to() -> None:
    theirs = cache.make_key({"x": "theirs"})
    blob = cache.encode("audio", theirs, entry())
    with pytest.raises(cache.InvalidEntry) as info:
        cache.decode(blob, "audio", cache.make_key({"x": "mine"}))
    assert info.value.reason == f"holds the entry of audio/{theirs[:12]}… (copied over?)"


def test_put_over_a_folder_replaces_it(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path)
    key = cache.make_key({"x": 6})
    (store.path("audio", key) / "junk").mkdir(parents=True)
    assert not store.has("audio", key)
    assert store.get("audio", key) is None
    store.put("audio", key, entry())
    assert store.path("audio", key).is_file()
    assert store.get("audio", key) is not None


def test_put_over_a_file_where_the_shard_folder_belongs_replaces_it(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path)
    key = cache.make_key({"x": 7})
    shard = store.path("synth", key).parent
    shard.parent.mkdir(parents=True)
    shard.write_text("not a folder")
    store.put("synth", key, entry())
    assert store.get("synth", key) is not None


def test_put_over_a_symlink_replaces_the_link_not_its_target(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path / "cache")
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    key = cache.make_key({"x": 8})
    store.path("audio", key).parent.mkdir(parents=True)
    store.path("audio", key).symlink_to(outside)
    store.put("audio", key, entry())
    assert not store.path("audio", key).is_symlink()
    assert outside.read_text() == "keep me"


def _published(cfg: config.Config, prompt_id: str) -> tuple[float, bytes]:
    """Duration and bytes of the published en-US wav of `prompt_id`, read back from disk."""
    manifest = read_manifest(cfg.project.output)
    assert manifest is not None
    record = next(r for r in manifest["prompts"] if (r["id"], r["locale"]) == (prompt_id, "en-US"))
    path = next(f["path"] for f in record["files"] if f["target"] == "wav")
    info = soundfile.info(str(cfg.project.output / path))
    return info.frames / info.samplerate, (cfg.project.output / path).read_bytes()


def _clear_output(cfg: config.Config) -> None:
    for p in sorted(cfg.project.output.rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()


def test_build_entry_copied_over_another_resynthesized_right_audio_published(
    make_project: Project,
) -> None:
    cfg = config.load(make_project())
    first = build_with(cfg, CountingEngine())
    assert first.plan is not None
    pairs = {(p.rendered.id, p.locale.code): p for p in first.plan.pairs}
    welcome, hours = pairs["main/welcome", "en-US"], pairs["main/hours", "en-US"]
    # espeak-ng under concurrency varies by a few ms between runs: compare by duration.
    right, _ = _published(cfg, "main/welcome")
    wrong, wrong_bytes = _published(cfg, "main/hours")
    assert abs(right - wrong) > 0.3
    store = cache.Cache(cfg.project.cache)
    # The campaign's fault: hours' entries copied over welcome's, both synthesis and audio.
    for kind, mine, theirs in (
        ("synth", welcome.synth_key, hours.synth_key),
        ("audio", welcome.audio_key, hours.audio_key),
    ):
        store.path(kind, mine).write_bytes(store.path(kind, theirs).read_bytes())  # type: ignore[arg-type]
    _clear_output(cfg)
    engine = CountingEngine()
    report = build_with(cfg, engine)
    assert report.published
    assert [(r.prompt_id, r.locale) for r in engine.requests] == [("main/welcome", "en-US")]
    now, now_bytes = _published(cfg, "main/welcome")
    assert abs(now - right) < 0.05
    assert now_bytes != wrong_bytes
    assert store.get("audio", welcome.audio_key) is not None  # the entry was put right


def test_build_cache_entry_replaced_by_folder_is_replaced_and_build_succeeds(
    make_project: Project,
) -> None:
    cfg = config.load(make_project())
    first = build_with(cfg, CountingEngine())
    assert first.plan is not None
    welcome = next(p for p in first.plan.pairs if p.name == first.plan.pairs[0].name)
    store = cache.Cache(cfg.project.cache)
    for kind, key in (("synth", welcome.synth_key), ("audio", welcome.audio_key)):
        path = store.path(kind, key)  # type: ignore[arg-type]
        path.unlink()
        (path / "sub").mkdir(parents=True)
    _clear_output(cfg)
    engine = CountingEngine()
    report = build_with(cfg, engine)
    assert report.published
    assert [(r.prompt_id, r.locale) for r in engine.requests] == [
        (welcome.rendered.id, welcome.locale.code)
    ]
    assert store.path("audio", welcome.audio_key).is_file()
    engine = CountingEngine()
    _clear_output(cfg)
    build_with(cfg, engine)
    assert engine.requests == []


def test_put_unwritable_root_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = cache.Cache(blocker)
    with pytest.raises(UsageError) as info:
        store.put("synth", "ab" * 32, entry())
    assert info.value.message.startswith(f"cannot write the cache at {blocker}: ")
    assert info.value.message.endswith("point project.cache at a writable folder")


def test_make_key_covers_schema_version() -> None:
    """Every cache key is made under the schema version: bumping it misses every old entry."""
    fields = {"text": "hello", "voice": "en-us"}
    canonical = json.dumps(
        {"schema": versions.SCHEMA_VERSION, **fields}, sort_keys=True, separators=(",", ":")
    )
    assert cache.make_key(fields) == hashlib.sha256(canonical.encode()).hexdigest()
    without = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    assert cache.make_key(fields) != hashlib.sha256(without.encode()).hexdigest()


def test_build_one_text_said_by_two_pairs_far_apart_is_synthesized_once(
    make_project: Project,
) -> None:
    """Two prompts with the same words, with more pairs of equal length between them than the
    build works on at once (so the first is cached before the second starts): one synthesis,
    read back for the second, never billed twice."""
    toml = BASE_TOML.split("[locales.es-US]")[0] + "\n".join(
        f'[[prompts]]\nid = "p{i:02d}"\ntext = "{text}"\n'
        for i, text in enumerate(
            ["Please hold the line."]
            + [f"Option number {i:02d} now." for i in range(60)]
            + ["Please hold the line."]
        )
    )
    cfg = config.load(make_project(toml))
    engine = CountingEngine()
    report = build_with(cfg, engine)
    assert report.published
    assert engine.texts.count("Please hold the line.") == 1
    assert report.synthesized == 61
