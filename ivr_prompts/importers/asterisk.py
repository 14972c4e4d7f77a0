"""Asterisk's transcript index: core-sounds-<lang>.txt / extra-sounds-<lang>.txt.

One `name: transcript` line per sound file, `;` starts a comment line. A transcript wholly in
square brackets describes a sound, not words ("beep: [this is a simple beep tone]"); a bracketed
part of a spoken line is a stage direction and is not spoken.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..config import check_prompt_id
from ..errors import UsageError
from .model import Entry, Inventory, clean_text, locale_from_name, read_text

_BRACKETED = re.compile(r"\[[^\]]*\]")


def read(path: Path, locale: str | None = None) -> Inventory:
    """Every `name: transcript` line of the file, bracketed ones flagged as non-speech."""
    code = locale or locale_from_name(path)
    if code is None:
        raise UsageError(
            f"{path.name}: cannot tell the language from the file name; pass --locale CODE "
            "(or name it core-sounds-<lang>.txt)"
        )
    inventory = Inventory(path, "asterisk")
    for number, raw in enumerate(read_text(path).splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        name, colon, transcript = line.partition(":")
        name = name.strip()
        if not colon or not name:
            inventory.problem(number, f"expected 'name: transcript', got {line[:60]!r}")
            continue
        if (why := check_prompt_id(name)) is not None:
            inventory.problem(number, f"sound name {name!r} {why}")
            continue
        text = clean_text(transcript)
        spoken = clean_text(_BRACKETED.sub(" ", text))
        if not text:
            inventory.problem(number, f"{name}: empty transcript; give it the words it speaks")
            continue
        inventory.entries.append(
            Entry(id=name, locale=code, text=spoken or text, line=number, speech=bool(spoken))
        )
    return inventory
