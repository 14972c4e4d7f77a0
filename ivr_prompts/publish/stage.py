"""The next set staged beside the output under a lock, then swapped in atomically."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import fcntl
import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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
    record_json,
    write_manifest,
    write_stat_index,
)
from .previous import PreviousSet
from .swap import Exchange, renameat2_exchange, swap

log = logging.getLogger(__name__)


@dataclass
class PublishItem:
    """One prompt x locale to publish: its record and where its bytes come from."""

    record: PromptRecord
    files: list[PlannedFile]
    pcm: npt.NDArray[np.int16] | None  # None: reuse the files of the previous set
    pcm_hd: npt.NDArray[np.int16] | None = None  # 16 kHz, for the HD formats


def check_output(config: Config, manifest: Manifest | PreviousSet | None) -> Path:
    """The output folder, refusing any whose replacement would destroy the user's files (or
    the cache); `manifest` is what read_manifest (or read_previous) found there."""
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
        # Admitted records wait in an unnamed file beside the output, not in memory: the set
        # may hold 100,000 of them. In memory: (id, locale, text, offset, length) of each.
        self._spool: BinaryIO | None = None
        self._spooled: list[tuple[str, str, str, int, int]] = []
        self._end = 0
        self._guard = threading.Lock()
        self._stack = contextlib.ExitStack()
        # Folders made in the staging folder: each is made once, not once per file in it.
        self._folders: set[str] = set()

    def __enter__(self) -> Stager:
        try:
            self.staging.mkdir()
        except OSError as exc:
            raise output_error(exc, self.staging) from exc
        self._stack.callback(shutil.rmtree, self.staging, ignore_errors=True)
        try:
            self._spool = tempfile.TemporaryFile(dir=self.out.parent, buffering=0)
        except OSError as exc:
            self._stack.close()
            raise output_error(exc, self.out.parent) from exc
        self._stack.callback(self._spool.close)  # unbuffered: closing never writes
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def write(self, item: PublishItem) -> None:
        """Write one pair's files into the staging folder (new, or linked from the published
        set) and list them in its record; the pair is not in the set until `admit`ted."""
        try:
            item.record["files"] = _write_item(self.staging, self.out, item, self._folders)
        except OSError as exc:
            raise self._error(exc, file_error) from exc

    def admit(self, record: PromptRecord, blob: bytes | None = None) -> None:
        """Make one written (and, if new, validated) pair part of the set; `blob` is the record
        as record_json writes it, when the caller has those bytes (a kept record)."""
        blob = record_json(record) if blob is None else blob
        with self._guard:
            assert self._spool is not None, "admit() outside the with block"
            try:
                _write_at(self._spool.fileno(), blob, self._end)
            except OSError as exc:
                raise self._error(exc, file_error) from exc
            self._spooled.append(
                (record["id"], record["locale"], record["text"], self._end, len(blob))
            )
            self._end += len(blob)

    def __len__(self) -> int:
        """How many pairs are admitted."""
        return len(self._spooled)

    def records(self) -> Iterator[PromptRecord]:
        """The admitted records in manifest order (id, locale), read back one at a time."""
        for blob in self._blobs():
            yield json.loads(blob)

    def _blobs(self) -> Iterator[bytes]:
        assert self._spool is not None, "records() outside the with block"
        with self._guard:
            self._spooled.sort()  # manifest order; (id, locale) is unique in a set
            spooled = list(self._spooled)
        for *_, offset, length in spooled:
            yield os.pread(self._spool.fileno(), length, offset)

    def finish(self, last: Callable[[Path], None] | None = None) -> None:
        """Write the manifest and indexes (then whatever `last` writes into the staged folder),
        and swap the staged set in. Each is written record by record: memory does not grow
        with the size of the set."""
        try:
            with self._guard:
                self._spooled.sort()
                texts = [{"id": i, "locale": c, "text": t} for i, c, t, *_ in self._spooled]
            for path, text in index_files(self.config, texts).items():
                _write_text(self.staging / path, text)
            del texts
            with open(self.staging / INDEX, "wb") as handle:
                files = (f for record in self.records() for f in record["files"])
                write_stat_index(handle, self.staging, files)
            with open(self.staging / MANIFEST, "wb") as handle:
                write_manifest(handle, self.config, self._blobs())
            if last is not None:
                last(self.staging)
            sync_tree(self.staging)
        except OSError as exc:
            raise self._error(exc, file_error) from exc
        try:
            swap(self.staging, self.out, self.exchange)  # staging now holds the previous set
        except OSError as exc:
            raise output_error(exc, self.out) from exc

    def _error(self, exc: OSError, kind: Callable[[OSError, Path], PublishError]) -> PublishError:
        """The error, with the staging folder in its path shown as the output folder (a full
        disk names the output: which file met it is chance)."""
        where = Path(exc.filename) if isinstance(exc.filename, str) else self.staging
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            where = self.out
        elif where.is_relative_to(self.staging):
            where = self.out / where.relative_to(self.staging)
        return kind(exc, where)


def _write_item(staging: Path, out: Path, item: PublishItem, folders: set[str]) -> list[FileRecord]:
    """Write (or link) one pair's files; `folders` are those already made under staging.
    Paths are joined as strings: a warm rebuild of 100,000 pairs does this 400,000 times."""
    previous = {f["path"]: f for f in item.record.get("files", [])}
    records: list[FileRecord] = []
    for planned in item.files:
        if planned.path.startswith("/") or ".." in planned.path.split("/"):
            raise UsageError(f"refusing to write outside the output folder: {planned.path}")
        dest = os.path.join(staging, planned.path)
        folder = os.path.dirname(dest)
        if folder not in folders:
            os.makedirs(folder, exist_ok=True)
            folders.add(folder)  # by several threads at once: a set's add is atomic
        if item.pcm is None:
            old = previous[planned.path]
            _link_or_copy(os.path.join(out, planned.path), dest)
            records.append(old)
            continue
        hd_file = planned.format in HD_FORMATS
        pcm = item.pcm_hd if hd_file else item.pcm
        if pcm is None:
            raise UsageError(f"{planned.path}: no 16 kHz audio to write (set publish.hd)")
        data = encode_file(pcm, planned.format)
        with open(dest, "wb") as handle:
            handle.write(data)
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


def _write_at(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _link_or_copy(src: str, dest: str) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def sync_tree(root: Path, *, syncfs: Callable[[int], int] | None = None) -> None:
    """Make every file under root durable before the swap: one syncfs(2) of its filesystem
    where the C library has it (one flush, where an fsync per file costs a disk flush each:
    minutes for 100,000 pairs), else an fsync per file. `syncfs` is for tests."""
    syncfs = syncfs or _libc_syncfs()
    if syncfs is not None:
        fd = os.open(root, os.O_RDONLY)
        try:
            if syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for folder, _, names in os.walk(root):
        for name in names:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


@functools.cache
def _libc_syncfs() -> Callable[[int], int] | None:
    """syncfs(2) from the C library (Linux), or None."""
    try:
        call: Callable[[int], int] = ctypes.CDLL(None).syncfs  # the C library's own symbols
    except (OSError, AttributeError):
        return None
    return call
