"""Import is as safe as build: what the next build would refuse, import refuses first.

The appended entries are rendered and put through the build's own pre-flight (preflight.run:
control characters, text too long for the engine, languages, published paths, platform names)
and Genesys' naming rule; every problem they bring is reported at once, pointed at the line of
the file it came from, and prompts.toml is left untouched.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..config import Config
from ..errors import Problem
from ..export.names import name_problems
from ..flow import preflight
from ..text import render
from .model import Entry, ImportResult, shown


def defined(config: Config) -> dict[tuple[str, str], tuple[int, str]]:
    """(lower-case id, locale) -> (prompts[] index, id) of every pair prompts.toml defines."""
    if not config.prompts:
        return {}
    return {(r.id.lower(), r.locale): (r.prompt.index, r.id) for r in render.render_all(config)}


def already_defined(
    config: Config, where: str, entry: Entry, code: str, found: tuple[int, str]
) -> str:
    index, pid = found
    same = "is already defined" if pid == entry.id else f"differs only in letter case from {pid!r}"
    return (
        f"{where}: {entry.id} [{code}] {same} in {config.path.name} (prompts[{index}]); "
        "remove it there or from the file to import"
    )


def problems(before: Config, after: Config, result: ImportResult) -> list[str]:
    """Every problem the appended entries bring to the next build, at their source line."""
    old = {m for _, m in _findings(before, render.render_all(before) if before.prompts else [])}
    new = _findings(after, render.render_all(after))
    origin = {
        (entry.id, code): f"{shown(inv.path)}:{entry.line}" if entry.line else shown(inv.path)
        for inv, entry, code in result.added
    }
    found: list[str] = []
    for key, message in new:
        if message in old:
            continue  # the project had it before the import: not ours to refuse
        where = origin.get(key)
        found.append(f"{where}: {message}" if where else message)
    return found


def _findings(
    config: Config, rendered: Sequence[render.Rendered]
) -> list[tuple[tuple[str, str], str]]:
    found: list[Problem] = preflight.run(config, rendered)
    out = [((p.prompt, p.locale), p.message) for p in found]
    if "genesys" in config.publish.targets:
        ids = (r.id for r in rendered)
        out += [(("", ""), message) for message in name_problems(ids, config.path.name)]
    return out
