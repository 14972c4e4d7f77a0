"""The next set staged beside the output under a lock, then swapped in atomically."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..config import Config
from ..errors import UsageError
from .layout import PlannedFile, encode_file, index_files
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

log = logging.getLogger(__name__)


@dataclass
class PublishItem:
    """One prompt x locale to publish: its record and where its bytes come from."""

    record: PromptRecord
    files: list[PlannedFile]
    pcm: npt.NDArray[np.int16] | None  # None: reuse the files of the previous set


def check_output(config: Config, manifest: Manifest | None) -> Path:
    """The output folder, refusing any whose replacement would destroy the user's files (or
    the cache); `manifest` is what read_manifest found there."""
    out = config.project.output.resolve()
    root = config.root.resolve()
    if out == root or out in root.parents:
        raise UsageError(
            f"{config.path.name}: project.output: {out} contains the project itself; "
            'choose a folder of its own such as "dist"'
        )
    if out.exists() and (not out.is_dir() or (manifest is None and any(out.iterdir()))):
        raise UsageError(
            f"{config.path.name}: project.output: {out} exists and was not made by ivr-prompts "
            f"(no valid {MANIFEST}); remove it or choose another folder"
        )
    cache = config.project.cache.resolve()
    if cache.exists() and not cache.is_dir():
        raise UsageError(
            f"{config.path.name}: project.cache: {cache} is a file; name a folder such as "
            '".ivr-cache"'
        )
    if cache == out or out in cache.parents:
        raise UsageError(
            f"{config.path.name}: project.cache: {cache} is inside project.output, which every "
            "build replaces; keep the cache outside it"
        )
    return out


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Serialise publishers of one output folder (two builds sharing it wait for each other)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = out.parent / f".{out.name}.lock"
    with open(lock, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Stager:
    """The next set, built in a folder beside the output while the build runs.

    Pairs are written as soon as each is ready, from worker threads, and admitted into the set
    once the build has validated them; `finish()` swaps the whole set in atomically. Leaving the
    `with` block without finishing removes the staging folder and leaves the published set
    exactly as it was.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self.out = config.project.output.resolve()
        self.staging = self.out.parent / f".{self.out.name}.staging-{uuid.uuid4().hex[:12]}"
        self._records: list[PromptRecord] = []
        self._guard = threading.Lock()
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Stager:
        self._stack.enter_context(output_lock(self.out))
        _remove_stale(self.out)
        self.staging.mkdir()
        self._stack.callback(shutil.rmtree, self.staging, ignore_errors=True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def write(self, item: PublishItem) -> None:
        """Write one pair's files into the staging folder (new, or linked from the published
        set) and list them in its record; the pair is not in the set until `admit`ted."""
        item.record["files"] = _write_item(self.staging, self.out, item)

    def admit(self, record: PromptRecord) -> None:
        """Make one written (and, if new, validated) pair part of the set."""
        with self._guard:
            self._records.append(record)

    def finish(self) -> Manifest:
        """Write the manifest and indexes, then swap the staged set in."""
        manifest = new_manifest(self.config, self._records)
        for path, text in index_files(self.config, manifest).items():
            _write_text(self.staging / path, text)
        (self.staging / INDEX).write_bytes(stat_index_bytes(self.staging, manifest))
        (self.staging / MANIFEST).write_bytes(manifest_bytes(manifest))
        _fsync_tree(self.staging)
        _swap(self.staging, self.out)  # the staging path now holds the previous set
        return manifest


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
        data = encode_file(item.pcm, planned.format)
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


def _remove_stale(out: Path) -> None:
    """Staging folders left by a killed build (we hold the output lock, so none is live)."""
    for stale in out.parent.glob(f".{out.name}.staging-*"):
        log.info("removing %s left by an interrupted build", stale)
        shutil.rmtree(stale, ignore_errors=True)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _swap(staging: Path, out: Path) -> None:
    """Atomically exchange staging and out (renameat2), else two renames; staging ends up old."""
    if not out.exists():
        os.rename(staging, out)
        staging.mkdir()
        return
    if _renameat2_exchange(staging, out):
        return
    aside = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:12]}"
    os.rename(out, aside)
    os.rename(staging, out)
    os.rename(aside, staging)


def _renameat2_exchange(a: Path, b: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    func = getattr(libc, "renameat2", None)
    if func is None:
        return False
    result = func(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), ctypes.c_uint(_RENAME_EXCHANGE)
    )
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))
