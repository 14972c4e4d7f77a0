"""Pronunciation dictionaries: word -> respelling, per locale, case-sensitive, whole words."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..config.tomlpos import error_line, key_lines
from ..errors import ConfigError, Problem


@dataclass(frozen=True)
class Lexicon:
    """One locale's dictionary. Entries are sorted by word so the digest is order-independent."""

    locale: str
    source: Path | None
    entries: tuple[tuple[str, str], ...]
    # The line of each word in `source`, for findings that point at it.
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def digest(self) -> str:
        """Content hash: the cache key and the lock file use this, never a remote id."""
        blob = json.dumps(self.entries, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self.entries:
            return None
        # Longest first so "Acme Bank" wins over "Acme"; lookarounds keep matches to whole words.
        words = sorted((w for w, _ in self.entries), key=len, reverse=True)
        alternatives = "|".join(re.escape(w) for w in words)
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    def apply(self, text: str) -> str:
        """Replace every whole-word, case-sensitive occurrence with its respelling."""
        pattern = self._pattern
        if pattern is None:
            return text
        table = dict(self.entries)
        return pattern.sub(lambda m: table[m.group(0)], text)

    def words_used(self, text: str) -> set[str]:
        """The dictionary words that occur in `text`."""
        pattern = self._pattern
        return set() if pattern is None else {m.group(0) for m in pattern.finditer(text)}


def load(locale: str, path: Path | None) -> Lexicon:
    """Read a dictionary file: a TOML table of "word" = "respelling" lines."""
    if path is None:
        return Lexicon(locale, None, ())
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(
            [f"{path}: cannot read pronunciation dictionary: {exc.strerror or exc}"]
        ) from exc
    except UnicodeDecodeError as exc:
        message = f"{path.name}: not UTF-8 (invalid byte at offset {exc.start}); save it as UTF-8"
        raise ConfigError([Problem(message, file=file, code="dictionary", named=True)]) from exc
    except tomllib.TOMLDecodeError as exc:
        line = error_line(exc, text)
        message = f"{path.name}: invalid TOML: {exc}"
        raise ConfigError(
            [Problem(message, file=file, line=line, code="dictionary", named=True)]
        ) from exc
    lines = {str(k[0]): n for k, n in key_lines(text).items() if len(k) == 1}
    problems: list[Problem] = []
    entries: list[tuple[str, str]] = []
    for word, respelling in data.items():
        line = lines.get(word, 0)
        if not isinstance(respelling, str) or not respelling.strip():
            message = (
                f'{path.name}: {word!r}: expected a respelling string like "ack-mee", '
                f"got {respelling!r}"
            )
            problems.append(
                Problem(message, file=file, line=line, key=word, code="dictionary", named=True)
            )
        elif not word.strip() or word != word.strip():
            message = f"{path.name}: {word!r}: words must not be blank or padded"
            problems.append(
                Problem(message, file=file, line=line, key=word, code="dictionary", named=True)
            )
        else:
            entries.append((word, respelling.strip()))
    if problems:
        raise ConfigError(problems)
    return Lexicon(locale, path, tuple(sorted(entries)), lines)
