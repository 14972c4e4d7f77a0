"""What every importer returns, and the choice of importer for a file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, UsageError
from ..kinds import SourceFormat

# core-sounds-en.txt, extra-sounds-fr_CA.txt, phrase_en.xml, phrase_pt-BR.xml
_NAMED_LOCALE = re.compile(
    r"^(?:core-sounds|extra-sounds|phrase)[-_]([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)\.(?:txt|xml)$"
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Entry:
    """One prompt of a source file: its id (the source's own relative name), locale and text.

    `speech` is False for entries that describe a sound rather than words ("[beep tone]"):
    they are reported and never spoken.
    """

    id: str
    locale: str  # as the source names it: "en", "en-us", "es-US"
    text: str
    line: int
    description: str = ""
    speech: bool = True


@dataclass
class Inventory:
    """Everything one source file holds."""

    path: Path
    format: SourceFormat
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def spoken(self) -> list[Entry]:
        return [e for e in self.entries if e.speech]

    @property
    def non_speech(self) -> list[Entry]:
        return [e for e in self.entries if not e.speech]

    def problem(self, line: int, message: str) -> None:
        self.problems.append(problem_at(self.path.name, line, message))


def problem_at(file: str, line: int, message: str, prompt: str = "", locale: str = "") -> Problem:
    """A problem of a file to import, its message led by file:line."""
    where = f"{file}:{line}" if line else file
    return Problem(
        f"{where}: {message}",
        file=file,
        line=line,
        prompt=prompt,
        locale=locale,
        code="import",
        named=True,
    )


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
        header = read_text(path).lstrip("\ufeff").partition("\n")[0]
        names = [h.strip().strip('"').lower() for h in header.split(",")]
        return "csv" if names[:3] == ["id", "locale", "text"] else "genesys"
    raise UsageError(
        f"{path.name}: unknown inventory format; import core-sounds-<lang>.txt, "
        "extra-sounds-<lang>.txt, phrase_<lang>.xml, a Genesys prompt CSV or an id,locale,text CSV"
    )


def read_text(path: Path) -> str:
    """A source file as text; one clear line when it is missing or not UTF-8."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{path}: not found") from None
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path.name}: not UTF-8 (invalid byte at offset {exc.start}); "
            "convert it with iconv -f latin1 -t utf-8"
        ) from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from exc
