"""Asterisk's transcript index: core-sounds-<lang>.txt / extra-sounds-<lang>.txt, as distributed.

One `name: transcript` line per sound file; `;` starts a comment line (translations keep their
untranslated entries as `;` comments). What the lists write beside the words is read as such:

- a name's file extension is dropped (`followme/call-from.wav` is played as `followme/call-from`);
- parenthesised and bracketed parts are stage directions, never spoken: `letters/at: at [@]`
  speaks "at", `spy-iax2: IAX (note: does not say "2")` speaks "IAX"; they are kept as a
  comment in prompts.toml;
- `(N seconds of silence)` is a pause: imported as a kind = "silence" prompt of N seconds;
- an entry that is only a stage direction (`beep: [this is a simple beep tone]`,
  `[ascending tones]`) is a tone or an effect: not imported, listed with the reason;
- `...` (where Asterisk splices another prompt in) and quotes are kept as written.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..config import check_prompt_id
from ..errors import UsageError
from .model import Entry, Inventory, clean_text, locale_from_name, read_text, shown

# Stage directions: (...) and [...], not nested.
_DIRECTION = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_SILENCE = re.compile(r"\(\s*(\d+(?:\.\d+)?)\s+seconds?\s+of\s+silence\s*\)", re.IGNORECASE)
# Sound file extensions Asterisk (and the lists) use; the played name has none.
_EXTENSION = re.compile(
    r"\.(?:wav|wav16|gsm|ulaw|ul|alaw|al|sln\d*|raw|g722|g729|g723|ilbc|siren\d+|mp3|ogg|h264)$",
    re.IGNORECASE,
)


def read(path: Path, locale: str | None = None) -> Inventory:
    """Every `name: transcript` line of the file: speech, silence, or a sound not imported."""
    code = locale or locale_from_name(path)
    if code is None:
        raise UsageError(
            f"{shown(path)}: cannot tell the language from the file name; pass --locale CODE "
            "(or name it core-sounds-<lang>.txt)"
        )
    inventory = Inventory(path, "asterisk")
    for number, raw in enumerate(read_text(path).splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(";"):
            # A commented-out entry (a translation's untranslated line), not a remark.
            inventory.skipped += bool(re.match(r";\s*[\w./-]+\s*:", line))
            continue
        entry = _entry(inventory, number, line, code)
        if entry is not None:
            inventory.entries.append(entry)
    return inventory


def _entry(inventory: Inventory, number: int, line: str, code: str) -> Entry | None:
    name, colon, transcript = line.partition(":")
    name = _EXTENSION.sub("", name.strip())
    if not colon or not name:
        inventory.problem(number, f"expected 'name: transcript', got {line[:60]!r}")
        return None
    if (why := check_prompt_id(name)) is not None:
        inventory.problem(number, f"sound name {name!r} {why}")
        return None
    text = clean_text(transcript)
    if not text:  # a translation that left it blank: nothing to speak, nothing to refuse
        return Entry(
            name, code, text, number, kind="sound", reason="empty transcript: nothing to speak"
        )
    if silence := _SILENCE.fullmatch(text):
        return Entry(name, code, text, number, kind="silence", seconds=float(silence[1]))
    spoken = clean_text(_DIRECTION.sub(" ", text))
    note = " ".join(m.group(0) for m in _DIRECTION.finditer(text))
    if not _words(spoken):
        reason = f"a tone or sound effect, not words: {text}"
        return Entry(name, code, text, number, kind="sound", reason=reason)
    return Entry(name, code, spoken, number, note=note)


def _words(text: str) -> bool:
    """Whether anything is left to speak (not only dots and punctuation)."""
    return any(c.isalnum() for c in text)
