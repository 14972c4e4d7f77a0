"""The local content-addressed store: sharded, atomic, every entry verified against its key."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import stat
from pathlib import Path

from ..atomic import write_atomic
from ..errors import UsageError
from .entry import AudioEntry, InvalidEntry, decode, encode
from .keys import Kind, entry_name

log = logging.getLogger(__name__)


class Cache:
    """Entries live at <root>/<kind>/<ab>/<cdef...>; two builds may share one root safely."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, kind: Kind, key: str) -> Path:
        return self.root / entry_name(kind, key)

    def has(self, kind: Kind, key: str) -> bool:
        return self.path(kind, key).is_file()

    def get(self, kind: Kind, key: str) -> AudioEntry | None:
        """The entry, or None when absent or invalid (an invalid entry is removed and logged)."""
        path = self.path(kind, key)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            if _clear(path):
                log.warning("cache entry %s was not a file; removed it, re-making it", path)
            else:
                log.warning("cache entry %s unreadable (%s); re-making it", path, exc)
            return None
        try:
            return decode(blob, kind, key)
        except InvalidEntry as exc:
            log.warning("cache entry %s %s; discarding it and re-making it", path, exc.reason)
            with contextlib.suppress(OSError):
                path.unlink()
            return None

    def put(self, kind: Kind, key: str, entry: AudioEntry) -> bytes:
        """Store atomically (a reader sees the old state or the whole entry); returns its bytes."""
        blob = encode(kind, key, entry)
        self.put_blob(kind, key, blob)
        return blob

    def put_blob(self, kind: Kind, key: str, blob: bytes) -> None:
        """Store bytes already encoded (and verified) for this key."""
        path = self.path(kind, key)
        try:
            _make_room(self.root, path)
            write_atomic(path, blob)
        except OSError as exc:
            raise UsageError(
                f"cannot write the cache at {self.root}: {exc.strerror or exc}; "
                "free space or point project.cache at a writable folder"
            ) from exc


def _make_room(root: Path, path: Path) -> None:
    """Make the entry's folders folders and its place free of anything but a file.

    Whatever stands in the way inside the cache (a file where a shard folder belongs, a folder
    or link where an entry belongs) is removed: it is cache damage, not user data.
    """
    for folder in (path.parent.parent, path.parent):
        with contextlib.suppress(FileNotFoundError):
            if not stat.S_ISDIR(os.lstat(folder).st_mode):
                log.warning("cache folder %s was not a folder; replacing it", folder)
                folder.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    if _clear(path):
        log.warning("cache entry %s was not a file; replacing it", path)


def _clear(path: Path) -> bool:
    """Remove `path` if it exists and is not a regular file; whether it did."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return False
    if stat.S_ISREG(mode):
        return False
    if stat.S_ISDIR(mode):
        shutil.rmtree(path)
    else:
        path.unlink()  # a link, FIFO or socket: never followed
    return True
