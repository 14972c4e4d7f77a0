"""Atomic file writes: a temp file in the target's folder, then os.replace; no reader ever sees
half a file, and a failed write leaves the old file as it was."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, mode: int | None = None, sync: bool = False) -> None:
    """Replace `path` with `data`. `mode`: the new file's permissions (mkstemp makes 0600);
    `sync`: fsync before the rename, for files whose loss would cost money (the lock file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
