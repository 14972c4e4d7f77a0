"""Importers: hand-written fixtures of each real format, read, appended, built."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from ivr_prompts import config, importers
from ivr_prompts.errors import ConfigError, UsageError
from ivr_prompts.text import render

from .conftest import Project, run_cli
from .engines import CountingEngine, build_with

FIXTURES = Path(__file__).parent / "fixtures" / "import"

PROJECT = """
# Our own menus; the system sounds are imported below.
[project]
name = "pbx"
cache = "cache"

[synth]
engine = "espeak"   # one voice for everything

[limits]
min_seconds = 0.1
max_seconds = 20

[publish]
targets = ["asterisk", "freeswitch"]

[locales.en-US]
language = "en"

[locales.es-US]
language = "es"

[[prompts]]
id = "main/welcome"
text = "Welcome."   # keep this comment
"""


def fixture(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copy(FIXTURES / name, tmp_path / name))


def core_sounds_transcripts(path: Path) -> dict[str, str]:
    """name -> transcript of a core-sounds index, as Asterisk's own tools read it."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(";"):
            name, _, text = line.partition(":")
            out[name.strip()] = " ".join(text.split())
    return out


def test_asterisk_read_core_sounds_bracketed_entry_flagged_not_spoken() -> None:
    inventory = importers.read(FIXTURES / "core-sounds-en.txt")
    assert inventory.format == "asterisk"
    assert len(inventory.entries) == 26
    assert [e.id for e in inventory.non_speech] == ["beep"]
    by_id = {e.id: e for e in inventory.spoken}
    assert by_id["digits/1"].text == "one"
    assert by_id["digits/1"].locale == "en"
    assert by_id["digits/1"].line == 15
    assert by_id["agent-alreadyon"].text == (
        "That agent is already logged on. Please enter your agent number, followed by the "
        "pound key."
    )
    assert inventory.problems == []


def test_asterisk_read_stage_direction_inside_line_not_spoken(tmp_path: Path) -> None:
    path = tmp_path / "extra-sounds-fr_CA.txt"
    path.write_text("; fr\nha/bonjour: [rire] Bonjour!\nbad line\n", encoding="utf-8")
    inventory = importers.read(path)
    assert [(e.id, e.locale, e.text) for e in inventory.entries] == [
        ("ha/bonjour", "fr-CA", "Bonjour!")
    ]
    assert [(p.text(), p.file, p.line, p.code) for p in inventory.problems] == [
        (
            "extra-sounds-fr_CA.txt:3: expected 'name: transcript', got 'bad line'",
            "extra-sounds-fr_CA.txt",
            3,
            "import",
        )
    ]


def test_asterisk_read_unnamed_file_without_locale_asks_for_it(tmp_path: Path) -> None:
    path = tmp_path / "sounds.txt"
    path.write_text("vm-goodbye: Goodbye.\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        importers.read(path)
    assert info.value.message == (
        "sounds.txt: cannot tell the language from the file name; pass --locale CODE "
        "(or name it core-sounds-<lang>.txt)"
    )
    assert importers.read(path, "en-US").entries[0].locale == "en-US"


def test_freeswitch_read_phrase_xml_ids_follow_category_and_file() -> None:
    inventory = importers.read(FIXTURES / "phrase_en.xml")
    ids = {e.id: e.text for e in inventory.entries}
    assert inventory.format == "freeswitch"
    assert len(ids) == 11
    assert ids["ivr/ivr-welcome"] == "Welcome to FreeSWITCH."
    assert ids["conference/conf-muted"] == "You are now muted."
    assert ids["digits/1"] == "one"
    assert {e.locale for e in inventory.entries} == {"en"}


def test_freeswitch_read_own_published_category_layout(tmp_path: Path) -> None:
    path = tmp_path / "index.xml"
    path.write_text(
        '<include><language name="es"><category name="main">'
        '<prompt phrase="Hola." filename="welcome.wav"/></category>'
        '<category name="root"><prompt phrase="Adi&#243;s." filename="bye.wav"/></category>'
        "</language></include>",
        encoding="utf-8",
    )
    inventory = importers.read(path)
    assert [(e.id, e.locale, e.text) for e in inventory.entries] == [
        ("main/welcome", "es", "Hola."),
        ("bye", "es", "Adiós."),
    ]


def test_freeswitch_read_entity_expansion_refused(tmp_path: Path) -> None:
    path = tmp_path / "phrase_en.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        '<language name="en"><ivr><prompt phrase="&b;" filename="x.wav"/></ivr></language>',
        encoding="utf-8",
    )
    with pytest.raises(UsageError) as info:
        importers.read(path)
    assert info.value.message == (
        "phrase_en.xml: refusing XML with a DTD or entities (DTDForbidden); "
        "remove the <!DOCTYPE> and entity references"
    )


