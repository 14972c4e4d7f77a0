"""The "genesys" target: WAVs Genesys accepts, beside its bulk prompt import CSV.

Layout: `genesys/<name>_<lang>.wav` (one flat folder: the import dialog takes files, not folders,
so each language's file needs its own name) and `genesys/prompts.csv` with the documented
columns Name, Type, Description and, per locale, tts_<lang> and audio_<lang>.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from ..config import Config, LocaleConfig
from ..kinds import FileFormat
from .names import flat_name, platform_language

FOLDER = "genesys"
CSV_NAME = f"{FOLDER}/prompts.csv"


def wav_name(prompt_id: str, locale: LocaleConfig) -> str:
    """`main/welcome` in en-US -> `main_welcome_en_us.wav` (itself a valid Genesys name)."""
    return f"{flat_name(prompt_id)}_{platform_language(locale.code).replace('-', '_')}.wav"


def planned(config: Config, prompt_id: str, locale: LocaleConfig) -> list[tuple[str, FileFormat]]:
    """The file one prompt x locale publishes for Genesys: a G.711 WAV in the first codec."""
    law: FileFormat = "ulaw-wav" if config.audio.codecs[0] == "ulaw" else "alaw-wav"
    return [(f"{FOLDER}/{wav_name(prompt_id, locale)}", law)]


def index_files(config: Config, records: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The bulk import CSV of the published records: one row per prompt, columns per locale."""
    codes = [c for c in config.locales if any(r["locale"] == c for r in records)]
    rows: dict[str, dict[str, str]] = {}
    for record in records:
        name = flat_name(record["id"])
        row = rows.setdefault(
            name, {"Name": name, "Type": "user", "Description": f"ivr-prompts: {record['id']}"}
        )
        lang = platform_language(record["locale"])
        row[f"tts_{lang}"] = record["text"]
        row[f"audio_{lang}"] = wav_name(record["id"], config.locales[record["locale"]])
    columns = ["Name", "Type", "Description"]
    for code in codes:
        lang = platform_language(code)
        columns += [f"tts_{lang}", f"audio_{lang}"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    for name in sorted(rows):
        writer.writerow(rows[name])
    return {CSV_NAME: buffer.getvalue()}
