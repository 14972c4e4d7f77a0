"""The lock file (prompts.lock.json): which remote dictionary holds each locale's words."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TypedDict

from ...errors import ConfigError

LOCK_VERSION = 1


class LockEntry(TypedDict):
    """One locale's remote dictionary: the content digest it was made from and its id."""

    digest: str
    id: str


class LockFile(TypedDict):
    """prompts.lock.json."""

    version: int
    dictionaries: dict[str, LockEntry]


def read_lock(lock_path: Path) -> dict[str, LockEntry]:
    """The lock file's dictionaries; empty when the file does not exist."""
    try:
        raw = lock_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
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
    problems: list[str] = []
    out: dict[str, LockEntry] = {}
    if not isinstance(data, dict) or data.get("version") != LOCK_VERSION:
        problems.append(f'{lock_path.name}: expected {{"version": {LOCK_VERSION}, ...}}')
        raise ConfigError(problems)
    entries = data.get("dictionaries", {})
    if not isinstance(entries, dict):
        raise ConfigError([f"{lock_path.name}: dictionaries: expected an object"])
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


def write_lock(lock_path: Path, entries: Mapping[str, LockEntry]) -> None:
    """Write the lock file atomically, keys sorted, with a trailing newline."""
    data: LockFile = {
        "version": LOCK_VERSION,
        "dictionaries": {k: {"digest": v["digest"], "id": v["id"]} for k, v in entries.items()},
    }
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{lock_path.name}.", dir=lock_path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, lock_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
