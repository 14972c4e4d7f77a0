"""An OSError met while publishing, told as one line: the path, what is wrong, the fix."""

from __future__ import annotations

import errno
from pathlib import Path

from ..errors import PublishError

_FULL = (errno.ENOSPC, errno.EDQUOT)
_CLASH = (errno.ENOTDIR, errno.EEXIST, errno.EISDIR)
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


def file_error(exc: OSError, path: Path) -> PublishError:
    """A file of the set cannot be written at `path` (where it would be published)."""
    if exc.errno in _CLASH:
        return PublishError(
            f"{path}: a file and a folder would share this name; rename the prompt id so that no "
            "id's file is another id's folder or an index file"
        )
    if exc.errno == errno.ENAMETOOLONG:
        return PublishError(
            f"{path}: name too long for the file system (at most 255 bytes per folder or file "
            "name); shorten the prompt id"
        )
    return output_error(exc, path)


def output_error(exc: OSError, path: Path) -> PublishError:
    """The output folder (or the folder beside it) cannot be written at `path`."""
    if exc.errno in _FULL:
        return PublishError(
            f"{path}: no space left on the device; free space there (a build needs room for a "
            "second copy of the files it changes) or choose another project.output"
        )
    if exc.errno in _DENIED:
        what = "read-only file system" if exc.errno == errno.EROFS else "permission denied"
        return PublishError(
            f"{path}: {what}; make {path.parent} writable or choose another project.output"
        )
    if exc.errno in _CLASH:
        return PublishError(
            f"{path}: a part of this path is a file, not a folder; choose another project.output"
        )
    if exc.errno == errno.ENAMETOOLONG:
        return PublishError(f"{path}: name too long; choose a shorter project.output")
    return PublishError(
        f"{path}: cannot write ({exc.strerror or exc}); check the disk and project.output"
    )