def test_freeswitch_read_malformed_xml_names_line(tmp_path: Path) -> None:
    path = tmp_path / "phrase_en.xml"
    path.write_text('<language name="en">\n<ivr>\n</language>\n', encoding="utf-8")
    with pytest.raises(UsageError) as info:
        importers.read(path)
    assert info.value.message == "phrase_en.xml:3: not well-formed XML (column 2)"


def test_genesys_read_csv_one_entry_per_language_column() -> None:
    inventory = importers.read(FIXTURES / "genesys-prompts.csv")
    assert inventory.format == "genesys"
    got = [(e.id, e.locale) for e in inventory.entries]
    assert got == [
        ("Main_Welcome", "en-us"),
        ("Main_Welcome", "es-us"),
        ("Main_Menu", "en-us"),
        ("Main_Menu", "es-us"),
        ("After_Hours", "en-us"),
        ("After_Hours", "es-us"),
        ("Hold_Music_Intro", "en-us"),
    ]
    assert inventory.entries[0].description == "Greeting at the start of the main menu"
    assert inventory.entries[5].text.startswith("Nuestras oficinas están cerradas.")


def test_genesys_read_without_language_columns_says_which(tmp_path: Path) -> None:
    path = tmp_path / "prompts.csv"
    path.write_text("Name,Description\nA,b\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        importers.read(path)
    assert info.value.message == (
        "prompts.csv: no tts_<lang> or text_<lang> column; add one per language, e.g. tts_en-us"
    )


def test_plain_csv_read_rows_with_quoted_commas() -> None:
    inventory = importers.read(FIXTURES / "inventory.csv")
    assert inventory.format == "csv"
    assert [(e.id, e.locale) for e in inventory.entries] == [
        ("billing/intro", "en-US"),
        ("billing/intro", "es-US"),
        ("billing/balance-due", "en-US"),
        ("survey/thanks", "en-US"),
    ]
    assert inventory.entries[3].text == "Thank you for taking our survey, goodbye."


def test_import_cli_appends_entries_keeping_file_text(
    make_project: Project, tmp_path: Path
) -> None:
    toml = make_project(PROJECT)
    before = toml.read_text(encoding="utf-8")
    result = run_cli("import", str(fixture(tmp_path, "core-sounds-en.txt")), "--config", str(toml))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "core-sounds-en.txt:9: beep: not imported: a tone or sound effect, not words: "
        "[this is a simple beep tone]",
        "imported 25 [en-US] into prompts.toml",
    ]
    after = toml.read_text(encoding="utf-8")
    assert after.startswith(before)
    assert "# keep this comment" in after
    assert (
        "# Not imported: beep (line 9): a tone or sound effect, not words: "
        "[this is a simple beep tone]\n" in after
    )
    data = tomllib.loads(after)
    assert data["prompts"][10] == {"id": "digits/0", "text": "zero", "locales": ["en-US"]}


