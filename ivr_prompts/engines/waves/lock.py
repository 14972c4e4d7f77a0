"""The lock file (prompts.lock.json): which remote dictionary holds each locale's words, and
which dictionaries this project created (the only ones `dicts prune` may delete)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from ...atomic import write_atomic
from ...errors import ConfigError

LOCK_VERSION = 2
# Version 1 had no "created" list; its dictionaries were all created by the project's syncs.
READABLE_VERSIONS = (1, 2)


class LockEntry(TypedDict):
    """One locale's remote dictionary: the content digest it was made from and its id."""

    digest: str
    id: str


class LockFile(TypedDict):
    """prompts.lock.json."""

    version: int
    dictionaries: dict[str, LockEntry]
    created: list[str]


@dataclass
class Lock:
    """The lock file's content: locale -> entry, and the ids this project created."""

    entries: dict[str, LockEntry] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)


def load_lock(lock_path: Path) -> Lock | None:
    """The lock file, or None when it does not exist."""
    try:
        raw = lock_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError([f"{lock_path}: cannot read: {exc}"]) from exc
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(
            [
                f"{lock_path.name}: not valid JSON ({exc}); "
                "delete it and run `ivr-prompts dicts sync`"
            ]
        ) from exc
    if not isinstance(data, dict) or data.get("version") not in READABLE_VERSIONS:
        raise ConfigError([f'{lock_path.name}: expected {{"version": {LOCK_VERSION}, ...}}'])
    entries = _entries(lock_path, data.get("dictionaries", {}))
    if data["version"] == 1:
        return Lock(entries, {e["id"] for e in entries.values()})
    created = data.get("created", [])
    if not isinstance(created, list) or not all(isinstance(i, str) for i in created):
        raise ConfigError([f"{lock_path.name}: created: expected a list of dictionary ids"])
    return Lock(entries, set(created))


def _entries(lock_path: Path, entries: Any) -> dict[str, LockEntry]:
    if not isinstance(entries, dict):
        raise ConfigError([f"{lock_path.name}: dictionaries: expected an object"])
    problems: list[str] = []
    out: dict[str, LockEntry] = {}
    for locale, entry in entries.items():
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("digest"), str)
            and isinstance(entry.get("id"), str)
        ):
            out[locale] = {"digest": entry["digest"], "id": entry["id"]}
        else:
            problems.append(f'{lock_path.name}: dictionaries.{locale}: expected {{"digest", "id"}}')
    if problems:
        raise ConfigError(problems)
    return out


def read_lock(lock_path: Path) -> dict[str, LockEntry]:
    """The lock file's dictionaries; empty when the file does not exist."""
    lock = load_lock(lock_path)
    return lock.entries if lock else {}


def write_lock(
    lock_path: Path, entries: Mapping[str, LockEntry], created: Iterable[str] = ()
) -> None:
    """Write the lock file atomically, keys sorted, with a trailing newline."""
    data: LockFile = {
        "version": LOCK_VERSION,
        "dictionaries": {k: {"digest": v["digest"], "id": v["id"]} for k, v in entries.items()},
        "created": sorted(set(created)),
    }
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(lock_path, text.encode("utf-8"), mode=0o644, sync=True)
