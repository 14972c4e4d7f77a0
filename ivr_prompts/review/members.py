"""Which files of a compared set `review` may read: regular files inside the set, nothing else.

A manifest is data from wherever the set came from (a colleague's folder, a git ref): a path in
it that is absolute, climbs out with `..`, or reaches out through a symlink must not make the
reviewer's own files part of the page.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Refused:
    """A manifest path that is not a regular file inside the set, and why."""

    path: str
    reason: str


def member(root: Path, rel: object) -> Path | Refused | None:
    """The file `rel` of the set in `root`, if it is a regular file inside it; None when it
    is simply not there (a before-image keeps only changed audio); Refused otherwise."""
    if not isinstance(rel, str):
        return Refused(str(rel), "not a relative path")
    problem = _syntax(rel)
    if problem is not None:
        return Refused(rel, problem)
    path = root / rel
    if not path.exists() and not path.is_symlink():
        return None
    problem = _where(root, path)
    return Refused(rel, problem) if problem is not None else path.resolve()


def _syntax(rel: str) -> str | None:
    """Why `rel` cannot name a file inside a folder, by its spelling alone."""
    if not rel:
        return "not a relative path"
    if rel.startswith("/") or "\\" in rel or "\0" in rel or (len(rel) > 1 and rel[1] == ":"):
        return "an absolute path"
    if any(part in ("", ".", "..") for part in rel.split("/")):
        return "a path with '..' or empty parts"
    return None


def _where(root: Path, path: Path) -> str | None:
    """Why the existing `path` is not a regular file inside `root`, following symlinks."""
    try:
        real, base = path.resolve(strict=True), root.resolve(strict=True)
        mode = os.stat(real).st_mode
    except (OSError, RuntimeError):
        return "a broken or looping symlink"
    if not real.is_relative_to(base):
        return "a symlink out of the set"
    return None if stat.S_ISREG(mode) else "not a regular file"


def refusal_line(label: str, where: str, refused: Refused) -> str:
    """The one line a refused path gets."""
    return (
        f"{label}: {where}: {refused.path!r} is {refused.reason}; not read "
        "(review reads only regular files inside the compared set)"
    )
