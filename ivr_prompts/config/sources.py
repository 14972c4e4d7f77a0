"""Where a rendered text's inputs are written: a variable's line in prompts.toml and the template
line that uses it, so a finding about a changed text points at what changed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..text.render import Rendered
from . import Config

_ENV = ImmutableSandboxedEnvironment()


@dataclass(frozen=True)
class VariableSource:
    """A variable of a rendered text: where prompts.toml sets it and where its source uses it."""

    name: str
    line: int  # in prompts.toml
    used_in: str  # "templates/x.j2" or "prompts.toml"
    used_line: int


def _source_text(config: Config, rendered: Rendered) -> str:
    if rendered.prompt.text is not None:
        return rendered.prompt.text
    path = config.root / rendered.source
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def changed_variable(config: Config, rendered: Rendered, old_text: str) -> VariableSource | None:
    """The first variable the text uses whose current value the published text lacks."""
    source = _source_text(config, rendered)
    try:
        names = meta.find_undeclared_variables(_ENV.parse(source))
    except jinja2.TemplateSyntaxError:
        return None
    prompt = rendered.prompt
    locale = config.locales[rendered.locale]
    layers: list[tuple[dict[str, Any] | Any, tuple[str | int, ...]]] = [
        (rendered.matrix, ("prompts", prompt.index, "matrix")),
        (prompt.vars, ("prompts", prompt.index, "vars")),
        (locale.vars, ("locales", locale.code, "vars")),
    ]
    for name in sorted(names, key=lambda n: (_first_use(source, n)[0] or 1 << 30, n)):
        for values, key in layers:
            if name not in values:
                continue
            if str(values[name]) in old_text:
                break
            used_line, _ = _first_use(source, name)
            if prompt.text is not None:
                used_in, used_line = config.path.name, config.line("prompts", prompt.index, "text")
            else:
                used_in = rendered.source
            return VariableSource(name, config.line(*key, name), used_in, used_line)
    return None


def _first_use(source: str, name: str) -> tuple[int, int]:
    """(line, column) of the first `{{ ... name ... }}` or `{% ... name ... %}`; (0, 0) if none."""
    pattern = re.compile(r"\{[{%][^}]*?\b" + re.escape(name) + r"\b")
    for number, line in enumerate(source.splitlines(), start=1):
        found = pattern.search(line)
        if found:
            return number, found.start()
    return 0, 0
