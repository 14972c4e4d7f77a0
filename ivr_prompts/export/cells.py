"""Cells of the Genesys bulk import CSV that a spreadsheet would run as a formula.

Excel, LibreOffice and Google Sheets treat a cell that starts with `=`, `+`, `-` or `@` (and,
in some versions, a tab or carriage return) as a formula: a prompt text like "+1 800 555 0100"
or "-5 degrees" opened in one for a quick edit becomes a formula (or an error), and a text from
an untrusted source could run one (CSV injection). `check` warns; the CSV itself keeps the text
exactly as spoken, because Genesys imports it verbatim.
"""

from __future__ import annotations

from .names import platform_language

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV = "genesys/prompts.csv"
FIX = "start the text with a word (or never open the CSV in a spreadsheet)"


def formula_warning(locale_code: str, text: str) -> str | None:
    """Why the tts cell of `text` in `locale_code` would run as a formula, or None."""
    if not text.startswith(FORMULA_STARTS):
        return None
    return (
        f"{CSV}: its tts_{platform_language(locale_code)} cell starts with {text[0]!r}, "
        "which a spreadsheet runs as a formula"
    )