def test_import_cli_duplicate_refused_file_unchanged(make_project: Project, tmp_path: Path) -> None:
    toml = make_project(PROJECT)
    source = fixture(tmp_path, "core-sounds-en.txt")
    assert run_cli("import", str(source), "--config", str(toml)).returncode == 0
    before = toml.read_bytes()
    again = run_cli("import", str(source), "--config", str(toml))
    assert again.returncode == 2
    lines = again.stderr.splitlines()
    assert len(lines) == 25
    assert lines[0] == (
        "error: core-sounds-en.txt:4: agent-alreadyon [en-US] is already defined in prompts.toml "
        "(prompts[1]); remove it there or from the file to import"
    )
    assert toml.read_bytes() == before


def test_import_ambiguous_language_needs_locale(make_project: Project, tmp_path: Path) -> None:
    toml = make_project(
        PROJECT.replace('[locales.es-US]\nlanguage = "es"', '[locales.en-GB]\nlanguage = "en"')
    )
    cfg = config.load(toml)
    source = fixture(tmp_path, "core-sounds-en.txt")
    with pytest.raises(UsageError) as info:
        importers.import_files(cfg, [source])
    assert info.value.message == (
        "core-sounds-en.txt: language 'en' is spoken by en-US, en-GB; pass --locale CODE to "
        "choose one"
    )
    result = importers.import_files(cfg, [source], "en-GB")
    assert {code for _, _, code in result.added} == {"en-GB"}


def test_import_unknown_locale_names_the_fix(make_project: Project, tmp_path: Path) -> None:
    cfg = config.load(make_project(PROJECT))
    path = tmp_path / "core-sounds-fr.txt"
    path.write_text("vm-goodbye: Au revoir.\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        importers.import_files(cfg, [path])
    assert info.value.message == (
        "core-sounds-fr.txt: no locale of prompts.toml matches 'fr' (have: en-US, es-US); "
        'add [locales.fr] language = "fr" or pass --locale CODE'
    )


def test_import_template_syntax_in_text_spoken_literally(
    make_project: Project, tmp_path: Path
) -> None:
    cfg = config.load(make_project(PROJECT))
    path = tmp_path / "inventory.csv"
    path.write_text('id,locale,text\nodd,en-US,"Press {{ star }} now."\n', encoding="utf-8")
    importers.import_files(cfg, [path])

    texts = {r.id: r.text for r in render.render_all(config.load(cfg.path))}
    assert texts["odd"] == "Press {{ star }} now."


def test_import_bad_rows_all_reported_nothing_written(
    make_project: Project, tmp_path: Path
) -> None:
    cfg = config.load(make_project(PROJECT))
    before = cfg.path.read_bytes()
    path = tmp_path / "inventory.csv"
    path.write_text(
        "id,locale,text\n../x,en-US,Hi\nok,en-US,\nfine,en-US,Fine.\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        importers.import_files(cfg, [path])
    assert info.value.problems == [
        "inventory.csv:2: id '../x' must not contain empty, '.' or '..' segments",
        "inventory.csv:3: ok: empty text",
    ]
    assert cfg.path.read_bytes() == before


def test_import_core_sounds_then_build_same_names_and_transcripts(
    make_project: Project, tmp_path: Path
) -> None:
    cfg = config.load(make_project(PROJECT))
    source = fixture(tmp_path, "core-sounds-en.txt")
    importers.import_files(cfg, [source])
    cfg = config.load(cfg.path)
    engine = CountingEngine()
    build_with(cfg, engine)
    published = cfg.project.output / "asterisk" / "en"
    wanted = {
        name: text
        for name, text in core_sounds_transcripts(source).items()
        if not text.startswith("[")
    }
    assert len(wanted) == 25
    for name in wanted:
        assert (published / f"{name}.ulaw").stat().st_size > 800, name
        assert (published / f"{name}.alaw").is_file()
    assert not (published / "beep.ulaw").exists()
    index = core_sounds_transcripts(published / "core-sounds-en.txt")
    assert {k: v for k, v in index.items() if k != "main/welcome"} == wanted
    # FreeSWITCH gets the same names under the voice folder.
    voice = cfg.project.output / "freeswitch" / "en" / "us" / "ivr"
    assert (voice / "digits" / "8000" / "1.wav").is_file()
    assert (voice / "8000" / "vm-goodbye.wav").is_file()
