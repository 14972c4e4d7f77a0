"""Every closed set is handled, and every door answers: each registered engine and target loads
and declares what the package asks of it; every file format a target plans has an encoder and a
reader; every profile has rules; every inventory format an importer; every report format a
writer; every archive format an archive."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ivr_prompts import audio, config, plugins, report, validate
from ivr_prompts.engines.door import EngineDoor
from ivr_prompts.engines.registry import door as engine_door
from ivr_prompts.errors import ConfigError, Problem
from ivr_prompts.export import hd
from ivr_prompts.export.archive import archive_bytes
from ivr_prompts.importers import _READERS
from ivr_prompts.kinds import (
    ARCHIVE_FORMATS,
    CODECS,
    DEFAULT_TARGETS,
    FILE_FORMATS,
    FORMATS,
    PROFILE_NAMES,
    SOURCE_FORMATS,
    UPLOAD_TARGET,
)
from ivr_prompts.publish import targets
from ivr_prompts.publish.layout import encode_file, planned_files
from ivr_prompts.publish.targets.base import TargetDoor

from .conftest import BASE_TOML, Project


def _members(protocol: type) -> set[str]:
    """The attributes and methods a Protocol declares."""
    names = set(getattr(protocol, "__annotations__", {}))
    names |= {n for n, v in vars(protocol).items() if inspect.isfunction(v)}
    return {n for n in names if not n.startswith("_")}


@pytest.mark.parametrize("name", list(plugins.ENGINE_NAMES))
def test_engine_door_registered_answers_every_question(name: str) -> None:
    found = engine_door(name)
    assert found.name == name
    missing = [m for m in sorted(_members(EngineDoor)) if not hasattr(found, m)]
    assert missing == []


@pytest.mark.parametrize("name", list(plugins.TARGET_NAMES))
def test_target_door_registered_answers_every_question(name: str) -> None:
    found = targets.door(name)
    assert found.name == name
    missing = [m for m in sorted(_members(TargetDoor)) if not hasattr(found, m)]
    assert missing == []


def test_builtin_doors_registered_through_entry_points() -> None:
    assert {"local", "piper", "espeak", "waves"} <= set(plugins.ENGINE_NAMES)
    assert {*DEFAULT_TARGETS, UPLOAD_TARGET, "genesys"} <= set(plugins.TARGET_NAMES)


def test_door_unknown_name_fails_naming_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        targets.door("asterix")
    assert info.value.problems == [
        "unknown target 'asterix'; known: asterisk, freeswitch, genesys, wav "
        "(did you mean 'asterisk'?)"
    ]


def test_config_unknown_target_fails_at_load(make_project: Project) -> None:
    toml = BASE_TOML.replace("[limits]", '[publish]\ntargets = ["wav", "webex"]\n\n[limits]')
    with pytest.raises(ConfigError) as info:
        config.load(make_project(toml))
    assert info.value.problems == [
        "prompts.toml: publish.targets[1]: must be one of asterisk, freeswitch, genesys, wav, "
        "got 'webex'"
    ]


def _every_format_config(make_project: Project, codecs: str) -> config.Config:
    every = ", ".join(f'"{t}"' for t in plugins.TARGET_NAMES)
    publish = f"[publish]\ntargets = [{every}]\nasterisk_wav = true\nhd = true\n\n"
    audio_table = f"[audio]\ncodecs = {codecs}\n\n"
    return config.load(
        make_project(BASE_TOML.replace("[limits]", audio_table + publish + "[limits]"))
    )


def test_every_file_format_planned_encoded_and_read_back(
    make_project: Project, tmp_path: Path
) -> None:
    formats: dict[str, str] = {}  # format -> a path the layout gives it
    for codecs in ('["ulaw", "alaw"]', '["alaw", "ulaw"]'):
        cfg = _every_format_config(make_project, codecs)
        for locale in cfg.locales.values():
            for planned in planned_files(cfg, "main/welcome", locale):
                formats.setdefault(planned.format, planned.path)
    assert sorted(formats) == sorted(FILE_FORMATS)
    t = np.arange(16000) / 16000
    wide = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    narrow = wide[::2].copy()
    for fmt, relative in formats.items():
        is_hd = fmt in hd.HD_FORMATS
        path = tmp_path / fmt / Path(relative).name
        path.parent.mkdir()
        path.write_bytes(encode_file(wide if is_hd else narrow, fmt))  # type: ignore[arg-type]
        read = hd.read_file(path, fmt) if is_hd else audio.read_audio(path)  # type: ignore[arg-type]
        assert read.sample_rate == (hd.HD_RATE if is_hd else 8000), fmt
        assert abs(len(read.samples) - (16000 if is_hd else 8000)) <= 1, fmt


def test_every_codec_is_an_asterisk_file_format() -> None:
    assert set(CODECS) <= set(FILE_FORMATS)


def test_every_profile_has_rules_and_targets_name_only_profiles(make_project: Project) -> None:
    base = validate.Rules.from_settings(config.AudioSettings(), config.LimitSettings())
    assert set(validate.PROFILES) == set(PROFILE_NAMES)
    for name in PROFILE_NAMES:
        assert validate.profile_rules(name, base).platform == name
    cfg = _every_format_config(make_project, '["ulaw"]')
    cfg = dataclasses.replace(cfg, publish=dataclasses.replace(cfg.publish, profiles=PROFILE_NAMES))
    named = {p for t in plugins.TARGET_NAMES for p in targets.door(t).profiles(cfg)}
    assert named == set(PROFILE_NAMES)  # the WAV set takes publish.profiles


def test_every_source_format_has_an_importer() -> None:
    assert set(_READERS) == set(SOURCE_FORMATS)


def test_every_report_format_has_a_writer() -> None:
    problem = Problem("x: broken", file="prompts.toml", line=3, code="config")
    outputs = {fmt: report.render([problem], fmt, suite="check") for fmt in FORMATS}
    assert len(set(outputs.values())) == len(FORMATS)


def test_every_archive_format_writes(make_project: Project) -> None:
    cfg = config.load(make_project())
    cfg.project.output.mkdir()
    (cfg.project.output / "manifest.json").write_text("{}")
    archives: dict[str, Any] = {fmt: archive_bytes(cfg, fmt) for fmt in ARCHIVE_FORMATS}
    assert archives["zip"][:2] == b"PK"
    assert archives["tar.gz"][:2] == b"\x1f\x8b"


def test_every_target_index_path_matches_its_declared_pattern(make_project: Project) -> None:
    cfg = _every_format_config(make_project, '["ulaw"]')
    for name in plugins.TARGET_NAMES:
        target = targets.door(name)
        paths = {p for loc in cfg.locales.values() for p in target.index_paths(cfg, loc)}
        assert paths, name
        assert all(re.fullmatch(target.index_pattern, p) for p in paths), (name, paths)
