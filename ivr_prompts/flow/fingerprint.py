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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..atomic import write_atomic
from ..config import Config
from ..engines.registry import Engines, speaker
from ..errors import IvrPromptsError
from ..publish.lock import check_location, output_lock_now, remove_leftovers
from ..publish.manifest import FINGERPRINT
from ..text import libraries
from ..versions import MANIFEST_VERSION, PROCESSING_VERSION, SCHEMA_VERSION
from .options import BuildOptions
from .outcome import BuildReport, Counts

if TYPE_CHECKING:
    from .plan import Plan

log = logging.getLogger(__name__)


def inputs_digest(config: Config, options: BuildOptions, engines: Engines) -> str | None:
    """SHA-256 of everything a build reads: tool, options, config, templates, dictionaries and
    the identity of every engine and voice it would use; None if any of it cannot be read (the
    full build then says why)."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    versions = [__version__, SCHEMA_VERSION, PROCESSING_VERSION, MANIFEST_VERSION]
    versions += libraries.versions()  # num2words, Babel...: an upgrade may say numbers anew
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
            who = speaker(config, locale, prompt, options.engine)
            if (who.engine, who.voice, who.model) not in seen:
                ident = engines.identity(who.engine, who.voice, who.model)
                seen[(who.engine, who.voice, who.model)] = ident
    return sorted([list(k), v] for k, v in seen.items())


def tree_state(root: Path) -> tuple[str, int]:
    """A digest of every file's path, size and mtime under root, and the newest mtime.

    In the order the folders list their entries (an unchanged folder lists them in the same
    order; a changed order only costs a full look). Each file is stat'ed relative to its open
    folder, which spares the kernel a walk down the whole path per file.
    """
    digest = hashlib.sha256()
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        newest = _scan(fd, "", digest.update)
    finally:
        os.close(fd)
    return digest.hexdigest(), newest


_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


def _scan(fd: int, prefix: str, update: Callable[[bytes], None]) -> int:
    """Digest the files of the open folder `fd`, then its folders (one open at a time)."""
    lines: list[str] = []
    times: list[int] = []
    folders: list[str] = []
    with os.scandir(fd) as listing:
        for entry in listing:
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.name)
            elif prefix or entry.name != FINGERPRINT:
                st = entry.stat(follow_symlinks=False)
                lines.append(f"{prefix}{entry.name}\0{st.st_size}\0{st.st_mtime_ns}\n")
                times.append(st.st_mtime_ns)
    update("".join(lines).encode())
    newest = max(times, default=0)
    for name in folders:
        sub = os.open(name, _FOLDER, dir_fd=fd)
        try:
            newest = max(newest, _scan(sub, f"{prefix}{name}/", update))
        finally:
            os.close(sub)
    return newest


def wait_past(newest: int) -> None:
    """Wait until a file written now gets an mtime after `newest` (ns). File times come from the
    kernel's coarse clock: a record written after this wait is newer than every file it
    describes, so an edit made after it cannot share its mtime unnoticed."""
    coarse = getattr(time, "CLOCK_REALTIME_COARSE", time.CLOCK_REALTIME)
    while time.clock_gettime_ns(coarse) <= newest:
        time.sleep(0.001)


def write(root: Path, inputs: str, counts: dict[str, Any]) -> None:
    """Record the inputs and the tree under root, in a file newer than every file there."""
    tree, newest = tree_state(root)
    wait_past(newest)
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


def answer_noop(
    config: Config,
    options: BuildOptions,
    engines: Engines | None = None,
    *,
    verify_exports: bool = False,
) -> BuildReport | None:
    """A no-op build answered at once: its report when the output holds the set these inputs
    built, untouched, no other build holds it, and the exports ([publish] archive, upload,
    Connect) recorded their run for this very set; else None, and the full build looks (it
    waits for the lock, plans, publishes, exports). Imports nothing heavy: no numpy, no event
    loop, no boto3. `verify_exports`: never answer from the exports' record."""
    if config.publish.exports and verify_exports:
        return None
    out = check_location(config)
    if not out.is_dir():
        return None
    with output_lock_now(out) as held:
        if not held:
            return None
        remove_leftovers(out)  # what a killed build left, as every build does first
        inputs = inputs_digest(config, options, engines or Engines(config))
        counts = unchanged(out, inputs)
        if counts is None:
            return None
        report = BuildReport(counts, _manifest_at=out)
        if config.publish.exports:
            from ..export.recorded import recall

            report.exports = recall(config, inputs)
            if report.exports is None:
                return None
        return report


def record_noop(root: Path, inputs: str | None, plan: Plan) -> None:
    """After a no-op that had to look (no or another fingerprint), fingerprint the set as is."""
    if inputs is None:
        return
    with contextlib.suppress(OSError):
        write(root, inputs, Counts.of(plan).next_noop(plan))
