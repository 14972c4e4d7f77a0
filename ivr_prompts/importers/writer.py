"""Append imported prompts to prompts.toml as [[prompts]] entries, keeping the file as it was.

The existing text is never rewritten (comments, order and formatting stay); the new entries are
appended, the result is parsed and rendered as a whole, and only then written (atomically).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .. import config as config_mod
from .. import render
from ..atomic import write_atomic
from ..config import Config, LocaleConfig
from ..errors import ConfigError, Problem, UsageError
from .model import Entry, Inventory, problem_at

_JINJA_MARKS = ("{{", "{%", "{#")


@dataclass
class ImportResult:
    """What an import added (or would add): entries per project locale, and what it skipped."""

    added: list[tuple[Inventory, Entry, str]] = field(default_factory=list)  # with its locale
    non_speech: list[tuple[Inventory, Entry]] = field(default_factory=list)
    other_locales: int = 0
    block: str = ""


def resolve_locale(code: str, locales: Mapping[str, LocaleConfig], file: str) -> str:
    """The project locale a source's language code means; UsageError when none or ambiguous."""
    wanted = code.replace("_", "-").lower()
    for name in locales:
        if name.lower() == wanted:
            return name
    have = ", ".join(locales) or "none"
    if "-" not in wanted:
        speaking = [name for name, loc in locales.items() if loc.language.lower() == wanted]
        if len(speaking) == 1:
            return speaking[0]
        if speaking:
            raise UsageError(
                f"{file}: language {code!r} is spoken by {', '.join(speaking)}; "
                "pass --locale CODE to choose one"
            )
    raise UsageError(
        f"{file}: no locale of prompts.toml matches {code!r} (have: {have}); "
        f'add [locales.{code.replace("_", "-")}] language = "{wanted.split("-")[0]}" '
        "or pass --locale CODE"
    )


def prepare(
    config: Config, inventories: Sequence[Inventory], only_locale: str | None = None
) -> ImportResult:
    """Check every entry against the project and each other; raise ConfigError listing all."""
    problems: list[Problem] = [p for inv in inventories for p in inv.problems]
    existing = {(r.id, r.locale): r.prompt.index for r in render.render_all(config)}
    result = ImportResult()
    seen: dict[tuple[str, str], str] = {}
    for inventory in inventories:
        name = inventory.path.name
        codes: dict[str, str] = {}
        for entry in inventory.entries:
            if entry.locale not in codes:
                codes[entry.locale] = resolve_locale(entry.locale, config.locales, name)
            code = codes[entry.locale]
            if only_locale is not None and code != only_locale:
                result.other_locales += 1
                continue
            if not entry.speech:
                result.non_speech.append((inventory, entry))
                continue
            where = f"{name}:{entry.line}" if entry.line else name
            key = (entry.id, code)
            if key in existing:
                problems.append(
                    problem_at(
                        name,
                        entry.line,
                        f"{entry.id} [{code}] is already defined in {config.path.name} "
                        f"(prompts[{existing[key]}]); remove it there or from the file to import",
                        entry.id,
                        code,
                    )
                )
            elif key in seen:
                problems.append(
                    problem_at(
                        name,
                        entry.line,
                        f"{entry.id} [{code}] is imported twice (also {seen[key]})",
                        entry.id,
                        code,
                    )
                )
            else:
                seen[key] = where
                result.added.append((inventory, entry, code))
    if problems:
        raise ConfigError(problems)
    result.block = _block(inventories, result)
    return result


def _toml_string(text: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes, \uXXXX for controls).
    return json.dumps(text, ensure_ascii=False)


def _spoken_literally(text: str) -> str:
    """Inline text is a Jinja template: text that looks like template syntax is kept verbatim."""
    if any(mark in text for mark in _JINJA_MARKS):
        return "{% raw %}" + text + "{% endraw %}"
    return text


def _block(inventories: Sequence[Inventory], result: ImportResult) -> str:
    lines: list[str] = []
    for inventory in inventories:
        mine = [(e, c) for inv, e, c in result.added if inv is inventory]
        skipped = [e.id for inv, e in result.non_speech if inv is inventory]
        header = f"# Imported from {inventory.path.name} ({inventory.format}): {len(mine)} prompts"
        lines += ["", header]
        if skipped:
            lines.append(f"# Not spoken (non-speech entries): {', '.join(skipped)}")
        for entry, code in mine:
            lines.append("")
            if entry.description:
                lines.append(f"# {entry.description}")
            lines += [
                "[[prompts]]",
                f"id = {_toml_string(entry.id)}",
                f"text = {_toml_string(_spoken_literally(entry.text))}",
                f"locales = [{_toml_string(code)}]",
            ]
    return "\n".join(lines) + "\n"


def append(config: Config, result: ImportResult) -> Config:
    """Append the entries to prompts.toml once the whole file parses and renders; the new config."""
    path = config.path
    try:
        old = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from exc
    new = old + ("" if old.endswith("\n") or not old else "\n") + result.block
    try:
        data = tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:  # a bug of ours: the block must always be valid TOML
        raise UsageError(f"{path.name}: the imported entries would not parse: {exc}") from exc
    updated = config_mod.parse(data, path, new)
    render.render_all(updated)
    write_atomic(path, new.encode("utf-8"), mode=path.stat().st_mode & 0o777)
    return updated
