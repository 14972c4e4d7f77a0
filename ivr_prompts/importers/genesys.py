"""Genesys Cloud's bulk prompt CSV: Name, Type, Description, tts_<lang>/text_<lang>/audio_<lang>.

Each language column that holds words becomes one prompt x locale; the prompt's id is its Name
(letters, digits, underscore), so a rebuilt set re-imports under the same names.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..config import check_prompt_id
from ..errors import UsageError
from .model import Entry, Inventory, clean_text, read_text

_TEXT_PREFIXES = ("tts_", "text_")


def read(path: Path, locale: str | None = None) -> Inventory:
    """Every prompt x language of the CSV (`locale` is unused: the columns name languages)."""
    reader = csv.DictReader(io.StringIO(read_text(path).lstrip("\ufeff"), newline=""))
    header = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
    if "name" not in header:
        raise UsageError(
            f"{path.name}: a Genesys prompt CSV needs a 'Name' column (and tts_<lang> columns); "
            "a plain inventory starts with the header id,locale,text"
        )
    languages: dict[str, list[str]] = {}
    for lowered, original in header.items():
        for prefix in _TEXT_PREFIXES:
            if lowered.startswith(prefix) and len(lowered) > len(prefix):
                languages.setdefault(lowered[len(prefix) :], []).append(original)
    if not languages:
        raise UsageError(
            f"{path.name}: no tts_<lang> or text_<lang> column; add one per language, "
            "e.g. tts_en-us"
        )
    inventory = Inventory(path, "genesys")
    description_column = header.get("description")
    for number, row in enumerate(reader, start=2):
        name = (row.get(header["name"]) or "").strip()
        if not name:
            if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                inventory.problem(number, "empty Name; every prompt needs one")
            continue
        if (why := check_prompt_id(name)) is not None:
            inventory.problem(number, f"Name {name!r} {why}")
            continue
        description = clean_text(row.get(description_column) or "") if description_column else ""
        found = False
        for code, columns in languages.items():
            # tts_ first: it is what the platform speaks; text_ is the display text.
            text = next((clean_text(row.get(c) or "") for c in columns if row.get(c)), "")
            if text:
                found = True
                inventory.entries.append(Entry(name, code, text, number, description))
        if not found:
            inventory.problem(number, f"{name}: no text in any tts_/text_ column")
    return inventory
