"""Import is as safe as build: refusals name file and line; prompts.toml kept byte for byte."""

from __future__ import annotations

import codecs
import os
import tomllib
from pathlib import Path

import pytest

from ivr_prompts import config, importers
from ivr_prompts.text import render

from .conftest import run_cli

PROJECT = (
    '[project]\nname = "pbx"\n\n[synth]\nengine = "espeak"   # offline\n\n'
    '[locales.en-US]\nlanguage = "en"\n\n[[prompts]]\nid = "Digits/One"\ntext = "One."\n'
)
EMPTY = '[synth]\nengine = "espeak"\n\n[locales.en-US]\nlanguage = "en"\n'


def project(tmp_path: Path, text: str = PROJECT, newline: str = "\n") -> Path:
    toml = tmp_path / "prompts.toml"
    toml.write_bytes(text.replace("\n", newline).encode())
    return toml


def run_import(toml: Path, *sources: Path, locale: str = "en-US") -> tuple[int, list[str]]:
    result = run_cli("import", *map(str, sources), "--config", str(toml), "--locale", locale)
    return result.returncode, result.stderr.splitlines() + result.stdout.splitlines()


def test_import_refuses_what_build_would_all_at_once(tmp_path: Path) -> None:
    toml = project(tmp_path)
    before = toml.read_bytes()
    source = tmp_path / "core-sounds-en.txt"
    long = " ".join(["word"] * 1000)
    source.write_text(
        f"digits/one: one\nnul: hello\x00world\nlong: {long}\nok: fine\nOK: fine\n",
        encoding="utf-8",
    )
    code, lines = run_import(toml, source)
    assert code == 2
    assert lines == [
        "error: core-sounds-en.txt:1: digits/one [en-US] differs only in letter case from "
        "'Digits/One' in prompts.toml (prompts[0]); remove it there or from the file to import",
        "error: core-sounds-en.txt:5: OK [en-US] differs only in letter case from 'ok' (also "
        "core-sounds-en.txt:4); ids must differ in more than letter case",
        "error: core-sounds-en.txt:2: nul [en-US]: text holds control character U+0000 at "
        "position 5; remove it",
        "error: core-sounds-en.txt:3: long [en-US]: 4999 characters, over the 2000-character "
        "limit of one espeak request; split the prompt",
    ]
    assert toml.read_bytes() == before


