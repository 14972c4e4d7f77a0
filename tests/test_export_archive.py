"""Archives of the published set, read back by tar/unzip (independent readers)."""

from __future__ import annotations

import json
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from ivr_prompts import config
from ivr_prompts.errors import ConfigError

from .conftest import BASE_TOML, Project, run_cli
from .engines import CountingEngine, build_with


def published_files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith(".ivr-prompts-")
    }


def with_archive(fmt: str) -> str:
    return BASE_TOML.replace("[locales.en-US]", f'[publish]\narchive = "{fmt}"\n\n[locales.en-US]')


def test_archive_tar_gz_holds_the_set_and_its_manifest(make_project: Project) -> None:
    cfg = config.load(make_project(with_archive("tar.gz")))
    report = build_with(cfg, CountingEngine())
    assert report.exports is not None
    archive = cfg.root / "dist.tar.gz"
    assert report.exports.archive == archive
    assert report.exports.archive_written
    listing = subprocess.run(
        ["tar", "-tzf", str(archive)], capture_output=True, text=True, check=True
    ).stdout.split()
    files = published_files(cfg.project.output)
    assert listing == [f"test-set/{name}" for name in files]
    assert "manifest.json" in files
    with tarfile.open(archive) as tar:
        for name, data in files.items():
            member = tar.extractfile(f"test-set/{name}")
            assert member is not None
            assert member.read() == data, name
    manifest = json.loads(files["manifest.json"])
    listed = {f["path"] for r in manifest["prompts"] for f in r["files"]}
    assert listed <= set(files)


def test_archive_second_build_leaves_archive_untouched(make_project: Project) -> None:
    cfg = config.load(make_project(with_archive("tar.gz")))
    build_with(cfg, CountingEngine())
    archive = cfg.root / "dist.tar.gz"
    before = (archive.read_bytes(), archive.stat().st_mtime_ns)
    report = build_with(cfg, CountingEngine())
    assert report.exports is not None
    assert not report.exports.archive_written
    assert (archive.read_bytes(), archive.stat().st_mtime_ns) == before


def test_archive_zip_read_by_unzip(make_project: Project) -> None:
    cfg = config.load(make_project(with_archive("zip")))
    build_with(cfg, CountingEngine())
    archive = cfg.root / "dist.zip"
    test = subprocess.run(
        ["unzip", "-t", str(archive)], capture_output=True, text=True, check=False
    )
    assert test.returncode == 0, test.stdout
    files = published_files(cfg.project.output)
    with zipfile.ZipFile(archive) as zf:
        assert zf.namelist() == [f"test-set/{name}" for name in files]
        assert zf.read("test-set/manifest.json") == files["manifest.json"]


def test_archive_unknown_format_names_the_choices(make_project: Project) -> None:
    with pytest.raises(ConfigError) as info:
        config.load(make_project(with_archive("rar")))
    assert info.value.problems == [
        "prompts.toml: publish.archive: must be one of tar.gz, zip, got 'rar'"
    ]


def test_check_archive_missing_then_stale_then_clean(make_project: Project) -> None:
    toml = make_project(with_archive("tar.gz"))
    cfg = config.load(toml)
    build_with(cfg, CountingEngine())
    archive = cfg.root / "dist.tar.gz"
    assert run_cli("check", "--config", str(toml)).returncode == 0
    good = archive.read_bytes()
    archive.write_bytes(good[:-100])
    stale = run_cli("check", "--config", str(toml))
    assert stale.returncode == 1
    assert "dist.tar.gz differs from the published set; run ivr-prompts build" in stale.stdout
    archive.unlink()
    missing = run_cli("check", "--config", str(toml))
    assert "dist.tar.gz is missing; run ivr-prompts build" in missing.stdout
    build_with(cfg, CountingEngine())
    assert archive.read_bytes() == good


def test_plan_lists_every_file_of_a_pair(make_project: Project) -> None:
    toml = make_project(with_archive("zip"))
    result = run_cli("plan", "--config", str(toml), "--format", "json")
    pairs = json.loads(result.stdout)["pairs"]
    welcome = next(p for p in pairs if p["id"] == "main/welcome" and p["locale"] == "en-US")
    assert "asterisk/en/main/welcome.ulaw" in welcome["files"]
    assert "wav/en-US/main/welcome.wav" in welcome["files"]
