from __future__ import annotations

from pathlib import Path

import pytest

from ivr_prompts.errors import ConfigError
from ivr_prompts.text import lexicon


def lex(entries: dict[str, str]) -> lexicon.Lexicon:
    return lexicon.Lexicon("en-US", None, tuple(sorted(entries.items())))


def test_apply_whole_words_case_sensitive() -> None:
    d = lex({"SQL": "sequel", "Acme": "Ack-mee"})
    assert (
        d.apply("SQL, sql and MySQL at Acme's Acme.")
        == "sequel, sql and MySQL at Ack-mee's Ack-mee."
    )


def test_apply_longest_match_first() -> None:
    d = lex({"Acme": "Ack-mee", "Acme Bank": "Ack-mee Banc"})
    assert d.apply("Acme Bank and Acme") == "Ack-mee Banc and Ack-mee"


def test_apply_does_not_rewrite_its_own_output() -> None:
    d = lex({"A": "B", "B": "C"})
    assert d.apply("A B") == "B C"


def test_words_used_only_those_present() -> None:
    d = lex({"SQL": "sequel", "PIN": "pin"})
    assert d.words_used("Enter your PIN") == {"PIN"}


def test_digest_ignores_file_order(tmp_path: Path) -> None:
    a = tmp_path / "a.toml"
    b = tmp_path / "b.toml"
    a.write_text('"x" = "1"\n"y" = "2"\n')
    b.write_text('"y" = "2"\n"x" = "1"\n')
    assert lexicon.load("en", a).digest == lexicon.load("en", b).digest
    b.write_text('"y" = "3"\n"x" = "1"\n')
    assert lexicon.load("en", a).digest != lexicon.load("en", b).digest


def test_load_bad_entries_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text('"ok" = "fine"\n"num" = 3\n"blank" = "  "\n')
    with pytest.raises(ConfigError) as info:
        lexicon.load("en", path)
    assert info.value.problems == [
        "d.toml: 'num': expected a respelling string like \"ack-mee\", got 3",
        "d.toml: 'blank': expected a respelling string like \"ack-mee\", got '  '",
    ]


def test_load_non_utf8_and_directory_are_config_errors(tmp_path: Path) -> None:
    latin = tmp_path / "l.toml"
    latin.write_bytes('"Se\xf1or" = "x"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        lexicon.load("es", latin)
    assert info.value.problems == ["l.toml: not UTF-8 (invalid byte at offset 3); save it as UTF-8"]
    with pytest.raises(ConfigError) as info:
        lexicon.load("es", tmp_path)
    assert info.value.problems == [
        f"{tmp_path}: cannot read pronunciation dictionary: Is a directory"
    ]
