"""What a path given to `validate` is, before anything reads it: a file of a size we can hold."""

from __future__ import annotations

import os
import stat
from pathlib import Path

# A prompt is seconds long (a minute of 8 kHz G.711 is 0.48 MB; platforms cap uploads at 10-50 MB),
# and validation holds a file's samples in memory: a larger file is refused, not read.
MAX_FILE_BYTES = 100 * 1000 * 1000


def unreadable(path: Path, limit: int = MAX_FILE_BYTES) -> str | None:
    """Why `path` cannot be validated as an audio file (one line with the fix), or None."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "no such file or directory; check the path"
    except PermissionError:
        return "permission denied; check the file's permissions"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc}); check the path"
    mode = info.st_mode
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file; save the stream to a file and validate that"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file; validate reads audio files"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file; validate reads audio files"
    if not stat.S_ISREG(mode):
        return "not a regular file; validate reads audio files"
    if info.st_size > limit:
        return (
            f"{info.st_size / 1e6:,.0f} MB, over the {limit / 1e6:,.0f} MB validate reads "
            "(a prompt is seconds long); trim or split the recording first"
        )
    return None
