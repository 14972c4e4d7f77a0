"""Where an edit that changed a rendered text was made: the template (or inline text) line that
now holds the new words, or the variable whose value does, so a CI annotation lands on the line
the author touched. The published text is all that is known of the old sources; the new words
are found by a word diff of the published text against the rendered one."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..config import Config
from ..config.sources import changed_variable
from .render import Rendered

_WORD = re.compile(r"\w+", re.UNICODE)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")


@dataclass(frozen=True)
class EditedPlace:
    """The file and line of an edit; for a variable, its name and where its source uses it."""

    file: str
    line: int
    variable: str | None = None
    used_in: str = ""
    used_line: int = 0

    @property
    def note(self) -> str:
        """ " (company is used at templates/welcome.j2:2)" for a variable used in a template."""
        if self.variable is None or not self.used_in or self.used_in == self.file:
            return ""
        return f" ({self.variable} is used at {self.used_in}:{self.used_line})"


def edited_place(config: Config, rendered: Rendered, old_text: str) -> EditedPlace | None:
    """The place of the edit that turned `old_text` into the rendered text, or None."""
    source = _source_text(config, rendered)
    literal = [(n, _words(_JINJA.sub(" ", line))) for n, line in enumerate(source.splitlines(), 1)]
    variables = list(_variables(config, rendered, source))
    for word in changed_words(old_text, rendered.text):
        for number, words in literal:
            if word in words:
                return _literal_place(config, rendered, number)
        for name, value, line in variables:
            if word in _words(value):
                used_in, used_line = _use(config, rendered, source, name)
                return EditedPlace(config.path.name, line, name, used_in, used_line)
    found = changed_variable(config, rendered, old_text)
    if found is None:
        return None
    return EditedPlace(config.path.name, found.line, found.name, found.used_in, found.used_line)


def changed_words(old: str, new: str) -> list[str]:
    """Words of `new` that an edit of `old` inserted or replaced, in order; for a deletion,
    the words around it."""
    a, b = _WORD.findall(old), _WORD.findall(new)
    found: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("insert", "replace"):
            found += b[j1:j2]
        elif tag == "delete":
            found += b[max(j1 - 1, 0) : j1 + 1]
    return found


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text))


def _source_text(config: Config, rendered: Rendered) -> str:
    if rendered.prompt.text is not None:
        return rendered.prompt.text
    try:
        return (config.root / rendered.source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _literal_place(config: Config, rendered: Rendered, number: int) -> EditedPlace:
    prompt = rendered.prompt
    if prompt.text is not None:  # inline text: the line of its `text =` key
        return EditedPlace(config.path.name, config.line("prompts", prompt.index, "text"))
    return EditedPlace(rendered.source, number)


def _variables(config: Config, rendered: Rendered, source: str) -> Iterator[tuple[str, str, int]]:
    """(name, value, line in prompts.toml) of each variable the source uses, nearest first."""
    prompt = rendered.prompt
    locale = config.locales[rendered.locale]
    layers: list[tuple[Mapping[str, Any], tuple[str | int, ...]]] = [
        (rendered.matrix, ("prompts", prompt.index, "matrix")),
        (prompt.vars, ("prompts", prompt.index, "vars")),
        (locale.vars, ("locales", locale.code, "vars")),
    ]
    used = set(_WORD.findall(" ".join(_JINJA.findall(source))))
    seen: set[str] = set()
    for values, key in layers:
        for name, value in values.items():
            if name in used and name not in seen:
                seen.add(name)
                yield name, str(value), config.line(*key, name)


def _use(config: Config, rendered: Rendered, source: str, name: str) -> tuple[str, int]:
    """Where the source uses variable `name`: (file, line)."""
    prompt = rendered.prompt
    if prompt.text is not None:
        return config.path.name, config.line("prompts", prompt.index, "text")
    pattern = re.compile(r"\{[{%][^}]*?\b" + re.escape(name) + r"\b")
    for number, line in enumerate(source.splitlines(), start=1):
        if pattern.search(line):
            return rendered.source, number
    return rendered.source, 0
