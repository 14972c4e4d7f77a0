"""The manifest of a published set (what each file holds and why) and its stat index."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypedDict, cast

from .. import __version__
from ..config import Config
from ..versions import MANIFEST_VERSION

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "ivr-prompts-manifest"
INDEX = ".ivr-prompts-index.json"
# Written by fingerprint.py: a digest of the inputs and of the tree (a no-op in constant time).
FINGERPRINT = ".ivr-prompts-fingerprint.json"


class FileRecord(TypedDict):
    path: str
    target: str
    format: str
    bytes: int
    sha256: str


class _RecordOptions(TypedDict, total=False):
    # A prompt with pauses: its spoken parts (verbalized, before the dictionary) and the
    # milliseconds of each pause between them, in order (docs/speaking.md).
    parts: list[str | int]
    # Only on non-speech prompts: "silence" (made by the tool, no engine).
    kind: str


class PromptRecord(_RecordOptions):
    id: str
    locale: str
    language: str
    text: str
    spoken_text: str
    source: str
    engine: str
    voice: str
    model: str
    speed: float
    synth_key: str
    cache_key: str
    duration_s: float
    level_dbov: float
    peak_dbfs: float
    words_per_minute: float
    request_id: str
    checks: str
    files: list[FileRecord]


class Manifest(TypedDict):
    format: str
    version: int
    tool: str
    project: str
    prompts: list[PromptRecord]


_RECORD_KEYS = PromptRecord.__required_keys__
_FILE_KEYS = frozenset(FileRecord.__annotations__)


def read_manifest(out: Path) -> Manifest | None:
    """The published set's manifest, or None when there is none or it is not one of ours.

    A manifest edited into another shape counts as none: never trusted (so a folder holding one
    is not ours to replace: see stage.check_output).
    """
    path = out / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s is unreadable (%s)", path, exc)
        return None
    if _well_formed(data):
        return cast(Manifest, data)
    log.warning("%s is not an ivr-prompts manifest of version %s", path, MANIFEST_VERSION)
    return None


def _well_formed(data: Any) -> bool:
    if not well_formed_head(data) or not isinstance(data.get("prompts"), list):
        return False
    return all(well_formed_record(record) for record in data["prompts"])


def well_formed_head(data: Any) -> bool:
    """Whether `data` (a manifest, its prompts aside) is one of ours, of this version."""
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return False
    return data.get("version") == MANIFEST_VERSION


def well_formed_record(record: Any) -> bool:
    """Whether `record` has every key a record of this version has."""
    if not isinstance(record, dict) or not record.keys() >= _RECORD_KEYS:
        return False
    files = record.get("files")
    if not isinstance(files, list):
        return False
    return all(isinstance(f, dict) and f.keys() >= _FILE_KEYS for f in files)


def manifest_bytes(manifest: Manifest) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode()


def record_json(record: PromptRecord) -> bytes:
    """One record as `manifest_bytes` writes it, before the nesting indent (see write_manifest)."""
    return json.dumps(record, indent=2, ensure_ascii=False).encode()


def write_manifest(handle: BinaryIO, config: Config, records: Iterable[bytes]) -> None:
    """Write the manifest of `records` (each from record_json, in manifest order) to `handle`
    one record at a time: the same bytes as manifest_bytes(new_manifest(...)), without ever
    holding the whole set."""
    head = manifest_bytes(new_manifest(config, []))
    # `head` ends in the empty list: '"prompts": []\n}\n'; records go between the brackets.
    cut = head.rindex(b"[]")
    handle.write(head[: cut + 1])
    separator = b"\n"
    for blob in records:
        handle.write(separator + b"    " + blob.replace(b"\n", b"\n    "))
        separator = b",\n"
    handle.write(b"]" if separator == b"\n" else b"\n  ]")
    handle.write(head[cut + 2 :])


def new_manifest(config: Config, records: Sequence[PromptRecord]) -> Manifest:
    ordered = sorted(records, key=lambda r: (r["id"], r["locale"]))
    return Manifest(
        format=MANIFEST_FORMAT,
        version=MANIFEST_VERSION,
        tool=f"ivr-prompts {__version__}",
        project=config.project.name,
        prompts=list(ordered),
    )


@dataclass(frozen=True)
class StatIndex:
    """Size, mtime and sha256 of each file as published (under `root`), and when that was
    recorded."""

    root: str
    entries: Mapping[str, list[Any]]
    written_ns: int


def file_problem(record: FileRecord, index: StatIndex) -> str | None:
    """Why a published file no longer holds the bytes the manifest lists, or None.

    Like git's index: a file whose size and mtime match what was seen at publish time is not
    read again, unless its mtime is not older than the index itself (an edit within the same
    clock tick would keep the mtime); any other file is hashed and compared with the manifest.
    """
    path = os.path.join(index.root, record["path"])  # not Path: runs for every published file
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "file is missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    seen = index.entries.get(record["path"])
    if seen == [st.st_size, st.st_mtime_ns, record["sha256"]] and st.st_mtime_ns < index.written_ns:
        return None
    if st.st_size != record["bytes"]:
        return "file differs from the manifest (edited or replaced by hand)"
    try:
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    if digest != record["sha256"]:
        return "file differs from the manifest (edited or replaced by hand)"
    return None


def read_index(out: Path) -> StatIndex:
    """The stat index of a published set (a speed-up only: an unusable one means hash all)."""
    path = out / INDEX
    try:
        written = path.stat().st_mtime_ns
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return StatIndex(str(out), {}, 0)
    return StatIndex(str(out), data if isinstance(data, dict) else {}, written)


def stat_index_bytes(root: Path, manifest: Manifest) -> bytes:
    """The stat index of the files under `root` that `manifest` lists."""
    index: dict[str, list[Any]] = {}
    for record in manifest["prompts"]:
        for f in record["files"]:
            st = (root / f["path"]).stat()
            index[f["path"]] = [st.st_size, st.st_mtime_ns, f["sha256"]]
    return json.dumps(index, separators=(",", ":")).encode()


def write_stat_index(handle: BinaryIO, root: Path, files: Iterable[FileRecord]) -> None:
    """Write the stat index of `files` (in manifest order, each path once) to `handle` one
    entry at a time: the same bytes as stat_index_bytes."""
    separator = b"{"
    for f in files:
        st = os.stat(os.path.join(root, f["path"]))
        # As json.dumps([size, mtime, sha256], separators=(",", ":")) writes it, without
        # encoding a list per file (400,000 files in a set of 100,000 pairs).
        path, sha = json.dumps(f["path"]), json.dumps(f["sha256"])
        handle.write(separator + f"{path}:[{st.st_size},{st.st_mtime_ns},{sha}]".encode())
        separator = b","
    handle.write(b"{}" if separator == b"{" else b"}")
