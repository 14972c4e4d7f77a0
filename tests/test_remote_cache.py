"""The remote cache against a real S3 API server (moto's server mode) on loopback, in-process."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import textwrap
import threading
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from ivr_prompts import cache, config
from ivr_prompts.cache.layered import MAX_PENDING_UPLOADS
from ivr_prompts.cache.remote import RemoteCache
from ivr_prompts.flow import build as builder
from ivr_prompts.flow import plan
from ivr_prompts.flow.options import BuildOptions
from ivr_prompts.flow.outcome import BuildReport

from .conftest import BASE_TOML, DEFAULT_FILES
from .engines import CountingEngine, engines_with
from .s3_server import S3Server

CREDENTIALS = {
    "aws_access_key_id": "AKIDREMOTETEST",
    "aws_secret_access_key": "remote-test-secret-value",
    "region_name": "us-east-1",
}


@pytest.fixture
def bucket(s3: S3Server) -> str:
    name = f"ivr-{uuid.uuid4().hex[:12]}"
    client(s3).create_bucket(Bucket=name)
    return name


def client(s3: S3Server) -> Any:
    return boto3.client("s3", endpoint_url=s3.endpoint, **CREDENTIALS)


def project(root: Path, url: str, extra: str = "") -> config.Config:
    """The shared test set in `root` with its own output and local cache, sharing `url`."""
    for name, text in DEFAULT_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    toml = textwrap.dedent(BASE_TOML).replace(
        'cache = "cache"', f'cache = "cache"\nremote_cache = "{url}"\n{extra}'
    )
    (root / "prompts.toml").write_text(toml, encoding="utf-8")
    return config.load(root / "prompts.toml")


def store_for(s3: S3Server, cfg: config.Config, *, read_only: bool = False) -> cache.LayeredCache:
    assert cfg.project.remote_cache is not None
    remote = RemoteCache(cfg.project.remote_cache, client_factory=lambda: client(s3))
    return cache.LayeredCache(cache.Cache(cfg.project.cache), remote, read_only=read_only)


def build(
    s3: S3Server, cfg: config.Config, engine: CountingEngine, *, read_only: bool = False
) -> tuple[BuildReport, cache.LayeredCache]:
    engines, _ = engines_with(cfg, engine)
    store = store_for(s3, cfg, read_only=read_only)
    report = asyncio.run(builder.build(cfg, engines=engines, store=store))
    return report, store


def objects(s3: S3Server, bucket: str) -> dict[str, bytes]:
    c = client(s3)
    listed = c.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: c.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def published(cfg: config.Config) -> dict[str, str]:
    """Every published file's sha256, from the files themselves."""
    out = cfg.project.output
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "manifest.json" and not p.name.startswith(".")
    }


def pair_of(report: BuildReport, prompt_id: str) -> plan.Pair:
    assert report.plan is not None
    return next(
        p for p in report.plan.pairs if (p.rendered.id, p.locale.code) == (prompt_id, "en-US")
    )


def test_remote_cache_second_folder_synthesizes_nothing(
    tmp_path: Path, s3: S3Server, bucket: str
) -> None:
    url = f"s3://{bucket}/team/prompts"
    first_cfg = project(tmp_path / "a", url)
    first, first_store = build(s3, first_cfg, CountingEngine())
    assert first.synthesized == 8
    assert first_store.stats.uploaded == 16  # 8 syntheses + 8 processed audios
    stored = objects(s3, bucket)
    assert len(stored) == 16
    assert all(
        k.startswith("team/prompts/synth/") or k.startswith("team/prompts/audio/") for k in stored
    )

    second_cfg = project(tmp_path / "b", url)
    engine = CountingEngine()
    second, second_store = build(s3, second_cfg, engine)
    assert engine.requests == []
    assert second.synthesized == 0
    assert second.published
    assert second_store.stats.downloaded == 8
    assert published(second_cfg) == published(first_cfg)
    # Read-through: the second folder's local cache now holds what it fetched.
    assert len(list((tmp_path / "b" / "cache" / "audio").rglob("*"))) >= 8
    # Nothing was uploaded again: every object is still the first build's.
    assert objects(s3, bucket) == stored


