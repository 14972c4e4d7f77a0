"""Cache keys (pure) and a content-addressed store: sharded, atomic, verified on read."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import struct
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .errors import UsageError

log = logging.getLogger(__name__)

# Bump when the meaning of a key or the entry format changes: old entries then simply miss.
SCHEMA_VERSION = 2
_MAGIC = b"IVRC1\n"
_HEADER = struct.Struct("<I")
_DIGEST = 32

Kind = Literal["synth", "audio"]


def make_key(fields: Mapping[str, Any]) -> str:
    """SHA-256 of canonical JSON over `fields` plus the schema version."""
    blob = json.dumps(
        {"schema": SCHEMA_VERSION, **fields},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class AudioEntry:
    """Mono int16 samples with their rate and the facts recorded when they were made."""

    samples: npt.NDArray[np.int16]
    sample_rate: int
    meta: dict[str, Any]


class Cache:
    """Entries live at <root>/<kind>/<ab>/<cdef...>; two builds may share one root safely."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, kind: Kind, key: str) -> Path:
        return self.root / kind / key[:2] / key[2:]

    def has(self, kind: Kind, key: str) -> bool:
        return self.path(kind, key).is_file()

    def get(self, kind: Kind, key: str) -> AudioEntry | None:
        """The entry, or None when absent or corrupt (a corrupt entry is removed and logged)."""
        path = self.path(kind, key)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cache entry %s unreadable (%s); re-synthesizing", path, exc)
            return None
        entry = _decode(blob)
        if entry is None:
            log.warning("cache entry %s is corrupt; discarding it and re-synthesizing", path)
            with contextlib.suppress(OSError):
                path.unlink()
        return entry

    def put(self, kind: Kind, key: str, entry: AudioEntry) -> None:
        """Store atomically: a reader sees the old state or the whole new entry, never a part."""
        path = self.path(kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, _encode(entry))
        except OSError as exc:
            raise UsageError(
                f"cannot write the cache at {self.root}: {exc.strerror or exc}; "
                "free space or point project.cache at a writable folder"
            ) from exc


def _encode(entry: AudioEntry) -> bytes:
    """MAGIC, header length, JSON header, samples, then a SHA-256 of everything before it."""
    payload = entry.samples.astype("<i2", copy=False).tobytes()
    head = json.dumps(
        {"sample_rate": entry.sample_rate, "bytes": len(payload), "meta": entry.meta},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    body = _MAGIC + _HEADER.pack(len(head)) + head + payload
    return body + hashlib.sha256(body).digest()


def _decode(blob: bytes) -> AudioEntry | None:
    start = len(_MAGIC) + _HEADER.size
    body, digest = blob[:-_DIGEST], blob[-_DIGEST:]
    if not body.startswith(_MAGIC) or len(body) < start:
        return None
    if hashlib.sha256(body).digest() != digest:
        return None
    (size,) = _HEADER.unpack_from(body, len(_MAGIC))
    try:
        head = json.loads(body[start : start + size])
        payload = body[start + size :]
        if head["bytes"] != len(payload):
            return None
        rate, meta = int(head["sample_rate"]), dict(head["meta"])
    except (ValueError, KeyError, TypeError):
        return None
    return AudioEntry(np.frombuffer(payload, dtype="<i2").astype(np.int16), rate, meta)


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder and os.replace, so no reader sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
