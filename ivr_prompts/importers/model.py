"""What every importer returns, and the choice of importer for a file."""

from __future__ import annotations

import codecs
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, cast

from ..errors import UsageError
from ..kinds import SourceFormat

# core-sounds-en.txt, extra-sounds-fr_CA.txt, phrase_en.xml, phrase_pt-BR.xml
_NAMED_LOCALE = re.compile(
    r"^(?:core-sounds|extra-sounds|phrase)[-_]([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)\.(?:txt|xml)$"
)
_SPACE = re.compile(r"\s+")
# An inventory is a text list: Asterisk's whole core list is 21 KB, FreeSWITCH's 91 KB.
MAX_INVENTORY_BYTES = 64 * 1024 * 1024
# Characters never shown raw in a message or written raw into prompts.toml.
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


# speech: words to speak; silence: a pause of `seconds` (imported as a kind = "silence" prompt);
# sound: a tone or effect ("[beep tone]"), not imported (`reason` says why).
EntryKind = Literal["speech", "silence", "sound"]


class _LineCounting(Protocol):
    line_num: int


@dataclass(frozen=True)
class Entry:
    """One prompt of a source file: its id (the source's own relative name), locale and text.

    `note` holds what the source wrote beside the words and is not spoken (stage directions
    such as "[@]" or "(note: does not say 2)"); it is kept as a comment in prompts.toml.
    """

    id: str
    locale: str  # as the source names it: "en", "en-us", "es-US"
    text: str
    line: int
    description: str = ""
    kind: EntryKind = "speech"
    note: str = ""
    seconds: float | None = None
    reason: str = ""  # why a "sound" entry is not imported

    @property
    def speech(self) -> bool:
        return self.kind == "speech"


@dataclass
class Inventory:
    """Everything one source file holds."""

    path: Path
    format: SourceFormat
    entries: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    skipped: int = 0  # entries the source itself comments out (";" lines of a translation)

    @property
    def spoken(self) -> list[Entry]:
        return [e for e in self.entries if e.speech]

    @property
    def non_speech(self) -> list[Entry]:
        """Entries that are not imported: tones and sound effects."""
        return [e for e in self.entries if e.kind == "sound"]

    def problem(self, line: int, message: str) -> None:
        where = f"{shown(self.path)}:{line}" if line else shown(self.path)
        self.problems.append(f"{where}: {message}")


def clean_text(text: str) -> str:
    """Whitespace runs to one space, as the renderer does, so transcripts compare equal."""
    return _SPACE.sub(" ", text).strip()


def locale_from_name(path: Path) -> str | None:
    """The language in a conventional file name (core-sounds-en.txt -> en), else None."""
    match = _NAMED_LOCALE.match(path.name)
    return match.group(1).replace("_", "-") if match else None


def detect(path: Path) -> SourceFormat:
    """Which importer reads `path`, from its name and (for CSV) its header row."""
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return "asterisk"
    if suffix == ".xml":
        return "freeswitch"
    if suffix == ".csv":
        header = read_text(path).lstrip("\ufeff").partition("\n")[0].rstrip("\r")
        names = [h.strip().strip('"').lower() for h in header.split(",")]
        return "csv" if names[:3] == ["id", "locale", "text"] else "genesys"
    raise UsageError(
        f"{shown(path)}: unknown inventory format; import core-sounds-<lang>.txt, "
        "extra-sounds-<lang>.txt, phrase_<lang>.xml, a Genesys prompt CSV or an id,locale,text CSV"
    )


def read_text(path: Path, limit: int = MAX_INVENTORY_BYTES) -> str:
    """A source file as text, read bounded: one clear line when it is not a regular file, is
    too big, or is neither UTF-8 nor UTF-16 with a byte-order mark."""
    return decode(path, read_bytes(path, limit))


def read_bytes(path: Path, limit: int = MAX_INVENTORY_BYTES) -> bytes:
    """At most `limit` bytes of a regular file; FIFOs, devices and folders are never opened."""
    name = shown(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UsageError(f"{name}: not found") from None
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):
        what = "a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
        if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
            what = "a device"
        elif stat.S_ISDIR(info.st_mode):
            what = "a folder"
        raise UsageError(f"{name}: {what}; save the inventory to a file and import that")
    if info.st_size > limit:
        raise UsageError(
            f"{name}: {info.st_size:,} bytes, over the {limit:,} an inventory may have "
            "(Asterisk's whole core list is 21 KB); split the file"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {exc.strerror}") from exc
    if len(data) > limit:  # grew while we read it
        raise UsageError(f"{name}: over the {limit:,} bytes an inventory may have; split the file")
    return data


def decode(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM), or UTF-16 with a BOM; else one line naming the encoding."""
    name = shown(path)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"{name}: not valid UTF-16 (bad bytes at offset {exc.start}); save it as UTF-8"
            ) from exc
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        raise UsageError(
            f"{name}: looks like UTF-16 without a byte-order mark; save it as UTF-8 "
            "(iconv -f utf-16le -t utf-8)"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{name}: not UTF-8 (invalid byte at offset {exc.start}); "
            "convert it with iconv -f latin1 -t utf-8"
        ) from exc


def shown(path: Path) -> str:
    """A file's name as messages show it: control characters escaped (a name may hold any)."""
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in _HIDDEN else c for c in path.name
    )


def physical(rows: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the physical line it starts on (a quoted field may span lines)."""
    reader = cast("_LineCounting", rows)
    last = reader.line_num
    for row in rows:
        yield last + 1, row
        last = reader.line_num


@dataclass
class ImportResult:
    """What an import added (or would add): entries per project locale, and what it skipped."""

    added: list[tuple[Inventory, Entry, str]] = field(default_factory=list)  # with its locale
    non_speech: list[tuple[Inventory, Entry]] = field(default_factory=list)
    duplicates: list[tuple[Inventory, Entry]] = field(default_factory=list)  # imported once
    problems: list[str] = field(default_factory=list)  # with the source's file and line
    other_locales: int = 0
    block: str = ""
