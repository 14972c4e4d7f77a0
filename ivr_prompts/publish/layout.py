"""Paths per target, the bytes of each published file, and the transcript indexes of a set."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np
import numpy.typing as npt

from .. import audio
from ..config import Config, LocaleConfig
from ..export import genesys, hd
from ..export.asterisk import plain_locales
from ..kinds import FileFormat, Target
from ..render import wav_name
from .manifest import FINGERPRINT, INDEX, MANIFEST


@dataclass(frozen=True, slots=True)
class PlannedFile:
    path: str  # relative to the output folder, with "/" separators
    target: Target
    format: FileFormat


def asterisk_language(config: Config, locale: LocaleConfig) -> str:
    """Asterisk's language folder: 'en' when one locale speaks English, else 'en_US', 'en_GB'."""
    same = [c for c in config.locales.values() if c.language == locale.language]
    return locale.language if len(same) == 1 else locale.code.replace("-", "_")


def asterisk_folders(config: Config, locale: LocaleConfig) -> list[str]:
    """The locale's Asterisk folder, plus the plain language folder when it stands for it."""
    own = asterisk_language(config, locale)
    plain = plain_locales(config.locales, config.publish.asterisk_plain)
    return [own, locale.language] if plain.get(locale.language) == locale.code else [own]


def planned_files(config: Config, prompt_id: str, locale: LocaleConfig) -> list[PlannedFile]:
    """Every file one prompt x locale publishes, per the configured targets and codecs."""
    files: list[PlannedFile] = []
    codecs = config.audio.codecs
    for target in config.publish.targets:
        if target == "asterisk":
            for lang in asterisk_folders(config, locale):
                base = f"asterisk/{lang}/{prompt_id}"
                files.extend(PlannedFile(f"{base}.{codec}", target, codec) for codec in codecs)
                if config.publish.asterisk_wav:
                    files.append(PlannedFile(f"{base}.wav", target, "pcm16-wav"))
                if config.publish.hd:
                    files.extend(PlannedFile(p, target, f) for p, f in hd.asterisk_hd_files(base))
        elif target == "freeswitch":
            folder, _, name = prompt_id.rpartition("/")
            voice_dir = _voice_dir(config, locale)
            middle = f"{folder}/8000" if folder else "8000"
            files.append(PlannedFile(f"{voice_dir}/{middle}/{name}.wav", target, "pcm16-wav"))
            if config.publish.hd:
                wide = f"{folder}/{hd.HD_RATE}" if folder else str(hd.HD_RATE)
                files.append(PlannedFile(f"{voice_dir}/{wide}/{name}.wav", target, "pcm16-wav16"))
        elif target == "genesys":
            planned = genesys.planned(config, prompt_id, locale)
            files.extend(PlannedFile(path, target, fmt) for path, fmt in planned)
        else:
            law = codecs[0]
            name = wav_name(config, prompt_id)
            files.append(PlannedFile(f"wav/{locale.code}/{name}.wav", target, f"{law}-wav"))  # type: ignore[arg-type]
    return files


def encode_file(pcm: npt.NDArray[np.int16], fmt: FileFormat) -> bytes:
    """The bytes of one published file (HD formats take the 16 kHz samples)."""
    if fmt in hd.HD_FORMATS or fmt == "sln":
        return hd.encode(pcm, fmt)
    if fmt == "pcm16-wav":
        return audio.pcm16_wav_bytes(pcm)
    if fmt in ("ulaw", "alaw"):
        return audio.raw_bytes(pcm, fmt)
    return audio.g711_wav_bytes(pcm, "ulaw" if fmt == "ulaw-wav" else "alaw")


def index_files(config: Config, records: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The transcript index of each target and locale: relative path -> text.

    `records` are the manifest's records in its order; only their id, locale and text are read.
    """
    by_locale: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        by_locale.setdefault(record["locale"], []).append(record)
    out: dict[str, str] = {}
    if "genesys" in config.publish.targets:
        out.update(genesys.index_files(config, records))
    for code, of_locale in by_locale.items():
        locale = config.locales[code]
        if "asterisk" in config.publish.targets:
            lines = [f"; {config.project.name}: transcripts of the {code} prompts (ivr-prompts)"]
            lines += [f"{r['id']}: {r['text']}" for r in of_locale]
            for lang in asterisk_folders(config, locale):
                out[_core_sounds(lang)] = "\n".join(lines) + "\n"
        if "freeswitch" in config.publish.targets:
            out[_phrase_index(config, locale)] = _phrase_xml(locale, of_locale) + "\n"
        if "wav" in config.publish.targets:
            rows = ["file\tid\ttext"]
            rows += [f"{wav_name(config, r['id'])}.wav\t{r['id']}\t{r['text']}" for r in of_locale]
            out[_wav_index(locale)] = "\n".join(rows) + "\n"
    return out


def index_paths(config: Config, locale: LocaleConfig) -> set[str]:
    """Every file besides its prompts that a locale's published set may hold: the paths
    `index_files` writes for it, and the set's own manifest, stat index and fingerprint."""
    paths = {MANIFEST, INDEX, FINGERPRINT}
    targets = config.publish.targets
    if "asterisk" in targets:
        paths |= {_core_sounds(lang) for lang in asterisk_folders(config, locale)}
    if "freeswitch" in targets:
        paths.add(_phrase_index(config, locale))
    if "wav" in targets:
        paths.add(_wav_index(locale))
    if "genesys" in targets:
        paths.add(genesys.CSV_NAME)
    return paths


def _voice_dir(config: Config, locale: LocaleConfig) -> str:
    return f"freeswitch/{locale.language}/{locale.country}/{config.publish.freeswitch_voice}"


def _core_sounds(lang: str) -> str:
    return f"asterisk/{lang}/core-sounds-{lang}.txt"


def _phrase_index(config: Config, locale: LocaleConfig) -> str:
    return f"{_voice_dir(config, locale)}/phrase_{locale.language}.xml"


def _wav_index(locale: LocaleConfig) -> str:
    return f"wav/{locale.code}/index.tsv"


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
