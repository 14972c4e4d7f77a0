"""The entry format: bytes that say which key they belong to and prove they are whole."""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .keys import Kind

# IVRC2 binds each entry to its kind and key (IVRC1 entries did not; they now read as invalid).
_MAGIC = b"IVRC2\n"
_HEADER = struct.Struct("<I")
_DIGEST = 32


@dataclass(frozen=True)
class AudioEntry:
    """Mono int16 samples with their rate and the facts recorded when they were made."""

    samples: npt.NDArray[np.int16]
    sample_rate: int
    meta: dict[str, Any]


class InvalidEntry(ValueError):
    """Bytes that are not a whole entry for the key they were read under; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def encode(kind: Kind, key: str, entry: AudioEntry) -> bytes:
    """MAGIC, header length, JSON header (kind, key, rate, meta), samples, SHA-256 of all that."""
    payload = entry.samples.astype("<i2", copy=False).tobytes()
    head = json.dumps(
        {
            "kind": kind,
            "key": key,
            "sample_rate": entry.sample_rate,
            "bytes": len(payload),
            "meta": entry.meta,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    body = _MAGIC + _HEADER.pack(len(head)) + head + payload
    return body + hashlib.sha256(body).digest()


def decode(blob: bytes, kind: Kind, key: str) -> AudioEntry:
    """The entry in `blob`; InvalidEntry if it is damaged, partial or bound to another key."""
    start = len(_MAGIC) + _HEADER.size
    body, digest = blob[:-_DIGEST], blob[-_DIGEST:]
    if not body.startswith(_MAGIC) or len(body) < start:
        raise InvalidEntry("is not a cache entry of this version")
    if hashlib.sha256(body).digest() != digest:
        raise InvalidEntry("is corrupt or partial (checksum mismatch)")
    (size,) = _HEADER.unpack_from(body, len(_MAGIC))
    try:
        head = json.loads(body[start : start + size])
        payload = body[start + size :]
        bound = (head["kind"], head["key"])
        if head["bytes"] != len(payload):
            raise InvalidEntry("is corrupt (sample count mismatch)")
        rate, meta = int(head["sample_rate"]), dict(head["meta"])
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, InvalidEntry):
            raise
        raise InvalidEntry("is corrupt (unreadable header)") from exc
    if bound != (kind, key):
        # A valid entry stored under the wrong name: another prompt's audio, never to be used.
        raise InvalidEntry(f"holds the entry of {bound[0]}/{str(bound[1])[:12]}… (copied over?)")
    return AudioEntry(np.frombuffer(payload, dtype="<i2").astype(np.int16), rate, meta)
