"""Importers on real published files (tests/fixtures/real, unedited): read, imported, built."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from ivr_prompts import config, importers
from ivr_prompts.errors import ConfigError

from .conftest import run_cli
from .core_sounds import CORE_SOUNDS_EN, REAL, build_core_sounds, import_core_sounds

# Entries whose text the lists write with stage directions, pauses, tones and extensions.
BUILT = (
    "followme/*",
    "silence/*",
    "letters/at",
    "letters/a",
    "letters/e",
    "spy-iax2",
    "vm-intro",
    "dir-multi2",
    "priv-callee-options",
    "digits/1",
)


def listed(path: Path) -> dict[str, str]:
    """name -> transcript of an Asterisk list, read independently of the importer."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(";"):
            name, _, text = line.partition(":")
            out[name.strip()] = " ".join(text.split())
    return out


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real list imported and the BUILT entries published (asterisk and wav targets)."""
    folder = tmp_path_factory.mktemp("core")
    return build_core_sounds(folder, only=BUILT, targets=("asterisk", "wav"))


def manifest_of(out: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {r["id"]: r for r in data["prompts"]}


def test_core_sounds_read_every_entry_as_asterisk_plays_it() -> None:
    inventory = importers.read(CORE_SOUNDS_EN)
    source = listed(CORE_SOUNDS_EN)
    assert len(source) == 451
    assert inventory.problems == []
    by_id = {e.id: e for e in inventory.entries}
    # Every listed sound, under the name Asterisk's Playback() takes (no extension).
    assert sorted(by_id) == sorted(re.sub(r"\.wav$", "", n) for n in source)
    assert not [i for i in by_id if "." in i]
    assert by_id["followme/call-from"].text == "incoming call from"
    kinds = {
        k: sorted(e.id for e in inventory.entries if e.kind == k) for k in ("silence", "sound")
    }
    assert kinds["silence"] == sorted(f"silence/{n}" for n in range(1, 11))
    assert kinds["sound"] == [
        "ascending-2tone",
        "beep",
        "beeperr",
        "descending-2tone",
        "tt-monkeys",
    ]
    assert by_id["silence/10"].seconds == 10.0
    assert by_id["beep"].reason == "a tone or sound effect, not words: [this is a simple beep tone]"


def test_core_sounds_read_stage_directions_never_spoken() -> None:
    by_id = {e.id: e for e in importers.read(CORE_SOUNDS_EN).entries}
    assert (by_id["letters/at"].text, by_id["letters/at"].note) == ("at", "[@]")
    assert (by_id["letters/space"].text, by_id["letters/space"].note) == ("space", "[ ]")
    assert (by_id["spy-iax2"].text, by_id["spy-iax2"].note) == ("IAX", '(note: does not say "2")')
    assert by_id["vm-intro"].text == (
        "Please leave your message after the tone. When done hang up or press the pound key."
    )
    assert by_id["vm-intro"].note == "(simple tone sound plays)"
    # Splice points and quotes as written.
    assert by_id["dir-multi2"].text == "... for ..."
    assert 'a polite "don\'t call" menu' in by_id["priv-callee-options"].text
    spoken = [e.text for e in by_id.values() if e.kind == "speech"]
    assert not [t for t in spoken if re.search(r"[()\[\]]", t)]


def test_core_sounds_import_whole_list_plans_clean(tmp_path: Path) -> None:
    toml = import_core_sounds(tmp_path)
    text = toml.read_text(encoding="utf-8")
    assert (
        '# Imported from "core-sounds-en.txt" (asterisk): 446 prompts (10 of them silence)\n'
        in text
    )
    assert (
        "# Not imported: tt-monkeys (line 339): a tone or sound effect, not words: "
        "[sound of monkeys screaming]\n" in text
    )
    assert (
        '\n# Not spoken (written beside the words): (note: does not say "2")\n[[prompts]]\n'
        'id = "spy-iax2"\ntext = "IAX"\nlocales = ["en"]\n' in text
    )
    assert (
        '[[prompts]]\nid = "silence/3"\nkind = "silence"\nseconds = 3\nlocales = ["en"]\n' in text
    )
    assert len(config.load(toml).prompts) == 446
    result = run_cli("plan", "--config", str(toml))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "plan: 436 to synthesize (0 characters billed by Waves), 10 to generate (silence, no "
        "engine), 0 from cache, 0 unchanged, 0 to remove"
    )


def test_core_sounds_build_publishes_names_asterisk_plays(core: Path) -> None:
    folder = core / "asterisk" / "en"
    for name in ("followme/call-from", "followme/options", "letters/at", "spy-iax2", "vm-intro"):
        assert (folder / f"{name}.ulaw").stat().st_size > 2000, name
    assert not list(folder.rglob("*.wav.ulaw"))
    records = manifest_of(core)
    assert len(records) == 24
    assert records["letters/at"]["spoken_text"] == "at"
    assert records["spy-iax2"]["spoken_text"] == "IAX"
    assert not [r["id"] for r in records.values() if re.search(r"[()\[\]]", r["spoken_text"])]
    index = (folder / "core-sounds-en.txt").read_text(encoding="utf-8")
    assert "\nsilence/2: (2 seconds of silence)\n" in index
    assert "\nfollowme/call-from: incoming call from\n" in index


@pytest.mark.parametrize("seconds", [1, 2, 10])
def test_core_sounds_build_silence_is_exact(core: Path, seconds: int) -> None:
    record = manifest_of(core)[f"silence/{seconds}"]
    assert (record["kind"], record["engine"], record["spoken_text"]) == ("silence", "silence", "")
    assert record["text"] == f"({seconds} second{'s' if seconds > 1 else ''} of silence)"
    ulaw = core / "asterisk" / "en" / "silence" / f"{seconds}.ulaw"
    decoded = subprocess.run(
        ["sox", "-t", "ul", "-r", "8000", "-c", "1", str(ulaw), "-t", "s16", "-"],
        capture_output=True,
        check=True,
    ).stdout
    samples = np.frombuffer(decoded, dtype="<i2")
    assert samples.size == seconds * 8000
    assert int(np.max(np.abs(samples))) <= 2
    wav, rate = soundfile.read(core / "wav" / "en" / "silence" / f"{seconds}.wav", dtype="int16")
    assert (rate, wav.size) == (8000, seconds * 8000)
    assert int(np.max(np.abs(wav))) <= 2


def test_core_sounds_build_validate_passes_silence(core: Path) -> None:
    result = run_cli("validate", str(core / "asterisk"), str(core / "wav"))
    assert result.returncode == 0, result.stdout
    assert result.stdout == (  # 24 prompts: .ulaw, .alaw, .wav; the two targets' indexes
        "ok: 72 audio file(s) checked, 72 pass; 2 index file(s) of the published set (not audio)\n"
    )


def test_core_sounds_tr_commented_entries_not_imported(tmp_path: Path) -> None:
    inventory = importers.read(REAL / "asterisk" / "core-sounds-tr.txt")
    ids = {e.id for e in inventory.entries}
    assert inventory.skipped == 58
    assert inventory.problems == []
    assert [(e.id, e.line, e.reason) for e in inventory.non_speech if e.id == "vm-theperson"] == [
        ("vm-theperson", 437, "empty transcript: nothing to speak")
    ]
    assert "agent-newlocation" in ids
    assert "agent-alreadyon" not in ids  # left in English as a ";" comment
    toml = tmp_path / "prompts.toml"
    toml.write_text('[synth]\nengine = "espeak"\n\n[locales.tr-TR]\nlanguage = "tr"\n')
    result = importers.import_files(importers.load_project(toml), [inventory.path])
    assert len(result.added) == len(inventory.entries) - len(inventory.non_speech)
    assert "# 58 entries commented out in the file (not imported)\n" in toml.read_text()


def test_freeswitch_phrase_en_imports_and_builds(tmp_path: Path) -> None:
    toml = tmp_path / "prompts.toml"
    toml.write_text(
        '[project]\nname = "fs"\n\n[synth]\nengine = "espeak"\n\n[publish]\n'
        'targets = ["freeswitch"]\n\n[locales.en-US]\nlanguage = "en"\n'
    )
    source = REAL / "freeswitch" / "phrase_en.xml"
    result = importers.import_files(importers.load_project(toml), [source])
    assert len(result.added) == 1228
    assert [(e.id, e.line) for _, e in result.duplicates] == [("directory/dir-for_next", 317)]
    text = toml.read_text(encoding="utf-8")
    assert "# note: re-recorded because original was wrong\n" not in text  # the repeat is not
    assert "# info: we can copy vm/vm-press.wav\n" in text
    built = run_cli("build", "--config", str(toml), "--only", "voicemail/vm-goodbye")
    assert built.returncode == 0, built.stderr
    wav = (
        tmp_path
        / "dist"
        / "freeswitch"
        / "en"
        / "us"
        / "ivr"
        / "voicemail"
        / "8000"
        / "vm-goodbye.wav"
    )
    assert soundfile.info(wav).samplerate == 8000


def test_freeswitch_conf_macros_speak_text_imported(tmp_path: Path) -> None:
    inventory = importers.read(REAL / "freeswitch" / "vm-tts.xml", "en")
    spoken = [(e.id, e.line, e.text) for e in inventory.entries if e.speech]
    assert len(spoken) == 9
    assert spoken[0] == ("voicemail_fail_auth", 22, "login incorrect.")
    sound = {e.id: e.reason for e in inventory.non_speech}
    assert sound["voicemail_ack"] == "speaks a value filled in at run time: message $1"
    recordings = importers.read(REAL / "freeswitch" / "vm-sounds.xml", "en")
    assert recordings.spoken == []
    assert recordings.non_speech[0].reason == (
        "plays the recording voicemail/vm-enter_id.wav (its words are in phrase_<lang>.xml)"
    )


def test_freeswitch_namespaced_file_reads_the_same(tmp_path: Path) -> None:
    """The real file, its root given a default namespace (as some tools write it)."""
    original = (REAL / "freeswitch" / "phrase_en.xml").read_text(encoding="utf-8")
    spaced = tmp_path / "phrase_en.xml"
    spaced.write_text(
        original.replace("<language>", '<language xmlns="urn:freeswitch:phrases">', 1)
    )
    plain = importers.read(REAL / "freeswitch" / "phrase_en.xml")
    named = importers.read(spaced)
    assert len(named.entries) == 1229
    assert named.entries == plain.entries


def test_freeswitch_phrase_fr_conflicting_repeat_refused(tmp_path: Path) -> None:
    toml = tmp_path / "prompts.toml"
    toml.write_text('[synth]\nengine = "espeak"\n\n[locales.fr-FR]\nlanguage = "fr"\n')
    before = toml.read_bytes()
    with pytest.raises(ConfigError) as info:
        importers.import_files(
            importers.load_project(toml), [REAL / "freeswitch" / "phrase_fr.xml"]
        )
    assert [p.message for p in info.value.found] == [
        "phrase_fr.xml:199: voicemail/vm-record_greeting [fr-FR] is imported twice, with other "
        "words (also phrase_fr.xml:185); keep one of them"
    ]
    assert toml.read_bytes() == before


def test_genesys_documented_layout_multiline_record_read() -> None:
    inventory = importers.read(REAL / "genesys" / "prompts-export.csv")
    assert inventory.problems == []
    rows = [(e.id, e.locale, e.line, e.text) for e in inventory.entries]
    assert rows == [
        ("Main_Welcome", "en-us", 2, "Thank you for calling Acme Bank."),
        ("Main_Welcome", "es-us", 2, "Gracias por llamar a Banco Acme."),
        ("Main_Menu", "en-us", 3, "For balances, press 1. For cards, press 2."),
        ("Main_Menu", "es-us", 3, "Para saldos, oprima 1."),
        ("Hold_Intro", "en-us", 6, "Please hold, your call is important to us."),
    ]
    assert inventory.entries[2].description == "Main menu, read after the greeting"
