"""Replace the published folder by the staged one in one step (renameat2), or two renames."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
import uuid
from collections.abc import Callable
from pathlib import Path

# Exchanges two paths atomically; False when the platform cannot (then two renames do it).
Exchange = Callable[[Path, Path], bool]
# renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE): 0, or the errno it failed with.
Renameat2 = Callable[[bytes, bytes], int]

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
# The kernel, the libc or the file system cannot exchange: fall back to two renames.
_UNSUPPORTED = (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP)


@functools.cache
def _libc_renameat2() -> Callable[..., int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    func: Callable[..., int] | None = getattr(ctypes.CDLL(name, use_errno=True), "renameat2", None)
    return func


def libc_renameat2(a: bytes, b: bytes) -> int:
    """The real system call through libc; ENOSYS where libc has no renameat2."""
    func = _libc_renameat2()
    if func is None:
        return errno.ENOSYS
    if func(_AT_FDCWD, a, _AT_FDCWD, b, ctypes.c_uint(_RENAME_EXCHANGE)) == 0:
        return 0
    return ctypes.get_errno()


def renameat2_exchange(a: Path, b: Path, *, call: Renameat2 = libc_renameat2) -> bool:
    """Exchange a and b atomically; False when unsupported, OSError on any other failure."""
    err = call(os.fsencode(a), os.fsencode(b))
    if err == 0:
        return True
    if err in _UNSUPPORTED:
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap(staging: Path, out: Path, exchange: Exchange = renameat2_exchange) -> None:
    """Put staging in out's place; staging ends up holding the previous set (or empty)."""
    if not out.exists():
        os.rename(staging, out)
        staging.mkdir()
        return
    if exchange(staging, out):
        return
    # Killed between these renames, the previous set waits in `aside`; the next build puts it
    # back (see stage.remove_leftovers).
    aside = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:12]}"
    os.rename(out, aside)
    os.rename(staging, out)
    os.rename(aside, staging)
