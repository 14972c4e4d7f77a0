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

from .conftest import BASE_TOML, Project
from .engines import CountingEngine, build_with


def published_files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != ".ivr-prompts-index.json"
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
