"""Asterisk's language fallback, proven on the published layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr_prompts import config
from ivr_prompts.errors import ConfigError

from .conftest import Project
from .engines import CountingEngine, build_with

PROJECT = """
[project]
name = "uk-us"
cache = "cache"

[synth]
engine = "espeak"

[limits]
min_seconds = 0.1

[publish]
targets = ["asterisk"]
{plain}

[locales.en-US]
language = "en"
vars = {{ greeting = "Hi there" }}

[locales.en-GB]
language = "en"
espeak_voice = "en-us"
vars = {{ greeting = "Hello" }}

[[prompts]]
id = "main/welcome"
text = "{{{{ greeting }}}}, welcome."
"""


def asterisk_lookup(sounds: Path, language: str, name: str) -> Path | None:
    """Where Asterisk finds `name` for a channel language (telephony.md: en_GB_x -> en_GB ->
    en -> no language -> en), among the formats we publish."""
    tried: list[str] = []
    parts = language.split("_")
    for n in range(len(parts), 0, -1):
        tried.append("_".join(parts[:n]))
    tried += ["", "en"]
    for folder in tried:
        for ext in ("ulaw", "alaw"):
            path = sounds / folder / f"{name}.{ext}" if folder else sounds / f"{name}.{ext}"
            if path.is_file():
                return path
    return None


def transcript(sounds: Path, folder: str, name: str) -> str:
    index = sounds / folder / f"core-sounds-{folder}.txt"
    for line in index.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{name}:"):
            return line.partition(":")[2].strip()
    raise AssertionError(f"{name} not in {index}")


def test_asterisk_two_english_locales_first_also_plain_en(make_project: Project) -> None:
    cfg = config.load(make_project(PROJECT.format(plain="")))
    build_with(cfg, CountingEngine())
    sounds = cfg.project.output / "asterisk"
    assert sorted(p.name for p in sounds.iterdir()) == ["en", "en_GB", "en_US"]
    us = (sounds / "en_US" / "main" / "welcome.ulaw").read_bytes()
    gb = (sounds / "en_GB" / "main" / "welcome.ulaw").read_bytes()
    assert us != gb
    # A channel left at the default "en" (or at a locale we did not publish) hears en-US.
    for channel, expected in [("en", us), ("en_AU", us), ("en_US", us), ("en_GB", gb)]:
        found = asterisk_lookup(sounds, channel, "main/welcome")
        assert found is not None, channel
        assert found.read_bytes() == expected, channel
    assert transcript(sounds, "en", "main/welcome") == "Hi there, welcome."
    assert transcript(sounds, "en_GB", "main/welcome") == "Hello, welcome."


def test_asterisk_plain_language_configurable(make_project: Project) -> None:
    cfg = config.load(make_project(PROJECT.format(plain='asterisk_plain = { en = "en-GB" }')))
    build_with(cfg, CountingEngine())
    sounds = cfg.project.output / "asterisk"
    gb = (sounds / "en_GB" / "main" / "welcome.ulaw").read_bytes()
    found = asterisk_lookup(sounds, "en", "main/welcome")
    assert found is not None
    assert found.read_bytes() == gb
    manifest = (cfg.project.output / "manifest.json").read_text(encoding="utf-8")
    assert '"path": "asterisk/en/main/welcome.ulaw"' in manifest


def test_asterisk_plain_language_wrong_locale_refused(make_project: Project) -> None:
    with pytest.raises(ConfigError) as info:
        config.load(make_project(PROJECT.format(plain='asterisk_plain = { en = "es-US" }')))
    assert info.value.problems == [
        "prompts.toml: publish.asterisk_plain.en: names the locale published as asterisk/en/ "
        "when several locales speak 'en'; must be one of en-US, en-GB, got 'es-US'"
    ]
