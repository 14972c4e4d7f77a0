"""Where a set may be published, one build per output at a time, and what a killed build left.

Light on purpose (no numpy, no event loop): the fast no-op takes the same lock and cleans up the
same leftovers before it answers; `stage.output_lock` waits for it inside the build's loop.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..config import Config
from ..errors import UsageError
from .failures import output_error

log = logging.getLogger(__name__)


def check_location(config: Config) -> Path:
    """The output folder, refusing one that holds the project or the cache (whatever it holds
    now: this runs before the output lock is taken)."""
    out = config.project.output.resolve()
    root = config.root.resolve()
    if out == root or out in root.parents:
        raise UsageError(
            f"{config.path.name}: project.output: {out} contains the project itself; "
            'choose a folder of its own such as "dist"'
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


def open_lock(out: Path) -> BinaryIO:
    """The lock file beside the output (made if missing), open; flock it with `try_flock`."""
    lock = out.parent / f".{out.name}.lock"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return open(lock, "a+b")
    except OSError as exc:
        where = Path(exc.filename) if isinstance(exc.filename, str) else lock
        raise output_error(exc, where) from exc


def try_flock(handle: BinaryIO) -> bool:
    """Take the build lock on an open lock file if free (True); never waits."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def output_lock_now(out: Path) -> Iterator[bool]:
    """The output lock if nobody holds it (True), else False at once: never waits."""
    with open_lock(out) as handle:
        held = try_flock(handle)
        try:
            yield held
        finally:
            if held:
                fcntl.flock(handle, fcntl.LOCK_UN)


def remove_leftovers(out: Path) -> None:
    """Undo what a killed build left beside the output (call with the output lock held, so no
    live build owns any of it): staging folders are removed; a previous set moved aside by an
    interrupted two-rename swap is put back when the output is missing; a half-written or
    set-aside before-image (what `review` compares with) is removed."""
    parent = out.parent
    if not parent.is_dir():
        return
    for aside in sorted(parent.glob(f".{out.name}.old-*")):
        if not out.exists():
            log.warning("restoring %s from %s, left by an interrupted build", out, aside.name)
            os.rename(aside, out)
        else:
            log.info("removing %s left by an interrupted build", aside)
            shutil.rmtree(aside, ignore_errors=True)
    stale_dirs = (*parent.glob(f".{out.name}.staging-*"), *parent.glob(f".{out.name}.before-*"))
    for stale in stale_dirs:
        log.info("removing %s left by an interrupted build", stale)
        shutil.rmtree(stale, ignore_errors=True)