def test_import_no_prompts_yet_crlf_kept(tmp_path: Path) -> None:
    toml = project(tmp_path, EMPTY.rstrip("\n"), "\r\n")  # no final newline either
    before = toml.read_bytes()
    source = tmp_path / "core-sounds-en.txt"
    source.write_text("silence/2: (2 seconds of silence)\ndigits/1: one\n", encoding="utf-8")
    code, lines = run_import(toml, source)
    assert (code, lines) == (0, ["imported 2 [en-US] (1 of them silence) into prompts.toml"])
    after = toml.read_bytes()
    assert after.startswith(before + b"\r\n")
    assert b"\n" not in after.replace(b"\r\n", b"")
    cfg = config.load(toml)
    assert [(p.id, p.kind, p.seconds, p.text) for p in cfg.prompts] == [
        ("silence/2", "silence", 2.0, None),
        ("digits/1", "speech", None, "one"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a ''' b \"\"\" c \\ d \\n e \\u0041",
        "{% endraw %} {{ 7 * 7 }} {#- x -#} {%- endraw -%} \\",
        "tab\there \u2028 line sep",
    ],
)
def test_import_text_cannot_break_out(tmp_path: Path, text: str) -> None:
    toml = project(tmp_path, EMPTY)
    source = tmp_path / "inventory.csv"
    quoted = text.replace('"', '""')
    source.write_text(f'id,locale,text\nodd,en-US,"{quoted}"\n', encoding="utf-8")
    importers.import_files(importers.load_project(toml), [source])
    data = tomllib.loads(toml.read_text(encoding="utf-8"))
    assert [p["id"] for p in data["prompts"]] == ["odd"]
    (rendered,) = render.render_all(config.load(toml))
    assert rendered.text == " ".join(text.split())


def test_import_control_character_refused_at_line(tmp_path: Path) -> None:
    toml = project(tmp_path, EMPTY)
    source = tmp_path / "inventory.csv"
    source.write_text("id,locale,text\nok,en-US,fine\ndel,en-US,a\x7fb\n", encoding="utf-8")
    code, lines = run_import(toml, source)
    assert (code, lines) == (
        2,
        [
            "error: inventory.csv:3: del [en-US]: text holds control character U+007F at "
            "position 1; remove it"
        ],
    )
    assert toml.read_text(encoding="utf-8") == EMPTY


def test_import_file_name_never_raw(tmp_path: Path) -> None:
    toml = project(tmp_path, EMPTY)
    source = tmp_path / 'x\n]]\n[[prompts]]\nid = "evil" \'.txt'
    source.write_text("hello: Hello.\n", encoding="utf-8")
    code, lines = run_import(toml, source)
    assert (code, lines) == (0, ["imported 1 [en-US] into prompts.toml"])
    text = toml.read_text(encoding="utf-8")
    assert (
        '# Imported from "x\\u000A]]\\u000A[[prompts]]\\u000Aid = \\"evil\\" \'.txt" '
        "(asterisk): 1 prompts\n" in text
    )
    assert [p.id for p in config.load(toml).prompts] == ["hello"]


def test_import_fifo_refused_without_hanging(tmp_path: Path) -> None:
    toml = project(tmp_path)
    fifo = tmp_path / "core-sounds-en.txt"
    os.mkfifo(fifo)
    code, lines = run_import(toml, fifo)
    assert (code, lines) == (
        2,
        [
            "error: core-sounds-en.txt: a named pipe (FIFO); save the inventory to a file and "
            "import that"
        ],
    )


def test_import_device_refused(tmp_path: Path) -> None:
    toml = project(tmp_path)
    device = tmp_path / "phrase_en.xml"
    device.symlink_to("/dev/zero")
    code, lines = run_import(toml, device)
    assert (code, lines) == (
        2,
        ["error: phrase_en.xml: a device; save the inventory to a file and import that"],
    )


def test_import_2gb_file_refused_unread(tmp_path: Path) -> None:
    toml = project(tmp_path)
    huge = tmp_path / "inventory.csv"
    with huge.open("wb") as handle:  # sparse: 2 GB that take no disk
        handle.truncate(2 * 1024**3)
    code, lines = run_import(toml, huge)
    assert (code, lines) == (
        2,
        [
            "error: inventory.csv: 2,147,483,648 bytes, over the 67,108,864 an inventory may have "
            "(Asterisk's whole core list is 21 KB); split the file"
        ],
    )


def test_import_deep_xml_one_line(tmp_path: Path) -> None:
    toml = project(tmp_path)
    deep = tmp_path / "phrase_en.xml"
    deep.write_text("<language>\n" + "<a>" * 100_000 + "</a>" * 100_000 + "</language>\n")
    code, lines = run_import(toml, deep)
    assert (code, lines) == (
        2,
        [
            "error: phrase_en.xml:2: elements nested over 64 deep; a phrase file nests a few "
            "levels: this is not one"
        ],
    )


def test_import_utf16_csv_read_or_named(tmp_path: Path) -> None:
    toml = project(tmp_path, EMPTY)
    text = "Name,Type,tts_en-us\nMain_Hello,user,Hello there.\n"
    with_bom = tmp_path / "genesys.csv"
    with_bom.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    code, lines = run_import(toml, with_bom)
    assert (code, lines) == (0, ["imported 1 [en-US] into prompts.toml"])
    no_bom = tmp_path / "other.csv"
    no_bom.write_bytes(text.replace("Main_Hello", "Bye").encode("utf-16-le"))
    code, lines = run_import(toml, no_bom)
    assert (code, lines) == (
        2,
        [
            "error: other.csv: looks like UTF-16 without a byte-order mark; save it as UTF-8 "
            "(iconv -f utf-16le -t utf-8)"
        ],
    )


def test_import_multiline_csv_error_at_physical_line(tmp_path: Path) -> None:
    toml = project(tmp_path, EMPTY)
    source = tmp_path / "genesys.csv"
    source.write_text(
        'Name,Type,Description,tts_en-us\nA_One,user,"two\nlines","three\nmore\nlines"\n'
        "B_Two,user,none,\n"
    )
    code, lines = run_import(toml, source)
    assert (code, lines) == (2, ["error: genesys.csv:6: B_Two: no text in any tts_/text_ column"])
    plain = tmp_path / "inventory.csv"
    plain.write_text('id,locale,text\nok,en-US,"a\nb"\nbad id,en-US,x\n')
    code, lines = run_import(toml, plain)
    assert code == 2
    assert lines[0].startswith("error: inventory.csv:4: id 'bad id' ")
