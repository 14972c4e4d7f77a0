"""Cache keys: content hashes of everything that changes the bytes, plus a schema version."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Literal

from ..versions import SCHEMA_VERSION

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


def entry_name(kind: Kind, key: str) -> str:
    """The entry's relative name, the same locally and remotely: <kind>/<ab>/<cdef...>."""
    return f"{kind}/{key[:2]}/{key[2:]}"
