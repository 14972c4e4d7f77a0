"""What a published set says about its own files, for `validate`: each file's target and format
(from the manifest), so `validate dist` judges an Asterisk .g722 or a FreeSWITCH 16000/ WAV by the
rules the build checked it against, and knows the set's indexes from a stray file."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..kinds import PROFILE_NAMES
from ..plugins import TARGET_NAMES
from ..validate import Finding, Rules, profile_rules
from ..validate.rules import WIDEBAND_RATE, at_rate
from . import targets
from .manifest import FINGERPRINT, INDEX, MANIFEST, PromptRecord, read_manifest

# The 16 kHz formats a set publishes with [publish] hd = true.
_WIDE_FORMATS = frozenset({"sln16", "pcm16-wav16", "g722"})


@functools.cache
def _index_names() -> re.Pattern[str]:
    """The transcript indexes every registered target writes beside its prompts (each target
    declares its own pattern)."""
    patterns = [targets.door(name).index_pattern for name in TARGET_NAMES]
    return re.compile("|".join(f"(?:{p})" for p in patterns if p))


@dataclass(frozen=True)
class _Entry:
    target: str
    format: str
    silence_s: float | None = None  # a non-speech prompt (kind = "silence"): its seconds


class _Set:
    """One published set: its root and every file its manifest lists."""

    def __init__(self, root: Path, files: dict[str, _Entry]) -> None:
        self.root = root
        self.files = files

    def relative(self, path: Path) -> str | None:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None


class PublishedSets:
    """The published sets the validated paths lie in (a `validate.Layout`)."""

    def __init__(self, sets: Sequence[_Set]) -> None:
        self.sets = list(sets)

    def _find(self, path: Path) -> tuple[_Set, str] | None:
        for one in self.sets:
            rel = one.relative(path)
            if rel is not None:
                return one, rel
        return None

    def rules(self, path: Path, base: Rules) -> Rules | None:
        found = self._find(path)
        if found is None:
            return base  # outside every set: the generic rules
        entry = found[0].files.get(found[1])
        if entry is None:
            return None
        rules = base
        if entry.target in PROFILE_NAMES:  # a target named after its platform checks by it
            rules = profile_rules(entry.target, base)
        return at_rate(rules, WIDEBAND_RATE) if entry.format in _WIDE_FORMATS else rules

    def is_index(self, path: Path) -> bool:
        found = self._find(path)
        if found is None:
            return False
        rel = found[1]
        return rel in (MANIFEST, INDEX, FINGERPRINT) or _index_names().fullmatch(rel) is not None

    def silence(self, path: Path) -> float | None:
        found = self._find(path)
        entry = found[0].files.get(found[1]) if found is not None else None
        return entry.silence_s if entry is not None else None

    def missing(self, paths: Sequence[Path]) -> list[Finding]:
        found: list[Finding] = []
        for path in paths:
            where = self._find(path) if path.is_dir() else None
            if where is None:
                continue
            one, rel = where
            prefix = "" if rel == "." else f"{rel}/"
            for name in sorted(one.files):
                if name.startswith(prefix) and not (one.root / name).is_file():
                    found.append(
                        Finding(
                            str(path / name.removeprefix(prefix)),
                            "missing",
                            "error",
                            "the set's manifest lists this file but it is not there; "
                            "rebuild the set (ivr-prompts build)",
                        )
                    )
        return found


def _silence(record: PromptRecord) -> float | None:
    return record["duration_s"] if record.get("kind") == "silence" else None


def published_sets(paths: Sequence[Path]) -> PublishedSets | None:
    """The published sets (folders holding our manifest) that `paths` lie in; None if none."""
    roots: dict[Path, _Set] = {}
    for path in paths:
        start = path.resolve() if path.is_dir() else path.resolve().parent
        for folder in (start, *start.parents):
            if folder in roots:
                break
            manifest = read_manifest(folder) if (folder / MANIFEST).is_file() else None
            if manifest is not None:
                files = {
                    f["path"]: _Entry(f["target"], f["format"], _silence(record))
                    for record in manifest["prompts"]
                    for f in record["files"]
                }
                roots[folder] = _Set(folder, files)
                break
    return PublishedSets(list(roots.values())) if roots else None
