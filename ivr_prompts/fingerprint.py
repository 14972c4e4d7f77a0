"""A digest of every input of a build and of the published tree: a no-op build in constant time.

Written into the published set with it; when a later build with the same options finds the same
inputs and a tree whose every file still has the size and mtime it was published with (and none
newer than the fingerprint), nothing can have changed: the build stops without rendering,
keying or reading the manifest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__, cache
from .atomic import write_atomic
from .audio.chain import PROCESSING_VERSION
from .config import Config
from .engines.registry import Engines, resolve, voice_for
from .errors import IvrPromptsError
from .plan import BuildOptions, Plan
from .publish.manifest import FINGERPRINT, MANIFEST_VERSION

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Counts:
    """What a build found: pairs, and per (locale, engine) prompts, synthesized, from the cache,
    unchanged."""

    pairs: int
    from_cache: int
    reused: int
    kept: int
    removed: tuple[tuple[str, str], ...]
    rows: tuple[tuple[str, str, int, int, int, int], ...]

    @classmethod
    def of(cls, plan: Plan) -> Counts:
        rows: dict[tuple[str, str], list[int]] = {}
        for pair in plan.pairs:
            row = rows.setdefault((pair.locale.code, pair.engine), [0, 0, 0, 0])
            row[0] += 1
            row[1] += pair.action == "synthesize"
            row[2] += pair.action in ("cached", "process")
            row[3] += pair.action in ("reuse", "keep")
        return cls(
            pairs=len(plan.pairs),
            from_cache=plan.count("cached"),
            reused=plan.count("reuse"),
            kept=plan.count("keep"),
            removed=tuple(plan.removed),
            rows=tuple((c, e, r[0], r[1], r[2], r[3]) for (c, e), r in sorted(rows.items())),
        )

    def next_noop(self, plan: Plan) -> dict[str, Any]:
        """What a no-op build after this one (same options) finds, as stored in the fingerprint."""
        unchanged: dict[tuple[str, str], int] = {}
        for pair in plan.pairs:
            key = (pair.locale.code, pair.engine)
            unchanged[key] = unchanged.get(key, 0) + (pair.action != "skip")
        return {
            "pairs": self.pairs,
            "reused": sum(1 for p in plan.pairs if p.selected),
            "kept": sum(1 for p in plan.pairs if not p.selected and p.action != "skip"),
            "rows": [[c, e, n, 0, 0, unchanged[(c, e)]] for c, e, n, *_ in self.rows],
        }


def inputs_digest(config: Config, options: BuildOptions, engines: Engines) -> str | None:
    """SHA-256 of everything a build reads: tool, options, config, templates, dictionaries and
    the identity of every engine and voice it would use; None if any of it cannot be read (the
    full build then says why)."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    versions = [__version__, cache.SCHEMA_VERSION, PROCESSING_VERSION, MANIFEST_VERSION]
    add("tool", json.dumps(versions).encode())
    add("options", json.dumps([options.only, options.locales, options.engine]).encode())
    try:
        add("config", config.path.read_bytes())
        for path in _files(config.templates_dir):
            add(f"template {path.relative_to(config.templates_dir)}", path.read_bytes())
        for code, locale in config.locales.items():
            if locale.pronunciations is not None:
                add(f"pronunciations {code}", locale.pronunciations.read_bytes())
        add("engines", json.dumps(_identities(config, options, engines)).encode())
    except (OSError, IvrPromptsError) as exc:
        log.debug("no input fingerprint: %s", exc)
        return None
    return digest.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            yield Path(folder) / name


def _identities(config: Config, options: BuildOptions, engines: Engines) -> list[Any]:
    """Each distinct engine x voice x model the prompts use, with the engine's identity."""
    seen: dict[tuple[str, str, str], dict[str, str]] = {}
    overrides = {(p.engine, p.voice): p for p in config.prompts}
    for locale in config.locales.values():
        for prompt in overrides.values():
            name = resolve(options.engine or prompt.engine or locale.engine, locale)
            voice = voice_for(name, locale, prompt)
            model = config.synth.model if name == "waves" else ""
            if (name, voice, model) not in seen:
                seen[(name, voice, model)] = engines.get(name).identity(voice, model)
    return sorted([list(k), v] for k, v in seen.items())


def tree_state(root: Path) -> tuple[str, int]:
    """A digest of every file's path, size and mtime under root, and the newest mtime.

    In the order the folders list their entries: an unchanged folder lists them in the same
    order, and a changed order only costs a full look.
    """
    lines: list[str] = []
    newest = 0
    stack = [(str(root), "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as listing:
            for entry in listing:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, f"{prefix}{entry.name}/"))
                elif prefix or entry.name != FINGERPRINT:
                    st = entry.stat(follow_symlinks=False)
                    lines.append(f"{prefix}{entry.name}\0{st.st_size}\0{st.st_mtime_ns}")
                    newest = max(newest, st.st_mtime_ns)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest(), newest


def write(root: Path, inputs: str, counts: dict[str, Any]) -> None:
    """Record the inputs and the tree under root, in a file newer than every file there."""
    tree, newest = tree_state(root)
    # File times come from the kernel's coarse clock: wait for it to pass the newest file, so an
    # edit made after this write cannot share the fingerprint's mtime unnoticed.
    coarse = getattr(time, "CLOCK_REALTIME_COARSE", time.CLOCK_REALTIME)
    while time.clock_gettime_ns(coarse) <= newest:
        time.sleep(0.001)
    blob = json.dumps({"inputs": inputs, "tree": tree, "noop": counts}).encode()
    write_atomic(root / FINGERPRINT, blob)


def unchanged(root: Path, inputs: str | None) -> Counts | None:
    """The counts of a no-op build when root holds the set these inputs built, untouched."""
    if inputs is None:
        return None
    try:
        path = root / FINGERPRINT
        written = path.stat().st_mtime_ns
        data = json.loads(path.read_bytes())
        if data["inputs"] != inputs:
            return None
        tree, newest = tree_state(root)
        if tree != data["tree"] or newest >= written:
            return None
        noop = data["noop"]
        rows: Sequence[Any] = noop["rows"]
        return Counts(
            pairs=int(noop["pairs"]),
            from_cache=0,
            reused=int(noop["reused"]),
            kept=int(noop["kept"]),
            removed=(),
            rows=tuple(
                (str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows
            ),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def record_noop(root: Path, inputs: str | None, plan: Plan) -> None:
    """After a no-op that had to look (no or another fingerprint), fingerprint the set as is."""
    if inputs is None:
        return
    with contextlib.suppress(OSError):
        write(root, inputs, Counts.of(plan).next_noop(plan))