def test_remote_cache_corrupt_and_partial_objects_ignored_resynthesized_replaced(
    tmp_path: Path, s3: S3Server, bucket: str
) -> None:
    url = f"s3://{bucket}"
    first, _ = build(s3, project(tmp_path / "a", url), CountingEngine())
    c = client(s3)
    welcome, hours = pair_of(first, "main/welcome"), pair_of(first, "main/hours")
    for kind, key in (("synth", welcome.synth_key), ("audio", welcome.audio_key)):
        name = cache.entry_name(kind, key)  # type: ignore[arg-type]
        blob = bytearray(c.get_object(Bucket=bucket, Key=name)["Body"].read())
        blob[len(blob) // 2] ^= 0x55  # one flipped bit pattern in the samples
        c.put_object(Bucket=bucket, Key=name, Body=bytes(blob))
    for kind, key in (("synth", hours.synth_key), ("audio", hours.audio_key)):
        name = cache.entry_name(kind, key)  # type: ignore[arg-type]
        blob = c.get_object(Bucket=bucket, Key=name)["Body"].read()
        c.put_object(Bucket=bucket, Key=name, Body=blob[: len(blob) // 3])  # partial upload

    second_cfg = project(tmp_path / "b", url)
    engine = CountingEngine()
    second, store = build(s3, second_cfg, engine)
    assert second.published
    assert sorted((r.prompt_id, r.locale) for r in engine.requests) == [
        ("main/hours", "en-US"),
        ("main/welcome", "en-US"),
    ]
    assert store.stats.rejected == 4  # both entries (synthesis, audio) of both pairs
    # The bad objects were replaced by whole entries bound to their keys.
    for pair in (welcome, hours):
        for kind, key in (("synth", pair.synth_key), ("audio", pair.audio_key)):
            blob = c.get_object(Bucket=bucket, Key=cache.entry_name(kind, key))["Body"].read()  # type: ignore[arg-type]
            cache.decode(blob, kind, key)  # type: ignore[arg-type]
    engine = CountingEngine()
    build(s3, project(tmp_path / "c", url), engine)
    assert engine.requests == []


def test_remote_cache_object_copied_over_another_is_a_miss(
    tmp_path: Path, s3: S3Server, bucket: str
) -> None:
    url = f"s3://{bucket}/p"
    first, _ = build(s3, project(tmp_path / "a", url), CountingEngine())
    c = client(s3)
    welcome, hours = pair_of(first, "main/welcome"), pair_of(first, "main/hours")
    swaps: list[tuple[cache.Kind, str, str]] = [
        ("synth", welcome.synth_key, hours.synth_key),
        ("audio", welcome.audio_key, hours.audio_key),
    ]
    for kind, mine, theirs in swaps:
        wrong = c.get_object(Bucket=bucket, Key="p/" + cache.entry_name(kind, theirs))
        c.put_object(
            Bucket=bucket, Key="p/" + cache.entry_name(kind, mine), Body=wrong["Body"].read()
        )
    engine = CountingEngine()
    second, _ = build(s3, project(tmp_path / "b", url), engine)
    assert [(r.prompt_id, r.locale) for r in engine.requests] == [("main/welcome", "en-US")]
    assert second.manifest is not None
    record = next(
        r for r in second.manifest["prompts"] if (r["id"], r["locale"]) == ("main/welcome", "en-US")
    )
    assert record["text"] == "Welcome to Acme Bank."
    assert abs(record["duration_s"] - pair_duration(first, "main/welcome")) < 0.05


def pair_duration(report: BuildReport, prompt_id: str) -> float:
    assert report.manifest is not None
    return next(
        float(r["duration_s"])
        for r in report.manifest["prompts"]
        if (r["id"], r["locale"]) == (prompt_id, "en-US")
    )


def test_remote_cache_read_only_reads_but_writes_nothing(
    tmp_path: Path, s3: S3Server, bucket: str
) -> None:
    url = f"s3://{bucket}"
    before = s3.count("PUT")
    engine = CountingEngine()
    report, store = build(s3, project(tmp_path / "a", url), engine, read_only=True)
    assert report.published
    assert len(engine.requests) == 8
    assert s3.count("PUT") == before
    assert objects(s3, bucket) == {}
    assert store.stats.lookups == 16  # it did ask

    build(s3, project(tmp_path / "b", url), CountingEngine())  # a trusted job fills it
    engine = CountingEngine()
    before = s3.count("PUT")
    build(s3, project(tmp_path / "c", url), engine, read_only=True)
    assert engine.requests == []
    assert s3.count("PUT") == before


def test_remote_put_many_writers_of_one_key_one_wins(s3: S3Server, bucket: str) -> None:
    key = cache.make_key({"writers": 1})
    remotes = [RemoteCache(f"s3://{bucket}/w", client_factory=lambda: client(s3)) for _ in range(8)]
    blobs = [
        cache.encode("audio", key, cache.AudioEntry(cache_samples(i), 8000, {"writer": i}))
        for i in range(8)
    ]
    wins: list[bool] = []
    start = threading.Barrier(8)

    def write(i: int) -> None:
        start.wait()
        wins.append(remotes[i].put_blob("audio", key, blobs[i]))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]
    stored = remotes[0].get_blob("audio", key)
    assert stored is not None
    assert stored in blobs
    cache.decode(stored, "audio", key)


def cache_samples(seed: int) -> Any:
    import numpy as np

    return (np.sin(np.arange(400) / (3.0 + seed)) * 6000).astype(np.int16)


def test_remote_cache_two_builds_at_once_upload_each_key_once(
    tmp_path: Path, s3: S3Server, bucket: str
) -> None:
    url = f"s3://{bucket}"
    cfgs = [project(tmp_path / name, url) for name in ("a", "b")]
    stores: list[cache.LayeredCache] = []

    def run(cfg: config.Config) -> None:
        stores.append(build(s3, cfg, CountingEngine(delay=0.05))[1])

    threads = [threading.Thread(target=run, args=(cfg,)) for cfg in cfgs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(s.stats.uploaded for s in stores) == 16
    stored = objects(s3, bucket)
    assert len(stored) == 16
    for name, blob in stored.items():
        kind, shard, rest = name.split("/")
        cache.decode(blob, kind, shard + rest)  # type: ignore[arg-type]


def test_remote_cache_bucket_layout_is_the_local_layout(
    tmp_path: Path, s3: S3Server, bucket: str
) -> None:
    cfg = project(tmp_path / "a", f"s3://{bucket}/x")
    build(s3, cfg, CountingEngine())
    local = {
        str(p.relative_to(cfg.project.cache)): p.read_bytes()
        for p in cfg.project.cache.rglob("*")
        if p.is_file()
    }
    assert {f"x/{k}": v for k, v in local.items()} == objects(s3, bucket)


def test_plan_counts_remote_entries_as_cached(tmp_path: Path, s3: S3Server, bucket: str) -> None:
    url = f"s3://{bucket}"
    build(s3, project(tmp_path / "a", url), CountingEngine())
    cfg = project(tmp_path / "b", url)
    store = store_for(s3, cfg, read_only=True)
    the_plan = plan.make_plan(cfg, BuildOptions(), engines_with(cfg, CountingEngine())[0], store)
    store.close()
    assert {p.action for p in the_plan.pairs} == {"cached"}
    assert the_plan.billed_chars == 0


@pytest.mark.parametrize("required", [True, False])
def test_layered_upload_lost_fails_flush_only_when_required(
    tmp_path: Path, required: bool, caplog: pytest.LogCaptureFixture
) -> None:
    server = S3Server().start()
    client(server).create_bucket(Bucket="lost")
    remote = RemoteCache("s3://lost", client_factory=lambda: client(server))
    store = cache.LayeredCache(cache.Cache(tmp_path), remote, required=required)
    key = cache.make_key({"lost": required})
    assert store.present("audio", [key]) == set()  # opened while the server was up
    server.stop()  # then the endpoint goes away mid-build
    store.put("audio", key, cache.AudioEntry(cache_samples(1), 8000, {}))
    assert store.local.get("audio", key) is not None  # the local write never depends on it
    if required:
        with pytest.raises(cache.RemoteUnreachable) as info:
            store.flush()
        assert info.value.message.startswith("remote cache s3://lost: cannot reach http://127.")
    else:
        store.flush()
        assert "GOING ON WITHOUT IT" in caplog.text
    with pytest.raises(cache.RemoteUnreachable) if required else contextlib.nullcontext():
        store.close()


def test_layered_uploads_behind_a_slow_remote_are_bounded_then_all_land(tmp_path: Path) -> None:
    server = S3Server(put_delay=0.05).start()
    try:
        client(server).create_bucket(Bucket="slow")
        remote = RemoteCache("s3://slow", client_factory=lambda: client(server))
        store = cache.LayeredCache(cache.Cache(tmp_path), remote)
        keys = [cache.make_key({"slow": i}) for i in range(3 * MAX_PENDING_UPLOADS)]
        most = 0
        for i, key in enumerate(keys):
            store.put("audio", key, cache.AudioEntry(cache_samples(i), 8000, {}))
            most = max(most, store.pending_uploads)
        # 16 uploads at 50 ms each cannot keep up: the puts waited instead of queueing them all.
        assert most == MAX_PENDING_UPLOADS
        store.close()
        assert store.pending_uploads == 0
        assert store.stats.uploaded == len(keys)
        assert len(objects(server, "slow")) == len(keys)
    finally:
        server.stop()
