"""The next set staged beside the output under a lock, then swapped in atomically."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..config import Config
from ..errors import PublishError, UsageError
from ..export.hd import HD_FORMATS
from .failures import file_error, output_error
from .layout import PlannedFile, encode_file, index_files
from .lock import check_location, open_lock, try_flock
from .manifest import (
    INDEX,
    MANIFEST,
    FileRecord,
    Manifest,
    PromptRecord,
    manifest_bytes,
    new_manifest,
    stat_index_bytes,
)
from .swap import Exchange, renameat2_exchange, swap

log = logging.getLogger(__name__)


@dataclass
class PublishItem:
    """One prompt x locale to publish: its record and where its bytes come from."""

    record: PromptRecord
    files: list[PlannedFile]
    pcm: npt.NDArray[np.int16] | None  # None: reuse the files of the previous set
    pcm_hd: npt.NDArray[np.int16] | None = None  # 16 kHz, for the HD formats


def check_output(config: Config, manifest: Manifest | None) -> Path:
    """The output folder, refusing any whose replacement would destroy the user's files (or
    the cache); `manifest` is what read_manifest found there."""
    out = check_location(config)
    if out.exists() and (not out.is_dir() or (manifest is None and any(out.iterdir()))):
        raise UsageError(
            f"{config.path.name}: project.output: {out} exists and was not made by ivr-prompts "
            f"(no valid {MANIFEST}); remove it or choose another folder"
        )
    return out


@contextlib.asynccontextmanager
async def output_lock(
    out: Path,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    poll: float = 0.05,
) -> AsyncIterator[None]:
    """Serialise builds of one output folder: the second waits (without blocking the event
    loop, so Ctrl-C still works) until the first has published or given up."""
    with open_lock(out) as handle:
        waited = False
        while not try_flock(handle):
            if not waited:
                log.info("waiting for another build of %s to finish", out)
                waited = True
            await sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Stager:
    """The next set, built in a folder beside the output while the build runs.

    Use it with the output lock held. Pairs are written as soon as each is ready, from worker
    threads, and admitted into the set once the build has validated them; `finish()` swaps
    the whole set in atomically. Leaving the `with` block without finishing removes the staging
    folder and leaves the published set exactly as it was. Every OSError becomes one
    PublishError line naming the path (as it would be published) and the fix.
    """

    def __init__(self, config: Config, *, exchange: Exchange = renameat2_exchange) -> None:
        self.config = config
        self.out = config.project.output.resolve()
        self.exchange = exchange
        self.staging = self.out.parent / f".{self.out.name}.staging-{uuid.uuid4().hex[:12]}"
        self._records: list[PromptRecord] = []
        self._guard = threading.Lock()
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Stager:
        try:
            self.staging.mkdir()
        except OSError as exc:
            raise output_error(exc, self.staging) from exc
        self._stack.callback(shutil.rmtree, self.staging, ignore_errors=True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def write(self, item: PublishItem) -> None:
        """Write one pair's files into the staging folder (new, or linked from the published
        set) and list them in its record; the pair is not in the set until `admit`ted."""
        try:
            item.record["files"] = _write_item(self.staging, self.out, item)
        except OSError as exc:
            raise self._error(exc, file_error) from exc

    def admit(self, record: PromptRecord) -> None:
        """Make one written (and, if new, validated) pair part of the set."""
        with self._guard:
            self._records.append(record)

    def finish(self, last: Callable[[Path], None] | None = None) -> Manifest:
        """Write the manifest and indexes (then whatever `last` writes into the staged folder),
        and swap the staged set in."""
        manifest = new_manifest(self.config, self._records)
        try:
            for path, text in index_files(self.config, manifest).items():
                _write_text(self.staging / path, text)
            (self.staging / INDEX).write_bytes(stat_index_bytes(self.staging, manifest))
            (self.staging / MANIFEST).write_bytes(manifest_bytes(manifest))
            if last is not None:
                last(self.staging)
            _fsync_tree(self.staging)
        except OSError as exc:
            raise self._error(exc, file_error) from exc
        try:
            swap(self.staging, self.out, self.exchange)  # staging now holds the previous set
        except OSError as exc:
            raise output_error(exc, self.out) from exc
        return manifest

    def _error(self, exc: OSError, kind: Callable[[OSError, Path], PublishError]) -> PublishError:
        """The error, with the staging folder in its path shown as the output folder (a full
        disk names the output: which file met it is chance)."""
        where = Path(exc.filename) if isinstance(exc.filename, str) else self.staging
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            where = self.out
        elif where.is_relative_to(self.staging):
            where = self.out / where.relative_to(self.staging)
        return kind(exc, where)


def _write_item(staging: Path, out: Path, item: PublishItem) -> list[FileRecord]:
    previous = {f["path"]: f for f in item.record.get("files", [])}
    records: list[FileRecord] = []
    for planned in item.files:
        if planned.path.startswith("/") or ".." in planned.path.split("/"):
            raise UsageError(f"refusing to write outside the output folder: {planned.path}")
        dest = staging / planned.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        if item.pcm is None:
            old = previous[planned.path]
            _link_or_copy(out / planned.path, dest)
            records.append(old)
            continue
        hd_file = planned.format in HD_FORMATS
        pcm = item.pcm_hd if hd_file else item.pcm
        if pcm is None:
            raise UsageError(f"{planned.path}: no 16 kHz audio to write (set publish.hd)")
        data = encode_file(pcm, planned.format)
        dest.write_bytes(data)
        records.append(
            FileRecord(
                path=planned.path,
                target=planned.target,
                format=planned.format,
                bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        )
    return records


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _link_or_copy(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
