"""The "genesys" target: names Genesys accepts, the bulk import CSV, a CSV round trip."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from ivr_prompts import config, importers
from ivr_prompts.errors import ConfigError
from ivr_prompts.export.names import flat_name, name_problems

from .conftest import Project, run_cli
from .engines import CountingEngine, build_with

FIXTURES = Path(__file__).parent / "fixtures" / "import"

PROJECT = """
[project]
name = "contact-center"
cache = "cache"

[synth]
engine = "espeak"

[limits]
min_seconds = 0.1
max_seconds = 20

[publish]
targets = ["genesys"]

[locales.en-US]
language = "en"

[locales.es-US]
language = "es"

[[prompts]]
id = "menu/intro"
text = "Main menu."
locales = ["en-US"]
"""


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize(
    ("prompt_id", "name"),
    [
        ("main/welcome", "main_welcome"),
        ("digits/1", "digits_1"),
        ("1", "prompt_1"),
        ("vm-intro.v2", "vm_intro_v2"),
        ("Main_Welcome", "Main_Welcome"),
        ("_hidden", "prompt__hidden"),
    ],
)
def test_flat_name_any_id_valid_genesys_name(prompt_id: str, name: str) -> None:
    assert flat_name(prompt_id) == name


def test_name_problems_collision_and_length_reported() -> None:
    long_id = "a" * 201
    assert name_problems(["main/welcome", "Main_Welcome", long_id], "prompts.toml") == [
        f"prompts.toml: prompt '{long_id}': its Genesys name is 201 characters (at most 200); "
        "shorten the id",
        "prompts.toml: prompts 'Main_Welcome' and 'main/welcome' both become the Genesys name "
        "'main_welcome'; rename one of them",
    ]


def test_build_genesys_names_colliding_refused_before_synthesis(make_project: Project) -> None:
    toml = PROJECT + '\n[[prompts]]\nid = "menu_intro"\ntext = "Other."\nlocales = ["en-US"]\n'
    cfg = config.load(make_project(toml))
    engine = CountingEngine()
    with pytest.raises(ConfigError) as info:
        build_with(cfg, engine)
    assert info.value.problems == [
        "prompts.toml: prompts 'menu/intro' and 'menu_intro' both become the Genesys name "
        "'menu_intro'; rename one of them"
    ]
    assert engine.requests == []


def test_genesys_csv_round_trip_import_build_export(make_project: Project, tmp_path: Path) -> None:
    cfg = config.load(make_project(PROJECT))
    source = Path(shutil.copy(FIXTURES / "genesys-prompts.csv", tmp_path / "library.csv"))
    importers.import_files(cfg, [source])
    cfg = config.load(cfg.path)
    build_with(cfg, CountingEngine())

    folder = cfg.project.output / "genesys"
    rows = read_csv(folder / "prompts.csv")
    header = list(rows[0])
    assert header == [
        "Name",
        "Type",
        "Description",
        "tts_en-us",
        "audio_en-us",
        "tts_es-us",
        "audio_es-us",
    ]
    by_name = {row["Name"]: row for row in rows}
    assert sorted(by_name) == [
        "After_Hours",
        "Hold_Music_Intro",
        "Main_Menu",
        "Main_Welcome",
        "menu_intro",
    ]
    assert by_name["Main_Welcome"]["audio_en-us"] == "Main_Welcome_en_us.wav"
    assert by_name["Main_Welcome"]["tts_es-us"] == "Gracias por llamar a Banco Acme."
    assert by_name["Hold_Music_Intro"]["audio_es-us"] == ""
    assert {row["Type"] for row in rows} == {"user"}
    for row in rows:
        for column in ("audio_en-us", "audio_es-us"):
            if row[column]:
                assert (folder / row[column]).stat().st_size > 1000
    wavs = sorted(p.name for p in folder.glob("*.wav"))
    assert len(wavs) == 8

    # The exported CSV imports back to the very prompts it came from.
    def pairs(path: Path) -> set[tuple[str, str, str]]:
        return {(e.id, e.locale, e.text) for e in importers.read(path).entries}

    assert pairs(FIXTURES / "genesys-prompts.csv") <= pairs(folder / "prompts.csv")
    assert pairs(folder / "prompts.csv") - pairs(FIXTURES / "genesys-prompts.csv") == {
        ("menu_intro", "en-us", "Main menu.")
    }

    # Genesys's own rules, checked by an independent command.
    result = run_cli("validate", str(folder), "--profile", "genesys")
    assert result.returncode == 0, result.stdout + result.stderr


def test_genesys_files_in_manifest_check_and_plan(make_project: Project) -> None:
    toml = make_project(PROJECT)
    cfg = config.load(toml)
    build_with(cfg, CountingEngine())
    manifest = (cfg.project.output / "manifest.json").read_text(encoding="utf-8")
    assert '"path": "genesys/menu_intro_en_us.wav"' in manifest
    assert '"target": "genesys"' in manifest
    (cfg.project.output / "genesys" / "menu_intro_en_us.wav").unlink()
    result = run_cli("check", "--config", str(toml))
    assert result.returncode == 1
    assert "dist/genesys/menu_intro_en_us.wav" in result.stdout
    assert "file is missing" in result.stdout
    plan = run_cli("plan", "--config", str(toml), "--format", "json")
    assert '"menu/intro"' in plan.stdout
