"""Genesys Cloud's bulk prompt CSV: Name, Type, Description, tts_<lang>/text_<lang>/audio_<lang>.

The layout Architect documents for a bulk prompt import ("Format guidelines for the CSV file in
bulk prompt import", help.mypurecloud.com): Name (required), Type (required: user or system),
Description, and per language tts_<code>, text_<code> and audio_<code> columns. Each language
column that holds words becomes one prompt x locale; the prompt's id is its Name (letters,
digits, underscore), so a rebuilt set re-imports under the same names. Errors name the physical
line a record starts on (a quoted cell may span lines). UTF-8, or UTF-16 with a byte-order mark.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..config import check_prompt_id
from ..errors import UsageError
from .model import Entry, Inventory, clean_text, physical, read_text, shown

_TEXT_PREFIXES = ("tts_", "text_")


def read(path: Path, locale: str | None = None) -> Inventory:
    """Every prompt x language of the CSV (`locale` is unused: the columns name languages)."""
    rows = csv.reader(io.StringIO(read_text(path).lstrip("\ufeff"), newline=""))
    fields = next(rows, [])
    header = {h.strip().lower(): i for i, h in enumerate(fields)}
    languages = _languages(path, header)
    inventory = Inventory(path, "genesys")
    name_at, description_at = header["name"], header.get("description")
    for number, cells in physical(rows):
        if not any(c.strip() for c in cells):
            continue

        def cell(i: int | None, cells: list[str] = cells) -> str:
            return clean_text(cells[i]) if i is not None and i < len(cells) else ""

        name = cell(name_at)
        if not name:
            inventory.problem(number, "empty Name; every prompt needs one")
            continue
        if (why := check_prompt_id(name)) is not None:
            inventory.problem(number, f"Name {name!r} {why}")
            continue
        description = cell(description_at)
        found = False
        for code, columns in languages.items():
            # tts_ first: it is what the platform speaks; text_ is the display text.
            text = next((t for c in columns if (t := cell(c))), "")
            if text:
                found = True
                inventory.entries.append(Entry(name, code, text, number, description))
        if not found:
            inventory.problem(number, f"{name}: no text in any tts_/text_ column")
    return inventory


def _languages(path: Path, header: dict[str, int]) -> dict[str, list[int]]:
    """language code -> the columns holding its words (tts_ before text_)."""
    if "name" not in header:
        raise UsageError(
            f"{shown(path)}: a Genesys prompt CSV needs a 'Name' column (and tts_<lang> columns); "
            "a plain inventory starts with the header id,locale,text"
        )
    languages: dict[str, list[int]] = {}
    for prefix in _TEXT_PREFIXES:
        for lowered, index in header.items():
            if lowered.startswith(prefix) and len(lowered) > len(prefix):
                languages.setdefault(lowered[len(prefix) :], []).append(index)
    if not languages:
        raise UsageError(
            f"{shown(path)}: no tts_<lang> or text_<lang> column; add one per language, "
            "e.g. tts_en-us"
        )
    return languages
