"""What a build is asked for: its command-line choices (light: the fast no-op digests them)."""

from __future__ import annotations

from dataclasses import dataclass

from ..kinds import EngineName


@dataclass(frozen=True)
class BuildOptions:
    """What to build: fnmatch patterns on prompt ids, locale codes, an engine for every prompt."""

    only: tuple[str, ...] = ()
    locales: tuple[str, ...] = ()
    engine: EngineName | None = None
