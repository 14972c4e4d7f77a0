"""Doors: engines and targets registered through entry-point groups, ours included.

An engine or a target is one object declaring everything about itself (see engines/door.py and
publish/targets/base.py). ivr-prompts registers its own in its pyproject.toml, in the same
groups a third-party package uses, as mkdocs registers its own `search` plugin:

    [project.entry-points."ivr_prompts.engines"]
    piper = "ivr_prompts.engines.piper_door:DOOR"

This module knows only names and how to load them: the names are read from the installed
packages' metadata without importing any door, so `config` checks `engine = "..."` against them
without importing the engines (which import `config`).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator, Sequence
from typing import Any, overload

from .errors import ConfigError

ENGINES = "ivr_prompts.engines"
TARGETS = "ivr_prompts.targets"
GROUPS = (ENGINES, TARGETS)
_WHAT = {ENGINES: "engine", TARGETS: "target"}


@functools.cache
def _entry_points(group: str) -> dict[str, Any]:
    """Name -> entry point of every installed package's `group` (first on sys.path wins)."""
    import importlib.metadata

    found: dict[str, Any] = {}
    for entry in importlib.metadata.entry_points(group=group):
        found.setdefault(entry.name, entry)
    if not found:
        raise ConfigError(
            [
                f"no {_WHAT.get(group, group)} is registered (entry-point group {group}): "
                "ivr-prompts is not installed; run pip install -e . in its checkout"
            ]
        )
    return found


def names(group: str) -> tuple[str, ...]:
    """Every registered name of `group`, sorted."""
    return tuple(sorted(_entry_points(group)))


@functools.cache
def load(group: str, name: str) -> Any:
    """The object `name` registers in `group` (loaded once per process); ConfigError naming
    the known names when none is registered, or when it cannot be loaded."""
    entries = _entry_points(group)
    if name not in entries:
        raise ConfigError([unknown(group, name)])
    entry = entries[name]
    try:
        return entry.load()
    except Exception as exc:  # a third-party door: any failure is its package's
        raise ConfigError(
            [f"{_WHAT.get(group, group)} {name!r} ({entry.value}) cannot be loaded: {exc}"]
        ) from exc


def unknown(group: str, name: str) -> str:
    """Why `name` is not a registered name of `group`, with the known names."""
    known = names(group)
    hint = difflib.get_close_matches(name, known, n=1)
    tail = f" (did you mean '{hint[0]}'?)" if hint else ""
    return f"unknown {_WHAT.get(group, group)} {name!r}; known: {', '.join(known)}{tail}"


class Registered(Sequence[str]):
    """The names of a group as a sequence read when first used (a settings key's choices,
    a CLI option's choices): nothing is read when the module declaring it is imported."""

    def __init__(self, group: str) -> None:
        self.group = group

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return names(self.group)[index]

    def __len__(self) -> int:
        return len(names(self.group))

    def __iter__(self) -> Iterator[str]:
        return iter(names(self.group))

    def __contains__(self, value: object) -> bool:
        return value in _entry_points(self.group)

    def __repr__(self) -> str:
        return f"Registered({self.group!r})"


ENGINE_NAMES = Registered(ENGINES)
TARGET_NAMES = Registered(TARGETS)
