"""The plain inventory: a CSV with the header `id,locale,text`, one prompt x locale per row."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..config import check_prompt_id
from .model import Entry, Inventory, clean_text, physical, read_text


def read(path: Path, locale: str | None = None) -> Inventory:
    """Every row (the rows name their own locales, so `locale` is not used)."""
    inventory = Inventory(path, "csv")
    rows = csv.reader(io.StringIO(read_text(path).lstrip("\ufeff"), newline=""))
    next(rows, None)  # the header, checked by detect()
    for number, row in physical(rows):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            inventory.problem(number, f"expected 3 columns (id,locale,text), got {len(row)}")
            continue
        pid, code, text = (cell.strip() for cell in row)
        if (why := check_prompt_id(pid)) is not None:
            inventory.problem(number, f"id {pid!r} {why}")
            continue
        if not code:
            inventory.problem(number, f"{pid}: empty locale; write a code such as en-US")
            continue
        if not clean_text(text):
            inventory.problem(number, f"{pid}: empty text")
            continue
        inventory.entries.append(Entry(id=pid, locale=code, text=clean_text(text), line=number))
    return inventory
