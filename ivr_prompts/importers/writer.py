"""Append imported prompts to prompts.toml as [[prompts]] entries, keeping the file as it was.

The existing bytes are never rewritten (comments, order, formatting and line endings stay); the
new entries are appended in the file's own line ending, the result is parsed, rendered and put
through the build's pre-flight as a whole (importers/safety.py), and only then written
(atomically). Everything imported is escaped: no text, note or file name can end its string or
comment early.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Mapping, Sequence

from .. import config as config_mod
from ..atomic import write_atomic
from ..config import Config, LocaleConfig
from ..errors import ConfigError, UsageError
from . import safety
from .model import Entry, ImportResult, Inventory, read_bytes, shown

_JINJA_MARKS = ("{{", "{%", "{#")
# Never raw in a TOML string or comment: controls, format characters, line/paragraph separators.
_ESCAPED = frozenset({"Cc", "Cf", "Zl", "Zp"})


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
    """Check every entry against the project and each other: what can be appended, and every
    problem (with the source file and line) in `problems`."""
    existing = safety.defined(config)
    result = ImportResult()
    problems = result.problems
    problems += [p for inv in inventories for p in inv.problems]
    seen: dict[tuple[str, str], tuple[str, str, tuple[object, ...]]] = {}
    for inventory in inventories:
        name = shown(inventory.path)
        codes: dict[str, str] = {}
        for entry in inventory.entries:
            if entry.locale not in codes:
                codes[entry.locale] = resolve_locale(entry.locale, config.locales, name)
            code = codes[entry.locale]
            if only_locale is not None and code != only_locale:
                result.other_locales += 1
                continue
            if entry.kind == "sound":
                result.non_speech.append((inventory, entry))
                continue
            where = f"{name}:{entry.line}" if entry.line else name
            key = (entry.id.lower(), code)
            if key in existing:
                problems.append(safety.already_defined(config, where, entry, code, existing[key]))
            elif key in seen and seen[key][2] == (inventory, entry.id, entry.kind, entry.text):
                result.duplicates.append((inventory, entry))  # listed twice, word for word
            elif key in seen:
                first, other = seen[key][:2]
                problems.append(
                    f"{where}: {entry.id} [{code}] is imported twice, with other words (also "
                    f"{first}); keep one of them"
                    if other == entry.id
                    else f"{where}: {entry.id} [{code}] differs only in letter case from "
                    f"{other!r} (also {first}); ids must differ in more than letter case"
                )
            else:
                seen[key] = (where, entry.id, (inventory, entry.id, entry.kind, entry.text))
                result.added.append((inventory, entry, code))
    result.block = block(inventories, result)
    return result


def toml_string(text: str) -> str:
    """A TOML basic string holding exactly `text` (quotes, backslashes and controls escaped)."""
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif unicodedata.category(char) in _ESCAPED:
            out.append(f"\\u{ord(char):04X}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08X}")
        elif unicodedata.category(char) == "Cs":  # a lone surrogate cannot be written at all
            out.append("\\uFFFD")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def comment(text: str) -> str:
    """`text` as the body of a one-line TOML comment: nothing in it can start a new line."""
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in (*_ESCAPED, "Cs") else c for c in text
    )


def _spoken_literally(text: str) -> str:
    """Inline text is a Jinja template: text that looks like template syntax is kept verbatim."""
    if any(mark in text for mark in _JINJA_MARKS):
        # One Jinja string literal: nothing inside it (not even "{% endraw %}") is syntax.
        literal = text.replace("\\", "\\\\").replace('"', '\\"')
        return '{{ "' + literal + '" }}'
    return text


def _entry_lines(entry: Entry, code: str) -> list[str]:
    lines = [""]
    if entry.description:
        lines.append(f"# {comment(entry.description)}")
    if entry.note:
        lines.append(f"# Not spoken (written beside the words): {comment(entry.note)}")
    lines += ["[[prompts]]", f"id = {toml_string(entry.id)}"]
    if entry.kind == "silence":
        assert entry.seconds is not None
        lines += ['kind = "silence"', f"seconds = {entry.seconds:g}"]
    else:
        lines.append(f"text = {toml_string(_spoken_literally(entry.text))}")
    lines.append(f"locales = [{toml_string(code)}]")
    return lines


def block(inventories: Sequence[Inventory], result: ImportResult) -> str:
    """The text appended to prompts.toml (with "\\n" line endings)."""
    lines: list[str] = []
    for inventory in inventories:
        mine = [(e, c) for inv, e, c in result.added if inv is inventory]
        skipped = [e for inv, e in result.non_speech if inv is inventory]
        silence = sum(1 for e, _ in mine if e.kind == "silence")
        name = toml_string(inventory.path.name)
        header = f"# Imported from {name} ({inventory.format}): {len(mine)} prompts"
        header += f" ({silence} of them silence)" if silence else ""
        lines += ["", comment(header)]
        if inventory.skipped:
            lines.append(f"# {inventory.skipped} entries commented out in the file (not imported)")
        for entry in (e for inv, e in result.duplicates if inv is inventory):
            lines.append(
                f"# Listed again word for word (imported once): {entry.id} (line {entry.line})"
            )
        for entry in skipped:
            why = comment(f"{entry.id} (line {entry.line}): {entry.reason}")
            lines.append(f"# Not imported: {why}")
        for entry, code in mine:
            lines += _entry_lines(entry, code)
    return "\n".join(lines) + "\n"


def newline_of(data: bytes) -> bytes:
    """The line ending a file uses (its first line's), "\\n" when it has none."""
    end = data.find(b"\n")
    return b"\r\n" if end > 0 and data[end - 1 : end] == b"\r" else b"\n"


def candidate(config: Config, result: ImportResult) -> tuple[bytes, Config]:
    """prompts.toml with the entries appended (its own bytes kept, the block in its line
    ending), and that file parsed."""
    path = config.path
    old = read_bytes(path)
    newline = newline_of(old)
    ending = b"" if not old or old.endswith(b"\n") else newline
    new = old + ending + result.block.replace("\n", newline.decode()).encode("utf-8")
    text = new.decode("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # a bug of ours: the block must always be valid TOML
        raise UsageError(f"{path.name}: the imported entries would not parse: {exc}") from exc
    return new, config_mod.parse(data, path, text)


def check(config: Config, result: ImportResult) -> bytes:
    """The new prompts.toml once it parses, renders and passes the pre-flight with nothing
    new to refuse; ConfigError listing every problem of the import otherwise."""
    new, updated = candidate(config, result)
    problems = [*result.problems, *safety.problems(config, updated, result)]
    if problems:
        raise ConfigError(problems)
    return new


def write(config: Config, new: bytes) -> None:
    """Replace prompts.toml with `new` (atomically, keeping its mode)."""
    write_atomic(config.path, new, mode=config.path.stat().st_mode & 0o777)
