"""The `freeswitch` target: `freeswitch/<lang>/<country>/<voice>/<folder>/8000/<name>.wav` (and
`16000/` for HD), with a phrase macro file per locale."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import quoteattr

from ...config import Config, LocaleConfig
from ...export import hd
from ...kinds import FileFormat, ProfileName
from .base import Records, TargetDefaults, by_locale


def _voice_dir(config: Config, locale: LocaleConfig) -> str:
    return f"freeswitch/{locale.language}/{locale.country}/{config.publish.freeswitch_voice}"


def _phrase_index(config: Config, locale: LocaleConfig) -> str:
    return f"{_voice_dir(config, locale)}/phrase_{locale.language}.xml"


def _phrase_xml(locale: LocaleConfig, records: Sequence[Mapping[str, Any]]) -> str:
    categories: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        folder, _, _ = record["id"].rpartition("/")
        categories.setdefault(folder, []).append(record)
    lines = ["<include>", f"  <language name={quoteattr(locale.language)}>"]
    for folder, items in categories.items():
        lines.append(f"    <category name={quoteattr(folder or 'root')}>")
        for record in items:
            name = record["id"].rpartition("/")[2]
            phrase, filename = quoteattr(record["text"]), quoteattr(f"{name}.wav")
            lines.append(f"      <prompt phrase={phrase} filename={filename}/>")
        lines.append("    </category>")
    lines += ["  </language>", "</include>"]
    return "\n".join(lines)


class FreeSwitch(TargetDefaults):
    name = "freeswitch"
    index_pattern = r"freeswitch/.+/phrase_[^/]+\.xml"

    def files(
        self, config: Config, prompt_id: str, locale: LocaleConfig
    ) -> list[tuple[str, FileFormat]]:
        folder, _, name = prompt_id.rpartition("/")
        voice_dir = _voice_dir(config, locale)
        middle = f"{folder}/8000" if folder else "8000"
        files: list[tuple[str, FileFormat]] = [(f"{voice_dir}/{middle}/{name}.wav", "pcm16-wav")]
        if config.publish.hd:
            wide = f"{folder}/{hd.HD_RATE}" if folder else str(hd.HD_RATE)
            files.append((f"{voice_dir}/{wide}/{name}.wav", "pcm16-wav16"))
        return files

    def indexes(self, config: Config, records: Records) -> dict[str, str]:
        return {
            _phrase_index(config, config.locales[code]): (
                _phrase_xml(config.locales[code], of_locale) + "\n"
            )
            for code, of_locale in by_locale(records).items()
        }

    def index_paths(self, config: Config, locale: LocaleConfig) -> set[str]:
        return {_phrase_index(config, locale)}

    def profiles(self, config: Config) -> tuple[ProfileName, ...]:
        return ("freeswitch",)


TARGET = FreeSwitch()
